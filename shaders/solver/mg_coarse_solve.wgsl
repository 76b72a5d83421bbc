// Stage mg_coarse_solve: the coarsest multigrid level's correction, exact: e = M^+ f over its n
// fluid cells, with M^+ the pseudo-inverse of its operator (M of pressure_residual), dense and
// symmetric, its upper triangle stored row after row, made on the host
// (hemoflow::solver::multigrid::CoarseInverse). One invocation per fluid cell i, ids its stored
// index: e[ids[i]] = sum_j M^+_ij f[ids[j]], summed in order of j. The other cells of e are left as they
// are (zero: the V-cycle clears e). n is at most MAX_COARSEST.
// CPU twin: hemoflow::solver::cpu::mg_coarse_solve.

#import shared/dispatch

// Rust: multigrid::COARSEST_CELLS.
const MAX_COARSEST: u32 = 512u;

@group(0) @binding(0) var<storage, read> ids: array<u32>;
@group(0) @binding(1) var<storage, read> inverse: array<f32>;
@group(0) @binding(2) var<storage, read> f: array<f32>;
@group(0) @binding(3) var<storage, read_write> e: array<f32>;

// Where entry (i, j) lies in the upper triangle of the n x n matrix (Rust:
// solver::cpu::packed_index).
fn packed_index(n: u32, i: u32, j: u32) -> u32 {
    let a = min(i, j);
    return a * n - a * (a + 1u) / 2u + max(i, j);
}

@compute @workgroup_size(CELL_WORKGROUP)
fn mg_coarse_solve(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_index(gid, nwg, CELL_WORKGROUP);
    let n = arrayLength(&ids);
    if i >= n {
        return;
    }
    var s = 0.0;
    for (var j = 0u; j < MAX_COARSEST; j++) {
        if j >= n {
            break;
        }
        s += inverse[packed_index(n, i, j)] * f[ids[j]];
    }
    e[ids[i]] = s;
}
