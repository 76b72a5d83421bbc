// Stage shear_viscosity: the apparent kinematic viscosity of each fluid cell (m^2/s; 0 in solid
// cells) from its shear rate gamma = sqrt(2 S:S) (1/s), S the strain rate of the velocity u
// (m/s), for a non-Newtonian fluid (shared/viscous apparent_viscosity). The velocity gradient
// along each axis is the second-order difference through the cell and its two stencil sides
// (shared/viscous) at their true distances: a fluid neighbour's value at h, a wall's velocity
// (0, or an inlet's or moving wall's) at link * h, an outlet side the cell's own value (zero
// normal gradient). Run once a step, before momentum; the step's viscous terms use it.
// CPU twin: hemoflow::solver::cpu::shear_viscosity.

#import shared/dispatch
#import shared/viscous

@group(0) @binding(0) var<uniform> params: SolverParams;
@group(0) @binding(1) var<storage, read> neighbours: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> geom: array<f32>;
// Velocity, m/s, component-major.
@group(0) @binding(4) var<storage, read> u: array<f32>;
// Kinematic viscosity per cell, m^2/s.
@group(0) @binding(5) var<storage, read_write> viscosity: array<f32>;

@compute @workgroup_size(CELL_WORKGROUP)
fn shear_viscosity(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let id = flat_index(gid, nwg, CELL_WORKGROUP);
    if id >= params.cells || !is_fluid(id) {
        return;
    }
    let n = params.stored;
    let hood = neighbourhood(id);
    let nbf = hood.nbf;
    let st = stencil_geometry(id, nbf);
    let at = hood.at;
    let i = at.own;
    let wall = bc3(id, GEOM_BC_VELOCITY);
    // g[a][c] = d u_c / d x_a.
    var g: array<vec3<f32>, 3>;
    for (var a = 0u; a < 3u; a++) {
        let lo = 2u * a;
        let hi = 2u * a + 1u;
        let dm = st.dist[lo];
        let dp = st.dist[hi];
        for (var c = 0u; c < 3u; c++) {
            let uc = u[c * n + i];
            let um = side_value(st, at, lo, c, uc, wall);
            let up = side_value(st, at, hi, c, uc, wall);
            g[a][c] = (dm * dm * (up - uc) + dp * dp * (uc - um)) / (dm * dp * (dm + dp) * params.h);
        }
    }
    var ss = 0.0;
    for (var a = 0u; a < 3u; a++) {
        for (var b = 0u; b < 3u; b++) {
            let s = 0.5 * (g[a][b] + g[b][a]);
            ss += s * s;
        }
    }
    viscosity[i] = apparent_viscosity(sqrt(2.0 * ss));
}

// Component c of the velocity at side d of the stencil st (at: where the cell's fluid sides are
// stored; uc the cell's, wall the cap's).
fn side_value(st: Stencil, at: StoredCells, d: u32, c: u32, uc: f32, wall: vec3<f32>) -> f32 {
    if st.side[d] == SIDE_FLUID {
        return u[c * params.stored + at.nbs[d]];
    }
    if st.side[d] == SIDE_WALL {
        return select(0.0, wall[c], st.moving[d]);
    }
    return uc;
}
