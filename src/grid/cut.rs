//! Cut cells: the cells the wall passes through, with their wetted fractions and wall plane,
//! from the signed distance to the surface at their corners.

use rayon::prelude::*;

use super::distance::DistanceField;
use super::fractions;
use super::marks::Marks;
use super::sweep::{Crossings, Rows};
use crate::mesh::{SurfaceMesh, Vec3};

/// One cell the wall cuts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CutCell {
    /// Grid coordinates.
    pub cell: [i64; 3],
    /// Wetted volume over h^3.
    pub volume: f64,
    /// Wetted fraction of each face, in `DIRECTIONS` order.
    pub faces: [f64; 6],
    /// Wall unit normal (out of the fluid) and distance from the centre (m, positive when the
    /// centre is in the fluid).
    pub wall: [f32; 4],
}

/// The cut cells of the union of `mesh` and the solids `added` among the 3x3x3 neighbourhoods of `boundary` (grid coordinates of fluid cells
/// next to non-fluid ones) in a grid of `dims` cells, and the bytes the working sets took.
pub(crate) fn cut_cells(
    mesh: &SurfaceMesh,
    added: &[&dyn super::Addition],
    origin: Vec3,
    h: f64,
    dims: [usize; 3],
    boundary: &[[i64; 3]],
) -> (Vec<CutCell>, usize) {
    let [nx, ny, nz] = dims;
    let mut near = Marks::new(dims);
    boundary.par_iter().for_each(|c| {
        for m in 0..27 {
            near.mark([c[0] + m % 3 - 1, c[1] + (m / 3) % 3 - 1, c[2] + m / 9 - 1]);
        }
    });
    near.finish();
    let candidates = near.points();
    let mut corners_needed = Marks::new([nx + 1, ny + 1, nz + 1]);
    candidates.par_iter().for_each(|c| {
        for m in 0..8 {
            corners_needed.mark([c[0] + (m & 1), c[1] + ((m >> 1) & 1), c[2] + ((m >> 2) & 1)]);
        }
    });
    corners_needed.finish();
    let nodes = corners_needed.points();

    // Signed distance at the corners: magnitude from the bucket grid, sign from a sweep of node
    // rows (the same robust inside test as the cell centres).
    let sn = Crossings::sweep(mesh, Rows { axis: 0, origin, h, offset: 0.0, rows: [ny + 1, nz + 1] });
    let field = DistanceField::new(mesh, 2.0 * h);
    let phi: Vec<f64> = nodes
        .par_iter()
        .map(|&c| {
            let p = origin + Vec3::new(c[0] as f64, c[1] as f64, c[2] as f64) * h;
            let d = field.distance(p);
            // A corner on the surface itself counts as fluid (the fluid region is closed): a
            // cell lying against a wall that runs exactly along its faces is then fully wet,
            // whatever way the ray sweep broke the tie for that corner.
            if d <= 1e-9 * h {
                return -1e-9 * h;
            }
            let (pos, delta) = sn.row(c[1] as usize, c[2] as usize);
            let winding: i32 = pos.iter().zip(delta).take_while(|(&x, _)| x < p.x).map(|(_, &d)| d as i32).sum();
            let phi = if winding != 0 { -d } else { d };
            // The union with the added solids: the smaller signed distance.
            added.iter().map(|a| a.signed_distance(p)).fold(phi, f64::min)
        })
        .collect();
    let bytes = sn.bytes()
        + field.bytes()
        + near.bytes()
        + corners_needed.bytes()
        + (candidates.len() + nodes.len()) * 24
        + phi.len() * 8;
    drop((sn, field, nodes, near));
    let phi_at = |c: [i64; 3]| phi[corners_needed.index(c).expect("corner node computed")];

    let cut = candidates
        .par_iter()
        .filter_map(|&c| {
            let f: [f64; 8] = std::array::from_fn(|m| {
                let m = m as i64;
                phi_at([c[0] + (m & 1), c[1] + ((m >> 1) & 1), c[2] + (m >> 2)]) / h
            });
            if f.iter().all(|&x| x < 0.0) || f.iter().all(|&x| x >= 0.0) {
                return None;
            }

            // Gradient of the trilinear interpolant at the centre (per h), and its mean value.
            let grad = Vec3::new(
                (f[1] + f[3] + f[5] + f[7]) - (f[0] + f[2] + f[4] + f[6]),
                (f[2] + f[3] + f[6] + f[7]) - (f[0] + f[1] + f[4] + f[5]),
                (f[4] + f[5] + f[6] + f[7]) - (f[0] + f[1] + f[2] + f[3]),
            ) / 4.0;
            let mean = f.iter().sum::<f64>() / 8.0;
            let g = grad.norm();
            let wall = if g > 0.0 {
                let n = grad / g;
                [n.x as f32, n.y as f32, n.z as f32, (-mean / g * h) as f32]
            } else {
                [0.0; 4]
            };
            Some(CutCell {
                cell: c,
                volume: fractions::volume_fraction(&f),
                faces: fractions::face_fractions(&f),
                wall,
            })
        })
        .collect();
    (cut, bytes)
}
