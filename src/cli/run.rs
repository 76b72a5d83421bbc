//! `hemoflow run [CASE]`: a case file (or the bundled demo) run on the GPU with a progress bar
//! and its summary printed, or with `--dry-run` checked up to the GPU.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;

use anyhow::{Context, Result};
use hemoflow::case::Case;
use hemoflow::comm::Comm;
use hemoflow::post::summary::H_PLUS_LIMIT;

/// Pa per mmHg.
const MMHG: f64 = 133.322;

/// The bundled demo (`hemoflow run` without a case): its case file and the files it names, so
/// that any copy of the binary runs it, from any folder.
const DEMO_FILES: [(&str, &[u8]); 4] = [
    ("demo.toml", include_bytes!("../../meshes/demo.toml")),
    ("demo_aorta_iliac.vtp", include_bytes!("../../meshes/demo_aorta_iliac.vtp")),
    ("demo_aorta_iliac.mdl", include_bytes!("../../meshes/demo_aorta_iliac.mdl")),
    ("demo_inflow.flow", include_bytes!("../../meshes/demo_inflow.flow")),
];

/// Where the bundled demo writes, relative to the current folder.
const DEMO_OUTPUT: &str = "out/demo.h5";

/// The bundled demo's case, read from its files written to a new temporary folder (removed when
/// the returned guard drops), with its output under the current folder.
fn demo_case() -> Result<(Case, tempfile::TempDir)> {
    let dir = tempfile::Builder::new().prefix("hemoflow-demo-").tempdir().context("a folder for the bundled demo")?;
    for (name, bytes) in DEMO_FILES {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).with_context(|| format!("{}: cannot write the bundled demo", path.display()))?;
    }
    let mut case = Case::read(&dir.path().join("demo.toml"))?;
    case.output.file = std::env::current_dir()?.join(DEMO_OUTPUT);
    Ok((case, dir))
}

/// Where `run` puts the stages: `--adapter` and `--backend` (None: the case's).
pub struct Target<'a> {
    /// A GPU adapter's name fragment.
    pub adapter: Option<&'a str>,
    /// Replaces the case's `[solver] backend`.
    pub backend: Option<hemoflow::gpu::ComputeBackend>,
}

/// How `run` runs: `--restart`, `--json`, `--dry-run`, `--profile`.
pub struct Options<'a> {
    /// A checkpoint to start from.
    pub restart: Option<&'a Path>,
    /// Print the summary as JSON.
    pub json: bool,
    /// Check the case up to the GPU.
    pub dry_run: bool,
    /// Time each stage.
    pub profile: bool,
}

/// `hemoflow run`: reads the case (`case_path`, or the bundled demo), applies `-o` and
/// `--restart`, and runs it (or with `dry_run` checks it), printing the summary (`json`: as JSON),
/// as one rank of `comm`'s (rank 0 prints; see `hemoflow::run::run_on`).
pub fn run_case(
    case_path: Option<&Path>,
    output: Option<PathBuf>,
    target: Target,
    options: Options,
    comm: Rc<dyn Comm>,
) -> Result<ExitCode> {
    let Options { restart, json, dry_run, profile } = options;
    let root = comm.rank() == 0;
    let (mut case, _demo) = match case_path {
        Some(path) => (Case::read(path)?, None),
        None => demo_case().map(|(case, dir)| (case, Some(dir)))?,
    };
    if let Some(backend) = target.backend {
        case.solver.backend = backend;
    }
    // Before the grid is built: --adapter names a GPU, which the CPU backend does not use.
    if let (hemoflow::gpu::ComputeBackend::Cpu, Some(name)) = (case.solver.backend, target.adapter) {
        return Err(hemoflow::gpu::GpuError::AdapterWithCpu(name.to_string()).into());
    }
    if let Some(out) = output {
        case.output.file = std::env::current_dir()?.join(out);
    } else if restart.is_some() {
        case.output.file = case.output.file.with_extension("restart.h5");
    }
    if dry_run {
        return if root { check_case(&case, case_path.is_none(), json) } else { Ok(ExitCode::SUCCESS) };
    }
    let bar = if json || !root { indicatif::ProgressBar::hidden() } else { indicatif::ProgressBar::new(0) };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} step {pos}/{len}  {msg}  [{elapsed_precise} < {eta_precise}]",
        )
        .expect("valid template"),
    );
    let summary = hemoflow::run::run_on(
        &case,
        target.adapter,
        restart,
        profile,
        &mut |p| {
            bar.set_length(p.steps);
            bar.set_position(p.step);
            let cycle = p.cycle.map_or(String::new(), |c| format!("cycle {c}  "));
            let residuals = p.residuals.map_or(String::new(), |r| {
                format!("  residuals: velocity {:.1e} mass {:.1e} caps {:.1e}", r.velocity, r.mass, r.caps)
            });
            bar.set_message(format!(
                "{cycle}t {:.4} s  dt {:.2e} s  pressure iterations {}  {:.1} MLUPS{residuals}",
                p.time, p.dt, p.pressure_iterations, p.mlups
            ));
        },
        comm.clone(),
    );
    bar.finish_and_clear();
    let summary = summary?;
    if !root {
        return Ok(ExitCode::SUCCESS);
    }
    // On stderr, with --json too.
    let r = &summary.wall_resolution;
    if r.p95 > H_PLUS_LIMIT {
        eprintln!(
            "warning: h+ is over {H_PLUS_LIMIT} on {:.1}% of the wall: in steady flow through straight pipes \
             oblique to the grid, pressure gradients and wall shear stress came out 2 to 4% off at h+ 3.2 to 4 and \
             15% off at 6.3 (within 1% up to 2.8); [geometry] spacing times {:.2} would bring the 95th percentile \
             to about {H_PLUS_LIMIT} (at the same wall shear stress, h+ goes with the spacing)",
            100.0 * r.over_limit,
            H_PLUS_LIMIT / r.p95
        );
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} steps to t = {:.4} s ({} time step {:.3e} s, from {:.3e} to {:.3e} s; {} step(s) retried smaller) in {:.1} \
         s on {} ({} backend; {:.2} MLUPS, {} fluid cells, {:.0} GPU bytes per fluid cell)",
        summary.steps,
        summary.simulated_time,
        if summary.adaptive { "adaptive: mean" } else { "fixed:" },
        summary.dt,
        summary.dt_min,
        summary.dt_max,
        summary.retries,
        summary.seconds,
        summary.adapter,
        summary.backend,
        summary.mlups,
        summary.fluid_cells,
        summary.bytes_per_fluid_cell
    );
    println!(
        "per step: {:.1} GPU dispatches, {:.1} host round trips (waits for the GPU, snapshots included)",
        summary.counters.dispatches, summary.counters.round_trips
    );
    if comm.size() > 1 {
        println!(
            "on {} ranks (rank 0's figures): {:.0} halo bytes received per step, {} of the fluid cells owned",
            comm.size(),
            summary.counters.halo_bytes,
            summary.owned_fluid_cells
        );
    }
    if let Some(text) = summary.counters.stage_ms_text() {
        println!("{text}");
    }
    println!(
        "pressure iterations per step: mean {:.1}, max {}; divergence after projection: max {:.1e} (relative; {} \
         step(s) above the solver tolerance); mass balance error {:.2e} (largest over the steps {:.2e}); Courant \
         number up to {:.3}, {:.3} to {:.3} over the second half of the run",
        summary.pressure_iterations_mean,
        summary.pressure_iterations_max,
        summary.divergence_max,
        summary.steps_over_tolerance,
        summary.mass_balance_error,
        summary.mass_balance_error_max,
        summary.courant_max,
        summary.courant_late[0],
        summary.courant_late[1]
    );
    if let Some(steady) = &summary.steady {
        let r = &steady.residuals;
        let how = match steady.steady_from_step {
            Some(from) => format!("steady from step {from}"),
            None => "NOT steady".into(),
        };
        println!(
            "{how} (residuals within {:.0e} for {} steps in a row); last residuals: velocity {:.2e}, mass {:.2e}, caps \
             {:.2e}",
            steady.tolerance,
            hemoflow::case::STEADY_STEPS,
            r.velocity,
            r.mass,
            r.caps
        );
    }
    for c in &summary.cycles {
        let change =
            c.pressure_change.map_or("first cycle".into(), |d| format!("{:.2} mmHg from the cycle before", d / MMHG));
        println!("cycle {} (pressures' largest change: {change})", c.cycle);
        for cap in &c.caps {
            println!(
                "  cap {:<20} mean flow {:+.3} mL/s  pressure mean {:.1} mmHg, range {:.1} to {:.1} mmHg",
                cap.name,
                cap.mean_flow_rate * 1e6,
                cap.mean_pressure / MMHG,
                cap.min_pressure / MMHG,
                cap.max_pressure / MMHG
            );
        }
    }
    for c in &summary.caps {
        println!(
            "cap {:<20} flow rate {:+.4e} m^3/s ({:+.3} mL/s, + out of the fluid)  mean pressure {:+.2} Pa",
            c.name,
            c.flow_rate,
            c.flow_rate * 1e6,
            c.mean_pressure
        );
    }
    println!(
        "wall: {} triangles ({} with no fluid cell near them), wall shear stress and cycle averages {:.1} MB of GPU memory",
        summary.wall_triangles,
        summary.wall_unresolved,
        summary.wall_gpu_bytes as f64 / 1e6
    );
    println!(
        "wall resolution: h+ (the spacing in wall units, h sqrt(tau_w / rho) / nu) {:.2} on 95% of the wall's area, \
         largest {:.2}, over {H_PLUS_LIMIT} on {:.1}% of it (at t = {:.4} s, the snapshot where it was highest)",
        r.p95,
        r.max,
        100.0 * r.over_limit,
        r.time
    );
    for (k, st) in summary.stents.iter().enumerate() {
        let mm = |p: [f64; 3]| format!("({:.2}, {:.2}, {:.2}) mm", p[0] * 1e3, p[1] * 1e3, p[2] * 1e3);
        let layer = if st.kind == "flow-diverter" {
            format!(", porous layer of {} cells", st.layer_cells)
        } else {
            String::new()
        };
        println!(
            "stent {k}: {} {:.2} mm across, {:.2} mm along the centreline from {} to {}{layer}",
            st.kind,
            st.diameter * 1e3,
            st.length * 1e3,
            mm(st.from),
            mm(st.to)
        );
    }
    let cycles =
        summary.cycles_xdmf.as_ref().map_or(String::new(), |c| format!(", {} (the wall's cycles)", c.display()));
    println!(
        "wrote {} snapshot(s) and {} cycle(s) to {}, with {} (the volume), {} (the wall){cycles} for ParaView",
        summary.snapshots,
        summary.cycles.len(),
        summary.output.display(),
        summary.xdmf.display(),
        summary.wall_xdmf.display()
    );
    println!(
        "  hemoflow info {0}   hemoflow report {0} -o DIR   (numbers; a page with pictures)",
        summary.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `run --dry-run`: everything a run does before it needs the GPU, printed.
fn check_case(case: &Case, demo: bool, json: bool) -> Result<ExitCode> {
    use hemoflow::run::{RunError, Setup};
    let setup = Setup::from_case(case)?;
    let (mesh_path, tables, grid) = (&setup.mesh_path, &setup.tables, &setup.g);
    let caps = &setup.names;
    let output = case.resolve(&case.output.file);
    // Another run holding the output would stop this one at once (no lock without its folder).
    if output.parent().is_none_or(|d| d.as_os_str().is_empty() || d.is_dir()) {
        drop(hemoflow::io::OutputLock::acquire(&output).map_err(RunError::from)?);
    }
    let s = &grid.stats;
    if json {
        let value = serde_json::json!({
            "case": case.source.as_ref().map(|(p, _)| p.display().to_string()),
            "bundled_demo": demo,
            "mesh": mesh_path.display().to_string(),
            "triangles": setup.triangles,
            "caps": caps,
            "dims": s.dims,
            "spacing": s.spacing,
            "fluid_cells": s.fluid_cells,
            "dt": setup.ts.dt,
            "waveforms": tables.iter().map(|t| t.display().to_string()).collect::<Vec<_>>(),
            "output": output.display().to_string(),
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    let name = if demo { "the bundled demo".to_string() } else { "the case".to_string() };
    println!("{name}: mesh {} ({} triangles; caps {})", mesh_path.display(), setup.triangles, caps.join(", "));
    println!(
        "grid {} x {} x {} at {:.4} mm: {} fluid cells{}; first time step {:.3e} s",
        s.dims[0],
        s.dims[1],
        s.dims[2],
        s.spacing * 1e3,
        s.fluid_cells,
        if case.stent.is_empty() { "" } else { " (stents deployed)" },
        setup.ts.dt
    );
    for t in tables {
        println!("waveform {} read", t.display());
    }
    println!("output {} (free to write); stopping before the GPU (--dry-run)", output.display());
    Ok(ExitCode::SUCCESS)
}
