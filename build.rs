//! Embeds every WGSL file under `shaders/` in the binary: writes the list that
//! `gpu::shader::FILES` includes, (name = path under `shaders/` without `.wgsl`, text), sorted by
//! name. A new shader file needs no registration.

use std::path::{Path, PathBuf};

fn wgsl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            wgsl_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "wgsl") {
            out.push(path);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=shaders");
    let root = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR")).join("shaders");
    let mut files = Vec::new();
    wgsl_files(&root, &mut files);
    let mut named: Vec<(String, &PathBuf)> = files
        .iter()
        .map(|path| {
            let relative = path.strip_prefix(&root).expect("under shaders/").with_extension("");
            let parts: Vec<_> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            (parts.join("/"), path)
        })
        .collect();
    named.sort();
    let mut list = String::from("&[\n");
    for (name, path) in named {
        list.push_str(&format!("    ({name:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    list.push_str("]\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("shader_files.rs");
    std::fs::write(&out, list).unwrap_or_else(|e| panic!("write {}: {e}", out.display()));
}
