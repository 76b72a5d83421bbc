// Stage sum_partial: one further level of a tree reduction. Workgroup w sums values[i] over its
// WORKGROUP elements as a tree in workgroup memory (pairwise: stride WORKGROUP/2, ..., 2, 1;
// out-of-range elements count as 0) and writes sums[params.out_offset + w]; n = 0 gives one
// partial, 0. The host repeats it until one value is left (n values take ceil(log_WORKGROUP(n))
// levels in all, dot_partial included). CPU twin: hemoflow::gpu::vector::sum_partial_cpu.
// Host side: src/gpu/vector.rs.
//
// Workgroups may be laid out in 2-D: workgroup w = wid.x + wid.y * num_workgroups.x; the extra
// ones write nothing.

#import shared/reduce

// Rust twin: hemoflow::gpu::vector::SumPartialParams.
struct SumPartialParams {
    // Number of values to sum, a count.
    n: u32,
    // Index into sums of workgroup 0's partial.
    out_offset: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: SumPartialParams;
@group(0) @binding(1) var<storage, read> values: array<f32>;
// One partial sum per workgroup, from out_offset on.
@group(0) @binding(2) var<storage, read_write> sums: array<f32>;

@compute @workgroup_size(WORKGROUP)
fn sum_partial(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let w = wid.x + wid.y * nwg.x;
    let i = w * WORKGROUP + lid;
    var v = 0.0;
    if i < params.n {
        v = values[i];
    }
    // Every invocation reaches the tree's barriers (no early return above).
    let sum = tree_sum(lid, v);
    if lid == 0u && w < partial_count(params.n) {
        sums[params.out_offset + w] = sum;
    }
}
