//! Vector kernels for the pressure solver's conjugate gradient, on f32 arrays of `n` values:
//! dot products reduced as trees (`shaders/vector/dot_partial.wgsl`, `sum_partial.wgsl`),
//! `y += alpha x` (`axpy`), `y = x + beta y` (`xpay`) and CG's scalar step (`cg_scalars`).
//!
//! Scalars (dot products, alpha, beta) live in one GPU storage buffer owned by [`Vectors`] and
//! are addressed by index, so a CG iteration is recorded once and runs with no read-back; only
//! a host that must know one reads it back ([`Vectors::read_scalar`]; the time step's pressure
//! solve reads none, `solver/cg_control` deciding on the GPU).
//!
//! Operations are prepared once and recorded many times: [`Vectors::dot`], [`Vectors::axpy`],
//! [`Vectors::xpay`] and [`Vectors::cg_scalars`] create the parameter uniforms, scratch buffers
//! and bind groups for fixed buffers and lengths and return a [`VectorOp`];
//! [`VectorOp::record`] appends it to a `wgpu::CommandEncoder` (no allocation, no submit), and
//! [`submit`] records several ops into one encoder and submits it (without waiting). Ops in one
//! encoder run in order: wgpu puts a barrier between dispatches that share a buffer.
//!
//! Each kernel has a CPU twin here with the same arithmetic order: [`dot_cpu`] follows the same
//! two-level (and deeper) tree as the GPU, workgroup by workgroup, so it matches the GPU to
//! rounding (bit for bit on lavapipe).

use bytemuck::{Pod, Zeroable};

use super::{Bindable, Dispatch, Gpu, GpuError};

/// Invocations per workgroup of every vector stage except `cg_scalars`, and values per partial
/// sum of the reductions (`const WORKGROUP` in the shaders; a power of two).
pub const VECTOR_WORKGROUP: u32 = 256;

const W: usize = VECTOR_WORKGROUP as usize;

/// Parameters of `dot_partial` (uniform, group 0 binding 0).
/// WGSL twin: `DotPartialParams` in shaders/vector/dot_partial.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct DotPartialParams {
    /// Number of elements of `a` and `b`, a count.
    pub n: u32,
    /// Index in the output buffer of workgroup 0's partial sum.
    pub out_offset: u32,
    /// Padding to 16 bytes.
    pub _pad0: u32,
    /// Padding to 16 bytes.
    pub _pad1: u32,
}

/// Parameters of `sum_partial` (uniform, group 0 binding 0).
/// WGSL twin: `SumPartialParams` in shaders/vector/sum_partial.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct SumPartialParams {
    /// Number of values to sum, a count.
    pub n: u32,
    /// Index in the output buffer of workgroup 0's partial sum.
    pub out_offset: u32,
    /// Padding to 16 bytes.
    pub _pad0: u32,
    /// Padding to 16 bytes.
    pub _pad1: u32,
}

/// Parameters of `axpy` (uniform, group 0 binding 0): `y += sign * scalars[alpha_index] * x`.
/// WGSL twin: `AxpyParams` in shaders/vector/axpy.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct AxpyParams {
    /// Number of elements of `x` and `y`, a count.
    pub n: u32,
    /// Index of alpha in the scalar buffer.
    pub alpha_index: u32,
    /// Multiplies alpha: 1.0 for `y += alpha x`, -1.0 for `y -= alpha x` (both exact).
    pub sign: f32,
    /// Padding to 16 bytes.
    pub _pad0: u32,
}

/// Parameters of `xpay` (uniform, group 0 binding 0): `y = x + scalars[beta_index] * y`.
/// WGSL twin: `XpayParams` in shaders/vector/xpay.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct XpayParams {
    /// Number of elements of `x` and `y`, a count.
    pub n: u32,
    /// Index of beta in the scalar buffer.
    pub beta_index: u32,
    /// Padding to 16 bytes.
    pub _pad0: u32,
    /// Padding to 16 bytes.
    pub _pad1: u32,
}

/// Parameters of `cg_scalars` (uniform, group 0 binding 0), indices into the scalar buffer `s`:
/// `s[quotient] = s[numerator] / s[denominator]` (0 where the denominator is 0), then, if
/// `advance != 0`, `s[denominator] = s[numerator]`.
/// WGSL twin: `CgScalarsParams` in shaders/vector/cg_scalars.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct CgScalarsParams {
    /// Index of the numerator.
    pub numerator: u32,
    /// Index of the denominator.
    pub denominator: u32,
    /// Index the quotient is written to.
    pub quotient: u32,
    /// Nonzero: afterwards copy the numerator into the denominator's slot.
    pub advance: u32,
}

impl CgScalarsParams {
    /// CG's `alpha = rz / pq` (indices of rz, pq and alpha).
    pub fn alpha(rz: u32, pq: u32, alpha: u32) -> Self {
        Self { numerator: rz, denominator: pq, quotient: alpha, advance: 0 }
    }

    /// CG's `beta = rz_new / rz`, then `rz = rz_new` (indices of rz_new, rz and beta).
    pub fn beta(rz_new: u32, rz: u32, beta: u32) -> Self {
        Self { numerator: rz_new, denominator: rz, quotient: beta, advance: 1 }
    }
}

/// A vector operation prepared for fixed buffers and length: its dispatches, bind groups,
/// parameter uniforms and scratch buffers, made once by a [`Vectors`] method and recorded as
/// often as needed.
pub struct VectorOp {
    label: String,
    passes: Vec<Dispatch>,
    /// Kept with the op (the bind groups hold them too): parameter uniforms and scratch.
    _buffers: Vec<wgpu::Buffer>,
}

impl VectorOp {
    /// What the op does, e.g. `"dot (1000003 values -> scalar 2)"`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Number of dispatches the op records (a dot of n values takes ceil(log_256(n)), at least 1).
    pub fn dispatches(&self) -> usize {
        self.passes.len()
    }

    /// Workgroups of each dispatch as (x, y): y > 1 where one dimension's limit is not enough.
    pub fn workgroups(&self) -> Vec<(u32, u32)> {
        self.passes.iter().map(Dispatch::groups).collect()
    }

    /// Appends the op to `encoder` as one compute pass. Submitting is the caller's; wgpu reports
    /// misuse at submit (see [`submit`]).
    pub fn record(&self, encoder: &mut wgpu::CommandEncoder) {
        let record = |encoder: &mut wgpu::CommandEncoder| {
            let mut pass = self.passes[0].begin_pass(encoder, &self.label);
            for p in &self.passes {
                p.record_in(&mut pass);
            }
        };
        // Profiling by the wall clock: at once, on its own.
        if !self.passes[0].run_clocked(record) {
            record(encoder);
        }
    }

    /// Appends the op to `encoder` as one compute pass behind `gate` ([`super::gate`]): it runs
    /// only if the gate is open when the GPU reaches it. Not counted ([`Self::count_ran`]).
    pub fn record_gated(&self, encoder: &mut wgpu::CommandEncoder, gate: super::Gate<'_>) {
        let record = |encoder: &mut wgpu::CommandEncoder| {
            let mut pass = self.passes[0].begin_pass(encoder, &self.label);
            for p in &self.passes {
                p.record_gated_in(&mut pass, gate);
            }
        };
        if !self.passes[0].run_clocked(record) {
            record(encoder);
        }
    }

    /// Counts `times` runs of the op's dispatches (see [`Dispatch::count_ran`]).
    pub fn count_ran(&self, times: u64) {
        self.passes.iter().for_each(|p| p.count_ran(times));
    }

    /// Records this op alone and submits it, without waiting (see [`submit`]).
    pub fn submit(&self, gpu: &Gpu) -> Result<(), GpuError> {
        submit(gpu, &[self])
    }
}

/// Records `ops` in order into one command encoder and submits it, without waiting; a wgpu
/// validation error becomes [`GpuError::Validation`] naming the ops.
pub fn submit(gpu: &Gpu, ops: &[&VectorOp]) -> Result<(), GpuError> {
    let what = ops.iter().map(|op| op.label()).collect::<Vec<_>>().join(", ");
    gpu.scoped(&format!("vector ops [{what}]"), || {
        let mut encoder = gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("vector") });
        for op in ops {
            op.record(&mut encoder);
        }
        gpu.queue.submit([encoder.finish()]);
    })
}

/// The scalar buffer the vector stages share, and the ops' constructors.
pub struct Vectors {
    scalars: wgpu::Buffer,
    scalar_count: u32,
}

impl Vectors {
    /// A zeroed scalar buffer of `scalar_count` f32 values (at least 1).
    pub fn new(gpu: &Gpu, scalar_count: u32) -> Result<Vectors, GpuError> {
        let scalar_count = scalar_count.max(1);
        Ok(Vectors { scalars: gpu.storage_empty("vector scalars", u64::from(scalar_count) * 4)?, scalar_count })
    }

    /// The scalar buffer (storage, f32, [`Vectors::scalar_count`] values), for other stages to bind.
    pub fn scalars(&self) -> &wgpu::Buffer {
        &self.scalars
    }

    /// Number of f32 slots in the scalar buffer.
    pub fn scalar_count(&self) -> u32 {
        self.scalar_count
    }

    /// Prepares `scalars[out] = sum_i a[i] * b[i]` over the first `n` values, as a tree:
    /// `dot_partial` to ceil(n/256) partials, then `sum_partial` until one value is left, the
    /// last level writing straight into the scalar slot. `a` and `b` may be the same buffer.
    ///
    /// # Panics
    /// If `out` is not a scalar slot or a buffer holds fewer than `n` f32 values.
    pub fn dot(&self, gpu: &Gpu, a: &dyn Bindable, b: &dyn Bindable, n: u32, out: u32) -> Result<VectorOp, GpuError> {
        self.check_scalar("dot", out);
        check_len("dot", "a", a, n);
        check_len("dot", "b", b, n);
        let label = format!("dot ({n} values -> scalar {out})");
        let mut counts = vec![groups(n)];
        while *counts.last().unwrap() > 1 {
            counts.push(groups(*counts.last().unwrap()));
        }
        // Ping-pong scratch: level k writes scratch[k % 2], the last level writes the scalar.
        let mut scratch = Vec::new();
        for (k, &c) in counts.iter().enumerate().take(counts.len() - 1).take(2) {
            scratch.push(gpu.storage_empty(&format!("{label} partials {k}"), u64::from(c) * 4)?);
        }
        let last = counts.len() - 1;
        let (mut passes, mut buffers, mut items) = (Vec::new(), Vec::new(), n);
        for (k, &c) in counts.iter().enumerate() {
            let (dst, out_offset) = if k == last { (&self.scalars, out) } else { (&scratch[k % 2], 0) };
            let what = format!("{label} level {k}");
            let (params, pass) = if k == 0 {
                let params = gpu.uniform(&what, &DotPartialParams { n: items, out_offset, ..Default::default() })?;
                let bufs: [(&str, &dyn Bindable); 4] = [("params", &params), ("a", a), ("b", b), ("sums", dst)];
                // One workgroup at least: that of an empty dot writes its 0.
                let pass = Dispatch::new(gpu, "vector/dot_partial", &bufs, items.max(1))?;
                (params, pass)
            } else {
                let params = gpu.uniform(&what, &SumPartialParams { n: items, out_offset, ..Default::default() })?;
                let bufs: [(&str, &dyn Bindable); 3] =
                    [("params", &params), ("values", &scratch[(k - 1) % 2]), ("sums", dst)];
                let pass = Dispatch::new(gpu, "vector/sum_partial", &bufs, items)?;
                (params, pass)
            };
            passes.push(pass);
            buffers.push(params);
            items = c;
        }
        buffers.extend(scratch);
        Ok(VectorOp { label, passes, _buffers: buffers })
    }

    /// Prepares `y[i] += sign * scalars[alpha_index] * x[i]` for `i < n`; `sign` is 1.0
    /// (`y += alpha x`) or -1.0 (`y -= alpha x`). `x` and `y` must be in different buffers.
    ///
    /// # Panics
    /// If `alpha_index` is not a scalar slot or a buffer holds fewer than `n` f32 values.
    pub fn axpy(
        &self,
        gpu: &Gpu,
        alpha_index: u32,
        sign: f32,
        x: &dyn Bindable,
        y: &dyn Bindable,
        n: u32,
    ) -> Result<VectorOp, GpuError> {
        self.check_scalar("axpy", alpha_index);
        check_len("axpy", "x", x, n);
        check_len("axpy", "y", y, n);
        let sign_text = if sign < 0.0 { "-=" } else { "+=" };
        let label = format!("axpy (y {sign_text} scalar {alpha_index} * x, {n} values)");
        let params = gpu.uniform(&label, &AxpyParams { n, alpha_index, sign, _pad0: 0 })?;
        let bufs: [(&str, &dyn Bindable); 4] = [("params", &params), ("scalars", &self.scalars), ("x", x), ("y", y)];
        let passes = vec![Dispatch::new(gpu, "vector/axpy", &bufs, n)?];
        Ok(VectorOp { label, passes, _buffers: vec![params] })
    }

    /// Prepares `y[i] = x[i] + scalars[beta_index] * y[i]` for `i < n`. `x` and `y` must be in
    /// different buffers.
    ///
    /// # Panics
    /// If `beta_index` is not a scalar slot or a buffer holds fewer than `n` f32 values.
    pub fn xpay(
        &self,
        gpu: &Gpu,
        beta_index: u32,
        x: &dyn Bindable,
        y: &dyn Bindable,
        n: u32,
    ) -> Result<VectorOp, GpuError> {
        self.check_scalar("xpay", beta_index);
        check_len("xpay", "x", x, n);
        check_len("xpay", "y", y, n);
        let label = format!("xpay (y = x + scalar {beta_index} * y, {n} values)");
        let params = gpu.uniform(&label, &XpayParams { n, beta_index, ..Default::default() })?;
        let bufs: [(&str, &dyn Bindable); 4] = [("params", &params), ("scalars", &self.scalars), ("x", x), ("y", y)];
        let passes = vec![Dispatch::new(gpu, "vector/xpay", &bufs, n)?];
        Ok(VectorOp { label, passes, _buffers: vec![params] })
    }

    /// Prepares CG's scalar step on the scalar buffer (one invocation): see [`CgScalarsParams`]
    /// and its constructors [`CgScalarsParams::alpha`] and [`CgScalarsParams::beta`].
    ///
    /// # Panics
    /// If an index is not a scalar slot.
    pub fn cg_scalars(&self, gpu: &Gpu, params: CgScalarsParams) -> Result<VectorOp, GpuError> {
        for index in [params.numerator, params.denominator, params.quotient] {
            self.check_scalar("cg_scalars", index);
        }
        let label = format!(
            "cg_scalars (scalar {} = scalar {} / scalar {}{})",
            params.quotient,
            params.numerator,
            params.denominator,
            if params.advance != 0 { ", then advance" } else { "" }
        );
        let uniform = gpu.uniform(&label, &params)?;
        let bufs: [(&str, &dyn Bindable); 2] = [("params", &uniform), ("scalars", &self.scalars)];
        let passes = vec![Dispatch::new(gpu, "vector/cg_scalars", &bufs, 1)?];
        Ok(VectorOp { label, passes, _buffers: vec![uniform] })
    }

    /// Writes `value` into scalar slot `index` (queued: it lands before the next submit's work).
    ///
    /// # Panics
    /// If `index` is not a scalar slot.
    pub fn write_scalar(&self, gpu: &Gpu, index: u32, value: f32) {
        self.check_scalar("write_scalar", index);
        gpu.queue.write_buffer(&self.scalars, u64::from(index) * 4, bytemuck::bytes_of(&value));
    }

    /// Reads scalar slot `index` back (a 4-byte copy), waiting for all submitted work first.
    ///
    /// # Panics
    /// If `index` is not a scalar slot.
    pub fn read_scalar(&self, gpu: &Gpu, index: u32) -> Result<f32, GpuError> {
        self.check_scalar("read_scalar", index);
        let bytes = gpu.read_bytes(&self.scalars, u64::from(index) * 4, 4, true)?;
        Ok(bytemuck::pod_read_unaligned::<f32>(&bytes[..4]))
    }

    fn check_scalar(&self, op: &str, index: u32) {
        assert!(
            index < self.scalar_count,
            "{op}: scalar index {index} out of range (the buffer holds {})",
            self.scalar_count
        );
    }
}

/// Partial sums a reduction level makes of `n` values: ceil(n / 256), at least 1.
fn groups(n: u32) -> u32 {
    n.div_ceil(VECTOR_WORKGROUP).max(1)
}

fn check_len(op: &str, name: &str, buffer: &dyn Bindable, n: u32) {
    let size = buffer.span().size();
    assert!(size >= u64::from(n) * 4, "{op}: buffer {name} holds {size} bytes, fewer than {n} f32 values");
}

/// One workgroup's tree, as the shaders do it: strides 128, 64, ..., 1, `p[l] += p[l + stride]`.
fn workgroup_tree(p: &mut [f32; W]) -> f32 {
    let mut stride = W / 2;
    while stride > 0 {
        for l in 0..stride {
            p[l] += p[l + stride];
        }
        stride /= 2;
    }
    p[0]
}

/// CPU twin of `dot_partial`: one tree sum of `a[i] * b[i]` per 256 elements (the last padded
/// with zeros); an empty input gives `[0.0]`.
///
/// # Panics
/// If `a` and `b` differ in length.
pub fn dot_partial_cpu(a: &[f32], b: &[f32]) -> Vec<f32> {
    assert_eq!(a.len(), b.len(), "dot_partial_cpu: a and b differ in length");
    let n = a.len();
    (0..n.div_ceil(W).max(1))
        .map(|w| {
            let mut p = [0.0f32; W];
            for (l, v) in p.iter_mut().enumerate() {
                let i = w * W + l;
                if i < n {
                    *v = a[i] * b[i];
                }
            }
            workgroup_tree(&mut p)
        })
        .collect()
}

/// CPU twin of `sum_partial`: one tree sum per 256 values (the last padded with zeros); an
/// empty input gives `[0.0]`.
pub fn sum_partial_cpu(values: &[f32]) -> Vec<f32> {
    let n = values.len();
    (0..n.div_ceil(W).max(1))
        .map(|w| {
            let mut p = [0.0f32; W];
            for (l, v) in p.iter_mut().enumerate() {
                if let Some(&x) = values.get(w * W + l) {
                    *v = x;
                }
            }
            workgroup_tree(&mut p)
        })
        .collect()
}

/// CPU twin of [`Vectors::dot`]: [`dot_partial_cpu`], then [`sum_partial_cpu`] until one value
/// is left; the same tree, so it matches the GPU to rounding.
pub fn dot_cpu(a: &[f32], b: &[f32]) -> f32 {
    let mut partials = dot_partial_cpu(a, b);
    while partials.len() > 1 {
        partials = sum_partial_cpu(&partials);
    }
    partials[0]
}

/// CPU twin of `axpy`: `y[i] = y[i] + (sign * alpha) * x[i]`.
///
/// # Panics
/// If `x` is shorter than `y`.
pub fn axpy_cpu(alpha: f32, sign: f32, x: &[f32], y: &mut [f32]) {
    let a = sign * alpha;
    for (i, yi) in y.iter_mut().enumerate() {
        *yi += a * x[i];
    }
}

/// CPU twin of `xpay`: `y[i] = x[i] + beta * y[i]`.
///
/// # Panics
/// If `x` is shorter than `y`.
pub fn xpay_cpu(beta: f32, x: &[f32], y: &mut [f32]) {
    for (i, yi) in y.iter_mut().enumerate() {
        *yi = x[i] + beta * *yi;
    }
}

/// CPU twin of `cg_scalars` on a copy of the scalar buffer (see [`CgScalarsParams`]).
///
/// # Panics
/// If an index is out of range.
pub fn cg_scalars_cpu(scalars: &mut [f32], params: &CgScalarsParams) {
    let num = scalars[params.numerator as usize];
    let den = scalars[params.denominator as usize];
    scalars[params.quotient as usize] = if den != 0.0 { num / den } else { 0.0 };
    if params.advance != 0 {
        scalars[params.denominator as usize] = num;
    }
}
