//! Porous layers in the momentum equation: a flow diverter's mesh as a thin Darcy-Forchheimer
//! medium.
//!
//! # Model
//! A screen of wires passes a normal velocity u with the pressure drop
//! `dp = mu A u + rho B u^2`. Its coefficients come from the Ergun equation for flow through a
//! porous bed (S. Ergun, "Fluid flow through packed columns", Chem. Eng. Prog. 48:89-94, 1952),
//! `dp / t = 150 mu (1 - e)^2 u / (e^3 d^2) + 1.75 rho (1 - e) u^2 / (e^3 d)`, applied to the
//! braided mesh as a layer of thickness `t = 2 w` (two crossing wires of diameter w) and
//! porosity e, with the particle diameter of a cylinder of the same volume-to-surface ratio,
//! `d = 1.5 w`:
//! `A = 150 (1 - e)^2 t / (e^3 d^2)` (1/m) and `B = 1.75 (1 - e) t / (e^3 d)` (dimensionless).
//! Both vanish at e = 1 (no wires), so a diverter of porosity 1 leaves the flow unchanged.
//!
//! The layer is spread over the cells within one cell edge h of the stent's surface with the
//! weight `(1 - |s| / h) / h` (s the distance to the surface), whose integral across the surface
//! is 1, so the drag summed through the layer is the screen's: per unit mass
//! `-weight (nu A + B |w|) w n` on the velocity's component w = u.n through the layer (normal n),
//! stepped by backward Euler ([`PorousCell`], `solver/porous_drag`; the quadratic equation for
//! |w| solved exactly, so that a steady state does not depend on dt: the drag is taken at the
//! velocity it leaves, not at the predictor's, which the pressure gradient across a dense
//! screen makes many times larger). The component along the layer
//! is left alone: a screen resists the flow through it, and so the layer does not slow the flow
//! that passes along it (in the parent artery, beside an aneurysm's neck).
//!
//! A solver takes the layer as an add-on ([`PorousLayer`], [`super::addon`]).

use super::addon::{AddOn, Prepared, StepBuffers};
use super::{CellLayout, SolverParams};
use crate::gpu::{Bindable, Dispatch, Gpu, GpuError};

/// One cell of a porous layer (storage, 32 bytes). WGSL twin: `PorousCell` in
/// solver/porous_drag.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct PorousCell {
    /// Storage id of the cell.
    pub cell: u32,
    /// Linear drag rate `weight nu A`, 1/s.
    pub darcy: f32,
    /// Quadratic drag per unit speed `weight B`, 1/m.
    pub forchheimer: f32,
    /// The layer's unit normal, x.
    pub normal_x: f32,
    /// y.
    pub normal_y: f32,
    /// z.
    pub normal_z: f32,
    /// Padding to 32 bytes.
    pub _pad0: u32,
    /// Padding.
    pub _pad1: u32,
}

/// The screen coefficients (A in 1/m, B dimensionless) of a braided mesh of `porosity` in
/// (0, 1] and wires of `wire_diameter` (m), from the Ergun equation (see the module's docs).
pub fn screen_coefficients(porosity: f64, wire_diameter: f64) -> (f64, f64) {
    let e = porosity;
    let t = 2.0 * wire_diameter;
    let d = 1.5 * wire_diameter;
    let a = 150.0 * (1.0 - e).powi(2) * t / (e.powi(3) * d * d);
    let b = 1.75 * (1.0 - e) * t / (e.powi(3) * d);
    (a, b)
}

/// The backward Euler step of a Darcy-Forchheimer drag (darcy 1/s, forchheimer 1/m) over `dt`
/// (s): the divisor s that takes a velocity (component) of magnitude `speed` (m/s, the
/// predictor's) to the one the drag leaves, w = w* / s with w (1 + dt (darcy + forchheimer |w|))
/// = w*. Twin of `drag_divisor` (shaders/shared/drag.wgsl), shared by the porous add-ons.
pub fn drag_divisor(dt: f32, darcy: f32, forchheimer: f32, speed: f32) -> f32 {
    let c = 1.0 + dt * darcy;
    0.5 * (c + (c * c + 4.0 * dt * forchheimer * speed).sqrt())
}

/// Twin of `solver/porous_drag` (the layer's pass): for each cell of `layer` (stored indices),
/// the velocity's
/// component w* along the layer's normal becomes the w that solves
/// w (1 + dt (darcy + forchheimer |w|)) = w* (backward Euler):
/// w = w* / s, s = (c + sqrt(c^2 + 4 dt forchheimer |w*|)) / 2, c = 1 + dt darcy.
pub fn porous_drag(params: &SolverParams, layer: &[PorousCell], u: &mut [f32]) {
    let n = params.stored as usize;
    for e in layer {
        let c = e.cell as usize;
        let v = [u[c], u[n + c], u[2 * n + c]];
        let normal = [e.normal_x, e.normal_y, e.normal_z];
        let w = v[0] * normal[0] + v[1] * normal[1] + v[2] * normal[2];
        let s = drag_divisor(params.dt, e.darcy, e.forchheimer, w.abs());
        for k in 0..3 {
            u[k * n + c] = v[k] + normal[k] * (w / s - w);
        }
    }
}

/// A porous layer's cells (storage ids): the drag as an add-on of the solver (stage
/// `solver/porous_drag`, which takes them at their stored indices, [`CellLayout::stored`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PorousLayer(pub Vec<PorousCell>);

impl PorousLayer {
    /// Its cells at their stored indices on `layout` (the pass's list).
    fn stored(&self, layout: &CellLayout) -> Vec<PorousCell> {
        let at = |id: u32| layout.stored(id).expect("a porous layer's cells are fluid") as u32;
        self.0.iter().map(|e| PorousCell { cell: at(e.cell), ..*e }).collect()
    }
}

impl AddOn for PorousLayer {
    fn name(&self) -> &str {
        "porous layer"
    }

    fn prepare(&self, gpu: &Gpu, step: &StepBuffers) -> Result<Prepared, GpuError> {
        if self.0.is_empty() {
            return Ok(Prepared { passes: Vec::new(), bytes: 0 });
        }
        let layer = gpu.storage("porous layer", &self.stored(step.layout))?;
        let bufs: [(&str, &dyn Bindable); 3] = [("params", step.params), ("layer", &layer), ("u", step.u)];
        let pass = Dispatch::new(gpu, "solver/porous_drag", &bufs, self.0.len() as u32)?;
        Ok(Prepared { passes: vec![pass], bytes: layer.size() })
    }

    fn apply_cpu(&self, params: &SolverParams, layout: &CellLayout, u: &mut [f32]) {
        porous_drag(params, &self.stored(layout), u);
    }
}
