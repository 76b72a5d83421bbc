//! The GPU solver's buffers: the allocator that counts and names them ([`Buffers`]), and the ones
//! every part of a step binds ([`Core`]: the grid, the velocity and pressure fields and the
//! predictor's arrays).

use bytemuck::Pod;

use super::{CellLayout, SolverParams};
use crate::gpu::{Bindable, Gpu, GpuError};
use crate::grid::index::BRICK_CELLS;

/// A binding name and the buffer bound to it.
pub(super) type Named<'a> = (&'a str, &'a dyn Bindable);

/// Makes buffers on a device, adding up the bytes of the storage ones (the memory figure) and
/// naming each (for [`super::gpu_solver::GpuSolver::binding_plan`]).
pub(super) struct Buffers<'g> {
    pub gpu: &'g Gpu,
    /// Bytes of the storage buffers made.
    pub bytes: u64,
    /// Every buffer made, with its name.
    pub names: Vec<(wgpu::Buffer, String)>,
}

impl<'g> Buffers<'g> {
    pub fn new(gpu: &'g Gpu) -> Buffers<'g> {
        Buffers { gpu, bytes: 0, names: Vec::new() }
    }

    fn keep(&mut self, label: &str, buffer: wgpu::Buffer, counted: bool) -> wgpu::Buffer {
        if counted {
            self.bytes += buffer.size();
        }
        self.names.push((buffer.clone(), label.to_string()));
        buffer
    }

    /// A storage buffer holding `data`.
    pub fn storage<T: Pod>(&mut self, label: &str, data: &[T]) -> Result<wgpu::Buffer, GpuError> {
        let buffer = self.gpu.storage(label, data)?;
        Ok(self.keep(label, buffer, true))
    }

    /// A zeroed storage buffer of `values` f32.
    pub fn empty(&mut self, label: &str, values: u64) -> Result<wgpu::Buffer, GpuError> {
        let buffer = self.gpu.storage_empty(label, 4 * values)?;
        Ok(self.keep(label, buffer, true))
    }

    /// A uniform buffer holding `value` (not counted in the bytes).
    pub fn uniform<T: Pod>(&mut self, label: &str, value: &T) -> Result<wgpu::Buffer, GpuError> {
        let buffer = self.gpu.uniform(label, value)?;
        Ok(self.keep(label, buffer, false))
    }
}

/// What every part of the step binds.
pub(super) struct Core {
    /// [`SolverParams`] (uniform).
    pub params: wgpu::Buffer,
    /// The grid ([`CellLayout`]).
    pub neighbours: wgpu::Buffer,
    pub cells: wgpu::Buffer,
    pub geom: wgpu::Buffer,
    /// Velocity u (m/s, component-major) and the predicted u* (from the projection on, the u^n
    /// the step started from, for the undo).
    pub u: wgpu::Buffer,
    pub u_star: wgpu::Buffer,
    /// The viscous solve's right-hand side (3 values per cell; the momentum stages' u1 before
    /// it, the pressure solve's r, d and f after it).
    pub rhs: wgpu::Buffer,
    /// Kinematic pressure, m^2/s^2.
    pub p: wgpu::Buffer,
    /// The pressure solve's scratch (one value per cell; its q and the finest level's smoothing
    /// scratch), dead during the predictor: the momentum passes that write no K bind it as
    /// theirs.
    pub scratch: wgpu::Buffer,
    /// Each cell's viscosity (non-Newtonian fluids; one unread value otherwise), m^2/s.
    pub viscosity: wgpu::Buffer,
    /// Cells in allocated bricks (the stages over cells run this many invocations).
    pub n: u32,
    /// Length of the per-cell arrays (of each component): the stored cells
    /// ([`CellLayout::stored_cells`]), in whole runs of 64.
    pub stored: u32,
    /// The stored cells themselves, the arrays' entries the stages write: the vector operations
    /// run on these (the runs' tail may hold what a coarser level smoothed where it shares the
    /// pressure solve's scratch).
    pub held: u32,
}

impl Core {
    /// Uploads `layout` and `params` and makes the fields (at rest).
    pub fn new(
        buffers: &mut Buffers,
        layout: &CellLayout,
        params: &SolverParams,
        non_newtonian: bool,
    ) -> Result<Core, GpuError> {
        let n = layout.cells.len() as u32;
        let stored = layout.stored_cells() as u32;
        let held = layout.stored_before(layout.cells.len() / BRICK_CELLS as usize) as u32;
        let n3 = 3 * stored as u64;
        Ok(Core {
            params: buffers.uniform("params", params)?,
            neighbours: buffers.storage("neighbours", &layout.neighbours)?,
            cells: buffers.storage("cells", &layout.cells)?,
            geom: buffers.storage("geom", &layout.geom)?,
            u: buffers.empty("u", n3)?,
            u_star: buffers.empty("u*", n3)?,
            rhs: buffers.empty("viscous rhs", n3)?,
            p: buffers.empty("p", stored as u64)?,
            scratch: buffers.empty("pressure scratch", stored as u64)?,
            viscosity: buffers.empty("viscosity", if non_newtonian { stored as u64 } else { 1 })?,
            n,
            stored,
            held,
        })
    }

    /// The grid's bindings by name: `params`, `neighbours`, `cells`, `geom`.
    pub fn grid(&self) -> [Named<'_>; 4] {
        [("params", &self.params), ("neighbours", &self.neighbours), ("cells", &self.cells), ("geom", &self.geom)]
    }

    /// The grid's bindings and `fields`.
    pub fn with<'a>(&'a self, fields: &[Named<'a>]) -> Vec<Named<'a>> {
        self.grid().iter().chain(fields).copied().collect()
    }
}

/// Records into a fresh encoder and submits it.
pub(super) fn submit(gpu: &Gpu, record: impl FnOnce(&mut wgpu::CommandEncoder)) {
    let mut enc = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("step") });
    record(&mut enc);
    gpu.queue.submit([enc.finish()]);
}
