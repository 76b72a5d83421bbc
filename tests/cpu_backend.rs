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

/// Runs `text` (time step `dt` s, spacing `h` m, `density` kg/m^3) on both backends and
/// compares what they wrote (`common::same_run`: the last snapshot's fields and wall values,
/// every step's cap flows and pressures; bounds in the module docs).
fn same_on_both(name: &str, text: &str, dt: f64, h: f64, density: f64) {
    let dir = tempfile::tempdir().unwrap();
    let (gpu_h5, gpu_summary) = run(text, dir.path(), ComputeBackend::Gpu);
    let (cpu_h5, cpu_summary) = run(text, dir.path(), ComputeBackend::Cpu);
    assert_eq!(gpu_summary["steps"], cpu_summary["steps"], "{name}: steps");
    let line = common::same_run(&cpu_h5, &gpu_h5, h, dt, density);
    let (cpu_s, gpu_s) = (cpu_summary["seconds"].as_f64().unwrap(), gpu_summary["seconds"].as_f64().unwrap());
    println!(
        "{name}, {} steps, CPU backend against lavapipe ({line}); {cpu_s:.2} s on the CPU backend, {gpu_s:.2} s on \
         lavapipe",
        gpu_summary["steps"]
    );
}

#[test]
fn the_stenosis_gives_the_same_fields_on_both_backends() {
    same_on_both("stenosis", &common::stenosis_case(), 0.005, 0.25e-3, 1060.0);
}

#[test]
fn the_bifurcation_gives_the_same_fields_on_both_backends() {
    same_on_both("bifurcation", &common::bifurcation_case(), 1e-4, 0.3e-3, 1060.0);
}
