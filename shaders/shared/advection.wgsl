// Advective volume fluxes from the current velocity and the advective differences along each
// axis (momentum, viscous_sweep; Rust twins in hemoflow::solver::cpu). The importing stage
// declares `u`: the velocity, m/s, component-major.

#import shared/cells
#import shared/viscous

// Advective updates divide by at least this fraction of a cell's volume, so a sliver cut cell
// does not set the time step (Rust: solver::cpu::ADVECTION_MIN_VOLUME).
const ADVECTION_MIN_VOLUME: f32 = 0.5;

// Volume flux out of cell id through its face d towards its fluid neighbour there, over h^2
// (m/s): the mean of the two centres' normal velocity (stored at i and j) times the face's wetted
// aperture.
fn face_volume_flux(id: u32, d: u32, i: u32, j: u32) -> f32 {
    let axis = d / 2u;
    let n = params.stored;
    let side_sign = select(-1.0, 1.0, (d & 1u) == 1u);
    return side_sign * aperture(id, d) * 0.5 * (u[axis * n + i] + u[axis * n + j]);
}

// Advective differences take a side that carries a velocity (an inlet's cap, a moving wall)
// nearer than this (over h) as this far, so that a sliver cell does not set the time step (an
// inlet's velocity right across its cap would) (Rust: solver::cpu::ADVECTION_MIN_DISTANCE).
const ADVECTION_MIN_DISTANCE: f32 = 0.5;
// A no-slip wall takes its own distance, at least this (Rust: ADVECTION_MIN_WALL_DISTANCE): a
// cell's velocity there is about the wall's shear rate times its distance, so the difference
// (u - 0) / distance stays near the shear rate and sets no time step. Taken as 0.5 h away, the
// wall left the exact Hagen-Poiseuille profile a net advective force along an oblique pipe of
// 12% of its pressure force at Re 500 and D/h 10 (0.07% at its own distance).
const ADVECTION_MIN_WALL_DISTANCE: f32 = 0.1;

// Along one axis, the advective difference as weights (1/m) on the cell's own value, three
// cells' values (upwind, downwind, behind the upwind one; the cell itself where unused, with
// weight 0; by their stored indices) and the moving sides' velocity: built once per axis from the
// stencil, applied to the three components (dynamic indexing of the stencil per component took
// half the stage's time on lavapipe). `near` is the own weight of a difference through a wall or cap at its distance (0
// for the differences between cells): up to 10 / h next to a no-slip wall, which the implicit
// mode takes implicitly (near_wall_rate).
struct AxisDifference {
    cells: vec3<u32>,
    weights: vec3<f32>,
    own: f32,
    wall: f32,
    near: f32,
}

// Along `axis`, the derivative of v = u_eval at fluid cell id for a flow of velocity component w
// along the axis:
// - both sides fluid and a fluid cell behind the upwind neighbour: third-order upwind-biased,
//   (2 v_D + 3 v_C - 6 v_U + v_UU) / 6h;
// - else the upwind side fluid with a cell behind it: second-order upwind,
//   (3 v_C - 4 v_U + v_UU) / 2h;
// - else centred through the two sides at their distances (a fluid cell at h, a wall's value at
//   its link distance, at least ADVECTION_MIN_WALL_DISTANCE, a cap's or moving wall's at least
//   ADVECTION_MIN_DISTANCE; an outlet: zero gradient, a mirror
//   value at h), where the downwind side is at least as far as the upwind one and the upwind
//   side is not an inlet's (or a moving wall's) cap, nor an outlet's;
// - else first-order upwind from the upwind side (from an outlet's mirror value: no gradient).
// All but the last are exact for quadratic profiles (first-order upwinding in every near-wall
// cell raised an oblique pipe's pressure gradient by 15% at Re 100), and none has a growing
// diagonal (the centred difference with the downwind side nearer would). Across an inlet's cap
// the centred difference grew at Re 500; first-order upwind from the imposed velocity is stable.
// Where flow comes back in through an outlet, the centred difference through its mirror value
// is a downwind one, which grew in the outlet's cut cells at Re 500.
// The cells come as their stored indices: the cell's and its neighbours' along the axis from
// `at` (shared/cells neighbourhood), the one behind the upwind neighbour's by shared/cells
// stored.
fn axis_difference(id: u32, axis: u32, w: f32, st: Stencil, at: StoredCells) -> AxisDifference {
    var out = axis_difference_of_cells(id, axis, w, st);
    let c = out.cells;
    let lo = 2u * axis;
    let hi = lo + 1u;
    let x = select(select(at.own, at.nbs[hi], c.x == st.nb[hi]), at.nbs[lo], c.x == st.nb[lo]);
    let y = select(select(at.own, at.nbs[hi], c.y == st.nb[hi]), at.nbs[lo], c.y == st.nb[lo]);
    out.cells = vec3<u32>(x, y, stored(c.z));
    return out;
}

// axis_difference with the cells' storage ids.
fn axis_difference_of_cells(id: u32, axis: u32, w: f32, st: Stencil) -> AxisDifference {
    // The upwind and downwind sides by select between the axis's two (constant indices: an
    // index that varies per cell into the stencil's arrays is slow on lavapipe).
    let forward = w >= 0.0;
    let lo = 2u * axis;
    let hi = lo + 1u;
    let up = select(hi, lo, forward);
    let side_up = select(st.side[hi], st.side[lo], forward);
    let side_down = select(st.side[lo], st.side[hi], forward);
    let nb_up = select(st.nb[hi], st.nb[lo], forward);
    let nb_down = select(st.nb[lo], st.nb[hi], forward);
    let scale = select(-1.0, 1.0, forward) / params.h;
    var out = AxisDifference(vec3<u32>(id), vec3<f32>(0.0), 0.0, 0.0, 0.0);
    if side_up == SIDE_FLUID {
        let behind = fluid_neighbour(nb_up, up);
        if behind != NO_SLOT {
            if side_down == SIDE_FLUID {
                out.cells = vec3<u32>(nb_up, nb_down, behind);
                out.own = 0.5 * scale;
                out.weights = vec3<f32>(-1.0, 1.0 / 3.0, 1.0 / 6.0) * scale;
            } else {
                out.cells = vec3<u32>(nb_up, id, behind);
                out.own = 1.5 * scale;
                out.weights = vec3<f32>(-2.0, 0.0, 0.5) * scale;
            }
            return out;
        }
    }
    let moving_up = select(st.moving[hi], st.moving[lo], forward);
    let moving_down = select(st.moving[lo], st.moving[hi], forward);
    let dist_up = select(st.dist[hi], st.dist[lo], forward);
    let dist_down = select(st.dist[lo], st.dist[hi], forward);
    let min_up = select(ADVECTION_MIN_WALL_DISTANCE, ADVECTION_MIN_DISTANCE, moving_up);
    let min_down = select(ADVECTION_MIN_WALL_DISTANCE, ADVECTION_MIN_DISTANCE, moving_down);
    let a = select(1.0, max(dist_up, min_up), side_up == SIDE_WALL);
    let b = select(1.0, max(dist_down, min_down), side_down == SIDE_WALL);
    var w_up: f32;
    var w_down = 0.0;
    if b < a || (side_up == SIDE_WALL && moving_up) || side_up == SIDE_SKIP {
        out.own = scale / a;
        w_up = -scale / a;
    } else {
        out.own = scale * (b * b - a * a) / (a * b * (a + b));
        w_up = -scale * b / (a * (a + b));
        w_down = scale * a / (b * (a + b));
    }
    // Each side's weight goes to its fluid cell, a moving wall's velocity, or (an outlet's
    // mirror value) the cell's own.
    if side_up == SIDE_FLUID {
        out.cells.x = nb_up;
        out.weights.x = w_up;
    } else if side_up == SIDE_WALL {
        out.wall += select(0.0, w_up, moving_up);
    } else {
        out.own += w_up;
    }
    if side_down == SIDE_FLUID {
        out.cells.y = nb_down;
        out.weights.y = w_down;
    } else if side_down == SIDE_WALL {
        out.wall += select(0.0, w_down, moving_down);
    } else {
        out.own += w_down;
    }
    out.near = out.own;
    return out;
}

// The rate (1/s) at which the differences through walls and caps at their distance (`near`)
// take the cell's own value for a flow of velocity v: the implicit mode's momentum pass adds it
// times u^n to the tendency and viscous_sweep to its diagonal, so it is implicit where the
// first-order upwind operator on the face fluxes is not stiff enough (a wall 0.1 h away), and
// a steady state is unchanged.
fn near_wall_rate(v: vec3<f32>, dx: AxisDifference, dy: AxisDifference, dz: AxisDifference) -> f32 {
    return max(v.x * dx.near, 0.0) + max(v.y * dy.near, 0.0) + max(v.z * dz.near, 0.0);
}
