//! The wall of a vessel with expanded lumens: the vessel's wall triangles outside the tubes and
//! the tubes' side triangles outside the vessel, each clipped where the other surface crosses
//! it (linear in the signed distance along the triangle's edges).

use super::tube::Tube;
use crate::grid::distance::DistanceField;
use crate::grid::{kind, Addition, Grid};
use crate::mesh::Vec3;
use crate::mesh::WallSurface;

/// Builds the union's wall: `wall`'s triangles where no tube holds them, labelled as before,
/// and each tube's side where the vessel does not, labelled `stent`. Where the two surfaces lie within `tolerance` (m) of
/// each other the vessel's wall is kept and the tube's dropped, so coincident parts are not
/// doubled. `grid` is the vessel's before stenting.
pub fn union_wall(wall: &WallSurface, grid: &Grid, tubes: &[&Tube], tolerance: f64) -> WallSurface {
    let mut out = WallSurface { label_names: wall.label_names.clone(), ..Default::default() };
    let mut clipper = Clipper::default();
    let outside_tubes = |p: Vec3| tubes.iter().map(|t| t.signed_distance(p)).fold(f64::INFINITY, f64::min);
    let keep: Vec<f64> = wall.vertices.iter().map(|&v| outside_tubes(v) + tolerance).collect();
    for (t, tri) in wall.triangles.iter().enumerate() {
        clipper.clip(&mut out, &wall.vertices, *tri, keep_values(&keep, tri), wall.labels[t], 0);
    }
    let stent_label = out.label_names.len() as u32;
    out.label_names.push("stent".into());
    let h = grid.spacing;
    // Signed distance to the vessel: exact within two cells of its wall; farther, the sign of
    // the grid cell around the point (the wall is too far to put it on the other side).
    let wall_mesh = wall.to_mesh();
    let near = DistanceField::new(&wall_mesh, 2.0 * h);
    let vessel = |p: Vec3| {
        near.signed(p).unwrap_or_else(|| {
            let c = [0, 1, 2].map(|k| ((p[k] - grid.origin[k]) / h).floor() as i64);
            match grid.bricks.cell_id(c) {
                Some(id) if grid.kind[id as usize] != kind::SOLID => f64::NEG_INFINITY,
                _ => f64::INFINITY,
            }
        })
    };
    for (k, tube) in tubes.iter().enumerate() {
        let r_max = tube.radius.iter().copied().fold(0.0, f64::max);
        let segments = ((2.0 * std::f64::consts::PI * r_max / (0.5 * h)).ceil() as usize).max(24);
        let (vertices, triangles) = tube.ring_mesh(segments);
        // Outside the vessel (far from any fluid cell counts as outside) and outside the other
        // tubes.
        let keep: Vec<f64> = vertices
            .iter()
            .map(|&v| {
                let others = tubes.iter().enumerate().filter(|&(j, _)| j != k).map(|(_, t)| t.signed_distance(v));
                others.fold(vessel(v) - tolerance, f64::min)
            })
            .collect();
        for tri in &triangles {
            clipper.clip(&mut out, &vertices, *tri, keep_values(&keep, tri), stent_label, k + 1);
        }
    }
    out
}

fn keep_values(keep: &[f64], tri: &[u32; 3]) -> [f64; 3] {
    tri.map(|v| keep[v as usize])
}

/// Adds kept triangles to a surface, sharing the vertices of whole ones.
#[derive(Default)]
struct Clipper {
    /// (source mesh, vertex) -> index in the output.
    index: std::collections::HashMap<(usize, u32), u32>,
}

impl Clipper {
    fn vertex(&mut self, out: &mut WallSurface, source: usize, vertices: &[Vec3], v: u32) -> u32 {
        *self.index.entry((source, v)).or_insert_with(|| {
            out.vertices.push(vertices[v as usize]);
            out.vertices.len() as u32 - 1
        })
    }

    /// Adds the part of triangle `tri` (of `vertices`, from mesh `source`) where the value
    /// interpolated from `g` at its corners is positive.
    fn clip(
        &mut self,
        out: &mut WallSurface,
        vertices: &[Vec3],
        tri: [u32; 3],
        g: [f64; 3],
        label: u32,
        source: usize,
    ) {
        let inside = g.iter().filter(|&&x| x > 0.0).count();
        if inside == 0 {
            return;
        }
        if inside == 3 {
            let t = tri.map(|v| self.vertex(out, source, vertices, v));
            out.triangles.push(t);
            out.labels.push(label);
            return;
        }
        // Walk the edges, keeping corners with g > 0 and the crossings, in order.
        let mut poly: Vec<Vec3> = Vec::with_capacity(4);
        for i in 0..3 {
            let j = (i + 1) % 3;
            let (a, b) = (vertices[tri[i] as usize], vertices[tri[j] as usize]);
            if g[i] > 0.0 {
                poly.push(a);
            }
            if (g[i] > 0.0) != (g[j] > 0.0) {
                let t = g[i] / (g[i] - g[j]);
                poly.push(a + (b - a) * t);
            }
        }
        let first = out.vertices.len() as u32;
        out.vertices.extend_from_slice(&poly);
        for k in 1..poly.len() as u32 - 1 {
            out.triangles.push([first, first + k, first + k + 1]);
            out.labels.push(label);
        }
    }
}
