//! `hemoflow compare` on real runs (lavapipe): the generated sidewall aneurysm (coarse: 0.4 mm
//! cells) run twice with steady inflow, at 0.1 and 0.2 mL/s (parent Reynolds numbers 10 and 20),
//! as a pre/post pair; a region for the sac (a sphere about the sac's centre cut at the neck's
//! plane) and a flow-diverter over the neck written into both files with
//! `H5Output::write_regions` and `write_stents`. Checked: the caps, the case's `[report]` pair,
//! the stent's pressure drop, the wall parts and the sac's inflow in the text and the JSON, with
//! physics where it is guaranteed (the inflow is exact, the drop and the sac's inflow grow with
//! the flow, the sac is closed so its net inflow is ~0); the side-by-side pictures and
//! compare.json; a periodic pair (TAWSS, the inflow averaged over the cycle's snapshots); bad
//! input exits 2 naming the file.

mod common;

use std::path::{Path, PathBuf};

use common::hemoflow_in as hemoflow;

use hemoflow::io::{CapRecord, GridMeta, H5Output, RegionRecord, StentRecord};
use hemoflow::mesh::generate::AneurysmSpec;
use hemoflow::post::Image;
use serde_json::Value;

/// Writes `an.obj` (the default aneurysm, mm; a coarse surface) into `dir`.
fn mesh(dir: &Path) {
    let (code, _, text) = hemoflow(dir, &["mesh", "generate", "aneurysm", "--spacing", "0.5", "-o", "an.obj"]);
    assert_eq!(code, 0, "{text}");
}

/// Cell edge of the runs, m.
const SPACING: f64 = 0.4e-3;

/// Runs the aneurysm at `flow` mL/s into a 0 Pa outlet, to `NAME.h5`, with implicit advection.
/// Steady: constant inflow at Courant number 1 to t = 1.5 s (five of the sac's slowest viscous
/// time constants, R^2 / (pi^2 nu) = 0.27 s; the snapshots show the flow steady from 0.5 s).
/// Periodic: flow (1 + 0.5 sin(2 pi t / T)) over one period T = 0.2 s at Courant number 4,
/// snapshots every 0.02 s.
fn run(dir: &Path, name: &str, flow: f64, periodic: bool) -> PathBuf {
    let inflow = if periodic {
        let rows: String = (0..20)
            .map(|k| {
                let t = 0.2 * k as f64 / 20.0;
                format!("{t:.4},{:.6}\n", flow * (1.0 + 0.5 * (2.0 * std::f64::consts::PI * t / 0.2).sin()))
            })
            .collect();
        std::fs::write(dir.join(format!("{name}.csv")), format!("time,flow\n{rows}")).unwrap();
        format!("waveform = \"{name}.csv\"\ninterpolation = \"linear\"")
    } else {
        format!("flow_rate = {flow}")
    };
    let time = if periodic { "period = 0.2\ncycles = 1\ncfl = 4.0\n" } else { "end = 1.5\ncfl = 1.0\n" };
    let interval = if periodic { 0.02 } else { 0.5 };
    let case = format!(
        "[geometry]\nmesh = \"an.obj\"\nunits = \"mm\"\nspacing = {}\n\n[[inlet]]\nsurface = \"inlet\"\n{inflow}\n\
         flow_units = \"mL/s\"\nprofile = \"parabolic\"\n\n[[outlet]]\nsurface = \"outlet\"\npressure = 0.0\n\n\
         [time]\n{time}\n[report]\nproximal = \"inlet\"\ndistal = \"outlet\"\n\n[solver]\nadvection = \"implicit\"\n\n[output]\nfile = \"{name}.h5\"\n\
         interval = {interval}\n",
        SPACING * 1e3
    );
    std::fs::write(dir.join(format!("{name}.toml")), case).unwrap();
    let (code, _, text) = hemoflow(dir, &["run", &format!("{name}.toml"), "--json"]);
    assert_eq!(code, 0, "{text}");
    let h5 = dir.join(format!("{name}.h5"));
    deploy(&h5);
    h5
}

/// The sac's region and a flow-diverter over the neck, written into the run's output. The
/// region's sphere is the sac's, widened by the smooth fillet at the neck (`blend`) and two cells:
/// the sac's sphere alone would leave out the fillet, fluid beyond the neck's plane that the
/// exchange flows through, and the region would not be closed.
fn deploy(h5: &Path) {
    let spec = AneurysmSpec::default();
    let axis = spec.axis.normalize();
    let middle = spec.start + axis * (spec.length / 2.0);
    let neck = middle + hemoflow::mesh::generate::perpendicular(axis) * spec.radius;
    let sac = RegionRecord {
        name: "sac".into(),
        center: spec.sac_centre().into(),
        radius: spec.sac_radius + spec.blend + 2.0 * SPACING,
        neck: Some(neck.into()),
    };
    let point = |s: f64| -> [f64; 3] { (middle + axis * s).into() };
    let diverter = StentRecord {
        kind: "flow-diverter".into(),
        diameter: 2.0 * spec.radius,
        porosity: 0.7,
        wire_diameter: 30e-6,
        centerline: vec![point(-4e-3), point(0.0), point(4e-3)],
    };
    let _guard = common::SPAWN.lock().unwrap_or_else(|e| e.into_inner());
    let out = H5Output::open_append(h5).unwrap();
    out.write_regions(&[sac]).unwrap();
    out.write_stents(&[diverter]).unwrap();
    out.close().unwrap();
}

/// h5py reads the file with its /stents and /regions, and they are as documented
/// (tools/check_output_h5.py).
fn check_output(h5: &Path) {
    let (ok, out) = common::check_output_h5(&[h5]);
    assert!(ok, "{out}");
    assert!(out.contains("stents: 1 (flow-diverter); regions: sac"), "{out}");
}

fn f(v: &Value, pointer: &str) -> f64 {
    v.pointer(pointer).and_then(Value::as_f64).unwrap_or_else(|| panic!("no number at {pointer} in {v:#}"))
}

#[test]
fn steady_pair_compares_caps_stent_wall_and_sac_inflow() {
    let dir = tempfile::tempdir().unwrap();
    mesh(dir.path());
    let pre = run(dir.path(), "pre", 0.1, false);
    let post = run(dir.path(), "post", 0.2, false);
    check_output(&pre);
    let (pre, post) = (pre.to_str().unwrap(), post.to_str().unwrap());

    let (code, _, text) = hemoflow(dir.path(), &["compare", pre, post]);
    assert_eq!(code, 0, "{text}");
    println!("{text}");
    for needle in [
        "inlet",
        "outlet",
        "pressure ratio distal/proximal (outlet / inlet",
        "stent 0 (flow-diverter",
        "Pd/Pa",
        "stented",
        "region sac",
        "inflow through the neck",
    ] {
        assert!(text.contains(needle), "the text lacks {needle:?}");
    }

    let out = dir.path().join("cmp");
    let (code, json, text) =
        hemoflow(dir.path(), &["compare", pre, post, "--json", "-o", out.to_str().unwrap(), "--size", "400x300"]);
    assert_eq!(code, 0, "{text}");
    // Caps: the inflow is imposed, so it doubles exactly.
    let caps = json["caps"].as_array().unwrap();
    let names: Vec<&str> = caps.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["inlet", "outlet"]);
    let inlet = caps.iter().find(|c| c["name"] == "inlet").unwrap();
    assert!((f(inlet, "/flow_rate/pre") + 1e-7).abs() < 1e-10, "{inlet}");
    assert!((f(inlet, "/flow_rate/percent") - 100.0).abs() < 0.5, "{inlet}");

    // The case's [report] pair: the outlet is held at 0 Pa, so its ratio to the inlet is 0.
    let pair = &json["pressure_ratio"];
    assert_eq!((pair["proximal"].as_str(), pair["distal"].as_str()), (Some("inlet"), Some("outlet")));
    assert_eq!((f(pair, "/ratio/pre"), f(pair, "/ratio/post")), (0.0, 0.0));
    assert!(f(pair, "/drop/post") > f(pair, "/drop/pre"), "{pair}");

    // The stent's segment: a straight 8 mm of the parent; the drop grows with the flow.
    let stent = &json["stents"][0];
    let (drop_pre, drop_post) = (f(stent, "/drop/pre"), f(stent, "/drop/post"));
    // Hagen-Poiseuille over 8 mm at 0.1 mL/s: 8 mu Q L / (pi R^4) = 0.446 Pa (the sac's opening
    // beside the segment changes it a little).
    println!(
        "stent segment: drop pre {drop_pre:.4} Pa, post {drop_post:.4} Pa (ratio {:.3}; Hagen-Poiseuille 0.446 and \
         0.891 Pa); Pd/Pa pre {:.4}, post {:.4} (the outlet is at 0 Pa); section cells pre {}, post {}",
        drop_post / drop_pre,
        f(stent, "/ratio/pre"),
        f(stent, "/ratio/post"),
        stent["cells_pre"],
        stent["cells_post"]
    );
    assert!(drop_pre > 0.0 && drop_post > drop_pre, "the drop along the stent grows with the flow");
    assert!((f(stent, "/drop_mmhg/pre") * 133.322 - drop_pre).abs() < 1e-9 * drop_pre.max(1.0));

    // The wall: stented part and the rest, |WSS| rising with the flow; no TAWSS without cycles.
    let wall = json["wall"].as_array().unwrap();
    let parts: Vec<&str> = wall.iter().map(|p| p["part"].as_str().unwrap()).collect();
    assert_eq!(parts, ["stented", "rest"]);
    for p in wall {
        println!(
            "wall {}: {} triangles, mean |WSS| pre {:.4} Pa, post {:.4} Pa ({:+.1} %)",
            p["part"],
            p["triangles"][0],
            f(p, "/wss/pre/mean"),
            f(p, "/wss/post/mean"),
            f(p, "/wss/mean/percent")
        );
        assert!(p["triangles"][0].as_u64().unwrap() > 100, "{}", p["part"]);
        assert!(f(p, "/wss/post/mean") > f(p, "/wss/pre/mean"));
        assert!(p["tawss"].is_null());
    }

    // The sac: flow enters through the neck; it is closed, so as much leaves; more with more flow.
    let sac = &json["regions"][0];
    assert_eq!(sac["name"], "sac");
    assert_eq!(sac["from"], "post");
    let (inflow_pre, inflow_post) = (f(sac, "/inflow/pre"), f(sac, "/inflow/post"));
    let (net_pre, net_post) = (f(sac, "/pre/net_percent"), f(sac, "/post/net_percent"));
    println!(
        "sac inflow through the neck: pre {:.5} mL/s, post {:.5} mL/s, ratio {:.3} (Stokes flow: 2); net flux {:.2} % \
         and {:.2} % of the inflow; {} points on the neck's disc",
        inflow_pre * 1e6,
        inflow_post * 1e6,
        inflow_post / inflow_pre,
        net_pre,
        net_post,
        sac["post"]["points"]
    );
    assert!(inflow_pre > 0.0, "flow enters the sac");
    // Stokes flow would double it. These runs measure about 1.5: near the neck the velocity across
    // the parent grows about 1.5 times while the parent's axial velocity doubles (a nonlinearity
    // of the coarse discretisation at cell Peclet numbers 2 to 4, or of the flow), so only the
    // increase is asserted.
    assert!(inflow_post > inflow_pre, "more parent flow drives more flow into the sac");
    // Tolerance: the sac is closed, so what enters leaves, but the velocity interpolated from the
    // cell centres across a neck 10 cells wide, with cut cells at its rim, conserves mass only
    // to the interpolation's error: 10 % of the inflow.
    assert!(
        net_pre.abs() < 10.0 && net_post.abs() < 10.0,
        "net flux into the closed sac: {net_pre:.2} %, {net_post:.2} %"
    );

    // -o: the pictures and compare.json (the same JSON as stdout).
    for name in ["compare_wss.png", "compare_speed.png"] {
        let image = Image::from_png(&std::fs::read(out.join(name)).unwrap()).unwrap();
        assert_eq!((image.width, image.height), (800, 300), "{name}");
        let half = |x0: u32| -> std::collections::HashSet<[u8; 4]> {
            (0..300).flat_map(|y| (x0..x0 + 400).map(move |x| (x, y))).map(|(x, y)| image.pixel(x, y)).collect()
        };
        let (left, right) = (half(0), half(400));
        println!("{name}: {} colours on the left, {} on the right", left.len(), right.len());
        assert!(left.len() > 50 && right.len() > 50, "{name}: both halves show a field");
    }
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    assert_eq!(saved, json, "compare.json holds what --json prints");
}

#[test]
fn periodic_pair_compares_tawss_and_averages_the_inflow_over_the_cycle() {
    let dir = tempfile::tempdir().unwrap();
    mesh(dir.path());
    let pre = run(dir.path(), "pre", 1.0, true);
    let post = run(dir.path(), "post", 2.0, true);
    let (code, json, text) =
        hemoflow(dir.path(), &["compare", pre.to_str().unwrap(), post.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(json["pre"]["caps_over"]["kind"], "cycle");
    let sac = &json["regions"][0];
    let snapshots = sac["post"]["snapshots"].as_u64().unwrap();
    println!(
        "periodic: sac inflow pre {:.5} mL/s, post {:.5} mL/s (ratio {:.3}) over {snapshots} snapshots ({}); net {:.2} %, \
         {:.2} %",
        f(sac, "/inflow/pre") * 1e6,
        f(sac, "/inflow/post") * 1e6,
        f(sac, "/inflow/post") / f(sac, "/inflow/pre"),
        json["post"]["velocity_from"],
        f(sac, "/pre/net_percent"),
        f(sac, "/post/net_percent")
    );
    assert!(snapshots >= 5, "the cycle's snapshots are averaged");
    assert!(json["post"]["velocity_from"].as_str().unwrap().contains("trapezoid"));
    assert!(json["post"]["pressure_from"].as_str().unwrap().contains("cycle 1"));
    assert!(f(sac, "/inflow/post") > f(sac, "/inflow/pre") && f(sac, "/inflow/pre") > 0.0);
    assert!(f(sac, "/pre/net_percent").abs() < 10.0 && f(sac, "/post/net_percent").abs() < 10.0, "the sac is closed");
    for p in json["wall"].as_array().unwrap() {
        println!(
            "TAWSS {}: mean pre {:.4} Pa, post {:.4} Pa",
            p["part"],
            f(p, "/tawss/pre/mean"),
            f(p, "/tawss/post/mean")
        );
        assert!(f(p, "/tawss/post/mean") > f(p, "/tawss/pre/mean"));
    }
}

/// A small output file of `hemoflow run`'s layout: a 4^3 box of fluid with one snapshot and a
/// /summary of two caps, at `spacing` m from `origin` m.
fn synthetic(path: &Path, spacing: f64, origin: [f64; 3], caps: [&str; 2]) {
    let meta = GridMeta { origin, spacing, dims: [4, 4, 4] };
    let _guard = common::SPAWN.lock().unwrap_or_else(|e| e.into_inner());
    let out = H5Output::create(path, "").unwrap();
    out.write_grid(&meta, &[1; 64]).unwrap();
    let cap = |name: &str| CapRecord {
        name: name.into(),
        cells: 16,
        open_area: 16.0 * spacing * spacing,
        area: 16.0 * spacing * spacing,
        normal: [0.0, 0.0, 1.0],
        centroid: origin,
    };
    out.write_caps(&[cap(caps[0]), cap(caps[1])]).unwrap();
    out.write_snapshot(0, 0.1, &[0.0; 64], &[0.0; 192]).unwrap();
    let names = caps.map(String::from).to_vec();
    out.write_summary(&names, &[0.1], &[vec![-1e-6], vec![1e-6]], &[vec![10.0], vec![0.0]]).unwrap();
    out.close().unwrap();
}

#[test]
fn bad_input_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    synthetic(&d.join("a.h5"), 1e-3, [0.0; 3], ["inlet", "outlet"]);
    let (code, json, text) = hemoflow(d, &["compare", "a.h5", "a.h5", "--json"]);
    assert_eq!(code, 0, "a file compares with itself: {text}");
    assert_eq!(json["caps"][0]["flow_rate"]["percent"], 0.0);
    synthetic(&d.join("fine.h5"), 0.5e-3, [0.0; 3], ["inlet", "outlet"]);
    synthetic(&d.join("far.h5"), 1e-3, [1.0, 0.0, 0.0], ["inlet", "outlet"]);
    synthetic(&d.join("other.h5"), 1e-3, [0.0; 3], ["in", "out"]);
    std::fs::write(d.join("text.h5"), "not HDF5").unwrap();
    {
        let _guard = common::SPAWN.lock().unwrap_or_else(|e| e.into_inner());
        hdf5::File::create(d.join("foreign.h5")).unwrap().create_group("data").unwrap();
    }
    let cases = [
        ("missing.h5", "a.h5", vec!["missing.h5", "no such file"]),
        ("a.h5", "text.h5", vec!["text.h5", "cannot open as HDF5"]),
        ("foreign.h5", "a.h5", vec!["foreign.h5", "not an output file of hemoflow run"]),
        ("a.h5", "fine.h5", vec!["a.h5 and fine.h5 cannot be compared", "grid spacings differ"]),
        ("a.h5", "far.h5", vec!["far.h5", "does not overlap"]),
        ("a.h5", "other.h5", vec!["no cap name in common", "in, out"]),
    ];
    for (pre, post, needles) in cases {
        let (code, _, text) = hemoflow(d, &["compare", pre, post]);
        println!("compare {pre} {post}: exit {code}: {}", text.trim());
        assert_eq!(code, 2, "{text}");
        assert_eq!(text.trim().lines().count(), 1, "one line: {text}");
        for needle in needles {
            assert!(text.contains(needle), "{text} lacks {needle:?}");
        }
    }
}
