//! How finely the grid resolves the flow next to the wall: the cell size in wall units,
//! h+ = h sqrt(tau_w / rho) / nu, per wall triangle.
//!
//! h+^2 = gamma_w h^2 / nu is the Peclet number of a wall cell, on the velocity the wall's shear
//! rate gamma_w gives one cell from the wall. Next to a wall oblique to the grid each axis's
//! advective difference carries a term of that size (the velocity times the shear rate), and
//! the terms cancel only as far as the differences agree; their disagreement grows into a
//! streak along the wall (verify::pipe's `wall_streak`). So h+ is what the accuracy study's
//! errors follow across Reynolds numbers and resolutions; in a fully developed pipe,
//! h+ = (h / D) sqrt(8 Re). Measured in straight pipes oblique to the grid
//! (`cargo bench --bench accuracy`, three axes, pressure gradient and area-weighted mean wall
//! shear stress against Hagen-Poiseuille):
//!
//! | h+ | Re: D/h | largest error |
//! |---|---|---|
//! | 0.14 to 0.35 | 1: 20 to 8 | 0.67% (the wall's own error, at D/h 8) |
//! | 1.4 to 1.8 | 100: 20, 16 | 0.16% |
//! | 2.8 | 100: 10 | 0.91% |
//! | 3.2 | 500: 20 | 2.5% |
//! | 3.5 | 100: 8 | 2.3% |
//! | 4.0 | 500: 16 | 3.9% |
//! | 6.3 | 500: 10 | 15% |
//! | 7.9 | 500: 8 | 32% |
//!
//! So a run writes each snapshot's h+ per wall triangle (`/fields/NNNNNN/h_plus`), reports the
//! wall's and warns above [`H_PLUS_LIMIT`].

use super::stats::weighted_stats;

/// The h+ up to which the study's errors stay within 1% (see the module docs).
pub const H_PLUS_LIMIT: f64 = 3.0;

/// The wall's h+ at one snapshot (the run summary keeps the snapshot where `p95` was largest).
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct WallResolution {
    /// The snapshot's time, s.
    pub time: f64,
    /// Area-weighted 95th percentile of h+ over the wall triangles (those with a stress).
    pub p95: f64,
    /// The largest h+.
    pub max: f64,
    /// Share of the wall's area (of the triangles with a stress) where h+ is over
    /// [`H_PLUS_LIMIT`].
    pub over_limit: f64,
}

/// Per wall triangle, h+ under the wall shear stress `stress` (Pa, xyz; the fourth entry
/// unread) of a fluid of density `density` (kg/m^3) and kinematic viscosity `nu` (m^2/s; for a
/// non-Newtonian fluid its high-shear value, which gives the largest h+) on a grid of spacing
/// `h` (m); 0 where the stress is (no cell of the grid near the triangle, or no flow).
pub fn h_plus(stress: &[[f32; 4]], density: f64, nu: f64, h: f64) -> Vec<f32> {
    stress
        .iter()
        .map(|s| {
            let tau = (s[0] as f64).hypot(s[1] as f64).hypot(s[2] as f64);
            (h * (tau / density).sqrt() / nu) as f32
        })
        .collect()
}

/// The [`WallResolution`] at time `time` (s) of the wall triangles of areas `areas` (m^2) whose
/// h+ is `h_plus` (those at 0, which have no stress, left out; none left: all zeros).
pub fn wall_resolution(h_plus: &[f32], areas: &[f64], time: f64) -> WallResolution {
    let (values, areas): (Vec<f64>, Vec<f64>) =
        h_plus.iter().zip(areas).filter(|(&v, _)| v > 0.0).map(|(&v, &a)| (v as f64, a)).unzip();
    let Some(stats) = weighted_stats(&values, &areas) else { return WallResolution { time, ..Default::default() } };
    // Folded from +0 (an empty f64 sum is -0).
    let over = values.iter().zip(&areas).filter(|(&v, _)| v > H_PLUS_LIMIT).fold(0.0, |sum, (_, &a)| sum + a);
    WallResolution { time, p95: stats.p95, max: stats.max, over_limit: over / areas.iter().sum::<f64>() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h_plus_is_the_spacing_in_wall_units() {
        // h = 1 mm, rho = 1000 kg/m^3, nu = 1e-6 m^2/s, |tau| = 5 Pa: u_tau = sqrt(5 / 1000) m/s,
        // h+ = 1e-3 u_tau / 1e-6 = 70.7; the wall pressure (the fourth entry) plays no part.
        let stress = [[3.0, 0.0, -4.0, 7.0], [0.0; 4]];
        let v = h_plus(&stress, 1000.0, 1e-6, 1e-3);
        assert!((v[0] as f64 - 1e-3 * (5.0f64 / 1000.0).sqrt() / 1e-6).abs() < 1e-4, "{v:?}");
        assert_eq!(v[1], 0.0);
    }

    #[test]
    fn percentile_and_share_are_by_area() {
        // Ten triangles at h+ 1 of area 1, one at h+ 4 of area 1 (9.1% of the area), one with no
        // stress.
        let mut values = vec![1.0f32; 10];
        values.extend([4.0, 0.0]);
        let areas = vec![1.0; 12];
        let r = wall_resolution(&values, &areas, 0.5);
        assert_eq!((r.time, r.p95, r.max), (0.5, 4.0, 4.0));
        assert!((r.over_limit - 1.0 / 11.0).abs() < 1e-12);
        // The same triangle at a twentieth of the area falls under the 95th percentile.
        let mut areas = vec![2.0; 12];
        areas[10] = 1.0;
        let r = wall_resolution(&values, &areas, 0.0);
        assert_eq!((r.p95, r.max), (1.0, 4.0));
        assert_eq!(wall_resolution(&[0.0], &[1.0], 0.0).max, 0.0);
    }
}
