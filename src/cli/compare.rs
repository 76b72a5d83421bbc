//! `hemoflow compare PRE.h5 POST.h5 [--json] [-o DIR]`: two runs of one vessel, before and after
//! virtual stenting, side by side (see [`hemoflow::post::compare`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use hemoflow::gpu::Gpu;
use hemoflow::post::{ComparePictures, Comparison, OutputFile, PostError};

#[derive(Args)]
#[command(after_long_help = "WHAT IS COMPARED (each file's values from its own grid and wall):\n  \
    caps: matched by name, flow rate and mean pressure over each file's last cycle, else its last time step.\n  \
    stents (POST's /stents): the mean pressure over the cross-sections at the centreline's first and last points \
    (fluid cells within h/2 of the plane normal to the centreline, within 1.5 stent radii of the point), their \
    drop and ratio Pd/Pa, from the last cycle's mean pressure, else the last snapshot's.\n  \
    wall: area-weighted |WSS| (last snapshot) and, when both files have cycles, TAWSS (last cycle) over the \
    stented wall (triangles within 1.5 stent radii of a centreline, between its ends) and the rest.\n  \
    regions (POST's /regions, else PRE's): the flow into each, sum of max(0, u.n) dA over its neck's disc (or its \
    sphere without a neck), sampled every h/2 with trilinear velocity; averaged over the last cycle's snapshots \
    (trapezoid), else the last snapshot. The net flux is a check (~0 for a closed sac).\n\n\
    JSON KEYS (SI units: m, m^2, m^3/s, Pa, s; null where a file lacks the part):\n  \
    change objects {pre, post, change (post - pre), percent (100 (post / pre - 1), %: + when POST is larger in \
    magnitude, so an inlet's -1 -> -2 mL/s is +100)}\n  \
    pre, post {file, dims [nx,ny,nz], spacing (m), origin (m), fluid_cells, snapshots, cycles, caps_over, \
    pressure_from, velocity_from, wss_from, tawss_from (where each value comes from, in words)}\n  \
    notes [strings]\n  \
    caps [{name, type, flow_rate (m^3/s, + out of the fluid), mean_pressure (Pa)}]\n  \
    pressure_ratio {proximal, distal, ratio (-), drop (Pa)}: the case's [report] pair\n  \
    stents [{index, kind, diameter, porosity, wire_diameter, length (m), start, end, middle (m), \
    proximal_pressure, distal_pressure, drop (Pa), drop_mmhg (mmHg), ratio (Pd/Pa), cells_pre, cells_post \
    (fluid cells in the proximal and distal sections)}]\n  \
    wall [{part (stented, rest; all without stents), triangles [pre, post], area (m^2), wss, tawss {pre, post \
    (stats, Pa), mean (change)}}]; stats {min, max, mean, p5, p50, p95, p99, non_finite} as in hemoflow info\n  \
    regions [{name, center (m), radius (m), neck (m), from (pre or post), inflow (m^3/s), pre, post {inflow, net \
    (m^3/s), net_percent (% of the inflow), points, snapshots}}]\n\n\
    EXIT CODES: 0; 2 for a missing file, a file that is not a hemoflow run's output, or two files that cannot be \
    compared (grid spacings that differ, fluid that does not overlap, no cap name in common).")]
pub struct CompareArgs {
    /// Output of `hemoflow run` before the intervention (HDF5).
    pre: PathBuf,
    /// Output of `hemoflow run` after it (HDF5); its /stents and /regions say what to measure.
    post: PathBuf,
    /// Print everything as JSON in SI units (keys below, in --help).
    #[arg(long)]
    json: bool,
    /// Folder for the side-by-side pictures (PNG: the wall's TAWSS or |WSS|, a speed slice through
    /// the first stent or region, and for the first region a slice through it coloured over its
    /// own speeds), compare.json and index.html (both runs in the interactive 3D view, the pictures
    /// and the numbers; open it in any browser) (created if needed; files of the same names are
    /// replaced).
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Size of each half of a picture, pixels.
    #[arg(long, value_name = "WxH", value_parser = super::render::parse_size, default_value = "800x600")]
    size: [u32; 2],
    /// Use the adapter whose name contains NAME (case-insensitive).
    #[arg(long, value_name = "NAME")]
    adapter: Option<String>,
}

/// Compares the files and prints the result; with `-o`, reads what the pictures need before it
/// opens the GPU. Errors in the files are `PostError`s: exit code 2.
pub fn run(args: &CompareArgs) -> Result<()> {
    let pre = OutputFile::open(&args.pre)?;
    let post = OutputFile::open(&args.post)?;
    let comparison = Comparison::read(&pre, &post)?;
    let pictures = match &args.output {
        Some(_) => Some(ComparePictures::plan(&pre, &post, &comparison, args.size)?),
        None => None,
    };
    let mut text = if args.json { serde_json::to_string_pretty(&comparison)? + "\n" } else { comparison.text() };
    if let (Some(dir), Some(pictures)) = (&args.output, pictures) {
        let gpu = Gpu::new(args.adapter.as_deref()).map_err(PostError::from)?;
        let written = pictures.write(&gpu, dir, &comparison)?;
        // With --json, stdout holds the JSON alone.
        let mut lines = String::new();
        for path in &written {
            lines += &format!("wrote {}\n", path.display());
        }
        for l in &pictures.left_out {
            lines += &format!("not drawn: {l}\n");
        }
        if args.json {
            eprint!("{lines}");
        } else {
            text += &format!("\n{lines}");
        }
    }
    match std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
