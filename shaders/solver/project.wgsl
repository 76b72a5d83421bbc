// Stage project: u -= dt grad p at the cell centres, each component the aperture-weighted mean
// of the face gradients (p_nb - p) / h through the cell's two faces along that axis that open
// to fluid (a wall face has no weight; no open face, no gradient), and at a pressure outlet the
// gradient towards the cap's imposed pressure, weighted by the cap's open area along the axis.
// p kinematic (m^2/s^2), u in m/s. Also writes, for outlet cells, the projected volume flux out
// through the cap over h^2 (open (u*.n) + dt c (p - p_out) / h, m/s; 0 elsewhere): the flux the
// pressure equation balanced, so the outlets' sum equals the inflow to the solver tolerance.
// CPU twin: hemoflow::solver::cpu::project.

#import shared/cells

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
@group(0) @binding(4) var<storage, read> p: array<f32>;
// Velocity, m/s, component-major (updated in place).
@group(0) @binding(5) var<storage, read_write> u: array<f32>;
// Projected outlet flux over h^2, m/s.
@group(0) @binding(6) var<storage, read_write> outflow: array<f32>;

@compute @workgroup_size(64)
fn project(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = gid.x + gid.y * nwg.x * 64u;
    if id >= params.cells {
        return;
    }
    outflow[id] = 0.0;
    if !is_fluid(id) {
        return;
    }
    let c_out = bc(id, GEOM_BC_COEFFICIENT);
    let n_out = bc3(id, GEOM_BC_NORMAL);
    if c_out > 0.0 {
        let us = vec3<f32>(u[id], u[params.cells + id], u[2u * params.cells + id]);
        // The face velocity towards the cap, corrected by the pressure gradient across it.
        let drop = p[id] - bc(id, GEOM_BC_PRESSURE);
        outflow[id] = bc(id, GEOM_BC_OPEN) * dot(us, n_out) + params.dt * c_out * drop / params.h;
    }
    for (var axis = 0u; axis < 3u; axis++) {
        var g = 0.0;
        var w = 0.0;
        if c_out > 0.0 {
            let na = n_out[axis];
            g += abs(na) * na * c_out * (bc(id, GEOM_BC_PRESSURE) - p[id]) / params.h;
            w += bc(id, GEOM_BC_OPEN) * abs(na);
        }
        for (var side = 0u; side < 2u; side++) {
            let d = 2u * axis + side;
            let nb = fluid_neighbour(id, d);
            if nb == NO_SLOT {
                continue;
            }
            let side_sign = select(-1.0, 1.0, side == 1u);
            let a = aperture(id, d);
            g += a * side_sign * (p[nb] - p[id]) / params.h;
            w += a;
        }
        if w > 0.0 {
            u[axis * params.cells + id] -= params.dt * g / w;
        }
    }
}
