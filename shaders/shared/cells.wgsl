// Cell words, geometry records and solver parameters: the WGSL twin of src/solver/layout.rs
// (CellLayout accessors, SolverParams). Imports shared/grid.
//
// Binding contract: the importing shader declares, under exactly these names (any bindings):
//
//     var<uniform> params: SolverParams;
//     var<storage, read> cells: array<u32>;   // kind in bits 0-4, rank in 5-7, record + 1 in
//                                             // bits 8-31
//     var<storage, read> geom: array<f32>;    // records (Rust: layout module docs)
//
// and, through shared/grid, `neighbours`.

#import shared/boundary
#import shared/grid
#import shared/params

// Rust: layout::WALL_STRIDE and the offsets in layout::geom (the boundary part's, GEOM_BC_*, and
// the boundary types, BC_*, come from shared/boundary, generated from the Rust). `geom` holds
// the number C of records with a boundary part (as an f32), their C boundary parts, then every
// record's wall part: one value per face (the aperture of a face that opens to a fluid
// neighbour, the link across any other), then the volume fraction.
const GEOM_WALL_STRIDE: u32 = 7u;
const GEOM_FACE: u32 = 0u;
const GEOM_VOLUME: u32 = 6u;
// Rust: grid::kind::SOLID.
const KIND_SOLID: u32 = 0u;
// The cell word's bits (Rust: layout::KIND_MASK, RANK_SHIFT, RANK_MASK): its kind, and its rank
// (shared `stored_word`).
const KIND_MASK: u32 = 0x1fu;
const RANK_SHIFT: u32 = 5u;
const RANK_MASK: u32 = 0xe0u;

// Face directions -x, +x, -y, +y, -z, +z (Rust: grid::DIRECTIONS).
fn direction(d: u32) -> vec3<i32> {
    let axis = d / 2u;
    var v = vec3<i32>(0);
    v[axis] = select(-1, 1, (d & 1u) == 1u);
    return v;
}

// Rust: CellLayout::is_fluid.
fn is_fluid(id: u32) -> bool {
    return (cells[id] & KIND_MASK) != KIND_SOLID;
}

// Index of cell id's geometry record, or NO_SLOT for a regular or solid cell (0 - 1 wraps).
fn record(id: u32) -> u32 {
    return (cells[id] >> 8u) - 1u;
}

// Records with a boundary part (numbered first).
fn boundary_records() -> u32 {
    return u32(geom[0]);
}

// The number of cell id's boundary record, below boundary_records(), or NO_SLOT for a cell
// without a boundary condition: per-cap-cell values (the outlet fluxes) are kept by it (Rust:
// CellView::boundary_record).
fn boundary_record(id: u32) -> u32 {
    let r = record(id);
    return select(NO_SLOT, r, r < boundary_records());
}

// Index in `geom` of field k of the wall part of cell id's record, or NO_SLOT for a regular
// cell.
fn wall_field(id: u32, k: u32) -> u32 {
    let r = record(id);
    if r == NO_SLOT {
        return NO_SLOT;
    }
    return 1u + GEOM_BC_STRIDE * boundary_records() + GEOM_WALL_STRIDE * r + k;
}

// The value of face d of cell id's record, 1 for a regular cell (Rust: CellView::face).
fn face_value(id: u32, d: u32) -> f32 {
    let i = wall_field(id, GEOM_FACE + d);
    if i == NO_SLOT {
        return 1.0;
    }
    return geom[i];
}

// Flux weight of face d, a face that opens to a fluid neighbour (Rust: CellLayout::aperture).
fn aperture(id: u32, d: u32) -> f32 {
    return face_value(id, d);
}

// Distance to the wall along link d over h, a link to a cell that is not fluid (Rust:
// CellLayout::link).
fn link(id: u32, d: u32) -> f32 {
    return face_value(id, d);
}

// Rust: CellLayout::volume.
fn volume(id: u32) -> f32 {
    let i = wall_field(id, GEOM_VOLUME);
    if i == NO_SLOT {
        return 1.0;
    }
    return geom[i];
}

// Field k (GEOM_BC_*) of cell id's boundary record, 0 without one (Rust: CellLayout::boundary).
fn bc(id: u32, k: u32) -> f32 {
    // NO_SLOT (a regular cell) is never below the count.
    let r = record(id);
    if r >= boundary_records() {
        return 0.0;
    }
    return geom[1u + GEOM_BC_STRIDE * r + k];
}

// Vector field at k (GEOM_BC_NORMAL or GEOM_BC_VELOCITY) (Rust: CellLayout::bc3).
fn bc3(id: u32, k: u32) -> vec3<f32> {
    return vec3<f32>(bc(id, k), bc(id, k + 1u), bc(id, k + 2u));
}

// Cell id's boundary type, BC_NONE without one (Rust: BoundaryRecord::kind).
fn bc_type(id: u32) -> u32 {
    return u32(bc(id, GEOM_BC_TYPE));
}

// Flux out of cell id through its cap over h^2 (m/s) before projection: across the cap's open
// area, an inlet's imposed velocity or, at an outlet, the cell's velocity uc; 0 elsewhere
// (Rust: solver::cpu::cap_flux).
fn cap_flux(id: u32, uc: vec3<f32>) -> f32 {
    let t = bc_type(id);
    if t == BC_INLET {
        return inlet_volume_flux(id);
    }
    if t == BC_OUTLET {
        return bc(id, GEOM_BC_OPEN) * dot(uc, bc3(id, GEOM_BC_NORMAL));
    }
    return 0.0;
}

// An inlet cell's imposed volume flux out through its cap over h^2 (m/s, negative for inflow):
// open area times the imposed velocity along the outward normal; 0 in other cells
// (Rust: solver::cpu::inlet_volume_flux).
fn inlet_volume_flux(id: u32) -> f32 {
    if bc_type(id) != BC_INLET {
        return 0.0;
    }
    return bc(id, GEOM_BC_OPEN) * dot(bc3(id, GEOM_BC_VELOCITY), bc3(id, GEOM_BC_NORMAL));
}

// The fluid neighbour across face d of fluid cell id, or NO_SLOT (wall, or unallocated). A
// regular cell's (no record) are all fluid (Rust: CellLayout::from_cells): their cell words are
// not read.
fn fluid_neighbour(id: u32, d: u32) -> u32 {
    let nb = face_neighbour(id, d);
    if record(id) == NO_SLOT && is_fluid(id) {
        return nb;
    }
    if nb == NO_SLOT || !is_fluid(nb) {
        return NO_SLOT;
    }
    return nb;
}

// The stored index of cell id, whose cell word is `word`: where its values lie in the per-cell
// arrays (Rust: grid::index::stored_index, CellView::stored; for a stored cell only). Brick
// `slot` starts at sum_k min(slot, params.bricks_with[k - 1]); the cell lies there plus its
// local index where the brick is stored whole, else plus its rank (cell word bits 5-7). No
// look-up beyond the cell word.
fn stored_word(id: u32, word: u32) -> u32 {
    let slot = id / BRICK_CELLS;
    let s = vec4<u32>(slot);
    let lo = min(s, params.bricks_with[0]);
    let hi = min(s, params.bricks_with[1]);
    let base = lo.x + lo.y + lo.z + lo.w + hi.x + hi.y + hi.z + hi.w;
    let whole = slot < params.bricks_with[1].w;
    return base + select((word & RANK_MASK) >> RANK_SHIFT, id % BRICK_CELLS, whole);
}

// stored_word of cell id.
fn stored(id: u32) -> u32 {
    return stored_word(id, cells[id]);
}

// Where a fluid cell's values and its fluid neighbours' are stored (NO_SLOT where a face has no
// fluid neighbour).
struct StoredCells {
    own: u32,
    nbs: array<u32, 6>,
}

// A fluid cell's fluid neighbours across its six faces (DIRECTIONS order, as fluid_neighbour;
// NO_SLOT where none) and where it and they are stored, each cell word read once.
struct Neighbourhood {
    nbf: array<u32, 6>,
    at: StoredCells,
}

// The Neighbourhood of fluid cell id.
fn neighbourhood(id: u32) -> Neighbourhood {
    var h: Neighbourhood;
    let word = cells[id];
    h.at.own = stored_word(id, word);
    // A regular cell's neighbours are all fluid (as fluid_neighbour).
    let regular = (word >> 8u) == 0u && (word & KIND_MASK) != KIND_SOLID;
    for (var d = 0u; d < 6u; d++) {
        let nb = face_neighbour(id, d);
        var w = 0u;
        if nb != NO_SLOT {
            w = cells[nb];
        }
        let fluid = nb != NO_SLOT && (regular || (w & KIND_MASK) != KIND_SOLID);
        h.nbf[d] = select(NO_SLOT, nb, fluid);
        h.at.nbs[d] = select(NO_SLOT, stored_word(nb, w), fluid);
    }
    return h;
}
