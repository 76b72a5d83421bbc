//! CPU twins of the solver kernels: the same loops as `shaders/solver/*.wgsl`, in f32, one
//! function per stage with the stage's name. They are the oracles of the GPU-vs-CPU tests.

use super::{CellLayout, SolverParams};
use crate::grid::index::Bricks;
use crate::grid::DIRECTIONS;

fn fluid_neighbour(layout: &CellLayout, bricks: &Bricks, id: u32, d: usize) -> Option<u32> {
    bricks.neighbour(id, DIRECTIONS[d]).filter(|&nb| layout.is_fluid(nb))
}

/// Twin of `solver/divergence`: div(u) (1/s) from the centred velocity `u` (m/s,
/// component-major, 3 * cells).
pub fn divergence(layout: &CellLayout, bricks: &Bricks, params: &SolverParams, u: &[f32], div: &mut [f32]) {
    let n = params.cells as usize;
    for id in 0..params.cells {
        if !layout.is_fluid(id) {
            div[id as usize] = 0.0;
            continue;
        }
        let mut s = 0.0f32;
        for d in 0..6 {
            let Some(nb) = fluid_neighbour(layout, bricks, id, d) else { continue };
            let c = (d / 2) * n;
            let uf = 0.5 * (u[c + id as usize] + u[c + nb as usize]);
            let side_sign = if d & 1 == 1 { 1.0 } else { -1.0 };
            s += side_sign * layout.aperture(id, d) * uf;
        }
        div[id as usize] = s / (layout.volume(id) * params.h);
    }
}

/// Twin of `solver/pressure_jacobi`: one weighted Jacobi sweep of
/// sum_f A_f (p_nb - p) / h^2 = V rhs, from `p_in` into `p_out`.
pub fn pressure_jacobi(
    layout: &CellLayout,
    bricks: &Bricks,
    params: &SolverParams,
    rhs: &[f32],
    p_in: &[f32],
    p_out: &mut [f32],
) {
    for id in 0..params.cells {
        let i = id as usize;
        if !layout.is_fluid(id) {
            p_out[i] = 0.0;
            continue;
        }
        let (mut sa, mut sp) = (0.0f32, 0.0f32);
        for d in 0..6 {
            let Some(nb) = fluid_neighbour(layout, bricks, id, d) else { continue };
            let a = layout.aperture(id, d);
            sa += a;
            sp += a * p_in[nb as usize];
        }
        if sa == 0.0 {
            p_out[i] = p_in[i];
            continue;
        }
        let h2 = params.h * params.h;
        let jacobi = (sp - h2 * layout.volume(id) * rhs[i]) / sa;
        p_out[i] = (1.0 - params.omega) * p_in[i] + params.omega * jacobi;
    }
}

/// Twin of `solver/project`: u -= dt grad p at the centres (aperture-weighted mean of the
/// gradients through the faces along each axis that open to fluid).
pub fn project(layout: &CellLayout, bricks: &Bricks, params: &SolverParams, p: &[f32], u: &mut [f32]) {
    let n = params.cells as usize;
    for id in 0..params.cells {
        if !layout.is_fluid(id) {
            continue;
        }
        for axis in 0..3 {
            let (mut g, mut w) = (0.0f32, 0.0f32);
            for side in 0..2 {
                let d = 2 * axis + side;
                let Some(nb) = fluid_neighbour(layout, bricks, id, d) else { continue };
                let side_sign = if side == 1 { 1.0 } else { -1.0 };
                let a = layout.aperture(id, d);
                g += a * side_sign * (p[nb as usize] - p[id as usize]) / params.h;
                w += a;
            }
            if w > 0.0 {
                u[axis * n + id as usize] -= params.dt * g / w;
            }
        }
    }
}
