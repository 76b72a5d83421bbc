//! The pressure solve's control on the GPU (`solver/cg_control`): after CG's start, after each
//! iteration and after the check of the divergence the projection will leave, one invocation
//! reads CG's scalars, decides whether to go on, and opens or closes two gates
//! ([`crate::gpu::gate`]): [`ITERATE`] for the next iteration's dispatches, [`FINISH`] for what
//! follows the solve (the projection and the rest of the step). So the host records a step
//! with a budget of iterations and reads back once; the GPU runs as many as the tolerance
//! needs. [`cg_control`] is its CPU twin.
//!
//! The decisions are those the host made before, from the same f32 scalars: CG stops when the
//! relative residual |r| / max(|f|, floor) is at most the tolerance or the iterations reach
//! the maximum, but takes one iteration at least per step: it starts from the last step's
//! increment, which the floor could otherwise accept as it is, step after step, near a steady
//! state (a drift of the pressure by that increment every step; one iteration shrinks it by
//! the V-cycle's factor instead); the solve is done when, CG stopped, the divergence the projection will leave
//! (|f - M dp| over the same scale) is at most the tolerance, or the iterations ran out, or a
//! restart no longer halved it, or it is not a number. Otherwise the host goes on: more
//! iterations if the budget it recorded ran out ([`ITERATING`] still 1), else a restart from
//! the true residual.

use bytemuck::{Pod, Zeroable};

/// The gate of the next CG iteration.
pub const ITERATE: u32 = 1;
/// The gate of what follows the solve.
pub const FINISH: u32 = 2;

/// Slots of the scalar buffer (WGSL twins in solver/cg_control.wgsl): CG's dot products and
/// coefficients first (r.z, d.q, alpha, the new r.z, beta, r.r, f.f, e.e of the check; slot 8
/// unused), then the control's state, which the host reads back ([`REPORT`] on).
pub mod slot {
    pub const RZ: u32 = 0;
    pub const DQ: u32 = 1;
    pub const ALPHA: u32 = 2;
    pub const RZ_NEW: u32 = 3;
    pub const BETA: u32 = 4;
    pub const RR: u32 = 5;
    pub const FF: u32 = 6;
    pub const EE: u32 = 7;
    /// Iterations so far this step.
    pub const ITERATIONS: u32 = 9;
    /// max(|f|, floor), what the residuals are relative to.
    pub const SCALE: u32 = 10;
    /// |r| / scale by CG's recurrence.
    pub const RELATIVE: u32 = 11;
    /// |f - M dp| / scale at the last check.
    pub const DIVERGENCE: u32 = 12;
    /// The divergence of the check before (a restart must halve it); starts huge.
    pub const LAST: u32 = 13;
    /// 1 once the solve is done.
    pub const DONE: u32 = 14;
    /// 1 while CG wants another iteration.
    pub const ITERATING: u32 = 15;
    /// Slots in all.
    pub const COUNT: u32 = 16;
    /// Where the read-back report starts ([`super::Report`]).
    pub const REPORT: u32 = ITERATIONS;
}

/// What the control does (the `mode` of [`CgControlParams`]).
pub mod mode {
    /// After CG's start: the scale and the first relative residual.
    pub const START: u32 = 0;
    /// After an iteration: one more, and the relative residual (nothing once CG has stopped:
    /// this one runs ungated, as it writes the gates).
    pub const ITERATE: u32 = 1;
    /// After the check: the divergence, and whether the solve is done.
    pub const CHECK: u32 = 2;
}

/// Parameters of `solver/cg_control` (uniform).
/// WGSL twin: `CgControlParams` in shaders/solver/cg_control.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct CgControlParams {
    /// [`mode`].
    pub mode: u32,
    /// Iterations at most per step.
    pub max_iterations: u32,
    /// Relative residual and divergence to reach.
    pub tolerance: f32,
    /// |f| counts as at least this (1/s^2).
    pub floor: f32,
    /// Workgroup grids in the gate buffer ([`crate::gpu::Gates::slots`]).
    pub slots: u32,
    /// Padding to 32 bytes.
    pub _pad0: u32,
    pub _pad1: u32,
    pub _pad2: u32,
}

/// The control's state as read back ([`slot::REPORT`] on, 7 values).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Report {
    pub iterations: usize,
    pub relative_residual: f64,
    pub divergence: f64,
    pub done: bool,
    pub iterating: bool,
}

/// Values of the report.
pub const REPORT_LEN: usize = 7;

impl Report {
    /// From the [`REPORT_LEN`] values at [`slot::REPORT`].
    pub fn from_values(v: &[f32]) -> Report {
        Report {
            iterations: v[0] as usize,
            relative_residual: v[2] as f64,
            divergence: v[3] as f64,
            done: v[5] != 0.0,
            iterating: v[6] != 0.0,
        }
    }
}

/// Twin of `solver/cg_control`: updates `scalars` ([`slot`]) and the gates' sections of `args`
/// (section 0 the grids, 3 words each for `params.slots` of them; gate k's section k).
pub fn cg_control(params: &CgControlParams, scalars: &mut [f32], args: &mut [u32]) {
    use slot::*;
    let at = |k: u32| k as usize;
    let tolerance = params.tolerance;
    let max = params.max_iterations as f32;
    let mut finish = false;
    if params.mode == mode::ITERATE && scalars[at(ITERATING)] == 0.0 {
        // CG has stopped: the iterations recorded beyond change nothing.
        return;
    }
    let iterate;
    if params.mode != mode::CHECK {
        if params.mode == mode::START {
            scalars[at(SCALE)] = scalars[at(FF)].abs().sqrt().max(params.floor);
        } else {
            scalars[at(ITERATIONS)] += 1.0;
        }
        let relative = scalars[at(RR)].abs().sqrt() / scalars[at(SCALE)];
        scalars[at(RELATIVE)] = relative;
        // A step's first start takes one iteration at least (see the module docs).
        let first = scalars[at(ITERATIONS)] == 0.0;
        iterate = (relative > tolerance || first) && scalars[at(ITERATIONS)] < max;
    } else {
        let divergence = scalars[at(EE)].abs().sqrt() / scalars[at(SCALE)];
        scalars[at(DIVERGENCE)] = divergence;
        // CG stopped by the budget the host recorded, not by its own test.
        let stopped_short = scalars[at(ITERATING)] != 0.0;
        let done = !stopped_short
            && (divergence <= tolerance
                || scalars[at(ITERATIONS)] >= max
                || divergence > 0.5 * scalars[at(LAST)]
                || !divergence.is_finite());
        if !done && !stopped_short {
            scalars[at(LAST)] = divergence;
        }
        scalars[at(DONE)] = if done { 1.0 } else { 0.0 };
        iterate = stopped_short;
        finish = done;
    }
    scalars[ITERATING as usize] = if iterate { 1.0 } else { 0.0 };
    let n = params.slots as usize;
    for k in 0..n {
        for (gate, open) in [(ITERATE_GATE, iterate), (FINISH_GATE, finish)] {
            let at = 3 * (gate * n + k);
            args[at] = if open { args[3 * k] } else { 0 };
            args[at + 1] = args[3 * k + 1];
            args[at + 2] = 1;
        }
    }
}

const ITERATE_GATE: usize = ITERATE as usize;
const FINISH_GATE: usize = FINISH as usize;
