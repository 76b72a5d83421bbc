// Stage xpay: y[i] = x[i] + scalars[beta_index] * y[i] for i < n (CG's p = z + beta p). beta is
// read from the scalar buffer on the GPU, so no read-back is needed. CPU twin:
// hemoflow::gpu::vector::xpay_cpu. Host side: src/gpu/vector.rs.
//
// Workgroups may be laid out in 2-D: element i = gid.x + gid.y * num_workgroups.x * WORKGROUP.

// Invocations per workgroup (Rust: VECTOR_WORKGROUP).
#import shared/dispatch

const WORKGROUP: u32 = 256u;

// Rust twin: hemoflow::gpu::vector::XpayParams.
struct XpayParams {
    // Number of elements of x and y, a count.
    n: u32,
    // Index of beta in scalars.
    beta_index: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: XpayParams;
@group(0) @binding(1) var<storage, read> scalars: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WORKGROUP)
fn xpay(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_index(gid, nwg, WORKGROUP);
    if i >= params.n {
        return;
    }
    let beta = scalars[params.beta_index];
    y[i] = x[i] + beta * y[i];
}
