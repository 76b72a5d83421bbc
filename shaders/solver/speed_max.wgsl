// Stage speed_max: the largest |u_x| + |u_y| + |u_z| (m/s) over the cells, the speed the Courant
// number sum_i |u_i| dt / h is taken on, for the adaptive time step. It goes into the last entry
// of `out` (the start of the step's read-back buffer, so the host gets it with the cap values)
// by shared/maximum. Over the stored cells (the runs' tail holds zero). CPU twin: hemoflow::solver::cpu::speed_max.

#import shared/dispatch
#import shared/params
#import shared/maximum

@group(0) @binding(0) var<uniform> params: SolverParams;
// Velocity, m/s, component-major.
@group(0) @binding(1) var<storage, read> u: array<f32>;
// Part of the read-back buffer; its last entry gets the maximum's bits.
@group(0) @binding(2) var<storage, read_write> out: array<atomic<u32>>;

@compute @workgroup_size(CELL_WORKGROUP)
fn speed_max(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let id = flat_index(gid, nwg, CELL_WORKGROUP);
    let n = params.stored;
    var s = 0.0;
    if id < n {
        s = abs(u[id]) + abs(u[n + id]) + abs(u[2u * n + id]);
    }
    maximum_into_out(lid, id < n, s);
}
