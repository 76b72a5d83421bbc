// Stage mg_restrict: the source of a coarse multigrid level from the residual of the finer one,
// f_C = (sum over the fluid children of r_child) / 8 (the equations are volume-integrated in
// units of the level's h^3, and a coarse cell holds 8 fine ones). One invocation per coarse
// cell; `children` holds 8 fine storage ids per coarse cell (NO_SLOT where no fluid child).
// CPU twin: hemoflow::solver::cpu::mg_restrict.

#import shared/params

// Marks a missing cell (Rust: grid::index::NO_SLOT).
const NO_SLOT: u32 = 0xffffffffu;

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> children: array<u32>;
@group(0) @binding(2) var<storage, read> r_fine: array<f32>;
@group(0) @binding(3) var<storage, read_write> f_coarse: array<f32>;

@compute @workgroup_size(64)
fn mg_restrict(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = gid.x + gid.y * nwg.x * 64u;
    if id >= params.cells {
        return;
    }
    var s = 0.0;
    for (var k = 0u; k < 8u; k++) {
        let c = children[id * 8u + k];
        if c != NO_SLOT {
            s += r_fine[c];
        }
    }
    f_coarse[id] = s * 0.125;
}
