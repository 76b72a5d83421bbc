//! The HDF5 grid writer (`hemoflow::io`): values land at the right (i,j,k), attributes and caps
//! read back, h5py (tools/check_grid_h5.py) and h5dump accept the files, bad sizes are named,
//! and a writer killed after write_grid leaves a readable file.

use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use hemoflow::io::{write_grid_xdmf, CapRecord, FieldType, GridMeta, H5Output, IoError};

const PYTHON: &str = "/usr/bin/python3";
const CHECK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/check_grid_h5.py");
/// Set in the child process of `killed_writer_leaves_a_readable_file`: where to write before aborting.
const KILL_ENV: &str = "HEMOFLOW_IO_TEST_ABORT_AFTER_WRITE";

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
    assert!(out.status.success(), "check_grid_h5.py failed on {args:?}:\n{text}");
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
