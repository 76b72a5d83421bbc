//! Virtual stenting: a lumen stent at the parent diameter turns a generated 75%-area stenosis
//! back into the straight pipe (volume, wall area, Hagen-Poiseuille pressure drop); a flow
//! diverter across an aneurysm's neck lowers the sac's inflow, and one of porosity 1 changes
//! nothing; stents that do not fit are the case file's errors (exit code 2, key and line).

mod common;

use std::f64::consts::PI;

use hemoflow::case::StentKind;
use hemoflow::mesh::generate::{pipe, stenosis, PipeSpec, StenosisSpec};
use hemoflow::mesh::Vec3;
use hemoflow::solver::porous::screen_coefficients;
use hemoflow::stent::{deploy, Stent};

#[test]
fn a_lumen_stent_at_the_parent_diameter_restores_the_straight_pipe() {
    let spec = StenosisSpec { length: 24e-3, ..Default::default() };
    let (r, l) = (spec.radius, spec.length);
    let mesh = stenosis(&spec).unwrap();
    let h = r / 8.0;
    let stent = Stent {
        kind: StentKind::Lumen,
        from: Vec3::new(0.1e-3, 0.0, 6e-3),
        to: Vec3::new(0.0, -0.1e-3, 18e-3),
        radius: r,
        porosity: 1.0,
        wire_diameter: 0.0,
    };
    let pre = hemoflow::grid::voxelize(&mesh, h).unwrap();
    let post = deploy(&mesh, h, &[stent], 3.3e-6).unwrap();
    // The straight pipe of the same polygon on the same grid.
    let straight = pipe(&PipeSpec { radius: r, length: l, segments: spec.segments, ..Default::default() }).unwrap();
    let pipe = hemoflow::grid::voxelize(&straight, h).unwrap().stats.fluid_volume;
    let volume_err = (post.grid.stats.fluid_volume - pipe) / pipe;
    let area: f64 = (0..post.wall.triangles.len()).map(|t| post.wall.area(t)).sum();
    let area_err = (area - 2.0 * PI * r * l) / (2.0 * PI * r * l);
    let d = &post.deployed[0];
    println!(
        "75% stenosis, R/h = 8: fluid volume {:.4} mm^3 before, {:.4} after stenting, straight pipe on the same grid {:.4} ({:+.3}%); \
         wall area {:.3} mm^2 vs {:.3} ({:+.3}%); stent snapped to z = {:.4} .. {:.4} mm, {} triangles labelled stent",
        pre.stats.fluid_volume * 1e9,
        post.grid.stats.fluid_volume * 1e9,
        pipe * 1e9,
        100.0 * volume_err,
        area * 1e6,
        2.0 * PI * r * l * 1e6,
        100.0 * area_err,
        d.centerline[0].z * 1e3,
        d.centerline.last().unwrap().z * 1e3,
        post.wall.labels.iter().filter(|&&k| post.wall.label_names[k as usize] == "stent").count()
    );
    // The stent's tube is a circle where the mesh is a 128-gon (3e-4 of the area, over half the
    // length).
    assert!(volume_err.abs() < 1e-3, "stented volume off the pipe's by {:.3}%", 100.0 * volume_err);
    assert!(area_err.abs() < 5e-3, "stented wall area off the pipe's by {:.3}%", 100.0 * area_err);
    assert!((d.centerline[0] - Vec3::new(0.0, 0.0, 6e-3)).norm() < 0.1 * h, "from snapped to {:?}", d.centerline[0]);
    assert!(post.porous.is_empty());
}

#[test]
fn ergun_screen_coefficients_vanish_without_wires() {
    let (a, b) = screen_coefficients(0.7, 30e-6);
    println!("porosity 0.7, wires 30 um: A = {a:.4e} 1/m, B = {b:.4}");
    // 150 (0.3)^2 (60 um) / (0.343 (45 um)^2) and 1.75 (0.3) (60 um) / (0.343 (45 um)).
    assert!((a - 1.1662e6).abs() < 1e2, "A = {a}");
    assert!((b - 2.0408).abs() < 1e-3, "B = {b}");
    assert_eq!(screen_coefficients(1.0, 30e-6), (0.0, 0.0));
}

/// The stenosis example with its stent replaced by `stent` (TOML), written beside the meshes.
fn stented_case(name: &str, stent: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string("meshes/stenosis_pre.toml").unwrap() + "\n[[stent]]\n" + stent;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes").join(format!("{name}.tmp.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn stents_that_do_not_fit_are_case_errors_with_key_and_line() {
    for (name, stent, key, says) in [
        (
            "outside",
            "from = [9.0, 0.0, 12.0]\nto = [0.0, 0.0, 28.0]\ndiameter = 4.0\n",
            "stent[0].from",
            "from the centreline",
        ),
        (
            "at_cap",
            "from = [0.0, 0.0, 1.0]\nto = [0.0, 0.0, 28.0]\ndiameter = 4.0\n",
            "stent[0].from",
            "reaches within",
        ),
        (
            "porosity",
            "from = [0.0, 0.0, 12.0]\nto = [0.0, 0.0, 28.0]\ndiameter = 4.0\nporosity = 0.7\n",
            "stent[0].porosity",
            "flow-diverter",
        ),
        (
            "missing",
            "from = [0.0, 0.0, 12.0]\nto = [0.0, 0.0, 28.0]\ndiameter = 4.0\nkind = \"flow-diverter\"\n",
            "stent[0].porosity",
            "missing",
        ),
    ] {
        let case = stented_case(&format!("stent_error_{name}"), stent);
        let (code, _, text) = common::hemoflow(&["run", case.to_str().unwrap(), "-o", "/tmp/hemoflow-stent-error.h5"]);
        let _ = std::fs::remove_file(&case);
        println!("{name}: exit {code}: {}", text.lines().last().unwrap_or(""));
        assert_eq!(code, 2, "{name}: {text}");
        assert!(text.contains(key) && text.contains(says) && text.contains(".tmp.toml:"), "{name}: {text}");
        assert!(!text.contains("panicked"), "{text}");
    }
}
