//! `hemoflow mesh generate KIND ... -o FILE.obj`: synthetic vessels for tests and demos.
//! Lengths on the command line and in the written OBJ are in `--units` (default mm).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use hemoflow::mesh::generate::{self, AneurysmSpec, BifurcationSpec, PipeSpec, StenosisSpec};
use hemoflow::mesh::{self, SurfaceMesh, Units, Vec3};

/// A problem with the command line that clap cannot see (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ArgError(String);

#[derive(Args)]
pub struct GenerateArgs {
    #[command(subcommand)]
    kind: Kind,
}

/// Options every generator takes.
#[derive(Args)]
struct Common {
    /// Output OBJ file (groups wall, inlet, outlet / outlet_N).
    #[arg(short, long, value_name = "FILE.obj")]
    output: PathBuf,
    /// Unit of every length given here and of the coordinates written.
    #[arg(long, value_enum, default_value_t = Units::Mm)]
    units: Units,
    /// Flow direction at the inlet, any non-zero vector X,Y,Z (no unit).
    #[arg(long, value_parser = parse_vec3, default_value = "0,0,1", allow_hyphen_values = true)]
    axis: Vec3,
    /// Centre of the inlet cap X,Y,Z, in --units.
    #[arg(long, value_parser = parse_vec3, default_value = "0,0,0", allow_hyphen_values = true)]
    start: Vec3,
    /// Vessel (parent) radius, in --units [default: 2 mm].
    #[arg(long, allow_hyphen_values = true)]
    radius: Option<f64>,
    /// Vessel (parent) length, in --units [default: 20 mm; stenosis 40 mm].
    #[arg(long, allow_hyphen_values = true)]
    length: Option<f64>,
}

#[derive(Subcommand)]
enum Kind {
    /// Straight circular tube.
    Pipe {
        #[command(flatten)]
        common: Common,
        /// Vertices around the circumference.
        #[arg(long, default_value_t = 128)]
        segments: usize,
    },
    /// Tube with a smooth (cosine) stenosis at mid-length.
    Stenosis {
        #[command(flatten)]
        common: Common,
        /// Area reduction at the throat, percent, in (0, 100).
        #[arg(long, default_value_t = 75.0)]
        area_reduction: f64,
        /// Shift of the lumen to one side, in [0, 1): 0 is axisymmetric.
        #[arg(long, default_value_t = 0.0)]
        eccentricity: f64,
        /// Axial length of the narrowed segment, in --units [default: 8 mm].
        #[arg(long)]
        stenosis_length: Option<f64>,
        /// Vertices around the circumference.
        #[arg(long, default_value_t = 128)]
        segments: usize,
    },
    /// Parent tube splitting symmetrically into two daughters.
    Bifurcation {
        #[command(flatten)]
        common: Common,
        /// Daughter radii R1,R2, in --units [default: Murray's law, radius / 2^(1/3) each].
        #[arg(long, value_parser = parse_pair)]
        daughter_radii: Option<[f64; 2]>,
        /// Daughter lengths L1,L2 from the junction, in --units [default: 20 mm each].
        #[arg(long, value_parser = parse_pair)]
        daughter_lengths: Option<[f64; 2]>,
        /// Total angle between the daughters, degrees, in (0, 180).
        #[arg(long, default_value_t = 60.0)]
        angle: f64,
        /// Width of the smooth junction, in --units [default: 0.5 mm].
        #[arg(long)]
        blend: Option<f64>,
        /// Surface sampling spacing, in --units [default: smallest radius / 8].
        #[arg(long)]
        spacing: Option<f64>,
    },
    /// Straight tube with a sidewall saccular aneurysm at mid-length.
    Aneurysm {
        #[command(flatten)]
        common: Common,
        /// Radius of the spherical sac, in --units [default: 3 mm].
        #[arg(long)]
        sac_radius: Option<f64>,
        /// Half-width of the neck, in --units, below the sac radius [default: 2 mm].
        #[arg(long)]
        neck_radius: Option<f64>,
        /// Width of the smooth neck, in --units [default: 0.5 mm].
        #[arg(long)]
        blend: Option<f64>,
        /// Surface sampling spacing, in --units [default: min(radius, sac radius) / 8].
        #[arg(long)]
        spacing: Option<f64>,
    },
}

fn parse_numbers<const N: usize>(s: &str) -> Result<[f64; N], String> {
    let v: Vec<f64> =
        s.split(',').map(|w| w.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    v.try_into().map_err(|_| format!("expected {N} comma-separated numbers, got `{s}`"))
}

fn parse_vec3(s: &str) -> Result<Vec3, String> {
    parse_numbers::<3>(s).map(Vec3::from)
}

fn parse_pair(s: &str) -> Result<[f64; 2], String> {
    parse_numbers::<2>(s)
}

pub fn run(args: &GenerateArgs) -> Result<()> {
    let (common, mesh) = match &args.kind {
        Kind::Pipe { common, segments } => {
            let (d, s) = (PipeSpec::default(), common.units.to_metres());
            let spec = PipeSpec {
                radius: common.radius.map_or(d.radius, |r| r * s),
                length: common.length.map_or(d.length, |l| l * s),
                axis: common.axis,
                start: common.start * s,
                segments: *segments,
                rings: None,
            };
            (common, generate::pipe(&spec)?)
        }
        Kind::Stenosis { common, area_reduction, eccentricity, stenosis_length, segments } => {
            let (d, s) = (StenosisSpec::default(), common.units.to_metres());
            let spec = StenosisSpec {
                radius: common.radius.map_or(d.radius, |r| r * s),
                length: common.length.map_or(d.length, |l| l * s),
                axis: common.axis,
                start: common.start * s,
                area_reduction: *area_reduction,
                stenosis_length: stenosis_length.map_or(d.stenosis_length, |l| l * s),
                eccentricity: *eccentricity,
                segments: *segments,
                rings: None,
            };
            (common, generate::stenosis(&spec)?)
        }
        Kind::Bifurcation { common, daughter_radii, daughter_lengths, angle, blend, spacing } => {
            let s = common.units.to_metres();
            let radius = common.radius.map_or(BifurcationSpec::default().radius, |r| r * s);
            let d = BifurcationSpec { radius, daughter_radii: [radius * 0.5f64.cbrt(); 2], ..Default::default() };
            let spec = BifurcationSpec {
                length: common.length.map_or(d.length, |l| l * s),
                axis: common.axis,
                start: common.start * s,
                daughter_radii: daughter_radii.map_or(d.daughter_radii, |r| r.map(|x| x * s)),
                daughter_lengths: daughter_lengths.map_or(d.daughter_lengths, |l| l.map(|x| x * s)),
                angle: *angle,
                blend: blend.map_or(d.blend, |b| b * s),
                spacing: spacing.map(|h| h * s),
                ..d
            };
            (common, generate::bifurcation(&spec)?)
        }
        Kind::Aneurysm { common, sac_radius, neck_radius, blend, spacing } => {
            let (d, s) = (AneurysmSpec::default(), common.units.to_metres());
            let spec = AneurysmSpec {
                radius: common.radius.map_or(d.radius, |r| r * s),
                length: common.length.map_or(d.length, |l| l * s),
                axis: common.axis,
                start: common.start * s,
                sac_radius: sac_radius.map_or(d.sac_radius, |r| r * s),
                neck_radius: neck_radius.map_or(d.neck_radius, |r| r * s),
                blend: blend.map_or(d.blend, |b| b * s),
                spacing: spacing.map(|h| h * s),
            };
            (common, generate::aneurysm(&spec)?)
        }
    };
    write(&mesh, common)
}

fn write(mesh: &SurfaceMesh, common: &Common) -> Result<()> {
    let out = &common.output;
    let fail = |e: std::io::Error| ArgError(format!("{}: cannot write: {e}", out.display()));
    let file = std::fs::File::create(out).map_err(fail)?;
    let mut w = std::io::BufWriter::new(file);
    generate::write_obj(mesh, &mut w, 1.0 / common.units.to_metres()).map_err(fail)?;
    std::io::Write::flush(&mut w).map_err(fail)?;
    let report = mesh::check(mesh, &mesh::LoadReport::in_memory(mesh));
    let groups: Vec<String> = report.groups.iter().map(|g| format!("{} ({} triangles)", g.name, g.triangles)).collect();
    println!(
        "{}: {} vertices, {} triangles, volume {:.4e} m^3, watertight {}, units {}; groups: {}",
        out.display(),
        report.vertices,
        report.triangles,
        report.volume,
        if report.watertight { "yes" } else { "no" },
        common.units.symbol(),
        groups.join(", ")
    );
    Ok(())
}
