//! A tube swept along a polyline with a radius that varies along it: the shape of a deployed
//! stent, as a signed distance (for the grid) and as a ring mesh (for the wall).

use crate::grid::Addition;
use crate::mesh::generate::perpendicular;
use crate::mesh::Vec3;

/// A tube of radius `radius[i]` at `points[i]`, linear between them, with round ends.
#[derive(Clone, Debug)]
pub struct Tube {
    /// Axis points, m (at least two).
    pub points: Vec<Vec3>,
    /// Radius at each point, m.
    pub radius: Vec<f64>,
}

/// The nearest point of a polyline: segment, parameter along it in [0, 1], the point.
struct Nearest {
    segment: usize,
    t: f64,
    point: Vec3,
    distance: f64,
}

impl Tube {
    /// The axis point whose sphere (of the radius there) `p` is least outside.
    fn nearest(&self, p: Vec3) -> Nearest {
        let mut best = Nearest { segment: 0, t: 0.0, point: self.points[0], distance: f64::INFINITY };
        let mut best_key = f64::INFINITY;
        for i in 0..self.points.len() - 1 {
            let (a, b) = (self.points[i], self.points[i + 1]);
            let ab = b - a;
            let t = if ab.norm_squared() > 0.0 { ((p - a).dot(&ab) / ab.norm_squared()).clamp(0.0, 1.0) } else { 0.0 };
            let q = a + ab * t;
            let d = (p - q).norm();
            let key = d - self.radius_at(i, t);
            if key < best_key {
                best_key = key;
                best = Nearest { segment: i, t, point: q, distance: d };
            }
        }
        best
    }

    fn radius_at(&self, segment: usize, t: f64) -> f64 {
        self.radius[segment] + (self.radius[segment + 1] - self.radius[segment]) * t
    }

    /// Signed distance from `p` to the tube's surface along its side, m (negative inside), with
    /// the nearest axis point and that point's radius; `None` where the nearest axis point is an
    /// end of the tube (beyond its ends there is no side).
    pub fn side_distance(&self, p: Vec3) -> Option<(f64, Vec3, f64)> {
        let n = self.nearest(p);
        let last = self.points.len() - 2;
        if (n.segment == 0 && n.t <= 0.0) || (n.segment == last && n.t >= 1.0) {
            return None;
        }
        let r = self.radius_at(n.segment, n.t);
        Some((n.distance - r, n.point, r))
    }

    /// The tube's side as a triangle mesh: a ring of `segments` vertices around each axis point
    /// (frames carried along the axis without twist), joined by quads split in two; open at the
    /// ends. Triangles counter-clockwise seen from outside the tube.
    pub fn ring_mesh(&self, segments: usize) -> (Vec<Vec3>, Vec<[u32; 3]>) {
        let m = self.points.len();
        let tangent = |i: usize| (self.points[(i + 1).min(m - 1)] - self.points[i.saturating_sub(1)]).normalize();
        let mut side = perpendicular(tangent(0));
        let mut vertices = Vec::with_capacity(m * segments);
        for i in 0..m {
            let t = tangent(i);
            side = (side - t * side.dot(&t)).normalize();
            let other = t.cross(&side);
            for k in 0..segments {
                let a = 2.0 * std::f64::consts::PI * k as f64 / segments as f64;
                vertices.push(self.points[i] + (side * a.cos() + other * a.sin()) * self.radius[i]);
            }
        }
        let mut triangles = Vec::with_capacity(2 * (m - 1) * segments);
        let at = |i: usize, k: usize| (i * segments + k % segments) as u32;
        for i in 0..m - 1 {
            for k in 0..segments {
                // Round with k is counter-clockwise about the tangent (side x other = tangent),
                // so these orders give outward normals.
                triangles.push([at(i, k), at(i + 1, k + 1), at(i + 1, k)]);
                triangles.push([at(i, k), at(i, k + 1), at(i + 1, k + 1)]);
            }
        }
        (vertices, triangles)
    }
}

impl Addition for Tube {
    fn signed_distance(&self, p: Vec3) -> f64 {
        let n = self.nearest(p);
        n.distance - self.radius_at(n.segment, n.t)
    }

    fn bounds(&self) -> (Vec3, Vec3) {
        let mut lo = Vec3::repeat(f64::INFINITY);
        let mut hi = Vec3::repeat(f64::NEG_INFINITY);
        for (p, &r) in self.points.iter().zip(&self.radius) {
            lo = lo.inf(&(p - Vec3::repeat(r)));
            hi = hi.sup(&(p + Vec3::repeat(r)));
        }
        (lo, hi)
    }
}
