// Stage speed_max: the largest |u_x| + |u_y| + |u_z| (m/s) over the cells, the speed the Courant
// number sum_i |u_i| dt / h is taken on, for the adaptive time step. It goes into the last entry
// of `out` (the caps' read-back buffer, so the host gets it with the cap values and no round
// trip of its own) as the bits of a non-negative f32, whose order as u32 is the floats' order:
// each workgroup takes its maximum with a workgroup atomic, then one atomicMax on `out`. The host
// clears the entry before the pass. A non-finite speed counts as +infinity. Solid cells hold
// zero velocity. CPU twin: hemoflow::solver::cpu::speed_max.

#import shared/dispatch
#import shared/params

@group(0) @binding(0) var<uniform> params: SolverParams;
// Velocity, m/s, component-major.
@group(0) @binding(1) var<storage, read> u: array<f32>;
// The read-back buffer; its last entry gets the maximum's bits.
@group(0) @binding(2) var<storage, read_write> out: array<atomic<u32>>;

const INFINITY_BITS: u32 = 0x7f800000u;

var<workgroup> group_max: atomic<u32>;

@compute @workgroup_size(CELL_WORKGROUP)
fn speed_max(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let id = flat_index(gid, nwg, CELL_WORKGROUP);
    let n = params.cells;
    if lid == 0u {
        atomicStore(&group_max, 0u);
    }
    workgroupBarrier();
    if id < n {
        let s = abs(u[id]) + abs(u[n + id]) + abs(u[2u * n + id]);
        // Integer tests (a float test of NaN may be optimised away): the sign bit dropped, and
        // NaN (above infinity's bits) made +infinity.
        let bits = min(bitcast<u32>(s) & 0x7fffffffu, INFINITY_BITS);
        atomicMax(&group_max, bits);
    }
    workgroupBarrier();
    if lid == 0u {
        atomicMax(&out[arrayLength(&out) - 1u], atomicLoad(&group_max));
    }
}
