// Stage momentum: the explicit part of the predictor, per fluid cell and component, in three
// Runge-Kutta stages (params.stage 0, 1, 2; SSP-RK3 of Shu and Osher for advection):
//   A(v) = -(v . grad) v             advection in advective form: along each axis the cell's
//                                      own velocity component times the derivative of v, by the
//                                      third-order upwind-biased difference (kappa = 1/3) where
//                                      the stencil has it, else by quadratic-exact closures next
//                                      to walls and caps (axis_difference). Exact for
//                                      quadratic profiles, so fully developed flow at any angle
//                                      to the grid has no advective error (a flux form with face
//                                      point values leaves h^2/8 (u' phi'' + u'' phi') per axis,
//                                      ~10% of an oblique pipe's pressure gradient at Re 100 and
//                                      D/h 10).
//   C    = L u + W - grad p + force - backflow u   the rest of du/dt at u = u^n, frozen over the
//                                      stages: L the Shortley-Weller operator (shared/viscous,
//                                      walls included), W its moving walls' part, grad p the
//                                      last step's pressure gradient (shared/gradient; the
//                                      projection solves for the increment).
//   stage 0: u1 = u + dt (A(u) + C),                 T = A(u) / 6
//   stage 1: u2 = 3/4 u + 1/4 (u1 + dt (A(u1) + C)), T += A(u1) / 6
// (C's diagonal point-implicit: dt C = dt (C_off - D u) becomes dt (C_off - D u_new), so that a
// wall's stiff term does not throw the stage velocities off, from rest say),
//   stage 2: T += 2/3 A(u2); rhs = u + dt (T + 1/2 L_fluid u + W - grad p + force - backflow u)
// (Crank-Nicolson: viscous_sweep holds the other half of L and the walls). Only stage 0 reads
// the pressure and the neighbours' u^n: it writes rhs without T, and stage 1 recovers dt C_off
// from u1 itself (dt C_off = u1 (1 + dt D) - u - dt A(u)), so stages 1 and 2 evaluate advection
// alone (the diagonal D is geometry and the backflow drag). At a steady state
// A(u) + C = 0, so u1 = u2 = u and T = A(u): the steady state does not depend on dt. SSP-RK3 is
// stable for the third-order upwind-biased difference to a Courant number (sum_i |u_i| dt / h)
// of 1.6 and for centred differences to 1.7. With params.implicit_advection, one pass (stage 2,
// u_eval = u) writes T = A(u) plus the first-order upwind operator on the mean-velocity face
// fluxes that viscous_sweep applies at the new velocity (backward Euler, deferred correction):
// a steady state of either mode solves the same discrete equations.
// Caps: an inlet's velocity is the value of the links that cross it (advection and diffusion), a
// moving wall's likewise, an outlet has zero normal gradient (where the flow reverses there, the
// backflow stabilisation's drag). Units: u m/s, T m/s^2. CPU twin: hemoflow::solver::cpu::momentum.

#import shared/dispatch
#import shared/viscous
#import shared/advection
#import shared/gradient

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
// Velocity u^n, m/s, component-major.
@group(0) @binding(4) var<storage, read> u: array<f32>;
// The velocity advection is evaluated at: u (stage 0, implicit mode), u1 (stage 1), u2 (stage 2).
@group(0) @binding(5) var<storage, read> u_eval: array<f32>;
// The stages' advective tendency T, m/s^2, component-major (each cell its own).
@group(0) @binding(6) var<storage, read_write> tendency: array<f32>;
// Right-hand side of the viscous solve (see viscous_sweep), m/s: stage 2 writes it.
@group(0) @binding(7) var<storage, read_write> rhs: array<f32>;
// The next stage's velocity (u1 from stage 0, u2 from stage 1), m/s.
@group(0) @binding(8) var<storage, read_write> u_next: array<f32>;
// Pressure of the last step, kinematic, m^2/s^2.
@group(0) @binding(9) var<storage, read> p: array<f32>;
// Kinematic viscosity per cell (non-Newtonian fluids), m^2/s.
@group(0) @binding(10) var<storage, read> viscosity: array<f32>;

// Advective differences take a wall or cap nearer than this (over h) as this far, so that a
// sliver cell does not set the time step (an inlet's velocity right across its cap would) (Rust:
// solver::cpu::ADVECTION_MIN_DISTANCE).
const ADVECTION_MIN_DISTANCE: f32 = 0.5;

// Along one axis, the advective difference as weights (1/m) on the cell's own value, three
// cells' values (upwind, downwind, behind the upwind one; the cell itself where unused, with
// weight 0) and the moving sides' velocity: built once per axis from the stencil, applied to the
// three components (dynamic indexing of the stencil per component took half the stage's time on
// lavapipe).
struct AxisDifference {
    cells: vec3<u32>,
    weights: vec3<f32>,
    own: f32,
    wall: f32,
}

// Along `axis`, the derivative of v = u_eval at fluid cell id for a flow of velocity component w
// along the axis:
// - both sides fluid and a fluid cell behind the upwind neighbour: third-order upwind-biased,
//   (2 v_D + 3 v_C - 6 v_U + v_UU) / 6h;
// - else the upwind side fluid with a cell behind it: second-order upwind,
//   (3 v_C - 4 v_U + v_UU) / 2h;
// - else centred through the two sides at their distances (a fluid cell at h, a wall's value at
//   its link distance, at least ADVECTION_MIN_DISTANCE; an outlet: zero gradient, a mirror
//   value at h), where the downwind side is at least as far as the upwind one and the upwind
//   side is not an inlet's (or a moving wall's) cap, nor an outlet's;
// - else first-order upwind from the upwind side (from an outlet's mirror value: no gradient).
// All but the last are exact for quadratic profiles (first-order upwinding in every near-wall
// cell raised an oblique pipe's pressure gradient by 15% at Re 100), and none has a growing
// diagonal (the centred difference with the downwind side nearer would). Across an inlet's cap
// the centred difference grew at Re 500; first-order upwind from the imposed velocity is stable.
// Where flow comes back in through an outlet, the centred difference through its mirror value
// is a downwind one, which grew in the outlet's cut cells at Re 500.
fn axis_difference(id: u32, axis: u32, w: f32, st: Stencil) -> AxisDifference {
    // The upwind and downwind sides by select between the axis's two (constant indices: an
    // index that varies per cell into the stencil's arrays is slow on lavapipe).
    let forward = w >= 0.0;
    let lo = 2u * axis;
    let hi = lo + 1u;
    let up = select(hi, lo, forward);
    let side_up = select(st.side[hi], st.side[lo], forward);
    let side_down = select(st.side[lo], st.side[hi], forward);
    let nb_up = select(st.nb[hi], st.nb[lo], forward);
    let nb_down = select(st.nb[lo], st.nb[hi], forward);
    let scale = select(-1.0, 1.0, forward) / params.h;
    var out = AxisDifference(vec3<u32>(id), vec3<f32>(0.0), 0.0, 0.0);
    if side_up == SIDE_FLUID {
        let behind = fluid_neighbour(nb_up, up);
        if behind != NO_SLOT {
            if side_down == SIDE_FLUID {
                out.cells = vec3<u32>(nb_up, nb_down, behind);
                out.own = 0.5 * scale;
                out.weights = vec3<f32>(-1.0, 1.0 / 3.0, 1.0 / 6.0) * scale;
            } else {
                out.cells = vec3<u32>(nb_up, id, behind);
                out.own = 1.5 * scale;
                out.weights = vec3<f32>(-2.0, 0.0, 0.5) * scale;
            }
            return out;
        }
    }
    let moving_up = select(st.moving[hi], st.moving[lo], forward);
    let moving_down = select(st.moving[lo], st.moving[hi], forward);
    let dist_up = select(st.dist[hi], st.dist[lo], forward);
    let dist_down = select(st.dist[lo], st.dist[hi], forward);
    let a = select(1.0, max(dist_up, ADVECTION_MIN_DISTANCE), side_up == SIDE_WALL);
    let b = select(1.0, max(dist_down, ADVECTION_MIN_DISTANCE), side_down == SIDE_WALL);
    var w_up: f32;
    var w_down = 0.0;
    if b < a || (side_up == SIDE_WALL && moving_up) || side_up == SIDE_SKIP {
        out.own = scale / a;
        w_up = -scale / a;
    } else {
        out.own = scale * (b * b - a * a) / (a * b * (a + b));
        w_up = -scale * b / (a * (a + b));
        w_down = scale * a / (b * (a + b));
    }
    // Each side's weight goes to its fluid cell, a moving wall's velocity, or (an outlet's
    // mirror value) the cell's own.
    if side_up == SIDE_FLUID {
        out.cells.x = nb_up;
        out.weights.x = w_up;
    } else if side_up == SIDE_WALL {
        out.wall += select(0.0, w_up, moving_up);
    } else {
        out.own += w_up;
    }
    if side_down == SIDE_FLUID {
        out.cells.y = nb_down;
        out.weights.y = w_down;
    } else if side_down == SIDE_WALL {
        out.wall += select(0.0, w_down, moving_down);
    } else {
        out.own += w_down;
    }
    return out;
}

// The derivative of component c of u_eval (value vc at the cell) by difference `a`, with `wall`
// the velocity of the cell's moving sides.
fn apply_difference(a: AxisDifference, c: u32, vc: f32, wall: vec3<f32>) -> f32 {
    let n = params.cells;
    let vs = vec3<f32>(u_eval[c * n + a.cells.x], u_eval[c * n + a.cells.y], u_eval[c * n + a.cells.z]);
    return a.own * vc + dot(a.weights, vs) + a.wall * wall[c];
}

@compute @workgroup_size(CELL_WORKGROUP)
fn momentum(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = flat_index(gid, nwg, CELL_WORKGROUP);
    let n = params.cells;
    if id >= n {
        return;
    }
    let stage = params.stage;
    if !is_fluid(id) {
        for (var c = 0u; c < 3u; c++) {
            tendency[c * n + id] = 0.0;
            if stage == 2u {
                rhs[c * n + id] = 0.0;
            } else {
                u_next[c * n + id] = 0.0;
            }
        }
        return;
    }
    let h = params.h;
    let vol_adv = max(volume(id), ADVECTION_MIN_VOLUME) * h;
    let force = vec3<f32>(params.force_x, params.force_y, params.force_z);
    let bc_kind = bc_type(id);
    let bc_velocity = bc3(id, GEOM_BC_VELOCITY);
    let implicit = params.implicit_advection == 1u;
    // Stage 0 and the implicit pass evaluate C; stages 1 and 2 reuse it.
    let full = stage == 0u || implicit;
    let nbf = fluid_neighbours(id);
    let st = viscous_stencil(id, nbf);
    let un = vec3<f32>(u[id], u[n + id], u[2u * n + id]);
    let v = vec3<f32>(u_eval[id], u_eval[n + id], u_eval[2u * n + id]);
    let dx = axis_difference(id, 0u, v.x, st);
    let dy = axis_difference(id, 1u, v.y, st);
    let dz = axis_difference(id, 2u, v.z, st);
    // Backflow stabilisation (Esmaily Moghadam et al. 2011): where flow comes back in through
    // an outlet, a drag of beta / 2 times the inflowing flux per volume (1/s) on the cell's
    // velocity takes out the kinetic energy the inflow would bring in.
    var backflow = 0.0;
    if bc_kind == BC_OUTLET {
        backflow = 0.5 * params.backflow * max(-cap_flux(id, un), 0.0) / vol_adv;
    }
    // The tendency so far, and (stage 2) rhs without it, loaded before this cell's first store:
    // loading them between the stores (the buffers are read-write) took a third of this stage's
    // time on an H200.
    var t_old = vec3<f32>(0.0);
    var rhs_old = vec3<f32>(0.0);
    if stage != 0u && !implicit {
        t_old = vec3<f32>(tendency[id], tendency[n + id], tendency[2u * n + id]);
        if stage == 2u {
            rhs_old = vec3<f32>(rhs[id], rhs[n + id], rhs[2u * n + id]);
        }
    }
    // C's diagonal, 1/s: every side of the viscous stencil but an outlet's, and the backflow
    // drag; `fluid_sides` the fluid sides' part (in lap).
    var fluid_sides = 0.0;
    var diagonal = backflow;
    for (var d = 0u; d < 6u; d++) {
        if st.side[d] == SIDE_FLUID {
            fluid_sides += st.coef[d];
        }
        if st.side[d] != SIDE_SKIP {
            diagonal += st.coef[d];
        }
    }
    var grad_p = vec3<f32>(0.0);
    if full {
        grad_p = pressure_gradient_of(id, bc(id, GEOM_BC_PRESSURE), nbf);
    }
    let dt = params.dt;
    for (var c = 0u; c < 3u; c++) {
        let uc = un[c];
        let k = c * n + id;
        let advection = -(v.x * apply_difference(dx, c, v[c], bc_velocity) + v.y * apply_difference(dy, c, v[c], bc_velocity)
            + v.z * apply_difference(dz, c, v[c], bc_velocity));
        if stage == 1u {
            // u2 = 3/4 u + 1/4 (u1 + dt (A(u1) + C_off - D u2')), with dt C_off from u1.
            tendency[k] = t_old[c] + advection / 6.0;
            let stepped = (v[c] * (2.0 + dt * diagonal) - uc + dt * (advection - 6.0 * t_old[c])) / (1.0 + dt * diagonal);
            u_next[k] = 0.75 * uc + 0.25 * stepped;
            continue;
        }
        if stage == 2u && !implicit {
            let t = t_old[c] + advection * (2.0 / 3.0);
            tendency[k] = t;
            rhs[k] = rhs_old[c] + dt * t;
            continue;
        }
        // Diffusion (Shortley-Weller) at u^n: the fluid sides, the moving walls' values, and the
        // walls' own part (implicit in viscous_sweep).
        var lap = 0.0;
        var wall_value = 0.0;
        for (var d = 0u; d < 6u; d++) {
            if st.side[d] == SIDE_FLUID {
                lap += st.coef[d] * (u[c * n + st.nb[d]] - uc);
            } else if st.side[d] == SIDE_WALL && st.moving[d] {
                wall_value += st.coef[d] * bc_velocity[c];
            }
        }
        // rhs of the viscous solve without the advective tendency.
        let base = uc + dt * (0.5 * lap + wall_value + force[c] - grad_p[c] - backflow * uc);
        if stage == 0u {
            // The stages take C's diagonal (the cell's own part of L, the walls', the backflow
            // drag) point-implicitly: stiff where a wall is near, and steady states are kept.
            // C = off - diagonal u.
            let off = lap + fluid_sides * uc + wall_value + force[c] - grad_p[c];
            tendency[k] = advection / 6.0;
            u_next[k] = (uc + dt * (advection + off)) / (1.0 + dt * diagonal);
            rhs[k] = base;
            continue;
        }
        // Implicit: backward Euler; viscous_sweep subtracts this first-order upwind operator
        // at the new velocity (an inflowing inlet's part is the u it displaces).
        var t = advection + max(-inlet_volume_flux(id), 0.0) / vol_adv * uc;
        for (var d = 0u; d < 6u; d++) {
            if nbf[d] != NO_SLOT {
                let inflow = max(-face_volume_flux(id, nbf[d], d), 0.0) / vol_adv;
                t += inflow * (uc - u[c * n + nbf[d]]);
            }
        }
        tendency[k] = t;
        rhs[k] = base + dt * t;
    }
}
