//! The colour map of the pictures: a perceptually uniform map from dark blue-violet through
//! blue and green to yellow, in the manner of matplotlib's viridis (lightness rises steadily, so
//! the order of the values reads in grey too, and it stays legible to colour-blind readers).
//!
//! The control points below are sampled by eye from the published map at nine equally spaced
//! positions; between them the colour is interpolated linearly in sRGB.

/// Control points at t = 0, 1/8, ..., 1: sRGB bytes, dark (low values) to light (high values).
pub const CONTROL_POINTS: [[u8; 3]; 9] = [
    [68, 1, 84],
    [71, 44, 122],
    [59, 81, 139],
    [44, 113, 142],
    [33, 144, 141],
    [39, 173, 129],
    [92, 200, 99],
    [170, 220, 50],
    [253, 231, 37],
];

/// Colour of the missing values (NaN) of a mapped field: mid grey, sRGB bytes.
pub const MISSING: [u8; 3] = [150, 150, 150];

/// The colour of position `t` along the map (0 = low end, 1 = high end; clamped to [0, 1]; NaN
/// gives [`MISSING`]), sRGB bytes.
pub fn colour(t: f64) -> [u8; 3] {
    if t.is_nan() {
        return MISSING;
    }
    let x = t.clamp(0.0, 1.0) * (CONTROL_POINTS.len() - 1) as f64;
    let i = (x.floor() as usize).min(CONTROL_POINTS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (CONTROL_POINTS[i], CONTROL_POINTS[i + 1]);
    std::array::from_fn(|c| (a[c] as f64 + (b[c] as f64 - a[c] as f64) * f).round() as u8)
}

/// Position of `value` along the map for the range `[min, max]` (same unit as the value): 0 at
/// `min`, 1 at `max`, clamped. An empty or reversed range (max <= min, e.g. an all-equal field)
/// maps everything to the middle, 0.5, rather than dividing by zero; NaN stays NaN.
pub fn position(value: f64, [min, max]: [f64; 2]) -> f64 {
    if value.is_nan() {
        return f64::NAN;
    }
    if max > min {
        ((value - min) / (max - min)).clamp(0.0, 1.0)
    } else {
        0.5
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_and_middle_hit_the_control_points() {
        assert_eq!(colour(0.0), CONTROL_POINTS[0]);
        assert_eq!(colour(1.0), CONTROL_POINTS[8]);
        assert_eq!(colour(0.5), CONTROL_POINTS[4]);
        assert_eq!(colour(-3.0), CONTROL_POINTS[0]);
        assert_eq!(colour(7.0), CONTROL_POINTS[8]);
        assert_eq!(colour(f64::NAN), MISSING);
    }

    #[test]
    fn lightness_rises_along_the_map() {
        // Rec. 709 luma as a stand-in for lightness: strictly increasing over 64 samples.
        let luma = |c: [u8; 3]| 0.2126 * c[0] as f64 + 0.7152 * c[1] as f64 + 0.0722 * c[2] as f64;
        let l: Vec<f64> = (0..64).map(|i| luma(colour(i as f64 / 63.0))).collect();
        assert!(l.windows(2).all(|w| w[1] > w[0]), "{l:?}");
    }

    #[test]
    fn an_empty_range_maps_to_the_middle() {
        assert_eq!(position(3.0, [3.0, 3.0]), 0.5);
        assert_eq!(position(2.0, [0.0, 4.0]), 0.5);
        assert_eq!(position(9.0, [0.0, 4.0]), 1.0);
        assert!(position(f64::NAN, [0.0, 1.0]).is_nan());
    }
}
