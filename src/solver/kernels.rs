//! The solver kernels on the GPU: the grid uploaded once, one method per stage.

use super::{CellLayout, SolverParams};
use crate::gpu::{Bindable, Gpu, GpuError};
use crate::grid::index::BRICK_CELLS;

/// The grid description on the GPU and the parameters uniform.
pub struct GpuGrid {
    /// Neighbour slots, 27 per slot.
    pub neighbours: wgpu::Buffer,
    /// Cell words.
    pub cells: wgpu::Buffer,
    /// Geometry records.
    pub geom: wgpu::Buffer,
    /// [`SolverParams`].
    pub params: wgpu::Buffer,
    /// Cells in allocated bricks.
    pub n: u32,
}

impl GpuGrid {
    /// Uploads `layout` and `params`.
    pub fn new(gpu: &Gpu, layout: &CellLayout, params: &SolverParams) -> Result<GpuGrid, GpuError> {
        Ok(GpuGrid {
            neighbours: gpu.storage("neighbours", &layout.neighbours)?,
            cells: gpu.storage("cells", &layout.cells)?,
            geom: gpu.storage("geom", &layout.geom)?,
            params: gpu.uniform("solver params", params)?,
            n: layout.cells.len() as u32,
        })
    }

    /// Runs `stage` over every cell with the grid's four bindings first, then `fields`, and
    /// waits for it.
    pub fn run(&self, gpu: &Gpu, stage: &str, fields: &[&dyn Bindable]) -> Result<(), GpuError> {
        let mut buffers: Vec<&dyn Bindable> = vec![&self.params, &self.neighbours, &self.cells, &self.geom];
        buffers.extend_from_slice(fields);
        run(gpu, stage, &buffers, self.n)
    }
}

/// Runs `stage` over `items` invocations (one per cell) with `buffers` at bindings 0, 1, ...
/// and waits for it.
pub fn run(gpu: &Gpu, stage: &str, buffers: &[&dyn Bindable], items: u32) -> Result<(), GpuError> {
    let stage = gpu.stage(stage)?;
    let bind = gpu.bind_group(&stage, buffers)?;
    gpu.dispatch(&stage, &bind, items, BRICK_CELLS)?;
    gpu.device.poll(wgpu::PollType::wait_indefinitely())?;
    Ok(())
}
