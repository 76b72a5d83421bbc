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
//! So a run reports the h+ of its wall and warns above [`H_PLUS_LIMIT`].

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

/// The h+ of the wall triangles of areas `areas` (m^2) under the wall shear stress `stress`
/// (Pa, xyz; the fourth entry unread) of a fluid of density `density` (kg/m^3) and kinematic
/// viscosity `nu` (m^2/s; for a non-Newtonian fluid its high-shear value, which gives the largest
/// h+) on a grid of spacing `h` (m), at time `time` (s). Triangles with no stress (none of the
/// grid's cells near them, or no flow) are left out; none left: all zeros.
pub fn wall_resolution(stress: &[[f32; 4]], areas: &[f64], density: f64, nu: f64, h: f64, time: f64) -> WallResolution {
    let mut values: Vec<(f64, f64)> = stress
        .iter()
        .zip(areas)
        .filter_map(|(s, &a)| {
            let tau = (s[0] as f64).hypot(s[1] as f64).hypot(s[2] as f64);
            (tau > 0.0).then(|| (h * (tau / density).sqrt() / nu, a))
        })
        .collect();
    let total = values.iter().fold(0.0, |sum, v| sum + v.1);
    if values.is_empty() || total <= 0.0 {
        return WallResolution { time, ..Default::default() };
    }
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    let over = values.iter().filter(|v| v.0 > H_PLUS_LIMIT).fold(0.0, |sum, v| sum + v.1);
    // The smallest h+ with at least 95% of the area at or below it.
    let mut below = 0.0;
    let p95 = values
        .iter()
        .find(|v| {
            below += v.1;
            below >= 0.95 * total
        })
        .map_or(values[values.len() - 1].0, |v| v.0);
    WallResolution { time, p95, max: values[values.len() - 1].0, over_limit: over / total }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_and_share_are_by_area() {
        // h = 1, rho = 1, nu = 1: h+ = sqrt(tau). Ten triangles at h+ 1 of area 1, one at h+ 4
        // of area 1 (9.1% of the area), one with no stress.
        let mut stress = vec![[1.0, 0.0, 0.0, 0.0]; 10];
        stress.push([0.0, 16.0, 0.0, 5.0]);
        stress.push([0.0; 4]);
        let areas = vec![1.0; 12];
        let r = wall_resolution(&stress, &areas, 1.0, 1.0, 1.0, 0.5);
        assert_eq!((r.time, r.p95, r.max), (0.5, 4.0, 4.0));
        assert!((r.over_limit - 1.0 / 11.0).abs() < 1e-12);
        // The same triangle at a twentieth of the area falls under the 95th percentile.
        let mut areas = vec![2.0; 12];
        areas[10] = 1.0;
        let r = wall_resolution(&stress, &areas, 1.0, 1.0, 1.0, 0.0);
        assert_eq!((r.p95, r.max), (1.0, 4.0));
        assert_eq!(wall_resolution(&[[0.0; 4]], &[1.0], 1.0, 1.0, 1.0, 0.0).max, 0.0);
    }
}
