//! Bad input to `hemoflow mesh check`: one line on stderr naming the file (and the line for
//! text formats), exit code 2, never a panic or a backtrace.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Outcome {
    code: Option<i32>,
    stderr: String,
}

fn check(path: &Path, extra: &[&str]) -> Outcome {
    let out = Command::new(env!("CARGO_BIN_EXE_hemoflow"))
        .args(["mesh", "check"])
        .arg(path)
        .args(extra)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run hemoflow");
    Outcome { code: out.status.code(), stderr: String::from_utf8_lossy(&out.stderr).into_owned() }
}

/// Runs `mesh check` on `bytes` saved as `name` and asserts the contract; returns stderr.
fn rejects(name: &str, bytes: &[u8], must_contain: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    rejects_path(&path, must_contain)
}

fn rejects_path(path: &Path, must_contain: &[&str]) -> String {
    let o = check(path, &[]);
    println!("{} -> exit {:?}: {}", path.display(), o.code, o.stderr.trim_end());
    assert_eq!(o.code, Some(2), "exit code for {}; stderr: {}", path.display(), o.stderr);
    assert!(!o.stderr.contains("panicked") && !o.stderr.contains("backtrace"), "panic: {}", o.stderr);
    assert_eq!(o.stderr.trim_end().lines().count(), 1, "one line expected: {}", o.stderr);
    let file_name = path.file_name().unwrap().to_str().unwrap();
    assert!(o.stderr.contains(file_name), "stderr does not name the file: {}", o.stderr);
    for s in must_contain {
        assert!(o.stderr.contains(s), "stderr lacks `{s}`: {}", o.stderr);
    }
    o.stderr
}

fn binary_stl(header: &[u8], count: u32, triangles: &[[[f32; 3]; 3]]) -> Vec<u8> {
    let mut b = vec![0u8; 80];
    b[..header.len()].copy_from_slice(header);
    b.extend_from_slice(&count.to_le_bytes());
    for t in triangles {
        b.extend_from_slice(&[0u8; 12]);
        for v in t {
            for x in v {
                b.extend_from_slice(&x.to_le_bytes());
            }
        }
        b.extend_from_slice(&[0u8; 2]);
    }
    b
}

const TRI: [[f32; 3]; 3] = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];

#[test]
fn empty_files() {
    for name in ["empty.stl", "empty.obj", "empty.vtp"] {
        rejects(name, b"", &["empty"]);
    }
    rejects("blank.obj", b"  \n\n", &["empty"]);
}

#[test]
fn truncated_binary_stl() {
    let mut b = binary_stl(b"exported by a tool", 10, &[TRI, TRI, TRI]);
    rejects("truncated.stl", &b, &["truncated", "10 triangles"]);
    b.truncate(50);
    rejects("short_header.stl", &b, &["truncated"]);
}

#[test]
fn binary_stl_with_absurd_triangle_count() {
    rejects("absurd.stl", &binary_stl(b"x", 1 << 31, &[TRI]), &["2147483648 triangles"]);
    rejects("absurd_max.stl", &binary_stl(b"x", u32::MAX, &[TRI]), &["4294967295 triangles"]);
    // A binary header that starts with "solid" does not make the file ASCII.
    rejects("solid_header.stl", &binary_stl(b"solid binary by exporter", 7, &[TRI]), &["truncated", "7 triangles"]);
}

#[test]
fn non_finite_coordinates() {
    let nan = [[f32::NAN, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    rejects("nan_binary.stl", &binary_stl(b"x", 2, &[TRI, nan]), &["triangle 1", "non-finite"]);
    let ascii = "solid s\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex inf 1 0\nendloop\nendfacet\nendsolid s\n";
    rejects("inf_ascii.stl", ascii.as_bytes(), &[":6:", "non-finite"]);
    rejects("nan.obj", b"v 0 0 0\nv 1 0 0\nv 0 NaN 0\nf 1 2 3\n", &[":3:", "non-finite"]);
}

#[test]
fn obj_face_index_out_of_range() {
    rejects("range.obj", b"g wall\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\nf 1 2 7\n", &[":6:", "face index 7"]);
    rejects("negative.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf -1 -2 -4\n", &[":4:", "face index -4"]);
}

#[test]
fn non_utf8_in_text_formats() {
    rejects("latin1.obj", b"# ok\nv 0 0 0\n# caf\xe9\nv 1 0 0\n", &[":3:", "UTF-8"]);
    rejects("latin1.stl", b"solid a\nfacet normal 0 0 1 \xff\xfe\n", &[":2:", "UTF-8"]);
    rejects("latin1.vtp", b"<?xml version=\"1.0\"?>\n<VTKFile type=\"PolyData\">\n<!-- \xe9 -->\n", &[":3:", "UTF-8"]);
}

#[test]
fn malformed_and_truncated_vtp() {
    let real = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/demo_aorta_iliac.vtp")).unwrap();
    // Cut inside the appended (zlib) data, and inside the XML.
    rejects("cut_data.vtp", &real[..real.len() / 2], &["truncated"]);
    rejects("cut_xml.vtp", &real[..1500], &[]);
    let bad_xml = b"<?xml version=\"1.0\"?>\n<VTKFile type=\"PolyData\">\n  <PolyData>\n    <Piece NumberOfPoints=\"3\">\n    </Polys>\n";
    rejects("mismatched.vtp", bad_xml, &[":5:"]);
    rejects("not_xml.vtp", b"this is not XML at all\n", &[]);
    // A corrupt block header announcing 2^31 zlib blocks must not allocate them. The file's
    // appended data is base64; its first array's header (blocks, block size, last size: three
    // UInt32) is the first 16 characters after the `_`.
    let at = real.windows(13).position(|w| w == b"<AppendedData").unwrap();
    let start = at + real[at..].iter().position(|&b| b == b'_').unwrap() + 1;
    let mut words = Vec::new();
    for w in [1u32 << 31, 32768, 0] {
        words.extend_from_slice(&w.to_le_bytes());
    }
    use base64::Engine;
    let header = base64::engine::general_purpose::STANDARD.encode(&words);
    let mut corrupt = real.clone();
    corrupt[start..start + 16].copy_from_slice(header.as_bytes());
    rejects("corrupt_header.vtp", &corrupt, &["ModelFaceID", "2147483648 blocks"]);
}

#[test]
fn directory_and_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let d: PathBuf = dir.path().join("folder.stl");
    std::fs::create_dir(&d).unwrap();
    rejects_path(&d, &["directory"]);
    rejects_path(&dir.path().join("missing.stl"), &["No such file"]);
    rejects("mesh.ply", b"ply\n", &["unknown mesh format"]);
}

#[test]
fn open_surface_that_cannot_be_simulated_names_the_reason() {
    // One lone triangle: its boundary is capped into a flat, zero-volume sliver.
    let o = {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sheet.stl");
        std::fs::write(&p, binary_stl(b"x", 1, &[TRI])).unwrap();
        check(&p, &[])
    };
    println!("sheet.stl -> exit {:?}: {}", o.code, o.stderr.trim_end());
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("sheet.stl") && o.stderr.contains("cannot be simulated"));
}
