//! `mpirun -np N hemoflow run` (Open MPI; the `mpi` feature, which tools/test builds with) on
//! lavapipe, the ranks sharing this machine. On 2 and 3 ranks (3: parts of unequal shape), each
//! case gives what it gives on one rank: the stenosis (implicit advection, a pressure outlet),
//! the bifurcation (explicit advection, a Carreau-Yasuda fluid, resistance and RCR outlets,
//! cycle averages), the bundled demo's first 20 ms (a real aorta, a Womersley inlet, RCR
//! outlets, adaptive steps) and a pulsatile pipe (a Womersley inlet from a flow table, an RCR
//! outlet, two cycles, a checkpoint half-way). The pipe's 2-rank checkpoint restarted on 1 rank,
//! and its 1-rank checkpoint on 2, end where the whole run does; a rank that fails ends the job
//! with exit code 2 and a message naming it.
//!
//! The bound, as in tests/ranks.rs: the ranks sum the pressure solve's dot products in another
//! order (each its own cells, then over the ranks), so the runs are compared as two backends are
//! (`common::same_run`: each field, the last cycle's TAWSS and the caps' per-step flows and
//! pressures within 1e-5 of their largest magnitude; the velocity, the wall shear stress and the
//! TAWSS with one more term for the pressure level's rounding, 4 eps |p|max dt / (h |u|max)).
//! The differences measured are printed.

mod common;

use std::path::Path;
use std::process::Command;

/// Runs `mpirun -np RANKS hemoflow ARGS` in `dir` (as root where CI runs so, oversubscribing
/// this machine's cores): (exit code, rank 0's stdout as JSON or Null, stdout and stderr).
fn mpirun(dir: &Path, ranks: usize, args: &[&str]) -> (i32, serde_json::Value, String) {
    let mut command = Command::new("mpirun");
    command
        .current_dir(dir)
        .args(["--oversubscribe", "-np", &ranks.to_string(), env!("CARGO_BIN_EXE_hemoflow")])
        .args(args)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("XDG_RUNTIME_DIR", std::env::temp_dir());
    let out = {
        let _lock = common::SPAWN.lock().unwrap_or_else(|e| e.into_inner());
        command.output().unwrap_or_else(|e| panic!("mpirun: {e}: install Open MPI (apt-get install openmpi-bin)"))
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json, stdout + &String::from_utf8_lossy(&out.stderr))
}

/// Fails at once, saying why, where the tests were built without MPI.
fn need_mpi() {
    if !hemoflow::comm::MPI {
        panic!(
            "these tests run hemoflow under mpirun: build them with `--features mpi` (tools/test does; it needs \
             libopenmpi-dev and libclang-dev)"
        );
    }
}

/// Runs the case file `case` (cells of `h` m) in `dir` on 1 rank (into one.h5), then on 2 and 3
/// under mpirun (ranks_N.h5), and compares them (`common::same_run`); the one-rank run's
/// longest time step, s.
fn same_on_ranks(dir: &Path, name: &str, case: &str, h: f64) -> f64 {
    let (code, one, text) = common::hemoflow_in(dir, &["run", case, "-o", "one.h5", "--json"]);
    assert_eq!(code, 0, "{name}: {text}");
    let dt = one["dt_max"].as_f64().unwrap();
    for ranks in [2, 3] {
        let file = format!("ranks_{ranks}.h5");
        let (code, summary, text) = mpirun(dir, ranks, &["run", case, "-o", &file, "--json"]);
        assert_eq!(code, 0, "{name}, {ranks} ranks: {text}");
        assert_eq!(summary["ranks"], ranks, "{text}");
        assert_eq!(summary["steps"], one["steps"], "{name}, {ranks} ranks: steps");
        let line = common::same_run(&dir.join(&file), &dir.join("one.h5"), h, dt, 1060.0);
        println!(
            "{name}, {} steps on {ranks} ranks against 1 ({line}); {:.1} round trips and {:.0} halo bytes per step on \
             rank 0, which owns {} of {} fluid cells",
            summary["steps"],
            summary["counters"]["round_trips"],
            summary["counters"]["halo_bytes"],
            summary["owned_fluid_cells"],
            summary["fluid_cells"]
        );
    }
    dt
}

#[test]
fn mpirun_on_the_stenosis_the_bifurcation_and_the_demo_matches_one_rank() {
    need_mpi();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("stenosis.toml"), common::stenosis_case()).unwrap();
    same_on_ranks(d, "stenosis", "stenosis.toml", 0.25e-3);
    std::fs::write(d.join("bifurcation.toml"), common::bifurcation_case()).unwrap();
    same_on_ranks(d, "bifurcation", "bifurcation.toml", 0.3e-3);
    // The bundled demo's first 20 ms (its case with an end time, beside its files).
    for name in ["demo_aorta_iliac.vtp", "demo_aorta_iliac.mdl", "demo_inflow.flow"] {
        std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes").join(name), d.join(name)).unwrap();
    }
    let demo = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/demo.toml")).unwrap();
    assert!(demo.contains("cycles = 2"), "the demo's case changed: update this test");
    std::fs::write(d.join("demo.toml"), demo.replace("cycles = 2", "end = 0.02")).unwrap();
    same_on_ranks(d, "the demo's first 20 ms", "demo.toml", 2e-3);
}

#[test]
fn mpirun_on_a_pulsatile_pipe_restarts_across_rank_counts_and_a_failing_rank_ends_the_job() {
    need_mpi();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let obj = d.join("pipe.obj");
    let args = ["mesh", "generate", "pipe", "--radius", "1", "--length", "6", "--segments", "64", "-o"];
    let (code, _, text) = common::hemoflow(&[&args[..], &[obj.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{text}");
    std::fs::write(d.join("inflow.csv"), "time,flow\n0,0.05\n0.005,0.2\n0.01,0.1\n0.015,0.06\n").unwrap();
    let case = "[geometry]\nmesh = \"pipe.obj\"\nunits = \"mm\"\nspacing = 0.25\n\n[[inlet]]\nsurface = \"inlet\"\n\
                waveform = \"inflow.csv\"\nflow_units = \"mL/s\"\nprofile = \"womersley\"\n\n[[outlet]]\n\
                surface = \"outlet\"\ntype = \"rcr\"\nrp = 1e8\nc = 1e-11\nrd = 1e9\n\n[time]\nperiod = 0.02\n\
                cycles = 2\n\n[output]\nfile = \"one.h5\"\ninterval = 0.005\ncheckpoint = 0.025\n";
    std::fs::write(d.join("pulse.toml"), case).unwrap();

    let dt = same_on_ranks(d, "pulsatile pipe", "pulse.toml", 0.25e-3);

    // The 2-rank run's checkpoint on 1 rank, and the 1-rank run's on 2.
    let (code, _, text) =
        common::hemoflow_in(d, &["run", "pulse.toml", "--restart", "ranks_2.checkpoint.h5", "-o", "from_2_on_1.h5"]);
    assert_eq!(code, 0, "{text}");
    let line = common::same_run(&d.join("from_2_on_1.h5"), &d.join("one.h5"), 0.25e-3, dt, 1060.0);
    println!("2 ranks' checkpoint restarted on 1 against one rank's whole run ({line})");
    let (code, _, text) =
        mpirun(d, 2, &["run", "pulse.toml", "--restart", "one.checkpoint.h5", "-o", "from_1_on_2.h5"]);
    assert_eq!(code, 0, "{text}");
    let line = common::same_run(&d.join("from_1_on_2.h5"), &d.join("one.h5"), 0.25e-3, dt, 1060.0);
    println!("1 rank's checkpoint restarted on 2 against one rank's whole run ({line})");

    // A rank that fails takes the job down: exit 2, the cause and the rank named, no panic.
    let bad = std::fs::read_to_string(d.join("pulse.toml")).unwrap().replace("pipe.obj", "missing.obj");
    std::fs::write(d.join("bad.toml"), bad).unwrap();
    let (code, _, text) = mpirun(d, 2, &["run", "bad.toml"]);
    println!("a failing case on 2 ranks -> {code}: {}", text.lines().next().unwrap_or(""));
    assert!(code == 2 && text.contains("missing.obj") && text.contains("rank") && !text.contains("panicked"), "{text}");
}
