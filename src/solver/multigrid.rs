//! The pressure equation's multigrid hierarchy and a conjugate-gradient solver preconditioned by
//! one V-cycle, on the CPU twins of the kernels (the GPU runs the same sequence of stages).
//!
//! Coarsening keeps thin vessels connected: a coarse cell (2x2x2 fine cells) is fluid when any
//! child is, its volume fraction is the children's mean, and each coarse face's aperture is the
//! mean of the four fine faces it covers (a fine face counts when both its cells are fluid). So
//! the coarse operator carries exactly the fine connectivity, branch by branch. Each level is a
//! sparse brick grid of its own ([`Bricks`]). A coarse brick covers 2x2x2 fine bricks, so the
//! transfers need tables per brick, not per cell: each fine brick's parent (coarse slot and
//! octant) and each coarse brick's 8 children (see `grid::index::parent_cell`, `child_cell`).

use rayon::prelude::*;

use super::boundary::{codes, BoundaryRecord};
use super::{cpu, CellLayout, SolverError, SolverParams};
use crate::grid::index::{self, Bricks, BLACK, BRICK, NO_SLOT, RED};
use crate::grid::{kind, DIRECTIONS};

/// One level of the hierarchy.
#[derive(Clone, Debug)]
pub struct Level {
    /// Its sparse grid.
    pub bricks: Bricks,
    /// The kernels' form (kinds, apertures, volume fractions).
    pub layout: CellLayout,
    /// Cell edge, m.
    pub h: f64,
    /// For each slot, the slot of the next coarser level's brick covering it * 8 + its octant
    /// there (`grid::index::brick_octant`), or NO_SLOT; empty on the coarsest level.
    pub parent_bricks: Vec<u32>,
    /// For each slot, 8 slots of the next finer level, one per octant (NO_SLOT where that
    /// brick is not allocated); empty on the finest level.
    pub child_bricks: Vec<u32>,
    /// Fluid cells.
    pub fluid_cells: usize,
}

impl Level {
    /// The solver parameters of this level.
    pub fn params(&self) -> SolverParams {
        let (cells, stored) = (self.layout.cells.len() as u32, self.layout.stored_cells() as u32);
        SolverParams { h: self.h as f32, cells, stored, ..self.layout.storage() }
    }
}

/// All levels, finest first, and the coarsest one's exact solve.
#[derive(Clone, Debug)]
pub struct Hierarchy {
    /// The levels, finest first.
    pub levels: Vec<Level>,
    /// The coarsest level's solve.
    pub coarse: CoarseInverse,
}

/// The coarsest level solved exactly: the pseudo-inverse of its operator (M of
/// `solver/pressure_residual`), dense over its fluid cells (`solver/mg_coarse_solve`). Being a
/// fixed symmetric operator, it keeps the V-cycle a valid preconditioner for CG; where M is
/// singular (a region with no outlet) it leaves out the constant per region, as CG does.
#[derive(Clone, Debug, Default)]
pub struct CoarseInverse {
    /// The coarsest level's fluid cells (storage ids), the matrix's order.
    pub ids: Vec<u32>,
    /// The upper triangle, row after row (entry (i, j), i <= j, at [`cpu::packed_index`]),
    /// n (n + 1) / 2 values for n = `ids.len()`: the matrix is symmetric.
    pub inverse: Vec<f32>,
}

/// The coarsest level has at most this many fluid cells (its dense inverse at most 0.5 MiB).
pub const COARSEST_CELLS: usize = 512;

/// Fluid cells the coarsening aims at for a finest level of `fluid_cells`: sqrt(2 N), within
/// 64..=[`COARSEST_CELLS`], so the dense inverse costs at most 4 bytes and 2 multiply-adds per
/// fluid cell of the finest level (above 64^2 / 2 of them), and fewer levels than coarsening to
/// a fixed handful of cells would take.
pub fn coarsest_target(fluid_cells: usize) -> usize {
    ((2.0 * fluid_cells as f64).sqrt() as usize).clamp(64, COARSEST_CELLS)
}

impl CoarseInverse {
    /// The pseudo-inverse of `level`'s operator, assembled and inverted in f64 (eigenvalues
    /// below 1e-10 of the largest count as zero: the constants of regions without an outlet,
    /// whose eigenvalues come out near 1e-16; a chain of 512 cells has its smallest other one
    /// near 1e-5).
    pub fn new(level: &Level) -> CoarseInverse {
        let layout = &level.layout;
        let ids: Vec<u32> = (0..layout.cells.len() as u32).filter(|&id| layout.is_fluid(id)).collect();
        let n = ids.len();
        let mut row_of = vec![usize::MAX; layout.cells.len()];
        for (k, &id) in ids.iter().enumerate() {
            row_of[id as usize] = k;
        }
        // M p = (sum_f A_f (p - p_nb) + c p) / h^2, as cpu::pressure_residual applies it.
        let mut m = nalgebra::DMatrix::<f64>::zeros(n, n);
        for (i, &id) in ids.iter().enumerate() {
            for d in 0..6 {
                let Some(nb) = cpu::fluid_neighbour(&layout.view(), id, d) else { continue };
                let a = layout.aperture(id, d) as f64;
                m[(i, i)] += a;
                m[(i, row_of[nb as usize])] -= a;
            }
            m[(i, i)] += layout.boundary(id).coefficient as f64;
        }
        let m = (&m + m.transpose()) * (0.5 / (level.h * level.h));
        let eigen = m.symmetric_eigen();
        let largest = eigen.eigenvalues.iter().fold(0.0f64, |a, &l| a.max(l.abs()));
        // V diag(1 / l) V^T, the null space's eigenvalues left out.
        let inverted = eigen.eigenvalues.map(|l| if l.abs() > 1e-10 * largest { 1.0 / l } else { 0.0 });
        let v = &eigen.eigenvectors;
        let inverse = v * nalgebra::DMatrix::from_diagonal(&inverted) * v.transpose();
        // The upper triangle, row after row.
        let inverse = (0..n).flat_map(|i| (i..n).map(move |j| (i, j))).map(|(i, j)| inverse[(i, j)] as f32).collect();
        CoarseInverse { ids, inverse }
    }
}

impl Hierarchy {
    /// The hierarchy above the finest level (`bricks`, `layout`, spacing `h` in m).
    pub fn new(bricks: &Bricks, layout: &CellLayout, h: f64) -> Result<Hierarchy, SolverError> {
        let fluid_cells = (0..layout.cells.len() as u32).filter(|&id| layout.is_fluid(id)).count();
        let mut levels = vec![Level {
            bricks: bricks.clone(),
            layout: layout.clone(),
            h,
            parent_bricks: Vec::new(),
            child_bricks: Vec::new(),
            fluid_cells,
        }];
        let target = coarsest_target(fluid_cells);
        while levels.last().expect("one level").fluid_cells > target {
            let fine = levels.last().expect("one level");
            let (coarse, parent) = coarsen(fine)?;
            if coarse.fluid_cells >= fine.fluid_cells {
                break;
            }
            levels.last_mut().expect("one level").parent_bricks = parent;
            levels.push(coarse);
        }
        let coarsest = levels.last().expect("one level");
        if coarsest.fluid_cells > COARSEST_CELLS {
            return Err(SolverError::NoCoarsening(coarsest.fluid_cells));
        }
        let coarse = CoarseInverse::new(coarsest);
        Ok(Hierarchy { levels, coarse })
    }

    /// The coarsest level's fluid cells ([`CoarseInverse::ids`]) at their stored indices, as
    /// `solver/mg_coarse_solve` takes them.
    pub fn coarse_stored_ids(&self) -> Vec<u32> {
        self.levels.last().expect("one level").layout.stored_ids(&self.coarse.ids, NO_SLOT)
    }
}

/// A coarse cell: kind, volume fraction, apertures, outlet coefficient.
type CoarseCell = (u8, f32, [f32; 6], f32);

/// The next coarser level of `fine`, and the fine level's parent-brick table.
fn coarsen(fine: &Level) -> Result<(Level, Vec<u32>), SolverError> {
    let fdims = fine.bricks.dims;
    let dims = fdims.map(|d| (d / 2).next_multiple_of(BRICK));
    let b = BRICK as usize;
    let bdims = dims.map(|d| (d / BRICK) as usize);
    let n_fine = fine.layout.cells.len() as u32;
    let mut used = vec![false; bdims[0] * bdims[1] * bdims[2]];
    for id in 0..n_fine {
        if fine.layout.is_fluid(id) {
            let c = fine.bricks.cell_coords(id).map(|x| x as usize / 2);
            used[c[0] / b + bdims[0] * (c[1] / b + bdims[1] * (c[2] / b))] = true;
        }
    }
    let bricks = Bricks::new(dims, &used);
    let n = bricks.allocated_cells();
    let fine_fluid = |c: [i64; 3]| fine.bricks.cell_id(c).filter(|&id| fine.layout.is_fluid(id));
    // Per coarse cell: kind, volume, apertures, outlet coefficient.
    let per_cell: Vec<CoarseCell> = (0..n as u32)
        .into_par_iter()
        .map(|id| {
            let cc = bricks.cell_coords(id).map(|x| 2 * x as i64);
            let mut children = [NO_SLOT; 8];
            let (mut volume, mut outlet) = (0.0f32, 0.0f32);
            for (k, child) in children.iter_mut().enumerate() {
                let c = [cc[0] + (k as i64 & 1), cc[1] + ((k as i64 >> 1) & 1), cc[2] + (k as i64 >> 2)];
                if let Some(fid) = fine_fluid(c) {
                    *child = fid;
                    volume += fine.layout.volume(fid);
                    outlet += fine.layout.boundary(fid).coefficient;
                }
            }
            if children.iter().all(|&c| c == NO_SLOT) {
                return (kind::SOLID, 0.0, [0.0; 6], 0.0);
            }
            let mut aperture = [0.0f32; 6];
            for (d, dir) in DIRECTIONS.iter().enumerate() {
                let (axis, side) = (d / 2, d % 2);
                let mut sum = 0.0f32;
                for (k, &child) in children.iter().enumerate() {
                    if (k >> axis) & 1 != side || child == NO_SLOT {
                        continue;
                    }
                    let open = fine.bricks.neighbour(child, *dir).is_some_and(|nb| fine.layout.is_fluid(nb));
                    if open {
                        sum += fine.layout.aperture(child, d);
                    }
                }
                aperture[d] = sum / 4.0;
            }
            // The outlets' coefficients add as fluxes do: sum of the children's over 2 (a coarse
            // cell's equation is per (2h)^3, its gradient over 2h).
            (kind::FLUID, volume / 8.0, aperture, outlet / 2.0)
        })
        .collect();
    let kinds: Vec<u8> = per_cell.iter().map(|c| c.0).collect();
    let volume: Vec<f32> = per_cell.iter().map(|c| c.1).collect();
    let aperture: Vec<[f32; 6]> = per_cell.iter().map(|c| c.2).collect();
    let outlets: Vec<f32> = per_cell.iter().map(|c| c.3).collect();
    let outlet_bc = |id: usize| {
        (outlets[id] > 0.0).then(|| BoundaryRecord {
            kind: codes::OUTLET,
            coefficient: outlets[id],
            ..Default::default()
        })
    };
    let layout = CellLayout::from_cells(&bricks, &kinds, &volume, &aperture, &|_| [1.0; 6], &outlet_bc)?;
    // The slot of the brick at brick coordinates b on a level, or NO_SLOT outside its tiling
    // (no periodic wrap).
    let slot = |level: &Bricks, b: [u32; 3]| {
        if (0..3).any(|a| b[a] >= level.brick_dims[a]) {
            NO_SLOT
        } else {
            level.slot_at(b.map(i64::from))
        }
    };
    let parent_bricks: Vec<u32> = (fine.bricks.coords.iter())
        .map(|&b| match slot(&bricks, b.map(|x| x / 2)) {
            NO_SLOT => NO_SLOT,
            s => s * 8 + index::brick_octant(b),
        })
        .collect();
    let child_bricks: Vec<u32> = (bricks.coords.iter())
        .flat_map(|&b| (0..8u32).map(move |k| [b[0] * 2 + (k & 1), b[1] * 2 + ((k >> 1) & 1), b[2] * 2 + (k >> 2)]))
        .map(|c| slot(&fine.bricks, c))
        .collect();
    let fluid_cells = kinds.iter().filter(|&&k| k != kind::SOLID).count();
    Ok((Level { bricks, layout, h: 2.0 * fine.h, parent_bricks: Vec::new(), child_bricks, fluid_cells }, parent_bricks))
}

/// Multigrid settings.
#[derive(Clone, Copy, Debug)]
pub struct MultigridSettings {
    /// Smoothing steps (`solver/pressure_smooth`) before and after each coarse-grid
    /// correction, rounded up to an even number (they run in pairs, between e and a scratch).
    pub sweeps: usize,
}

impl Default for MultigridSettings {
    /// Two steps: on the oblique pipe and the aorta of tests/pressure_solver they take 7 CG
    /// iterations to 1e-6 where two weighted Jacobi sweeps (the smoother before) took 11, in as
    /// many dispatches.
    fn default() -> Self {
        MultigridSettings { sweeps: 2 }
    }
}

/// One V-cycle for M e = f on level `l` and below, from e = 0 (CPU twins): `s.sweeps` smoothing
/// steps that start each brick's sweep at red, the residual restricted (`mg_restrict` computes
/// it as it restricts), the coarser level's V-cycle, and as many steps that start at black, the
/// first of them reading the coarse correction prolonged (`params.prolong`). Each step's
/// adjoint is the one starting at the other colour, so the cycle is a symmetric operator, as
/// conjugate gradients needs of a preconditioner.
pub fn v_cycle_cpu(h: &Hierarchy, s: &MultigridSettings, l: usize, f: &[f32]) -> Vec<f32> {
    let level = &h.levels[l];
    let params = level.params();
    let n = level.layout.stored_cells();
    let mut e = vec![0.0f32; n];
    if l + 1 == h.levels.len() {
        cpu::mg_coarse_solve(&h.coarse_stored_ids(), &h.coarse.inverse, f, &mut e);
        return e;
    }
    let mut tmp = vec![0.0f32; n];
    // `sweeps` steps starting at `colour`, the first reading the correction `ec` if `prolonged`.
    let smooth = |e: &mut Vec<f32>, tmp: &mut Vec<f32>, colour: u32, ec: &[f32], prolonged: bool| {
        for k in 0..2 * s.sweeps.div_ceil(2) {
            let prolong = u32::from(prolonged && k == 0);
            let p = SolverParams { colour, prolong, ..params };
            let (lb, pb) = (&level.layout, &level.parent_bricks);
            cpu::pressure_smooth(&lb.view(), &p, f, e, pb, ec, tmp);
            std::mem::swap(e, tmp);
        }
    };
    smooth(&mut e, &mut tmp, RED, &[], false);
    let coarse = &h.levels[l + 1];
    let mut fc = vec![0.0f32; coarse.layout.stored_cells()];
    let (fine, children) = (&level.layout, &coarse.child_bricks);
    cpu::mg_restrict(&fine.view(), &params, f, &e, &coarse.layout.cells, children, &mut fc);
    let ec = v_cycle_cpu(h, s, l + 1, &fc);
    smooth(&mut e, &mut tmp, BLACK, &ec, true);
    e
}

/// Result of a pressure solve.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct SolveStats {
    /// Conjugate-gradient iterations (one V-cycle each).
    pub iterations: usize,
    /// Final |r| / |f| (Euclidean norms over the fluid cells).
    pub relative_residual: f64,
}

/// Solves M p = f on the finest level by conjugate gradients preconditioned with one V-cycle
/// (`f` and `p` on its stored cells, [`super::CellLayout::stored`]), from `p` as first guess, to
/// |r| <= tol |f| (one iteration at least) or `max_iterations` (CPU twins; the oracle of the GPU
/// solver). Where M is singular (no outlet), f must sum to zero over each connected region.
pub fn pcg_cpu(
    h: &Hierarchy,
    s: &MultigridSettings,
    f: &[f32],
    p: &mut [f32],
    tol: f64,
    max_iterations: usize,
) -> SolveStats {
    let level = &h.levels[0];
    let params = level.params();
    let n = f.len();
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum::<f64>();
    // The residual without its source is -M x (the source argument is not read).
    let operator = SolverParams { without_source: 1, ..params };
    let apply = |x: &[f32], out: &mut [f32]| {
        cpu::pressure_residual(&level.layout.view(), &operator, x, x, out);
        for v in out.iter_mut() {
            *v = -*v;
        }
    };
    let norm_f = dot(f, f).sqrt().max(f64::MIN_POSITIVE);
    let mut r = vec![0.0f32; n];
    cpu::pressure_residual(&level.layout.view(), &params, f, p, &mut r);
    let mut z = v_cycle_cpu(h, s, 0, &r);
    let mut d = z.clone();
    let mut rz = dot(&r, &z);
    let mut q = vec![0.0f32; n];
    let mut stats = SolveStats { iterations: 0, relative_residual: dot(&r, &r).sqrt() / norm_f };
    // One iteration at least, as the GPU's control takes (`cg_control`: from a first guess).
    while (stats.relative_residual > tol || stats.iterations == 0) && stats.iterations < max_iterations {
        apply(&d, &mut q);
        let dq = dot(&d, &q);
        let alpha = if dq != 0.0 { rz / dq } else { 0.0 };
        for i in 0..n {
            p[i] += (alpha * d[i] as f64) as f32;
            r[i] -= (alpha * q[i] as f64) as f32;
        }
        stats.iterations += 1;
        stats.relative_residual = dot(&r, &r).sqrt() / norm_f;
        z = v_cycle_cpu(h, s, 0, &r);
        let rz_new = dot(&r, &z);
        let beta = if rz != 0.0 { rz_new / rz } else { 0.0 };
        rz = rz_new;
        for i in 0..n {
            d[i] = z[i] + (beta * d[i] as f64) as f32;
        }
    }
    stats
}
