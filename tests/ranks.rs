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
//! steps carry that on; the rest of the arithmetic is the same cell by cell. As in
//! tests/cpu_backend.rs, each field is held to 1e-5 of its largest magnitude after 10 steps, the
//! velocity and the wall shear stress with one more term for the rounding of the pressure's
//! level turned into a velocity by a step's gradient (4 eps |p|max dt / (h |u|max)). The
//! differences measured are printed.

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

/// The largest difference of `a` from `b` over the largest magnitude of `b`.
fn relative(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0.0f64, |m, &x| m.max(x.abs() as f64));
    let diff = a.iter().zip(b).fold(0.0f64, |m, (&x, &y)| m.max((x as f64 - y as f64).abs()));
    diff / scale.max(f64::MIN_POSITIVE)
}

/// Runs `case` (cells of `h` m, a fluid of `density` kg/m^3) on 1, 2 and 3 ranks and compares
/// what they wrote (see the module docs for the bounds).
fn same_on_ranks(name: &str, case: &Case, dir: &Path, h: f64, density: f64) {
    const BOUND: f64 = 1e-5;
    let (one_h5, one) = run(case, dir, 1);
    let read = |h5: &Path, at: &str| -> Vec<f32> {
        let _lock = common::SPAWN.lock().unwrap_or_else(|e| e.into_inner());
        let f = hdf5::File::open(h5).unwrap();
        f.dataset(at).unwrap_or_else(|e| panic!("{name}: {at}: {e}")).read_raw::<f32>().unwrap()
    };
    let last = {
        let f = hdf5::File::open(&one_h5).unwrap();
        f.group("fields").unwrap().member_names().unwrap().into_iter().max().unwrap()
    };
    let at = |field: &str| format!("fields/{last}/{field}");
    let largest = |v: &[f32]| v.iter().fold(0.0f64, |m, &x| m.max(x.abs() as f64));
    let p_max = largest(&read(&one_h5, &at("pressure"))) / density;
    let u_max = largest(&read(&one_h5, &at("velocity")));
    let dt = one["dt_max"].as_f64().unwrap();
    let pressure_rounding = 4.0 * f32::EPSILON as f64 * p_max * dt / (h * u_max);
    for ranks in [2, 3] {
        let (h5, summary) = run(case, dir, ranks);
        assert_eq!(summary["steps"], one["steps"], "{name}: steps");
        let mut line =
            format!("{name}, {} steps, {ranks} ranks against 1 (max |difference| / max |value|):", one["steps"]);
        for field in ["velocity", "pressure", "wss", "wall_pressure"] {
            let e = relative(&read(&h5, &at(field)), &read(&one_h5, &at(field)));
            let bound = if matches!(field, "velocity" | "wss") { BOUND + pressure_rounding } else { BOUND };
            line += &format!(" {field} {e:.1e} (bound {bound:.1e})");
            assert!(
                e <= bound,
                "{name}, {ranks} ranks: {field} differs by {e:.2e} of its largest value (bound {bound:.2e})"
            );
        }
        for table in ["flow_rate", "mean_pressure"] {
            let at = format!("summary/{table}");
            let e = relative(&read(&h5, &at), &read(&one_h5, &at));
            line += &format!(" caps' {table} {e:.1e}");
            assert!(e <= BOUND, "{name}, {ranks} ranks: {table} differs by {e:.2e} (bound {BOUND:.0e})");
        }
        println!(
            "{line}; halo {:.0} bytes per step on rank 0",
            summary["counters"]["halo_bytes"].as_f64().unwrap_or(0.0)
        );
    }
}

fn meshes() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes").to_str().unwrap().replace('\\', "/")
}

#[test]
fn the_stenosis_on_two_and_three_ranks_matches_one() {
    let text = format!(
        "[geometry]\nmesh = \"{}/stenosis.obj\"\nunits = \"mm\"\nspacing = 0.25\n\
         [fluid]\ndensity = 1060.0\nviscosity = 0.0035\n\
         [[inlet]]\nsurface = \"inlet\"\nflow_rate = 0.5e-6\nprofile = \"parabolic\"\n\
         [[outlet]]\nsurface = \"outlet\"\npressure = 12000.0\n\
         [time]\nend = 0.05\ndt = 0.005\n[solver]\nadvection = \"implicit\"\n[output]\nfile = \"x.h5\"\n",
        meshes()
    );
    let dir = tempfile::tempdir().unwrap();
    let case = case_of(&text, dir.path(), ComputeBackend::Cpu);
    same_on_ranks("stenosis", &case, dir.path(), 0.25e-3, 1060.0);
}
