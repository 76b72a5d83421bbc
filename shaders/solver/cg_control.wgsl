// Stage cg_control (one invocation): the pressure solve's decisions on the GPU, after CG's
// start (mode 0), after each iteration (mode 1) and after the check of the divergence the
// projection will leave (mode 2). Reads CG's scalars, writes the control's state into them and
// opens or closes two gates: gate 1 (the next iteration's dispatches) and gate 2 (what follows
// the solve), as indirect dispatch arguments: gate k's section of `args` is a copy of section 0
// (every registered workgroup grid, 3 words each) when open, x = 0 when closed. Modes:
//   start:   scale = max(|f|, floor); relative = |r| / scale; iterate while above tolerance
//            (or before the step's first iteration: it starts from the last step's increment)
//            and below the maximum of iterations;
//   iterate: (recorded ungated, as it writes the gates) nothing once CG has stopped (iterating
//            0); else iterations += 1, then as start;
//   check:   divergence = |f - M dp| / scale; if CG stopped by its own test (not by the
//            host's budget: iterating still 1), done when the divergence is within the
//            tolerance, the iterations ran out, it did not halve since the last check, or it is
//            not a number; otherwise last = divergence (the host restarts CG). Gate 1 stays as
//            it was, gate 2 opens when done.
// CPU twin and the host side: hemoflow::solver::cg_control (its module docs).

// Rust twin: hemoflow::solver::cg_control::CgControlParams.
struct CgControlParams {
    mode: u32,
    max_iterations: u32,
    tolerance: f32,
    floor: f32,
    slots: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

// Scalar slots (Rust: hemoflow::solver::cg_control::slot).
const FF: u32 = 6u;
const RR: u32 = 5u;
const EE: u32 = 7u;
const ITERATIONS: u32 = 9u;
const SCALE: u32 = 10u;
const RELATIVE: u32 = 11u;
const DIVERGENCE: u32 = 12u;
const LAST: u32 = 13u;
const DONE: u32 = 14u;
const ITERATING: u32 = 15u;
// Rust: hemoflow::gpu::gate::MAX_GATE_SLOTS.
const MAX_GATE_SLOTS: u32 = 64u;
// The largest finite f32.
const F32_MAX: f32 = 3.40282347e38;

@group(0) @binding(0) var<uniform> params: CgControlParams;
@group(0) @binding(1) var<storage, read_write> scalars: array<f32>;
@group(0) @binding(2) var<storage, read_write> args: array<u32>;

@compute @workgroup_size(1)
fn cg_control(@builtin(global_invocation_id) gid: vec3<u32>) {
    if gid.x != 0u || (params.mode == 1u && scalars[ITERATING] == 0.0) {
        return;
    }
    var iterate = false;
    var finish = false;
    if params.mode != 2u {
        if params.mode == 0u {
            scalars[SCALE] = max(sqrt(abs(scalars[FF])), params.floor);
        } else {
            scalars[ITERATIONS] = scalars[ITERATIONS] + 1.0;
        }
        let relative = sqrt(abs(scalars[RR])) / scalars[SCALE];
        scalars[RELATIVE] = relative;
        // A step's first start takes one iteration at least.
        let first = scalars[ITERATIONS] == 0.0;
        iterate = (relative > params.tolerance || first) && scalars[ITERATIONS] < f32(params.max_iterations);
    } else {
        let divergence = sqrt(abs(scalars[EE])) / scalars[SCALE];
        scalars[DIVERGENCE] = divergence;
        let stopped_short = scalars[ITERATING] != 0.0;
        // Not a number, or infinite.
        let finite = divergence == divergence && divergence <= F32_MAX;
        let done = !stopped_short
            && (divergence <= params.tolerance || scalars[ITERATIONS] >= f32(params.max_iterations)
                || divergence > 0.5 * scalars[LAST] || !finite);
        if !done && !stopped_short {
            scalars[LAST] = divergence;
        }
        scalars[DONE] = select(0.0, 1.0, done);
        iterate = stopped_short;
        finish = done;
    }
    scalars[ITERATING] = select(0.0, 1.0, iterate);
    let n = params.slots;
    for (var k = 0u; k < MAX_GATE_SLOTS; k++) {
        if k >= n {
            break;
        }
        args[3u * (n + k)] = select(0u, args[3u * k], iterate);
        args[3u * (n + k) + 1u] = args[3u * k + 1u];
        args[3u * (n + k) + 2u] = 1u;
        args[3u * (2u * n + k)] = select(0u, args[3u * k], finish);
        args[3u * (2u * n + k) + 1u] = args[3u * k + 1u];
        args[3u * (2u * n + k) + 2u] = 1u;
    }
}
