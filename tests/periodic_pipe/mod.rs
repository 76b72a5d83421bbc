//! The periodic pipe section the fully developed flow tests share: one brick of a generated
//! straight pipe along +z (8 mm long, 512-gon section), made periodic along z, and its fluid
//! cells with their distance from the axis.

use hemoflow::grid::{self, kind, Grid};
use hemoflow::mesh::generate::{pipe, PipeSpec};
use hemoflow::mesh::WallSurface;
use hemoflow::mesh::{SurfaceMesh, Vec3};
use hemoflow::solver::addon::AddOn;
use hemoflow::solver::gpu_solver::{Advection, GpuSolver, Rheology, Settings};
use hemoflow::solver::multigrid::MultigridSettings;
use hemoflow::solver::wall_shear::{wall_stencil_of, WallStencil};

/// The generated pipe of `radius` (m) the sections are cut from, with `rings` rings of
/// triangles along its length (the surface is the same prism for any number).
pub fn pipe_mesh(radius: f64, rings: usize) -> SurfaceMesh {
    let spec =
        PipeSpec { radius, length: 8e-3, axis: Vec3::z(), start: Vec3::zeros(), segments: 512, rings: Some(rings) };
    pipe(&spec).unwrap()
}

/// The section of a pipe of `radius` (m) at D/h = `d_over_h`, 4 cells long, from the pipe's
/// middle.
pub fn periodic_pipe(radius: f64, d_over_h: f64) -> Grid {
    let full = grid::voxelize(&pipe_mesh(radius, 8), 2.0 * radius / d_over_h).unwrap();
    let mid = full.bricks.brick_dims[2] / 2;
    full.periodic_section(2, mid, mid + 4 / grid::index::BRICK).unwrap()
}

/// The wall of the pipe of `radius` (m) the section `g` was cut from (rings h / 2 long, so that
/// each triangle's centroid is inside or outside the section), the triangles inside the section
/// and their wall-shear stencils.
#[allow(dead_code)]
pub fn section_wall(g: &Grid, radius: f64) -> (WallSurface, Vec<usize>, WallStencil) {
    let (lo, hi) = (g.origin.z, g.origin.z + g.dims()[2] as f64 * g.spacing);
    let wall = WallSurface::from_mesh(&pipe_mesh(radius, (2.0 * 8e-3 / g.spacing).round() as usize));
    let inside: Vec<usize> = (0..wall.triangles.len()).filter(|&t| (lo..hi).contains(&wall.centroid(t).z)).collect();
    let stencil = wall_stencil_of(g, &wall, &inside);
    assert_eq!((stencil.linear, stencil.unresolved), (0, 0), "every triangle has a fit of second order or more");
    (wall, inside, stencil)
}

/// The wall shear stress on the triangles of [`section_wall`] from the velocity in `solver`,
/// for a fluid of `density` (kg/m^3; 1 gives the kinematic stress, m^2/s^2): each triangle's
/// centroid and stress vector.
#[allow(dead_code)]
pub fn section_wall_stress(g: &Grid, radius: f64, solver: &mut GpuSolver, density: f64) -> Vec<(Vec3, Vec3)> {
    let (wall, inside, stencil) = section_wall(g, radius);
    solver.attach_wall(&stencil, density, false).unwrap();
    let stress = solver.wall_stress().unwrap();
    inside
        .iter()
        .zip(stress)
        .map(|(&t, s)| (wall.centroid(t), Vec3::new(s[0] as f64, s[1] as f64, s[2] as f64)))
        .collect()
}

/// Fluid cells of `g` (all, or those whose centre is within half a cell of z = `at`): storage
/// id, distance from the z axis (m), volume fraction.
pub fn fluid_cells(g: &Grid, at: Option<f64>) -> Vec<(usize, f64, f64)> {
    (0..g.kind.len())
        .filter(|&id| g.kind[id] != kind::SOLID)
        .map(|id| (id, g.cell_centre(id as u32)))
        .filter(|(_, x)| at.is_none_or(|z| (x.z - z).abs() < 0.5 * g.spacing))
        .map(|(id, x)| (id, (x.x * x.x + x.y * x.y).sqrt(), g.volume_fraction[id] as f64))
        .collect()
}

/// Steady flow in the periodic section `g` with `add_on` attached, for a fluid of kinematic
/// viscosity `nu` (m^2/s) under body force `force` (m/s^2) along the axis, at time step `dt`
/// (s; `velocity_scale` m/s for the pressure solve's floor): run until the velocity changes by
/// less than 1e-5 of its peak over 50 steps, the pressure solve's tolerance (below it, the steps
/// move the velocity by the solve's own residual: a flow steady for hundreds of steps changed by
/// 3.1e-6 of its peak from one 50 steps to the next). Returns the fluid cells ([`fluid_cells`]),
/// each cell's axial velocity (m/s), the spacing and the section's length (m).
#[allow(dead_code)]
pub fn steady_flow(
    g: &Grid,
    add_on: &dyn AddOn,
    nu: f64,
    force: f64,
    dt: f64,
    velocity_scale: f64,
) -> (Vec<(usize, f64, f64)>, Vec<f64>, f64, f64) {
    // On the CPU backend: lavapipe takes minutes here; the backends agree (tests/cpu_backend.rs).
    let gpu = super::common::cpu();
    let settings = Settings {
        nu,
        dt,
        force: Vec3::new(0.0, 0.0, force),
        tolerance: 1e-5,
        max_iterations: 50,
        velocity_scale,
        advection: Advection::Explicit,
        multigrid: MultigridSettings::default(),
        boundaries: Vec::new(),
        backflow: 0.0,
        rheology: Rheology::Newtonian,
    };
    let mut solver = GpuSolver::new(&gpu, g, settings).unwrap();
    solver.attach(add_on).unwrap();
    let n = solver.cells as usize;
    let mut last = vec![0.0f32; 3 * n];
    for step in 1..=2000 {
        solver.step().unwrap();
        if step % 50 == 0 {
            let u = solver.velocity().unwrap();
            let change = u.iter().zip(&last).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
            let scale = u.iter().map(|x| x.abs()).fold(0.0f32, f32::max);
            last = u;
            if change < 1e-5 * scale {
                println!(
                    "  steady after {step} steps (largest change over 50 steps {:.1e} of the peak)",
                    change / scale
                );
                break;
            }
            assert!(step < 2000, "not steady after {step} steps");
        }
    }
    let uz = (0..n).map(|id| last[2 * n + id] as f64).collect();
    (fluid_cells(g, None), uz, g.spacing, g.dims()[2] as f64 * g.spacing)
}
