//! The HDF5 writer (`hemoflow::io`): grid values, snapshots (pressure, interleaved velocity) and
//! the per-cap summary land at the right (i,j,k[,c]) / (time, cap), attributes and caps read back,
//! h5py (tools/check_output_h5.py) and h5dump accept the files and both XDMF sidecars, bad sizes and
//! orders are named, and a writer killed after write_grid or after some snapshots leaves a
//! readable file.

use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use hemoflow::io::{write_grid_xdmf, write_time_series_xdmf, CapRecord, FieldType, GridMeta, H5Output, IoError};

const PYTHON: &str = "/usr/bin/python3";
const CHECK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/check_output_h5.py");
/// Set in the child process of `killed_writer_leaves_a_readable_file`: where to write before aborting.
const KILL_ENV: &str = "HEMOFLOW_IO_TEST_ABORT_AFTER_WRITE";
/// Set in the child process of `killed_writer_keeps_finished_snapshots`.
const KILL_SERIES_ENV: &str = "HEMOFLOW_IO_TEST_ABORT_AFTER_SNAPSHOTS";

/// Serialises the tests of this file. HDF5 opens files without close-on-exec and holds a flock
/// while they are open: a child (h5dump, python) spawned by one test while another test's writer
/// is open inherits that descriptor and its lock, and the other test's own checker then fails with
/// "unable to lock file, errno = 11". Seen here on about one run in four before this guard.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// dims 5 x 3 x 2: every axis differs, so a transposition is caught.
fn meta() -> GridMeta {
    GridMeta { origin: [-1.5e-3, 2.0e-3, 0.25e-3], spacing: 0.5e-3, dims: [5, 3, 2] }
}

fn kind_at(i: usize, j: usize, k: usize) -> u8 {
    (i + 10 * j + 50 * k) as u8
}

fn vf_at(i: usize, j: usize, k: usize) -> f32 {
    0.01 * i as f32 + 0.1 * j as f32 + k as f32 + 0.5
}

/// Flat C-order (z slowest) arrays of a function of (i,j,k).
fn fill<T>(m: &GridMeta, f: impl Fn(usize, usize, usize) -> T) -> Vec<T> {
    let [nx, ny, nz] = m.dims.map(|d| d as usize);
    let mut v = Vec::with_capacity(nx * ny * nz);
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                v.push(f(i, j, k));
            }
        }
    }
    v
}

fn caps() -> Vec<CapRecord> {
    vec![
        CapRecord {
            name: "inlet".into(),
            cells: 7,
            open_area: 1.25e-6,
            area: 1.3e-6,
            normal: [0.0, 0.0, -1.0],
            centroid: [0.0, 0.5e-3, 0.25e-3],
        },
        CapRecord {
            name: "outlet_a".into(),
            cells: 4,
            open_area: 0.75e-6,
            area: 0.8e-6,
            normal: [0.0, 0.0, 1.0],
            centroid: [0.0, 0.5e-3, 1.25e-3],
        },
    ]
}

/// Writes the full test file set (h5 + xdmf) for `m` into `dir`; returns (h5, xdmf) paths.
fn write_all(dir: &Path, m: &GridMeta) -> (std::path::PathBuf, std::path::PathBuf) {
    let h5 = dir.join("grid.h5");
    let xdmf = dir.join("grid.xdmf");
    let out = H5Output::create(&h5, "[case]\nname = \"io test\"\n").unwrap();
    out.write_grid(m, &fill(m, kind_at)).unwrap();
    out.write_grid_field("volume_fraction", &fill(m, vf_at)).unwrap();
    out.write_caps(&caps()).unwrap();
    out.close().unwrap();
    write_grid_xdmf(&xdmf, &h5, m, &[("cell_kind", FieldType::UChar), ("volume_fraction", FieldType::Float32)])
        .unwrap();
    (h5, xdmf)
}

fn str_attr(loc: &hdf5::Location, name: &str) -> String {
    loc.attr(name).unwrap().read_scalar::<hdf5::types::VarLenUnicode>().unwrap().as_str().to_string()
}

/// Reads back the file and checks values at chosen (i,j,k) against the generating functions.
fn check_readback(h5: &Path, m: &GridMeta) {
    let [nx, ny, nz] = m.dims.map(|d| d as usize);
    let f = hdf5::File::open(h5).unwrap();
    assert_eq!(str_attr(&f, "software"), "hemoflow");
    assert_eq!(str_attr(&f, "version"), env!("CARGO_PKG_VERSION"));
    assert_eq!(str_attr(&f, "units"), "SI");
    assert_eq!(str_attr(&f, "case"), "[case]\nname = \"io test\"\n");
    let g = f.group("grid").unwrap();
    assert_eq!(g.attr("origin").unwrap().read_raw::<f64>().unwrap(), m.origin.to_vec());
    assert_eq!(g.attr("spacing").unwrap().read_scalar::<f64>().unwrap(), m.spacing);
    assert_eq!(g.attr("dims").unwrap().read_raw::<u32>().unwrap(), m.dims.to_vec());

    let ck = g.dataset("cell_kind").unwrap();
    assert_eq!(ck.shape(), vec![nz, ny, nx], "cell_kind must be nz x ny x nx");
    assert_eq!(ck.dtype().unwrap().size(), 1);
    let ck = ck.read_dyn::<u8>().unwrap();
    let vf = g.dataset("volume_fraction").unwrap().read_dyn::<f32>().unwrap();
    assert_eq!(vf.shape(), &[nz, ny, nx]);
    let probes =
        [(0, 0, 0), (nx - 1, 0, 0), (0, ny - 1, 0), (0, 0, nz - 1), (nx - 1, ny - 1, nz - 1), (nx / 2, ny / 2, nz / 2)];
    for (i, j, k) in probes {
        assert_eq!(ck[&[k, j, i][..]], kind_at(i, j, k), "cell_kind at (i,j,k) = ({i},{j},{k})");
        assert_eq!(vf[&[k, j, i][..]], vf_at(i, j, k), "volume_fraction at (i,j,k) = ({i},{j},{k})");
    }
    // And every cell, through the flat C-order index.
    assert_eq!(ck.iter().copied().collect::<Vec<_>>(), fill(m, kind_at));
    assert_eq!(vf.iter().copied().collect::<Vec<_>>(), fill(m, vf_at));

    let cg = g.group("caps").unwrap();
    for (n, cap) in caps().iter().enumerate() {
        let c = cg.group(&cap.name).unwrap();
        assert_eq!(c.attr("cells").unwrap().read_scalar::<u64>().unwrap(), cap.cells);
        assert_eq!(c.attr("open_area").unwrap().read_scalar::<f64>().unwrap(), cap.open_area);
        assert_eq!(c.attr("area").unwrap().read_scalar::<f64>().unwrap(), cap.area);
        assert_eq!(c.attr("normal").unwrap().read_raw::<f64>().unwrap(), cap.normal.to_vec());
        assert_eq!(c.attr("centroid").unwrap().read_raw::<f64>().unwrap(), cap.centroid.to_vec());
        assert_eq!(c.attr("index").unwrap().read_scalar::<u32>().unwrap(), n as u32);
        assert_eq!(c.attr("cell_kind").unwrap().read_scalar::<u8>().unwrap(), 2 + n as u8);
    }
}

/// Runs the h5py checker; panics (never skips) if python3 or h5py is missing.
fn run_checker(args: &[&Path]) -> std::process::Output {
    let out = Command::new(PYTHON).arg(CHECK).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run {PYTHON} ({e}): run tools/setup (installs python3-h5py for /usr/bin/python3)")
    });
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("cannot import h5py"),
        "{PYTHON} lacks h5py: run tools/setup (installs python3-h5py)\n{stderr}"
    );
    out
}

fn assert_checker_ok(args: &[&Path]) {
    let out = run_checker(args);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "check_output_h5.py failed on {args:?}:\n{text}");
    eprint!("{text}");
}

fn h5dump_header(h5: &Path) -> String {
    let out = Command::new("h5dump")
        .arg("-H")
        .arg(h5)
        .output()
        .unwrap_or_else(|e| panic!("cannot run h5dump ({e}): run tools/setup (installs hdf5-tools)"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "h5dump -H {} failed:\n{text}{}", h5.display(), String::from_utf8_lossy(&out.stderr));
    text
}

#[test]
fn grid_reads_back_at_the_right_ijk() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let m = meta();
    let (h5, _) = write_all(dir.path(), &m);
    check_readback(&h5, &m);
}

#[test]
fn h5py_checker_accepts_the_grid_and_its_xdmf() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let (h5, xdmf) = write_all(dir.path(), &meta());
    let xml = std::fs::read_to_string(&xdmf).unwrap();
    assert!(xml.contains("Dimensions=\"3 4 6\""), "topology must count nodes z y x:\n{xml}");
    assert!(xml.contains(">grid.h5:/grid/cell_kind<"), "relative HDF reference expected:\n{xml}");
    assert_checker_ok(&[&h5, &xdmf]);
}

#[test]
fn h5py_checker_rejects_an_xdmf_naming_a_missing_dataset() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let m = meta();
    let (h5, _) = write_all(dir.path(), &m);
    let bad = dir.path().join("bad.xdmf");
    write_grid_xdmf(&bad, &h5, &m, &[("cell_kind", FieldType::UChar), ("pressure", FieldType::Float32)]).unwrap();
    let out = run_checker(&[&h5, &bad]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "expected exit 1, got {:?}: {stderr}", out.status);
    assert!(stderr.contains("/grid/pressure"), "message should name the dataset: {stderr}");
}

#[test]
fn h5dump_reads_the_header() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let (h5, _) = write_all(dir.path(), &meta());
    let header = h5dump_header(&h5);
    for needle in [
        "DATASET \"cell_kind\"",
        "H5T_STD_U8LE",
        "( 2, 3, 5 )",
        "GROUP \"caps\"",
        "GROUP \"inlet\"",
        "ATTRIBUTE \"spacing\"",
    ] {
        assert!(header.contains(needle), "h5dump -H lacks {needle:?}:\n{header}");
    }
    eprintln!("{header}");
}

#[test]
fn datasets_are_chunked_and_compressed() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let m = GridMeta { origin: [0.0; 3], spacing: 1e-3, dims: [70, 3, 20] };
    let h5 = dir.path().join("big.h5");
    let out = H5Output::create(&h5, "").unwrap();
    out.write_grid(&m, &fill(&m, kind_at)).unwrap();
    let compressed = out.compressed();
    drop(out);
    let ds = hdf5::File::open(&h5).unwrap().dataset("grid/cell_kind").unwrap();
    assert_eq!(ds.chunk(), Some(vec![16, 3, 64]));
    if hdf5::filters::deflate_available() {
        assert!(compressed);
        assert!(ds.filters().iter().any(|f| matches!(f, hdf5::filters::Filter::Deflate(_))), "{:?}", ds.filters());
    }
}

#[test]
fn one_cell_grid_works() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let m = GridMeta { origin: [0.0; 3], spacing: 1e-3, dims: [1, 1, 1] };
    let h5 = dir.path().join("one.h5");
    let xdmf = dir.path().join("one.xdmf");
    let out = H5Output::create(&h5, "").unwrap();
    out.write_grid(&m, &[1]).unwrap();
    out.write_grid_field("volume_fraction", &[0.5]).unwrap();
    drop(out);
    write_grid_xdmf(&xdmf, &h5, &m, &[("cell_kind", FieldType::UChar), ("volume_fraction", FieldType::Float32)])
        .unwrap();
    assert_checker_ok(&[&h5, &xdmf]);
    h5dump_header(&h5);
}

#[test]
fn wrong_size_field_names_the_dataset_and_both_sizes() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let m = meta();
    let h5 = dir.path().join("bad.h5");
    let out = H5Output::create(&h5, "").unwrap();
    // Before the grid exists: the error says so.
    let early = out.write_grid_field("volume_fraction", &[0.0; 30]).unwrap_err();
    assert!(early.to_string().contains("write_grid first"), "{early}");
    let err = out.write_grid(&m, &[0u8; 29]).unwrap_err();
    assert!(matches!(err, IoError::SizeMismatch { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("bad.h5") && msg.contains("/grid/cell_kind") && msg.contains("29") && msg.contains("30"),
        "{msg}"
    );
    out.write_grid(&m, &fill(&m, kind_at)).unwrap();
    let err = out.write_grid_field("volume_fraction", &[0.0; 31]).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, IoError::SizeMismatch { .. }), "{err:?}");
    assert!(msg.contains("/grid/volume_fraction") && msg.contains("31") && msg.contains("30"), "{msg}");
    let err = out.write_grid_field("a/b", &[0.0; 30]).unwrap_err();
    assert!(err.to_string().contains("a/b"), "{err}");
    let err =
        out.write_grid_field("volume_fraction", &[0.0; 30]).and(out.write_grid_field("volume_fraction", &[0.0; 30]));
    let msg = err.unwrap_err().to_string();
    assert!(msg.contains("/grid/volume_fraction") && msg.contains("already exists"), "{msg}");
    let again = out.write_grid(&m, &fill(&m, kind_at)).unwrap_err().to_string();
    assert!(again.contains("/grid") && again.contains("already written"), "{again}");
}

#[test]
fn dropped_writer_without_close_leaves_a_readable_file() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let m = meta();
    let h5 = dir.path().join("dropped.h5");
    {
        let out = H5Output::create(&h5, "[case]\nname = \"io test\"\n").unwrap();
        out.write_grid(&m, &fill(&m, kind_at)).unwrap();
        out.write_grid_field("volume_fraction", &fill(&m, vf_at)).unwrap();
        out.write_caps(&caps()).unwrap();
        // dropped here, no close()
    }
    check_readback(&h5, &m);
    assert_checker_ok(&[&h5]);
}

/// Child half of `killed_writer_leaves_a_readable_file`: does nothing unless the parent set
/// the environment variable, then writes and aborts (no destructors, no atexit: like a kill).
#[test]
fn killed_writer_child() {
    let Some(path) = std::env::var_os(KILL_ENV) else { return };
    let m = meta();
    let out = H5Output::create(Path::new(&path), "[case]\nname = \"io test\"\n").unwrap();
    out.write_grid(&m, &fill(&m, kind_at)).unwrap();
    out.write_grid_field("volume_fraction", &fill(&m, vf_at)).unwrap();
    out.write_caps(&caps()).unwrap();
    std::process::abort();
}

#[test]
fn killed_writer_leaves_a_readable_file() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let h5 = dir.path().join("killed.h5");
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "killed_writer_child", "--nocapture", "--test-threads=1"])
        .env(KILL_ENV, &h5)
        .output()
        .unwrap();
    assert!(!status.status.success(), "the child should have aborted: {status:?}");
    assert!(h5.exists(), "the child wrote nothing: {}", String::from_utf8_lossy(&status.stderr));
    check_readback(&h5, &meta());
    assert_checker_ok(&[&h5]);
    h5dump_header(&h5);
}

// ---------------------------------------------------------------------------------------------
// Snapshots, summary and the time-series XDMF.

/// (index, time) of the test snapshots: indices with gaps, so the 6-digit names are exercised.
const SNAPS: [(usize, f64); 3] = [(0, 0.0), (5, 2.5e-4), (10, 5.0e-4)];

/// Pressure of cell (i,j,k) in snapshot number `s` (0, 1, 2): distinct per cell and snapshot,
/// exact in f32.
fn p_at(i: usize, j: usize, k: usize, s: usize) -> f32 {
    1000.0 * s as f32 + 100.0 * k as f32 + 10.0 * j as f32 + i as f32 + 0.5
}

/// Velocity component `c` of cell (i,j,k) in snapshot number `s`: distinct per component too.
fn v_at(i: usize, j: usize, k: usize, c: usize, s: usize) -> f32 {
    -(1000.0 * s as f32 + 100.0 * k as f32 + 10.0 * j as f32 + i as f32) - 0.25 * (c + 1) as f32
}

/// Interleaved velocity: component c of cell (i,j,k) at ((k*ny + j)*nx + i)*3 + c.
fn velocity(m: &GridMeta, s: usize) -> Vec<f32> {
    fill(m, |i, j, k| [0, 1, 2].map(|c| v_at(i, j, k, c, s))).concat()
}

fn cap_names() -> Vec<String> {
    caps().iter().map(|c| c.name.clone()).collect()
}

const SUMMARY_TIMES: [f64; 4] = [0.0, 2.5e-4, 5.0e-4, 7.5e-4];

/// Flow rate of cap `c` at time sample `t`, m^3/s (the inlet negative: flow into the fluid).
fn q_at(c: usize, t: usize) -> f64 {
    (if c == 0 { -1.0 } else { 1.0 }) * 1e-6 * (t + 1) as f64 + 1e-9 * c as f64
}

/// Mean pressure of cap `c` at time sample `t`, Pa.
fn pm_at(c: usize, t: usize) -> f64 {
    1000.0 + 100.0 * c as f64 + t as f64
}

/// Per-cap series (`[cap][time]`) of the first `n` summary times.
fn series(n: usize, f: fn(usize, usize) -> f64) -> Vec<Vec<f64>> {
    (0..caps().len()).map(|c| (0..n).map(|t| f(c, t)).collect()).collect()
}

/// Grid, caps, the three snapshots (rewriting the time-series XDMF after each, as a run does) and
/// the summary (written after two samples, then rewritten with all four). Returns (h5, xdmf).
fn write_series(dir: &Path, m: &GridMeta) -> (std::path::PathBuf, std::path::PathBuf) {
    let h5 = dir.join("run.h5");
    let xdmf = dir.join("run.xdmf");
    let out = H5Output::create(&h5, "").unwrap();
    out.write_grid(m, &fill(m, kind_at)).unwrap();
    out.write_caps(&caps()).unwrap();
    for (s, &(index, time)) in SNAPS.iter().enumerate() {
        out.write_snapshot(index, time, &fill(m, |i, j, k| p_at(i, j, k, s)), &velocity(m, s)).unwrap();
        write_time_series_xdmf(&xdmf, &h5, m, &SNAPS[..=s]).unwrap();
        if s == 1 {
            out.write_summary(&cap_names(), &SUMMARY_TIMES[..2], &series(2, q_at), &series(2, pm_at)).unwrap();
        }
    }
    out.write_summary(&cap_names(), &SUMMARY_TIMES, &series(4, q_at), &series(4, pm_at)).unwrap();
    out.close().unwrap();
    (h5, xdmf)
}

/// Reads back the snapshots written by `write_series`: values at chosen (k,j,i,c), every value
/// through the flat order, times and units.
fn check_snapshots(h5: &Path, m: &GridMeta, snaps: &[(usize, f64)]) {
    let [nx, ny, nz] = m.dims.map(|d| d as usize);
    let f = hdf5::File::open(h5).unwrap();
    let fields = f.group("fields").unwrap();
    let mut names = fields.member_names().unwrap();
    names.sort();
    assert_eq!(names, snaps.iter().map(|(i, _)| format!("{i:06}")).collect::<Vec<_>>());
    for (s, &(index, time)) in snaps.iter().enumerate() {
        let g = f.group(&format!("fields/{index:06}")).unwrap();
        assert_eq!(g.attr("time").unwrap().read_scalar::<f64>().unwrap(), time);
        let pd = g.dataset("pressure").unwrap();
        let vd = g.dataset("velocity").unwrap();
        assert_eq!(str_attr(&pd, "units"), "Pa");
        assert_eq!(str_attr(&vd, "units"), "m/s");
        assert_eq!(pd.shape(), vec![nz, ny, nx], "pressure must be nz x ny x nx");
        assert_eq!(vd.shape(), vec![nz, ny, nx, 3], "velocity must be nz x ny x nx x 3");
        assert!(pd.chunk().is_some() && vd.chunk().is_some(), "snapshot datasets are chunked");
        if hdf5::filters::deflate_available() {
            assert!(vd.filters().iter().any(|f| matches!(f, hdf5::filters::Filter::Deflate(_))));
        }
        let p = pd.read_dyn::<f32>().unwrap();
        let v = vd.read_dyn::<f32>().unwrap();
        let probes = [
            (0, 0, 0),
            (nx - 1, 0, 0),
            (0, ny - 1, 0),
            (0, 0, nz - 1),
            (nx - 1, ny - 1, nz - 1),
            (nx / 2, ny / 2, nz / 2),
            (1, 2, 1),
        ];
        for (i, j, k) in probes {
            assert_eq!(p[&[k, j, i][..]], p_at(i, j, k, s), "pressure of {index:06} at (i,j,k) = ({i},{j},{k})");
            for c in 0..3 {
                assert_eq!(
                    v[&[k, j, i, c][..]],
                    v_at(i, j, k, c, s),
                    "velocity of {index:06} at (k,j,i,c) = ({k},{j},{i},{c})"
                );
            }
        }
        assert_eq!(p.iter().copied().collect::<Vec<_>>(), fill(m, |i, j, k| p_at(i, j, k, s)));
        assert_eq!(v.iter().copied().collect::<Vec<_>>(), velocity(m, s));
    }
}

fn check_summary(h5: &Path) {
    let f = hdf5::File::open(h5).unwrap();
    let g = f.group("summary").unwrap();
    let names: Vec<String> = g
        .dataset("cap_names")
        .unwrap()
        .read_raw::<hdf5::types::VarLenUnicode>()
        .unwrap()
        .iter()
        .map(|n| n.as_str().to_string())
        .collect();
    assert_eq!(names, cap_names());
    let t = g.dataset("time").unwrap();
    assert_eq!(str_attr(&t, "units"), "s");
    assert_eq!(t.read_raw::<f64>().unwrap(), SUMMARY_TIMES.to_vec(), "the rewrite holds all four times");
    for (name, units, f) in [("flow_rate", "m^3/s", q_at as fn(usize, usize) -> f64), ("mean_pressure", "Pa", pm_at)] {
        let d = g.dataset(name).unwrap();
        assert_eq!(str_attr(&d, "units"), units);
        assert_eq!(d.shape(), vec![SUMMARY_TIMES.len(), caps().len()], "{name} is n_times x n_caps");
        let a = d.read_2d::<f64>().unwrap();
        for t in 0..SUMMARY_TIMES.len() {
            for c in 0..caps().len() {
                assert_eq!(a[[t, c]], f(c, t), "{name} at (time {t}, cap {c})");
            }
        }
    }
}

#[test]
fn snapshots_and_summary_read_back_at_the_right_place() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let m = meta();
    let (h5, _) = write_series(dir.path(), &m);
    check_snapshots(&h5, &m, &SNAPS);
    check_summary(&h5);
}

#[test]
fn h5py_checker_and_h5dump_accept_the_time_series() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let m = meta();
    let (h5, xdmf) = write_series(dir.path(), &m);
    let xml = std::fs::read_to_string(&xdmf).unwrap();
    for needle in [
        "GridType=\"Collection\" CollectionType=\"Temporal\"",
        "<Time Value=\"2.5e-4\"/>",
        "Dimensions=\"3 4 6\"",
        "AttributeType=\"Vector\"",
        "Dimensions=\"2 3 5 3\" NumberType=\"Float\" Precision=\"4\" Format=\"HDF\">run.h5:/fields/000010/velocity<",
        ">run.h5:/fields/000005/pressure<",
        ">run.h5:/grid/cell_kind<",
    ] {
        assert!(xml.contains(needle), "time-series XDMF lacks {needle:?}:\n{xml}");
    }
    assert_eq!(xml.matches("<Time ").count(), 3, "{xml}");
    assert!(!dir.path().join("run.xdmf.tmp").exists(), "the temporary XDMF is renamed away");
    assert_checker_ok(&[&h5, &xdmf]);
    // The grid-only sidecar of the same file passes too.
    let grid_xdmf = dir.path().join("grid.xdmf");
    write_grid_xdmf(&grid_xdmf, &h5, &m, &[("cell_kind", FieldType::UChar)]).unwrap();
    assert_checker_ok(&[&h5, &grid_xdmf]);
    let header = h5dump_header(&h5);
    for needle in [
        "GROUP \"fields\"",
        "GROUP \"000000\"",
        "GROUP \"000010\"",
        "DATASET \"velocity\"",
        "( 2, 3, 5, 3 )",
        "H5T_IEEE_F32LE",
        "ATTRIBUTE \"time\"",
        "ATTRIBUTE \"units\"",
        "GROUP \"summary\"",
        "DATASET \"flow_rate\"",
        "( 4, 2 )",
    ] {
        assert!(header.contains(needle), "h5dump -H lacks {needle:?}:\n{header}");
    }
}

#[test]
fn h5py_checker_rejects_broken_time_series() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let m = meta();
    let (h5, _) = write_series(dir.path(), &m);
    let expect_fail = |xdmf: &Path, needle: &str| {
        let out = run_checker(&[&h5, xdmf]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "expected exit 1, got {:?}: {stderr}", out.status);
        assert!(stderr.contains(needle), "message should contain {needle:?}: {stderr}");
    };
    // A snapshot the file does not hold.
    let missing = dir.path().join("missing.xdmf");
    let mut snaps = SNAPS.to_vec();
    snaps.push((20, 1.0));
    write_time_series_xdmf(&missing, &h5, &m, &snaps).unwrap();
    expect_fail(&missing, "/fields/000020/pressure");
    // A Time that disagrees with the snapshot's time attribute.
    let wrong_time = dir.path().join("wrong_time.xdmf");
    write_time_series_xdmf(&wrong_time, &h5, &m, &[(0, 0.0), (5, 3e-4)]).unwrap();
    expect_fail(&wrong_time, "/fields/000005@time");
    // Snapshot times that do not increase in the file itself.
    hdf5::File::open_rw(&h5)
        .unwrap()
        .group("fields/000010")
        .unwrap()
        .attr("time")
        .unwrap()
        .write_scalar(&1e-4)
        .unwrap();
    let out = run_checker(&[&h5]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("/fields/000010@time") && stderr.contains("does not exceed"), "{stderr}");
}

#[test]
fn snapshot_errors_name_the_dataset_and_write_nothing() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let m = meta();
    let h5 = dir.path().join("bad.h5");
    let out = H5Output::create(&h5, "").unwrap();
    let (p, v) = (fill(&m, |i, j, k| p_at(i, j, k, 0)), velocity(&m, 0));

    let early = out.write_snapshot(0, 0.0, &p, &v).unwrap_err();
    assert!(matches!(early, IoError::Invalid { .. }), "{early:?}");
    let msg = early.to_string();
    assert!(msg.contains("/fields/000000") && msg.contains("write_grid first"), "{msg}");

    out.write_grid(&m, &fill(&m, kind_at)).unwrap();
    let err = out.write_snapshot(0, 0.0, &p[..29], &v).unwrap_err();
    assert!(matches!(err, IoError::SizeMismatch { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("bad.h5") && msg.contains("/fields/000000/pressure") && msg.contains("29"), "{msg}");
    // Velocity holds 3 values per cell: one per cell is an error naming velocity and 90.
    let err = out.write_snapshot(0, 0.0, &p, &v[..30]).unwrap_err();
    assert!(matches!(err, IoError::SizeMismatch { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("/fields/000000/velocity") && msg.contains("90") && msg.contains("2 x 3 x 5 x 3"), "{msg}");
    let err = out.write_snapshot(0, f64::NAN, &p, &v).unwrap_err().to_string();
    assert!(err.contains("/fields/000000@time") && err.contains("not finite"), "{err}");
    let err = out.write_snapshot(1_000_000, 0.0, &p, &v).unwrap_err().to_string();
    assert!(err.contains("1000000") && err.contains("6 digits"), "{err}");
    {
        let f = hdf5::File::open(&h5).unwrap();
        assert!(!f.link_exists("fields/000000"), "a rejected snapshot leaves nothing behind");
    }

    out.write_snapshot(3, 1e-3, &p, &v).unwrap();
    let again = out.write_snapshot(3, 2e-3, &p, &v).unwrap_err().to_string();
    assert!(again.contains("/fields/000003") && again.contains("already written"), "{again}");
    let back = out.write_snapshot(2, 2e-3, &p, &v).unwrap_err().to_string();
    assert!(back.contains("/fields/000002") && back.contains("increasing index order"), "{back}");
    let late = out.write_snapshot(4, 1e-3, &p, &v).unwrap_err().to_string();
    assert!(late.contains("/fields/000004@time") && late.contains("must increase"), "{late}");
    out.write_snapshot(4, 2e-3, &p, &v).unwrap();
    out.close().unwrap();
    // The rejected calls left the file valid.
    assert_checker_ok(&[&h5]);
}

#[test]
fn summary_errors_name_the_dataset() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let h5 = dir.path().join("summary.h5");
    let out = H5Output::create(&h5, "").unwrap();
    let names = cap_names();
    let err = out.write_summary(&names, &SUMMARY_TIMES, &series(4, q_at)[..1], &series(4, pm_at)).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("/summary/flow_rate") && msg.contains("1 per-cap series") && msg.contains("2 cap"), "{msg}");
    let mut short = series(4, pm_at);
    short[1].pop();
    let msg = out.write_summary(&names, &SUMMARY_TIMES, &series(4, q_at), &short).unwrap_err().to_string();
    assert!(msg.contains("/summary/mean_pressure") && msg.contains("outlet_a") && msg.contains("3 values"), "{msg}");
    let msg =
        out.write_summary(&names, &[0.0, 1.0, 1.0, 2.0], &series(4, q_at), &series(4, pm_at)).unwrap_err().to_string();
    assert!(msg.contains("/summary/time") && msg.contains("increase"), "{msg}");
    let twice = vec!["inlet".to_string(), "inlet".to_string()];
    let msg = out.write_summary(&twice, &SUMMARY_TIMES, &series(4, q_at), &series(4, pm_at)).unwrap_err().to_string();
    assert!(msg.contains("/summary/cap_names"), "{msg}");
    assert!(!hdf5::File::open(&h5).unwrap().link_exists("summary"), "rejected summaries write nothing");
}

#[test]
fn summary_rewrites_replace_the_group() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let h5 = dir.path().join("summary.h5");
    let out = H5Output::create(&h5, "").unwrap();
    // Three caps first, then two others (different shape: datasets replaced), then in-place growth.
    let three: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    out.write_summary(&three, &[0.0], &[vec![1.0], vec![2.0], vec![3.0]], &[vec![4.0], vec![5.0], vec![6.0]]).unwrap();
    out.write_summary(&cap_names(), &SUMMARY_TIMES[..1], &series(1, q_at), &series(1, pm_at)).unwrap();
    for n in 2..=4 {
        out.write_summary(&cap_names(), &SUMMARY_TIMES[..n], &series(n, q_at), &series(n, pm_at)).unwrap();
    }
    // Zero samples is allowed (a run that rewrites before its first sample).
    let dir2 = tempfile::tempdir().unwrap();
    let empty = H5Output::create(&dir2.path().join("empty.h5"), "").unwrap();
    empty.write_summary(&cap_names(), &[], &[vec![], vec![]], &[vec![], vec![]]).unwrap();
    drop(empty);
    out.close().unwrap();
    check_summary(&h5);
}

#[test]
fn time_series_xdmf_rejects_bad_snapshot_lists() {
    let dir = tempfile::tempdir().unwrap();
    let (m, x, h) = (meta(), dir.path().join("t.xdmf"), dir.path().join("t.h5"));
    let err = write_time_series_xdmf(&x, &h, &m, &[]).unwrap_err().to_string();
    assert!(err.contains("no snapshots"), "{err}");
    let err = write_time_series_xdmf(&x, &h, &m, &[(0, 1.0), (1, 1.0)]).unwrap_err().to_string();
    assert!(err.contains("000001") && err.contains("times must increase"), "{err}");
    let err = write_time_series_xdmf(&x, &h, &m, &[(1, 0.0), (1, 1.0)]).unwrap_err().to_string();
    assert!(err.contains("indices must increase"), "{err}");
    let err = write_time_series_xdmf(&x, &h, &m, &[(0, f64::INFINITY)]).unwrap_err().to_string();
    assert!(err.contains("not finite"), "{err}");
    assert!(!x.exists(), "nothing written on error");
}

/// Child half of `killed_writer_keeps_finished_snapshots`: writes the grid and two snapshots
/// (rewriting the time-series XDMF after each), then aborts.
#[test]
fn killed_series_child() {
    let Some(path) = std::env::var_os(KILL_SERIES_ENV) else { return };
    let h5 = std::path::PathBuf::from(path);
    let m = meta();
    let out = H5Output::create(&h5, "").unwrap();
    out.write_grid(&m, &fill(&m, kind_at)).unwrap();
    for (s, &(index, time)) in SNAPS[..2].iter().enumerate() {
        out.write_snapshot(index, time, &fill(&m, |i, j, k| p_at(i, j, k, s)), &velocity(&m, s)).unwrap();
        write_time_series_xdmf(&h5.with_extension("xdmf"), &h5, &m, &SNAPS[..=s]).unwrap();
    }
    std::process::abort();
}

#[test]
fn killed_writer_keeps_finished_snapshots() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let h5 = dir.path().join("killed.h5");
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "killed_series_child", "--nocapture", "--test-threads=1"])
        .env(KILL_SERIES_ENV, &h5)
        .output()
        .unwrap();
    assert!(!status.status.success(), "the child should have aborted: {status:?}");
    assert!(h5.exists(), "the child wrote nothing: {}", String::from_utf8_lossy(&status.stderr));
    check_snapshots(&h5, &meta(), &SNAPS[..2]);
    assert_checker_ok(&[&h5, &dir.path().join("killed.xdmf")]);
    h5dump_header(&h5);
}

#[test]
fn periodic_summary_rewrites_do_not_grow_the_file() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let n = 300;
    let times: Vec<f64> = (0..n).map(|t| t as f64 * 1e-4).collect();
    let q = |k: usize| (0..2).map(|c| (0..k).map(|t| q_at(c, t)).collect()).collect::<Vec<Vec<f64>>>();
    let size = |name: &str, rewrites: bool| {
        let h5 = dir.path().join(name);
        let out = H5Output::create(&h5, "").unwrap();
        let start = if rewrites { 1 } else { n };
        for k in start..=n {
            out.write_summary(&cap_names(), &times[..k], &q(k), &q(k)).unwrap();
        }
        out.close().unwrap();
        std::fs::metadata(&h5).unwrap().len()
    };
    let once = size("once.h5", false);
    let rewritten = size("rewritten.h5", true);
    eprintln!("summary of {n} samples: written once {once} bytes, rewritten {n} times {rewritten} bytes");
    assert!(rewritten < 2 * once + 16384, "in-place rewrites should not pile up copies: {rewritten} vs {once}");
}

#[test]
fn a_staged_file_keeps_its_name_until_published_and_changes_only_by_commits() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let m = meta();
    let h5 = dir.path().join("staged.h5");
    let partial = dir.path().join("staged.h5.partial");
    std::fs::write(&h5, "the previous run's file").unwrap();
    let zeros = (vec![0.0f32; m.cell_count()], vec![0.0f32; 3 * m.cell_count()]);
    // Dropped before its first commit: the name keeps what it held, and the partial file goes.
    {
        let out = H5Output::create_staged(&h5, "", &["fields", "summary"]).unwrap();
        out.write_grid(&m, &fill(&m, kind_at)).unwrap();
        assert!(partial.is_file());
    }
    assert_eq!(std::fs::read_to_string(&h5).unwrap(), "the previous run's file");
    assert!(!partial.exists());
    let mut out = H5Output::create_staged(&h5, "[case]\nname = \"io test\"\n", &["fields", "summary"]).unwrap();
    out.write_grid(&m, &fill(&m, kind_at)).unwrap();
    out.write_grid_field("volume_fraction", &fill(&m, vf_at)).unwrap();
    out.write_caps(&caps()).unwrap();
    out.commit().unwrap();
    assert!(!partial.exists(), "published");
    let names = vec!["inlet".to_string(), "outlet_a".to_string()];
    for (index, time) in [(0, 1e-3), (1, 2e-3)] {
        out.write_snapshot(index, time, &zeros.0, &zeros.1).unwrap();
        let times: Vec<f64> = (0..=index).map(|k| (k + 1) as f64 * 1e-3).collect();
        let series = vec![times.iter().map(|t| -t).collect::<Vec<_>>(), times.clone()];
        out.write_summary(&names, &times, &series, &series).unwrap();
        out.commit().unwrap();
    }
    // After publication only the staged groups change; the others are refused, by name.
    let err = out.write_grid_field("extra", &fill(&m, vf_at)).unwrap_err().to_string();
    assert!(err.contains("staged.h5") && err.contains("/grid") && err.contains("published"), "{err}");
    // Written but never committed: not in the file.
    out.write_snapshot(2, 3e-3, &zeros.0, &zeros.1).unwrap();
    drop(out);
    check_readback(&h5, &m);
    let f = hdf5::File::open(&h5).unwrap();
    assert_eq!(f.group("fields").unwrap().member_names().unwrap(), ["000000", "000001"]);
    assert_eq!(f.dataset("summary/time").unwrap().read_raw::<f64>().unwrap(), [1e-3, 2e-3]);
    drop(f);
    assert_checker_ok(&[&h5]);
}
