//! A whole run from a case file: surface -> grid -> GPU time loop -> HDF5 snapshots, an XDMF
//! time series and a summary. The engine's orchestration; it never prints (progress goes to a
//! callback).

use std::path::{Path, PathBuf};
use std::time::Instant;

use toml::Spanned;

use crate::case::{Case, CaseError, FluidModel, InterpolationKey, OutletType, ProfileKey};
use crate::gpu::{Gpu, GpuError, StepCounters};
use crate::grid::{self, kind, GridError};
use crate::io::{
    write_time_series_xdmf, write_wall_xdmf, Checkpoint, CycleRecord, H5Output, IoError, LockError, OutputLock,
    RegionRecord, StentRecord,
};
use crate::mesh::WallSurface;
use crate::mesh::{self, MeshError};
use crate::physio::inlet::InletDrive;
use crate::physio::waveform::{Interpolation, Table, Waveform, WaveformError};
use crate::physio::windkessel::Outlet0d;
use crate::solver::boundary::{Boundary, CapUpdate, Profile};
use crate::solver::gpu_solver::{self, Advection, Averages, GpuSolver, Rheology, Settings};
use crate::solver::multigrid::MultigridSettings;
use crate::solver::summary::{cap_flows, CapFlow};
use crate::solver::timestep::{self, TimeStep};
use crate::solver::wall_shear::{cycle_indices, wall_stencil};
use crate::stent;

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The case file is wrong.
    #[error(transparent)]
    Case(#[from] CaseError),
    /// The mesh cannot be read.
    #[error(transparent)]
    Mesh(#[from] MeshError),
    /// A waveform table cannot be read.
    #[error(transparent)]
    Waveform(#[from] WaveformError),
    /// The mesh cannot be simulated.
    #[error("{mesh}: cannot be simulated: {reasons}")]
    NotSimulatable {
        /// The mesh file.
        mesh: String,
        /// Why.
        reasons: String,
    },
    /// The grid cannot be built.
    #[error(transparent)]
    Grid(#[from] GridError),
    /// The stents cannot be deployed (centrelines, or the stented grid).
    #[error("cannot deploy the stents: {0}")]
    Stent(stent::StentError),
    /// The solver cannot be set up on this grid.
    #[error(transparent)]
    Solver(#[from] gpu_solver::RunError),
    /// The GPU failed.
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// Output failed.
    #[error(transparent)]
    Io(#[from] IoError),
    /// An output or checkpoint file is being written by another run (or cannot be locked).
    #[error(transparent)]
    Lock(#[from] LockError),
    /// A checkpoint does not belong to this case.
    #[error("{}: cannot restart this case from it: {message}", path.display())]
    Restart {
        /// The checkpoint.
        path: PathBuf,
        /// What does not match.
        message: String,
    },
    /// The flow diverged.
    #[error("diverged at step {step} (t = {time:.6} s): {what}; the {written} snapshot(s) written before are kept in {output}")]
    Diverged {
        /// The step that failed.
        step: u64,
        /// Simulated time, s.
        time: f64,
        /// What was found.
        what: String,
        /// Snapshots already in the output file.
        written: usize,
        /// The output file.
        output: String,
    },
}

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
}

/// One cycle's figures for one cap.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CapCycle {
    /// Cap name.
    pub name: String,
    /// Mean flow rate over the cycle, m^3/s, positive out of the fluid.
    pub mean_flow_rate: f64,
    /// Mean of the cap's mean pressure over the cycle, Pa.
    pub mean_pressure: f64,
    /// Lowest cap mean pressure in the cycle, Pa.
    pub min_pressure: f64,
    /// Highest cap mean pressure in the cycle, Pa.
    pub max_pressure: f64,
}

/// What a cycle did (runs with `[time] period`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct CycleSummary {
    /// Cycle number, from 1.
    pub cycle: usize,
    /// Per cap.
    pub caps: Vec<CapCycle>,
    /// Largest change of a cap's mean, lowest or highest pressure from the cycle before, Pa
    /// (None for the first cycle): periodic convergence shows as this falling.
    pub pressure_change: Option<f64>,
}

/// What a run did (`run --json` prints it).
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunSummary {
    /// Adapter name.
    pub adapter: String,
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
    /// GPU bytes allocated per fluid cell (grid, fields, pressure solver).
    pub bytes_per_fluid_cell: f64,
    /// Mean pressure iterations per step.
    pub pressure_iterations_mean: f64,
    /// Most pressure iterations in a step.
    pub pressure_iterations_max: usize,
    /// What a step cost the GPU and the host over this run's steps, per step: compute
    /// dispatches (all, and per stage) and host round trips (waits for the GPU; the snapshots'
    /// and checkpoints' read-backs included).
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
    /// The wall's XDMF (the surface over the snapshots and cycles).
    pub wall_xdmf: PathBuf,
    /// Wall triangles (where the wall shear stress is computed).
    pub wall_triangles: usize,
    /// GPU bytes of the wall shear stress and the cycle averages (beside
    /// `bytes_per_fluid_cell`, which counts the solver's).
    pub wall_gpu_bytes: u64,
    /// Wall triangles with no fluid cell near them (thinner than the grid resolves): their
    /// stress is 0.
    pub wall_unresolved: usize,
    /// The stents as deployed (empty without `[[stent]]`).
    pub stents: Vec<StentSummary>,
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

/// The case's stents in SI units.
/// The centrelines as the writer takes them.
pub fn centerline_records(c: &crate::centerline::Centerlines) -> Vec<crate::io::CenterlineRecord<'_>> {
    c.lines
        .iter()
        .map(|l| crate::io::CenterlineRecord {
            from: &l.from,
            to: &l.to,
            points: &l.points,
            radius: &l.radius,
            abscissa: &l.abscissa,
        })
        .collect()
}

fn stents(case: &Case) -> Vec<stent::Stent> {
    let m = case.geometry.units.to_metres();
    let point = |p: &Spanned<[f64; 3]>| crate::mesh::Vec3::from(*p.get_ref()) * m;
    case.stent
        .iter()
        .map(|s| stent::Stent {
            kind: s.kind,
            from: point(&s.from),
            to: point(&s.to),
            radius: 0.5 * s.diameter.get_ref() * m,
            porosity: s.porosity.as_ref().map_or(1.0, |p| *p.get_ref()),
            wire_diameter: s.wire_diameter.as_ref().map_or(0.0, |w| *w.get_ref() * m),
        })
        .collect()
}

/// A stent that does not fit is the case file's error, at its key.
fn stent_error(case: &Case, e: stent::StentError) -> RunError {
    match e {
        stent::StentError::Placement { index, key, message } => {
            let s = &case.stent[index];
            let span = match key {
                "from" => s.from.span(),
                "to" => s.to.span(),
                _ => s.diameter.span(),
            };
            case.error(&span, &format!("stent[{index}].{key}"), message).into()
        }
        other => RunError::Stent(other),
    }
}

/// Everything a run needs before the GPU, from the case alone: the surface loaded and checked,
/// the grid (stents deployed), the wall and its shear-stress stencils, the boundary conditions
/// by cap, the outlets' 0D models and the first time step (what the case says directly, such as
/// the end time, is read from the case). Building it reads the case's files and writes
/// nothing; `run --dry-run` builds it and stops.
pub struct Setup<'a> {
    /// The surface file, as resolved.
    pub mesh_path: PathBuf,
    /// Triangles of the surface as loaded.
    pub triangles: usize,
    /// The waveform tables read (inlets', then outlets').
    pub tables: Vec<PathBuf>,
    /// Grid spacing, m.
    pub h: f64,
    /// Density, kg/m^3.
    pub density: f64,
    /// Kinematic viscosity (the model's reference value), m^2/s.
    pub nu: f64,
    /// The rheology model.
    pub rheology: Rheology,
    /// The grid.
    pub g: grid::Grid,
    /// The wall's triangles.
    pub wall: WallSurface,
    /// The stents as deployed, their porous layers and the centrelines (None without stents).
    pub stented: Option<(Vec<stent::Deployed>, Vec<crate::solver::porous::PorousCell>, crate::centerline::Centerlines)>,
    /// The wall shear stress stencils of `wall` on `g`.
    pub stencil: crate::solver::wall_shear::WallStencil,
    /// The caps' names, in the grid's order.
    pub names: Vec<String>,
    /// The boundary condition of each cap at t = 0.
    pub boundaries: Vec<Boundary>,
    /// The inlets' drives.
    pub inlets: Vec<InletDrive>,
    /// The outlets: cap index and 0D model.
    pub outlets: Vec<(usize, Outlet0d)>,
    /// The inlets' mean inflow over the waveform, m^3/s.
    pub mean_inflow: f64,
    /// `report.proximal` and `report.distal`, when given.
    pub pair: Option<(&'a str, &'a str)>,
    /// The peak velocity expected at the caps, m/s.
    pub u_ref: f64,
    /// The time step's controller.
    pub ts: TimeStep,
}

impl<'a> Setup<'a> {
    /// Builds the setup of `case` (see [`Setup`]); the errors are a run's.
    pub fn from_case(case: &'a Case) -> Result<Setup<'a>, RunError> {
        let units = case.geometry.units;
        let mesh_path = case.resolve(&case.geometry.mesh);
        let (surface, load) = mesh::load(&mesh_path, units)?;
        let triangles = surface.triangles.len();
        let mut tables = Vec::new();
        let report = mesh::check(&surface, &load);
        if !report.simulatable {
            return Err(RunError::NotSimulatable {
                mesh: mesh_path.display().to_string(),
                reasons: report.problems.join("; "),
            });
        }
        let h = *case.geometry.spacing.get_ref() * units.to_metres();
        let density = *case.fluid.density.get_ref();
        let (nu, rheology) = rheology(case);
        let (g, wall, stented) = if case.stent.is_empty() {
            (grid::voxelize(&surface, h)?, WallSurface::from_mesh(&surface), None)
        } else {
            let stent::Stented { grid, wall, deployed, porous, centerlines } =
                stent::deploy(&surface, h, &stents(case), nu).map_err(|e| stent_error(case, e))?;
            (grid, wall, Some((deployed, porous, centerlines)))
        };
        let stencil = wall_stencil(&g, &wall);

        // Boundary conditions by cap name.
        let names: Vec<String> = g.caps.iter().map(|c| c.name.clone()).collect();
        let find = |surface: &Spanned<String>, key: String| {
            names.iter().position(|n| n == surface.get_ref()).ok_or_else(|| case.unknown_surface(surface, &key, &names))
        };
        let period = case.time.period.as_ref().map(|p| *p.get_ref());
        let mut boundaries = vec![Boundary::Wall; names.len()];
        let mut inlets = Vec::new();
        for (k, inlet) in case.inlet.iter().enumerate() {
            let i = find(&inlet.surface, format!("inlet[{k}].surface"))?;
            let scale = inlet.flow_units.to_si() * inlet.flow_scale.get_ref();
            let (waveform, span, key) = match (&inlet.flow_rate, &inlet.waveform) {
                (Some(q), _) => (Waveform::Constant(q.get_ref() * scale), q.span(), "flow_rate"),
                (None, Some(file)) => {
                    tables.push(case.resolve(file.get_ref()));
                    let table = Table::read(&case.resolve(file.get_ref()), scale)?;
                    let interpolation = match inlet.interpolation {
                        InterpolationKey::Fourier => Interpolation::Fourier(*inlet.modes.get_ref()),
                        InterpolationKey::Linear => Interpolation::Linear,
                    };
                    let w = Waveform::from_table(table, period, interpolation)
                        .map_err(|m| case.error(&file.span(), &format!("inlet[{k}].waveform"), m))?;
                    (w, file.span(), "waveform")
                }
                (None, None) => unreachable!("checked when read"),
            };
            let mean = waveform.mean();
            if mean < 0.0 {
                let message = format!(
                    "the mean flow into the fluid is negative ({:.4} mL/s): positive flows in; for a table written \
                     with inflow negative (svSolver's convention) set flow_scale = -1",
                    mean * 1e6
                );
                return Err(case.error(&span, &format!("inlet[{k}].{key}"), message).into());
            }
            let profile = match inlet.profile {
                ProfileKey::Plug => Profile::Plug,
                ProfileKey::Parabolic => Profile::Parabolic,
                ProfileKey::Womersley => Profile::Womersley,
            };
            let drive = InletDrive::new(&g, i, waveform, profile, nu)
                .map_err(|m| case.error(&inlet.surface.span(), &format!("inlet[{k}].profile"), m))?;
            boundaries[i] = Boundary::Inlet { flow_rate: drive.flow_rate(0.0), profile };
            inlets.push(drive);
        }
        let mut outlets: Vec<(usize, Outlet0d)> = Vec::new();
        let mut settle = Vec::new();
        for (k, outlet) in case.outlet.iter().enumerate() {
            let i = find(&outlet.surface, format!("outlet[{k}].surface"))?;
            let (pa, resistance, compliance) = outlet.units.to_si();
            let get = |v: &Option<Spanned<f64>>| v.as_ref().map_or(0.0, |x| *x.get_ref());
            let model = match outlet.kind {
                OutletType::Pressure => Outlet0d::Pressure(match &outlet.waveform {
                    Some(file) => {
                        tables.push(case.resolve(file.get_ref()));
                        let table = Table::read(&case.resolve(file.get_ref()), pa)?;
                        Waveform::from_table(table, period, Interpolation::Linear)
                            .map_err(|m| case.error(&file.span(), &format!("outlet[{k}].waveform"), m))?
                    }
                    None => Waveform::Constant(get(&outlet.pressure) * pa),
                }),
                OutletType::Resistance => {
                    Outlet0d::Resistance { r: get(&outlet.r) * resistance, pd: get(&outlet.pd) * pa }
                }
                OutletType::Rcr => Outlet0d::Rcr {
                    rp: get(&outlet.rp) * resistance,
                    c: get(&outlet.c) * compliance,
                    rd: get(&outlet.rd) * resistance,
                    pd: get(&outlet.pd) * pa,
                    pc: outlet.initial_pressure.as_ref().map_or(get(&outlet.pd), |p| *p.get_ref()) * pa,
                },
            };
            if outlet.kind == OutletType::Rcr && outlet.initial_pressure.is_none() {
                settle.push(outlets.len());
            }
            outlets.push((i, model));
        }
        // RCR capacitors without an initial pressure start at their steady value for the mean
        // inflow, shared between the 0D outlets in proportion to their conductances.
        let mean_inflow: f64 = inlets.iter().map(|d| d.waveform.mean()).sum();
        let conductance: f64 =
            outlets.iter().filter_map(|(_, m)| m.steady_resistance()).filter(|r| *r > 0.0).map(|r| 1.0 / r).sum();
        for &k in &settle {
            let r = outlets[k].1.steady_resistance().unwrap_or(0.0);
            if r > 0.0 && conductance > 0.0 {
                outlets[k].1.settle(mean_inflow / (r * conductance));
            }
        }
        for (i, model) in &outlets {
            boundaries[*i] = Boundary::Outlet { pressure: model.pressure(0.0, 0.0) / density };
        }
        // Time step: the Courant number sum_i |u_i| dt / h on the peak velocity expected at the caps
        // (at most crate::case::EXPLICIT_CFL_MAX for explicit advection; implicit advection takes
        // more): the inlets' over their waveforms, and each outlet's parabolic peak for its share of
        // the peak inflow (by conductance when every outlet has a resistance, else by area), each
        // along its cap's normal (|n_x| + |n_y| + |n_z| times the speed). The viscous term is
        // Crank-Nicolson (stable at any dt); nu dt / h^2 <= 2 only bounds the Jacobi sweeps of its
        // solve. Snapshots measure the Courant number the flow reaches.
        // (With several inlets, the sum of their peaks: at least the peak of their sum.)
        let pair = match (&case.report.proximal, &case.report.distal) {
            (Some(p), Some(d)) => {
                find(p, "report.proximal".into())?;
                find(d, "report.distal".into())?;
                Some((p.get_ref().as_str(), d.get_ref().as_str()))
            }
            _ => None,
        };
        let peak_inflow: f64 = inlets.iter().map(|d| d.waveform.peak_magnitude()).sum();
        let resistances: Vec<Option<f64>> =
            outlets.iter().map(|(_, m)| m.steady_resistance().filter(|r| *r > 0.0)).collect();
        let by_conductance = resistances.iter().all(Option::is_some);
        let outlet_area: f64 = outlets.iter().map(|(i, _)| g.caps[*i].area).sum();
        let outlet_peak = outlets
            .iter()
            .zip(&resistances)
            .map(|((i, _), r)| {
                let share = match r {
                    Some(r) if by_conductance => (1.0 / r) / resistances.iter().flatten().map(|r| 1.0 / r).sum::<f64>(),
                    _ => g.caps[*i].area / outlet_area,
                };
                2.0 * share * peak_inflow / g.caps[*i].area
            })
            .fold(0.0, f64::max);
        let u_ref = inlets.iter().map(InletDrive::peak_speed).fold(outlet_peak, f64::max);
        // The caps' normals: sum_i |u_i| of a velocity along them, per unit speed (1 to sqrt 3).
        let along_normal = inlets
            .iter()
            .map(|d| d.cap)
            .chain(outlets.iter().map(|(i, _)| *i))
            .map(|i| g.caps[i].normal.iter().map(|x| x.abs()).sum::<f64>())
            .fold(1.0, f64::max);
        let cfl = *case.time.cfl.get_ref();
        let dt_visc = 2.0 * h * h / rheology.max_viscosity(nu);
        let ts = match &case.time.dt {
            Some(dt) => TimeStep::fixed(*dt.get_ref(), case.cfl_max(), h),
            None => {
                let dt = if u_ref > 0.0 { cfl * h / (u_ref * along_normal) } else { dt_visc };
                TimeStep::adaptive(cfl, h, dt, dt_visc)
            }
        };
        Ok(Setup {
            mesh_path,
            triangles,
            tables,
            h,
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
            ts,
        })
    }
}

/// Runs `case` on the adapter `adapter` (by name) or the preferred one; with `restart`, from
/// that checkpoint of the same case on; with `profile`, timing each stage ([`Gpu::profile`]:
/// GPU timestamps, or the wall clock where the adapter has none).
pub fn run(
    case: &Case,
    adapter: Option<&str>,
    restart: Option<&Path>,
    profile: bool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<RunSummary, RunError> {
    // The files this run writes are its own until it ends: a second run that would write one
    // stops here, before touching it (the locks go with the process, however it ends).
    let output = case.resolve(&case.output.file);
    let mut locks = vec![OutputLock::acquire(&output)?];
    if case.output.checkpoint.is_some() {
        locks.push(OutputLock::acquire(&output.with_extension("checkpoint.h5"))?);
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
        mut outlets,
        mean_inflow,
        pair,
        u_ref,
        mut ts,
        ..
    } = Setup::from_case(case)?;
    let units = case.geometry.units;
    let period = case.time.period.as_ref().map(|p| *p.get_ref());
    let cfl = *case.time.cfl.get_ref();
    let end = case.end_time();
    let interval = case.output.interval.as_ref().map_or(end, |i| *i.get_ref());
    let outlet_caps: Vec<usize> = outlets.iter().map(|(i, _)| *i).collect();
    let cap_types: Vec<&str> = boundaries
        .iter()
        .map(|b| match b {
            Boundary::Inlet { .. } => "inlet",
            Boundary::Outlet { .. } => "outlet",
            _ => "wall",
        })
        .collect();

    let gpu = if profile { Gpu::with_features(adapter, wgpu::Features::TIMESTAMP_QUERY)? } else { Gpu::new(adapter)? };
    let profiled = profile;
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
    let mut solver = GpuSolver::new(&gpu, &g, settings)?;
    // The wall shear stress at the snapshots; with a cardiac period, every step into the
    // cycle's time integrals too.
    solver.attach_wall(&stencil, density, period.is_some())?;
    if let Some((_, porous, _)) = &stented {
        solver.attach(&crate::solver::porous::PorousLayer(porous.clone()))?;
    }
    if !ts.fixed {
        solver.keep_undo()?;
    }

    // Output: the grid first, then snapshots as they come, each made part of the file by one
    // commit (a run killed at any moment leaves every snapshot committed before).
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| IoError::File { path: dir.to_path_buf(), source })?;
    }
    let xdmf = output.with_extension("xdmf");
    let case_text = case.source.as_ref().map_or(String::new(), |s| s.1.clone());
    let staged: &[&str] = if period.is_some() { &["fields", "summary", "cycles"] } else { &["fields", "summary"] };
    let mut out = H5Output::create_staged(&output, &case_text, staged)?;
    let meta = crate::io::grid_meta(&g);
    out.write_grid_of(&g)?;
    out.write_wall(&wall.vertices, &wall.triangles, &wall.labels, &wall.label_names)?;
    out.write_cap_types(&names, &cap_types, pair)?;
    if let Some((deployed, _, centerlines)) = &stented {
        out.write_centerlines(&centerlines.source, centerlines.spacing, &centerline_records(centerlines))?;
        let records: Vec<StentRecord> = deployed
            .iter()
            .map(|d| StentRecord {
                kind: d.stent.kind.name().into(),
                diameter: 2.0 * d.stent.radius,
                porosity: d.stent.porosity,
                wire_diameter: d.stent.wire_diameter,
                centerline: d.centerline.iter().map(|&p| p.into()).collect(),
            })
            .collect();
        out.write_stents(&records)?;
    }
    if !case.region.is_empty() {
        let m = units.to_metres();
        let point = |p: &Spanned<[f64; 3]>| p.get_ref().map(|x| x * m);
        let regions: Vec<RegionRecord> = case
            .region
            .iter()
            .map(|r| RegionRecord {
                name: r.name.get_ref().clone(),
                center: point(&r.center),
                radius: r.radius.get_ref() * m,
                neck: r.neck.as_ref().map(point),
            })
            .collect();
        out.write_regions(&regions)?;
    }
    let none = vec![Vec::new(); names.len()];
    out.write_summary(&names, &[], &none, &none)?;
    out.commit()?;
    let wall_xdmf = output.with_extension("wall.xdmf");
    let write_wall_series = |snapshots: &[(usize, f64)], cycles: &[(usize, f64)]| {
        write_wall_xdmf(&wall_xdmf, &output, wall.vertices.len(), wall.triangles.len(), snapshots, cycles)
    };
    // Cycles written to this file: (number, end time).
    let mut cycles_written: Vec<(usize, f64)> = Vec::new();

    let n = solver.cells as usize;
    let mut snapshots: Vec<(usize, f64)> = Vec::new();
    // Every step's cap figures, for /summary and the cycles.
    let (mut times, mut flows, mut pressures) =
        (Vec::new(), vec![Vec::new(); names.len()], vec![Vec::new(); names.len()]);
    let mut last_caps: Vec<CapFlow> = Vec::new();
    let mut cycles = Vec::new();
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
    let mut retries = 0u64;
    let diverged = |step: u64, time: f64, what: String, written: usize| RunError::Diverged {
        step,
        time,
        what,
        written,
        output: output.display().to_string(),
    };
    let inflow_at = |t: f64| inlets.iter().map(|d| d.flow_rate(t)).sum::<f64>();
    // The inflow the fields carry (none at rest).
    let mut inflow_before = 0.0;
    let checkpoint_path = output.with_extension("checkpoint.h5");
    let checkpoint_interval = case.output.checkpoint.as_ref().map(|c| *c.get_ref());
    // Steps done and the time reached.
    let (mut step, mut time) = (0u64, 0.0f64);
    // The fluid starts at rest at the outlets' initial pressure (their mean): the pressure
    // level is the outlets' to set, and starting from 0 under an outlet at, say, 80 mmHg puts the
    // whole jump on the outlet's cells in the first step, which the projection cannot absorb.
    if restart.is_none() && !outlets.is_empty() {
        let level = outlets.iter().map(|(_, m)| m.pressure(0.0, 0.0)).sum::<f64>() / outlets.len() as f64 / density;
        let p0: Vec<f32> = g.kind.iter().map(|&k| if k == kind::SOLID { 0.0 } else { level as f32 }).collect();
        solver.set_pressure(&p0);
    }
    if let Some(path) = restart {
        let c = Checkpoint::read(path)?;
        let mismatch = |message: String| RunError::Restart { path: path.to_path_buf(), message };
        if c.cells != n as u64 || c.caps != names.len() || c.outlet_states.len() != outlets.len() {
            let message = format!(
                "it holds {} cells, {} caps and {} outlets; this case has {n}, {} and {}",
                c.cells,
                c.caps,
                c.outlet_states.len(),
                names.len(),
                outlets.len()
            );
            return Err(mismatch(message));
        }
        if ts.fixed && (c.dt - ts.dt).abs() > 1e-12 * ts.dt {
            return Err(mismatch(format!("its time step is {} s, this case's fixed time.dt {} s", c.dt, ts.dt)));
        }
        if reached(end, c.time) {
            return Err(mismatch(format!("it is at t = {} s, where this case ends", c.time)));
        }
        solver.restore(&c.u, &c.p, &c.tendency, c.step);
        if period.is_some() {
            if c.wall_sums.len() != 4 * wall.triangles.len() || c.time_integrals.len() != 4 * n {
                let message =
                    format!("it holds no cycle averages for this case's {} wall triangles", wall.triangles.len());
                return Err(mismatch(message));
            }
            let sums: &[[f32; 4]] = bytemuck::cast_slice(&c.wall_sums);
            solver.restore_averages(c.average_time, Some((sums, &c.time_integrals)));
        }
        for ((_, model), state) in outlets.iter_mut().zip(&c.outlet_states) {
            model.set_state(*state);
        }
        inflow_before = c.inflow_before;
        next_output = c.next_output;
        for (row, &time) in c.history_time.iter().enumerate() {
            times.push(time);
            for k in 0..names.len() {
                flows[k].push(c.history_flow_rate[row * names.len() + k]);
                pressures[k].push(c.history_mean_pressure[row * names.len() + k]);
            }
            close_cycle(&mut cycles, period, &names, &times, &flows, &pressures);
        }
        last_caps = names
            .iter()
            .enumerate()
            .map(|(k, name)| CapFlow {
                name: name.clone(),
                flow_rate: *flows[k].last().unwrap_or(&0.0),
                mean_pressure: *pressures[k].last().unwrap_or(&0.0),
            })
            .collect();
        (step, time) = (c.step, c.time);
        ts.dt = c.dt;
    }
    let first_step = step + 1;
    let mut next_checkpoint = checkpoint_interval.map(|ci| ((time / ci) * (1.0 + 1e-9)).floor() * ci + ci);
    while !reached(end, time) {
        // The next event: a snapshot, a checkpoint, a cycle's end or the end.
        let cycle_end = period.map(|p| (cycles.len() + 1) as f64 * p);
        let event = [Some(next_output), next_checkpoint, cycle_end]
            .into_iter()
            .flatten()
            .filter(|&at| !reached(at, time))
            .fold(end, f64::min);
        step += 1;
        let mut attempt = 0;
        let (stats, values, caps, dt, at, inflow) = loop {
            let dt = ts.towards(time, event);
            // The step's end: exactly the event when it reaches it.
            let (dt, at) = if reached(event, time + dt) { (event - time, event) } else { (dt, time + dt) };
            solver.set_dt(dt);
            // This step's boundary values: the inflow at the step's end (the projection makes
            // the outflow match it), the outlets' pressures for their predicted flows: the last
            // step's flow plus its share (of the outlets' total) of the change in inflow.
            for drive in inlets.iter().filter(|d| !matches!(d.waveform, Waveform::Constant(_))) {
                solver.set_cap(drive.cap, CapUpdate::Velocities(&drive.velocities(at)));
            }
            let outflow_total: f64 = outlet_caps.iter().map(|&i| last_caps.get(i).map_or(0.0, |c| c.flow_rate)).sum();
            let inflow = inflow_at(at);
            let inflow_change = inflow - inflow_before;
            for (i, model) in outlets.iter().filter(|(_, m)| !matches!(m, Outlet0d::Pressure(Waveform::Constant(_)))) {
                let q = last_caps.get(*i).map_or(0.0, |c| c.flow_rate);
                let share = if outflow_total > 0.0 { q / outflow_total } else { 1.0 / outlet_caps.len() as f64 };
                solver.set_cap(*i, CapUpdate::Pressure(model.pressure(at, q + share * inflow_change) / density));
            }
            let stats = solver.step()?;
            if profiled {
                gpu.collect_profile()?;
            }
            let values = solver.cap_values()?;
            let caps = cap_flows(&g, &solver.layout, &values.outflow, &values.pressure, density);
            let courant = ts.courant(values.speed_max, dt);
            let bad = if !stats.relative_residual.is_finite() || !stats.divergence.is_finite() {
                Some("the pressure solve's residual or the divergence after projection is not a number".to_string())
            } else if let Some(c) = caps.iter().find(|c| !(c.flow_rate.is_finite() && c.mean_pressure.is_finite())) {
                Some(format!("cap {}'s flow rate or pressure is not a number", c.name))
            } else if ts.rejects(values.speed_max, dt) {
                let target = if ts.fixed { "the advection's limit" } else { "time.cfl" };
                Some(format!(
                    "the Courant number reached {courant:.3e} in the step (more than {} times {target}, {})",
                    timestep::REJECT,
                    ts.cfl
                ))
            } else {
                None
            };
            let Some(what) = bad else { break (stats, values, caps, dt, at, inflow) };
            if attempt < timestep::RETRIES && ts.reject(values.speed_max, dt) {
                solver.undo();
                attempt += 1;
                retries += 1;
                log::warn!("step {step} (t = {time:.6} s): {what}; retried with dt = {:.3e} s", ts.dt);
                continue;
            }
            // Give up, saying where the flow was fastest before the step (after it, with a
            // fixed time step, which keeps no copy).
            let before = solver.undo();
            let u = solver.velocity()?;
            let (id, speed) = (0..n)
                .filter(|&id| g.kind[id] != kind::SOLID)
                .map(|id| (id, (0..3).map(|c| (u[c * n + id] as f64).abs()).sum::<f64>()))
                .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
            let x = g.cell_centre(id as u32) / units.to_metres();
            let tries = if ts.fixed {
                format!("with the fixed time.dt = {dt:.3e} s")
            } else {
                format!("after {attempt} retries with smaller steps (down to dt = {dt:.3e} s)")
            };
            let smaller = if ts.fixed {
                format!("lower time.dt (now {dt:.3e} s)")
            } else {
                format!("lower time.cfl (now {cfl})")
            };
            let advice = match case.solver.advection {
                Advection::Explicit => format!(
                    "{smaller}, set solver.advection = \"implicit\", or refine the grid where the flow is fastest"
                ),
                Advection::Implicit => format!("{smaller} or refine the grid where the flow is fastest"),
            };
            let what = format!(
                "{what}, {tries}. {} the step the fastest cell was at ({:.3}, {:.3}, {:.3}) {} with velocity \
                 ({:.3e}, {:.3e}, {:.3e}) m/s, Courant number {:.3} at that dt. What to change: {advice}; check the \
                 inflow's units and the geometry's units",
                if before { "Before" } else { "After" },
                x.x,
                x.y,
                x.z,
                units.symbol(),
                u[id],
                u[n + id],
                u[2 * n + id],
                ts.courant(speed, dt),
            );
            return Err(diverged(step, time, what, snapshots.len()));
        };
        time = at;
        inflow_before = inflow;
        dts.push(dt);
        courants.push((time, ts.courant(values.speed_max, dt)));
        ts.accept(values.speed_max);
        iterations_total += stats.iterations;
        iterations_max = iterations_max.max(stats.iterations);
        divergence_max = divergence_max.max(stats.divergence);
        steps_over_tolerance += u64::from(stats.divergence > tolerance);
        last_caps = caps;
        for (i, model) in &mut outlets {
            model.advance(last_caps[*i].flow_rate, dt);
        }
        mass_balance_max = mass_balance_max.max(mass_balance(&last_caps, mean_inflow));
        times.push(time);
        for (k, c) in last_caps.iter().enumerate() {
            flows[k].push(c.flow_rate);
            pressures[k].push(c.mean_pressure);
        }
        let closed = cycles.len();
        close_cycle(&mut cycles, period, &names, &times, &flows, &pressures);
        if cycles.len() > closed {
            let c = cycles.last().expect("a cycle closed");
            let Averages { time: integrated, wall: sums, fields: integrals } = solver.averages()?;
            solver.reset_averages();
            let (tawss, osi, rrt) = cycle_indices(integrated, &sums);
            let mean = |values: &[f32], scale: f64| -> Vec<f32> {
                values.iter().map(|&v| (v as f64 * scale / integrated) as f32).collect()
            };
            let (velocity, pressure) =
                dense_fields(&g, &mean(&integrals[..3 * n], 1.0), &mean(&integrals[3 * n..], density));
            let per_cap = |f: fn(&CapCycle) -> f64| c.caps.iter().map(f).collect::<Vec<f64>>();
            out.write_cycle(&CycleRecord {
                cycle: c.cycle,
                start: (time - integrated).max(0.0),
                end: time,
                tawss: &tawss,
                osi: &osi,
                rrt: &rrt,
                velocity: &velocity,
                pressure: &pressure,
                caps: [
                    &per_cap(|c| c.mean_flow_rate),
                    &per_cap(|c| c.mean_pressure),
                    &per_cap(|c| c.min_pressure),
                    &per_cap(|c| c.max_pressure),
                ],
            })?;
            out.commit()?;
            cycles_written.push((c.cycle, time));
            if !snapshots.is_empty() {
                write_wall_series(&snapshots, &cycles_written)?;
            }
        }
        let seconds = start.elapsed().as_secs_f64();
        progress(&Progress {
            step,
            steps: step + ((end - time) / ts.dt).ceil().max(0.0) as u64,
            time,
            dt,
            pressure_iterations: stats.iterations,
            mlups: solver.fluid_cells as f64 * (step + 1 - first_step) as f64 / seconds.max(1e-9) / 1e6,
            cycle: period.map(|p| (time / p - 1e-9).floor() as u32 + 1),
        });
        if reached(next_output, time) || reached(end, time) {
            next_output += interval;
            let u = solver.velocity()?;
            let p = solver.pressure()?;
            if let Some(bad) = u.iter().chain(&p).position(|x| !x.is_finite()) {
                let what = format!("a non-finite value in the fields (entry {bad})");
                return Err(diverged(step, time, what, snapshots.len()));
            }
            let p: Vec<f32> = p.iter().map(|&x| (density * x as f64) as f32).collect();
            let (velocity, pressure) = dense_fields(&g, &u, &p);
            out.write_snapshot(snapshots.len(), time, &pressure, &velocity)?;
            out.write_wall_snapshot(snapshots.len(), &solver.wall_stress()?)?;
            out.write_summary(&names, &times, &flows, &pressures)?;
            out.commit()?;
            snapshots.push((snapshots.len(), time));
            write_time_series_xdmf(&xdmf, &output, &meta, &snapshots)?;
            write_wall_series(&snapshots, &cycles_written)?;
        }
        // After the snapshot, so that a restart takes up the snapshots where this run would.
        if let (Some(at), Some(ci)) = (next_checkpoint, checkpoint_interval) {
            if reached(at, time) {
                next_checkpoint = Some(at + ci);
                let row =
                    |series: &[Vec<f64>]| (0..times.len()).flat_map(|t| series.iter().map(move |s| s[t])).collect();
                let averages = if period.is_some() { solver.averages()? } else { Averages::default() };
                Checkpoint {
                    step,
                    time,
                    dt: ts.dt,
                    cells: n as u64,
                    inflow_before,
                    next_output,
                    u: solver.velocity()?,
                    p: solver.pressure()?,
                    tendency: solver.tendency()?,
                    outlet_states: outlets.iter().map(|(_, m)| m.state()).collect(),
                    history_time: times.clone(),
                    history_flow_rate: row(&flows),
                    history_mean_pressure: row(&pressures),
                    caps: names.len(),
                    average_time: averages.time,
                    wall_sums: averages.wall.into_iter().flatten().collect(),
                    time_integrals: averages.fields,
                }
                .write(&checkpoint_path)?;
            }
        }
    }
    out.close()?;
    drop(locks);
    if profiled {
        // The passes after the last step's collection (the last snapshot's wall shear stress).
        gpu.collect_profile()?;
    }
    let seconds = start.elapsed().as_secs_f64();
    let this_run = (step + 1 - first_step).max(1);
    // The Courant number over the second half of the simulated time (the flow developed).
    let late: Vec<f64> = courants.iter().filter(|&&(t, _)| t > 0.5 * end).map(|&(_, c)| c).collect();
    Ok(RunSummary {
        adapter: gpu.report.name.clone(),
        steps: step,
        simulated_time: time,
        dt: dts.iter().sum::<f64>() / this_run as f64,
        dt_min: dts.iter().copied().fold(f64::INFINITY, f64::min),
        dt_max: dts.iter().copied().fold(0.0, f64::max),
        adaptive: !ts.fixed,
        retries,
        seconds,
        mlups: solver.fluid_cells as f64 * this_run as f64 / seconds.max(1e-9) / 1e6,
        fluid_cells: solver.fluid_cells,
        bytes_per_fluid_cell: solver.bytes_per_fluid_cell(),
        pressure_iterations_mean: iterations_total as f64 / this_run as f64,
        pressure_iterations_max: iterations_max,
        counters: gpu.counters().since(&counted).per_step(this_run),
        divergence_max,
        steps_over_tolerance,
        mass_balance_error: mass_balance(&last_caps, mean_inflow),
        mass_balance_error_max: mass_balance_max,
        cycles,
        courant_max: courants.iter().map(|&(_, c)| c).fold(0.0, f64::max),
        courant_late: [late.iter().copied().fold(f64::INFINITY, f64::min), late.iter().copied().fold(0.0, f64::max)],
        caps: last_caps,
        snapshots: snapshots.len(),
        output,
        xdmf,
        wall_xdmf,
        wall_triangles: wall.triangles.len(),
        wall_gpu_bytes: solver.wall_bytes(),
        wall_unresolved: stencil.unresolved,
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
    })
}

/// Per-cell velocity (m/s, component-major) and pressure (Pa) as the dense arrays of the
/// output (nz x ny x nx x 3 interleaved, and nz x ny x nx), zero in solid cells.
fn dense_fields(g: &grid::Grid, u: &[f32], p: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let n = p.len();
    let [nx, ny, nz] = g.dims().map(|d| d as usize);
    let mut pressure = vec![0.0f32; nx * ny * nz];
    let mut velocity = vec![0.0f32; 3 * nx * ny * nz];
    for id in 0..n {
        if g.kind[id] == kind::SOLID {
            continue;
        }
        let [i, j, k] = g.bricks.cell_coords(id as u32).map(|x| x as usize);
        let cell = i + nx * (j + ny * k);
        pressure[cell] = p[id];
        for c in 0..3 {
            velocity[3 * cell + c] = u[c * n + id];
        }
    }
    (velocity, pressure)
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

/// Whether `time` (s) has reached `at` (s), within rounding (the steps land on events exactly,
/// but an event time summed interval by interval may differ from one computed at once in its
/// last bits).
fn reached(at: f64, time: f64) -> bool {
    time >= at - 1e-9 * at.abs()
}

/// Summarises the cycle that the last of `times` ends, if it ends one.
fn close_cycle(
    cycles: &mut Vec<CycleSummary>,
    period: Option<f64>,
    names: &[String],
    times: &[f64],
    flows: &[Vec<f64>],
    pressures: &[Vec<f64>],
) {
    let (Some(period), Some(&time)) = (period, times.last()) else { return };
    let done = cycles.len() + 1;
    if reached(done as f64 * period, time) {
        let summary = cycle_summary(done, names, times, flows, pressures, time - period, cycles.last());
        cycles.push(summary);
    }
}

/// Cycle `cycle`'s summary from the per-step cap series (steps after `since`, s), compared with
/// the cycle before.
fn cycle_summary(
    cycle: usize,
    names: &[String],
    times: &[f64],
    flows: &[Vec<f64>],
    pressures: &[Vec<f64>],
    since: f64,
    before: Option<&CycleSummary>,
) -> CycleSummary {
    let first = times.partition_point(|&t| t <= since + 1e-9 * since.abs().max(1e-30));
    // Each step's value holds over its step (the steps may differ in length).
    let weights: Vec<f64> = (first..times.len()).map(|i| times[i] - if i == 0 { 0.0 } else { times[i - 1] }).collect();
    let span = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mean = |values: &[f64]| values.iter().zip(&weights).map(|(v, w)| v * w).sum::<f64>() / span;
    let caps: Vec<CapCycle> = names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let p = &pressures[k][first..];
            CapCycle {
                name: name.clone(),
                mean_flow_rate: mean(&flows[k][first..]),
                mean_pressure: mean(p),
                min_pressure: p.iter().copied().fold(f64::INFINITY, f64::min),
                max_pressure: p.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            }
        })
        .collect();
    let pressure_change = before.map(|b| {
        caps.iter()
            .zip(&b.caps)
            .flat_map(|(a, b)| {
                [a.mean_pressure - b.mean_pressure, a.min_pressure - b.min_pressure, a.max_pressure - b.max_pressure]
            })
            .fold(0.0, |m: f64, d| m.max(d.abs()))
    });
    CycleSummary { cycle, caps, pressure_change }
}

/// Blood after Cho and Kensey (Biorheology 28, 241-262, 1991), a Carreau-Yasuda fluid with
/// a = 2: zero-shear and infinite-shear viscosities (Pa s), relaxation time (s), power-law index.
pub const CARREAU_YASUDA_BLOOD: (f64, f64, f64, f64, f64) = (0.056, 0.00345, 3.313, 0.3568, 2.0);

/// Blood as a Casson fluid, kinematic: Casson viscosity (m^2/s), yield stress over density
/// (m^2/s^2) and the viscosity's cap (m^2/s), the values OpenFOAM documents for blood in its
/// Casson model (Casson.H), after Fournier, Basic Transport Phenomena in Biomedical Engineering
/// (CRC Press, 2011).
pub const CASSON_BLOOD: (f64, f64, f64) = (3.934986e-6, 2.9032e-6, 13.3333e-6);

/// The case's fluid: its kinematic viscosity (m^2/s; for a non-Newtonian fluid the
/// high-shear one, which Womersley inlet profiles use) and its rheology.
fn rheology(case: &Case) -> (f64, Rheology) {
    let f = &case.fluid;
    let rho = *f.density.get_ref();
    let or = |v: &Option<Spanned<f64>>, default: f64| v.as_ref().map_or(default, |x| *x.get_ref());
    match f.model {
        FluidModel::Newtonian => (f.viscosity.get_ref() / rho, Rheology::Newtonian),
        FluidModel::CarreauYasuda => {
            let (mu0, mu_inf, lambda, n, a) = CARREAU_YASUDA_BLOOD;
            let nu_infinity = or(&f.viscosity_infinity, mu_inf) / rho;
            let r = Rheology::CarreauYasuda {
                nu_zero: or(&f.viscosity_zero, mu0) / rho,
                nu_infinity,
                relaxation: or(&f.relaxation_time, lambda),
                n: or(&f.power_index, n),
                a: or(&f.yasuda_exponent, a),
            };
            (nu_infinity, r)
        }
        FluidModel::Casson => {
            let (nu_c, tau_y, nu_max) = CASSON_BLOOD;
            let nu_casson = or(&f.casson_viscosity, nu_c * rho) / rho;
            let r = Rheology::Casson {
                nu_casson,
                yield_stress: or(&f.yield_stress, tau_y * rho) / rho,
                nu_max: or(&f.max_viscosity, nu_max * rho) / rho,
            };
            (nu_casson, r)
        }
    }
}
