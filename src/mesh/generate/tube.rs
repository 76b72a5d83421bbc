//! Structured tubes: rings of vertices along a straight axis, closed by flat fan caps.

use std::f64::consts::PI;

use super::super::{FaceGroup, SurfaceMesh, Vec3};

/// A straight tube whose cross-section at axial distance `s` (m) from the inlet is a circle of
/// radius `radius(s)` centred `offset(s)` along `side` from the axis.
pub(super) struct Tube<'a> {
    /// Inlet point on the axis, m.
    pub start: Vec3,
    /// Unit flow direction.
    pub axis: Vec3,
    /// Unit vector normal to `axis`: the direction of `offset` and of the first vertex of a ring.
    pub side: Vec3,
    /// Inlet to outlet, m.
    pub length: f64,
    /// Vertices per ring.
    pub segments: usize,
    /// Ring spans (rings + 1 rings of vertices).
    pub rings: usize,
    /// Lumen radius at `s`, m.
    pub radius: &'a dyn Fn(f64) -> f64,
    /// Lumen centre shift along `side` at `s`, m.
    pub offset: &'a dyn Fn(f64) -> f64,
}

/// The smallest even number of ring spans (at least 2) for which the ring spacing does not
/// exceed the circumferential edge `2 pi radius / segments`.
pub(super) fn default_rings(length: f64, radius: f64, segments: usize) -> usize {
    let edge = 2.0 * PI * radius / segments as f64;
    let m = (length / edge).ceil().max(1.0) as usize;
    m + m % 2
}

/// The tube as a closed mesh with groups `wall`, `inlet`, `outlet`.
pub(super) fn build(t: &Tube) -> SurfaceMesh {
    let (n, m) = (t.segments, t.rings);
    // (side, v, axis) is right-handed, so rings run counter-clockwise about the axis.
    let v = t.axis.cross(&t.side);
    let trig: Vec<(f64, f64)> = (0..n).map(|j| (2.0 * PI * j as f64 / n as f64).sin_cos()).collect();
    let centre = |s: f64| t.start + t.axis * s + t.side * (t.offset)(s);
    let mut vertices = Vec::with_capacity((m + 1) * n + 2);
    for k in 0..=m {
        // The last ring sits exactly at `length`, whatever the rounding of k * ds.
        let s = if k == m { t.length } else { t.length * k as f64 / m as f64 };
        let (c, r) = (centre(s), (t.radius)(s));
        vertices.extend(trig.iter().map(|&(sin, cos)| c + (t.side * cos + v * sin) * r));
    }
    let (c_in, c_out) = (vertices.len() as u32, vertices.len() as u32 + 1);
    vertices.push(centre(0.0));
    vertices.push(centre(t.length));

    let at = |k: usize, j: usize| (k * n + j % n) as u32;
    let mut triangles = Vec::with_capacity(2 * m * n + 2 * n);
    let mut labels = Vec::with_capacity(2 * m * n + 2 * n);
    for k in 0..m {
        for j in 0..n {
            // Edges run +theta then +axis: theta x axis points radially out of the fluid.
            triangles.push([at(k, j), at(k, j + 1), at(k + 1, j + 1)]);
            triangles.push([at(k, j), at(k + 1, j + 1), at(k + 1, j)]);
            labels.extend([0, 0]);
        }
    }
    for j in 0..n {
        triangles.push([c_in, at(0, j + 1), at(0, j)]);
        labels.push(1);
    }
    for j in 0..n {
        triangles.push([c_out, at(m, j), at(m, j + 1)]);
        labels.push(2);
    }
    let groups = ["wall", "inlet", "outlet"].into_iter().map(FaceGroup::from_name).collect();
    SurfaceMesh { vertices, triangles, labels, groups }
}
