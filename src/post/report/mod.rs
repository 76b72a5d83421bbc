//! `hemoflow report`: a self-contained HTML page (inline CSS and scripts, no external resource)
//! with the vessel in the interactive 3D view ([`super::view3d`]), the key numbers of a
//! [`OutputSummary`], a plain-words sentence for each, and pictures drawn with
//! [`mod@super::render`] (PNG files beside the page, linked relatively).
//!
//! Two steps, so that mistakes in the file show before the GPU is opened: [`Report::plan`] reads
//! everything the pictures and the view need and builds their scenes; [`Report::write`] draws
//! them on one GPU and writes `index.html`, the PNGs and `summary.json` (the same JSON as
//! `hemoflow info --json`).
//!
//! ```no_run
//! use hemoflow::gpu::Gpu;
//! use hemoflow::post::{report::Report, summary::OutputSummary, OutputFile};
//! use std::path::Path;
//!
//! let file = OutputFile::open(Path::new("out.h5"))?;
//! let summary = OutputSummary::read(&file)?;
//! let report = Report::plan(&file, &summary, [960, 720])?;
//! let gpu = Gpu::new(None)?;
//! let written = report.write(&gpu, Path::new("report"))?;
//! println!("{}", written.index.display());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The files, in order (each uses only those before it): `plan.rs` ([`Report::plan`]: what the
//! report holds, read from the file), `html.rs` (the page's markup), `write.rs`
//! ([`Report::write`]: the pictures drawn, the page and the JSON written).
//!
//! [`OutputSummary`]: super::OutputSummary

mod html;
mod plan;
mod write;

pub use plan::{Picture, Report, VIEWS};
pub use write::Written;
