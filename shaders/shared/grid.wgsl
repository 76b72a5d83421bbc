// Sparse brick grid indexing: the WGSL twin of src/grid/index.rs (keep the two in step;
// tests/gpu_grid_index.rs runs this module on the GPU against the Rust one). Every kernel
// reaches cells through these functions; no other shader code does index arithmetic.
//
// The bounding grid is tiled by bricks of BRICK^3 cells; only allocated bricks get a slot. A
// cell's storage id is `slot * BRICK_CELLS + local` with `local = lx + BRICK * (ly + BRICK * lz)`.
// The kernels step across faces only: each slot has FACE_SLOTS (6) neighbouring slots, the
// bricks across its faces in the order -x, +x, -y, +y, -z, +z, NO_SLOT where that brick is not
// allocated (or lies outside the bounding grid).
//
// Binding contract: WGSL functions cannot take buffers, so `face_neighbour` reads a
// module-scope variable that the IMPORTING shader declares, under exactly this name (any
// group/binding):
//
//     @group(0) @binding(N) var<storage, read> neighbours: array<u32>;
//
// holding 6 u32 per slot, entry `slot * FACE_SLOTS + d` (Rust: `Bricks::face_table`). A shader
// that imports this module without declaring it fails naga validation ("no definition in scope
// for identifier: `neighbours`").

// Cells along each edge of a brick (Rust: grid::index::BRICK), and its log2.
const BRICK: u32 = 2u;
const BRICK_BITS: u32 = 1u;
// Cells in a brick (Rust: BRICK_CELLS).
const BRICK_CELLS: u32 = BRICK * BRICK * BRICK;
// Marks a brick (or cell) that is not allocated (Rust: NO_SLOT = u32::MAX).
const NO_SLOT: u32 = 0xffffffffu;
// Neighbour table entries per slot (Rust: FACE_SLOTS).
const FACE_SLOTS: u32 = 6u;
// Cells in the unit the solver's grids allocate in, a multiple of BRICK_CELLS (Rust:
// ALIGN_CELLS).
const ALIGN_CELLS: u32 = 64u;

// Position of a cell inside its brick (Rust: local_index).
fn local_index(l: vec3<u32>) -> u32 {
    return l.x + BRICK * (l.y + BRICK * l.z);
}

// Inverse of local_index (Rust: local_coords).
fn local_coords(local: u32) -> vec3<u32> {
    return vec3<u32>(local % BRICK, (local / BRICK) % BRICK, local / (BRICK * BRICK));
}

// Storage id of the t-th cell of colour `colour` (the parity of its x + y + z), t < cells / 2:
// brick t / (BRICK_CELLS / 2), then BRICK / 2 cells of the colour in each of the brick's rows
// along x (Rust: coloured_cell). A brick's edge is even, so a cell's colour is its local
// coordinates'.
fn coloured_cell(t: u32, colour: u32) -> u32 {
    let q = t % (BRICK_CELLS / 2u);
    let row = q / (BRICK / 2u);
    let ly = row % BRICK;
    let lz = row / BRICK;
    let lx = 2u * (q % (BRICK / 2u)) + ((ly + lz + colour) & 1u);
    return (t / (BRICK_CELLS / 2u)) * BRICK_CELLS + local_index(vec3<u32>(lx, ly, lz));
}

// Octant (bit 0: x, bit 1: y, bit 2: z) of brick coordinates b inside the brick of the next
// coarser level that covers it (Rust: brick_octant).
fn brick_octant(b: vec3<u32>) -> u32 {
    return (b.x & 1u) | ((b.y & 1u) << 1u) | ((b.z & 1u) << 2u);
}

// Storage id of the cell of the next coarser level that holds cell id, from the parent entry of
// id's brick, coarse slot * 8 + octant (Rust: parent_cell).
fn parent_cell(id: u32, entry: u32) -> u32 {
    let octant = entry % 8u;
    let o = vec3<u32>(octant & 1u, (octant >> 1u) & 1u, octant >> 2u);
    return (entry / 8u) * BRICK_CELLS + local_index(o * (BRICK / 2u) + local_coords(id % BRICK_CELLS) / 2u);
}

// Octant of coarse cell id's brick that holds its 8 children (Rust: child_octant).
fn child_octant(id: u32) -> u32 {
    return brick_octant(local_coords(id % BRICK_CELLS) / (BRICK / 2u));
}

// Storage id of child k (bit 0: x, bit 1: y, bit 2: z) of coarse cell id in the finer level's
// brick fine_slot (Rust: child_cell).
fn child_cell(id: u32, fine_slot: u32, k: u32) -> u32 {
    let o = vec3<u32>(k & 1u, (k >> 1u) & 1u, k >> 2u);
    return fine_slot * BRICK_CELLS + local_index(2u * (local_coords(id % BRICK_CELLS) % (BRICK / 2u)) + o);
}

// Storage id of the neighbour of cell id across face d (-x, +x, -y, +y, -z, +z), or NO_SLOT
// (Rust: grid::index::face_neighbour_in), by bit arithmetic on the id, reading the table only
// where the face is on the brick's boundary.
fn face_neighbour(id: u32, d: u32) -> u32 {
    let axis = d / 2u;
    let up = (d & 1u) == 1u;
    let stride = 1u << (BRICK_BITS * axis);
    let local = id % BRICK_CELLS;
    let l = (local / stride) % BRICK;
    if (up && l < BRICK - 1u) || (!up && l > 0u) {
        return select(id - stride, id + stride, up);
    }
    let nslot = neighbours[(id / BRICK_CELLS) * FACE_SLOTS + d];
    if nslot == NO_SLOT {
        return NO_SLOT;
    }
    let wrap = (BRICK - 1u) * stride;
    return nslot * BRICK_CELLS + select(local + wrap, local - wrap, up);
}
