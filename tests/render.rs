//! `post::render` and `hemoflow render` on lavapipe: camera convention, colour mapping, colour
//! bar, degenerate ranges, and the command line on a synthetic output file (good and bad input).
//! The pictures are left in target/tmp/render/ to be looked at.

mod common;

use std::f64::consts::PI;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use common::gpu;
use hemoflow::post::{render, render::colormap, Camera, ColourBar, Image, Layer, Layout, Paint, Scene, View};

/// Where the test pictures go (kept for looking at).
fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("render");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A tube of radius `r` from z = 0 to `length` (m) around the z axis: `segments` facets around,
/// offset so that one facet faces -y exactly, `rings` rows along z. Vertices and index triples.
fn tube(r: f64, length: f64, segments: usize, rings: usize) -> (Vec<[f64; 3]>, Vec<[usize; 3]>) {
    let mut vertices = Vec::new();
    for k in 0..=rings {
        for s in 0..segments {
            let a = 2.0 * PI * s as f64 / segments as f64 - PI / 2.0 - PI / segments as f64;
            vertices.push([r * a.cos(), r * a.sin(), length * k as f64 / rings as f64]);
        }
    }
    let mut triangles = Vec::new();
    for k in 0..rings {
        for s in 0..segments {
            let v = |k: usize, s: usize| k * segments + s % segments;
            triangles.push([v(k, s), v(k, s + 1), v(k + 1, s + 1)]);
            triangles.push([v(k, s), v(k + 1, s + 1), v(k + 1, s)]);
        }
    }
    (vertices, triangles)
}

fn corners(vertices: &[[f64; 3]], triangles: &[[usize; 3]]) -> Vec<[[f64; 3]; 3]> {
    triangles.iter().map(|t| t.map(|v| vertices[v])).collect()
}

/// Whether pixel `p` is within `tol` of `rgb` in every channel (and opaque).
fn near(p: [u8; 4], rgb: [u8; 3], tol: i32) -> bool {
    (0..3).all(|c| (p[c] as i32 - rgb[c] as i32).abs() <= tol) && p[3] == 255
}

fn at(image: &Image, p: [f64; 2]) -> [u8; 4] {
    image.pixel(p[0].round() as u32, p[1].round() as u32)
}

fn save(image: &Image, name: &str) {
    image.write_png(&out_dir().join(name)).unwrap();
}

/// A tube coloured by height, seen from the front: the lowest facets facing the camera have the
/// map's low-end colour, the highest its high-end colour, the bar shows both ends, the corners
/// are white. A failable check of the camera, the depth test and the colour mapping.
#[test]
fn tube_coloured_by_height_maps_low_to_low_and_high_to_high() {
    let gpu = gpu();
    let (v, t) = tube(2e-3, 20e-3, 32, 20);
    let triangles = corners(&v, &t);
    let values: Vec<f32> = triangles.iter().map(|c| ((c[0][2] + c[1][2] + c[2][2]) / 3.0) as f32).collect();
    let (lo, hi) = (values.iter().cloned().fold(f32::MAX, f32::min), values.iter().cloned().fold(f32::MIN, f32::max));
    let scene = Scene {
        layers: vec![Layer { triangles, paint: Paint::Values(values), shaded: true, fit: true }],
        bar: Some(ColourBar { label: "height [m]".into(), range: [lo as f64, hi as f64] }),
        title: vec!["tube coloured by z".into(), "view front".into()],
    };
    let size = [480, 360];
    let image = render(&gpu, &scene, View::Front, size).unwrap();
    save(&image, "tube_front.png");
    assert_eq!((image.width, image.height, image.rgba.len()), (480, 360, 480 * 360 * 4));
    for (x, y) in [(0, 0), (479, 0), (0, 359), (479, 359)] {
        assert_eq!(image.pixel(x, y), [255, 255, 255, 255], "corner ({x}, {y}) is not white");
    }
    let layout = Layout::new(size);
    let bar = layout.bar;
    let bottom = image.pixel(bar.x + bar.w / 2, bar.y + bar.h - 1);
    let top = image.pixel(bar.x + bar.w / 2, bar.y);
    assert!(near(bottom, colormap::colour(0.0), 3), "bar bottom {bottom:?}");
    assert!(near(top, colormap::colour(1.0), 3), "bar top {top:?}");

    // The facet facing the camera (normal -y) is drawn unshaded-bright: exact colours there.
    let camera = Camera::fit(&scene, View::Front, &layout);
    let ring = 20e-3 / 20.0;
    // A quarter ring up from a ring's bottom lies in the quad's lower triangle (centroid a third
    // of a ring up), a quarter ring down from its top in the upper one (two thirds up).
    let low = at(&image, camera.project([0.0, -2e-3, 0.25 * ring]));
    let high = at(&image, camera.project([0.0, -2e-3, 20e-3 - 0.25 * ring]));
    let middle = at(&image, camera.project([0.0, -2e-3, 10e-3 + 0.25 * ring]));
    assert!(near(low, colormap::colour(0.0), 3), "lowest ring {low:?} vs {:?}", colormap::colour(0.0));
    assert!(near(high, colormap::colour(1.0), 3), "highest ring {high:?} vs {:?}", colormap::colour(1.0));
    let mid_t = (10e-3 + ring / 3.0 - lo as f64) / (hi - lo) as f64;
    assert!(near(middle, colormap::colour(mid_t), 4), "middle ring {middle:?} vs {:?}", colormap::colour(mid_t));
    // Up in the world is up in the picture, and the tube stands in the middle of the plot.
    let (p_low, p_high) = (camera.project([0.0, 0.0, 0.0]), camera.project([0.0, 0.0, 20e-3]));
    assert!(p_high[1] < p_low[1] - 100.0, "z up should draw upwards: {p_low:?} -> {p_high:?}");
    let c = layout.plot.centre();
    assert!((p_low[0] - c[0]).abs() < 1.0, "tube axis at x = {} px, plot centre {}", p_low[0], c[0]);
}

/// An unshaded plate coloured by one coordinate: front view puts +x to the right, top view puts
/// +y up, right view puts +y to the right (the documented convention).
#[test]
fn views_follow_the_documented_convention() {
    let gpu = gpu();
    // Square plates of 10 mm, split in 10 x 10 quads, coloured by coordinate `along`.
    let plate = |normal: usize, along: usize| {
        let (u, w) = ((normal + 1) % 3, (normal + 2) % 3);
        let mut triangles = Vec::new();
        for i in 0..10 {
            for j in 0..10 {
                let p = |a: usize, b: usize| {
                    let mut p = [0.0; 3];
                    p[u] = (i + a) as f64 * 1e-3 - 5e-3;
                    p[w] = (j + b) as f64 * 1e-3 - 5e-3;
                    p
                };
                triangles.push([p(0, 0), p(1, 0), p(1, 1)]);
                triangles.push([p(0, 0), p(1, 1), p(0, 1)]);
            }
        }
        let values = triangles.iter().map(|t| ((t[0][along] + t[1][along] + t[2][along]) / 3.0) as f32).collect();
        Scene {
            layers: vec![Layer { triangles, paint: Paint::Values(values), shaded: false, fit: true }],
            bar: Some(ColourBar { label: "coordinate [m]".into(), range: [-5e-3, 5e-3] }),
            title: vec![],
        }
    };
    // (view, plate normal, coloured coordinate, whether the gradient runs along the picture's x).
    let cases =
        [(View::Front, 1, 0, true), (View::Top, 2, 1, false), (View::Right, 0, 1, true), (View::Left, 0, 1, true)];
    for (view, normal, along, horizontal) in cases {
        let size = [320, 240];
        let image = render(&gpu, &plate(normal, along), view, size).unwrap();
        save(&image, &format!("plate_{}.png", view.name()));
        let plot = Layout::new(size).plot;
        let [cx, cy] = plot.centre();
        let d = plot.h as f64 * 0.3;
        let (a, b) = if horizontal { ([cx - d, cy], [cx + d, cy]) } else { ([cx, cy + d], [cx, cy - d]) };
        let (first, second) = (at(&image, a), at(&image, b));
        // Left (or bottom) low for front, top and right; the left view looks along +x, so +y
        // runs to the left.
        let (want_first, want_second) = if view == View::Left { (0.8, 0.2) } else { (0.2, 0.8) };
        let t = |p: [u8; 4]| {
            (0..=100).min_by_key(|&i| {
                let c = colormap::colour(i as f64 / 100.0);
                (0..3).map(|k| (c[k] as i32 - p[k] as i32).pow(2)).sum::<i32>()
            })
        };
        let (t1, t2) = (t(first).unwrap() as f64 / 100.0, t(second).unwrap() as f64 / 100.0);
        assert!(
            (t1 - want_first).abs() < 0.1 && (t2 - want_second).abs() < 0.1,
            "view {}: colour positions {t1} and {t2}, expected about {want_first} and {want_second}",
            view.name()
        );
    }
}

/// An all-equal field (a bar range of zero width) draws in the middle colour with one label and
/// does not divide by zero; a translucent context layer leaves the background visible.
#[test]
fn all_equal_field_draws_the_middle_colour() {
    let gpu = gpu();
    let (v, t) = tube(2e-3, 10e-3, 24, 8);
    let triangles = corners(&v, &t);
    let n = triangles.len();
    let scene = Scene {
        layers: vec![Layer { triangles, paint: Paint::Values(vec![7.0; n]), shaded: false, fit: true }],
        bar: Some(ColourBar { label: "constant [Pa]".into(), range: [7.0, 7.0] }),
        title: vec!["all equal".into()],
    };
    let size = [320, 240];
    let image = render(&gpu, &scene, View::Iso, size).unwrap();
    save(&image, "constant_iso.png");
    let centre = Layout::new(size).plot.centre();
    let p = at(&image, centre);
    assert!(near(p, colormap::colour(0.5), 2), "centre {p:?} vs {:?}", colormap::colour(0.5));
    assert_eq!(hemoflow::post::render::tick_labels([7.0, 7.0]).len(), 1);

    let (v, t) = tube(2e-3, 10e-3, 24, 8);
    let context = Layer {
        triangles: corners(&v, &t),
        paint: Paint::Solid { rgb: [150, 150, 150], opacity: 0.2 },
        shaded: true,
        fit: true,
    };
    let image = render(&gpu, &Scene { layers: vec![context], bar: None, title: vec![] }, View::Iso, size).unwrap();
    let p = at(&image, centre);
    assert!(p[0] > 190 && p[0] < 250, "translucent grey over white should be light grey, got {p:?}");
}

/// Writes a small synthetic output file in `hemoflow run`'s layout: a 12 x 12 x 20 grid of 1 mm
/// cells around a tube of radius 5 mm along z (fluid inside 4.5 mm), snapshots 0 and 1 with
/// pressure falling along z and a parabolic axial velocity, the wall with wss (axial, growing
/// with z, one spike) and wall_pressure, and (with `cycles`) cycle 1 with tawss, osi and rrt.
/// `wide` stores the indices and dims as u64 (the reader accepts both). Under
/// [`common::SPAWN`], so that no `hemoflow` started meanwhile inherits the file's lock.
fn write_output(path: &Path, cycles: bool, wide: bool) {
    let _guard = common::SPAWN.lock().unwrap_or_else(|e| e.into_inner());
    let file = hdf5::File::create(path).unwrap();
    let (nx, ny, nz, h) = (12usize, 12usize, 20usize, 1e-3);
    let origin = [-6e-3, -6e-3, 0.0];
    let grid = file.create_group("grid").unwrap();
    grid.new_attr_builder().with_data(&origin[..]).create("origin").unwrap();
    grid.new_attr::<f64>().shape(()).create("spacing").unwrap().write_scalar(&h).unwrap();
    if wide {
        grid.new_attr_builder().with_data(&[nx as u64, ny as u64, nz as u64][..]).create("dims").unwrap();
    } else {
        grid.new_attr_builder().with_data(&[nx as u32, ny as u32, nz as u32][..]).create("dims").unwrap();
    }
    let centre = |i: usize, j: usize| [origin[0] + (i as f64 + 0.5) * h, origin[1] + (j as f64 + 0.5) * h];
    let mut kind = vec![0u8; nx * ny * nz];
    let mut pressure = vec![0f32; nx * ny * nz];
    let mut velocity = vec![0f32; 3 * nx * ny * nz];
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                let id = (k * ny + j) * nx + i;
                let [x, y] = centre(i, j);
                let r2 = (x * x + y * y) / 4.5e-3f64.powi(2);
                if r2 < 1.0 {
                    kind[id] = 1;
                    pressure[id] = (1000.0 - 40.0 * k as f64) as f32;
                    velocity[3 * id + 2] = (0.4 * (1.0 - r2)) as f32;
                }
            }
        }
    }
    grid.new_dataset::<u8>().shape([nz, ny, nx]).create("cell_kind").unwrap().write_raw(&kind).unwrap();
    let (v, t) = tube(5e-3, 20e-3, 48, 20);
    let m = t.len();
    let wall = file.create_group("wall").unwrap();
    let xyz: Vec<f64> = v.iter().flatten().copied().collect();
    wall.new_dataset::<f64>().shape([v.len(), 3]).create("vertices").unwrap().write_raw(&xyz).unwrap();
    let ids: Vec<usize> = t.iter().flatten().copied().collect();
    if wide {
        let ids: Vec<u64> = ids.iter().map(|&i| i as u64).collect();
        wall.new_dataset::<u64>().shape([m, 3]).create("triangles").unwrap().write_raw(&ids).unwrap();
    } else {
        let ids: Vec<u32> = ids.iter().map(|&i| i as u32).collect();
        wall.new_dataset::<u32>().shape([m, 3]).create("triangles").unwrap().write_raw(&ids).unwrap();
    }
    wall.new_dataset::<u32>().shape([m]).create("labels").unwrap().write_raw(&vec![0u32; m]).unwrap();
    let names = [hdf5::types::VarLenUnicode::from_str("wall").unwrap()];
    wall.new_dataset_builder().with_data(&names).create("label_names").unwrap();
    let z: Vec<f64> = t.iter().map(|c| c.iter().map(|&i| v[i][2]).sum::<f64>() / 3.0).collect();
    let fields = file.create_group("fields").unwrap();
    for (n, time) in [(0usize, 0.0f64), (1, 0.4)] {
        let g = fields.create_group(&format!("{n:06}")).unwrap();
        g.new_attr::<f64>().shape(()).create("time").unwrap().write_scalar(&time).unwrap();
        g.new_dataset::<f32>().shape([nz, ny, nx]).create("pressure").unwrap().write_raw(&pressure).unwrap();
        g.new_dataset::<f32>().shape([nz, ny, nx, 3]).create("velocity").unwrap().write_raw(&velocity).unwrap();
        let mut wss: Vec<f32> = z.iter().flat_map(|z| [0.0, 0.0, (1.0 + 100.0 * z) as f32]).collect();
        wss[3 * (m / 2) + 2] = 50.0; // one spike, clipped by the 99th percentile
        g.new_dataset::<f32>().shape([m, 3]).create("wss").unwrap().write_raw(&wss).unwrap();
        let wall_p: Vec<f32> = z.iter().map(|z| (1000.0 - 40e3 * z) as f32).collect();
        g.new_dataset::<f32>().shape([m]).create("wall_pressure").unwrap().write_raw(&wall_p).unwrap();
    }
    if cycles {
        let g = file.create_group("cycles").unwrap().create_group("000001").unwrap();
        g.new_attr::<f64>().shape(()).create("start").unwrap().write_scalar(&0.0).unwrap();
        g.new_attr::<f64>().shape(()).create("end").unwrap().write_scalar(&0.8).unwrap();
        let angle: Vec<f64> = t.iter().map(|c| v[c[0]][1].atan2(v[c[0]][0])).collect();
        let tawss: Vec<f32> = z.iter().map(|z| (1.0 + 100.0 * z) as f32).collect();
        let osi: Vec<f32> =
            angle.iter().zip(&z).map(|(a, z)| (0.25 + 0.2 * a.sin() * (z * 300.0).cos()) as f32).collect();
        let rrt: Vec<f32> = tawss.iter().zip(&osi).map(|(t, o)| 1.0 / ((1.0 - 2.0 * o) * t)).collect();
        for (name, values) in [("tawss", &tawss), ("osi", &osi), ("rrt", &rrt)] {
            g.new_dataset::<f32>().shape([m]).create(name).unwrap().write_raw(values).unwrap();
        }
    }
}

/// `hemoflow render` writes PNGs of the right size for wall fields (snapshot and cycle), a
/// given slice and the automatic one, and the defaults (1200 x 900, last snapshot / cycle).
#[test]
fn cli_writes_pngs_of_wall_fields_and_slices() {
    let dir = out_dir();
    let h5 = dir.join("synthetic.h5");
    write_output(&h5, true, false);
    let h5s = h5.to_str().unwrap();
    let runs: &[(&str, &[&str], [u32; 2])] = &[
        ("tawss", &["--field", "tawss"], [1200, 900]),
        ("wss_front", &["--field", "wss", "--view", "front", "--snapshot", "0", "--size", "640x480"], [640, 480]),
        ("osi", &["--field", "osi", "--view", "-30,20", "--cycle", "last", "--size", "800x600"], [800, 600]),
        ("rrt", &["--field", "rrt", "--size", "640x480"], [640, 480]),
        ("pressure_wall", &["--field", "pressure", "--view", "right", "--size", "640x480"], [640, 480]),
        ("pressure_slice", &["--field", "pressure", "--slice", "x=0.0005", "--view", "right"], [1200, 900]),
        ("speed_auto", &["--field", "speed"], [1200, 900]),
        ("speed_top", &["--field", "speed", "--view", "top", "--slice", "z=0.0101", "--range", "0,0.5"], [1200, 900]),
    ];
    for (name, args, size) in runs {
        let png = dir.join(format!("cli_{name}.png"));
        let mut all = vec!["render", h5s];
        all.extend_from_slice(args);
        all.extend(["-o", png.to_str().unwrap()]);
        let (code, _, out) = common::hemoflow(&all);
        assert_eq!(code, 0, "hemoflow {all:?}: {out}");
        let image = Image::from_png(&std::fs::read(&png).unwrap()).unwrap();
        assert_eq!([image.width, image.height], *size, "{name}");
        assert_eq!(image.pixel(0, image.height - 1), [255, 255, 255, 255], "{name}: corner not white");
        if *name == "tawss" {
            assert!(out.contains("TAWSS [Pa]") && out.contains("cycle 1 (0.000 to 0.800 s)"), "{out}");
        }
        if *name == "wss_front" {
            // The spike of 50 Pa is clipped: the range ends near the largest regular value, 3 Pa.
            assert!(out.contains("clipped at the 99th percentile (max 50.000 Pa)"), "{out}");
            assert!(out.contains("t = 0.0000 s (snapshot 0)"), "{out}");
        }
        if *name == "speed_auto" {
            // The iso view's direction has equal components: the tie goes to z.
            assert!(out.contains("slice z = 0.010000 m"), "{out}");
        }
    }
    // The u64 variant of indices and dims reads the same.
    let wide = dir.join("synthetic_u64.h5");
    write_output(&wide, false, true);
    let png = dir.join("cli_wss_u64.png");
    let args = ["render", wide.to_str().unwrap(), "--field", "wss", "--size", "320x240", "-o", png.to_str().unwrap()];
    let (code, _, out) = common::hemoflow(&args);
    assert_eq!(code, 0, "{out}");
}

/// Mistakes in what the user gave exit with 2 and one line naming the file, dataset or option.
#[test]
fn cli_bad_input_exits_2_naming_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let h5 = dir.path().join("no_cycles.h5");
    write_output(&h5, false, false);
    let h5s = h5.to_str().unwrap();
    let png = dir.path().join("x.png");
    let o = png.to_str().unwrap();
    let missing = dir.path().join("missing.h5");
    let cases: &[(&[&str], &[&str])] = &[
        (&["--field", "vorticity"], &["vorticity", "--field"]),
        (&["--field", "tawss"], &["no_cycles.h5", "/cycles", "[time]"]),
        (&["--field", "speed", "--slice", "q=0.01"], &["--slice", "q=0.01"]),
        (&["--field", "speed", "--slice", "z=0.5"], &["--slice z=0.5", "outside the grid"]),
        (&["--field", "pressure", "--snapshot", "7"], &["--snapshot 7", "/fields/000007"]),
        (&["--field", "osi", "--slice", "z=0.01"], &["--slice", "wall field"]),
        (&["--field", "wss", "--view", "sideways"], &["--view", "sideways"]),
        (&["--field", "wss", "--size", "10x10"], &["10x10"]),
    ];
    for (args, words) in cases {
        let mut all = vec!["render", h5s];
        all.extend_from_slice(args);
        all.extend(["-o", o]);
        let (code, _, out) = common::hemoflow(&all);
        assert_eq!(code, 2, "hemoflow {all:?}: {out}");
        for w in *words {
            assert!(out.contains(w), "hemoflow {all:?}: message lacks {w:?}: {out}");
        }
        assert!(!out.contains("panicked"), "{out}");
    }
    let (code, _, out) = common::hemoflow(&["render", missing.to_str().unwrap(), "--field", "wss", "-o", o]);
    assert!(code == 2 && out.contains("missing.h5") && out.contains("no such file"), "{code}: {out}");
    // A file without wall quantities: the dataset is named.
    let bare = dir.path().join("bare.h5");
    write_output(&bare, false, false);
    {
        let _guard = common::SPAWN.lock().unwrap_or_else(|e| e.into_inner());
        let f = hdf5::File::open_rw(&bare).unwrap();
        f.group("fields/000001").unwrap().unlink("wss").unwrap();
    }
    let (code, _, out) = common::hemoflow(&["render", bare.to_str().unwrap(), "--field", "wss", "-o", o]);
    assert!(code == 2 && out.contains("/fields/000001/wss"), "{code}: {out}");
    assert!(!png.exists(), "no picture is written on error");
}
