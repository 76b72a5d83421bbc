//! Womersley flow: a periodic section of a generated pipe driven by an oscillating axial body
//! force (an oscillating pressure gradient), Womersley numbers 4 and 10 at D/h = 20, on the GPU
//! (lavapipe here), against Womersley's analytic solution (hemoflow::physio::womersley): the
//! velocity profile's L2 error over the section and a cycle, and the flow rate's amplitude and
//! phase.

use std::f64::consts::PI;

use hemoflow::gpu::Gpu;
use hemoflow::grid::{self, kind};
use hemoflow::mesh::generate::{pipe, PipeSpec};
use hemoflow::mesh::Vec3;
use hemoflow::physio::womersley::Womersley;
use hemoflow::solver::gpu_solver::{Advection, GpuSolver, Settings};
use hemoflow::solver::multigrid::MultigridSettings;

const R: f64 = 1e-3;
const NU: f64 = 3.3e-6;
/// Amplitude of the centreline velocity, m/s.
const U_PEAK: f64 = 0.05;
/// Time steps per cycle.
const STEPS_PER_CYCLE: usize = 200;

struct Errors {
    profile: f64,
    amplitude: f64,
    phase_degrees: f64,
}

fn run(alpha: f64) -> Errors {
    let gpu = Gpu::new(None).unwrap_or_else(|e| panic!("{e}: install mesa-vulkan-drivers (tools/setup does)"));
    let m = pipe(&PipeSpec {
        radius: R,
        length: 8e-3,
        axis: Vec3::z(),
        start: Vec3::zeros(),
        segments: 512,
        rings: Some(8),
    })
    .unwrap();
    let h = 2.0 * R / 20.0;
    let full = grid::voxelize(&m, h).unwrap();
    let mid = full.bricks.brick_dims[2] / 2;
    let g = full.periodic_section(2, mid, mid + 1).unwrap();
    let omega = alpha * alpha * NU / (R * R);
    let w = Womersley { radius: R, nu: NU, omega };
    // Acceleration amplitude for a centreline velocity amplitude U_PEAK.
    let accel = U_PEAK / w.velocity_per_acceleration(0.0).norm();
    let period = 2.0 * PI / omega;
    let dt = period / STEPS_PER_CYCLE as f64;
    let settings = Settings {
        nu: NU,
        dt,
        force: Vec3::new(0.0, 0.0, accel),
        tolerance: 1e-5,
        max_iterations: 50,
        velocity_scale: U_PEAK,
        advection: Advection::Explicit,
        multigrid: MultigridSettings::default(),
        boundaries: Vec::new(),
        backflow: 0.0,
    };
    let mut solver = GpuSolver::new(&gpu, &g, settings).unwrap();
    let n = solver.cells as usize;
    let fluid: Vec<(usize, f64, f64)> = (0..n)
        .filter(|&id| g.kind[id] != kind::SOLID)
        .map(|id| {
            let c = g.bricks.cell_coords(id as u32);
            let x = g.origin + Vec3::new(c[0] as f64 + 0.5, c[1] as f64 + 0.5, c[2] as f64 + 0.5) * h;
            (id, (x.x * x.x + x.y * x.y).sqrt(), g.volume_fraction[id] as f64)
        })
        .collect();
    // u_z(r, t) = Re(accel û(r) exp(i omega t)); the analytic field continues past the wall,
    // where cut cells keep their centres.
    let exact =
        |r: f64, t: f64| (w.velocity_per_acceleration(r) * accel * nalgebra::Complex::from_polar(1.0, omega * t)).re;
    // Start on the analytic solution at t = 0, run a cycle, measure the second.
    let mut u0 = vec![0.0f32; 3 * n];
    for &(id, r, _) in &fluid {
        u0[2 * n + id] = exact(r, 0.0) as f32;
    }
    solver.set_velocity(&u0);
    let length = g.dims()[2] as f64 * h;
    let (mut sq_error, mut weight, mut peak) = (0.0, 0.0, 0.0f64);
    let (mut qc, mut qs) = (0.0, 0.0);
    let mut max_iterations = 0;
    for step in 0..2 * STEPS_PER_CYCLE {
        // The force at the start of the step: Adams-Bashforth 2 carries it to the midpoint.
        let t = step as f64 * dt;
        solver.set_force(Vec3::new(0.0, 0.0, accel * (omega * t).cos()));
        let stats = solver.step().unwrap();
        max_iterations = max_iterations.max(stats.iterations);
        assert!(stats.divergence <= 1e-5, "step {step}: divergence after projection {:.2e}", stats.divergence);
        if step < STEPS_PER_CYCLE {
            continue;
        }
        let t = t + dt;
        let u = solver.velocity().unwrap();
        let mut q = 0.0;
        for &(id, r, vol) in &fluid {
            let (num, ex) = (u[2 * n + id] as f64, exact(r, t));
            assert!(num.is_finite(), "step {step}: non-finite velocity");
            sq_error += vol * (num - ex) * (num - ex);
            weight += vol;
            peak = peak.max(ex.abs());
            q += num * vol * h * h * h;
        }
        let q = q / length;
        qc += q * (omega * t).cos();
        qs += q * (omega * t).sin();
    }
    // Q(t) = A cos(omega t + phi): the cycle's Fourier coefficients.
    let (a, b) = (2.0 * qc / STEPS_PER_CYCLE as f64, 2.0 * qs / STEPS_PER_CYCLE as f64);
    let (amplitude, phase) = ((a * a + b * b).sqrt(), (-b).atan2(a));
    let q_exact = w.flow_per_acceleration() * accel;
    let mut dphase = (phase - q_exact.arg()).to_degrees();
    dphase -= 360.0 * (dphase / 360.0).round();
    let e = Errors {
        profile: (sq_error / weight).sqrt() / peak,
        amplitude: (amplitude - q_exact.norm()).abs() / q_exact.norm(),
        phase_degrees: dphase.abs(),
    };
    println!(
        "Womersley number {alpha}: {} fluid cells, {STEPS_PER_CYCLE} steps per cycle, pressure iterations at most {max_iterations}: velocity profile L2 error {:.2e} of the peak {peak:.4} m/s; flow rate amplitude {amplitude:.4e} m^3/s (exact {:.4e}), error {:.2e}; phase {:.2} degrees (exact {:.2}), error {:.3} degrees",
        fluid.len(),
        e.profile,
        q_exact.norm(),
        e.amplitude,
        phase.to_degrees(),
        q_exact.arg().to_degrees(),
        e.phase_degrees
    );
    e
}

#[test]
fn oscillating_pipe_flow_matches_womersley() {
    for alpha in [4.0, 10.0] {
        let e = run(alpha);
        assert!(e.profile < 0.03, "alpha {alpha}: profile L2 error {:.3e} of the peak (tolerance 3%)", e.profile);
        assert!(e.amplitude < 0.02, "alpha {alpha}: flow amplitude error {:.3e} (tolerance 2%)", e.amplitude);
        assert!(e.phase_degrees < 2.0, "alpha {alpha}: flow phase error {:.3} degrees (tolerance 2)", e.phase_degrees);
    }
}
