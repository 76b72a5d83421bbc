//! Steady flow through an oblique generated pipe (axis (0.3, -0.5, 0.8), D/h = 20) from a
//! parabolic velocity inlet to a pressure outlet, on the GPU (lavapipe here): mass balance (what
//! goes in comes out, to the pressure solver's tolerance), no NaN, and in the middle third of
//! the pipe the pressure gradient, centreline velocity and mean wall shear stress against
//! Hagen-Poiseuille (2% each), and every wall triangle's (3%).

mod common;

use hemoflow::grid::{self, kind};
use hemoflow::mesh::generate::{pipe, PipeSpec};
use hemoflow::mesh::Vec3;
use hemoflow::mesh::WallSurface;
use hemoflow::solver::boundary::{Boundary, Profile};
use hemoflow::solver::gpu_solver::{Advection, GpuSolver, Rheology, Settings};
use hemoflow::solver::multigrid::MultigridSettings;
use hemoflow::solver::summary::cap_flows;
use hemoflow::solver::wall_shear::wall_stencil_of;

#[test]
fn oblique_pipe_inlet_to_outlet_is_hagen_poiseuille_and_conserves_mass() {
    // On the CPU backend: lavapipe takes minutes here; the backends agree (tests/cpu_backend.rs).
    let gpu = common::cpu();
    let (r, length, nu, rho) = (1e-3, 8e-3, 3.3e-6, 1060.0);
    let axis = Vec3::new(0.3, -0.5, 0.8).normalize();
    let m = pipe(&PipeSpec { radius: r, length, axis, start: Vec3::zeros(), segments: 128, rings: Some(8) }).unwrap();
    let d_over_h = 20.0;
    let h = 2.0 * r / d_over_h;
    let g = grid::voxelize(&m, h).unwrap();
    let u_mean = 0.02;
    let q = u_mean * std::f64::consts::PI * r * r;
    // Courant number 0.2 on the peak speed (explicit SSP-RK3 advection); the viscous
    // term is Crank-Nicolson.
    let dt = (0.2 * h / (2.0 * u_mean)).min(0.5 * h * h / nu);
    // Pressure solve and divergence after projection, relative (f32 resolves about 1e-6).
    let tolerance = 1e-5;
    let settings = Settings {
        nu,
        dt,
        force: Vec3::zeros(),
        tolerance,
        max_iterations: 100,
        velocity_scale: u_mean,
        advection: Advection::Explicit,
        multigrid: MultigridSettings::default(),
        boundaries: vec![
            Boundary::Inlet { flow_rate: q, profile: Profile::Parabolic },
            Boundary::Outlet { pressure: 0.0 },
        ],
        backflow: 0.0,
        rheology: Rheology::Newtonian,
    };
    assert_eq!(g.caps.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["inlet", "outlet"]);
    let mut solver = GpuSolver::new(&gpu, &g, settings).unwrap();
    let steps = (2.0 * r * r / nu / dt).ceil() as usize;
    let mut iterations = Vec::new();
    let mut divergence = 0.0f64;
    for s in 0..steps {
        let stats = solver.step().unwrap();
        assert!(stats.relative_residual.is_finite(), "step {s}: pressure residual is not finite");
        assert!(
            stats.divergence <= tolerance,
            "step {s}: divergence after projection {:.2e} above the tolerance {tolerance:.0e}",
            stats.divergence
        );
        divergence = divergence.max(stats.divergence);
        iterations.push(stats.iterations);
    }
    let u = solver.velocity().unwrap();
    let p = solver.pressure().unwrap();
    assert!(u.iter().chain(&p).all(|x| x.is_finite()), "step {steps}: NaN in the fields");
    let values = solver.cap_values().unwrap();
    let caps = cap_flows(&g, &solver.layout, &values.outflow, &values.pressure, rho);
    let (q_in, q_out) = (-caps[0].flow_rate, caps[1].flow_rate);
    let balance = (q_in - q_out).abs() / q_in;
    // Pressure drop between two cross-sections a third and two thirds along, against
    // dp/ds = 8 mu Q / (pi R^4).
    let n = solver.cells as usize;
    let mut slab = [(0.0, 0.0); 2];
    for (id, &pressure) in p.iter().enumerate().take(n) {
        if g.kind[id] == kind::SOLID {
            continue;
        }
        let c = g.bricks.cell_coords(id as u32);
        let x = g.origin + Vec3::new(c[0] as f64 + 0.5, c[1] as f64 + 0.5, c[2] as f64 + 0.5) * h;
        let s = x.dot(&axis);
        for (k, at) in [length / 3.0, 2.0 * length / 3.0].iter().enumerate() {
            if (s - at).abs() < 0.5 * h {
                slab[k].0 += pressure as f64;
                slab[k].1 += 1.0;
            }
        }
    }
    let dp = rho * (slab[0].0 / slab[0].1 - slab[1].0 / slab[1].1) / (length / 3.0);
    let dp_exact = 8.0 * rho * nu * q / (std::f64::consts::PI * r.powi(4));
    // Middle third: least-squares amplitude of u.axis = U (1 - rho^2 / R^2), and the mean wall
    // shear stress, against U = 2 Q / (pi R^2) and tau = 4 mu Q / (pi R^3).
    let middle = |id: usize| {
        let c = g.bricks.cell_coords(id as u32);
        let x = g.origin + Vec3::new(c[0] as f64 + 0.5, c[1] as f64 + 0.5, c[2] as f64 + 0.5) * h;
        let s = x.dot(&axis);
        ((s - length / 2.0).abs() < length / 6.0).then_some((x, s))
    };
    let (mut num, mut den) = (0.0, 0.0);
    for id in 0..n {
        if g.kind[id] == kind::SOLID {
            continue;
        }
        let Some((x, s)) = middle(id) else { continue };
        let radial2 = (x - axis * s).norm_squared();
        let phi = 1.0 - radial2 / (r * r);
        let ua = (0..3).map(|c| u[c * n + id] as f64 * axis[c]).sum::<f64>();
        let w = g.volume_fraction[id] as f64;
        num += ua * phi * w;
        den += phi * phi * w;
    }
    let centre = num / den;
    let centre_exact = 2.0 * q / (std::f64::consts::PI * r * r);
    // Wall shear stress on the wall's triangles whose centroid is in the middle third: each of
    // them, and their area-weighted mean.
    let surface = WallSurface::from_mesh(&m);
    let inside: Vec<usize> = (0..surface.triangles.len())
        .filter(|&t| (surface.centroid(t).dot(&axis) - length / 2.0).abs() < length / 6.0)
        .collect();
    let stencil = wall_stencil_of(&g, &surface, &inside);
    assert_eq!((stencil.linear, stencil.unresolved), (0, 0), "every triangle has a fit of second order or more");
    solver.attach_wall(&stencil, rho, false).unwrap();
    let stress = solver.wall_stress().unwrap();
    let samples: Vec<f64> = stress.iter().map(|s| (s[0] as f64).hypot(s[1] as f64).hypot(s[2] as f64)).collect();
    let area: Vec<f64> = inside.iter().map(|&t| surface.area(t)).collect();
    let tau = samples.iter().zip(&area).map(|(s, a)| s * a).sum::<f64>() / area.iter().sum::<f64>();
    let tau_exact = 4.0 * rho * nu * q / (std::f64::consts::PI * r.powi(3));
    let err = |a: f64, b: f64| (a - b) / b;
    let tau_worst =
        samples.iter().map(|&s| err(s, tau_exact)).fold(0.0, |w: f64, e| if e.abs() > w.abs() { e } else { w });
    println!(
        "D/h {d_over_h}, {} fluid cells, {steps} steps, pressure iterations per step {}..{}, divergence after projection at most {divergence:.2e} (tolerance {tolerance:.0e}): inflow {q_in:.4e} m^3/s, outflow {q_out:.4e} m^3/s, mass balance {balance:.2e} (tolerance 1e-3)",
        solver.fluid_cells,
        iterations.iter().min().unwrap(),
        iterations.iter().max().unwrap(),
    );
    println!(
        "middle third against Hagen-Poiseuille (tolerance 2% each, 3% on the worst triangle): pressure gradient {dp:.1} Pa/m vs {dp_exact:.1} ({:+.2}%), centreline {centre:.5} m/s vs {centre_exact:.5} ({:+.2}%), wall shear stress {tau:.4} Pa vs {tau_exact:.4} ({:+.2}%, {} wall triangles, the worst {:+.2}%)",
        100.0 * err(dp, dp_exact),
        100.0 * err(centre, centre_exact),
        100.0 * err(tau, tau_exact),
        samples.len(),
        100.0 * tau_worst
    );
    assert!(err(dp, dp_exact).abs() < 0.02);
    assert!(err(centre, centre_exact).abs() < 0.02);
    assert!(err(tau, tau_exact).abs() < 0.02);
    // The worst triangle: within issue 15's bound for it (3%; -0.48% measured with the wall's
    // flux weights balanced for shear flows along it, -2.08% before, +1.83% with the limited
    // upwind fluxes before the third-order advection). Measured: pressure gradient -0.06%,
    // centreline -0.12%, mean wall shear stress -0.07%.
    assert!(
        tau_worst.abs() < 0.03,
        "wall shear stress {:+.2}% off on the worst triangle (tolerance 3% everywhere)",
        100.0 * tau_worst
    );
    assert!((q_in - q).abs() < 1e-5 * q, "the inlet imposes its flow rate (to f32 precision)");
    assert!(balance < 1e-3);
}
