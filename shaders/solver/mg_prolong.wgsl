// Stage mg_prolong: adds a coarse level's correction to the finer level, piecewise constant:
// p_fine += e_coarse[parent]. One invocation per fine cell; `parent` holds the coarse storage
// id of each fine cell (NO_SLOT for solid cells). CPU twin: hemoflow::solver::cpu::mg_prolong.

#import shared/params

// Marks a missing cell (Rust: grid::index::NO_SLOT).
const NO_SLOT: u32 = 0xffffffffu;

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> parent: array<u32>;
@group(0) @binding(2) var<storage, read> e_coarse: array<f32>;
@group(0) @binding(3) var<storage, read_write> p_fine: array<f32>;

@compute @workgroup_size(64)
fn mg_prolong(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = gid.x + gid.y * nwg.x * 64u;
    if id >= params.cells {
        return;
    }
    let c = parent[id];
    if c != NO_SLOT {
        p_fine[id] += e_coarse[c];
    }
}
