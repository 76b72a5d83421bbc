//! Virtual stenting: a lumen stent at the parent diameter turns a generated 75%-area stenosis
//! back into the straight pipe (volume, wall area, Hagen-Poiseuille pressure drop); a flow
//! diverter across an aneurysm's neck lowers the sac's inflow, and one of porosity 1 changes
//! nothing; stents that do not fit are the case file's errors (exit code 2, key and line).

mod common;
mod periodic_pipe;

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

/// Runs `hemoflow run CASE -o DIR/NAME.h5 --backend cpu` (lavapipe takes minutes here; the
/// backends agree, tests/cpu_backend.rs), returning the output path and the JSON summary.
fn run(case: &std::path::Path, dir: &std::path::Path, name: &str) -> (std::path::PathBuf, serde_json::Value) {
    let out = dir.join(format!("{name}.h5"));
    let args = ["run", case.to_str().unwrap(), "-o", out.to_str().unwrap(), "--json", "--backend", "cpu"];
    let (code, json, text) = common::hemoflow(&args);
    assert_eq!(code, 0, "{name}: {text}");
    (out, json)
}

fn compare(pre: &std::path::Path, post: &std::path::Path, dir: Option<&std::path::Path>) -> serde_json::Value {
    let mut args = vec!["compare", pre.to_str().unwrap(), post.to_str().unwrap(), "--json"];
    if let Some(d) = dir {
        args.extend(["-o", d.to_str().unwrap()]);
    }
    let (code, json, text) = common::hemoflow(&args);
    assert_eq!(code, 0, "{text}");
    json
}

#[test]
fn stenting_the_stenosis_example_brings_its_drop_to_hagen_poiseuille() {
    let dir = tempfile::tempdir().unwrap();
    let meshes = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes");
    let (pre, _) = run(&meshes.join("stenosis_pre.toml"), dir.path(), "pre");
    let (post, summary) = run(&meshes.join("stenosis_post.toml"), dir.path(), "post");
    assert_eq!(summary["stents"][0]["kind"], "lumen");
    let pictures = dir.path().join("compare");
    let c = compare(&pre, &post, Some(&pictures));
    let stent = &c["stents"][0];
    let (length, diameter) = (stent["length"].as_f64().unwrap(), stent["diameter"].as_f64().unwrap());
    let q = -c["caps"][0]["flow_rate"]["post"].as_f64().unwrap();
    let r = diameter / 2.0;
    let hagen_poiseuille = 8.0 * 0.0035 * q * length / (PI * r.powi(4));
    let (before, after) = (stent["drop"]["pre"].as_f64().unwrap(), stent["drop"]["post"].as_f64().unwrap());
    let err = (after - hagen_poiseuille) / hagen_poiseuille;
    println!(
        "stenosis 75%, 0.5 mL/s, stent {:.2} mm long at {:.2} mm: drop along it {before:.3} Pa before, {after:.4} Pa after \
         stenting; Hagen-Poiseuille {hagen_poiseuille:.4} Pa ({:+.2}%); Pd/Pa {:.5} -> {:.5}",
        length * 1e3,
        diameter * 1e3,
        100.0 * err,
        stent["ratio"]["pre"].as_f64().unwrap(),
        stent["ratio"]["post"].as_f64().unwrap()
    );
    assert!(err.abs() < 0.05, "post-stent drop {:.2}% off Hagen-Poiseuille (bound 5%)", 100.0 * err);
    assert!(before > 3.0 * after, "the stenosis's drop ({before} Pa) should be several times the stented pipe's");
    for png in ["compare_wss.png", "compare_speed.png", "compare.json", "index.html"] {
        assert!(pictures.join(png).is_file(), "compare -o wrote no {png}");
    }
    check_output(&post);
    compare_page(&pictures.join("index.html"), &pre);
}

/// The comparison's page in headless Chromium: both runs drawn, turning together, the stent
/// outlined, the slice through the stent, and the readout on PRE's wall equal to the file's value
/// (`hemoflow info --probe`). A screenshot is left in target/tmp/view3d/.
fn compare_page(page: &std::path::Path, pre: &std::path::Path) {
    let r = common::page_selftest(page, "");
    // Measured: 5.4% of the left picture in colour, 4.2% changed by the turn.
    common::check_page(&r, 0.02, 0.015);
    assert_eq!(r["panels"], 2);
    assert_eq!(r["field"], "wss", "the view opens on the pictures' wall field");
    assert_eq!(r["cameras_turned_together"], true, "turning PRE's view did not turn POST's");
    let outlined: Vec<u64> = r["outlined_triangles"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    let edges: Vec<u64> = r["outline_edges"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert!(
        outlined.iter().zip(&edges).all(|(&n, &e)| n > 100 && e > 20),
        "the stented wall is not outlined on both: {outlined:?} triangles, {edges:?} border edges"
    );
    assert_eq!(r["slice"]["panels_cut"], 2, "the slice through the stent cut no fluid: {}", r["slice"]);
    let read = &r["readout"];
    let shown = read["value"].as_f64().unwrap();
    let position: Vec<f64> = read["position_mm"].as_array().unwrap().iter().map(|c| c.as_f64().unwrap()).collect();
    let file = common::probe(pre, &position, "wss");
    let err = (shown - file).abs() / file.abs();
    println!(
        "readout \"{}\"; info --probe on PRE there: {file} Pa ({err:.2e} relative)",
        read["text"].as_str().unwrap()
    );
    assert!(err < 0.01, "the readout's WSS {shown} Pa is not PRE's {file} Pa there (bound 1%)");
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("view3d");
    std::fs::create_dir_all(&shots).unwrap();
    common::page_screenshot(page, "hover=centre", &shots.join("stenosis_compare.png"));
}

/// tools/check_output_h5.py on a run's output (/stents, /regions and /centerlines included).
fn check_output(h5: &std::path::Path) {
    let (ok, text) = common::check_output_h5(&[h5, &h5.with_extension("xdmf")]);
    assert!(ok, "check_output_h5.py: {text}");
    assert!(text.contains("centerlines: inlet -> outlet") && text.contains("stents: 1"), "{text}");
}

#[test]
fn a_flow_diverter_lowers_sac_inflow_and_one_of_porosity_1_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let meshes = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes");
    let (pre, _) = run(&meshes.join("aneurysm_pre.toml"), dir.path(), "pre");
    let (post, summary) = run(&meshes.join("aneurysm_post.toml"), dir.path(), "post");
    let layer = summary["stents"][0]["layer_cells"].as_u64().unwrap();
    // The same diverter with no wires: written beside the mesh it names.
    let open = meshes.join("aneurysm_open_diverter.tmp.toml");
    let text = std::fs::read_to_string(meshes.join("aneurysm_post.toml")).unwrap();
    std::fs::write(&open, text.replace("porosity = 0.7 ", "porosity = 1.0 ")).unwrap();
    let (open_out, open_summary) = run(&open, dir.path(), "open");
    let _ = std::fs::remove_file(&open);
    check_output(&post);
    let pictures = dir.path().join("compare");
    let diverter = compare(&pre, &post, Some(&pictures));
    assert!(pictures.join("compare_sac_speed.png").is_file(), "compare -o drew no picture of the sac");
    let unchanged = compare(&pre, &open_out, None);
    let inflow = |c: &serde_json::Value, k: &str| c["regions"][0]["inflow"][k].as_f64().unwrap();
    let (before, after) = (inflow(&diverter, "pre"), inflow(&diverter, "post"));
    let open_change = (inflow(&unchanged, "post") - before) / before;
    println!(
        "sac inflow at 1 mL/s: {:.5} mL/s untreated, {:.5} with a flow diverter of porosity 0.7 ({:+.1}%, {layer} layer \
         cells), {:.5} with porosity 1.0 ({:+.2e}, {} layer cells); net flux through the neck {:.1}% / {:.1}% of the inflow",
        before * 1e6,
        after * 1e6,
        100.0 * (after / before - 1.0),
        inflow(&unchanged, "post") * 1e6,
        open_change,
        open_summary["stents"][0]["layer_cells"],
        diverter["regions"][0]["pre"]["net_percent"].as_f64().unwrap(),
        diverter["regions"][0]["post"]["net_percent"].as_f64().unwrap()
    );
    assert!(layer > 0, "the diverter's layer is empty");
    assert!(after < 0.9 * before, "the diverter did not lower the sac's inflow: {before} -> {after} m^3/s");
    assert!(
        open_change.abs() < 0.01,
        "a diverter of porosity 1 changed the sac's inflow by {:.2}%",
        100.0 * open_change
    );
    for part in ["pre", "post"] {
        let net = diverter["regions"][0][part]["net_percent"].as_f64().unwrap();
        assert!(net.abs() < 10.0, "{part}: net flux through the neck {net:.1}% of the inflow (bound 10%)");
    }
}

/// A flow diverter's drag (`solver/porous_drag`) at a steady state balances the force whatever
/// the time step: a periodic pipe whose every fluid cell carries a screen layer normal to the
/// axis (Ergun's coefficients of a porosity-0.7 mesh of 30 um wires, spread over 0.1 mm), driven
/// by a body force, at two time steps 2x apart. Far from the wall the drag balances the force,
/// a u + b u^2 = f.
#[test]
fn screen_drag_balances_the_force_at_any_time_step() {
    use hemoflow::solver::porous::{PorousCell, PorousLayer};
    const NU: f64 = 3.3e-6;
    let r = 1e-3;
    let g = periodic_pipe::periodic_pipe(r, 20.0);
    let (a, b) = screen_coefficients(0.7, 30e-6);
    let weight = 1.0 / 0.1e-3;
    let (darcy, forchheimer) = (weight * NU * a, weight * b);
    let layer: Vec<PorousCell> = periodic_pipe::fluid_cells(&g, None)
        .iter()
        .map(|&(id, _, _)| PorousCell {
            cell: id as u32,
            darcy: darcy as f32,
            forchheimer: forchheimer as f32,
            normal_z: 1.0,
            ..Default::default()
        })
        .collect();
    let force = 20.0;
    let exact = 2.0 * force / (darcy + (darcy * darcy + 4.0 * forchheimer * force).sqrt());
    for dt in [0.5, 1.0].map(|k| k * g.spacing * g.spacing / NU) {
        let (cells, uz, _, _) = periodic_pipe::steady_flow(&g, &PorousLayer(layer.clone()), NU, force, dt, exact);
        let core: Vec<f64> = cells.iter().filter(|&&(_, rr, _)| rr < 0.3 * r).map(|&(id, _, _)| uz[id]).collect();
        let mean = core.iter().sum::<f64>() / core.len() as f64;
        let error = (mean - exact) / exact;
        println!(
            "screen drag (a {darcy:.0} 1/s, b {forchheimer:.0} 1/m), dt {dt:.2e} s (dt (a + b u) = {:.1}): core u \
             {mean:.5e} m/s, exact {exact:.5e} (error {error:+.1e})",
            dt * (darcy + forchheimer * exact)
        );
        // Measured -3.9e-6 and -1.0e-4 when this test was written; with the drag taken at the
        // predictor's velocity (before), -1.6% at the first (and by the same balance, -3.1% at
        // the second). At still larger steps (dt a in the
        // hundreds) the core drifts again, by -1.2% at dt a = 470, with or without the quadratic
        // term: the viscous step acts on the velocity before the drag (dt a times the one after
        // it), which thickens the wall's Brinkman layer from sqrt(K) towards sqrt(nu dt); taking
        // the drag into the viscous sweeps would remove it.
        assert!(error.abs() < 2e-3, "dt {dt:.2e} s: core velocity off by {error:+.1e}");
    }
}
