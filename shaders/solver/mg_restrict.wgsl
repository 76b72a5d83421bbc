// Stage mg_restrict: the source of a coarse multigrid level from the residual of the finer one,
// computed here (fused, so the residual is never stored):
//     f_C = (sum over the children of r_child) / 8,   r = f - M p on the finer level
// (M of pressure_residual; the equations are volume-integrated in units of the level's h^3, and
// a coarse cell holds 8 fine ones; the residual is 0 in solid fine cells). One invocation per
// coarse cell, on the coarse level's grid (as many cells as `coarse_cells` holds words); a
// coarse cell's 8 children lie in one brick of the finer level, `child_bricks` holding its slot
// for each octant of each coarse brick (NO_SLOT where not allocated). 0 in solid coarse cells.
// `params`, `neighbours`, `cells`, `geom`, `f` and `p` are the finer level's (f and p at its
// stored indices; the coarse levels store every cell at its storage id).
// CPU twin: hemoflow::solver::cpu::mg_restrict.

#import shared/dispatch
#import shared/pressure_operator

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
@group(0) @binding(4) var<storage, read> f: array<f32>;
@group(0) @binding(5) var<storage, read> p: array<f32>;
// The coarse level's cell words (kind in bits 0-7).
@group(0) @binding(6) var<storage, read> coarse_cells: array<u32>;
// 8 fine slots per coarse slot, by octant.
@group(0) @binding(7) var<storage, read> child_bricks: array<u32>;
@group(0) @binding(8) var<storage, read_write> f_coarse: array<f32>;

@compute @workgroup_size(CELL_WORKGROUP)
fn mg_restrict(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = flat_index(gid, nwg, CELL_WORKGROUP);
    if id >= arrayLength(&coarse_cells) {
        return;
    }
    let fine_slot = child_bricks[(id / BRICK_CELLS) * 8u + child_octant(id)];
    if (coarse_cells[id] & KIND_MASK) == KIND_SOLID || fine_slot == NO_SLOT {
        f_coarse[id] = 0.0;
        return;
    }
    var s = 0.0;
    for (var k = 0u; k < 8u; k++) {
        let child = child_cell(id, fine_slot, k);
        if is_fluid(child) {
            let at = neighbourhood(child).at;
            s += f[at.own] - pressure_operator_at(child, at) / (params.h * params.h);
        }
    }
    f_coarse[id] = s * 0.125;
}
