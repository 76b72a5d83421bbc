// Stage mg_coarse_solve: the coarsest multigrid level's correction, exact: e = M^+ f over its n
// fluid cells, with M^+ the pseudo-inverse of its operator (M of pressure_residual), dense and
// row-major, made on the host (hemoflow::solver::multigrid::CoarseInverse). One invocation per
// fluid cell i: e[ids[i]] = sum_j inverse[i n + j] f[ids[j]], summed in order of j. The other
// cells of e are left as they are (zero: the V-cycle clears e). n is at most MAX_COARSEST.
// CPU twin: hemoflow::solver::cpu::mg_coarse_solve.

#import shared/dispatch

// Rust: multigrid::COARSEST_CELLS.
const MAX_COARSEST: u32 = 512u;

@group(0) @binding(0) var<storage, read> ids: array<u32>;
@group(0) @binding(1) var<storage, read> inverse: array<f32>;
@group(0) @binding(2) var<storage, read> f: array<f32>;
@group(0) @binding(3) var<storage, read_write> e: array<f32>;

@compute @workgroup_size(CELL_WORKGROUP)
fn mg_coarse_solve(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_index(gid, nwg, CELL_WORKGROUP);
    let n = arrayLength(&ids);
    if i >= n {
        return;
    }
    let row = i * n;
    var s = 0.0;
    for (var j = 0u; j < MAX_COARSEST; j++) {
        if j >= n {
            break;
        }
        s += inverse[row + j] * f[ids[j]];
    }
    e[ids[i]] = s;
}
