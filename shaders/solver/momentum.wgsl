// Stage momentum: the explicit part of the predictor, per fluid cell and component, in three
// Runge-Kutta stages (params.stage 0, 1, 2; SSP-RK3 of Shu and Osher for advection):
//   A(v) = -(v . grad) v             advection in advective form: along each axis the cell's
//                                      own velocity component times the derivative of v, by the
//                                      third-order upwind-biased difference (kappa = 1/3) where
//                                      the stencil has it, else by quadratic-exact closures next
//                                      to walls and caps (advective_derivative). Exact for
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
// (Crank-Nicolson: viscous_jacobi holds the other half of L and the walls). At a steady state
// A(u) + C = 0, so u1 = u2 = u and T = A(u): the steady state does not depend on dt. SSP-RK3 is
// stable for the third-order upwind-biased difference to a Courant number (sum_i |u_i| dt / h)
// of 1.6 and for centred differences to 1.7. With params.implicit_advection, one pass (stage 2,
// u_eval = u) writes T = A(u) plus the first-order upwind operator on the mean-velocity face
// fluxes that viscous_jacobi applies at the new velocity (backward Euler, deferred correction):
// a steady state of either mode solves the same discrete equations.
// Caps: an inlet's velocity is the value of the links that cross it (advection and diffusion), a
// moving wall's likewise, an outlet has zero normal gradient (where the flow reverses there, the
// backflow stabilisation's drag). Units: u m/s, T m/s^2. CPU twin: hemoflow::solver::cpu::momentum.

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
// Right-hand side of the viscous solve (see viscous_jacobi), m/s: stage 2 writes it.
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

// Along `axis`, the derivative of component c of v = u_eval at a cell (value vc) for a flow of
// velocity component w along the axis (1/s times m/s), with `wall` the velocity of the stencil's
// moving sides (an inlet's):
// - both sides fluid and a fluid cell behind the upwind neighbour: third-order upwind-biased,
//   (2 v_D + 3 v_C - 6 v_U + v_UU) / 6h;
// - else the upwind side fluid with a cell behind it: second-order upwind,
//   (3 v_C - 4 v_U + v_UU) / 2h;
// - else centred through the two sides at their distances (a fluid cell at h, a wall's value at
//   its link distance, at least ADVECTION_MIN_DISTANCE; an outlet: zero gradient, a mirror
//   value at h), where the downwind side is at least as far as the upwind one and the upwind
//   side is not an inlet's (or a moving wall's) cap;
// - else first-order upwind from the upwind side.
// All but the last are exact for quadratic profiles (first-order upwinding in every near-wall
// cell raised an oblique pipe's pressure gradient by 15% at Re 100), and none has a growing
// diagonal (the centred difference with the downwind side nearer would). Across an inlet's cap
// the centred difference grew at Re 500; first-order upwind from the imposed velocity is stable.
// `behind` is the fluid cell behind the upwind neighbour (upwind_behind), looked up once per
// axis for the three components.
fn advective_derivative(axis: u32, c: u32, vc: f32, w: f32, st: Stencil, behind: u32, wall: vec3<f32>) -> f32 {
    let n = params.cells;
    let forward = w >= 0.0;
    let up = select(2u * axis + 1u, 2u * axis, forward);
    let down = up ^ 1u;
    // Differences along the flow, signed back to +axis.
    let sign = select(-1.0, 1.0, forward);
    if st.side[up] == SIDE_FLUID {
        if behind != NO_SLOT {
            let v_up = u_eval[c * n + st.nb[up]];
            let v_behind = u_eval[c * n + behind];
            if st.side[down] == SIDE_FLUID {
                let v_down = u_eval[c * n + st.nb[down]];
                return sign * (2.0 * v_down + 3.0 * vc - 6.0 * v_up + v_behind) / (6.0 * params.h);
            }
            return sign * (3.0 * vc - 4.0 * v_up + v_behind) / (2.0 * params.h);
        }
    }
    var value: array<f32, 2>;
    var dist: array<f32, 2>;
    for (var k = 0u; k < 2u; k++) {
        let d = select(down, up, k == 0u);
        if st.side[d] == SIDE_FLUID {
            value[k] = u_eval[c * n + st.nb[d]];
            dist[k] = 1.0;
        } else if st.side[d] == SIDE_WALL {
            value[k] = select(0.0, wall[c], st.moving[d]);
            dist[k] = max(st.dist[d], ADVECTION_MIN_DISTANCE);
        } else {
            value[k] = vc;
            dist[k] = 1.0;
        }
    }
    let a = dist[0];
    let b = dist[1];
    if b < a || (st.side[up] == SIDE_WALL && st.moving[up]) {
        return sign * (vc - value[0]) / (a * params.h);
    }
    return sign * (a * a * (value[1] - vc) + b * b * (vc - value[0])) / (a * b * (a + b) * params.h);
}

// The fluid cell behind the upwind neighbour along `axis` for a flow of velocity component w
// along it, where the stencil's upwind side is a fluid cell; else NO_SLOT.
fn upwind_behind(axis: u32, w: f32, st: Stencil) -> u32 {
    let up = select(2u * axis + 1u, 2u * axis, w >= 0.0);
    if st.side[up] != SIDE_FLUID {
        return NO_SLOT;
    }
    return fluid_neighbour(st.nb[up], up);
}

@compute @workgroup_size(64)
fn momentum(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = gid.x + gid.y * nwg.x * 64u;
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
    let bc_type = bc(id, GEOM_BC_TYPE);
    let bc_velocity = bc3(id, GEOM_BC_VELOCITY);
    let nbf = fluid_neighbours(id);
    let st = viscous_stencil(id, nbf);
    let grad_p = pressure_gradient_of(id, bc(id, GEOM_BC_PRESSURE), nbf);
    let un = vec3<f32>(u[id], u[n + id], u[2u * n + id]);
    let v = vec3<f32>(u_eval[id], u_eval[n + id], u_eval[2u * n + id]);
    var behind: array<u32, 3>;
    for (var axis = 0u; axis < 3u; axis++) {
        behind[axis] = upwind_behind(axis, v[axis], st);
    }
    // Backflow stabilisation (Esmaily Moghadam et al. 2011): where flow comes back in through
    // an outlet, a drag of beta / 2 times the inflowing flux per volume (1/s) on the cell's
    // velocity takes out the kinetic energy the inflow would bring in.
    var backflow = 0.0;
    if bc_type == BC_OUTLET {
        backflow = 0.5 * params.backflow * max(-cap_flux(id, un), 0.0) / vol_adv;
    }
    // The tendency so far, loaded before this cell's first store: loading it between the stores
    // (the buffer is read-write) took a third of this stage's time on an H200.
    let t_old = vec3<f32>(tendency[id], tendency[n + id], tendency[2u * n + id]);
    let implicit = params.implicit_advection == 1u;
    let inlet_inflow = max(-inlet_volume_flux(id), 0.0) / vol_adv;
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
    for (var c = 0u; c < 3u; c++) {
        let uc = un[c];
        var advection = 0.0;
        for (var axis = 0u; axis < 3u; axis++) {
            advection -= v[axis] * advective_derivative(axis, c, v[c], v[axis], st, behind[axis], bc_velocity);
        }
        // Diffusion (Shortley-Weller) at u^n: the fluid sides, the moving walls' values, and the
        // walls' own part (implicit in viscous_jacobi).
        var lap = 0.0;
        var wall_value = 0.0;
        for (var d = 0u; d < 6u; d++) {
            if st.side[d] == SIDE_FLUID {
                lap += st.coef[d] * (u[c * n + st.nb[d]] - uc);
            } else if st.side[d] == SIDE_WALL && st.moving[d] {
                wall_value += st.coef[d] * bc_velocity[c];
            }
        }
        let rest = force[c] - grad_p[c] - backflow * uc;
        // The stages take C's diagonal (the cell's own part of L, the walls', the backflow
        // drag) point-implicitly: stiff where a wall is near, and steady states are kept.
        // C = off - diagonal u.
        let off = lap + fluid_sides * uc + wall_value + force[c] - grad_p[c];
        if stage == 0u {
            tendency[c * n + id] = advection / 6.0;
            u_next[c * n + id] = (uc + params.dt * (advection + off)) / (1.0 + params.dt * diagonal);
        } else if stage == 1u {
            tendency[c * n + id] = t_old[c] + advection / 6.0;
            let stepped = (v[c] + params.dt * (advection + off)) / (1.0 + params.dt * diagonal);
            u_next[c * n + id] = 0.75 * uc + 0.25 * stepped;
        } else {
            var t = t_old[c] + advection * (2.0 / 3.0);
            if implicit {
                // Backward Euler: viscous_jacobi subtracts this first-order upwind operator at
                // the new velocity (an inflowing inlet's part is the u it displaces).
                t = advection + inlet_inflow * uc;
                for (var d = 0u; d < 6u; d++) {
                    if nbf[d] != NO_SLOT {
                        let inflow = max(-face_volume_flux(id, nbf[d], d), 0.0) / vol_adv;
                        t += inflow * (uc - u[c * n + nbf[d]]);
                    }
                }
            }
            tendency[c * n + id] = t;
            rhs[c * n + id] = uc + params.dt * (t + 0.5 * lap + wall_value + rest);
        }
    }
}
