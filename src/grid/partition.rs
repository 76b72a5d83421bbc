//! Splitting the sparse grid's bricks into parts, one per MPI rank (groundwork of the
//! multi-rank issue): the bricks in Morton (Z-order) order of their brick coordinates, cut into
//! contiguous runs of nearly equal fluid cells. A space-filling curve needs no graph library,
//! is deterministic, keeps each part compact (the curve's runs are clusters of nearby bricks)
//! and balances to within one brick of fluid cells; [`PartitionStats`] measures what it costs:
//! the fluid cell faces cut between parts and the halo cells each part would receive per
//! exchanged field.

use super::index::{Bricks, BRICK_CELLS};
use super::{kind, Grid, DIRECTIONS};

/// Which part each allocated brick belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    /// Part of each slot (brick), `0..parts`.
    pub part_of_slot: Vec<u32>,
    /// Number of parts.
    pub parts: usize,
}

/// The Morton code of brick coordinates `b` (10 bits per axis: grids up to 4096 cells along
/// an axis, interleaved x, y, z).
fn morton(b: [u32; 3]) -> u64 {
    let spread = |v: u32| {
        let mut x = u64::from(v) & 0x3ff;
        x = (x | (x << 16)) & 0x0300_00ff;
        x = (x | (x << 8)) & 0x0300_f00f;
        x = (x | (x << 4)) & 0x030c_30c3;
        (x | (x << 2)) & 0x0924_9249
    };
    spread(b[0]) | (spread(b[1]) << 1) | (spread(b[2]) << 2)
}

/// The bricks of `grid` in `parts` parts (at least 1) along the Morton curve, each part's fluid
/// cells as near the mean as whole bricks allow: a part ends at the first brick that takes the
/// running total of fluid cells to its share.
pub fn morton_partition(grid: &Grid, parts: usize) -> Partition {
    let parts = parts.max(1);
    let bricks = &grid.bricks;
    let fluid = fluid_per_slot(grid);
    let mut order: Vec<u32> = (0..bricks.slots() as u32).collect();
    order.sort_by_key(|&s| (morton(bricks.coords[s as usize]), s));
    let total: u64 = fluid.iter().map(|&f| u64::from(f)).sum();
    let mut part_of_slot = vec![0u32; bricks.slots()];
    let mut running = 0u64;
    for &slot in &order {
        // The part whose share the brick's middle falls in.
        let middle = 2 * running + u64::from(fluid[slot as usize]);
        let part = (middle * parts as u64 / (2 * total.max(1))).min(parts as u64 - 1);
        part_of_slot[slot as usize] = part as u32;
        running += u64::from(fluid[slot as usize]);
    }
    Partition { part_of_slot, parts }
}

/// Fluid cells in each brick.
fn fluid_per_slot(grid: &Grid) -> Vec<u32> {
    grid.kind.chunks(BRICK_CELLS as usize).map(|c| c.iter().filter(|&&k| k != kind::SOLID).count() as u32).collect()
}

/// What a partition costs.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PartitionStats {
    /// Fluid cells of each part.
    pub fluid: Vec<u64>,
    /// Largest part over the mean, minus 1 (0: perfectly balanced).
    pub imbalance: f64,
    /// Faces between two fluid cells of different parts (each counted once).
    pub cut_faces: u64,
    /// Per part, the fluid cells of other parts next to one of its own across a face: what it
    /// receives of each exchanged per-cell field.
    pub halo: Vec<u64>,
}

impl PartitionStats {
    /// Bytes received by all parts together per exchange of one f32 per cell.
    pub fn halo_bytes_per_f32_field(&self) -> u64 {
        4 * self.halo.iter().sum::<u64>()
    }
}

/// Measures `partition` on `grid`.
pub fn stats(grid: &Grid, partition: &Partition) -> PartitionStats {
    let bricks: &Bricks = &grid.bricks;
    let part = |id: u32| partition.part_of_slot[(id / BRICK_CELLS) as usize] as usize;
    let fluid_cell = |id: u32| grid.kind[id as usize] != kind::SOLID;
    let mut fluid = vec![0u64; partition.parts];
    let mut halo_cells: Vec<Vec<u32>> = vec![Vec::new(); partition.parts];
    let mut cut_faces = 0u64;
    for id in 0..grid.kind.len() as u32 {
        if !fluid_cell(id) {
            continue;
        }
        let own = part(id);
        fluid[own] += 1;
        for d in 0..DIRECTIONS.len() {
            let Some(nb) = bricks.face_neighbour(id, d) else { continue };
            if !fluid_cell(nb) || part(nb) == own {
                continue;
            }
            // The upper face of each pair counts the cut once; the halo is each side's own.
            cut_faces += u64::from(d % 2 == 1);
            halo_cells[own].push(nb);
        }
    }
    let halo = halo_cells
        .into_iter()
        .map(|mut cells| {
            cells.sort_unstable();
            cells.dedup();
            cells.len() as u64
        })
        .collect();
    let mean = fluid.iter().sum::<u64>() as f64 / partition.parts as f64;
    let imbalance = fluid.iter().copied().max().unwrap_or(0) as f64 / mean.max(1.0) - 1.0;
    PartitionStats { fluid, imbalance, cut_faces, halo }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn morton_codes_interleave_the_axes() {
        assert_eq!(morton([1, 0, 0]), 1);
        assert_eq!(morton([0, 1, 0]), 2);
        assert_eq!(morton([0, 0, 1]), 4);
        assert_eq!(morton([3, 3, 3]), 63);
        assert_eq!(morton([1023, 0, 0]).count_ones(), 10);
    }
}
