//! The accuracy issue's peer comparison, as a test: the generated bifurcation (parent R 1 mm,
//! daughters R 0.85 and 0.70 mm at 70 degrees), oblique to every grid axis (axis (0.3, -0.5,
//! 0.8)), at 16 cells per smaller-daughter diameter (h = 0.0875 mm, 117k fluid cells), Newtonian
//! blood, parabolic inlet at Re 100, both outlets at 0 Pa, run to its steady state (the steady
//! mode, implicit advection, Courant 5) on the CPU backend, against OpenFOAM's reference
//! (`peers/openfoam/reference.toml` `[bifurcation.recommended]`: simpleFoam on snapped,
//! body-fitted meshes at 8, 16 and 24 cells, Richardson-extrapolated). Each quantity is measured
//! the way `peers/hemoflow_vs_openfoam/compare.py` defines it (the test runs its `analyze`), with
//! the issue's bounds: flow split within 0.5 point, inlet-to-outlet pressure drop within 1%,
//! area-weighted mean and 95th-percentile wall shear stress within 2%.
//!
//! Measured: split -0.02 pt, pressure drop +0.62%, WSS mean -0.35%, p95 -0.36% (before the
//! inlet's links through its oblique cap carried the imposed velocity, the pressure drop was
//! +1.95%). At 8 cells (not tested): split +0.58 pt, pressure drop -1.01%, WSS mean -0.20%, p95
//! +8.6%.

mod common;

use std::path::Path;

#[test]
fn the_oblique_bifurcation_matches_the_openfoam_reference_at_16_cells_per_diameter() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let mesh = dir.path().join("bifurcation.obj");
    let (code, _, out) = common::hemoflow(&[
        "mesh",
        "generate",
        "bifurcation",
        "--radius",
        "1",
        "--length",
        "10",
        "--daughter-radii",
        "0.85,0.7",
        "--daughter-lengths",
        "12,12",
        "--angle",
        "70",
        "--axis",
        "0.3,-0.5,0.8",
        "-o",
        mesh.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    let h5 = dir.path().join("bifurcation.h5");
    let case = dir.path().join("bifurcation.toml");
    std::fs::write(
        &case,
        format!(
            r#"[geometry]
mesh = "{}"
units = "mm"
spacing = 0.0875

[fluid]
density = 1060.0
viscosity = 0.0035

[[inlet]]
surface = "inlet"
flow_rate = 5.186592e-7
profile = "parabolic"

[[outlet]]
surface = "outlet_1"
pressure = 0.0

[[outlet]]
surface = "outlet_2"
pressure = 0.0

[solver]
advection = "implicit"
backend = "cpu"

[time]
steady = true
steady_tolerance = 1e-4
cfl = 5

[output]
file = "{}"
"#,
            mesh.display(),
            h5.display()
        ),
    )
    .unwrap();
    let (code, summary, out) = common::hemoflow(&["run", case.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(summary["steady"]["converged"], serde_json::Value::Bool(true), "not steady: {}", summary["steady"]);
    // compare.py's numbers for this output, as JSON.
    let peers = repo.join("peers/hemoflow_vs_openfoam");
    let script = format!(
        "import json, sys; sys.path.insert(0, {peers:?}); import compare; \
         m = compare.analyze('bifurcation', {h5:?}, {hf:?}); \
         print(json.dumps({{k: m[k] for k in ('split_outlet_1', 'dp_inlet_outlet_1', 'wss_mean', 'wss_p95')}}))",
        peers = peers.display().to_string(),
        h5 = h5.display().to_string(),
        hf = env!("CARGO_BIN_EXE_hemoflow"),
    );
    let py = std::process::Command::new("/usr/bin/python3")
        .args(["-c", &script])
        .env("XDG_RUNTIME_DIR", std::env::var("XDG_RUNTIME_DIR").unwrap_or_else(|_| "/tmp".into()))
        .output()
        .expect("python3 (tools/test installs python3-h5py)");
    assert!(py.status.success(), "compare.py: {}", String::from_utf8_lossy(&py.stderr));
    let m: serde_json::Value = serde_json::from_slice(&py.stdout).unwrap();
    let reference: toml::Table =
        std::fs::read_to_string(repo.join("peers/openfoam/reference.toml")).unwrap().parse().unwrap();
    let rec = &reference["bifurcation"]["recommended"];
    let value = |k: &str| m[k].as_f64().unwrap_or_else(|| panic!("compare.py gave no {k}: {m}"));
    let peer = |k: &str| rec[k].as_float().unwrap_or_else(|| panic!("reference.toml has no {k}"));
    let split = 100.0 * (value("split_outlet_1") - peer("split_outlet_1"));
    println!(
        "flow split into outlet_1: {:.4} against {:.4}: {split:+.2} pt (bound 0.5)",
        value("split_outlet_1"),
        peer("split_outlet_1")
    );
    let mut failed = Vec::new();
    if split.abs() >= 0.5 {
        failed.push(format!("split {split:+.2} pt"));
    }
    for (key, what, bound) in [
        ("dp_inlet_outlet_1", "inlet-to-outlet pressure drop (Pa)", 1.0),
        ("wss_mean", "area-weighted mean WSS (Pa)", 2.0),
        ("wss_p95", "95th-percentile WSS (Pa)", 2.0),
    ] {
        let err = 100.0 * (value(key) / peer(key) - 1.0);
        println!("{what}: {:.4} against {:.4}: {err:+.2}% (bound {bound}%)", value(key), peer(key));
        if err.abs() >= bound {
            failed.push(format!("{what} {err:+.2}%"));
        }
    }
    assert!(failed.is_empty(), "outside the issue's bounds against OpenFOAM: {}", failed.join(", "));
}
