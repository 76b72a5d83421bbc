// Sparse brick grid indexing: the WGSL twin of src/grid/index.rs (keep the two in step;
// tests/gpu_grid_index.rs runs this module on the GPU against the Rust one). Every kernel
// reaches cells through these functions; no other shader code does index arithmetic.
//
// The bounding grid is tiled by bricks of BRICK^3 cells; only allocated bricks get a slot. A
// cell's storage id is `slot * BRICK_CELLS + local` with `local = lx + BRICK * (ly + BRICK * lz)`.
// Each slot has NEIGHBOURS (27) neighbouring slots, itself at the centre, NO_SLOT where that
// brick is not allocated (or lies outside the bounding grid).
//
// Binding contract: WGSL functions cannot take buffers, so `neighbour` reads a module-scope
// variable that the IMPORTING shader declares, under exactly this name (any group/binding):
//
//     @group(0) @binding(N) var<storage, read> neighbours: array<u32>;
//
// holding 27 u32 per slot, entry `slot * NEIGHBOURS + neighbour_entry(d)` (Rust:
// `Bricks::neighbours` flattened). A shader that imports this module without declaring it fails
// naga validation ("no definition in scope for identifier: `neighbours`").

// Cells along each edge of a brick (Rust: grid::index::BRICK).
const BRICK: u32 = 4u;
// Cells in a brick (Rust: BRICK_CELLS).
const BRICK_CELLS: u32 = BRICK * BRICK * BRICK;
// Marks a brick (or cell) that is not allocated (Rust: NO_SLOT = u32::MAX).
const NO_SLOT: u32 = 0xffffffffu;
// Neighbour table entries per slot (Rust: NEIGHBOURS).
const NEIGHBOURS: u32 = 27u;

// Position of a cell inside its brick (Rust: local_index).
fn local_index(l: vec3<u32>) -> u32 {
    return l.x + BRICK * (l.y + BRICK * l.z);
}

// Inverse of local_index (Rust: local_coords).
fn local_coords(local: u32) -> vec3<u32> {
    return vec3<u32>(local % BRICK, (local / BRICK) % BRICK, local / (BRICK * BRICK));
}

// Entry of the neighbour table for brick offset d, each component in -1..=1 (Rust: neighbour_entry).
fn neighbour_entry(d: vec3<i32>) -> u32 {
    return u32((d.z + 1) * 9 + (d.y + 1) * 3 + (d.x + 1));
}

// Storage id of the cell d cells away from cell id (each |d| at most BRICK), or NO_SLOT when that
// cell's brick is not allocated (Rust: Bricks::neighbour, None -> NO_SLOT). One table look-up.
fn neighbour(id: u32, d: vec3<i32>) -> u32 {
    let slot = id / BRICK_CELLS;
    let x = vec3<i32>(local_coords(id % BRICK_CELLS)) + d;
    // Euclidean division by BRICK (WGSL's `/` and `%` truncate toward zero).
    let b = vec3<i32>(i32(BRICK));
    let r = (x % b + b) % b;
    let brick_offset = (x - r) / b;
    let nslot = neighbours[slot * NEIGHBOURS + neighbour_entry(brick_offset)];
    if nslot == NO_SLOT {
        return NO_SLOT;
    }
    return nslot * BRICK_CELLS + local_index(vec3<u32>(r));
}
