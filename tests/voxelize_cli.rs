//! `hemoflow voxelize` end to end: JSON figures, the HDF5/XDMF it writes (read back with the
//! hdf5 crate, h5py, h5dump and ParaView), bad input, and memory on a 300 x 300 x 600 bounding
//! grid.

mod common;

use std::process::Command;

use common::hemoflow;

#[test]
fn voxelize_json_and_grid_file_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let h5 = dir.path().join("aorta grid.h5");
    let (code, r, text) =
        hemoflow(&["voxelize", "meshes/aorta_open_ends.stl", "--spacing", "0.5", "-o", h5.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{text}");
    for key in [
        "dims",
        "spacing",
        "cells",
        "fluid_cells",
        "fluid_fraction",
        "fluid_volume",
        "mesh_volume",
        "components",
        "caps",
        "bricks",
        "allocated_cells",
        "seconds",
        "memory_bytes",
    ] {
        assert!(!r[key].is_null(), "key {key} missing from {r}");
    }
    for key in ["name", "cells", "open_area", "area"] {
        assert!(!r["caps"][0][key].is_null(), "cap key {key} missing");
    }
    assert_eq!(r["spacing"].as_f64(), Some(0.5e-3));
    let dims: Vec<usize> = r["dims"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
    let fluid_cells = r["fluid_cells"].as_u64().unwrap() as usize;

    // The hdf5 crate: layout, and the dense arrays agree with the figures.
    let f = hdf5::File::open(&h5).unwrap();
    let g = f.group("grid").unwrap();
    let kind = g.dataset("cell_kind").unwrap();
    assert_eq!(kind.shape(), vec![dims[2], dims[1], dims[0]], "nz x ny x nx");
    let kinds: Vec<u8> = kind.read_raw().unwrap();
    assert_eq!(kinds.iter().filter(|&&k| k != 0).count(), fluid_cells);
    let caps_in_file = (2..5).map(|v| kinds.iter().filter(|&&k| k == v).count()).collect::<Vec<_>>();
    println!("cells per cap kind in the file: {caps_in_file:?}");
    assert!(caps_in_file.iter().all(|&n| n > 0));
    let vf: Vec<f32> = g.dataset("volume_fraction").unwrap().read_raw().unwrap();
    let h = 0.5e-3f64;
    let volume = vf.iter().map(|&v| v as f64).sum::<f64>() * h * h * h;
    let reported = r["fluid_volume"].as_f64().unwrap();
    println!("volume from the file {volume:.6e} m^3, reported {reported:.6e} m^3");
    assert!((volume - reported).abs() < 1e-5 * reported);
    let spacing: f64 = g.attr("spacing").unwrap().read_scalar().unwrap();
    assert_eq!(spacing, h);
    drop((g, f));

    // h5py and the XDMF references (tools/check_output_h5.py), and h5dump.
    let xdmf = h5.with_extension("xdmf");
    let (ok, out) = common::check_output_h5(&[&h5, &xdmf]);
    assert!(ok, "check_output_h5.py failed (tools/setup installs python3-h5py): {out}");
    let dump =
        Command::new("h5dump").arg("-H").arg(&h5).output().expect("h5dump missing: run tools/setup (hdf5-tools)");
    assert!(dump.status.success());
    assert!(String::from_utf8_lossy(&dump.stdout).contains("DATASET \"cell_kind\""));
    common::paraview_check(&[&xdmf]);
}

#[test]
fn voxelize_bad_input_exits_2_with_the_reason() {
    for (args, expect) in [
        (vec!["voxelize", "meshes/pipe.obj", "--spacing", "-1"], "spacing"),
        (vec!["voxelize", "meshes/pipe.obj", "--spacing", "0.0001"], "use a larger spacing"),
        (vec!["voxelize", "meshes/pipe.obj", "--spacing", "50"], "no fluid cell"),
        (vec!["voxelize", "meshes/missing.obj", "--spacing", "0.2"], "missing.obj"),
    ] {
        let (code, _, text) = hemoflow(&args);
        println!("{args:?} -> {code}: {}", text.trim());
        assert_eq!(code, 2, "{args:?}: {text}");
        assert!(text.contains(expect), "{args:?}: `{expect}` not in {text}");
        assert!(!text.contains("panicked"));
    }
}

#[test]
fn a_300_by_300_by_600_bounding_grid_fits_in_2_gb() {
    // A vessel along the box diagonal: the bounding grid is 300 x 300 x 600 cells of 0.1 mm
    // with a realistic fluid fraction (a few percent).
    let dir = tempfile::tempdir().unwrap();
    let obj = dir.path().join("diagonal.obj");
    let (code, _, text) = hemoflow(&[
        "mesh",
        "generate",
        "pipe",
        "--radius",
        "2.5",
        "--length",
        "70",
        "--axis",
        "1,1,2",
        "--segments",
        "256",
        "-o",
        obj.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{text}");
    let (code, r, text) = hemoflow(&["voxelize", obj.to_str().unwrap(), "--spacing", "0.1", "--json"]);
    assert_eq!(code, 0, "{text}");
    let dims: Vec<u64> = r["dims"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap()).collect();
    let rss = r["peak_rss_bytes"].as_u64().expect("peak RSS (Linux)");
    println!(
        "dims {dims:?} ({} cells, fluid fraction {:.3}): {:.2} s, peak RSS {} MB (limit 2048), grid {} MB",
        r["cells"],
        r["fluid_fraction"].as_f64().unwrap(),
        r["seconds"].as_f64().unwrap(),
        rss >> 20,
        r["memory_bytes"].as_u64().unwrap() >> 20
    );
    assert!(dims.iter().product::<u64>() >= 300 * 300 * 600, "{dims:?}");
    assert!(rss < 2 << 30);
}
