// Stage wall_shear: the wall shear stress (Pa) on each wall triangle, and the wall pressure
// (Pa), from the velocity u (m/s) and kinematic pressure p (m^2/s^2) of the last step. The
// velocity's derivative along the wall normal, du/ds (1/s, s the distance into the fluid), is a
// fixed weighted sum of WALL_STENCIL fluid cells' velocities (weights from a least-squares
// quadratic through zero at the wall: hemoflow::solver::wall_shear); its part along the wall is
// the shear rate vector g, and tau = rho nu(|g|) g (shared/rheology: params.nu for a Newtonian
// fluid). The wall pressure is the pressure of the fluid cell nearest the triangle's centroid.
// With accumulate set, tau dt and |tau| dt are added to the triangle's sums (params.dt, s): the
// time integrals TAWSS, OSI and RRT come from. CPU twin: hemoflow::solver::cpu::wall_shear.

#import shared/dispatch
#import shared/rheology

const WALL_STENCIL: u32 = 32u;

// Rust twin: hemoflow::solver::wall_shear::WallPoint.
struct WallPoint {
    // Unit normal, out of the fluid.
    normal: vec3<f32>,
    // Storage id of the fluid cell nearest the centroid.
    nearest: u32,
}

// Rust twin: hemoflow::solver::wall_shear::WallParams.
struct WallParams {
    // Wall triangles.
    triangles: u32,
    // 1: add tau dt and |tau| dt to sums; 0: only write stress.
    accumulate: u32,
    // Fluid density, kg/m^3.
    density: f32,
    _pad0: u32,
}

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<uniform> wall: WallParams;
@group(0) @binding(2) var<storage, read> points: array<WallPoint>;
// WALL_STENCIL stored indices (shared/grid `stored`) and weights (1/m) per triangle.
@group(0) @binding(3) var<storage, read> stencil_cells: array<u32>;
@group(0) @binding(4) var<storage, read> stencil_weights: array<f32>;
// Velocity, m/s, component-major (3 x params.stored).
@group(0) @binding(5) var<storage, read> u: array<f32>;
// Kinematic pressure, m^2/s^2.
@group(0) @binding(6) var<storage, read> p: array<f32>;
// Per triangle: xyz the wall shear stress (Pa), w the wall pressure (Pa).
@group(0) @binding(7) var<storage, read_write> stress: array<vec4<f32>>;
// Per triangle: xyz the sum of tau dt, w the sum of |tau| dt (Pa s).
@group(0) @binding(8) var<storage, read_write> sums: array<vec4<f32>>;

@compute @workgroup_size(CELL_WORKGROUP)
fn wall_shear(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = flat_index(gid, nwg, CELL_WORKGROUP);
    if t >= wall.triangles {
        return;
    }
    let n = params.stored;
    var du = vec3<f32>(0.0);
    for (var k = 0u; k < WALL_STENCIL; k++) {
        let i = t * WALL_STENCIL + k;
        let id = stencil_cells[i];
        du += stencil_weights[i] * vec3<f32>(u[id], u[n + id], u[2u * n + id]);
    }
    let point = points[t];
    let g = du - point.normal * dot(point.normal, du);
    let tau = wall.density * apparent_viscosity(length(g)) * g;
    stress[t] = vec4<f32>(tau, wall.density * p[point.nearest]);
    if wall.accumulate != 0u {
        sums[t] += vec4<f32>(tau * params.dt, length(tau) * params.dt);
    }
}
