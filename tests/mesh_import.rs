//! Importing the real vessel geometries shipped in meshes/ (from ../shared/geometry).

use std::path::{Path, PathBuf};

use hemoflow::mesh::{self, check, GroupKind, SurfaceMesh, Units, Vec3};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes").join(name)
}

/// Divergence-theorem volume of the wall triangles plus, for each cap, the exact contribution
/// of a planar polygon: A (n . c) / 3 with its area A, unit outward normal n and centroid c.
/// Computed from the open surface and the caps' own geometry, independently of the capper.
fn volume_from_wall_and_cap_planes(mesh: &SurfaceMesh, cap_groups: &[u32]) -> f64 {
    let mut wall = 0.0;
    let mut cap_area_normal = vec![Vec3::zeros(); mesh.groups.len()];
    let mut cap_moment = vec![Vec3::zeros(); mesh.groups.len()];
    for t in 0..mesh.triangles.len() {
        let [a, b, c] = mesh.corners(t);
        let g = mesh.labels[t];
        if cap_groups.contains(&g) {
            let an = (b - a).cross(&(c - a)) / 2.0;
            cap_area_normal[g as usize] += an;
            cap_moment[g as usize] += an.norm() * (a + b + c) / 3.0;
        } else {
            wall += a.dot(&b.cross(&c)) / 6.0;
        }
    }
    let caps: f64 = cap_groups
        .iter()
        .map(|&g| {
            let an = cap_area_normal[g as usize];
            let area = an.norm();
            let centroid = cap_moment[g as usize] / area;
            area * an.normalize().dot(&centroid) / 3.0
        })
        .sum();
    wall + caps
}

#[test]
fn aorta_open_ends_stl_is_capped_watertight_with_exact_volume() {
    let path = sample("aorta_open_ends.stl");
    let (m, load) = mesh::load(&path, Units::Mm).expect("load aorta");
    let r = check(&m, &load);
    println!("{}", r.text());
    // SOURCES.md: 6,068 vertices, 11,887 triangles, 3 boundary loops.
    assert_eq!((r.vertices, r.triangles), (6068, 11887));
    assert_eq!(r.open_loops, 3);
    assert_eq!(r.capped, 3);
    assert!(r.watertight && r.non_manifold_edges == 0 && r.inconsistent_orientation == 0);
    assert!(r.simulatable, "problems: {:?}", r.problems);
    let caps: Vec<u32> = (0..m.groups.len() as u32).filter(|&g| m.groups[g as usize].kind == GroupKind::Cap).collect();
    assert_eq!(caps.len(), 3);
    let names: Vec<&str> = caps.iter().map(|&g| m.groups[g as usize].name.as_str()).collect();
    assert_eq!(names, ["cap_0", "cap_1", "cap_2"]);
    let independent = volume_from_wall_and_cap_planes(&m, &caps);
    let rel = (r.volume - independent).abs() / independent;
    println!("volume {:.6e} m^3, wall + planar caps {:.6e} m^3, relative difference {rel:.2e} (tolerance 1e-9)", r.volume, independent);
    assert!(rel < 1e-9);
    // Inlet: equivalent diameter 15.4 mm near (221.0, 177.8, 21.0) mm; outlets 8.8 and 8.7 mm.
    let inlet = &r.groups.iter().find(|g| g.name == "cap_0").unwrap();
    println!("cap_0 diameter {:.2} mm at {:?}", inlet.diameter * 1e3, inlet.centroid);
    assert!((inlet.diameter * 1e3 - 15.4).abs() < 0.1);
    let at = Vec3::from(inlet.centroid) * 1e3 - Vec3::new(221.0, 177.8, 21.0);
    assert!(at.norm() < 1.0, "inlet centroid {at:?} mm from the documented position");
    for (name, d) in [("cap_1", 8.8), ("cap_2", 8.7)] {
        let g = r.groups.iter().find(|g| g.name == name).unwrap();
        println!("{name} diameter {:.2} mm, centroid y {:.1} mm", g.diameter * 1e3, g.centroid[1] * 1e3);
        assert!((g.diameter * 1e3 - d).abs() < 0.1);
        assert!((g.centroid[1] * 1e3 - 102.0).abs() < 5.0);
    }
    // Volume unchanged by a translation: only true of a closed surface.
    let mut moved = m.clone();
    for v in &mut moved.vertices {
        *v += Vec3::new(0.3, -0.2, 0.5);
    }
    let raw = |m: &SurfaceMesh| (0..m.triangles.len()).map(|t| { let [a, b, c] = m.corners(t); a.dot(&b.cross(&c)) / 6.0 }).sum::<f64>();
    assert!((raw(&moved) - raw(&m)).abs() / r.volume < 1e-9);
}

#[test]
fn simvascular_vtp_in_cm_has_mdl_face_names_and_metre_bbox() {
    let path = sample("demo_aorta_iliac.vtp");
    let (m, load) = mesh::load(&path, Units::Cm).expect("load vtp");
    let r = check(&m, &load);
    println!("{}", r.text());
    let mut names: Vec<(&str, GroupKind)> = r.groups.iter().map(|g| (g.name.as_str(), g.kind)).collect();
    names.sort_by_key(|n| n.0);
    assert_eq!(
        names,
        [
            ("cap_aorta", GroupKind::Cap),
            ("cap_aorta_2", GroupKind::Cap),
            ("cap_right_iliac", GroupKind::Cap),
            ("wall_aorta", GroupKind::Wall),
            ("wall_right_iliac", GroupKind::Wall),
        ]
    );
    assert_eq!((r.vertices, r.triangles), (7319, 14634));
    assert_eq!((r.open_loops, r.capped), (0, 0));
    assert!(r.watertight && r.simulatable, "problems: {:?}", r.problems);
    // Points range 0.16..22.3 cm in the file: in metres the box lies within 0..0.23 m.
    println!("bbox {:?} .. {:?} m", r.bbox_min, r.bbox_max);
    for k in 0..3 {
        assert!(r.bbox_min[k] > -0.25 && r.bbox_max[k] < 0.25 && r.bbox_max[k] - r.bbox_min[k] > 0.005);
    }
    assert!(r.bbox_max.iter().chain(&r.bbox_min).any(|x| x.abs() > 0.1), "coordinates were not scaled by 0.01");
    assert!(r.volume > 0.0);
}
