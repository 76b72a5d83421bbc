// Stage momentum: the explicit part of the predictor, per fluid cell and component:
//   T  = -div(u u) + u div(u)         advection, fluxes through the open faces (over at least
//                                      half a cell's volume in small cut cells), upwind face
//                                      values with a minmod-limited slope (second order where
//                                      smooth, bounded; centred where the upwind cell has no
//                                      fluid cell behind it, next to a wall, where the flow
//                                      is slow: first-order upwinding there diffused across
//                                      oblique flows enough to raise a pipe's pressure drop)
//        + force
//   rhs = u + dt (T_ab + 1/2 L_fluid u + W_moving - grad p)
// with T_ab = T on the first step, 1.5 T - 0.5 T_prev after (Adams-Bashforth 2), L_fluid the
// Shortley-Weller operator's fluid-neighbour part, with the faces' viscosities (shared/viscous) (Crank-Nicolson: the other half is implicit,
// in viscous_jacobi), W_moving the walls' moving part (walls are implicit) and grad p the last
// step's pressure gradient (shared/gradient, towards an outlet's pressure across it: the
// projection then solves for the increment). Caps: an inlet
// brings its imposed velocity in (advective flux, and the value of the links that cross it), a
// moving wall gives its velocity to those links, an outlet has zero normal gradient (its links
// add nothing, its outflow carries the cell's own momentum; where the flow reverses there,
// the backflow stabilisation's drag). Units: u m/s, T m/s^2. Writes T
// over T_prev, for the next step. With params.implicit_advection, T_ab is instead the explicit
// remainder of an implicit advection (backward Euler): the limited fluxes minus their
// first-order upwind part, plus the inlet's inflow of its velocity; viscous_jacobi holds the
// upwind part and the inlet's outflow of u. A steady state of either form solves the same discrete equations.
// CPU twin: hemoflow::solver::cpu::momentum.

#import shared/viscous
#import shared/advection
#import shared/gradient

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
// Velocity, m/s, component-major.
@group(0) @binding(4) var<storage, read> u: array<f32>;
// Explicit tendency, m/s^2, component-major: the previous step's in, this step's out (each
// cell reads and writes only its own).
@group(0) @binding(5) var<storage, read_write> tendency: array<f32>;
// Right-hand side of the viscous solve (see viscous_jacobi), m/s.
@group(0) @binding(6) var<storage, read_write> rhs: array<f32>;
// Pressure of the last step, kinematic, m^2/s^2.
@group(0) @binding(7) var<storage, read> p: array<f32>;
// Kinematic viscosity per cell (non-Newtonian fluids), m^2/s.
@group(0) @binding(8) var<storage, read> viscosity: array<f32>;

fn minmod(a: f32, b: f32) -> f32 {
    if a * b <= 0.0 {
        return 0.0;
    }
    return select(max(a, b), min(a, b), a > 0.0);
}

// Component c of u at the face between upwind cell `up` and downwind cell `down`, with `behind`
// the fluid cell upwind of `up` (NO_SLOT: the mean of the two cells).
fn face_value(c: u32, up: u32, down: u32, behind: u32) -> f32 {
    let n = params.cells;
    if behind == NO_SLOT {
        return 0.5 * (u[c * n + up] + u[c * n + down]);
    }
    let slope = minmod(u[c * n + up] - u[c * n + behind], u[c * n + down] - u[c * n + up]);
    return u[c * n + up] + 0.5 * slope;
}

@compute @workgroup_size(64)
fn momentum(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = gid.x + gid.y * nwg.x * 64u;
    let n = params.cells;
    if id >= n {
        return;
    }
    if !is_fluid(id) {
        for (var c = 0u; c < 3u; c++) {
            tendency[c * n + id] = 0.0;
            rhs[c * n + id] = 0.0;
        }
        return;
    }
    let h = params.h;
    let vol = volume(id);
    let force = vec3<f32>(params.force_x, params.force_y, params.force_z);
    let bc_type = bc(id, GEOM_BC_TYPE);
    let bc_velocity = bc3(id, GEOM_BC_VELOCITY);
    // Per face, once for the three components: the fluid neighbour, the volume flux (face
    // velocity = mean of the centres, times the aperture), and the cell upwind of the upwind one.
    let nbf = fluid_neighbours(id);
    let st = viscous_stencil(id, nbf);
    let grad_p = pressure_gradient_of(id, bc(id, GEOM_BC_PRESSURE), nbf);
    var flux: array<f32, 6>;
    var behind: array<u32, 6>;
    for (var d = 0u; d < 6u; d++) {
        let nb = nbf[d];
        if nb == NO_SLOT {
            continue;
        }
        flux[d] = face_volume_flux(id, nb, d);
        if flux[d] >= 0.0 {
            behind[d] = nbf[d ^ 1u];
        } else {
            behind[d] = fluid_neighbour(nb, d);
        }
    }
    let inlet_flux = inlet_volume_flux(id);
    // Backflow stabilisation (Esmaily Moghadam et al. 2011): where flow comes back in through
    // an outlet, a drag of beta / 2 times the inflowing flux per volume (1/s) on the cell's
    // velocity takes out the kinetic energy the inflow would bring in.
    var backflow = 0.0;
    if bc_type == BC_OUTLET {
        let uvec = vec3<f32>(u[id], u[n + id], u[2u * n + id]);
        backflow = 0.5 * params.backflow * max(-cap_flux(id, uvec), 0.0) / (max(vol, ADVECTION_MIN_VOLUME) * h);
    }
    // The previous tendency, loaded before this cell's first store: loading it between the
    // stores (the buffer is read-write) took a third of this stage's time on an H200.
    let t_old = vec3<f32>(tendency[id], tendency[n + id], tendency[2u * n + id]);
    for (var c = 0u; c < 3u; c++) {
        let uc = u[c * n + id];
        // Advection; `upwind` is the first-order part the implicit mode moves into viscous_jacobi.
        var adv = 0.0;
        var upwind = 0.0;
        var outflow = 0.0;
        for (var d = 0u; d < 6u; d++) {
            let nb = nbf[d];
            if nb == NO_SLOT {
                continue;
            }
            var phi = 0.0;
            if flux[d] >= 0.0 {
                phi = face_value(c, id, nb, behind[d]);
                upwind += flux[d] * uc;
            } else {
                phi = face_value(c, nb, id, behind[d]);
                upwind += flux[d] * u[c * n + nb];
            }
            adv += flux[d] * phi;
            outflow += flux[d];
        }
        if bc_type == BC_INLET {
            adv += inlet_flux * bc_velocity[c];
            outflow += inlet_flux;
        }
        // Small cut cells: the advective update divides by at least half a cell's volume, so a
        // sliver cell does not set the time step (not conservative in those cells only).
        let vol_adv = max(vol, ADVECTION_MIN_VOLUME) * h;
        let advection = -(adv - uc * outflow) / vol_adv;
        // Diffusion (Shortley-Weller): half explicit here (Crank-Nicolson), half implicit in
        // viscous_jacobi; walls fully implicit there.
        var lap = 0.0;
        var wall_value = 0.0;
        for (var d = 0u; d < 6u; d++) {
            if st.side[d] == SIDE_FLUID {
                lap += st.coef[d] * (u[c * n + st.nb[d]] - uc);
            } else if st.side[d] == SIDE_WALL && st.moving[d] {
                wall_value += st.coef[d] * bc_velocity[c];
            }
        }
        let t = advection + force[c] - backflow * uc;
        tendency[c * n + id] = t;
        var t_ab = t;
        if params.implicit_advection == 1u {
            // The second-order remainder of the interior faces, and what an inflowing inlet
            // brings in (the u it displaces is implicit, in viscous_jacobi; an outflowing one
            // stays explicit).
            let inlet = select(inlet_flux * (uc - bc_velocity[c]), -inlet_flux * bc_velocity[c], inlet_flux < 0.0);
            t_ab = (inlet - (adv - upwind - inlet_flux * bc_velocity[c])) / vol_adv + force[c] - backflow * uc;
        } else if params.first_step == 0u {
            t_ab = 1.5 * t - 0.5 * t_old[c];
        }
        rhs[c * n + id] = uc + params.dt * (t_ab + 0.5 * lap + wall_value - grad_p[c]);
    }
}
