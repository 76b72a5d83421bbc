//! The open boundary: each cap's triangles clipped to the grid cells, so every cell on a cap
//! knows exactly how much of the cap's area crosses it. A piece that falls in a cell whose
//! centre is outside the fluid (the cap plane cuts it on the far side) is handed to the fluid
//! cell behind it, against the cap normal; so the open areas of a cap's cells add up to the
//! cap's area.

use std::collections::HashMap;

use crate::mesh::{GroupKind, SurfaceMesh, Vec3};

/// One cap's cells and their open areas.
pub(crate) struct CapCells {
    pub group: u32,
    /// Cap area, m^2.
    pub area: f64,
    /// Unit normal pointing out of the fluid.
    pub normal: Vec3,
    /// Area centroid, m.
    pub centroid: Vec3,
    /// Open area per cell (grid coordinates), m^2.
    pub cells: HashMap<[i64; 3], f64>,
    /// Area that found no fluid cell, m^2.
    pub lost: f64,
}

/// Clips polygon `poly` to the half-space `x[axis] < bound` (`keep_below`) or `>= bound`: cells
/// are half-open, so a cap lying exactly on a cell face is counted once, in the cell above it.
fn clip(poly: &[Vec3], axis: usize, bound: f64, keep_below: bool) -> Vec<Vec3> {
    let inside = |p: &Vec3| if keep_below { p[axis] < bound } else { p[axis] >= bound };
    let mut out = Vec::with_capacity(poly.len() + 2);
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
        if inside(&a) {
            out.push(a);
        }
        if inside(&a) != inside(&b) {
            let t = (bound - a[axis]) / (b[axis] - a[axis]);
            out.push(a + (b - a) * t);
        }
    }
    out
}

fn polygon_area(poly: &[Vec3]) -> f64 {
    let mut s = Vec3::zeros();
    for i in 1..poly.len().saturating_sub(1) {
        s += (poly[i] - poly[0]).cross(&(poly[i + 1] - poly[0]));
    }
    s.norm() / 2.0
}

/// Every cap group's cells. `is_fluid` says whether the cell at grid coordinates is fluid.
pub(crate) fn cap_cells(
    mesh: &SurfaceMesh,
    origin: Vec3,
    h: f64,
    is_fluid: &dyn Fn([i64; 3]) -> bool,
) -> Vec<CapCells> {
    let mut caps: Vec<CapCells> = mesh
        .groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.kind == GroupKind::Cap)
        .map(|(g, _)| CapCells {
            group: g as u32,
            area: 0.0,
            normal: Vec3::zeros(),
            centroid: Vec3::zeros(),
            cells: HashMap::new(),
            lost: 0.0,
        })
        .collect();
    let slot: HashMap<u32, usize> = caps.iter().enumerate().map(|(i, c)| (c.group, i)).collect();
    for t in 0..mesh.triangles.len() {
        let Some(&ci) = slot.get(&mesh.labels[t]) else { continue };
        let corners = mesh.corners(t);
        let an = mesh.area_normal(t);
        let cap = &mut caps[ci];
        cap.area += an.norm() / 2.0;
        cap.normal += an;
        cap.centroid += an.norm() / 2.0 * (corners[0] + corners[1] + corners[2]) / 3.0;
        let n = an.try_normalize(0.0).unwrap_or_else(Vec3::zeros);
        // Fluid lies against the normal: fall back on the neighbours behind the cap (d . n < 0)
        // before those beside it, nearest first.
        let mut behind: Vec<[i64; 3]> =
            (0..27).map(|m| [m % 3 - 1, (m / 3) % 3 - 1, m / 9 - 1]).filter(|d| *d != [0, 0, 0]).collect();
        let key = |d: &[i64; 3]| {
            let dn = d[0] as f64 * n.x + d[1] as f64 * n.y + d[2] as f64 * n.z;
            (dn > 1e-9, d.iter().map(|x| x * x).sum::<i64>(), dn)
        };
        behind.sort_by(|a, b| key(a).partial_cmp(&key(b)).expect("finite normal"));
        let lo = corners[0].inf(&corners[1]).inf(&corners[2]);
        let hi = corners[0].sup(&corners[1]).sup(&corners[2]);
        // One cell of margin: the clipping below, not this rounding, decides which cells hold it.
        let first = [0, 1, 2].map(|a| ((lo[a] - origin[a]) / h).floor() as i64 - 1);
        let last = [0, 1, 2].map(|a| ((hi[a] - origin[a]) / h).floor() as i64 + 1);
        for k in first[2]..=last[2] {
            for j in first[1]..=last[1] {
                for i in first[0]..=last[0] {
                    let c = [i, j, k];
                    let mut poly = corners.to_vec();
                    for a in 0..3 {
                        // Both bounds by one formula, so neighbours share each face bit for bit.
                        poly = clip(&poly, a, origin[a] + c[a] as f64 * h, false);
                        poly = clip(&poly, a, origin[a] + (c[a] + 1) as f64 * h, true);
                    }
                    let area = polygon_area(&poly);
                    if area == 0.0 {
                        continue;
                    }
                    let target = std::iter::once(c)
                        .chain(behind.iter().map(|d| [c[0] + d[0], c[1] + d[1], c[2] + d[2]]))
                        .find(|&d| is_fluid(d));
                    match target {
                        Some(d) => *cap.cells.entry(d).or_insert(0.0) += area,
                        None => cap.lost += area,
                    }
                }
            }
        }
    }
    for cap in &mut caps {
        cap.normal = cap.normal.try_normalize(0.0).unwrap_or_else(Vec3::zeros);
        if cap.area > 0.0 {
            cap.centroid /= cap.area;
        }
    }
    caps
}
