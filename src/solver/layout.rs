//! What the kernels read about the grid, in the compact form the GPU holds.
//!
//! One `u32` per cell: bits 0-4 its `cell_kind`, bits 5-7 its rank (where its brick is not
//! stored whole: the brick's fluid cells before it), bits 8-31 one plus the index of its geometry
//! record, or 0 for a regular fluid cell (its six face neighbours fluid, every link 1, every
//! face fully open, volume fraction 1, no boundary condition: the kernels take its neighbours
//! without reading their cell words) or a solid cell. Only the fluid cells the wall or a cap
//! touches have a record, laid out as [`geom`] says: a wall part of [`WALL_STRIDE`] f32 for
//! every record and a boundary part of [`BC_STRIDE`] f32 for the records of cells with a
//! boundary condition, which are numbered first. The `geom` array holds the number of boundary
//! parts C (as an f32), then the C boundary parts, then the wall parts. A wall part holds one
//! value per face ([`geom::FACE`]): the aperture where the face opens to a fluid neighbour, the
//! link elsewhere (a link to a fluid neighbour is always 1, and no flux crosses a face to a
//! solid one). The WGSL twin of these accessors is `shaders/shared/cells.wgsl` (and
//! `shared/params.wgsl`).
//!
//! The per-cell arrays of a solver's finest grid (its fields and the pressure solve's vectors)
//! hold its fluid cells alone ([`CellLayout::with_boundaries`] stores them; a brick's solid
//! cells take no room): a cell's values lie at its stored index ([`CellView::stored`],
//! `grid::index::stored_index`: from the eight counts of [`CellLayout::bricks_with`], which the
//! kernels have in their parameters, and the cell word's rank, with no look-up). That needs the
//! bricks allocated by their fluid cells, most first, as `Grid::voxelize` (stented grids
//! included) and periodic sections do; a grid whose bricks are not, and a rank's part of a run
//! on several ranks, stores every brick whole, as the multigrid's coarser levels do: every
//! allocated cell at its storage id.
//!
//! Boundary conditions live in the records of the cells on each cap ([`BoundaryRecord`], owned
//! by [`super::boundary`]): the cap's open area through the cell, its normal, and what the cap
//! imposes (an inflow velocity, an outlet pressure, or a wall velocity).

use super::boundary::{codes, Boundary, BoundaryRecord};
use crate::grid::index::{stored_before, stored_index, Bricks, ALIGN_CELLS, BRICK_CELLS};
use crate::grid::{kind, Grid, DIRECTIONS};

/// f32 in the wall part of a geometry record.
pub const WALL_STRIDE: usize = 7;
/// f32 in the boundary part of a geometry record.
pub const BC_STRIDE: usize = codes::STRIDE;

/// Offsets inside the wall part of a geometry record (the boundary part's:
/// [`super::boundary::codes`]).
pub mod geom {
    /// `face[d]`, d in `DIRECTIONS` order: across a face to a fluid neighbour, the face's
    /// aperture (its flux weight; the link there is 1); across any other face, the link (the
    /// distance to the wall along it over h; no flux crosses that face). One value a face: the
    /// kernels know which from the neighbour.
    pub const FACE: usize = 0;
    /// Volume fraction (merged slivers included).
    pub const VOLUME: usize = 6;
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
    /// 1: `pressure_smooth` reads its input with the next coarser level's correction added
    /// (the multigrid prolongation, fused); 0: as it is.
    pub prolong: u32,
    /// Cells in allocated bricks (the stages over cells run this many invocations).
    pub cells: u32,
    /// The momentum pass's Runge-Kutta stage: 0, 1 or 2 (the last, which writes the predictor's
    /// right-hand side; the implicit mode's one pass).
    pub stage: u32,
    /// 1: advection implicit (first-order upwind in the viscous_sweep system, the higher-order
    /// remainder explicit from the current velocity: backward Euler, for steady states at
    /// Courant numbers above 1); 0: explicit SSP-RK3 (three momentum passes).
    pub implicit_advection: u32,
    /// 1: `pressure_residual` ignores f and writes -M p (the operator conjugate gradients
    /// applies); 0: f - M p.
    pub without_source: u32,
    /// Body force per unit mass along x, m/s^2.
    pub force_x: f32,
    /// Body force per unit mass along y, m/s^2.
    pub force_y: f32,
    /// Body force per unit mass along z, m/s^2.
    pub force_z: f32,
    /// Backflow stabilisation coefficient beta (dimensionless; 0 = none): where an outlet's
    /// flow reverses, `momentum` adds a drag of beta / 2 times the inflowing flux per volume
    /// (Esmaily Moghadam et al., Comput. Mech. 48, 277-291, 2011).
    pub backflow: f32,
    /// Rheology ([`rheology`]): Newtonian (`nu`), Carreau-Yasuda or Casson.
    pub rheology: u32,
    /// Carreau-Yasuda: zero-shear kinematic viscosity, m^2/s.
    pub nu_zero: f32,
    /// Carreau-Yasuda: infinite-shear kinematic viscosity; Casson: the Casson viscosity, m^2/s.
    pub nu_infinity: f32,
    /// Carreau-Yasuda: relaxation time lambda, s.
    pub relaxation: f32,
    /// Carreau-Yasuda: power-law index n.
    pub power_n: f32,
    /// Carreau-Yasuda: Yasuda exponent a.
    pub power_a: f32,
    /// Casson: yield stress over the density, m^2/s^2.
    pub yield_stress: f32,
    /// The apparent viscosity's cap, m^2/s.
    pub nu_max: f32,
    /// The colour `viscous_sweep` updates, and the one `pressure_smooth` updates first: 0 (red)
    /// or 1 (black), the parity of a cell's x + y + z ([`crate::grid::index::coloured_cell`]).
    pub colour: u32,
    /// Length of the per-cell arrays (of each component of a vector field): the stored cells
    /// ([`CellLayout::stored_cells`]), in whole runs of [`crate::grid::index::ALIGN_CELLS`].
    pub stored: u32,
    pub _pad1: u32,
    pub _pad2: u32,
    /// Where the stored cells lie ([`CellLayout::bricks_with`]: entry k - 1 the bricks with at
    /// least k stored cells). The default, all 0, describes no grid: take it from the layout
    /// ([`CellLayout::storage`]).
    pub bricks_with: [u32; 8],
}

/// `SolverParams::rheology` codes (WGSL: RHEOLOGY_* in shared/viscous.wgsl).
pub mod rheology {
    /// Constant viscosity `nu`.
    pub const NEWTONIAN: u32 = 0;
    /// Carreau-Yasuda.
    pub const CARREAU_YASUDA: u32 = 1;
    /// Casson.
    pub const CASSON: u32 = 2;
}

/// Why the solver cannot run on a grid.
#[derive(Debug, thiserror::Error)]
pub enum SolverError {
    /// More wall-touching cells than a cell word can index.
    #[error("{0} cells touch the wall; the cell word indexes at most 16,777,215 (use a coarser spacing)")]
    TooManyWallCells(usize),
    /// The pressure multigrid could not coarsen the grid to a size its coarsest solve takes.
    #[error("the pressure multigrid's coarsest level keeps {0} fluid cells (at most 512); report this grid")]
    NoCoarsening(usize),
}

/// The grid in the kernels' form.
#[derive(Clone, Debug)]
pub struct CellLayout {
    /// Neighbour slots across each brick's faces, 6 per slot ([`Bricks::face_table`]).
    pub neighbours: Vec<u32>,
    /// One word per cell (see the module docs).
    pub cells: Vec<u32>,
    /// Geometry records (see the module docs).
    pub geom: Vec<f32>,
    /// Entry k - 1: the bricks with at least k stored cells, k = 1..=8 (`grid::index::
    /// stored_before`; every entry the number of slots where every brick is stored whole).
    pub bricks_with: [u32; 8],
}

impl CellLayout {
    /// The kernels' form of `grid`, every cap a wall.
    pub fn new(grid: &Grid) -> Result<CellLayout, SolverError> {
        Self::with_boundaries(grid, &[])
    }

    /// The kernels' form of `grid` with `boundaries[k]` on cap k (caps beyond the list are
    /// walls), its fluid cells alone stored ([`Self::store_fluid`]).
    pub fn with_boundaries(grid: &Grid, boundaries: &[Boundary]) -> Result<CellLayout, SolverError> {
        let records = super::boundary::records(grid, boundaries);
        let link = |id: usize| grid.link[id];
        let boundary = |id: usize| records[id];
        let mut layout =
            Self::from_cells(&grid.bricks, &grid.kind, &grid.volume_fraction, &grid.aperture, &link, &boundary)?;
        layout.store_fluid();
        Ok(layout)
    }

    /// Stores the fluid cells alone where the bricks are allocated by their fluid cells, most
    /// first (`grid::index::by_fluid_cells`), every brick whole elsewhere ([`Self::store_whole`]):
    /// sets [`Self::bricks_with`] and the cell words' ranks.
    pub fn store_fluid(&mut self) {
        let per = BRICK_CELLS as usize;
        let counts: Vec<u32> =
            self.cells.chunks_exact(per).map(|b| b.iter().filter(|&&w| is_fluid_word(w)).count() as u32).collect();
        if counts.windows(2).any(|w| w[1] > w[0]) {
            self.store_whole();
            return;
        }
        self.bricks_with = std::array::from_fn(|k| counts.iter().filter(|&&c| c > k as u32).count() as u32);
        let whole = self.bricks_with[per - 1] as usize;
        for (slot, brick) in self.cells.chunks_exact_mut(per).enumerate() {
            let mut rank = 0;
            for word in brick {
                *word &= !RANK_MASK;
                if slot >= whole && is_fluid_word(*word) {
                    *word |= rank << RANK_SHIFT;
                    rank += 1;
                }
            }
        }
    }

    /// Solver parameters that say how this grid is stored: its cells, stored cells and
    /// [`Self::bricks_with`] (the rest default).
    pub fn storage(&self) -> SolverParams {
        let (cells, stored) = (self.cells.len() as u32, self.stored_cells() as u32);
        SolverParams { cells, stored, bricks_with: self.bricks_with, ..Default::default() }
    }

    /// Stores every brick whole: every allocated cell at its storage id.
    pub fn store_whole(&mut self) {
        self.bricks_with = [(self.cells.len() / BRICK_CELLS as usize) as u32; 8];
        self.cells.iter_mut().for_each(|w| *w &= !RANK_MASK);
    }

    /// Length of the per-cell arrays ([`CellView::stored_cells`]).
    pub fn stored_cells(&self) -> usize {
        self.view().stored_cells()
    }

    /// The stored index of cell `id` (see [`CellView::stored`]).
    pub fn stored(&self, id: u32) -> Option<usize> {
        self.view().stored(id)
    }

    /// The stored cells of the bricks before brick `slot` (all of them for the slot past the
    /// last): the stored indices of a run of whole bricks are consecutive.
    pub fn stored_before(&self, slot: usize) -> usize {
        stored_before(&self.bricks_with, slot as u32) as usize
    }

    /// A field of `components` per-cell arrays of this grid's stored cells (component-major,
    /// [`Self::stored_cells`] each) as arrays of every allocated cell (0 where not stored).
    pub fn unstore(&self, values: &[f32], components: usize) -> Vec<f32> {
        let (n, s) = (self.cells.len(), self.stored_cells());
        let mut out = vec![0.0f32; components * n];
        for id in 0..n {
            if let Some(i) = self.stored(id as u32) {
                for c in 0..components {
                    out[c * n + id] = values[c * s + i];
                }
            }
        }
        out
    }

    /// The inverse of [`Self::unstore`]: a field of every allocated cell's arrays as the
    /// stored cells' (cells not stored left out, the runs' tail 0).
    pub fn store(&self, values: &[f32], components: usize) -> Vec<f32> {
        let (n, s) = (self.cells.len(), self.stored_cells());
        let mut out = vec![0.0f32; components * s];
        for id in 0..n {
            if let Some(i) = self.stored(id as u32) {
                for c in 0..components {
                    out[c * s + i] = values[c * n + id];
                }
            }
        }
        out
    }

    /// Storage ids (`ids`) as stored indices; `fill` for a cell not stored.
    pub fn stored_ids(&self, ids: &[u32], fill: u32) -> Vec<u32> {
        ids.iter().map(|&id| self.stored(id).map_or(fill, |i| i as u32)).collect()
    }

    /// The kernels' form of any level: per cell its kind, volume fraction and apertures, its
    /// links (asked for fluid cells) and boundary record (a cell with one always has a
    /// geometry record).
    pub fn from_cells(
        bricks: &Bricks,
        kinds: &[u8],
        volume: &[f32],
        aperture: &[[f32; 6]],
        link: &dyn Fn(usize) -> [f32; 6],
        boundary: &dyn Fn(usize) -> Option<BoundaryRecord>,
    ) -> Result<CellLayout, SolverError> {
        // The cells with a record: those with a boundary condition first.
        let mut with_bc = Vec::new();
        let mut wall_only = Vec::new();
        for id in 0..kinds.len() {
            if kinds[id] == kind::SOLID {
                continue;
            }
            let links = link(id);
            match boundary(id) {
                Some(bc) => with_bc.push((id, links, bc)),
                None => {
                    let fluid = |d: [i32; 3]| {
                        bricks.neighbour(id as u32, d).is_some_and(|nb| kinds[nb as usize] != kind::SOLID)
                    };
                    let regular = links.iter().all(|&l| l == 1.0)
                        && aperture[id].iter().all(|&a| a == 1.0)
                        && volume[id] == 1.0
                        && DIRECTIONS.iter().all(|&d| fluid(d));
                    if !regular {
                        wall_only.push((id, links));
                    }
                }
            }
        }
        let records = with_bc.len() + wall_only.len();
        if records >= 1 << 24 {
            return Err(SolverError::TooManyWallCells(records));
        }
        assert!(kinds.iter().all(|&k| u32::from(k) <= KIND_MASK), "a cell kind beyond the cell word's bits");
        let mut cells: Vec<u32> = kinds.iter().map(|&k| k as u32).collect();
        let mut geom = Vec::with_capacity(1 + BC_STRIDE * with_bc.len() + WALL_STRIDE * records);
        geom.push(with_bc.len() as f32);
        for (_, _, bc) in &with_bc {
            geom.extend_from_slice(&bc.to_part());
        }
        let order = with_bc.iter().map(|&(id, links, _)| (id, links)).chain(wall_only);
        for (record, (id, links)) in order.enumerate() {
            cells[id] |= (record as u32 + 1) << 8;
            let fluid = |d: usize| {
                bricks.neighbour(id as u32, DIRECTIONS[d]).is_some_and(|nb| kinds[nb as usize] != kind::SOLID)
            };
            geom.extend((0..6).map(|d| if fluid(d) { aperture[id][d] } else { links[d] }));
            geom.push(volume[id]);
        }
        let bricks_with = [bricks.slots() as u32; 8];
        Ok(CellLayout { neighbours: bricks.face_table(), cells, geom, bricks_with })
    }

    /// The layout borrowed as the kernels read it ([`CellView`]).
    pub fn view(&self) -> CellView<'_> {
        CellView { neighbours: &self.neighbours, cells: &self.cells, geom: &self.geom, bricks_with: self.bricks_with }
    }

    /// Whether cell `id` is fluid (any kind but solid).
    pub fn is_fluid(&self, id: u32) -> bool {
        self.view().is_fluid(id)
    }

    fn record(&self, id: u32) -> Option<usize> {
        self.view().record(id)
    }

    /// Records with a boundary part: the cells with a boundary condition (the caps'), numbered
    /// 0.. ([`CellView::boundary_record`]).
    pub fn boundary_records(&self) -> usize {
        self.view().boundary_records()
    }

    /// The number of cell `id`'s boundary record (see [`CellView::boundary_record`]).
    pub fn boundary_record(&self, id: u32) -> Option<usize> {
        self.view().boundary_record(id)
    }

    /// Fluid cells with a geometry record.
    pub fn records(&self) -> usize {
        self.view().records()
    }

    /// Flux weight (wetted aperture) of face `d` of fluid cell `id`, a face that opens to a
    /// fluid neighbour (1 for a regular cell).
    pub fn aperture(&self, id: u32, d: usize) -> f32 {
        self.view().aperture(id, d)
    }

    /// Distance to the wall along link `d` over h, a link to a cell that is not fluid (1 for a
    /// regular cell).
    pub fn link(&self, id: u32, d: usize) -> f32 {
        self.view().link(id, d)
    }

    /// Volume fraction of fluid cell `id`.
    pub fn volume(&self, id: u32) -> f32 {
        self.view().volume(id)
    }

    /// Cell `id`'s boundary record (see [`CellView::boundary`]).
    pub fn boundary(&self, id: u32) -> BoundaryRecord {
        self.view().boundary(id)
    }

    /// Replaces cell `id`'s boundary record; the cell must have one.
    pub fn set_boundary(&mut self, id: u32, record: &BoundaryRecord) {
        match self.record(id) {
            Some(r) if r < self.boundary_records() => {
                let at = 1 + BC_STRIDE * r;
                self.geom[at..at + BC_STRIDE].copy_from_slice(&record.to_part());
            }
            _ => panic!("cell {id} has no boundary condition"),
        }
    }

    /// Length of the head of `geom` that holds the boundary parts (with their count).
    pub fn boundary_parts_len(&self) -> usize {
        1 + BC_STRIDE * self.boundary_records()
    }

    /// Bytes the grid description takes on the GPU.
    pub fn bytes(&self) -> usize {
        4 * (self.neighbours.len() + self.cells.len() + self.geom.len())
    }
}

/// The bits of a cell word (see the module docs) that hold its kind.
pub const KIND_MASK: u32 = 0x1f;
/// Where a cell word's rank starts, and its bits.
const RANK_SHIFT: u32 = 5;
const RANK_MASK: u32 = 0x7 << RANK_SHIFT;

/// Whether a cell word (see the module docs) is a fluid cell's.
pub fn is_fluid_word(word: u32) -> bool {
    word & KIND_MASK != kind::SOLID as u32
}

/// A [`CellLayout`] borrowed: the three arrays as the kernels bind them, from a `CellLayout`
/// ([`CellLayout::view`]) or from the buffers of a stage run on the CPU backend
/// ([`crate::gpu::host`]). The CPU twins read the grid through it.
#[derive(Clone, Copy, Debug)]
pub struct CellView<'a> {
    /// Neighbour slots across each brick's faces, 6 per slot.
    pub neighbours: &'a [u32],
    /// One word per cell.
    pub cells: &'a [u32],
    /// Geometry records.
    pub geom: &'a [f32],
    /// [`CellLayout::bricks_with`] (the kernels' `SolverParams::bricks_with`).
    pub bricks_with: [u32; 8],
}

impl CellView<'_> {
    /// Cells in allocated bricks.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// The stored index of cell `id`: where its values lie in the per-cell arrays (None for a
    /// cell not stored: a solid cell of a brick not stored whole; `grid::index::stored_index`).
    #[inline]
    pub fn stored(&self, id: u32) -> Option<usize> {
        let word = self.cells[id as usize];
        let whole = id / BRICK_CELLS < self.bricks_with[BRICK_CELLS as usize - 1];
        (whole || is_fluid_word(word))
            .then(|| stored_index(&self.bricks_with, id, (word & RANK_MASK) >> RANK_SHIFT) as usize)
    }

    /// Length of the per-cell arrays: the stored cells, in whole runs of [`ALIGN_CELLS`] (as far
    /// as the allocated cells reach: a grid that stores every cell stores them all, whatever
    /// their number).
    pub fn stored_cells(&self) -> usize {
        let end = stored_before(&self.bricks_with, (self.len() / BRICK_CELLS as usize) as u32) as usize;
        (end.div_ceil(ALIGN_CELLS as usize) * ALIGN_CELLS as usize).min(self.len())
    }

    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The cell next to `id` across face `d` (DIRECTIONS order), as [`Bricks::face_neighbour`].
    #[inline]
    pub fn face_neighbour(&self, id: u32, d: usize) -> Option<u32> {
        crate::grid::index::face_neighbour_in(self.neighbours, id, d)
    }

    /// Whether cell `id` is fluid (any kind but solid).
    #[inline]
    pub fn is_fluid(&self, id: u32) -> bool {
        is_fluid_word(self.cells[id as usize])
    }

    #[inline]
    fn record(&self, id: u32) -> Option<usize> {
        let r = self.cells[id as usize] >> 8;
        (r != 0).then(|| r as usize - 1)
    }

    /// Records with a boundary part (numbered first).
    #[inline]
    fn boundary_records(&self) -> usize {
        self.geom[0] as usize
    }

    /// The number of cell `id`'s boundary record, below [`Self::boundary_records`] (None for a
    /// cell without a boundary condition): per-cap-cell values (the outlet fluxes) are kept by
    /// it (twin of `boundary_record` in shaders/shared/cells.wgsl).
    #[inline]
    pub fn boundary_record(&self, id: u32) -> Option<usize> {
        self.record(id).filter(|&r| r < self.boundary_records())
    }

    /// Index in `geom` of the wall part of record `r`.
    #[inline]
    fn wall_part(&self, r: usize) -> usize {
        1 + BC_STRIDE * self.boundary_records() + WALL_STRIDE * r
    }

    /// Fluid cells with a geometry record.
    pub fn records(&self) -> usize {
        (self.geom.len() - 1 - BC_STRIDE * self.boundary_records()) / WALL_STRIDE
    }

    /// The value of face `d` of fluid cell `id` ([`geom::FACE`]; 1 for a regular cell).
    #[inline]
    fn face(&self, id: u32, d: usize) -> f32 {
        self.record(id).map_or(1.0, |r| self.geom[self.wall_part(r) + geom::FACE + d])
    }

    /// Flux weight (wetted aperture) of face `d` of fluid cell `id`, a face that opens to a
    /// fluid neighbour (1 for a regular cell).
    #[inline]
    pub fn aperture(&self, id: u32, d: usize) -> f32 {
        self.face(id, d)
    }

    /// Distance to the wall along link `d` over h, a link to a cell that is not fluid (1 for a
    /// regular cell).
    #[inline]
    pub fn link(&self, id: u32, d: usize) -> f32 {
        self.face(id, d)
    }

    /// Volume fraction of fluid cell `id`.
    #[inline]
    pub fn volume(&self, id: u32) -> f32 {
        self.record(id).map_or(1.0, |r| self.geom[self.wall_part(r) + geom::VOLUME])
    }

    /// Cell `id`'s boundary record (all zeros, type [`codes::NONE`], without one): the twin of
    /// `bc_type`, `bc` and `bc3` in shaders/shared/cells.wgsl.
    #[inline]
    pub fn boundary(&self, id: u32) -> BoundaryRecord {
        match self.record(id) {
            Some(r) if r < self.boundary_records() => {
                BoundaryRecord::from_part(&self.geom[1 + BC_STRIDE * r..1 + BC_STRIDE * (r + 1)])
            }
            _ => BoundaryRecord::default(),
        }
    }
}
