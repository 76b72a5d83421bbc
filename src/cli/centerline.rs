//! `hemoflow centerline MESH [--units U] [--spacing H] [--source CAP] [--json] [-o FILE]`:
//! centrelines from one cap to every other, with the lumen radius along them.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use hemoflow::centerline::{centerlines, Centerlines};
use hemoflow::mesh::WallSurface;
use hemoflow::mesh::{self, Units};

#[derive(Args)]
#[command(
    after_long_help = "METHOD: the grid's distance to the wall (exact, to the wall triangles), a shortest path from the \
    source cap to each other cap weighted towards the medial axis (step length / distance^2), smoothed, each point \
    moved in its normal plane to the centre of the largest inscribed sphere. radius = that sphere's radius (m).\n\n\
    JSON KEYS (SI units, m): source, spacing, lines [{from, to, points [[x,y,z]...], radius [...], abscissa \
    [...] (arc length from the source cap)}], and mesh, units, seconds.\n\n\
    HDF5 (-o FILE.h5; FILE.xdmf beside it for ParaView): /centerlines attrs source, spacing (m); /centerlines/NNNNNN \
    (one per line) attrs from, to; datasets points (f64, N x 3, m), radius (f64, N, m), abscissa (f64, N, m)."
)]
pub struct CenterlineArgs {
    /// Surface mesh (.obj, .stl, .vtp), loaded and capped as by `mesh check`.
    file: PathBuf,
    /// Length unit of the file's coordinates and of --spacing.
    #[arg(long, value_enum, default_value_t = Units::Mm)]
    units: Units,
    /// Grid cell edge to trace on, in --units (default: the smallest cap's equivalent radius / 8).
    #[arg(long)]
    spacing: Option<f64>,
    /// Cap the lines start from (default: the largest cap).
    #[arg(long, value_name = "CAP")]
    source: Option<String>,
    /// Print the lines as JSON (SI: m).
    #[arg(long)]
    json: bool,
    /// Write the lines to this file: .json (the JSON), else HDF5 with an XDMF sidecar.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Why the command cannot go on with what the user gave.
#[derive(Debug, thiserror::Error)]
pub enum CenterlineArgError {
    /// The mesh cannot be used.
    #[error("{file}: cannot trace centrelines: {reason}")]
    Mesh {
        /// The mesh file.
        file: String,
        /// Why.
        reason: String,
    },
    /// --spacing is not a positive number.
    #[error("--spacing {0}: must be a positive length")]
    Spacing(f64),
}

pub fn run(args: &CenterlineArgs) -> Result<()> {
    let t0 = std::time::Instant::now();
    let (m, load) = mesh::load(&args.file, args.units)?;
    let check = mesh::check(&m, &load);
    let file = args.file.display().to_string();
    if !check.simulatable {
        return Err(CenterlineArgError::Mesh { file, reason: check.problems.join("; ") }.into());
    }
    let h = match args.spacing {
        Some(s) if s.is_finite() && s > 0.0 => s * args.units.to_metres(),
        Some(s) => return Err(CenterlineArgError::Spacing(s).into()),
        None => check
            .groups
            .iter()
            .filter(|g| g.kind == mesh::GroupKind::Cap)
            .map(|g| g.diameter / 16.0)
            .min_by(f64::total_cmp)
            .ok_or_else(|| CenterlineArgError::Mesh { file: file.clone(), reason: "no caps".into() })?,
    };
    let grid = hemoflow::grid::voxelize(&m, h)?;
    let wall = WallSurface::from_mesh(&m);
    let lines = centerlines(&grid, &wall, args.source.as_deref())?;
    let seconds = t0.elapsed().as_secs_f64();
    let mut value = serde_json::to_value(&lines)?;
    value["mesh"] = file.clone().into();
    value["units"] = args.units.symbol().into();
    value["seconds"] = seconds.into();
    if let Some(out) = &args.output {
        if out.extension().is_some_and(|e| e == "json") {
            std::fs::write(out, serde_json::to_string_pretty(&value)?)
                .with_context(|| format!("{}: cannot write", out.display()))?;
        } else {
            let text = format!("hemoflow centerline {file} --units {}", args.units.symbol());
            let h5 = hemoflow::io::H5Output::create(out, &text)?;
            h5.write_centerlines(&lines.source, lines.spacing, &hemoflow::run::centerline_records(&lines))?;
            h5.close()?;
            let records = hemoflow::run::centerline_records(&lines);
            hemoflow::io::write_centerline_xdmf(&out.with_extension("xdmf"), out, &records)?;
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print!("{}", text(&lines, seconds));
    }
    Ok(())
}

/// One paragraph per line: length, radius range, and the narrowest point against the median
/// radius (a stenosis shows there).
fn text(c: &Centerlines, seconds: f64) -> String {
    let mm = 1e3;
    let mut s = format!(
        "{} centreline(s) from cap `{}`, traced on a {:.3} mm grid in {seconds:.1} s\n",
        c.lines.len(),
        c.source,
        c.spacing * mm
    );
    for l in &c.lines {
        let mut sorted = l.radius.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        let (i, &min) = l.radius.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)).expect("points");
        let max = sorted[sorted.len() - 1];
        s += &format!(
            "  {} -> {}: {:.2} mm, {} points; radius {:.3} .. {:.3} mm (median {:.3})\n    narrowest {:.3} mm at \
             {:.2} mm from {} ({:.0}% of the median radius)\n",
            l.from,
            l.to,
            l.length() * mm,
            l.points.len(),
            min * mm,
            max * mm,
            median * mm,
            min * mm,
            l.abscissa[i] * mm,
            l.from,
            100.0 * min / median,
        );
    }
    s
}
