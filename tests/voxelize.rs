//! Voxelization: fluid volume, caps, inside/outside, sparse storage, on generated and real
//! vessels.

use std::f64::consts::PI;

use hemoflow::grid::{self, kind};
use hemoflow::mesh::generate::{pipe, PipeSpec};
use hemoflow::mesh::Vec3;

#[test]
fn explore() {
    let r = 1e-3;
    let l = 8e-3;
    for axis in [Vec3::z(), Vec3::new(1.0, 1.0, 1.0), Vec3::new(0.3, -0.5, 0.8)] {
        for n in [10.0, 20.0, 40.0] {
            let m = pipe(&PipeSpec { radius: r, length: l, axis, start: Vec3::new(1e-4, 2e-4, -3e-4), segments: 512, ..Default::default() }).unwrap();
            let h = 2.0 * r / n;
            let g = grid::voxelize(&m, h).unwrap();
            let s = &g.stats;
            let exact = PI * r * r * l;
            println!("axis {:?} D/h {n}: vol err {:.3e} (mesh {:.3e}) cut {} lost {:.2e} inconsistent {} comps {} alloc/fluid {:.2} caps {:?} secs {:.3}",
                axis.as_slice(), (s.fluid_volume - exact) / exact, (s.mesh_volume - exact)/exact, s.cut_cells, s.lost_volume / exact, s.inconsistent_links, s.components,
                s.allocated_cells as f64 / s.fluid_cells as f64,
                g.caps.iter().map(|c| ((c.open_area - PI*r*r)/(PI*r*r), c.cells.len())).collect::<Vec<_>>(), s.seconds);
        }
    }
}

#[test]
fn explore_slices() {
    let r = 1e-3;
    let l = 8e-3;
    let m = pipe(&PipeSpec { radius: r, length: l, axis: Vec3::z(), start: Vec3::new(1e-4, 2e-4, -3e-4), segments: 512, ..Default::default() }).unwrap();
    let h = 0.1e-3;
    let g = grid::voxelize(&m, h).unwrap();
    let [nx, ny, nz] = g.dims().map(|d| d as usize);
    let vf = g.dense(&g.volume_fraction, 0.0);
    let kd = g.dense(&g.kind, 0);
    let total: f64 = vf.iter().map(|&v| v as f64).sum::<f64>() * h * h * h;
    println!("fluid_volume {:.6e} dense sum {:.6e} exact {:.6e} mesh {:.6e}", g.stats.fluid_volume, total, PI * r * r * l, g.stats.mesh_volume);
    for k in 0..nz {
        let s: f64 = (0..nx * ny).map(|c| vf[c + nx * ny * k] as f64).sum::<f64>() * h * h;
        let nf = (0..nx * ny).filter(|&c| kd[c + nx * ny * k] != 0).count();
        println!("k {k} z {:.3} mm: area {:.4e} vs {:.4e} ratio {:.4} fluid {nf}", (g.origin.z + (k as f64 + 0.5) * h) * 1e3, s, PI * r * r, s / (PI * r * r));
    }
}
