// Stage axpy: y[i] = y[i] + (sign * scalars[alpha_index]) * x[i] for i < n. sign is +1 for
// y += alpha x and -1 for y -= alpha x (exact either way). alpha is read from the scalar buffer
// on the GPU, so a CG iteration chains dot -> cg_scalars -> axpy with no read-back. CPU twin:
// hemoflow::gpu::vector::axpy_cpu. Host side: src/gpu/vector.rs.
//
// Workgroups may be laid out in 2-D: element i = gid.x + gid.y * num_workgroups.x * WORKGROUP.

// Invocations per workgroup (Rust: VECTOR_WORKGROUP).
#import shared/dispatch

const WORKGROUP: u32 = 256u;

// Rust twin: hemoflow::gpu::vector::AxpyParams.
struct AxpyParams {
    // Number of elements of x and y, a count.
    n: u32,
    // Index of alpha in scalars.
    alpha_index: u32,
    // Multiplies alpha: 1.0 (y += alpha x) or -1.0 (y -= alpha x).
    sign: f32,
    _pad0: u32,
}

@group(0) @binding(0) var<uniform> params: AxpyParams;
@group(0) @binding(1) var<storage, read> scalars: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WORKGROUP)
fn axpy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_index(gid, nwg, WORKGROUP);
    if i >= params.n {
        return;
    }
    let alpha = params.sign * scalars[params.alpha_index];
    y[i] = y[i] + alpha * x[i];
}
