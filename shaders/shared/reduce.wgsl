// The workgroup tree reduction shared by vector/dot_partial and vector/sum_partial (CPU twin of
// the order: hemoflow::gpu::vector::dot_partial_cpu / sum_partial_cpu). No bindings needed.

// Invocations per workgroup and values per partial (Rust: VECTOR_WORKGROUP; a power of two).
const WORKGROUP: u32 = 256u;

var<workgroup> partial: array<f32, WORKGROUP>;

// The sum of the workgroup's values v (one per invocation), pairwise: stride WORKGROUP/2, ...,
// 2, 1. Every invocation of the workgroup must call it (it holds barriers); all get the sum.
fn tree_sum(lid: u32, v: f32) -> f32 {
    partial[lid] = v;
    for (var stride = WORKGROUP / 2u; stride > 0u; stride = stride / 2u) {
        workgroupBarrier();
        if lid < stride {
            partial[lid] = partial[lid] + partial[lid + stride];
        }
    }
    workgroupBarrier();
    return partial[0];
}

// Partials a reduction of n values writes: ceil(n / WORKGROUP), at least one (an empty input
// sums to 0).
fn partial_count(n: u32) -> u32 {
    return max(1u, n / WORKGROUP + select(0u, 1u, n % WORKGROUP != 0u));
}
