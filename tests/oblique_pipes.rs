//! Steady flow through an oblique pipe (hemoflow::verify::pipe, axis (0.3, -0.5, 0.8)) on the CPU
//! backend (lavapipe takes minutes here; the backends agree, tests/cpu_backend.rs), from the
//! analytic Hagen-Poiseuille solution:
//! - explicit advection is stable at the largest Courant number the case file takes
//!   (case::EXPLICIT_CFL_MAX) at Re 500 and D/h 8 (1500 steps, ~9 flow-through times), and
//!   conserves mass;
//! - explicit and implicit advection reach the same steady state at the same time step (the
//!   same discrete equations; with another time step the Rhie-Chow face velocities differ by
//!   dt h^2 d3p/dx3);
//! - at Re 100, in a pipe long enough that its middle third is fully developed
//!   (verify::pipe::developed_diameters, 10.5 diameters), the pressure gradient, centreline
//!   velocity and mean wall shear stress are within 1% of Hagen-Poiseuille at D/h 10 and within
//!   0.5% at D/h 16 (in a pipe of five diameters the middle third lies where the inlet's cells
//!   still perturb the flow, which flattered the pressure gradient at D/h 10: -0.29% there
//!   against -1.00% developed, before the advective differences took no-slip walls at their
//!   own distance);
//! - at Re 3.6 on another axis and D/h 10, within 1% (the wall's own error alone).
//!
//! The full study (three axes, Re 1 to 500, D/h 8 to 20, observed orders) is
//! `cargo bench --bench accuracy`.

mod common;

use common::cpu;
use hemoflow::case::EXPLICIT_CFL_MAX;
use hemoflow::solver::gpu_solver::Advection;
use hemoflow::verify::{developed_diameters, oblique_pipe, PipeCase};

#[test]
fn explicit_advection_is_stable_at_its_courant_limit_at_re_500() {
    let gpu = cpu();
    let case =
        PipeCase { d_over_h: 8.0, reynolds: 500.0, courant: EXPLICIT_CFL_MAX, max_steps: 1500, ..Default::default() };
    let e = oblique_pipe(&gpu, &case).unwrap_or_else(|err| panic!("Re 500 at Courant {EXPLICIT_CFL_MAX}: {err}"));
    println!("Re 500, D/h 8, Courant {EXPLICIT_CFL_MAX}: {e:?}");
    // Nothing grows: the fastest cell stays below twice the peak (measured: 2.0% over it; 59%
    // while the advective differences took walls nearer than h / 2 as h / 2 away, where the
    // discrete inlet profile adjusts at a cell Peclet number of 125).
    assert!(e.peak < 1.0, "the peak speed is {:.1}% over 2 U: the run is blowing up", 100.0 * e.peak);
    assert!(e.mass_balance < 1e-3, "mass balance {:.2e} (bound 1e-3)", e.mass_balance);
}

#[test]
fn explicit_and_implicit_advection_reach_the_same_steady_state_within_1_percent_at_re_100() {
    // D/h 10, fully developed. Measured (explicit): pressure gradient -0.78%, centreline
    // velocity -0.28%, mean wall shear stress +0.69%; the worst wall triangle +12.0% (printed;
    // the 3% bound on it is at D/h 16). Along (0.2, 0.7, -0.45) and (1, 1, 1):
    // -0.83%, -0.39%, +0.90% and +0.91%, +0.40%, -0.07% (cargo bench --bench accuracy).
    let gpu = cpu();
    let base = PipeCase {
        d_over_h: 10.0,
        reynolds: 100.0,
        diameters: developed_diameters(100.0),
        courant: 0.5,
        steady: 1e-5,
        max_steps: 3000,
        ..Default::default()
    };
    let explicit = oblique_pipe(&gpu, &base).unwrap();
    let implicit = oblique_pipe(&gpu, &PipeCase { advection: Advection::Implicit, ..base.clone() }).unwrap();
    println!("explicit: {explicit:?}\nimplicit: {implicit:?}");
    assert!(explicit.steady, "explicit: not steady after {} steps", base.max_steps);
    println!("worst wall triangle's shear stress: {:+.2}% of Hagen-Poiseuille", 100.0 * explicit.wss_worst);
    for (what, a, b) in [
        ("pressure gradient", explicit.pressure_gradient, implicit.pressure_gradient),
        ("centreline velocity", explicit.centre, implicit.centre),
        ("mean wall shear stress", explicit.wss_mean, implicit.wss_mean),
    ] {
        println!("{what}: explicit {:+.3}%, implicit {:+.3}% of Hagen-Poiseuille (bound 1%)", 100.0 * a, 100.0 * b);
        assert!((a - b).abs() < 2e-3, "{what}: explicit {a:+.4} and implicit {b:+.4} differ by more than 0.2%");
        assert!(a.abs() < 0.01, "Re 100, D/h 10: {what} {:+.2}% off Hagen-Poiseuille (bound 1%)", 100.0 * a);
    }
}

#[test]
fn re_100_is_within_half_a_percent_at_16_cells_per_diameter() {
    // Fully developed. Measured: pressure gradient -0.16%, centreline -0.15%, mean wall shear
    // stress -0.06%, worst triangle +3.5% (printed: the 3% bound on it is not met yet);
    // the net advective force on the middle third, which developed flow does not have, 0.27% of
    // the pressure force (1.2% while the advective differences took walls nearer than h / 2 as
    // h / 2 away, with the pressure gradient at -0.23% and the wall shear stress at +0.12%).
    let gpu = cpu();
    let case = PipeCase {
        d_over_h: 16.0,
        reynolds: 100.0,
        diameters: developed_diameters(100.0),
        courant: EXPLICIT_CFL_MAX,
        ..Default::default()
    };
    let e = oblique_pipe(&gpu, &case).unwrap();
    println!("Re 100, D/h 16: {e:?}");
    assert!(e.steady, "not steady after {} steps", e.steps);
    println!("worst wall triangle's shear stress: {:+.2}% of Hagen-Poiseuille", 100.0 * e.wss_worst);
    for (what, err) in [
        ("pressure gradient", e.pressure_gradient),
        ("centreline velocity", e.centre),
        ("mean wall shear stress", e.wss_mean),
    ] {
        println!("{what}: {:+.2}% of Hagen-Poiseuille (bound 0.5%)", 100.0 * err);
        assert!(err.abs() < 0.005, "Re 100, D/h 16: {what} {:+.2}% off (bound 0.5%)", 100.0 * err);
    }
}

#[test]
fn the_walls_flux_is_right_at_low_reynolds_number() {
    // At Re 3.6 advection does not matter: what is left is the wall's own error, which the
    // faces' flux weights (near-wall profile, orphan faces, balanced for shear flows along the
    // wall) address. Another axis than the tests above, D/h 10. Measured: pressure gradient
    // -0.18%, centreline velocity -0.18%, mean wall shear stress -0.26%, worst wall triangle
    // -1.31% (-0.16%, -0.67% with the quadratic wall shear fit; -0.07%, -0.31%, -0.44%, -1.7%
    // before the balancing; +2.1%, +1.6%, +1.4%, +2.6% on axis (0.3, -0.5, 0.8) with wetted
    // fractions as the flux weights).
    let gpu = cpu();
    let case = PipeCase {
        axis: hemoflow::mesh::Vec3::new(0.2, 0.9, -0.4),
        reynolds: 3.6,
        courant: EXPLICIT_CFL_MAX,
        ..Default::default()
    };
    let e = oblique_pipe(&gpu, &case).unwrap();
    println!("Re 3.6, D/h 10, axis (0.2, 0.9, -0.4): {e:?}");
    assert!(e.steady, "not steady after {} steps", e.steps);
    for (what, err, bound) in [
        ("pressure gradient", e.pressure_gradient, 0.01),
        ("centreline velocity", e.centre, 0.01),
        ("mean wall shear stress", e.wss_mean, 0.01),
        ("worst wall triangle's shear stress", e.wss_worst, 0.03),
    ] {
        println!("{what}: {:+.2}% of Hagen-Poiseuille (bound {:.0}%)", 100.0 * err, 100.0 * bound);
        assert!(err.abs() < bound, "Re 3.6, D/h 10: {what} {:+.2}% off (bound {:.0}%)", 100.0 * err, 100.0 * bound);
    }
}
