// Stage velocity_change: the largest |u_x - v_x| + |u_y - v_y| + |u_z - v_z| (m/s) over the
// cells, for the velocity u after a step and v before it: the steady mode's velocity residual.
// Into the last entry of `out` (part of the step's read-back buffer) by shared/maximum. CPU
// twin: hemoflow::solver::cpu::velocity_change.

#import shared/dispatch
#import shared/params
#import shared/maximum

@group(0) @binding(0) var<uniform> params: SolverParams;
// Velocity after the step and before it, m/s, component-major.
@group(0) @binding(1) var<storage, read> u: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
// Part of the read-back buffer; its last entry gets the maximum's bits.
@group(0) @binding(3) var<storage, read_write> out: array<atomic<u32>>;

@compute @workgroup_size(CELL_WORKGROUP)
fn velocity_change(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let id = flat_index(gid, nwg, CELL_WORKGROUP);
    let n = params.stored;
    var s = 0.0;
    if id < n {
        s = abs(u[id] - v[id]) + abs(u[n + id] - v[n + id]) + abs(u[2u * n + id] - v[2u * n + id]);
    }
    maximum_into_out(lid, id < n, s);
}
