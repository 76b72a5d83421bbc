//! What a picture shows ([`Scene`]): layers of triangles coloured by value through the colour
//! bar or in one colour, the bar and the title lines. Plain data, built from a file by
//! [`super::request`] (or by hand) and drawn by [`render`](super::render).

/// How a layer's triangles are coloured.
#[derive(Clone, Debug, PartialEq)]
pub enum Paint {
    /// One value per triangle, coloured through the scene's colour bar (NaN: grey).
    Values(Vec<f32>),
    /// One colour for all: sRGB bytes and opacity (1 = opaque; below 1 the layer is blended
    /// over what lies behind it and drawn before the opaque layers, so that those stay exact).
    Solid {
        /// Colour, sRGB bytes.
        rgb: [u8; 3],
        /// Opacity, 0..1.
        opacity: f32,
    },
}

/// A set of triangles drawn alike.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// Triangles, three corners each, m (x, y, z).
    pub triangles: Vec<[[f64; 3]; 3]>,
    /// Their colours.
    pub paint: Paint,
    /// Headlight shading (true for surfaces; false draws the colours exactly, e.g. slices).
    pub shaded: bool,
    /// Whether the camera is fitted to this layer (when no layer is, to all of them).
    pub fit: bool,
}

/// The colour bar: its label and the value range its ends stand for.
#[derive(Clone, Debug, PartialEq)]
pub struct ColourBar {
    /// Field name and unit, e.g. `"TAWSS [Pa]"`.
    pub label: String,
    /// Values at the bar's low and high ends ([min, max], the field's unit); values outside are
    /// drawn in the end colours. max <= min draws every value in the middle colour.
    pub range: [f64; 2],
}

/// What a picture shows: layers of triangles, the colour bar their values map through, and up to
/// two title lines.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Scene {
    /// Layers, drawn translucent ones first, then opaque ones with depth test.
    pub layers: Vec<Layer>,
    /// Colour bar for [`Paint::Values`] layers (without one, the values' own min..max is used
    /// and no bar is drawn).
    pub bar: Option<ColourBar>,
    /// Title lines, drawn at the top (longer lines are cut with "...").
    pub title: Vec<String>,
}
