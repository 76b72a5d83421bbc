//! CPU twins of the solver kernels: the same per-cell arithmetic as `shaders/solver/*.wgsl`, in
//! f32, one function per stage with the stage's name. They are the oracles of the GPU-vs-CPU
//! tests and the stages of the CPU backend (`crate::gpu::host`). The heavy ones run in parallel
//! with rayon, over cells or (`pressure_smooth`) bricks: each cell's new values come from the
//! inputs as they were, so the results do not depend on the number of threads (a red-black half
//! sweep reads only the other colour). Where a stage reads a stencil that changes less often
//! than it runs (a level's pressure operator, [`PressureStencil`]; a step's viscous rows,
//! [`SweepStencil`]), its twin is that stencil's construction then a `_with` function applying
//! it, and the CPU backend keeps the stencil between runs. `benches/twins.rs` measures them.
//! As on the GPU, the per-cell arrays hold a grid's stored cells (`params.stored` values each, a
//! cell's at its stored index, [`CellView::stored`]); the grid itself is read by storage id.

use super::boundary::codes;
use super::layout::{is_fluid_word, rheology};
use super::wall_shear::{WallParams, WallPoint, WALL_STENCIL};
use super::{CellView, SolverParams};
use crate::grid::index::{self, BRICK_CELLS, NO_SLOT};
use rayon::prelude::*;

/// The momentum kernel's advective update divides by at least this volume fraction, so sliver
/// cut cells do not limit the time step (WGSL: ADVECTION_MIN_VOLUME in shared/advection.wgsl).
pub const ADVECTION_MIN_VOLUME: f32 = 0.5;

fn dot3(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Twin of `cap_flux` (shared/cells): the flux out of `id` through its cap over h^2 (m/s) before
/// projection: an inlet's imposed velocity or, at an outlet, the cell's velocity `uc`, across
/// the cap's open area; 0 elsewhere.
pub fn cap_flux(layout: &CellView, id: u32, uc: [f32; 3]) -> f32 {
    let b = layout.boundary(id);
    if b.kind == codes::INLET {
        inlet_volume_flux(layout, id)
    } else if b.kind == codes::OUTLET {
        b.open * dot3(uc, b.normal)
    } else {
        0.0
    }
}

/// Twin of `inlet_volume_flux` (shared/cells): an inlet cell's imposed volume flux out through
/// its cap over h^2 (m/s, negative for inflow); 0 in other cells.
pub fn inlet_volume_flux(layout: &CellView, id: u32) -> f32 {
    let b = layout.boundary(id);
    if b.kind != codes::INLET {
        return 0.0;
    }
    b.open * dot3(b.velocity, b.normal)
}

/// Twin of `face_volume_flux` (shared/advection): the volume flux out of `id` through its face
/// `d` towards the fluid neighbour `nb` over h^2 (m/s), from the velocity `u`.
fn face_volume_flux(layout: &CellView, u: &[f32], n: usize, id: u32, nb: u32, d: usize) -> f32 {
    let axis = d / 2;
    let side_sign = if d & 1 == 1 { 1.0 } else { -1.0 };
    let at = |c: u32| axis * n + stored(layout, c);
    side_sign * layout.aperture(id, d) * 0.5 * (u[at(id)] + u[at(nb)])
}

/// The stored index of cell `id`, which is stored (a fluid cell of a solver's grid).
#[inline]
fn stored(layout: &CellView, id: u32) -> usize {
    layout.stored(id).expect("a stored cell")
}

#[inline]
pub(crate) fn fluid_neighbour(layout: &CellView, id: u32, d: usize) -> Option<u32> {
    layout.face_neighbour(id, d).filter(|&nb| layout.is_fluid(nb))
}

/// Twin of `solver/divergence`: the pressure-increment source f = -V div / dt (1/s^2) of the
/// predicted face velocities' divergence div (Rhie-Chow: the centred pressure gradient of `p`,
/// the last step's pressure, swapped for the face one) from `u` (u*, m/s, component-major,
/// 3 * cells), and each cap cell's outlet flux over h^2 before the increment (0 off the outlets)
/// into `outflow`, by its boundary record ([`CellView::boundary_record`]).
pub fn divergence(layout: &CellView, params: &SolverParams, u: &[f32], p: &[f32], f: &mut [f32], outflow: &mut [f32]) {
    divergence_with(layout, &pressure_stencil(layout), params, u, p, f, outflow);
}

/// [`divergence`] with the grid's [`pressure_stencil`].
pub fn divergence_with(
    layout: &CellView,
    stencil: &PressureStencil,
    params: &SolverParams,
    u: &[f32],
    p: &[f32],
    f: &mut [f32],
    outflow: &mut [f32],
) {
    let n = params.stored as usize;
    let dt = params.dt;
    let at = |id: u32| stencil.stored(id);
    let cells = &mut f[..n];
    // Each cap cell writes its own record's entry.
    let outflow = Disjoint::new(outflow);
    cells.par_iter_mut().enumerate().for_each(|(i, f_i)| {
        let id = stencil.ids[i];
        if id == NO_SLOT {
            return;
        }
        let p_cap = |c: u32| layout.boundary(c).pressure;
        let grad = stencil.gradient(layout, params, p, id, p_cap(id));
        let mut s = 0.0f32;
        for (d, nb, a) in stencil.rows[id as usize].faces() {
            let axis = d / 2;
            let c = axis * n;
            let j = at(nb);
            let grad_nb = stencil.gradient_axis(layout, params, p, nb, axis, p_cap(nb));
            let outer = (stencil.fluid_neighbour(id, d ^ 1), stencil.fluid_neighbour(nb, d));
            let face = match outer {
                (Some(oa), Some(ob)) => (9.0 * (u[c + i] + u[c + j]) - u[c + at(oa)] - u[c + at(ob)]) / 16.0,
                _ => 0.5 * (u[c + i] + u[c + j]),
            };
            let uf = face + dt * 0.5 * (grad[axis] + grad_nb);
            let side_sign = if d & 1 == 1 { 1.0 } else { -1.0 };
            s += side_sign * a * uf - dt * a * (p[j] - p[i]) / params.h;
        }
        let uc = [u[i], u[n + i], u[2 * n + i]];
        let c_out = layout.boundary(id).coefficient;
        let mut out = 0.0;
        if c_out > 0.0 {
            let moved = [uc[0] + dt * grad[0], uc[1] + dt * grad[1], uc[2] + dt * grad[2]];
            out = cap_flux(layout, id, moved) + dt * c_out * (p[i] - p_cap(id)) / params.h;
            s += out;
        } else {
            s += cap_flux(layout, id, uc);
        }
        if let Some(r) = layout.boundary_record(id) {
            // SAFETY: a boundary record belongs to one cell.
            unsafe { outflow.set(r, out) };
        }
        // -V div / dt with div = s / (V h).
        *f_i = if dt > 0.0 { -s / (params.h * dt) } else { 0.0 };
    });
}

/// Twin of `solver/pressure_smooth`: one red-black Gauss-Seidel sweep of M p = f inside each
/// brick (colour `params.colour` first), from `p_in` into `p_out`, neighbours in other bricks
/// taken from `p_in`; with `params.prolong` = 1 every value read from `p_in` has the coarse
/// correction `e_coarse` added at its parent (through `parent_bricks`, as the shader).
#[allow(clippy::too_many_arguments)]
pub fn pressure_smooth(
    layout: &CellView,
    params: &SolverParams,
    f: &[f32],
    p_in: &[f32],
    parent_bricks: &[u32],
    e_coarse: &[f32],
    p_out: &mut [f32],
) {
    pressure_smooth_with(&pressure_stencil(layout), params, f, p_in, parent_bricks, e_coarse, p_out);
}

/// [`pressure_smooth`] on the level's [`pressure_stencil`].
pub fn pressure_smooth_with(
    stencil: &PressureStencil,
    params: &SolverParams,
    f: &[f32],
    p_in: &[f32],
    parent_bricks: &[u32],
    e_coarse: &[f32],
    p_out: &mut [f32],
) {
    let start_value = |id: u32| {
        let mut v = p_in[stencil.stored(id)];
        if params.prolong == 1 {
            let entry = parent_bricks[(id / BRICK_CELLS) as usize];
            if entry != NO_SLOT {
                v += e_coarse[index::parent_cell(id, entry) as usize];
            }
        }
        v
    };
    /// A cell's fixed part of the update: fluid, sum_f A_f, the other bricks' sum_f A_f p_nb,
    /// h^2 f, and its neighbours inside the brick (local index and A_f), in face order.
    #[derive(Default, Clone, Copy)]
    struct Fixed {
        fluid: bool,
        sa: f32,
        outside: f32,
        source: f32,
        inside: [(usize, f32); 6],
        inside_count: usize,
    }
    let n = BRICK_CELLS as usize;
    let bricks_count = (params.cells / BRICK_CELLS) as usize;
    // Each brick writes its own fluid cells.
    let out = Disjoint::new(p_out);
    (0..bricks_count).into_par_iter().for_each(|brick| {
        let brick = brick as u32;
        let mut block = [0.0f32; BRICK_CELLS as usize];
        let mut fixed = [Fixed::default(); BRICK_CELLS as usize];
        for (local, (value, cell)) in block.iter_mut().zip(fixed.iter_mut()).enumerate() {
            let id = brick * BRICK_CELLS + local as u32;
            let row = &stencil.rows[id as usize];
            if !row.fluid {
                continue;
            }
            cell.fluid = true;
            *value = start_value(id);
            for (_, nb, a) in row.faces() {
                cell.sa += a;
                if nb / BRICK_CELLS == brick {
                    cell.inside[cell.inside_count] = ((nb % BRICK_CELLS) as usize, a);
                    cell.inside_count += 1;
                } else {
                    cell.outside += a * start_value(nb);
                }
            }
            cell.sa += row.coefficient;
            cell.source = params.h * params.h * f[stencil.stored(id)];
        }
        for half in 0..2 {
            for local in 0..n {
                let c = index::local_coords(local as u32);
                let cell = fixed[local];
                if !cell.fluid || cell.sa == 0.0 || (c[0] + c[1] + c[2]) & 1 != params.colour ^ half {
                    continue;
                }
                let inside = &cell.inside[..cell.inside_count];
                let s = inside.iter().fold(cell.outside, |s, &(l, a)| s + a * block[l]);
                block[local] = (s + cell.source) / cell.sa;
            }
        }
        for (local, (value, cell)) in block.iter().zip(&fixed).enumerate() {
            if cell.fluid {
                // SAFETY: a cell's stored index is its own, written by its brick alone.
                unsafe { out.set(stencil.stored(brick * n as u32 + local as u32), *value) };
            }
        }
    });
}

/// The pressure operator's rows on one level, what `pressure_operator` (shared/pressure_operator) reads from the grid:
/// per cell whether it is fluid, its faces open to fluid in DIRECTIONS order (the neighbour
/// and the face's aperture A_f) and its outlet coefficient. It changes only with the grid (and
/// the outlets' records), so the CPU backend makes it once for a level's sweeps and residuals.
pub struct PressureStencil {
    rows: Vec<PressureRow>,
    /// Each stored index's cell (NO_SLOT in the runs' tail), `params.stored` of them.
    ids: Vec<u32>,
}

#[derive(Clone, Copy)]
struct PressureRow {
    fluid: bool,
    /// The fluid neighbour across each face, or NO_SLOT.
    neighbour: [u32; 6],
    /// The cell's stored index and its fluid neighbours' (NO_SLOT where not stored): the twins
    /// index the fields by them without looking them up per cell and component.
    at: u32,
    at_neighbour: [u32; 6],
    /// Each face's aperture (where it has a fluid neighbour).
    aperture: [f32; 6],
    coefficient: f32,
}

impl PressureRow {
    /// The faces open to fluid, in DIRECTIONS order: (face, neighbour, aperture).
    fn faces(&self) -> impl Iterator<Item = (usize, u32, f32)> + '_ {
        (0..6).filter(|&d| self.neighbour[d] != NO_SLOT).map(|d| (d, self.neighbour[d], self.aperture[d]))
    }
}

/// The [`PressureStencil`] of a level.
pub fn pressure_stencil(layout: &CellView) -> PressureStencil {
    let row = |id: u32| {
        let mut row = PressureRow {
            fluid: false,
            neighbour: [NO_SLOT; 6],
            at: NO_SLOT,
            at_neighbour: [NO_SLOT; 6],
            aperture: [0.0; 6],
            coefficient: 0.0,
        };
        let stored = |id: u32| layout.stored(id).map_or(NO_SLOT, |i| i as u32);
        // A solid cell of a brick stored whole has a stored index too.
        row.at = stored(id);
        if !layout.is_fluid(id) {
            return row;
        }
        row.fluid = true;
        for d in 0..6 {
            let Some(nb) = fluid_neighbour(layout, id, d) else { continue };
            (row.neighbour[d], row.at_neighbour[d], row.aperture[d]) = (nb, stored(nb), layout.aperture(id, d));
        }
        row.coefficient = layout.boundary(id).coefficient;
        row
    };
    let rows: Vec<PressureRow> = (0..layout.len() as u32).into_par_iter().with_min_len(64).map(row).collect();
    let mut ids = vec![NO_SLOT; layout.stored_cells()];
    for (id, row) in rows.iter().enumerate().filter(|(_, row)| row.at != NO_SLOT) {
        ids[row.at as usize] = id as u32;
    }
    PressureStencil { rows, ids }
}

impl PressureStencil {
    /// The stored index of cell `id`, which is stored.
    fn stored(&self, id: u32) -> usize {
        self.rows[id as usize].at as usize
    }

    /// Twin of `pressure_operator` (shared/pressure_operator): h^2 (M p) at fluid cell `id`,
    /// sum_f A_f (p - p_nb) over the faces open to fluid plus the outlet coefficient times p.
    fn operator(&self, p: &[f32], id: u32) -> f32 {
        let row = &self.rows[id as usize];
        let pc = p[row.at as usize];
        let m = row.faces().fold(0.0f32, |m, (d, _, a)| m + a * (pc - p[row.at_neighbour[d] as usize]));
        m + row.coefficient * pc
    }

    /// The fluid neighbour of `id` across face `d`, as [`fluid_neighbour`] finds it.
    fn fluid_neighbour(&self, id: u32, d: usize) -> Option<u32> {
        let nb = self.rows[id as usize].neighbour[d];
        (nb != NO_SLOT).then_some(nb)
    }

    /// Twin of `pressure_gradient_axis` (shared/gradient): component `axis` of the gradient of
    /// `p` at the centre of `id` (the aperture-weighted mean of the open faces' gradients along
    /// the axis, an outlet's towards `p_cap`), m/s^2 for a kinematic pressure; `layout` is the
    /// level's grid (for the outlet's record).
    pub fn gradient_axis(
        &self,
        layout: &CellView,
        params: &SolverParams,
        p: &[f32],
        id: u32,
        axis: usize,
        p_cap: f32,
    ) -> f32 {
        let row = &self.rows[id as usize];
        let pc = p[row.at as usize];
        let (mut g, mut w) = (0.0f32, 0.0f32);
        if row.coefficient > 0.0 {
            let b = layout.boundary(id);
            let na = b.normal[axis];
            g += na.abs() * na * b.coefficient * (p_cap - pc) / params.h;
            w += b.open * na.abs();
        }
        for side in 0..2 {
            let d = 2 * axis + side;
            let nb = row.neighbour[d];
            if nb == NO_SLOT {
                continue;
            }
            let side_sign = if side == 1 { 1.0 } else { -1.0 };
            let a = row.aperture[d];
            g += a * side_sign * (p[row.at_neighbour[d] as usize] - pc) / params.h;
            w += a;
        }
        if w > 0.0 {
            g / w.max(1e-30)
        } else {
            0.0
        }
    }

    /// Twin of `pressure_gradient` (shared/gradient): the three components of
    /// [`Self::gradient_axis`].
    pub fn gradient(&self, layout: &CellView, params: &SolverParams, p: &[f32], id: u32, p_cap: f32) -> [f32; 3] {
        std::array::from_fn(|axis| self.gradient_axis(layout, params, p, id, axis, p_cap))
    }
}

/// Twin of `solver/pressure_residual`: r = f - M p (-M p with `params.without_source`; 0 in a
/// stored solid cell).
pub fn pressure_residual(layout: &CellView, params: &SolverParams, f: &[f32], p: &[f32], r: &mut [f32]) {
    pressure_residual_with(&pressure_stencil(layout), params, f, p, r);
}

/// [`pressure_residual`] on the level's [`pressure_stencil`].
pub fn pressure_residual_with(stencil: &PressureStencil, params: &SolverParams, f: &[f32], p: &[f32], r: &mut [f32]) {
    // The bricks stored whole come first, each cell at its storage id.
    let whole = (params.bricks_with[BRICK_CELLS as usize - 1] * BRICK_CELLS) as usize;
    r[..params.stored as usize].par_iter_mut().enumerate().with_min_len(64).for_each(|(i, r)| {
        let id = stencil.ids[i];
        if id != NO_SLOT {
            let m = stencil.operator(p, id);
            let source = if params.without_source == 1 { 0.0 } else { f[i] };
            *r = source - m / (params.h * params.h);
        } else if i < whole {
            // A stored solid cell.
            *r = 0.0;
        }
    });
}

/// Where entry (i, j) of a symmetric n x n matrix lies in its upper triangle stored row after row
/// (twin of `packed_index` in `solver/mg_coarse_solve`).
pub fn packed_index(n: usize, i: usize, j: usize) -> usize {
    let (a, b) = (i.min(j), i.max(j));
    a * n - a * (a + 1) / 2 + b
}

/// Twin of `solver/mg_coarse_solve`: e[ids[i]] = sum_j M+_ij f[ids[j]] in order of j, M+ the
/// symmetric `inverse` stored as its upper triangle ([`packed_index`]), for the n = `ids.len()`
/// fluid cells of the coarsest level (other cells of `e` untouched).
pub fn mg_coarse_solve(ids: &[u32], inverse: &[f32], f: &[f32], e: &mut [f32]) {
    let n = ids.len();
    let at = |i: usize, j: usize| inverse[packed_index(n, i, j)];
    let rows: Vec<f32> = (0..n)
        .into_par_iter()
        .map(|i| ids.iter().enumerate().fold(0.0f32, |s, (j, &id)| s + at(i, j) * f[id as usize]))
        .collect();
    for (&id, value) in ids.iter().zip(rows) {
        e[id as usize] = value;
    }
}

/// Twin of `solver/mg_restrict`: f_coarse = (sum of the 8 children's residual f - M p) / 8 in
/// the fluid cells of the coarse level (its cell words `coarse_cells`), 0 elsewhere; `fine`,
/// `params`, `f` and `p` are the finer level's, and `child_bricks` holds its slot for each octant
/// of each coarse slot.
#[allow(clippy::too_many_arguments)]
pub fn mg_restrict(
    fine: &CellView,
    params: &SolverParams,
    f: &[f32],
    p: &[f32],
    coarse_cells: &[u32],
    child_bricks: &[u32],
    f_coarse: &mut [f32],
) {
    mg_restrict_with(&pressure_stencil(fine), params, f, p, coarse_cells, child_bricks, f_coarse);
}

/// [`mg_restrict`] on the finer level's [`pressure_stencil`].
pub fn mg_restrict_with(
    fine: &PressureStencil,
    params: &SolverParams,
    f: &[f32],
    p: &[f32],
    coarse_cells: &[u32],
    child_bricks: &[u32],
    f_coarse: &mut [f32],
) {
    let h2 = params.h * params.h;
    f_coarse[..coarse_cells.len()].par_iter_mut().enumerate().with_min_len(64).for_each(|(id, out)| {
        let id = id as u32;
        let fine_slot = child_bricks[(id / BRICK_CELLS) as usize * 8 + index::child_octant(id) as usize];
        *out = if is_fluid_word(coarse_cells[id as usize]) && fine_slot != NO_SLOT {
            let s = (0..8).map(|k| index::child_cell(id, fine_slot, k)).fold(0.0f32, |s, child| {
                if fine.rows[child as usize].fluid {
                    s + (f[fine.stored(child)] - fine.operator(p, child) / h2)
                } else {
                    s
                }
            });
            s * 0.125
        } else {
            0.0
        };
    });
}

/// Twin of `solver/cap_gather`: for the caps' cell list `ids` (and their boundary `records`),
/// the cells' `outflow` values, then their `p` values.
pub fn cap_gather(ids: &[u32], records: &[u32], outflow: &[f32], p: &[f32]) -> Vec<f32> {
    records.iter().map(|&r| outflow[r as usize]).chain(ids.iter().map(|&id| p[id as usize])).collect()
}

/// Twin of `solver/speed_max`: the largest |u_x| + |u_y| + |u_z| (m/s) over the `n` cells of the
/// component-major velocity `u`, +infinity if any is not finite; 0 for no cells.
pub fn speed_max(u: &[f32], n: usize) -> f32 {
    maximum((0..n).map(|i| u[i].abs() + u[n + i].abs() + u[2 * n + i].abs()))
}

/// Twin of `solver/velocity_change`: the largest |u_x - v_x| + |u_y - v_y| + |u_z - v_z| (m/s)
/// over the `n` cells of the component-major velocities `u` (after a step) and `v` (before),
/// +infinity if any is not finite; 0 for no cells.
pub fn velocity_change(u: &[f32], v: &[f32], n: usize) -> f32 {
    maximum((0..n).map(|i| (0..3).map(|c| (u[c * n + i] - v[c * n + i]).abs()).fold(0.0, |a, b| a + b)))
}

/// Twin of `shared/maximum`: the largest of non-negative `values`, a value that is not finite
/// counting as +infinity; 0 for none.
fn maximum(values: impl Iterator<Item = f32>) -> f32 {
    values.map(|s| if s <= f32::MAX { s } else { f32::INFINITY }).fold(0.0, f32::max)
}

/// Twin of `solver/project`: u = u* - dt grad(dp) in the fluid cells for the pressure
/// increment `p` (0 across outlets), `outflow` (the outlet fluxes from `divergence`, by boundary
/// record)
/// += dt c dp / h and `pressure` += dp; what `u` and `pressure` held (u^n, p^n) goes into `u_star`
/// and `pressure_before`.
#[allow(clippy::too_many_arguments)]
pub fn project(
    layout: &CellView,
    params: &SolverParams,
    p: &[f32],
    u_star: &mut [f32],
    u: &mut [f32],
    outflow: &mut [f32],
    pressure: &mut [f32],
    pressure_before: &mut [f32],
) {
    project_with(layout, &pressure_stencil(layout), params, p, u_star, u, outflow, pressure, pressure_before);
}

/// [`project`] with the grid's [`pressure_stencil`].
#[allow(clippy::too_many_arguments)]
pub fn project_with(
    layout: &CellView,
    stencil: &PressureStencil,
    params: &SolverParams,
    p: &[f32],
    u_star: &mut [f32],
    u: &mut [f32],
    outflow: &mut [f32],
    pressure: &mut [f32],
    pressure_before: &mut [f32],
) {
    let n = params.stored as usize;
    let ([ux, uy, uz], [sx, sy, sz]) = (components(u, n), components(u_star, n));
    let velocity = (ux.par_iter_mut(), uy.par_iter_mut(), uz.par_iter_mut());
    let predicted = (sx.par_iter_mut(), sy.par_iter_mut(), sz.par_iter_mut());
    let scalars = (pressure[..n].par_iter_mut(), pressure_before[..n].par_iter_mut());
    // Each cap cell updates its own record's entry.
    let outflow = Disjoint::new(outflow);
    (velocity, predicted, scalars).into_par_iter().enumerate().for_each(|(i, (velocity, predicted, scalars))| {
        let id = stencil.ids[i];
        if id == NO_SLOT {
            return;
        }
        let (pressure, before) = scalars;
        *before = *pressure;
        *pressure += p[i];
        let (out, star) = ([velocity.0, velocity.1, velocity.2], [predicted.0, predicted.1, predicted.2]);
        if let Some(r) = layout.boundary_record(id) {
            // SAFETY: a boundary record belongs to one cell.
            unsafe { outflow.set(r, outflow.get(r) + params.dt * layout.boundary(id).coefficient * p[i] / params.h) };
        }
        let grad = stencil.gradient(layout, params, p, id, 0.0);
        for (axis, (v, s)) in out.into_iter().zip(star).enumerate() {
            let projected = *s - params.dt * grad[axis];
            *s = *v;
            *v = projected;
        }
    });
}

/// The three components of a component-major array of `n` cells, each `n` long.
fn components(v: &mut [f32], n: usize) -> [&mut [f32]; 3] {
    let (x, rest) = v[..3 * n].split_at_mut(n);
    let (y, z) = rest.split_at_mut(n);
    [x, y, z]
}

/// Kind of one side of a cell's viscous stencil (WGSL: SIDE_* in shared/viscous.wgsl).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// A fluid neighbour.
    Fluid(u32),
    /// A no-slip wall; `true` when it carries the cap's velocity (inlet, moving wall).
    Wall(bool),
    /// An outlet: zero normal gradient, no term.
    Skip,
}

/// Twin of `stencil_geometry` (shared/viscous.wgsl): the Shortley-Weller sides, geometric
/// coefficients 2 / (dist * sum * h^2) (1/m^2) and distances over h of fluid cell `id`, in
/// DIRECTIONS order.
pub fn stencil_geometry(layout: &CellView, params: &SolverParams, id: u32) -> [(Side, f32, f32); 6] {
    let b = layout.boundary(id);
    let bc_type = b.kind;
    let h2 = params.h * params.h;
    let mut out = [(Side::Skip, 0.0f32, 1.0f32); 6];
    for axis in 0..3 {
        let mut dist = [1.0f32; 2];
        for (side, dist) in dist.iter_mut().enumerate() {
            let d = 2 * axis + side;
            out[d].0 = match fluid_neighbour(layout, id, d) {
                Some(nb) => Side::Fluid(nb),
                None => {
                    let l = layout.link(id, d);
                    *dist = if l < 1.0 { l } else { 0.5 };
                    if bc_type != codes::NONE && b.cap_sides & (1 << d) != 0 {
                        if bc_type == codes::OUTLET {
                            Side::Skip
                        } else {
                            Side::Wall(true)
                        }
                    } else {
                        Side::Wall(false)
                    }
                }
            };
        }
        let sum = dist[0] + dist[1];
        for side in 0..2 {
            out[2 * axis + side].1 = 2.0 / (dist[side] * sum * h2);
            out[2 * axis + side].2 = dist[side];
        }
    }
    out
}

/// Twin of `cell_viscosity` (shared/viscous.wgsl): `params.nu`, or the viscosity of fluid cell
/// `id` for a non-Newtonian fluid, m^2/s.
#[inline]
pub fn cell_viscosity(layout: &CellView, params: &SolverParams, viscosity: &[f32], id: u32) -> f32 {
    if params.rheology == rheology::NEWTONIAN {
        params.nu
    } else {
        viscosity[stored(layout, id)]
    }
}

/// Twin of `viscous_stencil` (shared/viscous.wgsl): the sides and coefficients (1/s) of fluid
/// cell `id`, each geometric coefficient times its face's viscosity (the mean of the two cells'
/// for a fluid side, the cell's for the others).
pub fn viscous_stencil(layout: &CellView, params: &SolverParams, viscosity: &[f32], id: u32) -> [(Side, f32); 6] {
    viscous_coefficients(layout, params, viscosity, id, &stencil_geometry(layout, params, id))
}

/// [`viscous_stencil`] from the cell's [`stencil_geometry`], already computed.
fn viscous_coefficients(
    layout: &CellView,
    params: &SolverParams,
    viscosity: &[f32],
    id: u32,
    geometry: &[(Side, f32, f32); 6],
) -> [(Side, f32); 6] {
    let nu = cell_viscosity(layout, params, viscosity, id);
    if params.rheology == rheology::NEWTONIAN {
        return geometry.map(|(side, coef, _)| (side, coef * nu));
    }
    geometry.map(|(side, coef, _)| {
        let nu_face = match side {
            Side::Fluid(nb) => 0.5 * (nu + cell_viscosity(layout, params, viscosity, nb)),
            _ => nu,
        };
        (side, coef * nu_face)
    })
}

/// Twin of `apparent_viscosity` (shared/viscous.wgsl): the kinematic viscosity (m^2/s) of
/// `params.rheology` at shear rate `gamma` (1/s), capped at `params.nu_max`.
pub fn apparent_viscosity(params: &SolverParams, gamma: f32) -> f32 {
    let nu = match params.rheology {
        rheology::CARREAU_YASUDA => {
            let base = 1.0 + (params.relaxation * gamma).powf(params.power_a);
            params.nu_infinity
                + (params.nu_zero - params.nu_infinity) * base.powf((params.power_n - 1.0) / params.power_a)
        }
        rheology::CASSON => {
            let root = (params.yield_stress / gamma.max(1e-30)).sqrt() + params.nu_infinity.sqrt();
            root * root
        }
        _ => params.nu,
    };
    nu.min(params.nu_max)
}

/// Twin of `solver/shear_viscosity`: each fluid cell's apparent viscosity (m^2/s) from the
/// shear rate of `u`.
pub fn shear_viscosity(layout: &CellView, params: &SolverParams, u: &[f32], viscosity: &mut [f32]) {
    let n = params.stored as usize;
    for id in 0..params.cells {
        if !layout.is_fluid(id) {
            continue;
        }
        let i = stored(layout, id);
        let st = stencil_geometry(layout, params, id);
        let wall = layout.boundary(id).velocity;
        let value = |d: usize, c: usize| match st[d].0 {
            Side::Fluid(nb) => u[c * n + stored(layout, nb)],
            Side::Wall(moving) => {
                if moving {
                    wall[c]
                } else {
                    0.0
                }
            }
            Side::Skip => u[c * n + i],
        };
        let mut g = [[0.0f32; 3]; 3];
        for (a, row) in g.iter_mut().enumerate() {
            let (dm, dp) = (st[2 * a].2, st[2 * a + 1].2);
            for (c, x) in row.iter_mut().enumerate() {
                let uc = u[c * n + i];
                let (um, up) = (value(2 * a, c), value(2 * a + 1, c));
                *x = (dm * dm * (up - uc) + dp * dp * (uc - um)) / (dm * dp * (dm + dp) * params.h);
            }
        }
        let mut ss = 0.0f32;
        for (a, row) in g.iter().enumerate() {
            for (b, &gab) in row.iter().enumerate() {
                let s = 0.5 * (gab + g[b][a]);
                ss += s * s;
            }
        }
        viscosity[i] = apparent_viscosity(params, (2.0 * ss).sqrt());
    }
}

/// The momentum kernel's advective differences take a side that carries a velocity (an inlet's
/// cap, a moving wall) nearer than this (over h) as this far (WGSL: ADVECTION_MIN_DISTANCE in
/// shared/advection.wgsl).
pub const ADVECTION_MIN_DISTANCE: f32 = 0.5;

/// ... and a no-slip wall nearer than this (WGSL: ADVECTION_MIN_WALL_DISTANCE).
pub const ADVECTION_MIN_WALL_DISTANCE: f32 = 0.1;

/// Twin of `AxisDifference` (shared/advection.wgsl): the advective difference along one axis as
/// weights, 1/m, on the cell's own value, three cells' values (upwind, downwind, behind the
/// upwind one; the cell itself where unused, with weight 0; [`axis_difference`] gives their
/// storage ids, the caller turns them into stored indices) and the moving sides' velocity;
/// `near` the own weight of a difference through a wall or cap at its distance (0 between cells).
struct AxisDifference {
    cells: [u32; 3],
    weights: [f32; 3],
    own: f32,
    wall: f32,
    near: f32,
}

/// Twin of `near_wall_rate` (shared/advection.wgsl): the rate, 1/s, at which the differences
/// through walls and caps take the cell's own value for a flow of velocity `v`.
fn near_wall_rate(v: [f32; 3], differences: &[AxisDifference; 3]) -> f32 {
    (0..3).map(|axis| (v[axis] * differences[axis].near).max(0.0)).sum()
}

impl AxisDifference {
    /// The derivative of component `c` of `v` at cell value `vc`, with `wall` the velocity of
    /// the cell's moving sides.
    fn apply(&self, v: &[f32], n: usize, c: usize, vc: f32, wall: [f32; 3]) -> f32 {
        let at = |k: usize| v[c * n + self.cells[k] as usize];
        self.own * vc
            + self.weights[0] * at(0)
            + self.weights[1] * at(1)
            + self.weights[2] * at(2)
            + self.wall * wall[c]
    }
}

/// Twin of `axis_difference` (shared/advection.wgsl): along `axis`, the advective difference at
/// fluid cell `id` for a flow of velocity component `w` along the axis, from the cell's stencil
/// `st`, with `fluid_beyond(nb, d)` the fluid neighbour of cell nb through its face d.
fn axis_difference(
    fluid_beyond: impl Fn(u32, usize) -> Option<u32>,
    h: f32,
    id: u32,
    axis: usize,
    w: f32,
    st: &[(Side, f32, f32); 6],
) -> AxisDifference {
    let forward = w >= 0.0;
    let up = if forward { 2 * axis } else { 2 * axis + 1 };
    let down = up ^ 1;
    let scale = if forward { 1.0 } else { -1.0 } / h;
    let mut out = AxisDifference { cells: [id; 3], weights: [0.0; 3], own: 0.0, wall: 0.0, near: 0.0 };
    if let Side::Fluid(nb_up) = st[up].0 {
        if let Some(behind) = fluid_beyond(nb_up, up) {
            out.cells = [nb_up, id, behind];
            (out.own, out.weights) = if let Side::Fluid(nb_down) = st[down].0 {
                out.cells[1] = nb_down;
                (0.5, [-1.0, 1.0 / 3.0, 1.0 / 6.0])
            } else {
                (1.5, [-2.0, 0.0, 0.5])
            };
            out.own *= scale;
            out.weights = out.weights.map(|x| x * scale);
            return out;
        }
    }
    let dist = |d: usize| match st[d].0 {
        Side::Wall(true) => st[d].2.max(ADVECTION_MIN_DISTANCE),
        Side::Wall(false) => st[d].2.max(ADVECTION_MIN_WALL_DISTANCE),
        _ => 1.0,
    };
    let (a, b) = (dist(up), dist(down));
    let (w_up, w_down) = if b < a || matches!(st[up].0, Side::Wall(true) | Side::Skip) {
        out.own = scale / a;
        (-scale / a, 0.0)
    } else {
        out.own = scale * (b * b - a * a) / (a * b * (a + b));
        (-scale * b / (a * (a + b)), scale * a / (b * (a + b)))
    };
    for (k, d, weight) in [(0, up, w_up), (1, down, w_down)] {
        match st[d].0 {
            Side::Fluid(nb) => (out.cells[k], out.weights[k]) = (nb, weight),
            Side::Wall(true) => out.wall += weight,
            Side::Wall(false) => {}
            Side::Skip => out.own += weight,
        }
    }
    out.near = out.own;
    out
}

/// Twin of `solver/momentum`: Runge-Kutta stage `params.stage` of the explicit part of the
/// predictor, from u^n `u` and the velocity advection is evaluated at, `u_eval`, into `out`:
/// u1 (stage 0, which also writes K = dt C_off into `k`), u2 (stage 1, which reads K in `out`
/// first), or the viscous solve's right-hand side (stage 2, which reads u1 in `out` first,
/// evaluates K from `u` and `p` afresh and recovers the earlier stages' advection from u1, u2 and
/// K; and the implicit mode's one pass). Only stage 0 uses `k`.
#[allow(clippy::too_many_arguments)]
pub fn momentum(
    layout: &CellView,
    params: &SolverParams,
    u: &[f32],
    u_eval: &[f32],
    out: &mut [f32],
    k: &mut [f32],
    p: &[f32],
    viscosity: &[f32],
) {
    let stencil = pressure_stencil(layout);
    momentum_with(layout, &stencil, params, u, u_eval, out, k, p, viscosity);
}

/// [`momentum`] with the grid's [`pressure_stencil`].
#[allow(clippy::too_many_arguments)]
pub fn momentum_with(
    layout: &CellView,
    stencil: &PressureStencil,
    params: &SolverParams,
    u: &[f32],
    u_eval: &[f32],
    out: &mut [f32],
    k: &mut [f32],
    p: &[f32],
    viscosity: &[f32],
) {
    let n = params.stored as usize;
    let h = params.h;
    let stage = params.stage;
    let force = [params.force_x, params.force_y, params.force_z];
    // Each cell's output (and stage 0's K), from the inputs and its own old output only (stage
    // 1's K, stage 2's u1), written in parallel (each cell its own entries).
    let output = Disjoint::new(out);
    let k_output = Disjoint::new(if stage == 0 { k } else { &mut [] });
    // SAFETY: cell i reads and writes entries c n + i only.
    let out_in = |k: usize| unsafe { output.get(k) };
    let at = |id: u32| stencil.stored(id);
    let cell = |id: u32| -> ([f32; 3], [f32; 3]) {
        let row = &stencil.rows[id as usize];
        let i = row.at as usize;
        let vol_adv = layout.volume(id).max(ADVECTION_MIN_VOLUME) * h;
        let b = layout.boundary(id);
        let (bc_type, bc_velocity) = (b.kind, b.velocity);
        let implicit = params.implicit_advection == 1;
        let geometry = stencil_geometry(layout, params, id);
        let coefs = viscous_coefficients(layout, params, viscosity, id, &geometry);
        // Stage 1 takes K as stage 0 left it; the others evaluate it.
        let evaluate = stage != 1 || implicit;
        let un = [u[i], u[n + i], u[2 * n + i]];
        let v = [u_eval[i], u_eval[n + i], u_eval[2 * n + i]];
        let differences: [AxisDifference; 3] = std::array::from_fn(|axis| {
            let mut d = axis_difference(|nb, d| stencil.fluid_neighbour(nb, d), h, id, axis, v[axis], &geometry);
            d.cells = d.cells.map(|c| at(c) as u32);
            d
        });
        let near_rate = near_wall_rate(v, &differences);
        let backflow = if bc_type == codes::OUTLET {
            0.5 * params.backflow * (-cap_flux(layout, id, un)).max(0.0) / vol_adv
        } else {
            0.0
        };
        let diagonal = coefs.iter().filter(|(side, _)| *side != Side::Skip).fold(backflow, |s, (_, coef)| s + coef);
        let fluid_sides =
            coefs.iter().filter(|(side, _)| matches!(side, Side::Fluid(_))).fold(0.0, |s, (_, coef)| s + coef);
        let grad_p = if evaluate { stencil.gradient(layout, params, p, id, b.pressure) } else { [0.0; 3] };
        let dt = params.dt;
        // The implicit pass's inflow through each face (over the volume), the same for every
        // component.
        let mut inflows = [0.0f32; 6];
        if implicit && stage != 1 {
            for (d, nb, _) in stencil.rows[id as usize].faces() {
                inflows[d] = (-face_volume_flux(layout, u, n, id, nb, d)).max(0.0) / vol_adv;
            }
        }
        // Stage 1's K, stage 2's u1.
        let left: [f32; 3] = std::array::from_fn(|c| if stage != 0 && !implicit { out_in(c * n + i) } else { 0.0 });
        let (mut out_new, mut k_new) = ([0.0f32; 3], [0.0f32; 3]);
        for c in 0..3 {
            let uc = un[c];
            let mut advection = 0.0f32;
            for (axis, diff) in differences.iter().enumerate() {
                advection -= v[axis] * diff.apply(u_eval, n, c, v[c], bc_velocity);
            }
            if !evaluate {
                // u2 = 3/4 u + 1/4 (u1 + dt (A(u1) + C_off - D u2')).
                let stepped = (v[c] + dt * advection + left[c]) / (1.0 + dt * diagonal);
                out_new[c] = 0.75 * uc + 0.25 * stepped;
                continue;
            }
            let (mut lap, mut wall_value) = (0.0f32, 0.0f32);
            for (d, (side, coef)) in coefs.iter().enumerate() {
                match side {
                    Side::Fluid(_) => lap += coef * (u[c * n + row.at_neighbour[d] as usize] - uc),
                    Side::Wall(true) => wall_value += coef * bc_velocity[c],
                    _ => {}
                }
            }
            // C = off - diagonal u, and K = dt off.
            let off = lap + fluid_sides * uc + wall_value + force[c] - grad_p[c];
            let k_off = dt * off;
            if stage == 0 && !implicit {
                out_new[c] = (uc + dt * (advection + off)) / (1.0 + dt * diagonal);
                k_new[c] = k_off;
                continue;
            }
            if !implicit {
                // The earlier stages' advection (times dt) from u1, u2 and K.
                let u1 = left[c];
                let a0 = u1 * (1.0 + dt * diagonal) - uc - k_off;
                let a1 = (4.0 * v[c] - 3.0 * uc) * (1.0 + dt * diagonal) - u1 - k_off;
                let base = uc + k_off - dt * (0.5 * lap + (fluid_sides + backflow) * uc);
                out_new[c] = base + (a0 + a1) / 6.0 + dt * advection * (2.0 / 3.0);
                continue;
            }
            // rhs of the viscous solve without the advective tendency.
            let base = uc + dt * (0.5 * lap + wall_value + force[c] - grad_p[c] - backflow * uc);
            // Implicit: backward Euler, the first-order upwind operator and the near-wall
            // differences' own part that viscous_sweep subtracts at the new velocity.
            let mut t = advection + ((-inlet_volume_flux(layout, id)).max(0.0) / vol_adv + near_rate) * uc;
            for (d, nb, _) in stencil.rows[id as usize].faces() {
                t += inflows[d] * (uc - u[c * n + at(nb)]);
            }
            out_new[c] = base + dt * t;
        }
        (out_new, k_new)
    };
    // The fluid cells (as the kernel: a brick stored whole also stores its solid cells).
    let fluid = |id: u32| id != NO_SLOT && stencil.rows[id as usize].fluid;
    stencil.ids[..n].par_iter().with_min_len(BRICK_CELLS as usize).filter(|&&id| fluid(id)).for_each(|&id| {
        let i = at(id);
        let (values, k_values) = cell(id);
        for c in 0..3 {
            // SAFETY: as above.
            unsafe { output.set(c * n + i, values[c]) };
            if stage == 0 {
                // SAFETY: as above.
                unsafe { k_output.set(c * n + i, k_values[c]) };
            }
        }
    });
}

/// A slice written by parallel cells at disjoint entries: entry k is read and written by one
/// cell only, or written by one cell and read by none while it is (a red-black sweep's cells
/// read the other colour). The callers keep that contract; the twins stay free of a serial
/// scatter of their results.
struct Disjoint<'a> {
    ptr: *mut f32,
    len: usize,
    _slice: std::marker::PhantomData<&'a mut [f32]>,
}

// SAFETY: the writes are disjoint (the contract above).
unsafe impl Sync for Disjoint<'_> {}

impl<'a> Disjoint<'a> {
    fn new(slice: &'a mut [f32]) -> Disjoint<'a> {
        Disjoint { ptr: slice.as_mut_ptr(), len: slice.len(), _slice: std::marker::PhantomData }
    }

    /// # Safety
    /// No other thread writes entry `k` meanwhile.
    unsafe fn get(&self, k: usize) -> f32 {
        assert!(k < self.len, "entry {k} of {}", self.len);
        unsafe { *self.ptr.add(k) }
    }

    /// # Safety
    /// No other thread reads or writes entry `k` meanwhile.
    unsafe fn set(&self, k: usize, x: f32) {
        assert!(k < self.len, "entry {k} of {}", self.len);
        unsafe { *self.ptr.add(k) = x }
    }
}

/// Twin of `solver/viscous_sweep`: the half of a red-black Gauss-Seidel sweep of the implicit
/// viscous system (with the upwind advection by `u` and the near-wall differences' own rate when
/// `params.implicit_advection` is 1) that
/// updates the cells of colour `params.colour` ([`index::coloured_cell`]) of `v` in place from
/// the other colour's values: [`sweep_stencil`], then [`viscous_sweep_with`].
#[allow(clippy::too_many_arguments)]
pub fn viscous_sweep(
    layout: &CellView,
    params: &SolverParams,
    rhs: &[f32],
    u: &[f32],
    v: &mut [f32],
    viscosity: &[f32],
) {
    viscous_sweep_with(&sweep_stencil(layout, params, u, viscosity), params, rhs, v);
}

/// The viscous sweep's system at the cells of one colour: what does not change between the
/// sweeps of a step (the grid, the parameters, the advecting velocity and the viscosity), so
/// that the CPU backend makes it once for the step's sweeps of that colour.
pub struct SweepStencil {
    cells: Vec<SweepCell>,
}

/// One cell's row: its stored index, its diagonal, its fluid sides' coefficients (in side
/// order) and its inflowing faces' advection weights (in face order), each with the
/// neighbour's stored index; `diag` 0 for a solid cell (left as it is).
#[derive(Clone, Copy, Default)]
struct SweepCell {
    stored: u32,
    diag: f32,
    fluid: [(f32, u32); 6],
    fluid_count: u8,
    inflow: [(f32, u32); 6],
    inflow_count: u8,
}

/// The rows of the cells of colour `params.colour` (see [`viscous_sweep`]).
pub fn sweep_stencil(layout: &CellView, params: &SolverParams, u: &[f32], viscosity: &[f32]) -> SweepStencil {
    let k = params.dt;
    let row = |t: u32| -> SweepCell {
        let id = index::coloured_cell(t, params.colour);
        let mut row = SweepCell::default();
        if !layout.is_fluid(id) {
            return row;
        }
        row.stored = stored(layout, id) as u32;
        let geometry = stencil_geometry(layout, params, id);
        let st = viscous_coefficients(layout, params, viscosity, id, &geometry);
        let mut diag = 1.0f32;
        let n = params.stored as usize;
        for (side, coef) in st {
            match side {
                Side::Fluid(nb) => {
                    diag += 0.5 * k * coef;
                    row.fluid[row.fluid_count as usize] = (coef, stored(layout, nb) as u32);
                    row.fluid_count += 1;
                }
                Side::Wall(_) => diag += k * coef,
                Side::Skip => {}
            }
        }
        if params.implicit_advection == 1 {
            let vol_adv = layout.volume(id).max(ADVECTION_MIN_VOLUME) * params.h;
            for (d, &(side, _)) in st.iter().enumerate() {
                let nb = match side {
                    Side::Fluid(nb) => Some(nb),
                    _ => fluid_neighbour(layout, id, d),
                };
                let Some(nb) = nb else { continue };
                let a = params.dt * (-face_volume_flux(layout, u, n, id, nb, d)).max(0.0) / vol_adv;
                diag += a;
                if a > 0.0 {
                    row.inflow[row.inflow_count as usize] = (a, stored(layout, nb) as u32);
                    row.inflow_count += 1;
                }
            }
            diag += params.dt * (-inlet_volume_flux(layout, id)).max(0.0) / vol_adv;
            let i = row.stored as usize;
            let w = [u[i], u[n + i], u[2 * n + i]];
            let differences: [AxisDifference; 3] = std::array::from_fn(|axis| {
                axis_difference(|nb, d| fluid_neighbour(layout, nb, d), params.h, id, axis, w[axis], &geometry)
            });
            diag += params.dt * near_wall_rate(w, &differences);
        }
        row.diag = diag;
        row
    };
    SweepStencil { cells: (0..params.cells / 2).into_par_iter().with_min_len(64).map(row).collect() }
}

/// [`viscous_sweep`] with its cells' rows made ([`sweep_stencil`] of the same colour).
pub fn viscous_sweep_with(stencil: &SweepStencil, params: &SolverParams, rhs: &[f32], v: &mut [f32]) {
    let n = params.stored as usize;
    let k = params.dt;
    // A cell's face neighbours are of the other colour: the half's new values read none of
    // them, so they are written as they come.
    let v = Disjoint::new(v);
    let cells = &stencil.cells[..(params.cells / 2) as usize];
    cells.par_iter().with_min_len(BRICK_CELLS as usize / 2).filter(|row| row.diag != 0.0).for_each(|row| {
        let i = row.stored as usize;
        for c in 0..3 {
            // SAFETY: the half reads entries of the other colour only and writes its own.
            let at = |nb: u32| unsafe { v.get(c * n + nb as usize) };
            let off = row.fluid[..row.fluid_count as usize].iter().fold(0.0f32, |s, &(coef, nb)| s + coef * at(nb));
            let adv = row.inflow[..row.inflow_count as usize].iter().fold(0.0f32, |s, &(a, nb)| s + a * at(nb));
            let value = (rhs[c * n + i] + 0.5 * k * off + adv) / row.diag;
            // SAFETY: as above.
            unsafe { v.set(c * n + i, value) };
        }
    });
}

/// Twin of `wall/wall_shear`: per wall triangle the wall shear stress (Pa) and wall pressure
/// (Pa) into `stress` (xyz, w), and with `wall.accumulate` tau dt and |tau| dt added to `sums`.
#[allow(clippy::too_many_arguments)]
pub fn wall_shear(
    params: &SolverParams,
    wall: &WallParams,
    points: &[WallPoint],
    cells: &[u32],
    weights: &[f32],
    u: &[f32],
    p: &[f32],
    stress: &mut [[f32; 4]],
    sums: &mut [[f32; 4]],
) {
    let n = params.stored as usize;
    for t in 0..wall.triangles as usize {
        let mut du = [0f32; 3];
        for k in 0..WALL_STENCIL {
            let i = t * WALL_STENCIL + k;
            let id = cells[i] as usize;
            for (c, d) in du.iter_mut().enumerate() {
                *d += weights[i] * u[c * n + id];
            }
        }
        let normal = points[t].normal;
        let along = dot3(normal, du);
        let g: [f32; 3] = std::array::from_fn(|c| du[c] - normal[c] * along);
        let gamma = dot3(g, g).sqrt();
        let scale = wall.density * apparent_viscosity(params, gamma);
        let tau = g.map(|x| scale * x);
        stress[t] = [tau[0], tau[1], tau[2], wall.density * p[points[t].nearest as usize]];
        if wall.accumulate != 0 {
            let magnitude = dot3(tau, tau).sqrt();
            for c in 0..3 {
                sums[t][c] += tau[c] * params.dt;
            }
            sums[t][3] += magnitude * params.dt;
        }
    }
}

/// Twin of `solver/time_average`: `mean` (4 x the stored cells) += dt (u, p).
pub fn time_average(params: &SolverParams, u: &[f32], p: &[f32], mean: &mut [f32]) {
    let n = params.stored as usize;
    for id in 0..n {
        for c in 0..3 {
            mean[c * n + id] += params.dt * u[c * n + id];
        }
        mean[3 * n + id] += params.dt * p[id];
    }
}

#[cfg(test)]
mod tests {
    use super::packed_index;

    #[test]
    fn the_packed_upper_triangle_is_stored_row_after_row() {
        for n in [1, 2, 7] {
            let mut next = 0;
            for i in 0..n {
                for j in i..n {
                    assert_eq!(packed_index(n, i, j), next, "n {n}: ({i}, {j})");
                    assert_eq!(packed_index(n, j, i), next, "n {n}: ({j}, {i}) reads ({i}, {j})");
                    next += 1;
                }
            }
            assert_eq!(next, n * (n + 1) / 2);
        }
    }
}
