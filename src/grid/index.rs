//! The one place that does index arithmetic on the sparse grid (its WGSL twin is
//! `shaders/shared/grid.wgsl`; keep the two in step, a GPU test compares them).
//!
//! The bounding grid of `dims` cells is tiled by bricks of [`BRICK`]^3 cells. Only bricks holding
//! fluid are allocated; each gets a *slot*. A cell's *storage id* is `slot * BRICK_CELLS + local`
//! with `local = lx + BRICK * (ly + BRICK * lz)`, so every per-cell field is an array of
//! `slots * BRICK_CELLS` values and one brick is one contiguous run. A grid the solver runs on
//! allocates a multiple of [`ALIGN_BRICKS`] bricks ([`align_allocation`]), so that its cell
//! count is a multiple of [`ALIGN_CELLS`], a GPU workgroup and the unit a part of a buffer is
//! bound in.
//! Each slot has a table of its 27 neighbouring slots (itself at the centre), indexed
//! `(dz + 1) * 9 + (dy + 1) * 3 + (dx + 1)` for brick offsets `d` in -1..=1, holding
//! [`NO_SLOT`] where that brick is not allocated. A cell offset of at most `BRICK` cells along
//! each axis therefore always resolves through one table look-up. The kernels step across faces
//! only, so the GPU holds the [`FACE_SLOTS`] face-adjacent entries of each slot alone
//! ([`Bricks::face_table`]): 24 bytes a brick, not 108.
//!
//! A cell's *stored index* is where its values lie in the solver's per-cell arrays
//! ([`stored_index`]). Where the bricks are allocated by the number of their fluid cells, most
//! first ([`by_fluid_cells`]), the arrays hold a brick's fluid cells alone, at no cost in
//! look-ups: brick `slot` starts at `sum_k min(slot, N_k)`, `N_k` the bricks with at least k
//! fluid cells (eight counts a grid), and a cell of a brick that is not full lies there plus
//! its rank, the brick's fluid cells before it (three bits its cell word carries, read anyway
//! to tell fluid from solid). The full bricks lead, stored whole: their cells' stored index is
//! their storage id. With every count `N_k` the number of slots, every brick is stored whole.

/// Cells along each edge of a brick.
pub const BRICK: u32 = 2;
/// Cells in a brick.
pub const BRICK_CELLS: u32 = BRICK * BRICK * BRICK;
/// Marks a brick (or cell) that is not allocated.
pub const NO_SLOT: u32 = u32::MAX;
/// Neighbour table entries per slot.
pub const NEIGHBOURS: usize = 27;
/// Entries per slot of the kernels' neighbour table ([`Bricks::face_table`]): the bricks across
/// its six faces, in `grid::DIRECTIONS` order.
pub const FACE_SLOTS: usize = 6;
/// Cells whose f32 values fill the alignment a part of a GPU buffer is bound at (256 bytes,
/// [`crate::gpu::span::PART_ALIGNMENT`]); the solver's grids allocate a multiple of it.
pub const ALIGN_CELLS: u32 = 64;
/// Bricks in [`ALIGN_CELLS`] cells.
pub const ALIGN_BRICKS: usize = (ALIGN_CELLS / BRICK_CELLS) as usize;

/// Bricks to add to `used` bricks to make them a multiple of [`ALIGN_BRICKS`].
pub fn bricks_to_align(used: usize) -> usize {
    (ALIGN_BRICKS - used % ALIGN_BRICKS) % ALIGN_BRICKS
}

/// Marks bricks of the tiling as used (the first unused ones, in tiling order: all solid) until
/// the used ones are a multiple of [`ALIGN_BRICKS`]. A tiling of even bricks along every axis
/// always has enough.
pub fn align_allocation(used: &mut [bool]) {
    let missing = bricks_to_align(used.iter().filter(|&&u| u).count());
    for u in used.iter_mut().filter(|u| !**u).take(missing) {
        *u = true;
    }
}

/// The bricks to allocate, in slot order, from each brick's fluid cells (`fluid_in`, one count
/// per brick of the tiling, x fastest): those with the most fluid cells first (stable: in
/// tiling order within a count), then bricks without fluid to align the allocation
/// ([`align_allocation`]). So the fluid cells alone can be stored ([`stored_index`]).
pub fn by_fluid_cells(fluid_in: &[u8]) -> Vec<usize> {
    let mut used: Vec<bool> = fluid_in.iter().map(|&n| n > 0).collect();
    align_allocation(&mut used);
    let mut order: Vec<usize> = (0..fluid_in.len()).filter(|&b| used[b]).collect();
    order.sort_by_key(|&b| std::cmp::Reverse(fluid_in[b]));
    order
}

/// Where brick `slot`'s values start in the per-cell arrays, given `bricks_with[k - 1]` = the
/// bricks with at least k stored cells (k = 1..=8), the bricks ordered by that number, most
/// first ([`by_fluid_cells`]): sum_k min(slot, bricks_with[k - 1]). For `slot` past the last,
/// every stored cell. The WGSL twin is `stored_word` in shared/cells.
#[inline]
pub fn stored_before(bricks_with: &[u32; BRICK_CELLS as usize], slot: u32) -> u32 {
    bricks_with.iter().map(|&n| slot.min(n)).sum()
}

/// The stored index of cell `id` ([`stored_before`] its brick, plus its local index where the
/// brick is stored whole, below `bricks_with[7]`, else `rank`, the brick's stored cells before
/// it). For a stored cell only.
#[inline]
pub fn stored_index(bricks_with: &[u32; BRICK_CELLS as usize], id: u32, rank: u32) -> u32 {
    let slot = id / BRICK_CELLS;
    let whole = slot < bricks_with[BRICK_CELLS as usize - 1];
    stored_before(bricks_with, slot) + if whole { id % BRICK_CELLS } else { rank }
}

/// Per-cell arrays (`components` of them, component-major, each `order.len() * BRICK_CELLS`
/// long, by storage id) with their bricks laid out slot after slot in `order` (as
/// [`Bricks::tiling_order`] gives it), or, with `back`, such arrays returned to storage ids. No
/// values (an array a run or a checkpoint does not have) stay none.
pub fn reorder_bricks(values: &[f32], components: usize, order: &[u32], back: bool) -> Vec<f32> {
    let (per, n) = (BRICK_CELLS as usize, order.len() * BRICK_CELLS as usize);
    if values.is_empty() {
        return Vec::new();
    }
    assert_eq!(values.len(), components * n, "{components} arrays of {n} cells");
    let mut out = vec![0.0f32; values.len()];
    for c in 0..components {
        for (k, &slot) in order.iter().enumerate() {
            let (from, to) = (c * n + slot as usize * per, c * n + k * per);
            let (from, to) = if back { (to, from) } else { (from, to) };
            out[to..to + per].copy_from_slice(&values[from..from + per]);
        }
    }
    out
}

/// Position of a cell inside its brick: `lx + BRICK * (ly + BRICK * lz)`.
pub fn local_index(l: [u32; 3]) -> u32 {
    l[0] + BRICK * (l[1] + BRICK * l[2])
}

/// Inverse of [`local_index`].
pub fn local_coords(local: u32) -> [u32; 3] {
    [local % BRICK, (local / BRICK) % BRICK, local / (BRICK * BRICK)]
}

/// The colours of [`coloured_cell`]: even x + y + z, and odd.
pub const RED: u32 = 0;
pub const BLACK: u32 = 1;

/// Storage id of the `t`-th cell of colour `colour` (0 or 1, the parity of its x + y + z), for
/// `t` below half the allocated cells: brick `t / (BRICK_CELLS / 2)`, then `BRICK / 2` cells of
/// the colour in each of the brick's rows along x. A brick's edge is even, so a cell's colour is
/// its local coordinates' parity, and face neighbours have opposite colours (a red-black
/// ordering).
#[allow(clippy::modulo_one)] // BRICK / 2 is 1 (the arithmetic holds for any even BRICK)
pub fn coloured_cell(t: u32, colour: u32) -> u32 {
    let half = BRICK_CELLS / 2;
    let q = t % half;
    let row = q / (BRICK / 2);
    let (ly, lz) = (row % BRICK, row / BRICK);
    let lx = 2 * (q % (BRICK / 2)) + ((ly + lz + colour) & 1);
    (t / half) * BRICK_CELLS + local_index([lx, ly, lz])
}

/// Entry of the neighbour table for brick offset `d` (each component in -1..=1).
pub fn neighbour_entry(d: [i32; 3]) -> usize {
    ((d[2] + 1) * 9 + (d[1] + 1) * 3 + (d[0] + 1)) as usize
}

/// Octant (bit 0: x, bit 1: y, bit 2: z) of the brick at brick coordinates `b` inside the
/// brick of the next coarser level (cell coordinates halved) that covers it.
pub fn brick_octant(b: [u32; 3]) -> u32 {
    (b[0] & 1) | ((b[1] & 1) << 1) | ((b[2] & 1) << 2)
}

/// Storage id of the cell of the next coarser level that holds cell `id` (cell coordinates
/// halved), from the parent entry of `id`'s brick: `coarse slot * 8 + brick_octant(brick)`.
pub fn parent_cell(id: u32, entry: u32) -> u32 {
    let (slot, octant) = (entry / 8, entry % 8);
    let l = local_coords(id % BRICK_CELLS);
    let o = [octant & 1, (octant >> 1) & 1, octant >> 2];
    slot * BRICK_CELLS + local_index([0, 1, 2].map(|a| o[a] * (BRICK / 2) + l[a] / 2))
}

/// Octant of coarse cell `id`'s brick that holds its 8 children (all in one brick of the
/// finer level): the child-brick table entry of `id` is `slot * 8 + child_octant(id)`.
pub fn child_octant(id: u32) -> u32 {
    brick_octant(local_coords(id % BRICK_CELLS).map(|x| x / (BRICK / 2)))
}

/// Storage id of child `k` (bit 0: x, bit 1: y, bit 2: z) of coarse cell `id`, in the finer
/// level's brick `fine_slot`.
#[allow(clippy::modulo_one)] // BRICK / 2 is 1 (the arithmetic holds for any even BRICK)
pub fn child_cell(id: u32, fine_slot: u32, k: u32) -> u32 {
    let l = local_coords(id % BRICK_CELLS);
    let o = [k & 1, (k >> 1) & 1, k >> 2];
    fine_slot * BRICK_CELLS + local_index([0, 1, 2].map(|a| 2 * (l[a] % (BRICK / 2)) + o[a]))
}

/// The brick tiling of a bounding grid and the allocated bricks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bricks {
    /// Cells of the bounding grid along x, y, z (multiples of [`BRICK`]).
    pub dims: [u32; 3],
    /// Bricks along x, y, z (`dims / BRICK`).
    pub brick_dims: [u32; 3],
    /// Slot of each brick of the tiling (x fastest), or [`NO_SLOT`].
    pub table: Vec<u32>,
    /// Brick coordinates of each slot.
    pub coords: Vec<[u32; 3]>,
    /// For each slot, the slots of its 27 neighbouring bricks (see [`neighbour_entry`]).
    pub neighbours: Vec<[u32; NEIGHBOURS]>,
    /// Axes along which the grid wraps around (a periodic direction: the last brick's
    /// neighbour is the first).
    pub periodic: [bool; 3],
}

impl Bricks {
    /// Allocates the bricks whose flag in `used` (one per brick of the tiling, x fastest) is set,
    /// in tiling order, and builds their neighbour tables. `dims` must be whole bricks.
    pub fn new(dims: [u32; 3], used: &[bool]) -> Bricks {
        Self::with_periodic(dims, used, [false; 3])
    }

    /// As [`Bricks::new`], wrapping around along the `periodic` axes.
    pub fn with_periodic(dims: [u32; 3], used: &[bool], periodic: [bool; 3]) -> Bricks {
        let n = dims.iter().map(|&d| (d / BRICK) as usize).product::<usize>();
        assert_eq!(used.len(), n, "one flag per brick");
        let order: Vec<usize> = (0..n).filter(|&b| used[b]).collect();
        Self::in_order(dims, &order, periodic)
    }

    /// Allocates the bricks `order` lists (their indices in the tiling, x fastest), slot after
    /// slot in that order ([`by_fluid_cells`]), wrapping around along the `periodic` axes.
    pub fn in_order(dims: [u32; 3], order: &[usize], periodic: [bool; 3]) -> Bricks {
        assert!(dims.iter().all(|d| d % BRICK == 0), "grid dims {dims:?} are not whole bricks");
        let brick_dims = dims.map(|d| d / BRICK);
        let n = brick_dims.iter().map(|&d| d as usize).product::<usize>();
        let mut table = vec![NO_SLOT; n];
        let mut coords = Vec::new();
        for &b in order {
            assert!(b < n && table[b] == NO_SLOT, "brick {b} listed twice or outside the tiling");
            table[b] = coords.len() as u32;
            let b = b as u32;
            coords.push([b % brick_dims[0], (b / brick_dims[0]) % brick_dims[1], b / (brick_dims[0] * brick_dims[1])]);
        }
        let mut bricks = Bricks { dims, brick_dims, table, coords, neighbours: Vec::new(), periodic };
        bricks.neighbours = (0..bricks.coords.len())
            .map(|s| {
                let c = bricks.coords[s];
                let mut row = [NO_SLOT; NEIGHBOURS];
                for dz in -1..=1 {
                    for dy in -1..=1 {
                        for dx in -1..=1 {
                            let d = [dx, dy, dz];
                            let nb = [0, 1, 2].map(|a| c[a] as i64 + d[a] as i64);
                            row[neighbour_entry(d)] = bricks.slot_at(nb);
                        }
                    }
                }
                row
            })
            .collect();
        bricks
    }

    /// Allocated bricks.
    pub fn slots(&self) -> usize {
        self.coords.len()
    }

    /// Cells in allocated bricks (the length of every per-cell field).
    pub fn allocated_cells(&self) -> usize {
        self.slots() * BRICK_CELLS as usize
    }

    /// The slots in the order of their bricks in the tiling (x fastest), whatever order they
    /// were allocated in ([`by_fluid_cells`]): the order in which a checkpoint keeps per-cell
    /// arrays ([`reorder_bricks`]), as [`Bricks::new`] allocates.
    pub fn tiling_order(&self) -> Vec<u32> {
        let [nx, ny, _] = self.brick_dims.map(u64::from);
        let index = |c: [u32; 3]| u64::from(c[0]) + nx * (u64::from(c[1]) + ny * u64::from(c[2]));
        let mut slots: Vec<u32> = (0..self.slots() as u32).collect();
        slots.sort_by_key(|&s| index(self.coords[s as usize]));
        slots
    }

    /// Slot of the brick at brick coordinates `b` (wrapped along periodic axes), or [`NO_SLOT`]
    /// (also outside the tiling).
    pub fn slot_at(&self, b: [i64; 3]) -> u32 {
        let b: [i64; 3] =
            std::array::from_fn(|a| if self.periodic[a] { b[a].rem_euclid(self.brick_dims[a] as i64) } else { b[a] });
        if (0..3).any(|a| b[a] < 0 || b[a] >= self.brick_dims[a] as i64) {
            return NO_SLOT;
        }
        let [bx, by, bz] = b.map(|x| x as usize);
        let [nx, ny, _] = self.brick_dims.map(|x| x as usize);
        self.table[bx + nx * (by + ny * bz)]
    }

    /// Storage id of the cell at grid coordinates `c`, or `None` when its brick is not allocated
    /// or `c` is outside the bounding grid.
    pub fn cell_id(&self, c: [i64; 3]) -> Option<u32> {
        if (0..3).any(|a| c[a] < 0 || c[a] >= self.dims[a] as i64) {
            return None;
        }
        let b = BRICK as i64;
        let slot = self.slot_at(c.map(|x| x / b));
        (slot != NO_SLOT).then(|| slot * BRICK_CELLS + local_index(c.map(|x| (x % b) as u32)))
    }

    /// Grid coordinates of the cell with storage id `id`.
    pub fn cell_coords(&self, id: u32) -> [u32; 3] {
        let (slot, local) = (id / BRICK_CELLS, id % BRICK_CELLS);
        let b = self.coords[slot as usize];
        let l = local_coords(local);
        [0, 1, 2].map(|a| b[a] * BRICK + l[a])
    }

    /// Storage id of the neighbour of cell `id` across face `d` (in `grid::DIRECTIONS` order:
    /// -x, +x, -y, +y, -z, +z), or `None`: [`Bricks::neighbour`] with `DIRECTIONS[d]`, by bit
    /// arithmetic on the storage id, reading the neighbour table only where the face is on the
    /// brick's boundary (the kernels' form, [`face_neighbour_in`]).
    pub fn face_neighbour(&self, id: u32, d: usize) -> Option<u32> {
        face_step(id, d, |slot| self.neighbours[slot as usize][neighbour_entry(face_offset(d))])
    }

    /// The kernels' neighbour table: for each slot, the slots of the bricks across its faces,
    /// [`FACE_SLOTS`] per slot in `grid::DIRECTIONS` order ([`NO_SLOT`] where not allocated).
    pub fn face_table(&self) -> Vec<u32> {
        self.neighbours.iter().flat_map(|row| (0..FACE_SLOTS).map(|d| row[neighbour_entry(face_offset(d))])).collect()
    }

    /// Storage id of the cell `d` cells away from cell `id` (each |d| at most [`BRICK`]), or
    /// `None` when that cell's brick is not allocated (outside the bounding grid included). This
    /// is the solver's neighbour access: one table look-up, no search.
    pub fn neighbour(&self, id: u32, d: [i32; 3]) -> Option<u32> {
        let (slot, local) = (id / BRICK_CELLS, id % BRICK_CELLS);
        let l = local_coords(local);
        let b = BRICK as i32;
        // Fast path: the neighbour is in the same brick.
        if (0..3).all(|a| (0..b).contains(&(l[a] as i32 + d[a]))) {
            return Some(slot * BRICK_CELLS + local_index([0, 1, 2].map(|a| (l[a] as i32 + d[a]) as u32)));
        }
        let mut brick_offset = [0i32; 3];
        let mut nl = [0u32; 3];
        for a in 0..3 {
            let x = l[a] as i32 + d[a];
            brick_offset[a] = x.div_euclid(b);
            nl[a] = x.rem_euclid(b) as u32;
        }
        let nslot = self.neighbours[slot as usize][neighbour_entry(brick_offset)];
        if nslot == NO_SLOT {
            return None;
        }
        Some(nslot * BRICK_CELLS + local_index(nl))
    }
}

/// [`Bricks::face_neighbour`] over the kernels' neighbour table ([`Bricks::face_table`]; the
/// WGSL twin is `face_neighbour`).
#[inline]
pub fn face_neighbour_in(face_table: &[u32], id: u32, d: usize) -> Option<u32> {
    face_step(id, d, |slot| face_table[slot as usize * FACE_SLOTS + d])
}

/// The brick offset across face `d`.
fn face_offset(d: usize) -> [i32; 3] {
    let mut offset = [0i32; 3];
    offset[d / 2] = if d % 2 == 1 { 1 } else { -1 };
    offset
}

/// The cell across face `d` of cell `id`, with `across(slot)` the slot of the brick across
/// that face of brick `slot`.
#[inline]
fn face_step(id: u32, d: usize, across: impl Fn(u32) -> u32) -> Option<u32> {
    let axis = d / 2;
    let up = d % 2 == 1;
    let stride = BRICK.pow(axis as u32);
    let local = id % BRICK_CELLS;
    let l = (local / stride) % BRICK;
    if (up && l < BRICK - 1) || (!up && l > 0) {
        return Some(if up { id + stride } else { id - stride });
    }
    let nslot = across(id / BRICK_CELLS);
    let wrap = (BRICK - 1) * stride;
    (nslot != NO_SLOT).then(|| nslot * BRICK_CELLS + if up { local - wrap } else { local + wrap })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bricks_by_fluid_cells_reorder_to_the_tiling_order() {
        // A 6 x 4 x 2 brick tiling with fluid counts that are not sorted: allocated by them, the
        // arrays put back in tiling order are those of the bricks allocated in tiling order.
        let dims = [12, 8, 4];
        let fluid_in: Vec<u8> = (0..48u32).map(|b| ((b * 7 + 3) % 10).min(8) as u8).collect();
        let sorted = Bricks::in_order(dims, &by_fluid_cells(&fluid_in), [false; 3]);
        let mut used: Vec<bool> = fluid_in.iter().map(|&n| n > 0).collect();
        align_allocation(&mut used);
        let tiled = Bricks::new(dims, &used);
        assert_eq!(sorted.slots(), tiled.slots());
        let counts: Vec<u8> = (0..sorted.slots()).map(|s| fluid_in[brick_index(&sorted, s)]).collect();
        assert!(counts.windows(2).all(|w| w[0] >= w[1]), "slots by fluid cells, most first: {counts:?}");
        // Two components: each cell's x + 100 y + 10000 z, and its negative.
        let field = |b: &Bricks| -> Vec<f32> {
            let n = b.allocated_cells();
            let mut v = vec![0.0f32; 2 * n];
            for id in 0..n {
                let c = b.cell_coords(id as u32);
                v[id] = (c[0] + 100 * c[1] + 10000 * c[2]) as f32;
                v[n + id] = -v[id];
            }
            v
        };
        let order = sorted.tiling_order();
        let in_tiling = reorder_bricks(&field(&sorted), 2, &order, false);
        assert_eq!(in_tiling, field(&tiled));
        assert_eq!(reorder_bricks(&in_tiling, 2, &order, true), field(&sorted));
        assert_eq!(tiled.tiling_order(), (0..tiled.slots() as u32).collect::<Vec<_>>());
        assert!(reorder_bricks(&[], 2, &order, false).is_empty(), "no values stay none");
    }

    /// The brick's index in the tiling (x fastest).
    fn brick_index(b: &Bricks, slot: usize) -> usize {
        let c = b.coords[slot];
        (c[0] + b.brick_dims[0] * (c[1] + b.brick_dims[1] * c[2])) as usize
    }

    #[test]
    fn coloured_cells_cover_each_colour_once_and_face_neighbours_differ() {
        let half = BRICK_CELLS / 2;
        for colour in 0..2 {
            let mut seen = vec![false; 2 * BRICK_CELLS as usize];
            for t in 0..2 * half {
                let id = coloured_cell(t, colour);
                let l = local_coords(id % BRICK_CELLS);
                assert_eq!((l[0] + l[1] + l[2]) % 2, colour, "t {t}: cell {id} {l:?} is not of colour {colour}");
                assert_eq!(id / BRICK_CELLS, t / half, "t {t}: cell {id} is not in brick {}", t / half);
                assert!(!std::mem::replace(&mut seen[id as usize], true), "t {t}: cell {id} twice");
            }
        }
        // An even brick edge: the cells one face apart across a brick boundary differ in colour.
        assert_eq!(BRICK % 2, 0);
    }
}
