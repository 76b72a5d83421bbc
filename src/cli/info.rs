//! `hemoflow info OUT.h5 [--json] [--probe X,Y,Z]`: the numbers of a run's output file (per-cap
//! flow and pressure, pressure drops, wall shear statistics), from
//! [`hemoflow::post::OutputSummary`]; or the wall's values at a point
//! ([`hemoflow::post::probe::WallProbe`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use hemoflow::post::probe::WallProbe;
use hemoflow::post::{OutputFile, OutputSummary};

#[derive(Args)]
#[command(
    after_long_help = "JSON KEYS (SI units: m, m^2, m^3/s, Pa, 1/Pa, s; null where the file lacks the part):\n  \
    file, software, version, units (root attributes)\n  \
    grid {dims [nx,ny,nz], spacing (m), origin [m,m,m], fluid_cells}\n  \
    snapshots {count, last (number), last_time (s)}\n  \
    cycles {count, last (number, 1 = first), start, end (s)}\n  \
    caps_over {kind: \"cycle\" (means over the last finished cycle) or \"time_step\" (last /summary row), cycle, \
    start, end (s)}\n  \
    cap_types_inferred (true: types guessed from the flow sign, the file has no /summary/cap_types)\n  \
    total_inflow, total_outflow (m^3/s, positive)\n  \
    caps [{name, type (inlet, outlet, wall), flow_rate (m^3/s, + out of the fluid), split_percent (% of the total \
    outflow for outlets, of the total inflow for inlets), mean_pressure, min_pressure, max_pressure (Pa; min/max \
    over the cycle)}]\n  \
    pressure_drops [{from (inlet), to (outlet), drop (Pa, mean pressure from minus to)}]\n  \
    pressure_ratio {proximal, distal, ratio (distal/proximal mean pressure), drop (Pa)}; pressure_ratio_note (why \
    there is none: set [report] proximal = \"CAP\", distal = \"CAP\" in the case file)\n  \
    wall {triangles, area (m^2), wss {snapshot, time (s), stats}, cycle {cycle, start, end (s), tawss (Pa), osi \
    (-), rrt (1/Pa), low_tawss, high_osi}}\n  \
    stats {min, max, mean, p5, p50, p95, p99, non_finite}: area-weighted (mean = sum(a v)/sum(a); percentile p = \
    the smallest value with at least p % of the wall area at or below it); non_finite triangles are left out\n  \
    low_tawss, high_osi {threshold (0.4 Pa; 0.2), area (m^2), percent (of the wall area)}: TAWSS < 0.4 Pa, OSI > \
    0.2 (conventional thresholds, e.g. Malek et al. 1999)"
)]
pub struct InfoArgs {
    /// Output file of `hemoflow run` (HDF5).
    file: PathBuf,
    /// Print everything as JSON in SI units (keys below, in --help).
    #[arg(long)]
    json: bool,
    /// Print instead the wall's values at a point X,Y,Z (m, the run's coordinates): the nearest
    /// wall triangle (index, centroid, distance) and |WSS| and wall pressure (Pa) of the last
    /// snapshot, TAWSS (Pa), OSI and RRT (1/Pa) of the last cycle there. With --json: {point,
    /// triangle, centroid, distance (m), values [{field, unit, from, value}]}.
    #[arg(long, value_name = "X,Y,Z", value_parser = parse_point)]
    probe: Option<[f64; 3]>,
}

/// "X,Y,Z" in metres.
fn parse_point(s: &str) -> std::result::Result<[f64; 3], String> {
    let bad = || format!("\"{s}\" is not a point: expected X,Y,Z in metres, e.g. 0.01,-0.002,0.035");
    let v: Vec<f64> =
        s.split(',').map(|c| c.trim().parse::<f64>()).collect::<std::result::Result<_, _>>().map_err(|_| bad())?;
    match v.as_slice() {
        [x, y, z] if v.iter().all(|c| c.is_finite()) => Ok([*x, *y, *z]),
        _ => Err(bad()),
    }
}

/// Prints the summary of the file. Errors in the file (missing, not a run's output, a dataset of
/// the wrong shape) are `PostError`s: exit code 2, through `cli::render::is_user_error`.
pub fn run(args: &InfoArgs) -> Result<()> {
    let file = OutputFile::open(&args.file)?;
    let text = if let Some(point) = args.probe {
        let probe = WallProbe::at(&file, point)?;
        if args.json {
            serde_json::to_string_pretty(&probe)? + "\n"
        } else {
            probe.text()
        }
    } else {
        let summary = OutputSummary::read(&file)?;
        if args.json {
            serde_json::to_string_pretty(&summary)? + "\n"
        } else {
            summary.text()
        }
    };
    // Written, not printed: `hemoflow info F | head` closes the pipe early, which is no error.
    match std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
