// Stage momentum: the predictor u* of the projection method, per fluid cell and component:
//   T  = -div(u u) + u div(u)         advection, fluxes through the open faces (over at least
//                                      half a cell's volume in small cut cells)
//                                      (face velocity = mean of the centres, times the aperture),
//                                      upwind face values with a minmod-limited slope (second
//                                      order where smooth, bounded; first order next to a wall)
//        + nu lap(u)                   Shortley-Weller: each neighbour at its true distance, the
//                                      wall (no-slip) at link * h
//        + force
//   u* = (u + dt (T_ab + nu W u_wall)) / (1 + dt nu W)
// where T_ab = T on the first step, 1.5 T - 0.5 T_prev after (Adams-Bashforth 2), and W (the
// walls' diagonal) is taken implicitly, so short links do not limit the time step. Caps: an
// inlet brings its imposed velocity in (advective flux, and the wall value of the links that
// cross it), a moving wall gives its velocity to the links that cross it, an outlet has zero
// normal gradient (its links add nothing, its outflow carries the cell's own momentum). Units:
// u m/s, T m/s^2. Writes T for the next step. CPU twin: hemoflow::solver::cpu::momentum.

#import shared/cells

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
// Velocity, m/s, component-major.
@group(0) @binding(4) var<storage, read> u: array<f32>;
// Previous step's explicit tendency, m/s^2, component-major.
@group(0) @binding(5) var<storage, read> t_prev: array<f32>;
// This step's explicit tendency.
@group(0) @binding(6) var<storage, read_write> t_new: array<f32>;
// Predicted velocity.
@group(0) @binding(7) var<storage, read_write> u_star: array<f32>;

// Rust: solver::cpu::ADVECTION_MIN_VOLUME.
const ADVECTION_MIN_VOLUME: f32 = 0.5;

fn minmod(a: f32, b: f32) -> f32 {
    if a * b <= 0.0 {
        return 0.0;
    }
    return select(max(a, b), min(a, b), a > 0.0);
}

// Component c of u at the face between upwind cell `up` and downwind cell `down`, the face
// lying in direction d from `up`.
fn face_value(c: u32, up: u32, down: u32, d: u32) -> f32 {
    let n = params.cells;
    let behind = fluid_neighbour(up, d ^ 1u);
    if behind == NO_SLOT {
        return u[c * n + up];
    }
    let slope = minmod(u[c * n + up] - u[c * n + behind], u[c * n + down] - u[c * n + up]);
    return u[c * n + up] + 0.5 * slope;
}

@compute @workgroup_size(64)
fn momentum(@builtin(global_invocation_id) gid: vec3<u32>) {
    let id = gid.x;
    let n = params.cells;
    if id >= n {
        return;
    }
    if !is_fluid(id) {
        for (var c = 0u; c < 3u; c++) {
            t_new[c * n + id] = 0.0;
            u_star[c * n + id] = 0.0;
        }
        return;
    }
    let h = params.h;
    let vol = volume(id);
    let force = vec3<f32>(params.force_x, params.force_y, params.force_z);
    let bc_type = bc(id, GEOM_BC_TYPE);
    let bc_normal = bc3(id, GEOM_BC_NORMAL);
    let bc_velocity = bc3(id, GEOM_BC_VELOCITY);
    for (var c = 0u; c < 3u; c++) {
        let uc = u[c * n + id];
        // Advection.
        var adv = 0.0;
        var outflow = 0.0;
        for (var d = 0u; d < 6u; d++) {
            let nb = fluid_neighbour(id, d);
            if nb == NO_SLOT {
                continue;
            }
            let axis = d / 2u;
            let side_sign = select(-1.0, 1.0, (d & 1u) == 1u);
            let flux = side_sign * aperture(id, d) * 0.5 * (u[axis * n + id] + u[axis * n + nb]);
            var phi = 0.0;
            if flux >= 0.0 {
                phi = face_value(c, id, nb, d);
            } else {
                phi = face_value(c, nb, id, d ^ 1u);
            }
            adv += flux * phi;
            outflow += flux;
        }
        if bc_type == BC_INLET {
            let flux = bc(id, GEOM_BC_OPEN) * dot(bc_velocity, bc_normal);
            adv += flux * bc_velocity[c];
            outflow += flux;
        }
        // Small cut cells: the advective update divides by at least half a cell's volume, so a
        // sliver cell does not set the time step (not conservative in those cells only).
        let advection = -(adv - uc * outflow) / (max(vol, ADVECTION_MIN_VOLUME) * h);
        // Diffusion (Shortley-Weller), walls implicit.
        var lap = 0.0;
        var wall = 0.0;
        var wall_value = 0.0;
        for (var axis = 0u; axis < 3u; axis++) {
            var dist = vec2<f32>(1.0, 1.0);
            var value = vec2<f32>(0.0, 0.0);
            var is_wall = vec2<bool>(false, false);
            var skip = vec2<bool>(false, false);
            for (var side = 0u; side < 2u; side++) {
                let d = 2u * axis + side;
                let nb = fluid_neighbour(id, d);
                let l = link(id, d);
                if nb != NO_SLOT && l >= 1.0 {
                    value[side] = u[c * n + nb];
                } else {
                    dist[side] = select(0.5, l, l < 1.0);
                    is_wall[side] = true;
                    if bc_type != BC_NONE && dot(vec3<f32>(direction(d)), bc_normal) > CAP_ALIGNMENT {
                        if bc_type == BC_OUTLET {
                            skip[side] = true;
                        } else {
                            value[side] = bc_velocity[c];
                        }
                    }
                }
            }
            let sum = dist.x + dist.y;
            for (var side = 0u; side < 2u; side++) {
                let coef = 2.0 / (dist[side] * sum * h * h);
                if skip[side] {
                    continue;
                }
                if is_wall[side] {
                    wall += coef;
                    wall_value += coef * value[side];
                } else {
                    lap += coef * (value[side] - uc);
                }
            }
        }
        let t = advection + params.nu * lap + force[c];
        t_new[c * n + id] = t;
        var t_ab = t;
        if params.first_step == 0u {
            t_ab = 1.5 * t - 0.5 * t_prev[c * n + id];
        }
        u_star[c * n + id] = (uc + params.dt * (t_ab + params.nu * wall_value)) / (1.0 + params.dt * params.nu * wall);
    }
}
