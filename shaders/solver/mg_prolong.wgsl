// Stage mg_prolong: adds a coarse level's correction to the finer level, piecewise constant:
// p_fine += e_coarse[parent] in fluid cells. One invocation per fine cell, on the fine level's
// grid; `parent_bricks` holds, per fine slot, the coarse slot covering it * 8 + the brick's
// octant in it (NO_SLOT where none). CPU twin: hemoflow::solver::cpu::mg_prolong.

#import shared/dispatch
#import shared/cells

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> cells: array<u32>;
@group(0) @binding(2) var<storage, read> parent_bricks: array<u32>;
@group(0) @binding(3) var<storage, read> e_coarse: array<f32>;
@group(0) @binding(4) var<storage, read_write> p_fine: array<f32>;
// For shared/cells; this stage does not read them, so they are not in its layout.
@group(0) @binding(5) var<storage, read> neighbours: array<u32>;
@group(0) @binding(6) var<storage, read> geom: array<f32>;

@compute @workgroup_size(CELL_WORKGROUP)
fn mg_prolong(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = flat_index(gid, nwg, CELL_WORKGROUP);
    if id >= params.cells {
        return;
    }
    let entry = parent_bricks[id / BRICK_CELLS];
    if is_fluid(id) && entry != NO_SLOT {
        p_fine[id] += e_coarse[parent_cell(id, entry)];
    }
}
