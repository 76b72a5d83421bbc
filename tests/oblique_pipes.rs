//! Steady flow through an oblique pipe (hemoflow::verify::pipe, axis (0.3, -0.5, 0.8)) on the GPU
//! (lavapipe here), from the analytic Hagen-Poiseuille solution:
//! - explicit advection is stable at the largest Courant number the case file takes
//!   (case::EXPLICIT_CFL_MAX) at Re 500 and D/h 8 (1500 steps, ~9 flow-through times), and
//!   conserves mass;
//! - explicit and implicit advection reach the same steady state at the same time step (the
//!   same discrete equations; with another time step the Rhie-Chow face velocities differ by
//!   dt h^2 d3p/dx3);
//! - at Re 100 and D/h 10 the pressure gradient and centreline velocity are within 1% of
//!   Hagen-Poiseuille (measured -0.23%, -0.57%; the mean wall shear stress +1.25%, +0.98% with
//!   the quadratic wall shear fit; before the wall's flux weights were balanced for shear flows
//!   along it +0.07%, -0.47%, +0.74%, when along the grid's diagonal the pressure gradient was
//!   +3.6% where it is now +1.0%; +4.9%, +1.5%, +2.3% with wetted fractions as the faces' flux
//!   weights);
//! - at Re 100 and D/h 16, the three within 0.5%;
//! - at Re 3.6 on another axis and D/h 10, within 1% (the wall's own error alone).
//!
//! The full study (three axes, Re 1 to 500, D/h 8 to 20, observed orders) is
//! `cargo bench --bench accuracy`.

mod common;

use common::cpu;
use hemoflow::case::EXPLICIT_CFL_MAX;
use hemoflow::solver::gpu_solver::Advection;
use hemoflow::verify::{oblique_pipe, PipeCase};

#[test]
fn explicit_advection_is_stable_at_its_courant_limit_at_re_500() {
    // On the CPU backend: lavapipe takes minutes here; the backends agree (tests/cpu_backend.rs).
    let gpu = cpu();
    let case =
        PipeCase { d_over_h: 8.0, reynolds: 500.0, courant: EXPLICIT_CFL_MAX, max_steps: 1500, ..Default::default() };
    let e = oblique_pipe(&gpu, &case).unwrap_or_else(|err| panic!("Re 500 at Courant {EXPLICIT_CFL_MAX}: {err}"));
    println!("Re 500, D/h 8, Courant {EXPLICIT_CFL_MAX}: {e:?}");
    // Nothing grows: the fastest cell stays below twice the peak (measured: 59% over it, where
    // the discrete inlet profile adjusts at a cell Peclet number of 125).
    assert!(e.peak < 1.0, "the peak speed is {:.1}% over 2 U: the run is blowing up", 100.0 * e.peak);
    assert!(e.mass_balance < 1e-3, "mass balance {:.2e} (bound 1e-3)", e.mass_balance);
}

#[test]
fn explicit_and_implicit_advection_reach_the_same_steady_state() {
    // On the CPU backend: lavapipe takes minutes here; the backends agree (tests/cpu_backend.rs).
    let gpu = cpu();
    let base =
        PipeCase { d_over_h: 10.0, reynolds: 100.0, courant: 0.5, steady: 1e-5, max_steps: 3000, ..Default::default() };
    let explicit = oblique_pipe(&gpu, &base).unwrap();
    let implicit = oblique_pipe(&gpu, &PipeCase { advection: Advection::Implicit, ..base.clone() }).unwrap();
    println!("explicit: {explicit:?}\nimplicit: {implicit:?}");
    for (what, a, b) in [
        ("pressure gradient", explicit.pressure_gradient, implicit.pressure_gradient),
        ("centreline velocity", explicit.centre, implicit.centre),
        ("mean wall shear stress", explicit.wss_mean, implicit.wss_mean),
    ] {
        println!("{what}: explicit {:+.3}%, implicit {:+.3}% of Hagen-Poiseuille", 100.0 * a, 100.0 * b);
        assert!((a - b).abs() < 2e-3, "{what}: explicit {a:+.4} and implicit {b:+.4} differ by more than 0.2%");
    }
    for (what, e) in [("pressure gradient", explicit.pressure_gradient), ("centreline velocity", explicit.centre)] {
        assert!(e.abs() < 0.01, "Re 100, D/h 10: {what} {:+.2}% off Hagen-Poiseuille (bound 1%)", 100.0 * e);
    }
}

#[test]
fn re_100_is_within_half_a_percent_at_16_cells_per_diameter() {
    // At D/h 10 the mean wall shear stress of the test above is +1.25% (the cubic wall shear
    // fit; +0.98% with the quadratic one it replaced): the cells within h of the wall carry the
    // Reynolds-number-dependent error of the oblique pipe (a net advective force of 3.3% of
    // the pressure force there, none in fully developed flow), and the wall shear fit reads
    // them. At D/h 16 the force is 0.9%. Measured: pressure gradient -0.13%, centreline
    // -0.26%, mean wall shear stress +0.12%, worst triangle +3.7% (printed: the 3% bound on it
    // is not met yet).
    // On the CPU backend: lavapipe takes minutes here; the backends agree (tests/cpu_backend.rs).
    let gpu = cpu();
    let case = PipeCase { d_over_h: 16.0, reynolds: 100.0, courant: EXPLICIT_CFL_MAX, ..Default::default() };
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
    // On the CPU backend: lavapipe takes minutes here; the backends agree (tests/cpu_backend.rs).
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
