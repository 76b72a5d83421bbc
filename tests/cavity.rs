//! Lid-driven cavity (a thin periodic slab of a cube whose top face moves), Re 100, against the
//! centreline velocities of Ghia, Ghia & Shin (1982), on the GPU (lavapipe here).

use std::path::Path;

use hemoflow::gpu::Gpu;
use hemoflow::grid::{self, kind};
use hemoflow::mesh::{FaceGroup, GroupKind, SurfaceMesh, Vec3};
use hemoflow::solver::gpu_solver::{GpuSolver, Settings};
use hemoflow::solver::layout::Boundary;
use hemoflow::solver::multigrid::MultigridSettings;

/// Ghia's table: (y, u) on the vertical centreline and (x, v) on the horizontal one, for the
/// Reynolds number in column `re` (0: 100, 1: 1000).
/// (position, velocity) pairs along a centreline.
type Profile = Vec<(f64, f64)>;

fn ghia(re: usize) -> (Profile, Profile) {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/ghia1982_cavity.dat"))
            .expect("the Ghia table, ../shared/reference/ghia1982_cavity.dat beside the checkout (CI has it)");
    let rows: Vec<Vec<f64>> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(|w| w.parse().unwrap()).collect())
        .collect();
    (rows.iter().map(|r| (r[0], r[1 + re])).collect(), rows.iter().map(|r| (r[6], r[7 + re])).collect())
}

/// The unit cube in metres: the face y = 1 is the lid (a cap group), the rest wall.
fn cube() -> SurfaceMesh {
    let v: Vec<Vec3> =
        (0..8).map(|i| Vec3::new((i & 1) as f64, ((i >> 1) & 1) as f64, ((i >> 2) & 1) as f64)).collect();
    let quads = [
        ([0, 2, 3, 1], 0),
        ([4, 5, 7, 6], 0),
        ([0, 1, 5, 4], 0),
        ([2, 6, 7, 3], 1),
        ([0, 4, 6, 2], 0),
        ([1, 3, 7, 5], 0),
    ];
    let mut triangles = Vec::new();
    let mut labels = Vec::new();
    for (q, g) in quads {
        triangles.extend([[q[0], q[1], q[2]], [q[0], q[2], q[3]]]);
        labels.extend([g, g]);
    }
    let groups = vec![
        FaceGroup { name: "wall".into(), kind: GroupKind::Wall },
        FaceGroup { name: "lid".into(), kind: GroupKind::Cap },
    ];
    SurfaceMesh { vertices: v, triangles, labels, groups }
}

#[test]
fn cavity_re100_matches_ghia() {
    // The reference first: a missing table fails at once, not after the run.
    let (u_ref, v_ref) = ghia(0);
    let gpu = Gpu::new(None).unwrap_or_else(|e| panic!("{e}: install mesa-vulkan-drivers (tools/setup does)"));
    let n_cells = 64.0;
    let h = 1.0 / n_cells;
    let full = grid::voxelize(&cube(), h).unwrap();
    let mid = full.bricks.brick_dims[2] / 2;
    let g = full.periodic_section(2, mid, mid + 1).unwrap();
    let (u_lid, re) = (1.0, 100.0);
    let nu = u_lid / re;
    let dt = 0.2 * h / u_lid;
    // Pressure solve and divergence after projection, relative (f32 resolves about 1e-6).
    let tolerance = 1e-5;
    let settings = Settings {
        nu,
        dt,
        force: Vec3::zeros(),
        tolerance,
        max_iterations: 100,
        velocity_scale: u_lid,
        multigrid: MultigridSettings::default(),
        boundaries: vec![Boundary::Moving { velocity: Vec3::new(u_lid, 0.0, 0.0) }],
    };
    let mut solver = GpuSolver::new(&gpu, &g, settings).unwrap();
    // Steady to the table's precision by t = 10 L / U at Re 100.
    let steps = (10.0 / dt) as usize;
    let mut divergence = 0.0f64;
    for s in 0..steps {
        let stats = solver.step().unwrap();
        assert!(stats.relative_residual.is_finite(), "step {s}: pressure residual is not finite");
        assert!(
            stats.divergence <= tolerance,
            "step {s}: divergence after projection {:.2e} above the tolerance {tolerance:.0e}",
            stats.divergence
        );
        divergence = divergence.max(stats.divergence);
    }
    println!("divergence after projection: at most {divergence:.2e} (relative; tolerance {tolerance:.0e}) over {steps} steps");
    let u = solver.velocity().unwrap();
    let n = solver.cells as usize;
    // Centreline values: average the two cells either side of x = 0.5 (or y = 0.5), at the
    // slab's first z layer, interpolated linearly between cell centres along the line.
    let k = 0i64;
    let at = |i: i64, j: i64, c: usize| -> f64 {
        let id = g.bricks.cell_id([i, j, k]).expect("allocated");
        assert_ne!(g.kind[id as usize], kind::SOLID);
        u[c * n + id as usize] as f64
    };
    let cell = |x: f64| ((x - g.origin.x) / h - 0.5).floor() as i64;
    let line = |along_y: bool, s: f64| -> f64 {
        // position s along the line (0..1), the other coordinate 0.5
        let mid = cell(0.5);
        let p = (s - g.origin.y) / h - 0.5;
        let (i0, t) = (p.floor() as i64, p - p.floor());
        let val = |a: i64| {
            if along_y {
                0.5 * (at(mid, a, 0) + at(mid + 1, a, 0))
            } else {
                0.5 * (at(a, mid, 1) + at(a, mid + 1, 1))
            }
        };
        (1.0 - t) * val(i0) + t * val(i0 + 1)
    };
    // Table points at least a cell from the walls (closer ones need the wall values).
    let (mut worst, mut points) = (0.0f64, 0);
    for &(y, ur) in u_ref.iter().filter(|(y, _)| *y > h && *y < 1.0 - h) {
        worst = worst.max((line(true, y) - ur).abs());
        points += 1;
    }
    for &(x, vr) in v_ref.iter().filter(|(x, _)| *x > h && *x < 1.0 - h) {
        worst = worst.max((line(false, x) - vr).abs());
        points += 1;
    }
    println!("{points} table points compared");
    println!("cavity Re 100, {n_cells}^2, {steps} steps: worst centreline difference from Ghia {worst:.4} (lid velocity units)");
    assert!(worst < 0.02);
}
