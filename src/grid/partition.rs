//! Splitting the sparse grid's bricks into parts, one per MPI rank (a run on several ranks
//! splits the grid so: `solver::domain`), balanced on fluid cells to within a brick or so, deterministic and with no
//! graph library; [`PartitionStats`] measures what a split costs: the fluid cell faces cut
//! between parts and the halo cells each part would receive per exchanged field. Three methods
//! ([`Method`]): runs of Morton's curve (Z-order) or Hilbert's through the bricks' coordinates,
//! and recursive coordinate bisection (the default): the bricks halved, again and again, across
//! the longest side of their bounding box, at the brick that splits their fluid cells in the
//! ratio of the parts on either side. Vessels are tubes, so a bisection cuts across them where
//! a curve cuts where its octants' planes fall: on the bifurcation at 0.04 mm (8.9 million fluid
//! cells, `examples/partition_study`) bisection cuts 1.4 to 2.9 times fewer faces than the
//! better curve from 2 to 32 parts and 1.2 to 1.4 times fewer from 64 to 256 (694,712 against
//! Hilbert's 862,727 and Morton's 904,022 at 256), at the same balance (0.02%).

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

/// How the bricks are split.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// Runs of Z-order: the coordinates' bits interleaved.
    Morton,
    /// Runs of Hilbert's curve (Skilling's transpose form, 10 bits per axis).
    Hilbert,
    /// Recursive coordinate bisection.
    #[default]
    Bisection,
}

/// The Hilbert index of brick coordinates `b` (10 bits per axis, as [`morton`]): J. Skilling,
/// "Programming the Hilbert curve", AIP Conf. Proc. 707 (2004): the coordinates turned into the
/// index's transpose, whose bits interleaved are the index.
fn hilbert(b: [u32; 3]) -> u64 {
    const BITS: u32 = 10;
    let mut x = b.map(|v| v & ((1 << BITS) - 1));
    // Undo the excess work of the curve's rotations and reflections, top bit down.
    let mut q = 1u32 << (BITS - 1);
    while q > 1 {
        let p = q - 1;
        for i in 0..3 {
            if x[i] & q != 0 {
                x[0] ^= p;
            } else {
                let t = (x[0] ^ x[i]) & p;
                x[0] ^= t;
                x[i] ^= t;
            }
        }
        q >>= 1;
    }
    // Gray encode.
    x[1] ^= x[0];
    x[2] ^= x[1];
    let mut t = 0;
    let mut q = 1u32 << (BITS - 1);
    while q > 1 {
        if x[2] & q != 0 {
            t ^= q - 1;
        }
        q >>= 1;
    }
    let x = x.map(|v| v ^ t);
    (0..BITS).rev().fold(0u64, |h, bit| (0..3).fold(h, |h, i| (h << 1) | u64::from((x[i] >> bit) & 1)))
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

/// The bricks of `grid` in `parts` parts (at least 1) by `method`, each part's fluid cells as
/// near the mean as whole bricks allow.
pub fn partition(grid: &Grid, parts: usize, method: Method) -> Partition {
    let parts = parts.max(1);
    let bricks = &grid.bricks;
    let fluid = fluid_per_slot(grid);
    let mut order: Vec<u32> = (0..bricks.slots() as u32).collect();
    let mut part_of_slot = vec![0u32; bricks.slots()];
    let index = match method {
        Method::Morton => morton,
        Method::Hilbert => hilbert,
        Method::Bisection => {
            bisect(&bricks.coords, &fluid, &mut order, 0, parts as u32, &mut part_of_slot);
            return Partition { part_of_slot, parts };
        }
    };
    // A curve's run: a part ends at the first brick that takes the running total of fluid cells
    // to its share (the part whose share the brick's middle falls in).
    order.sort_by_key(|&s| (index(bricks.coords[s as usize]), s));
    let total: u64 = fluid.iter().map(|&f| u64::from(f)).sum();
    let mut running = 0u64;
    for &slot in &order {
        let middle = 2 * running + u64::from(fluid[slot as usize]);
        let part = (middle * parts as u64 / (2 * total.max(1))).min(parts as u64 - 1);
        part_of_slot[slot as usize] = part as u32;
        running += u64::from(fluid[slot as usize]);
    }
    Partition { part_of_slot, parts }
}

/// Parts `first..first + parts` for the bricks `slots`: sorted across the longest side of their
/// bounding box (brick coordinates), split where the fluid cells before the cut come nearest to
/// their share for the lower half of the parts, each side bisected again.
fn bisect(coords: &[[u32; 3]], fluid: &[u32], slots: &mut [u32], first: u32, parts: u32, out: &mut [u32]) {
    if parts <= 1 || slots.len() <= 1 {
        for &s in slots.iter() {
            out[s as usize] = first;
        }
        return;
    }
    let (mut lo, mut hi) = ([u32::MAX; 3], [0u32; 3]);
    for &s in slots.iter() {
        for a in 0..3 {
            lo[a] = lo[a].min(coords[s as usize][a]);
            hi[a] = hi[a].max(coords[s as usize][a]);
        }
    }
    let axis = (0..3).max_by_key(|&a| (hi[a] - lo[a], 2 - a)).unwrap_or(0);
    slots.sort_by_key(|&s| {
        let c = coords[s as usize];
        (c[axis], c[(axis + 1) % 3], c[(axis + 2) % 3], s)
    });
    let lower = parts / 2;
    let total: u64 = slots.iter().map(|&s| u64::from(fluid[s as usize])).sum();
    // The lower side takes the bricks whose middle falls within its share (at least one brick
    // each side).
    let share = total * u64::from(lower);
    let mut running = 0u64;
    let mut cut = 0;
    for (k, &s) in slots.iter().enumerate() {
        if (2 * running + u64::from(fluid[s as usize])) * u64::from(parts) > 2 * share {
            break;
        }
        running += u64::from(fluid[s as usize]);
        cut = k + 1;
    }
    let cut = cut.clamp(1, slots.len() - 1);
    let (low, high) = slots.split_at_mut(cut);
    bisect(coords, fluid, low, first, lower, out);
    bisect(coords, fluid, high, first + lower, parts - lower, out);
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

    #[test]
    fn the_hilbert_curve_visits_every_cell_once_by_face_steps() {
        // Every point of an 8^3 cube once, each next one a face neighbour of the last.
        let n = 8u32;
        let mut points: Vec<(u64, [u32; 3])> = Vec::new();
        for x in 0..n {
            for y in 0..n {
                for z in 0..n {
                    points.push((hilbert([x, y, z]), [x, y, z]));
                }
            }
        }
        points.sort();
        let mut indices: Vec<u64> = points.iter().map(|p| p.0).collect();
        indices.dedup();
        assert_eq!(indices.len(), points.len(), "two points share an index");
        for w in points.windows(2) {
            let step: u32 = (0..3).map(|a| w[0].1[a].abs_diff(w[1].1[a])).sum();
            assert_eq!(step, 1, "{:?} -> {:?} is not a face step", w[0].1, w[1].1);
        }
    }
}
