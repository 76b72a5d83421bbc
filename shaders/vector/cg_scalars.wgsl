// Stage cg_scalars (one invocation): the scalar step of conjugate gradient, on the GPU so an
// iteration never reads scalars back. In the scalar buffer s:
//   s[quotient] = s[numerator] / s[denominator], or 0 where s[denominator] == 0;
//   then, if advance != 0, s[denominator] = s[numerator].
// alpha = rz / pq is (numerator rz, denominator pq, quotient alpha, advance 0);
// beta = rz_new / rz followed by rz = rz_new is (rz_new, rz, beta, advance 1).
// CPU twin: hemoflow::gpu::vector::cg_scalars_cpu. Host side: src/gpu/vector.rs.

// Rust twin: hemoflow::gpu::vector::CgScalarsParams.
struct CgScalarsParams {
    // Index of the numerator in scalars.
    numerator: u32,
    // Index of the denominator in scalars.
    denominator: u32,
    // Index the quotient is written to.
    quotient: u32,
    // Nonzero: afterwards copy s[numerator] into s[denominator].
    advance: u32,
}

@group(0) @binding(0) var<uniform> params: CgScalarsParams;
@group(0) @binding(1) var<storage, read_write> scalars: array<f32>;

@compute @workgroup_size(1)
fn cg_scalars(@builtin(global_invocation_id) gid: vec3<u32>) {
    if gid.x != 0u {
        return;
    }
    let count = arrayLength(&scalars);
    if params.numerator >= count || params.denominator >= count || params.quotient >= count {
        return;
    }
    let num = scalars[params.numerator];
    let den = scalars[params.denominator];
    var q = 0.0;
    if den != 0.0 {
        q = num / den;
    }
    scalars[params.quotient] = q;
    if params.advance != 0u {
        scalars[params.denominator] = num;
    }
}
