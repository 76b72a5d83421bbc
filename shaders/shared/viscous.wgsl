// The viscous operator's Shortley-Weller stencil of a fluid cell (Rust twin:
// hemoflow::solver::cpu::viscous_stencil). Along
// each axis the two sides sit at their true distance: a fluid neighbour at h, a wall at
// link * h. Each side of the 1-D second difference gets
// coef = nu_f * 2 / (dist * (dist_minus + dist_plus) * h^2) (1/s), nu_f the face's kinematic
// viscosity: params.nu for a Newtonian fluid, else the mean of the two cells' (a wall side: the
// cell's) from the `viscosity` array. A side is
//   FLUID  (the neighbour's value),
//   WALL   (no-slip: value 0, or the cap's velocity at an inlet or a moving wall: `moving`),
//   SKIP   (an outlet: zero normal gradient, no term).
// Imports shared/cells (and its binding contract); besides, the importing shader declares
//
//     var<storage, read> viscosity: array<f32>;   // m^2/s per cell (read when params.rheology != 0)
//
// (`solver/shear_viscosity`, which writes it, declares it read_write and calls only
// stencil_geometry).

#import shared/cells
#import shared/rheology

const SIDE_FLUID: u32 = 0u;
const SIDE_WALL: u32 = 1u;
const SIDE_SKIP: u32 = 2u;

struct Stencil {
    // Per face direction (DIRECTIONS order): the fluid neighbour (or NO_SLOT), the coefficient,
    // the kind of side, whether a wall side carries the cap's velocity, and the side's
    // distance over h.
    nb: array<u32, 6>,
    coef: array<f32, 6>,
    side: array<u32, 6>,
    moving: array<bool, 6>,
    dist: array<f32, 6>,
}

// The stencil of cell id, whose fluid neighbours (shared/cells neighbourhood) are nbs, with
// each coefficient times its face's viscosity.
fn viscous_stencil(id: u32, nbs: array<u32, 6>) -> Stencil {
    var s = stencil_geometry(id, nbs);
    let nu = cell_viscosity(id);
    for (var d = 0u; d < 6u; d++) {
        var nu_face = nu;
        if s.side[d] == SIDE_FLUID {
            nu_face = 0.5 * (nu + cell_viscosity(s.nb[d]));
        }
        s.coef[d] *= nu_face;
    }
    return s;
}

// Kinematic viscosity of cell id, m^2/s.
fn cell_viscosity(id: u32) -> f32 {
    if params.rheology == RHEOLOGY_NEWTONIAN {
        return params.nu;
    }
    return viscosity[stored(id)];
}

// The stencil's sides, distances and geometric coefficients 2 / (dist * sum * h^2) (1/m^2).
fn stencil_geometry(id: u32, nbs: array<u32, 6>) -> Stencil {
    var s: Stencil;
    let bc_kind = bc_type(id);
    let cap_sides = u32(bc(id, GEOM_BC_CAP_SIDES));
    let h2 = params.h * params.h;
    for (var axis = 0u; axis < 3u; axis++) {
        var dist = vec2<f32>(1.0, 1.0);
        for (var side = 0u; side < 2u; side++) {
            let d = 2u * axis + side;
            let nb = nbs[d];
            s.nb[d] = NO_SLOT;
            s.moving[d] = false;
            if nb != NO_SLOT {
                s.nb[d] = nb;
                s.side[d] = SIDE_FLUID;
            } else {
                let l = link(id, d);
                dist[side] = select(0.5, l, l < 1.0);
                s.side[d] = SIDE_WALL;
                if bc_kind != BC_NONE && (cap_sides & (1u << d)) != 0u {
                    if bc_kind == BC_OUTLET {
                        s.side[d] = SIDE_SKIP;
                    } else {
                        s.moving[d] = true;
                    }
                }
            }
        }
        let sum = dist.x + dist.y;
        for (var side = 0u; side < 2u; side++) {
            s.coef[2u * axis + side] = 2.0 / (dist[side] * sum * h2);
            s.dist[2u * axis + side] = dist[side];
        }
    }
    return s;
}
