// Stage projected_divergence: the divergence the projection leaves, from the face velocities it
// makes: through each open face between fluid cells u_f = (u*_id + u*_nb) / 2 - dt (p_nb - p) / h
// along the face normal (the compact face gradient of the pressure operator M), through an
// inlet the imposed velocity, through an outlet the projected outlet flux of `project`. Writes
// e = V div(u_f) / dt = sum_f +-A_f u_f / (h dt), 1/s^2, in the units of the pressure source f
// (algebraically e = M p - f: zero when the pressure equation is solved exactly); 0 in solid
// cells. Runs before `project`, on u* and the solved p. CPU twin:
// hemoflow::solver::cpu::projected_divergence.

#import shared/cells

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
// Velocity before projection u*, m/s, component-major.
@group(0) @binding(4) var<storage, read> u: array<f32>;
// Pressure, kinematic, m^2/s^2.
@group(0) @binding(5) var<storage, read> p: array<f32>;
// V div(u_f) / dt, 1/s^2.
@group(0) @binding(6) var<storage, read_write> e: array<f32>;

@compute @workgroup_size(64)
fn projected_divergence(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = gid.x + gid.y * nwg.x * 64u;
    if id >= params.cells {
        return;
    }
    if !is_fluid(id) || params.dt <= 0.0 {
        e[id] = 0.0;
        return;
    }
    var s = 0.0;
    for (var d = 0u; d < 6u; d++) {
        let nb = fluid_neighbour(id, d);
        if nb == NO_SLOT {
            continue;
        }
        let c = (d / 2u) * params.cells;
        let side_sign = select(-1.0, 1.0, (d & 1u) == 1u);
        let a = aperture(id, d);
        s += side_sign * a * 0.5 * (u[c + id] + u[c + nb]) - params.dt * a * (p[nb] - p[id]) / params.h;
    }
    s += cap_flux(id, vec3<f32>(u[id], u[params.cells + id], u[2u * params.cells + id]));
    // The outlet's pressure-gradient part of the projected flux (c = 0 elsewhere).
    s += params.dt * bc(id, GEOM_BC_COEFFICIENT) * (p[id] - bc(id, GEOM_BC_PRESSURE)) / params.h;
    e[id] = s / (params.h * params.dt);
}
