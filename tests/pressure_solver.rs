//! The pressure solver (conjugate gradients preconditioned by a multigrid V-cycle on the sparse
//! brick hierarchy), on the CPU twins of its kernels: exactness on a manufactured solution, and
//! iterations that do not grow with resolution, on straight and branching vessels, and the
//! coarsest level's exact solve.

use std::path::Path;

use hemoflow::grid::{self, Grid};
use hemoflow::mesh::generate::{pipe, PipeSpec};
use hemoflow::mesh::{self, SurfaceMesh, Units, Vec3};
use hemoflow::solver::boundary::Boundary;
use hemoflow::solver::multigrid::{pcg_cpu, v_cycle_cpu, Hierarchy, MultigridSettings};
use hemoflow::solver::{cpu, CellLayout, SolverParams};

fn hierarchy(g: &Grid) -> Hierarchy {
    let layout = CellLayout::new(g).unwrap();
    Hierarchy::new(&g.bricks, &layout, g.spacing).unwrap()
}

/// A zero-mean source over the fluid cells, smooth in space (on the finest level's stored cells).
fn source(g: &Grid, h: &Hierarchy) -> Vec<f32> {
    let layout = &h.levels[0].layout;
    let mut f: Vec<f32> = (0..layout.cells.len() as u32)
        .map(|id| {
            if !layout.is_fluid(id) {
                return 0.0;
            }
            let c = g.bricks.cell_coords(id);
            let x = g.origin + Vec3::new(c[0] as f64 + 0.5, c[1] as f64 + 0.5, c[2] as f64 + 0.5) * g.spacing;
            ((x.x * 700.0).sin() + (x.y * 500.0).cos() * (x.z * 300.0).sin()) as f32
        })
        .collect();
    let fluid = f.iter().enumerate().filter(|(id, _)| layout.is_fluid(*id as u32)).count() as f64;
    let mean = f.iter().map(|&v| v as f64).sum::<f64>() / fluid;
    for (id, v) in f.iter_mut().enumerate() {
        if layout.is_fluid(id as u32) {
            *v -= mean as f32;
        }
    }
    layout.store(&f, 1)
}

fn aorta() -> SurfaceMesh {
    mesh::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/aorta_open_ends.stl"), Units::Mm).unwrap().0
}

#[test]
fn manufactured_pressure_is_recovered_on_the_aorta() {
    let g = grid::voxelize(&aorta(), 0.8e-3).unwrap();
    let h = hierarchy(&g);
    let level = &h.levels[0];
    let params = level.params();
    // p_exact smooth; f = M p_exact (the residual of p_exact with f = 0 is -M p_exact).
    let p_exact: Vec<f32> = (0..level.layout.cells.len() as u32)
        .map(|id| {
            if !level.layout.is_fluid(id) {
                return 0.0;
            }
            let c = g.bricks.cell_coords(id);
            let x = g.origin + Vec3::new(c[0] as f64 + 0.5, c[1] as f64 + 0.5, c[2] as f64 + 0.5) * g.spacing;
            (1000.0 * x.y + 3000.0 * (x.x * 200.0).sin() * x.z) as f32
        })
        .collect();
    // The solver's arrays hold the stored (fluid) cells.
    let stored = level.layout.store(&p_exact, 1);
    let zero = vec![0.0f32; stored.len()];
    let mut f = vec![0.0f32; stored.len()];
    cpu::pressure_residual(&level.layout.view(), &params, &zero, &stored, &mut f);
    f.iter_mut().for_each(|v| *v = -*v);
    let mut p = vec![0.0f32; f.len()];
    let stats = pcg_cpu(&h, &MultigridSettings::default(), &f, &mut p, 1e-7, 200);
    let p = level.layout.unstore(&p, 1);
    // Compare up to the constant (no outlet: M has the constants in its null space).
    let fluid: Vec<usize> = (0..p.len()).filter(|&i| level.layout.is_fluid(i as u32)).collect();
    let mean = |v: &[f32]| fluid.iter().map(|&i| v[i] as f64).sum::<f64>() / fluid.len() as f64;
    let (mp, me) = (mean(&p), mean(&p_exact));
    let range = fluid.iter().map(|&i| p_exact[i] as f64).fold(f64::MIN, f64::max)
        - fluid.iter().map(|&i| p_exact[i] as f64).fold(f64::MAX, f64::min);
    let err = fluid.iter().map(|&i| ((p[i] as f64 - mp) - (p_exact[i] as f64 - me)).abs()).fold(0.0, f64::max) / range;
    println!(
        "aorta, {} levels, {} fluid cells: {} iterations to |r|/|f| = {:.1e}; max error {err:.2e} of the range (tolerance 1e-4)",
        h.levels.len(),
        level.fluid_cells,
        stats.iterations,
        stats.relative_residual
    );
    assert!(stats.relative_residual <= 1e-7);
    assert!(err < 1e-4);
}

/// Conjugate gradients needs a symmetric preconditioner: the V-cycle V (smoothing steps that
/// start at red before the coarse correction, their adjoints, starting at black, after it)
/// must give x.V(y) = V(x).y, here for two seeded random vectors on the aorta (4 levels), to
/// f32 rounding (1e-7 of |x| |V(y)|; measured 2e-9). A post-smoothing in the pre-smoothing's
/// order gives 2.5e-5.
#[test]
fn v_cycle_is_symmetric() {
    let g = grid::voxelize(&aorta(), 0.8e-3).unwrap();
    let h = hierarchy(&g);
    let layout = &h.levels[0].layout;
    let random = |seed: u64| -> Vec<f32> {
        let mut state = seed;
        (0..layout.cells.len() as u32)
            .map(|id| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                if layout.is_fluid(id) {
                    (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
                } else {
                    0.0
                }
            })
            .collect()
    };
    let (x, y) = (layout.store(&random(1), 1), layout.store(&random(2), 1));
    let s = MultigridSettings::default();
    let (vx, vy) = (v_cycle_cpu(&h, &s, 0, &x), v_cycle_cpu(&h, &s, 0, &y));
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(p, q)| *p as f64 * *q as f64).sum::<f64>();
    let norm = |a: &[f32]| dot(a, a).sqrt();
    let asymmetry = (dot(&x, &vy) - dot(&vx, &y)).abs() / (norm(&x) * norm(&vy));
    println!("x.V(y) = {:.6e}, V(x).y = {:.6e}: asymmetry {asymmetry:.1e} (at most 1e-7)", dot(&x, &vy), dot(&vx, &y));
    assert!(asymmetry < 1e-7);
}

#[test]
fn iterations_do_not_grow_with_resolution() {
    let spec =
        PipeSpec { radius: 1e-3, length: 6e-3, axis: Vec3::new(0.3, -0.5, 0.8), segments: 256, ..Default::default() };
    let m = pipe(&spec).unwrap();
    let mut counts = Vec::new();
    for d_over_h in [20.0, 40.0] {
        let g = grid::voxelize(&m, 2e-3 / d_over_h).unwrap();
        let h = hierarchy(&g);
        let f = source(&g, &h);
        let mut p = vec![0.0f32; f.len()];
        let stats = pcg_cpu(&h, &MultigridSettings::default(), &f, &mut p, 1e-6, 500);
        println!(
            "oblique pipe D/h {d_over_h}: {} fluid cells, {} levels, {} iterations to {:.1e}",
            h.levels[0].fluid_cells,
            h.levels.len(),
            stats.iterations,
            stats.relative_residual
        );
        assert!(stats.relative_residual <= 1e-6);
        counts.push(stats.iterations as f64);
    }
    let change = (counts[1] - counts[0]).abs() / counts[0];
    println!("iterations {counts:?}: change {:.0}% (at most 30%)", 100.0 * change);
    assert!(change < 0.3);
}

#[test]
fn branching_real_vessel_converges() {
    let g = grid::voxelize(&aorta(), 0.4e-3).unwrap();
    let h = hierarchy(&g);
    let f = source(&g, &h);
    let mut p = vec![0.0f32; f.len()];
    let stats = pcg_cpu(&h, &MultigridSettings::default(), &f, &mut p, 1e-6, 500);
    let sizes: Vec<usize> = h.levels.iter().map(|l| l.fluid_cells).collect();
    println!("aorta at 0.4 mm: levels {sizes:?}: {} iterations to {:.1e}", stats.iterations, stats.relative_residual);
    assert!(stats.relative_residual <= 1e-6);
}

/// The coarsest level's dense solve inverts its operator: with an outlet M^+ M x = x; closed, x
/// less its mean (the null space). Applied to M x for a random x, on the aorta closed and with
/// an outlet on every cap, on the coarsest level its hierarchy reaches at 0.4 mm.
#[test]
fn coarsest_solve_inverts_the_coarsest_operator() {
    let g = grid::voxelize(&aorta(), 0.4e-3).unwrap();
    for outlet in [false, true] {
        let boundaries = if outlet { vec![Boundary::Outlet { pressure: 0.0 }; g.caps.len()] } else { Vec::new() };
        let layout = CellLayout::with_boundaries(&g, &boundaries).unwrap();
        let h = Hierarchy::new(&g.bricks, &layout, g.spacing).unwrap();
        let level = h.levels.last().unwrap();
        let n = level.layout.cells.len();
        let ids: Vec<u32> = (0..n as u32).filter(|&id| level.layout.is_fluid(id)).collect();
        assert_eq!(h.coarse.ids, ids);
        let outlets = ids.iter().filter(|&&id| level.layout.boundary(id).coefficient > 0.0).count();
        assert_eq!(outlets > 0, outlet);
        let mut x: Vec<f32> = vec![0.0; n];
        for (k, &id) in ids.iter().enumerate() {
            x[id as usize] = ((k * 7919 % 1000) as f32 / 500.0 - 1.0) * (1.0 + (k % 3) as f32);
        }
        if !outlet {
            let mean = ids.iter().map(|&id| x[id as usize] as f64).sum::<f64>() / ids.len() as f64;
            ids.iter().for_each(|&id| x[id as usize] -= mean as f32);
        }
        // f = M x: the residual without source is -M x.
        let params = SolverParams { without_source: 1, ..level.params() };
        let mut f = vec![0.0f32; n];
        cpu::pressure_residual(&level.layout.view(), &params, &x, &x, &mut f);
        f.iter_mut().for_each(|v| *v = -*v);
        let mut e = vec![0.0f32; n];
        cpu::mg_coarse_solve(&h.coarse.ids, &h.coarse.inverse, &f, &mut e);
        let norm = |v: &dyn Fn(u32) -> f64| ids.iter().map(|&id| v(id).powi(2)).sum::<f64>().sqrt();
        let error = norm(&|id| (e[id as usize] - x[id as usize]) as f64) / norm(&|id| x[id as usize] as f64);
        println!(
            "coarsest level of {} levels, {} fluid cells, {outlets} on an outlet: |M^+ M x - x| / |x| = {error:.2e} \
             (at most 1e-5)",
            h.levels.len(),
            ids.len()
        );
        assert!(error < 1e-5);
    }
}
