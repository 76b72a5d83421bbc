//! The `hemoflow` command end to end: JSON reports users' scripts rely on, generate -> check.

mod common;

use std::path::Path;

use common::hemoflow;
use serde_json::Value;

const CHECK_KEYS: [&str; 14] = [
    "vertices",
    "triangles",
    "open_loops",
    "capped",
    "watertight",
    "non_manifold_edges",
    "inconsistent_orientation",
    "reoriented_triangles",
    "degenerate_triangles",
    "volume",
    "area",
    "bbox_min",
    "bbox_max",
    "groups",
];

fn group<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["groups"].as_array().unwrap().iter().find(|g| g["name"] == name).unwrap_or_else(|| panic!("no group {name}"))
}

#[test]
fn mesh_check_json_of_the_open_aorta() {
    let (code, r, text) = hemoflow(&["mesh", "check", "meshes/aorta_open_ends.stl", "--json"]);
    assert_eq!(code, 0, "{text}");
    for key in CHECK_KEYS {
        assert!(!r[key].is_null(), "key {key} missing");
    }
    for key in ["name", "kind", "triangles", "area", "centroid", "normal", "diameter"] {
        assert!(!r["groups"][0][key].is_null(), "group key {key} missing");
    }
    assert_eq!((r["open_loops"].as_u64(), r["capped"].as_u64()), (Some(3), Some(3)));
    assert_eq!(r["watertight"], true);
    assert_eq!(group(&r, "cap_0")["kind"], "cap");
    // Millimetres converted to metres: the aorta spans about 0.1-0.2 m.
    let span = r["bbox_max"][1].as_f64().unwrap() - r["bbox_min"][1].as_f64().unwrap();
    println!("aorta bbox y span {span:.4} m");
    assert!(span > 0.05 && span < 0.5);
}

#[test]
fn generated_oblique_pipe_checks_to_its_analytic_volume_and_cap_areas() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pipe.obj");
    let f = file.to_str().unwrap();
    let (r_mm, l_mm) = (1.5, 12.0);
    let (code, _, text) = hemoflow(&[
        "mesh",
        "generate",
        "pipe",
        "--radius",
        "1.5",
        "--length",
        "12",
        "--axis",
        "0.3,-0.5,0.8",
        "--start",
        "1,-2,3",
        "-o",
        f,
    ]);
    assert_eq!(code, 0, "{text}");
    let (code, r, text) = hemoflow(&["mesh", "check", f, "--json"]);
    assert_eq!(code, 0, "{text}");
    let (r_m, l_m) = (r_mm * 1e-3, l_mm * 1e-3);
    let pi = std::f64::consts::PI;
    let volume_err = (r["volume"].as_f64().unwrap() - pi * r_m * r_m * l_m).abs() / (pi * r_m * r_m * l_m);
    println!("oblique pipe via CLI: volume error {volume_err:.2e} (tolerance 5e-3)");
    assert!(volume_err < 5e-3);
    for cap in ["inlet", "outlet"] {
        let a = group(&r, cap)["area"].as_f64().unwrap();
        let err = (a - pi * r_m * r_m).abs() / (pi * r_m * r_m);
        println!("{cap} area error {err:.2e} (tolerance 5e-3)");
        assert!(err < 5e-3);
        assert_eq!(group(&r, cap)["kind"], "cap");
    }
    let inlet = group(&r, "inlet");
    let c: Vec<f64> = inlet["centroid"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    assert!((c[0] - 1e-3).abs() < 1e-9 && (c[1] + 2e-3).abs() < 1e-9 && (c[2] - 3e-3).abs() < 1e-9, "{c:?}");
}

#[test]
fn bundled_samples_can_be_simulated() {
    for (file, units, caps) in [
        ("meshes/pipe.obj", "mm", 2),
        ("meshes/stenosis.obj", "mm", 2),
        ("meshes/bifurcation.obj", "mm", 3),
        ("meshes/aneurysm.obj", "mm", 2),
        ("meshes/demo_aorta_iliac.vtp", "cm", 3),
    ] {
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(file).is_file(), "{file} missing");
        let (code, r, text) = hemoflow(&["mesh", "check", file, "--units", units, "--json"]);
        assert_eq!(code, 0, "{file}: {text}");
        let n = r["groups"].as_array().unwrap().iter().filter(|g| g["kind"] == "cap").count();
        println!("{file}: volume {:.4e} m^3, {n} caps", r["volume"].as_f64().unwrap());
        assert_eq!(n, caps, "{file}");
        assert_eq!((r["capped"].as_u64(), r["watertight"].as_bool()), (Some(0), Some(true)), "{file}");
    }
}

#[test]
fn gpus_json_lists_adapters_and_the_choice() {
    let (code, r, text) = hemoflow(&["gpus", "--json"]);
    assert_eq!(
        code, 0,
        "no GPU adapter: install mesa-vulkan-drivers (lavapipe, software Vulkan) or a GPU driver. Output: {text}"
    );
    let adapters = r["adapters"].as_array().expect("adapters array");
    assert!(!adapters.is_empty());
    for key in ["name", "backend", "device_type", "driver", "max_storage_buffer_binding_size", "max_buffer_size"] {
        assert!(!adapters[0][key].is_null(), "adapter key {key} missing");
    }
    let chosen = r["chosen"].as_u64().expect("chosen index") as usize;
    assert!(chosen < adapters.len());
    assert!(!r["reason"].as_str().unwrap().is_empty());
    println!("run would use {} ({})", adapters[chosen]["name"], r["reason"]);
}

#[test]
fn help_states_units() {
    let (_, _, text) = hemoflow(&["mesh", "check", "--help"]);
    for s in ["--units", "m^3", "mm"] {
        assert!(text.contains(s), "mesh check --help lacks `{s}`:\n{text}");
    }
    let (_, _, text) = hemoflow(&["mesh", "generate", "stenosis", "--help"]);
    for s in ["--area-reduction", "percent", "in --units"] {
        assert!(text.contains(s), "generate stenosis --help lacks `{s}`:\n{text}");
    }
}
