//! The `hemoflow` command line. Errors in what the user gave (files, options) exit with code 2
//! and one line naming the file, line or option at fault.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use hemoflow::gpu::ComputeBackend;
use hemoflow::mesh::{self, Units};

mod cli;

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
    /// List the GPU adapters wgpu finds and say which one `run` would use (and the CPU backend,
    /// `--backend cpu`, with its thread count).
    Gpus {
        /// Print JSON: {"adapters": [...], "chosen": index, "reason": "...", "cpu_backend": {name,
        /// threads}}; sizes in bytes.
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
    Centerline(cli::centerline::CenterlineArgs),
    /// Benchmark the GPU (or the CPU backend) on the engine's kernels (MLUPS, GB/s against a copy
    /// kernel).
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
        /// Use the adapter whose name contains NAME (case-insensitive; GPU backend only).
        #[arg(long, value_name = "NAME")]
        adapter: Option<String>,
        /// Bench the GPU (gpu: the preferred adapter or --adapter) or the CPU backend (cpu: the
        /// stages' CPU twins on this machine's cores, RAYON_NUM_THREADS of them).
        #[arg(long, value_enum, default_value_t = ComputeBackend::Gpu, value_name = "BACKEND")]
        backend: ComputeBackend,
        /// Print JSON: adapter, backend ("gpu" or "cpu"), copy_gbs (GB/s), kernels [{name, grid, cells, fluid_cells, ms,
        /// mlups, gbs, percent_of_copy, bytes_per_cell (bytes)}], steps [{grid, fluid_cells, dt
        /// (s), ms, mlups, pressure_iterations, bytes_per_fluid_cell (bytes), memory {fields,
        /// pressure, cell_words, geometry, neighbours, multigrid, other: its parts, bytes per fluid
        /// cell}, counters {dispatches and round_trips per step, stages {stage: dispatches per
        /// step}, stage_ms {stage: GPU ms per step, with timestamps}}}],
        /// bytes_per_fluid_cell (bytes, every solver buffer on the vessel), timing_method.
        #[arg(long)]
        json: bool,
    },
    /// Run a simulation from a case file, or the bundled demo.
    ///
    /// The case file is TOML (keys in docs/case.md; SI units). Build the
    /// grid, step the incompressible Navier-Stokes equations on the GPU (or, with --backend cpu,
    /// on this machine's cores), write HDF5 snapshots
    /// (pressure Pa, velocity m/s, wall shear stress Pa on the wall's triangles) with XDMF time
    /// series of the volume (OUT.xdmf) and of the wall (OUT.wall.xdmf), every step's cap flows
    /// and pressures, and per cardiac cycle ([time] period) TAWSS (Pa), OSI and RRT (1/Pa)
    /// accumulated every step with the cycle-averaged velocity and pressure (the wall's series
    /// over the cycles: OUT.cycles.xdmf). The time step (s) adapts to the fastest cell to
    /// keep the Courant number under [time] cfl, and a step that goes bad is undone and retried
    /// smaller; [time] dt fixes it instead. [time] steady = true runs a constant inflow until
    /// the flow stops changing: every step's residuals (velocity change, mass imbalance, caps'
    /// flow and pressure change, relative) go to the progress line and /summary, and the run
    /// stops once they stay within [time] steady_tolerance (1e-4) for 5 steps. Print a summary
    /// (steps, time step range s, retries, Courant number, seconds, MLUPS, per-cap flow rate
    /// m^3/s positive out of the fluid, mean pressure Pa, mass balance error; per cardiac cycle
    /// with [time] period: mean flow mL/s, mean, lowest and highest pressure mmHg; a steady
    /// run's last residuals and the step it was steady from; the wall's resolution in wall
    /// units, h+ = h sqrt(tau_w / rho) / nu, at the snapshot where its 95th percentile over the
    /// wall's area was highest, with a warning where that is over 3: in steady flow through
    /// straight pipes oblique to the grid the errors of the pressure gradient and the wall shear
    /// stress stayed within 1% up to h+ 2.8 and grew past it, 2-4% at 3.2-4 and 15% at 6.3).
    /// Without a case
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
    ///
    /// On several ranks: `mpirun -np N hemoflow run CASE` (or srun under Slurm) with a build of
    /// the mpi feature (`cargo build --release --features mpi`). Each rank steps its part of the
    /// grid on its node's GPU of its node-local number (ranks share a machine's only GPU, or the
    /// CPU backend's cores); rank 0 prints and writes the same output as one rank would, and a
    /// checkpoint restarts on any number of ranks. A rank that fails ends the job with the
    /// error's exit code, naming the rank.
    Run {
        /// Case file; the bundled demo when absent.
        case: Option<PathBuf>,
        /// Output HDF5 file (replaces the case's output.file; relative to this directory). It is
        /// locked while the run writes it (OUT.h5.lock, holding the process id), replaced when the
        /// run has built its grid (until then the file there is left as it is), and changed only
        /// by whole snapshots.
        #[arg(short, long, value_name = "OUT.h5")]
        output: Option<PathBuf>,
        /// Use the adapter whose name contains NAME (case-insensitive; GPU backend only).
        #[arg(long, value_name = "NAME")]
        adapter: Option<String>,
        /// Where the stages run: gpu (the preferred adapter; lavapipe, software Vulkan, where
        /// there is no GPU) or cpu (the stages' CPU twins in parallel on this machine's cores;
        /// RAYON_NUM_THREADS sets how many). Replaces the case's [solver] backend (default gpu).
        /// Outputs and checkpoints are the same on both.
        #[arg(long, value_enum, value_name = "BACKEND")]
        backend: Option<ComputeBackend>,
        /// Go on from this checkpoint of the same case (written by [output] checkpoint). The
        /// snapshots go to -o, else to the case's output file with .restart before .h5 (the
        /// first run's file is kept).
        #[arg(long, value_name = "CHECKPOINT.h5")]
        restart: Option<PathBuf>,
        /// Print the summary as JSON: steps, seconds, mlups, mass_balance_error and
        /// mass_balance_error_max (relative), divergence_max (relative, after projection), caps
        /// [{name, flow_rate (m^3/s), mean_pressure (Pa)}], cycles [{cycle, caps [{name,
        /// mean_flow_rate (m^3/s), mean_pressure, min_pressure, max_pressure (Pa)}],
        /// pressure_change (Pa)}], wall_triangles, wall_gpu_bytes (bytes), wall_resolution {time
        /// (s), p95 and max (h+), over_limit (the share of the wall's area where h+ is over 3)},
        /// stents [{kind, from, to (m, the snapped ends), length (m), diameter (m),
        /// layer_cells}], counters {steps, dispatches and round_trips (per step:
        /// GPU compute dispatches, host waits for the GPU), stages {stage: dispatches per step}},
        /// steady {converged, tolerance, residuals {velocity, mass, caps} (relative),
        /// steady_from_step} with [time] steady, and more.
        #[arg(long)]
        json: bool,
        /// Check the case and stop before the GPU: read it, load and check the surface, build the
        /// grid, find the caps it names, read its waveform tables, lock the output file (and
        /// let it go); print what the run would do. Exit 0 when the run can start, 2 otherwise.
        #[arg(long)]
        dry_run: bool,
        /// Time each stage and print its milliseconds per step: GPU timestamps at every compute
        /// pass where the adapter has TIMESTAMP_QUERY (lavapipe and most GPUs; one more wait per
        /// step), else the wall clock with each stage submitted alone and waited for (slower, and
        /// it says so); `--json` puts them in counters.stage_ms, the method in counters.timing.
        #[arg(long)]
        profile: bool,
    },
    /// Draw a picture (PNG) of a run's output: a wall field (wss, tawss, osi, rrt, pressure) or a slice
    /// (pressure, speed), with a colour bar in SI units. Off-screen wgpu; works on lavapipe.
    Render(cli::render::RenderArgs),
    /// Print a run's numbers: per-cap flow (mL/s) and pressure (mmHg), pressure drops, wall shear
    /// statistics (area-weighted); --json for everything in SI units; --probe X,Y,Z (m) for the
    /// wall's values at a point.
    Info(cli::info::InfoArgs),
    /// Write an HTML report of a run's output to a folder: index.html (the vessel in an
    /// interactive 3D view, offline in any browser; the numbers explained; pictures), the PNG
    /// pictures and summary.json.
    Report(cli::report::ReportArgs),
    /// Compare two runs of one vessel, before (PRE) and after (POST) virtual stenting.
    ///
    /// Per cap flow (mL/s) and mean pressure (mmHg) with the change (%); per stent of POST the
    /// pressure drop along it (mmHg and Pa) and Pd/Pa; area-weighted |WSS| and TAWSS (Pa) on the
    /// stented wall and the rest; the inflow (mL/s) into each region (an aneurysm sac). --json for
    /// everything in SI units; -o DIR for side-by-side pictures (pre left, post right, one colour
    /// range), compare.json and index.html (both vessels in the interactive 3D view, cameras
    /// linked, the stented wall outlined).
    Compare(cli::compare::CompareArgs),
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
    Generate(cli::generate::GenerateArgs),
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
            let (message, code) = describe(&e);
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

/// An error's message (the chain, each cause once: our error types already quote their source)
/// and exit code (2 for the user's input, else 1).
fn describe(e: &anyhow::Error) -> (String, u8) {
    let mut message = String::new();
    for cause in e.chain().map(|c| c.to_string()) {
        if !message.contains(&cause) {
            message += &if message.is_empty() { cause } else { format!(": {cause}") };
        }
    }
    (message, if is_user_error(e) { 2 } else { 1 })
}

/// Errors in the user's input exit with 2.
fn is_user_error(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.is::<mesh::MeshError>()
            || c.is::<mesh::generate::GenerateError>()
            || c.is::<cli::generate::ArgError>()
            || c.is::<cli::centerline::CenterlineArgError>()
            || c.is::<hemoflow::centerline::CenterlineError>()
            || c.is::<hemoflow::grid::GridError>()
            || c.is::<hemoflow::io::IoError>()
            || c.is::<hemoflow::case::CaseError>()
            || c.is::<hemoflow::comm::CommError>()
            || cli::render::is_user_error(c)
            || matches!(c.downcast_ref::<hemoflow::gpu::GpuError>(), Some(hemoflow::gpu::GpuError::AdapterWithCpu(_)))
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
                        | hemoflow::run::RunError::Solver(hemoflow::solver::gpu_solver::RunError::TooManyRanks { .. })
                )
            )
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Gpus { json, adapter } => cli::gpus::run(json, adapter.as_deref()),
        Command::Mesh(MeshCommand::Check { file, units, json }) => cli::mesh_check::check(&file, units, json),
        Command::Mesh(MeshCommand::Generate(args)) => cli::generate::run(&args).map(|_| ExitCode::SUCCESS),
        Command::Voxelize { file, spacing, units, output, json } => {
            cli::voxelize::run(&file, spacing, units, output.as_deref(), json)
        }
        Command::Bench { size, adapter, backend, json } => cli::bench::run(size, adapter, backend, json),
        Command::Centerline(args) => cli::centerline::run(&args).map(|_| ExitCode::SUCCESS),
        Command::Render(args) => cli::render::run(&args).map(|_| ExitCode::SUCCESS),
        Command::Info(args) => cli::info::run(&args).map(|_| ExitCode::SUCCESS),
        Command::Report(args) => cli::report::run(&args).map(|_| ExitCode::SUCCESS),
        Command::Compare(args) => cli::compare::run(&args).map(|_| ExitCode::SUCCESS),
        Command::Run { case, output, adapter, backend, restart, json, dry_run, profile } => {
            let target = cli::run::Target { adapter: adapter.as_deref(), backend };
            let comm: std::rc::Rc<dyn hemoflow::comm::Comm> = hemoflow::comm::world()?.into();
            let options = cli::run::Options { restart: restart.as_deref(), json, dry_run, profile };
            let result = cli::run::run_case(case.as_deref(), output, target, options, comm.clone());
            match result {
                // A rank that fails takes the whole job down, naming itself: its peers would
                // wait for it forever.
                Err(e) if comm.size() > 1 => {
                    let (message, code) = describe(&e);
                    comm.abort(&format!("error: rank {} of {}: {message}", comm.rank(), comm.size()), code.into())
                }
                result => result,
            }
        }
    }
}
