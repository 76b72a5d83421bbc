// Stage dot_partial: the first level of a dot product. Workgroup w sums a[i] * b[i] over its
// WORKGROUP elements as a tree in workgroup memory (pairwise: stride WORKGROUP/2, ..., 2, 1;
// out-of-range elements count as 0) and writes sums[params.out_offset + w]; n = 0 gives one
// partial, 0. The host reduces the partials with sum_partial until one value is left. CPU twin:
// hemoflow::gpu::vector::dot_partial_cpu. Host side: src/gpu/vector.rs.
//
// Workgroups may be laid out in 2-D (x * y >= groups needed, when one dimension is not enough):
// workgroup w = wid.x + wid.y * num_workgroups.x; the extra ones write nothing.

#import shared/reduce

// Rust twin: hemoflow::gpu::vector::DotPartialParams.
struct DotPartialParams {
    // Number of elements of a and b, a count.
    n: u32,
    // Index into sums of workgroup 0's partial.
    out_offset: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: DotPartialParams;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
// One partial sum per workgroup, from out_offset on.
@group(0) @binding(3) var<storage, read_write> sums: array<f32>;

@compute @workgroup_size(WORKGROUP)
fn dot_partial(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let w = wid.x + wid.y * nwg.x;
    let i = w * WORKGROUP + lid;
    var v = 0.0;
    if i < params.n {
        v = a[i] * b[i];
    }
    // Every invocation reaches the tree's barriers (no early return above).
    let sum = tree_sum(lid, v);
    if lid == 0u && w < partial_count(params.n) {
        sums[params.out_offset + w] = sum;
    }
}
