//! Where things go in a picture of a given size ([`Layout`]): title lines on top, the 3-D plot,
//! the colour bar on the right, a scale bar under the plot.

use super::image::GLYPH;

/// A rectangle of pixels: top-left corner (x, y), width w, height h.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    /// Left edge, pixels from the image's left.
    pub x: u32,
    /// Top edge, pixels from the image's top.
    pub y: u32,
    /// Width, pixels.
    pub w: u32,
    /// Height, pixels.
    pub h: u32,
}

impl Rect {
    /// The centre, pixels (x, y).
    pub fn centre(&self) -> [f64; 2] {
        [self.x as f64 + self.w as f64 / 2.0, self.y as f64 + self.h as f64 / 2.0]
    }
}

/// The parts of a picture of a given size, pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Image width and height, pixels.
    pub size: [u32; 2],
    /// Glyph scale: each font pixel is `scale` x `scale` image pixels (2 from 640 x 400 up, else 1).
    pub scale: u32,
    /// Blank border, pixels.
    pub margin: u32,
    /// Distance between text lines, pixels.
    pub line: u32,
    /// Where the 3-D scene is fitted (the camera fills it, less a small margin).
    pub plot: Rect,
    /// The colour bar itself (the map's low end at the bottom, high end at the top); its labels
    /// sit to its right, the field name and unit above it.
    pub bar: Rect,
}

impl Layout {
    /// The layout of a `size` = [width, height] picture (at least 64 x 64 pixels makes sense).
    pub fn new(size: [u32; 2]) -> Layout {
        let [w, h] = size;
        let scale = if w >= 640 && h >= 400 { 2 } else { 1 };
        let margin = 8 * scale;
        let line = 12 * scale;
        let title_h = margin + 2 * line + margin / 2;
        // Bar, gap, tick labels of up to 10 characters, margin.
        let bar_w = 14 * scale;
        let panel_w = (bar_w + 8 * scale + 10 * GLYPH * scale + margin).min(w / 2);
        let bar_top = (title_h + line + 4 * scale).min(h / 2);
        let bar_bottom = h.saturating_sub(margin + line).max(bar_top + 1);
        let bar = Rect { x: w - panel_w, y: bar_top, w: bar_w, h: bar_bottom - bar_top };
        let plot_h = h.saturating_sub(title_h + margin + line).max(1);
        let plot_w = (w - panel_w).saturating_sub(2 * margin).max(1);
        let plot = Rect { x: margin.min(w - 1), y: title_h.min(h - 1), w: plot_w, h: plot_h };
        Layout { size, scale, margin, line, plot, bar }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_keeps_the_parts_apart_and_inside() {
        for size in [[1200, 900], [320, 240], [800, 300]] {
            let l = Layout::new(size);
            assert!(l.plot.x + l.plot.w <= l.bar.x, "{size:?} {l:?}");
            assert!(l.bar.x + l.bar.w < size[0] && l.bar.y + l.bar.h < size[1], "{size:?} {l:?}");
            assert!(l.plot.y + l.plot.h < size[1], "{size:?} {l:?}");
        }
        assert_eq!(Layout::new([1200, 900]).scale, 2);
    }
}
