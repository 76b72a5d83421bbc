//! Inlet profiles across caps of real shapes: the parabolic profile follows the cap's rim (zero
//! all along it, the parabola R^2 - r^2 on a circle), also on an elliptic cap, where the
//! parabola on the equivalent radius would stop the flow in the ends of the long axis.

use hemoflow::grid;
use hemoflow::mesh::{FaceGroup, SurfaceMesh, Vec3};
use hemoflow::solver::boundary::{cap_radii, rim_distances, unit_profile, Profile};

/// A straight tube along +z with an elliptic section (semi-axes a along x, b along y, m), capped
/// at both ends by triangle fans: groups wall, inlet (z = 0), outlet (z = length).
fn elliptic_tube(a: f64, b: f64, length: f64) -> SurfaceMesh {
    let (segments, rings) = (256usize, 16usize);
    let mut vertices = Vec::new();
    for k in 0..=rings {
        let z = length * k as f64 / rings as f64;
        for s in 0..segments {
            let t = 2.0 * std::f64::consts::PI * s as f64 / segments as f64;
            vertices.push(Vec3::new(a * t.cos(), b * t.sin(), z));
        }
    }
    let at = |k: usize, s: usize| (k * segments + s % segments) as u32;
    let (mut triangles, mut labels) = (Vec::new(), Vec::new());
    for k in 0..rings {
        for s in 0..segments {
            // Outward normals: counter-clockwise seen from outside.
            triangles.push([at(k, s), at(k, s + 1), at(k + 1, s + 1)]);
            triangles.push([at(k, s), at(k + 1, s + 1), at(k + 1, s)]);
            labels.extend([0, 0]);
        }
    }
    for (group, k, z) in [(1u32, 0usize, 0.0), (2, rings, length)] {
        let centre = vertices.len() as u32;
        vertices.push(Vec3::new(0.0, 0.0, z));
        for s in 0..segments {
            let tri = if k == 0 { [centre, at(k, s + 1), at(k, s)] } else { [centre, at(k, s), at(k, s + 1)] };
            triangles.push(tri);
            labels.push(group);
        }
    }
    let groups = ["wall", "inlet", "outlet"].map(FaceGroup::from_name).to_vec();
    SurfaceMesh { vertices, triangles, labels, groups }
}

#[test]
fn parabolic_profile_follows_the_rim() {
    let h = 0.1e-3;
    for (a, b) in [(1e-3, 1e-3), (1.5e-3, 0.75e-3)] {
        let g = grid::voxelize(&elliptic_tube(a, b, 2e-3), h).unwrap();
        let cap = g.caps.iter().find(|c| c.name == "inlet").unwrap();
        assert_eq!(cap.rim.len(), 256, "the rim is the fan's outer edges");
        let speeds = unit_profile(&g, cap, Profile::Parabolic);
        let flux: f64 = cap.cells.iter().zip(&speeds).map(|(&(_, area), s)| area * s).sum();
        let d = rim_distances(&g, cap);
        let peak = speeds.iter().copied().fold(0.0, f64::max);
        // Cells well inside the rim all carry flow; cells at the rim little.
        let stalled = d.iter().zip(&speeds).filter(|&(&d, &s)| d > h && s <= 0.0).count();
        let at_rim =
            d.iter().zip(&speeds).filter(|&(&d, _)| d.abs() < 0.5 * h).map(|(_, &s)| s / peak).fold(0.0, f64::max);
        // What the parabola on the equivalent radius would stall.
        let r2 = cap.area / std::f64::consts::PI;
        let stalled_equivalent = d.iter().zip(cap_radii(&g, cap)).filter(|&(&d, r)| d > h && r * r >= r2).count();
        println!(
            "cap {:.2} x {:.2} mm: {} cells, flux {flux:.6} (1), cells inside the rim without flow {stalled} (the equivalent-radius parabola: {stalled_equivalent}), largest speed within h/2 of the rim {at_rim:.3} of the peak",
            2e3 * a,
            2e3 * b,
            cap.cells.len()
        );
        assert!((flux - 1.0).abs() < 1e-12);
        assert_eq!(stalled, 0, "cells inside the rim without flow");
        assert!(at_rim < 0.15, "the profile must vanish at the rim: {at_rim:.3} of the peak there");
        if a == b {
            // On a circle it is the parabola R^2 - r^2 (normalised): compare shapes.
            let r = cap_radii(&g, cap);
            let worst = r
                .iter()
                .zip(&speeds)
                .map(|(r, s)| (s / peak - (1.0 - r * r / (a * a)).max(0.0)).abs())
                .fold(0.0, f64::max);
            println!("  circle: worst difference from 1 - r^2/R^2 {worst:.2e} of the peak");
            assert!(worst < 0.03, "{worst}");
        } else {
            assert!(stalled_equivalent > 0, "the elliptic cap tells the two apart");
        }
    }
}
