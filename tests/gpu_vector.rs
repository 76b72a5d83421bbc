//! The conjugate-gradient vector kernels (hemoflow::gpu::vector) on the GPU against their CPU
//! twins, on seeded random vectors of awkward sizes (1, one short of / at / one past a
//! workgroup, several tree levels). GPU tests never skip: without an adapter they fail, saying
//! to install mesa-vulkan-drivers.

mod common;

use common::gpu;
use hemoflow::gpu::vector::{self, axpy_cpu, cg_scalars_cpu, dot_cpu, xpay_cpu, CgScalarsParams, Vectors};
use hemoflow::gpu::Gpu;

/// Sizes every kernel is tried at: 1, around one workgroup (256), 257 partials (three tree
/// levels: 65_537 -> 257 -> 2 -> 1), and large.
const SIZES: [u32; 9] = [1, 63, 64, 255, 256, 257, 65_537, 100_000, 1_000_003];

/// Seeded values in [-1, 1): splitmix64 for the seed, then xorshift64.
fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    let mut s = (z ^ (z >> 31)) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

/// Asserts that each of the first `plain.len()` GPU values equals, bit for bit, the CPU twin's
/// value `plain[i]` or the same expression with its multiply-add fused (`fused[i]`, one rounding:
/// WGSL lets a compiler contract `a + b * c`, and GPU compilers do). Prints the worst index.
/// Returns how many values matched only the fused form.
fn exact(what: &str, gpu: &[f32], plain: &[f32], fused: &[f32]) -> usize {
    let (mut bad, mut fused_only) = (0, 0);
    let (mut worst, mut at) = (0.0f32, 0);
    for i in 0..plain.len() {
        let g = gpu[i].to_bits();
        if g == plain[i].to_bits() {
            continue;
        }
        if g == fused[i].to_bits() {
            fused_only += 1;
            continue;
        }
        bad += 1;
        let d = (gpu[i] - plain[i]).abs();
        if d >= worst || d.is_nan() {
            (worst, at) = (d, i);
        }
    }
    assert!(
        bad == 0,
        "{what}: {bad} of {} values differ; worst at index {at}: GPU {} CPU {} (fused {}, difference {worst:e})",
        plain.len(),
        gpu[at],
        plain[at],
        fused[at]
    );
    fused_only
}

#[test]
fn dot_gpu_matches_cpu_tree() {
    let gpu = gpu();
    let v = Vectors::new(&gpu, 4).unwrap();
    let tol = 1e-5f64;
    let mut failures = Vec::new();
    for (k, &n) in SIZES.iter().enumerate() {
        let (a, b) = (random(n as usize, 10 + k as u64), random(n as usize, 100 + k as u64));
        let (a_buf, b_buf) = (gpu.storage("a", &a).unwrap(), gpu.storage("b", &b).unwrap());
        // a.b, and a.a with one buffer bound twice (CG's r.r).
        for (what, y, y_buf) in [("a.b", &b, &b_buf), ("a.a", &a, &a_buf)] {
            let op = v.dot(&gpu, &a_buf, y_buf, n, 2).unwrap();
            op.submit(&gpu).unwrap();
            let got = v.read_scalar(&gpu, 2).unwrap();
            let cpu = dot_cpu(&a, y);
            // Rounding scale of a dot product: sum |a_i y_i| (relative error for same-sign data).
            let scale: f64 = a.iter().zip(y).map(|(p, q)| (f64::from(*p) * f64::from(*q)).abs()).sum();
            let exact_sum: f64 = a.iter().zip(y).map(|(p, q)| f64::from(*p) * f64::from(*q)).sum();
            let diff = (f64::from(got) - f64::from(cpu)).abs();
            let cpu_err = (f64::from(cpu) - exact_sum).abs();
            println!(
                "dot {what} n {n:>9} ({} dispatches): GPU {got:>14.7e} CPU {cpu:>14.7e} difference {diff:.2e} \
                 (bit-exact: {}); CPU tree vs f64 {cpu_err:.2e}; scale {scale:.3e}",
                op.dispatches(),
                got.to_bits() == cpu.to_bits()
            );
            if diff.is_nan() || diff > tol * scale.max(f64::MIN_POSITIVE) {
                failures
                    .push(format!("dot {what} n {n}: GPU {got} CPU {cpu} difference {diff:e} > {tol:e} * {scale:e}"));
            }
            if cpu_err.is_nan() || cpu_err > tol * scale {
                failures.push(format!("dot {what} n {n}: CPU tree {cpu} vs f64 {exact_sum} error {cpu_err:e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn dot_of_empty_vectors_is_zero() {
    let gpu = gpu();
    let v = Vectors::new(&gpu, 1).unwrap();
    v.write_scalar(&gpu, 0, 7.0);
    let a = gpu.storage::<f32>("a", &[]).unwrap();
    v.dot(&gpu, &a, &a, 0, 0).unwrap().submit(&gpu).unwrap();
    assert_eq!(v.read_scalar(&gpu, 0).unwrap(), 0.0);
    assert_eq!(dot_cpu(&[], &[]), 0.0);
}

#[test]
fn dot_of_a_million_tenths_stays_accurate() {
    // A serial f32 sum of 1_000_003 tenths drifts by ~1%; a tree keeps f32 accurate.
    let n = 1_000_003u32;
    let a = vec![0.1f32; n as usize];
    let ones = vec![1.0f32; n as usize];
    let gpu = gpu();
    let v = Vectors::new(&gpu, 1).unwrap();
    let (a_buf, ones_buf) = (gpu.storage("a", &a).unwrap(), gpu.storage("ones", &ones).unwrap());
    v.dot(&gpu, &a_buf, &ones_buf, n, 0).unwrap().submit(&gpu).unwrap();
    let got = v.read_scalar(&gpu, 0).unwrap();
    let cpu = dot_cpu(&a, &ones);
    let serial = a.iter().fold(0.0f32, |s, x| s + x);
    let want = 100_000.3f64;
    let rel = (f64::from(got) - want).abs() / want;
    println!(
        "dot of {n} x 0.1f32: GPU tree {got} CPU tree {cpu} serial f32 {serial} expected {want}: \
         GPU relative error {rel:.2e} (serial {:.2e})",
        (f64::from(serial) - want).abs() / want
    );
    assert!(rel <= 1e-4, "GPU tree {got} vs {want}: relative error {rel:e} > 1e-4");
}

#[test]
fn axpy_gpu_matches_cpu_exactly() {
    let gpu = gpu();
    let v = Vectors::new(&gpu, 2).unwrap();
    let alpha = 0.731_25f32 * std::f32::consts::PI;
    v.write_scalar(&gpu, 1, alpha);
    let mut fused = 0;
    for (k, &n) in SIZES.iter().enumerate() {
        let x = random(n as usize, 200 + k as u64);
        // Three values past n that the kernel must leave alone.
        let y = random(n as usize + 3, 300 + k as u64);
        for sign in [1.0f32, -1.0] {
            let (x_buf, y_buf) = (gpu.storage("x", &x).unwrap(), gpu.storage("y", &y).unwrap());
            v.axpy(&gpu, 1, sign, &x_buf, &y_buf, n).unwrap().submit(&gpu).unwrap();
            let got: Vec<f32> = gpu.read(&y_buf).unwrap();
            let mut cpu = y.clone();
            axpy_cpu(alpha, sign, &x, &mut cpu[..n as usize]);
            let fma: Vec<f32> = y
                .iter()
                .enumerate()
                .map(|(i, &yi)| if i < n as usize { (sign * alpha).mul_add(x[i], yi) } else { yi })
                .collect();
            fused += exact(&format!("axpy n {n} sign {sign}"), &got, &cpu, &fma);
        }
    }
    println!("axpy: bit-exact at sizes {SIZES:?}, both signs, values past n untouched ({fused} values as fused)");
}

#[test]
fn xpay_gpu_matches_cpu_exactly() {
    let gpu = gpu();
    let v = Vectors::new(&gpu, 3).unwrap();
    let beta = -0.412_7f32;
    v.write_scalar(&gpu, 2, beta);
    let mut fused = 0;
    for (k, &n) in SIZES.iter().enumerate() {
        let x = random(n as usize, 400 + k as u64);
        let y = random(n as usize + 3, 500 + k as u64);
        let (x_buf, y_buf) = (gpu.storage("x", &x).unwrap(), gpu.storage("y", &y).unwrap());
        v.xpay(&gpu, 2, &x_buf, &y_buf, n).unwrap().submit(&gpu).unwrap();
        let got: Vec<f32> = gpu.read(&y_buf).unwrap();
        let mut cpu = y.clone();
        xpay_cpu(beta, &x, &mut cpu[..n as usize]);
        let fma: Vec<f32> =
            y.iter().enumerate().map(|(i, &yi)| if i < n as usize { beta.mul_add(yi, x[i]) } else { yi }).collect();
        fused += exact(&format!("xpay n {n}"), &got, &cpu, &fma);
    }
    println!("xpay: bit-exact at sizes {SIZES:?}, values past n untouched ({fused} values as fused)");
}

#[test]
fn more_workgroups_than_one_dimension_allows_use_two() {
    // One workgroup past the per-dimension limit (65_535 on lavapipe and most GPUs), capped so
    // a device with a larger limit does not need gigabytes: there the layout stays 1-D.
    let gpu = gpu();
    let limit = gpu.limits().max_compute_workgroups_per_dimension;
    let n = (limit.min(65_535) + 1) * 256 + 1;
    let v = Vectors::new(&gpu, 2).unwrap();
    let (x, y) = (random(n as usize, 700), random(n as usize, 701));
    let (x_buf, y_buf) = (gpu.storage("x", &x).unwrap(), gpu.storage("y", &y).unwrap());
    let dot = v.dot(&gpu, &x_buf, &y_buf, n, 0).unwrap();
    let axpy = v.axpy(&gpu, 0, -1.0, &x_buf, &y_buf, n).unwrap();
    println!("n {n}, limit {limit}: dot workgroups {:?}, axpy workgroups {:?}", dot.workgroups(), axpy.workgroups());
    if limit <= 65_535 {
        assert!(dot.workgroups()[0].1 > 1 && axpy.workgroups()[0].1 > 1, "expected 2-D layouts");
    }
    // y -= (x.y) x, chained on the GPU.
    vector::submit(&gpu, &[&dot, &axpy]).unwrap();
    let got_dot = v.read_scalar(&gpu, 0).unwrap();
    let cpu_dot = dot_cpu(&x, &y);
    let scale: f64 = x.iter().zip(&y).map(|(p, q)| (f64::from(*p) * f64::from(*q)).abs()).sum();
    let diff = (f64::from(got_dot) - f64::from(cpu_dot)).abs();
    println!("dot: GPU {got_dot} CPU {cpu_dot} difference {diff:.2e} (bit-exact: {})", got_dot == cpu_dot);
    assert!(diff <= 1e-5 * scale, "dot over a 2-D layout: GPU {got_dot} CPU {cpu_dot} difference {diff:e}");
    let got: Vec<f32> = gpu.read(&y_buf).unwrap();
    let mut cpu = y.clone();
    axpy_cpu(cpu_dot, -1.0, &x, &mut cpu);
    let fma: Vec<f32> = y.iter().zip(&x).map(|(&yi, &xi)| (-cpu_dot).mul_add(xi, yi)).collect();
    exact("axpy over a 2-D layout", &got, &cpu, &fma);
}

/// Runs `cg_scalars` with `params` on a scalar buffer holding `start`; checks it against the CPU
/// twin (WGSL division may be off by 2.5 ulp, so 1e-6 relative) and returns the GPU values.
fn check_cg_scalars(gpu: &Gpu, start: &[f32], params: CgScalarsParams) -> Vec<f32> {
    let v = Vectors::new(gpu, start.len() as u32).unwrap();
    for (i, &s) in start.iter().enumerate() {
        v.write_scalar(gpu, i as u32, s);
    }
    v.cg_scalars(gpu, params).unwrap().submit(gpu).unwrap();
    let got: Vec<f32> = gpu.read(v.scalars()).unwrap();
    let mut cpu = start.to_vec();
    cg_scalars_cpu(&mut cpu, &params);
    println!("cg_scalars {params:?} on {start:?}: GPU {got:?} CPU {cpu:?}");
    for i in 0..cpu.len() {
        let d = (got[i] - cpu[i]).abs();
        assert!(d <= 1e-6 * cpu[i].abs(), "cg_scalars slot {i}: GPU {} CPU {} ({params:?})", got[i], cpu[i]);
    }
    got
}

#[test]
fn cg_scalars_divides_and_guards_zero_denominators() {
    let gpu = gpu();
    // Slots: 0 rz, 1 pq, 2 alpha, 3 rz_new, 4 beta.
    let s = [3.5f32, 1.75, 9.0, 0.7, 9.0];
    let got = check_cg_scalars(&gpu, &s, CgScalarsParams::alpha(0, 1, 2));
    assert_eq!(got[2], 2.0, "alpha = 3.5 / 1.75");
    let got = check_cg_scalars(&gpu, &s, CgScalarsParams::beta(3, 0, 4));
    assert!((got[4] - 0.2).abs() <= 1e-7, "beta = 0.7 / 3.5: {}", got[4]);
    assert_eq!(got[0], 0.7, "rz advanced to rz_new");
    assert_eq!(got[3], 0.7, "rz_new kept");
    // Zero denominators give 0, not inf or NaN (a converged or breakdown iteration).
    let got = check_cg_scalars(&gpu, &[3.5, 0.0, 9.0], CgScalarsParams::alpha(0, 1, 2));
    assert_eq!(got[2], 0.0, "alpha with pq = 0");
    let got = check_cg_scalars(&gpu, &[0.0, -0.0, 9.0], CgScalarsParams::alpha(0, 1, 2));
    assert_eq!(got[2], 0.0, "alpha = 0 / -0");
    let got = check_cg_scalars(&gpu, &[0.0, 0.0, 0.5, 9.0], CgScalarsParams::beta(2, 0, 3));
    assert_eq!((got[3], got[0]), (0.0, 0.5), "beta with rz = 0, then rz = rz_new");
}

#[test]
fn cg_iteration_chains_on_the_gpu_without_read_back() {
    // One CG update (no preconditioner, q stands for A p) recorded into one submit; only the
    // results are read at the end.
    let n = 10_007u32;
    let (x, r, p, q) =
        (random(n as usize, 601), random(n as usize, 602), random(n as usize, 603), random(n as usize, 604));
    let gpu = gpu();
    let v = Vectors::new(&gpu, 5).unwrap();
    let buf = |name, data: &[f32]| gpu.storage(name, data).unwrap();
    let (x_buf, r_buf, p_buf, q_buf) = (buf("x", &x), buf("r", &r), buf("p", &p), buf("q", &q));
    // Slots: 0 rz, 1 pq, 2 alpha, 3 rz_new, 4 beta.
    let ops = [
        v.dot(&gpu, &r_buf, &r_buf, n, 0).unwrap(),
        v.dot(&gpu, &p_buf, &q_buf, n, 1).unwrap(),
        v.cg_scalars(&gpu, CgScalarsParams::alpha(0, 1, 2)).unwrap(),
        v.axpy(&gpu, 2, 1.0, &p_buf, &x_buf, n).unwrap(),
        v.axpy(&gpu, 2, -1.0, &q_buf, &r_buf, n).unwrap(),
        v.dot(&gpu, &r_buf, &r_buf, n, 3).unwrap(),
        v.cg_scalars(&gpu, CgScalarsParams::beta(3, 0, 4)).unwrap(),
        v.xpay(&gpu, 4, &r_buf, &p_buf, n).unwrap(),
    ];
    vector::submit(&gpu, &ops.iter().collect::<Vec<_>>()).unwrap();

    let mut s = [0.0f32; 5];
    let (mut xc, mut rc, mut pc) = (x.clone(), r.clone(), p.clone());
    s[0] = dot_cpu(&rc, &rc);
    s[1] = dot_cpu(&pc, &q);
    cg_scalars_cpu(&mut s, &CgScalarsParams::alpha(0, 1, 2));
    axpy_cpu(s[2], 1.0, &pc, &mut xc);
    axpy_cpu(s[2], -1.0, &q, &mut rc);
    s[3] = dot_cpu(&rc, &rc);
    cg_scalars_cpu(&mut s, &CgScalarsParams::beta(3, 0, 4));
    xpay_cpu(s[4], &rc, &mut pc);

    let got_s: Vec<f32> = gpu.read(v.scalars()).unwrap();
    println!("CG scalars [rz, pq, alpha, rz_new, beta]: GPU {got_s:?} CPU {s:?}");
    // The division may differ by an ulp (WGSL allows 2.5), which the vectors then carry.
    let tol = 1e-5f32;
    for (i, (g, c)) in got_s.iter().zip(s).enumerate() {
        assert!((g - c).abs() <= tol * c.abs(), "scalar slot {i}: GPU {g} CPU {c}");
    }
    for (what, b, c) in [("x", &x_buf, &xc), ("r", &r_buf, &rc), ("p", &p_buf, &pc)] {
        let g: Vec<f32> = gpu.read(b).unwrap();
        let scale = c.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let (at, d) =
            (0..c.len()).map(|i| (i, (g[i] - c[i]).abs())).fold((0, 0.0), |w, e| if e.1 > w.1 { e } else { w });
        println!("CG {what}: worst difference {d:.2e} at {at} (GPU {} CPU {}), scale {scale}", g[at], c[at]);
        assert!(d <= tol * scale, "CG {what} index {at}: GPU {} CPU {}", g[at], c[at]);
    }
}
