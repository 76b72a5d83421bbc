//! A periodic section of a grid: fully developed flow in a straight vessel without inlet and
//! outlet (a pipe driven by a body force), for verification against analytic solutions.

use super::index::{self, Bricks, BRICK, BRICK_CELLS, NO_SLOT};
use super::{kind, Grid, GridStats};

/// Why a periodic section cannot be cut.
#[derive(Debug, thiserror::Error)]
#[error("periodic section along axis {axis} of bricks {first}..{end}: {why}")]
pub struct PeriodicError {
    axis: usize,
    first: u32,
    end: u32,
    why: String,
}

impl Grid {
    /// The bricks `first..end` along `axis` (brick coordinates), wrapped around so that the
    /// last brick's neighbour along `axis` is the first. The cells at the two ends must be the
    /// same (a straight vessel along `axis`, far from its caps): the section keeps each cell's
    /// wall geometry as voxelized. Caps keep their cells inside the section (a cavity's moving
    /// lid, say); their open areas are the kept cells' sums.
    pub fn periodic_section(&self, axis: usize, first: u32, end: u32) -> Result<Grid, PeriodicError> {
        let bd = self.bricks.brick_dims;
        let err = |why: &str| PeriodicError { axis, first, end, why: why.into() };
        if axis > 2 || first >= end || end > bd[axis] {
            return Err(err("outside the grid"));
        }
        let mut dims = self.bricks.dims;
        dims[axis] = (end - first) * BRICK;
        let mut nbd = bd;
        nbd[axis] = end - first;
        let mut fluid_in = vec![0u8; (nbd[0] * nbd[1] * nbd[2]) as usize];
        let mut old_slot = vec![NO_SLOT; fluid_in.len()];
        for (slot, c) in self.bricks.coords.iter().enumerate() {
            if c[axis] < first || c[axis] >= end {
                continue;
            }
            let mut n = *c;
            n[axis] -= first;
            let b = (n[0] + nbd[0] * (n[1] + nbd[1] * n[2])) as usize;
            let cells = &self.kind[slot * BRICK_CELLS as usize..][..BRICK_CELLS as usize];
            fluid_in[b] = cells.iter().filter(|&&k| k != kind::SOLID).count() as u8;
            old_slot[b] = slot as u32;
        }
        let mut periodic = [false; 3];
        periodic[axis] = true;
        // Bricks with fluid, the most first (as `Grid::voxelize`); those added to align the
        // allocation are solid (no old cell).
        let bricks = Bricks::in_order(dims, &index::by_fluid_cells(&fluid_in), periodic);
        // Copy each kept brick's cells.
        let copy = |id_new: usize| -> Option<usize> {
            let slot_new = id_new / BRICK_CELLS as usize;
            let c = bricks.coords[slot_new];
            let b = (c[0] + nbd[0] * (c[1] + nbd[1] * c[2])) as usize;
            (old_slot[b] != NO_SLOT)
                .then(|| old_slot[b] as usize * BRICK_CELLS as usize + id_new % BRICK_CELLS as usize)
        };
        let n = bricks.allocated_cells();
        let map: Vec<Option<usize>> = (0..n).map(copy).collect();
        let kinds: Vec<u8> = map
            .iter()
            .map(|&o| if o.is_none_or(|o| self.kind[o] == kind::SOLID) { kind::SOLID } else { kind::FLUID })
            .collect();
        // The two ends must match for the wrap to be seamless.
        for id in 0..n as u32 {
            let c = bricks.cell_coords(id);
            if c[axis] != 0 {
                continue;
            }
            let mut other = c.map(|x| x as i64);
            other[axis] = dims[axis] as i64 - 1;
            let last = bricks.cell_id(other).map_or(kind::SOLID, |o| kinds[o as usize]);
            if (kinds[id as usize] == kind::SOLID) != (last == kind::SOLID) {
                return Err(err("the cells at the two ends differ: the vessel is not straight along the axis there"));
            }
        }
        let mut origin = self.origin;
        origin[axis] += (first * BRICK) as f64 * self.spacing;
        let h = self.spacing;
        let fluid_cells = kinds.iter().filter(|&&k| k != kind::SOLID).count() as u64;
        let volume_fraction: Vec<f32> = map.iter().map(|&o| o.map_or(0.0, |o| self.volume_fraction[o])).collect();
        let fluid_volume = volume_fraction.iter().map(|&v| v as f64).sum::<f64>() * h * h * h;
        let cells = dims.iter().map(|&d| d as u64).product();
        let stats = GridStats {
            dims,
            spacing: h,
            origin: origin.into(),
            cells,
            fluid_cells,
            fluid_fraction: fluid_cells as f64 / cells as f64,
            fluid_volume,
            components: self.stats.components,
            bricks: bricks.slots() as u64,
            allocated_cells: n as u64,
            ..Default::default()
        };
        // Old storage id -> new, for the caps' cells.
        let mut new_id = std::collections::HashMap::with_capacity(n);
        for (id, &o) in map.iter().enumerate() {
            if let Some(o) = o {
                new_id.insert(o as u32, id as u32);
            }
        }
        let caps = self
            .caps
            .iter()
            .map(|c| {
                let cells: Vec<(u32, f64)> =
                    c.cells.iter().filter_map(|&(id, a)| new_id.get(&id).map(|&n| (n, a))).collect();
                let open_area: f64 = cells.iter().map(|x| x.1).sum();
                super::GridCap { cells, open_area, area: open_area, ..c.clone() }
            })
            .collect();
        Ok(Grid {
            origin,
            spacing: h,
            kind: kinds,
            volume_fraction,
            aperture: map.iter().map(|&o| o.map_or([0.0; 6], |o| self.aperture[o])).collect(),
            link: map.iter().map(|&o| o.map_or([1.0; 6], |o| self.link[o])).collect(),
            wall: map.iter().map(|&o| o.map_or([0.0; 4], |o| self.wall[o])).collect(),
            caps,
            stats,
            bricks,
        })
    }
}
