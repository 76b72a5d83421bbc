//! The `hemoflow` command line. Errors in what the user gave (files, options) exit with code 2
//! and one line naming the file, line or option at fault.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use hemoflow::case::Case;
use hemoflow::gpu;
use hemoflow::mesh::{self, Units};

mod centerline_cli;
mod compare_cli;
mod generate_cli;
mod info_cli;
mod render_cli;
mod report_cli;

/// GPU blood-flow simulation in patient-specific vessels. SI units inside; every length printed
/// is in metres unless its label says mm.
#[derive(Parser)]
#[command(name = "hemoflow", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the GPU adapters wgpu finds and say which one `run` would use.
    Gpus {
        /// Print JSON: {"adapters": [...], "chosen": index, "reason": "..."}; sizes in bytes.
        #[arg(long)]
        json: bool,
        /// Prefer the adapter whose name contains NAME (case-insensitive).
        #[arg(long, value_name = "NAME")]
        adapter: Option<String>,
    },
    /// Surface meshes: check an imported vessel, or generate a synthetic one.
    #[command(subcommand)]
    Mesh(MeshCommand),
    /// Build the finite-volume grid inside a surface (HDF5 + XDMF with -o).
    ///
    /// Fluid cells, sub-cell wall geometry, cap cells, sparse bricks. Prints what it built (SI:
    /// m, m^2, m^3, s, bytes).
    Voxelize {
        /// Surface mesh (.obj, .stl, .vtp), loaded and capped as by `mesh check`.
        file: PathBuf,
        /// Cell edge, in --units.
        #[arg(long, allow_hyphen_values = true)]
        spacing: f64,
        /// Length unit of the file's coordinates and of --spacing.
        #[arg(long, value_enum, default_value_t = Units::Mm)]
        units: Units,
        /// Write the grid to this HDF5 file (/grid: cell_kind, volume_fraction, caps) and an XDMF
        /// sidecar beside it (same name, .xdmf) for ParaView.
        #[arg(short, long, value_name = "GRID.h5")]
        output: Option<PathBuf>,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Trace centrelines from one cap to every other, with the lumen radius along them (m).
    ///
    /// Prints each line's length and radius range and its narrowest point (a stenosis shows
    /// there); --json and -o give the points (m).
    Centerline(centerline_cli::CenterlineArgs),
    /// Benchmark the GPU on the engine's kernels (MLUPS, GB/s against a copy kernel).
    ///
    /// Copy bandwidth, then each solver kernel on a box and a vessel grid, then full solver steps
    /// on both.
    ///
    /// Reports the adapter (name, backend, type, driver); the reference bandwidth of a plain copy
    /// kernel (GB/s = 1e9 bytes/s); per kernel and grid the time per dispatch (ms, median and
    /// min..max over timed batches after a warm-up), MLUPS (million fluid cells updated per
    /// second), GB/s from a counted bytes-per-cell model and its percentage of the copy's; the
    /// grid buffers' bytes per fluid cell; and per grid a full step from rest (wall-clock ms per
    /// step, MLUPS, pressure iterations per step, every GPU byte the solver allocated per fluid
    /// cell). Kernel times come from GPU timestamps where the adapter has them, else from the
    /// wall clock; the output says which.
    Bench {
        /// Grid scale N: the box grid has N^3 fluid cells, the vessel about N^3 / 10. Bounded by
        /// the adapter's largest storage binding (the error names the sizes).
        #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(16..=1024))]
        size: u32,
        /// Use the adapter whose name contains NAME (case-insensitive).
        #[arg(long, value_name = "NAME")]
        adapter: Option<String>,
        /// Print JSON: adapter, copy_gbs (GB/s), kernels [{name, grid, cells, fluid_cells, ms,
        /// mlups, gbs, percent_of_copy, bytes_per_cell (bytes)}], steps [{grid, fluid_cells, dt
        /// (s), ms, mlups, pressure_iterations, bytes_per_fluid_cell (bytes), counters {dispatches and
        /// round_trips per step, stages {stage: dispatches per step}, stage_ms {stage: GPU ms per
        /// step, with timestamps}}}],
        /// bytes_per_fluid_cell (bytes, every solver buffer on the vessel), timing_method.
        #[arg(long)]
        json: bool,
    },
    /// Run a simulation from a case file, or the bundled demo.
    ///
    /// The case file is TOML (keys in docs/case.md; SI units). Build the
    /// grid, step the incompressible Navier-Stokes equations on the GPU, write HDF5 snapshots
    /// (pressure Pa, velocity m/s, wall shear stress Pa on the wall's triangles) with XDMF time
    /// series of the volume and of the wall, every step's cap flows and pressures, and per
    /// cardiac cycle ([time] period) TAWSS (Pa), OSI and RRT (1/Pa) accumulated every step with
    /// the cycle-averaged velocity and pressure. The time step (s) adapts to the fastest cell to
    /// keep the Courant number under [time] cfl, and a step that goes bad is undone and retried
    /// smaller; [time] dt fixes it instead. Print a summary (steps, time step range s, retries,
    /// Courant number, seconds, MLUPS, per-cap flow rate m^3/s positive
    /// out of the fluid, mean pressure Pa, mass balance error; per cardiac cycle with
    /// [time] period: mean flow mL/s, mean, lowest and highest pressure mmHg). Without a case
    /// file, the bundled demo (meshes/demo.toml: two cardiac cycles, Womersley inlet, RCR
    /// outlets). [[stent]] tables deploy stents when the grid is built (snapped to the
    /// centreline: lumen expansion, or a flow diverter's porous layer); [[region]] tables name
    /// parts of the fluid (an aneurysm sac) for `hemoflow compare`.
    ///
    /// The bundled demo's case, surface and waveform are inside the binary (it runs from any
    /// folder); its output goes to out/demo.h5 under the current folder. A run locks its output
    /// (and checkpoint) file for as long as it runs: a second run writing the same file exits
    /// with code 2, naming the process that holds it. The output changes only by whole
    /// snapshots: a run killed at any moment leaves a file that h5py and `hemoflow info` open,
    /// holding every snapshot written before.
    Run {
        /// Case file; the bundled demo when absent.
        case: Option<PathBuf>,
        /// Output HDF5 file (replaces the case's output.file; relative to this directory). It is
        /// locked while the run writes it (OUT.h5.lock, holding the process id), replaced when the
        /// run has built its grid (until then the file there is left as it is), and changed only
        /// by whole snapshots.
        #[arg(short, long, value_name = "OUT.h5")]
        output: Option<PathBuf>,
        /// Use the adapter whose name contains NAME (case-insensitive).
        #[arg(long, value_name = "NAME")]
        adapter: Option<String>,
        /// Go on from this checkpoint of the same case (written by [output] checkpoint). The
        /// snapshots go to -o, else to the case's output file with .restart before .h5 (the
        /// first run's file is kept).
        #[arg(long, value_name = "CHECKPOINT.h5")]
        restart: Option<PathBuf>,
        /// Print the summary as JSON: steps, seconds, mlups, mass_balance_error and
        /// mass_balance_error_max (relative), divergence_max (relative, after projection), caps
        /// [{name, flow_rate (m^3/s), mean_pressure (Pa)}], cycles [{cycle, caps [{name,
        /// mean_flow_rate (m^3/s), mean_pressure, min_pressure, max_pressure (Pa)}],
        /// pressure_change (Pa)}], wall_triangles, wall_gpu_bytes (bytes), stents [{kind, from, to (m, the snapped
        /// ends), length (m), diameter (m), layer_cells}], counters {steps, dispatches and round_trips (per step:
        /// GPU compute dispatches, host waits for the GPU), stages {stage: dispatches per step}}, and more.
        #[arg(long)]
        json: bool,
        /// Check the case and stop before the GPU: read it, load and check the surface, build the
        /// grid, find the caps it names, read its waveform tables, lock the output file (and
        /// let it go); print what the run would do. Exit 0 when the run can start, 2 otherwise.
        #[arg(long)]
        dry_run: bool,
        /// Time each stage on the GPU (timestamps at every compute pass; on an adapter with
        /// TIMESTAMP_QUERY, as lavapipe and most GPUs have) and print the GPU milliseconds per
        /// step of each; `--json` puts them in counters.stage_ms. Costs one more wait per step.
        #[arg(long)]
        profile: bool,
    },
    /// Draw a picture (PNG) of a run's output: a wall field (wss, tawss, osi, rrt, pressure) or a slice
    /// (pressure, speed), with a colour bar in SI units. Off-screen wgpu; works on lavapipe.
    Render(render_cli::RenderArgs),
    /// Print a run's numbers: per-cap flow (mL/s) and pressure (mmHg), pressure drops, wall shear
    /// statistics (area-weighted); --json for everything in SI units.
    Info(info_cli::InfoArgs),
    /// Write an HTML report (index.html, PNG pictures, summary.json) of a run's output to a folder.
    Report(report_cli::ReportArgs),
    /// Compare two runs of one vessel, before (PRE) and after (POST) virtual stenting.
    ///
    /// Per cap flow (mL/s) and mean pressure (mmHg) with the change (%); per stent of POST the
    /// pressure drop along it (mmHg and Pa) and Pd/Pa; area-weighted |WSS| and TAWSS (Pa) on the
    /// stented wall and the rest; the inflow (mL/s) into each region (an aneurysm sac). --json for
    /// everything in SI units; -o DIR for side-by-side pictures (pre left, post right, one colour
    /// range) and compare.json.
    Compare(compare_cli::CompareArgs),
}

#[derive(Subcommand)]
enum MeshCommand {
    /// Load a surface (.obj, .stl, .vtp), make its triangles' winding consistent, close open ends
    /// with planar caps, orient the normals out of the fluid, and report whether it can be
    /// simulated. Exit 0 when it can, 2 (with the reasons) when it cannot. Non-manifold and
    /// non-orientable surfaces are refused (exit 2) with the position of the edge at fault.
    ///
    /// Output in SI: lengths m, areas m^2, volume m^3 (the text form adds mm, mm^2 and mL).
    Check {
        /// Surface mesh: OBJ (groups become faces), STL (ASCII or binary) or VTK XML PolyData
        /// (ModelFaceID faces, named from a SimVascular .mdl beside it).
        file: PathBuf,
        /// Length unit of the file's coordinates.
        #[arg(long, value_enum, default_value_t = Units::Mm)]
        units: Units,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a watertight synthetic vessel as OBJ with groups wall, inlet, outlet (outlet_N).
    Generate(generate_cli::GenerateArgs),
}

fn main() -> ExitCode {
    // Mesa's window-system code prints "XDG_RUNTIME_DIR is invalid" when it is unset (headless
    // machines, CI). hemoflow draws no windows; give it a directory so users see no false alarm.
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            // The chain, each cause once (our error types already quote their source).
            let mut message = String::new();
            for cause in e.chain().map(|c| c.to_string()) {
                if !message.contains(&cause) {
                    message += &if message.is_empty() { cause } else { format!(": {cause}") };
                }
            }
            eprintln!("error: {message}");
            if is_user_error(&e) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Errors in the user's input exit with 2.
fn is_user_error(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.is::<mesh::MeshError>()
            || c.is::<mesh::generate::GenerateError>()
            || c.is::<generate_cli::ArgError>()
            || c.is::<centerline_cli::CenterlineArgError>()
            || c.is::<hemoflow::centerline::CenterlineError>()
            || c.is::<hemoflow::grid::GridError>()
            || c.is::<hemoflow::io::IoError>()
            || c.is::<hemoflow::case::CaseError>()
            || render_cli::is_user_error(c)
            || matches!(
                c.downcast_ref::<hemoflow::run::RunError>(),
                Some(
                    hemoflow::run::RunError::Case(_)
                        | hemoflow::run::RunError::Mesh(_)
                        | hemoflow::run::RunError::Waveform(_)
                        | hemoflow::run::RunError::Restart { .. }
                        | hemoflow::run::RunError::NotSimulatable { .. }
                        | hemoflow::run::RunError::Grid(_)
                        | hemoflow::run::RunError::Stent(_)
                        | hemoflow::run::RunError::Lock(_)
                )
            )
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Gpus { json, adapter } => gpus(json, adapter.as_deref()),
        Command::Mesh(MeshCommand::Check { file, units, json }) => mesh_check(&file, units, json),
        Command::Mesh(MeshCommand::Generate(args)) => generate_cli::run(&args).map(|_| ExitCode::SUCCESS),
        Command::Voxelize { file, spacing, units, output, json } => {
            voxelize(&file, spacing, units, output.as_deref(), json)
        }
        Command::Bench { size, adapter, json } => bench(size, adapter, json),
        Command::Centerline(args) => centerline_cli::run(&args).map(|_| ExitCode::SUCCESS),
        Command::Render(args) => render_cli::run(&args).map(|_| ExitCode::SUCCESS),
        Command::Info(args) => info_cli::run(&args).map(|_| ExitCode::SUCCESS),
        Command::Report(args) => report_cli::run(&args).map(|_| ExitCode::SUCCESS),
        Command::Compare(args) => compare_cli::run(&args).map(|_| ExitCode::SUCCESS),
        Command::Run { case, output, adapter, restart, json, dry_run, profile } => {
            run_case(case.as_deref(), output, adapter.as_deref(), restart.as_deref(), json, dry_run, profile)
        }
    }
}

/// Pa per mmHg.
const MMHG: f64 = 133.322;

/// The bundled demo (`hemoflow run` without a case): its case file and the files it names, so
/// that any copy of the binary runs it, from any folder.
const DEMO_FILES: [(&str, &[u8]); 4] = [
    ("demo.toml", include_bytes!("../meshes/demo.toml")),
    ("demo_aorta_iliac.vtp", include_bytes!("../meshes/demo_aorta_iliac.vtp")),
    ("demo_aorta_iliac.mdl", include_bytes!("../meshes/demo_aorta_iliac.mdl")),
    ("demo_inflow.flow", include_bytes!("../meshes/demo_inflow.flow")),
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

fn run_case(
    case_path: Option<&Path>,
    output: Option<PathBuf>,
    adapter: Option<&str>,
    restart: Option<&Path>,
    json: bool,
    dry_run: bool,
    profile: bool,
) -> Result<ExitCode> {
    let (mut case, _demo) = match case_path {
        Some(path) => (Case::read(path)?, None),
        None => demo_case().map(|(case, dir)| (case, Some(dir)))?,
    };
    if let Some(out) = output {
        case.output.file = std::env::current_dir()?.join(out);
    } else if restart.is_some() {
        case.output.file = case.output.file.with_extension("restart.h5");
    }
    if dry_run {
        return check_case(&case, case_path.is_none(), json);
    }
    let bar = if json { indicatif::ProgressBar::hidden() } else { indicatif::ProgressBar::new(0) };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} step {pos}/{len}  {msg}  [{elapsed_precise} < {eta_precise}]",
        )
        .expect("valid template"),
    );
    let summary = hemoflow::run::run(&case, adapter, restart, profile, &mut |p| {
        bar.set_length(p.steps);
        bar.set_position(p.step);
        let cycle = p.cycle.map_or(String::new(), |c| format!("cycle {c}  "));
        bar.set_message(format!(
            "{cycle}t {:.4} s  dt {:.2e} s  pressure iterations {}  {:.1} MLUPS",
            p.time, p.dt, p.pressure_iterations, p.mlups
        ));
    });
    bar.finish_and_clear();
    let summary = summary?;
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} steps to t = {:.4} s ({} time step {:.3e} s, from {:.3e} to {:.3e} s; {} step(s) retried smaller) in {:.1} \
         s on {} ({:.2} MLUPS, {} fluid cells, {:.0} GPU bytes per fluid cell)",
        summary.steps,
        summary.simulated_time,
        if summary.adaptive { "adaptive: mean" } else { "fixed:" },
        summary.dt,
        summary.dt_min,
        summary.dt_max,
        summary.retries,
        summary.seconds,
        summary.adapter,
        summary.mlups,
        summary.fluid_cells,
        summary.bytes_per_fluid_cell
    );
    println!(
        "per step: {:.1} GPU dispatches, {:.1} host round trips (waits for the GPU, snapshots included)",
        summary.counters.dispatches, summary.counters.round_trips
    );
    if let Some(text) = summary.counters.stage_ms_text() {
        println!("{text}");
    } else if let Some(why) = &summary.profile_unavailable {
        println!("no per-stage times: {why}");
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
    println!(
        "wrote {} snapshot(s) and {} cycle(s) to {}, with {} (the volume) and {} (the wall) for ParaView",
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
    use hemoflow::run::RunError;
    let mesh_path = case.resolve(&case.geometry.mesh);
    let (surface, load) = mesh::load(&mesh_path, case.geometry.units).map_err(RunError::from)?;
    let report = mesh::check(&surface, &load);
    if !report.simulatable {
        let reasons = report.problems.join("; ");
        return Err(RunError::NotSimulatable { mesh: mesh_path.display().to_string(), reasons }.into());
    }
    let h = *case.geometry.spacing.get_ref() * case.geometry.units.to_metres();
    let grid = hemoflow::grid::voxelize(&surface, h).map_err(RunError::from)?;
    let caps: Vec<String> = grid.caps.iter().map(|c| c.name.clone()).collect();
    let find = |surface: &toml::Spanned<String>, key: String| -> Result<()> {
        if caps.contains(surface.get_ref()) {
            Ok(())
        } else {
            Err(RunError::from(case.unknown_surface(surface, &key, &caps)).into())
        }
    };
    let mut tables = Vec::new();
    for (k, inlet) in case.inlet.iter().enumerate() {
        find(&inlet.surface, format!("inlet[{k}].surface"))?;
        tables.extend(inlet.waveform.as_ref().map(|w| case.resolve(w.get_ref())));
    }
    for (k, outlet) in case.outlet.iter().enumerate() {
        find(&outlet.surface, format!("outlet[{k}].surface"))?;
        tables.extend(outlet.waveform.as_ref().map(|w| case.resolve(w.get_ref())));
    }
    for table in &tables {
        hemoflow::physio::waveform::Table::read(table, 1.0).map_err(RunError::from)?;
    }
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
            "triangles": surface.triangles.len(),
            "caps": caps,
            "dims": s.dims,
            "spacing": s.spacing,
            "fluid_cells": s.fluid_cells,
            "waveforms": tables.iter().map(|t| t.display().to_string()).collect::<Vec<_>>(),
            "output": output.display().to_string(),
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    let name = if demo { "the bundled demo".to_string() } else { "the case".to_string() };
    println!("{name}: mesh {} ({} triangles; caps {})", mesh_path.display(), surface.triangles.len(), caps.join(", "));
    println!(
        "grid {} x {} x {} at {:.4} mm: {} fluid cells{}",
        s.dims[0],
        s.dims[1],
        s.dims[2],
        s.spacing * 1e3,
        s.fluid_cells,
        if case.stent.is_empty() { "" } else { " (before the stents are deployed)" }
    );
    for t in &tables {
        println!("waveform {} read", t.display());
    }
    println!("output {} (free to write); stopping before the GPU (--dry-run)", output.display());
    Ok(ExitCode::SUCCESS)
}

fn voxelize(file: &Path, spacing: f64, units: Units, output: Option<&Path>, json: bool) -> Result<ExitCode> {
    let (m, load) = mesh::load(file, units)?;
    let check = mesh::check(&m, &load);
    if !check.simulatable {
        eprintln!("error: {}: cannot be voxelized: {}", file.display(), check.problems.join("; "));
        return Ok(ExitCode::from(2));
    }
    let grid = hemoflow::grid::voxelize(&m, spacing * units.to_metres())?;
    let written = match output {
        Some(path) => {
            let case = format!("hemoflow voxelize {} --spacing {spacing} --units {}", file.display(), units.symbol());
            Some((path.to_path_buf(), grid.write_h5(path, &case)?))
        }
        None => None,
    };
    let s = &grid.stats;
    let caps: Vec<_> = grid
        .caps
        .iter()
        .map(|c| serde_json::json!({"name": c.name, "cells": c.cells.len(), "open_area": c.open_area, "area": c.area}))
        .collect();
    if json {
        let mut v = serde_json::to_value(s)?;
        v["caps"] = caps.into();
        v["peak_rss_bytes"] = peak_rss_bytes().into();
        if let Some((h5, xdmf)) = &written {
            v["output"] = h5.display().to_string().into();
            v["xdmf"] = xdmf.display().to_string().into();
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} (units {}) at spacing {:.4} mm", file.display(), units.symbol(), s.spacing * 1e3);
    println!(
        "grid {} x {} x {} = {} cells; fluid {} ({:.1}%); {} bricks of 4^3 ({} cells, {:.2}x the fluid cells)",
        s.dims[0],
        s.dims[1],
        s.dims[2],
        s.cells,
        s.fluid_cells,
        100.0 * s.fluid_fraction,
        s.bricks,
        s.allocated_cells,
        s.allocated_cells as f64 / s.fluid_cells as f64
    );
    println!(
        "fluid volume {:.5e} m^3 vs enclosed {:.5e} m^3 ({:+.3}%); {} cut cells; {} connected region(s)",
        s.fluid_volume,
        s.mesh_volume,
        100.0 * (s.fluid_volume - s.mesh_volume) / s.mesh_volume,
        s.cut_cells,
        s.components
    );
    for c in &grid.caps {
        println!(
            "cap {:<20} {:>6} cells, open area {:.4e} m^2 of {:.4e} m^2",
            c.name,
            c.cells.len(),
            c.open_area,
            c.area
        );
    }
    println!("{:.3} s, {} MB", s.seconds, s.memory_bytes >> 20);
    if let Some((h5, xdmf)) = written {
        println!("wrote {} and {}", h5.display(), xdmf.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The process's peak resident memory, bytes (Linux; None elsewhere).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn bench(size: u32, adapter: Option<String>, json: bool) -> Result<ExitCode> {
    let opts = gpu::bench::BenchOptions { size, adapter, ..Default::default() };
    let report = gpu::bench::run(&opts).context("hemoflow bench")?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", gpu::bench::text(&report));
    }
    Ok(ExitCode::SUCCESS)
}

fn gpus(json: bool, wanted: Option<&str>) -> Result<ExitCode> {
    let adapters = gpu::list_adapters();
    let chosen = gpu::choose(&adapters, wanted);
    if json {
        let (index, reason) = match &chosen {
            Ok((i, r)) => (Some(*i), r.clone()),
            Err(e) => (None, e.to_string()),
        };
        let value = serde_json::json!({ "adapters": adapters, "chosen": index, "reason": reason });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        let c = chosen.as_ref().ok().map(|(i, r)| (*i, r.as_str()));
        print!("{}", gpu::gpus_text(&adapters, c));
    }
    chosen.map(|_| ExitCode::SUCCESS).context("choosing an adapter")
}

fn mesh_check(file: &Path, units: Units, json: bool) -> Result<ExitCode> {
    let (m, load) = mesh::load(file, units)?;
    let report = mesh::check(&m, &load);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{} (units {}, converted to m)", file.display(), units.symbol());
        print!("{}", report.text());
    }
    if report.simulatable {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: {}: cannot be simulated: {}", file.display(), report.problems.join("; "));
        Ok(ExitCode::from(2))
    }
}
