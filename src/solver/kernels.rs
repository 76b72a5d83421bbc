//! The solver kernels on the GPU: the grid uploaded once, one method per stage.

use super::{CellLayout, SolverParams};
use crate::gpu::{Bindable, Dispatch, Gpu, GpuError};

/// The grid description on the GPU and the parameters uniform.
pub struct GpuGrid {
    /// Neighbour slots across each brick's faces, 6 per slot.
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

    /// The grid's bindings by their WGSL names: `params`, `neighbours`, `cells`, `geom`.
    pub fn bindings(&self) -> [(&'static str, &dyn Bindable); 4] {
        [("params", &self.params), ("neighbours", &self.neighbours), ("cells", &self.cells), ("geom", &self.geom)]
    }

    /// Runs `stage` over every cell with the grid's bindings and `fields` (by WGSL name), and
    /// waits for it.
    pub fn run(&self, gpu: &Gpu, stage: &str, fields: &[(&str, &dyn Bindable)]) -> Result<(), GpuError> {
        let mut buffers: Vec<(&str, &dyn Bindable)> = self.bindings().to_vec();
        buffers.extend_from_slice(fields);
        run(gpu, stage, &buffers, self.n)
    }
}

/// Runs `stage` over `items` invocations with `buffers` bound by WGSL name, and waits for it.
pub fn run(gpu: &Gpu, stage: &str, buffers: &[(&str, &dyn Bindable)], items: u32) -> Result<(), GpuError> {
    Dispatch::new(gpu, stage, buffers, items)?.run(gpu)
}
