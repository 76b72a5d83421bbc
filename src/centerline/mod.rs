//! Centrelines of a vessel between its caps, with the lumen radius along them: what stents are
//! placed on and what shows a stenosis as a dip in the radius profile.
//!
//! # Method
//! 1. The distance from every fluid cell of the grid to the wall (caps left out), by a
//!    closest-point transform ([`distance::WallDistance`]): exact to the wall's triangles.
//! 2. From the source cap (by default the largest), a shortest path over the fluid cells
//!    (26 neighbours) to every other cap, each step costing its length over the square of the
//!    distance to the wall: the cheapest route keeps as far from the wall as it can, along the
//!    medial axis. Each path runs from the cap cell nearest the source cap's centroid to the one
//!    nearest the target cap's, and is then given the caps' centroids as its end points.
//! 3. The staircase of cell centres is resampled every cell edge h and smoothed (a few passes of
//!    a [1 2 1] / 4 filter), then each interior point is moved, in the plane normal to the line,
//!    to where the distance to the wall is largest (the centre of the largest inscribed sphere
//!    that touches the plane there): exact on a circular section, so the line lies on the
//!    true axis of a tube whatever its angle to the grid, not only within a cell of it.
//! 4. The radius at each point is that distance: the maximum inscribed sphere radius, the
//!    quantity VMTK reports. In a stenosis it is the throat radius at the throat.

pub mod distance;

use rayon::prelude::*;

use crate::grid::{kind, Grid};
use crate::mesh::Vec3;
use crate::mesh::WallSurface;
use distance::{neighbours26, Key, WallDistance};

/// Smoothing passes of the resampled path.
const SMOOTHING: usize = 8;

/// Why centrelines cannot be traced.
#[derive(Debug, thiserror::Error)]
pub enum CenterlineError {
    /// Fewer than two caps.
    #[error("the vessel has {0} cap(s): centrelines need at least two")]
    TooFewCaps(usize),
    /// The named source cap does not exist.
    #[error("no cap named `{name}` (caps: {caps})")]
    UnknownCap {
        /// The name given.
        name: String,
        /// The caps there are, comma-separated.
        caps: String,
    },
    /// A cap has no fluid cell, or no fluid path joins it to the source.
    #[error("no path through the fluid from cap `{from}` to cap `{to}`: the grid does not connect them (try a smaller spacing)")]
    Unreachable {
        /// Source cap.
        from: String,
        /// Target cap.
        to: String,
    },
}

/// One centreline, from the source cap to one other cap.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Centerline {
    /// Source cap.
    pub from: String,
    /// Target cap.
    pub to: String,
    /// Points along the line, m (the caps' centroids at the ends).
    #[serde(serialize_with = "as_arrays")]
    pub points: Vec<Vec3>,
    /// Maximum inscribed sphere radius at each point, m.
    pub radius: Vec<f64>,
    /// Arc length from the first point, m.
    pub abscissa: Vec<f64>,
}

fn as_arrays<S: serde::Serializer>(points: &[Vec3], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(points.iter().map(|p| [p.x, p.y, p.z]))
}

/// Where a point lies along a centreline.
#[derive(Clone, Copy, Debug)]
pub struct Projection {
    /// Arc length of the nearest point on the line, m.
    pub abscissa: f64,
    /// The nearest point on the line, m.
    pub point: Vec3,
    /// Distance from the point given to it, m.
    pub distance: f64,
}

impl Centerline {
    /// Total length, m.
    pub fn length(&self) -> f64 {
        self.abscissa.last().copied().unwrap_or(0.0)
    }

    /// The point of the line nearest `p` (m).
    pub fn project(&self, p: Vec3) -> Projection {
        let mut best = Projection { abscissa: 0.0, point: self.points[0], distance: (p - self.points[0]).norm() };
        for i in 1..self.points.len() {
            let (a, b) = (self.points[i - 1], self.points[i]);
            let ab = b - a;
            let t = if ab.norm_squared() > 0.0 { ((p - a).dot(&ab) / ab.norm_squared()).clamp(0.0, 1.0) } else { 0.0 };
            let q = a + ab * t;
            let d = (p - q).norm();
            if d < best.distance {
                let s = self.abscissa[i - 1] + t * (self.abscissa[i] - self.abscissa[i - 1]);
                best = Projection { abscissa: s, point: q, distance: d };
            }
        }
        best
    }

    /// The point and radius at arc length `s` (m, clamped to the line), interpolated.
    pub fn at(&self, s: f64) -> (Vec3, f64) {
        let s = s.clamp(0.0, self.length());
        let i = self.abscissa.partition_point(|&x| x < s).clamp(1, self.points.len() - 1);
        let span = self.abscissa[i] - self.abscissa[i - 1];
        let t = if span > 0.0 { (s - self.abscissa[i - 1]) / span } else { 0.0 };
        (
            self.points[i - 1] + (self.points[i] - self.points[i - 1]) * t,
            self.radius[i - 1] + (self.radius[i] - self.radius[i - 1]) * t,
        )
    }

    /// The part of the line from arc length `s0` to `s1` (m, `s0 < s1`): its end points and the
    /// points between, with their arc lengths.
    pub fn between(&self, s0: f64, s1: f64) -> Vec<(f64, Vec3)> {
        let mut out = vec![(s0, self.at(s0).0)];
        out.extend(self.abscissa.iter().zip(&self.points).filter(|(&s, _)| s > s0 && s < s1).map(|(&s, &p)| (s, p)));
        out.push((s1, self.at(s1).0));
        out
    }
}

/// The centrelines of a vessel from one source cap to each of the others.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Centerlines {
    /// The source cap.
    pub source: String,
    /// Grid spacing they were traced on, m.
    pub spacing: f64,
    /// One line per other cap, in the caps' order.
    pub lines: Vec<Centerline>,
}

impl Centerlines {
    /// The line and point nearest `p` (m) over all lines.
    pub fn project(&self, p: Vec3) -> (usize, Projection) {
        self.lines
            .iter()
            .enumerate()
            .map(|(k, l)| (k, l.project(p)))
            .min_by(|a, b| a.1.distance.total_cmp(&b.1.distance))
            .expect("at least one line")
    }
}

/// Traces the centrelines of `grid`'s fluid (with `wall` its wall triangles) from the cap
/// named `source` (by default the largest cap) to every other cap.
pub fn centerlines(grid: &Grid, wall: &WallSurface, source: Option<&str>) -> Result<Centerlines, CenterlineError> {
    trace(&WallDistance::new(grid, wall), source)
}

/// [`centerlines`] on a wall distance already computed (its grid's caps and fluid).
pub fn trace(field: &WallDistance, source: Option<&str>) -> Result<Centerlines, CenterlineError> {
    let grid = field.grid();
    let caps = &grid.caps;
    if caps.len() < 2 {
        return Err(CenterlineError::TooFewCaps(caps.len()));
    }
    let src = match source {
        Some(name) => caps.iter().position(|c| c.name == name).ok_or_else(|| CenterlineError::UnknownCap {
            name: name.into(),
            caps: caps.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "),
        })?,
        None => (1..caps.len()).fold(0, |best, k| if caps[k].area > caps[best].area { k } else { best }),
    };
    let h = grid.spacing;
    let start = |k: usize| -> Option<u32> {
        let c = Vec3::from(caps[k].centroid);
        caps[k]
            .cells
            .iter()
            .map(|&(id, _)| id)
            .min_by(|&a, &b| (grid.cell_centre(a) - c).norm().total_cmp(&(grid.cell_centre(b) - c).norm()))
    };
    let unreachable =
        |k: usize| CenterlineError::Unreachable { from: caps[src].name.clone(), to: caps[k].name.clone() };
    let first = start(src).ok_or_else(|| unreachable(src))?;
    let previous = shortest_paths(grid, &field.distance, first);
    let mut lines = Vec::new();
    for k in (0..caps.len()).filter(|&k| k != src) {
        let last = start(k).ok_or_else(|| unreachable(k))?;
        let mut cells = vec![last];
        while *cells.last().expect("non-empty") != first {
            let p = previous[*cells.last().expect("non-empty") as usize];
            if p == u32::MAX {
                return Err(unreachable(k));
            }
            cells.push(p);
        }
        cells.reverse();
        let mut path = vec![Vec3::from(caps[src].centroid)];
        path.extend(cells.iter().map(|&id| grid.cell_centre(id)));
        path.push(Vec3::from(caps[k].centroid));
        let mut points = resample(&path, h);
        smooth(&mut points, SMOOTHING);
        let tangents: Vec<Vec3> = (0..points.len())
            .map(|i| (points[(i + 1).min(points.len() - 1)] - points[i.saturating_sub(1)]).normalize())
            .collect();
        let n = points.len();
        let centred: Vec<Vec3> = (0..n)
            .into_par_iter()
            .map(|i| if i == 0 || i == n - 1 { points[i] } else { centre_in_plane(field, points[i], tangents[i], h) })
            .collect();
        let radius = centred.iter().map(|&p| field.at(p).map_or(0.0, |(d, _)| d)).collect();
        let mut abscissa = vec![0.0];
        for i in 1..n {
            abscissa.push(abscissa[i - 1] + (centred[i] - centred[i - 1]).norm());
        }
        lines.push(Centerline {
            from: caps[src].name.clone(),
            to: caps[k].name.clone(),
            points: centred,
            radius,
            abscissa,
        });
    }
    Ok(Centerlines { source: caps[src].name.clone(), spacing: h, lines })
}

/// Dijkstra from cell `first` over the fluid cells; each step costs its length over the square
/// of the mean wall distance of its ends. The predecessor of each cell (u32::MAX: none).
fn shortest_paths(grid: &Grid, wall_distance: &[f64], first: u32) -> Vec<u32> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let n = grid.kind.len();
    let floor = 0.05 * grid.spacing;
    let mut cost = vec![f64::INFINITY; n];
    let mut previous = vec![u32::MAX; n];
    let mut heap = BinaryHeap::new();
    cost[first as usize] = 0.0;
    heap.push(Reverse((Key(0.0), first)));
    while let Some(Reverse((Key(c), id))) = heap.pop() {
        if c > cost[id as usize] {
            continue;
        }
        let (p, d) = (grid.cell_centre(id), wall_distance[id as usize].max(floor));
        for off in neighbours26() {
            let Some(nb) = grid.bricks.neighbour(id, off).filter(|&nb| grid.kind[nb as usize] != kind::SOLID) else {
                continue;
            };
            let mean = 0.5 * (d + wall_distance[nb as usize].max(floor));
            let next = c + (grid.cell_centre(nb) - p).norm() / (mean * mean);
            if next < cost[nb as usize] {
                cost[nb as usize] = next;
                previous[nb as usize] = id;
                heap.push(Reverse((Key(next), nb)));
            }
        }
    }
    previous
}

/// Points every `step` (m) of arc length along `path`, both ends kept.
fn resample(path: &[Vec3], step: f64) -> Vec<Vec3> {
    let mut length = vec![0.0];
    for i in 1..path.len() {
        length.push(length[i - 1] + (path[i] - path[i - 1]).norm());
    }
    let total = *length.last().expect("non-empty");
    let count = ((total / step).round() as usize).max(2);
    let mut out = Vec::with_capacity(count + 1);
    let mut i = 1;
    for k in 0..=count {
        let s = total * k as f64 / count as f64;
        while i < path.len() - 1 && length[i] < s {
            i += 1;
        }
        let span = length[i] - length[i - 1];
        let t = if span > 0.0 { ((s - length[i - 1]) / span).clamp(0.0, 1.0) } else { 0.0 };
        out.push(path[i - 1] + (path[i] - path[i - 1]) * t);
    }
    out
}

/// `passes` of a [1 2 1] / 4 filter over the interior points.
fn smooth(points: &mut [Vec3], passes: usize) {
    for _ in 0..passes {
        let old = points.to_vec();
        for i in 1..points.len().saturating_sub(1) {
            points[i] = (old[i - 1] + old[i] * 2.0 + old[i + 1]) / 4.0;
        }
    }
}

/// The point of the plane through `p` normal to `tangent` where the distance to the wall is
/// largest, by ascent along the distance's gradient projected on the plane (steps halved when
/// they overshoot), kept within half the starting distance of `p` so it stays in its lumen.
fn centre_in_plane(field: &WallDistance, p: Vec3, tangent: Vec3, h: f64) -> Vec3 {
    let Some((mut d, mut q)) = field.at(p) else { return p };
    let reach = 0.5 * d;
    let mut x = p;
    let mut step = 0.25 * h;
    for _ in 0..200 {
        if step < 1e-4 * h {
            break;
        }
        let g = x - q;
        let g = g - tangent * g.dot(&tangent);
        if g.norm() < 1e-12 * h {
            break;
        }
        let y = x + g.normalize() * step;
        match field.at(y) {
            Some((dy, qy)) if dy > d && (y - p).norm() <= reach => (x, d, q) = (y, dy, qy),
            _ => step *= 0.5,
        }
    }
    x
}
