// Stage divergence: div of the predicted face velocities, with the pressure-velocity coupling of
// Rhie and Chow: u* holds the last step's cell-centred pressure gradient G p (momentum), so
// through each open face between fluid cells
//   u_f = I(u*) + dt (G p_id + G p_nb) / 2 - dt (p_nb - p_id) / h
// along the face normal (the centred gradient swapped for the compact face one; I the cubic
// face interpolation below, the mean next to walls), weighted by
// the face's wetted aperture; walls carry no flux; an inlet brings its imposed velocity and an
// outlet takes (u* + dt G p).n + dt c (p - p_out) / h through its open area. With
// div = sum_f +-A_f u_f / (V h) (1/s), writes the source of the pressure-increment equation,
// f = -V div / dt (1/s^2; 0 when dt = 0), and each outlet cell's flux over h^2 before the
// increment (m/s; 0 elsewhere) for `project` to finish. At a steady state these face velocities
// are those of the projection. CPU twin: hemoflow::solver::cpu::divergence.

#import shared/dispatch
#import shared/gradient

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
// Predicted velocity u*, m/s, component-major: u[c * params.stored + stored(id)].
@group(0) @binding(4) var<storage, read> u: array<f32>;
// Source of the pressure-increment equation, 1/s^2.
@group(0) @binding(5) var<storage, read_write> f: array<f32>;
// The last step's pressure, kinematic, m^2/s^2.
@group(0) @binding(6) var<storage, read> p: array<f32>;
// Outlet flux over h^2 before the increment, m/s, per boundary record (shared/cells
// boundary_record; 0 off the outlets).
@group(0) @binding(7) var<storage, read_write> outflow: array<f32>;

// The face value between cells of values a and b along an axis (component offset c in u):
// cubic through the two cells beyond them, o_a (behind a) and o_b (beyond b; their stored
// indices), where both are fluid, (9 (a + b) - u_oa - u_ob) / 16 (exact for cubic profiles: the mean of a and b alone
// misses h^2/8 of the curvature, which in an oblique pipe is 1% of the flow at D/h = 20);
// else the mean.
fn face_interpolate(a: f32, b: f32, o_a: u32, o_b: u32, c: u32) -> f32 {
    if o_a == NO_SLOT || o_b == NO_SLOT {
        return 0.5 * (a + b);
    }
    return (9.0 * (a + b) - u[c + o_a] - u[c + o_b]) / 16.0;
}

@compute @workgroup_size(CELL_WORKGROUP)
fn divergence(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = flat_index(gid, nwg, CELL_WORKGROUP);
    if id >= params.cells || !is_fluid(id) {
        return;
    }
    let n = params.stored;
    let dt = params.dt;
    // Each neighbour looked up once: the face's, and the one beyond it (for the cubic
    // interpolation and the neighbour's gradient, whose other neighbour along the axis is id).
    let hood = neighbourhood(id);
    let nbs = hood.nbf;
    let at = hood.at;
    let i = at.own;
    let grad = pressure_gradient_of(id, bc(id, GEOM_BC_PRESSURE), at);
    var s = 0.0;
    for (var d = 0u; d < 6u; d++) {
        let nb = nbs[d];
        if nb == NO_SLOT {
            continue;
        }
        let axis = d / 2u;
        let c = axis * n;
        let beyond = fluid_neighbour(nb, d);
        let k = select(NO_SLOT, stored(beyond), beyond != NO_SLOT);
        let j = at.nbs[d];
        let high_side = (d & 1u) == 1u;
        let grad_nb =
            pressure_gradient_axis(nb, axis, bc(nb, GEOM_BC_PRESSURE), p[j], select(k, i, high_side), select(i, k, high_side));
        let uf = face_interpolate(u[c + i], u[c + j], at.nbs[d ^ 1u], k, c) + dt * 0.5 * (grad[axis] + grad_nb);
        let side_sign = select(-1.0, 1.0, (d & 1u) == 1u);
        let a = aperture(id, d);
        s += side_sign * a * uf - dt * a * (p[j] - p[i]) / params.h;
    }
    let uc = vec3<f32>(u[i], u[n + i], u[2u * n + i]);
    let c_out = bc(id, GEOM_BC_COEFFICIENT);
    var out = 0.0;
    if c_out > 0.0 {
        out = cap_flux(id, uc + dt * grad) + dt * c_out * (p[i] - bc(id, GEOM_BC_PRESSURE)) / params.h;
        s += out;
    } else {
        s += cap_flux(id, uc);
    }
    let r = boundary_record(id);
    if r != NO_SLOT {
        outflow[r] = out;
    }
    // -V div / dt with div = s / (V h).
    f[i] = select(0.0, -s / (params.h * dt), dt > 0.0);
}
