// The largest of non-negative values over a dispatch, into the last entry of the importer's
// `out` (declared `var<storage, read_write> out: array<atomic<u32>>`), as the bits of a
// non-negative f32, whose order as u32 is the floats' order: each workgroup takes its maximum
// with a workgroup atomic, then one atomicMax on `out`. The host clears the entry before the
// pass. A value that is not finite counts as +infinity. Used by solver/speed_max and
// solver/velocity_change.

const INFINITY_BITS: u32 = 0x7f800000u;

var<workgroup> group_max: atomic<u32>;

// Every invocation of the workgroup calls it (it holds barriers), `valid` false for one with no
// value (past the cells).
fn maximum_into_out(lid: u32, valid: bool, value: f32) {
    if lid == 0u {
        atomicStore(&group_max, 0u);
    }
    workgroupBarrier();
    if valid {
        // Integer tests (a float test of NaN may be optimised away): the sign bit dropped, and
        // NaN (above infinity's bits) made +infinity.
        let bits = min(bitcast<u32>(value) & 0x7fffffffu, INFINITY_BITS);
        atomicMax(&group_max, bits);
    }
    workgroupBarrier();
    if lid == 0u {
        atomicMax(&out[arrayLength(&out) - 1u], atomicLoad(&group_max));
    }
}
