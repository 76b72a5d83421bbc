//! Non-Newtonian blood on the GPU (lavapipe here): steady flow of a Carreau-Yasuda fluid (blood
//! after Cho and Kensey 1991) in a periodic section of a generated pipe at D/h = 20, driven by an
//! axial body force (a pressure gradient), against a 1-D numerical solution of non-Newtonian
//! Poiseuille flow: the flow rate for the pressure gradient (the pressure drop against the flow
//! rate), within 2%.

mod common;

use std::f64::consts::PI;

mod periodic_pipe;

use hemoflow::mesh::Vec3;
use hemoflow::run::CARREAU_YASUDA_BLOOD;
use hemoflow::solver::gpu_solver::{Advection, GpuSolver, Rheology, Settings};
use hemoflow::solver::multigrid::MultigridSettings;
use periodic_pipe::{fluid_cells, periodic_pipe};

const R: f64 = 1e-3;
const RHO: f64 = 1060.0;
/// Driving acceleration (pressure gradient over density), m/s^2: wall shear rate about 100/s.
const G: f64 = 0.9;

/// Kinematic viscosity of the model at shear rate `gamma`, m^2/s.
fn nu(r: &Rheology, gamma: f64) -> f64 {
    match *r {
        Rheology::CarreauYasuda { nu_zero, nu_infinity, relaxation, n, a } => {
            nu_infinity + (nu_zero - nu_infinity) * (1.0 + (relaxation * gamma).powf(a)).powf((n - 1.0) / a)
        }
        _ => unreachable!(),
    }
}

/// 1-D non-Newtonian Poiseuille flow: the shear rate where the kinematic shear stress
/// nu(gamma) gamma equals G r / 2 (bisection: the stress grows with the shear rate), the
/// velocity u(r) = integral from r to R of gamma, and the flow rate
/// Q = pi integral of r^2 gamma(r) dr (by parts), by Simpson's rule on 4000 intervals.
fn one_d(r: &Rheology) -> (f64, impl Fn(f64) -> f64) {
    let gamma = |radius: f64| {
        let stress = G * radius / 2.0;
        let (mut lo, mut hi) = (0.0, 1.0);
        while nu(r, hi) * hi < stress {
            hi *= 2.0;
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if nu(r, mid) * mid < stress {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    };
    let m = 4000;
    let dr = R / m as f64;
    let gammas: Vec<f64> = (0..=m).map(|k| gamma(k as f64 * dr)).collect();
    let q = PI * simpson(&|k| (k as f64 * dr).powi(2) * gammas[k], 0, m, dr);
    let velocity = move |radius: f64| {
        let k = ((radius / dr) as usize).min(m);
        simpson(&|j| gammas[j], k, m, dr)
    };
    (q, velocity)
}

/// Simpson's rule for f on the points from..=m, spacing dr (an odd count of intervals takes
/// its first by the trapezoid rule).
fn simpson(f: &dyn Fn(usize) -> f64, from: usize, m: usize, dr: f64) -> f64 {
    let mut s = 0.0;
    let mut k = from;
    if (m - from) % 2 == 1 {
        s += 0.5 * (f(k) + f(k + 1)) * dr;
        k += 1;
    }
    while k < m {
        s += (f(k) + 4.0 * f(k + 1) + f(k + 2)) * dr / 3.0;
        k += 2;
    }
    s
}

#[test]
fn carreau_yasuda_pipe_flow_matches_the_1d_solution() {
    let gpu = common::gpu();
    let (mu0, mu_inf, lambda, n_index, a) = CARREAU_YASUDA_BLOOD;
    let rheology =
        Rheology::CarreauYasuda { nu_zero: mu0 / RHO, nu_infinity: mu_inf / RHO, relaxation: lambda, n: n_index, a };
    let (q_exact, u_exact) = one_d(&rheology);
    // The same pressure gradient in Newtonian fluids of the model's extreme viscosities.
    let poiseuille = |nu: f64| PI * G * R.powi(4) / (8.0 * nu);
    let h = 2.0 * R / 20.0;
    let g = periodic_pipe(R, 20.0);
    // Crank-Nicolson: any dt is stable; nu_0 dt / h^2 = 0.5 keeps the viscous sweeps few.
    let dt = 0.5 * h * h / rheology.max_viscosity(0.0);
    let settings = Settings {
        nu: mu_inf / RHO,
        dt,
        force: Vec3::new(0.0, 0.0, G),
        tolerance: 1e-5,
        max_iterations: 50,
        velocity_scale: u_exact(0.0),
        advection: Advection::Explicit,
        multigrid: MultigridSettings::default(),
        boundaries: Vec::new(),
        backflow: 0.0,
        rheology,
    };
    let mut solver = GpuSolver::new(&gpu, &g, settings).unwrap();
    let n = solver.cells as usize;
    let cells = fluid_cells(&g, None);
    // Start from the 1-D profile (zero beyond the wall), run 0.15 s: the mismatch decays on the
    // wall layer's viscous time, R^2 / nu_inf = 0.3 s over (2.4)^2.
    let mut u0 = vec![0.0f32; 3 * n];
    for &(id, r, _) in &cells {
        u0[2 * n + id] = if r < R { u_exact(r) as f32 } else { 0.0 };
    }
    solver.set_velocity(&u0);
    let length = g.dims()[2] as f64 * h;
    let flow =
        |u: &[f32]| cells.iter().map(|&(id, _, vol)| u[2 * n + id] as f64 * vol * h * h * h).sum::<f64>() / length;
    let steps = (0.15 / dt).ceil() as usize;
    let mut q_before = 0.0;
    for s in 0..steps {
        let stats = solver.step().unwrap();
        assert!(stats.divergence <= 1e-5, "step {s}: divergence after projection {:.2e}", stats.divergence);
        if s + 100 == steps {
            q_before = flow(&solver.velocity().unwrap());
        }
    }
    let u = solver.velocity().unwrap();
    assert!(u.iter().all(|x| x.is_finite()), "non-finite velocity");
    let q = flow(&u);
    let error = (q - q_exact).abs() / q_exact;
    println!(
        "Carreau-Yasuda blood, D/h 20, {} fluid cells, {steps} steps of {dt:.2e} s: flow rate {q:.5e} m^3/s, 1-D solution {q_exact:.5e} (Newtonian at nu_inf {:.5e}, at nu_0 {:.5e}), error {error:.2e} (tolerance 2%); change over the last 100 steps {:.1e}",
        cells.len(),
        poiseuille(mu_inf / RHO),
        poiseuille(mu0 / RHO),
        (q - q_before).abs() / q
    );
    assert!(
        (q - q_before).abs() < 1e-3 * q,
        "not steady: the flow changed by {:.2e} over 100 steps",
        (q - q_before).abs() / q
    );
    assert!(error < 0.02, "flow rate error {error:.3e} against the 1-D solution (tolerance 2%)");
    // The fluid is far from either Newtonian limit, so the test tells the model apart.
    assert!(q < 0.8 * poiseuille(mu_inf / RHO) && q > 2.0 * poiseuille(mu0 / RHO));
}
