//! The CPU twins of the solver's kernels (`hemoflow::solver::cpu`), parallel over cells or
//! bricks with rayon, on the grid `hemoflow bench --size 32` calls `box` (a square duct of
//! 32^3 fluid cells at 0.1 mm) with its seeded values: the stages of the CPU backend
//! (`--backend cpu`), each with its stencil made afresh as a test calls it, and the momentum
//! stage also with its pressure stencil made once, as the CPU backend runs it
//! (`momentum_with`). Throughput in fluid cells per second (million: MLUPS), as the bench
//! reports the GPU's; a red-black half sweep counts the half it updates.
//!
//! `cargo bench --bench twins` (and `RAYON_NUM_THREADS=1` for one core).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hemoflow::bench::{duct_mesh, pseudo_random as values};
use hemoflow::grid;
use hemoflow::grid::index::BRICK_CELLS;
use hemoflow::solver::{cpu, CellLayout, SolverParams};

fn bench(c: &mut Criterion) {
    let (n_side, h) = (32u32, 1e-4);
    let g = grid::voxelize(&duct_mesh((n_side as f64 + 0.25) * h), h).expect("the duct");
    let layout = CellLayout::new(&g).expect("its layout");
    let n = layout.cells.len();
    let fluid = (0..n as u32).filter(|&id| layout.is_fluid(id)).count() as u64;
    let params = SolverParams { h: h as f32, dt: 1e-5, nu: 3.3e-6, ..layout.storage() };
    let (u, u_eval, p, f) = (values(3 * n, 1), values(3 * n, 2), values(n, 3), values(n, 4));
    let viscosity = vec![0.0f32; 1];
    let (mut out3, mut out3b, mut out1, mut out1b, mut out1c) =
        (vec![0.0f32; 3 * n], vec![0.0f32; 3 * n], vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]);
    let mut u_star = u.clone();
    let parents = vec![u32::MAX; n / BRICK_CELLS as usize];
    let mut group = c.benchmark_group(format!("twins_box_{n_side}"));
    group.sample_size(10).throughput(Throughput::Elements(fluid));
    group.bench_function("divergence", |bench| {
        bench.iter(|| cpu::divergence(&layout.view(), &params, &u, &p, &mut out1, &mut out1b))
    });
    group.bench_function("pressure_smooth", |bench| {
        bench.iter(|| cpu::pressure_smooth(&layout.view(), &params, &f, &p, &parents, &p, &mut out1))
    });
    group.bench_function("project", |bench| {
        bench.iter(|| {
            let (outflow, pressure, before) = (&mut out1, &mut out1b, &mut out1c);
            cpu::project(&layout.view(), &params, &p, &mut u_star, &mut out3, outflow, pressure, before)
        })
    });
    group.bench_function("momentum_stage_0", |bench| {
        bench.iter(|| cpu::momentum(&layout.view(), &params, &u, &u_eval, &mut out3, &mut out3b, &p, &viscosity))
    });
    let stencil = cpu::pressure_stencil(&layout.view());
    group.bench_function("momentum_with", |bench| {
        bench.iter(|| {
            cpu::momentum_with(&layout.view(), &stencil, &params, &u, &u_eval, &mut out3, &mut out3b, &p, &viscosity)
        })
    });
    group.throughput(Throughput::Elements(fluid / 2));
    group.bench_function("viscous_sweep_half", |bench| {
        bench.iter(|| cpu::viscous_sweep(&layout.view(), &params, &u_eval, &u, &mut out3, &viscosity))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
