//! Distance to the surface near it: a uniform bucket grid over the triangles (the acceleration
//! structure; every triangle is filed in each bucket its bounding box, grown by the search
//! radius, overlaps), so a query looks in one bucket and is exact up to that radius.

use rayon::prelude::*;

use crate::mesh::{SurfaceMesh, Vec3};

pub(crate) struct DistanceField<'a> {
    mesh: &'a SurfaceMesh,
    origin: Vec3,
    size: f64,
    dims: [usize; 3],
    start: Vec<u32>,
    tris: Vec<u32>,
    /// Each triangle's bounding sphere (centroid, m, and the largest distance to a corner, m):
    /// a query skips the triangles it shows farther than the closest found so far.
    spheres: Vec<[f64; 4]>,
    /// Distances beyond this are reported as this, m.
    pub radius: f64,
}

impl<'a> DistanceField<'a> {
    /// Buckets of edge `radius` over `mesh` (radius in m, > 0).
    pub fn new(mesh: &'a SurfaceMesh, radius: f64) -> DistanceField<'a> {
        let (lo, hi) = mesh.bbox().unwrap_or((Vec3::zeros(), Vec3::zeros()));
        let origin = lo - Vec3::repeat(2.0 * radius);
        let size = radius;
        let dims = [0, 1, 2].map(|a| (((hi[a] - origin[a]) + 2.0 * radius) / size).ceil() as usize + 1);
        let cell = |p: &Vec3, a: usize| (((p[a] - origin[a]) / size).floor().max(0.0) as usize).min(dims[a] - 1);
        let (spans, spheres): (Vec<([usize; 3], [usize; 3])>, Vec<[f64; 4]>) = (0..mesh.triangles.len())
            .into_par_iter()
            .map(|t| {
                let c = mesh.corners(t);
                let lo = c[0].inf(&c[1]).inf(&c[2]) - Vec3::repeat(radius);
                let hi = c[0].sup(&c[1]).sup(&c[2]) + Vec3::repeat(radius);
                let centre = (c[0] + c[1] + c[2]) / 3.0;
                let reach = c.iter().map(|v| (v - centre).norm()).fold(0.0, f64::max);
                let span = ([0, 1, 2].map(|a| cell(&lo, a)), [0, 1, 2].map(|a| cell(&hi, a)));
                (span, [centre.x, centre.y, centre.z, reach])
            })
            .unzip();
        let n = dims[0] * dims[1] * dims[2];
        let index = |i: usize, j: usize, k: usize| i + dims[0] * (j + dims[1] * k);
        let mut start = vec![0u32; n + 1];
        let each = |(lo, hi): &([usize; 3], [usize; 3]), f: &mut dyn FnMut(usize)| {
            for k in lo[2]..=hi[2] {
                for j in lo[1]..=hi[1] {
                    for i in lo[0]..=hi[0] {
                        f(index(i, j, k));
                    }
                }
            }
        };
        for s in &spans {
            each(s, &mut |b| start[b + 1] += 1);
        }
        for b in 0..n {
            start[b + 1] += start[b];
        }
        let mut fill = start.clone();
        let mut tris = vec![0u32; start[n] as usize];
        for (t, s) in spans.iter().enumerate() {
            each(s, &mut |b| {
                tris[fill[b] as usize] = t as u32;
                fill[b] += 1;
            });
        }
        DistanceField { mesh, origin, size, dims, start, tris, spheres, radius }
    }

    /// Unsigned distance from `p` to the surface, m, capped at `radius`.
    pub fn distance(&self, p: Vec3) -> f64 {
        self.closest(p).map_or(self.radius, |(_, d)| d)
    }

    /// The triangle of the surface closest to `p` and its distance (m), if one is within
    /// `radius`.
    pub fn closest(&self, p: Vec3) -> Option<(u32, f64)> {
        let mut best = None;
        let (mut best_d, mut best2) = (self.radius, self.radius * self.radius);
        for &t in self.bucket(p)? {
            // No point of the triangle is nearer than its sphere allows: skipping it then
            // changes nothing (it could not pass the strict test below; the margin covers
            // rounding).
            let [x, y, z, reach] = self.spheres[t as usize];
            let bound = (best_d + reach) * (1.0 + 1e-9);
            if (p - Vec3::new(x, y, z)).norm_squared() >= bound * bound {
                continue;
            }
            let [a, bb, cc] = self.mesh.corners(t as usize);
            let d2 = (closest_point(p, a, bb, cc) - p).norm_squared();
            if d2 < best2 {
                (best2, best_d) = (d2, d2.sqrt());
                best = Some(t);
            }
        }
        best.map(|t| (t, best2.sqrt()))
    }

    /// Signed distance from `p` to the surface, m (positive on the side its triangles' normals
    /// point to), if the surface is within `radius`. The sign comes from the area-weighted normals
    /// of every triangle that reaches the closest point (a pseudo-normal, so it is right where
    /// that point lies on an edge or a vertex too).
    pub fn signed(&self, p: Vec3) -> Option<f64> {
        let (_, d) = self.closest(p)?;
        let mut normal = Vec3::zeros();
        let mut towards = Vec3::zeros();
        for &t in self.bucket(p)? {
            let [a, bb, cc] = self.mesh.corners(t as usize);
            let q = closest_point(p, a, bb, cc);
            if (q - p).norm() <= d * (1.0 + 1e-9) + 1e-15 {
                normal += (bb - a).cross(&(cc - a));
                towards = p - q;
            }
        }
        Some(if towards.dot(&normal) >= 0.0 { d } else { -d })
    }

    /// The triangles filed in the bucket holding `p`; None outside the buckets.
    fn bucket(&self, p: Vec3) -> Option<&[u32]> {
        let c = [0, 1, 2].map(|a| ((p[a] - self.origin[a]) / self.size).floor());
        if (0..3).any(|a| c[a] < 0.0 || c[a] >= self.dims[a] as f64) {
            return None;
        }
        let b = c[0] as usize + self.dims[0] * (c[1] as usize + self.dims[1] * c[2] as usize);
        Some(&self.tris[self.start[b] as usize..self.start[b + 1] as usize])
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        (self.start.len() + self.tris.len()) * 4 + self.spheres.len() * 32
    }
}

/// The point of triangle (a, b, c) closest to p, all in m (Ericson, Real-Time Collision Detection, 5.1.5).
pub fn closest_point(p: Vec3, a: Vec3, b: Vec3, c: Vec3) -> Vec3 {
    let (ab, ac, ap) = (b - a, c - a, p - a);
    let (d1, d2) = (ab.dot(&ap), ac.dot(&ap));
    if d1 <= 0.0 && d2 <= 0.0 {
        return a;
    }
    let bp = p - b;
    let (d3, d4) = (ab.dot(&bp), ac.dot(&bp));
    if d3 >= 0.0 && d4 <= d3 {
        return b;
    }
    let vc = d1 * d4 - d3 * d2;
    if vc <= 0.0 && d1 >= 0.0 && d3 <= 0.0 {
        return a + ab * (d1 / (d1 - d3));
    }
    let cp = p - c;
    let (d5, d6) = (ab.dot(&cp), ac.dot(&cp));
    if d6 >= 0.0 && d5 <= d6 {
        return c;
    }
    let vb = d5 * d2 - d1 * d6;
    if vb <= 0.0 && d2 >= 0.0 && d6 <= 0.0 {
        return a + ac * (d2 / (d2 - d6));
    }
    let va = d3 * d6 - d5 * d4;
    if va <= 0.0 && (d4 - d3) >= 0.0 && (d5 - d6) >= 0.0 {
        return b + (c - b) * ((d4 - d3) / ((d4 - d3) + (d5 - d6)));
    }
    let denom = va + vb + vc;
    if denom == 0.0 {
        return a; // degenerate triangle
    }
    a + ab * (vb / denom) + ac * (vc / denom)
}
