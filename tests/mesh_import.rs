//! Importing the real vessel geometries shipped in meshes/ (sources in meshes/SOURCES.md).

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
    println!(
        "volume {:.6e} m^3, wall + planar caps {:.6e} m^3, relative difference {rel:.2e} (tolerance 1e-9)",
        r.volume, independent
    );
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
    let raw = |m: &SurfaceMesh| {
        (0..m.triangles.len())
            .map(|t| {
                let [a, b, c] = m.corners(t);
                a.dot(&b.cross(&c)) / 6.0
            })
            .sum::<f64>()
    };
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

/// A unit cube (edge 1 in file units) as 12 outward triangles, grouped: z faces `inlet`/`outlet`,
/// the rest `wall`.
/// A triangle's corner indices and its group name.
type Labelled = ([usize; 3], &'static str);

fn cube() -> (Vec<[f64; 3]>, Vec<Labelled>) {
    let v: Vec<[f64; 3]> = (0..8).map(|i| [(i & 1) as f64, ((i >> 1) & 1) as f64, ((i >> 2) & 1) as f64]).collect();
    let quads = [
        ([0, 2, 3, 1], "inlet"),  // z = 0, normal -z
        ([4, 5, 7, 6], "outlet"), // z = 1, normal +z
        ([0, 1, 5, 4], "wall"),   // y = 0
        ([2, 6, 7, 3], "wall"),   // y = 1
        ([0, 4, 6, 2], "wall"),   // x = 0
        ([1, 3, 7, 5], "wall"),   // x = 1
    ];
    let t = quads.iter().flat_map(|&(q, g)| [([q[0], q[1], q[2]], g), ([q[0], q[2], q[3]], g)]).collect();
    (v, t)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn assert_unit_cube(path: &Path, units: Units, edge_m: f64) -> mesh::CheckReport {
    let (m, load) = mesh::load(path, units).unwrap_or_else(|e| panic!("{e}"));
    let r = check(&m, &load);
    let expected = edge_m.powi(3);
    println!(
        "{}: volume {:.6e} m^3 (expected {expected:.6e}), groups {:?}",
        path.display(),
        r.volume,
        r.groups.iter().map(|g| &g.name).collect::<Vec<_>>()
    );
    approx::assert_relative_eq!(r.volume, expected, max_relative = 1e-12);
    assert!(r.watertight && r.non_manifold_edges == 0 && r.inconsistent_orientation == 0);
    assert_eq!(r.vertices, 8);
    r
}

#[test]
fn obj_groups_repeated_names_merge_and_units_convert() {
    let dir = tempfile::tempdir().unwrap();
    let (v, t) = cube();
    let mut s = String::new();
    for p in &v {
        s += &format!("v {} {} {}\n", p[0], p[1], p[2]);
    }
    // Groups interleaved: `wall` appears three times and must come back as one group.
    for (tri, g) in t.iter().rev() {
        s += &format!("g {g}\nf {} {} {}\n", tri[0] + 1, tri[1] + 1, tri[2] + 1);
    }
    let p = write(dir.path(), "cube.obj", s.as_bytes());
    let r = assert_unit_cube(&p, Units::Cm, 0.01);
    let mut names: Vec<(&str, GroupKind, usize)> =
        r.groups.iter().map(|g| (g.name.as_str(), g.kind, g.triangles)).collect();
    names.sort();
    assert_eq!(names, [("inlet", GroupKind::Cap, 2), ("outlet", GroupKind::Cap, 2), ("wall", GroupKind::Wall, 8)]);
    let inlet = r.groups.iter().find(|g| g.name == "inlet").unwrap();
    assert_eq!(inlet.normal, [0.0, 0.0, -1.0]);
    assert!((inlet.area - 1e-4).abs() < 1e-16);
}

#[test]
fn ascii_stl_solids_become_groups_and_binary_with_solid_header_is_binary() {
    let dir = tempfile::tempdir().unwrap();
    let (v, t) = cube();
    let mut s = String::new();
    for group in ["wall", "inlet", "outlet"] {
        s += &format!("solid {group}\n");
        for (tri, _) in t.iter().filter(|(_, g)| *g == group) {
            s += "  facet normal 0 0 0\n    outer loop\n";
            for &i in tri {
                s += &format!("      vertex {:e} {:e} {:e}\n", v[i][0], v[i][1], v[i][2]);
            }
            s += "    endloop\n  endfacet\n";
        }
        s += &format!("endsolid {group}\n");
    }
    let r = assert_unit_cube(&write(dir.path(), "cube_ascii.stl", s.as_bytes()), Units::M, 1.0);
    assert_eq!(r.groups.len(), 3);
    // Binary, whose 80-byte header starts with "solid" (SolidWorks and others write this).
    let mut b = b"solid exported as binary".to_vec();
    b.resize(80, b' ');
    b.extend_from_slice(&(t.len() as u32).to_le_bytes());
    for (tri, _) in &t {
        b.extend_from_slice(&[0; 12]);
        for &i in tri {
            for x in v[i] {
                b.extend_from_slice(&(x as f32).to_le_bytes());
            }
        }
        b.extend_from_slice(&[0; 2]);
    }
    let r = assert_unit_cube(&write(dir.path(), "cube_binary.stl", &b), Units::Mm, 1e-3);
    assert_eq!(r.groups.len(), 1);
    assert_eq!((r.open_loops, r.capped), (0, 0));
}

#[test]
fn inside_out_surface_is_flipped_to_outward_normals() {
    let dir = tempfile::tempdir().unwrap();
    let (v, t) = cube();
    let mut s: String = v.iter().map(|p| format!("v {} {} {}\n", p[0], p[1], p[2])).collect();
    for (tri, g) in &t {
        s += &format!("g {g}\nf {} {} {}\n", tri[0] + 1, tri[2] + 1, tri[1] + 1);
    }
    let r = assert_unit_cube(&write(dir.path(), "inside_out.obj", s.as_bytes()), Units::M, 1.0);
    assert!(r.flipped);
    assert_eq!(r.reoriented_triangles, 12);
    assert_eq!(r.groups.iter().find(|g| g.name == "outlet").unwrap().normal, [0.0, 0.0, 1.0]);
}

#[test]
fn vtp_inline_ascii_and_binary_arrays_without_mdl_name_faces_by_id() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let (v, t) = cube();
    let ids: Vec<i32> = t
        .iter()
        .map(|(_, g)| match *g {
            "inlet" => 2,
            "outlet" => 3,
            _ => 1,
        })
        .collect();
    let join = |it: &mut dyn Iterator<Item = String>| it.collect::<Vec<_>>().join(" ");
    let points = join(&mut v.iter().flatten().map(|x| x.to_string()));
    let conn = join(&mut t.iter().flat_map(|(tri, _)| tri.iter().map(|i| i.to_string())));
    let offsets = join(&mut (1..=t.len()).map(|k| (3 * k).to_string()));
    // Binary inline (uncompressed): UInt32 byte count, then the data, base64 together.
    let mut raw = ((4 * ids.len()) as u32).to_le_bytes().to_vec();
    for id in &ids {
        raw.extend_from_slice(&id.to_le_bytes());
    }
    let ids_b64 = base64::engine::general_purpose::STANDARD.encode(&raw);
    let xml = format!(
        r#"<?xml version="1.0"?>
<VTKFile type="PolyData" version="1.0" byte_order="LittleEndian" header_type="UInt32">
  <PolyData>
    <Piece NumberOfPoints="8" NumberOfVerts="0" NumberOfLines="0" NumberOfStrips="0" NumberOfPolys="{n}">
      <CellData>
        <DataArray type="Int32" Name="ModelFaceID" format="binary">{ids_b64}</DataArray>
      </CellData>
      <Points>
        <DataArray type="Float64" NumberOfComponents="3" format="ascii">{points}</DataArray>
      </Points>
      <Polys>
        <DataArray type="Int64" Name="connectivity" format="ascii">{conn}</DataArray>
        <DataArray type="Int64" Name="offsets" format="ascii">{offsets}</DataArray>
      </Polys>
    </Piece>
  </PolyData>
</VTKFile>
"#,
        n = t.len()
    );
    let path = write(dir.path(), "cube.vtp", xml.as_bytes());
    let r = assert_unit_cube(&path, Units::Mm, 1e-3);
    let mut names: Vec<&str> = r.groups.iter().map(|g| g.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["face_1", "face_2", "face_3"]);
    // Without an .mdl nothing says which faces are caps, so the closed cube has no inlet.
    assert!(r.groups.iter().all(|g| g.kind == GroupKind::Wall));
    assert!(!r.simulatable && r.problems[0].contains("no caps"), "{:?}", r.problems);
    // With one, the faces get its names and types (`type` decides, whatever the name says).
    let mdl = r#"<model><faces>
        <face id="1" name="vessel" type="wall"/>
        <face id="2" name="in" type="cap"/>
        <face id="3" name="out" type="cap"/>
    </faces></model>"#;
    write(dir.path(), "cube.mdl", mdl.as_bytes());
    let r = assert_unit_cube(&path, Units::Mm, 1e-3);
    let mut names: Vec<(&str, GroupKind)> = r.groups.iter().map(|g| (g.name.as_str(), g.kind)).collect();
    names.sort();
    assert_eq!(names, [("in", GroupKind::Cap), ("out", GroupKind::Cap), ("vessel", GroupKind::Wall)]);
    assert!(r.simulatable);
}

#[test]
fn non_star_shaped_open_end_is_ear_clipped_exactly() {
    // An open prism whose cross-section is a U (3 x 3 square less a 1 x 2 notch): its area
    // centroid lies in the notch, outside the polygon, so a fan cannot close it.
    let u = [[0.0, 0.0], [3.0, 0.0], [3.0, 3.0], [2.0, 3.0], [2.0, 1.0], [1.0, 1.0], [1.0, 3.0], [0.0, 3.0]];
    let (n, length) = (u.len(), 5.0);
    let mut s = String::new();
    for z in [0.0, length] {
        for p in &u {
            s += &format!("v {} {} {z}\n", p[0], p[1]);
        }
    }
    s += "g wall\n";
    for i in 0..n {
        let j = (i + 1) % n;
        // Counter-clockwise polygon: side walls (i, j, j+n), (i, j+n, i+n) face outwards.
        s += &format!("f {} {} {}\nf {} {} {}\n", i + 1, j + 1, j + n + 1, i + 1, j + n + 1, i + n + 1);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "u_prism.obj", s.as_bytes());
    let (m, load) = mesh::load(&path, Units::M).unwrap();
    let r = check(&m, &load);
    println!("{}", r.text());
    assert_eq!((r.open_loops, r.capped), (2, 2));
    assert!(r.watertight && r.inconsistent_orientation == 0 && r.simulatable, "{:?}", r.problems);
    let expected = 7.0 * length;
    println!("U prism volume {} (expected {expected})", r.volume);
    assert!((r.volume - expected).abs() < 1e-12);
    for cap in &r.caps_added {
        assert!((cap.area - 7.0).abs() < 1e-12, "{cap:?}");
    }
    // Ear clipping adds no vertex: only the 16 corners.
    assert_eq!(m.vertices.len(), 16);
    // Each cap's triangles cover exactly the U.
    for g in r.groups.iter().filter(|g| g.kind == GroupKind::Cap) {
        assert!((g.area - 7.0).abs() < 1e-12, "{}: {}", g.name, g.area);
        assert!((g.normal[2].abs() - 1.0).abs() < 1e-12);
    }
}

/// One zlib block with a UInt64 block header (blocks, block size, last block size, compressed
/// size), as vtkXMLWriter writes appended raw data.
fn zlib_block_u64(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(data).unwrap();
    let c = z.finish().unwrap();
    let mut out = Vec::new();
    for w in [1u64, data.len() as u64, data.len() as u64, c.len() as u64] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out.extend_from_slice(&c);
    out
}

#[test]
fn vtp_appended_raw_zlib_with_64_bit_headers() {
    let (v, t) = cube();
    let points: Vec<u8> = v.iter().flatten().flat_map(|&x| (x as f32).to_le_bytes()).collect();
    let conn: Vec<u8> = t.iter().flat_map(|(tri, _)| tri.iter().flat_map(|&i| (i as i64).to_le_bytes())).collect();
    let offsets: Vec<u8> = (1..=t.len()).flat_map(|k| (3 * k as i64).to_le_bytes()).collect();
    let ids: Vec<u8> = t.iter().flat_map(|(_, g)| (if *g == "wall" { 1i32 } else { 2 }).to_le_bytes()).collect();
    let blocks = [zlib_block_u64(&ids), zlib_block_u64(&points), zlib_block_u64(&conn), zlib_block_u64(&offsets)];
    let mut offset = [0usize; 4];
    for k in 1..4 {
        offset[k] = offset[k - 1] + blocks[k - 1].len();
    }
    let xml = format!(
        r#"<?xml version="1.0"?>
<VTKFile type="PolyData" version="1.0" byte_order="LittleEndian" header_type="UInt64" compressor="vtkZLibDataCompressor">
  <PolyData>
    <Piece NumberOfPoints="8" NumberOfVerts="0" NumberOfLines="0" NumberOfStrips="0" NumberOfPolys="{n}">
      <CellData>
        <DataArray type="Int32" Name="ModelFaceID" format="appended" offset="{o0}"/>
      </CellData>
      <Points>
        <DataArray type="Float32" Name="Points" NumberOfComponents="3" format="appended" offset="{o1}"/>
      </Points>
      <Polys>
        <DataArray type="Int64" Name="connectivity" format="appended" offset="{o2}"/>
        <DataArray type="Int64" Name="offsets" format="appended" offset="{o3}"/>
      </Polys>
    </Piece>
  </PolyData>
  <AppendedData encoding="raw">
   _"#,
        n = t.len(),
        o0 = offset[0],
        o1 = offset[1],
        o2 = offset[2],
        o3 = offset[3]
    );
    let mut bytes = xml.into_bytes();
    for b in &blocks {
        bytes.extend_from_slice(b);
    }
    bytes.extend_from_slice(b"\n  </AppendedData>\n</VTKFile>\n");
    let dir = tempfile::tempdir().unwrap();
    let r = assert_unit_cube(&write(dir.path(), "raw.vtp", &bytes), Units::M, 1.0);
    let mut names: Vec<(&str, usize)> = r.groups.iter().map(|g| (g.name.as_str(), g.triangles)).collect();
    names.sort();
    assert_eq!(names, [("face_1", 8), ("face_2", 4)]);
}
