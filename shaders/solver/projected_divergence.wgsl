// Stage projected_divergence: the divergence the projection leaves, from the face velocities it
// makes: the predicted ones of `divergence` (their sum is V h div) corrected by this step's
// pressure increment p, - dt (p_nb - p) / h through each open face between fluid cells and
// + dt c p / h through an outlet. Writes e = V div(u_f) / dt = sum_f +-A_f u_f / (h dt), 1/s^2,
// in the units of the pressure source f (algebraically e = M p - f: zero when the increment's
// equation is solved exactly); 0 in solid cells. CPU twin:
// hemoflow::solver::cpu::projected_divergence.

#import shared/cells

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
// Divergence of the predicted face velocities (from `divergence`), 1/s.
@group(0) @binding(4) var<storage, read> div: array<f32>;
// Pressure increment, kinematic, m^2/s^2.
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
    var s = volume(id) * params.h * div[id];
    for (var d = 0u; d < 6u; d++) {
        let nb = fluid_neighbour(id, d);
        if nb == NO_SLOT {
            continue;
        }
        s -= params.dt * aperture(id, d) * (p[nb] - p[id]) / params.h;
    }
    s += params.dt * bc(id, GEOM_BC_COEFFICIENT) * p[id] / params.h;
    e[id] = s / (params.h * params.dt);
}
