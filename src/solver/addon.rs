//! Add-ons: terms of the momentum equation that act on the predicted velocity, each a pass of its
//! own between the viscous sweeps and the divergence (so the projection builds the pressure they
//! need), attached to a solver with [`super::gpu_solver::GpuSolver::attach`]. A porous layer's
//! drag ([`super::porous::PorousLayer`]) is one.
//!
//! An add-on is its WGSL stage, a type implementing [`AddOn`] (its passes, bound by name to the
//! step's buffers and to buffers of its own, and its CPU twin) and its test (GPU against the
//! twin: `tests/common`'s `check_add_on`). The solver's step does not change.

use super::{CellLayout, SolverParams};
use crate::gpu::{Bindable, Dispatch, Gpu, GpuError};

/// The step's buffers an add-on's passes may bind, under the names the solver's stages give
/// them in WGSL.
pub struct StepBuffers<'a> {
    /// `params`: the solver's parameters ([`SolverParams`], uniform; dt is the step's).
    pub params: &'a wgpu::Buffer,
    /// `neighbours`, `cells`, `geom`: the grid ([`super::CellLayout`]).
    pub neighbours: &'a wgpu::Buffer,
    /// Cell words.
    pub cells: &'a wgpu::Buffer,
    /// Geometry records.
    pub geom: &'a wgpu::Buffer,
    /// `u`: the predicted velocity u* (m/s, component-major, 3 x the layout's stored cells),
    /// which the passes change in place.
    pub u: &'a wgpu::Buffer,
    /// The grid as the host holds it: where a cell's values are stored
    /// ([`CellLayout::stored`]).
    pub layout: &'a CellLayout,
}

impl StepBuffers<'_> {
    /// The grid's four bindings by name: `params`, `neighbours`, `cells`, `geom`.
    pub fn grid(&self) -> [(&'static str, &dyn Bindable); 4] {
        [("params", self.params), ("neighbours", self.neighbours), ("cells", self.cells), ("geom", self.geom)]
    }
}

/// An add-on's passes, as [`AddOn::prepare`] made them.
pub struct Prepared {
    /// Recorded in order, every step (none: the add-on has nothing to do on this grid).
    pub passes: Vec<Dispatch>,
    /// GPU bytes of the add-on's own buffers (the passes hold them).
    pub bytes: u64,
}

/// A term of the momentum equation applied to the predicted velocity (see the module docs).
pub trait AddOn {
    /// A short name (`porous layer`), unique among a solver's add-ons: attaching one of the
    /// same name replaces it.
    fn name(&self) -> &str;

    /// Uploads what the add-on needs and binds its passes to `step`'s buffers.
    fn prepare(&self, gpu: &Gpu, step: &StepBuffers) -> Result<Prepared, GpuError>;

    /// The CPU twin of the passes: applies the same change to `u` (u*, m/s, component-major,
    /// 3 x `params.stored`) on the grid `layout`.
    fn apply_cpu(&self, params: &SolverParams, layout: &CellLayout, u: &mut [f32]);
}
