//! Surface meshes: loading (OBJ, STL, VTP), repairing orientation, checking, capping open ends,
//! and generating synthetic vessels.
//!
//! Every mesh in the engine is a [`SurfaceMesh`] in metres: a welded triangle soup with one
//! face-group label per triangle. Mesh files carry no units; [`Units`] says which ones the file
//! uses and the conversion happens once, in [`load`].

mod cap;
mod check;
mod error;
pub mod generate;
mod obj;
mod orient;
mod stl;
mod topology;
mod vtp;
mod wall;

use std::path::Path;

pub use cap::{cap_open_loops, CapInfo};
pub use check::{check, CheckReport, GroupReport};
pub use error::MeshError;
pub use orient::{orient_consistently, orient_outward};
pub use topology::{boundary_loops, EdgeStats};
pub use wall::WallSurface;

/// A 3-vector of f64 (metres where it is a position).
pub type Vec3 = nalgebra::Vector3<f64>;

/// Length unit of the coordinates in a mesh file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Units {
    /// Millimetres (the default in medical imaging: 3D Slicer, VMTK).
    #[default]
    Mm,
    /// Centimetres (SimVascular models).
    Cm,
    /// Metres.
    M,
}

impl Units {
    /// Metres per file unit.
    pub fn to_metres(self) -> f64 {
        match self {
            Units::Mm => 1e-3,
            Units::Cm => 1e-2,
            Units::M => 1.0,
        }
    }

    /// The unit's symbol, as written on the command line.
    pub fn symbol(self) -> &'static str {
        match self {
            Units::Mm => "mm",
            Units::Cm => "cm",
            Units::M => "m",
        }
    }
}

/// What a face group is to the solver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupKind {
    /// Vessel wall: no-slip.
    Wall,
    /// A flat cap closing an open end: inlet or outlet, chosen in the case file.
    Cap,
}

/// A named set of triangles.
#[derive(Clone, Debug, PartialEq)]
pub struct FaceGroup {
    /// Name from the file (OBJ group, STL solid, SimVascular face), or `cap_N` for added caps.
    pub name: String,
    /// Wall or cap.
    pub kind: GroupKind,
}

impl FaceGroup {
    /// A group whose kind follows from its name: names containing `inlet`, `outlet` or `cap`
    /// (any case) are caps, everything else is wall.
    pub fn from_name(name: impl Into<String>) -> FaceGroup {
        let name = name.into();
        let lower = name.to_ascii_lowercase();
        let is_cap = ["inlet", "outlet", "cap"].iter().any(|k| lower.contains(k));
        FaceGroup { kind: if is_cap { GroupKind::Cap } else { GroupKind::Wall }, name }
    }
}

/// A triangulated surface in metres with one group label per triangle.
///
/// Vertices are welded (a position appears once). Triangles are counter-clockwise seen from
/// outside the fluid, so normals point out of the fluid, once [`load`] has oriented the mesh.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SurfaceMesh {
    /// Vertex positions, m.
    pub vertices: Vec<Vec3>,
    /// Vertex indices of each triangle.
    pub triangles: Vec<[u32; 3]>,
    /// Index into `groups` for each triangle.
    pub labels: Vec<u32>,
    /// The face groups.
    pub groups: Vec<FaceGroup>,
}

impl SurfaceMesh {
    /// The three corners of triangle `t`.
    pub fn corners(&self, t: usize) -> [Vec3; 3] {
        let [a, b, c] = self.triangles[t];
        [self.vertices[a as usize], self.vertices[b as usize], self.vertices[c as usize]]
    }

    /// Area-weighted normal of triangle `t` (length = twice its area), pointing out of the
    /// fluid for an oriented mesh.
    pub fn area_normal(&self, t: usize) -> Vec3 {
        let [a, b, c] = self.corners(t);
        (b - a).cross(&(c - a))
    }

    /// Enclosed volume by the divergence theorem, m^3: sum over triangles of
    /// `a . (b x c) / 6`. Exact for a closed surface; positive when normals point outwards.
    pub fn signed_volume(&self) -> f64 {
        // Relative to the bounding-box centre, to keep the sum well conditioned far from 0.
        let o = self.bbox().map(|(lo, hi)| (lo + hi) / 2.0).unwrap_or_else(Vec3::zeros);
        (0..self.triangles.len())
            .map(|t| {
                let [a, b, c] = self.corners(t);
                (a - o).dot(&(b - o).cross(&(c - o)))
            })
            .sum::<f64>()
            / 6.0
    }

    /// Total surface area, m^2.
    pub fn area(&self) -> f64 {
        (0..self.triangles.len()).map(|t| self.area_normal(t).norm() / 2.0).sum()
    }

    /// Axis-aligned bounding box of the vertices used by triangles, or `None` when empty.
    pub fn bbox(&self) -> Option<(Vec3, Vec3)> {
        let mut it = self.triangles.iter().flatten().map(|&i| self.vertices[i as usize]);
        let first = it.next()?;
        Some(it.fold((first, first), |(lo, hi), p| (lo.inf(&p), hi.sup(&p))))
    }

    /// Index of the group called `name`, adding a group (kind from its name) when absent.
    pub fn group_index(&mut self, name: &str) -> u32 {
        if let Some(i) = self.groups.iter().position(|g| g.name == name) {
            return i as u32;
        }
        self.groups.push(FaceGroup::from_name(name));
        (self.groups.len() - 1) as u32
    }

    /// Merges vertices at bit-identical positions (STL and tobj repeat them per triangle) and
    /// drops vertices no triangle uses.
    pub fn weld(&mut self) {
        use std::collections::HashMap;
        let key = |p: &Vec3| [p.x.to_bits(), p.y.to_bits(), p.z.to_bits()];
        let mut index: HashMap<[u64; 3], u32> = HashMap::with_capacity(self.vertices.len() / 2);
        let mut remap = vec![u32::MAX; self.vertices.len()];
        let mut welded = Vec::with_capacity(self.vertices.len() / 2);
        for tri in &mut self.triangles {
            for v in tri.iter_mut() {
                let old = *v as usize;
                if remap[old] == u32::MAX {
                    let p = self.vertices[old];
                    remap[old] = *index.entry(key(&p)).or_insert_with(|| {
                        welded.push(p);
                        (welded.len() - 1) as u32
                    });
                }
                *v = remap[old];
            }
        }
        self.vertices = welded;
    }

    /// Reverses the orientation of every triangle.
    pub fn flip(&mut self) {
        for t in &mut self.triangles {
            t.swap(1, 2);
        }
    }

    /// Scales all coordinates by `factor`.
    pub fn scale(&mut self, factor: f64) {
        for v in &mut self.vertices {
            *v *= factor;
        }
    }

    /// Drops groups that no triangle uses, renumbering labels.
    pub fn prune_groups(&mut self) {
        let mut used = vec![false; self.groups.len()];
        for &l in &self.labels {
            used[l as usize] = true;
        }
        let mut new_index = vec![0u32; self.groups.len()];
        let mut kept = Vec::new();
        for (i, g) in self.groups.drain(..).enumerate() {
            if used[i] {
                new_index[i] = kept.len() as u32;
                kept.push(g);
            }
        }
        self.groups = kept;
        for l in &mut self.labels {
            *l = new_index[*l as usize];
        }
    }
}

/// Mesh file formats, chosen from the file extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Wavefront OBJ; `g`/`o` groups become face groups.
    Obj,
    /// STL, ASCII or binary (told apart by content).
    Stl,
    /// VTK XML PolyData, with `ModelFaceID` face labels (SimVascular, VMTK).
    Vtp,
}

impl Format {
    /// The format for `path`'s extension (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Format, MeshError> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        match ext.as_str() {
            "obj" => Ok(Format::Obj),
            "stl" => Ok(Format::Stl),
            "vtp" => Ok(Format::Vtp),
            _ => Err(MeshError::UnknownFormat { path: path.to_path_buf() }),
        }
    }
}

/// What [`load`] did to the file's surface besides reading it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadReport {
    /// Vertices after welding, before capping.
    pub vertices: usize,
    /// Triangles in the file.
    pub triangles: usize,
    /// Open boundary loops found before capping.
    pub open_loops: usize,
    /// Caps added to close them.
    pub caps: Vec<CapInfo>,
    /// Triangles of the file whose winding in the loaded mesh is the reverse of the file's: those
    /// [`orient_consistently`] and [`orient_outward`] turned, net (a triangle turned by both counts
    /// once as not reversed). Added caps are not counted.
    pub reoriented_triangles: usize,
    /// Whether every triangle of the file was reversed (the file was consistently inside-out):
    /// `reoriented_triangles == triangles`.
    pub flipped: bool,
}

impl LoadReport {
    /// The report for a mesh made in memory (generated, not loaded): its own counts, nothing
    /// capped or flipped.
    pub fn in_memory(mesh: &SurfaceMesh) -> LoadReport {
        LoadReport { vertices: mesh.vertices.len(), triangles: mesh.triangles.len(), ..Default::default() }
    }
}

/// Reads a surface mesh file without capping or orienting it: coordinates converted to metres,
/// vertices welded, non-finite coordinates rejected.
pub fn read(path: &Path, units: Units) -> Result<SurfaceMesh, MeshError> {
    let meta = std::fs::metadata(path).map_err(|e| MeshError::io(path, e))?;
    if meta.is_dir() {
        return Err(MeshError::IsDirectory { path: path.to_path_buf() });
    }
    let format = Format::from_path(path)?;
    let bytes = std::fs::read(path).map_err(|e| MeshError::io(path, e))?;
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(MeshError::Empty { path: path.to_path_buf() });
    }
    let mut mesh = match format {
        Format::Obj => obj::parse(path, &bytes)?,
        Format::Stl => stl::parse(path, &bytes)?,
        Format::Vtp => vtp::parse(path, &bytes)?,
    };
    if mesh.triangles.is_empty() {
        return Err(MeshError::NoTriangles { path: path.to_path_buf() });
    }
    mesh.weld();
    mesh.prune_groups();
    mesh.scale(units.to_metres());
    Ok(mesh)
}

/// Reads a surface mesh file and makes it ready for the grid: [`read`]; makes the triangles'
/// winding agree across every edge ([`orient_consistently`]: non-manifold and non-orientable
/// surfaces are refused here, with the edge's position); closes every open boundary loop with a
/// planar cap (`cap_0, cap_1, ...` by decreasing area); then reverses each closed piece whose
/// normals point into it ([`orient_outward`]), so normals point out of the fluid.
pub fn load(path: &Path, units: Units) -> Result<(SurfaceMesh, LoadReport), MeshError> {
    let mut mesh = read(path, units)?;
    let mut report = LoadReport::in_memory(&mesh);
    let file_triangles = mesh.triangles.clone();
    orient_consistently(&mut mesh).map_err(|e| e.in_file(path))?;
    let loops = boundary_loops(&mesh).map_err(|e| e.in_file(path))?;
    report.open_loops = loops.len();
    report.caps = cap_open_loops(&mut mesh, &loops);
    for cap in &report.caps {
        log::info!("{}: capped an open end with {} ({:.3e} m^2)", path.display(), cap.name, cap.area);
    }
    orient_outward(&mut mesh);
    // Reversal only ever swaps two corners, so a triangle differs from the file's iff it is reversed.
    report.reoriented_triangles = mesh.triangles.iter().zip(&file_triangles).filter(|(a, b)| a != b).count();
    report.flipped = report.reoriented_triangles == file_triangles.len();
    if report.flipped {
        log::info!("{}: triangles were inside-out; reversed them", path.display());
    } else if report.reoriented_triangles > 0 {
        log::info!(
            "{}: reversed {} of {} triangles to a consistent outward winding",
            path.display(),
            report.reoriented_triangles,
            file_triangles.len()
        );
    }
    Ok((mesh, report))
}
