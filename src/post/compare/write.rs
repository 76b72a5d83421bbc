//! [`ComparePictures::write`]: the side-by-side pictures drawn on the GPU, `compare.json`, and
//! `index.html`, a page that opens offline in any browser: the interactive view of both runs
//! (linked cameras, one colour range, POST's stents outlined), the pictures and the comparison
//! in words.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::images::ComparePictures;
use super::types::Comparison;
use crate::gpu::Gpu;
use crate::post::page::{create_dir, esc, now, utc, write_file, STYLE};
use crate::post::render::render;
use crate::post::{view3d, Image, PostError};

impl ComparePictures {
    /// Draws the pictures on `gpu` and writes them, `compare.json` (`comparison`) and
    /// `index.html` into `dir` (created if needed; files of the same names are replaced). Returns
    /// the paths written: the pictures, the JSON, the page.
    pub fn write(&self, gpu: &Gpu, dir: &Path, comparison: &Comparison) -> Result<Vec<PathBuf>, PostError> {
        create_dir(dir)?;
        let mut written = Vec::new();
        for pair in &self.pairs {
            let [a, b] = &pair.scenes;
            let image =
                Image::side_by_side(&render(gpu, a, pair.view, self.size)?, &render(gpu, b, pair.view, self.size)?);
            let path = dir.join(&pair.file_name);
            image.write_png(&path)?;
            written.push(path);
        }
        let json = dir.join("compare.json");
        let text = serde_json::to_string_pretty(comparison).expect("the comparison serializes");
        write_file(&json, text + "\n")?;
        written.push(json);
        let index = dir.join("index.html");
        write_file(&index, self.page(comparison, now()))?;
        written.push(index);
        Ok(written)
    }

    /// The page, made at `now` (seconds since 1970, UTC).
    fn page(&self, c: &Comparison, now: u64) -> String {
        let title = format!("Before and after: {} and {}", c.pre.file, c.post.file);
        let mut h = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" \
             content=\"width=device-width, initial-scale=1\">\n<title>{0}</title>\n<style>{STYLE}</style>\n</head>\n\
             <body>\n<h1>{0}</h1>\n<p class=\"meta\">Made {1} by hemoflow {2}: the run before the intervention \
             (<code>{3}</code>, left) and after it (<code>{4}</code>, right).</p>\n",
            esc(&title),
            utc(now),
            env!("CARGO_PKG_VERSION"),
            esc(&c.pre.file),
            esc(&c.post.file)
        );
        if let Some(panels) = &self.view {
            h += "<h2>Both vessels in 3D</h2>\n<p>Turning one view turns the other; both are coloured over one \
                  range. The stented part of the wall is outlined in red.</p>\n";
            h += &view3d::section(panels, true, &self.start);
        }
        h += "<h2>Pictures</h2>\n";
        for pair in &self.pairs {
            let _ = writeln!(
                h,
                "<figure><a href=\"{0}\"><img src=\"{0}\" alt=\"{1}, before and after\"></a><figcaption>{1}, \
                 before (left) and after (right), {2} view, one colour range.</figcaption></figure>",
                esc(&pair.file_name),
                esc(pair.field.label()),
                pair.view.name()
            );
        }
        for l in &self.left_out {
            let _ = writeln!(h, "<p>Not drawn: {}</p>", esc(l));
        }
        let _ = write!(
            h,
            "<h2>Numbers</h2>\n<pre>{}</pre>\n<p>The same in SI units: <a href=\"compare.json\">compare.json</a>.</p>\n\
             </body>\n</html>\n",
            esc(&c.text())
        );
        h
    }
}
