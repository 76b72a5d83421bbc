//! The step's pressure solve on the GPU: M dp = f for the pressure increment, by conjugate
//! gradients preconditioned with one multigrid V-cycle (the same sequence as the CPU twin,
//! [`super::multigrid::pcg_cpu`]), from the last step's increment, then the divergence the
//! projection will leave, computed afresh as f - M dp (CG restarts from that true residual while
//! it is above the tolerance).
//!
//! The host records the start, a budget of iterations and the check at once, and reads nothing
//! back: `solver/cg_control` ([`super::cg_control`]) decides on the GPU after each, through
//! gates ([`crate::gpu::gate`]) that let the next iteration's dispatches run or not, and that
//! let what follows the solve run once it is done. The host learns what happened from the
//! step's one read-back ([`Report`]). The vectors of the finest level live in parts of the
//! step's velocity-sized buffers ([`PressureVectors`], placed by
//! [`super::gpu_solver::GpuSolver::new`]). On several ranks the dot products take the owned
//! cells, and the recorder ([`super::halo::Recorder`]) ends the commands at each halo exchange
//! and each sum over the ranks; the host then also stops recording iterations once CG stopped.

use super::buffers::{Buffers, Core, Named};
use super::cg_control::{mode, slot, CgControlParams, Report, FINISH, ITERATE};
use super::halo::Recorder;
use super::multigrid::{Hierarchy, MultigridSettings};
use super::settings::Settings;
use super::SolverParams;
use crate::gpu::vector::{CgScalarsParams, VectorOp, Vectors};
use crate::gpu::{Dispatch, Gate, Gates, Gpu, GpuError, Span};
use crate::grid::index::{BLACK, RED};

/// Where the finest level's arrays live.
pub(super) struct PressureVectors {
    /// The source, 1/s^2 (written by `divergence`).
    pub f: Span,
    /// The increment dp, m^2/s^2 (read by `project`; kept from step to step, the next solve's
    /// first guess).
    pub dp: Span,
    /// CG's residual r, direction d, preconditioned residual z and q = -M d.
    pub r: Span,
    pub d: Span,
    pub z: Span,
    pub q: Span,
    /// The finest level's smoothing scratch (it may be q's memory: q is dead from r's update
    /// until the next iteration's operator).
    pub scratch: Span,
    /// Where the residuals f - M dp go, the start's (then copied into r) and the check's, afresh
    /// after the solve (z's memory: dead at the start and after the solve).
    pub check: Span,
    /// Where `project` leaves p^n for the undo (dead after the solve: z's memory).
    pub before: Span,
}

/// One multigrid level on the GPU: its buffers and the passes of a V-cycle on it.
struct GpuLevel {
    /// Source of M e = f on this level (level 0: the CG residual).
    f: Span,
    /// Correction (level 0: the preconditioned residual z).
    e: Span,
    /// Smoothing scratch (None on the coarsest level).
    scratch: Option<Span>,
    /// Its cell words (the next finer level's restriction binds them).
    cells: wgpu::Buffer,
    /// Cells in its allocated bricks.
    count: u32,
    /// What the V-cycle does on it.
    passes: LevelPasses,
}

/// The passes of a level's part of a V-cycle (one per level: the variants' sizes do not matter).
#[allow(clippy::large_enum_variant)]
enum LevelPasses {
    /// Above the coarsest level: smoothing and the transfers to and from the next level.
    Smoothed {
        /// Smoothing steps before the coarse correction (starting at red): e -> scratch, and
        /// scratch -> e.
        pre: [Dispatch; 2],
        /// This level's residual f - M e, restricted into the next level's f.
        restrict: Dispatch,
        /// Smoothing steps after it (starting at black): e with the next level's e prolonged ->
        /// scratch, then scratch -> e, and (for more than one pair) e -> scratch.
        post: Vec<Dispatch>,
    },
    /// The coarsest level's exact solve, `solver/mg_coarse_solve`.
    Coarsest(Dispatch),
}

use slot::{ALPHA, BETA, DQ, EE, FF, RR, RZ, RZ_NEW};

/// The prepared vector operations of one CG iteration.
struct CgOps {
    rz: VectorOp,
    dq: VectorOp,
    alpha: VectorOp,
    update_p: VectorOp,
    update_r: VectorOp,
    rz_new: VectorOp,
    beta: VectorOp,
    direction: VectorOp,
    rr: VectorOp,
    ff: VectorOp,
    ee: VectorOp,
}

/// The pressure solve's passes and buffers.
pub(super) struct PressureSolve {
    v: PressureVectors,
    /// `solver/divergence`: f from u* (and the outlets' fluxes).
    source: Dispatch,
    /// f - M dp into the check's memory: at the start (then copied into r, level 0's f) and
    /// after the solve (the check).
    residual: Dispatch,
    /// q = -M d.
    apply: Dispatch,
    levels: Vec<GpuLevel>,
    vectors: Vectors,
    ops: CgOps,
    multigrid: MultigridSettings,
    /// The control's parameters, one uniform per mode (start, iterate, check).
    control_params: [wgpu::Buffer; 3],
    /// The gates and `solver/cg_control` in each mode, bound to them ([`Self::set_gates`]).
    control: Option<(Gates, [Dispatch; 3])>,
}

impl LevelPasses {
    /// Each distinct pass, with how often one V-cycle runs it on this level (`sweeps`
    /// smoothing steps before and after the coarse correction, in pairs).
    fn runs(&self, sweeps: usize) -> Vec<(&Dispatch, u64)> {
        match self {
            LevelPasses::Coarsest(solve) => vec![(solve, 1)],
            LevelPasses::Smoothed { pre, restrict, post } => {
                let pairs = sweeps.div_ceil(2) as u64;
                vec![(&pre[0], pairs), (&pre[1], pairs), (restrict, 1), (&post[0], 1), (&post[1], pairs)]
                    .into_iter()
                    .chain(post.get(2).map(|d| (d, pairs - 1)))
                    .collect()
            }
        }
    }
}

impl PressureSolve {
    /// Prepares the levels of `hierarchy` (the finest is `core`'s grid) and CG's operations.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        buffers: &mut Buffers,
        core: &Core,
        hierarchy: &Hierarchy,
        params: &SolverParams,
        multigrid: MultigridSettings,
        v: PressureVectors,
        source: Dispatch,
        owned: u32,
    ) -> Result<PressureSolve, GpuError> {
        let gpu = buffers.gpu;
        // Cells (the stages over cells run on them) and the length of the finest level's arrays.
        let (n, stored) = (core.n, core.stored);
        // Multigrid levels, coarsest first so each level can reference the next one's buffers.
        let mut levels: Vec<GpuLevel> = Vec::new();
        for (l, level) in hierarchy.levels.iter().enumerate().rev() {
            let nl = level.layout.cells.len() as u32;
            // Level 0's grid and vectors are the step's; the coarsest level needs no neighbours,
            // geometry or scratch (its solve reads none).
            let whole = |b: wgpu::Buffer| Span::whole(&b);
            let (lcells, lf, le) = if l == 0 {
                (core.cells.clone(), v.r.clone(), v.z.clone())
            } else {
                (
                    buffers.storage(&format!("level {l} cells"), &level.layout.cells)?,
                    whole(buffers.empty(&format!("level {l} f"), nl as u64)?),
                    whole(buffers.empty(&format!("level {l} e"), nl as u64)?),
                )
            };
            let mut scratch = None;
            let passes = match levels.last() {
                None => {
                    let ids = buffers.storage("coarsest fluid cells", &hierarchy.coarse_stored_ids())?;
                    let inverse = buffers.storage("coarsest inverse", &hierarchy.coarse.inverse)?;
                    let bufs: [Named; 4] = [("ids", &ids), ("inverse", &inverse), ("f", &lf), ("e", &le)];
                    let count = hierarchy.coarse.ids.len() as u32;
                    LevelPasses::Coarsest(Dispatch::new(gpu, "solver/mg_coarse_solve", &bufs, count)?)
                }
                Some(coarse) => {
                    // A level's smoothing scratch is dead outside its own smoothing steps, which
                    // the coarser levels' part of the V-cycle does not interleave: every level
                    // smooths in the head of the finest level's scratch (where it fits).
                    let (lnb, lgeom, tmp) = if l == 0 {
                        (core.neighbours.clone(), core.geom.clone(), v.scratch.clone())
                    } else {
                        let tmp = if nl <= stored {
                            Span::range(v.scratch.buffer(), 0, 4 * u64::from(nl))
                        } else {
                            whole(buffers.empty(&format!("level {l} scratch"), nl as u64)?)
                        };
                        (
                            buffers.storage(&format!("level {l} neighbours"), &level.layout.neighbours)?,
                            buffers.storage(&format!("level {l} geom"), &level.layout.geom)?,
                            tmp,
                        )
                    };
                    let lp = buffers.uniform(&format!("level {l} params"), &level.params())?;
                    let children = buffers
                        .storage(&format!("level {} child bricks", l + 1), &hierarchy.levels[l + 1].child_bricks)?;
                    let parent = buffers.storage(&format!("level {l} parent bricks"), &level.parent_bricks)?;
                    // The smoothing steps' parameters: starting at red; at black with the coarse
                    // correction; at black.
                    let mut variant = |name: &str, colour: u32, prolong: u32| {
                        let params = SolverParams { colour, prolong, ..level.params() };
                        buffers.uniform(&format!("level {l} params {name}"), &params)
                    };
                    let red = variant("red", RED, 0)?;
                    let prolonged = variant("black prolonged", BLACK, 1)?;
                    let black = variant("black", BLACK, 0)?;
                    let smooth = |params: &wgpu::Buffer, from: &Span, to: &Span| {
                        let bufs: [Named; 9] = [
                            ("params", params),
                            ("neighbours", &lnb),
                            ("cells", &lcells),
                            ("geom", &lgeom),
                            ("f", &lf),
                            ("p_in", from),
                            ("parent_bricks", &parent),
                            ("e_coarse", &coarse.e),
                            ("p_out", to),
                        ];
                        Dispatch::new(gpu, "solver/pressure_smooth", &bufs, nl)
                    };
                    let pre = [smooth(&red, &le, &tmp)?, smooth(&red, &tmp, &le)?];
                    scratch = Some(tmp.clone());
                    let mut post = vec![smooth(&prolonged, &le, &tmp)?, smooth(&black, &tmp, &le)?];
                    if multigrid.sweeps > 2 {
                        post.push(smooth(&black, &le, &tmp)?);
                    }
                    let restrict_bufs: [Named; 9] = [
                        ("params", &lp),
                        ("neighbours", &lnb),
                        ("cells", &lcells),
                        ("geom", &lgeom),
                        ("f", &lf),
                        ("p", &le),
                        ("coarse_cells", &coarse.cells),
                        ("child_bricks", &children),
                        ("f_coarse", &coarse.f),
                    ];
                    let restrict = Dispatch::new(gpu, "solver/mg_restrict", &restrict_bufs, coarse.count)?;
                    LevelPasses::Smoothed { pre, restrict, post }
                }
            };
            levels.push(GpuLevel { f: lf, e: le, scratch, cells: lcells, count: nl, passes });
        }
        levels.reverse();
        let fields: [Named; 3] = [("f", &v.f), ("p", &v.dp), ("r", &v.check)];
        let residual = Dispatch::new(gpu, "solver/pressure_residual", &core.with(&fields), n)?;
        // q = -M d: pressure_residual without its source (the source binding is not read).
        let apply_params = buffers.uniform("params without source", &SolverParams { without_source: 1, ..*params })?;
        let apply_bufs: [Named; 7] = [
            ("params", &apply_params),
            ("neighbours", &core.neighbours),
            ("cells", &core.cells),
            ("geom", &core.geom),
            ("f", &v.d),
            ("p", &v.d),
            ("r", &v.q),
        ];
        let apply = Dispatch::new(gpu, "solver/pressure_residual", &apply_bufs, n)?;
        let vectors = Vectors::new(gpu, slot::COUNT)?;
        // q = -M d, so dq = d.q = -(d.M d) and alpha' = rz / dq = -alpha:
        // p += alpha d is p -= alpha' d, and r -= alpha M d is r -= alpha' q.
        // The dot products over the owned cells (all of them on one rank), which come first.
        let ops = CgOps {
            rz: vectors.dot(gpu, &v.r, &v.z, owned, RZ)?,
            dq: vectors.dot(gpu, &v.d, &v.q, owned, DQ)?,
            alpha: vectors.cg_scalars(gpu, CgScalarsParams::alpha(RZ, DQ, ALPHA))?,
            update_p: vectors.axpy(gpu, ALPHA, -1.0, &v.d, &v.dp, core.held)?,
            update_r: vectors.axpy(gpu, ALPHA, -1.0, &v.q, &v.r, core.held)?,
            rz_new: vectors.dot(gpu, &v.r, &v.z, owned, RZ_NEW)?,
            beta: vectors.cg_scalars(gpu, CgScalarsParams::beta(RZ_NEW, RZ, BETA))?,
            direction: vectors.xpay(gpu, BETA, &v.z, &v.d, core.held)?,
            rr: vectors.dot(gpu, &v.r, &v.r, owned, RR)?,
            ff: vectors.dot(gpu, &v.f, &v.f, owned, FF)?,
            ee: vectors.dot(gpu, &v.check, &v.check, owned, EE)?,
        };
        let control_params = [mode::START, mode::ITERATE, mode::CHECK]
            .map(|mode| buffers.uniform("cg control", &CgControlParams { mode, ..Default::default() }));
        let [a, b, c] = control_params;
        let control_params = [a?, b?, c?];
        Ok(PressureSolve { v, source, residual, apply, levels, vectors, ops, multigrid, control_params, control: None })
    }

    /// The vector operations of an iteration, before the V-cycle and after it (on several
    /// ranks, [`Self::record_iterations`] sums the dot products over them: d.q after the first
    /// op, the new r.z and r.r after the second two).
    fn iteration_ops(&self) -> [[&VectorOp; 4]; 2] {
        let o = &self.ops;
        [[&o.dq, &o.alpha, &o.update_p, &o.update_r], [&o.rz_new, &o.rr, &o.beta, &o.direction]]
    }

    /// The workgroup grids of the dispatches an iteration records (gated by [`ITERATE`]).
    fn grids(&self) -> Vec<(u32, u32)> {
        let ops = self.iteration_ops().into_iter().flatten();
        let mut grids: Vec<(u32, u32)> = ops.flat_map(VectorOp::workgroups).collect();
        grids.extend(self.v_cycle_runs().iter().map(|(d, _)| d.groups()).chain([self.apply.groups()]));
        grids
    }

    /// Makes the gates for the solve's dispatches and for `tail`'s grids (what follows the
    /// solve, gated by [`FINISH`]), and binds the control to them. Called again when the tail
    /// changes.
    pub(super) fn set_gates(&mut self, gpu: &Gpu, tail: &[(u32, u32)]) -> Result<(), GpuError> {
        let gates = Gates::new(gpu, "pressure solve gates", self.grids().into_iter().chain(tail.iter().copied()), 2)?;
        let control = |params: &wgpu::Buffer| {
            let bufs: [Named; 3] = [("params", params), ("scalars", self.vectors.scalars()), ("args", gates.args())];
            Dispatch::new(gpu, "solver/cg_control", &bufs, 1)
        };
        let [a, b, c] = [0, 1, 2].map(|k| control(&self.control_params[k]));
        let dispatches = [a?, b?, c?];
        self.control = Some((gates, dispatches));
        Ok(())
    }

    fn control(&self) -> &(Gates, [Dispatch; 3]) {
        self.control.as_ref().expect("set_gates before a step")
    }

    /// The gate of what follows the solve.
    pub(super) fn finish_gate(&self) -> Gate<'_> {
        self.control().0.gate(FINISH)
    }

    /// Writes this step's control parameters and resets its state, for a grid of spacing `h`
    /// (m), `fluid_cells`, and the time step of `settings`.
    pub(super) fn prepare(&self, gpu: &Gpu, settings: &Settings, h: f64, fluid_cells: usize) {
        // Scale of f for a divergence of velocity_scale / h in every fluid cell.
        let floor = settings.velocity_scale / (h * settings.dt) * (fluid_cells as f64).sqrt();
        let slots = self.control().0.slots();
        for (buffer, mode) in self.control_params.iter().zip([mode::START, mode::ITERATE, mode::CHECK]) {
            let params = CgControlParams {
                mode,
                max_iterations: settings.max_iterations as u32,
                tolerance: settings.tolerance as f32,
                floor: floor as f32,
                slots,
                ..Default::default()
            };
            gpu.queue.write_buffer(buffer, 0, bytemuck::bytes_of(&params));
        }
        // Iterations, scale, relative residual, divergence, last divergence, done, iterating.
        let state = [0.0, 0.0, 0.0, 0.0, f32::MAX, 0.0, 0.0f32];
        gpu.queue.write_buffer(self.vectors.scalars(), u64::from(slot::REPORT) * 4, bytemuck::cast_slice(&state));
    }

    /// Records copying CG's scalars, the control's state among them, into `to` (at least
    /// [`slot::COUNT`] f32 values; the report at [`slot::REPORT`]), for the step's read-back.
    pub(super) fn record_report(&self, gpu: &Gpu, enc: &mut wgpu::CommandEncoder, to: &Span) {
        Span::whole(self.vectors.scalars()).copy_to(gpu, enc, to);
    }

    /// The increment dp (m^2/s^2, its own buffer), kept from step to step.
    pub(super) fn increment(&self) -> &Span {
        &self.v.dp
    }

    /// The source f (1/s^2), which `divergence` writes.
    pub(super) fn source(&self) -> &Span {
        &self.v.f
    }

    /// Where `project` leaves p^n (m^2/s^2) for the undo.
    pub(super) fn pressure_before(&self) -> &Span {
        &self.v.before
    }

    /// The passes of a solve with one iteration (its vector operations apart), in the order
    /// they are recorded: the source, the residual, the operator, each level's V-cycle passes,
    /// the check.
    pub(super) fn passes(&self) -> Vec<&Dispatch> {
        let mut passes = vec![&self.source, &self.residual, &self.apply];
        passes.extend(self.v_cycle_runs().into_iter().map(|(d, _)| d));
        passes.push(&self.residual);
        passes
    }

    /// Records one V-cycle on level `l` (e = 0 first), behind `gate` if given (the clears of e
    /// are not gated: e is scratch, and level 0's, z, is not read after CG stops). On several
    /// ranks each smoothing step's and the restriction's output has its halo exchanged, but for
    /// the last one's with `defer_last` (the caller's, to share a round trip).
    fn v_cycle(&self, gpu: &Gpu, rec: &mut Recorder, l: usize, gate: Option<Gate>, defer_last: bool) {
        let level = &self.levels[l];
        level.e.clear(gpu, rec);
        let record = |rec: &mut Recorder, d: &Dispatch| match gate {
            Some(gate) => d.record_gated(rec, gate),
            None => d.record(rec),
        };
        let (pre, restrict, post) = match &level.passes {
            LevelPasses::Coarsest(solve) => return record(rec, solve),
            LevelPasses::Smoothed { pre, restrict, post } => (pre, restrict, post),
        };
        let scratch = level.scratch.as_ref().expect("a smoothed level's scratch");
        // A smoothing step into scratch (`into_scratch`) or into e.
        let smooth = |rec: &mut Recorder, d: &Dispatch, into_scratch: bool| {
            record(rec, d);
            rec.exchange(l, if into_scratch { scratch } else { &level.e }, 1);
        };
        let pairs = self.multigrid.sweeps.div_ceil(2);
        for _ in 0..pairs {
            smooth(rec, &pre[0], true);
            smooth(rec, &pre[1], false);
        }
        record(rec, restrict);
        rec.exchange_restricted(l + 1, &self.levels[l + 1].f);
        self.v_cycle(gpu, rec, l + 1, gate, false);
        smooth(rec, &post[0], true);
        for _ in 1..pairs {
            smooth(rec, &post[1], false);
            smooth(rec, &post[2], true);
        }
        if defer_last {
            record(rec, &post[1]);
        } else {
            smooth(rec, &post[1], false);
        }
    }

    /// The passes of one V-cycle, level after level, with how often each runs.
    fn v_cycle_runs(&self) -> Vec<(&Dispatch, u64)> {
        self.levels.iter().flat_map(|level| level.passes.runs(self.multigrid.sweeps)).collect()
    }

    /// Records f from u* (once a step: the solve keeps it).
    pub(super) fn record_source(&self, rec: &mut Recorder) {
        self.source.record(rec);
    }

    /// Records CG's start from the current dp and f: f.f, r = f - M dp, z = V(r), d = z, r.z,
    /// r.r and the control's start (not gated). Also a restart, after a check.
    pub(super) fn record_start(&self, gpu: &Gpu, rec: &mut Recorder) {
        self.ops.ff.record(rec);
        self.residual.record(rec);
        self.v.check.copy_to(gpu, rec, &self.v.r);
        rec.exchange(0, &self.v.r, 1);
        self.v_cycle(gpu, rec, 0, None, false);
        self.levels[0].e.copy_to(gpu, rec, &self.v.d);
        self.ops.rz.record(rec);
        self.ops.rr.record(rec);
        rec.sum(self.vectors.scalars(), &[RZ, RR, FF]);
        self.control().1[0].record(rec);
    }

    /// Records `budget` CG iterations, each behind the iterate gate (each ends with the
    /// control, which closes it once CG is within the tolerance, and does nothing after). On
    /// several ranks, with the halo exchanges and sums, and no more once CG has stopped.
    pub(super) fn record_iterations(&self, gpu: &Gpu, rec: &mut Recorder, budget: usize) {
        let (gates, control) = self.control();
        let gate = gates.gate(ITERATE);
        let [before, after] = self.iteration_ops();
        for _ in 0..budget {
            self.apply.record_gated(rec, gate);
            before[0].record_gated(rec, gate);
            // d.q over the owned cells, summed in the round trip of q's halo; the control's
            // state comes back with it: CG stopped, the gate is closed.
            let summed = rec.sum_and_exchange(self.vectors.scalars(), &[DQ], Some((&self.v.q, 1)));
            if summed.is_some_and(|v| v[slot::ITERATING as usize] == 0.0) {
                break;
            }
            before[1..].iter().for_each(|op| op.record_gated(rec, gate));
            self.v_cycle(gpu, rec, 0, Some(gate), true);
            // The new r.z and r.r over the owned cells, summed in the round trip of z's halo
            // (the V-cycle's last smoothing step left it), which the new direction reads.
            after[..2].iter().for_each(|op| op.record_gated(rec, gate));
            rec.sum_and_exchange(self.vectors.scalars(), &[RZ_NEW, RR], Some((&self.levels[0].e, 1)));
            after[2..].iter().for_each(|op| op.record_gated(rec, gate));
            // Not gated (it writes the gates): it does nothing once CG has stopped.
            control[1].record(rec);
        }
    }

    /// Counts in the device's counters the dispatches of `iterations` iterations that ran.
    pub(super) fn count_iterations(&self, iterations: usize) {
        let k = iterations as u64;
        self.apply.count_ran(k);
        self.iteration_ops().into_iter().flatten().for_each(|op| op.count_ran(k));
        self.v_cycle_runs().iter().for_each(|(d, runs)| d.count_ran(k * runs));
    }

    /// Records the check: f - M dp afresh, its norm, and the control's decision (not gated).
    pub(super) fn record_check(&self, rec: &mut Recorder) {
        self.residual.record(rec);
        self.ops.ee.record(rec);
        rec.sum(self.vectors.scalars(), &[EE]);
        self.control().1[2].record(rec);
    }
}

/// The iterations to record for a step whose last one took `last` (the gates skip those not
/// needed): one more, so that a step rarely needs a second round. On the demo (lavapipe) this
/// takes 1.08 waits per step, snapshots included; `last` alone, 1.29, and slower.
pub(super) fn budget(last: usize, max: usize) -> usize {
    (last + 1).min(max).max(1)
}

/// What the host makes of a report: the solve's figures, or what to record next.
pub(super) fn next_round(report: &Report) -> Option<bool> {
    // None: done; Some(true): restart from the true residual; Some(false): more iterations.
    (!report.done).then_some(!report.iterating)
}
