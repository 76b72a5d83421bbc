//! A whole run from a case file: surface -> grid -> GPU time loop -> HDF5 snapshots, an XDMF
//! time series and a summary. The engine's orchestration; it never prints (progress goes to a
//! callback). In the order a run takes them:
//!
//! - [`setup`]: everything before the GPU, from the case alone ([`Setup::from_case`], pure;
//!   `run --dry-run` stops after it);
//! - `record`: the output file and its sidecars (header, snapshots, cycles);
//! - `advance`: one time step with its boundary drives, retries and diagnosis;
//! - `history`: the caps' figures step by step and the cycles they close;
//! - [`run`] (here): the loop over events (snapshots, checkpoints, cycles' ends, the end) and
//!   the [`RunSummary`]; [`error`]: why a run stops.

mod advance;
pub mod error;
mod history;
mod record;
pub mod setup;

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

use crate::case::Case;
use crate::comm::{Comm, Solo};
use crate::gpu::StepCounters;
use crate::grid::index::reorder_bricks;
use crate::grid::kind;
use crate::io::{Checkpoint, OutputLock};
use crate::post::summary::{h_plus, triangle_areas, wall_resolution, WallResolution};
use crate::solver::boundary::Boundary;
use crate::solver::gpu_solver::{Averages, GpuSolver, Settings};
use crate::solver::multigrid::MultigridSettings;
use crate::solver::summary::CapFlow;
use advance::{Drives, Stepper};
pub use error::RunError;
use history::{reached, History};
pub use history::{CapCycle, CycleSummary};
use record::{Header, Recorder};
pub use setup::{centerline_records, Setup, CARREAU_YASUDA_BLOOD, CASSON_BLOOD};

/// Where a run stands (for a progress display).
#[derive(Clone, Debug)]
pub struct Progress {
    /// Steps done.
    pub step: u64,
    /// Steps in the run.
    pub steps: u64,
    /// Simulated time, s.
    pub time: f64,
    /// Time step, s.
    pub dt: f64,
    /// Pressure iterations of the last step.
    pub pressure_iterations: usize,
    /// Million fluid-cell updates per second so far.
    pub mlups: f64,
    /// The cardiac cycle the step is in (from 1), with `[time] period`.
    pub cycle: Option<u32>,
    /// A steady run's residuals after the step.
    pub residuals: Option<Residuals>,
}

/// How far a steady run is from steady, after a step (all relative, dimensionless).
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Residuals {
    /// The largest change of the velocity over the step, sum_i |u_i - u'_i| in the cell where
    /// it is largest, over the largest speed sum_i |u_i|.
    pub velocity: f64,
    /// |sum of the caps' flow rates| / inflow.
    pub mass: f64,
    /// The largest change over the step of a cap's flow rate (over the mean inflow) or mean
    /// pressure (over the spread of the caps' mean pressures, at least the dynamic pressure
    /// of the reference velocity).
    pub caps: f64,
}

impl Residuals {
    /// The largest of the three.
    pub fn largest(&self) -> f64 {
        self.velocity.max(self.mass).max(self.caps)
    }

    fn as_row(&self) -> [f64; 3] {
        [self.velocity, self.mass, self.caps]
    }
}

/// How a steady run ended (`time.steady`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct SteadySummary {
    /// Whether the residuals stayed within the tolerance for `case::STEADY_STEPS` steps.
    pub converged: bool,
    /// `time.steady_tolerance`.
    pub tolerance: f64,
    /// The last step's residuals.
    pub residuals: Residuals,
    /// The first step from which every residual stayed within the tolerance (None if not).
    pub steady_from_step: Option<u64>,
}

/// What a run did (`run --json` prints it).
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunSummary {
    /// Adapter name.
    pub adapter: String,
    /// Where the stages ran: "gpu" or "cpu" (`[solver] backend`, `run --backend`).
    pub backend: &'static str,
    /// Steps taken.
    pub steps: u64,
    /// Simulated time, s.
    pub simulated_time: f64,
    /// Mean time step over this run's steps, s.
    pub dt: f64,
    /// Shortest time step, s.
    pub dt_min: f64,
    /// Longest time step, s.
    pub dt_max: f64,
    /// Whether the time step adapted to the flow (`time.cfl`) rather than being fixed (`time.dt`).
    pub adaptive: bool,
    /// Steps that went bad (a Courant number past twice `time.cfl`, or a value that is not a
    /// number), were undone and retried with a smaller time step.
    pub retries: u64,
    /// Wall-clock seconds of the time loop.
    pub seconds: f64,
    /// Million fluid-cell updates per second.
    pub mlups: f64,
    /// Fluid cells.
    pub fluid_cells: usize,
    /// Of them, those this rank owns (all on one rank; on several, rank 0's part).
    pub owned_fluid_cells: usize,
    /// Ranks the run ran on.
    pub ranks: usize,
    /// GPU bytes allocated per fluid cell (grid, fields, pressure solver; on several ranks,
    /// rank 0's per fluid cell it owns, its halo included).
    pub bytes_per_fluid_cell: f64,
    /// Mean pressure iterations per step.
    pub pressure_iterations_mean: f64,
    /// Most pressure iterations in a step.
    pub pressure_iterations_max: usize,
    /// What a step cost the GPU and the host over this run's steps, per step: compute
    /// dispatches (all, and per stage) and host round trips (waits for the GPU: the step's
    /// read-back, which also brings the state of a step that lands on a snapshot or a cycle's
    /// end; a checkpoint's read-backs, and a steady run's last snapshot, count apart).
    pub counters: StepCounters,
    /// Largest divergence after projection over the steps, relative (see
    /// [`crate::solver::gpu_solver::StepStats::divergence`]: 1 is a divergence of the inflow's
    /// peak velocity / h in every cell); at most `[solver] tolerance` when every solve converged.
    pub divergence_max: f64,
    /// Steps whose divergence after projection exceeded `[solver] tolerance` (the pressure
    /// solve stopped at `[solver] max_iterations`).
    pub steps_over_tolerance: u64,
    /// |sum of the caps' flow rates| / inflow at the last step (the inflow at least the
    /// inlets' mean inflow over the waveform).
    pub mass_balance_error: f64,
    /// The largest of that over the steps.
    pub mass_balance_error_max: f64,
    /// Per cycle, with `[time] period`.
    pub cycles: Vec<CycleSummary>,
    /// The largest Courant number (sum_i |u_i| dt / h on the largest speed in the fluid) at the
    /// end of a step, over this run's steps.
    pub courant_max: f64,
    /// The lowest and highest Courant number over the steps in the second half of the simulated
    /// time (the flow developed): with an adaptive step, within 10% under `time.cfl` unless the
    /// viscous bound holds the step lower or events (snapshots, checkpoints, cycle ends) come
    /// less than about 30 steps apart (the way to each is split into equal steps).
    pub courant_late: [f64; 2],
    /// Per cap: flow rate (m^3/s, positive out of the fluid) and mean pressure (Pa).
    pub caps: Vec<CapFlow>,
    /// Snapshots written.
    pub snapshots: usize,
    /// The HDF5 output.
    pub output: PathBuf,
    /// Its XDMF time series.
    pub xdmf: PathBuf,
    /// The wall's XDMF over the snapshots.
    pub wall_xdmf: PathBuf,
    /// The wall's XDMF over the cycles (None: no cycle finished).
    pub cycles_xdmf: Option<PathBuf>,
    /// Wall triangles (where the wall shear stress is computed).
    pub wall_triangles: usize,
    /// GPU bytes of the wall shear stress and the cycle averages (beside
    /// `bytes_per_fluid_cell`, which counts the solver's).
    pub wall_gpu_bytes: u64,
    /// Wall triangles with no fluid cell near them (thinner than the grid resolves): their
    /// stress is 0.
    pub wall_unresolved: usize,
    /// The grid's spacing in wall units over the wall at the snapshot where its 95th percentile
    /// was largest ([`crate::post::summary::wall_resolution`]; above `H_PLUS_LIMIT` the accuracy
    /// study's errors exceed 1%).
    pub wall_resolution: WallResolution,
    /// The stents as deployed (empty without `[[stent]]`).
    pub stents: Vec<StentSummary>,
    /// A steady run's end (`time.steady`).
    pub steady: Option<SteadySummary>,
}

/// A deployed stent, as the run summary reports it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StentSummary {
    /// `lumen` or `flow-diverter`.
    pub kind: String,
    /// Its ends snapped to the centreline, m.
    pub from: [f64; 3],
    /// The other end, m.
    pub to: [f64; 3],
    /// Length along the centreline, m.
    pub length: f64,
    /// Nominal diameter, m.
    pub diameter: f64,
    /// Flow diverter: cells of its porous layer.
    pub layer_cells: usize,
}

/// Runs `case` on its backend (`[solver] backend`): on the GPU, the adapter `adapter` (by name)
/// or the preferred one; on the CPU backend, `adapter` must be None; with `restart`, from
/// that checkpoint of the same case on; with `profile`, timing each stage
/// ([`crate::gpu::Gpu::profile`]: GPU timestamps, or the wall clock where the adapter has none).
pub fn run(
    case: &Case,
    adapter: Option<&str>,
    restart: Option<&Path>,
    profile: bool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<RunSummary, RunError> {
    run_on(case, adapter, restart, profile, progress, Rc::new(Solo))
}

/// [`run`] as one rank of a run on the ranks of `comm` (`mpirun -np N hemoflow run`): every rank
/// reads the same case, builds the same grid and steps its part of it ([`GpuSolver::new_ranked`];
/// the rank takes its machine's GPU of its node-local number), taking every decision from values
/// reduced over the ranks; rank 0 alone writes the output and the checkpoints and reports
/// progress. The fields it writes are the whole grid's, as from one rank. On one rank, [`run`].
pub fn run_on(
    case: &Case,
    adapter: Option<&str>,
    restart: Option<&Path>,
    profile: bool,
    progress: &mut dyn FnMut(&Progress),
    comm: Rc<dyn Comm>,
) -> Result<RunSummary, RunError> {
    let (root, ranked) = (comm.rank() == 0, comm.size() > 1);
    // The files this run writes are its own until it ends: a second run that would write one
    // stops here, before touching it (the locks go with the process, however it ends).
    let output = case.resolve(&case.output.file);
    let mut locks = Vec::new();
    if root {
        locks.push(OutputLock::acquire(&output)?);
        if case.output.checkpoint.is_some() {
            locks.push(OutputLock::acquire(&output.with_extension("checkpoint.h5"))?);
        }
    }
    let Setup {
        density,
        nu,
        rheology,
        g,
        wall,
        stented,
        stencil,
        names,
        boundaries,
        inlets,
        outlets,
        mean_inflow,
        pair,
        u_ref,
        mut ts,
        ..
    } = Setup::from_case(case)?;
    let period = case.time.period.as_ref().map(|p| *p.get_ref());
    let end = case.end_time();
    let interval = case.output.interval.as_ref().map_or(end, |i| *i.get_ref());
    let cap_types: Vec<&str> = boundaries
        .iter()
        .map(|b| match b {
            Boundary::Inlet { .. } => "inlet",
            Boundary::Outlet { .. } => "outlet",
            _ => "wall",
        })
        .collect();

    let features = if profile { wgpu::Features::TIMESTAMP_QUERY } else { wgpu::Features::empty() };
    let gpu = crate::solver::twins::open_for_rank(case.solver.backend, adapter, features, comm.local_rank())?;
    if profile {
        gpu.profile();
    }
    let settings = Settings {
        nu,
        dt: ts.dt,
        force: crate::mesh::Vec3::zeros(),
        tolerance: *case.solver.tolerance.get_ref(),
        max_iterations: case.solver.max_iterations,
        velocity_scale: u_ref.max(1e-6),
        advection: case.solver.advection,
        multigrid: MultigridSettings::default(),
        boundaries,
        backflow: *case.solver.backflow.get_ref(),
        rheology,
    };
    let mut solver = if ranked {
        GpuSolver::new_ranked(&gpu, &g, settings, comm.clone(), Some(&stencil))?
    } else {
        GpuSolver::new(&gpu, &g, settings)?
    };
    // The wall shear stress at the snapshots; with a cardiac period, every step into the
    // cycle's time integrals too.
    solver.attach_wall(&stencil, density, period.is_some())?;
    if let Some((_, porous, _)) = &stented {
        solver.attach(&crate::solver::porous::PorousLayer(porous.clone()))?;
    }
    if !ts.fixed {
        solver.keep_undo();
    }
    let steady = *case.time.steady.get_ref();
    if steady {
        solver.seek_steady_state()?;
    }
    let header = Header {
        g: &g,
        wall: &wall,
        names: &names,
        cap_types: &cap_types,
        pair,
        stents: stented.as_ref().map(|(deployed, _, centerlines)| (&deployed[..], centerlines)),
    };
    let mut recorder = Recorder::create(case, &output, &header, root)?;

    let n = solver.cells as usize;
    let mut history = History::new(&names, period);
    let mut last_caps: Vec<CapFlow> = Vec::new();
    let start = Instant::now();
    let counted = gpu.counters();
    let (mut iterations_total, mut iterations_max) = (0usize, 0usize);
    let (mut divergence_max, mut steps_over_tolerance) = (0.0f64, 0u64);
    let mut mass_balance_max = 0.0f64;
    let tolerance = *case.solver.tolerance.get_ref();
    let mut next_output = interval;
    // Per step of this run: dt (s), and its end time (s) with the Courant number there
    // (sum_i |u_i| dt / h on the largest speed in the fluid, `solver/speed_max`).
    let (mut dts, mut courants): (Vec<f64>, Vec<(f64, f64)>) = (Vec::new(), Vec::new());
    let mut drives = Drives { inlets, outlets, density, inflow_before: 0.0 };
    let mut stepper = Stepper { case, g: &g, gpu: &gpu, profiled: profile, retries: 0 };
    let checkpoint_path = output.with_extension("checkpoint.h5");
    let checkpoint_interval = case.output.checkpoint.as_ref().map(|c| *c.get_ref());
    // Steps done and the time reached.
    let (mut step, mut time) = (0u64, 0.0f64);
    // The fluid starts at rest at the outlets' initial pressure (their mean): the pressure
    // level is the outlets' to set, and starting from 0 under an outlet at, say, 80 mmHg puts the
    // whole jump on the outlet's cells in the first step, which the projection cannot absorb.
    let outlets = &drives.outlets;
    if restart.is_none() && !outlets.is_empty() {
        let level = outlets.iter().map(|(_, m)| m.pressure(0.0, 0.0)).sum::<f64>() / outlets.len() as f64 / density;
        let p0: Vec<f32> = g.kind.iter().map(|&k| if k == kind::SOLID { 0.0 } else { level as f32 }).collect();
        solver.set_pressure(&p0);
    }
    if let Some(path) = restart {
        let c = Checkpoint::read(path)?;
        let mismatch = |message: String| RunError::Restart { path: path.to_path_buf(), message };
        if c.cells != n as u64 || c.caps != names.len() || c.outlet_states.len() != drives.outlets.len() {
            let message = format!(
                "it holds {} cells, {} caps and {} outlets; this case has {n}, {} and {}",
                c.cells,
                c.caps,
                c.outlet_states.len(),
                names.len(),
                drives.outlets.len()
            );
            return Err(mismatch(message));
        }
        if ts.fixed && (c.dt - ts.dt).abs() > 1e-12 * ts.dt {
            return Err(mismatch(format!("its time step is {} s, this case's fixed time.dt {} s", c.dt, ts.dt)));
        }
        if reached(end, c.time) {
            return Err(mismatch(format!("it is at t = {} s, where this case ends", c.time)));
        }
        // The checkpoint's arrays are in the tiling's order of the bricks (see io::checkpoint).
        let order = g.bricks.tiling_order();
        let by_id = |v: &[f32], components: usize| reorder_bricks(v, components, &order, true);
        solver.restore(&by_id(&c.u, 3), &by_id(&c.p, 1), &by_id(&c.increment, 1), c.step);
        if period.is_some() {
            if c.wall_sums.len() != 4 * wall.triangles.len() || c.time_integrals.len() != 4 * n {
                let message =
                    format!("it holds no cycle averages for this case's {} wall triangles", wall.triangles.len());
                return Err(mismatch(message));
            }
            let sums: &[[f32; 4]] = bytemuck::cast_slice(&c.wall_sums);
            solver.restore_averages(c.average_time, Some((sums, &by_id(&c.time_integrals, 4))));
        }
        for ((_, model), state) in drives.outlets.iter_mut().zip(&c.outlet_states) {
            model.set_state(*state);
        }
        drives.inflow_before = c.inflow_before;
        next_output = c.next_output;
        let k = names.len();
        for (row, &time) in c.history_time.iter().enumerate() {
            history.push(time, |cap| c.history_flow_rate[row * k + cap], |cap| c.history_mean_pressure[row * k + cap]);
        }
        last_caps = history.last();
        if steady {
            // The residuals of the steps before the checkpoint were not kept.
            history.residuals = vec![[f64::NAN; 3]; history.times.len()];
        }
        (step, time) = (c.step, c.time);
        ts.dt = c.dt;
    }
    let first_step = step + 1;
    let mut next_checkpoint = checkpoint_interval.map(|ci| ((time / ci) * (1.0 + 1e-9)).floor() * ci + ci);
    let steady_tolerance = *case.time.steady_tolerance.get_ref();
    let steady_limit = if end.is_finite() { u64::MAX } else { first_step - 1 + crate::case::STEADY_MAX_STEPS };
    // A steady run: its last residuals, and the steps in a row within the tolerance.
    let (mut residuals, mut steady_steps) = (None, 0u64);
    let mut is_steady = false;
    let areas = triangle_areas(&wall);
    let mut resolution = WallResolution::default();
    while !reached(end, time) && !is_steady && step < steady_limit {
        // The next event: a snapshot, a checkpoint, a cycle's end or the end.
        let cycle_end = period.map(|p| (history.cycles.len() + 1) as f64 * p);
        let event = [Some(next_output), next_checkpoint, cycle_end]
            .into_iter()
            .flatten()
            .filter(|&at| !reached(at, time))
            .fold(end, f64::min);
        step += 1;
        let written = recorder.snapshots.len();
        let diverged = |time: f64, what: String| RunError::Diverged {
            step,
            time,
            what,
            written,
            output: output.display().to_string(),
        };
        let before = time;
        let s = stepper
            .step(&mut solver, &mut ts, &drives, &last_caps, (step, time, event), &|what| diverged(before, what))?;
        time = s.at;
        dts.push(s.dt);
        courants.push((time, ts.courant(s.values.speed_max, s.dt)));
        ts.accept(s.values.speed_max);
        iterations_total += s.stats.iterations;
        iterations_max = iterations_max.max(s.stats.iterations);
        divergence_max = divergence_max.max(s.stats.divergence);
        steps_over_tolerance += u64::from(s.stats.divergence > tolerance);
        if steady {
            let r = Residuals {
                velocity: s.values.velocity_change / s.values.speed_max.max(f64::MIN_POSITIVE),
                mass: mass_balance(&s.caps, mean_inflow),
                caps: cap_change(&last_caps, &s.caps, mean_inflow, density * u_ref * u_ref),
            };
            steady_steps = if r.largest() <= steady_tolerance { steady_steps + 1 } else { 0 };
            is_steady = steady_steps >= crate::case::STEADY_STEPS;
            history.residuals.push(r.as_row());
            residuals = Some(r);
        }
        // The state after the step, where it landed on an event (read back with it).
        let mut captured = solver.take_captured();
        last_caps = s.caps;
        drives.accept(&last_caps, s.dt, s.inflow);
        mass_balance_max = mass_balance_max.max(mass_balance(&last_caps, mean_inflow));
        if history.push_caps(time, &last_caps) {
            let averages = solver.averages()?;
            solver.reset_averages();
            recorder.cycle(&g, history.cycles.last().expect("a cycle closed"), time, &averages, density)?;
        }
        let seconds = start.elapsed().as_secs_f64();
        let mut progress = |p: &Progress| {
            if root {
                progress(p)
            }
        };
        progress(&Progress {
            step,
            steps: if end.is_finite() { step + ((end - time) / ts.dt).ceil().max(0.0) as u64 } else { steady_limit },
            time,
            dt: s.dt,
            pressure_iterations: s.stats.iterations,
            mlups: solver.fluid_cells as f64 * (step + 1 - first_step) as f64 / seconds.max(1e-9) / 1e6,
            cycle: period.map(|p| (time / p - 1e-9).floor() as u32 + 1),
            residuals,
        });
        let last = reached(end, time) || is_steady || step >= steady_limit;
        if reached(next_output, time) || last {
            next_output += interval;
            let (u, p, stress) = match captured.take() {
                Some(c) => (c.u, c.p, c.stress),
                None => (solver.velocity()?, solver.pressure()?, None),
            };
            if let Some(bad) = u.iter().chain(&p).position(|x| !x.is_finite()) {
                let what = format!("a non-finite value in the fields (entry {bad})");
                return Err(diverged(time, what));
            }
            let stress = match stress {
                Some(stress) => stress,
                None => solver.wall_stress()?,
            };
            let h_plus = h_plus(&stress, density, nu, g.spacing);
            recorder.snapshot(&g, time, (&u, &p), density, (&stress, &h_plus), &history)?;
            let r = wall_resolution(&h_plus, &areas, time);
            if r.p95 > resolution.p95 {
                resolution = r;
            }
        }
        // After the snapshot, so that a restart takes up the snapshots where this run would.
        if let (Some(at), Some(ci)) = (next_checkpoint, checkpoint_interval) {
            if reached(at, time) {
                next_checkpoint = Some(at + ci);
                let averages = if period.is_some() { solver.averages()? } else { Averages::default() };
                // Gathered on every rank (the gathers are collective), written by rank 0, the
                // per-cell arrays in the tiling's order of the bricks (see io::checkpoint).
                let order = g.bricks.tiling_order();
                let tiled = |v: Vec<f32>, components: usize| reorder_bricks(&v, components, &order, false);
                let checkpoint = Checkpoint {
                    step,
                    time,
                    dt: ts.dt,
                    cells: n as u64,
                    inflow_before: drives.inflow_before,
                    next_output,
                    u: tiled(solver.velocity()?, 3),
                    p: tiled(solver.pressure()?, 1),
                    increment: tiled(solver.increment()?, 1),
                    outlet_states: drives.outlets.iter().map(|(_, m)| m.state()).collect(),
                    history_time: history.times.clone(),
                    history_flow_rate: history.rows(&history.flows),
                    history_mean_pressure: history.rows(&history.pressures),
                    caps: names.len(),
                    average_time: averages.time,
                    wall_sums: averages.wall.into_iter().flatten().collect(),
                    time_integrals: tiled(averages.fields, 4),
                };
                if root {
                    checkpoint.write(&checkpoint_path)?;
                }
            }
        }
    }
    let (xdmf, wall_xdmf, snapshots) = (recorder.xdmf.clone(), recorder.wall_xdmf.clone(), recorder.snapshots.len());
    let cycles_xdmf = recorder.cycles_xdmf();
    recorder.close()?;
    drop(locks);
    if profile {
        // The passes after the last step's collection (the last snapshot's wall shear stress).
        gpu.collect_profile()?;
    }
    let seconds = start.elapsed().as_secs_f64();
    let this_run = (step + 1 - first_step).max(1);
    // The Courant number over the second half of the simulated time (the flow developed).
    let late: Vec<f64> = courants.iter().filter(|&&(t, _)| t > 0.5 * end.min(time)).map(|&(_, c)| c).collect();
    let steady = steady.then(|| SteadySummary {
        converged: is_steady,
        tolerance: steady_tolerance,
        residuals: residuals.unwrap_or_default(),
        steady_from_step: is_steady.then(|| step + 1 - crate::case::STEADY_STEPS),
    });
    Ok(RunSummary {
        adapter: gpu.report.name.clone(),
        backend: gpu.backend().name(),
        steps: step,
        simulated_time: time,
        dt: dts.iter().sum::<f64>() / this_run as f64,
        dt_min: dts.iter().copied().fold(f64::INFINITY, f64::min),
        dt_max: dts.iter().copied().fold(0.0, f64::max),
        adaptive: !ts.fixed,
        retries: stepper.retries,
        seconds,
        mlups: solver.fluid_cells as f64 * this_run as f64 / seconds.max(1e-9) / 1e6,
        fluid_cells: solver.fluid_cells,
        owned_fluid_cells: solver.owned_fluid_cells(),
        ranks: comm.size(),
        bytes_per_fluid_cell: solver.bytes_per_fluid_cell(),
        pressure_iterations_mean: iterations_total as f64 / this_run as f64,
        pressure_iterations_max: iterations_max,
        counters: gpu.counters().since(&counted).per_step(this_run),
        divergence_max,
        steps_over_tolerance,
        mass_balance_error: mass_balance(&last_caps, mean_inflow),
        mass_balance_error_max: mass_balance_max,
        cycles: history.cycles,
        courant_max: courants.iter().map(|&(_, c)| c).fold(0.0, f64::max),
        courant_late: [late.iter().copied().fold(f64::INFINITY, f64::min), late.iter().copied().fold(0.0, f64::max)],
        caps: last_caps,
        snapshots,
        output,
        xdmf,
        wall_xdmf,
        cycles_xdmf,
        wall_triangles: wall.triangles.len(),
        wall_gpu_bytes: solver.wall_bytes(),
        wall_unresolved: stencil.unresolved,
        wall_resolution: resolution,
        stents: stented.map_or(Vec::new(), |(deployed, _, _)| {
            deployed
                .iter()
                .map(|d| StentSummary {
                    kind: d.stent.kind.name().into(),
                    from: (*d.centerline.first().expect("two ends")).into(),
                    to: (*d.centerline.last().expect("two ends")).into(),
                    length: d.end - d.start,
                    diameter: 2.0 * d.stent.radius,
                    layer_cells: d.layer_cells,
                })
                .collect()
        }),
        steady,
    })
}

/// The largest change from `before` to `now` of a cap's flow rate (over `mean_inflow`, m^3/s) or
/// mean pressure (over the spread of the caps' mean pressures now, at least `dynamic` Pa);
/// infinite without a step before.
fn cap_change(before: &[CapFlow], now: &[CapFlow], mean_inflow: f64, dynamic: f64) -> f64 {
    if before.len() != now.len() {
        return f64::INFINITY;
    }
    let pressures = now.iter().map(|c| c.mean_pressure);
    let spread = pressures.clone().fold(f64::NEG_INFINITY, f64::max) - pressures.fold(f64::INFINITY, f64::min);
    let (q_scale, p_scale) = (mean_inflow.max(f64::MIN_POSITIVE), spread.max(dynamic).max(f64::MIN_POSITIVE));
    before.iter().zip(now).fold(0.0, |m, (b, n)| {
        m.max((n.flow_rate - b.flow_rate).abs() / q_scale).max((n.mean_pressure - b.mean_pressure).abs() / p_scale)
    })
}

/// |sum of the caps' flow rates| / the larger of the inflow and `mean_inflow` (m^3/s; 0 when
/// both are 0): at the end of diastole the inflow nearly stops, and an error relative to a
/// vanishing flow would say nothing about the solver.
fn mass_balance(caps: &[CapFlow], mean_inflow: f64) -> f64 {
    let inflow: f64 = caps.iter().filter(|c| c.flow_rate < 0.0).map(|c| -c.flow_rate).sum();
    let net: f64 = caps.iter().map(|c| c.flow_rate).sum();
    let reference = inflow.max(mean_inflow);
    if reference > 0.0 {
        net.abs() / reference
    } else {
        0.0
    }
}
