//! Orientation repair: making the triangles' winding agree across every edge, then pointing each
//! closed piece of the surface outward.
//!
//! Surfaces from segmentation and CAD tools often come with some triangles wound the other way.
//! [`orient_consistently`] walks the triangle adjacency breadth-first over the manifold edges
//! (edges shared by exactly two triangles), one connected component at a time, and reverses every
//! triangle that runs along a shared edge in the same direction as the neighbour it was reached
//! from. [`orient_outward`] then reverses each closed component whose signed volume is negative.
//! `load` runs the first before tracing open boundary loops (a flipped triangle at a boundary would
//! otherwise pinch it) and the second after capping them.

use std::collections::VecDeque;
use std::path::PathBuf;

use rayon::slice::ParallelSliceMut;

use super::{MeshError, SurfaceMesh, Vec3};

/// No neighbour across this edge (open boundary, non-manifold or collapsed edge).
const NONE: u32 = u32::MAX;

/// Triangle adjacency across manifold edges.
struct Adjacency {
    /// Per triangle, up to three neighbours: (triangle, whether both run the shared edge the
    /// same way, i.e. one of the two must be reversed to agree).
    neighbours: Vec<[(u32, bool); 3]>,
    /// Per triangle, whether one of its edges is open or shared by more than two triangles.
    on_defect: Vec<bool>,
    /// The first edge (vertex pair) shared by more than two triangles, with its triangle count.
    non_manifold: Option<(u32, u32, usize)>,
}

impl Adjacency {
    fn of(mesh: &SurfaceMesh) -> Adjacency {
        // One directed use per edge of each triangle: (min << 32 | max, triangle << 1 | forward),
        // forward when the triangle runs min -> max.
        let mut uses: Vec<(u64, u64)> = Vec::with_capacity(mesh.triangles.len() * 3);
        for (t, tri) in mesh.triangles.iter().enumerate() {
            for k in 0..3 {
                let (a, b) = (tri[k], tri[(k + 1) % 3]);
                if a != b {
                    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                    uses.push(((lo as u64) << 32 | hi as u64, (t as u64) << 1 | (a < b) as u64));
                }
            }
        }
        uses.par_sort_unstable();
        let n = mesh.triangles.len();
        let mut adj =
            Adjacency { neighbours: vec![[(NONE, false); 3]; n], on_defect: vec![false; n], non_manifold: None };
        // A triangle has at most three edges, so at most three neighbours: a free slot exists.
        let link = |adj: &mut Adjacency, t: usize, other: u32, same: bool| {
            if let Some(slot) = adj.neighbours[t].iter_mut().find(|s| s.0 == NONE) {
                *slot = (other, same);
            }
        };
        let mut i = 0;
        while i < uses.len() {
            let mut j = i + 1;
            while j < uses.len() && uses[j].0 == uses[i].0 {
                j += 1;
            }
            let edge = &uses[i..j];
            if edge.len() == 2 {
                let (t0, f0) = ((edge[0].1 >> 1) as u32, edge[0].1 & 1 == 1);
                let (t1, f1) = ((edge[1].1 >> 1) as u32, edge[1].1 & 1 == 1);
                link(&mut adj, t0 as usize, t1, f0 == f1);
                link(&mut adj, t1 as usize, t0, f0 == f1);
            } else {
                for u in edge {
                    adj.on_defect[(u.1 >> 1) as usize] = true;
                }
                if edge.len() > 2 && adj.non_manifold.is_none() {
                    adj.non_manifold = Some(((edge[0].0 >> 32) as u32, edge[0].0 as u32, edge.len()));
                }
            }
            i = j;
        }
        adj
    }

    /// Connected components over manifold edges: a component index per triangle (numbered in
    /// the order of their lowest triangle), the number of components, and the edges of the
    /// breadth-first trees as (from, to, same) in the order they were crossed, so that `from` is
    /// always reached before `to`.
    fn components(&self) -> (Vec<u32>, usize, Vec<(u32, u32, bool)>) {
        let n = self.neighbours.len();
        let mut component = vec![NONE; n];
        let mut tree = Vec::with_capacity(n);
        let mut queue = VecDeque::new();
        let mut count = 0u32;
        for seed in 0..n {
            if component[seed] != NONE {
                continue;
            }
            component[seed] = count;
            queue.push_back(seed as u32);
            while let Some(t) = queue.pop_front() {
                for &(u, same) in &self.neighbours[t as usize] {
                    if u != NONE && component[u as usize] == NONE {
                        component[u as usize] = count;
                        tree.push((t, u, same));
                        queue.push_back(u);
                    }
                }
            }
            count += 1;
        }
        (component, count as usize, tree)
    }
}

/// The edge of triangles `t` and `u` (two shared vertices), lowest index first.
fn shared_edge(mesh: &SurfaceMesh, t: u32, u: u32) -> (u32, u32) {
    let (a, b) = (mesh.triangles[t as usize], mesh.triangles[u as usize]);
    let mut common = a.iter().filter(|v| b.contains(v)).copied();
    let p = common.next().unwrap_or(a[0]);
    let q = common.find(|&v| v != p).unwrap_or(p);
    (p.min(q), p.max(q))
}

fn edge_error(mesh: &SurfaceMesh, (a, b): (u32, u32), what: &str) -> MeshError {
    let at = |v: u32| {
        let p = mesh.vertices[v as usize];
        format!("vertex {v} ({:.6}, {:.6}, {:.6})", p.x, p.y, p.z)
    };
    MeshError::Topology { path: PathBuf::new(), message: format!("edge from {} to {} m: {what}", at(a), at(b)) }
}

/// Makes the winding of `mesh` consistent: after it, the two triangles on each edge they share
/// run along it in opposite directions. Within each connected component (over shared edges) the
/// triangle with the lowest index keeps its winding and the others follow it.
///
/// Returns the number of triangles reversed. Fails, naming the edge's vertices and their
/// coordinates (m), when an edge is shared by more than two triangles (non-manifold) or when the
/// surface is non-orientable (like a Möbius strip, no winding agrees across every edge).
pub fn orient_consistently(mesh: &mut SurfaceMesh) -> Result<usize, MeshError> {
    let adj = Adjacency::of(mesh);
    if let Some((a, b, k)) = adj.non_manifold {
        return Err(edge_error(
            mesh,
            (a, b),
            &format!("shared by {k} triangles (non-manifold: a surface edge joins at most two)"),
        ));
    }
    // A neighbour reached across an edge both run the same way is wound against the triangle it
    // was reached from: it takes the opposite of that triangle's reversal.
    let mut reverse = vec![false; mesh.triangles.len()];
    for (t, u, same) in adj.components().2 {
        reverse[u as usize] = reverse[t as usize] ^ same;
    }
    // Every shared edge off the trees must agree too; one that cannot closes a twisted loop.
    for (t, nb) in adj.neighbours.iter().enumerate() {
        if let Some(&(u, _)) = nb.iter().find(|&&(u, same)| u != NONE && reverse[u as usize] != reverse[t] ^ same) {
            return Err(edge_error(
                mesh,
                shared_edge(mesh, t as u32, u),
                "the surface is non-orientable (no winding of its triangles agrees across every edge, as on a \
                 Möbius strip)",
            ));
        }
    }
    let mut reversed = 0;
    for (tri, r) in mesh.triangles.iter_mut().zip(reverse) {
        if r {
            tri.swap(1, 2);
            reversed += 1;
        }
    }
    Ok(reversed)
}

/// Reverses each closed, consistently wound component of `mesh` (every edge shared by exactly
/// two triangles running it in opposite directions) whose signed volume is negative, so that
/// normals point out of the enclosed volume. Components that are open, non-manifold or
/// inconsistently wound are left as they are (`check` reports them). Each component is judged on
/// its own: a closed surface nested inside another (a cavity) also comes out with positive volume.
///
/// Returns the number of triangles reversed.
pub fn orient_outward(mesh: &mut SurfaceMesh) -> usize {
    let adj = Adjacency::of(mesh);
    let (component, count, _) = adj.components();
    let mut closed = vec![true; count];
    for (t, &c) in component.iter().enumerate() {
        if adj.on_defect[t] || adj.neighbours[t].iter().any(|&(u, same)| u != NONE && same) {
            closed[c as usize] = false;
        }
    }
    // Relative to the bounding-box centre, to keep the sums well conditioned far from 0.
    let o = mesh.bbox().map(|(lo, hi)| (lo + hi) / 2.0).unwrap_or_else(Vec3::zeros);
    let mut volume = vec![0.0; count];
    for (t, &c) in component.iter().enumerate() {
        let [a, b, d] = mesh.corners(t);
        volume[c as usize] += (a - o).dot(&(b - o).cross(&(d - o)));
    }
    let mut reversed = 0;
    for (t, &c) in component.iter().enumerate() {
        if closed[c as usize] && volume[c as usize] < 0.0 {
            mesh.triangles[t].swap(1, 2);
            reversed += 1;
        }
    }
    reversed
}
