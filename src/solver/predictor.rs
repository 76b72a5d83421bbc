//! The step's predictor on the GPU: u* from u^n. For a non-Newtonian fluid `shear_viscosity`
//! first (each cell's viscosity from the shear rate of u); then `momentum` (the explicit part,
//! with the last step's pressure gradient: three SSP-RK3 stages, or one pass with implicit
//! advection) and the `viscous_sweep` red-black Gauss-Seidel sweeps on u* from a copy of u (the
//! implicit half of the Crank-Nicolson viscous term and, with [`Advection::Implicit`], the
//! first-order upwind advection).

use super::buffers::{Buffers, Core, Named};
use super::halo::Recorder;
use super::settings::{Advection, Rheology, Settings};
use super::SolverParams;
use crate::gpu::{Dispatch, Gpu, GpuError, Span};
use crate::grid::index::BLACK;

/// Red-black Gauss-Seidel sweeps per step of the predictor's system. Jacobi's spectral radius is
/// at most rho = (s + a) / (1 + s + a), s = dt nu / 2 * 12 / h^2 and, with implicit advection,
/// a = 2 dt U / h for the velocity scale U (the inflow through a cell's faces over its volume,
/// for a flow of speed U at most 45 degrees off an axis); a red-black sweep's is rho^2 (Young:
/// the 7-point stencil is 2-cyclic). Explicit advection: enough sweeps to reduce the error
/// 1e6-fold (time accuracy). Implicit advection (backward Euler): 10-fold, so a step moves 90%
/// of the way to the backward Euler step, or, where only the steady state matters (`steady`,
/// [`super::gpu_solver::GpuSolver::seek_steady_state`]), [`STEADY_REDUCTION`]. The sweeps start
/// from u, which at a steady state is already the solution, so the steady state does not depend
/// on their number.
pub(super) fn viscous_sweeps(settings: &Settings, h: f64, steady: bool) -> usize {
    let s_max = 0.5 * settings.dt * settings.rheology.max_viscosity(settings.nu) * 12.0 / (h * h);
    let (a_max, reduction) = match settings.advection {
        Advection::Explicit => (0.0, 1e-6f64),
        Advection::Implicit => {
            (2.0 * settings.dt * settings.velocity_scale / h, if steady { STEADY_REDUCTION } else { 1e-1 })
        }
    };
    let rho = (s_max + a_max) / (1.0 + s_max + a_max);
    if rho > 0.0 {
        (reduction.ln() / (2.0 * rho.ln())).ceil().max(1.0) as usize
    } else {
        1
    }
}

/// The implicit viscous solve's error reduction per step where only the steady state matters:
/// a step moves 70% of the way to the backward Euler step. The fewer sweeps outweigh the extra
/// steps: on the race's bifurcation (117k cells, Courant 5) 151 steps in 40.7 s against 141 in
/// 48.8 s at a 10-fold reduction, and 176 steps in 41.8 s at a 2-fold one (lavapipe).
pub const STEADY_REDUCTION: f64 = 0.3;

/// The predictor's passes.
pub(super) struct Predictor {
    /// Copies of the parameters for the momentum's Runge-Kutta stages 0 and 1 (explicit mode).
    stage_params: [wgpu::Buffer; 2],
    /// A copy of the parameters with colour black, for the black half of the viscous sweeps.
    black_params: wgpu::Buffer,
    /// `solver/shear_viscosity` (non-Newtonian fluids).
    shear_viscosity: Option<Dispatch>,
    /// The momentum passes: the three Runge-Kutta stages (explicit), or one (implicit), each
    /// with the next stage's velocity it writes (whose halo a run on several ranks exchanges).
    momentum: Vec<(Dispatch, Option<Span>)>,
    /// The viscosity (non-Newtonian fluids).
    viscosity: Span,
    /// The halves of a red-black sweep of the implicit viscous system on u*: red, black.
    sweep: [Dispatch; 2],
    /// The copy u -> u* the sweeps start from.
    start: (Span, Span),
    /// Red-black sweeps per step.
    pub sweeps: usize,
}

impl Predictor {
    /// Binds the passes to `core`'s buffers, for a step with parameters `params` on a grid of
    /// spacing `h` (m).
    pub(super) fn new(
        buffers: &mut Buffers,
        core: &Core,
        settings: &Settings,
        params: &SolverParams,
        h: f64,
    ) -> Result<Predictor, GpuError> {
        let gpu = buffers.gpu;
        let n = core.n;
        let shear_viscosity = if settings.rheology != Rheology::Newtonian {
            let bufs = core.with(&[("u", &core.u), ("viscosity", &core.viscosity)]);
            Some(Dispatch::new(gpu, "solver/shear_viscosity", &bufs, n)?)
        } else {
            None
        };
        // Momentum: explicit SSP-RK3 in three passes (u1 in rhs, K then u2 in u*, which are dead
        // until the last pass and the sweeps), or the implicit mode's one pass; each binds u^n,
        // the velocity it evaluates advection at, what it writes and K (stage 0's; the others bind
        // the pressure solve's scratch there, dead until the divergence, and leave it).
        let stage_params = [
            buffers.uniform("params stage 0", &SolverParams { stage: 0, ..*params })?,
            buffers.uniform("params stage 1", &SolverParams { stage: 1, ..*params })?,
        ];
        // Stage 0 and the implicit pass write `out` without reading it, stage 0 also `k`.
        let momentum_pass = |params: &wgpu::Buffer, [eval, out, k]: [&wgpu::Buffer; 3], fresh: &[&str]| {
            let bufs: [Named; 10] = [
                ("params", params),
                ("neighbours", &core.neighbours),
                ("cells", &core.cells),
                ("geom", &core.geom),
                ("u", &core.u),
                ("u_eval", eval),
                ("out", out),
                ("k", k),
                ("p", &core.p),
                ("viscosity", &core.viscosity),
            ];
            Ok::<_, GpuError>(Dispatch::new(gpu, "solver/momentum", &bufs, n)?.overwrites(fresh))
        };
        let (u, u_star, rhs, unused) = (&core.u, &core.u_star, &core.rhs, &core.scratch);
        let momentum = match settings.advection {
            Advection::Explicit => vec![
                (momentum_pass(&stage_params[0], [u, rhs, u_star], &["out", "k"])?, Some(Span::whole(rhs))),
                (momentum_pass(&stage_params[1], [rhs, u_star, unused], &[])?, Some(Span::whole(u_star))),
                (momentum_pass(&core.params, [u_star, rhs, unused], &[])?, None),
            ],
            Advection::Implicit => vec![(momentum_pass(&core.params, [u, rhs, unused], &["out"])?, None)],
        };
        // The red half binds the step's parameters (colour red, 0), the black half a copy.
        let black_params = buffers.uniform("params black", &SolverParams { colour: BLACK, ..*params })?;
        let viscous_half = |params: &wgpu::Buffer| {
            let bufs: [Named; 8] = [
                ("params", params),
                ("neighbours", &core.neighbours),
                ("cells", &core.cells),
                ("geom", &core.geom),
                ("rhs", &core.rhs),
                ("u", u),
                ("v", u_star),
                ("viscosity", &core.viscosity),
            ];
            Dispatch::new(gpu, "solver/viscous_sweep", &bufs, n / 2)
        };
        let sweep = [viscous_half(&core.params)?, viscous_half(&black_params)?];
        let start = (Span::whole(u), Span::whole(u_star));
        let sweeps = viscous_sweeps(settings, h, false);
        let viscosity = Span::whole(&core.viscosity);
        Ok(Predictor { stage_params, black_params, shear_viscosity, momentum, viscosity, sweep, start, sweeps })
    }

    /// Writes the copies of the step's `params`: the black sweeps' and the Runge-Kutta stages'
    /// (explicit mode).
    pub(super) fn update(&self, gpu: &Gpu, params: &SolverParams) {
        gpu.queue.write_buffer(&self.black_params, 0, bytemuck::bytes_of(&SolverParams { colour: BLACK, ..*params }));
        if self.momentum.len() == 3 {
            for (stage, buffer) in self.stage_params.iter().enumerate() {
                let value = SolverParams { stage: stage as u32, ..*params };
                gpu.queue.write_buffer(buffer, 0, bytemuck::bytes_of(&value));
            }
        }
    }

    /// Records the predictor: u* in its buffer (on several ranks, with the halo exchanges of
    /// what the next pass reads across bricks).
    pub(super) fn record(&self, gpu: &Gpu, rec: &mut Recorder) {
        if let Some(pass) = &self.shear_viscosity {
            pass.record(rec);
            rec.exchange(0, &self.viscosity, 1);
        }
        for (pass, next) in &self.momentum {
            pass.record(rec);
            if let Some(next) = next {
                rec.exchange(0, next, 3);
            }
        }
        // The viscous solve starts from the current velocity.
        self.start.0.copy_to(gpu, rec, &self.start.1);
        for _ in 0..self.sweeps {
            for half in &self.sweep {
                half.record(rec);
                rec.exchange(0, &self.start.1, 3);
            }
        }
    }

    /// Its passes in the order they are recorded (each sweep once).
    pub(super) fn passes(&self) -> Vec<&Dispatch> {
        let mut passes: Vec<&Dispatch> = self.shear_viscosity.iter().collect();
        passes.extend(self.momentum.iter().map(|(pass, _)| pass));
        passes.extend(&self.sweep);
        passes
    }
}
