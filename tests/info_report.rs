//! `hemoflow info` and `hemoflow report` on synthetic output files with known numbers: the JSON
//! values exactly (area-weighted statistics, splits, drops, ratio, threshold areas), the text's
//! key lines, bad input (exit 2 naming the file and dataset), and a report whose page links
//! pictures that exist and decode. The report is left in target/tmp/info_report/ to be looked at.

mod common;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use common::hemoflow;
use hdf5::types::VarLenUnicode;
use hemoflow::post::Image;
use serde_json::Value;

/// Pa per mmHg.
const MMHG: f64 = 133.322;

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("info_report");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn strings(values: &[&str]) -> Vec<VarLenUnicode> {
    values.iter().map(|s| VarLenUnicode::from_str(s).unwrap()).collect()
}

fn str_attr(loc: &hdf5::Location, name: &str, value: &str) {
    let v = VarLenUnicode::from_str(value).unwrap();
    loc.new_attr::<VarLenUnicode>().shape(()).create(name).unwrap().write_scalar(&v).unwrap();
}

fn f64_attr(loc: &hdf5::Location, name: &str, value: f64) {
    loc.new_attr::<f64>().shape(()).create(name).unwrap().write_scalar(&value).unwrap();
}

fn dataset<T: hdf5::H5Type>(g: &hdf5::Group, name: &str, shape: &[usize], values: &[T]) {
    g.new_dataset::<T>().shape(shape).create(name).unwrap().write_raw(values).unwrap();
}

/// What the synthetic file holds beyond the basics.
#[derive(Clone, Copy)]
struct Parts {
    /// Two cycles with per-cap means and wall averages.
    cycles: bool,
    /// /summary@proximal = "inlet", @distal = "outlet_a".
    ratio: bool,
    /// /summary/cap_types.
    types: bool,
}

const ALL: Parts = Parts { cycles: true, ratio: true, types: true };

/// A small output file in `hemoflow run`'s layout with known numbers:
///
/// * grid 4 x 4 x 6 cells of 1 mm, fluid except the 4 columns at the x-y corners (72 cells);
/// * wall: two triangles in the plane y = 0 (facing the front view), areas 1 and 3 mm^2;
/// * snapshots 0, 1, 2 at t = 0, 0.8, 1.6 s; the last has |WSS| = 2 Pa on triangle 0 and 0.5 Pa on
///   triangle 1 (earlier ones 10 Pa everywhere);
/// * caps inlet, outlet_a, outlet_b; the last /summary row flows -4, 3, 1 mL/s at 1000, 800,
///   900 Pa;
/// * cycles 1 (0 to 0.8 s) and 2 (0.8 to 1.6 s); cycle 2: flows -5, 4, 1 mL/s, mean pressures
///   100, 80, 90 mmHg (min 90, 70, 85; max 110, 88, 95 mmHg); TAWSS 0.25 and 1 Pa, OSI 0 and
///   0.25, RRT 4 and 2 1/Pa. Cycle 1 holds other values, so reading the wrong cycle shows.
fn write_output(path: &Path, parts: Parts) {
    let _guard = common::SPAWN.lock().unwrap_or_else(|e| e.into_inner());
    let file = hdf5::File::create(path).unwrap();
    str_attr(&file, "software", "hemoflow");
    str_attr(&file, "version", env!("CARGO_PKG_VERSION"));
    str_attr(&file, "units", "SI");
    str_attr(&file, "case", "[time]\nperiod = 0.8\n");
    let (nx, ny, nz, h) = (4usize, 4usize, 6usize, 1e-3);
    let grid = file.create_group("grid").unwrap();
    grid.new_attr_builder().with_data(&[0.0, 0.0, 0.0][..]).create("origin").unwrap();
    f64_attr(&grid, "spacing", h);
    grid.new_attr_builder().with_data(&[nx as u32, ny as u32, nz as u32][..]).create("dims").unwrap();
    let mut kind = vec![1u8; nx * ny * nz];
    let mut velocity = vec![0f32; 3 * nx * ny * nz];
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                let id = (k * ny + j) * nx + i;
                if (i == 0 || i == nx - 1) && (j == 0 || j == ny - 1) {
                    kind[id] = 0;
                } else {
                    velocity[3 * id + 2] = 0.1 * (1 + i + j) as f32;
                }
            }
        }
    }
    dataset(&grid, "cell_kind", &[nz, ny, nx], &kind);
    let pressure: Vec<f32> = (0..nx * ny * nz).map(|id| 1000.0 - 10.0 * (id / (nx * ny)) as f32).collect();

    let wall = file.create_group("wall").unwrap();
    let mm = 1e-3;
    let vertices = [
        [0.0, 0.0, 0.0],
        [2.0 * mm, 0.0, 0.0],
        [0.0, 0.0, mm],
        [3.0 * mm, 0.0, 0.0],
        [6.0 * mm, 0.0, 0.0],
        [3.0 * mm, 0.0, 2.0 * mm],
    ];
    let xyz: Vec<f64> = vertices.iter().flatten().copied().collect();
    dataset(&wall, "vertices", &[6, 3], &xyz);
    dataset(&wall, "triangles", &[2, 3], &[0u32, 1, 2, 3, 4, 5]);
    dataset(&wall, "labels", &[2], &[0u32, 0]);
    dataset(&wall, "label_names", &[1], &strings(&["wall"]));

    let fields = file.create_group("fields").unwrap();
    for (n, time) in [(0usize, 0.0), (1, 0.8), (2, 1.6)] {
        let g = fields.create_group(&format!("{n:06}")).unwrap();
        f64_attr(&g, "time", time);
        dataset(&g, "pressure", &[nz, ny, nx], &pressure);
        dataset(&g, "velocity", &[nz, ny, nx, 3], &velocity);
        let wss: [f32; 6] = if n == 2 { [0.0, 0.0, 2.0, 0.0, -0.5, 0.0] } else { [10.0, 0.0, 0.0, 0.0, 10.0, 0.0] };
        dataset(&g, "wss", &[2, 3], &wss);
        dataset(&g, "wall_pressure", &[2], &[1000f32, 900.0]);
    }

    let summary = file.create_group("summary").unwrap();
    dataset(&summary, "cap_names", &[3], &strings(&["inlet", "outlet_a", "outlet_b"]));
    if parts.types {
        dataset(&summary, "cap_types", &[3], &strings(&["inlet", "outlet", "outlet"]));
    }
    dataset(&summary, "time", &[3], &[0.0, 0.8, 1.6]);
    let flow = [0.0, 0.0, 0.0, -2e-6, 1e-6, 1e-6, -4e-6, 3e-6, 1e-6];
    dataset(&summary, "flow_rate", &[3, 3], &flow);
    let p = [0.0, 0.0, 0.0, 500.0, 400.0, 450.0, 1000.0, 800.0, 900.0];
    dataset(&summary, "mean_pressure", &[3, 3], &p);
    if parts.ratio {
        str_attr(&summary, "proximal", "inlet");
        str_attr(&summary, "distal", "outlet_a");
    }

    if parts.cycles {
        let cycles = file.create_group("cycles").unwrap();
        for k in [1usize, 2] {
            let g = cycles.create_group(&format!("{k:06}")).unwrap();
            f64_attr(&g, "start", 0.8 * (k - 1) as f64);
            f64_attr(&g, "end", 0.8 * k as f64);
            let last = k == 2;
            let pick = |a: [f64; 3], b: [f64; 3]| if last { a } else { b };
            let m = |v: [f64; 3]| v.map(|x| x * MMHG);
            dataset(&g, "mean_flow_rate", &[3], &pick([-5e-6, 4e-6, 1e-6], [-1e-6, 0.5e-6, 0.5e-6]));
            dataset(&g, "mean_pressure", &[3], &pick(m([100.0, 80.0, 90.0]), [1.0, 1.0, 1.0]));
            dataset(&g, "min_pressure", &[3], &pick(m([90.0, 70.0, 85.0]), [0.0, 0.0, 0.0]));
            dataset(&g, "max_pressure", &[3], &pick(m([110.0, 88.0, 95.0]), [2.0, 2.0, 2.0]));
            let f = |a: [f32; 2], b: [f32; 2]| if last { a } else { b };
            dataset(&g, "tawss", &[2], &f([0.25, 1.0], [5.0, 5.0]));
            dataset(&g, "osi", &[2], &f([0.0, 0.25], [0.4, 0.4]));
            dataset(&g, "rrt", &[2], &f([4.0, 2.0], [1.0, 1.0]));
            dataset(&g, "pressure", &[nz, ny, nx], &pressure);
            dataset(&g, "velocity", &[nz, ny, nx, 3], &velocity);
        }
    }
}

/// Creates (`create`) or opens `path` for writing and applies `change`, while no `hemoflow` process
/// is being started (see [`SPAWN`]).
fn edit(path: &Path, create: bool, change: impl FnOnce(&hdf5::File)) {
    let _guard = common::SPAWN.lock().unwrap_or_else(|e| e.into_inner());
    let file = if create { hdf5::File::create(path) } else { hdf5::File::open_rw(path) }.unwrap();
    change(&file);
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-30)
}

#[track_caller]
fn check(json: &Value, pointer: &str, want: f64) {
    let got = json.pointer(pointer).and_then(Value::as_f64).unwrap_or_else(|| panic!("no number at {pointer}"));
    assert!(close(got, want), "{pointer}: {got}, expected {want}");
}

#[track_caller]
fn info_json(path: &Path) -> Value {
    let (code, json, out) = hemoflow(&["info", path.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{out}");
    assert!(json.is_object(), "not JSON: {out}");
    json
}

/// Every number of `info --json` on the full synthetic file, against the values put in.
#[test]
fn info_json_gives_the_known_numbers() {
    let path = out_dir().join("known.h5");
    write_output(&path, ALL);
    let j = info_json(&path);
    assert_eq!(j["software"], "hemoflow");
    assert_eq!(j["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(j["units"], "SI");
    assert_eq!(j["grid"]["dims"], serde_json::json!([4, 4, 6]));
    check(&j, "/grid/spacing", 1e-3);
    assert_eq!(j["grid"]["fluid_cells"], 72);
    assert_eq!((j["snapshots"]["count"].as_u64(), j["snapshots"]["last"].as_u64()), (Some(3), Some(2)));
    check(&j, "/snapshots/last_time", 1.6);
    assert_eq!((j["cycles"]["count"].as_u64(), j["cycles"]["last"].as_u64()), (Some(2), Some(2)));
    check(&j, "/cycles/start", 0.8);
    check(&j, "/cycles/end", 1.6);

    // Caps: the last cycle's means, splits of the outflow (4 + 1) and inflow (5).
    assert_eq!(j["caps_over"]["kind"], "cycle");
    assert_eq!(j["caps_over"]["cycle"], 2);
    assert_eq!(j["cap_types_inferred"], false);
    check(&j, "/total_inflow", 5e-6);
    check(&j, "/total_outflow", 5e-6);
    let caps = j["caps"].as_array().unwrap();
    let names: Vec<&str> = caps.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["inlet", "outlet_a", "outlet_b"]);
    let types: Vec<&str> = caps.iter().map(|c| c["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["inlet", "outlet", "outlet"]);
    for (i, (q, split, p, lo, hi)) in
        [(-5e-6, 100.0, 100.0, 90.0, 110.0), (4e-6, 80.0, 80.0, 70.0, 88.0), (1e-6, 20.0, 90.0, 85.0, 95.0)]
            .into_iter()
            .enumerate()
    {
        check(&j, &format!("/caps/{i}/flow_rate"), q);
        check(&j, &format!("/caps/{i}/split_percent"), split);
        check(&j, &format!("/caps/{i}/mean_pressure"), p * MMHG);
        check(&j, &format!("/caps/{i}/min_pressure"), lo * MMHG);
        check(&j, &format!("/caps/{i}/max_pressure"), hi * MMHG);
    }
    // Drops from the inlet to each outlet, and the ratio outlet_a / inlet.
    let drops = j["pressure_drops"].as_array().unwrap();
    assert_eq!(drops.len(), 2);
    assert_eq!((drops[0]["from"].as_str(), drops[0]["to"].as_str()), (Some("inlet"), Some("outlet_a")));
    assert_eq!((drops[1]["from"].as_str(), drops[1]["to"].as_str()), (Some("inlet"), Some("outlet_b")));
    check(&j, "/pressure_drops/0/drop", 20.0 * MMHG);
    check(&j, "/pressure_drops/1/drop", 10.0 * MMHG);
    assert_eq!(j["pressure_ratio"]["proximal"], "inlet");
    assert_eq!(j["pressure_ratio"]["distal"], "outlet_a");
    check(&j, "/pressure_ratio/ratio", 0.8);
    check(&j, "/pressure_ratio/drop", 20.0 * MMHG);
    assert!(j["pressure_ratio_note"].is_null());

    // Wall: areas 1 and 3 mm^2. |WSS| 2 Pa on 1 mm^2, 0.5 Pa on 3 mm^2: mean (2 + 1.5) / 4;
    // 0.5 Pa covers 75 % of the area, so p5 and p50 are 0.5, p95 and p99 are 2.
    assert_eq!(j["wall"]["triangles"], 2);
    check(&j, "/wall/area", 4e-6);
    assert_eq!(j["wall"]["wss"]["snapshot"], 2);
    check(&j, "/wall/wss/time", 1.6);
    let stats = |at: &str, want: [f64; 7]| {
        for (key, w) in ["min", "max", "mean", "p5", "p50", "p95", "p99"].iter().zip(want) {
            check(&j, &format!("{at}/{key}"), w);
        }
        assert_eq!(j.pointer(&format!("{at}/non_finite")).and_then(Value::as_u64), Some(0), "{at}");
    };
    stats("/wall/wss/stats", [0.5, 2.0, 0.875, 0.5, 0.5, 2.0, 2.0]);
    // Cycle 2: TAWSS 0.25 (1 mm^2) and 1 Pa (3 mm^2); OSI 0 and 0.25; RRT 4 and 2.
    assert_eq!(j["wall"]["cycle"]["cycle"], 2);
    stats("/wall/cycle/tawss", [0.25, 1.0, 0.8125, 0.25, 1.0, 1.0, 1.0]);
    stats("/wall/cycle/osi", [0.0, 0.25, 0.1875, 0.0, 0.25, 0.25, 0.25]);
    stats("/wall/cycle/rrt", [2.0, 4.0, 2.5, 2.0, 2.0, 4.0, 4.0]);
    // Low TAWSS (< 0.4 Pa): triangle 0, 1 mm^2 = 25 %; high OSI (> 0.2): triangle 1, 75 %.
    check(&j, "/wall/cycle/low_tawss/threshold", 0.4);
    check(&j, "/wall/cycle/low_tawss/area", 1e-6);
    check(&j, "/wall/cycle/low_tawss/percent", 25.0);
    check(&j, "/wall/cycle/high_osi/threshold", 0.2);
    check(&j, "/wall/cycle/high_osi/area", 3e-6);
    check(&j, "/wall/cycle/high_osi/percent", 75.0);
}

/// Without cycles, cap types or proximal/distal: the last /summary row, types from the flow
/// sign, no cycle statistics, and a note on how to set the ratio; none of it an error.
#[test]
fn info_without_optional_parts_uses_the_last_row() {
    let path = out_dir().join("bare.h5");
    write_output(&path, Parts { cycles: false, ratio: false, types: false });
    let j = info_json(&path);
    assert_eq!(j["caps_over"]["kind"], "time_step");
    check(&j, "/caps_over/start", 1.6);
    assert_eq!(j["cap_types_inferred"], true);
    let types: Vec<&str> = j["caps"].as_array().unwrap().iter().map(|c| c["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["inlet", "outlet", "outlet"]);
    check(&j, "/caps/1/split_percent", 75.0);
    check(&j, "/caps/2/split_percent", 25.0);
    check(&j, "/caps/0/mean_pressure", 1000.0);
    assert!(j["caps"][0]["min_pressure"].is_null());
    check(&j, "/pressure_drops/0/drop", 200.0);
    check(&j, "/pressure_drops/1/drop", 100.0);
    assert!(j["pressure_ratio"].is_null());
    let note = j["pressure_ratio_note"].as_str().unwrap();
    assert!(note.contains("[report]") && note.contains("proximal") && note.contains("distal"), "{note}");
    assert_eq!(j["cycles"]["count"], 0);
    assert!(j["wall"]["cycle"].is_null());
    check(&j, "/wall/wss/stats/mean", 0.875);

    let (code, _, text) = hemoflow(&["info", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    for line in ["the last time step (t = 1.6000 s)", "types guessed", "not set", "no /cycles"] {
        assert!(text.contains(line), "text lacks {line:?}:\n{text}");
    }
}

/// The text form holds the key lines in readable units (mL/s, mmHg, cm^2, mm).
#[test]
fn info_text_has_the_key_lines() {
    let path = out_dir().join("known_text.h5");
    write_output(&path, ALL);
    let (code, _, text) = hemoflow(&["info", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    println!("{text}");
    let version = format!("hemoflow {}, units SI", env!("CARGO_PKG_VERSION"));
    for line in [
        version.as_str(),
        "grid        4 x 4 x 6 cells of 1.000 mm, 72 fluid cells",
        "snapshots   3, the last at t = 1.6000 s (snapshot 2)",
        "cycles      2, the last from 0.8000 to 1.6000 s (cycle 2)",
        "caps: means over cycle 2 (0.8000 to 1.6000 s)",
        "inlet     inlet       -5.000    100.0       100.0      90.00      110.0",
        "outlet_a  outlet       4.000     80.0       80.00      70.00      88.00",
        "inlet -> outlet_a  20.00 mmHg (2666 Pa)",
        "pressure ratio distal/proximal (outlet_a / inlet): 0.8000; drop 20.00 mmHg",
        "wall: 2 triangles, area 0.04000 cm^2",
        "|WSS| t = 1.6000 s  Pa       0.5000     0.5000     0.5000     0.8750      2.000      2.000      2.000",
        "low TAWSS (< 0.4 Pa):  0.01000 cm^2 (25.0 % of the wall)",
        "high OSI (> 0.2):      0.03000 cm^2 (75.0 % of the wall)",
    ] {
        assert!(text.contains(line), "text lacks {line:?}:\n{text}");
    }
}

/// `info --probe X,Y,Z`: the wall triangle nearest the point, with the known values there
/// (triangle 1: |WSS| 0.5 Pa at the last snapshot; cycle 2's TAWSS 1 Pa, OSI 0.25, RRT 2 1/Pa),
/// in JSON and in text; a point that is not X,Y,Z exits 2.
#[test]
fn info_probe_gives_the_nearest_triangles_values() {
    let path = out_dir().join("probe.h5");
    write_output(&path, ALL);
    // 1 mm in front of triangle 1 (corners (3,0,0), (6,0,0), (3,0,2) mm), over its inside.
    let (code, j, text) = hemoflow(&["info", path.to_str().unwrap(), "--probe", "0.004,-0.001,0.0005", "--json"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(j["triangle"], 1, "{j:#}");
    check(&j, "/distance", 1e-3);
    check(&j, "/centroid/0", 4e-3);
    let value = |field: &str| {
        let v = j["values"].as_array().unwrap().iter().find(|v| v["field"] == field);
        v.unwrap_or_else(|| panic!("no {field} in {j:#}"))["value"].as_f64().unwrap()
    };
    for (field, want) in [("wss", 0.5), ("tawss", 1.0), ("osi", 0.25), ("rrt", 2.0)] {
        assert!(close(value(field), want), "{field}: {}, expected {want}", value(field));
    }
    let (code, _, text) = hemoflow(&["info", path.to_str().unwrap(), "--probe", "0.004,-0.001,0.0005"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("triangle 1,") && text.contains("tawss     1.000 Pa (cycle 2)"), "{text}");
    let (code, _, text) = hemoflow(&["info", path.to_str().unwrap(), "--probe", "1,2"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("is not a point"), "{text}");
}

/// Mistakes in the input exit with 2 and one line naming the file and the dataset, no panic.
#[test]
fn info_bad_input_exits_2_naming_file_and_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let run = |path: &Path, words: &[&str]| {
        for json in [false, true] {
            let mut args = vec!["info", path.to_str().unwrap()];
            if json {
                args.push("--json");
            }
            let (code, _, out) = hemoflow(&args);
            assert_eq!(code, 2, "hemoflow {args:?}: {out}");
            for w in words {
                assert!(out.contains(w), "hemoflow {args:?}: message lacks {w:?}: {out}");
            }
            assert!(!out.contains("panicked"), "{out}");
            assert_eq!(out.trim().lines().count(), 1, "one line: {out}");
        }
    };
    run(&dir.path().join("missing.h5"), &["missing.h5", "no such file"]);
    let text = dir.path().join("text.h5");
    std::fs::write(&text, "not HDF5").unwrap();
    run(&text, &["text.h5", "cannot open as HDF5"]);
    let other = dir.path().join("other.h5");
    edit(&other, true, |f| {
        f.create_group("something").unwrap();
    });
    run(&other, &["other.h5", "/summary", "/fields", "not an output file of hemoflow run"]);
    // A table of the wrong shape: two columns for three caps.
    let bad = dir.path().join("bad_flow.h5");
    write_output(&bad, ALL);
    edit(&bad, false, |f| {
        let s = f.group("summary").unwrap();
        s.unlink("flow_rate").unwrap();
        dataset(&s, "flow_rate", &[3, 2], &[0.0; 6]);
    });
    run(&bad, &["bad_flow.h5", "/summary/flow_rate", "shape 3 x 2"]);
    // Wall shear of the wrong shape in the last snapshot.
    let bad = dir.path().join("bad_wss.h5");
    write_output(&bad, ALL);
    edit(&bad, false, |f| {
        let g = f.group("fields/000002").unwrap();
        g.unlink("wss").unwrap();
        dataset(&g, "wss", &[2], &[1f32, 2.0]);
    });
    run(&bad, &["bad_wss.h5", "/fields/000002/wss"]);
    // A per-cap cycle mean of the wrong length.
    let bad = dir.path().join("bad_cycle.h5");
    write_output(&bad, ALL);
    edit(&bad, false, |f| {
        let g = f.group("cycles/000002").unwrap();
        g.unlink("mean_pressure").unwrap();
        dataset(&g, "mean_pressure", &[2], &[1.0, 2.0]);
    });
    run(&bad, &["bad_cycle.h5", "/cycles/000002/mean_pressure"]);
    // The same errors from report, before any GPU work.
    let o = dir.path().join("report");
    let (code, _, out) = hemoflow(&["report", other.to_str().unwrap(), "-o", o.to_str().unwrap()]);
    assert!(code == 2 && out.contains("other.h5") && out.contains("/summary"), "{code}: {out}");
    assert!(!o.exists(), "no report folder on error");
}

/// `report` writes index.html linking PNGs that exist and decode, with the numbers, the
/// thresholds, captions and units, and no external resource or script.
#[test]
fn report_writes_a_page_with_pictures_and_numbers() {
    let dir = out_dir();
    let path = dir.join("report_case.h5");
    write_output(&path, ALL);
    let report = dir.join("report");
    let _ = std::fs::remove_dir_all(&report);
    let start = std::time::Instant::now();
    let (code, _, out) =
        hemoflow(&["report", path.to_str().unwrap(), "-o", report.to_str().unwrap(), "--size", "480x360"]);
    assert_eq!(code, 0, "{out}");
    println!("{out}report took {:.1} s", start.elapsed().as_secs_f64());
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    let sources: Vec<&str> = html.split("src=\"").skip(1).map(|s| s.split('"').next().unwrap()).collect();
    let want = [
        "wss_iso.png",
        "wss_front.png",
        "tawss_iso.png",
        "tawss_front.png",
        "osi_iso.png",
        "osi_front.png",
        "pressure_iso.png",
        "pressure_front.png",
        "speed_iso.png",
        "speed_front.png",
    ];
    assert_eq!(sources, want, "pictures of the page");
    for s in &sources {
        let bytes = std::fs::read(report.join(s)).unwrap_or_else(|e| panic!("{s}: {e}"));
        let image = Image::from_png(&bytes).unwrap();
        assert_eq!([image.width, image.height], [480, 360], "{s}");
    }
    for needle in [
        "report_case.h5",
        "-5.000 mL/s (100.0 % of the total inflow)",
        "4.000 mL/s (80.0 % of the total outflow)",
        "1.000 mL/s (20.0 % of the total outflow)",
        "100.0 mmHg mean; 90.00 to 110.0 mmHg over the beat",
        "inlet &rarr; outlet_a",
        "20.00 mmHg (2666 Pa)",
        "0.800 (drop 20.00 mmHg)",
        "TAWSS &lt; 0.4 Pa",
        "0.0100 cm<sup>2</sup> (25.0 % of the wall)",
        "OSI &gt; 0.2",
        "0.0300 cm<sup>2</sup> (75.0 % of the wall)",
        "Time-averaged wall shear stress",
        "over a heartbeat",
        "mmHg (1 mmHg = 133.322 Pa)",
        "mean 0.813 Pa, median 1.00 Pa; 90 % of the wall between 0.250 Pa and 1.00 Pa",
        "Picture details: slice z = 0.003000 m (middle, normal to the view).",
        "Oscillatory shear index over the heartbeat (no unit)",
        "<figcaption>",
        "in metres per second (m/s)",
        "summary.json",
    ] {
        assert!(html.contains(needle), "index.html lacks {needle:?}");
    }
    // Self-contained: every script inline, nothing fetched (the one URL, in three.js, is the
    // XHTML namespace's name).
    assert!(html.contains("<section id=\"view3d\"") && html.contains("id=\"view3d-data\""), "no 3D view");
    let lower = html.to_ascii_lowercase();
    for banned in ["<script src", "src=\"http", "href=\"http", "<link", "xmlhttprequest"] {
        assert!(!lower.contains(banned), "index.html holds {banned:?}");
    }
    // fetch( as a call of its own (GLSL's texelFetch( is no fetch).
    let fetches = lower
        .match_indices("fetch(")
        .filter(|(at, _)| !lower[..*at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'));
    assert_eq!(fetches.count(), 0, "index.html calls fetch(");
    for style in lower.split("<style>").skip(1).map(|s| s.split("</style>").next().unwrap()) {
        assert!(!style.contains("@import") && !style.contains("url("), "a style sheet loads a resource: {style}");
    }
    for (at, _) in lower.match_indices("http") {
        let url: String = lower[at..].chars().take_while(|c| !c.is_whitespace() && !"\"'`<>".contains(*c)).collect();
        assert!(url == "http://www.w3.org/1999/xhtml" || !url.contains("://"), "index.html names {url}");
    }
    let json: Value = serde_json::from_str(&std::fs::read_to_string(report.join("summary.json")).unwrap()).unwrap();
    check(&json, "/wall/cycle/low_tawss/percent", 25.0);

    // Without cycles: no TAWSS or OSI pictures, the ratio's note instead of a number.
    let bare = dir.join("report_bare.h5");
    write_output(&bare, Parts { cycles: false, ratio: false, types: true });
    let report = dir.join("report_bare");
    let (code, _, out) =
        hemoflow(&["report", bare.to_str().unwrap(), "-o", report.to_str().unwrap(), "--size", "320x240"]);
    assert_eq!(code, 0, "{out}");
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(!html.contains("tawss_iso.png") && html.contains("wss_iso.png") && html.contains("speed_front.png"));
    assert!(html.contains("not available: not set: set [report] proximal = &quot;CAP&quot;"), "ratio note");
    assert!(html.contains("at the last time step"));
}
