//! Flux weights that carry a shear flow along the wall through the wall's cells without loss.
//!
//! The solver's divergence sums, over a cell's faces between fluid cells, the face's flux weight
//! (aperture) times the face value it interpolates. The weights of the wall's cut cells come
//! from each face's own wetted part ([`super::fractions::flux_weight`]) and the orphan faces'
//! shares ([`super::cut::cut_cells`]), face by face: nothing makes one cell's weights agree with
//! each other. A flow along a plane wall growing linearly from it, u = phi(x) t (phi the
//! distance from the wall, t along it), is divergence-free and crosses no wall, so each cell's
//! fluxes should balance; with the face-by-face weights they miss by about a tenth of a wall
//! cell's flux, at any resolution (so a first-order error). In an oblique Hagen-Poiseuille pipe
//! that imbalance is most of the wall cells' (tests/voxelize.rs), and the pressure has to
//! absorb it through the Rhie-Chow term: the steady state then depends on dt, and along the
//! grid's diagonal (where the cut pattern repeats along the pipe, so the errors add up) the
//! pressure gradient was 3.6% high at D/h 10.
//!
//! [`balance`] changes the weights of the faces between the wall's cells (fluid cells cut by
//! the wall, and the fluid cells beside them) as little as it can, by least squares, so that in
//! each of those cells the two shear flows along its wall plane balance: a cut cell's own
//! plane, for a cell beside cut cells the mean of their planes at its centre. The conditions
//! of neighbouring cells on different planes cannot all hold at once, so they are met in the
//! least-squares sense with a Tikhonov term, [`REGULARISATION`] times the squared change. Faces
//! to cells outside this set, and those of cap cells (a cap is no wall), keep their weights.

use std::collections::HashMap;

use rayon::prelude::*;

use super::index::Bricks;
use super::{kind, DIRECTIONS};

/// Weight of the squared change of the flux weights against the squared imbalance (both per
/// h^2 flux for a shear rate of 1/h). Chosen on the geometry alone: at 0.01 the shear flows'
/// remaining imbalance (rms 0.005 in oblique pipes at D/h 10) is below the imbalance of the
/// quadratic part of Hagen-Poiseuille's profile, which no planar condition removes; smaller
/// values change the weights more for little gain, and without the term the conditions of
/// neighbouring cells on different planes drive the weights negative.
pub(crate) const REGULARISATION: f64 = 0.01;

/// What balancing the wall's flux weights did (module `balance`; in [`super::GridStats`]).
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct WallBalance {
    /// Cells whose shear flows were balanced.
    pub cells: usize,
    /// Faces whose weight could change.
    pub faces: usize,
    /// Root mean square of the cells' shear-flow imbalances before and after (flux over h^2
    /// for the flow phi t with phi in units of h).
    pub rms_before: f64,
    /// See `rms_before`.
    pub rms_after: f64,
    /// Largest change of a weight.
    pub largest_change: f64,
    /// Weights the correction would have made negative (set to 0).
    pub clamped: usize,
    /// Conjugate-gradient iterations.
    pub iterations: usize,
}

/// One face's term in a cell's condition.
struct Term {
    /// Index into the faces.
    face: usize,
    coefficient: f64,
}

/// Balances the flux weights `aperture` (per cell, in [`DIRECTIONS`] order, both sides of a
/// face equal) of the wall's cells, see the module notes. `wall` holds the fluid cut cells' wall
/// planes (unit normal out of the fluid, the centre's distance in m, positive in the fluid; zero
/// elsewhere), `kinds` tells fluid and cap cells, `h` is the spacing (m).
pub(crate) fn balance(
    bricks: &Bricks,
    kinds: &[u8],
    wall: &[[f32; 4]],
    aperture: &mut [[f32; 6]],
    h: f64,
) -> WallBalance {
    let fluid = |id: u32| kinds[id as usize] != kind::SOLID;
    let cap = |id: u32| kinds[id as usize] >= kind::CAP0;
    let cut = |id: u32| fluid(id) && !cap(id) && wall[id as usize][..3].iter().any(|&c| c != 0.0);
    let planes = wall_planes(bricks, kinds, wall, h, &cut);
    let mut cells: Vec<u32> = planes.keys().copied().collect();
    cells.sort_unstable();

    // Faces (low cell, + direction, high cell), each once; free where both cells are balanced.
    let mut face_index: HashMap<(u32, usize), usize> = HashMap::new();
    let mut faces: Vec<(u32, usize, u32)> = Vec::new();
    let mut free: Vec<bool> = Vec::new();
    // Two conditions per cell (the shear flows along t1 and t2), as sums over its faces.
    let mut rows: Vec<Vec<Term>> = Vec::with_capacity(2 * cells.len());
    for &id in &cells {
        let [nx, ny, nz, distance] = planes[&id];
        let n = [nx, ny, nz];
        let (t1, t2) = tangents(n);
        let (mut r1, mut r2) = (Vec::new(), Vec::new());
        for (d, dir) in DIRECTIONS.iter().enumerate() {
            let Some(nb) = bricks.neighbour(id, *dir).filter(|&nb| fluid(nb)) else { continue };
            let axis = d / 2;
            let sign = if d % 2 == 1 { 1.0 } else { -1.0 };
            // The face centre's distance from the wall plane, over h.
            let phi = distance / h - 0.5 * sign * n[axis];
            let (low, high, up) = if d % 2 == 1 { (id, nb, d) } else { (nb, id, d + 1) };
            let face = *face_index.entry((low, up)).or_insert_with(|| {
                faces.push((low, up, high));
                free.push(planes.contains_key(&nb));
                faces.len() - 1
            });
            r1.push(Term { face, coefficient: sign * phi * t1[axis] });
            r2.push(Term { face, coefficient: sign * phi * t2[axis] });
        }
        rows.push(r1);
        rows.push(r2);
    }
    let weights: Vec<f64> = faces.iter().map(|&(low, d, _)| aperture[low as usize][d] as f64).collect();
    let residual = |w: &[f64]| -> Vec<f64> {
        rows.par_iter().map(|r| r.iter().map(|t| t.coefficient * w[t.face]).sum()).collect()
    };
    let rms = |r: &[f64]| (r.iter().map(|x| x * x).sum::<f64>() / r.len().max(1) as f64).sqrt();
    let r0 = residual(&weights);

    // min |C dA + r|^2 + mu |dA|^2 over the free faces: dA = -C^T lambda, (C C^T + mu) lambda = r,
    // by conjugate gradients.
    let transpose = |lambda: &[f64]| -> Vec<f64> {
        let mut out = vec![0.0; faces.len()];
        for (r, &l) in rows.iter().zip(lambda) {
            for t in r.iter().filter(|t| free[t.face]) {
                out[t.face] += t.coefficient * l;
            }
        }
        out
    };
    let apply = |v: &[f64]| -> Vec<f64> {
        let x = transpose(v);
        rows.par_iter()
            .zip(v.par_iter())
            .map(|(r, &vi)| {
                r.iter().filter(|t| free[t.face]).map(|t| t.coefficient * x[t.face]).sum::<f64>() + REGULARISATION * vi
            })
            .collect()
    };
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut lambda = vec![0.0; rows.len()];
    let mut r = r0.clone();
    let mut p = r.clone();
    let mut rr = dot(&r, &r);
    let target = 1e-20 * rr;
    let mut iterations = 0;
    // The system's condition number is below (largest eigenvalue of C C^T, ~ 10) / mu.
    while rr > target && iterations < 1000 {
        let q = apply(&p);
        let alpha = rr / dot(&p, &q);
        for ((l, r), (p, q)) in lambda.iter_mut().zip(r.iter_mut()).zip(p.iter().zip(&q)) {
            *l += alpha * p;
            *r -= alpha * q;
        }
        let rr_next = dot(&r, &r);
        let beta = rr_next / rr;
        rr = rr_next;
        for (p, r) in p.iter_mut().zip(&r) {
            *p = r + beta * *p;
        }
        iterations += 1;
    }
    let change = transpose(&lambda);
    let mut out = WallBalance {
        cells: cells.len(),
        faces: free.iter().filter(|&&f| f).count(),
        rms_before: rms(&r0),
        iterations,
        ..WallBalance::default()
    };
    let mut balanced = weights;
    for (k, &(low, d, high)) in faces.iter().enumerate() {
        if !free[k] {
            continue;
        }
        let mut a = balanced[k] - change[k];
        out.largest_change = out.largest_change.max(change[k].abs());
        if a < 0.0 {
            a = 0.0;
            out.clamped += 1;
        }
        balanced[k] = a;
        aperture[low as usize][d] = a as f32;
        aperture[high as usize][d - 1] = a as f32;
    }
    out.rms_after = rms(&residual(&balanced));
    out
}

/// The wall plane of each cell to balance ([normal out of the fluid, distance of the centre in
/// m]): a fluid cut cell's own, and for a fluid cell beside cut cells (no cap) the mean of their
/// planes at its centre.
fn wall_planes(
    bricks: &Bricks,
    kinds: &[u8],
    wall: &[[f32; 4]],
    h: f64,
    cut: &(dyn Fn(u32) -> bool + Sync),
) -> HashMap<u32, [f64; 4]> {
    (0..kinds.len() as u32)
        .into_par_iter()
        .filter(|&id| kinds[id as usize] != kind::SOLID && kinds[id as usize] < kind::CAP0)
        .filter_map(|id| {
            if cut(id) {
                let w = wall[id as usize];
                return Some((id, [w[0] as f64, w[1] as f64, w[2] as f64, w[3] as f64]));
            }
            let mut sum = [0.0; 4];
            let mut count = 0.0;
            for dir in DIRECTIONS {
                let Some(nb) = bricks.neighbour(id, dir).filter(|&nb| cut(nb)) else { continue };
                let w = wall[nb as usize].map(|x| x as f64);
                // This cell's centre is -dir h from the neighbour's.
                let along = -(w[0] * dir[0] as f64 + w[1] * dir[1] as f64 + w[2] * dir[2] as f64) * h;
                for a in 0..3 {
                    sum[a] += w[a];
                }
                sum[3] += w[3] - along;
                count += 1.0;
            }
            let l = (sum[0] * sum[0] + sum[1] * sum[1] + sum[2] * sum[2]).sqrt();
            (count > 0.0 && l > 0.0).then(|| (id, [sum[0] / l, sum[1] / l, sum[2] / l, sum[3] / count]))
        })
        .collect()
}

/// Two unit vectors normal to the unit vector `n` and to each other.
fn tangents(n: [f64; 3]) -> ([f64; 3], [f64; 3]) {
    let cross =
        |a: [f64; 3], b: [f64; 3]| [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    let least = (0..3).min_by(|&i, &j| n[i].abs().total_cmp(&n[j].abs())).expect("three axes");
    let mut e = [0.0; 3];
    e[least] = 1.0;
    let t = cross(n, e);
    let l = (t[0] * t[0] + t[1] * t[1] + t[2] * t[2]).sqrt();
    let t1 = t.map(|x| x / l);
    (t1, cross(n, t1))
}
