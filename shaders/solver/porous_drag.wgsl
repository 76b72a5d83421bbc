// Stage porous_drag: the Darcy-Forchheimer drag of a flow diverter's porous layer on the
// predicted velocity's component through the layer (a screen resists the flow through it, not
// along it), backward Euler so that any coefficient is stable and a steady state does not depend
// on dt: for each entry of the layer's cell list, with n the layer's normal and w* = u*.n, the
// new w solves w (1 + dt (darcy + forchheimer |w|)) = w*, that is w = w* / s with
// s = (c + sqrt(c^2 + 4 dt forchheimer |w*|)) / 2, c = 1 + dt darcy.
// Runs after the viscous sweeps and before the divergence, so the projection builds the
// pressure drop across the layer.
// CPU twin: hemoflow::solver::porous::PorousLayer's AddOn::apply_cpu.

#import shared/dispatch
#import shared/drag
#import shared/params

// One cell of the layer. Rust twin: hemoflow::solver::porous::PorousCell.
struct PorousCell {
    // Stored index (shared/grid `stored`).
    cell: u32,
    // Linear (Darcy) drag rate, 1/s.
    darcy: f32,
    // Quadratic (Forchheimer) drag per speed, 1/m.
    forchheimer: f32,
    // The layer's unit normal.
    normal_x: f32,
    normal_y: f32,
    normal_z: f32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> layer: array<PorousCell>;
// Predicted velocity, m/s, component-major.
@group(0) @binding(2) var<storage, read_write> u: array<f32>;

@compute @workgroup_size(CELL_WORKGROUP)
fn porous_drag(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_index(gid, nwg, CELL_WORKGROUP);
    if i >= arrayLength(&layer) {
        return;
    }
    let e = layer[i];
    let n = params.stored;
    let v = vec3<f32>(u[e.cell], u[n + e.cell], u[2u * n + e.cell]);
    let normal = vec3<f32>(e.normal_x, e.normal_y, e.normal_z);
    let w = dot(v, normal);
    let s = drag_divisor(params.dt, e.darcy, e.forchheimer, abs(w));
    let out = v + normal * (w / s - w);
    u[e.cell] = out.x;
    u[n + e.cell] = out.y;
    u[2u * n + e.cell] = out.z;
}
