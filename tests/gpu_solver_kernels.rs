//! Each solver kernel on the GPU against its CPU twin (hemoflow::solver::cpu), on seeded random
//! fields over a real grid (a generated bifurcation: cut cells, partial faces, walls, caps).
//! GPU tests never skip: without an adapter they fail, saying to install mesa-vulkan-drivers.

#[macro_use]
mod common;

use common::gpu;
use hemoflow::gpu::Bindable;
use hemoflow::grid::index::{self, BRICK_CELLS, NO_SLOT};
use hemoflow::grid::{self, Grid, DIRECTIONS};
use hemoflow::mesh::generate::{bifurcation, BifurcationSpec};
use hemoflow::mesh::Vec3;
use hemoflow::mesh::WallSurface;
use hemoflow::solver::boundary::{codes, Boundary, Profile};
use hemoflow::solver::gpu_solver::{Advection, Rheology, Settings};
use hemoflow::solver::kernels::{self, GpuGrid};
use hemoflow::solver::layout::rheology;
use hemoflow::solver::multigrid::{Hierarchy, MultigridSettings};
use hemoflow::solver::porous::{PorousCell, PorousLayer};
use hemoflow::solver::wall_shear::{wall_stencil, WallParams};
use hemoflow::solver::{cpu, CellLayout, SolverParams};

fn setup() -> (Grid, CellLayout, SolverParams) {
    let m = bifurcation(&BifurcationSpec { spacing: Some(0.5e-3), ..Default::default() }).unwrap();
    let g = grid::voxelize(&m, 0.35e-3).unwrap();
    // Every kind of cap: a parabolic inlet, a pressure outlet, a moving wall.
    let boundaries = [
        Boundary::Inlet { flow_rate: 2e-6, profile: Profile::Parabolic },
        Boundary::Outlet { pressure: 0.7 },
        Boundary::Moving { velocity: Vec3::new(0.1, -0.2, 0.05) },
    ];
    let layout = CellLayout::with_boundaries(&g, &boundaries).unwrap();
    let with_bc = |code: u32| (0..layout.cells.len() as u32).filter(|&id| layout.boundary(id).kind == code).count();
    let counts = [with_bc(codes::INLET), with_bc(codes::OUTLET), with_bc(codes::MOVING)];
    assert!(counts.iter().all(|&c| c > 0), "cells per boundary type (inlet, outlet, moving): {counts:?}");
    let params = SolverParams {
        h: 0.35e-3,
        dt: 1e-4,
        nu: 3.3e-6,
        cells: layout.cells.len() as u32,
        stored: layout.stored_cells() as u32,
        // Random velocities flow back in through part of the outlet: momentum's backflow
        // stabilisation acts there.
        backflow: 0.7,
        ..layout.storage()
    };
    (g, layout, params)
}

/// Seeded xorshift values in [-1, 1).
fn random(n: usize, mut seed: u64) -> Vec<f32> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

/// Asserts |gpu - cpu| <= tol * (|cpu| + rms(cpu)) in every cell; prints the worst cell.
///
/// lavapipe gives the CPU twin's bits exactly; a hardware GPU may contract `a * b + c` into a
/// fused multiply-add, so each term of a stencil sum can differ in its last bit. Where a sum
/// cancels, that absolute difference is large next to the value itself, so the scale adds the
/// field's root mean square: a wrong neighbour, coefficient or boundary term still differs by
/// the order of the values themselves, far above `tol`.
fn compare(what: &str, gpu: &[f32], cpu: &[f32], tol: f32) {
    assert_eq!(gpu.len(), cpu.len());
    let rms = (cpu.iter().map(|&x| x as f64 * x as f64).sum::<f64>() / cpu.len() as f64).sqrt() as f32;
    let (mut worst, mut at) = (0.0f32, 0);
    for i in 0..cpu.len() {
        let e = (gpu[i] - cpu[i]).abs() / (cpu[i].abs() + rms);
        assert!(e.is_finite(), "{what}: cell {i}: GPU {} CPU {}", gpu[i], cpu[i]);
        if e > worst {
            worst = e;
            at = i;
        }
    }
    let largest = cpu.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let nonzero = cpu.iter().filter(|x| **x != 0.0).count();
    println!(
        "{what}: {} values ({nonzero} non-zero, largest {largest:.3e}), worst relative difference {worst:.2e} at {at} (GPU {} CPU {}), tolerance {tol:.0e}",
        cpu.len(),
        gpu[at],
        cpu[at]
    );
    assert!(nonzero > cpu.len() / 10, "{what}: the test input should give mostly non-zero values");
    assert!(worst <= tol, "{what}: cell {at}: GPU {} CPU {}", gpu[at], cpu[at]);
}

#[test]
fn regular_cells_have_six_fluid_neighbours() {
    // The kernels take a regular cell's face neighbours without reading their cell words.
    let (g, layout, _) = setup();
    let h = Hierarchy::new(&g.bricks, &layout, g.spacing).unwrap();
    for (l, level) in h.levels.iter().enumerate() {
        let lay = &level.layout;
        let regular: Vec<u32> =
            (0..lay.cells.len() as u32).filter(|&id| lay.is_fluid(id) && lay.cells[id as usize] >> 8 == 0).collect();
        // The coarsest levels of a small grid may be all next to the wall.
        assert!(l > 0 || !regular.is_empty(), "level {l} has no regular cells");
        for &id in &regular {
            for (d, &dir) in DIRECTIONS.iter().enumerate() {
                let nb = level.bricks.neighbour(id, dir);
                assert!(nb.is_some_and(|nb| lay.is_fluid(nb)), "level {l}: regular cell {id}, face {d}: {nb:?}");
            }
        }
    }
}

#[test]
fn divergence_gpu_matches_cpu() {
    let (_, layout, params) = setup();
    let gpu = gpu();
    let grid_gpu = GpuGrid::new(&gpu, &layout, &params).unwrap();
    let n = layout.cells.len();
    // Pressures of the size a step makes: dt |grad p| ~ |u|.
    let (u, p) = (random(3 * n, 1), random(n, 17).iter().map(|x| x * 1e-3).collect::<Vec<_>>());
    let (u_buf, p_buf) = (gpu.storage("u", &u).unwrap(), gpu.storage("p", &p).unwrap());
    let f_buf = gpu.storage_empty("f", 4 * n as u64).unwrap();
    let out_buf = gpu.storage_empty("outflow", 4 * n as u64).unwrap();
    grid_gpu
        .run(&gpu, "solver/divergence", &[("u", &u_buf), ("f", &f_buf), ("p", &p_buf), ("outflow", &out_buf)])
        .unwrap();
    let (mut f, mut outflow) = (vec![0.0; n], vec![0.0; n]);
    cpu::divergence(&layout.view(), &params, &u, &p, &mut f, &mut outflow);
    compare("pressure source", &gpu.read::<f32>(&f_buf).unwrap(), &f, 1e-5);
    compare_outlets("divergence outflow", &gpu.read::<f32>(&out_buf).unwrap(), &outflow);
}

/// Compares an outlet-flux field (non-zero only in outlet cells) there, and checks it is 0
/// elsewhere on both sides.
fn compare_outlets(what: &str, gpu: &[f32], cpu: &[f32]) {
    let at_outlet: Vec<usize> = (0..cpu.len()).filter(|&i| cpu[i] != 0.0).collect();
    println!("{what}: {} outlet cells with a flux", at_outlet.len());
    assert!(!at_outlet.is_empty());
    assert!(at_outlet.iter().all(|&i| gpu[i] != 0.0), "{what}: the GPU leaves an outlet cell's flux at 0");
    assert!((0..cpu.len()).all(|i| cpu[i] != 0.0 || gpu[i] == 0.0), "{what}: the GPU writes a flux outside the outlet");
    let pick = |v: &[f32]| at_outlet.iter().map(|&i| v[i]).collect::<Vec<_>>();
    compare(what, &pick(gpu), &pick(cpu), 1e-5);
}

/// One multigrid smoothing step, both colours first, with and without the coarse correction
/// prolonged into what it reads, on the first two levels of the test grid's hierarchy (its
/// cells with every boundary type) from seeded random values.
#[test]
fn pressure_smooth_gpu_matches_cpu() {
    let (g, layout, params) = setup();
    let h = Hierarchy::new(&g.bricks, &layout, g.spacing).unwrap();
    let (fine, coarse) = (&h.levels[0], &h.levels[1]);
    let gpu = gpu();
    let n = layout.cells.len();
    let (f, p) = (random(n, 2).iter().map(|x| x * 1e4).collect::<Vec<_>>(), random(n, 3));
    let e = random(coarse.layout.cells.len(), 4);
    let (f_buf, p_buf, e_buf) =
        (gpu.storage("f", &f).unwrap(), gpu.storage("p", &p).unwrap(), gpu.storage("e", &e).unwrap());
    let parent = gpu.storage("parent bricks", &fine.parent_bricks).unwrap();
    let out = gpu.storage_empty("p_out", 4 * n as u64).unwrap();
    for (colour, prolong) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
        let params = SolverParams { colour, prolong, ..params };
        let grid_gpu = GpuGrid::new(&gpu, &layout, &params).unwrap();
        let fields: [(&str, &dyn Bindable); 5] =
            [("f", &f_buf), ("p_in", &p_buf), ("parent_bricks", &parent), ("e_coarse", &e_buf), ("p_out", &out)];
        grid_gpu.run(&gpu, "solver/pressure_smooth", &fields).unwrap();
        let mut expected = vec![0.0; n];
        cpu::pressure_smooth(&layout.view(), &params, &f, &p, &fine.parent_bricks, &e, &mut expected);
        let what = format!("pressure_smooth (colour {colour}, prolong {prolong})");
        compare(&what, &gpu.read::<f32>(&out).unwrap(), &expected, 1e-5);
    }
}

#[test]
fn project_gpu_matches_cpu() {
    let (_, layout, params) = setup();
    let gpu = gpu();
    let grid_gpu = GpuGrid::new(&gpu, &layout, &params).unwrap();
    let n = layout.cells.len();
    // u starts random too: the kernel must write every stored cell, and give what u held back in
    // u*; the pressure gets the increment and leaves what it held.
    let (p, mut u_star, mut u) = (random(n, 4), random(3 * n, 5), random(3 * n, 20));
    let (mut pressure, mut before) = (random(n, 21), vec![0.0f32; n]);
    let u_before = u.clone();
    // The outlet fluxes before the increment, as `divergence` leaves them: outlet cells only.
    let mut outflow: Vec<f32> = random(n, 18);
    for (id, x) in outflow.iter_mut().enumerate() {
        if layout.boundary(id as u32).coefficient <= 0.0 {
            *x = 0.0;
        }
    }
    let p_buf = gpu.storage("p", &p).unwrap();
    let (us_buf, u_buf) = (gpu.storage("u*", &u_star).unwrap(), gpu.storage("u", &u).unwrap());
    let out_buf = gpu.storage("outflow", &outflow).unwrap();
    let (pressure_buf, before_buf) =
        (gpu.storage("pressure", &pressure).unwrap(), gpu.storage_empty("p^n", 4 * n as u64).unwrap());
    let fields: [(&str, &dyn Bindable); 6] = [
        ("p", &p_buf),
        ("u_star", &us_buf),
        ("u", &u_buf),
        ("outflow", &out_buf),
        ("pressure", &pressure_buf),
        ("pressure_before", &before_buf),
    ];
    grid_gpu.run(&gpu, "solver/project", &fields).unwrap();
    let pressure_in = pressure.clone();
    cpu::project(&layout.view(), &params, &p, &mut u_star, &mut u, &mut outflow, &mut pressure, &mut before);
    // The arrays hold the stored (fluid) cells: every stored entry is written, the rest left.
    let stored = layout.stored_cells();
    let fluid = (0..n as u32).filter(|&id| layout.is_fluid(id)).count();
    assert!(fluid < n && u[3 * stored..] == u_before[3 * stored..]);
    let written = (0..3 * stored).filter(|&k| u[k] != u_before[k]).count();
    assert!(written >= 3 * fluid - 3, "the twin wrote {written} of the {fluid} fluid cells' 3 components");
    // The stored cells' entries: u^n and p^n kept there, to the bit.
    let cells: Vec<usize> = (0..n as u32).filter_map(|id| layout.stored(id)).collect();
    let entries: Vec<usize> = (0..3).flat_map(|c| cells.iter().map(move |&i| c * stored + i)).collect();
    let kept = |v: &[f32], was: &[f32], at: &[usize]| at.iter().all(|&k| v[k] == was[k]);
    assert!(kept(&u_star, &u_before, &entries) && kept(&before, &pressure_in, &cells), "the twin keeps u^n and p^n");
    compare("project", &gpu.read::<f32>(&u_buf).unwrap(), &u, 1e-5);
    compare_outlets("project outflow", &gpu.read::<f32>(&out_buf).unwrap(), &outflow);
    assert!(kept(&gpu.read::<f32>(&us_buf).unwrap(), &u_before, &entries), "project keeps u^n in u*, to the bit");
    assert!(kept(&gpu.read::<f32>(&before_buf).unwrap(), &pressure_in, &cells), "project keeps p^n, to the bit");
    compare("project's pressure", &gpu.read::<f32>(&pressure_buf).unwrap(), &pressure, 1e-6);
}

#[test]
fn pressure_residual_gpu_matches_cpu() {
    let (_, layout, params) = setup();
    let gpu = gpu();
    let grid_gpu = GpuGrid::new(&gpu, &layout, &params).unwrap();
    let n = layout.cells.len();
    let (f, p) = (random(n, 6).iter().map(|x| x * 1e6).collect::<Vec<_>>(), random(n, 7));
    let (f_buf, p_buf) = (gpu.storage("f", &f).unwrap(), gpu.storage("p", &p).unwrap());
    let out = gpu.storage_empty("r", 4 * n as u64).unwrap();
    grid_gpu.run(&gpu, "solver/pressure_residual", &[("f", &f_buf), ("p", &p_buf), ("r", &out)]).unwrap();
    let mut expected = vec![0.0; n];
    cpu::pressure_residual(&layout.view(), &params, &f, &p, &mut expected);
    compare("pressure_residual", &gpu.read::<f32>(&out).unwrap(), &expected, 1e-5);
}

#[test]
fn pressure_residual_without_source_gpu_matches_cpu_and_is_minus_the_operator() {
    // Conjugate gradients apply q = -M d with the flag set and the source binding unread.
    let (_, layout, mut params) = setup();
    params.without_source = 1;
    let gpu = gpu();
    let grid_gpu = GpuGrid::new(&gpu, &layout, &params).unwrap();
    let n = layout.cells.len();
    let (f, p) = (random(n, 21).iter().map(|x| x * 1e6).collect::<Vec<_>>(), random(n, 22));
    let (f_buf, p_buf) = (gpu.storage("f", &f).unwrap(), gpu.storage("p", &p).unwrap());
    let out = gpu.storage_empty("q", 4 * n as u64).unwrap();
    grid_gpu.run(&gpu, "solver/pressure_residual", &[("f", &f_buf), ("p", &p_buf), ("r", &out)]).unwrap();
    let mut expected = vec![0.0; n];
    cpu::pressure_residual(&layout.view(), &params, &f, &p, &mut expected);
    compare("pressure_residual without source", &gpu.read::<f32>(&out).unwrap(), &expected, 1e-5);
    // The same as the residual of a zero source.
    params.without_source = 0;
    let mut zero_source = vec![0.0; n];
    cpu::pressure_residual(&layout.view(), &params, &vec![0.0; n], &p, &mut zero_source);
    assert_eq!(expected, zero_source);
}

#[test]
fn multigrid_transfers_gpu_match_cpu() {
    let (g, layout, _) = setup();
    let h = Hierarchy::new(&g.bricks, &layout, g.spacing).unwrap();
    assert!(h.levels.len() >= 2, "the test grid must coarsen");
    let gpu = gpu();
    let (fine, coarse) = (&h.levels[0], &h.levels[1]);
    let (nf, nc) = (fine.layout.cells.len(), coarse.layout.cells.len());
    // The brick tables give each cell the parent and children its coordinates say.
    for id in (0..nf as u32).filter(|&id| fine.layout.is_fluid(id)) {
        let c = fine.bricks.cell_coords(id).map(|x| i64::from(x / 2));
        let parent = index::parent_cell(id, fine.parent_bricks[(id / BRICK_CELLS) as usize]);
        assert_eq!(Some(parent), coarse.bricks.cell_id(c), "parent of fine cell {id}");
    }
    for id in (0..nc as u32).filter(|&id| coarse.layout.is_fluid(id)) {
        let slot = coarse.child_bricks[(id / BRICK_CELLS * 8 + index::child_octant(id)) as usize];
        let c = coarse.bricks.cell_coords(id).map(|x| i64::from(2 * x));
        for k in 0..8u32 {
            let child = [c[0] + i64::from(k & 1), c[1] + i64::from((k >> 1) & 1), c[2] + i64::from(k >> 2)];
            assert_eq!(Some(index::child_cell(id, slot, k)), fine.bricks.cell_id(child), "child {k} of {id}");
        }
    }
    // Restriction of the residual f - M p of random fine f and p, computed as it restricts; on
    // the CPU also from the residual stored first (pressure_residual), to rounding.
    let (f, p) = (random(nf, 8).iter().map(|x| x * 1e4).collect::<Vec<_>>(), random(nf, 9));
    let fine_params = fine.params();
    let fine_gpu = GpuGrid::new(&gpu, &fine.layout, &fine_params).unwrap();
    let children = gpu.storage("child bricks", &coarse.child_bricks).unwrap();
    let coarse_cells = gpu.storage("coarse cells", &coarse.layout.cells).unwrap();
    let (f_buf, p_buf) = (gpu.storage("f", &f).unwrap(), gpu.storage("p", &p).unwrap());
    let fc = gpu.storage_empty("f coarse", 4 * nc as u64).unwrap();
    let fields: [(&str, &dyn Bindable); 5] =
        [("f", &f_buf), ("p", &p_buf), ("coarse_cells", &coarse_cells), ("child_bricks", &children), ("f_coarse", &fc)];
    let bufs: Vec<(&str, &dyn Bindable)> = fine_gpu.bindings().into_iter().chain(fields).collect();
    kernels::run(&gpu, "solver/mg_restrict", &bufs, nc as u32).unwrap();
    let mut expected = vec![0.0; nc];
    let (fl, children) = (&fine.layout, &coarse.child_bricks);
    cpu::mg_restrict(&fl.view(), &fine_params, &f, &p, &coarse.layout.cells, children, &mut expected);
    compare("mg_restrict", &gpu.read::<f32>(&fc).unwrap(), &expected, 1e-6);
    let mut r = vec![0.0; nf];
    cpu::pressure_residual(&fl.view(), &fine_params, &f, &p, &mut r);
    let stored: Vec<f32> = (0..nc as u32)
        .map(|id| {
            let slot = children[(id / BRICK_CELLS * 8 + index::child_octant(id)) as usize];
            if !coarse.layout.is_fluid(id) || slot == NO_SLOT {
                return 0.0;
            }
            // The residual of a solid child (not stored) is 0.
            let residual = |k| fl.stored(index::child_cell(id, slot, k)).map_or(0.0, |i| r[i]);
            (0..8).map(residual).sum::<f32>() * 0.125
        })
        .collect();
    compare("mg_restrict against the stored residual restricted", &expected, &stored, 1e-5);
}

/// Blood after Cho and Kensey (1991), kinematic: a Carreau-Yasuda fluid with a = 2.
#[test]
fn coarse_solve_gpu_matches_cpu() {
    let (g, layout, _) = setup();
    let h = Hierarchy::new(&g.bricks, &layout, g.spacing).unwrap();
    let coarsest = h.levels.last().unwrap();
    let n = coarsest.layout.cells.len();
    let gpu = gpu();
    let f = random(n, 11);
    let (ids, inverse) =
        (gpu.storage("ids", &h.coarse.ids).unwrap(), gpu.storage("inverse", &h.coarse.inverse).unwrap());
    let (f_buf, e_buf) = (gpu.storage("f", &f).unwrap(), gpu.storage_empty("e", 4 * n as u64).unwrap());
    let bufs: [(&str, &dyn Bindable); 4] = [("ids", &ids), ("inverse", &inverse), ("f", &f_buf), ("e", &e_buf)];
    kernels::run(&gpu, "solver/mg_coarse_solve", &bufs, h.coarse.ids.len() as u32).unwrap();
    let mut expected = vec![0.0; n];
    cpu::mg_coarse_solve(&h.coarse.ids, &h.coarse.inverse, &f, &mut expected);
    let e = gpu.read::<f32>(&e_buf).unwrap();
    let fluid = |v: &[f32]| h.coarse.ids.iter().map(|&id| v[id as usize]).collect::<Vec<f32>>();
    println!("coarsest level: {} fluid cells of {n}", h.coarse.ids.len());
    compare("mg_coarse_solve", &fluid(&e), &fluid(&expected), 1e-4);
    assert!(e.iter().enumerate().all(|(id, &v)| v == 0.0 || h.coarse.ids.contains(&(id as u32))));
}

/// The pressure solve's control: every mode, on states that take each branch (CG going on or
/// stopped, the check done by the tolerance, by the iterations, by a restart that did not halve
/// the divergence, by a divergence not a number, or going on), seeded random scalars besides.
#[test]
fn cg_control_gpu_matches_cpu() {
    use hemoflow::solver::cg_control::{cg_control, mode, slot, CgControlParams};
    let gpu = gpu();
    let slots = 5u32;
    let mut grids: Vec<u32> = random(3 * slots as usize, 12).iter().map(|v| (v.abs() * 1000.0) as u32 + 1).collect();
    grids.extend(std::iter::repeat_n(7u32, 6 * slots as usize));
    let mut cases = 0;
    for (m, rr, ee, iterations, last, iterating) in [
        (mode::START, 4e-12, 0.0, 0.0, f32::MAX, 0.0),
        (mode::START, 4e-4, 0.0, 0.0, f32::MAX, 0.0),
        (mode::ITERATE, 4e-4, 0.0, 3.0, f32::MAX, 1.0),
        (mode::ITERATE, 4e-4, 0.0, 99.0, f32::MAX, 1.0),
        (mode::ITERATE, 4e-4, 0.0, 3.0, f32::MAX, 0.0),
        (mode::CHECK, 0.0, 4e-12, 3.0, f32::MAX, 0.0),
        (mode::CHECK, 0.0, 4e-4, 3.0, f32::MAX, 0.0),
        (mode::CHECK, 0.0, 4e-4, 3.0, 0.03, 0.0),
        (mode::CHECK, 0.0, 4e-4, 100.0, f32::MAX, 0.0),
        (mode::CHECK, 0.0, 4e-4, 3.0, f32::MAX, 1.0),
        (mode::CHECK, 0.0, f32::NAN, 3.0, f32::MAX, 0.0),
    ] {
        let mut scalars = random(slot::COUNT as usize, 13 + cases);
        scalars[slot::FF as usize] = 4.0;
        scalars[slot::SCALE as usize] = 2.0;
        scalars[slot::RR as usize] = rr;
        scalars[slot::EE as usize] = ee;
        scalars[slot::ITERATIONS as usize] = iterations;
        scalars[slot::LAST as usize] = last;
        scalars[slot::ITERATING as usize] = iterating;
        let params =
            CgControlParams { mode: m, max_iterations: 100, tolerance: 1e-5, floor: 0.5, slots, ..Default::default() };
        let (p_buf, s_buf, a_buf) = (
            gpu.uniform("params", &params).unwrap(),
            gpu.storage("scalars", &scalars).unwrap(),
            gpu.storage("args", &grids).unwrap(),
        );
        let bufs: [(&str, &dyn Bindable); 3] = [("params", &p_buf), ("scalars", &s_buf), ("args", &a_buf)];
        kernels::run(&gpu, "solver/cg_control", &bufs, 1).unwrap();
        let (mut expected, mut expected_args) = (scalars.clone(), grids.clone());
        cg_control(&params, &mut expected, &mut expected_args);
        let got: Vec<f32> = gpu.read(&s_buf).unwrap();
        let same = |a: f32, b: f32| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        assert!(got.iter().zip(&expected).all(|(a, b)| same(*a, *b)), "mode {m}: {got:?} != {expected:?}");
        assert_eq!(gpu.read::<u32>(&a_buf).unwrap(), expected_args, "mode {m}: the gates");
        let state: Vec<f32> = (slot::REPORT..slot::COUNT).map(|k| expected[k as usize]).collect();
        println!("mode {m}: rr {rr:e} ee {ee:e} iterations {iterations} -> iterations, scale, relative, divergence, last, done, iterating = {state:?}");
        cases += 1;
    }
    println!("{cases} states: the GPU's scalars and gates are the twin's, bit for bit");
}

fn carreau_yasuda(params: &mut SolverParams) {
    (params.rheology, params.nu_zero, params.nu_infinity) =
        (rheology::CARREAU_YASUDA, 0.056 / 1060.0, 0.00345 / 1060.0);
    (params.relaxation, params.power_n, params.power_a, params.nu_max) = (3.313, 0.3568, 2.0, 0.056 / 1060.0);
}

/// A random viscosity field around blood's, m^2/s (read by non-Newtonian stages).
fn random_viscosity(n: usize, seed: u64) -> Vec<f32> {
    random(n, seed).iter().map(|x| 3.3e-6 * (1.0 + 0.9 * x)).collect()
}

#[test]
fn momentum_gpu_matches_cpu() {
    let (_, layout, mut params) = setup();
    params.force_z = 2.0;
    let gpu = gpu();
    let n = layout.cells.len();
    let u: Vec<f32> = random(3 * n, 11).iter().map(|x| 0.3 * x).collect();
    // The velocity advection is evaluated at (a Runge-Kutta stage's), and what `out` holds
    // before: K as stage 0 leaves it for stage 1, u1 for stage 2 (the other passes overwrite it).
    let u_eval: Vec<f32> = random(3 * n, 18).iter().map(|x| 0.3 * x).collect();
    let u1: Vec<f32> = random(3 * n, 12).iter().map(|x| 0.3 * x).collect();
    let k_before: Vec<f32> = random(3 * n, 19).iter().map(|x| 0.01 * x).collect();
    let p: Vec<f32> = random(n, 16).iter().map(|x| 1e-3 * x).collect();
    let viscosity = random_viscosity(n, 17);
    let nu_buf = gpu.storage("viscosity", &viscosity).unwrap();
    // The three explicit Runge-Kutta stages, the implicit mode's pass, then the viscous terms
    // (stage 0 and the implicit pass) with a viscosity field.
    let cases = [(0, 0, false), (1, 0, false), (2, 0, false), (2, 1, false), (0, 0, true), (2, 1, true)];
    for (stage, implicit, non_newtonian) in cases {
        params.stage = stage;
        params.implicit_advection = implicit;
        if non_newtonian {
            carreau_yasuda(&mut params);
        }
        let grid_gpu = GpuGrid::new(&gpu, &layout, &params).unwrap();
        let (u_buf, eval_buf) = (gpu.storage("u", &u).unwrap(), gpu.storage("u_eval", &u_eval).unwrap());
        let p_buf = gpu.storage("p", &p).unwrap();
        let before = if stage == 1 { &k_before } else { &u1 };
        let (out_buf, k_buf) = (gpu.storage("out", before).unwrap(), gpu.storage("k", &k_before).unwrap());
        let fields: [(&str, &dyn Bindable); 6] = [
            ("u", &u_buf),
            ("u_eval", &eval_buf),
            ("out", &out_buf),
            ("k", &k_buf),
            ("p", &p_buf),
            ("viscosity", &nu_buf),
        ];
        grid_gpu.run(&gpu, "solver/momentum", &fields).unwrap();
        let (mut out, mut k) = (before.clone(), k_before.clone());
        cpu::momentum(&layout.view(), &params, &u, &u_eval, &mut out, &mut k, &p, &viscosity);
        let case = format!("stage {stage}, implicit {implicit}, rheology {}", params.rheology);
        compare(&format!("momentum ({case})"), &gpu.read::<f32>(&out_buf).unwrap(), &out, 1e-5);
        if stage == 0 && implicit == 0 {
            compare(&format!("momentum K ({case})"), &gpu.read::<f32>(&k_buf).unwrap(), &k, 1e-5);
        }
    }
}

#[test]
fn viscous_sweep_gpu_matches_cpu() {
    let (_, layout, mut params) = setup();
    params.dt = 1e-2; // a large viscous number: the sweep must still be exact
    let gpu = gpu();
    let n = layout.cells.len();
    let (rhs, v, u) = (random(3 * n, 13), random(3 * n, 14), random(3 * n, 15));
    let (rhs_buf, u_buf) = (gpu.storage("rhs", &rhs).unwrap(), gpu.storage("u", &u).unwrap());
    let viscosity = random_viscosity(n, 19);
    let nu_buf = gpu.storage("viscosity", &viscosity).unwrap();
    // Without and with the implicit upwind advection (Courant numbers up to about 30 here), then
    // with a viscosity field; each colour's half, which updates that colour in place and leaves
    // the other as it was.
    for (implicit, non_newtonian) in [(0, false), (1, false), (0, true)] {
        params.implicit_advection = implicit;
        if non_newtonian {
            carreau_yasuda(&mut params);
        }
        for colour in 0..2 {
            params.colour = colour;
            let grid_gpu = GpuGrid::new(&gpu, &layout, &params).unwrap();
            let v_buf = gpu.storage("v", &v).unwrap();
            let fields: [(&str, &dyn Bindable); 4] =
                [("rhs", &rhs_buf), ("u", &u_buf), ("v", &v_buf), ("viscosity", &nu_buf)];
            grid_gpu.run(&gpu, "solver/viscous_sweep", &fields).unwrap();
            let mut expected = v.clone();
            cpu::viscous_sweep(&layout.view(), &params, &rhs, &u, &mut expected, &viscosity);
            let changed = (0..3 * n).filter(|&k| expected[k] != v[k]).count();
            let fluid = (0..n as u32).filter(|&id| layout.is_fluid(id)).count();
            assert!(changed > fluid, "colour {colour}: the twin changed only {changed} of {} values", 3 * fluid);
            let what = format!("viscous_sweep (colour {colour}, implicit {implicit}, rheology {})", params.rheology);
            compare(&what, &gpu.read::<f32>(&v_buf).unwrap(), &expected, 1e-5);
        }
    }
}

#[test]
fn shear_viscosity_gpu_matches_cpu() {
    let (_, layout, mut params) = setup();
    let gpu = gpu();
    let n = layout.cells.len();
    // Velocities of up to 1 cm/s over cells of 0.35 mm, scaled cell by cell over two decades:
    // shear rates from below 1/s to about 100/s, through the models' shear-thinning range.
    let scale = random(n, 22);
    let u: Vec<f32> =
        random(3 * n, 21).iter().enumerate().map(|(k, x)| 0.01 * x * 10f32.powf(scale[k % n] - 1.0)).collect();
    let u_buf = gpu.storage("u", &u).unwrap();
    let casson = |p: &mut SolverParams| {
        (p.rheology, p.nu_infinity, p.yield_stress, p.nu_max) = (rheology::CASSON, 3.3e-6, 4e-6, 1e-4);
    };
    for set in [carreau_yasuda as fn(&mut SolverParams), casson] {
        set(&mut params);
        let grid_gpu = GpuGrid::new(&gpu, &layout, &params).unwrap();
        let out = gpu.storage("viscosity", &vec![-1.0f32; n]).unwrap();
        grid_gpu.run(&gpu, "solver/shear_viscosity", &[("u", &u_buf), ("viscosity", &out)]).unwrap();
        // The cells not stored (past the fluid ones) stay as they were on both sides.
        let mut expected = vec![-1.0; n];
        cpu::shear_viscosity(&layout.view(), &params, &u, &mut expected);
        let fluid = expected.iter().filter(|&&x| x > 0.0).count();
        let (lo, hi) =
            expected.iter().filter(|&&x| x > 0.0).fold((f32::MAX, 0.0f32), |(a, b), &x| (a.min(x), b.max(x)));
        println!(
            "shear_viscosity (rheology {}): {fluid} fluid cells, viscosity {lo:.3e} to {hi:.3e} m^2/s",
            params.rheology
        );
        assert!(hi > 2.0 * lo, "the random flow spans the shear-thinning range");
        // pow and sqrt: the GPU's may differ from Rust's in the last bits.
        compare(
            &format!("shear_viscosity (rheology {})", params.rheology),
            &gpu.read::<f32>(&out).unwrap(),
            &expected,
            1e-5,
        );
    }
}

#[test]
fn cap_gather_gpu_matches_cpu() {
    let (g, layout, _) = setup();
    let gpu = gpu();
    let n = layout.cells.len();
    let ids: Vec<u32> = g.caps.iter().flat_map(|c| c.cells.iter().map(|&(id, _)| id)).collect();
    assert!(ids.len() > 100, "{} cap cells", ids.len());
    // The outlet fluxes by boundary record, one entry more (0) for the cap cells without one.
    let c = layout.boundary_records();
    let records: Vec<u32> = ids.iter().map(|&id| layout.boundary_record(id).unwrap_or(c) as u32).collect();
    assert!(records.iter().any(|&r| (r as usize) < c), "cap cells with a boundary condition");
    let (outflow, p) = (random(c + 1, 30), random(n, 31));
    let (ids_buf, records_buf) = (gpu.storage("cap ids", &ids).unwrap(), gpu.storage("records", &records).unwrap());
    let (of_buf, p_buf) = (gpu.storage("outflow", &outflow).unwrap(), gpu.storage("p", &p).unwrap());
    let out_buf = gpu.storage_empty("cap values", 8 * ids.len() as u64).unwrap();
    let bufs: [(&str, &dyn Bindable); 5] =
        [("ids", &ids_buf), ("records", &records_buf), ("outflow", &of_buf), ("p", &p_buf), ("out", &out_buf)];
    kernels::run(&gpu, "solver/cap_gather", &bufs, ids.len() as u32).unwrap();
    let expected = cpu::cap_gather(&ids, &records, &outflow, &p);
    // A gather moves values unchanged: bit for bit on any adapter.
    assert_eq!(gpu.read::<f32>(&out_buf).unwrap(), expected, "cap_gather: GPU values differ from the CPU twin's");
    println!("cap_gather: {} cap cells gathered, bit-exact", ids.len());
}

#[test]
fn porous_drag_gpu_matches_cpu() {
    let (g, layout, params) = setup();
    let gpu = gpu();
    let n = layout.cells.len();
    // Every third fluid cell, with random normals and drag rates from none to far beyond 1/dt
    // (the point-implicit step must stay stable there).
    let (darcy, forch) = (random(n, 40), random(n, 41));
    let layer: Vec<PorousCell> = (0..n as u32)
        .filter(|&id| g.kind[id as usize] != grid::kind::SOLID && id % 3 == 0)
        .map(|id| {
            let i = id as usize;
            let normal = Vec3::new(darcy[(i + 1) % n] as f64, forch[(i + 2) % n] as f64, 0.5).normalize();
            PorousCell {
                cell: id,
                darcy: (darcy[i] + 1.0) * 5e5,
                forchheimer: (forch[i] + 1.0) * 5e4,
                normal_x: normal.x as f32,
                normal_y: normal.y as f32,
                normal_z: normal.z as f32,
                ..Default::default()
            }
        })
        .collect();
    assert!(layer.len() > 100, "{} layer cells", layer.len());
    let twin = rust_layout!(PorousCell { cell, darcy, forchheimer, normal_x, normal_y, normal_z, _pad0, _pad1 });
    assert_eq!(common::wgsl_twin_mismatch("solver/porous_drag", &twin), None);
    let u = random(3 * n, 42);
    let count = layer.len();
    let (on_gpu, on_cpu) = common::run_add_on(&gpu, &PorousLayer(layer), &layout, &params, &u);
    let changed = (0..3 * n).filter(|&i| on_cpu[i] != u[i]).count();
    assert!(changed > 2 * count, "the drag changed only {changed} values");
    // dot() on the GPU may fuse multiply-adds.
    compare("porous_drag", &on_gpu, &on_cpu, 1e-6);
}

#[test]
fn wall_shear_gpu_matches_cpu() {
    let (g, layout, mut params) = setup();
    let gpu = gpu();
    let n = layout.cells.len();
    let m = bifurcation(&BifurcationSpec { spacing: Some(0.5e-3), ..Default::default() }).unwrap();
    let surface = WallSurface::from_mesh(&m);
    let stencil = wall_stencil(&g, &surface);
    let triangles = surface.triangles.len();
    println!(
        "wall_shear: {triangles} wall triangles, {} with a quadratic fit, {} with a linear one, {} unresolved",
        stencil.quadratic, stencil.linear, stencil.unresolved
    );
    assert_eq!(stencil.unresolved, 0, "every wall triangle of the bifurcation has fluid cells near it");
    let (u, p) = (random(3 * n, 40).iter().map(|x| 0.05 * x).collect::<Vec<f32>>(), random(n, 41));
    // Running sums of the size of one step's tau dt, so that the step's increment shows.
    let sums0: Vec<[f32; 4]> =
        random(4 * triangles, 42).chunks(4).map(|c| [c[0], c[1], c[2], c[3].abs()].map(|x| 1e-5 * x)).collect();
    let (u_buf, p_buf) = (gpu.storage("u", &u).unwrap(), gpu.storage("p", &p).unwrap());
    let points = gpu.storage("points", &stencil.points).unwrap();
    let cells = gpu.storage("cells", &stencil.cells).unwrap();
    let weights = gpu.storage("weights", &stencil.weights).unwrap();
    // The viscosity cap the solver sets for a Newtonian fluid: its viscosity.
    params.nu_max = params.nu;
    for (set, name) in [(None, "Newtonian"), (Some(carreau_yasuda as fn(&mut SolverParams)), "Carreau-Yasuda")] {
        if let Some(set) = set {
            set(&mut params);
        }
        let wall = WallParams { triangles: triangles as u32, accumulate: 1, density: 1060.0, _pad0: 0 };
        let params_buf = gpu.uniform("params", &params).unwrap();
        let wall_buf = gpu.uniform("wall", &wall).unwrap();
        let stress = gpu.storage("stress", &vec![[f32::NAN; 4]; triangles]).unwrap();
        let sums = gpu.storage("sums", &sums0).unwrap();
        let bufs: [(&str, &dyn Bindable); 9] = [
            ("params", &params_buf),
            ("wall", &wall_buf),
            ("points", &points),
            ("stencil_cells", &cells),
            ("stencil_weights", &weights),
            ("u", &u_buf),
            ("p", &p_buf),
            ("stress", &stress),
            ("sums", &sums),
        ];
        kernels::run(&gpu, "wall/wall_shear", &bufs, triangles as u32).unwrap();
        let (mut stress_cpu, mut sums_cpu) = (vec![[0f32; 4]; triangles], sums0.clone());
        cpu::wall_shear(
            &params,
            &wall,
            &stencil.points,
            &stencil.cells,
            &stencil.weights,
            &u,
            &p,
            &mut stress_cpu,
            &mut sums_cpu,
        );
        // Compared apart: the stress (xyz) and the wall pressure (w), whose scales differ.
        let part = |v: &[[f32; 4]], c: std::ops::Range<usize>| {
            v.iter().flat_map(|x| x[c.clone()].to_vec()).collect::<Vec<f32>>()
        };
        // A sum of 24 products and, non-Newtonian, pow: the GPU may round differently in the
        // last bits (fused multiply-add, its own pow).
        let tol = 1e-5;
        let (stress_gpu, sums_gpu) = (gpu.read::<[f32; 4]>(&stress).unwrap(), gpu.read::<[f32; 4]>(&sums).unwrap());
        compare(&format!("wall_shear stress ({name})"), &part(&stress_gpu, 0..3), &part(&stress_cpu, 0..3), tol);
        compare(&format!("wall_shear wall pressure ({name})"), &part(&stress_gpu, 3..4), &part(&stress_cpu, 3..4), tol);
        compare(&format!("wall_shear sums ({name})"), &part(&sums_gpu, 0..4), &part(&sums_cpu, 0..4), tol);
    }
}

#[test]
fn time_average_gpu_matches_cpu() {
    let (_, layout, params) = setup();
    let gpu = gpu();
    let n = layout.cells.len();
    let (u, p, mean0) = (random(3 * n, 50), random(n, 51), random(4 * n, 52));
    let params_buf = gpu.uniform("params", &params).unwrap();
    let (u_buf, p_buf, mean) =
        (gpu.storage("u", &u).unwrap(), gpu.storage("p", &p).unwrap(), gpu.storage("mean", &mean0).unwrap());
    let bufs: [(&str, &dyn Bindable); 4] = [("params", &params_buf), ("u", &u_buf), ("p", &p_buf), ("mean", &mean)];
    kernels::run(&gpu, "solver/time_average", &bufs, n as u32).unwrap();
    let mut expected = mean0.clone();
    cpu::time_average(&params, &u, &p, &mut expected);
    compare("time_average", &gpu.read::<f32>(&mean).unwrap(), &expected, 1e-6);
}

#[test]
fn speed_max_gpu_matches_cpu() {
    let (_, layout, mut params) = setup();
    let gpu = gpu();
    let n = layout.cells.len();
    (params.cells, params.stored) = (n as u32, n as u32);
    let params_buf = gpu.uniform("params", &params).unwrap();
    // The largest speed lands in the last entry; the entries before it are left alone.
    let mut u = random(3 * n, 40);
    for (case, poison) in [("finite", None), ("a NaN", Some(f32::NAN)), ("an infinity", Some(f32::NEG_INFINITY))] {
        if let Some(x) = poison {
            u[2 * n + n / 3] = x;
        }
        let u_buf = gpu.storage("u", &u).unwrap();
        let out_buf = gpu.storage("out", &[7.0f32, 8.0, 0.0]).unwrap();
        let bufs: [(&str, &dyn Bindable); 3] = [("params", &params_buf), ("u", &u_buf), ("out", &out_buf)];
        kernels::run(&gpu, "solver/speed_max", &bufs, n as u32).unwrap();
        let got = gpu.read::<f32>(&out_buf).unwrap();
        let expected = cpu::speed_max(&u, n);
        println!("speed_max ({case}): {n} cells, GPU {} CPU {expected}", got[2]);
        assert_eq!(&got[..2], &[7.0, 8.0], "speed_max wrote outside its entry");
        // |x| + |y| + |z| in the same order: bit for bit.
        assert_eq!(got[2].to_bits(), expected.to_bits(), "speed_max ({case}): GPU {} CPU {expected}", got[2]);
        assert_eq!(expected.is_finite(), poison.is_none());
    }
}

#[test]
fn velocity_change_gpu_matches_cpu() {
    let (_, layout, mut params) = setup();
    let gpu = gpu();
    let n = layout.cells.len();
    (params.cells, params.stored) = (n as u32, n as u32);
    let params_buf = gpu.uniform("params", &params).unwrap();
    let (mut u, v) = (random(3 * n, 41), random(3 * n, 42));
    for (case, poison) in [("finite", None), ("a NaN", Some(f32::NAN))] {
        if let Some(x) = poison {
            u[n + n / 2] = x;
        }
        let (u_buf, v_buf) = (gpu.storage("u", &u).unwrap(), gpu.storage("v", &v).unwrap());
        let out_buf = gpu.storage("out", &[7.0f32, 0.0]).unwrap();
        let bufs: [(&str, &dyn Bindable); 4] =
            [("params", &params_buf), ("u", &u_buf), ("v", &v_buf), ("out", &out_buf)];
        kernels::run(&gpu, "solver/velocity_change", &bufs, n as u32).unwrap();
        let got = gpu.read::<f32>(&out_buf).unwrap();
        let expected = cpu::velocity_change(&u, &v, n);
        println!("velocity_change ({case}): {n} cells, GPU {} CPU {expected}", got[1]);
        assert_eq!(got[0], 7.0, "velocity_change wrote outside its entry");
        assert_eq!(got[1].to_bits(), expected.to_bits(), "velocity_change ({case}): GPU {} CPU {expected}", got[1]);
        assert_eq!(expected.is_finite(), poison.is_none());
    }
}

/// The settings of the generated pipe's solver tests (`pipe(&PipeSpec::default())` at 0.5 mm):
/// a parabolic inlet of 1 mL/s and an outlet at 0, with `advection` and `rheology`.
fn pipe_settings(advection: Advection, rheology: Rheology) -> Settings {
    Settings {
        nu: 3.3e-6,
        dt: 1e-3,
        force: Vec3::zeros(),
        tolerance: 1e-5,
        max_iterations: 100,
        velocity_scale: 0.1,
        advection,
        multigrid: MultigridSettings::default(),
        boundaries: vec![
            Boundary::Inlet { flow_rate: 1e-6, profile: Profile::Parabolic },
            Boundary::Outlet { pressure: 0.0 },
        ],
        backflow: 0.2,
        rheology,
    }
}

/// The step's binding plan: the buffer (or part of one) every pass binds to each of its
/// bindings. The momentum stages' velocities live in the viscous right-hand side and u*, and the
/// pressure solve's arrays in parts of the right-hand side (dead from the last viscous sweep
/// until the next step's momentum writes it) and in its scratch; this is where that aliasing is
/// written down, and two buffers swapped in any of the solver's dispatches change it.
#[test]
fn the_steps_binding_plan_is_as_designed() {
    use hemoflow::mesh::generate::{pipe, PipeSpec};
    use hemoflow::solver::gpu_solver::GpuSolver;
    let gpu = gpu();
    let g = grid::voxelize(&pipe(&PipeSpec::default()).unwrap(), 0.5e-3).unwrap();
    let settings = pipe_settings(Advection::Explicit, Rheology::Newtonian);
    let solver = GpuSolver::new(&gpu, &g, settings).unwrap();
    let plan = solver.binding_plan();
    println!("levels {:?}", solver.level_cells);
    for line in &plan {
        println!("{line}");
    }
    // Read as: the momentum stages write u1 into the viscous right-hand side and K, then u2,
    // into u*; the right-hand side then holds r, d and f (parts 0, 1, 2); the pressure scratch q
    // and the smoothing scratch; z its own buffer, where the residuals go and the projection
    // leaves p^n; the outlet flux per cap cell. Every level above the coarsest is smoothed; the
    // coarsest is solved (4 levels for this pipe).
    let coarsest = solver.level_cells.len() - 1;
    assert_eq!(coarsest, 3);
    let grid = "params=params neighbours=neighbours cells=cells geom=geom";
    // A smoothing step on level l with parameters `variant`: its source and input, the
    // prolongation's tables, and its output.
    let smooth = |l: usize, variant: &str, input: &str, output: &str| {
        let geometry = match l {
            0 => "neighbours=neighbours cells=cells geom=geom".to_string(),
            _ => format!("neighbours=level {l} neighbours cells=level {l} cells geom=level {l} geom"),
        };
        let tables = format!("parent_bricks=level {l} parent bricks e_coarse=level {} e", l + 1);
        format!("solver/pressure_smooth: params=level {l} params {variant} {geometry} {input} {tables} {output}")
    };
    let expected: Vec<String> = [
        "solver/momentum: params=params stage 0 neighbours=neighbours cells=cells geom=geom u=u u_eval=u out=viscous rhs p=p viscosity=viscosity k=u*".to_string(),
        "solver/momentum: params=params stage 1 neighbours=neighbours cells=cells geom=geom u=u u_eval=viscous rhs out=u* p=p viscosity=viscosity k=pressure scratch".to_string(),
        format!("solver/momentum: {grid} u=u u_eval=u* out=viscous rhs p=p viscosity=viscosity k=pressure scratch"),
        format!("solver/viscous_sweep: {grid} rhs=viscous rhs u=u v=u* viscosity=viscosity"),
        "solver/viscous_sweep: params=params black neighbours=neighbours cells=cells geom=geom rhs=viscous rhs u=u v=u* viscosity=viscosity".to_string(),
        format!("solver/divergence: {grid} u=u* f=viscous rhs[2] p=p outflow=outlet flux"),
        format!("solver/pressure_residual: {grid} f=viscous rhs[2] p=pressure increment r=pressure z"),
        "solver/pressure_residual: params=params without source neighbours=neighbours cells=cells geom=geom f=viscous rhs[1] p=viscous rhs[1] r=pressure scratch".to_string(),
        smooth(0, "red", "f=viscous rhs[0] p_in=pressure z", "p_out=pressure scratch"),
        smooth(0, "red", "f=viscous rhs[0] p_in=pressure scratch", "p_out=pressure z"),
        "solver/mg_restrict: params=level 0 params neighbours=neighbours cells=cells geom=geom f=viscous rhs[0] p=pressure z coarse_cells=level 1 cells child_bricks=level 1 child bricks f_coarse=level 1 f".to_string(),
        smooth(0, "black prolonged", "f=viscous rhs[0] p_in=pressure z", "p_out=pressure scratch"),
        smooth(0, "black", "f=viscous rhs[0] p_in=pressure scratch", "p_out=pressure z"),
    ]
    .into_iter()
    .chain((1..coarsest).flat_map(|l| {
        let (this, next) = (format!("level {l}"), format!("level {}", l + 1));
        let grid = format!("params={this} params neighbours={this} neighbours cells={this} cells geom={this} geom");
        [
            // Every coarser level smooths in the head of the finest level's scratch.
            smooth(l, "red", &format!("f={this} f p_in={this} e"), "p_out=pressure scratch[0]"),
            smooth(l, "red", &format!("f={this} f p_in=pressure scratch[0]"), &format!("p_out={this} e")),
            format!("solver/mg_restrict: {grid} f={this} f p={this} e coarse_cells={next} cells child_bricks={next} child bricks f_coarse={next} f"),
            smooth(l, "black prolonged", &format!("f={this} f p_in={this} e"), "p_out=pressure scratch[0]"),
            smooth(l, "black", &format!("f={this} f p_in=pressure scratch[0]"), &format!("p_out={this} e")),
        ]
    }))
    .chain([
        format!("solver/mg_coarse_solve: ids=coarsest fluid cells inverse=coarsest inverse f=level {coarsest} f e=level {coarsest} e"),
        format!("solver/pressure_residual: {grid} f=viscous rhs[2] p=pressure increment r=pressure z"),
        format!("solver/project: {grid} p=pressure increment u_star=u* u=u outflow=outlet flux pressure=p pressure_before=pressure z"),
        "solver/cap_gather: ids=cap ids outflow=outlet flux p=p out=cap values and speed[0] records=cap records".to_string(),
        "solver/speed_max: params=params u=u out=cap values and speed[0]".to_string(),
    ])
    .collect();
    assert_eq!(plan, expected, "the plan changed");
}

/// The aliasing plan, checked: two real steps of a pipe (explicit and implicit advection, a
/// non-Newtonian fluid, a porous layer, the caps' read-back after each step) are traced pass by
/// pass, and no read may see memory last written as another array (`hemoflow::gpu::trace`). A
/// new stage that read u after the pressure solve (whose vectors live in u) must be caught. The
/// second step is undone: its copies of u and p, kept in buffers the step no longer needs, bring
/// back the state it started from, to the bit.
#[test]
fn no_two_arrays_sharing_a_buffer_are_live_at_once() {
    use hemoflow::gpu::{trace::overlapping_lifetimes, TracedPass};
    use hemoflow::mesh::generate::{pipe, PipeSpec};
    use hemoflow::solver::gpu_solver::GpuSolver;
    let gpu = gpu();
    let g = grid::voxelize(&pipe(&PipeSpec::default()).unwrap(), 0.5e-3).unwrap();
    let fluid: Vec<u32> = (0..g.kind.len() as u32).filter(|&i| g.kind[i as usize] != grid::kind::SOLID).collect();
    let layer: Vec<PorousCell> = fluid
        .iter()
        .step_by(7)
        .map(|&cell| PorousCell { cell, darcy: 50.0, forchheimer: 200.0, normal_z: 1.0, ..Default::default() })
        .collect();
    for (advection, rheology) in [
        (Advection::Explicit, Rheology::Newtonian),
        (
            Advection::Implicit,
            Rheology::CarreauYasuda { nu_zero: 5.3e-5, nu_infinity: 3.3e-6, relaxation: 3.3, n: 0.36, a: 2.0 },
        ),
    ] {
        let settings = pipe_settings(advection, rheology);
        let mut solver = GpuSolver::new(&gpu, &g, settings).unwrap();
        solver.attach(&PorousLayer(layer.clone())).unwrap();
        solver.keep_undo();
        gpu.start_trace();
        let mut before = (Vec::new(), Vec::new());
        for _ in 0..2 {
            before = (solver.velocity().unwrap(), solver.pressure().unwrap());
            solver.step().unwrap();
            solver.cap_values().unwrap();
        }
        // Undone, the last step copies back u and p from where it kept them, dead buffers.
        assert!(solver.undo());
        let mut trace = gpu.take_trace();
        assert!(trace.iter().rev().take(2).all(|p| p.what == "copy"), "the undo's two copies end the trace");
        let after = (solver.velocity().unwrap(), solver.pressure().unwrap());
        assert!(after == before, "{advection:?}: the undo did not restore u and p to the bit");
        let reads: usize = trace.iter().map(|p| p.reads.len()).sum();
        println!("{advection:?}: {} passes, {reads} reads checked", trace.len());
        let found = overlapping_lifetimes(&trace);
        assert!(found.is_empty(), "{advection:?}: arrays sharing memory overlap:\n{}", found.join("\n"));
        // A stage reading the viscous rhs between the pressure solve and the projection (of the
        // second step), where the solve's r, d and check live.
        let sweep = trace.iter().find(|p| p.what == "solver/viscous_sweep").unwrap();
        let rhs = sweep.reads.iter().find(|r| r.0 == "rhs").unwrap().clone();
        let project = trace.iter().rposition(|p| p.what == "solver/project").unwrap();
        trace.insert(project, TracedPass { what: "a new stage".into(), reads: vec![rhs], writes: vec![] });
        let found = overlapping_lifetimes(&trace);
        println!("{}", found.join("\n"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("(a new stage) reads `rhs`"), "{}", found[0]);
    }
}

/// The time integrals (TAWSS, OSI and the mean fields come from) take a step's share one step
/// late, so that an undone step needs no copy of them: a step taken and undone leaves the
/// integrals, the velocity and the pressure as the step before it left them, to the bit.
#[test]
fn an_undone_step_leaves_the_time_integrals_as_if_never_taken() {
    use hemoflow::mesh::generate::{pipe, PipeSpec};
    use hemoflow::solver::gpu_solver::GpuSolver;
    use hemoflow::solver::wall_shear::wall_stencil_of;
    let gpu = gpu();
    let mesh = pipe(&PipeSpec::default()).unwrap();
    let g = grid::voxelize(&mesh, 0.5e-3).unwrap();
    let surface = WallSurface::from_mesh(&mesh);
    let triangles: Vec<usize> = (0..surface.triangles.len()).collect();
    let stencil = wall_stencil_of(&g, &surface, &triangles);
    let settings = pipe_settings(Advection::Explicit, Rheology::Newtonian);
    let run = |undone: bool| {
        let mut solver = GpuSolver::new(&gpu, &g, settings.clone()).unwrap();
        solver.attach_wall(&stencil, 1060.0, true).unwrap();
        solver.keep_undo();
        solver.step().unwrap();
        if undone {
            solver.set_dt(2.0 * settings.dt);
            solver.step().unwrap();
            assert!(solver.undo());
        }
        let averages = solver.averages().unwrap();
        (averages, solver.velocity().unwrap(), solver.pressure().unwrap())
    };
    let (undone, plain) = (run(true), run(false));
    println!(
        "integrated {:.3e} s and {:.3e} s; |tau| dt summed over the wall {:.6e} and {:.6e} Pa s",
        undone.0.time,
        plain.0.time,
        undone.0.wall.iter().map(|s| s[3] as f64).sum::<f64>(),
        plain.0.wall.iter().map(|s| s[3] as f64).sum::<f64>()
    );
    assert_eq!(undone.0.time, settings.dt);
    assert!(undone.0.wall.iter().any(|s| s[3] > 0.0), "the wall's integrals are empty");
    assert!(undone.0 == plain.0, "the undone step left its trace in the time integrals");
    assert!(undone.1 == plain.1 && undone.2 == plain.2, "the undo did not restore the state");
}

/// Profiling by the wall clock (the fallback where an adapter has no timestamps): every stage
/// submitted alone and waited for gets a time, and the step computes exactly what it computes
/// unprofiled (same work, same order).
#[test]
fn wall_clock_profile_times_every_stage_and_changes_nothing() {
    use hemoflow::gpu::counters::WALL_CLOCK;
    use hemoflow::mesh::generate::{pipe, PipeSpec};
    use hemoflow::solver::gpu_solver::GpuSolver;
    let g = grid::voxelize(&pipe(&PipeSpec::default()).unwrap(), 0.5e-3).unwrap();
    let settings = pipe_settings(Advection::Explicit, Rheology::Newtonian);
    let run = |clocked: bool| {
        let gpu = gpu();
        if clocked {
            gpu.profile_wall_clock();
        }
        let mut solver = GpuSolver::new(&gpu, &g, settings.clone()).unwrap();
        solver.keep_undo();
        let before = gpu.counters();
        for _ in 0..3 {
            solver.step().unwrap();
            solver.cap_values().unwrap();
        }
        (solver.velocity().unwrap(), solver.pressure().unwrap(), gpu.counters().since(&before).per_step(3))
    };
    let (u, p, plain) = run(false);
    let (u_clocked, p_clocked, clocked) = run(true);
    assert_eq!(plain.stages, clocked.stages, "the same dispatches");
    assert!(u == u_clocked && p == p_clocked, "profiling by the wall clock changed the fields");
    assert!(plain.stage_ms.is_empty() && plain.timing.is_none(), "{plain:?}");
    assert_eq!(clocked.timing.as_deref(), Some(WALL_CLOCK));
    println!("{}", clocked.stage_ms_text().unwrap());
    for stage in clocked.stages.keys() {
        if stage == "vector/sum_partial" {
            continue; // in the pass of its dot_partial, timed under that stage
        }
        assert!(clocked.stage_ms.get(stage).is_some_and(|&t| t > 0.0), "{stage}: {clocked:?}");
    }
}
