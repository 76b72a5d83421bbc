//! WGSL sources, embedded at compile time, and the tiny preprocessor that assembles them.
//!
//! One compute stage per file under `shaders/`, named by its path without `.wgsl` (e.g.
//! `"test/grid_probe"`), with its entry point named after the file (`grid_probe`). Files under
//! `shaders/render/` are render stages instead (the pictures of `hemoflow render`): a vertex and a
//! fragment entry point named `<file>_vertex` and `<file>_fragment`. Helpers
//! shared between stages live in `shaders/shared/` and are pulled in by a line of exactly one
//! form, `#import shared/grid`, which is replaced by that file's text. A file is imported at most
//! once per stage (later imports of it expand to nothing), imports may nest, and an unknown
//! import or any other `#` line is an error naming the file and line. Nothing else is rewritten.

use super::GpuError;

/// Every WGSL file under `shaders/`: (name = path without `.wgsl`, text), sorted by name. The
/// build script (`build.rs`) lists the folder, so a new file is embedded without registering it.
pub const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/shader_files.rs"));

/// The imports in [`FILES`] that `build.rs` generates rather than reads from `shaders/`:
/// `shared/boundary`, the boundary codes and record offsets of `solver::boundary::codes`.
pub const GENERATED: &[&str] = &["shared/boundary"];

/// Prefix of the names that are imports rather than stages.
pub const SHARED: &str = "shared/";

/// Prefix of the names that are render stages (vertex + fragment) rather than compute stages.
pub const RENDER: &str = "render/";

/// The one directive: `#import NAME`.
const IMPORT: &str = "#import ";

/// Names of the compute stages (every file outside `shared/` and `render/`).
pub fn stages() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(name, _)| *name).filter(|name| !name.starts_with(SHARED) && !name.starts_with(RENDER))
}

/// Names of the render stages (every file under `render/`).
pub fn render_stages() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(name, _)| *name).filter(|name| name.starts_with(RENDER))
}

/// Vertex and fragment entry points of a render stage: `"render/surface"` ->
/// `("surface_vertex", "surface_fragment")`.
pub fn render_entry_points(stage: &str) -> (String, String) {
    let base = entry_point(stage);
    (format!("{base}_vertex"), format!("{base}_fragment"))
}

/// Entry point of a stage: the last path component of its name (`"test/grid_probe"` -> `"grid_probe"`).
pub fn entry_point(stage: &str) -> &str {
    stage.rsplit('/').next().unwrap_or(stage)
}

/// A preprocessed stage and, for each of its lines, where that line came from.
#[derive(Clone, Debug)]
pub struct Expanded<'a> {
    /// The WGSL text with imports replaced.
    pub text: String,
    /// For each line of `text` (0-based), the file name and 1-based line it was copied from.
    pub origin: Vec<(&'a str, u32)>,
}

impl Expanded<'_> {
    /// `shaders/FILE.wgsl:LINE` for 1-based `line` of the expanded text (as naga reports it).
    pub fn locate(&self, line: u32) -> String {
        match line.checked_sub(1).and_then(|l| self.origin.get(l as usize)) {
            Some((file, l)) => format!("shaders/{file}.wgsl:{l}"),
            None => format!("line {line} of the expanded source"),
        }
    }
}

/// The WGSL source of stage `name` (e.g. `"test/grid_probe"`) with its imports expanded.
pub fn source(name: &str) -> Result<String, GpuError> {
    expand(name).map(|e| e.text)
}

/// [`source`] with the origin of every line, for error messages.
pub fn expand(name: &str) -> Result<Expanded<'static>, GpuError> {
    expand_in(FILES, name)
}

/// Expands file `name` of `files` (a list shaped like [`FILES`]; tests pass their own).
pub fn expand_in<'a>(files: &[(&'a str, &'a str)], name: &str) -> Result<Expanded<'a>, GpuError> {
    let Some(&(name, text)) = files.iter().find(|(n, _)| *n == name) else {
        let known = files.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
        return Err(GpuError::UnknownShader { name: name.to_string(), known });
    };
    let mut out = Expanded { text: String::new(), origin: Vec::new() };
    let mut imported = vec![name];
    append(files, name, text, &mut imported, &mut out)?;
    Ok(out)
}

fn append<'a>(
    files: &[(&'a str, &'a str)],
    name: &'a str,
    text: &'a str,
    imported: &mut Vec<&'a str>,
    out: &mut Expanded<'a>,
) -> Result<(), GpuError> {
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        let trimmed = line.trim();
        if !trimmed.starts_with('#') {
            out.text.push_str(line);
            out.text.push('\n');
            out.origin.push((name, line_no));
            continue;
        }
        let err = |message: String| GpuError::Import { file: name.to_string(), line: line_no, message };
        let Some(wanted) = trimmed.strip_prefix(IMPORT).map(str::trim) else {
            return Err(err(format!("unknown directive \"{trimmed}\" (the only one is \"#import shared/NAME\")")));
        };
        let found = files.iter().find(|(n, _)| *n == wanted && n.starts_with(SHARED));
        let Some(&(import_name, import_text)) = found else {
            let known = files.iter().map(|(n, _)| *n).filter(|n| n.starts_with(SHARED)).collect::<Vec<_>>();
            return Err(err(format!("unknown import \"{wanted}\"; imports: {}", known.join(", "))));
        };
        if !imported.contains(&import_name) {
            imported.push(import_name);
            append(files, import_name, import_text, imported, out)?;
        }
    }
    Ok(())
}
