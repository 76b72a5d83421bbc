//! Synthetic vessels checked as geometry: closed and oriented, volumes and cap areas against
//! their analytic values, caps where the spec puts them, and an OBJ round trip.

use std::f64::consts::PI;

use hemoflow::mesh::generate::{
    aneurysm, bifurcation, perpendicular, pipe, stenosis, write_obj, AneurysmSpec, BifurcationSpec, GenerateError,
    PipeSpec, StenosisSpec,
};
use hemoflow::mesh::{EdgeStats, SurfaceMesh, Units, Vec3};

/// Closed, manifold, consistently oriented outwards, fully labelled, no degenerate triangle
/// (area above 1e-12 of the bounding-box diagonal squared, the threshold `mesh check` uses).
fn assert_closed(m: &SurfaceMesh, what: &str) {
    let s = EdgeStats::of(m);
    println!("{what}: {} vertices, {} triangles, {s:?}", m.vertices.len(), m.triangles.len());
    assert!(s.is_closed_manifold(), "{what}: not a closed manifold: {s:?}");
    assert_eq!(s.inconsistent_orientation, 0, "{what}: inconsistent orientation");
    assert!(m.signed_volume() > 0.0, "{what}: volume {} m^3 not positive", m.signed_volume());
    assert_eq!(m.labels.len(), m.triangles.len(), "{what}: labels");
    assert!(m.labels.iter().all(|&l| (l as usize) < m.groups.len()), "{what}: label out of range");
    let (lo, hi) = m.bbox().unwrap();
    let diag2 = (hi - lo).norm_squared();
    let min_area = (0..m.triangles.len()).map(|t| m.area_normal(t).norm() / 2.0).fold(f64::INFINITY, f64::min);
    println!("{what}: smallest triangle area / bbox diagonal^2 = {:.3e}", min_area / diag2);
    assert!(min_area > 1e-12 * diag2, "{what}: degenerate triangle, area {min_area:e} m^2");
}

/// Area (m^2), area-weighted centroid (m) and unit area-weighted normal of group `name`.
fn group(m: &SurfaceMesh, name: &str) -> (f64, Vec3, Vec3) {
    let g = m.groups.iter().position(|g| g.name == name).unwrap_or_else(|| panic!("no group {name}")) as u32;
    let (mut area, mut moment, mut normal) = (0.0, Vec3::zeros(), Vec3::zeros());
    for t in (0..m.triangles.len()).filter(|&t| m.labels[t] == g) {
        let an = m.area_normal(t);
        let [a, b, c] = m.corners(t);
        area += an.norm() / 2.0;
        moment += (a + b + c) * (an.norm() / 6.0);
        normal += an;
    }
    (area, moment / area, normal.normalize())
}

fn names(m: &SurfaceMesh) -> Vec<&str> {
    m.groups.iter().map(|g| g.name.as_str()).collect()
}

fn rel(measured: f64, expected: f64) -> f64 {
    (measured - expected).abs() / expected.abs()
}

#[test]
fn pipe_at_any_orientation_has_exact_volume_caps_and_normals() {
    let (r, l) = (2e-3, 20e-3);
    let axes = [Vec3::x(), Vec3::y(), Vec3::z(), Vec3::new(1.0, 1.0, 1.0), Vec3::new(0.3, -0.5, 0.8)];
    for (i, axis) in axes.into_iter().enumerate() {
        let start = Vec3::new(0.01 * i as f64, -0.02, 0.003);
        let spec = PipeSpec { radius: r, length: l, axis, start, ..Default::default() };
        let m = pipe(&spec).unwrap();
        let what = format!("pipe along ({}, {}, {})", axis.x, axis.y, axis.z);
        assert_closed(&m, &what);
        assert_eq!(names(&m), ["wall", "inlet", "outlet"]);
        let a = axis.normalize();
        let vol_err = rel(m.signed_volume(), PI * r * r * l);
        let (in_area, in_c, in_n) = group(&m, "inlet");
        let (out_area, out_c, out_n) = group(&m, "outlet");
        let (in_err, out_err) = (rel(in_area, PI * r * r), rel(out_area, PI * r * r));
        let in_c_err = (in_c - start).norm() / r;
        let out_c_err = (out_c - (start + a * l)).norm() / r;
        let (in_n_err, out_n_err) = ((in_n + a).norm(), (out_n - a).norm());
        println!(
            "{what}: volume error {vol_err:.2e}, inlet/outlet area error {in_err:.2e}/{out_err:.2e}, \
             centroid error / R {in_c_err:.1e}/{out_c_err:.1e}, normal error {in_n_err:.1e}/{out_n_err:.1e}"
        );
        assert!(vol_err < 5e-3, "{what}: volume off by {vol_err:e} (tolerance 0.5%)");
        assert!(in_err < 5e-3 && out_err < 5e-3, "{what}: cap areas off by {in_err:e}, {out_err:e} (tolerance 0.5%)");
        assert!(in_c_err < 1e-9 && out_c_err < 1e-9, "{what}: cap centroids off by {in_c_err:e}, {out_c_err:e} R");
        assert!(in_n_err < 1e-9 && out_n_err < 1e-9, "{what}: cap normals off by {in_n_err:e}, {out_n_err:e}");
    }
}

/// r(s) from the documented formula, written out independently of the library.
fn stenosis_radius(spec: &StenosisSpec, s: f64) -> f64 {
    let rt = spec.radius * (1.0 - spec.area_reduction / 100.0).sqrt();
    let x = s - spec.length / 2.0;
    if x.abs() >= spec.stenosis_length / 2.0 {
        spec.radius
    } else {
        spec.radius - (spec.radius - rt) * (1.0 + (2.0 * PI * x / spec.stenosis_length).cos()) / 2.0
    }
}

#[test]
fn stenosis_volume_matches_integral_of_lumen_area() {
    for eccentricity in [0.0, 0.5] {
        let spec = StenosisSpec { eccentricity, axis: Vec3::new(0.3, -0.5, 0.8), ..Default::default() };
        let m = stenosis(&spec).unwrap();
        let what = format!("stenosis 75%, eccentricity {eccentricity}");
        assert_closed(&m, &what);
        assert_eq!(names(&m), ["wall", "inlet", "outlet"]);
        // Midpoint rule on 100k intervals: error ~1e-10, far below the mesh's.
        let n = 100_000;
        let ds = spec.length / n as f64;
        let exact: f64 = (0..n).map(|i| PI * stenosis_radius(&spec, (i as f64 + 0.5) * ds).powi(2) * ds).sum();
        let err = rel(m.signed_volume(), exact);
        println!("{what}: volume {:.6e} m^3, integral of pi r^2 {exact:.6e} m^3, error {err:.2e}", m.signed_volume());
        assert!(err < 5e-3, "{what}: volume off by {err:e} (tolerance 0.5%)");
    }
}

#[test]
fn stenosis_throat_has_the_area_reduction_asked_for() {
    let spec = StenosisSpec { area_reduction: 75.0, ..Default::default() };
    let m = stenosis(&spec).unwrap();
    let a = spec.axis.normalize();
    let dist = |p: &Vec3| ((p - spec.start) - a * a.dot(&(p - spec.start))).norm();
    let wall = m.groups.iter().position(|g| g.name == "wall").unwrap() as u32;
    let mut on_wall = vec![false; m.vertices.len()];
    for (t, l) in m.triangles.iter().zip(&m.labels) {
        if *l == wall {
            t.iter().for_each(|&v| on_wall[v as usize] = true);
        }
    }
    let r_min = m.vertices.iter().zip(&on_wall).filter(|(_, &w)| w).map(|(p, _)| dist(p)).fold(f64::INFINITY, f64::min);
    let expected = spec.radius * (1.0 - 0.75f64).sqrt();
    let err = rel(r_min, expected);
    println!("throat radius {r_min:.6e} m, expected R sqrt(1 - 0.75) = {expected:.6e} m, error {err:.2e}");
    assert!(err < 0.01, "throat radius off by {err:e} (tolerance 1%)");
    assert!(rel(spec.throat_radius(), expected) < 1e-12);
}

#[test]
fn eccentric_stenosis_shifts_the_throat_towards_one_side() {
    let spec = StenosisSpec { eccentricity: 0.6, area_reduction: 50.0, ..Default::default() };
    let m = stenosis(&spec).unwrap();
    let (a, u) = (spec.axis.normalize(), perpendicular(spec.axis));
    // The ring at mid-length (the default ring count is even): its centroid is the lumen centre.
    let mid: Vec<Vec3> = m
        .vertices
        .iter()
        .filter(|p| (a.dot(&(*p - spec.start)) - spec.length / 2.0).abs() < 1e-9)
        .map(|p| p - spec.start - a * (spec.length / 2.0))
        .collect();
    assert_eq!(mid.len(), spec.segments, "one ring at the throat");
    let centre = mid.iter().sum::<Vec3>() / mid.len() as f64;
    let expected = 0.6 * (spec.radius - spec.throat_radius());
    let err = (centre - u * expected).norm() / expected;
    println!(
        "throat lumen centre shift {:.6e} m along the side, expected {expected:.6e} m, error {err:.2e}",
        centre.dot(&u)
    );
    assert!(err < 0.01, "lumen centre off by {err:e} (tolerance 1%)");
    // The far side of the wall is pushed in by (1 + e)(R - rt) and the near side by (1 - e)(R - rt).
    let far = mid.iter().map(|p| p.dot(&u)).fold(f64::INFINITY, f64::min);
    let near = mid.iter().map(|p| p.dot(&u)).fold(f64::NEG_INFINITY, f64::max);
    println!("throat wall at {near:.4e} m (near side) and {far:.4e} m (far side) from the axis");
    assert!(rel(near, spec.radius - 0.4 * (spec.radius - spec.throat_radius())) < 1e-3);
    assert!(rel(-far, spec.radius - 1.6 * (spec.radius - spec.throat_radius())) < 1e-3);
}

/// Cap `name` lies at `centre` facing `normal` with area pi r^2 within 3%.
fn assert_cap(m: &SurfaceMesh, what: &str, name: &str, centre: Vec3, normal: Vec3, r: f64) {
    let (area, c, n) = group(m, name);
    let (area_err, c_err, n_err) = (rel(area, PI * r * r), (c - centre).norm() / r, (n - normal).norm());
    println!("{what} {name}: area error {area_err:.2e}, centroid error / r {c_err:.2e}, normal error {n_err:.2e}");
    assert!(area_err < 0.03, "{what} {name}: area off by {area_err:e} (tolerance 3%)");
    assert!(c_err < 0.02, "{what} {name}: centroid off by {c_err:e} radii (tolerance 2%)");
    assert!(n_err < 1e-6, "{what} {name}: normal off by {n_err:e}");
}

#[test]
fn bifurcation_is_closed_with_caps_at_the_tube_ends() {
    let specs = [
        BifurcationSpec::default(),
        BifurcationSpec {
            axis: Vec3::new(1.0, 1.0, 1.0),
            start: Vec3::new(0.01, 0.0, -0.02),
            daughter_radii: [1.8e-3, 1.2e-3],
            daughter_lengths: [16e-3, 24e-3],
            angle: 100.0,
            ..Default::default()
        },
    ];
    for (k, spec) in specs.iter().enumerate() {
        let what = format!("bifurcation {k}");
        let m = bifurcation(spec).unwrap();
        assert_closed(&m, &what);
        assert_eq!(names(&m), ["wall", "inlet", "outlet_1", "outlet_2"]);
        let a = spec.axis.normalize();
        assert_cap(&m, &what, "inlet", spec.start, -a, spec.radius);
        for (i, (end, dir)) in spec.outlets().into_iter().enumerate() {
            assert_cap(&m, &what, &format!("outlet_{}", i + 1), end, dir, spec.daughter_radii[i]);
        }
        // Sanity: the three straight tubes, overlapping near the junction and filleted.
        let tubes = PI * spec.radius.powi(2) * spec.length
            + (0..2).map(|i| PI * spec.daughter_radii[i].powi(2) * spec.daughter_lengths[i]).sum::<f64>();
        let ratio = m.signed_volume() / tubes;
        println!("{what}: volume / sum of the tubes' volumes = {ratio:.4}");
        assert!((0.9..1.1).contains(&ratio), "{what}: volume ratio {ratio} outside [0.9, 1.1]");
    }
}

#[test]
fn aneurysm_adds_about_the_sac_volume_to_the_pipe() {
    let spec = AneurysmSpec::default();
    let m = aneurysm(&spec).unwrap();
    assert_closed(&m, "aneurysm");
    assert_eq!(names(&m), ["wall", "inlet", "outlet"]);
    let a = spec.axis.normalize();
    assert_cap(&m, "aneurysm", "inlet", spec.start, -a, spec.radius);
    assert_cap(&m, "aneurysm", "outlet", spec.start + a * spec.length, a, spec.radius);
    // The sphere minus the small cap of it inside the tube (about 4% here), plus the neck fillet.
    let pipe_volume = PI * spec.radius.powi(2) * spec.length;
    let sac = 4.0 / 3.0 * PI * spec.sac_radius.powi(3);
    let ratio = (m.signed_volume() - pipe_volume) / sac;
    println!("aneurysm: (volume - pipe volume) / sac sphere volume = {ratio:.4}");
    assert!((0.85..1.1).contains(&ratio), "added volume ratio {ratio} outside [0.85, 1.1]");
    // The sac's dome: the farthest wall point from the axis is sac centre + sac radius.
    let dome = m.vertices.iter().map(|p| ((p - spec.start) - a * a.dot(&(p - spec.start))).norm()).fold(0.0, f64::max);
    let expected = (spec.sac_centre() - spec.start - a * spec.length / 2.0).norm() + spec.sac_radius;
    let err = rel(dome, expected);
    println!("aneurysm: dome height {dome:.5e} m, expected {expected:.5e} m, error {err:.2e}");
    assert!(err < 0.01, "dome height off by {err:e} (tolerance 1%)");
}

fn invalid_parameter(e: GenerateError) -> (String, String) {
    let message = e.to_string();
    match e {
        GenerateError::InvalidParameter { parameter, .. } => (parameter.to_string(), message),
        other => panic!("expected an invalid parameter, got {other}"),
    }
}

#[test]
fn bad_specs_name_the_parameter_and_value() {
    let cases: Vec<(Result<SurfaceMesh, GenerateError>, &str, &str)> = vec![
        (pipe(&PipeSpec { radius: -1e-3, ..Default::default() }), "radius", "-0.001"),
        (pipe(&PipeSpec { axis: Vec3::zeros(), ..Default::default() }), "axis", "(0, 0, 0)"),
        (pipe(&PipeSpec { segments: 2, ..Default::default() }), "segments", "2"),
        (stenosis(&StenosisSpec { area_reduction: 100.0, ..Default::default() }), "area_reduction", "100"),
        (stenosis(&StenosisSpec { area_reduction: 0.0, ..Default::default() }), "area_reduction", "0"),
        (stenosis(&StenosisSpec { eccentricity: 1.0, ..Default::default() }), "eccentricity", "1"),
        (bifurcation(&BifurcationSpec { angle: 180.0, ..Default::default() }), "angle", "180"),
        (bifurcation(&BifurcationSpec { angle: 0.0, ..Default::default() }), "angle", "0"),
        (
            bifurcation(&BifurcationSpec { daughter_radii: [1e-3, f64::NAN], ..Default::default() }),
            "daughter_radii[1]",
            "NaN",
        ),
        (aneurysm(&AneurysmSpec { neck_radius: 4e-3, ..Default::default() }), "neck_radius", "0.004"),
        (aneurysm(&AneurysmSpec { spacing: Some(1e-7), ..Default::default() }), "spacing", "0.0000001"),
    ];
    for (result, parameter, value) in cases {
        let (p, message) = invalid_parameter(result.expect_err(parameter));
        println!("{message}");
        assert_eq!(p, parameter);
        assert!(
            message.contains(parameter) && message.contains(value),
            "message {message:?} lacks {parameter} or {value}"
        );
    }
}

#[test]
fn obj_written_in_mm_loads_back_the_same() {
    let m = bifurcation(&BifurcationSpec::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bifurcation.obj");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    write_obj(&m, &mut w, 1000.0).unwrap();
    drop(w);
    let (back, report) = hemoflow::mesh::load(&path, Units::Mm).unwrap();
    assert_eq!(report.open_loops, 0);
    assert!(!report.flipped);
    assert_eq!(back.triangles.len(), m.triangles.len());
    assert_eq!(back.vertices.len(), m.vertices.len());
    let mut a = names(&m);
    let mut b = names(&back);
    a.sort();
    b.sort();
    assert_eq!(a, b);
    let err = rel(back.signed_volume(), m.signed_volume());
    println!("OBJ round trip (mm): volume error {err:.2e}");
    assert!(err < 1e-12, "volume changed by {err:e} through OBJ");
    for name in names(&m) {
        let (x, y) = (group(&m, name).0, group(&back, name).0);
        assert!(rel(y, x) < 1e-12, "{name}: area {x} -> {y}");
    }
}
