//! The orthographic camera of the pictures and the views it is set up from.
//!
//! View convention: z is up. `front` looks along +y (camera on the -y side, x to the right),
//! `back` along -y, `right` along -x (camera on the +x side), `left` along +x, `top` down along
//! -z (x right, y up in the picture), `bottom` up along +z. `AZ,EL` in degrees: azimuth turns the
//! camera about z counter-clockwise seen from above, from the front (0) to the right (90), back
//! (180) and left (270); elevation raises it towards the top (90). `iso` is 45,35.26: from the
//! front-right-top corner.

use std::str::FromStr;

use super::layout::Layout;
use super::scene::Scene;

/// Where the camera looks from (see the module docs for the convention).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum View {
    /// From the front-right-top corner: azimuth 45 degrees, elevation atan(1/sqrt 2) = 35.26 degrees.
    #[default]
    Iso,
    /// Looking along +y.
    Front,
    /// Looking along -y.
    Back,
    /// Looking along +x (from the -x side).
    Left,
    /// Looking along -x (from the +x side).
    Right,
    /// Looking down along -z.
    Top,
    /// Looking up along +z.
    Bottom,
    /// Azimuth and elevation, degrees.
    Angles {
        /// Degrees about z from the front (0) towards the right (90).
        azimuth: f64,
        /// Degrees above the horizontal plane (90 = top).
        elevation: f64,
    },
}

impl View {
    /// Azimuth and elevation of the camera, degrees.
    pub fn angles(self) -> [f64; 2] {
        match self {
            View::Iso => [45.0, (1.0 / 2f64.sqrt()).atan().to_degrees()],
            View::Front => [0.0, 0.0],
            View::Right => [90.0, 0.0],
            View::Back => [180.0, 0.0],
            View::Left => [270.0, 0.0],
            View::Top => [0.0, 90.0],
            View::Bottom => [0.0, -90.0],
            View::Angles { azimuth, elevation } => [azimuth, elevation],
        }
    }

    /// Unit vector from the scene towards the camera (x, y, z).
    pub fn eye(self) -> [f64; 3] {
        let [az, el] = self.angles().map(f64::to_radians);
        [az.sin() * el.cos(), -az.cos() * el.cos(), el.sin()]
    }

    /// Unit vectors along the picture's right and up directions, in the world (x, y, z).
    pub fn right_up(self) -> [[f64; 3]; 2] {
        let az = self.angles()[0].to_radians();
        let right = [az.cos(), az.sin(), 0.0];
        [right, cross(self.eye(), right)]
    }

    /// The name as `--view` spells it ("iso", ..., or "AZ,EL").
    pub fn name(self) -> String {
        match self {
            View::Iso => "iso".into(),
            View::Front => "front".into(),
            View::Back => "back".into(),
            View::Left => "left".into(),
            View::Right => "right".into(),
            View::Top => "top".into(),
            View::Bottom => "bottom".into(),
            View::Angles { azimuth, elevation } => format!("{azimuth},{elevation}"),
        }
    }
}

impl FromStr for View {
    type Err = String;

    /// Parses `iso`, `front`, `back`, `left`, `right`, `top`, `bottom` or `AZ,EL` (degrees).
    fn from_str(s: &str) -> Result<View, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "iso" => View::Iso,
            "front" => View::Front,
            "back" => View::Back,
            "left" => View::Left,
            "right" => View::Right,
            "top" => View::Top,
            "bottom" => View::Bottom,
            other => {
                let parts: Vec<Option<f64>> = other.split(',').map(|p| p.trim().parse().ok()).collect();
                match parts.as_slice() {
                    [Some(azimuth), Some(elevation)] if azimuth.is_finite() && elevation.abs() <= 90.0 => {
                        View::Angles { azimuth: *azimuth, elevation: *elevation }
                    }
                    _ => {
                        return Err(format!(
                            "\"{s}\" is not a view: iso, front, back, left, right, top, bottom, or AZ,EL in degrees \
                             (elevation -90 to 90)"
                        ))
                    }
                }
            }
        })
    }
}

/// The orthographic camera of a picture, fitted to a scene.
#[derive(Clone, Debug, PartialEq)]
pub struct Camera {
    /// Unit vector from the scene to the camera.
    pub eye: [f64; 3],
    /// Unit vector of the picture's right direction, world.
    pub right: [f64; 3],
    /// Unit vector of the picture's up direction, world.
    pub up: [f64; 3],
    /// World point (m) drawn at the plot's centre.
    pub centre: [f64; 3],
    /// Picture pixels per metre.
    pub pixels_per_metre: f64,
    /// Pixel position of `centre` (x right, y down).
    pub plot_centre: [f64; 2],
    /// Smallest and largest depth (m along `eye`, relative to `centre`) over the scene.
    depth: [f64; 2],
}

impl Camera {
    /// Fits the camera for `view` so that the fitted layers (see [`super::Layer::fit`]) fill the
    /// layout's plot, less a 4% margin on each side, keeping the aspect ratio.
    pub fn fit(scene: &Scene, view: View, layout: &Layout) -> Camera {
        let eye = view.eye();
        let [right, up] = view.right_up();
        let any_fit = scene.layers.iter().any(|l| l.fit && !l.triangles.is_empty());
        let points = |fitted_only: bool| {
            scene
                .layers
                .iter()
                .filter(move |l| !fitted_only || !any_fit || l.fit)
                .flat_map(|l| l.triangles.iter().flatten())
        };
        let bounds = |axis: [f64; 3], fitted_only: bool| {
            points(fitted_only).fold([f64::INFINITY, f64::NEG_INFINITY], |[lo, hi], p| {
                let d = dot(*p, axis);
                [lo.min(d), hi.max(d)]
            })
        };
        let [x0, x1] = bounds(right, true);
        let [y0, y1] = bounds(up, true);
        let [z0, z1] = bounds(eye, true);
        let (cx, cy, cz) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0, (z0 + z1) / 2.0);
        let centre: [f64; 3] = std::array::from_fn(|i| cx * right[i] + cy * up[i] + cz * eye[i]);
        let plot = layout.plot;
        let extent = |lo: f64, hi: f64| if hi > lo { (hi - lo) * 1.08 } else { 1e-3 };
        let pixels_per_metre = (plot.w as f64 / extent(x0, x1)).min(plot.h as f64 / extent(y0, y1));
        let [d0, d1] = bounds(eye, false);
        let depth = if d1 > d0 { [d0 - cz, d1 - cz] } else { [-1.0, 1.0] };
        Camera { eye, right, up, centre, pixels_per_metre, plot_centre: plot.centre(), depth }
    }

    /// Where world point `p` (m) lands in the picture: pixels, x right, y down.
    pub fn project(&self, p: [f64; 3]) -> [f64; 2] {
        let q = sub(p, self.centre);
        [
            self.plot_centre[0] + dot(q, self.right) * self.pixels_per_metre,
            self.plot_centre[1] - dot(q, self.up) * self.pixels_per_metre,
        ]
    }

    /// The clip-space matrix (column-major) for positions relative to `centre`, picture `size`.
    pub(crate) fn matrix(&self, [w, h]: [u32; 2]) -> [[f32; 4]; 4] {
        // x_ndc = 2 px / w - 1, y_ndc = 1 - 2 py / h; depth 0.02 (nearest) .. 0.98 (farthest).
        let (sx, sy) = (2.0 * self.pixels_per_metre / w as f64, 2.0 * self.pixels_per_metre / h as f64);
        let (tx, ty) = (2.0 * self.plot_centre[0] / w as f64 - 1.0, 1.0 - 2.0 * self.plot_centre[1] / h as f64);
        let [d0, d1] = self.depth;
        let sz = -0.96 / (d1 - d0);
        let tz = 0.02 + 0.96 * d1 / (d1 - d0);
        let rows = [
            [sx * self.right[0], sx * self.right[1], sx * self.right[2], tx],
            [sy * self.up[0], sy * self.up[1], sy * self.up[2], ty],
            [sz * self.eye[0], sz * self.eye[1], sz * self.eye[2], tz],
            [0.0, 0.0, 0.0, 1.0],
        ];
        std::array::from_fn(|c| std::array::from_fn(|r| rows[r][c] as f32))
    }
}

pub(crate) fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub(crate) fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

pub(crate) fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}
