//! STL, ASCII and binary, told apart by content: a binary STL is 84 + 50 n bytes for the n
//! triangles its header announces (some binary files start their 80-byte header with
//! `solid`, so the word alone proves nothing).
//!
//! An ASCII file may hold several `solid NAME ... endsolid` blocks: each becomes a face group
//! (so a multi-solid export keeps its inlet/outlet names). A binary file is one group, `wall`.

use std::path::Path;

use super::{MeshError, SurfaceMesh, Vec3};

pub(super) fn parse(path: &Path, bytes: &[u8]) -> Result<SurfaceMesh, MeshError> {
    if is_binary(bytes) {
        parse_binary(path, bytes)
    } else {
        parse_ascii(path, bytes)
    }
}

/// Binary when the size matches the announced triangle count, or when the file does not start
/// with `solid`, or when its first 512 bytes hold what no text file does (a NUL byte).
fn is_binary(bytes: &[u8]) -> bool {
    if bytes.len() >= 84 {
        let n = u32::from_le_bytes(bytes[80..84].try_into().expect("4 bytes")) as u64;
        if 84 + 50 * n == bytes.len() as u64 {
            return true;
        }
    }
    let starts_solid = bytes.iter().skip_while(|b| b.is_ascii_whitespace()).take(5).eq(b"solid".iter());
    !starts_solid || bytes.iter().take(512).any(|&b| b == 0)
}

fn parse_binary(path: &Path, bytes: &[u8]) -> Result<SurfaceMesh, MeshError> {
    if bytes.len() < 84 {
        return Err(MeshError::malformed(
            path,
            format!("truncated binary STL: {} bytes, shorter than the 84-byte header", bytes.len()),
        ));
    }
    let n = u32::from_le_bytes(bytes[80..84].try_into().expect("4 bytes")) as u64;
    let need = 84 + 50 * n;
    if need != bytes.len() as u64 {
        let what = if need > bytes.len() as u64 { "truncated binary STL" } else { "binary STL with trailing bytes" };
        return Err(MeshError::malformed(
            path,
            format!("{what}: header announces {n} triangles ({need} bytes) but the file has {} bytes", bytes.len()),
        ));
    }
    let mut mesh = SurfaceMesh {
        vertices: Vec::with_capacity(3 * n as usize),
        triangles: Vec::with_capacity(n as usize),
        labels: vec![0; n as usize],
        ..Default::default()
    };
    mesh.group_index("wall");
    for (t, rec) in bytes[84..].chunks_exact(50).enumerate() {
        let f = |k: usize| f32::from_le_bytes(rec[4 * k..4 * k + 4].try_into().expect("4 bytes")) as f64;
        for c in 0..3 {
            let p = Vec3::new(f(3 + 3 * c), f(4 + 3 * c), f(5 + 3 * c));
            if !p.iter().all(|x| x.is_finite()) {
                return Err(MeshError::malformed(
                    path,
                    format!("triangle {t} (byte {}): non-finite coordinate ({}, {}, {})", 84 + 50 * t, p.x, p.y, p.z),
                ));
            }
            mesh.vertices.push(p);
        }
        let i = 3 * t as u32;
        mesh.triangles.push([i, i + 1, i + 2]);
    }
    Ok(mesh)
}

fn parse_ascii(path: &Path, bytes: &[u8]) -> Result<SurfaceMesh, MeshError> {
    let text = super::obj::utf8_text(path, bytes)?;
    let mut mesh = SurfaceMesh::default();
    let mut label = None;
    let mut corners: Vec<Vec3> = Vec::with_capacity(3);
    let mut in_loop = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let mut words = line.split_whitespace();
        let Some(keyword) = words.next() else { continue };
        match keyword {
            "solid" => {
                let name: Vec<&str> = words.collect();
                let name = if name.is_empty() { "wall".to_string() } else { name.join(" ") };
                label = Some(mesh.group_index(&name));
            }
            "endsolid" => label = None,
            "facet" | "endfacet" => {}
            "outer" => {
                in_loop = true;
                corners.clear();
            }
            "vertex" => {
                if !in_loop {
                    return Err(MeshError::syntax(path, n, "`vertex` outside `outer loop`"));
                }
                let mut p = [0.0f64; 3];
                for x in &mut p {
                    let w = words.next().ok_or_else(|| MeshError::syntax(path, n, "vertex needs 3 coordinates"))?;
                    *x = w.parse().map_err(|_| MeshError::syntax(path, n, format!("`{w}` is not a number")))?;
                    if !x.is_finite() {
                        return Err(MeshError::syntax(path, n, format!("non-finite coordinate `{w}`")));
                    }
                }
                corners.push(Vec3::from(p));
            }
            "endloop" => {
                if corners.len() != 3 {
                    return Err(MeshError::syntax(
                        path,
                        n,
                        format!("facet has {} vertices, expected 3", corners.len()),
                    ));
                }
                let l = match label {
                    Some(l) => l,
                    None => return Err(MeshError::syntax(path, n, "facet outside `solid ... endsolid`")),
                };
                let base = mesh.vertices.len() as u32;
                mesh.vertices.append(&mut corners);
                mesh.triangles.push([base, base + 1, base + 2]);
                mesh.labels.push(l);
                in_loop = false;
            }
            other => return Err(MeshError::syntax(path, n, format!("unexpected `{other}` in ASCII STL"))),
        }
    }
    if in_loop {
        return Err(MeshError::malformed(path, "ASCII STL ends inside a facet (truncated file?)"));
    }
    Ok(mesh)
}
