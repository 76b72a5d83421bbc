// Stage porous_region: the isotropic Darcy-Forchheimer drag of a porous region (embolic coils
// packed in an aneurysm sac, say) on the predicted velocity, backward Euler so that any
// coefficient is stable and a steady state does not depend on dt: for each entry of the
// region's cell list, the new u solves u (1 + dt (darcy + forchheimer |u|)) = u*, that is
// u = u* / s with s = (c + sqrt(c^2 + 4 dt forchheimer |u*|)) / 2, c = 1 + dt darcy. An add-on:
// runs after the viscous sweeps and before the divergence, so the projection builds the
// pressure drop across the region.
// CPU twin: hemoflow::solver::porous_region::PorousRegion's AddOn::apply_cpu.

#import shared/dispatch
#import shared/drag
#import shared/params

// One cell of the region. Rust twin: hemoflow::solver::porous_region::RegionCell.
struct RegionCell {
    // Stored index (shared/grid `stored`).
    cell: u32,
    // Linear (Darcy) drag rate nu / K, 1/s.
    darcy: f32,
    // Quadratic (Forchheimer) drag per speed, 1/m.
    forchheimer: f32,
    _pad0: u32,
}

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> region: array<RegionCell>;
// Predicted velocity, m/s, component-major.
@group(0) @binding(2) var<storage, read_write> u: array<f32>;

@compute @workgroup_size(CELL_WORKGROUP)
fn porous_region(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat_index(gid, nwg, CELL_WORKGROUP);
    if i >= arrayLength(&region) {
        return;
    }
    let e = region[i];
    let n = params.stored;
    let v = vec3<f32>(u[e.cell], u[n + e.cell], u[2u * n + e.cell]);
    let s = drag_divisor(params.dt, e.darcy, e.forchheimer, length(v));
    let out = v / s;
    u[e.cell] = out.x;
    u[n + e.cell] = out.y;
    u[2u * n + e.cell] = out.z;
}
