//! The `hemoflow` command line. Errors in what the user gave (files, options) exit with code 2
//! and one line naming the file, line or option at fault.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use hemoflow::gpu;
use hemoflow::mesh::{self, Units};

mod generate_cli;

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
}

#[derive(Subcommand)]
enum MeshCommand {
    /// Load a surface (.obj, .stl, .vtp), close open ends with planar caps, and report whether it
    /// can be simulated. Exit 0 when it can, 2 (with the reasons) when it cannot.
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
            eprintln!("error: {e:#}");
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
        c.is::<mesh::MeshError>() || c.is::<mesh::generate::GenerateError>() || c.is::<generate_cli::ArgError>()
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Gpus { json, adapter } => gpus(json, adapter.as_deref()),
        Command::Mesh(MeshCommand::Check { file, units, json }) => mesh_check(&file, units, json),
        Command::Mesh(MeshCommand::Generate(args)) => generate_cli::run(&args).map(|_| ExitCode::SUCCESS),
    }
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

fn mesh_check(file: &std::path::Path, units: Units, json: bool) -> Result<ExitCode> {
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
