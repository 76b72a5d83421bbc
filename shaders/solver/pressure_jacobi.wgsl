// Stage pressure_jacobi: one weighted Jacobi sweep of the cut-cell pressure equation
//     M p = f,   M p = sum_f A_f (p - p_nb) / h^2 + c p / h^2
// (walls closed: no term; c the outlet coefficient of a cell on a pressure outlet, whose
// pressure is in f)
// p_out = (1 - omega) p_in + omega (sum_f A_f p_nb + h^2 f) / sum_f A_f.
// M is symmetric positive semi-definite; for the projection f = -V div(u*) / dt (1/s^2, V the
// volume fraction), p kinematic (Pa / density, m^2/s^2). Used on every multigrid level.
// CPU twin: hemoflow::solver::cpu::pressure_jacobi.

#import shared/dispatch
#import shared/cells

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
@group(0) @binding(4) var<storage, read> f: array<f32>;
@group(0) @binding(5) var<storage, read> p_in: array<f32>;
@group(0) @binding(6) var<storage, read_write> p_out: array<f32>;

@compute @workgroup_size(CELL_WORKGROUP)
fn pressure_jacobi(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = flat_index(gid, nwg, CELL_WORKGROUP);
    if id >= params.cells {
        return;
    }
    if !is_fluid(id) {
        p_out[id] = 0.0;
        return;
    }
    var sa = 0.0;
    var sp = 0.0;
    for (var d = 0u; d < 6u; d++) {
        let nb = fluid_neighbour(id, d);
        if nb == NO_SLOT {
            continue;
        }
        let a = aperture(id, d);
        sa += a;
        sp += a * p_in[nb];
    }
    sa += bc(id, GEOM_BC_COEFFICIENT);
    if sa == 0.0 {
        p_out[id] = p_in[id];
        return;
    }
    let jacobi = (sp + params.h * params.h * f[id]) / sa;
    p_out[id] = (1.0 - params.omega) * p_in[id] + params.omega * jacobi;
}
