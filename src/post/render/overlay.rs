//! The CPU drawing of the title, colour bar and scale bar over the GPU's image, where the
//! [`Layout`] puts them.

use super::camera::Camera;
use super::colormap;
use super::image::{text_width, Image, GLYPH};
use super::layout::Layout;
use super::scene::Scene;

/// Black, for text and outlines (RGBA).
const INK: [u8; 4] = [0, 0, 0, 255];

/// The tick labels of a colour bar over `range` ([min, max], in the field's unit): (fraction of
/// the bar from the bottom, text) at 0, 1/4, 1/2, 3/4 and 1, with a common number format; a
/// single label in the middle when the range is empty (an all-equal field).
pub fn tick_labels([min, max]: [f64; 2]) -> Vec<(f64, String)> {
    if max.partial_cmp(&min) != Some(std::cmp::Ordering::Greater) {
        return vec![(0.5, format_numbers(&[min], 0.0).remove(0))];
    }
    let fractions = [0.0, 0.25, 0.5, 0.75, 1.0];
    let values: Vec<f64> = fractions.iter().map(|f| min + f * (max - min)).collect();
    fractions.into_iter().zip(format_numbers(&values, (max - min) / 4.0)).collect()
}

/// `values` in one format: enough decimals to tell values `step` apart (one or two more where
/// that writes them exactly, e.g. 0.125), or scientific notation when the largest magnitude is
/// below 1e-3 or from 1e5 up.
fn format_numbers(values: &[f64], step: f64) -> Vec<String> {
    let magnitude = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if magnitude == 0.0 {
        return values.iter().map(|_| "0".to_string()).collect();
    }
    if !(1e-3..1e5).contains(&magnitude) {
        return values.iter().map(|v| format!("{v:.2e}")).collect();
    }
    let resolution = if step > 0.0 { step } else { magnitude / 10.0 };
    let base = (1.0 - resolution.log10().floor()).clamp(0.0, 6.0) as usize;
    let exact = |d: usize| {
        values.iter().all(|v| ((v * 10f64.powi(d as i32)).round() / 10f64.powi(d as i32) - v).abs() <= 1e-9 * magnitude)
    };
    let decimals = (base..=base + 2).find(|&d| exact(d)).unwrap_or(base);
    values
        .iter()
        .map(|v| {
            let text = format!("{v:.decimals$}");
            // No "-0.00".
            if text.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
                text.trim_start_matches('-').to_string()
            } else {
                text
            }
        })
        .collect()
}

/// Draws the title lines, the colour bar with its ticks, labels and name, and a scale bar.
pub fn draw(image: &mut Image, scene: &Scene, layout: &Layout, camera: &Camera) {
    let s = layout.scale;
    let (m, line) = (layout.margin as i64, layout.line as i64);
    let room = layout.size[0].saturating_sub(2 * layout.margin);
    for (n, text) in scene.title.iter().take(2).enumerate() {
        // Full size where the line fits, else the smallest glyphs, cut with "..." if need be.
        let scale = if text_width(text, s) <= room { s } else { 1 };
        let max_chars = (room / (GLYPH * scale)).max(4) as usize;
        let shown: String = if text.chars().count() > max_chars {
            text.chars().take(max_chars - 3).chain("...".chars()).collect()
        } else {
            text.clone()
        };
        let y = m + n as i64 * line + (s - scale) as i64 * GLYPH as i64 / 2;
        image.text(m, y, &shown, scale, INK);
    }
    if let Some(bar) = &scene.bar {
        let r = layout.bar;
        let (x, y, w, h) = (r.x as i64, r.y as i64, r.w as i64, r.h as i64);
        for row in 0..h {
            let t = 1.0 - row as f64 / (h - 1).max(1) as f64;
            let [cr, cg, cb] = colormap::colour(t);
            image.fill_rect(x, y + row, w, 1, [cr, cg, cb, 255]);
        }
        image.outline_rect(x - 1, y - 1, w + 2, h + 2, INK);
        for (f, text) in tick_labels(bar.range) {
            let ty = y + ((1.0 - f) * (h - 1) as f64).round() as i64;
            // A short tick, then a clear gap so that the tick does not read as a minus sign.
            image.fill_rect(x + w, ty - (s as i64 - 1) / 2, 3 * s as i64, s as i64, INK);
            image.text(x + w + 8 * s as i64, ty - 4 * s as i64, &text, s, INK);
        }
        let label_w = text_width(&bar.label, s) as i64;
        let lx = x.min(layout.size[0] as i64 - m - label_w).max(0);
        image.text(lx, y - line - 2 * s as i64, &bar.label, s, INK);
    }
    draw_scale_bar(image, layout, camera);
}

/// A bar of a round length (1, 2 or 5 times a power of ten, m) about a fifth of the plot's width,
/// at the plot's bottom left, labelled in mm (or m from 1 m up).
fn draw_scale_bar(image: &mut Image, layout: &Layout, camera: &Camera) {
    let ppm = camera.pixels_per_metre;
    let target = layout.plot.w as f64 / 5.0 / ppm;
    if !(target.is_finite() && target > 0.0) {
        return;
    }
    let decade = 10f64.powf(target.log10().floor());
    let length = [5.0, 2.0, 1.0].iter().map(|k| k * decade).find(|&l| l <= target).unwrap_or(decade);
    let px = (length * ppm).round() as i64;
    let s = layout.scale as i64;
    let x = layout.plot.x as i64;
    let y = (layout.plot.y + layout.plot.h) as i64 + layout.line as i64 / 2;
    image.fill_rect(x, y, px, s, INK);
    image.fill_rect(x, y - 3 * s, s, 7 * s, INK);
    image.fill_rect(x + px - s, y - 3 * s, s, 7 * s, INK);
    let label = if length >= 1.0 { format!("{} m", trim(length)) } else { format!("{} mm", trim(length * 1e3)) };
    image.text(x + px + 6 * s, y - 4 * s + s / 2, &label, layout.scale, INK);
}

/// A round number without trailing zeros ("5", "0.2", "20").
fn trim(v: f64) -> String {
    let text = format!("{v:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_share_a_format() {
        let l: Vec<String> = tick_labels([0.0, 0.5]).into_iter().map(|(_, t)| t).collect();
        assert_eq!(l, ["0.000", "0.125", "0.250", "0.375", "0.500"]);
        let l: Vec<String> = tick_labels([0.0, 12.0]).into_iter().map(|(_, t)| t).collect();
        assert_eq!(l, ["0.0", "3.0", "6.0", "9.0", "12.0"]);
        let l: Vec<String> = tick_labels([-1500.0, 1500.0]).into_iter().map(|(_, t)| t).collect();
        assert_eq!(l, ["-1500", "-750", "0", "750", "1500"]);
        assert_eq!(tick_labels([0.0, 2e-5])[4].1, "2.00e-5");
        assert_eq!(tick_labels([0.0, 2e-5])[0].1, "0.00e0");
        let l: Vec<String> = tick_labels([0.0, 2.9667]).into_iter().map(|(_, t)| t).collect();
        assert_eq!(l, ["0.00", "0.74", "1.48", "2.23", "2.97"]);
        assert_eq!(tick_labels([3.0, 3.0]), vec![(0.5, "3.00".to_string())]);
    }
}
