// Stage viscous_jacobi: one Jacobi sweep of the implicit part of the predictor,
//   (1 + dt nu W + dt nu/2 S) v - dt nu/2 sum_fluid coef v_nb = rhs
// per fluid cell and component, with S the sum of the fluid sides' Shortley-Weller
// coefficients and W the wall sides' (shared/viscous). The system is diagonally dominant, so
// the sweeps converge whatever dt; v in m/s. CPU twin: hemoflow::solver::cpu::viscous_jacobi.

#import shared/viscous

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
// Right-hand side (from momentum), m/s, component-major.
@group(0) @binding(4) var<storage, read> rhs: array<f32>;
@group(0) @binding(5) var<storage, read> v_in: array<f32>;
@group(0) @binding(6) var<storage, read_write> v_out: array<f32>;

@compute @workgroup_size(64)
fn viscous_jacobi(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = gid.x + gid.y * nwg.x * 64u;
    let n = params.cells;
    if id >= n {
        return;
    }
    if !is_fluid(id) {
        for (var c = 0u; c < 3u; c++) {
            v_out[c * n + id] = 0.0;
        }
        return;
    }
    let st = viscous_stencil(id);
    let k = params.dt * params.nu;
    var diag = 1.0;
    for (var d = 0u; d < 6u; d++) {
        if st.side[d] == SIDE_FLUID {
            diag += 0.5 * k * st.coef[d];
        } else if st.side[d] == SIDE_WALL {
            diag += k * st.coef[d];
        }
    }
    for (var c = 0u; c < 3u; c++) {
        var off = 0.0;
        for (var d = 0u; d < 6u; d++) {
            if st.side[d] == SIDE_FLUID {
                off += st.coef[d] * v_in[c * n + st.nb[d]];
            }
        }
        v_out[c * n + id] = (rhs[c * n + id] + 0.5 * k * off) / diag;
    }
}
