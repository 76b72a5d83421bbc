//! An RGBA picture in memory, the CPU drawing the pictures need on top of the GPU's (filled
//! rectangles, lines, text in an 8x8 bitmap font), and PNG encoding and decoding.

use std::path::Path;

use font8x8::UnicodeFonts as _;

use crate::post::PostError;

/// Width and height of one glyph of the bitmap font at scale 1, pixels.
pub const GLYPH: u32 = 8;

/// An RGBA image, 8 bits per channel (sRGB), rows top to bottom without padding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// `width * height * 4` bytes: pixel (x, y) at `(y * width + x) * 4`, channels R, G, B, A.
    pub rgba: Vec<u8>,
}

impl Image {
    /// A `width` x `height` image filled with `colour` (RGBA).
    pub fn new(width: u32, height: u32, colour: [u8; 4]) -> Image {
        let rgba = colour.iter().copied().cycle().take(width as usize * height as usize * 4).collect();
        Image { width, height, rgba }
    }

    /// The RGBA value at pixel (x, y); x to the right, y down from the top-left corner.
    ///
    /// # Panics
    /// When (x, y) lies outside the image.
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 4] {
        assert!(x < self.width && y < self.height, "pixel ({x}, {y}) outside {}x{}", self.width, self.height);
        let i = (y as usize * self.width as usize + x as usize) * 4;
        [self.rgba[i], self.rgba[i + 1], self.rgba[i + 2], self.rgba[i + 3]]
    }

    /// Sets pixel (x, y) to `colour`; pixels outside the image are ignored (so drawing may run
    /// over the edges).
    pub fn set(&mut self, x: i64, y: i64, colour: [u8; 4]) {
        if x < 0 || y < 0 || x >= self.width as i64 || y >= self.height as i64 {
            return;
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        self.rgba[i..i + 4].copy_from_slice(&colour);
    }

    /// Fills the rectangle with top-left corner (x, y), `w` x `h` pixels, clipped to the image.
    pub fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64, colour: [u8; 4]) {
        for yy in y.max(0)..(y + h).min(self.height as i64) {
            for xx in x.max(0)..(x + w).min(self.width as i64) {
                self.set(xx, yy, colour);
            }
        }
    }

    /// Draws the outline (1 pixel wide) of the rectangle with top-left corner (x, y), `w` x `h`.
    pub fn outline_rect(&mut self, x: i64, y: i64, w: i64, h: i64, colour: [u8; 4]) {
        self.fill_rect(x, y, w, 1, colour);
        self.fill_rect(x, y + h - 1, w, 1, colour);
        self.fill_rect(x, y, 1, h, colour);
        self.fill_rect(x + w - 1, y, 1, h, colour);
    }

    /// Draws `text` with its top-left corner at (x, y), each font pixel a `scale` x `scale`
    /// square (glyphs are [`GLYPH`] * scale pixels wide and high). Characters the font lacks are
    /// drawn as '?'. Only the glyphs' set pixels are painted (the background shows through).
    pub fn text(&mut self, x: i64, y: i64, text: &str, scale: u32, colour: [u8; 4]) {
        let s = scale as i64;
        for (n, c) in text.chars().enumerate() {
            let glyph = font8x8::BASIC_FONTS
                .get(c)
                .or_else(|| font8x8::LATIN_FONTS.get(c))
                .or_else(|| font8x8::GREEK_FONTS.get(c))
                .or_else(|| font8x8::BASIC_FONTS.get('?'))
                .unwrap_or([0; 8]);
            let gx = x + n as i64 * GLYPH as i64 * s;
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8 {
                    if bits & (1 << col) != 0 {
                        self.fill_rect(gx + col * s, y + row as i64 * s, s, s, colour);
                    }
                }
            }
        }
    }

    /// `left` and `right` side by side on white, tops aligned: `left.width + right.width` wide,
    /// as high as the higher one.
    pub fn side_by_side(left: &Image, right: &Image) -> Image {
        let mut out = Image::new(left.width + right.width, left.height.max(right.height), [255; 4]);
        let row = out.width as usize * 4;
        for (image, x0) in [(left, 0), (right, left.width as usize * 4)] {
            let w = image.width as usize * 4;
            for (y, src) in image.rgba.chunks_exact(w.max(1)).enumerate() {
                out.rgba[y * row + x0..y * row + x0 + w].copy_from_slice(src);
            }
        }
        out
    }

    /// Encodes the image as PNG (8-bit RGBA).
    pub fn to_png(&self) -> Result<Vec<u8>, PostError> {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, self.width, self.height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let encode = |e: png::EncodingError| PostError::Png(e.to_string());
        let mut writer = encoder.write_header().map_err(encode)?;
        writer.write_image_data(&self.rgba).map_err(encode)?;
        writer.finish().map_err(encode)?;
        Ok(bytes)
    }

    /// Writes the image to `path` as PNG.
    pub fn write_png(&self, path: &Path) -> Result<(), PostError> {
        let bytes = self.to_png()?;
        std::fs::write(path, bytes).map_err(|source| PostError::Write { path: path.to_path_buf(), source })
    }

    /// Decodes an 8-bit RGB or RGBA PNG (as [`Image::to_png`] writes) into an RGBA image.
    pub fn from_png(bytes: &[u8]) -> Result<Image, PostError> {
        let decode = |e: png::DecodingError| PostError::Png(e.to_string());
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().map_err(decode)?;
        let size = reader.output_buffer_size().ok_or_else(|| PostError::Png("image too large".into()))?;
        let mut buf = vec![0; size];
        let info = reader.next_frame(&mut buf).map_err(decode)?;
        buf.truncate(info.buffer_size());
        let rgba = match (info.color_type, info.bit_depth) {
            (png::ColorType::Rgba, png::BitDepth::Eight) => buf,
            (png::ColorType::Rgb, png::BitDepth::Eight) => {
                buf.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect()
            }
            (c, d) => return Err(PostError::Png(format!("unsupported PNG pixel format {c:?} {d:?}"))),
        };
        Ok(Image { width: info.width, height: info.height, rgba })
    }
}

/// Width of `text` drawn at `scale` by [`Image::text`], pixels.
pub fn text_width(text: &str, scale: u32) -> u32 {
    text.chars().count() as u32 * GLYPH * scale
}
