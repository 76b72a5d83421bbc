//! Womersley's solution for oscillating flow in a rigid straight pipe (J. R. Womersley, J.
//! Physiol. 127, 553-563, 1955): for a driving acceleration G exp(i omega t) along the axis
//! (minus the pressure gradient over the density, plus any body force per unit mass), the axial
//! velocity is u(r, t) = Re[û(r) exp(i omega t)] with
//!
//!   û(r) = G / (i omega) (1 - J0(k r) / J0(k R)),   k = i^(3/2) sqrt(omega / nu),
//!
//! and the flow rate Q̂ = G pi R^2 / (i omega) (1 - 2 J1(k R) / (k R J0(k R))). The Womersley
//! number is alpha = R sqrt(omega / nu). At omega = 0 these are Poiseuille's
//! û = G (R^2 - r^2) / (4 nu). A flow waveform's Fourier modes (see [`super::waveform`]) give
//! the pulsatile profile mode by mode ([`Womersley::velocity_per_flow`]).

use std::f64::consts::PI;

use nalgebra::Complex;

type C = Complex<f64>;

/// Above this |z|, J0 and J1 come from their asymptotic expansions.
const ASYMPTOTIC_FROM: f64 = 20.0;

/// J0 and J1 of a complex argument with |arg z| < pi: the power series up to |z| = 20 (its
/// cancellation costs f64 about two digits there), Hankel's asymptotic expansions beyond
/// (Abramowitz and Stegun 9.2.5-9.2.10, twelve terms: relative error below 1e-9).
/// Womersley numbers of the aorta are about 20, and its harmonics reach several times that.
pub fn bessel_j01(z: C) -> (C, C) {
    if z.norm() > ASYMPTOTIC_FROM {
        (bessel_asymptotic(0.0, z), bessel_asymptotic(1.0, z))
    } else {
        bessel_series(z)
    }
}

/// J0 and J1 by their power series, summed until the terms stop counting.
fn bessel_series(z: C) -> (C, C) {
    let q = -(z * z) * 0.25;
    let (mut term0, mut term1) = (C::new(1.0, 0.0), z * 0.5);
    let (mut j0, mut j1) = (term0, term1);
    for k in 1..200 {
        let k = k as f64;
        term0 *= q / (k * k);
        term1 *= q / (k * (k + 1.0));
        j0 += term0;
        j1 += term1;
        if term0.norm() <= 1e-17 * j0.norm() && term1.norm() <= 1e-17 * j1.norm() {
            break;
        }
    }
    (j0, j1)
}

/// J_nu(z) for large |z|: sqrt(2 / (pi z)) (P cos chi - Q sin chi), chi = z - (nu / 2 + 1 / 4) pi,
/// with P and Q the even and odd terms of sum_k (-1)^(k/2) a_k / z^k,
/// a_k = (mu - 1)(mu - 9)...(mu - (2k - 1)^2) / (k! 8^k), mu = 4 nu^2, to k = 12.
fn bessel_asymptotic(nu: f64, z: C) -> C {
    let mu = 4.0 * nu * nu;
    let (mut p, mut q) = (C::new(1.0, 0.0), C::new(0.0, 0.0));
    let mut term = C::new(1.0, 0.0);
    for k in 1..=12 {
        let odd = (2 * k - 1) as f64;
        term *= (mu - odd * odd) / (k as f64 * 8.0) / z;
        // Signs: Q gets +a1, -a3, +a5, ...; P gets -a2, +a4, ...
        let sign = if (k / 2) % 2 == 0 { 1.0 } else { -1.0 };
        if k % 2 == 1 {
            q += term * sign;
        } else {
            p += term * sign;
        }
    }
    let chi = z - (0.5 * nu + 0.25) * PI;
    (C::new(2.0 / PI, 0.0) / z).sqrt() * (p * chi.cos() - q * chi.sin())
}

/// Oscillating flow of angular frequency `omega` (rad/s) in a rigid pipe of `radius` (m) for a
/// fluid of kinematic viscosity `nu` (m^2/s).
#[derive(Clone, Copy, Debug)]
pub struct Womersley {
    /// Pipe radius, m.
    pub radius: f64,
    /// Kinematic viscosity, m^2/s.
    pub nu: f64,
    /// Angular frequency, rad/s (0: steady Poiseuille flow).
    pub omega: f64,
}

impl Womersley {
    /// The Womersley number R sqrt(omega / nu).
    pub fn alpha(&self) -> f64 {
        self.radius * (self.omega / self.nu).sqrt()
    }

    /// k R = i^(3/2) alpha.
    fn kr(&self) -> C {
        C::from_polar(self.alpha(), 0.75 * PI)
    }

    /// û(r) per unit driving acceleration (m/s per m/s^2), 0 <= r <= R.
    pub fn velocity_per_acceleration(&self, r: f64) -> C {
        let (rr, rad) = (r * r, self.radius * self.radius);
        if self.omega == 0.0 {
            return C::new((rad - rr) / (4.0 * self.nu), 0.0);
        }
        let kr = self.kr();
        let (j0_wall, _) = bessel_j01(kr);
        let (j0_r, _) = bessel_j01(kr * (r / self.radius));
        (C::new(1.0, 0.0) - j0_r / j0_wall) / C::new(0.0, self.omega)
    }

    /// Q̂ per unit driving acceleration (m^3/s per m/s^2).
    pub fn flow_per_acceleration(&self) -> C {
        let area = PI * self.radius * self.radius;
        if self.omega == 0.0 {
            return C::new(area * self.radius * self.radius / (8.0 * self.nu), 0.0);
        }
        let kr = self.kr();
        let (j0, j1) = bessel_j01(kr);
        (C::new(1.0, 0.0) - j1 * 2.0 / (kr * j0)) * area / C::new(0.0, self.omega)
    }

    /// Axial wall shear rate -dû/dr at r = R per unit driving acceleration (1/s per m/s^2).
    pub fn wall_shear_rate_per_acceleration(&self) -> C {
        if self.omega == 0.0 {
            return C::new(self.radius / (2.0 * self.nu), 0.0);
        }
        // d/dr J0(k r) = -k J1(k r).
        let kr = self.kr();
        let (j0, j1) = bessel_j01(kr);
        -(kr / self.radius) * j1 / j0 / C::new(0.0, self.omega)
    }

    /// û(r) per unit complex flow amplitude (1/m^2): the profile that carries Q̂ = 1.
    pub fn velocity_per_flow(&self, r: f64) -> C {
        self.velocity_per_acceleration(r) / self.flow_per_acceleration()
    }

    /// Axial wall shear rate per unit complex flow amplitude (1/(s m^3/s)).
    pub fn wall_shear_rate_per_flow(&self) -> C {
        self.wall_shear_rate_per_acceleration() / self.flow_per_acceleration()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bessel_series_match_tabulated_values() {
        // J0(1) and J1(1) (Abramowitz and Stegun, table 9.1), and ber/bei at x = 2 (table
        // 9.12: J0(x i^(3/2)) = ber x + i bei x).
        let (j0, j1) = bessel_j01(C::new(1.0, 0.0));
        assert!((j0.re - 0.765_197_686_557_966_6).abs() < 1e-15 && (j1.re - 0.440_050_585_744_933_5).abs() < 1e-15);
        let (b, _) = bessel_j01(C::from_polar(2.0, 0.75 * PI));
        assert!((b.re - 0.751_734_182_6).abs() < 1e-9 && (b.im - 0.972_291_627_4).abs() < 1e-9, "{b}");
    }

    #[test]
    fn asymptotic_expansions_join_the_series() {
        // Both forms on either side of the switch, along Womersley's ray arg z = 3 pi / 4.
        for r in [16.0, 20.0, 24.0] {
            let z = C::from_polar(r, 0.75 * PI);
            let series = bessel_series(z);
            let (a0, a1) = (bessel_asymptotic(0.0, z), bessel_asymptotic(1.0, z));
            let e = ((a0 - series.0) / series.0).norm().max(((a1 - series.1) / series.1).norm());
            assert!(e < 1e-9, "|z| = {r}: asymptotic vs series relative difference {e:.2e}");
        }
    }

    #[test]
    fn low_frequency_is_poiseuille_and_high_frequency_is_plug_flow() {
        let (radius, nu) = (1e-3, 3.3e-6);
        let slow = Womersley { radius, nu, omega: 1e-4 * nu / (radius * radius) };
        let steady = Womersley { radius, nu, omega: 0.0 };
        for r in [0.0, 0.3e-3, 0.9e-3] {
            let (a, b) = (slow.velocity_per_acceleration(r), steady.velocity_per_acceleration(r));
            assert!((a - b).norm() < 1e-4 * b.norm().max(1e-3), "r {r}: {a} vs {b}");
        }
        let q = slow.flow_per_acceleration();
        assert!((q - steady.flow_per_acceleration()).norm() < 1e-4 * q.norm());
        // The flow is the profile's integral over the section.
        let fast = Womersley { radius, nu, omega: 400.0 * nu / (radius * radius) };
        for w in [slow, fast] {
            let m = 4000;
            let integral: C = (0..m)
                .map(|k| {
                    let r = (k as f64 + 0.5) / m as f64 * radius;
                    w.velocity_per_acceleration(r) * (2.0 * PI * r * radius / m as f64)
                })
                .sum();
            let q = w.flow_per_acceleration();
            assert!((integral - q).norm() < 1e-5 * q.norm(), "alpha {}: {integral} vs {q}", w.alpha());
        }
        // alpha = 20: the core moves as a plug lagging the acceleration by 90 degrees (to
        // 1 / |J0(k R)|, about 1e-5).
        let core = fast.velocity_per_acceleration(0.0);
        assert!((core - C::new(0.0, -1.0 / fast.omega)).norm() < 1e-4 / fast.omega, "{core}");
    }
}
