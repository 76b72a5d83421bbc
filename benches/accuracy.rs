//! The accuracy study of steady Hagen-Poiseuille flow in straight pipes oblique to the grid
//! (hemoflow::verify::pipe), long enough that their middle third is fully developed flow
//! (verify::pipe::developed_diameters), on the GPU path (lavapipe where there is no GPU): for each axis,
//! Reynolds number and resolution, the errors of the pressure gradient, centreline velocity and
//! area-weighted wall shear stress, the worst wall triangle, the net advective force on the
//! middle third (over its pressure force; none in fully developed flow) and the part of it within
//! h of the wall, the wall streak (the spread around the pipe of the axial velocity next to the
//! wall, over 2 U, and the wall normal where it is fastest) and the observed order between
//! successive resolutions. A study, not a timing:
//! `cargo bench --bench accuracy` runs the whole table (hours on lavapipe); `-- quick` only D/h 8
//! and 16 on one axis; `-- CASES` with CASES like `re=100,dh=10,axis=2` picks cases.
//! `cargo test --benches` (or cargo-nextest, which lists it as `smoke`) runs one small case as a
//! smoke check. Output: a Markdown table on stdout, and JSON lines in target/accuracy.jsonl.
//! `BACKEND=cpu` runs it on the CPU backend (the same fields, tests/cpu_backend.rs; minutes for
//! the whole table here instead of hours).

use std::io::Write;

use clap::ValueEnum;
use hemoflow::gpu::ComputeBackend;
use hemoflow::mesh::Vec3;
use hemoflow::solver::gpu_solver::Advection;
use hemoflow::solver::twins;
use hemoflow::verify::{developed_diameters, oblique_pipe, PipeCase, PipeErrors};

/// Axes none of which is near a grid axis.
const AXES: [[f64; 3]; 3] = [[0.3, -0.5, 0.8], [1.0, 1.0, 1.0], [0.2, 0.7, -0.45]];
const REYNOLDS: [f64; 3] = [1.0, 100.0, 500.0];
const RESOLUTIONS: [f64; 4] = [8.0, 10.0, 16.0, 20.0];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let bench = std::env::args().any(|a| a == "--bench");
    if std::env::args().any(|a| a == "--list") {
        // A test runner's listing (cargo-nextest): the smoke check is the one test; none ignored.
        if !std::env::args().any(|a| a == "--ignored") {
            println!("smoke: test");
        }
        return;
    }
    let backend = std::env::var("BACKEND").map_or(ComputeBackend::default(), |b| {
        ComputeBackend::from_str(&b, true).unwrap_or_else(|e| panic!("BACKEND={b}: {e}"))
    });
    let gpu = twins::open(backend, None, wgpu::Features::empty())
        .unwrap_or_else(|e| panic!("{e}: install mesa-vulkan-drivers (tools/setup does)"));
    println!("adapter: {}", gpu.report.name);
    let mut cases: Vec<(usize, f64, f64)> = Vec::new();
    if !bench {
        cases.push((0, 100.0, 8.0));
    } else if args.iter().any(|a| a == "quick") {
        for re in REYNOLDS {
            cases.extend([(0, re, 8.0), (0, re, 16.0)]);
        }
    } else if args.is_empty() {
        for axis in 0..AXES.len() {
            for re in REYNOLDS {
                cases.extend(RESOLUTIONS.iter().map(|&dh| (axis, re, dh)));
            }
        }
    } else {
        for a in &args {
            let (mut axis, mut re, mut dh) = (0, 100.0, 10.0);
            for kv in a.split(',') {
                match kv.split_once('=') {
                    Some(("axis", v)) => axis = v.parse().expect("axis=0..2"),
                    Some(("re", v)) => re = v.parse().expect("re=NUMBER"),
                    Some(("dh", v)) => dh = v.parse().expect("dh=NUMBER"),
                    _ => panic!("case {a}: expected re=R,dh=N,axis=K"),
                }
            }
            cases.push((axis, re, dh));
        }
    }
    let log_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/accuracy.jsonl");
    let mut log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path).ok();
    println!(
        "| axis | Re | D/h | cells | steps | dp/ds | centre | mean WSS | worst WSS | peak | advective force (wall) | wall streak (at normal) | order dp, centre, WSS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut previous: Option<(usize, f64, f64, PipeErrors)> = None;
    for (axis, re, dh) in cases {
        let [x, y, z] = AXES[axis];
        let case = PipeCase {
            axis: Vec3::new(x, y, z),
            reynolds: re,
            d_over_h: dh,
            advection: Advection::Explicit,
            courant: 0.5,
            // The smoke check's pipe is the default five diameters: it checks that the study runs.
            diameters: if bench { developed_diameters(re) } else { PipeCase::default().diameters },
            ..Default::default()
        };
        let e = oblique_pipe(&gpu, &case).unwrap_or_else(|err| panic!("axis {axis}, Re {re}, D/h {dh}: {err}"));
        let order = match &previous {
            Some((a, r, d, p)) if *a == axis && *r == re => {
                let o = |x: f64, y: f64| (x.abs() / y.abs()).ln() / (dh / d).ln();
                format!(
                    "{:.2}, {:.2}, {:.2}",
                    o(p.pressure_gradient, e.pressure_gradient),
                    o(p.centre, e.centre),
                    o(p.wss_mean, e.wss_mean)
                )
            }
            _ => String::new(),
        };
        println!(
            "| ({x}, {y}, {z}) | {re} | {dh} | {} | {}{} | {:+.2}% | {:+.2}% | {:+.2}% | {:+.2}% | {:+.2}% | {:+.2}% ({:+.2}%) | {:.2}% ({:.2}, {:.2}, {:.2}) | {order} |",
            e.fluid_cells,
            e.steps,
            if e.steady { "" } else { " (not steady)" },
            100.0 * e.pressure_gradient,
            100.0 * e.centre,
            100.0 * e.wss_mean,
            100.0 * e.wss_worst,
            100.0 * e.peak,
            100.0 * e.advective_force,
            100.0 * e.advective_force_wall,
            100.0 * e.wall_streak,
            e.wall_streak_normal[0],
            e.wall_streak_normal[1],
            e.wall_streak_normal[2]
        );
        if let Some(f) = log.as_mut() {
            let line = serde_json::json!({ "adapter": gpu.report.name, "axis": [x, y, z], "reynolds": re, "d_over_h": dh, "errors": e });
            let _ = writeln!(f, "{line}");
        }
        previous = Some((axis, re, dh, e));
    }
}
