// Stage pressure_smooth: one smoothing step of the multigrid V-cycle for the cut-cell pressure
// equation M p = f (M of pressure_residual), brick by brick. A workgroup takes ALIGN_CELLS
// consecutive storage ids (whole bricks) and runs one red-black Gauss-Seidel sweep over each
// brick (the cells of colour params.colour first, then the others; colour the parity of
// x + y + z, as coloured_cell), each update
//     p = (sum_f A_f p_nb + h^2 f) / (sum_f A_f + c)   (unchanged where that sum is 0)
// the first half from p_in, leaving its values in workgroup memory for the second; neighbours in
// other bricks are read from p_in as they were. It writes the bricks' fluid cells to p_out (p_in,
// f and p_out at the stored indices; e_coarse, of a coarser level, at its storage ids). Between
// bricks it is a Jacobi step, inside them Gauss-Seidel, in one pass over the data and one
// barrier. (A brick, not the workgroup, is the block: which bricks share a workgroup
// depends on how a run splits the grid among ranks, and the smoother must not.) The step that
// starts the sweep at the other colour is its adjoint, so a V-cycle smoothing with one before the
// coarse correction and the other after is symmetric, as conjugate gradients needs of a
// preconditioner.
// With params.prolong = 1, every value read from p_in is read as p_in + e_coarse[parent]: the
// coarse level's correction prolonged (piecewise constant), fused into the first smoothing step
// after it. `parent_bricks` holds, per slot, the coarse slot covering it * 8 + the brick's
// octant in it (NO_SLOT where none). p in m^2/s^2, f in 1/s^2.
// CPU twin: hemoflow::solver::cpu::pressure_smooth.

#import shared/dispatch
#import shared/cells

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
@group(0) @binding(4) var<storage, read> f: array<f32>;
@group(0) @binding(5) var<storage, read> p_in: array<f32>;
@group(0) @binding(6) var<storage, read> parent_bricks: array<u32>;
@group(0) @binding(7) var<storage, read> e_coarse: array<f32>;
@group(0) @binding(8) var<storage, read_write> p_out: array<f32>;

var<workgroup> block: array<f32, ALIGN_CELLS>;

// p_in at cell id (stored at i), with the coarse correction where params.prolong = 1.
fn start_value(id: u32, i: u32) -> f32 {
    var v = p_in[i];
    if params.prolong == 1u {
        let entry = parent_bricks[id / BRICK_CELLS];
        if entry != NO_SLOT {
            v += e_coarse[parent_cell(id, entry)];
        }
    }
    return v;
}

@compute @workgroup_size(ALIGN_CELLS)
fn pressure_smooth(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    // A workgroup is ALIGN_CELLS cells (whole bricks); none returns early, as all reach the
    // barrier.
    let id = flat_index(gid, nwg, ALIGN_CELLS);
    let in_grid = id < params.cells;
    let fluid = in_grid && is_fluid(id);
    // The update's parts that stay fixed: sum_f A_f, the other bricks' A_f p_nb, and the
    // brick's own fluid neighbours (NO_SLOT for none) with their A_f.
    var sa = 0.0;
    var outside = 0.0;
    var inside: array<u32, 6>;
    var inside_at: array<u32, 6>;
    var a_inside: array<f32, 6>;
    var own = 0.0;
    var source = 0.0;
    var i = 0u;
    for (var d = 0u; d < 6u; d++) {
        inside[d] = NO_SLOT;
    }
    if fluid {
        let hood = neighbourhood(id);
        let nbf = hood.nbf;
        let at = hood.at;
        i = at.own;
        own = start_value(id, i);
        for (var d = 0u; d < 6u; d++) {
            let nb = nbf[d];
            if nb == NO_SLOT {
                continue;
            }
            let a = aperture(id, d);
            sa += a;
            if nb / BRICK_CELLS == id / BRICK_CELLS {
                inside[d] = nb;
                inside_at[d] = at.nbs[d];
                a_inside[d] = a;
            } else {
                outside += a * start_value(nb, at.nbs[d]);
            }
        }
        sa += bc(id, GEOM_BC_COEFFICIENT);
        source = params.h * params.h * f[i];
    }
    let l = local_coords(lid % BRICK_CELLS);
    let first = ((l.x + l.y + l.z) & 1u) == params.colour;
    let update = fluid && sa != 0.0;
    // First half: the cells of colour params.colour, from their neighbours' values as read
    // (face neighbours have the other colour). Each leaves its value in workgroup memory for
    // the second half; the other colour's cells need not (they read only the first colour).
    var value = own;
    if first {
        if update {
            var s = outside;
            for (var d = 0u; d < 6u; d++) {
                if inside[d] != NO_SLOT {
                    s += a_inside[d] * start_value(inside[d], inside_at[d]);
                }
            }
            value = (s + source) / sa;
        }
        block[lid] = value;
    }
    workgroupBarrier();
    // Second half: the other colour, from the first half's values.
    if !first && update {
        var s = outside;
        for (var d = 0u; d < 6u; d++) {
            if inside[d] != NO_SLOT {
                s += a_inside[d] * block[inside[d] % ALIGN_CELLS];
            }
        }
        value = (s + source) / sa;
    }
    if fluid {
        p_out[i] = value;
    }
}
