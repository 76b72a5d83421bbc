//! Wetted fractions of a cut cell from the signed distance at its corners (negative in the
//! fluid). The cell is split into the six tetrahedra around its main diagonal (Kuhn), in each of
//! which the distance is taken linear; a face is split the same way (along the diagonal from
//! its lowest to its highest corner), so face and volume fractions describe one and the same
//! piecewise-planar wall. Exact for a planar wall; second order for a curved one.

/// Corner `c` of the unit cube: `(c & 1, (c >> 1) & 1, (c >> 2) & 1)`.
fn corner(c: usize) -> [f64; 3] {
    [(c & 1) as f64, ((c >> 1) & 1) as f64, ((c >> 2) & 1) as f64]
}

fn lerp(a: [f64; 3], b: [f64; 3], fa: f64, fb: f64) -> [f64; 3] {
    let t = fa / (fa - fb);
    [0, 1, 2].map(|k| a[k] + t * (b[k] - a[k]))
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn tet_volume(p: [[f64; 3]; 4]) -> f64 {
    let (a, b, c) = (sub(p[1], p[0]), sub(p[2], p[0]), sub(p[3], p[0]));
    let x = cross(b, c);
    (a[0] * x[0] + a[1] * x[1] + a[2] * x[2]).abs() / 6.0
}

fn tri_area(p: [[f64; 3]; 3]) -> f64 {
    let x = cross(sub(p[1], p[0]), sub(p[2], p[0]));
    (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]).sqrt() / 2.0
}

/// Volume where `f < 0` in the tetrahedron `p` with `f` linear between its vertex values.
fn wet_tet(p: [[f64; 3]; 4], f: [f64; 4]) -> f64 {
    let wet: Vec<usize> = (0..4).filter(|&i| f[i] < 0.0).collect();
    let dry: Vec<usize> = (0..4).filter(|&i| f[i] >= 0.0).collect();
    match wet.len() {
        0 => 0.0,
        4 => tet_volume(p),
        1 | 3 => {
            // The lone vertex's corner tetrahedron.
            let (lone, others) = if wet.len() == 1 { (wet[0], &dry) } else { (dry[0], &wet) };
            let q = [
                p[lone],
                lerp(p[lone], p[others[0]], f[lone], f[others[0]]),
                lerp(p[lone], p[others[1]], f[lone], f[others[1]]),
                lerp(p[lone], p[others[2]], f[lone], f[others[2]]),
            ];
            let corner = tet_volume(q);
            if wet.len() == 1 {
                corner
            } else {
                tet_volume(p) - corner
            }
        }
        _ => {
            // A prism between the wet edge (a, b) and the crossing points on the four cut edges.
            let (a, b, c, d) = (wet[0], wet[1], dry[0], dry[1]);
            let (ac, ad) = (lerp(p[a], p[c], f[a], f[c]), lerp(p[a], p[d], f[a], f[d]));
            let (bc, bd) = (lerp(p[b], p[c], f[b], f[c]), lerp(p[b], p[d], f[b], f[d]));
            tet_volume([p[a], ac, ad, p[b]]) + tet_volume([ac, ad, p[b], bc]) + tet_volume([ad, p[b], bc, bd])
        }
    }
}

/// Area where `f < 0` in the triangle `p` with `f` linear between its vertex values.
fn wet_triangle(p: [[f64; 3]; 3], f: [f64; 3]) -> f64 {
    let wet: Vec<usize> = (0..3).filter(|&i| f[i] < 0.0).collect();
    match wet.len() {
        0 => 0.0,
        3 => tri_area(p),
        n => {
            let lone = if n == 1 { wet[0] } else { (0..3).find(|&i| f[i] >= 0.0).expect("one dry vertex") };
            let (j, k) = ((lone + 1) % 3, (lone + 2) % 3);
            let corner = tri_area([p[lone], lerp(p[lone], p[j], f[lone], f[j]), lerp(p[lone], p[k], f[lone], f[k])]);
            if n == 1 {
                corner
            } else {
                tri_area(p) - corner
            }
        }
    }
}

/// The integral of `-f` over the part of the triangle `p` where `f < 0`, with `f` linear between
/// its vertex values.
fn wet_triangle_moment(p: [[f64; 3]; 3], f: [f64; 3]) -> f64 {
    let wet: Vec<usize> = (0..3).filter(|&i| f[i] < 0.0).collect();
    let mean_depth = -(f[0] + f[1] + f[2]) / 3.0;
    match wet.len() {
        0 => 0.0,
        3 => tri_area(p) * mean_depth,
        n => {
            // The lone vertex's corner triangle, whose other two vertices lie on the wall (f = 0).
            let lone = if n == 1 { wet[0] } else { (0..3).find(|&i| f[i] >= 0.0).expect("one dry vertex") };
            let (j, k) = ((lone + 1) % 3, (lone + 2) % 3);
            let corner = tri_area([p[lone], lerp(p[lone], p[j], f[lone], f[j]), lerp(p[lone], p[k], f[lone], f[k])])
                * (-f[lone] / 3.0);
            if n == 1 {
                corner
            } else {
                tri_area(p) * mean_depth - corner
            }
        }
    }
}

/// The six tetrahedra around the diagonal 0 -> 7: corner paths 0, e_a, e_a + e_b, 7.
const KUHN: [[usize; 4]; 6] = [[0, 1, 3, 7], [0, 1, 5, 7], [0, 2, 3, 7], [0, 2, 6, 7], [0, 4, 5, 7], [0, 4, 6, 7]];

/// Fluid volume fraction of a cell (0..=1) from the signed distance at its corners (corner
/// order as in [`corner`]; negative in the fluid).
pub(crate) fn volume_fraction(phi: &[f64; 8]) -> f64 {
    if phi.iter().all(|&f| f < 0.0) {
        return 1.0;
    }
    if phi.iter().all(|&f| f >= 0.0) {
        return 0.0;
    }
    KUHN.iter().map(|t| wet_tet(t.map(corner), t.map(|c| phi[c]))).sum()
}

/// Wetted fraction (0..=1) of each face of a cell, in the order -x, +x, -y, +y, -z, +z.
pub(crate) fn face_fractions(phi: &[f64; 8]) -> [f64; 6] {
    // Each half has area 1/2; the diagonal runs from the lowest to the highest corner.
    std::array::from_fn(|face| {
        face_triangles(face).iter().map(|t| wet_triangle(t.map(corner), t.map(|c| phi[c]))).sum()
    })
}

/// The two triangles (corner indices) of face `face`, split along the diagonal from its lowest
/// to its highest corner.
fn face_triangles(face: usize) -> [[usize; 3]; 2] {
    let (axis, side) = (face / 2, face % 2);
    // The face's corners, lowest first: the other two axes vary.
    let (u, v) = ((axis + 1) % 3, (axis + 2) % 3);
    let c = |du: usize, dv: usize| (side << axis) | (du << u) | (dv << v);
    let (lo, hi, a, b) = (c(0, 0), c(1, 1), c(1, 0), c(0, 1));
    [[lo, a, hi], [lo, hi, b]]
}

/// Smallest depth of a face's centre in the fluid (over h) at which [`flux_weight`] scales
/// the wetted part by the near-wall velocity profile; shallower, the wetted fraction.
pub(crate) const FLUX_MIN_CENTRE_DEPTH: f64 = 0.25;

/// The flux weight of one face from its wetted fraction `fraction`, the integral of `-phi` over
/// its wetted part (`moment`, over h^3) and `phi` at its centre (`centre`, over h): the
/// wetted part's flux over the face-centre velocity times h^2 when the velocity grows
/// linearly with the distance from the wall, `moment / -centre`; 1 for a fully wet face; the
/// wetted fraction where the centre is within FLUX_MIN_CENTRE_DEPTH of the wall.
pub(crate) fn flux_weight(fraction: f64, moment: f64, centre: f64) -> f64 {
    if fraction >= 1.0 || fraction <= 0.0 || -centre < FLUX_MIN_CENTRE_DEPTH {
        return fraction;
    }
    moment / -centre
}

/// Of one face of a cell (order as in [`face_fractions`]): its wetted fraction, the integral of
/// `-phi` over its wetted part (over h^3) and `phi` at its centre (over h), on the same
/// piecewise-linear wall as the fractions.
pub(crate) fn face_moment(phi: &[f64; 8], face: usize) -> (f64, f64, f64) {
    let tris = face_triangles(face);
    let tri = |t: [usize; 3]| wet_triangle(t.map(corner), t.map(|c| phi[c]));
    let mom = |t: [usize; 3]| wet_triangle_moment(t.map(corner), t.map(|c| phi[c]));
    let centre = 0.5 * (phi[tris[0][0]] + phi[tris[0][2]]);
    (tri(tris[0]) + tri(tris[1]), mom(tris[0]) + mom(tris[1]), centre)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Signed distance to the plane n . x = d at the unit cube's corners (negative below).
    fn plane(n: [f64; 3], d: f64) -> [f64; 8] {
        std::array::from_fn(|c| {
            let p = corner(c);
            n[0] * p[0] + n[1] * p[1] + n[2] * p[2] - d
        })
    }

    #[test]
    fn axis_plane_fractions_are_exact() {
        for d in [0.1, 0.25, 0.5, 0.9] {
            assert!((volume_fraction(&plane([1.0, 0.0, 0.0], d)) - d).abs() < 1e-14);
            let f = face_fractions(&plane([0.0, 0.0, 1.0], d));
            assert_eq!((f[4], f[5]), (1.0, 0.0));
            for (k, fk) in f.iter().take(4).enumerate() {
                assert!((fk - d).abs() < 1e-14, "face {k}: {fk}");
            }
        }
    }

    #[test]
    fn oblique_plane_volume_is_exact() {
        // x + y + z < 1.5 cuts the cube in half by symmetry; x + y + z < 0.5 is a corner
        // tetrahedron of volume 0.5^3 / 6.
        let n = [1.0, 1.0, 1.0];
        assert!((volume_fraction(&plane(n, 1.5)) - 0.5).abs() < 1e-14);
        assert!((volume_fraction(&plane(n, 0.5)) - 0.125 / 6.0).abs() < 1e-14);
        // x + 2y < 1 over the cube: the area under the line in the unit square, times 1.
        let v = volume_fraction(&plane([1.0, 2.0, 0.0], 1.0));
        assert!((v - 0.25).abs() < 1e-14, "{v}");
        let f = face_fractions(&plane([1.0, 2.0, 0.0], 1.0));
        assert!((f[4] - 0.25).abs() < 1e-14 && (f[5] - 0.25).abs() < 1e-14, "{f:?}");
    }

    #[test]
    fn face_moments_are_exact_for_a_plane() {
        // Below the plane 0.3 x + 0.5 y + 0.2 z = 0.6 (phi linear), the face z = 0's wetted part
        // is the region 0.3 x + 0.5 y < 0.6 of the unit square (area 13/15).
        let phi = plane([0.3, 0.5, 0.2], 0.6);
        let (fraction, moment, centre) = face_moment(&phi, 4);
        // Midpoint sums of the same integrals on a 2000^2 raster (error ~1e-5 along the wall).
        let m = 2000;
        let (mut area, mut integral) = (0.0, 0.0);
        for i in 0..m {
            for j in 0..m {
                let (x, y) = ((i as f64 + 0.5) / m as f64, (j as f64 + 0.5) / m as f64);
                let f = 0.3 * x + 0.5 * y - 0.6;
                if f < 0.0 {
                    area += 1.0;
                    integral -= f;
                }
            }
        }
        let cells = (m * m) as f64;
        assert!((fraction - 13.0 / 15.0).abs() < 1e-14, "{fraction}");
        assert!((fraction - area / cells).abs() < 1e-4, "{fraction} {}", area / cells);
        assert!((moment - integral / cells).abs() < 1e-4, "{moment} {}", integral / cells);
        assert!((centre - (0.4 - 0.6)).abs() < 1e-14);
        // A fully wet face: the weight is 1.
        assert_eq!(flux_weight(1.0, 0.7, -0.7), 1.0);
    }
}
