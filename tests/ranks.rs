//! A case run on several ranks gives what it gives on one, the ranks threads of this process
//! (`hemoflow::comm::threads`), each with its own device: the stenosis (implicit advection, a
//! pressure outlet) on 2 and 3 ranks (3: parts of unequal shape), on the CPU backend. The same
//! solver as under `mpirun` (tests/mpi.rs runs it so, on more cases), with no MPI: a build
//! without the mpi feature tests its multi-rank code here. Rank 0's output against the one-rank
//! run's: the last snapshot's velocity, pressure, wall shear stress and wall pressure, and every
//! step's cap flows and pressures.
//!
//! The bound: the ranks sum the pressure solve's dot products in another order (each rank its
//! own cells, then over the ranks), which changes them by rounding, about 1e-7 relative, and the
//! steps carry that on; the rest of the arithmetic is the same cell by cell. So the runs are
//! compared as tests/cpu_backend.rs compares the backends (`common::same_run`: each field within
//! 1e-5 of its largest magnitude after 10 steps, the velocity and the wall shear stress with one
//! more term for the rounding of the pressure's level turned into a velocity by a step's
//! gradient). The differences measured are printed.

mod common;

use std::path::{Path, PathBuf};

use hemoflow::case::Case;
use hemoflow::comm::threads;
use hemoflow::gpu::ComputeBackend;

/// Runs `case` on `ranks` ranks (threads), its output in `dir`; rank 0's output file and JSON
/// summary.
fn run(case: &Case, dir: &Path, ranks: usize) -> (PathBuf, serde_json::Value) {
    let mut case = case.clone();
    case.output.file = dir.join(format!("ranks_{ranks}.h5"));
    let summaries = threads::run(ranks, |comm| {
        let rank = comm.rank();
        hemoflow::run::run_on(&case, None, None, false, &mut |_| {}, comm)
            .unwrap_or_else(|e| panic!("{ranks} ranks, rank {rank}: {e}"))
    });
    let summary = serde_json::to_value(&summaries[0]).unwrap();
    for (rank, s) in summaries.iter().enumerate() {
        assert_eq!(s.steps, summaries[0].steps, "rank {rank}'s steps");
        assert_eq!(s.caps.len(), summaries[0].caps.len());
    }
    (case.output.file.clone(), summary)
}

/// The case of `text`, written to `dir`, on `backend`.
fn case_of(text: &str, dir: &Path, backend: ComputeBackend) -> Case {
    let case_path = dir.join("case.toml");
    std::fs::write(&case_path, text).unwrap();
    let mut case = Case::read(&case_path).unwrap();
    case.solver.backend = backend;
    case
}

/// Runs `case` (cells of `h` m, a fluid of `density` kg/m^3) on 1, 2 and 3 ranks and compares
/// what they wrote (`common::same_run`; see the module docs for the bounds).
fn same_on_ranks(name: &str, case: &Case, dir: &Path, h: f64, density: f64) {
    let (one_h5, one) = run(case, dir, 1);
    let dt = one["dt_max"].as_f64().unwrap();
    for ranks in [2, 3] {
        let (h5, summary) = run(case, dir, ranks);
        assert_eq!(summary["steps"], one["steps"], "{name}: steps");
        let line = common::same_run(&h5, &one_h5, h, dt, density);
        println!(
            "{name}, {} steps, {ranks} ranks against 1 ({line}); halo {:.0} bytes per step on rank 0",
            one["steps"],
            summary["counters"]["halo_bytes"].as_f64().unwrap_or(0.0)
        );
    }
}

#[test]
fn the_stenosis_on_two_and_three_ranks_matches_one() {
    let dir = tempfile::tempdir().unwrap();
    let case = case_of(&common::stenosis_case(), dir.path(), ComputeBackend::Cpu);
    same_on_ranks("stenosis", &case, dir.path(), 0.25e-3, 1060.0);
}

#[test]
fn more_ranks_than_the_grid_has_bricks_are_refused_naming_both() {
    // A 1 mm pipe, 2 mm long, at 0.25 mm: 16 bricks, so 17 ranks cannot all own one.
    let dir = tempfile::tempdir().unwrap();
    let obj = dir.path().join("tiny.obj");
    let args = ["mesh", "generate", "pipe", "--radius", "0.5", "--length", "2", "--segments", "32", "-o"];
    let (code, _, text) = common::hemoflow(&[&args[..], &[obj.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{text}");
    let text = "[geometry]\nmesh = \"tiny.obj\"\nunits = \"mm\"\nspacing = 0.25\n[[inlet]]\nsurface = \"inlet\"\n\
                flow_rate = 0.01e-6\n[[outlet]]\nsurface = \"outlet\"\npressure = 0.0\n[time]\nend = 0.002\n\
                dt = 0.001\n[output]\nfile = \"tiny.h5\"\n";
    let case = case_of(text, dir.path(), ComputeBackend::Cpu);
    let errors = threads::run(17, |comm| hemoflow::run::run_on(&case, None, None, false, &mut |_| {}, comm).err());
    for (rank, e) in errors.iter().enumerate() {
        let e = e.as_ref().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("17 ranks for a grid of 16 bricks"), "rank {rank}: {e}");
    }
    println!("17 ranks on 16 bricks -> {}", errors[0].as_ref().unwrap());
}
