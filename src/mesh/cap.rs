//! Closing open boundary loops with planar caps.
//!
//! Surfaces from 3D Slicer or VMTK with cut vessel ends are open. Each open loop gets a cap: a
//! fan of triangles from the loop's area centroid, projected on the loop's best-fit plane (the
//! vessel cross-section is star-shaped about it in practice); where the fan would fold over, the
//! loop is ear-clipped in that plane instead. Caps are named `cap_0, cap_1, ...` by decreasing
//! area, so the largest opening (usually the inlet of an arterial tree) is `cap_0`.

use super::{FaceGroup, GroupKind, SurfaceMesh, Vec3};

/// A cap added by [`cap_open_loops`].
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CapInfo {
    /// Group name given to the cap.
    pub name: String,
    /// Vertices on the loop it closes.
    pub loop_vertices: usize,
    /// Cap area, m^2.
    pub area: f64,
    /// Largest distance of a loop vertex from the cap's plane, m: how far from planar the
    /// opening was.
    pub max_plane_distance: f64,
}

/// Plane geometry of one open loop.
struct LoopPlane {
    /// Unit normal pointing out of the fluid (the cap's outward normal).
    normal: Vec3,
    /// Area centroid of the loop projected on its plane.
    centre: Vec3,
    /// Area of the projected loop, m^2.
    area: f64,
    max_plane_distance: f64,
}

/// `loop_` as given by `boundary_loops`: vertex order follows the adjacent wall triangles.
fn loop_plane(mesh: &SurfaceMesh, loop_: &[u32]) -> LoopPlane {
    let p: Vec<Vec3> = loop_.iter().map(|&v| mesh.vertices[v as usize]).collect();
    let n = p.len();
    let mean = p.iter().sum::<Vec3>() / n as f64;
    // Newell's vector area of the loop as the wall runs it; the cap runs it backwards.
    let mut newell = Vec3::zeros();
    for i in 0..n {
        newell += (p[i] - mean).cross(&(p[(i + 1) % n] - mean));
    }
    let normal = -newell.try_normalize(0.0).unwrap_or_else(Vec3::z);
    let project = |q: &Vec3| q - normal * normal.dot(&(q - mean));
    let q: Vec<Vec3> = p.iter().map(project).collect();
    // Area centroid of the projected polygon (fan from the mean, signed areas).
    let (mut area2, mut weighted) = (0.0, Vec3::zeros());
    for i in 0..n {
        let (a, b) = (q[(i + 1) % n], q[i]); // cap order
        let s = (a - mean).cross(&(b - mean)).dot(&normal);
        area2 += s;
        weighted += s * (mean + a + b) / 3.0;
    }
    let centre = if area2.abs() > 0.0 { weighted / area2 } else { mean };
    let max_plane_distance = p.iter().map(|x| normal.dot(&(x - mean)).abs()).fold(0.0, f64::max);
    LoopPlane { normal, centre, area: area2.abs() / 2.0, max_plane_distance }
}

/// Closes each loop in `loops` with a cap triangulated in the loop's best-fit plane, adds one
/// cap group per loop (`cap_N` by decreasing area, skipping names already taken) and returns
/// what was added, largest first.
pub fn cap_open_loops(mesh: &mut SurfaceMesh, loops: &[Vec<u32>]) -> Vec<CapInfo> {
    let mut planes: Vec<(usize, LoopPlane)> = loops.iter().map(|l| loop_plane(mesh, l)).enumerate().collect();
    planes.sort_by(|a, b| b.1.area.total_cmp(&a.1.area));
    let mut added = Vec::new();
    let mut k = 0;
    for (li, plane) in planes {
        let name = loop {
            let candidate = format!("cap_{k}");
            k += 1;
            if !mesh.groups.iter().any(|g| g.name == candidate) {
                break candidate;
            }
        };
        mesh.groups.push(FaceGroup { name: name.clone(), kind: GroupKind::Cap });
        let label = (mesh.groups.len() - 1) as u32;
        // The cap runs the loop backwards so that each boundary edge is used once each way.
        let cap_order: Vec<u32> = loops[li].iter().rev().copied().collect();
        let tris = fan(mesh, &cap_order, &plane).unwrap_or_else(|| ear_clip(mesh, &cap_order, &plane));
        for t in tris {
            mesh.triangles.push(t);
            mesh.labels.push(label);
        }
        added.push(CapInfo {
            name,
            loop_vertices: cap_order.len(),
            area: plane.area,
            max_plane_distance: plane.max_plane_distance,
        });
    }
    added
}

/// Fan from the projected area centroid, or `None` when a fan triangle would face backwards.
fn fan(mesh: &mut SurfaceMesh, order: &[u32], plane: &LoopPlane) -> Option<Vec<[u32; 3]>> {
    let n = order.len();
    let ok = (0..n).all(|i| {
        let a = mesh.vertices[order[i] as usize];
        let b = mesh.vertices[order[(i + 1) % n] as usize];
        (b - a).cross(&(plane.centre - a)).dot(&plane.normal) > 0.0
    });
    if !ok {
        return None;
    }
    mesh.vertices.push(plane.centre);
    let c = (mesh.vertices.len() - 1) as u32;
    Some((0..n).map(|i| [order[i], order[(i + 1) % n], c]).collect())
}

/// Ear clipping of the loop projected on its plane (counter-clockwise about the outward normal).
fn ear_clip(mesh: &SurfaceMesh, order: &[u32], plane: &LoopPlane) -> Vec<[u32; 3]> {
    let u = plane.normal.cross(&if plane.normal.x.abs() < 0.9 { Vec3::x() } else { Vec3::y() }).normalize();
    let v = plane.normal.cross(&u);
    let pt: Vec<[f64; 2]> = order
        .iter()
        .map(|&i| {
            let d = mesh.vertices[i as usize] - plane.centre;
            [d.dot(&u), d.dot(&v)]
        })
        .collect();
    let cross = |a: [f64; 2], b: [f64; 2], c: [f64; 2]| (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
    let mut idx: Vec<usize> = (0..order.len()).collect();
    let mut tris = Vec::with_capacity(order.len());
    while idx.len() > 3 {
        let m = idx.len();
        let ear = (0..m).find(|&i| {
            let (a, b, c) = (pt[idx[(i + m - 1) % m]], pt[idx[i]], pt[idx[(i + 1) % m]]);
            cross(a, b, c) > 0.0
                && idx.iter().all(|&j| {
                    let p = pt[j];
                    p == a
                        || p == b
                        || p == c
                        || !(cross(a, b, p) >= 0.0 && cross(b, c, p) >= 0.0 && cross(c, a, p) >= 0.0)
                })
        });
        // A self-intersecting projection has no ear: clip the most convex corner and go on.
        let i = ear.unwrap_or_else(|| {
            (0..m)
                .max_by(|&i, &j| {
                    let f = |k: usize| cross(pt[idx[(k + m - 1) % m]], pt[idx[k]], pt[idx[(k + 1) % m]]);
                    f(i).total_cmp(&f(j))
                })
                .expect("loop has more than 3 vertices")
        });
        tris.push([order[idx[(i + m - 1) % m]], order[idx[i]], order[idx[(i + 1) % m]]]);
        idx.remove(i);
    }
    tris.push([order[idx[0]], order[idx[1]], order[idx[2]]]);
    tris
}
