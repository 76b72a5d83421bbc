//! Post-processing: numbers and pictures of a run's output, in a pipeline where each part uses
//! only those before it: reading, measuring, drawing, then the comparison and the report.
//!
//! - [`read`] opens an output file as an [`OutputFile`] (`hemoflow run`'s HDF5 layout: grid,
//!   wall mesh, snapshots, cycle averages; `stents.rs` reads its stents and regions).
//! - [`sample`] measures the fields away from the cell centres (the velocity at a point, the flux
//!   through a region's boundary, a cross-section's mean pressure); [`summary`] reads a run's
//!   numbers ([`OutputSummary`]: what `hemoflow info` prints), with area-weighted wall statistics
//!   and the grid's spacing in wall units, h+ (how far to trust the wall's numbers).
//! - [`mod@render`] turns a [`RenderRequest`] (field, slice, view, snapshot or cycle, size, range)
//!   into a [`Scene`] of coloured triangles with its colour bar and title, draws it off-screen
//!   with wgpu (depth test, 4x MSAA where the adapter has it), adds the title, colour bar and
//!   scale bar on the CPU, and gives an [`Image`] that encodes PNG.
//! - [`compare`] sets two runs of one vessel side by side, before and after virtual stenting
//!   ([`Comparison`]: what `hemoflow compare` prints; [`ComparePictures`]: its side-by-side
//!   pictures); [`report`] makes an HTML page of a run's numbers with pictures (`hemoflow
//!   report`).
//!
//! Each folder's `mod.rs` lists its files in their order; no two files import each other
//! (`tests/layout.rs` checks). SI units throughout: positions in m, pressures and stresses in
//! Pa, speeds in m/s.
//!
//! ```no_run
//! use hemoflow::gpu::Gpu;
//! use hemoflow::post::{Field, OutputFile, RenderRequest};
//! use std::path::Path;
//!
//! let gpu = Gpu::new(None)?;
//! let file = OutputFile::open(Path::new("out.h5"))?;
//! // Several pictures from one opened file (what an HTML report does).
//! for field in [Field::Tawss, Field::Osi, Field::Rrt] {
//!     let png = hemoflow::post::render_png(&gpu, &file, &RenderRequest::new(field))?;
//!     std::fs::write(format!("{}.png", field.name()), png)?;
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod compare;
pub mod page;
pub mod probe;
pub mod read;
pub mod render;
pub mod report;
pub mod sample;
mod stents;
pub mod summary;
pub mod view3d;

use std::path::PathBuf;

pub use compare::{ComparePictures, Comparison};
pub use read::{OutputFile, Pick};
pub use render::image::Image;
pub use render::request::{build_scene, render_png, render_request, Field, RenderRequest, Slice};
pub use render::{render, Camera, ColourBar, Layer, Layout, Paint, RenderError, Scene, View};
pub use summary::{num, OutputSummary};

/// Errors from reading an output file and drawing pictures of it.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// The file does not exist or is not HDF5.
    #[error("{path}: cannot open as HDF5: {message}", path = path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why (no such file, or HDF5's reason).
        message: String,
    },
    /// A group, dataset or attribute the picture needs is not in the file.
    #[error("{path}: no {object}{hint}", path = path.display())]
    Missing {
        /// The file.
        path: PathBuf,
        /// What is missing, e.g. "group /cycles".
        object: String,
        /// Why it may be missing, starting with " (" or empty.
        hint: String,
    },
    /// An object of the file has the wrong type or shape.
    #[error("{path}: {object}: {message}", path = path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The object at fault, e.g. "dataset /wall/triangles".
        object: String,
        /// What is wrong.
        message: String,
    },
    /// HDF5 failed to read an object.
    #[error("{path}: reading {object}: {source}", path = path.display())]
    Hdf5 {
        /// The file.
        path: PathBuf,
        /// The object being read.
        object: String,
        /// HDF5's error.
        source: hdf5::Error,
    },
    /// An option of the request does not fit the file or the field (names the option).
    #[error("{option}: {message}")]
    Option {
        /// The option as the command line spells it, e.g. "--slice z=0.5".
        option: String,
        /// What is wrong.
        message: String,
    },
    /// Two output files that cannot be compared (`hemoflow compare`): names both and says why.
    #[error("{pre} and {post} cannot be compared: {message}", pre = pre.display(), post = post.display())]
    Mismatch {
        /// The file before (PRE).
        pre: PathBuf,
        /// The file after (POST).
        post: PathBuf,
        /// What differs, with both values.
        message: String,
    },
    /// Drawing failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Opening the GPU failed.
    #[error(transparent)]
    Gpu(#[from] crate::gpu::GpuError),
    /// PNG encoding or decoding failed.
    #[error("PNG: {0}")]
    Png(String),
    /// Writing the picture failed.
    #[error("{path}: cannot write: {source}", path = path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
}

impl PostError {
    /// Whether the error is in what the user gave (a file, a dataset it lacks, an option), as
    /// opposed to a failure of the GPU or the program: the command line exits with 2 for these.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            PostError::Open { .. }
                | PostError::Missing { .. }
                | PostError::Invalid { .. }
                | PostError::Hdf5 { .. }
                | PostError::Option { .. }
                | PostError::Mismatch { .. }
                | PostError::Write { .. }
                | PostError::Render(RenderError::Size { .. })
        )
    }
}
