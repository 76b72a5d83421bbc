//! The vessel wall alone: a surface's wall triangles with their own vertices, caps left out.
//! The wall shear stress, the centrelines, stents and the post-processing all work on it.

use super::{FaceGroup, GroupKind, SurfaceMesh, Vec3};

/// The vessel wall: the surface's wall triangles (caps left out), with their own vertices.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WallSurface {
    /// Vertex positions, m.
    pub vertices: Vec<Vec3>,
    /// Vertex indices of each triangle (counter-clockwise seen from outside the fluid).
    pub triangles: Vec<[u32; 3]>,
    /// Index into `label_names` for each triangle.
    pub labels: Vec<u32>,
    /// The wall's face groups.
    pub label_names: Vec<String>,
}

impl WallSurface {
    /// The wall groups of `mesh` (its cap groups left out), vertices renumbered.
    pub fn from_mesh(mesh: &SurfaceMesh) -> WallSurface {
        let walls: Vec<usize> = (0..mesh.groups.len()).filter(|&g| mesh.groups[g].kind == GroupKind::Wall).collect();
        let label_names = walls.iter().map(|&g| mesh.groups[g].name.clone()).collect();
        let keep: Vec<usize> =
            (0..mesh.triangles.len()).filter(|&t| walls.contains(&(mesh.labels[t] as usize))).collect();
        let labels = keep.iter().map(|&t| walls.iter().position(|&g| g == mesh.labels[t] as usize).unwrap_or(0) as u32);
        let labels = labels.collect();
        let mut surface = WallSurface { label_names, labels, ..Default::default() };
        surface.take_triangles(&mesh.vertices, keep.iter().map(|&t| mesh.triangles[t]));
        surface
    }

    fn take_triangles(&mut self, vertices: &[Vec3], triangles: impl Iterator<Item = [u32; 3]>) {
        let mut new_index = vec![u32::MAX; vertices.len()];
        for tri in triangles {
            self.triangles.push(tri.map(|v| {
                if new_index[v as usize] == u32::MAX {
                    new_index[v as usize] = self.vertices.len() as u32;
                    self.vertices.push(vertices[v as usize]);
                }
                new_index[v as usize]
            }));
        }
    }

    /// The corners of triangle `t`, m.
    pub fn corners(&self, t: usize) -> [Vec3; 3] {
        self.triangles[t].map(|v| self.vertices[v as usize])
    }

    /// Centroid of triangle `t`, m.
    pub fn centroid(&self, t: usize) -> Vec3 {
        let [a, b, c] = self.corners(t);
        (a + b + c) / 3.0
    }

    /// Area of triangle `t`, m^2.
    pub fn area(&self, t: usize) -> f64 {
        let [a, b, c] = self.corners(t);
        (b - a).cross(&(c - a)).norm() / 2.0
    }

    /// Unit normal of triangle `t`, out of the fluid (zero for a degenerate triangle).
    pub fn normal(&self, t: usize) -> Vec3 {
        let [a, b, c] = self.corners(t);
        (b - a).cross(&(c - a)).try_normalize(0.0).unwrap_or_else(Vec3::zeros)
    }

    /// The wall as a surface mesh (one group per label, all walls).
    pub fn to_mesh(&self) -> SurfaceMesh {
        SurfaceMesh {
            vertices: self.vertices.clone(),
            triangles: self.triangles.clone(),
            labels: self.labels.clone(),
            groups: self.label_names.iter().map(|n| FaceGroup { name: n.clone(), kind: GroupKind::Wall }).collect(),
        }
    }
}
