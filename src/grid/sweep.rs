//! Inside/outside by ray sweeps along grid rows.
//!
//! Every row of sample points parallel to an axis is one ray. The ray meets the surface where it
//! pierces a triangle; summing the signed crossings (+1 entering, -1 leaving) in front of a point
//! gives its winding number, and a point is inside when that is non-zero. One sweep classifies a
//! whole row, so the cost per cell is a comparison, and the crossing positions are exact wall
//! positions along the row (the solver's wall fractions).
//!
//! Robustness: a ray through an edge or a vertex must count exactly one of the triangles that
//! share it. Each edge's 2D orientation test is evaluated once per edge in a canonical vertex
//! order (lower index first), so two triangles sharing an edge see the same value with opposite
//! signs; an exact zero is broken by symbolic perturbation of the ray (as if moved by
//! (delta, delta^2) in the row's plane), the same way for every triangle. The count is then
//! consistent for every ray, whatever the floating-point rounding.

use rayon::prelude::*;

use crate::mesh::{SurfaceMesh, Vec3};

/// Sample rows along one axis: positions `origin[u] + (p + offset) h`, `origin[v] + (q + offset) h`
/// for rows `p < rows[0]`, `q < rows[1]` in the two other axes `u = (axis + 1) % 3`,
/// `v = (axis + 2) % 3`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rows {
    pub axis: usize,
    pub origin: Vec3,
    pub h: f64,
    /// 0.5 for rows through cell centres, 0 for rows through nodes.
    pub offset: f64,
    pub rows: [usize; 2],
}

/// Crossings of every row with the surface, sorted along the row: row `r = p + rows[0] * q`
/// holds `at[start[r]..start[r + 1]]`.
pub(crate) struct Crossings {
    pub rows: Rows,
    start: Vec<u32>,
    /// Position along the axis, m.
    pos: Vec<f64>,
    /// +1 where the ray enters the enclosed volume, -1 where it leaves.
    delta: Vec<i8>,
}

fn orient(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> f64 {
    (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
}

/// Sign of the edge function of directed edge (i -> j) at p: evaluated in canonical order,
/// zero broken by symbolic perturbation.
fn edge_sign(pts: &[[f64; 2]; 3], idx: &[u32; 3], i: usize, j: usize, p: [f64; 2]) -> (f64, bool) {
    let (lo, hi, flip) = if idx[i] < idx[j] { (i, j, false) } else { (j, i, true) };
    let (a, b) = (pts[lo], pts[hi]);
    let mut e = orient(a, b, p);
    let positive = if e != 0.0 {
        e > 0.0
    } else if b[1] != a[1] {
        b[1] < a[1]
    } else {
        b[0] > a[0]
    };
    if flip {
        e = -e;
    }
    (e, positive != flip)
}

impl Crossings {
    /// Sweeps every row of `rows` through the surface.
    pub fn sweep(mesh: &SurfaceMesh, rows: Rows) -> Crossings {
        let (a, u, v) = (rows.axis, (rows.axis + 1) % 3, (rows.axis + 2) % 3);
        let [nu, nv] = rows.rows;
        let n_rows = nu * nv;
        // Row range of each triangle's projection, then a CSR bucket of triangles per row.
        // One row of margin each side: the exact test below, not this rounding, decides.
        let range = |lo: f64, hi: f64, o: f64, n: usize| -> Option<(usize, usize)> {
            let first = ((lo - o) / rows.h - rows.offset).ceil().max(1.0) - 1.0;
            let last = ((hi - o) / rows.h - rows.offset).floor().min(n as f64 - 2.0) + 1.0;
            (first <= last).then_some((first as usize, last as usize))
        };
        let spans: Vec<Option<[(usize, usize); 2]>> = (0..mesh.triangles.len())
            .into_par_iter()
            .map(|t| {
                let c = mesh.corners(t);
                let (ulo, uhi) = (c[0][u].min(c[1][u]).min(c[2][u]), c[0][u].max(c[1][u]).max(c[2][u]));
                let (vlo, vhi) = (c[0][v].min(c[1][v]).min(c[2][v]), c[0][v].max(c[1][v]).max(c[2][v]));
                Some([range(ulo, uhi, rows.origin[u], nu)?, range(vlo, vhi, rows.origin[v], nv)?])
            })
            .collect();
        let mut count = vec![0u32; n_rows + 1];
        for s in spans.iter().flatten() {
            for q in s[1].0..=s[1].1 {
                for p in s[0].0..=s[0].1 {
                    count[p + nu * q + 1] += 1;
                }
            }
        }
        for r in 0..n_rows {
            count[r + 1] += count[r];
        }
        let mut fill = count.clone();
        let mut bucket = vec![0u32; count[n_rows] as usize];
        for (t, s) in spans.iter().enumerate() {
            let Some(s) = s else { continue };
            for q in s[1].0..=s[1].1 {
                for p in s[0].0..=s[0].1 {
                    let r = p + nu * q;
                    bucket[fill[r] as usize] = t as u32;
                    fill[r] += 1;
                }
            }
        }
        // Each row's crossings, in parallel.
        let per_row: Vec<Vec<(f64, i8)>> = (0..n_rows)
            .into_par_iter()
            .map(|r| {
                let (p, q) = (r % nu, r / nu);
                let pt = [
                    rows.origin[u] + (p as f64 + rows.offset) * rows.h,
                    rows.origin[v] + (q as f64 + rows.offset) * rows.h,
                ];
                let mut hits = Vec::new();
                for &t in &bucket[count[r] as usize..count[r + 1] as usize] {
                    let idx = mesh.triangles[t as usize];
                    let c = mesh.corners(t as usize);
                    let pts = c.map(|x| [x[u], x[v]]);
                    let area = orient(pts[0], pts[1], pts[2]);
                    if area == 0.0 {
                        continue; // parallel to the ray
                    }
                    let (e01, s01) = edge_sign(&pts, &idx, 0, 1, pt);
                    let (e12, s12) = edge_sign(&pts, &idx, 1, 2, pt);
                    let (e20, s20) = edge_sign(&pts, &idx, 2, 0, pt);
                    let ccw = area > 0.0;
                    if s01 != ccw || s12 != ccw || s20 != ccw {
                        continue;
                    }
                    // Barycentric position along the axis; weights are the opposite edges' values.
                    let w = e12 + e20 + e01;
                    let x = if w != 0.0 { (e12 * c[0][a] + e20 * c[1][a] + e01 * c[2][a]) / w } else { c[0][a] };
                    // (u, v, axis) is right-handed: area > 0 means the normal points along +axis.
                    hits.push((x, if ccw { -1 } else { 1 }));
                }
                hits.sort_by(|x, y| x.0.total_cmp(&y.0));
                hits
            })
            .collect();
        let mut start = Vec::with_capacity(n_rows + 1);
        let total: usize = per_row.iter().map(Vec::len).sum();
        let (mut pos, mut delta) = (Vec::with_capacity(total), Vec::with_capacity(total));
        start.push(0);
        for row in per_row {
            for (x, d) in row {
                pos.push(x);
                delta.push(d);
            }
            start.push(pos.len() as u32);
        }
        Crossings { rows, start, pos, delta }
    }

    /// The crossings of row (p, q): positions (m) and winding steps.
    pub fn row(&self, p: usize, q: usize) -> (&[f64], &[i8]) {
        let r = p + self.rows.rows[0] * q;
        let (s, e) = (self.start[r] as usize, self.start[r + 1] as usize);
        (&self.pos[s..e], &self.delta[s..e])
    }

    /// Whether each of the `n` samples of row (p, q) (positions `origin[axis] + (i + offset) h`)
    /// is inside: calls `f(i)` for those that are.
    pub fn for_inside(&self, p: usize, q: usize, n: usize, mut f: impl FnMut(usize)) {
        let (pos, delta) = self.row(p, q);
        let (o, h, off) = (self.rows.origin[self.rows.axis], self.rows.h, self.rows.offset);
        let mut winding = 0i32;
        let mut k = 0;
        for i in 0..n {
            let x = o + (i as f64 + off) * h;
            while k < pos.len() && pos[k] < x {
                winding += delta[k] as i32;
                k += 1;
            }
            if winding != 0 {
                f(i);
            }
        }
    }

    /// The first crossing of row (p, q) strictly between positions `lo` and `hi` (m) nearest
    /// to `from` (either end), if any.
    pub fn crossing_between(&self, p: usize, q: usize, lo: f64, hi: f64, from_low: bool) -> Option<f64> {
        let (pos, _) = self.row(p, q);
        let first = pos.partition_point(|&x| x <= lo);
        let last = pos.partition_point(|&x| x < hi);
        if first >= last {
            return None;
        }
        Some(if from_low { pos[first] } else { pos[last - 1] })
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.start.len() * 4 + self.pos.len() * 9
    }
}
