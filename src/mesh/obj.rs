//! Wavefront OBJ through tobj. Each `g` or `o` group is a face group; a name repeated later in
//! the file continues the same group. Faces before any group belong to `wall`. Polygons are
//! triangulated by tobj.
//!
//! tobj reports what is wrong but not where; when it fails (or hands back a non-finite
//! coordinate) one scan of the text finds the line at fault.

use std::path::Path;

use super::{MeshError, SurfaceMesh, Vec3};

pub(super) fn parse(path: &Path, bytes: &[u8]) -> Result<SurfaceMesh, MeshError> {
    let text = utf8_text(path, bytes)?;
    let options = tobj::LoadOptions { single_index: true, triangulate: true, ..Default::default() };
    let (models, _materials) = tobj::load_obj_buf(&mut text.as_bytes(), &options, |_| Ok(Default::default()))
        .map_err(|e| locate_fault(path, text).unwrap_or_else(|| MeshError::malformed(path, format!("OBJ: {e}"))))?;
    let mut mesh = SurfaceMesh::default();
    for model in models {
        let name = match model.name.as_str() {
            "" | "unnamed_object" => "wall",
            n => n,
        };
        let label = mesh.group_index(name);
        let base = mesh.vertices.len() as u32;
        for p in model.mesh.positions.chunks_exact(3) {
            if !p.iter().all(|x| x.is_finite()) {
                return Err(locate_fault(path, text)
                    .unwrap_or_else(|| MeshError::malformed(path, "OBJ: non-finite vertex coordinate")));
            }
            mesh.vertices.push(Vec3::new(p[0], p[1], p[2]));
        }
        for t in model.mesh.indices.chunks_exact(3) {
            mesh.triangles.push([base + t[0], base + t[1], base + t[2]]);
            mesh.labels.push(label);
        }
    }
    Ok(mesh)
}

/// The file as text, or the line holding its first byte that is not UTF-8.
pub(super) fn utf8_text<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, MeshError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
        MeshError::syntax(path, line, "bytes that are not UTF-8 in a text format (binary file with a text extension?)")
    })
}

/// The first line of `text` with a vertex that is not three finite numbers or a face corner
/// that names no vertex defined so far.
fn locate_fault(path: &Path, text: &str) -> Option<MeshError> {
    let mut vertices = 0i64;
    for (i, line) in text.lines().enumerate() {
        let err = |m: String| Some(MeshError::syntax(path, i + 1, m));
        let mut words = line.split_whitespace();
        match words.next() {
            Some("v") => {
                let coords: Vec<&str> = words.take(3).collect();
                if coords.len() < 3 {
                    return err("vertex needs 3 coordinates".into());
                }
                for w in coords {
                    match w.parse::<f64>() {
                        Ok(x) if x.is_finite() => {}
                        Ok(_) => return err(format!("non-finite vertex coordinate `{w}`")),
                        Err(_) => return err(format!("`{w}` is not a number")),
                    }
                }
                vertices += 1;
            }
            Some("f") => {
                let corners: Vec<&str> = words.collect();
                if corners.len() < 3 {
                    return err(format!("face needs at least 3 corners, has {}", corners.len()));
                }
                for c in corners {
                    let first = c.split('/').next().unwrap_or("");
                    match first.parse::<i64>() {
                        Ok(k) if (1..=vertices).contains(&k) || (-vertices..=-1).contains(&k) => {}
                        Ok(k) => {
                            return err(format!("face index {k} out of range: {vertices} vertices defined so far"))
                        }
                        Err(_) => return err(format!("`{c}` is not a face index")),
                    }
                }
            }
            _ => {}
        }
    }
    None
}
