// Stage viscous_sweep: one colour's half of a red-black Gauss-Seidel sweep of the implicit part
// of the predictor,
//   (1 + dt W + dt/2 S + a) v - dt/2 sum_fluid coef v_nb - sum_in a_f v_nb = rhs
// per fluid cell and component, with S the sum of the fluid sides' Shortley-Weller
// coefficients and W the wall sides' (shared/viscous: each times its face's viscosity). With
// params.implicit_advection, the first-order upwind advection by the current velocity u is
// implicit too: a_f = dt |F_f| / V for each face whose volume flux F_f (from u, as in momentum)
// flows in, and a their sum plus an inflowing inlet's dt |F| / V (V at least
// ADVECTION_MIN_VOLUME cells) and dt times the near-wall differences' own rate
// (shared/advection near_wall_rate); otherwise a = 0.
// Invocation t updates cell coloured_cell(t, params.colour) of v in place: its face neighbours
// are all of the other colour (bricks and periodic wraps span an even number of cells), so the
// half-sweep reads none of the values it writes and is a Jacobi update of its colour from the
// other's latest values. A red and a black half make one sweep, with the spectral radius of
// Jacobi's squared (the grid is 2-cyclic). The system is diagonally dominant, so the sweeps
// converge whatever dt; v in m/s.
// CPU twin: hemoflow::solver::cpu::viscous_sweep.

#import shared/dispatch
#import shared/viscous
#import shared/advection

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
// Right-hand side (from momentum), m/s, component-major.
@group(0) @binding(4) var<storage, read> rhs: array<f32>;
// The current velocity (advecting the implicit upwind part), m/s, component-major.
@group(0) @binding(5) var<storage, read> u: array<f32>;
// The iterate, m/s, component-major: the other colour read, this colour written.
@group(0) @binding(6) var<storage, read_write> v: array<f32>;
// Kinematic viscosity per cell (non-Newtonian fluids), m^2/s.
@group(0) @binding(7) var<storage, read> viscosity: array<f32>;

@compute @workgroup_size(CELL_WORKGROUP)
fn viscous_sweep(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = flat_index(gid, nwg, CELL_WORKGROUP);
    if t >= params.cells / 2u {
        return;
    }
    let id = coloured_cell(t, params.colour);
    if !is_fluid(id) {
        return;
    }
    let n = params.stored;
    let hood = neighbourhood(id);
    let nbf = hood.nbf;
    let st = viscous_stencil(id, nbf);
    // Where the cell and its fluid sides are stored (NO_SLOT elsewhere).
    let at = hood.at;
    let i = at.own;
    let nbs = at.nbs;
    let k = params.dt;
    var diag = 1.0;
    for (var d = 0u; d < 6u; d++) {
        if st.side[d] == SIDE_FLUID {
            diag += 0.5 * k * st.coef[d];
        } else if st.side[d] == SIDE_WALL {
            diag += k * st.coef[d];
        }
    }
    var a_in: array<f32, 6>;
    if params.implicit_advection == 1u {
        let vol_adv = max(volume(id), ADVECTION_MIN_VOLUME) * params.h;
        for (var d = 0u; d < 6u; d++) {
            let nb = nbf[d];
            a_in[d] = 0.0;
            if nb == NO_SLOT {
                continue;
            }
            a_in[d] = params.dt * max(-face_volume_flux(id, d, i, nbs[d]), 0.0) / vol_adv;
            diag += a_in[d];
        }
        diag += params.dt * max(-inlet_volume_flux(id), 0.0) / vol_adv;
        let w = vec3<f32>(u[i], u[n + i], u[2u * n + i]);
        let dx = axis_difference(id, 0u, w.x, st, at);
        let dy = axis_difference(id, 1u, w.y, st, at);
        let dz = axis_difference(id, 2u, w.z, st, at);
        diag += params.dt * near_wall_rate(w, dx, dy, dz);
    }
    for (var c = 0u; c < 3u; c++) {
        var off = 0.0;
        for (var d = 0u; d < 6u; d++) {
            if st.side[d] == SIDE_FLUID {
                off += st.coef[d] * v[c * n + nbs[d]];
            }
        }
        var adv = 0.0;
        if params.implicit_advection == 1u {
            for (var d = 0u; d < 6u; d++) {
                if a_in[d] > 0.0 {
                    adv += a_in[d] * v[c * n + nbs[d]];
                }
            }
        }
        v[c * n + i] = (rhs[c * n + i] + 0.5 * k * off + adv) / diag;
    }
}
