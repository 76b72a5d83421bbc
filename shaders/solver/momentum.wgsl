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
//   stage 0: u1 = u + dt (A(u) + C)
//   stage 1: u2 = 3/4 u + 1/4 (u1 + dt (A(u1) + C))
//   stage 2: rhs = u + dt (T + 1/2 L_fluid u + W - grad p + force - backflow u),
//            T = A(u) / 6 + A(u1) / 6 + 2/3 A(u2)
// (Crank-Nicolson: viscous_sweep holds the other half of L and the walls). C's diagonal is taken
// point-implicitly: dt C = dt (C_off - D u) becomes dt (C_off - D u_new), so that a wall's stiff
// term does not throw the stage velocities off, from rest say. Stage 0 leaves K = dt C_off where
// stage 1 writes u2, which reads a cell's K there before it writes the cell's u2 over it; stage
// 2 evaluates K from u^n and p afresh (the same operations, so the same value) and recovers the
// earlier stages' advection from the velocities: dt A(u) = u1 (1 + dt D) - u - K and
// dt A(u1) = (4 u2 - 3 u) (1 + dt D) - u1 - K (the diagonal D is geometry and the backflow
// drag). So the stages keep nothing but K and their velocities, in the buffers the step has
// anyway: u1 where rhs goes, K then u2 in u*, and stage 2 reads a cell's u1 before it writes the
// cell's rhs over it. At a steady state
// A(u) + C = 0, so u1 = u2 = u and T = A(u): the steady state does not depend on dt. SSP-RK3 is
// stable for the third-order upwind-biased difference to a Courant number (sum_i |u_i| dt / h)
// of 1.6 and for centred differences to 1.7. With params.implicit_advection, one pass (stage 2,
// u_eval = u) writes rhs with T = A(u) plus the first-order upwind operator on the
// mean-velocity face fluxes and the near-wall differences' own part (shared/advection
// near_wall_rate), which viscous_sweep applies at the new velocity (backward Euler, deferred
// correction): a steady state of either mode solves the same discrete equations.
// Caps: an inlet's velocity is the value of the links that cross it (advection and diffusion), a
// moving wall's likewise, an outlet has zero normal gradient (where the flow reverses there, the
// backflow stabilisation's drag). Units: u m/s, T m/s^2, K m/s. CPU twin:
// hemoflow::solver::cpu::momentum.

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
// What the pass writes, m/s: u1 (stage 0), u2 (stage 1), the right-hand side of the viscous solve
// (stage 2 and the implicit pass; see viscous_sweep). Stage 1 reads K there first, stage 2 u1.
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
// K = dt C_off, m/s: stage 0 writes it (where stage 1 writes u2); the other passes do not use it.
@group(0) @binding(9) var<storage, read_write> k: array<f32>;
// Pressure of the last step, kinematic, m^2/s^2.
@group(0) @binding(7) var<storage, read> p: array<f32>;
// Kinematic viscosity per cell (non-Newtonian fluids), m^2/s.
@group(0) @binding(8) var<storage, read> viscosity: array<f32>;

// The derivative of component c of u_eval (value vc at the cell) by difference `a`, with `wall`
// the velocity of the cell's moving sides.
fn apply_difference(a: AxisDifference, c: u32, vc: f32, wall: vec3<f32>) -> f32 {
    let n = params.stored;
    let vs = vec3<f32>(u_eval[c * n + a.cells.x], u_eval[c * n + a.cells.y], u_eval[c * n + a.cells.z]);
    return a.own * vc + dot(a.weights, vs) + a.wall * wall[c];
}

@compute @workgroup_size(CELL_WORKGROUP)
fn momentum(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = flat_index(gid, nwg, CELL_WORKGROUP);
    if id >= params.cells || !is_fluid(id) {
        return;
    }
    let n = params.stored;
    let stage = params.stage;
    let h = params.h;
    let vol_adv = max(volume(id), ADVECTION_MIN_VOLUME) * h;
    let force = vec3<f32>(params.force_x, params.force_y, params.force_z);
    let bc_kind = bc_type(id);
    let bc_velocity = bc3(id, GEOM_BC_VELOCITY);
    let implicit = params.implicit_advection == 1u;
    let hood = neighbourhood(id);
    let nbf = hood.nbf;
    let st = viscous_stencil(id, nbf);
    // Where the cell and its fluid sides are stored (NO_SLOT elsewhere).
    let at = hood.at;
    let i = at.own;
    let nbs = at.nbs;
    let un = vec3<f32>(u[i], u[n + i], u[2u * n + i]);
    let v = vec3<f32>(u_eval[i], u_eval[n + i], u_eval[2u * n + i]);
    let dx = axis_difference(id, 0u, v.x, st, at);
    let dy = axis_difference(id, 1u, v.y, st, at);
    let dz = axis_difference(id, 2u, v.z, st, at);
    let near_rate = near_wall_rate(v, dx, dy, dz);
    // Backflow stabilisation (Esmaily Moghadam et al. 2011): where flow comes back in through
    // an outlet, a drag of beta / 2 times the inflowing flux per volume (1/s) on the cell's
    // velocity takes out the kinetic energy the inflow would bring in.
    var backflow = 0.0;
    if bc_kind == BC_OUTLET {
        backflow = 0.5 * params.backflow * max(-cap_flux(id, un), 0.0) / vol_adv;
    }
    // What the earlier stages left (stage 1's K, stage 2's u1), loaded before this cell's first
    // store: loading between the stores (the buffer is read-write) took a third of this stage's
    // time on an H200.
    var left = vec3<f32>(0.0);
    if stage != 0u && !implicit {
        left = vec3<f32>(out[i], out[n + i], out[2u * n + i]);
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
    // Stage 1 takes K as stage 0 left it; the others evaluate it.
    let evaluate = stage != 1u || implicit;
    var grad_p = vec3<f32>(0.0);
    if evaluate {
        grad_p = pressure_gradient_of(id, bc(id, GEOM_BC_PRESSURE), at);
    }
    let dt = params.dt;
    for (var c = 0u; c < 3u; c++) {
        let uc = un[c];
        let k_at = c * n + i;
        let advection = -(v.x * apply_difference(dx, c, v[c], bc_velocity) + v.y * apply_difference(dy, c, v[c], bc_velocity)
            + v.z * apply_difference(dz, c, v[c], bc_velocity));
        if !evaluate {
            // u2 = 3/4 u + 1/4 (u1 + dt (A(u1) + C_off - D u2')).
            let stepped = (v[c] + dt * advection + left[c]) / (1.0 + dt * diagonal);
            out[k_at] = 0.75 * uc + 0.25 * stepped;
            continue;
        }
        // Diffusion (Shortley-Weller) at u^n: the fluid sides, the moving walls' values, and the
        // walls' own part (implicit in viscous_sweep).
        var lap = 0.0;
        var wall_value = 0.0;
        for (var d = 0u; d < 6u; d++) {
            if st.side[d] == SIDE_FLUID {
                lap += st.coef[d] * (u[c * n + nbs[d]] - uc);
            } else if st.side[d] == SIDE_WALL && st.moving[d] {
                wall_value += st.coef[d] * bc_velocity[c];
            }
        }
        // The stages take C's diagonal (the cell's own part of L, the walls', the backflow drag)
        // point-implicitly: stiff where a wall is near, and steady states are kept.
        // C = off - diagonal u, and K = dt off.
        let off = lap + fluid_sides * uc + wall_value + force[c] - grad_p[c];
        let k_off = dt * off;
        if stage == 0u && !implicit {
            out[k_at] = (uc + dt * (advection + off)) / (1.0 + dt * diagonal);
            k[k_at] = k_off;
            continue;
        }
        if !implicit {
            // The earlier stages' advection (times dt) from u1, u2 and K, then rhs.
            let u1 = left[c];
            let a0 = u1 * (1.0 + dt * diagonal) - uc - k_off;
            let a1 = (4.0 * v[c] - 3.0 * uc) * (1.0 + dt * diagonal) - u1 - k_off;
            let base = uc + k_off - dt * (0.5 * lap + (fluid_sides + backflow) * uc);
            out[k_at] = base + (a0 + a1) / 6.0 + dt * advection * (2.0 / 3.0);
            continue;
        }
        // rhs of the viscous solve without the advective tendency.
        let base = uc + dt * (0.5 * lap + wall_value + force[c] - grad_p[c] - backflow * uc);
        // Implicit: backward Euler; viscous_sweep subtracts this first-order upwind operator
        // at the new velocity (an inflowing inlet's part is the u it displaces), and the
        // near-wall differences' own part.
        var t = advection + (max(-inlet_volume_flux(id), 0.0) / vol_adv + near_rate) * uc;
        for (var d = 0u; d < 6u; d++) {
            if nbf[d] != NO_SLOT {
                let inflow = max(-face_volume_flux(id, d, i, nbs[d]), 0.0) / vol_adv;
                t += inflow * (uc - u[c * n + nbs[d]]);
            }
        }
        out[k_at] = base + dt * t;
    }
}
