//! Centrelines: on generated pipes (axis-aligned and oblique) and a bifurcation they lie on the
//! true axis (within one cell, the bound; the distances are printed), and the radius
//! profile of a generated 75%-area stenosis shows its throat radius (within 5%). The command
//! writes HDF5 + XDMF and JSON, and rejects bad input with exit code 2.

mod common;

use hemoflow::centerline::{centerlines, Centerline};
use hemoflow::grid;
use hemoflow::mesh::generate::{bifurcation, pipe, stenosis, BifurcationSpec, PipeSpec, StenosisSpec};
use hemoflow::mesh::WallSurface;
use hemoflow::mesh::{SurfaceMesh, Vec3};

/// Distance from `p` to the segment a-b.
fn to_segment(p: Vec3, a: Vec3, b: Vec3) -> f64 {
    let t = ((p - a).dot(&(b - a)) / (b - a).norm_squared()).clamp(0.0, 1.0);
    (p - (a + (b - a) * t)).norm()
}

fn trace(m: &SurfaceMesh, h: f64) -> Vec<Centerline> {
    let g = grid::voxelize(m, h).unwrap();
    centerlines(&g, &WallSurface::from_mesh(m), None).unwrap().lines
}

#[test]
fn pipe_centerlines_lie_on_the_axis_at_any_angle_to_the_grid() {
    let r = 2e-3;
    let h = r / 8.0;
    for axis in [Vec3::z(), Vec3::new(0.3, -0.5, 0.8), Vec3::new(1.0, 1.0, 1.0)] {
        let start = Vec3::new(1.1e-4, -0.7e-4, 0.3e-4);
        let spec = PipeSpec { radius: r, length: 16e-3, axis, start, ..Default::default() };
        let lines = trace(&pipe(&spec).unwrap(), h);
        assert_eq!(lines.len(), 1);
        let end = start + axis.normalize() * spec.length;
        let off = lines[0].points.iter().map(|&p| to_segment(p, start, end)).fold(0.0, f64::max);
        let radius_err = lines[0].radius.iter().map(|&x| (x - r).abs() / r).fold(0.0, f64::max);
        println!(
            "pipe axis {:?}: {} points, worst distance from the axis {:.4} cells, radius worst {:.2e} (relative)",
            axis.as_slice(),
            lines[0].points.len(),
            off / h,
            radius_err
        );
        assert!(off < h, "the centreline leaves the axis by {:.3} cells (bound: one cell)", off / h);
        assert!(radius_err < 0.01, "radius off by {radius_err:.2e} (bound 1%)");
        assert!((lines[0].length() - spec.length).abs() < 0.01 * spec.length);
    }
}

#[test]
fn bifurcation_centerlines_follow_parent_and_daughter_axes() {
    let spec = BifurcationSpec::default();
    let h = spec.daughter_radii[0] / 8.0;
    let lines = trace(&bifurcation(&spec).unwrap(), h);
    assert_eq!(lines.len(), 2);
    let j = spec.junction();
    for (line, (end, _)) in lines.iter().zip(spec.outlets()) {
        let worst =
            line.points.iter().map(|&p| to_segment(p, spec.start, j).min(to_segment(p, j, end))).fold(0.0, f64::max);
        let at = line.points.iter().map(|&p| to_segment(p, spec.start, j).min(to_segment(p, j, end)));
        let worst_index = at.enumerate().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap().0;
        println!(
            "{} -> {}: {} points, worst distance from the parent/daughter axes {:.3} cells, {:.2} mm from the junction",
            line.from,
            line.to,
            line.points.len(),
            worst / h,
            (line.points[worst_index] - j).norm() * 1e3
        );
        assert!(worst < h, "{}: {:.3} cells from the axes (bound: one cell)", line.to, worst / h);
    }
}

#[test]
fn stenosis_radius_profile_shows_the_throat() {
    let spec = StenosisSpec::default();
    let h = spec.radius / 10.0;
    let lines = trace(&stenosis(&spec).unwrap(), h);
    let line = &lines[0];
    let (i, &min) = line.radius.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)).unwrap();
    let rt = spec.throat_radius();
    let err = (min - rt) / rt;
    let where_ = line.abscissa[i] - spec.length / 2.0;
    println!(
        "stenosis 75% area: narrowest radius {:.4} mm vs throat {:.4} mm ({:+.2}%), {:+.3} mm from the throat plane; \
         healthy radius {:.4} mm vs {:.4} mm",
        min * 1e3,
        rt * 1e3,
        100.0 * err,
        where_ * 1e3,
        line.radius[line.radius.len() / 8] * 1e3,
        spec.radius * 1e3
    );
    assert!(err.abs() < 0.05, "throat radius off by {:.2}% (bound 5%)", 100.0 * err);
    assert!(where_.abs() < h, "the narrowest point is {:.2} cells from the throat plane", where_.abs() / h);
}

#[test]
fn centerline_command_writes_hdf5_xdmf_and_json_and_rejects_bad_input() {
    let dir = std::env::temp_dir().join(format!("hemoflow-centerline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let h5 = dir.join("stenosis_centerline.h5");
    let (code, json, text) =
        common::hemoflow(&["centerline", "meshes/stenosis.obj", "--units", "mm", "--json", "-o", h5.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    let radius: Vec<f64> = json["lines"][0]["radius"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let min = radius.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "meshes/stenosis.obj (64 segments): {} points, narrowest radius {:.4} mm (throat 1 mm)",
        radius.len(),
        min * 1e3
    );
    assert!((min - 1e-3).abs() < 0.05e-3, "throat radius {min} m");
    assert_eq!(json["lines"][0]["points"].as_array().unwrap().len(), radius.len());
    let script = "import h5py, sys, xml.etree.ElementTree as E\n\
f = h5py.File(sys.argv[1], 'r')\n\
g = f['centerlines/000000']\n\
n = g['points'].shape[0]\n\
assert g['points'].shape == (n, 3) and g['radius'].shape == (n,) and g['abscissa'].shape == (n,)\n\
assert f['centerlines'].attrs['source'] == 'inlet' and g.attrs['to'] == 'outlet'\n\
t = E.parse(sys.argv[2]).getroot()\n\
assert t.find('.//Topology').get('TopologyType') == 'Polyline'\n\
print(n, float(g['radius'][:].min()))\n";
    let out = std::process::Command::new("/usr/bin/python3")
        .args(["-c", script, h5.to_str().unwrap(), h5.with_extension("xdmf").to_str().unwrap()])
        .output()
        .expect("python3 (tools/test installs python3-h5py)");
    let printed = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "h5py/XDMF check failed: {printed}");
    println!("h5py: {printed}");
    common::paraview_check(&[&h5.with_extension("xdmf")]);
    let (code, _, text) = common::hemoflow(&["centerline", "meshes/stenosis.obj", "--source", "nowhere"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("no cap named `nowhere`") && !text.contains("panicked"), "{text}");
    let (code, _, text) = common::hemoflow(&["centerline", "meshes/missing.obj"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("missing.obj"), "{text}");
    let (code, _, text) = common::hemoflow(&["centerline", "meshes/stenosis.obj", "--spacing", "-1"]);
    assert_eq!(code, 2, "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
