// Stage divergence: div(u) of the cell-centred velocity through the cell's faces, each face
// velocity the mean of the two centres, weighted by the face's wetted aperture; walls (faces to
// non-fluid cells) carry no flux; a cap adds its flux (inlet: the imposed velocity, outlet: the
// cell's) through its open area. div = sum_f +-A_f u_f / (V h), 1/s. Also writes the pressure
// equation's source f = -V div / dt + c p_out / h^2 (1/s^2; the outlet's Dirichlet term moved to
// the right-hand side; 0 when dt = 0). CPU twin: hemoflow::solver::cpu::divergence.

#import shared/cells

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
// Velocity, m/s, component-major: u[c * params.cells + id].
@group(0) @binding(4) var<storage, read> u: array<f32>;
// Divergence, 1/s (0 in solid cells).
@group(0) @binding(5) var<storage, read_write> div: array<f32>;
// Source of the pressure equation, 1/s^2 (0 in solid cells).
@group(0) @binding(6) var<storage, read_write> f: array<f32>;

@compute @workgroup_size(64)
fn divergence(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = gid.x + gid.y * nwg.x * 64u;
    if id >= params.cells {
        return;
    }
    if !is_fluid(id) {
        div[id] = 0.0;
        f[id] = 0.0;
        return;
    }
    var s = 0.0;
    for (var d = 0u; d < 6u; d++) {
        let nb = fluid_neighbour(id, d);
        if nb == NO_SLOT {
            continue;
        }
        let c = (d / 2u) * params.cells;
        let uf = 0.5 * (u[c + id] + u[c + nb]);
        let side_sign = select(-1.0, 1.0, (d & 1u) == 1u);
        s += side_sign * aperture(id, d) * uf;
    }
    s += cap_flux(id, vec3<f32>(u[id], u[params.cells + id], u[2u * params.cells + id]));
    let v = volume(id);
    let d = s / (v * params.h);
    div[id] = d;
    let dirichlet = bc(id, GEOM_BC_COEFFICIENT) * bc(id, GEOM_BC_PRESSURE) / (params.h * params.h);
    f[id] = select(0.0, -v * d / params.dt + dirichlet, params.dt > 0.0);
}
