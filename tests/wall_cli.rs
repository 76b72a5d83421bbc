//! The wall quantities end to end on the bundled aneurysm sample (meshes/aneurysm.obj) on
//! lavapipe: `hemoflow run` with a pulsatile inflow writes a cycle's TAWSS and OSI per wall
//! triangle; the sac's dome sees far lower TAWSS than the parent artery (the flow passes the
//! sac by); `hemoflow render` draws the TAWSS map (a PNG showing many colours); `hemoflow info`
//! reports the wall statistics and the low-TAWSS area; ParaView's pvpython opens both XDMF files
//! and probes them against h5py (tools/check_paraview.py).

mod common;

use std::path::{Path, PathBuf};

use common::hemoflow;

/// Writes the case: the aneurysm at 0.4 mm, a sinusoidal inflow (1 mL/s mean, 0.8 mL/s
/// amplitude, a short 0.05 s period: one quick cycle, not a heartbeat), a pressure outlet.
fn aneurysm_case(dir: &Path) -> PathBuf {
    let mesh = Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/aneurysm.obj");
    let rows: String = (0..20)
        .map(|k| {
            let t = 0.05 * k as f64 / 20.0;
            format!("{t:.5},{:.5}\n", 1.0 + 0.8 * (2.0 * std::f64::consts::PI * t / 0.05).sin())
        })
        .collect();
    std::fs::write(dir.join("inflow.csv"), format!("time,flow\n{rows}")).unwrap();
    let toml = format!(
        "[geometry]\nmesh = {mesh:?}\nunits = \"mm\"\nspacing = 0.4\n\n[[inlet]]\nsurface = \"inlet\"\nwaveform = \"inflow.csv\"\nflow_units = \"mL/s\"\nprofile = \"parabolic\"\n\n[[outlet]]\nsurface = \"outlet\"\npressure = 0.0\n\n[time]\nperiod = 0.05\ncycles = 1\n\n[output]\nfile = \"out/aneurysm.h5\"\ninterval = 0.025\n"
    );
    let path = dir.join("aneurysm.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// The wall shear stress of fully developed flow in a straight pipe of `radius` (m) with the
/// case's blood (1060 kg/m^3, 3.5 mPa s) and the flow q0 + q1 sin(2 pi t / period) (m^3/s):
/// the mean flow's (Hagen-Poiseuille), and the TAWSS of Womersley's solution (Pa).
fn pipe_tawss(radius: f64, q0: f64, q1: f64, period: f64) -> (f64, f64) {
    use hemoflow::physio::womersley::Womersley;
    let (rho, mu) = (1060.0, 3.5e-3);
    let nu = mu / rho;
    let omega = 2.0 * std::f64::consts::PI / period;
    let steady = Womersley { radius, nu, omega: 0.0 }.wall_shear_rate_per_flow().re;
    let oscillating = Womersley { radius, nu, omega }.wall_shear_rate_per_flow();
    let samples = 1000;
    let tawss = (0..samples)
        .map(|k| {
            let phase = omega * period * k as f64 / samples as f64;
            let rate = q0 * steady + (oscillating * q1 * nalgebra::Complex::from_polar(1.0, phase)).re;
            (mu * rate).abs()
        })
        .sum::<f64>()
        / samples as f64;
    (mu * q0 * steady, tawss)
}

/// Area-weighted mean of `values` over the wall triangles whose centroid passes `keep` (mm).
fn region_mean(h5: &Path, values: &str, keep: impl Fn([f64; 3]) -> bool) -> (f64, usize) {
    let f = hdf5::File::open(h5).unwrap();
    let v: Vec<f64> = f.dataset("wall/vertices").unwrap().read_raw().unwrap();
    let t: Vec<u32> = f.dataset("wall/triangles").unwrap().read_raw().unwrap();
    let x: Vec<f32> = f.dataset(values).unwrap().read_raw().unwrap();
    let p = |i: u32| [0, 1, 2].map(|c| v[3 * i as usize + c]);
    let (mut sum, mut area, mut count) = (0.0, 0.0, 0);
    for (k, tri) in t.chunks(3).enumerate() {
        let [a, b, c] = [p(tri[0]), p(tri[1]), p(tri[2])];
        let centroid = [0, 1, 2].map(|i| (a[i] + b[i] + c[i]) / 3.0 * 1e3);
        if !keep(centroid) {
            continue;
        }
        let (e1, e2) = ([0, 1, 2].map(|i| b[i] - a[i]), [0, 1, 2].map(|i| c[i] - a[i]));
        let cross = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
        let da = 0.5 * (cross[0] * cross[0] + cross[1] * cross[1] + cross[2] * cross[2]).sqrt();
        sum += x[k] as f64 * da;
        area += da;
        count += 1;
    }
    (sum / area, count)
}

#[test]
fn aneurysm_sac_has_low_tawss_and_the_render_shows_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let case = aneurysm_case(dir.path());
    let (code, r, text) = hemoflow(&["run", case.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(r["cycles"].as_array().unwrap().len(), 1, "one cycle: {text}");
    assert_eq!(r["wall_unresolved"].as_u64(), Some(0), "every wall triangle has fluid cells near it");
    let h5 = dir.path().join("out/aneurysm.h5");
    let tawss = "cycles/000001/tawss";
    // The sac's dome (beyond x = 5 mm; the artery's wall is at x = 2 mm) against the artery's
    // far wall (x < -1 mm) away from the caps.
    let (sac, n_sac) = region_mean(&h5, tawss, |c| c[0] > 5.0);
    let (artery, n_artery) = region_mean(&h5, tawss, |c| c[0] < -1.0 && c[2] > 4.0 && c[2] < 16.0);
    let (osi_sac, _) = region_mean(&h5, "cycles/000001/osi", |c| c[0] > 5.0);
    println!(
        "aneurysm, 1 mL/s mean inflow: TAWSS on the sac's dome {sac:.4} Pa ({n_sac} triangles), on the artery's wall {artery:.4} Pa ({n_artery} triangles), ratio {:.3}; OSI on the dome {osi_sac:.3}",
        sac / artery
    );
    // The artery (R 2 mm) against fully developed flow in a straight pipe: at the mean flow,
    // Hagen-Poiseuille's 4 mu Q / (pi R^3) = 0.557 Pa, which TAWSS cannot be below (the mean
    // of |tau| is at least |mean tau|); with the oscillation, Womersley's TAWSS, 1.02 Pa at this
    // Womersley number (12.3). The Stokes layer, R sqrt(2) / alpha = 0.23 mm, is thinner than a
    // cell here, so the wall shear fit reads part of the oscillation only (measured: 0.907 Pa).
    let (hagen_poiseuille, womersley) = pipe_tawss(2e-3, 1e-6, 0.8e-6, 0.05);
    println!("straight pipe: Hagen-Poiseuille {hagen_poiseuille:.4} Pa, Womersley's TAWSS {womersley:.4} Pa");
    assert!(
        (0.8 * hagen_poiseuille..1.2 * womersley).contains(&artery),
        "the artery's TAWSS {artery:.3} Pa, outside 0.8 x Hagen-Poiseuille ({hagen_poiseuille:.3} Pa) to 1.2 x Womersley ({womersley:.3} Pa)"
    );
    assert!(sac < 0.3 * artery, "the sac's dome sees far lower shear than the artery");

    let png = dir.path().join("tawss.png");
    let (code, _, text) = hemoflow(&["render", h5.to_str().unwrap(), "--field", "tawss", "-o", png.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let colours: std::collections::HashSet<&[u8]> = buf[..info.buffer_size()].chunks(4).collect();
    println!("{}: {}x{}, {} distinct colours", png.display(), info.width, info.height, colours.len());
    assert!(colours.len() > 200, "a TAWSS map that varies over the wall shows many colours");

    let (code, info, text) = hemoflow(&["info", h5.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{text}");
    let cycle = &info["wall"]["cycle"];
    println!("info: TAWSS {}, low-TAWSS area {}", cycle["tawss"], cycle["low_tawss"]);
    assert!(cycle["low_tawss"]["area"].as_f64().unwrap() > 0.0, "the sac's wall is below 0.4 Pa");

    let sidecars = ["xdmf", "wall.xdmf", "cycles.xdmf"].map(|e| h5.with_extension(e));
    common::paraview_check(&sidecars.each_ref().map(|p| p.as_path()));
}
