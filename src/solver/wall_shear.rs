//! Wall shear stress on the wall's own triangles (not on voxels), and what the GPU needs to
//! compute it every step (`wall/wall_shear`).
//!
//! # Method
//! Near a no-slip wall the velocity along it grows from zero as u_t(s) = a s + b s^2 + c s^3 + ...,
//! s the distance from the wall. For each wall triangle the fluid cells around the normal
//! through its centroid (at most [`WALL_STENCIL`], within [`LATERAL`] cells of that line and
//! [`MIN_DEPTH`] to [`DEPTH`] cells from the wall) give a weighted least-squares fit of that
//! cubic through zero at the wall, with s each cell centre's exact distance to the wall
//! surface. The fit's slope a is a fixed linear combination of the cells' velocities, so the
//! weights are computed once here and the kernel only sums: du/ds = sum_k w_k u(cell_k),
//! projected on the triangle's plane. The wall shear stress is tau = rho nu(gamma) du_t/ds with
//! gamma = |du_t/ds| (for a non-Newtonian fluid, the model's viscosity at the wall's shear
//! rate). For Hagen-Poiseuille flow the profile is a quadratic in s, so the method is exact up
//! to the solver's own error.
//!
//! Why a cubic: in a Womersley flow's Stokes layer, R sqrt(2) / alpha thick, the profile is far
//! from a quadratic. At Womersley number 10 and D/h 20 (1.4 cells) a quadratic over the window
//! gave TAWSS 18% low in a periodic pipe; the cubic is within 1.1% (tests/womersley.rs). The
//! price is noise: the cubic's weights pass the cells' own errors on about 2.7 times more
//! strongly (root sum of squares 0.9 against 0.35 per cell edge with 32 cells), which in a
//! steady oblique pipe at Re 100 and D/h 10 moved the mean wall shear stress from +1.0% to
//! +1.3% of Hagen-Poiseuille and, on the OpenFOAM comparison's bifurcation at 8 cells per
//! daughter diameter, the 95th percentile of the wall shear stress from -1.4% to +8.9% of the
//! peer's (the mean from -3.0% to -0.07%; `peers/hemoflow_vs_openfoam`). A window reaching 4.5
//! cells deep made the steady pipe worse (+1.7%), and a Stokes layer's TAWSS too.
//!
//! Where the cells around a triangle are too few or too close to one distance for the cubic
//! (its weights' root sum of squares above [`MAX_GAIN`]), the fit is quadratic, or linear
//! (first order, counted in [`WallStencil`]); where no fluid cell is near (a triangle on a part
//! of the wall thinner than the grid resolves), the triangle has no stencil and its stress is 0,
//! also counted.

use std::sync::atomic::{AtomicU32, Ordering};

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

use crate::grid::distance::DistanceField;
use crate::grid::{kind, Grid};
use crate::mesh::{Vec3, WallSurface};

/// Fluid cells per triangle in the stencil (WGSL: WALL_STENCIL in wall/wall_shear.wgsl).
pub const WALL_STENCIL: usize = 32;
/// Cells are taken within this many cell edges of the normal through the centroid.
pub const LATERAL: f64 = 2.5;
/// Cells closer to the wall than this many cell edges are left out (on the oblique pipe of
/// tests/inlet_outlet.rs that lowered the triangles' scatter about Hagen-Poiseuille). The
/// window [MIN_DEPTH, DEPTH] trades that scatter (smaller with a deeper window) against the
/// error of a quadratic where the profile is not one, as in a Womersley flow's Stokes layer
/// (smaller with a shallower one); both are measured by the tests.
pub const MIN_DEPTH: f64 = 0.5;
/// ... and within this many cell edges of the wall.
pub const DEPTH: f64 = 3.5;
/// The fit is the highest-degree polynomial (cubic, quadratic, linear) whose slope weights (per
/// cell edge) have a root sum of squares at most this: the factor by which independent errors
/// of the cells' velocities reach the slope. Cubic fits over the window have about 0.9 with 32
/// cells, quadratic ones about 0.35. At their case files' spacing, 67 of the demo aorta's 14,489
/// triangles and 186 of the aneurysm's 33,451 fall back to the quadratic, none to the linear.
pub const MAX_GAIN: f64 = 2.0;

/// One wall triangle as the kernel reads it. WGSL twin: `WallPoint` in wall/wall_shear.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct WallPoint {
    /// Unit normal, out of the fluid.
    pub normal: [f32; 3],
    /// Storage id of the fluid cell nearest the centroid (its pressure is the wall's).
    pub nearest: u32,
}

/// The wall-shear stencils of a wall's triangles on a grid.
#[derive(Clone, Debug, Default)]
pub struct WallStencil {
    /// Per triangle.
    pub points: Vec<WallPoint>,
    /// [`WALL_STENCIL`] storage ids per triangle (unused entries: 0 with weight 0).
    pub cells: Vec<u32>,
    /// The weights of those cells in du/ds, 1/m.
    pub weights: Vec<f32>,
    /// Triangles whose fit is quadratic (second order): the cubic's weights would amplify the
    /// cells' errors more than [`MAX_GAIN`].
    pub quadratic: usize,
    /// Triangles whose fit is linear (first order): too few cells or distances for the quadratic.
    pub linear: usize,
    /// Triangles with no fluid cell near them: their stress is 0.
    pub unresolved: usize,
}

/// Per-triangle fit; `None` without cells.
struct Fit {
    nearest: u32,
    cells: Vec<(u32, f64)>,
    /// Terms of the polynomial: 3 (cubic), 2 or 1.
    degree: usize,
}

/// The stencils of `wall`'s triangles on `grid` (see the module's doc for the method).
pub fn wall_stencil(grid: &Grid, wall: &WallSurface) -> WallStencil {
    wall_stencil_of(grid, wall, &(0..wall.triangles.len()).collect::<Vec<_>>())
}

/// The stencils of the triangles `triangles` of `wall` on `grid`, in that order (the distances
/// to the wall are to all of it).
pub fn wall_stencil_of(grid: &Grid, wall: &WallSurface, triangles: &[usize]) -> WallStencil {
    let h = grid.spacing;
    let mesh = wall.to_mesh();
    let field = DistanceField::new(&mesh, (DEPTH + 1.0) * h);
    // Each cell's distance to the wall, computed once (f32 bits; NaN until computed): cells
    // serve many triangles. The first use gets the f32 value too, or the stencils would depend
    // on which thread came first (they did: the wall shear stress differed in its last bits
    // between two runs of one case).
    let cache: Vec<AtomicU32> = (0..grid.kind.len()).map(|_| AtomicU32::new(f32::NAN.to_bits())).collect();
    let distance = |id: u32, x: Vec3| {
        let cached = f32::from_bits(cache[id as usize].load(Ordering::Relaxed));
        if !cached.is_nan() {
            return cached as f64;
        }
        let d = field.distance(x) as f32;
        cache[id as usize].store(d.to_bits(), Ordering::Relaxed);
        d as f64
    };
    let fits: Vec<Option<Fit>> = triangles.par_iter().map(|&t| fit(grid, wall, &distance, t)).collect();
    let mut out = WallStencil::default();
    for (&t, f) in triangles.iter().zip(fits) {
        let normal = wall.normal(t).map(|x| x as f32);
        let mut cells = [0u32; WALL_STENCIL];
        let mut weights = [0f32; WALL_STENCIL];
        let mut nearest = 0;
        match f {
            None => out.unresolved += 1,
            Some(f) => {
                out.quadratic += (f.degree == 2) as usize;
                out.linear += (f.degree == 1) as usize;
                nearest = f.nearest;
                for (k, (id, w)) in f.cells.into_iter().enumerate() {
                    cells[k] = id;
                    weights[k] = w as f32;
                }
            }
        }
        out.points.push(WallPoint { normal: [normal.x, normal.y, normal.z], nearest });
        out.cells.extend(cells);
        out.weights.extend(weights);
    }
    out
}

/// Storage id of the cell at grid coordinates `c`, wrapped along the grid's periodic axes, if it
/// is fluid.
fn fluid_cell(grid: &Grid, c: [i64; 3]) -> Option<u32> {
    let dims = grid.dims();
    let c: [i64; 3] =
        std::array::from_fn(|a| if grid.bricks.periodic[a] { c[a].rem_euclid(dims[a] as i64) } else { c[a] });
    grid.bricks.cell_id(c).filter(|&id| grid.kind[id as usize] != kind::SOLID)
}

fn fit(grid: &Grid, wall: &WallSurface, distance: &(impl Fn(u32, Vec3) -> f64 + Sync), t: usize) -> Option<Fit> {
    let h = grid.spacing;
    let centroid = wall.centroid(t);
    let inward = -wall.normal(t);
    let reach = (LATERAL.hypot(DEPTH)).ceil() as i64;
    let base: [i64; 3] = std::array::from_fn(|a| ((centroid[a] - grid.origin[a]) / h).floor() as i64);
    // (id, distance to the wall s, lateral offset, distance to the centroid).
    let mut found: Vec<(u32, f64, f64, f64)> = Vec::new();
    for dz in -reach..=reach {
        for dy in -reach..=reach {
            for dx in -reach..=reach {
                let c = [base[0] + dx, base[1] + dy, base[2] + dz];
                let Some(id) = fluid_cell(grid, c) else { continue };
                let x = grid.origin + Vec3::new(c[0] as f64 + 0.5, c[1] as f64 + 0.5, c[2] as f64 + 0.5) * h;
                let r = x - centroid;
                let along = r.dot(&inward);
                let lateral = (r - inward * along).norm();
                if along <= -0.5 * h || lateral > LATERAL * h {
                    continue;
                }
                // The distance to the wall, negative at a cut cell whose centre is outside it (the
                // sign of the voxelizer's wall distance there).
                let s = distance(id, x).copysign(grid.wall[id as usize][3] as f64);
                if s <= MIN_DEPTH * h || s > DEPTH * h {
                    continue;
                }
                found.push((id, s, lateral, r.norm()));
            }
        }
    }
    let nearest = found.iter().min_by(|a, b| a.3.total_cmp(&b.3))?.0;
    // Weight: smooth in the lateral offset; keep the WALL_STENCIL heaviest.
    let weight = |lateral: f64| {
        let q = lateral / (LATERAL * h);
        (1.0 - q * q).powi(2).max(1e-3)
    };
    found.sort_by(|a, b| weight(b.2).total_cmp(&weight(a.2)).then(a.1.total_cmp(&b.1)).then(a.0.cmp(&b.0)));
    found.truncate(WALL_STENCIL);
    // Weighted least squares of u = a s + b s^2 + c s^3, or of its first two or one terms where
    // the cubic's weights would amplify the cells' errors more than MAX_GAIN (s in units of h).
    let weights: Vec<f64> = found.iter().map(|f| weight(f.2)).collect();
    let depths: Vec<f64> = found.iter().map(|f| f.1 / h).collect();
    let (slopes, degree) = (1..=3).rev().filter(|&degree| found.len() > degree || degree == 1).find_map(|degree| {
        let slopes = slope_weights(&depths, &weights, degree)?;
        let gain = slopes.iter().map(|w| w * w).sum::<f64>().sqrt();
        (gain <= MAX_GAIN || degree == 1).then_some((slopes, degree))
    })?;
    let cells = found.iter().zip(slopes).map(|(f, w)| (f.0, w / h)).collect();
    Some(Fit { nearest, cells, degree })
}

/// The weights w_k of the slope a = sum_k w_k u_k of the weighted least-squares fit
/// u(s) = a s + b s^2 + ... (`degree` terms) through the values u_k at depths `s` with weights
/// `weight`; `None` if the fit is singular.
fn slope_weights(s: &[f64], weight: &[f64], degree: usize) -> Option<Vec<f64>> {
    let powers = |s: f64| DVector::from_fn(degree, |j, _| s.powi(j as i32 + 1));
    let mut gram = DMatrix::zeros(degree, degree);
    for (&s, &w) in s.iter().zip(weight) {
        let p = powers(s);
        gram += w * &p * p.transpose();
    }
    let inverse = gram.cholesky()?.inverse();
    Some(s.iter().zip(weight).map(|(&s, &w)| w * inverse.row(0).dot(&powers(s).transpose())).collect())
}

/// The wall kernel's own parameters (uniform). WGSL twin: `WallParams` in wall/wall_shear.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct WallParams {
    /// Wall triangles.
    pub triangles: u32,
    /// 1: add tau dt and |tau| dt to the sums; 0: only write the stress.
    pub accumulate: u32,
    /// Fluid density, kg/m^3.
    pub density: f32,
    /// Padding to 16 bytes.
    pub _pad0: u32,
}

/// The cycle's wall indices per triangle from the time integrals of the wall shear stress over
/// `time` seconds (`sums` as [`crate::solver::gpu_solver::GpuSolver::averages`] gives them:
/// the integral of tau in xyz, of |tau| in w, Pa s):
/// * TAWSS = (1/T) int |tau| dt, Pa;
/// * OSI = (1 - |int tau dt| / int |tau| dt) / 2 (Ku et al., Arteriosclerosis 5, 293-302,
///   1985), 0 where the wall has no shear;
/// * RRT = 1 / ((1 - 2 OSI) TAWSS) = T / |int tau dt| (Himburg et al., Am. J. Physiol. Heart
///   Circ. Physiol. 286, H1916-H1922, 2004), 1/Pa, NaN where the mean stress vector is zero.
pub fn cycle_indices(time: f64, sums: &[[f32; 4]]) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (mut tawss, mut osi, mut rrt) = (Vec::new(), Vec::new(), Vec::new());
    for s in sums {
        let mean = (s[0] as f64).hypot(s[1] as f64).hypot(s[2] as f64);
        let magnitude = s[3] as f64;
        tawss.push((magnitude / time) as f32);
        osi.push(if magnitude > 0.0 { (0.5 * (1.0 - (mean / magnitude).min(1.0))) as f32 } else { 0.0 });
        rrt.push(if mean > 0.0 { (time / mean) as f32 } else { f32::NAN });
    }
    (tawss, osi, rrt)
}

#[cfg(test)]
mod tests {
    use super::slope_weights;

    /// The fit of each degree recovers the slope of a polynomial of that degree through zero
    /// exactly, at scattered depths with uneven weights.
    #[test]
    fn slope_weights_are_exact_for_their_degree() {
        let s: Vec<f64> = (0..20).map(|k| 0.5 + 3.0 * ((k * 7 % 20) as f64 + 0.3) / 20.0).collect();
        let weight: Vec<f64> = (0..20).map(|k| 0.2 + (k % 5) as f64 / 5.0).collect();
        let terms = [2.0, -0.3, 0.05];
        for degree in 1..=3 {
            let u: Vec<f64> = s.iter().map(|&s| (0..degree).map(|j| terms[j] * s.powi(j as i32 + 1)).sum()).collect();
            let w = slope_weights(&s, &weight, degree).unwrap();
            let slope: f64 = w.iter().zip(&u).map(|(w, u)| w * u).sum();
            assert!((slope - 2.0).abs() < 1e-12, "degree {degree}: slope {slope}, exact 2");
        }
    }
}
