//! The pictures of `hemoflow compare -o DIR`, planned (read from the files; `write.rs` draws and
//! writes them): PRE on the left, POST on the right, one colour range for both, titled "pre" and
//! "post", built with the pictures' own path ([`build_scene`]) and pasted side by side:
//!
//! - `compare_tawss.png` (both files have cycles) or `compare_wss.png` (|WSS| at the last
//!   snapshot): the wall, iso view;
//! - `compare_speed.png`: speed at the last snapshot on the grid plane through the first stent's
//!   mid-point (else the first region's centre, else the middle of POST's grid), normal to the grid
//!   axis most nearly across the stent (or from the region's neck to its centre): the plane holds
//!   the stent's axis where it can;
//! - `compare_NAME_speed.png` for the first region: the same through the region's centre, the
//!   colours up to the 90th percentile of the speeds inside the region (a sac's flow is far
//!   slower than the artery's).
//!
//! And the interactive view's two panels ([`crate::post::view3d`]), opening on the wall field of
//! the first picture and the speed picture's plane.

use std::path::Path;

use super::measure::stented;
use super::types::{Comparison, RegionChange, Side};
use crate::mesh::Vec3;
use crate::post::read::OutputFile;
use crate::post::render::request::{build_scene, Field, RenderRequest, Slice};
use crate::post::render::{Paint, Scene, View};
use crate::post::view3d::{wall_centre, Panel, Start};
use crate::post::PostError;

/// One side-by-side picture: PRE's and POST's scenes with a shared colour range.
pub struct Pair {
    /// File name in the folder, e.g. "compare_tawss.png".
    pub file_name: String,
    /// The field drawn.
    pub field: Field,
    /// The view.
    pub view: View,
    /// PRE's scene and POST's.
    pub scenes: [Scene; 2],
}

/// The pictures of a comparison, planned (read from the files) but not yet drawn.
pub struct ComparePictures {
    /// The pictures.
    pub pairs: Vec<Pair>,
    /// Pictures that could not be drawn from these files, with the reason.
    pub left_out: Vec<String>,
    /// Size of each half, pixels.
    pub size: [u32; 2],
    /// The interactive view: PRE's and POST's panels (None where a file has no wall).
    pub view: Option<[Panel; 2]>,
    /// Where the view opens: the wall's field of the pictures, the speed slice's plane.
    pub start: Start,
}

impl ComparePictures {
    /// Reads what the pictures need from `pre` and `post` (compared in `comparison`) and builds
    /// their scenes; `size` is each half's, pixels. A picture whose data a file lacks is listed in
    /// `left_out`, not an error.
    pub fn plan(
        pre: &OutputFile,
        post: &OutputFile,
        comparison: &Comparison,
        size: [u32; 2],
    ) -> Result<ComparePictures, PostError> {
        let mut pairs = Vec::new();
        let mut left_out = Vec::new();
        let field = if comparison.pre.cycles > 0 && comparison.post.cycles > 0 { Field::Tawss } else { Field::Wss };
        let wall = RenderRequest { size, ..RenderRequest::new(field) };
        let (slice, view) = slice_plane(comparison);
        let speed = RenderRequest { slice: Some(slice), view, size, ..RenderRequest::new(Field::Speed) };
        let mut requests = vec![(wall, None), (speed, None)];
        // A region's flow is usually far slower than the parent artery's, which sets the range of
        // the speed picture: a second one through the region, coloured over the region's speeds.
        if let Some(r) = comparison.regions.first() {
            let (slice, view) = plane_through(
                &comparison.post,
                Vec3::from(r.center),
                r.neck.map(|n| Vec3::from(r.center) - Vec3::from(n)),
            );
            let request = RenderRequest { slice: Some(slice), view, size, ..RenderRequest::new(Field::Speed) };
            requests.push((request, Some(r)));
        }
        for (request, region) in requests {
            let scenes = [pre, post].map(|file| build_scene(file, &request));
            match scenes {
                [Ok(a), Ok(b)] => {
                    let (file_name, range) = match region {
                        Some(r) => (format!("compare_{}_speed.png", r.name), region_range(&[&a, &b], r)),
                        None => (format!("compare_{}.png", request.field.name()), None),
                    };
                    let scenes = shared(a, b, request.field.unit(), range);
                    pairs.push(Pair { file_name, field: request.field, view: request.view, scenes });
                }
                [a, b] => {
                    for (label, scene) in [("PRE", a), ("POST", b)] {
                        match scene {
                            Err(e) if e.is_user_error() => {
                                left_out.push(format!("{} side by side ({label}): {e}", request.field.label()))
                            }
                            Err(e) => return Err(e),
                            Ok(_) => {}
                        }
                    }
                }
            }
        }
        let start = Start { field: Some(field.name()), slice: Some((slice.axis, slice.value)) };
        let view = match (pre.exists("/wall/triangles"), post.exists("/wall/triangles")) {
            (true, true) => Some(view_panels(pre, post, comparison)?),
            _ => {
                left_out.push("3D view: a file has no wall surface".into());
                None
            }
        };
        Ok(ComparePictures { pairs, left_out, size, view, start })
    }
}

/// PRE's and POST's panels of the view, about one centre (PRE's wall's) so that their cameras
/// can be linked, POST's stents outlined on both walls.
fn view_panels(pre: &OutputFile, post: &OutputFile, c: &Comparison) -> Result<[Panel; 2], PostError> {
    let walls = [pre.wall()?, post.wall()?];
    let centre = wall_centre(&walls[0].vertices).into();
    let name = |f: &Side| Path::new(&f.file).file_name().map_or(f.file.clone(), |n| n.to_string_lossy().into());
    let mut panels = [
        Panel::read(pre, &walls[0], &format!("before: {}", name(&c.pre)), Some(centre))?,
        Panel::read(post, &walls[1], &format!("after: {}", name(&c.post)), Some(centre))?,
    ];
    let stents = post.stents()?;
    if !stents.is_empty() {
        for (panel, wall) in panels.iter_mut().zip(&walls) {
            panel.outline(&stented(wall, &stents));
        }
    }
    Ok(panels)
}

/// The range [0, the 90th percentile] of the scenes' values drawn inside `region` (triangles
/// whose centroid lies in it), if any is: the percentile, not the largest, so that the few fast
/// cells at the region's entrance do not set it.
fn region_range(scenes: &[&Scene], region: &RegionChange) -> Option<[f64; 2]> {
    let centre = Vec3::from(region.center);
    let inside = |p: Vec3| {
        (p - centre).norm() <= region.radius
            && region.neck.is_none_or(|n| (p - Vec3::from(n)).dot(&(centre - Vec3::from(n))) > 0.0)
    };
    let mut values = Vec::new();
    for layer in scenes.iter().flat_map(|s| &s.layers) {
        let Paint::Values(v) = &layer.paint else { continue };
        for (t, &x) in layer.triangles.iter().zip(v) {
            let c = (Vec3::from(t[0]) + Vec3::from(t[1]) + Vec3::from(t[2])) / 3.0;
            if x.is_finite() && inside(c) {
                values.push(x as f64);
            }
        }
    }
    values.sort_by(f64::total_cmp);
    let p90 = *values.get(values.len() * 9 / 10)?;
    (p90 > 0.0).then_some([0.0, p90])
}

/// The two scenes with one colour range (`range`, else the union of their own) and titles
/// starting "pre" and "post"; each title's note on clipping is redone for the shared range
/// (`unit`: the field's).
fn shared(mut a: Scene, mut b: Scene, unit: &str, range: Option<[f64; 2]>) -> [Scene; 2] {
    let own = match (&a.bar, &b.bar) {
        (Some(x), Some(y)) => Some([x.range[0].min(y.range[0]), x.range[1].max(y.range[1])]),
        _ => None,
    };
    let range = range.or(own);
    for (scene, label) in [(&mut a, "pre"), (&mut b, "post")] {
        if let (Some(bar), Some(range)) = (&mut scene.bar, range) {
            bar.range = range;
        }
        match scene.title.first_mut() {
            Some(line) => *line = format!("{label}: {line}"),
            None => scene.title.push(label.into()),
        }
        if let (Some(line), Some([_, hi])) = (scene.title.get_mut(1), range) {
            let mut parts: Vec<String> =
                line.split("; ").filter(|p| !p.starts_with("colours clipped")).map(String::from).collect();
            parts.push("colours shared by pre and post".into());
            let max = scene
                .layers
                .iter()
                .filter_map(|l| match &l.paint {
                    Paint::Values(v) => v.iter().filter(|x| x.is_finite()).map(|&x| x as f64).reduce(f64::max),
                    Paint::Solid { .. } => None,
                })
                .reduce(f64::max);
            if let Some(max) = max.filter(|&m| m > hi) {
                parts.push(format!("clipped at {hi:.3} (max {max:.3} {unit})"));
            }
            *line = parts.join("; ");
        }
    }
    [a, b]
}

/// The speed slice's plane and the view along its normal (see the module docs).
fn slice_plane(c: &Comparison) -> (Slice, View) {
    let g = &c.post;
    let grid_centre = Vec3::from(std::array::from_fn(|a| g.origin[a] + g.dims[a] as f64 * g.spacing / 2.0));
    let (point, direction) = if let Some(s) = c.stents.first() {
        (Vec3::from(s.middle), Some(Vec3::from(s.end) - Vec3::from(s.start)))
    } else if let Some(r) = c.regions.first() {
        (Vec3::from(r.center), r.neck.map(|n| Vec3::from(r.center) - Vec3::from(n)))
    } else {
        (grid_centre, None)
    };
    plane_through(g, point, direction)
}

/// The grid plane through `point` normal to the axis with the smallest share of `direction`
/// (the plane holds the direction where it can), and the view along its normal.
fn plane_through(g: &Side, point: Vec3, direction: Option<Vec3>) -> (Slice, View) {
    // The axis with the smallest share of the direction; ties (and no direction) go to the axis
    // along which the grid is thinnest, so the plane shows the most of the vessel.
    let share = |a: usize| direction.map_or(0.0, |d| (d[a] / d.norm()).abs());
    let axis = (0..3)
        .min_by(|&x, &y| {
            let (sx, sy) = (share(x), share(y));
            if (sx - sy).abs() > 1e-6 {
                sx.total_cmp(&sy)
            } else {
                g.dims[x].cmp(&g.dims[y])
            }
        })
        .unwrap_or(2);
    let view = [View::Right, View::Front, View::Top][axis];
    (Slice { axis, value: point[axis] }, view)
}
