//! From a request ("TAWSS of the last cycle, seen from the front, 1200 x 900") to a [`Scene`]
//! read from an output file, and to a picture.

use std::str::FromStr;

use super::camera::View;
use super::draw::render;
use super::image::Image;
use super::scene::{ColourBar, Layer, Paint, Scene};
use crate::gpu::Gpu;
use crate::mesh::WallSurface;
use crate::post::read::{GridData, OutputFile, Pick};
use crate::post::PostError;

/// A field that can be drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// Wall shear stress magnitude of a snapshot, Pa (`/fields/N/wss`, M x 3).
    Wss,
    /// Time-averaged wall shear stress over a cardiac cycle, Pa (`/cycles/K/tawss`).
    Tawss,
    /// Oscillatory shear index over a cycle, dimensionless, 0..0.5 (`/cycles/K/osi`).
    Osi,
    /// Relative residence time over a cycle, 1/Pa (`/cycles/K/rrt`).
    Rrt,
    /// Pressure of a snapshot, Pa: on the wall (`/fields/N/wall_pressure`), or on a slice
    /// (`/fields/N/pressure`).
    Pressure,
    /// Speed |velocity| of a snapshot on a slice, m/s (`/fields/N/velocity`).
    Speed,
}

impl Field {
    /// Every field, in the order the command line lists them.
    pub const ALL: [Field; 6] = [Field::Wss, Field::Tawss, Field::Osi, Field::Rrt, Field::Pressure, Field::Speed];

    /// The name as the command line spells it ("wss", "tawss", ...).
    pub fn name(self) -> &'static str {
        match self {
            Field::Wss => "wss",
            Field::Tawss => "tawss",
            Field::Osi => "osi",
            Field::Rrt => "rrt",
            Field::Pressure => "pressure",
            Field::Speed => "speed",
        }
    }

    /// Name and unit as the colour bar shows them, e.g. `"TAWSS [Pa]"`.
    pub fn label(self) -> &'static str {
        match self {
            Field::Wss => "WSS [Pa]",
            Field::Tawss => "TAWSS [Pa]",
            Field::Osi => "OSI [-]",
            Field::Rrt => "RRT [1/Pa]",
            Field::Pressure => "pressure [Pa]",
            Field::Speed => "speed [m/s]",
        }
    }

    /// The unit alone, e.g. "Pa", "1/Pa", "-" (dimensionless), "m/s".
    pub fn unit(self) -> &'static str {
        let label = self.label();
        label.rsplit_once('[').map_or("", |(_, u)| u.trim_end_matches(']'))
    }

    /// Whether the field is a cycle average (under `/cycles`) rather than a snapshot field.
    pub fn is_cycle_average(self) -> bool {
        matches!(self, Field::Tawss | Field::Osi | Field::Rrt)
    }
}

impl FromStr for Field {
    type Err = String;

    fn from_str(s: &str) -> Result<Field, String> {
        Field::ALL.into_iter().find(|f| f.name() == s.trim().to_ascii_lowercase()).ok_or_else(|| {
            let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
            format!("unknown field \"{s}\" (fields: {})", names.join(", "))
        })
    }
}

/// A plane normal to a grid axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slice {
    /// The plane's normal axis: 0 = x, 1 = y, 2 = z.
    pub axis: usize,
    /// The plane's coordinate along that axis, m.
    pub value: f64,
}

impl Slice {
    /// "x", "y" or "z".
    pub fn axis_name(&self) -> &'static str {
        ["x", "y", "z"][self.axis.min(2)]
    }
}

impl FromStr for Slice {
    type Err = String;

    /// Parses `x=VALUE`, `y=VALUE` or `z=VALUE` (VALUE in metres).
    fn from_str(s: &str) -> Result<Slice, String> {
        let bad = || format!("\"{s}\" is not a slice: expected x=VALUE, y=VALUE or z=VALUE with VALUE in metres");
        let (axis, value) = s.split_once('=').ok_or_else(bad)?;
        let axis = match axis.trim().to_ascii_lowercase().as_str() {
            "x" => 0,
            "y" => 1,
            "z" => 2,
            _ => return Err(bad()),
        };
        let value: f64 = value.trim().parse().map_err(|_| bad())?;
        if !value.is_finite() {
            return Err(bad());
        }
        Ok(Slice { axis, value })
    }
}

/// What to draw: the options of `hemoflow render`, as a value a report can build too.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderRequest {
    /// The field.
    pub field: Field,
    /// A plane for `pressure` or `speed` (None: wall pressure; for speed, the middle of the fluid's
    /// bounding box, normal to the view's dominant axis).
    pub slice: Option<Slice>,
    /// Where the camera looks from.
    pub view: View,
    /// Snapshot of a snapshot field (None: the last); an error for cycle averages.
    pub snapshot: Option<Pick>,
    /// Cycle of a cycle average (None: the last); an error for snapshot fields.
    pub cycle: Option<Pick>,
    /// Picture width and height, pixels.
    pub size: [u32; 2],
    /// Values at the colour bar's ends, in the field's unit (None: see [`build_scene`]).
    pub range: Option<[f64; 2]>,
}

impl RenderRequest {
    /// `field` with the defaults: no slice, iso view, the last snapshot or cycle, 1200 x 900.
    pub fn new(field: Field) -> RenderRequest {
        RenderRequest {
            field,
            slice: None,
            view: View::Iso,
            snapshot: None,
            cycle: None,
            size: [1200, 900],
            range: None,
        }
    }
}

/// Light grey of the wall drawn for context around a slice, and its opacity.
const CONTEXT_GREY: [u8; 3] = [150, 150, 150];
const CONTEXT_OPACITY: f32 = 0.15;

/// Reads what `request` needs from `file` and builds the scene: the wall coloured by a wall
/// field, or a slice's fluid cells (one flat quad each) with the wall as a faint grey context.
///
/// Colour range unless `request.range` sets it: wss, tawss and rrt from their lower end (0 for
/// wss and tawss) to the 99th percentile of the drawn values (one spike does not wash the map
/// out; the title says so); osi 0..0.5; pressure and speed min..max of the drawn values.
pub fn build_scene(file: &OutputFile, request: &RenderRequest) -> Result<Scene, PostError> {
    let field = request.field;
    let option = |option: String, message: String| PostError::Option { option, message };
    if field.is_cycle_average() && request.snapshot.is_some() {
        let m = format!("{} is a cycle average: choose its cycle with --cycle", field.name());
        return Err(option("--snapshot".into(), m));
    }
    if !field.is_cycle_average() && request.cycle.is_some() {
        let m = format!("{} is a snapshot field: choose its snapshot with --snapshot", field.name());
        return Err(option("--cycle".into(), m));
    }
    if let (Some(s), Field::Wss | Field::Tawss | Field::Osi | Field::Rrt) = (request.slice, field) {
        let m = format!("{} is a wall field; slices show pressure or speed", field.name());
        return Err(option(format!("--slice {}={}", s.axis_name(), s.value), m));
    }
    if let Some([lo, hi]) = request.range {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(option(format!("--range {lo},{hi}"), "expected MIN,MAX with MIN < MAX".into()));
        }
    }
    let file_name = file.path().file_name().map_or(file.path().display().to_string(), |n| n.to_string_lossy().into());
    let (group, when) = if field.is_cycle_average() {
        let pick = request.cycle.unwrap_or_default();
        let group = file.pick("cycles", pick, &format!("--cycle {}", pick_name(pick)))?;
        let (start, end) = (file.scalar_attr(&group, "start")?, file.scalar_attr(&group, "end")?);
        let k = group.rsplit('/').next().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
        (group, format!("cycle {k} ({start:.3} to {end:.3} s)"))
    } else {
        let pick = request.snapshot.unwrap_or_default();
        let group = file.pick("fields", pick, &format!("--snapshot {}", pick_name(pick)))?;
        let time = file.scalar_attr(&group, "time")?;
        let n = group.rsplit('/').next().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
        (group, format!("t = {time:.4} s (snapshot {n})"))
    };
    let on_slice = field == Field::Speed || request.slice.is_some();
    let (layers, values, place) = if on_slice {
        slice_layers(file, request, &group)?
    } else {
        let wall = file.wall()?;
        let values = wall_values(file, field, &group, wall.triangles.len())?;
        let triangles = wall_triangles(&wall);
        let layer = Layer { triangles, paint: Paint::Values(values.clone()), shaded: true, fit: true };
        (vec![layer], values, String::new())
    };
    let (range, note) = match request.range {
        Some(range) => (range, "; range set by --range".to_string()),
        None => default_range(field, &values),
    };
    let mut line2 = format!("{place}view {}{note}", request.view.name());
    if !on_slice && field == Field::Pressure {
        line2 = format!("on the wall; {line2}");
    }
    let title = vec![format!("{file_name}: {} at {when}", field.label()), line2];
    Ok(Scene { layers, bar: Some(ColourBar { label: field.label().into(), range }), title })
}

/// Draws `request` from `file` on `gpu`: [`build_scene`] then [`render`].
pub fn render_request(gpu: &Gpu, file: &OutputFile, request: &RenderRequest) -> Result<Image, PostError> {
    let scene = build_scene(file, request)?;
    Ok(render(gpu, &scene, request.view, request.size)?)
}

/// [`render_request`], encoded as PNG bytes (what `hemoflow render -o` writes, and what an HTML
/// report can embed).
pub fn render_png(gpu: &Gpu, file: &OutputFile, request: &RenderRequest) -> Result<Vec<u8>, PostError> {
    render_request(gpu, file, request)?.to_png()
}

fn pick_name(pick: Pick) -> String {
    match pick {
        Pick::Last => "last".into(),
        Pick::Number(n) => n.to_string(),
    }
}

fn wall_triangles(wall: &WallSurface) -> Vec<[[f64; 3]; 3]> {
    (0..wall.triangles.len()).map(|t| wall.corners(t).map(|p| [p.x, p.y, p.z])).collect()
}

/// One value per wall triangle of a wall field.
pub(crate) fn wall_values(file: &OutputFile, field: Field, group: &str, m: usize) -> Result<Vec<f32>, PostError> {
    let hint = " (this output has no wall quantities: they are written by hemoflow run from the version that \
                computes wall shear stress)";
    Ok(match field {
        Field::Wss => {
            let v: Vec<f32> = file.read(&format!("{group}/wss"), &[m, 3], hint)?;
            v.chunks_exact(3).map(|c| (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt()).collect()
        }
        Field::Pressure => file.read(&format!("{group}/wall_pressure"), &[m], hint)?,
        Field::Tawss | Field::Osi | Field::Rrt => file.read(&format!("{group}/{}", field.name()), &[m], hint)?,
        Field::Speed => unreachable!("speed is drawn on slices"),
    })
}

/// The default colour range of `values` and a note for the title.
pub(crate) fn default_range(field: Field, values: &[f32]) -> ([f64; 2], String) {
    let mut finite: Vec<f64> = values.iter().filter(|v| v.is_finite()).map(|&v| v as f64).collect();
    finite.sort_by(f64::total_cmp);
    let (lo, hi) = match (finite.first(), finite.last()) {
        (Some(&lo), Some(&hi)) => (lo, hi),
        _ => (0.0, 0.0),
    };
    match field {
        Field::Osi => ([0.0, 0.5], String::new()),
        Field::Wss | Field::Tawss | Field::Rrt => {
            let p99 = finite.get(((finite.len().max(1) - 1) as f64 * 0.99).round() as usize).copied().unwrap_or(0.0);
            let low = if field == Field::Rrt { lo } else { 0.0_f64.min(lo) };
            let note = if hi > p99 {
                format!("; colours clipped at the 99th percentile (max {hi:.3} {})", field.unit())
            } else {
                String::new()
            };
            ([low, p99], note)
        }
        Field::Pressure | Field::Speed => ([lo, hi], String::new()),
    }
}

/// The slice layer (one flat quad per fluid cell within half a cell of the plane), the wall as
/// context where the file has one, the slice's values and the title's description of the plane.
fn slice_layers(
    file: &OutputFile,
    request: &RenderRequest,
    group: &str,
) -> Result<(Vec<Layer>, Vec<f32>, String), PostError> {
    let grid = file.grid()?;
    let GridData { meta, cell_kind } = &grid;
    let [nx, ny, nz] = meta.dims.map(|d| d as usize);
    let (slice, why) = match request.slice {
        Some(s) => (s, ""),
        None => (middle_slice(&grid, request.view), " (middle, normal to the view)"),
    };
    let a = slice.axis;
    let spelled = format!("--slice {}={}", slice.axis_name(), slice.value);
    let (lo, hi) = (meta.origin[a], meta.origin[a] + meta.dims[a] as f64 * meta.spacing);
    if !(lo..=hi).contains(&slice.value) {
        let m = format!(
            "the plane {} = {} m lies outside the grid ({} from {lo:.6} to {hi:.6} m)",
            slice.axis_name(),
            slice.value,
            slice.axis_name()
        );
        return Err(PostError::Option { option: spelled, message: m });
    }
    let layer = (((slice.value - lo) / meta.spacing).floor() as usize).min(meta.dims[a] as usize - 1);
    let cells: Vec<f32> = match request.field {
        Field::Speed => {
            let v: Vec<f32> = file.read(&format!("{group}/velocity"), &[nz, ny, nx, 3], "")?;
            v.chunks_exact(3).map(|c| (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt()).collect()
        }
        _ => file.read(&format!("{group}/pressure"), &[nz, ny, nx], "")?,
    };
    let (u, w) = ((a + 1) % 3, (a + 2) % 3);
    let h = meta.spacing;
    let mut triangles = Vec::new();
    let mut values = Vec::new();
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                let ijk = [i, j, k];
                let id = (k * ny + j) * nx + i;
                if ijk[a] != layer || cell_kind[id] == 0 {
                    continue;
                }
                let corner = |du: usize, dw: usize| {
                    let mut p = [0.0; 3];
                    p[a] = slice.value;
                    p[u] = meta.origin[u] + (ijk[u] + du) as f64 * h;
                    p[w] = meta.origin[w] + (ijk[w] + dw) as f64 * h;
                    p
                };
                triangles.push([corner(0, 0), corner(1, 0), corner(1, 1)]);
                triangles.push([corner(0, 0), corner(1, 1), corner(0, 1)]);
                values.extend([cells[id], cells[id]]);
            }
        }
    }
    if triangles.is_empty() {
        let m = format!("the plane {} = {} m cuts no fluid cell", slice.axis_name(), slice.value);
        return Err(PostError::Option { option: spelled, message: m });
    }
    let mut layers = Vec::new();
    if file.exists("/wall/triangles") {
        let wall = file.wall()?;
        let paint = Paint::Solid { rgb: CONTEXT_GREY, opacity: CONTEXT_OPACITY };
        layers.push(Layer { triangles: wall_triangles(&wall), paint, shaded: true, fit: false });
    }
    layers.push(Layer { triangles, paint: Paint::Values(values.clone()), shaded: false, fit: true });
    let place = format!("slice {} = {:.6} m{why}; ", slice.axis_name(), slice.value);
    Ok((layers, values, place))
}

/// The plane through the middle of the fluid cells' bounding box, normal to the grid axis
/// closest to the view direction (ties go to z, then y).
fn middle_slice(grid: &GridData, view: View) -> Slice {
    let eye = view.eye().map(f64::abs);
    let axis = if eye[2] >= eye[0] - 1e-9 && eye[2] >= eye[1] - 1e-9 {
        2
    } else if eye[1] >= eye[0] - 1e-9 {
        1
    } else {
        0
    };
    let meta = &grid.meta;
    let n = meta.dims[axis] as usize;
    let [nx, ny, _] = meta.dims.map(|d| d as usize);
    let (mut first, mut last) = (usize::MAX, 0);
    for (id, _) in grid.cell_kind.iter().enumerate().filter(|(_, &k)| k != 0) {
        let ijk = [id % nx, (id / nx) % ny, id / (nx * ny)];
        first = first.min(ijk[axis]);
        last = last.max(ijk[axis]);
    }
    if first > last {
        (first, last) = (0, n - 1);
    }
    let value = meta.origin[axis] + (first + last + 1) as f64 / 2.0 * meta.spacing;
    Slice { axis, value }
}
