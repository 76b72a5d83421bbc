//! Orientation repair on import: surfaces with triangles wound the wrong way load with the
//! volume, caps and groups of their clean versions; non-manifold and non-orientable surfaces are
//! refused with the position of the edge at fault.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::hemoflow;
use hemoflow::mesh::{self, check, CheckReport, GroupKind, SurfaceMesh, Units};

/// Relative tolerance on volumes and areas between a repaired surface and its clean version: the
/// same triangles, summed in another order (and caps traced from another loop vertex).
const REL: f64 = 1e-12;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes").join(name)
}

/// Reverses a random half (`n / 2`, chosen by a partial Fisher-Yates shuffle) of the triangles;
/// returns how many.
fn flip_random_half(m: &mut SurfaceMesh, seed: u64) -> usize {
    let mut rng = common::SplitMix64(seed);
    let n = m.triangles.len();
    let mut order: Vec<usize> = (0..n).collect();
    for i in 0..n / 2 {
        let j = i + (rng.next() % (n - i) as u64) as usize;
        order.swap(i, j);
        m.triangles[order[i]].swap(1, 2);
    }
    n / 2
}

/// OBJ in metres, one `g` per group (coordinates written exactly: shortest round-trip decimals).
fn write_obj(m: &SurfaceMesh, path: &Path) {
    let mut s = String::new();
    for v in &m.vertices {
        writeln!(s, "v {} {} {}", v.x, v.y, v.z).unwrap();
    }
    for (g, group) in m.groups.iter().enumerate() {
        writeln!(s, "g {}", group.name).unwrap();
        for tri in m.triangles.iter().zip(&m.labels).filter(|(_, &l)| l as usize == g).map(|(tri, _)| tri) {
            writeln!(s, "f {} {} {}", tri[0] + 1, tri[1] + 1, tri[2] + 1).unwrap();
        }
    }
    std::fs::write(path, s).unwrap();
}

/// ASCII STL in metres, one `solid NAME` per group.
fn write_ascii_stl(m: &SurfaceMesh, path: &Path) {
    let mut s = String::new();
    for (g, group) in m.groups.iter().enumerate() {
        writeln!(s, "solid {}", group.name).unwrap();
        for t in (0..m.triangles.len()).filter(|&t| m.labels[t] as usize == g) {
            s += "  facet normal 0 0 0\n    outer loop\n";
            for p in m.corners(t) {
                writeln!(s, "      vertex {:e} {:e} {:e}", p.x, p.y, p.z).unwrap();
            }
            s += "    endloop\n  endfacet\n";
        }
        writeln!(s, "endsolid {}", group.name).unwrap();
    }
    std::fs::write(path, s).unwrap();
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
}

/// Asserts that `got` (a repaired surface) has the volume, caps and groups of `clean`.
fn assert_same_surface(what: &str, clean: &CheckReport, got: &CheckReport) {
    println!(
        "{what}: volume {:.12e} m^3 (clean {:.12e}, relative difference {:.1e}, tolerance {REL:.0e}), \
         reoriented {} of {} triangles, inconsistent edges {}, simulatable {}",
        got.volume,
        clean.volume,
        rel(got.volume, clean.volume),
        got.reoriented_triangles,
        got.triangles,
        got.inconsistent_orientation,
        got.simulatable
    );
    assert!(rel(got.volume, clean.volume) < REL, "{what}: volume");
    assert!(got.simulatable && got.watertight && got.inconsistent_orientation == 0, "{what}: {:?}", got.problems);
    assert_eq!((got.open_loops, got.capped), (clean.open_loops, clean.capped), "{what}: open loops, caps added");
    for (c, g) in clean.caps_added.iter().zip(&got.caps_added) {
        println!("  added {} area {:.6e} m^2 (clean {:.6e}), loop of {}", g.name, g.area, c.area, g.loop_vertices);
        assert_eq!((&g.name, g.loop_vertices), (&c.name, c.loop_vertices), "{what}");
        assert!(rel(g.area, c.area) < REL, "{what}: {} area", g.name);
    }
    let sorted = |r: &CheckReport| {
        let mut g = r.groups.clone();
        g.sort_by(|a, b| a.name.cmp(&b.name));
        g
    };
    let (cg, gg) = (sorted(clean), sorted(got));
    assert_eq!(cg.len(), gg.len(), "{what}: group count");
    for (c, g) in cg.iter().zip(&gg) {
        assert_eq!((&g.name, g.kind, g.triangles), (&c.name, c.kind, c.triangles), "{what}");
        assert!(rel(g.area, c.area) < REL, "{what}: {} area {} vs {}", g.name, g.area, c.area);
        let dn = (0..3).map(|k| (g.normal[k] - c.normal[k]).abs()).fold(0.0, f64::max);
        assert!(dn < 1e-9, "{what}: {} normal {:?} vs {:?}", g.name, g.normal, c.normal);
    }
    println!("  {} groups ({} caps) match", gg.len(), gg.iter().filter(|g| g.kind == GroupKind::Cap).count());
}

/// Loads `path` (written in metres) through the library and through `hemoflow mesh check --json`,
/// compares it with `clean` and checks the count of reoriented triangles.
fn assert_repaired(path: &Path, clean: &CheckReport, reoriented: usize) {
    let what = path.file_name().unwrap().to_str().unwrap();
    let (m, load) = mesh::load(path, Units::M).unwrap_or_else(|e| panic!("{e}"));
    let r = check(&m, &load);
    assert_same_surface(what, clean, &r);
    assert_eq!(r.reoriented_triangles, reoriented, "{what}: reoriented triangles");
    assert!(!r.flipped);
    assert!(r.text().contains(&format!("reoriented {reoriented} of {} triangles", r.triangles)));
    let (code, json, out) = hemoflow(&["mesh", "check", "--units", "m", "--json", path.to_str().unwrap()]);
    println!(
        "  hemoflow mesh check --json: exit {code}, reoriented_triangles {}, simulatable {}, volume {}",
        json["reoriented_triangles"], json["simulatable"], json["volume"]
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(json["reoriented_triangles"].as_u64(), Some(reoriented as u64));
    assert_eq!(json["simulatable"], true);
    assert_eq!(json["inconsistent_orientation"].as_u64(), Some(0));
    assert!(rel(json["volume"].as_f64().unwrap(), clean.volume) < REL);
}

/// The file's surface with a random half of its triangles flipped, written as OBJ and as ASCII
/// STL, imports like the clean file.
fn random_half_flipped_imports_like_the_clean_file(name: &str, units: Units, seed: u64) {
    let (cm, cload) = mesh::load(&sample(name), units).unwrap();
    let clean = check(&cm, &cload);
    // As shipped the file is wound consistently: outward, or (the vmtk aorta) inside-out.
    let n = clean.triangles;
    println!("{name} as shipped: reoriented {} of {n} triangles", clean.reoriented_triangles);
    assert!(clean.reoriented_triangles == 0 || clean.flipped, "{name} is wound consistently as shipped");
    let mut m = mesh::read(&sample(name), units).unwrap();
    let k = flip_random_half(&mut m, seed);
    println!("{name}: flipped {k} of {n} triangles (seed {seed})");
    // Those now differ from the file in the repaired mesh, or, when the file was inside-out, the others.
    let k = if clean.flipped { n - k } else { k };
    let dir = tempfile::tempdir().unwrap();
    let obj = dir.path().join(format!("{name}.flipped.obj"));
    write_obj(&m, &obj);
    assert_repaired(&obj, &clean, k);
    let stl = dir.path().join(format!("{name}.flipped.stl"));
    write_ascii_stl(&m, &stl);
    assert_repaired(&stl, &clean, k);
}

#[test]
fn stenosis_with_a_random_half_flipped_imports_like_the_clean_one() {
    random_half_flipped_imports_like_the_clean_file("stenosis.obj", Units::Mm, 16);
}

#[test]
fn bifurcation_with_a_random_half_flipped_imports_like_the_clean_one() {
    random_half_flipped_imports_like_the_clean_file("bifurcation.obj", Units::Mm, 17);
}

#[test]
fn simvascular_aorta_with_a_random_half_flipped_imports_like_the_clean_one() {
    random_half_flipped_imports_like_the_clean_file("demo_aorta_iliac.vtp", Units::Cm, 18);
}

#[test]
fn open_ended_aorta_with_a_random_half_flipped_is_capped_like_the_clean_one() {
    // Before the repair this was refused: "two open boundary edges leave this vertex".
    random_half_flipped_imports_like_the_clean_file("aorta_open_ends.stl", Units::Mm, 19);
}

#[test]
fn open_ended_generated_bifurcation_with_a_random_half_flipped_is_capped_like_the_clean_one() {
    // The generated bifurcation without its cap groups: three open ends, capped on load.
    let mut m = mesh::read(&sample("bifurcation.obj"), Units::Mm).unwrap();
    let wall = m.groups.iter().position(|g| g.name == "wall").unwrap() as u32;
    let keep: Vec<usize> = (0..m.triangles.len()).filter(|&t| m.labels[t] == wall).collect();
    m.triangles = keep.iter().map(|&t| m.triangles[t]).collect();
    m.labels = vec![0; keep.len()];
    m.groups = vec![m.groups[wall as usize].clone()];
    let dir = tempfile::tempdir().unwrap();
    let clean_path = dir.path().join("open_bifurcation.obj");
    write_obj(&m, &clean_path);
    let (cm, cload) = mesh::load(&clean_path, Units::M).unwrap();
    let clean = check(&cm, &cload);
    assert_eq!((clean.open_loops, clean.reoriented_triangles), (3, 0));
    let k = flip_random_half(&mut m, 20);
    println!("open bifurcation: flipped {k} of {} triangles", m.triangles.len());
    let obj = dir.path().join("open_bifurcation.flipped.obj");
    write_obj(&m, &obj);
    assert_repaired(&obj, &clean, k);
    let stl = dir.path().join("open_bifurcation.flipped.stl");
    write_ascii_stl(&m, &stl);
    assert_repaired(&stl, &clean, k);
}

/// `text` with the `f` lines of the groups in `groups` wound the other way; returns it and how
/// many faces it reversed.
fn reverse_groups_in_obj(text: &str, groups: &[&str]) -> (String, usize) {
    let (mut out, mut current, mut n) = (String::new(), String::new(), 0);
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("g") => current = words.collect::<Vec<_>>().join(" "),
            Some("f") if groups.contains(&current.as_str()) => {
                let mut v: Vec<&str> = words.collect();
                v.reverse();
                writeln!(out, "f {}", v.join(" ")).unwrap();
                n += 1;
                continue;
            }
            _ => {}
        }
        out += line;
        out.push('\n');
    }
    (out, n)
}

#[test]
fn generated_pipe_with_caps_wound_against_its_wall_imports_like_the_clean_one() {
    let dir = tempfile::tempdir().unwrap();
    let clean_path = dir.path().join("pipe.obj");
    let (code, _, out) = hemoflow(&[
        "mesh",
        "generate",
        "pipe",
        "--radius",
        "2",
        "--length",
        "20",
        "--segments",
        "64",
        "-o",
        clean_path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    let (cm, cload) = mesh::load(&clean_path, Units::Mm).unwrap();
    let clean = check(&cm, &cload);
    assert_eq!(clean.reoriented_triangles, 0);
    let text = std::fs::read_to_string(&clean_path).unwrap();
    // Caps against the wall, and the wall against the caps: the same surface either way.
    for (name, groups) in [("caps_reversed.obj", &["inlet", "outlet"][..]), ("wall_reversed.obj", &["wall"][..])] {
        let (bad, n) = reverse_groups_in_obj(&text, groups);
        let path = dir.path().join(name);
        std::fs::write(&path, bad).unwrap();
        let (m, load) = mesh::load(&path, Units::Mm).unwrap_or_else(|e| panic!("{e}"));
        let r = check(&m, &load);
        println!("{name}: reversed the {n} faces of {groups:?} in the file");
        assert_same_surface(name, &clean, &r);
        assert_eq!(r.reoriented_triangles, n);
        let (code, json, out) = hemoflow(&["mesh", "check", "--json", path.to_str().unwrap()]);
        println!("  hemoflow mesh check --json: exit {code}, reoriented_triangles {}", json["reoriented_triangles"]);
        assert_eq!(code, 0, "{out}");
        assert_eq!(json["reoriented_triangles"].as_u64(), Some(n as u64));
        assert_eq!(json["simulatable"], true);
    }
}

#[test]
fn inside_out_file_counts_every_triangle_as_reoriented() {
    let text = std::fs::read_to_string(sample("pipe.obj")).unwrap();
    let (bad, n) = reverse_groups_in_obj(&text, &["wall", "inlet", "outlet"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inside_out_pipe.obj");
    std::fs::write(&path, bad).unwrap();
    let (m, load) = mesh::load(&path, Units::Mm).unwrap();
    let r = check(&m, &load);
    let (cm, cload) = mesh::load(&sample("pipe.obj"), Units::Mm).unwrap();
    assert_same_surface("inside_out_pipe.obj", &check(&cm, &cload), &r);
    assert_eq!((r.reoriented_triangles, r.triangles, r.flipped), (n, n, true));
    assert!(r.text().contains("inside-out"), "{}", r.text());
}

/// Runs `hemoflow mesh check` on `path` and asserts exit 2 with one line naming the file and
/// containing each of `must`; returns that line.
fn refused(path: &Path, must: &[&str]) -> String {
    let (code, _, out) = hemoflow(&["mesh", "check", "--units", "m", path.to_str().unwrap()]);
    println!("{} -> exit {code}: {}", path.display(), out.trim_end());
    assert_eq!(code, 2, "{out}");
    assert_eq!(out.trim_end().lines().count(), 1, "one line expected: {out}");
    assert!(!out.contains("panicked"), "{out}");
    assert!(out.contains(path.file_name().unwrap().to_str().unwrap()), "file not named: {out}");
    for s in must {
        assert!(out.contains(s), "`{s}` missing: {out}");
    }
    out
}

/// The points `(x, y, z)` in a message, in order.
fn points_in(message: &str) -> Vec<[f64; 3]> {
    message
        .split('(')
        .skip(1)
        .filter_map(|s| {
            let inner = s.split(')').next()?;
            let v: Vec<f64> = inner.split(',').map(|x| x.trim().parse().ok()).collect::<Option<_>>()?;
            (v.len() == 3).then(|| [v[0], v[1], v[2]])
        })
        .collect()
}

#[test]
fn non_manifold_edge_is_refused_with_its_position() {
    // A closed unit cube (m) with a fin: a thirteenth triangle on the edge (0,0,0)-(1,0,0).
    let mut s = String::new();
    for i in 0..8 {
        writeln!(s, "v {} {} {}", i & 1, (i >> 1) & 1, (i >> 2) & 1).unwrap();
    }
    s += "v 0.5 -1 0.5\ng wall\n";
    for q in [[0, 2, 3, 1], [4, 5, 7, 6], [0, 1, 5, 4], [2, 6, 7, 3], [0, 4, 6, 2], [1, 3, 7, 5]] {
        writeln!(s, "f {} {} {}\nf {} {} {}", q[0] + 1, q[1] + 1, q[2] + 1, q[0] + 1, q[2] + 1, q[3] + 1).unwrap();
    }
    s += "g fin\nf 1 2 9\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fin.obj");
    std::fs::write(&path, s).unwrap();
    let e = mesh::load(&path, Units::M).unwrap_err().to_string();
    println!("mesh::load: {e}");
    for must in ["fin.obj", "shared by 3 triangles", "non-manifold", "(0.000000, 0.000000, 0.000000)"] {
        assert!(e.contains(must), "`{must}` missing: {e}");
    }
    assert!(e.contains("(1.000000, 0.000000, 0.000000)"), "{e}");
    refused(&path, &["non-manifold", "(0.000000, 0.000000, 0.000000)", "(1.000000, 0.000000, 0.000000)"]);
}

#[test]
fn moebius_strip_is_refused_as_non_orientable_with_its_position() {
    // A Möbius strip in metres: `n` quads around a circle of radius 0.01, half-width 0.003, the
    // cross-section turning by half a turn once round. Each quad is wound like the previous one;
    // the last joins the first with top and bottom exchanged.
    let (n, radius, half) = (24usize, 0.01, 0.003);
    let mut pts = Vec::new();
    for i in 0..n {
        let th = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
        let (radial, z) = ([th.cos(), th.sin(), 0.0], [0.0, 0.0, 1.0]);
        for side in [1.0, -1.0] {
            let (c, s) = ((th / 2.0).cos() * half * side, (th / 2.0).sin() * half * side);
            pts.push([
                radius * radial[0] + c * radial[0] + s * z[0],
                radius * radial[1] + c * radial[1] + s * z[1],
                c * radial[2] + s * z[2],
            ]);
        }
    }
    let mut s: String = pts.iter().map(|p| format!("v {} {} {}\n", p[0], p[1], p[2])).collect();
    s += "g wall\n";
    for i in 0..n {
        let (t0, b0) = (2 * i + 1, 2 * i + 2);
        // After a full turn the cross-section has turned by half: top meets bottom.
        let (t1, b1) = if i + 1 < n { (2 * i + 3, 2 * i + 4) } else { (2, 1) };
        writeln!(s, "f {t0} {b0} {b1}\nf {t0} {b1} {t1}").unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("moebius.obj");
    std::fs::write(&path, s).unwrap();
    let e = mesh::load(&path, Units::M).unwrap_err().to_string();
    println!("mesh::load: {e}");
    assert!(e.contains("moebius.obj") && e.contains("non-orientable"), "{e}");
    // The message names an edge of the strip: two of its vertices, to the 1e-6 m printed.
    let at = points_in(&e);
    assert_eq!(at.len(), 2, "{e}");
    for p in &at {
        let d = pts.iter().map(|q| (0..3).map(|k| (p[k] - q[k]).abs()).fold(0.0, f64::max)).fold(f64::MAX, f64::min);
        println!("  named point {p:?}: {d:.1e} m from the nearest strip vertex (tolerance 1e-6)");
        assert!(d < 1e-6);
    }
    refused(&path, &["non-orientable", "edge from vertex"]);
}
