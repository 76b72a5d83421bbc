//! Pictures of a run's output: a [`Scene`] of coloured triangles drawn off-screen with wgpu
//! (depth test, 4x MSAA where the adapter has it), the title, colour bar and scale bar added on
//! the CPU, into an RGBA [`Image`](image::Image) that encodes PNG. The view convention (z up,
//! `front` looks along +y) is in [`camera`].
//!
//! The files, in order (each uses only those before it): `scene.rs` (what a picture shows:
//! [`Scene`], [`Layer`], [`Paint`], [`ColourBar`]), [`colormap`] (values to colours), [`image`]
//! (the RGBA picture, the CPU's drawing and PNG), `layout.rs` (where the parts go: [`Layout`]),
//! [`camera`] ([`View`] and the orthographic [`Camera`] fitted to a scene), `overlay.rs` (the
//! title, colour bar and scale bar, on the CPU), `draw.rs` ([`render`]: the GPU's part and the
//! read-back), [`request`] (from an output file and a
//! [`RenderRequest`](request::RenderRequest) to a scene and a picture).

pub mod camera;
pub mod colormap;
mod draw;
pub mod image;
mod layout;
mod overlay;
pub mod request;
mod scene;

pub use camera::{Camera, View};
pub use draw::{render, RenderError, RenderParams};
pub use layout::{Layout, Rect};
pub use overlay::tick_labels;
pub use scene::{ColourBar, Layer, Paint, Scene};
