//! [`Report::plan`]: what a report holds ([`Report`], a [`Picture`] each), read from an output
//! file before the GPU is opened: the pictures' scenes and their captions in plain words.

use crate::post::render::request::{build_scene, Field, RenderRequest};
use crate::post::render::{Scene, View};
use crate::post::summary::{OutputSummary, HIGH_OSI, LOW_TAWSS};
use crate::post::view3d::Panel;
use crate::post::{OutputFile, PostError};

/// A picture of the report: its scene, file name and caption.
pub struct Picture {
    /// File name beside index.html, e.g. "tawss_iso.png".
    pub file_name: String,
    /// The field drawn.
    pub field: Field,
    /// The view.
    pub view: View,
    /// What the picture shows, when, and in which unit (plain words).
    pub caption: String,
    /// The scene, read from the file.
    pub scene: Scene,
}

/// A report ready to be drawn and written.
pub struct Report<'a> {
    /// The numbers.
    pub summary: &'a OutputSummary,
    /// The pictures, in page order (pairs of views per field).
    pub pictures: Vec<Picture>,
    /// The interactive 3D view's data (None: the file has no wall surface).
    pub view: Option<Panel>,
    /// Pictures that could not be drawn from this file, with the reason.
    pub left_out: Vec<String>,
    /// Picture size, pixels.
    pub size: [u32; 2],
    /// The file's modification time, seconds since 1970 (UTC), when known.
    pub modified: Option<u64>,
}

/// The views each field is shown in.
pub const VIEWS: [View; 2] = [View::Iso, View::Front];

impl<'a> Report<'a> {
    /// Builds the scenes of the report's pictures from `file` (whose numbers are `summary`):
    /// wall WSS (last snapshot), TAWSS and OSI (last cycle, if any), wall pressure, and speed on
    /// a slice through the middle of the fluid, each in the [`VIEWS`]. A picture whose data the
    /// file lacks is listed in `left_out`, not an error; other errors are returned.
    pub fn plan(file: &OutputFile, summary: &'a OutputSummary, size: [u32; 2]) -> Result<Report<'a>, PostError> {
        let mut fields = Vec::new();
        if let Some(wall) = &summary.wall {
            if wall.wss.is_some() {
                fields.push(Field::Wss);
            }
            if let Some(c) = &wall.cycle {
                if c.tawss.is_some() {
                    fields.push(Field::Tawss);
                }
                if c.osi.is_some() {
                    fields.push(Field::Osi);
                }
            }
            if summary.snapshots.last.is_some() {
                fields.push(Field::Pressure);
            }
        }
        if summary.grid.is_some() && summary.snapshots.last.is_some() {
            fields.push(Field::Speed);
        }
        let mut pictures = Vec::new();
        let mut left_out = Vec::new();
        for field in fields {
            for view in VIEWS {
                let request = RenderRequest { view, size, ..RenderRequest::new(field) };
                match build_scene(file, &request) {
                    Ok(scene) => {
                        let caption = caption(summary, field, view, &scene);
                        let file_name = format!("{}_{}.png", field.name(), view.name());
                        pictures.push(Picture { file_name, field, view, caption, scene });
                    }
                    Err(e) if e.is_user_error() => {
                        left_out.push(format!("{} ({} view): {e}", field.label(), view.name()));
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let modified = std::fs::metadata(file.path())
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs());
        let view = if file.exists("/wall/triangles") {
            let name = file.path().file_name().map_or(String::new(), |n| n.to_string_lossy().into());
            Some(Panel::read(file, &file.wall()?, &name, None)?)
        } else {
            None
        };
        Ok(Report { summary, pictures, view, left_out, size, modified })
    }
}

/// The caption of a picture: what, when, unit, view, colour scale.
fn caption(summary: &OutputSummary, field: Field, view: View, scene: &Scene) -> String {
    let snapshot = match (summary.snapshots.last, summary.snapshots.last_time) {
        (Some(n), Some(t)) => format!("at t = {t:.4} s (the last saved time, snapshot {n})"),
        _ => "at the last saved time".into(),
    };
    let cycle = match (summary.cycles.last, summary.cycles.start, summary.cycles.end) {
        (Some(k), Some(a), Some(b)) => format!("averaged over heartbeat {k} (from {a:.3} to {b:.3} s)"),
        _ => "averaged over the last heartbeat".into(),
    };
    let what = match field {
        Field::Wss => format!(
            "Wall shear stress, in pascals (Pa), {snapshot}: the frictional pull of the flowing blood along the \
             vessel wall at that instant."
        ),
        Field::Tawss => format!(
            "Time-averaged wall shear stress (TAWSS), in Pa, {cycle}. Dark areas have low shear; below {LOW_TAWSS} Pa \
             is considered low."
        ),
        Field::Osi => format!(
            "Oscillatory shear index (OSI), without unit, from 0 (the shear keeps one direction) to 0.5 (it reverses \
             back and forth), {cycle}. Above {HIGH_OSI} (green to yellow) the flow near the wall oscillates."
        ),
        Field::Rrt => format!("Relative residence time (RRT), in 1/Pa, {cycle}."),
        Field::Pressure => format!(
            "Blood pressure on the wall, in Pa (1 mmHg = 133.322 Pa), {snapshot}; the values are relative to the \
             simulation's reference pressure."
        ),
        Field::Speed => format!(
            "Blood speed, in metres per second (m/s), {snapshot}, on a flat cut through the middle of the vessel; \
             the wall is drawn in faint grey around it."
        ),
    };
    let seen = match view {
        View::Iso => "Seen obliquely from the front, right and above (iso view; z points up).".to_string(),
        View::Front => "Seen from the front (looking along +y; x to the right, z up).".to_string(),
        other => format!("View {}.", other.name()),
    };
    // The title's second line, less what the caption already says (the view, "on the wall").
    let detail: Vec<&str> = scene.title.get(1).map_or(Vec::new(), |d| {
        d.split("; ").filter(|part| !part.starts_with("view ") && *part != "on the wall").collect()
    });
    let detail = if detail.is_empty() { String::new() } else { format!(" Picture details: {}.", detail.join("; ")) };
    format!("{what} {seen} Colours run from dark violet (low) to yellow (high), as on the bar.{detail}")
}
