// Stage pressure_residual: r = f - M p for the cut-cell pressure operator
//     M p = sum_f A_f (p - p_nb) / h^2 + c p / h^2   (walls closed, c at pressure outlets)
// (see pressure_smooth). With params.without_source it gives -M p (f unread), the operator
// itself for conjugate gradients. A solid cell that is stored (a brick stored whole, on a grid
// that does not store its fluid cells alone) gets 0: the vector operations of conjugate gradients
// run over it, and r may be the memory where the coarser levels smooth.
// CPU twin: hemoflow::solver::cpu::pressure_residual.

#import shared/dispatch
#import shared/pressure_operator

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
@group(0) @binding(4) var<storage, read> f: array<f32>;
@group(0) @binding(5) var<storage, read> p: array<f32>;
@group(0) @binding(6) var<storage, read_write> r: array<f32>;

@compute @workgroup_size(CELL_WORKGROUP)
fn pressure_residual(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = flat_index(gid, nwg, CELL_WORKGROUP);
    if id >= params.cells {
        return;
    }
    if !is_fluid(id) {
        if id / BRICK_CELLS < params.bricks_with[1].w {
            r[id] = 0.0;
        }
        return;
    }
    let at = neighbourhood(id).at;
    let i = at.own;
    let m = pressure_operator_at(id, at);
    let source = select(f[i], 0.0, params.without_source == 1u);
    r[i] = source - m / (params.h * params.h);
}
