//! Post-processing: pictures of a run's output.
//!
//! [`read`] opens an output file (`hemoflow run`'s HDF5 layout: grid, wall mesh, snapshots,
//! cycle averages); [`request`] turns a [`RenderRequest`] (field, slice, view, snapshot or
//! cycle, size, range) into a [`Scene`] of coloured triangles with its colour bar and title;
//! [`mod@render`] draws a scene off-screen with wgpu (depth test, 4x MSAA where the adapter has it)
//! and adds the title, colour bar and scale bar on the CPU; [`image`] holds the RGBA result and
//! encodes PNG. [`summary`] reads a run's numbers ([`OutputSummary`]: what `hemoflow info` prints) and
//! [`report`] makes an HTML page of them with pictures (`hemoflow report`). [`compare`] sets two
//! runs of one vessel side by side, before and after virtual stenting ([`Comparison`]: what
//! `hemoflow compare` prints; [`ComparePictures`]: its side-by-side pictures), measuring with
//! [`sample`]. SI units throughout: positions in m, pressures and stresses in Pa, speeds in m/s.
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

pub mod camera;
pub mod colormap;
pub mod compare;
mod compare_images;
mod compare_measure;
mod compare_text;
pub mod image;
mod overlay;
pub mod read;
pub mod render;
pub mod report;
mod report_html;
pub mod request;
pub mod sample;
mod stats;
mod stents;
pub mod summary;
mod summary_text;

use std::path::PathBuf;

pub use compare::Comparison;
pub use compare_images::ComparePictures;
pub use image::Image;
pub use read::OutputFile;
pub use read::Pick;
pub use render::{render, Camera, ColourBar, Layer, Layout, Paint, RenderError, Scene, View};
pub use request::{build_scene, render_png, render_request, Field, RenderRequest, Slice};
pub use summary::OutputSummary;
pub use summary_text::num;

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
