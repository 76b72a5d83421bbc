//! Area-weighted statistics of a wall field (what [`OutputSummary`](super::OutputSummary)
//! reports): the mean is sum(a v) / sum(a); percentile p is the smallest value v such that the
//! triangles with values <= v cover at least p % of the finite-valued area; min and max are the
//! plain extremes.

use serde::Serialize;

use crate::mesh::WallSurface;

/// The percentiles reported, %.
pub const PERCENTILES: [f64; 4] = [5.0, 50.0, 95.0, 99.0];

/// Area-weighted statistics of a wall field (see the module docs), in the field's unit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Area-weighted mean.
    pub mean: f64,
    /// Area-weighted 5th percentile.
    pub p5: f64,
    /// Area-weighted median.
    pub p50: f64,
    /// Area-weighted 95th percentile.
    pub p95: f64,
    /// Area-weighted 99th percentile.
    pub p99: f64,
    /// Triangles with a non-finite value (left out).
    pub non_finite: usize,
}

/// Area of each wall triangle, m^2.
pub fn triangle_areas(wall: &WallSurface) -> Vec<f64> {
    (0..wall.triangles.len()).map(|t| wall.area(t)).collect()
}

/// Area-weighted statistics of `values` with weights `areas` (see the module docs); None when
/// no value is finite. Where every finite value has zero area, each counts equally.
pub fn weighted_stats(values: &[f64], areas: &[f64]) -> Option<Stats> {
    let mut pairs: Vec<(f64, f64)> =
        values.iter().zip(areas).filter(|(v, _)| v.is_finite()).map(|(&v, &a)| (v, a.max(0.0))).collect();
    let non_finite = values.len() - pairs.len();
    if pairs.is_empty() {
        return None;
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut total: f64 = pairs.iter().map(|p| p.1).sum();
    if total <= 0.0 {
        pairs.iter_mut().for_each(|p| p.1 = 1.0);
        total = pairs.len() as f64;
    }
    let mean = pairs.iter().map(|(v, a)| v * a).sum::<f64>() / total;
    let percentile = |p: f64| {
        let target = p / 100.0 * total;
        let mut covered = 0.0;
        for &(v, a) in &pairs {
            covered += a;
            if covered >= target {
                return v;
            }
        }
        pairs[pairs.len() - 1].0
    };
    let [p5, p50, p95, p99] = PERCENTILES.map(percentile);
    Some(Stats { min: pairs[0].0, max: pairs[pairs.len() - 1].0, mean, p5, p50, p95, p99, non_finite })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_percentiles_follow_the_area() {
        // Values 2 (area 1) and 0.5 (area 3): 0.5 covers 75 % of the area.
        let s = weighted_stats(&[2.0, 0.5, f64::NAN], &[1.0, 3.0, 5.0]).unwrap();
        assert_eq!((s.min, s.max, s.mean), (0.5, 2.0, 0.875));
        assert_eq!((s.p5, s.p50, s.p95, s.p99, s.non_finite), (0.5, 0.5, 2.0, 2.0, 1));
        assert!(weighted_stats(&[f64::NAN], &[1.0]).is_none());
        let equal = weighted_stats(&[3.0, 1.0], &[0.0, 0.0]).unwrap();
        assert_eq!((equal.mean, equal.p50), (2.0, 1.0));
    }
}
