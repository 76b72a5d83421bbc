//! The porous region add-on (stage `solver/porous_region`, `hemoflow::solver::porous_region`):
//! its struct against the WGSL twin, the GPU stage against its CPU twin on seeded random input,
//! and as physics, steady flow in a periodic pipe filled with the medium, driven by a body force,
//! on the GPU (lavapipe here):
//! - Darcy-Brinkman (no Forchheimer term): u(r) = (f / a) (1 - I0(r / sqrt(K)) / I0(R / sqrt(K)))
//!   with a = nu / K, and the flow rate pi R^2 (f / a) (1 - 2 I1(L) / (L I0(L))), L = R / sqrt(K)
//!   (Brinkman's equation in a tube; e.g. Nield and Bejan, Convection in Porous Media, 2017);
//! - Darcy-Forchheimer: far from the wall the flow is uniform and the drag balances the force,
//!   a u + b u^2 = f.

#[macro_use]
mod common;
mod periodic_pipe;

use hemoflow::grid::kind;
use hemoflow::mesh::Vec3;
use hemoflow::solver::porous_region::{coil_coefficients, PorousRegion, RegionCell};
use hemoflow::solver::{CellLayout, SolverParams};
use periodic_pipe::{periodic_pipe, steady_flow};

const R: f64 = 1e-3;
const NU: f64 = 3.3e-6;

#[test]
fn porous_region_gpu_matches_cpu() {
    let twin = rust_layout!(RegionCell { cell, darcy, forchheimer, _pad0 });
    assert_eq!(common::wgsl_twin_mismatch("solver/porous_region", &twin), None);
    let gpu = common::gpu();
    let g = periodic_pipe(R, 10.0);
    let layout = CellLayout::new(&g).unwrap();
    let n = layout.cells.len();
    let (cells, stored) = (n as u32, layout.stored_cells() as u32);
    let params = SolverParams { h: g.spacing as f32, dt: 1e-3, nu: NU as f32, cells, stored, ..layout.storage() };
    let mut random = common::SplitMix64(7);
    let mut uniform = |lo: f64, hi: f64| lo + (hi - lo) * (random.next() >> 11) as f64 / (1u64 << 53) as f64;
    // Every other fluid cell, with drag rates from none to far beyond 1/dt (the point-implicit
    // step must stay stable there), and random velocities.
    let region: Vec<RegionCell> = (0..n as u32)
        .filter(|&id| g.kind[id as usize] != kind::SOLID)
        .step_by(2)
        .map(|cell| RegionCell {
            cell,
            darcy: uniform(0.0, 1e6) as f32,
            forchheimer: uniform(0.0, 1e5) as f32,
            _pad0: 0,
        })
        .collect();
    assert!(region.len() > 100, "{} region cells", region.len());
    let u: Vec<f32> = (0..3 * n).map(|_| uniform(-1.0, 1.0) as f32).collect();
    let count = region.len();
    let (on_gpu, on_cpu) = common::run_add_on(&gpu, &PorousRegion(region), &layout, &params, &u);
    let changed = (0..3 * n).filter(|&i| on_cpu[i] != u[i]).count();
    assert!(changed > 2 * count, "the drag changed only {changed} values");
    // |u| is a square root on both sides; the GPU's may differ in its last bit.
    let worst = on_gpu.iter().zip(&on_cpu).map(|(a, b)| (a - b).abs() / b.abs().max(1e-3)).fold(0.0f32, f32::max);
    println!("porous_region: {count} cells, worst relative difference GPU vs CPU {worst:.1e}");
    assert!(worst < 1e-6, "GPU and CPU twin differ by {worst:.1e}");
}

/// Modified Bessel functions I0 and I1 of `x` (power series; x up to ~20).
fn bessel_i0_i1(x: f64) -> (f64, f64) {
    let (mut i0, mut i1) = (0.0, 0.0);
    let mut term = 1.0; // (x/2)^(2k) / (k!)^2
    for k in 0..60 {
        i0 += term;
        i1 += term * (x / 2.0) / (k + 1) as f64;
        term *= (x / 2.0) * (x / 2.0) / (((k + 1) * (k + 1)) as f64);
    }
    (i0, i1)
}

/// Steady flow in the periodic pipe at D/h `d_over_h` filled with a medium of drag
/// (`darcy` 1/s, `forchheimer` 1/m) under body force `force` (m/s^2) along the axis (see
/// [`steady_flow`]).
fn porous_pipe(
    d_over_h: f64,
    darcy: f64,
    forchheimer: f64,
    force: f64,
) -> (Vec<(usize, f64, f64)>, Vec<f64>, f64, f64) {
    let g = periodic_pipe(R, d_over_h);
    let region = PorousRegion::sphere(&g, Vec3::zeros(), f64::INFINITY, (darcy, forchheimer));
    let dt = 0.5 * g.spacing * g.spacing / NU;
    steady_flow(&g, &region, NU, force, dt, force / darcy)
}

#[test]
fn brinkman_pipe_flow_matches_the_analytic_solution() {
    // Darcy number K / R^2 = 1/25: the Brinkman layer sqrt(K) = R / 5 is 4 cells at D/h 40.
    let d_over_h = 40.0;
    let lambda = 5.0;
    let k = R * R / (lambda * lambda);
    let darcy = NU / k;
    let force = 1.0; // m/s^2: a core velocity f / a = 12 mm/s
    let (cells, uz, h, length) = porous_pipe(d_over_h, darcy, 0.0, force);
    let (i0, i1) = bessel_i0_i1(lambda);
    let q_exact = std::f64::consts::PI * R * R * force / darcy * (1.0 - 2.0 * i1 / (lambda * i0));
    // Flow rate: the cells' volume times u_z over the section's length.
    let q = cells.iter().map(|&(id, _, vol)| uz[id] * vol * h * h * h).sum::<f64>() / length;
    let q_error = (q - q_exact) / q_exact;
    // The profile: every cell against u(r), relative to the core velocity f / a.
    let u_core = force / darcy;
    let profile_error = cells
        .iter()
        .map(|&(id, r, _)| {
            let (i0r, _) = bessel_i0_i1(r / k.sqrt());
            (uz[id] - u_core * (1.0 - i0r / i0)).abs() / u_core
        })
        .fold(0.0, f64::max);
    println!(
        "Darcy-Brinkman pipe, D/h {d_over_h}, R / sqrt(K) {lambda}: flow rate {q:.4e} m^3/s, exact {q_exact:.4e} \
         (error {:+.2}%); largest profile error {:.2}% of f / a",
        100.0 * q_error,
        100.0 * profile_error
    );
    // Bounds 3x what was measured when this test was written (flow rate -0.39%, profile 0.45%),
    // the cut cells at the wall setting both.
    assert!(q_error.abs() < 0.012, "flow rate off by {:+.2}%", 100.0 * q_error);
    assert!(profile_error < 0.015, "profile off by {:.2}% of the core velocity", 100.0 * profile_error);
}

#[test]
fn forchheimer_drag_balances_the_force_in_the_core() {
    // Coils of 0.3 mm wire packed to 25%: Ergun's coefficients, and a force that makes the
    // quadratic term matter.
    let (darcy, forchheimer) = coil_coefficients(0.25, 0.3e-3, NU);
    let force = 20.0; // m/s^2
    let (cells, uz, _, _) = porous_pipe(20.0, darcy, forchheimer, force);
    // a u + b u^2 = f.
    let exact = (-darcy + (darcy * darcy + 4.0 * forchheimer * force).sqrt()) / (2.0 * forchheimer);
    let core: Vec<f64> = cells.iter().filter(|&&(_, r, _)| r < 0.3 * R).map(|&(id, _, _)| uz[id]).collect();
    let mean = core.iter().sum::<f64>() / core.len() as f64;
    let error = (mean - exact) / exact;
    println!(
        "Darcy-Forchheimer core (coils 25%, 0.3 mm wire: a {darcy:.1} 1/s, b {forchheimer:.0} 1/m): u {mean:.5e} m/s over \
         {} cells, exact {exact:.5e} (error {:+.1e}); quadratic share of the drag {:.0}%",
        core.len(),
        error,
        100.0 * forchheimer * exact / (darcy + forchheimer * exact)
    );
    // The Brinkman layer (sqrt(K) = sqrt(nu / a), 0.1 mm) is 7 times thinner than the core's
    // distance to the wall (I0 falls by 1e-3 over it), and the steady state does not depend on
    // dt (the drag is taken at the velocity it leaves: the predictor's is 5 times the core's
    // here). What is left is the wall layer's resolution, felt through the pressure coupling:
    // measured -5.3e-3 at D/h 10 and -6.9e-4 at D/h 20 when this test was written (it converges);
    // the bound is 3x the latter.
    assert!(error.abs() < 2e-3, "core velocity off by {error:+.1e}");
}
