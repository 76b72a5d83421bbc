//! What the kernels read about the grid, in the compact form the GPU holds.
//!
//! One `u32` per cell: bits 0-7 its `cell_kind`, bits 8-31 one plus the index of its geometry
//! record, or 0 for a regular fluid cell (its six face neighbours fluid, every link 1, every
//! face fully open, volume fraction 1, no boundary condition: the kernels take its neighbours
//! without reading their cell words) or a solid cell. Only the fluid cells the wall or a cap
//! touches have a record, laid out as [`geom`] says: a wall part of [`WALL_STRIDE`] f32 for
//! every record and a boundary part of [`BC_STRIDE`] f32 for the records of cells with a
//! boundary condition, which are numbered first. The `geom` array holds the number of boundary
//! parts C (as an f32), then the C boundary parts, then the wall parts. The WGSL twin of these
//! accessors is `shaders/shared/cells.wgsl` (and `shared/params.wgsl`).
//!
//! Boundary conditions live in the records of the cells on each cap ([`Boundary`]): the cap's
//! open area through the cell, its normal, and what the cap imposes (an inflow velocity, an
//! outlet pressure, or a wall velocity).

use crate::grid::index::Bricks;
use crate::grid::{kind, Grid, GridCap, DIRECTIONS};
use crate::mesh::Vec3;

/// f32 in the wall part of a geometry record.
pub const WALL_STRIDE: usize = 13;
/// f32 in the boundary part of a geometry record.
pub const BC_STRIDE: usize = 10;

/// What a cap imposes. Every cap without one is a wall (closed, no-slip).
#[derive(Clone, Debug, PartialEq)]
pub enum Boundary {
    /// Closed, no-slip.
    Wall,
    /// Velocity inlet: `flow_rate` (m^3/s, into the fluid) with the given profile across the
    /// cap, normalised so the cells' fluxes add up to exactly `flow_rate`.
    Inlet {
        /// Volume flow rate into the fluid, m^3/s.
        flow_rate: f64,
        /// Profile across the cap.
        profile: Profile,
    },
    /// Pressure outlet: fixed pressure (kinematic, Pa / density, m^2/s^2), zero normal gradient
    /// of the velocity.
    Outlet {
        /// Kinematic pressure, m^2/s^2.
        pressure: f64,
    },
    /// A closed wall moving tangentially (a cavity's lid), m/s.
    Moving {
        /// Wall velocity, m/s.
        velocity: Vec3,
    },
}

/// Inlet velocity profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Uniform.
    Plug,
    /// 1 - r^2 / R^2 on the cap's equivalent radius R, about its centroid.
    Parabolic,
    /// Womersley's, mode by mode of a periodic flow (`physio::inlet`); for a steady flow, the
    /// parabola.
    Womersley,
}

/// Distance (m) of each cell centre of `cap` from the cap's centroid, within the cap's plane, in
/// the order of `cap.cells`.
pub fn cap_radii(grid: &Grid, cap: &GridCap) -> Vec<f64> {
    let normal = Vec3::from(cap.normal);
    let centroid = Vec3::from(cap.centroid);
    cap.cells
        .iter()
        .map(|&(id, _)| {
            let d = grid.cell_centre(id) - centroid;
            (d - normal * normal.dot(&d)).norm()
        })
        .collect()
}

/// Signed distance (m) within the cap's plane from each cell centre of `cap` (order of
/// `cap.cells`) to the cap's rim: positive inside the rim, negative outside (by the parity of
/// the rim's crossings on a ray in the plane).
pub fn rim_distances(grid: &Grid, cap: &GridCap) -> Vec<f64> {
    let normal = Vec3::from(cap.normal);
    let centroid = Vec3::from(cap.centroid);
    let e1 = (if normal.x.abs() < 0.9 { Vec3::x() } else { Vec3::y() }).cross(&normal).normalize();
    let e2 = normal.cross(&e1);
    let plane = |p: Vec3| {
        let d = p - centroid;
        (d.dot(&e1), d.dot(&e2))
    };
    let segments: Vec<_> = cap.rim.iter().map(|[a, b]| (plane(*a), plane(*b))).collect();
    cap.cells
        .iter()
        .map(|&(id, _)| {
            let (x, y) = plane(grid.cell_centre(id));
            let (mut nearest, mut inside) = (f64::INFINITY, false);
            for &((ax, ay), (bx, by)) in &segments {
                let (dx, dy) = (bx - ax, by - ay);
                let t = (((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy).max(1e-300)).clamp(0.0, 1.0);
                nearest = nearest.min((ax + t * dx - x).hypot(ay + t * dy - y));
                if (ay > y) != (by > y) && ax + (y - ay) * dx / dy > x {
                    inside = !inside;
                }
            }
            if inside {
                nearest
            } else {
                -nearest
            }
        })
        .collect()
}

/// The inflow speed of each cell of `cap` (order of `cap.cells`) for a unit flow rate, 1/m^2:
/// `profile`'s shape scaled so that the cells' open areas times their speeds add up to 1 (all
/// zeros if the shape carries no flow). The parabola follows the cap's rim: d (2 D - d), d the
/// distance to the rim and D its largest value (the centroid's or a cell's), which on a circle
/// is R^2 - r^2 and on any other cap vanishes all along the rim; a cap without a rim (none in
/// a grid voxelized from a mesh) takes 1 - r^2 / R^2 on its equivalent radius about the
/// centroid.
pub fn unit_profile(grid: &Grid, cap: &GridCap, profile: Profile) -> Vec<f64> {
    let r2 = cap.area / std::f64::consts::PI;
    let shape: Vec<f64> = match profile {
        Profile::Plug => vec![1.0; cap.cells.len()],
        Profile::Parabolic | Profile::Womersley if !cap.rim.is_empty() => {
            let d = rim_distances(grid, cap);
            let centroid = Vec3::from(cap.centroid);
            let to_rim = cap
                .rim
                .iter()
                .map(|[a, b]| {
                    let ab = b - a;
                    let t = ((centroid - a).dot(&ab) / ab.norm_squared().max(1e-300)).clamp(0.0, 1.0);
                    (a + ab * t - centroid).norm()
                })
                .fold(f64::INFINITY, f64::min);
            let deepest = d.iter().copied().fold(to_rim, f64::max);
            d.iter().map(|&d| (d * (2.0 * deepest - d)).max(0.0)).collect()
        }
        Profile::Parabolic | Profile::Womersley => {
            cap_radii(grid, cap).iter().map(|r| (1.0 - r * r / r2).max(0.0)).collect()
        }
    };
    let flux: f64 = cap.cells.iter().zip(&shape).map(|(&(_, a), s)| a * s).sum();
    let scale = if flux > 0.0 { 1.0 / flux } else { 0.0 };
    shape.iter().map(|s| s * scale).collect()
}

/// Boundary type codes in a record (`geom::BC_TYPE`).
pub mod bc {
    /// No boundary condition in this cell.
    pub const NONE: f32 = 0.0;
    /// Velocity inlet.
    pub const INLET: f32 = 1.0;
    /// Pressure outlet.
    pub const OUTLET: f32 = 2.0;
    /// Moving wall.
    pub const MOVING: f32 = 3.0;
}

/// Offsets inside the wall part (`LINK`, `APERTURE`, `VOLUME`) and the boundary part (`BC_*`)
/// of a geometry record.
pub mod geom {
    /// `link[d]`, d in `DIRECTIONS` order: distance to the wall along the link over h.
    pub const LINK: usize = 0;
    /// `aperture[d]`: wetted fraction of face d.
    pub const APERTURE: usize = 6;
    /// Volume fraction (merged slivers included).
    pub const VOLUME: usize = 12;
    /// Boundary type (`bc::*`).
    pub const BC_TYPE: usize = 0;
    /// The cap's open area through the cell over h^2.
    pub const BC_OPEN: usize = 1;
    /// The cap's unit normal (out of the fluid), 3 values.
    pub const BC_NORMAL: usize = 2;
    /// Imposed velocity (inlet, moving wall), m/s, 3 values.
    pub const BC_VELOCITY: usize = 5;
    /// Outlet: the pressure equation's coefficient for the cap, open / (distance to the cap
    /// plane over h).
    pub const BC_COEFFICIENT: usize = 8;
    /// Outlet: imposed kinematic pressure, m^2/s^2.
    pub const BC_PRESSURE: usize = 9;
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
    /// The momentum pass's Runge-Kutta stage: 0, 1 or 2 (the last, which writes the predictor's
    /// right-hand side; the implicit mode's one pass).
    pub stage: u32,
    /// 1: advection implicit (first-order upwind in the viscous_jacobi system, the higher-order
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
}

/// The grid in the kernels' form.
#[derive(Clone, Debug)]
pub struct CellLayout {
    /// Neighbour slots, 27 per slot (the grid's brick table, flattened).
    pub neighbours: Vec<u32>,
    /// One word per cell (see the module docs).
    pub cells: Vec<u32>,
    /// Geometry records (see the module docs).
    pub geom: Vec<f32>,
}

impl CellLayout {
    /// The kernels' form of `grid`, every cap a wall.
    pub fn new(grid: &Grid) -> Result<CellLayout, SolverError> {
        Self::with_boundaries(grid, &[])
    }

    /// The kernels' form of `grid` with `boundaries[k]` on cap k (caps beyond the list are
    /// walls).
    pub fn with_boundaries(grid: &Grid, boundaries: &[Boundary]) -> Result<CellLayout, SolverError> {
        let n = grid.kind.len();
        let mut bc: Vec<Option<[f32; BC_STRIDE]>> = vec![None; n];
        let h = grid.spacing;
        for (cap, boundary) in grid.caps.iter().zip(boundaries) {
            let normal = Vec3::from(cap.normal);
            let centroid = Vec3::from(cap.centroid);
            let (code, speeds, pressure) = match boundary {
                Boundary::Wall => continue,
                Boundary::Inlet { flow_rate, profile } => {
                    let speeds = unit_profile(grid, cap, *profile).iter().map(|s| s * flow_rate).collect();
                    (bc::INLET, speeds, 0.0)
                }
                Boundary::Outlet { pressure } => (bc::OUTLET, vec![0.0; cap.cells.len()], *pressure),
                Boundary::Moving { .. } => (bc::MOVING, vec![0.0; cap.cells.len()], 0.0),
            };
            for (&(id, open_area), speed) in cap.cells.iter().zip(speeds) {
                let open = open_area / (h * h);
                let velocity = match boundary {
                    Boundary::Moving { velocity } => *velocity,
                    _ => -normal * speed,
                };
                let distance = (normal.dot(&(centroid - grid.cell_centre(id))).abs() / h).max(0.25);
                let coefficient = if code == bc::OUTLET { open / distance } else { 0.0 };
                bc[id as usize] = Some([
                    code,
                    open as f32,
                    normal.x as f32,
                    normal.y as f32,
                    normal.z as f32,
                    velocity.x as f32,
                    velocity.y as f32,
                    velocity.z as f32,
                    coefficient as f32,
                    pressure as f32,
                ]);
            }
        }
        let link = |id: usize| grid.link[id];
        let boundary = |id: usize| bc[id];
        Self::from_cells(&grid.bricks, &grid.kind, &grid.volume_fraction, &grid.aperture, &link, &boundary)
    }

    /// The kernels' form of any level: per cell its kind, volume fraction and apertures, its
    /// links (asked for fluid cells) and boundary condition (the record's `BC_*` fields, in
    /// order; a cell with one always has a record).
    pub fn from_cells(
        bricks: &Bricks,
        kinds: &[u8],
        volume: &[f32],
        aperture: &[[f32; 6]],
        link: &dyn Fn(usize) -> [f32; 6],
        boundary: &dyn Fn(usize) -> Option<[f32; BC_STRIDE]>,
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
        let mut cells: Vec<u32> = kinds.iter().map(|&k| k as u32).collect();
        let mut geom = Vec::with_capacity(1 + BC_STRIDE * with_bc.len() + WALL_STRIDE * records);
        geom.push(with_bc.len() as f32);
        for (_, _, bc) in &with_bc {
            geom.extend_from_slice(bc);
        }
        let order = with_bc.iter().map(|&(id, links, _)| (id, links)).chain(wall_only);
        for (record, (id, links)) in order.enumerate() {
            cells[id] |= (record as u32 + 1) << 8;
            geom.extend_from_slice(&links);
            geom.extend_from_slice(&aperture[id]);
            geom.push(volume[id]);
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
        (r != 0).then(|| r as usize - 1)
    }

    /// Records with a boundary part (numbered first).
    fn boundary_records(&self) -> usize {
        self.geom[0] as usize
    }

    /// Index in `geom` of the wall part of record `r`.
    fn wall_part(&self, r: usize) -> usize {
        1 + BC_STRIDE * self.boundary_records() + WALL_STRIDE * r
    }

    /// Fluid cells with a geometry record.
    pub fn records(&self) -> usize {
        (self.geom.len() - 1 - BC_STRIDE * self.boundary_records()) / WALL_STRIDE
    }

    /// Wetted fraction of face `d` of fluid cell `id` (1 for a regular cell).
    pub fn aperture(&self, id: u32, d: usize) -> f32 {
        self.record(id).map_or(1.0, |r| self.geom[self.wall_part(r) + geom::APERTURE + d])
    }

    /// Distance to the wall along link `d` over h (1 when no wall is crossed).
    pub fn link(&self, id: u32, d: usize) -> f32 {
        self.record(id).map_or(1.0, |r| self.geom[self.wall_part(r) + geom::LINK + d])
    }

    /// Volume fraction of fluid cell `id`.
    pub fn volume(&self, id: u32) -> f32 {
        self.record(id).map_or(1.0, |r| self.geom[self.wall_part(r) + geom::VOLUME])
    }

    /// Field `k` (`geom::BC_*`) of cell `id`'s boundary condition (0 without one).
    pub fn bc(&self, id: u32, k: usize) -> f32 {
        match self.record(id) {
            Some(r) if r < self.boundary_records() => self.geom[1 + BC_STRIDE * r + k],
            _ => 0.0,
        }
    }

    /// Sets field `k` (`geom::BC_*`) of cell `id`'s boundary condition; the cell must have one.
    pub fn set_bc(&mut self, id: u32, k: usize, value: f32) {
        match self.record(id) {
            Some(r) if r < self.boundary_records() => self.geom[1 + BC_STRIDE * r + k] = value,
            _ => panic!("cell {id} has no boundary condition"),
        }
    }

    /// Length of the head of `geom` that holds the boundary parts (with their count).
    pub fn boundary_parts_len(&self) -> usize {
        1 + BC_STRIDE * self.boundary_records()
    }

    /// Cell `id`'s boundary vector field at `k` (`geom::BC_NORMAL` or `geom::BC_VELOCITY`).
    pub fn bc3(&self, id: u32, k: usize) -> [f32; 3] {
        [self.bc(id, k), self.bc(id, k + 1), self.bc(id, k + 2)]
    }

    /// Bytes the grid description takes on the GPU.
    pub fn bytes(&self) -> usize {
        4 * (self.neighbours.len() + self.cells.len() + self.geom.len())
    }
}
