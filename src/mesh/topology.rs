//! Edge topology of a triangle mesh: boundary, non-manifold and inconsistently oriented edges,
//! and the open boundary loops that need caps.

use std::collections::HashMap;
use std::path::PathBuf;

use rayon::slice::ParallelSliceMut;

use super::{MeshError, SurfaceMesh};

/// Counts of edge defects in a mesh.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EdgeStats {
    /// Distinct undirected edges.
    pub edges: usize,
    /// Edges used by one triangle only (open boundary).
    pub boundary_edges: usize,
    /// Edges used by more than two triangles.
    pub non_manifold_edges: usize,
    /// Edges whose two triangles run along them in the same direction (a flipped neighbour).
    pub inconsistent_orientation: usize,
}

/// One directed use of an undirected edge: key = (min << 32 | max), `forward` when the triangle
/// runs min -> max.
fn half_edges(mesh: &SurfaceMesh) -> Vec<(u64, bool)> {
    let mut h = Vec::with_capacity(mesh.triangles.len() * 3);
    for t in &mesh.triangles {
        for k in 0..3 {
            let (a, b) = (t[k], t[(k + 1) % 3]);
            if a == b {
                continue; // collapsed edge of a degenerate triangle: no edge
            }
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            h.push(((lo as u64) << 32 | hi as u64, a < b));
        }
    }
    h.par_sort_unstable();
    h
}

/// Calls `f(key, uses)` for each undirected edge with the slice of its directed uses.
fn for_each_edge(h: &[(u64, bool)], mut f: impl FnMut(u64, &[(u64, bool)])) {
    let mut i = 0;
    while i < h.len() {
        let mut j = i + 1;
        while j < h.len() && h[j].0 == h[i].0 {
            j += 1;
        }
        f(h[i].0, &h[i..j]);
        i = j;
    }
}

impl EdgeStats {
    /// Edge statistics of `mesh`.
    pub fn of(mesh: &SurfaceMesh) -> EdgeStats {
        let h = half_edges(mesh);
        let mut s = EdgeStats::default();
        for_each_edge(&h, |_, uses| {
            s.edges += 1;
            match uses.len() {
                1 => s.boundary_edges += 1,
                2 => {
                    if uses[0].1 == uses[1].1 {
                        s.inconsistent_orientation += 1
                    }
                }
                _ => s.non_manifold_edges += 1,
            }
        });
        s
    }

    /// Every edge is shared by exactly two triangles.
    pub fn is_closed_manifold(&self) -> bool {
        self.edges > 0 && self.boundary_edges == 0 && self.non_manifold_edges == 0
    }
}

/// The open boundary loops of `mesh`, each as vertex indices in the direction the adjacent
/// triangle runs along them. A mesh without open boundary gives no loops.
///
/// Fails when the boundary cannot be split into simple loops (two open edges leave one vertex,
/// or an open edge leads nowhere).
pub fn boundary_loops(mesh: &SurfaceMesh) -> Result<Vec<Vec<u32>>, MeshError> {
    let h = half_edges(mesh);
    let mut next: HashMap<u32, u32> = HashMap::new();
    let mut starts = Vec::new();
    let mut err = None;
    for_each_edge(&h, |key, uses| {
        if uses.len() != 1 || err.is_some() {
            return;
        }
        let (lo, hi) = ((key >> 32) as u32, key as u32);
        let (a, b) = if uses[0].1 { (lo, hi) } else { (hi, lo) };
        if next.insert(a, b).is_some() {
            err = Some(topology_error(mesh, a, "two open boundary edges leave this vertex (pinched boundary)"));
        }
        starts.push(a);
    });
    if let Some(e) = err {
        return Err(e);
    }
    starts.sort_unstable();
    let mut loops = Vec::new();
    for start in starts {
        if !next.contains_key(&start) {
            continue; // already part of a loop
        }
        let mut lp = vec![start];
        let mut v = next.remove(&start).expect("checked above");
        while v != start {
            lp.push(v);
            v = match next.remove(&v) {
                Some(n) => n,
                None => {
                    return Err(topology_error(
                        mesh,
                        v,
                        "open boundary does not close into a loop here (flipped triangle at the boundary?)",
                    ))
                }
            };
        }
        loops.push(lp);
    }
    Ok(loops)
}

fn topology_error(mesh: &SurfaceMesh, v: u32, what: &str) -> MeshError {
    let p = mesh.vertices[v as usize];
    MeshError::Topology {
        path: PathBuf::new(),
        message: format!("vertex {v} at ({:.6}, {:.6}, {:.6}) m: {what}", p.x, p.y, p.z),
    }
}
