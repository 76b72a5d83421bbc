//! Outputs that cannot be clobbered: two runs racing for one output file (the second exits 2,
//! naming the first, and the first's file is whole), runs killed with SIGKILL at seeded random
//! moments (the file opens in h5py and `hemoflow info` with every snapshot committed before the
//! kill), and the bundled demo run by a copy of the binary from an empty folder (`--dry-run`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::{hemoflow, hemoflow_in, spawn_in, SPAWN};

/// A 2 mm pipe, 8 mm long, oblique, at 0.25 mm: 25 snapshots over 0.05 s (a few seconds on
/// lavapipe), into `dir/out/pipe.h5`.
fn case(dir: &Path) -> PathBuf {
    common::oblique_pipe(dir);
    let toml = "[geometry]\nmesh = \"pipe.obj\"\nunits = \"mm\"\nspacing = 0.25\n\n[[inlet]]\nsurface = \"inlet\"\nflow_rate = 6.0e-8\n\n[[outlet]]\nsurface = \"outlet\"\npressure = 0.0\n\n[time]\nend = 0.05\n\n[output]\nfile = \"out/pipe.h5\"\ninterval = 0.002\n";
    let path = dir.join("pipe.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// Snapshots `hemoflow info --json` counts in `h5` (exit code and count).
fn info_snapshots(h5: &Path) -> (i32, Option<u64>, String) {
    let (code, json, text) = hemoflow(&["info", h5.to_str().unwrap(), "--json"]);
    (code, json["snapshots"]["count"].as_u64(), text)
}

/// h5py opens `h5` and reads every dataset, checking the layout (tools/check_output_h5.py).
fn h5py_reads(h5: &Path) -> String {
    let (ok, out) = common::check_output_h5(&[h5]);
    assert!(ok, "h5py cannot read {}: {out}", h5.display());
    out
}

/// Snapshots listed in an XDMF time series (written after each snapshot is committed): what
/// the run had reported written.
fn xdmf_snapshots(xdmf: &Path) -> usize {
    std::fs::read_to_string(xdmf).map_or(0, |t| t.matches("<Time Value").count())
}

#[test]
fn a_second_run_on_the_same_output_exits_2_naming_the_first_and_its_file_stays_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = case(dir.path());
    let first = spawn_in(dir.path(), &["run", path.to_str().unwrap(), "--json"]);
    let lock = dir.path().join("out/pipe.h5.lock");
    let t0 = Instant::now();
    while !std::fs::read_to_string(&lock).is_ok_and(|t| t.ends_with('\n')) {
        assert!(t0.elapsed() < Duration::from_secs(60), "the first run never locked {}", lock.display());
        std::thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    let (code, _, text) = hemoflow_in(dir.path(), &["run", path.to_str().unwrap()]);
    let refused_in = started.elapsed();
    let first_pid = first.id();
    let out = first.wait_with_output().unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    println!("second run -> {code} after {:.2} s: {}", refused_in.as_secs_f64(), text.trim());
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("out/pipe.h5") && text.contains(&format!("process {first_pid}")), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    assert!(out.status.success(), "the first run failed: {}", String::from_utf8_lossy(&out.stderr));
    let h5 = dir.path().join("out/pipe.h5");
    let (code, count, text) = info_snapshots(&h5);
    println!("first run: {} snapshots reported, {count:?} in its file; {}", summary["snapshots"], h5py_reads(&h5));
    assert_eq!(code, 0, "{text}");
    assert_eq!(count, summary["snapshots"].as_u64(), "every snapshot of the first run is in its file");
    assert!(!lock.exists(), "the lock file is removed when the run ends");
    // A run that locks no longer blocks the next one once it is gone, even killed.
    let mut killed = spawn_in(dir.path(), &["run", path.to_str().unwrap()]);
    while !lock.exists() {
        std::thread::sleep(Duration::from_millis(5));
    }
    killed.kill().unwrap();
    killed.wait().unwrap();
    let (code, _, text) = hemoflow_in(dir.path(), &["run", path.to_str().unwrap(), "--dry-run"]);
    assert_eq!(code, 0, "a killed run's lock file must not block: {text}");
}

/// splitmix64: a seeded sequence of kill moments.
fn next(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

#[test]
fn runs_killed_at_random_moments_leave_files_that_open_with_every_committed_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = case(dir.path());
    let h5 = dir.path().join("out/pipe.h5");
    let xdmf = dir.path().join("out/pipe.xdmf");
    let (code, whole, text) = hemoflow_in(dir.path(), &["run", path.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{text}");
    let total = whole["snapshots"].as_u64().unwrap() as usize;
    let size = || std::fs::metadata(&h5).map_or(0, |m| m.len());
    let mut state = 0x5eed_0016_u64;
    let mut seen = Vec::new();
    for trial in 0..8 {
        let _ = std::fs::remove_dir_all(dir.path().join("out"));
        // Seeded: after which snapshot, and how: at once, inside the next write to the file (as
        // soon as it grows), or a random moment of the following steps.
        let after = (next(&mut state) * total as f64) as usize;
        let how = (next(&mut state) * 3.0) as u32;
        let delay = Duration::from_secs_f64(0.3 * next(&mut state));
        let mut child = spawn_in(dir.path(), &["run", path.to_str().unwrap(), "--json"]);
        let alive = |c: &mut Child| c.try_wait().unwrap().is_none();
        while xdmf_snapshots(&xdmf) < after && alive(&mut child) {
            std::thread::sleep(Duration::from_millis(1));
        }
        let what = match how {
            0 => "at once".to_string(),
            1 => {
                let before = size();
                while size() == before && alive(&mut child) {
                    std::thread::sleep(Duration::from_micros(100));
                }
                "as the file grew".to_string()
            }
            _ => {
                std::thread::sleep(delay);
                format!("{:.0} ms later", delay.as_secs_f64() * 1e3)
            }
        };
        let finished = !alive(&mut child);
        child.kill().ok();
        child.wait().unwrap();
        let reported = xdmf_snapshots(&xdmf);
        let when = format!("trial {trial}: killed {what} after snapshot {after} of {total}");
        if !h5.exists() {
            // Killed before the grid was written: the output's name was never taken.
            println!("{when}: before the file was published (no file, no snapshot reported)");
            assert_eq!(reported, 0);
            seen.push(0);
            continue;
        }
        let (code, count, text) = info_snapshots(&h5);
        let count = count.unwrap_or_else(|| panic!("{when}: hemoflow info -> {code}: {text}")) as usize;
        h5py_reads(&h5);
        println!(
            "{when}{}: {count} snapshot(s) in the file, {reported} reported written (XDMF); h5py reads every dataset",
            if finished { " (it had finished)" } else { "" }
        );
        assert_eq!(code, 0, "{text}");
        // The XDMF follows each commit: the file holds every snapshot reported, and at most the
        // one committed just before the kill besides.
        assert!(count == reported || count == reported + 1, "{when}: {count} in the file, {reported} reported");
        seen.push(count);
    }
    assert!(seen.iter().filter(|&&c| c > 0 && c < total).count() >= 4, "too few kills landed mid-run: {seen:?}");
}

#[test]
fn the_bundled_demo_runs_from_a_copy_of_the_binary_in_an_empty_folder() {
    // A copy of the binary, away from the source tree, started from an empty folder: the demo's
    // case, surface and waveform come from inside it, and its output goes under that folder.
    let bin = tempfile::tempdir().unwrap();
    let copy = bin.path().join("hemoflow");
    std::fs::copy(env!("CARGO_BIN_EXE_hemoflow"), &copy).unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let out = {
        let _guard = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
        Command::new(&copy).args(["run", "--dry-run", "--json"]).current_dir(cwd.path()).output().unwrap()
    };
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    println!("{text}");
    assert!(out.status.success(), "{text}");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["bundled_demo"], true);
    let expected = std::fs::canonicalize(cwd.path()).unwrap().join("out/demo.h5");
    assert_eq!(Path::new(r["output"].as_str().unwrap()), expected, "the demo writes under the current folder");
    assert!(r["fluid_cells"].as_u64().unwrap() > 1000, "{r}");
    let caps: Vec<&str> = r["caps"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert!(caps.contains(&"cap_aorta") && caps.contains(&"cap_right_iliac"), "{caps:?}");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(!r["mesh"].as_str().unwrap().starts_with(source.to_str().unwrap()), "the mesh came from the source tree");
    assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 0, "a dry run writes nothing: {r}");
}
