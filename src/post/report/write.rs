//! [`Report::write`]: the pictures drawn on the GPU and written beside the page, the page and
//! the JSON summary.

use std::path::{Path, PathBuf};

use super::plan::Report;
use crate::gpu::Gpu;
use crate::post::page::{create_dir, now, write_file};
use crate::post::render::render;
use crate::post::PostError;

/// What [`Report::write`] wrote.
#[derive(Debug)]
pub struct Written {
    /// The page.
    pub index: PathBuf,
    /// The pictures.
    pub pictures: Vec<PathBuf>,
    /// The JSON summary.
    pub json: PathBuf,
}

impl Report<'_> {
    /// Draws the pictures on `gpu` and writes them, `index.html` and `summary.json` into `dir`
    /// (created if needed; files of the same names are replaced).
    pub fn write(&self, gpu: &Gpu, dir: &Path) -> Result<Written, PostError> {
        create_dir(dir)?;
        let mut written = Vec::new();
        for picture in &self.pictures {
            let image = render(gpu, &picture.scene, picture.view, self.size)?;
            let path = dir.join(&picture.file_name);
            image.write_png(&path)?;
            written.push(path);
        }
        let json = dir.join("summary.json");
        let text = serde_json::to_string_pretty(self.summary).expect("the summary serializes");
        write_file(&json, text + "\n")?;
        let index = dir.join("index.html");
        write_file(&index, super::html::page(self, now()))?;
        Ok(Written { index, pictures: written, json })
    }
}
