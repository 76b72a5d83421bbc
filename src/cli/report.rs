//! `hemoflow report OUT.h5 -o DIR`: an HTML page with the vessel in an interactive 3D view, the
//! run's key numbers, explained in plain words, and pictures of the wall shear stress, pressure
//! and speed (see [`hemoflow::post::report`]).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use hemoflow::gpu::Gpu;
use hemoflow::post::report::Report;
use hemoflow::post::{OutputFile, OutputSummary, PostError};

#[derive(Args)]
pub struct ReportArgs {
    /// Output file of `hemoflow run` (HDF5).
    file: PathBuf,
    /// Folder for index.html (the page: open it from disk in any browser; the 3D view's controls
    /// are in the README), its pictures (PNG) and summary.json (created if needed; files of the
    /// same names are replaced).
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// Use the adapter whose name contains NAME (case-insensitive).
    #[arg(long, value_name = "NAME")]
    adapter: Option<String>,
    /// Size of each picture in pixels.
    #[arg(long, value_name = "WxH", value_parser = super::render::parse_size, default_value = "960x720")]
    size: [u32; 2],
}

/// Reads the file and builds every picture's scene, and only then opens the GPU (once) and draws.
pub fn run(args: &ReportArgs) -> Result<()> {
    let file = OutputFile::open(&args.file)?;
    let summary = OutputSummary::read(&file)?;
    let report = Report::plan(&file, &summary, args.size)?;
    let gpu = Gpu::new(args.adapter.as_deref()).map_err(PostError::from)?;
    let written = report.write(&gpu, &args.output)?;
    println!(
        "wrote {} with {} pictures and {}",
        written.index.display(),
        written.pictures.len(),
        written.json.display()
    );
    for l in &report.left_out {
        println!("not drawn: {l}");
    }
    Ok(())
}
