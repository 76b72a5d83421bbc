// Stage time_average: adds this step's velocity and pressure times dt to their running time
// integrals (the cycle averages are these over the cycle's length): mean[c n + i] += dt u_c and
// mean[3 n + i] += dt p over the stored cells i < n = params.stored. CPU twin: hemoflow::solver::cpu::time_average.

#import shared/dispatch
#import shared/params

@group(0) @binding(0) var<uniform> params: SolverParams;
// Velocity, m/s, component-major.
@group(0) @binding(1) var<storage, read> u: array<f32>;
// Kinematic pressure, m^2/s^2.
@group(0) @binding(2) var<storage, read> p: array<f32>;
// 4 n values: the integrals of u (m) and of p (m^2/s).
@group(0) @binding(3) var<storage, read_write> mean: array<f32>;

@compute @workgroup_size(CELL_WORKGROUP)
fn time_average(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = flat_index(gid, nwg, CELL_WORKGROUP);
    let n = params.stored;
    if id >= n {
        return;
    }
    for (var c = 0u; c < 3u; c++) {
        mean[c * n + id] += params.dt * u[c * n + id];
    }
    mean[3u * n + id] += params.dt * p[id];
}
