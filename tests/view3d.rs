//! The interactive 3D view of `hemoflow report`, in a real browser: the bundled demo run for one
//! heartbeat, its report opened in headless Chromium (software WebGL), and the page's own check
//! read back (view3d.js, `selfTest`): no errors, the vessel drawn in colour, the colour bar, a
//! turn that changes the picture, the caps' names, and the hover readout at a wall point against
//! `hemoflow info --probe` there; with WebGL switched off, the note in its place. Screenshots
//! (TAWSS from the back with the readout; the speed slice) are left in target/tmp/view3d/ to be
//! looked at. The stenosis comparison's page is checked in tests/stent.rs.

mod common;

use std::path::Path;

/// Where the screenshots are kept.
fn shots() -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("view3d");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_demo_report_shows_the_vessel_in_3d_and_its_readout_is_the_files_value() {
    let dir = tempfile::tempdir().unwrap();
    let meshes = Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes");
    for f in ["demo_aorta_iliac.vtp", "demo_aorta_iliac.mdl", "demo_inflow.flow"] {
        std::fs::copy(meshes.join(f), dir.path().join(f)).unwrap();
    }
    // The bundled demo for one heartbeat (its TAWSS and OSI), writing beside the case, on the
    // CPU backend (named by the case file's key; a third of lavapipe's time).
    let case = std::fs::read_to_string(meshes.join("demo.toml")).unwrap();
    let one = case.replace("cycles = 2\n", "cycles = 1\n").replace("\"../out/demo.h5\"", "\"demo.h5\"")
        + "\n[solver]\nbackend = \"cpu\"\n";
    assert!(one.contains("cycles = 1\n") && one.contains("\"demo.h5\""), "the demo's case changed: {case}");
    std::fs::write(dir.path().join("demo.toml"), one).unwrap();
    let (code, _, text) = common::hemoflow_in(dir.path(), &["run", "demo.toml", "--json"]);
    assert_eq!(code, 0, "{text}");
    let h5 = dir.path().join("demo.h5");
    let report = dir.path().join("report");
    let (code, _, text) = common::hemoflow(&["report", h5.to_str().unwrap(), "-o", report.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    let page = report.join("index.html");
    let bytes = std::fs::metadata(&page).unwrap().len();
    println!("{}: {:.2} MB", page.display(), bytes as f64 / 1e6);
    assert!(bytes < 10_000_000, "the report's page is {bytes} bytes (at most 10 MB)");

    let r = common::page_selftest(&page, "");
    // Measured: 3.4% of the picture in colour (a slender aorta seen whole), 3.9% changed by the
    // turn.
    common::check_page(&r, 0.015, 0.015);
    assert_eq!(r["panels"], 1);
    assert_eq!(r["field"], "tawss", "the view opens on TAWSS where the run has a heartbeat");
    for f in ["tawss", "osi", "rrt", "wss", "pressure"] {
        assert!(r["fields"].as_array().unwrap().iter().any(|x| x == f), "no {f} among {}", r["fields"]);
    }
    for cap in ["cap_aorta", "cap_aorta_2", "cap_right_iliac"] {
        assert!(r["caps_shown"].as_array().unwrap().iter().any(|x| x == cap), "cap {cap} not labelled");
    }
    let read = &r["readout"];
    let shown = read["value"].as_f64().unwrap();
    let position: Vec<f64> = read["position_mm"].as_array().unwrap().iter().map(|c| c.as_f64().unwrap()).collect();
    let file = common::probe(&h5, &position, "tawss");
    let err = (shown - file).abs() / file.abs();
    println!("readout \"{}\"; info --probe there: {file} Pa ({:.2e} relative)", read["text"].as_str().unwrap(), err);
    assert!(err < 0.01, "the readout's TAWSS {shown} Pa is not the file's {file} Pa there (bound 1%)");

    // A slice through the fluid: the page draws it and its bar.
    let r = common::page_selftest(&page, "field=wss&slice=y");
    // Measured: 1.3% in colour (the see-through wall is pale: the slice's cells are counted),
    // 3.5% changed by the turn.
    common::check_page(&r, 0.005, 0.015);
    assert_eq!(r["slice"]["panels_cut"], 1, "the y slice cut no fluid: {}", r["slice"]);

    // A browser without WebGL (switched off here) gets a note instead of a blank box.
    let r = common::page_selftest_with(&page, "", &["--disable-webgl"]);
    assert_eq!(r["errors"], serde_json::json!([]), "the page logged errors without WebGL: {r:#}");
    assert!(r["webgl"].is_null(), "WebGL was not switched off: {r:#}");
    assert!(r["fallback"].as_str().unwrap().contains("cannot show the 3D view"), "no note without WebGL: {r:#}");

    let back = shots().join("demo_report_tawss_back.png");
    common::page_screenshot(&page, "field=tawss&view=back&hover=centre", &back);
    common::page_screenshot(&page, "field=wss&slice=y&hover=centre", &shots().join("demo_report_speed_slice.png"));
    println!("screenshots: {}", shots().display());
}
