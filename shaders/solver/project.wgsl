// Stage project: u = u* - dt grad(dp) at the fluid cells' centres, dp the pressure increment of
// this step (incremental projection: the predictor already holds the last step's pressure
// gradient), with the gradient of shared/gradient and dp = 0 across pressure outlets (their
// pressure is in the predictor's gradient). dp kinematic (m^2/s^2), u in m/s. Also finishes each outlet cell's
// projected volume flux out through the cap over h^2 (from `divergence`, + dt c dp / h, m/s; 0
// elsewhere): the flux the pressure equation balanced, so the outlets' sum equals the inflow to
// the solver tolerance; and adds dp to the pressure. What the step started from, u^n and p^n,
// goes where u* and the pressure's copy were (each cell its own entries), so that the step can be
// taken back (GpuSolver::undo) without copies of its own. CPU twin: hemoflow::solver::cpu::project.

#import shared/dispatch
#import shared/gradient

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
// Pressure increment, kinematic, m^2/s^2.
@group(0) @binding(4) var<storage, read> p: array<f32>;
// Predicted velocity u* in, u^n out, m/s, component-major.
@group(0) @binding(5) var<storage, read_write> u_star: array<f32>;
// Velocity u^n in, the projected velocity out, m/s, component-major.
@group(0) @binding(6) var<storage, read_write> u: array<f32>;
// Outlet flux over h^2, m/s, per boundary record (shared/cells boundary_record): before the
// increment in, projected out.
@group(0) @binding(7) var<storage, read_write> outflow: array<f32>;
// Kinematic pressure, m^2/s^2: p^n in, p^n + dp out.
@group(0) @binding(8) var<storage, read_write> pressure: array<f32>;
// p^n out, m^2/s^2.
@group(0) @binding(9) var<storage, read_write> pressure_before: array<f32>;

@compute @workgroup_size(CELL_WORKGROUP)
fn project(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = flat_index(gid, nwg, CELL_WORKGROUP);
    if id >= params.cells || !is_fluid(id) {
        return;
    }
    let at = neighbourhood(id).at;
    let i = at.own;
    let before = pressure[i];
    pressure_before[i] = before;
    pressure[i] = before + p[i];
    let n = params.stored;
    let r = boundary_record(id);
    if r != NO_SLOT {
        outflow[r] += params.dt * bc(id, GEOM_BC_COEFFICIENT) * p[i] / params.h;
    }
    let grad = pressure_gradient_of(id, 0.0, at);
    for (var axis = 0u; axis < 3u; axis++) {
        let k = axis * n + i;
        let projected = u_star[k] - params.dt * grad[axis];
        u_star[k] = u[k];
        u[k] = projected;
    }
}
