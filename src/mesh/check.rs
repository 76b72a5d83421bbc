//! `mesh check`: what a loaded surface is, and whether it can be simulated.

use super::{CapInfo, EdgeStats, GroupKind, LoadReport, SurfaceMesh, Vec3};

/// Everything `hemoflow mesh check` reports. Lengths m, areas m^2, volumes m^3.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CheckReport {
    /// Vertices in the file, after welding repeated positions.
    pub vertices: usize,
    /// Triangles in the file.
    pub triangles: usize,
    /// Open boundary loops before capping.
    pub open_loops: usize,
    /// Caps added to close them.
    pub capped: usize,
    /// The caps added: name, loop size, area (m^2), how far the loop is from planar (m).
    pub caps_added: Vec<CapInfo>,
    /// After capping, every edge is shared by exactly two triangles.
    pub watertight: bool,
    /// Edges used by one triangle only, after capping.
    pub boundary_edges: usize,
    /// Edges shared by more than two triangles.
    pub non_manifold_edges: usize,
    /// Edges whose two triangles disagree on orientation.
    pub inconsistent_orientation: usize,
    /// Triangles with (numerically) zero area.
    pub degenerate_triangles: usize,
    /// Triangles of the file whose winding was reversed on import, to make it consistent across
    /// every edge and outward (added caps not counted): see [`LoadReport::reoriented_triangles`].
    pub reoriented_triangles: usize,
    /// Whether every triangle of the file was reversed (it was consistently inside-out); then
    /// `reoriented_triangles == triangles`.
    pub flipped: bool,
    /// Enclosed volume after capping (divergence theorem), m^3.
    pub volume: f64,
    /// Surface area after capping, m^2.
    pub area: f64,
    /// Low corner of the bounding box, m.
    pub bbox_min: [f64; 3],
    /// High corner of the bounding box, m.
    pub bbox_max: [f64; 3],
    /// Face groups, walls and caps.
    pub groups: Vec<GroupReport>,
    /// Whether the surface can be simulated (no `problems`).
    pub simulatable: bool,
    /// Why it cannot be simulated; empty when it can.
    pub problems: Vec<String>,
    /// Things worth knowing that do not stop a simulation.
    pub warnings: Vec<String>,
}

/// One face group in a [`CheckReport`].
#[derive(Clone, Debug, serde::Serialize)]
pub struct GroupReport {
    /// Group name.
    pub name: String,
    /// `wall` or `cap`.
    pub kind: GroupKind,
    /// Triangles in the group.
    pub triangles: usize,
    /// Area, m^2.
    pub area: f64,
    /// Area-weighted centroid, m.
    pub centroid: [f64; 3],
    /// Unit area-weighted mean normal, pointing out of the fluid (for a cap: its outward normal).
    pub normal: [f64; 3],
    /// Equivalent diameter 2 sqrt(area / pi), m.
    pub diameter: f64,
}

/// Checks a mesh as returned by [`super::load`].
pub fn check(mesh: &SurfaceMesh, load: &LoadReport) -> CheckReport {
    let edges = EdgeStats::of(mesh);
    let (lo, hi) = mesh.bbox().unwrap_or((Vec3::zeros(), Vec3::zeros()));
    let diag2 = (hi - lo).norm_squared();
    let degenerate_triangles = (0..mesh.triangles.len())
        .filter(|&t| {
            let [a, b, c] = mesh.triangles[t];
            a == b || b == c || a == c || mesh.area_normal(t).norm() / 2.0 <= 1e-12 * diag2
        })
        .count();
    let volume = mesh.signed_volume();
    let groups = group_reports(mesh);
    let watertight = edges.boundary_edges == 0 && edges.edges > 0;

    let mut problems = Vec::new();
    if !watertight {
        problems.push(format!("not watertight: {} open edges remain after capping", edges.boundary_edges));
    }
    if edges.non_manifold_edges > 0 {
        problems.push(format!("{} non-manifold edges (shared by more than two triangles)", edges.non_manifold_edges));
    }
    if edges.inconsistent_orientation > 0 {
        problems.push(format!(
            "{} edges between triangles of opposite orientation (normals flipped on part of the surface)",
            edges.inconsistent_orientation
        ));
    }
    if problems.is_empty() && volume <= 0.0 {
        problems.push(format!("enclosed volume is {volume:.3e} m^3, not positive"));
    }
    if !groups.iter().any(|g| g.kind == GroupKind::Cap) {
        problems.push("no caps: a vessel needs at least one inlet and one outlet (open ends or cap groups)".into());
    }
    let mut warnings = Vec::new();
    if degenerate_triangles > 0 {
        warnings.push(format!("{degenerate_triangles} degenerate (zero-area) triangles"));
    }
    for cap in &load.caps {
        let d = 2.0 * (cap.area / std::f64::consts::PI).sqrt();
        if cap.max_plane_distance > 0.05 * d {
            warnings.push(format!(
                "{}: open end is not planar (a loop vertex is {:.3e} m from the cap plane, {:.0}% of its diameter)",
                cap.name,
                cap.max_plane_distance,
                100.0 * cap.max_plane_distance / d
            ));
        }
    }
    CheckReport {
        vertices: load.vertices,
        triangles: load.triangles,
        open_loops: load.open_loops,
        capped: load.caps.len(),
        caps_added: load.caps.clone(),
        watertight,
        boundary_edges: edges.boundary_edges,
        non_manifold_edges: edges.non_manifold_edges,
        inconsistent_orientation: edges.inconsistent_orientation,
        degenerate_triangles,
        reoriented_triangles: load.reoriented_triangles,
        flipped: load.flipped,
        volume,
        area: mesh.area(),
        bbox_min: lo.into(),
        bbox_max: hi.into(),
        simulatable: problems.is_empty(),
        groups,
        problems,
        warnings,
    }
}

fn group_reports(mesh: &SurfaceMesh) -> Vec<GroupReport> {
    let n = mesh.groups.len();
    let (mut count, mut area, mut moment, mut normal) =
        (vec![0; n], vec![0.0; n], vec![Vec3::zeros(); n], vec![Vec3::zeros(); n]);
    for t in 0..mesh.triangles.len() {
        let g = mesh.labels[t] as usize;
        let an = mesh.area_normal(t);
        let a = an.norm() / 2.0;
        let [p, q, r] = mesh.corners(t);
        count[g] += 1;
        area[g] += a;
        moment[g] += a * (p + q + r) / 3.0;
        normal[g] += an;
    }
    mesh.groups
        .iter()
        .enumerate()
        .map(|(g, group)| GroupReport {
            name: group.name.clone(),
            kind: group.kind,
            triangles: count[g],
            area: area[g],
            centroid: if area[g] > 0.0 { moment[g] / area[g] } else { Vec3::zeros() }.into(),
            normal: normal[g].try_normalize(0.0).unwrap_or_else(Vec3::zeros).into(),
            diameter: 2.0 * (area[g] / std::f64::consts::PI).sqrt(),
        })
        .collect()
}

impl CheckReport {
    /// A readable multi-line summary (what `mesh check` prints without `--json`).
    pub fn text(&self) -> String {
        let mut s = String::new();
        let mut line = |l: String| {
            s.push_str(&l);
            s.push('\n');
        };
        line(format!("vertices {}   triangles {}", self.vertices, self.triangles));
        line(format!(
            "open loops {}   caps added {}   watertight {}   non-manifold edges {}   inconsistent edges {}   degenerate triangles {}",
            self.open_loops,
            self.capped,
            if self.watertight { "yes" } else { "no" },
            self.non_manifold_edges,
            self.inconsistent_orientation,
            self.degenerate_triangles
        ));
        if self.flipped {
            line(format!("triangles were inside-out: reoriented all {} to an outward winding", self.triangles));
        } else if self.reoriented_triangles > 0 {
            line(format!(
                "reoriented {} of {} triangles to a consistent outward winding",
                self.reoriented_triangles, self.triangles
            ));
        }
        let mm = |v: [f64; 3]| format!("({:.2}, {:.2}, {:.2}) mm", v[0] * 1e3, v[1] * 1e3, v[2] * 1e3);
        line(format!("bounding box {} to {}", mm(self.bbox_min), mm(self.bbox_max)));
        line(format!(
            "volume {:.4e} m^3 ({:.3} mL)   area {:.4e} m^2 ({:.1} mm^2)",
            self.volume,
            self.volume * 1e6,
            self.area,
            self.area * 1e6
        ));
        line(format!(
            "{:<24} {:<5} {:>9} {:>12} {:>9}  {:<30} normal",
            "group", "kind", "triangles", "area mm^2", "diam mm", "centroid"
        ));
        for g in &self.groups {
            let kind = if g.kind == GroupKind::Cap { "cap" } else { "wall" };
            line(format!(
                "{:<24} {:<5} {:>9} {:>12.3} {:>9.3}  {:<30} ({:+.3}, {:+.3}, {:+.3})",
                g.name,
                kind,
                g.triangles,
                g.area * 1e6,
                g.diameter * 1e3,
                mm(g.centroid),
                g.normal[0],
                g.normal[1],
                g.normal[2]
            ));
        }
        for w in &self.warnings {
            line(format!("warning: {w}"));
        }
        if self.simulatable {
            line("can be simulated".into());
        } else {
            for p in &self.problems {
                line(format!("problem: {p}"));
            }
        }
        s
    }
}
