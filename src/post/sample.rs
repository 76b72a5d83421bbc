//! Sampling a run's cell-centred fields away from the cell centres, for `hemoflow compare`: the
//! velocity at any point (trilinear between the eight nearest cell centres; solid cells, and
//! cells beyond the grid, count as zero velocity), the flux through a region's boundary, the mean
//! pressure over a cross-section, and which wall points lie around a centreline. SI units: m,
//! m/s, m^2, m^3/s, Pa.
//!
//! A region's boundary (see [`crate::io::stent`] for what the region is): with a neck, the disc
//! the neck's plane cuts out of the sphere, sampled on a square lattice of spacing h/2 (h the
//! grid spacing) centred on the neck, each point standing for an equal share of the disc's area
//! (about (h/2)^2); without one, the
//! sphere, sampled at N = max(64, 4 pi R^2 / (h/2)^2) points of a Fibonacci lattice, each
//! standing for 4 pi R^2 / N. The normals point into the region. The inflow is the sum of
//! max(0, u . n) dA over the points, the net flux the sum of u . n dA (zero for a closed sac
//! whose fluid is incompressible, up to the interpolation's error).

use super::read::GridData;
use crate::mesh::generate::perpendicular;
use crate::mesh::Vec3;

/// Points on a region's boundary with the unit normals into the region and the area each stands for.
#[derive(Clone, Debug, PartialEq)]
pub struct Surface {
    /// Sample points, m.
    pub points: Vec<Vec3>,
    /// Unit normal at each point, into the region.
    pub normals: Vec<Vec3>,
    /// Area per point, m^2.
    pub area: f64,
}

/// Flow through a [`Surface`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Flux {
    /// Sum of max(0, u . n) dA: the flow into the region, m^3/s.
    pub inflow: f64,
    /// Sum of u . n dA: the net flow into the region, m^3/s.
    pub net: f64,
}

/// Centre of cell (i, j, k), m.
pub fn cell_centre(grid: &GridData, ijk: [usize; 3]) -> Vec3 {
    let m = &grid.meta;
    Vec3::from(std::array::from_fn(|a| m.origin[a] + (ijk[a] as f64 + 0.5) * m.spacing))
}

/// The velocity at `p` (m/s), trilinear between the centres of the eight cells around it, from the
/// cell-centred `velocity` (nz x ny x nx x 3, interleaved); solid cells (`cell_kind` 0) and cells
/// beyond the grid contribute zero.
pub fn velocity_at(grid: &GridData, velocity: &[f32], p: Vec3) -> Vec3 {
    let m = &grid.meta;
    let [nx, ny, nz] = m.dims.map(|d| d as i64);
    let f: [f64; 3] = std::array::from_fn(|a| (p[a] - m.origin[a]) / m.spacing - 0.5);
    let base = f.map(|v| v.floor() as i64);
    let w: [f64; 3] = std::array::from_fn(|a| f[a] - base[a] as f64);
    let mut u = Vec3::zeros();
    for corner in 0..8 {
        let offset = [corner & 1, (corner >> 1) & 1, (corner >> 2) & 1];
        let [i, j, k] = std::array::from_fn(|a| base[a] + offset[a] as i64);
        if i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz {
            continue;
        }
        let id = ((k * ny + j) * nx + i) as usize;
        if grid.cell_kind[id] == 0 {
            continue;
        }
        let weight: f64 = (0..3).map(|a| if offset[a] == 1 { w[a] } else { 1.0 - w[a] }).product();
        u += Vec3::new(velocity[3 * id] as f64, velocity[3 * id + 1] as f64, velocity[3 * id + 2] as f64) * weight;
    }
    u
}

/// The boundary of the region (`center`, `radius`, `neck`; m) sampled for a grid of spacing
/// `spacing` (m), as the module docs say. The caller has checked the region
/// ([`crate::io::RegionRecord::problem`]).
pub fn region_surface(center: Vec3, radius: f64, neck: Option<Vec3>, spacing: f64) -> Surface {
    let step = spacing / 2.0;
    match neck {
        Some(neck) => {
            let to_centre = center - neck;
            let n = to_centre.normalize();
            let disc = (radius * radius - to_centre.norm_squared()).max(0.0).sqrt();
            let t1 = perpendicular(n);
            let t2 = n.cross(&t1);
            let reach = (disc / step).ceil() as i64;
            let mut points = Vec::new();
            for i in -reach..=reach {
                for j in -reach..=reach {
                    let (a, b) = (i as f64 * step, j as f64 * step);
                    if a * a + b * b <= disc * disc {
                        points.push(neck + t1 * a + t2 * b);
                    }
                }
            }
            // Each point stands for an equal share of the disc's exact area (counting lattice
            // points alone would miss it by up to a row of points around the rim).
            let area = std::f64::consts::PI * disc * disc / points.len().max(1) as f64;
            let normals = vec![n; points.len()];
            Surface { points, normals, area }
        }
        None => {
            let area = 4.0 * std::f64::consts::PI * radius * radius;
            let count = ((area / (step * step)).ceil() as usize).max(64);
            let golden = std::f64::consts::PI * (3.0 - 5f64.sqrt());
            let normals: Vec<Vec3> = (0..count)
                .map(|k| {
                    let z = 1.0 - (2 * k + 1) as f64 / count as f64;
                    let r = (1.0 - z * z).max(0.0).sqrt();
                    let phi = golden * k as f64;
                    -Vec3::new(r * phi.cos(), r * phi.sin(), z)
                })
                .collect();
            let points = normals.iter().map(|n| center - n * radius).collect();
            Surface { points, normals, area: area / count as f64 }
        }
    }
}

/// The flow of `velocity` (m/s, cell-centred) through `surface`, interpolated with [`velocity_at`].
pub fn flux(grid: &GridData, velocity: &[f32], surface: &Surface) -> Flux {
    let (mut inflow, mut net) = (0.0, 0.0);
    for (p, n) in surface.points.iter().zip(&surface.normals) {
        let un = velocity_at(grid, velocity, *p).dot(n);
        inflow += un.max(0.0);
        net += un;
    }
    Flux { inflow: inflow * surface.area, net: net * surface.area }
}

/// Half-thickness of [`plane_mean`]'s slab, in cells: a half, and a little more so that a plane
/// midway between two layers of cell centres (as a point on a grid plane is) takes both, not one
/// or none by rounding.
const SLAB: f64 = 0.5 + 1e-9;

/// Mean of the cell-centred `values` (nz x ny x nx) over the fluid cells whose centres lie within
/// half a cell of the plane through `point` with normal `normal`, and within `radius` (m) of
/// `point`; with the number of cells. None when there is no such cell.
pub fn plane_mean(grid: &GridData, values: &[f32], point: Vec3, normal: Vec3, radius: f64) -> Option<(f64, usize)> {
    let m = &grid.meta;
    let n = normal.normalize();
    let h = m.spacing;
    let dims = m.dims.map(|d| d as usize);
    let range = |a: usize| {
        let lo = ((point[a] - radius - m.origin[a]) / h - 0.5).floor().max(0.0) as usize;
        let hi = (((point[a] + radius - m.origin[a]) / h + 0.5).ceil().max(0.0) as usize).min(dims[a]);
        lo..hi
    };
    let (mut sum, mut count) = (0.0, 0);
    for k in range(2) {
        for j in range(1) {
            for i in range(0) {
                let id = (k * dims[1] + j) * dims[0] + i;
                let c = cell_centre(grid, [i, j, k]);
                if grid.cell_kind[id] == 0 || (c - point).dot(&n).abs() > SLAB * h || (c - point).norm() > radius {
                    continue;
                }
                sum += values[id] as f64;
                count += 1;
            }
        }
    }
    (count > 0).then(|| (sum / count as f64, count))
}

/// Whether `p` lies within `radius` of the polyline `line` with its foot between the line's ends:
/// within `radius` of a piece with its projection on that piece, or of an interior vertex.
pub fn near_polyline(p: Vec3, line: &[Vec3], radius: f64) -> bool {
    let r2 = radius * radius;
    let interior = line.len().saturating_sub(1);
    line.iter().enumerate().any(|(i, v)| i > 0 && i < interior && (p - v).norm_squared() <= r2)
        || line.windows(2).any(|w| {
            let d = w[1] - w[0];
            let t = (p - w[0]).dot(&d) / d.norm_squared();
            (0.0..=1.0).contains(&t) && (p - (w[0] + d * t)).norm_squared() <= r2
        })
}

/// Length of the polyline, m.
pub fn polyline_length(line: &[Vec3]) -> f64 {
    line.windows(2).map(|w| (w[1] - w[0]).norm()).sum()
}

/// The point halfway along the polyline (by arc length), m.
pub fn polyline_middle(line: &[Vec3]) -> Vec3 {
    let mut left = polyline_length(line) / 2.0;
    for w in line.windows(2) {
        let l = (w[1] - w[0]).norm();
        if left <= l && l > 0.0 {
            return w[0] + (w[1] - w[0]) * (left / l);
        }
        left -= l;
    }
    line.last().copied().unwrap_or_else(Vec3::zeros)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::GridMeta;

    /// A 20^3 box of fluid cells of 1 mm with the uniform velocity (1, 2, 3) m/s and the pressure x.
    fn uniform() -> (GridData, Vec<f32>, Vec<f32>) {
        let meta = GridMeta { origin: [0.0; 3], spacing: 1e-3, dims: [20, 20, 20] };
        let grid = GridData { cell_kind: vec![1; meta.cell_count()], meta };
        let velocity = [1.0, 2.0, 3.0].repeat(grid.cell_kind.len());
        let pressure = (0..grid.cell_kind.len()).map(|id| (id % 20) as f32).collect();
        (grid, velocity, pressure)
    }

    #[test]
    fn uniform_flow_enters_a_disc_and_leaves_a_sphere_whole() {
        let (grid, velocity, _) = uniform();
        let c = Vec3::new(10e-3, 10e-3, 10e-3);
        assert!(
            (velocity_at(&grid, &velocity, c + Vec3::new(1.3e-4, 0.0, -2e-4)) - Vec3::new(1.0, 2.0, 3.0)).norm() < 1e-9
        );
        // A neck 3 mm below the centre of a 5 mm sphere: a disc of radius 4 mm facing +z, 3 m/s across it.
        let disc = region_surface(c, 5e-3, Some(c - Vec3::new(0.0, 0.0, 3e-3)), grid.meta.spacing);
        let f = flux(&grid, &velocity, &disc);
        let exact = 3.0 * std::f64::consts::PI * 16e-6;
        println!("disc: {} points, inflow {:e} against {exact:e}", disc.points.len(), f.inflow);
        assert!((f.inflow - exact).abs() < 1e-9 * exact && (f.net - f.inflow).abs() < 1e-12);
        // The whole sphere: in through one half, out through the other; inflow = |u| pi R^2.
        let sphere = region_surface(c, 5e-3, None, grid.meta.spacing);
        let f = flux(&grid, &velocity, &sphere);
        let exact = 14f64.sqrt() * std::f64::consts::PI * 25e-6;
        println!("sphere: {} points, inflow {:e} against {exact:e}, net {:e}", sphere.points.len(), f.inflow, f.net);
        assert!((f.inflow - exact).abs() < 0.01 * exact && f.net.abs() < 1e-3 * exact);
    }

    #[test]
    fn solid_cells_hold_no_velocity_and_the_plane_mean_takes_one_slab() {
        let (grid, velocity, pressure) = uniform();
        // The plane x = 7.5 mm holds the cells with i = 7, pressure 7.
        let (mean, count) = plane_mean(&grid, &pressure, Vec3::new(7.5e-3, 10e-3, 10e-3), Vec3::x(), 3e-3).unwrap();
        assert_eq!(mean, 7.0);
        assert!(count > 20 && count < 40, "{count} cells within 3 mm");
        let mut holes = grid.clone();
        holes.cell_kind.iter_mut().step_by(2).for_each(|k| *k = 0);
        // Between two cell centres along x, one of them solid: half the velocity.
        let half = velocity_at(&holes, &velocity, Vec3::new(1e-3, 0.5e-3, 0.5e-3));
        assert!((half - Vec3::new(0.5, 1.0, 1.5)).norm() < 1e-9, "{half:?}");
    }

    #[test]
    fn polylines() {
        let line = [Vec3::zeros(), Vec3::new(0.0, 0.0, 1.0), Vec3::new(1.0, 0.0, 1.0)];
        assert_eq!(polyline_length(&line), 2.0);
        assert_eq!(polyline_middle(&line), Vec3::new(0.0, 0.0, 1.0));
        assert!(near_polyline(Vec3::new(0.1, 0.0, 0.5), &line, 0.2));
        assert!(!near_polyline(Vec3::new(0.0, 0.0, -0.1), &line, 0.2), "beyond the start");
        assert!(near_polyline(Vec3::new(-0.1, 0.0, 1.1), &line, 0.2), "around the bend");
    }
}
