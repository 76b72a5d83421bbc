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
    /// Flux weight of each face ([`fractions::flux_weight`]), in `DIRECTIONS` order.
    pub flux: [f64; 6],
    /// Wall unit normal (out of the fluid) and distance from the centre (m, positive when the
    /// centre is in the fluid).
    pub wall: [f32; 4],
}

/// A flux weight to add to the face of `cell` in direction `face` (`DIRECTIONS` order, a +
/// direction): the wetted part of an orphan face next to it (see [`cut_cells`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct OrphanFlux {
    pub cell: [i64; 3],
    pub face: usize,
    pub weight: f64,
}

/// The cut cells of the union of `mesh` and the solids `added` among the 3x3x3 neighbourhoods of `boundary` (grid coordinates of fluid cells
/// next to non-fluid ones) in a grid of `dims` cells, the orphan faces' flux handed to their
/// neighbours, and the bytes the working sets took.
///
/// An orphan face is wet in part but lies between cells that are not both fluid (the fluid
/// cells are those whose centre is inside), so no flux crosses it: left so, the wet part of the
/// wall's cells would carry nothing, and a vessel oblique to the grid would lose about
/// h^2 / (3 R^2) of its flow area's flux (1.4% at 10 cells per diameter). Its wetted part's
/// flux for a velocity growing linearly from the wall (the integral of -phi) goes to the faces
/// beside it in its plane (edge-adjacent) that lie between fluid cells, each share over the
/// receiving face's centre depth (so that it scales that face's velocity). The shares follow
/// where the flux goes on: the sliver behind the orphan face (its non-fluid cell) passes it to
/// its other neighbours, so the face beside it on the side of the sliver's face towards a
/// fluid cell takes a share in proportion to that face's wetted moment, which keeps each cell's
/// fluxes nearly balanced, not only the plane's (equal shares, or where the sliver passes
/// nothing on sideways). `is_fluid` tells fluid cells by grid coordinates.
pub(crate) fn cut_cells(
    mesh: &SurfaceMesh,
    added: &[&dyn super::Addition],
    origin: Vec3,
    h: f64,
    dims: [usize; 3],
    boundary: &[[i64; 3]],
    is_fluid: &(dyn Fn([i64; 3]) -> bool + Sync),
) -> (Vec<CutCell>, Vec<OrphanFlux>, usize) {
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
    // The signed distance over h at a cell's corners (corner order as in `fractions`), where
    // they were computed.
    let corners = |c: [i64; 3]| -> Option<[f64; 8]> {
        let mut f = [0.0; 8];
        for (m, x) in f.iter_mut().enumerate() {
            let m = m as i64;
            *x = phi[corners_needed.index([c[0] + (m & 1), c[1] + ((m >> 1) & 1), c[2] + (m >> 2)])?] / h;
        }
        Some(f)
    };

    let cut: Vec<CutCell> = candidates
        .par_iter()
        .filter_map(|&c| {
            let f = corners(c).expect("corner node computed");
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
            let faces = fractions::face_fractions(&f);
            let flux = std::array::from_fn(|d| {
                let (fraction, moment, centre) = fractions::face_moment(&f, d);
                fractions::flux_weight(fraction, moment, centre)
            });
            Some(CutCell { cell: c, volume: fractions::volume_fraction(&f), faces, flux, wall })
        })
        .collect();

    // Orphan faces, each once: from the cell on its low side (a + direction).
    let orphans = cut
        .par_iter()
        .flat_map_iter(|cell: &CutCell| {
            let c = cell.cell;
            (0..3).filter_map(move |axis| {
                let d = 2 * axis + 1;
                let mut beyond = c;
                beyond[axis] += 1;
                (cell.faces[d] > 0.0 && !(is_fluid(c) && is_fluid(beyond))).then_some((c, axis))
            })
        })
        .collect::<Vec<_>>()
        .into_par_iter()
        .flat_map_iter(|(c, axis)| {
            let d = 2 * axis + 1;
            let (_, moment, _) = fractions::face_moment(&corners(c).expect("a cut cell's corners"), d);
            let mut beyond = c;
            beyond[axis] += 1;
            // The sliver the orphan face opens into (the side that is not fluid), if only one.
            let sliver = match (is_fluid(c), is_fluid(beyond)) {
                (true, false) => corners(beyond),
                (false, true) => corners(c),
                _ => None,
            };
            // The faces beside it in its plane between fluid cells, their centre depth, and the
            // sliver's wetted moment towards the same side (where its flux goes on).
            let (u, v) = ((axis + 1) % 3, (axis + 2) % 3);
            let targets: Vec<([i64; 3], f64, f64)> = [(u, -1), (u, 1), (v, -1), (v, 1)]
                .into_iter()
                .filter_map(|(t, step)| {
                    let mut a = c;
                    a[t] += step;
                    let mut b = a;
                    b[axis] += 1;
                    if !(is_fluid(a) && is_fluid(b)) {
                        return None;
                    }
                    let onward = sliver.map_or(0.0, |s| fractions::face_moment(&s, 2 * t + (step > 0) as usize).1);
                    Some((a, -fractions::face_moment(&corners(a)?, d).2, onward))
                })
                .collect();
            let onward: f64 = targets.iter().map(|t| t.2).sum();
            let count = targets.len().max(1) as f64;
            targets.into_iter().map(move |(cell, depth, w)| OrphanFlux {
                cell,
                face: d,
                weight: moment * if onward > 0.0 { w / onward } else { 1.0 / count }
                    / depth.max(fractions::FLUX_MIN_CENTRE_DEPTH),
            })
        })
        .collect();
    (cut, orphans, bytes)
}
