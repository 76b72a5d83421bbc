//! Checkpoint and restart through `hemoflow run` on lavapipe: a pulsatile run (a periodic flow
//! table with a Womersley inlet, an RCR outlet) that writes a checkpoint half-way, then a second
//! run restarted from that checkpoint. The two must end with the same fields, to the bit, and
//! the same per-step cap history; restarted on the CPU backend, within the backends' rounding.

mod common;

use common::hemoflow;

#[test]
fn two_halves_end_where_the_whole_run_ends() {
    let dir = tempfile::tempdir().unwrap();
    let obj = dir.path().join("pipe.obj");
    let args = ["mesh", "generate", "pipe", "--radius", "1", "--length", "6", "--segments", "64", "-o"];
    let (code, _, text) = hemoflow(&[&args[..], &[obj.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{text}");
    std::fs::write(dir.path().join("inflow.csv"), "time,flow\n0,0.05\n0.005,0.2\n0.01,0.1\n0.015,0.06\n").unwrap();
    let case = "[geometry]\nmesh = \"pipe.obj\"\nunits = \"mm\"\nspacing = 0.25\n\n[[inlet]]\nsurface = \"inlet\"\nwaveform = \"inflow.csv\"\nflow_units = \"mL/s\"\nprofile = \"womersley\"\n\n[[outlet]]\nsurface = \"outlet\"\ntype = \"rcr\"\nrp = 1e8\nc = 1e-11\nrd = 1e9\n\n[time]\nperiod = 0.02\ncycles = 2\n\n[output]\nfile = \"out/whole.h5\"\ninterval = 0.005\ncheckpoint = 0.025\n";
    let path = dir.path().join("pulse.toml");
    std::fs::write(&path, case).unwrap();
    let (code, whole, text) = hemoflow(&["run", path.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{text}");
    let checkpoint = dir.path().join("out/whole.checkpoint.h5");
    assert!(checkpoint.is_file(), "no checkpoint at {}", checkpoint.display());
    let (code, half, text) =
        hemoflow(&["run", path.to_str().unwrap(), "--restart", checkpoint.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{text}");
    let restarted = dir.path().join("out/whole.restart.h5");
    assert!(restarted.is_file(), "the restart writes beside the first run's file, which it keeps");
    let last = |path: &std::path::Path| {
        let f = hdf5::File::open(path).unwrap();
        let fields = f.group("fields").unwrap();
        let mut names = fields.member_names().unwrap();
        names.sort();
        let g = fields.group(names.last().unwrap()).unwrap();
        let time = g.attr("time").unwrap().read_scalar::<f64>().unwrap();
        let u = g.dataset("velocity").unwrap().read_raw::<f32>().unwrap();
        let p = g.dataset("pressure").unwrap().read_raw::<f32>().unwrap();
        let flows = f.dataset("summary/flow_rate").unwrap().read_raw::<f64>().unwrap();
        let pressures = f.dataset("summary/mean_pressure").unwrap().read_raw::<f64>().unwrap();
        (time, u, p, flows, pressures, names.len())
    };
    // The adaptive steps land exactly on the snapshot times and the cycles' ends.
    let f = hdf5::File::open(dir.path().join("out/whole.h5")).unwrap();
    let at = |group: &str, attr: &str| -> Vec<f64> {
        let g = f.group(group).unwrap();
        let mut names = g.member_names().unwrap();
        names.sort();
        names.iter().map(|n| g.group(n).unwrap().attr(attr).unwrap().read_raw::<f64>().unwrap()[0]).collect()
    };
    let (snapshots, cycle_ends) = (at("fields", "time"), at("cycles", "end"));
    println!("snapshot times {snapshots:?} s, cycle ends {cycle_ends:?} s");
    for (k, t) in snapshots.iter().enumerate() {
        assert!((t - 0.005 * (k + 1) as f64).abs() < 1e-12, "snapshot {k} at {t} s");
    }
    assert_eq!(cycle_ends.len(), 2);
    for (k, t) in cycle_ends.iter().enumerate() {
        assert!((t - 0.02 * (k + 1) as f64).abs() < 1e-12, "cycle {} ends at {t} s", k + 1);
    }
    drop(f);
    let (a, b) = (last(&dir.path().join("out/whole.h5")), last(&restarted));
    let differing = |x: &[f32], y: &[f32]| x.iter().zip(y).filter(|(p, q)| p.to_bits() != q.to_bits()).count();
    println!(
        "whole run: {} steps, {} snapshots; restarted at the checkpoint: {} steps to go, {} snapshots; last snapshot at t = {} s and {} s: {} of {} velocity and {} of {} pressure values differ in their bits; /summary rows {} and {}",
        whole["steps"],
        a.5,
        half["steps"].as_u64().unwrap() - checkpoint_step(&checkpoint),
        b.5,
        a.0,
        b.0,
        differing(&a.1, &b.1),
        a.1.len(),
        differing(&a.2, &b.2),
        a.2.len(),
        a.3.len(),
        b.3.len()
    );
    assert_eq!(a.0, b.0, "both end at the same time");
    assert_eq!(differing(&a.1, &b.1), 0, "velocity differs");
    assert_eq!(differing(&a.2, &b.2), 0, "pressure differs");
    assert_eq!(a.3, b.3, "per-step cap flows differ");
    assert_eq!(a.4, b.4, "per-step cap pressures differ");
    assert_eq!(whole["cycles"], half["cycles"], "the cycle summaries differ");
    // The checkpoint is the backends' common format: restarted on the CPU backend, the run ends
    // where the whole run on lavapipe does, to the backends' rounding (tests/cpu_backend.rs).
    let on_cpu = dir.path().join("out/on_cpu.h5");
    let (path_s, checkpoint_s, on_cpu_s) =
        (path.to_str().unwrap(), checkpoint.to_str().unwrap(), on_cpu.to_str().unwrap());
    let (code, _, text) = hemoflow(&["run", path_s, "--restart", checkpoint_s, "--backend", "cpu", "-o", on_cpu_s]);
    assert_eq!(code, 0, "{text}");
    let c = last(&on_cpu);
    let relative = |x: &[f32], y: &[f32]| {
        let scale = y.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        x.iter().zip(y).fold(0.0f32, |m, (p, q)| m.max((p - q).abs())) / scale
    };
    let (du, dp) = (relative(&c.1, &a.1), relative(&c.2, &a.2));
    println!(
        "restarted on the CPU backend: velocity {du:.1e}, pressure {dp:.1e} of their largest values from the whole run"
    );
    assert_eq!(a.0, c.0, "both end at the same time");
    assert!(du < 1e-5 && dp < 1e-5, "the CPU backend's restart ends {du:.2e} (velocity), {dp:.2e} (pressure) away");
    // A checkpoint of another case: exit 2, naming the file and what differs.
    let other = std::fs::read_to_string(&path).unwrap().replace("spacing = 0.25", "spacing = 0.3");
    std::fs::write(&path, other).unwrap();
    let (code, _, text) = hemoflow(&["run", path.to_str().unwrap(), "--restart", checkpoint.to_str().unwrap()]);
    println!("-> {code}: {text}");
    assert!(code == 2 && text.contains("whole.checkpoint.h5") && text.contains("cells") && !text.contains("panicked"));
}

fn checkpoint_step(path: &std::path::Path) -> u64 {
    hdf5::File::open(path).unwrap().attr("step").unwrap().read_scalar::<u64>().unwrap()
}
