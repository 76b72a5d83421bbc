//! The periodic pipe section the fully developed flow tests share: one brick of a generated
//! straight pipe along +z (8 mm long, 512-gon section), made periodic along z, and its fluid
//! cells with their distance from the axis.

use hemoflow::grid::{self, kind, Grid};
use hemoflow::mesh::generate::{pipe, PipeSpec};
use hemoflow::mesh::Vec3;

/// The section of a pipe of `radius` (m) at D/h = `d_over_h`, from the pipe's middle.
pub fn periodic_pipe(radius: f64, d_over_h: f64) -> Grid {
    let spec = PipeSpec { radius, length: 8e-3, axis: Vec3::z(), start: Vec3::zeros(), segments: 512, rings: Some(8) };
    let full = grid::voxelize(&pipe(&spec).unwrap(), 2.0 * radius / d_over_h).unwrap();
    let mid = full.bricks.brick_dims[2] / 2;
    full.periodic_section(2, mid, mid + 1).unwrap()
}

/// Fluid cells of `g` (all, or those whose centre is within half a cell of z = `at`): storage
/// id, distance from the z axis (m), volume fraction.
pub fn fluid_cells(g: &Grid, at: Option<f64>) -> Vec<(usize, f64, f64)> {
    (0..g.kind.len())
        .filter(|&id| g.kind[id] != kind::SOLID)
        .map(|id| (id, g.cell_centre(id as u32)))
        .filter(|(_, x)| at.is_none_or(|z| (x.z - z).abs() < 0.5 * g.spacing))
        .map(|(id, x)| (id, (x.x * x.x + x.y * x.y).sqrt(), g.volume_fraction[id] as f64))
        .collect()
}
