//! Wall shear stress at the cut cells, from the velocity along the grid line that meets the wall
//! most squarely: a quadratic through the no-slip wall and two fluid values on that line
//! (second order), projected on the wall normal.

use crate::grid::{kind, Grid, DIRECTIONS};
use crate::mesh::Vec3;

/// Wall shear stress at one cut cell.
#[derive(Clone, Copy, Debug)]
pub struct WallSample {
    /// Storage id of the cell.
    pub cell: u32,
    /// Unit wall normal, out of the fluid.
    pub normal: Vec3,
    /// Wall shear stress vector (along the wall), Pa.
    pub stress: Vec3,
}

/// Wall shear stress (Pa) at every cut fluid cell where the line along its wall normal's main
/// axis meets the wall and two fluid values lie behind it; `u` is the velocity (m/s,
/// component-major over the grid's cells), `mu` the dynamic viscosity (Pa s).
pub fn shear_stress(grid: &Grid, u: &[f32], mu: f64) -> Vec<WallSample> {
    let n = grid.kind.len();
    let h = grid.spacing;
    let vel = |id: u32| Vec3::new(u[id as usize] as f64, u[n + id as usize] as f64, u[2 * n + id as usize] as f64);
    let fluid = |id: u32| grid.kind[id as usize] != kind::SOLID;
    let mut out = Vec::new();
    for id in 0..n as u32 {
        let w = grid.wall[id as usize];
        if !fluid(id) || w[..3] == [0.0; 3] {
            continue;
        }
        let normal = Vec3::new(w[0] as f64, w[1] as f64, w[2] as f64);
        let axis = (0..3).max_by(|&a, &b| normal[a].abs().total_cmp(&normal[b].abs())).expect("3 axes");
        let d = 2 * axis + (normal[axis] > 0.0) as usize;
        let theta = grid.link[id as usize][d] as f64;
        if theta >= 1.0 {
            continue;
        }
        // Fluid values at distances a < b from the wall along the line (the cell itself is too
        // close to the wall to be well conditioned when theta < 0.3: start one cell further in).
        let inward = DIRECTIONS[d ^ 1];
        let next = |c: u32| grid.bricks.neighbour(c, inward).filter(|&x| fluid(x));
        let (first, a) = if theta >= 0.3 { (id, theta * h) } else { (next(id).unwrap_or(u32::MAX), (1.0 + theta) * h) };
        if first == u32::MAX {
            continue;
        }
        let Some(second) = next(first) else { continue };
        let b = a + h;
        let tangential = |v: Vec3| v - normal * normal.dot(&v);
        let (u1, u2) = (tangential(vel(first)), tangential(vel(second)));
        // d/ds at s = 0 of the quadratic through (0, 0), (a, u1), (b, u2).
        let du_ds = u1 * (b / (a * (b - a))) - u2 * (a / (b * (b - a)));
        // s runs along the grid line: the distance from the wall grows by |n_axis| per unit s.
        out.push(WallSample { cell: id, normal, stress: du_ds * (mu / normal[axis].abs()) });
    }
    out
}
