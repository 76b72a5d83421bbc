//! What the kernels read about the grid, in the compact form the GPU holds.
//!
//! One `u32` per cell: bits 0-7 its `cell_kind`, bits 8-31 one plus the index of its geometry
//! record, or 0 for a regular fluid cell (every link 1, every face to a fluid neighbour fully
//! open, volume fraction 1) or a solid cell. Only the fluid cells the wall touches have a
//! record: [`GEOM_STRIDE`] f32 each, laid out as [`geom`] says. The WGSL twin of these accessors
//! is `shaders/shared/cells.wgsl` (and `shared/params.wgsl`).

use crate::grid::index::Bricks;
use crate::grid::{kind, Grid};

/// f32 per geometry record.
pub const GEOM_STRIDE: usize = 17;

/// Offsets inside a geometry record.
pub mod geom {
    /// `link[d]`, d in `DIRECTIONS` order: distance to the wall along the link over h.
    pub const LINK: usize = 0;
    /// `aperture[d]`: wetted fraction of face d.
    pub const APERTURE: usize = 6;
    /// Volume fraction (merged slivers included).
    pub const VOLUME: usize = 12;
    /// Wall unit normal (out of the fluid), 3 values.
    pub const NORMAL: usize = 13;
    /// Wall distance from the centre, m.
    pub const DISTANCE: usize = 16;
}

/// Parameters every solver kernel reads (uniform). WGSL twin: `SolverParams` in
/// shaders/shared/params.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SolverParams {
    /// Cell edge, m.
    pub h: f32,
    /// Time step, s.
    pub dt: f32,
    /// Kinematic viscosity, m^2/s.
    pub nu: f32,
    /// Jacobi relaxation weight (1 = plain Jacobi).
    pub omega: f32,
    /// Cells in allocated bricks (the length of every per-cell array).
    pub cells: u32,
    /// 1 on the first time step (the momentum kernel then takes a forward-Euler step instead
    /// of Adams-Bashforth 2, which needs the previous tendency), else 0.
    pub first_step: u32,
    /// Padding to 16 bytes.
    pub _pad0: u32,
    /// Padding to 16 bytes.
    pub _pad1: u32,
    /// Body force per unit mass along x, m/s^2.
    pub force_x: f32,
    /// Body force per unit mass along y, m/s^2.
    pub force_y: f32,
    /// Body force per unit mass along z, m/s^2.
    pub force_z: f32,
    /// Padding to 16 bytes.
    pub _pad2: u32,
}

/// Why the solver cannot run on a grid.
#[derive(Debug, thiserror::Error)]
pub enum SolverError {
    /// More wall-touching cells than a cell word can index.
    #[error("{0} cells touch the wall; the cell word indexes at most 16,777,215 (use a coarser spacing)")]
    TooManyWallCells(usize),
}

/// The grid in the kernels' form.
#[derive(Clone, Debug)]
pub struct CellLayout {
    /// Neighbour slots, 27 per slot (the grid's brick table, flattened).
    pub neighbours: Vec<u32>,
    /// One word per cell (see the module docs).
    pub cells: Vec<u32>,
    /// Geometry records, [`GEOM_STRIDE`] f32 each.
    pub geom: Vec<f32>,
}

impl CellLayout {
    /// The kernels' form of `grid`.
    pub fn new(grid: &Grid) -> Result<CellLayout, SolverError> {
        Self::from_cells(
            &grid.bricks,
            &grid.kind,
            &grid.volume_fraction,
            &grid.aperture,
            &|id| grid.link[id],
            &|id| grid.wall[id],
        )
    }

    /// The kernels' form of any level: per cell its kind, volume fraction and apertures, its
    /// links (asked for fluid cells) and wall plane (asked for irregular cells).
    pub fn from_cells(
        bricks: &Bricks,
        kinds: &[u8],
        volume: &[f32],
        aperture: &[[f32; 6]],
        link: &dyn Fn(usize) -> [f32; 6],
        wall: &dyn Fn(usize) -> [f32; 4],
    ) -> Result<CellLayout, SolverError> {
        let mut cells = Vec::with_capacity(kinds.len());
        let mut geom = Vec::new();
        for id in 0..kinds.len() {
            let k = kinds[id];
            if k == kind::SOLID {
                cells.push(k as u32);
                continue;
            }
            let links = link(id);
            let regular =
                links.iter().all(|&l| l == 1.0) && aperture[id].iter().all(|&a| a == 1.0) && volume[id] == 1.0;
            if regular {
                cells.push(k as u32);
                continue;
            }
            let record = geom.len() / GEOM_STRIDE + 1;
            if record >= 1 << 24 {
                return Err(SolverError::TooManyWallCells(record));
            }
            cells.push(k as u32 | (record as u32) << 8);
            geom.extend_from_slice(&links);
            geom.extend_from_slice(&aperture[id]);
            geom.push(volume[id]);
            geom.extend_from_slice(&wall(id));
        }
        let neighbours = bricks.neighbours.iter().flatten().copied().collect();
        Ok(CellLayout { neighbours, cells, geom })
    }

    /// Whether cell `id` is fluid (any kind but solid).
    pub fn is_fluid(&self, id: u32) -> bool {
        self.cells[id as usize] & 0xff != kind::SOLID as u32
    }

    fn record(&self, id: u32) -> Option<usize> {
        let r = self.cells[id as usize] >> 8;
        (r != 0).then(|| (r as usize - 1) * GEOM_STRIDE)
    }

    /// Wetted fraction of face `d` of fluid cell `id` (1 for a regular cell).
    pub fn aperture(&self, id: u32, d: usize) -> f32 {
        self.record(id).map_or(1.0, |r| self.geom[r + geom::APERTURE + d])
    }

    /// Distance to the wall along link `d` over h (1 when no wall is crossed).
    pub fn link(&self, id: u32, d: usize) -> f32 {
        self.record(id).map_or(1.0, |r| self.geom[r + geom::LINK + d])
    }

    /// Volume fraction of fluid cell `id`.
    pub fn volume(&self, id: u32) -> f32 {
        self.record(id).map_or(1.0, |r| self.geom[r + geom::VOLUME])
    }

    /// Bytes the grid description takes on the GPU.
    pub fn bytes(&self) -> usize {
        4 * (self.neighbours.len() + self.cells.len() + self.geom.len())
    }
}
