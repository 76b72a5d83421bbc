//! A whole run from a case file: surface -> grid -> GPU time loop -> HDF5 snapshots, an XDMF
//! time series and a summary. The engine's orchestration; it never prints (progress goes to a
//! callback).

use std::path::PathBuf;
use std::time::Instant;

use crate::case::{Case, CaseError, ProfileKey};
use crate::gpu::{Gpu, GpuError};
use crate::grid::{self, kind, GridError};
use crate::io::{write_time_series_xdmf, H5Output, IoError};
use crate::mesh::{self, MeshError};
use crate::solver::gpu_solver::{self, GpuSolver, Settings};
use crate::solver::layout::{Boundary, Profile};
use crate::solver::multigrid::MultigridSettings;
use crate::solver::summary::{cap_flows, CapFlow};

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The case file is wrong.
    #[error(transparent)]
    Case(#[from] CaseError),
    /// The mesh cannot be read.
    #[error(transparent)]
    Mesh(#[from] MeshError),
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
    /// The solver cannot be set up on this grid.
    #[error(transparent)]
    Solver(#[from] gpu_solver::RunError),
    /// The GPU failed.
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// Output failed.
    #[error(transparent)]
    Io(#[from] IoError),
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
    /// Time step, s.
    pub dt: f64,
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
    /// Largest divergence after projection over the steps, relative (see
    /// [`crate::solver::gpu_solver::StepStats::divergence`]: 1 is a divergence of the inflow's
    /// peak velocity / h in every cell); at most `[solver] tolerance` when every solve converged.
    pub divergence_max: f64,
    /// Steps whose divergence after projection exceeded `[solver] tolerance` (the pressure
    /// solve stopped at `[solver] max_iterations`).
    pub steps_over_tolerance: u64,
    /// |sum of the caps' flow rates| / inflow at the last step.
    pub mass_balance_error: f64,
    /// Per cap: flow rate (m^3/s, positive out of the fluid) and mean pressure (Pa).
    pub caps: Vec<CapFlow>,
    /// Snapshots written.
    pub snapshots: usize,
    /// The HDF5 output.
    pub output: PathBuf,
    /// Its XDMF time series.
    pub xdmf: PathBuf,
}

/// Runs `case` on the adapter `adapter` (by name) or the preferred one.
pub fn run(case: &Case, adapter: Option<&str>, progress: &mut dyn FnMut(&Progress)) -> Result<RunSummary, RunError> {
    let units = case.geometry.units;
    let mesh_path = case.resolve(&case.geometry.mesh);
    let (surface, load) = mesh::load(&mesh_path, units)?;
    let report = mesh::check(&surface, &load);
    if !report.simulatable {
        return Err(RunError::NotSimulatable {
            mesh: mesh_path.display().to_string(),
            reasons: report.problems.join("; "),
        });
    }
    let h = *case.geometry.spacing.get_ref() * units.to_metres();
    let g = grid::voxelize(&surface, h)?;
    let density = *case.fluid.density.get_ref();
    let nu = *case.fluid.viscosity.get_ref() / density;

    // Boundary conditions by cap name.
    let names: Vec<String> = g.caps.iter().map(|c| c.name.clone()).collect();
    let mut boundaries = vec![Boundary::Wall; names.len()];
    let mut u_ref: f64 = 0.0;
    for (k, inlet) in case.inlet.iter().enumerate() {
        let Some(i) = names.iter().position(|n| n == inlet.surface.get_ref()) else {
            return Err(case.unknown_surface(&inlet.surface, &format!("inlet[{k}].surface"), &names).into());
        };
        let q = *inlet.flow_rate.get_ref();
        let profile = match inlet.profile {
            ProfileKey::Plug => Profile::Plug,
            ProfileKey::Parabolic => Profile::Parabolic,
        };
        let peak = if profile == Profile::Parabolic { 2.0 } else { 1.0 };
        u_ref = u_ref.max(peak * q.abs() / g.caps[i].area);
        boundaries[i] = Boundary::Inlet { flow_rate: q, profile };
    }
    for (k, outlet) in case.outlet.iter().enumerate() {
        let Some(i) = names.iter().position(|n| n == outlet.surface.get_ref()) else {
            return Err(case.unknown_surface(&outlet.surface, &format!("outlet[{k}].surface"), &names).into());
        };
        boundaries[i] = Boundary::Outlet { pressure: outlet.pressure / density };
    }
    // Time step: the Courant number on the inlets' peak velocity (at most about 0.3 for the
    // explicit Adams-Bashforth 2 advection; implicit advection takes more). The viscous term is
    // Crank-Nicolson (stable at any dt); nu dt / h^2 <= 2 only bounds the Jacobi sweeps of its
    // solve.
    let cfl = *case.time.cfl.get_ref();
    let dt_visc = 2.0 * h * h / nu;
    let dt = if u_ref > 0.0 { (cfl * h / u_ref).min(dt_visc) } else { dt_visc };
    let end = *case.time.end.get_ref();
    let steps = (end / dt).ceil().max(1.0) as u64;
    let interval = case.output.interval.as_ref().map_or(end, |i| *i.get_ref());

    let gpu = Gpu::new(adapter)?;
    let settings = Settings {
        nu,
        dt,
        force: crate::mesh::Vec3::zeros(),
        tolerance: *case.solver.tolerance.get_ref(),
        max_iterations: case.solver.max_iterations,
        velocity_scale: u_ref.max(1e-6),
        advection: case.solver.advection,
        multigrid: MultigridSettings::default(),
        boundaries,
    };
    let mut solver = GpuSolver::new(&gpu, &g, settings)?;

    // Output: the grid first, then snapshots as they come.
    let output = case.resolve(&case.output.file);
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| IoError::File { path: dir.to_path_buf(), source })?;
    }
    let xdmf = output.with_extension("xdmf");
    let case_text = case.source.as_ref().map_or(String::new(), |s| s.1.clone());
    let out = H5Output::create(&output, &case_text)?;
    let meta = g.meta();
    g.write_to(&out)?;

    let n = solver.cells as usize;
    let [nx, ny, nz] = g.dims().map(|d| d as usize);
    let mut snapshots: Vec<(usize, f64)> = Vec::new();
    let (mut times, mut flows, mut pressures) =
        (Vec::new(), vec![Vec::new(); names.len()], vec![Vec::new(); names.len()]);
    let mut last_caps = Vec::new();
    let start = Instant::now();
    let (mut iterations_total, mut iterations_max) = (0usize, 0usize);
    let (mut divergence_max, mut steps_over_tolerance) = (0.0f64, 0u64);
    let tolerance = *case.solver.tolerance.get_ref();
    let mut next_output = interval;
    for step in 1..=steps {
        let time = step as f64 * dt;
        let stats = solver.step()?;
        iterations_total += stats.iterations;
        iterations_max = iterations_max.max(stats.iterations);
        divergence_max = divergence_max.max(stats.divergence);
        steps_over_tolerance += u64::from(stats.divergence > tolerance);
        if !stats.relative_residual.is_finite() || !stats.divergence.is_finite() {
            return Err(RunError::Diverged {
                step,
                time,
                what: "the pressure solve's residual or the divergence after projection is not a number".into(),
                written: snapshots.len(),
                output: output.display().to_string(),
            });
        }
        let seconds = start.elapsed().as_secs_f64();
        progress(&Progress {
            step,
            steps,
            time,
            dt,
            pressure_iterations: stats.iterations,
            mlups: solver.fluid_cells as f64 * step as f64 / seconds.max(1e-9) / 1e6,
        });
        if time + 0.5 * dt >= next_output || step == steps {
            next_output += interval;
            let u = solver.velocity()?;
            let p = solver.pressure()?;
            if let Some(bad) = u.iter().chain(&p).position(|x| !x.is_finite()) {
                return Err(RunError::Diverged {
                    step,
                    time,
                    what: format!("a non-finite value in the fields (entry {bad})"),
                    written: snapshots.len(),
                    output: output.display().to_string(),
                });
            }
            let mut pressure = vec![0.0f32; nx * ny * nz];
            let mut velocity = vec![0.0f32; 3 * nx * ny * nz];
            for id in 0..n {
                if g.kind[id] == kind::SOLID {
                    continue;
                }
                let [i, j, k] = g.bricks.cell_coords(id as u32).map(|x| x as usize);
                let cell = i + nx * (j + ny * k);
                pressure[cell] = (density * p[id] as f64) as f32;
                for c in 0..3 {
                    velocity[3 * cell + c] = u[c * n + id];
                }
            }
            out.write_snapshot(snapshots.len(), time, &pressure, &velocity)?;
            snapshots.push((snapshots.len(), time));
            write_time_series_xdmf(&xdmf, &output, &meta, &snapshots)?;
            last_caps = cap_flows(&g, &solver.layout, &solver.outlet_flux()?, &p, density);
            times.push(time);
            for (k, c) in last_caps.iter().enumerate() {
                flows[k].push(c.flow_rate);
                pressures[k].push(c.mean_pressure);
            }
            out.write_summary(&names, &times, &flows, &pressures)?;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let inflow: f64 = last_caps.iter().filter(|c| c.flow_rate < 0.0).map(|c| -c.flow_rate).sum();
    let net: f64 = last_caps.iter().map(|c| c.flow_rate).sum();
    Ok(RunSummary {
        adapter: gpu.report.name.clone(),
        steps,
        simulated_time: steps as f64 * dt,
        dt,
        seconds,
        mlups: solver.fluid_cells as f64 * steps as f64 / seconds.max(1e-9) / 1e6,
        fluid_cells: solver.fluid_cells,
        bytes_per_fluid_cell: solver.bytes_per_fluid_cell(),
        pressure_iterations_mean: iterations_total as f64 / steps as f64,
        pressure_iterations_max: iterations_max,
        divergence_max,
        steps_over_tolerance,
        mass_balance_error: if inflow > 0.0 { net.abs() / inflow } else { 0.0 },
        caps: last_caps,
        snapshots: snapshots.len(),
        output,
        xdmf,
    })
}
