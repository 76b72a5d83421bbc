//! The step's pressure solve on the GPU: M dp = f for the pressure increment, by conjugate
//! gradients preconditioned with one multigrid V-cycle (the same sequence as the CPU twin,
//! [`super::multigrid::pcg_cpu`]), then the divergence the projection will leave, computed
//! afresh as f - M dp (CG restarts from that true residual while it is above the tolerance).
//!
//! The host reads back 4 bytes per iteration (the residual norm) and one more per check. The
//! vectors of the finest level live in parts of the step's velocity-sized buffers
//! ([`PressureVectors`], placed by [`super::gpu_solver::GpuSolver::new`]).

use super::buffers::{submit, Buffers, Core, Named};
use super::multigrid::{Hierarchy, MultigridSettings, SolveStats};
use super::settings::Settings;
use super::SolverParams;
use crate::gpu::vector::{CgScalarsParams, VectorOp, Vectors};
use crate::gpu::{Dispatch, Gpu, GpuError, Span};

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
    /// The finest level's Jacobi and residual scratch.
    pub scratch: Span,
}

/// One multigrid level on the GPU: its buffers and the passes of a V-cycle on it.
struct GpuLevel {
    /// Source of M e = f on this level (level 0: the CG residual).
    f: Span,
    /// Correction (level 0: the preconditioned residual z).
    e: Span,
    /// Its parameters and cell words (the next finer level's restriction binds them).
    params: wgpu::Buffer,
    cells: wgpu::Buffer,
    /// Cells in its allocated bricks.
    count: u32,
    /// What the V-cycle does on it.
    passes: LevelPasses,
}

/// The passes of a level's part of a V-cycle.
enum LevelPasses {
    /// Above the coarsest level: smoothing and the transfers to and from the next level.
    Smoothed {
        /// Jacobi sweep e -> scratch, and scratch -> e.
        sweep: [Dispatch; 2],
        /// Residual f - M e into the sweeps' scratch (free between the pre- and post-smoothing).
        residual: Dispatch,
        /// Restriction of this level's residual into the next level's f.
        restrict: Dispatch,
        /// Prolongation of the next level's e into this level's e.
        prolong: Dispatch,
    },
    /// The coarsest level's exact solve, `solver/mg_coarse_solve`.
    Coarsest(Dispatch),
}

/// Scalar slots of the CG solver.
const RZ: u32 = 0;
const DQ: u32 = 1;
const ALPHA: u32 = 2;
const RZ_NEW: u32 = 3;
const BETA: u32 = 4;
const RR: u32 = 5;
const FF: u32 = 6;
const EE: u32 = 7;
/// Holds 1.0 (for p += dp).
const ONE: u32 = 8;

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
    /// p += dp.
    add_increment: VectorOp,
}

/// The pressure solve's passes and buffers.
pub(super) struct PressureSolve {
    v: PressureVectors,
    /// r = f - M dp into level 0's f.
    initial_residual: Dispatch,
    /// q = -M d.
    apply: Dispatch,
    /// f - M dp into q (after the solve).
    residual_check: Dispatch,
    levels: Vec<GpuLevel>,
    vectors: Vectors,
    ops: CgOps,
    multigrid: MultigridSettings,
}

impl PressureSolve {
    /// Prepares the levels of `hierarchy` (the finest is `core`'s grid) and CG's operations.
    pub(super) fn new(
        buffers: &mut Buffers,
        core: &Core,
        hierarchy: &Hierarchy,
        params: &SolverParams,
        multigrid: MultigridSettings,
        v: PressureVectors,
    ) -> Result<PressureSolve, GpuError> {
        let gpu = buffers.gpu;
        let n = core.n;
        // Multigrid levels, coarsest first so each level can reference the next one's buffers.
        let mut levels: Vec<GpuLevel> = Vec::new();
        for (l, level) in hierarchy.levels.iter().enumerate().rev() {
            let nl = level.layout.cells.len() as u32;
            let lp = buffers.uniform(&format!("level {l} params"), &level.params(multigrid.omega))?;
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
            let passes = match levels.last() {
                None => {
                    let ids = buffers.storage("coarsest fluid cells", &hierarchy.coarse.ids)?;
                    let inverse = buffers.storage("coarsest inverse", &hierarchy.coarse.inverse)?;
                    let bufs: [Named; 4] = [("ids", &ids), ("inverse", &inverse), ("f", &lf), ("e", &le)];
                    let count = hierarchy.coarse.ids.len() as u32;
                    LevelPasses::Coarsest(Dispatch::new(gpu, "solver/mg_coarse_solve", &bufs, count)?)
                }
                Some(coarse) => {
                    let (lnb, lgeom, tmp) = if l == 0 {
                        (core.neighbours.clone(), core.geom.clone(), v.scratch.clone())
                    } else {
                        (
                            buffers.storage(&format!("level {l} neighbours"), &level.layout.neighbours)?,
                            buffers.storage(&format!("level {l} geom"), &level.layout.geom)?,
                            whole(buffers.empty(&format!("level {l} scratch"), nl as u64)?),
                        )
                    };
                    let base: [Named; 4] =
                        [("params", &lp), ("neighbours", &lnb), ("cells", &lcells), ("geom", &lgeom)];
                    let jacobi = |from: &Span, to: &Span| {
                        let fields: [Named; 3] = [("f", &lf), ("p_in", from), ("p_out", to)];
                        Dispatch::new(gpu, "solver/pressure_jacobi", &[&base[..], &fields].concat(), nl)
                    };
                    let sweep = [jacobi(&le, &tmp)?, jacobi(&tmp, &le)?];
                    let fields: [Named; 3] = [("f", &lf), ("p", &le), ("r", &tmp)];
                    let residual = Dispatch::new(gpu, "solver/pressure_residual", &[&base[..], &fields].concat(), nl)?;
                    let children = buffers
                        .storage(&format!("level {} child bricks", l + 1), &hierarchy.levels[l + 1].child_bricks)?;
                    let parent = buffers.storage(&format!("level {l} parent bricks"), &level.parent_bricks)?;
                    let restrict_bufs: [Named; 5] = [
                        ("params", &coarse.params),
                        ("cells", &coarse.cells),
                        ("child_bricks", &children),
                        ("r_fine", &tmp),
                        ("f_coarse", &coarse.f),
                    ];
                    let restrict = Dispatch::new(gpu, "solver/mg_restrict", &restrict_bufs, coarse.count)?;
                    let prolong_bufs: [Named; 5] = [
                        ("params", &lp),
                        ("cells", &lcells),
                        ("parent_bricks", &parent),
                        ("e_coarse", &coarse.e),
                        ("p_fine", &le),
                    ];
                    let prolong = Dispatch::new(gpu, "solver/mg_prolong", &prolong_bufs, nl)?;
                    LevelPasses::Smoothed { sweep, residual, restrict, prolong }
                }
            };
            levels.push(GpuLevel { f: lf, e: le, params: lp, cells: lcells, count: nl, passes });
        }
        levels.reverse();
        let fields: [Named; 3] = [("f", &v.f), ("p", &v.dp), ("r", &v.r)];
        let initial_residual = Dispatch::new(gpu, "solver/pressure_residual", &core.with(&fields), n)?;
        let fields: [Named; 3] = [("f", &v.f), ("p", &v.dp), ("r", &v.q)];
        let residual_check = Dispatch::new(gpu, "solver/pressure_residual", &core.with(&fields), n)?;
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
        let vectors = Vectors::new(gpu, 9)?;
        gpu.queue.write_buffer(vectors.scalars(), u64::from(ONE) * 4, bytemuck::bytes_of(&1.0f32));
        // q = -M d, so dq = d.q = -(d.M d) and alpha' = rz / dq = -alpha:
        // p += alpha d is p -= alpha' d, and r -= alpha M d is r -= alpha' q.
        let ops = CgOps {
            rz: vectors.dot(gpu, &v.r, &v.z, n, RZ)?,
            dq: vectors.dot(gpu, &v.d, &v.q, n, DQ)?,
            alpha: vectors.cg_scalars(gpu, CgScalarsParams::alpha(RZ, DQ, ALPHA))?,
            update_p: vectors.axpy(gpu, ALPHA, -1.0, &v.d, &v.dp, n)?,
            update_r: vectors.axpy(gpu, ALPHA, -1.0, &v.q, &v.r, n)?,
            rz_new: vectors.dot(gpu, &v.r, &v.z, n, RZ_NEW)?,
            beta: vectors.cg_scalars(gpu, CgScalarsParams::beta(RZ_NEW, RZ, BETA))?,
            direction: vectors.xpay(gpu, BETA, &v.z, &v.d, n)?,
            rr: vectors.dot(gpu, &v.r, &v.r, n, RR)?,
            ff: vectors.dot(gpu, &v.f, &v.f, n, FF)?,
            ee: vectors.dot(gpu, &v.q, &v.q, n, EE)?,
            add_increment: vectors.axpy(gpu, ONE, 1.0, &v.dp, &core.p, n)?,
        };
        Ok(PressureSolve { v, initial_residual, apply, residual_check, levels, vectors, ops, multigrid })
    }

    /// The source f (1/s^2), which `divergence` writes.
    pub(super) fn source(&self) -> &Span {
        &self.v.f
    }

    /// Records p += dp.
    pub(super) fn record_update(&self, enc: &mut wgpu::CommandEncoder) {
        self.ops.add_increment.record(enc);
    }

    /// The passes of a solve with one iteration (its vector operations apart), in the order
    /// they are recorded: the residual, the operator, each level's V-cycle passes, the check.
    pub(super) fn passes(&self) -> Vec<&Dispatch> {
        let mut passes = vec![&self.initial_residual, &self.apply];
        for level in &self.levels {
            match &level.passes {
                LevelPasses::Smoothed { sweep, residual, restrict, prolong } => {
                    passes.extend([&sweep[0], &sweep[1], residual, restrict, prolong])
                }
                LevelPasses::Coarsest(solve) => passes.push(solve),
            }
        }
        passes.push(&self.residual_check);
        passes
    }

    /// Records one V-cycle on level `l` (e = 0 first) into `enc`.
    fn v_cycle(&self, gpu: &Gpu, enc: &mut wgpu::CommandEncoder, l: usize) {
        let level = &self.levels[l];
        level.e.clear(gpu, enc);
        let (sweep, residual, restrict, prolong) = match &level.passes {
            LevelPasses::Coarsest(solve) => return solve.record(enc),
            LevelPasses::Smoothed { sweep, residual, restrict, prolong } => (sweep, residual, restrict, prolong),
        };
        let sweeps = |enc: &mut wgpu::CommandEncoder| {
            for _ in 0..self.multigrid.sweeps.div_ceil(2) {
                sweep[0].record(enc);
                sweep[1].record(enc);
            }
        };
        sweeps(enc);
        residual.record(enc);
        restrict.record(enc);
        self.v_cycle(gpu, enc, l + 1);
        prolong.record(enc);
        sweeps(enc);
    }

    /// Solves M dp = f by CG from the current dp (its residual computed afresh), for at most
    /// `budget` iterations, |f| at least `floor`. Returns the solve's figures and the norm of f
    /// it measured them against.
    fn cg(&self, gpu: &Gpu, budget: usize, tolerance: f64, floor: f64) -> Result<(SolveStats, f64), GpuError> {
        submit(gpu, |enc| {
            self.initial_residual.record(enc);
            self.v_cycle(gpu, enc, 0);
            self.levels[0].e.copy_to(gpu, enc, &self.v.d);
            self.ops.rz.record(enc);
            self.ops.rr.record(enc);
            self.ops.ff.record(enc);
        });
        let ff = (self.vectors.read_scalar(gpu, FF)? as f64).sqrt().max(floor);
        let mut stats = SolveStats {
            iterations: 0,
            relative_residual: (self.vectors.read_scalar(gpu, RR)? as f64).max(0.0).sqrt() / ff,
        };
        while stats.relative_residual > tolerance && stats.iterations < budget {
            submit(gpu, |enc| {
                let o = &self.ops;
                self.apply.record(enc);
                for op in [&o.dq, &o.alpha, &o.update_p, &o.update_r] {
                    op.record(enc);
                }
                self.v_cycle(gpu, enc, 0);
                for op in [&o.rz_new, &o.beta, &o.direction, &o.rr] {
                    op.record(enc);
                }
            });
            stats.iterations += 1;
            stats.relative_residual = (self.vectors.read_scalar(gpu, RR)? as f64).max(0.0).sqrt() / ff;
        }
        Ok((stats, ff))
    }

    /// Solves for this step's increment (after the divergence was submitted) from the last
    /// step's (a first guess that saves a third of the iterations in a pulsatile flow), for a
    /// grid of spacing `h` (m) and `fluid_cells`. Returns the solve's figures and the divergence
    /// the projection will leave, relative as in [`super::gpu_solver::StepStats::divergence`].
    pub(super) fn solve(
        &self,
        gpu: &Gpu,
        settings: &Settings,
        h: f64,
        fluid_cells: usize,
    ) -> Result<(SolveStats, f64), GpuError> {
        // Scale of f for a divergence of velocity_scale / h in every fluid cell.
        let floor = settings.velocity_scale / (h * settings.dt) * (fluid_cells as f64).sqrt();
        let (tolerance, max) = (settings.tolerance, settings.max_iterations);
        // CG's recurrence for r drifts from f - M p in f32: check the divergence the projection
        // will leave, f - M dp afresh, and restart CG from the true residual until that is
        // below the tolerance too, or the iterations run out, or a restart no longer halves it
        // (the f32 floor: about 6e-8 times the pressure's range over its change per cell, which
        // an impulsive start from rest makes the length of the domain in cells).
        let (mut solve, scale) = self.cg(gpu, max, tolerance, floor)?;
        let mut last = f64::INFINITY;
        let divergence = loop {
            submit(gpu, |enc| {
                self.residual_check.record(enc);
                self.ops.ee.record(enc);
            });
            let divergence = (self.vectors.read_scalar(gpu, EE)? as f64).max(0.0).sqrt() / scale;
            let done = divergence <= tolerance || solve.iterations >= max || divergence > 0.5 * last;
            if done || !divergence.is_finite() {
                break divergence;
            }
            last = divergence;
            let (more, _) = self.cg(gpu, max - solve.iterations, tolerance, floor)?;
            solve.iterations += more.iterations;
            solve.relative_residual = more.relative_residual;
            if more.iterations == 0 {
                // The fresh residual is within the tolerance: the difference is rounding.
                break divergence;
            }
        };
        Ok((solve, divergence))
    }
}
