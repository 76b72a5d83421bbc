//! Implicit vessels: a smooth union of tubes and spheres, polygonised by marching tetrahedra,
//! clipped flat at the caps and closed.
//!
//! The grid is split into 6 tetrahedra per cube around the cube's main diagonal (Freudenthal /
//! Kuhn split), which every cube cuts the same way, so neighbouring tetrahedra share faces and the
//! polygonised surface is closed and manifold. A node is inside when the distance is negative
//! (zero counts as outside). The surface vertex on a crossed grid edge is shared through the
//! edge's key and placed on the surface by a few Illinois (false position) steps on the signed
//! distance, then kept at least [`EDGE_MARGIN`] of the edge away from the nodes, so no two
//! vertices of a triangle coincide. Triangle orientation follows from the tetrahedron's parity,
//! so all normals point from inside to outside.

use std::collections::HashMap;

use rayon::prelude::*;

use super::super::{boundary_loops, cap_open_loops, EdgeStats, FaceGroup, SurfaceMesh, Vec3};

/// Most grid nodes a polygonisation may use (memory: 8 bytes each).
pub(super) const MAX_NODES: usize = 60_000_000;

/// Surface vertices stay this fraction of their grid edge away from the edge's nodes.
const EDGE_MARGIN: f64 = 0.01;

/// Vertices this fraction of the grid spacing from a cap plane are moved onto it before clipping.
const PLANE_SNAP: f64 = 0.01;

/// A solid whose signed distance is exact outside.
pub(super) enum Shape {
    /// Union of the spheres centred on segment `a`-`b` with radius varying linearly from `ra` to
    /// `rb` (a capsule when equal, a tapered tube otherwise). Needs `|ra - rb| < |b - a|`.
    Cone { a: Vec3, b: Vec3, ra: f64, rb: f64 },
    /// A ball.
    Sphere { centre: Vec3, radius: f64 },
}

impl Shape {
    /// A [`Shape::Cone`] from `a` (radius `ra`, m) to `b` (radius `rb`, m).
    pub(super) fn cone(a: Vec3, b: Vec3, ra: f64, rb: f64) -> Shape {
        Shape::Cone { a, b, ra, rb }
    }

    fn sdf(&self, p: Vec3) -> f64 {
        match *self {
            Shape::Sphere { centre, radius } => (p - centre).norm() - radius,
            Shape::Cone { a, b, ra, rb } => {
                let ba = b - a;
                let len = ba.norm();
                let u = ba / len;
                let y = (p - a).dot(&u);
                let x = ((p - a) - u * y).norm();
                // Distance to the sphere at parameter s is convex in s; its minimum is where the
                // direction to the point makes cos = kappa with the axis.
                let kappa = (ra - rb) / len;
                let s = ((y - kappa * x / (1.0 - kappa * kappa).sqrt()) / len).clamp(0.0, 1.0);
                (p - (a + ba * s)).norm() - (ra + (rb - ra) * s)
            }
        }
    }

    fn bbox(&self) -> (Vec3, Vec3) {
        match *self {
            Shape::Sphere { centre, radius } => (centre.add_scalar(-radius), centre.add_scalar(radius)),
            Shape::Cone { a, b, ra, rb } => {
                (a.add_scalar(-ra).inf(&b.add_scalar(-rb)), a.add_scalar(ra).sup(&b.add_scalar(rb)))
            }
        }
    }
}

/// A flat cap closing one tube end.
pub(super) struct CapPlane {
    /// Group name for the cap.
    pub name: &'static str,
    /// Centre of the cap, on the tube's axis, m.
    pub centre: Vec3,
    /// Unit outward normal (out of the fluid, along the tube towards its end).
    pub normal: Vec3,
    /// Tube radius there, m.
    pub radius: f64,
    /// How far the tube's solid runs past the plane, m.
    pub extension: f64,
}

/// What to polygonise.
pub(super) struct Implicit {
    /// Each branch is the hard union of its shapes; branches are joined by the smooth minimum.
    pub branches: Vec<Vec<Shape>>,
    /// Width of the smooth minimum, m (0: hard union).
    pub blend: f64,
    /// The caps, in the group order wanted after `wall`.
    pub caps: Vec<CapPlane>,
    /// Grid spacing, m.
    pub spacing: f64,
}

/// Why [`generate`] failed.
pub(super) enum ImplicitError {
    /// The grid would need this many nodes.
    TooManyNodes(usize),
    /// The surface did not come out closed and oriented.
    Surface(String),
}

/// Quadratic smooth minimum: equal to `min(a, b)` when they differ by more than `k`.
fn smin(a: f64, b: f64, k: f64) -> f64 {
    if k <= 0.0 {
        return a.min(b);
    }
    let h = (k - (a - b).abs()).max(0.0) / k;
    a.min(b) - h * h * k / 4.0
}

impl Implicit {
    fn sdf(&self, p: Vec3) -> f64 {
        let branch = |b: &Vec<Shape>| b.iter().map(|s| s.sdf(p)).fold(f64::INFINITY, f64::min);
        let mut it = self.branches.iter().map(branch);
        let first = it.next().unwrap_or(f64::INFINITY);
        it.fold(first, |acc, d| smin(acc, d, self.blend))
    }
}

/// The closed, labelled mesh of `imp`: polygonise, clip at each cap, keep the main body, cap.
pub(super) fn generate(imp: &Implicit) -> Result<SurfaceMesh, ImplicitError> {
    let (mut vertices, mut triangles) = polygonise(imp)?;
    for cap in &imp.caps {
        clip(&mut vertices, &mut triangles, cap, imp.spacing).map_err(ImplicitError::Surface)?;
    }
    let triangles = largest_component(vertices.len(), triangles);
    let mut mesh = compact(vertices, triangles);
    close_caps(&mut mesh, &imp.caps).map_err(ImplicitError::Surface)?;
    let stats = EdgeStats::of(&mesh);
    let volume = mesh.signed_volume();
    if !stats.is_closed_manifold() || stats.inconsistent_orientation > 0 || volume <= 0.0 {
        return Err(ImplicitError::Surface(format!(
            "result is not a closed oriented surface ({stats:?}, volume {volume:e} m^3)"
        )));
    }
    Ok(mesh)
}

/// Marching tetrahedra over a grid covering every shape plus a margin.
fn polygonise(imp: &Implicit) -> Result<(Vec<Vec3>, Vec<[u32; 3]>), ImplicitError> {
    let h = imp.spacing;
    let (mut lo, mut hi) = (Vec3::repeat(f64::INFINITY), Vec3::repeat(f64::NEG_INFINITY));
    for shape in imp.branches.iter().flatten() {
        let (a, b) = shape.bbox();
        lo = lo.inf(&a);
        hi = hi.sup(&b);
    }
    // Odd fractional offsets keep grid nodes off the round-numbered surfaces of the specs.
    let pad = 2.0 * h + imp.blend;
    let origin = lo.add_scalar(-pad) - Vec3::new(0.213_754_9, 0.371_913_7, 0.155_327_1) * h;
    let cells = (hi.add_scalar(pad) - origin).map(|e| (e / h).ceil() as usize + 1);
    let (nx, ny, nz) = (cells.x + 1, cells.y + 1, cells.z + 1);
    let total = nx.saturating_mul(ny).saturating_mul(nz);
    if total > MAX_NODES {
        return Err(ImplicitError::TooManyNodes(total));
    }
    let node = |i: usize, j: usize, k: usize| origin + Vec3::new(i as f64, j as f64, k as f64) * h;
    let mut value = vec![0.0; total];
    value.par_chunks_mut(nx * ny).enumerate().for_each(|(k, slab)| {
        for j in 0..ny {
            for i in 0..nx {
                slab[i + nx * j] = imp.sdf(node(i, j, k));
            }
        }
    });

    // Cube corner c has offsets (c & 1, c >> 1 & 1, c >> 2 & 1).
    let corner_offset = |c: usize| [c & 1, (c >> 1) & 1, (c >> 2) & 1];
    let corner_index: Vec<usize> = (0..8)
        .map(|c| {
            let [x, y, z] = corner_offset(c);
            x + nx * (y + ny * z)
        })
        .collect();
    let tets = tetrahedra();

    let mut vertices: Vec<Vec3> = Vec::new();
    let mut triangles: Vec<[u32; 3]> = Vec::new();
    let mut quads: Vec<[u32; 4]> = Vec::new();
    let mut edge_vertex: HashMap<u64, u32> = HashMap::new();
    let mut crossing = |a: usize, b: usize| -> u32 {
        // `a` inside, `b` outside.
        let key = (a.min(b) as u64) << 32 | a.max(b) as u64;
        *edge_vertex.entry(key).or_insert_with(|| {
            let pos = |n: usize| node(n % nx, (n / nx) % ny, n / (nx * ny));
            let (pa, pb) = (pos(a), pos(b));
            vertices.push(edge_root(|t| imp.sdf(pa + (pb - pa) * t), value[a], value[b], pa, pb));
            (vertices.len() - 1) as u32
        })
    };
    for k in 0..cells.z {
        for j in 0..cells.y {
            for i in 0..cells.x {
                let base = i + nx * (j + ny * k);
                let ids: [usize; 8] = std::array::from_fn(|c| base + corner_index[c]);
                let inside = ids.map(|n| value[n] < 0.0);
                if inside.iter().all(|&x| x) || inside.iter().all(|&x| !x) {
                    continue;
                }
                for tet in &tets {
                    emit_tet(tet.map(|c| ids[c]), tet.map(|c| inside[c]), &mut crossing, &mut triangles, &mut quads);
                }
            }
        }
    }
    // Quads are split along their shorter diagonal.
    for q in quads {
        let len = |i: usize, j: usize| (vertices[q[i] as usize] - vertices[q[j] as usize]).norm_squared();
        if len(0, 2) <= len(1, 3) {
            triangles.extend([[q[0], q[1], q[2]], [q[0], q[2], q[3]]]);
        } else {
            triangles.extend([[q[1], q[2], q[3]], [q[1], q[3], q[0]]]);
        }
    }
    // The grid's outer nodes are all outside by construction (the padding), so the surface is
    // closed; check rather than trust.
    let on_box = |n: usize| {
        let (i, j, k) = (n % nx, (n / nx) % ny, n / (nx * ny));
        i == 0 || j == 0 || k == 0 || i == nx - 1 || j == ny - 1 || k == nz - 1
    };
    if let Some(n) = (0..total).find(|&n| on_box(n) && value[n] < 0.0) {
        return Err(ImplicitError::Surface(format!("grid node {n} on the grid's boundary is inside the vessel")));
    }
    Ok((vertices, triangles))
}

/// The root of the signed distance on a grid edge from `pa` (inside, value `fa < 0`) to `pb`
/// (outside, `fb >= 0`), by Illinois steps, kept [`EDGE_MARGIN`] away from both ends.
fn edge_root(f: impl Fn(f64) -> f64, fa: f64, fb: f64, pa: Vec3, pb: Vec3) -> Vec3 {
    let (mut t0, mut f0, mut t1, mut f1) = (0.0, fa, 1.0, fb);
    let mut t = 0.5;
    let mut side = 0;
    for _ in 0..16 {
        t = (t0 * f1 - t1 * f0) / (f1 - f0);
        let ft = f(t);
        if ft < 0.0 {
            (t0, f0) = (t, ft);
            if side == -1 {
                f1 /= 2.0;
            }
            side = -1;
        } else {
            (t1, f1) = (t, ft);
            if side == 1 {
                f0 /= 2.0;
            }
            side = 1;
        }
        if ft.abs() < 1e-13 * (pb - pa).norm() || t1 - t0 < 1e-12 {
            break;
        }
    }
    let t = t.clamp(EDGE_MARGIN, 1.0 - EDGE_MARGIN);
    pa + (pb - pa) * t
}

/// The 6 tetrahedra of a cube as corner numbers, each positively oriented: the path from corner
/// 0 to corner 7 stepping along the axes in each of the 6 orders.
fn tetrahedra() -> Vec<[usize; 4]> {
    let perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    let pos = |c: usize| Vec3::new((c & 1) as f64, ((c >> 1) & 1) as f64, ((c >> 2) & 1) as f64);
    perms
        .iter()
        .map(|p| {
            let c1 = 1 << p[0];
            let c2 = c1 | 1 << p[1];
            let mut tet = [0, c1, c2, 7];
            let det = (pos(tet[1]) - pos(tet[0])).dot(&(pos(tet[2]) - pos(tet[0])).cross(&(pos(tet[3]) - pos(tet[0]))));
            if det < 0.0 {
                tet.swap(1, 2);
            }
            tet
        })
        .collect()
}

/// Whether the permutation `p` of 0..4 is even.
fn is_even(p: [usize; 4]) -> bool {
    let inversions = (0..4).flat_map(|i| (i + 1..4).map(move |j| (i, j))).filter(|&(i, j)| p[i] > p[j]).count();
    inversions % 2 == 0
}

/// Triangles (and quads, corners in cyclic order) of one positively oriented tetrahedron with
/// node ids `n` and inside flags `ins`, facing out of the inside region. `cross(a, b)` gives the
/// surface vertex on the edge from inside node `a` to outside node `b`.
fn emit_tet(
    n: [usize; 4],
    ins: [bool; 4],
    cross: &mut impl FnMut(usize, usize) -> u32,
    triangles: &mut Vec<[u32; 3]>,
    quads: &mut Vec<[u32; 4]>,
) {
    let count = ins.iter().filter(|&&x| x).count();
    match count {
        1 | 3 => {
            // The lone vertex x, with (x, y, z, w) an even permutation of the tetrahedron:
            // the triangle on xy, xz, xw then faces away from x.
            const EVEN: [[usize; 4]; 4] = [[0, 1, 2, 3], [1, 0, 3, 2], [2, 3, 0, 1], [3, 2, 1, 0]];
            let lone_inside = count == 1;
            let lone = (0..4).find(|&i| ins[i] == lone_inside).expect("one vertex differs");
            let [x, y, z, w] = EVEN[lone];
            if lone_inside {
                triangles.push([cross(n[x], n[y]), cross(n[x], n[z]), cross(n[x], n[w])]);
            } else {
                triangles.push([cross(n[y], n[x]), cross(n[w], n[x]), cross(n[z], n[x])]);
            }
        }
        2 => {
            // (a, b) inside, (c, d) outside, (a, b, c, d) even: the quad ac, ad, bd, bc faces out.
            let mut inside = (0..4).filter(|&i| ins[i]);
            let mut outside = (0..4).filter(|&i| !ins[i]);
            let (a, b) = (inside.next().expect("two inside"), inside.next().expect("two inside"));
            let (mut c, mut d) = (outside.next().expect("two outside"), outside.next().expect("two outside"));
            if !is_even([a, b, c, d]) {
                std::mem::swap(&mut c, &mut d);
            }
            quads.push([cross(n[a], n[c]), cross(n[a], n[d]), cross(n[b], n[d]), cross(n[b], n[c])]);
        }
        _ => {}
    }
}

/// Cuts the surface flat at `cap`'s plane near the cap only: vertices beyond the plane within
/// 1.5 tube radii of its axis go, triangles crossing the plane are split there (one new vertex per
/// crossed edge, shared), and vertices within [`PLANE_SNAP`] spacings of it are moved onto it
/// first so no sliver is made.
fn clip(vertices: &mut Vec<Vec3>, triangles: &mut Vec<[u32; 3]>, cap: &CapPlane, h: f64) -> Result<(), String> {
    let n = cap.normal;
    let mut dist = Vec::with_capacity(vertices.len());
    let mut removed = vec![false; vertices.len()];
    for (i, v) in vertices.iter_mut().enumerate() {
        let d = n.dot(&(*v - cap.centre));
        let lateral = ((*v - cap.centre) - n * d).norm();
        let local = lateral < 1.5 * cap.radius && d < cap.extension + 2.0 * cap.radius;
        if local && d.abs() < PLANE_SNAP * h {
            *v -= n * d;
            dist.push(0.0);
        } else {
            dist.push(d);
        }
        removed[i] = local && dist[i] > 0.0;
    }
    let mut split: HashMap<(u32, u32), u32> = HashMap::new();
    let mut kept = Vec::with_capacity(triangles.len());
    for t in triangles.iter() {
        if !t.iter().any(|&v| removed[v as usize]) {
            kept.push(*t);
            continue;
        }
        let mut poly: Vec<u32> = Vec::with_capacity(4);
        for e in 0..3 {
            let (a, b) = (t[e], t[(e + 1) % 3]);
            if !removed[a as usize] {
                poly.push(a);
            }
            if removed[a as usize] != removed[b as usize] {
                let (k, r) = if removed[a as usize] { (b, a) } else { (a, b) };
                let dk = dist[k as usize];
                if dk == 0.0 {
                    poly.push(k);
                } else if dk < 0.0 {
                    let x = *split.entry((k, r)).or_insert_with(|| {
                        let (pk, pr) = (vertices[k as usize], vertices[r as usize]);
                        let p = pk + (pr - pk) * (dk / (dk - dist[r as usize]));
                        vertices.push(p - n * n.dot(&(p - cap.centre)));
                        (vertices.len() - 1) as u32
                    });
                    poly.push(x);
                } else {
                    return Err(format!("the {} cap plane cuts the surface away from the tube end", cap.name));
                }
            }
        }
        poly.dedup();
        if poly.len() > 1 && poly.first() == poly.last() {
            poly.pop();
        }
        match poly.len() {
            3 => kept.push([poly[0], poly[1], poly[2]]),
            4 => {
                let len = |i: usize, j: usize| (vertices[poly[i] as usize] - vertices[poly[j] as usize]).norm_squared();
                if len(0, 2) <= len(1, 3) {
                    kept.extend([[poly[0], poly[1], poly[2]], [poly[0], poly[2], poly[3]]]);
                } else {
                    kept.extend([[poly[1], poly[2], poly[3]], [poly[1], poly[3], poly[0]]]);
                }
            }
            _ => {}
        }
    }
    *triangles = kept;
    Ok(())
}

/// The triangles of the edge-connected component with the most triangles.
fn largest_component(n_vertices: usize, triangles: Vec<[u32; 3]>) -> Vec<[u32; 3]> {
    let mut parent: Vec<u32> = (0..n_vertices as u32).collect();
    fn find(parent: &mut [u32], mut v: u32) -> u32 {
        while parent[v as usize] != v {
            parent[v as usize] = parent[parent[v as usize] as usize];
            v = parent[v as usize];
        }
        v
    }
    for t in &triangles {
        let r0 = find(&mut parent, t[0]);
        for &v in &t[1..] {
            let r = find(&mut parent, v);
            parent[r as usize] = r0;
        }
    }
    let mut count: HashMap<u32, usize> = HashMap::new();
    for t in &triangles {
        *count.entry(find(&mut parent, t[0])).or_default() += 1;
    }
    let Some((&main, _)) = count.iter().max_by_key(|&(&root, &c)| (c, std::cmp::Reverse(root))) else {
        return triangles;
    };
    triangles.into_iter().filter(|t| find(&mut parent, t[0]) == main).collect()
}

/// A wall-labelled mesh of the used vertices only.
fn compact(vertices: Vec<Vec3>, mut triangles: Vec<[u32; 3]>) -> SurfaceMesh {
    let mut remap = vec![u32::MAX; vertices.len()];
    let mut used = Vec::new();
    for t in &mut triangles {
        for v in t.iter_mut() {
            if remap[*v as usize] == u32::MAX {
                remap[*v as usize] = used.len() as u32;
                used.push(vertices[*v as usize]);
            }
            *v = remap[*v as usize];
        }
    }
    let labels = vec![0; triangles.len()];
    SurfaceMesh { vertices: used, triangles, labels, groups: vec![FaceGroup::from_name("wall")] }
}

/// Closes the open ends and names each cap after the nearest [`CapPlane`], groups ordered
/// `wall`, then the caps as listed.
fn close_caps(mesh: &mut SurfaceMesh, caps: &[CapPlane]) -> Result<(), String> {
    let loops = boundary_loops(mesh).map_err(|e| e.to_string())?;
    if loops.len() != caps.len() {
        return Err(format!("{} open ends after clipping, expected {}", loops.len(), caps.len()));
    }
    let added = cap_open_loops(mesh, &loops);
    let mut order = vec![0u32; mesh.groups.len()]; // old group index -> new
    let mut taken = vec![false; caps.len()];
    for info in &added {
        let g = mesh.groups.iter().position(|gr| gr.name == info.name).expect("cap group was added");
        let (mut area, mut moment) = (0.0, Vec3::zeros());
        for t in (0..mesh.triangles.len()).filter(|&t| mesh.labels[t] as usize == g) {
            let [a, b, c] = mesh.corners(t);
            let w = mesh.area_normal(t).norm();
            area += w;
            moment += (a + b + c) * (w / 3.0);
        }
        let centroid = moment / area;
        let (i, cap) = caps
            .iter()
            .enumerate()
            .min_by(|x, y| (x.1.centre - centroid).norm().total_cmp(&(y.1.centre - centroid).norm()))
            .expect("at least one cap");
        let miss = (cap.centre - centroid).norm();
        if taken[i] || miss > 0.5 * cap.radius {
            return Err(format!(
                "an open end at {centroid:?} matches no free cap (nearest {}, {miss:e} m away)",
                cap.name
            ));
        }
        taken[i] = true;
        mesh.groups[g] = FaceGroup::from_name(cap.name);
        order[g] = 1 + i as u32;
    }
    let mut groups = mesh.groups.clone();
    for (old, &new) in order.iter().enumerate() {
        groups[new as usize] = mesh.groups[old].clone();
    }
    mesh.groups = groups;
    for l in &mut mesh.labels {
        *l = order[*l as usize];
    }
    Ok(())
}
