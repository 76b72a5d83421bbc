//! The wall's values at a point (`hemoflow info --probe X,Y,Z`): the wall triangle nearest the
//! point and every wall field the file holds there (|WSS| and wall pressure of the last
//! snapshot, TAWSS, OSI and RRT of the last cycle). SI units: m, Pa, 1/Pa.

use serde::Serialize;

use super::read::{OutputFile, Pick};
use super::render::request::{wall_values, Field};
use super::PostError;
use crate::grid::closest_point;
use crate::mesh::Vec3;

/// One field's value on the probed triangle.
#[derive(Clone, Debug, Serialize)]
pub struct ProbeValue {
    /// The field's name as `render` spells it ("tawss").
    pub field: String,
    /// Its unit ("Pa", "-", "1/Pa").
    pub unit: String,
    /// The snapshot or cycle read ("snapshot 19, t = 1.2400 s", "cycle 2").
    pub from: String,
    /// The value (null where the triangle has none).
    pub value: Option<f64>,
}

/// The wall nearest a point.
#[derive(Clone, Debug, Serialize)]
pub struct WallProbe {
    /// The point asked for, m.
    pub point: [f64; 3],
    /// The nearest wall triangle (its index in /wall/triangles).
    pub triangle: usize,
    /// Its centroid, m.
    pub centroid: [f64; 3],
    /// Distance from the point to the triangle, m.
    pub distance: f64,
    /// The wall fields there.
    pub values: Vec<ProbeValue>,
}

impl WallProbe {
    /// The wall of `file` nearest `point` (m), with every wall field's value there.
    pub fn at(file: &OutputFile, point: [f64; 3]) -> Result<WallProbe, PostError> {
        let wall = file.wall()?;
        let p = Vec3::from(point);
        let nearest = (0..wall.triangles.len())
            .map(|t| {
                let [a, b, c] = wall.corners(t);
                (t, (closest_point(p, a, b, c) - p).norm())
            })
            .min_by(|x, y| x.1.total_cmp(&y.1));
        let Some((triangle, distance)) = nearest else {
            return Err(PostError::Option {
                option: "--probe".into(),
                message: "the file's wall has no triangles".into(),
            });
        };
        let m = wall.triangles.len();
        let mut values = Vec::new();
        for field in [Field::Wss, Field::Pressure, Field::Tawss, Field::Osi, Field::Rrt] {
            let (kind, dataset) = match field {
                Field::Wss => ("fields", "wss"),
                Field::Pressure => ("fields", "wall_pressure"),
                _ => ("cycles", field.name()),
            };
            if !file.exists(&format!("/{kind}")) {
                continue;
            }
            let group = file.pick(kind, Pick::Last, "--probe")?;
            if !file.exists(&format!("{group}/{dataset}")) {
                continue;
            }
            let n = group.rsplit('/').next().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
            let from = if kind == "fields" {
                format!("snapshot {n}, t = {:.4} s", file.scalar_attr(&group, "time")?)
            } else {
                format!("cycle {n}")
            };
            let v = wall_values(file, field, &group, m)?[triangle];
            let value = v.is_finite().then_some(v as f64);
            values.push(ProbeValue { field: field.name().into(), unit: field.unit().into(), from, value });
        }
        Ok(WallProbe { point, triangle, centroid: wall.centroid(triangle).into(), distance, values })
    }

    /// The probe as lines of text (positions in mm).
    pub fn text(&self) -> String {
        let mm = |p: [f64; 3]| format!("({:.3}, {:.3}, {:.3}) mm", p[0] * 1e3, p[1] * 1e3, p[2] * 1e3);
        let mut t = format!(
            "wall nearest {}: triangle {}, centroid {}, {:.3} mm away\n",
            mm(self.point),
            self.triangle,
            mm(self.centroid),
            self.distance * 1e3
        );
        for v in &self.values {
            let value = v.value.map_or("no value".into(), |x| super::num(x, 4));
            let unit = if v.unit == "-" { String::new() } else { format!(" {}", v.unit) };
            t += &format!("  {:<9} {value}{unit} ({})\n", v.field, v.from);
        }
        t
    }
}
