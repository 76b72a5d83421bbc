//! The interactive 3D view of `hemoflow report` and `hemoflow compare -o`: the wall coloured by
//! a wall field, a speed slice through the fluid and the caps' names, turned with the mouse or
//! by touch in any browser with WebGL 2, offline (no network: everything is inside the page).
//! Without WebGL 2 the page says so where the view would be; the pictures remain.
//!
//! [`Panel::read`] takes what the view needs from an output file, stored compactly: vertices as
//! f32 (mm, about the wall's centre), triangles as u32, every field value as a u16 over the
//! field's own range (65535 = no value; the readout is exact to 1/65534 of that range), the
//! fluid cells of the last snapshot as u16 grid indices with their speed; all little-endian,
//! base64. [`section`] writes the page's part: the markup, the vendored three.js (r187, MIT,
//! `vendor/three/`, built by `tools/vendor-three`), the data as JSON and the viewer's script
//! (`view3d.js`).
//!
//! Colours come from the pictures' map ([`super::render::colormap`]) and each frame's default
//! range is the one `hemoflow render` uses for it (`request::default_range`), so the page and
//! the PNGs agree.
//!
//! The page also checks itself for the tests: opened with `#selftest`, it draws, rotates and
//! hovers by script and writes what it saw as JSON into `<pre id="selftest">` (see view3d.js).

use base64::Engine as _;
use serde::Serialize;

use super::read::OutputFile;
use super::render::colormap::{CONTROL_POINTS, MISSING};
use super::render::request::{default_range, wall_values, Field};
use super::PostError;
use crate::mesh::{Vec3, WallSurface};

/// three.js, bundled with the OrbitControls (one minified file; see vendor/three/README.md).
const THREE: &str = include_str!("../../vendor/three/three.bundle.min.js");
/// Collects the page's errors from here on (for the self-check), before three.js loads.
const ERRORS: &str = "window.HEMOFLOW_ERRORS=[];addEventListener('error',e=>HEMOFLOW_ERRORS.push(String(e.message)));\
addEventListener('unhandledrejection',e=>HEMOFLOW_ERRORS.push(String(e.reason)));\
console.error=((f)=>(...a)=>{HEMOFLOW_ERRORS.push(a.join(' '));f(...a)})(console.error.bind(console));";
/// The viewer's own script.
const SCRIPT: &str = include_str!("view3d.js");

/// At most this many snapshots of a snapshot field go into the page (evenly spread, the last
/// kept), and at most [`MAX_FIELD_BYTES`] of them, so that a long run's page stays small.
pub const MAX_FRAMES: usize = 60;
/// Bytes of values per snapshot field at most (2 per wall triangle and snapshot; a wall of
/// 14,000 triangles keeps 60 snapshots, one of 200,000 keeps 20).
pub const MAX_FIELD_BYTES: usize = 8_000_000;
/// Fluid cells above this leave the speed slice out (each costs 8 bytes in the page).
pub const MAX_SLICE_CELLS: usize = 2_000_000;

/// One value per wall triangle at one time (a snapshot) or over one cycle.
#[derive(Serialize)]
struct Frame {
    /// When, in words ("t = 0.6200 s", "heartbeat 2, 0.620 to 1.240 s").
    when: String,
    /// The colour bar's default ends for this frame (the field's unit), as `hemoflow render`.
    range: [f64; 2],
    /// u16 per triangle over the field's [lo, hi]; 65535: no value (base64).
    values: String,
}

/// A wall field over its frames.
#[derive(Serialize)]
struct FieldFrames {
    /// Command-line name ("tawss").
    name: &'static str,
    /// Name and unit ("TAWSS [Pa]").
    label: &'static str,
    /// Unit ("Pa").
    unit: &'static str,
    /// The quantisation's ends: value = lo + q / 65534 (hi - lo).
    lo: f64,
    hi: f64,
    frames: Vec<Frame>,
}

/// A cap: its name and where to put the label.
#[derive(Serialize)]
struct CapLabel {
    name: String,
    /// Centroid, mm about the view's centre.
    at: [f32; 3],
}

/// The fluid cells of the last snapshot with their speed (the slice's data).
#[derive(Serialize)]
struct Cells {
    /// Low corner of cell (0,0,0), mm about the view's centre; edge, mm.
    origin: [f32; 3],
    spacing: f32,
    dims: [u32; 3],
    /// i, j, k (u16 each) per fluid cell (base64).
    ijk: String,
    /// Speed per cell, u16 over [lo, hi] m/s (base64).
    speed: String,
    lo: f64,
    hi: f64,
    /// When ("t = 1.2400 s").
    when: String,
}

/// What one panel of the view shows: one run's wall, fields, caps and slice.
#[derive(Serialize)]
pub struct Panel {
    /// The panel's heading (a file name, or "before" and "after").
    title: String,
    /// The wall's centre, m (positions below are mm about it).
    centre: [f64; 3],
    /// f32 x, y, z per vertex, mm about `centre` (base64).
    vertices: String,
    /// u32 vertex indices, three per triangle (base64).
    triangles: String,
    fields: Vec<FieldFrames>,
    caps: Vec<CapLabel>,
    cells: Option<Cells>,
    /// u8 per triangle, 1 where the wall is drawn outlined (a stent's part of it) (base64).
    outline: Option<String>,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `values` as u16 over their finite [lo, hi] (NaN, inf: 65535), with lo and hi.
fn quantise<'a>(all: impl Iterator<Item = &'a [f32]> + Clone) -> (f64, f64, Vec<String>) {
    let finite = all.clone().flatten().filter(|v| v.is_finite()).map(|&v| v as f64);
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (0.0, 0.0) };
    let span = if hi > lo { hi - lo } else { 1.0 };
    let encoded = all
        .map(|values| {
            let q: Vec<u8> = values
                .iter()
                .flat_map(|&v| {
                    let q = if v.is_finite() {
                        ((v as f64 - lo) / span * 65534.0).round().clamp(0.0, 65534.0)
                    } else {
                        65535.0
                    };
                    (q as u16).to_le_bytes()
                })
                .collect();
            b64(&q)
        })
        .collect();
    (lo, hi, encoded)
}

/// At most `most` of `numbers` (at least one), evenly spread, the last kept (and the first,
/// for two or more).
fn spread(numbers: &[usize], most: usize) -> Vec<usize> {
    let most = most.max(1);
    if numbers.len() <= most {
        return numbers.to_vec();
    }
    if most == 1 {
        return numbers[numbers.len() - 1..].to_vec();
    }
    let last = numbers.len() - 1;
    let mut picked: Vec<usize> = (0..most).map(|i| numbers[i * last / (most - 1)]).collect();
    picked.dedup();
    picked
}

impl Panel {
    /// Reads the view of `file`, whose wall is `wall` (`OutputFile::wall`): the wall fields it
    /// holds (WSS and wall pressure over its snapshots, TAWSS, OSI and RRT over its cycles), the
    /// caps' names, and the speed of the last snapshot's fluid cells. Positions are stored about
    /// `centre` (m; None: the middle of the wall's bounding box): panels whose cameras are linked
    /// share one.
    pub fn read(
        file: &OutputFile,
        wall: &WallSurface,
        title: &str,
        centre: Option<[f64; 3]>,
    ) -> Result<Panel, PostError> {
        let m = wall.triangles.len();
        let centre = centre.map_or_else(|| wall_centre(&wall.vertices), Vec3::from);
        let mm = |p: Vec3| ((p - centre) * 1e3).map(|c| c as f32);
        let vertices: Vec<f32> = wall.vertices.iter().flat_map(|&v| <[f32; 3]>::from(mm(v))).collect();
        let triangles: Vec<u32> = wall.triangles.iter().flatten().copied().collect();
        let mut fields = Vec::new();
        let snapshots = if file.exists("/fields") { file.numbers("fields")? } else { Vec::new() };
        let cycles = if file.exists("/cycles") { file.numbers("cycles")? } else { Vec::new() };
        let frames = MAX_FRAMES.min(MAX_FIELD_BYTES / (2 * m.max(1)));
        for field in [Field::Tawss, Field::Osi, Field::Rrt, Field::Wss, Field::Pressure] {
            let (dataset, groups) = match field {
                Field::Wss => ("wss", spread(&snapshots, frames)),
                Field::Pressure => ("wall_pressure", spread(&snapshots, frames)),
                _ => (field.name(), spread(&cycles, frames)),
            };
            let group_of = |n: usize| format!("/{}/{n:06}", if field.is_cycle_average() { "cycles" } else { "fields" });
            let groups: Vec<usize> =
                groups.into_iter().filter(|&n| file.exists(&format!("{}/{dataset}", group_of(n)))).collect();
            if groups.is_empty() {
                continue;
            }
            let mut values = Vec::new();
            let mut framed = Vec::new();
            for n in groups {
                let group = group_of(n);
                let v = wall_values(file, field, &group, m)?;
                let when = if field.is_cycle_average() {
                    let (a, b) = (file.scalar_attr(&group, "start")?, file.scalar_attr(&group, "end")?);
                    format!("heartbeat {n}, {a:.3} to {b:.3} s")
                } else {
                    format!("t = {:.4} s", file.scalar_attr(&group, "time")?)
                };
                framed.push(Frame { when, range: default_range(field, &v).0, values: String::new() });
                values.push(v);
            }
            let (lo, hi, encoded) = quantise(values.iter().map(|v| v.as_slice()));
            for (frame, e) in framed.iter_mut().zip(encoded) {
                frame.values = e;
            }
            let frames = framed;
            fields.push(FieldFrames { name: field.name(), label: field.label(), unit: field.unit(), lo, hi, frames });
        }
        let mut caps = Vec::new();
        if file.exists("/grid/caps") {
            for name in file.members("/grid/caps")? {
                if let Some(c) = file.float_attr(&format!("/grid/caps/{name}"), "centroid")?.filter(|c| c.len() == 3) {
                    caps.push(CapLabel { at: mm(Vec3::new(c[0], c[1], c[2])).into(), name });
                }
            }
        }
        let cells = match snapshots.last() {
            Some(&n) if file.exists("/grid") && file.exists(&format!("/fields/{n:06}/velocity")) => {
                slice_cells(file, n, centre)?
            }
            _ => None,
        };
        Ok(Panel {
            title: title.to_string(),
            centre: centre.into(),
            vertices: b64(bytemuck::cast_slice(&vertices)),
            triangles: b64(bytemuck::cast_slice(&triangles)),
            fields,
            caps,
            cells,
            outline: None,
        })
    }

    /// Outlines the triangles where `mark` is true (a stent's part of the wall).
    pub fn outline(&mut self, mark: &[bool]) {
        let bytes: Vec<u8> = mark.iter().map(|&m| u8::from(m)).collect();
        self.outline = Some(b64(&bytes));
    }
}

/// The middle of the bounding box of `points`, m.
pub fn wall_centre(points: &[Vec3]) -> Vec3 {
    let (mut lo, mut hi) = (Vec3::repeat(f64::INFINITY), Vec3::repeat(f64::NEG_INFINITY));
    for v in points {
        lo = lo.inf(v);
        hi = hi.sup(v);
    }
    (lo + hi) / 2.0
}

/// The fluid cells of snapshot `n` with their speed, or None above [`MAX_SLICE_CELLS`].
fn slice_cells(file: &OutputFile, n: usize, centre: Vec3) -> Result<Option<Cells>, PostError> {
    let grid = file.grid()?;
    let meta = &grid.meta;
    let [nx, ny, nz] = meta.dims.map(|d| d as usize);
    let fluid = grid.cell_kind.iter().filter(|&&k| k != 0).count();
    if fluid > MAX_SLICE_CELLS || meta.dims.iter().any(|&d| d > u16::MAX as u32) {
        return Ok(None);
    }
    let group = format!("/fields/{n:06}");
    let v: Vec<f32> = file.read(&format!("{group}/velocity"), &[nz, ny, nx, 3], "")?;
    let mut ijk = Vec::with_capacity(6 * fluid);
    let mut speed = Vec::with_capacity(fluid);
    for (id, _) in grid.cell_kind.iter().enumerate().filter(|(_, &k)| k != 0) {
        for c in [id % nx, (id / nx) % ny, id / (nx * ny)] {
            ijk.extend((c as u16).to_le_bytes());
        }
        let u = &v[3 * id..3 * id + 3];
        speed.push((u[0] * u[0] + u[1] * u[1] + u[2] * u[2]).sqrt());
    }
    let (lo, hi, encoded) = quantise(std::iter::once(speed.as_slice()));
    let origin = (Vec3::from(meta.origin) - centre) * 1e3;
    Ok(Some(Cells {
        origin: origin.map(|c| c as f32).into(),
        spacing: (meta.spacing * 1e3) as f32,
        dims: meta.dims,
        ijk: b64(&ijk),
        speed: encoded.into_iter().next().unwrap_or_default(),
        lo,
        hi,
        when: format!("t = {:.4} s", file.scalar_attr(&group, "time")?),
    }))
}

/// What the view shows when the page opens, where its URL does not say (see view3d.js).
#[derive(Default, Serialize)]
pub struct Start {
    /// The field ("tawss"; None: the first the panels have).
    pub field: Option<&'static str>,
    /// A speed slice: its normal axis (0 = x, 1 = y, 2 = z) and position along it, m.
    pub slice: Option<(usize, f64)>,
}

/// The page's data: the panels, whether their cameras and colour ranges are linked, the colour
/// map, the start.
#[derive(Serialize)]
struct Data<'a> {
    panels: &'a [Panel],
    linked: bool,
    colormap: [[u8; 3]; 9],
    missing: [u8; 3],
    start: &'a Start,
}

/// The view's part of a page (a `<section>` with its scripts), for one panel, or for several
/// side by side with `linked` cameras (turning one turns the others) and one colour range per
/// field over all of them, opening at `start`.
pub fn section(panels: &[Panel], linked: bool, start: &Start) -> String {
    let data = Data { panels, linked, colormap: CONTROL_POINTS, missing: MISSING, start };
    // "</" cannot end the script element early inside JSON strings ("<\/" is the same string).
    let json = serde_json::to_string(&data).expect("the view's data serializes").replace("</", "<\\/");
    format!(
        "<section id=\"view3d\" class=\"view3d\"><noscript>The 3D view needs JavaScript; the pictures below show the \
         same fields.</noscript></section>\n<script>{ERRORS}</script>\n<script>{THREE}</script>\n<script type=\"application/json\" \
         id=\"view3d-data\">{json}</script>\n<script>{SCRIPT}</script>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn spread_keeps_the_last_and_at_most_the_number_asked() {
        let n: Vec<usize> = (0..100).collect();
        assert_eq!(spread(&n[..5], 60), vec![0, 1, 2, 3, 4]);
        assert_eq!(spread(&n, 1), vec![99]);
        assert_eq!(spread(&n, 0), vec![99]);
        let picked = spread(&n, 60);
        assert_eq!((picked.len(), picked[0], picked[59]), (60, 0, 99));
        assert!(picked.windows(2).all(|w| w[0] < w[1]));
    }
}
