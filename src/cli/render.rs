//! `hemoflow render OUT.h5 --field F ... -o FILE.png`: a picture of a run's output (wgpu,
//! off-screen; works on lavapipe). SI units: slice positions in m, values in the field's unit.

use std::path::PathBuf;
use std::str::FromStr as _;

use anyhow::Result;
use clap::Args;
use hemoflow::gpu::Gpu;
use hemoflow::post::{self, Field, OutputFile, Pick, PostError, RenderRequest, Slice, View};

#[derive(Args)]
#[command(after_long_help = "VIEWS: z is up. front looks along +y (x to the right), back along -y, right along -x \
    (camera on the +x side), left along +x, top down along -z (x right, y up), bottom up along +z. AZ,EL in degrees: \
    azimuth turns the camera about z from the front (0) to the right (90), back (180) and left (270); elevation \
    raises it towards the top (90). iso = 45,35.26 (front-right-top).\n\nRANGES: by default wss, tawss and rrt \
    run from their low end (0 for wss and tawss) to the 99th percentile of the drawn values (the title says when \
    values are clipped), osi 0..0.5, pressure and speed min..max of what is drawn; --range overrides.")]
pub struct RenderArgs {
    /// Output file of `hemoflow run` (HDF5).
    file: PathBuf,
    /// What to draw: wss (|WSS| on the wall, Pa, snapshot), tawss (Pa), osi (-), rrt (1/Pa) (cycle averages on
    /// the wall), pressure (Pa; on the wall, or on --slice), speed (|velocity|, m/s, on a slice).
    #[arg(long, value_parser = Field::from_str)]
    field: Field,
    /// Plane AXIS=VALUE (VALUE in m, e.g. z=0.012) for pressure or speed: the fluid cells within half a cell of
    /// it, with the wall in faint grey. speed without --slice: the middle of the fluid, normal to the view's
    /// dominant axis.
    #[arg(long, value_name = "AXIS=VALUE", value_parser = parse_slice, allow_hyphen_values = true)]
    slice: Option<Slice>,
    /// Camera: iso, front, back, left, right, top, bottom, or AZ,EL in degrees (see VIEWS in --help).
    #[arg(long, value_parser = parse_view, default_value = "iso", allow_hyphen_values = true)]
    view: View,
    /// Snapshot N (the number of /fields/NNNNNN) or last, for wss, pressure and speed [default: last].
    #[arg(long, value_name = "N|last", value_parser = parse_pick)]
    snapshot: Option<Pick>,
    /// Cycle K (1 = the first) or last, for tawss, osi and rrt [default: last].
    #[arg(long, value_name = "K|last", value_parser = parse_pick)]
    cycle: Option<Pick>,
    /// Picture size in pixels.
    #[arg(long, value_name = "WxH", value_parser = parse_size, default_value = "1200x900")]
    size: [u32; 2],
    /// Values at the colour bar's ends, MIN,MAX in the field's unit.
    #[arg(long, value_name = "MIN,MAX", value_parser = parse_range, allow_hyphen_values = true)]
    range: Option<[f64; 2]>,
    /// Use the adapter whose name contains NAME (case-insensitive).
    #[arg(long, value_name = "NAME")]
    adapter: Option<String>,
    /// The picture (PNG).
    #[arg(short, long, value_name = "FILE.png")]
    output: PathBuf,
}

/// Whether `e` is an error in what the user gave (exit code 2).
pub fn is_user_error(e: &(dyn std::error::Error + 'static)) -> bool {
    e.downcast_ref::<PostError>().is_some_and(PostError::is_user_error)
}

/// Reads the file, checks the request against it, and only then opens the GPU and draws.
pub fn run(args: &RenderArgs) -> Result<()> {
    let file = OutputFile::open(&args.file)?;
    let request = RenderRequest {
        field: args.field,
        slice: args.slice,
        view: args.view,
        snapshot: args.snapshot,
        cycle: args.cycle,
        size: args.size,
        range: args.range,
    };
    let scene = post::build_scene(&file, &request)?;
    let gpu = Gpu::new(args.adapter.as_deref()).map_err(PostError::from)?;
    let image = post::render(&gpu, &scene, request.view, request.size).map_err(PostError::from)?;
    image.write_png(&args.output)?;
    let unit = request.field.unit();
    let range = scene
        .bar
        .as_ref()
        .map_or(String::new(), |b| format!("; colour range {} to {} {unit}", b.range[0] as f32, b.range[1] as f32));
    println!(
        "wrote {} ({}x{} pixels): {}{range}",
        args.output.display(),
        image.width,
        image.height,
        scene.title.join("; ")
    );
    Ok(())
}

fn parse_slice(s: &str) -> Result<Slice, String> {
    s.parse()
}

fn parse_view(s: &str) -> Result<View, String> {
    s.parse()
}

fn parse_pick(s: &str) -> Result<Pick, String> {
    if s.trim().eq_ignore_ascii_case("last") {
        return Ok(Pick::Last);
    }
    s.trim().parse().map(Pick::Number).map_err(|_| format!("\"{s}\" is neither a number nor \"last\""))
}

pub(crate) fn parse_size(s: &str) -> Result<[u32; 2], String> {
    let bad = || format!("\"{s}\" is not WIDTHxHEIGHT in pixels (e.g. 1200x900)");
    let (w, h) = s
        .to_ascii_lowercase()
        .split_once('x')
        .map(|(w, h)| (w.trim().to_string(), h.trim().to_string()))
        .ok_or_else(bad)?;
    Ok([w.parse().map_err(|_| bad())?, h.parse().map_err(|_| bad())?])
}

fn parse_range(s: &str) -> Result<[f64; 2], String> {
    let bad = || format!("\"{s}\" is not MIN,MAX (two numbers, MIN < MAX)");
    let (lo, hi) = s.split_once(',').ok_or_else(bad)?;
    let (lo, hi): (f64, f64) = (lo.trim().parse().map_err(|_| bad())?, hi.trim().parse().map_err(|_| bad())?);
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(bad());
    }
    Ok([lo, hi])
}
