//! The CPU backend (`--backend cpu`, `hemoflow::gpu::host`) against the GPU (lavapipe here):
//! every stage the solver records has a twin there, and the same case run on both gives the
//! same fields, wall quantities and cap values. Each twin is checked against its WGSL stage on
//! seeded input in gpu_solver_kernels.rs and gpu_vector.rs; here whole runs are compared.
//!
//! The bound on the whole runs: the two backends round differently (lavapipe's compiler fuses
//! a * b + c into one rounding where Rust rounds twice, and the reductions add in other
//! orders), by about 1e-7 relative per operation, and the steps carry that on: each field is
//! held to 1e-5 of its largest magnitude after 10 steps. The velocity and the wall shear stress
//! are allowed one more term: the rounding of the pressure's level, eps |p|max (kinematic),
//! turned into a velocity by one step's gradient, dt / h. Under an outlet at 12 kPa with a drop
//! of 33 Pa (the stenosis) that term is the larger one: eps |p| dt / h is 1.1e-4 of the peak
//! velocity there; they are held to 4 times it on top of the 1e-5. The measured differences are
//! printed.

mod common;

use std::path::{Path, PathBuf};

use hemoflow::case::Case;
use hemoflow::gpu::{shader, ComputeBackend, GpuError};
use hemoflow::solver::twins;

#[test]
fn every_stage_the_solver_records_has_a_twin_on_the_cpu_backend() {
    let gpu = common::cpu();
    assert!(gpu.is_cpu() && gpu.report.name.starts_with("hemoflow CPU backend"), "{}", gpu.report.name);
    let mut with_twin = 0;
    for stage in shader::stages() {
        // Pictures are drawn on a wgpu adapter, and the grid probe tests the WGSL index module.
        if stage.starts_with("render/") || stage == "test/grid_probe" {
            continue;
        }
        assert!(twins::find(stage).is_some(), "stage {stage} has no twin on the CPU backend");
        gpu.kernel(stage).unwrap_or_else(|e| panic!("{stage} on the CPU backend: {e}"));
        with_twin += 1;
    }
    assert!(with_twin >= 23, "{with_twin} stages");
    // A stage without a twin fails when its pipeline is made, naming it.
    match gpu.kernel("test/grid_probe") {
        Err(GpuError::Validation { message, .. }) => assert!(message.contains("test/grid_probe"), "{message}"),
        other => panic!("a stage without a twin gave {:?}", other.map(|k| k.name.clone())),
    }
    // --adapter means a GPU: with the CPU backend it is an error, not ignored.
    let e = twins::open(ComputeBackend::Cpu, Some("llvmpipe"), wgpu::Features::empty()).err().expect("an error");
    assert!(e.to_string().contains("--adapter"), "{e}");
    // From the command line: a usage error, exit 2, before any grid is built.
    let (code, _, text) = common::hemoflow(&["run", "--backend", "cpu", "--adapter", "llvmpipe", "--dry-run"]);
    assert!(code == 2 && text.contains("--adapter \"llvmpipe\"") && !text.contains("panicked"), "{code}: {text}");
}

/// A case of the repository's meshes run for 10 steps of `dt` (s) on `backend`, its output in
/// `dir`; the run's JSON summary.
fn run(text: &str, dir: &Path, backend: ComputeBackend) -> (PathBuf, serde_json::Value) {
    let case_path = dir.join(format!("case_{}.toml", backend.name()));
    std::fs::write(&case_path, text).unwrap();
    let mut case = Case::read(&case_path).unwrap();
    case.solver.backend = backend;
    case.output.file = dir.join(format!("{}.h5", backend.name()));
    let summary = {
        let _lock = common::SPAWN.lock().unwrap_or_else(|e| e.into_inner());
        hemoflow::run::run(&case, None, None, false, &mut |_| {}).unwrap_or_else(|e| panic!("{backend:?}: {e}"))
    };
    assert_eq!(summary.backend, backend.name());
    (case.output.file.clone(), serde_json::to_value(&summary).unwrap())
}

/// The largest difference of `a` from `b` over the largest magnitude of `b`.
fn relative(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0.0f64, |m, &x| m.max(x.abs() as f64));
    let diff = a.iter().zip(b).fold(0.0f64, |m, (&x, &y)| m.max((x as f64 - y as f64).abs()));
    diff / scale.max(f64::MIN_POSITIVE)
}

/// Runs `text` (time step `dt` s, spacing `h` m, `density` kg/m^3) on both backends and
/// compares what they wrote: the last snapshot's velocity, pressure, wall shear stress and wall
/// pressure, and every step's cap flows and pressures (see the module docs for the bounds).
fn same_on_both(name: &str, text: &str, dt: f64, h: f64, density: f64) {
    const BOUND: f64 = 1e-5;
    let dir = tempfile::tempdir().unwrap();
    let (gpu_h5, gpu_summary) = run(text, dir.path(), ComputeBackend::Gpu);
    let (cpu_h5, cpu_summary) = run(text, dir.path(), ComputeBackend::Cpu);
    assert_eq!(gpu_summary["steps"], cpu_summary["steps"], "{name}: steps");
    let read = |h5: &Path, at: &str| -> Vec<f32> {
        let _lock = common::SPAWN.lock().unwrap_or_else(|e| e.into_inner());
        let f = hdf5::File::open(h5).unwrap();
        f.dataset(at).unwrap_or_else(|e| panic!("{name}: {at}: {e}")).read_raw::<f32>().unwrap()
    };
    let last = {
        let f = hdf5::File::open(&gpu_h5).unwrap();
        f.group("fields").unwrap().member_names().unwrap().into_iter().max().unwrap()
    };
    let at = |field: &str| format!("fields/{last}/{field}");
    let largest = |v: &[f32]| v.iter().fold(0.0f64, |m, &x| m.max(x.abs() as f64));
    let p_max = largest(&read(&gpu_h5, &at("pressure"))) / density;
    let u_max = largest(&read(&gpu_h5, &at("velocity")));
    let pressure_rounding = 4.0 * f32::EPSILON as f64 * p_max * dt / (h * u_max);
    let mut line = format!(
        "{name}, {} steps, CPU backend against lavapipe (max |difference| / max |value|):",
        gpu_summary["steps"]
    );
    for field in ["velocity", "pressure", "wss", "wall_pressure"] {
        let e = relative(&read(&cpu_h5, &at(field)), &read(&gpu_h5, &at(field)));
        let bound = if matches!(field, "velocity" | "wss") { BOUND + pressure_rounding } else { BOUND };
        line += &format!(" {field} {e:.1e} (bound {bound:.1e})");
        assert!(e <= bound, "{name}: {field} differs by {e:.2e} of its largest value (bound {bound:.2e})");
    }
    for table in ["flow_rate", "mean_pressure"] {
        let at = format!("summary/{table}");
        let e = relative(&read(&cpu_h5, &at), &read(&gpu_h5, &at));
        line += &format!(" caps' {table} {e:.1e}");
        assert!(e <= BOUND, "{name}: {table} differs by {e:.2e} (bound {BOUND:.0e})");
    }
    let (cpu_s, gpu_s) = (cpu_summary["seconds"].as_f64().unwrap(), gpu_summary["seconds"].as_f64().unwrap());
    println!("{line}; {cpu_s:.2} s on the CPU backend, {gpu_s:.2} s on lavapipe");
}

fn meshes() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes").to_str().unwrap().replace('\\', "/")
}

#[test]
fn the_stenosis_gives_the_same_fields_on_both_backends() {
    // Implicit advection (one momentum pass, upwind in the sweeps), a parabolic inlet, a
    // pressure outlet.
    let text = format!(
        "[geometry]\nmesh = \"{}/stenosis.obj\"\nunits = \"mm\"\nspacing = 0.25\n\
         [fluid]\ndensity = 1060.0\nviscosity = 0.0035\n\
         [[inlet]]\nsurface = \"inlet\"\nflow_rate = 0.5e-6\nprofile = \"parabolic\"\n\
         [[outlet]]\nsurface = \"outlet\"\npressure = 12000.0\n\
         [time]\nend = 0.05\ndt = 0.005\n[solver]\nadvection = \"implicit\"\n[output]\nfile = \"x.h5\"\n",
        meshes()
    );
    same_on_both("stenosis", &text, 0.005, 0.25e-3, 1060.0);
}

#[test]
fn the_bifurcation_gives_the_same_fields_on_both_backends() {
    // Explicit advection (three Runge-Kutta momentum passes), a Carreau-Yasuda fluid (the shear
    // viscosity pass), a Womersley inlet, resistance and RCR outlets, the wall's time
    // integrals over a short period.
    let text = format!(
        "[geometry]\nmesh = \"{}/bifurcation.obj\"\nunits = \"mm\"\nspacing = 0.3\n\
         [fluid]\ndensity = 1060.0\nmodel = \"carreau-yasuda\"\n\
         [[inlet]]\nsurface = \"inlet\"\nflow_rate = 1.0e-6\nprofile = \"parabolic\"\n\
         [[outlet]]\nsurface = \"outlet_1\"\ntype = \"resistance\"\nr = 1.0e9\n\
         [[outlet]]\nsurface = \"outlet_2\"\ntype = \"rcr\"\nrp = 1.0e8\nc = 1.0e-10\nrd = 1.0e9\n\
         [time]\nperiod = 0.0005\ncycles = 2\ndt = 0.0001\n[output]\nfile = \"x.h5\"\ninterval = 0.0005\n",
        meshes()
    );
    same_on_both("bifurcation", &text, 1e-4, 0.3e-3, 1060.0);
}
