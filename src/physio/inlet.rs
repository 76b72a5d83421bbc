//! Inlets driven over time: a flow-rate [`Waveform`] and a profile across the cap give each cap
//! cell's velocity at any time, which the run sets on the GPU every step
//! ([`crate::solver::gpu_solver::GpuSolver::set_cap`]).
//!
//! Plug and parabolic profiles keep their shape (`solver::boundary::unit_profile`) and scale with
//! the flow rate. A Womersley profile takes the waveform's Fourier modes one by one: mode n
//! flows with Womersley's profile for n omega ([`super::womersley`]) on the cap's equivalent
//! radius R = sqrt(area / pi) about its centroid (zero beyond it), each mode scaled over the
//! cap's cells so that their fluxes carry exactly that mode's flow; mode 0 is the parabolic
//! profile (along the distance to the cap's rim). The
//! cells' fluxes therefore add up to the waveform's flow rate at every time, whatever the
//! profile.

use nalgebra::Complex;

use super::waveform::Waveform;
use super::womersley::Womersley;
use crate::grid::Grid;
use crate::mesh::Vec3;
use crate::solver::boundary::{cap_radii, unit_profile, Profile};

/// Per cap cell, the inflow speed for a unit flow rate (1/m^2), by Fourier mode for Womersley.
#[derive(Clone, Debug)]
enum Shape {
    /// One shape scaled by the flow rate.
    Steady(Vec<f64>),
    /// Mode n's complex flow amplitude and its cells' speeds per unit flow; the waveform's
    /// angular frequency omega (mode n at n omega).
    Modes { omega: f64, modes: Vec<(Complex<f64>, Vec<Complex<f64>>)> },
}

/// One inlet cap's velocity over time.
#[derive(Clone, Debug)]
pub struct InletDrive {
    /// The cap's index in the grid.
    pub cap: usize,
    /// Flow rate into the fluid, m^3/s.
    pub waveform: Waveform,
    normal: Vec3,
    shape: Shape,
}

impl InletDrive {
    /// Inlet `cap` of `grid` with flow `waveform` (m^3/s into the fluid) and `profile`, for a
    /// fluid of kinematic viscosity `nu` (m^2/s; Womersley only). A Womersley profile needs a
    /// waveform given by its Fourier series (or a constant, which gives the parabola).
    pub fn new(grid: &Grid, cap: usize, waveform: Waveform, profile: Profile, nu: f64) -> Result<InletDrive, String> {
        let c = &grid.caps[cap];
        let shape = match (&waveform, profile) {
            (Waveform::Fourier { period, coefficients }, Profile::Womersley) => {
                let omega = 2.0 * std::f64::consts::PI / period;
                let radius = (c.area / std::f64::consts::PI).sqrt();
                let radii = cap_radii(grid, c);
                let modes = coefficients
                    .iter()
                    .enumerate()
                    .map(|(n, &amplitude)| {
                        if n == 0 {
                            let s = unit_profile(grid, c, Profile::Parabolic);
                            return (amplitude, s.into_iter().map(|x| Complex::new(x, 0.0)).collect());
                        }
                        let w = Womersley { radius, nu, omega: n as f64 * omega };
                        let shape: Vec<Complex<f64>> = radii
                            .iter()
                            .map(|&r| if r < radius { w.velocity_per_flow(r) } else { Complex::new(0.0, 0.0) })
                            .collect();
                        let flux: Complex<f64> = c.cells.iter().zip(&shape).map(|(&(_, a), s)| s * a).sum();
                        (amplitude, shape.iter().map(|s| s / flux).collect())
                    })
                    .collect();
                Shape::Modes { omega, modes }
            }
            (Waveform::Constant(_), Profile::Womersley) => Shape::Steady(unit_profile(grid, c, Profile::Parabolic)),
            (_, Profile::Womersley) => {
                return Err("a Womersley profile needs a periodic flow waveform evaluated by its Fourier series".into())
            }
            (_, profile) => Shape::Steady(unit_profile(grid, c, profile)),
        };
        Ok(InletDrive { cap, waveform, normal: Vec3::from(c.normal), shape })
    }

    /// Flow rate into the fluid at time `t` (s), m^3/s.
    pub fn flow_rate(&self, t: f64) -> f64 {
        self.waveform.value(t)
    }

    /// Each cap cell's speed into the fluid at time `t` (s), m/s.
    pub fn speeds(&self, t: f64) -> Vec<f64> {
        match &self.shape {
            Shape::Steady(s) => {
                let q = self.waveform.value(t);
                s.iter().map(|x| x * q).collect()
            }
            Shape::Modes { omega, modes } => {
                let mut out = vec![0.0; modes[0].1.len()];
                for (n, (amplitude, shape)) in modes.iter().enumerate() {
                    let a = amplitude * Complex::from_polar(1.0, n as f64 * omega * t);
                    for (o, s) in out.iter_mut().zip(shape) {
                        *o += (a * s).re;
                    }
                }
                out
            }
        }
    }

    /// Each cap cell's velocity at time `t` (s), m/s (against the cap's outward normal where
    /// the flow comes in).
    pub fn velocities(&self, t: f64) -> Vec<Vec3> {
        self.speeds(t).into_iter().map(|s| -self.normal * s).collect()
    }

    /// The largest cell speed over a period (or the waveform's table; the constant's), m/s.
    pub fn peak_speed(&self) -> f64 {
        self.waveform
            .sample_times()
            .into_iter()
            .map(|t| self.speeds(t).iter().fold(0.0f64, |m, s| m.max(s.abs())))
            .fold(0.0, f64::max)
    }
}
