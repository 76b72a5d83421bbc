//! Porous regions in the momentum equation: a volume of the lumen filled with a porous medium,
//! such as embolic coils packed into an aneurysm sac, as an isotropic Darcy-Forchheimer drag.
//!
//! # Model
//! The velocity in a region is the superficial (volume-averaged) one, u, and the medium resists
//! it with the Ergun equation (S. Ergun, "Fluid flow through packed columns", Chem. Eng. Prog.
//! 48:89-94, 1952), per unit mass:
//! `-(darcy + forchheimer |u|) u`, `darcy = nu / K = 150 nu (1 - e)^2 / (e^3 d^2)` (1/s) and
//! `forchheimer = 1.75 (1 - e) / (e^3 d)` (1/m), for a medium of porosity e and particle
//! diameter d. Coils are wire of diameter w packed to a density (the coils' share of the sac's
//! volume, typically 0.2 to 0.35): e = 1 - density, and d = 1.5 w, the diameter of the particle
//! with a cylinder's volume-to-surface ratio (as for a flow diverter's mesh,
//! [`super::porous`]). The drag is stepped by backward Euler (`solver/porous_region`, the
//! quadratic equation for |u| solved exactly), stable for any coefficient and with steady
//! states that do not depend on the time step (the drag at the velocity it leaves, not at the
//! predictor's, which a stiff medium's pressure gradient makes far larger); the momentum equation's other terms are left as in the open lumen (their
//! 1/e factors of the volume-averaged form are dropped: in a region where the drag dominates,
//! as it does in a coiled sac, they do not change the flow through it).
//!
//! A solver takes a region as an add-on ([`PorousRegion`], [`super::addon`]).

use super::addon::{AddOn, Prepared, StepBuffers};
use super::{CellLayout, SolverParams};
use crate::gpu::{Bindable, Dispatch, Gpu, GpuError};
use crate::grid::{kind, Grid};
use crate::mesh::Vec3;

/// One cell of a porous region (storage, 16 bytes). WGSL twin: `RegionCell` in
/// solver/porous_region.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct RegionCell {
    /// Storage id of the cell.
    pub cell: u32,
    /// Linear drag rate nu / K, 1/s.
    pub darcy: f32,
    /// Quadratic drag per unit speed, 1/m.
    pub forchheimer: f32,
    /// Padding to 16 bytes.
    pub _pad0: u32,
}

/// The drag coefficients (darcy in 1/s, forchheimer in 1/m) of coils of wire diameter `wire`
/// (m) packed to `density` (the coils' volume fraction, in [0, 1)), for a fluid of kinematic
/// viscosity `nu` (m^2/s): Ergun's, as a flow diverter's screen has them per unit of its
/// thickness ([`super::porous::screen_coefficients`], the same particle diameter 1.5 w).
pub fn coil_coefficients(density: f64, wire: f64, nu: f64) -> (f64, f64) {
    let (a, b) = super::porous::screen_coefficients(1.0 - density, wire);
    let thickness = 2.0 * wire;
    (nu * a / thickness, b / thickness)
}

/// A porous region's cells: the drag as an add-on of the solver (stage `solver/porous_region`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PorousRegion(pub Vec<RegionCell>);

impl PorousRegion {
    /// The fluid cells of `grid` whose centres are within `radius` (m) of `centre` (m), each with
    /// the coefficients `(darcy, forchheimer)` (1/s, 1/m). The cells are storage ids; the passes take
    /// them at their stored indices ([`CellLayout::stored`]).
    pub fn sphere(grid: &Grid, centre: Vec3, radius: f64, (darcy, forchheimer): (f64, f64)) -> PorousRegion {
        let cells = (0..grid.kind.len() as u32)
            .filter(|&id| grid.kind[id as usize] != kind::SOLID && (grid.cell_centre(id) - centre).norm() <= radius)
            .map(|cell| RegionCell { cell, darcy: darcy as f32, forchheimer: forchheimer as f32, _pad0: 0 })
            .collect();
        PorousRegion(cells)
    }

    /// Its cells at their stored indices on `layout` (the pass's list).
    fn stored(&self, layout: &CellLayout) -> Vec<RegionCell> {
        let at = |id: u32| layout.stored(id).expect("a porous region's cells are fluid") as u32;
        self.0.iter().map(|e| RegionCell { cell: at(e.cell), ..*e }).collect()
    }
}

/// Twin of `solver/porous_region` (the region's pass): for each cell of `region` (stored
/// indices), the new u
/// solves u (1 + dt (darcy + forchheimer |u|)) = u* (backward Euler): u = u* / s,
/// s = (c + sqrt(c^2 + 4 dt forchheimer |u*|)) / 2, c = 1 + dt darcy.
pub fn porous_region(params: &SolverParams, region: &[RegionCell], u: &mut [f32]) {
    let n = params.stored as usize;
    for e in region {
        let c = e.cell as usize;
        let v = [u[c], u[n + c], u[2 * n + c]];
        let speed = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        let s = super::porous::drag_divisor(params.dt, e.darcy, e.forchheimer, speed);
        for k in 0..3 {
            u[k * n + c] = v[k] / s;
        }
    }
}

impl AddOn for PorousRegion {
    fn name(&self) -> &str {
        "porous region"
    }

    fn prepare(&self, gpu: &Gpu, step: &StepBuffers) -> Result<Prepared, GpuError> {
        if self.0.is_empty() {
            return Ok(Prepared { passes: Vec::new(), bytes: 0 });
        }
        let region = gpu.storage("porous region", &self.stored(step.layout))?;
        let bufs: [(&str, &dyn Bindable); 3] = [("params", step.params), ("region", &region), ("u", step.u)];
        let pass = Dispatch::new(gpu, "solver/porous_region", &bufs, self.0.len() as u32)?;
        Ok(Prepared { passes: vec![pass], bytes: region.size() })
    }

    fn apply_cpu(&self, params: &SolverParams, layout: &CellLayout, u: &mut [f32]) {
        porous_region(params, &self.stored(layout), u);
    }
}
