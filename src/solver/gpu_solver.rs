//! The time loop on the GPU: every stage of a step is recorded into one command buffer with bind
//! groups made once, and the host waits for the GPU once a step, to read back the caps' values,
//! the largest speed and the pressure solve's report (a few kilobytes), and, on request, fields.
//! The pressure solve decides on the GPU how many of the iterations recorded run, and the rest
//! of the step runs once it is done (see `pressure`). The parts of a step, each in its own
//! module:
//!
//! - `predictor`: u* from u^n (`shear_viscosity` for a non-Newtonian fluid, `momentum`,
//!   the `viscous_sweep` red-black Gauss-Seidel sweeps);
//! - [`super::addon`]: terms attached to the step ([`GpuSolver::attach`]), each a pass on u*
//!   (a porous layer's drag, [`super::porous::PorousLayer`]);
//! - `divergence` (div u*, source f = -V div / dt), here;
//! - `pressure`: M dp = f for the pressure increment by conjugate gradients
//!   preconditioned with one multigrid V-cycle, and the divergence the projection will leave;
//! - `project` (u = u* - dt grad dp, p += dp, u^n and p^n kept), then `speed_max` (the largest
//!   sum_i |u_i|, for the adaptive time step: it comes back with the caps' values,
//!   [`GpuSolver::cap_values`], in the step's one read-back of them), here;
//! - `gpu_wall`: the wall shear stress and, over a cycle, the time integrals (a step's share
//!   added first thing in the next step).
//!
//! The projection leaves the u and p the step started from where u* and the pressure solve's
//! check were, so that a step that went bad can be taken back ([`GpuSolver::undo`]). The face
//! velocities of `divergence` and the projection couple pressure and velocity as Rhie and Chow's
//! (the centred gradient in u* swapped for the compact face one); at a steady state dp = 0 and
//! u* = u, so the momentum balance does not depend on dt (the Rhie-Chow term does, by
//! dt h^2 d3p/dx3, and by how it absorbs what flux imbalance the wall's cut cells leave: at a
//! driven cavity's lid corners, and in vessels oblique to the grid, where a pipe along the grid
//! diagonal at Re 100 and D/h 10 has its pressure gradient +0.83% off Hagen-Poiseuille at
//! Courant 3 (implicit) and +0.98% at 0.6; +2.3% and +3.6% before the wall's flux weights were
//! balanced for shear flows along the wall, `grid/balance.rs`).
//!
//! Memory: per fluid cell (the arrays hold the fluid cells alone, a cell's values at its stored
//! index, `CellLayout::stored`; the grid's cell words and geometry are per allocated cell and
//! per wall cell), 13 f32: u, u* and the viscous right-hand side (3 each; the momentum stages
//! keep K and their intermediate velocities in the last two), p (`buffers::Core`), the pressure
//! increment dp (kept as the next solve's first guess), and two arrays of the pressure solve:
//! its z (where the residuals f - M dp go too, and where the projection then leaves the undo's
//! p^n; u^n goes to u*, dead from the projection on) and a scratch (q and the finest level's
//! smoothing scratch); a non-Newtonian fluid adds its viscosity. CG's r and d and the source f
//! live in parts of the viscous right-hand side, dead from the end of the viscous sweeps until
//! the next step's momentum writes it, and the outlet flux per cap cell; [`GpuSolver::new`]
//! places them, [`GpuSolver::binding_plan`] lists every
//! pass's bindings (a test holds them), and a test traces two steps to check that no read sees
//! another array's write ([`crate::gpu::trace`]).
//!
//! On several ranks ([`GpuSolver::new_ranked`]) the solver holds one rank's part of the grid
//! (`super::domain`) and records the same step with the halo exchanges and sums of
//! `super::halo` between its stages; what it takes and gives (fields, caps' values, the wall's
//! values) is the whole grid's, gathered from the ranks.

use super::addon::{AddOn, StepBuffers};
use super::boundary::CapUpdate;
use super::buffers::{submit, Buffers, Core, Named};
use super::cg_control::{slot, Report, REPORT_LEN};
use super::domain::{cut_hierarchy, decompose, stencil_bricks};
use super::gpu_wall::GpuWall;
use super::halo::{Ranks, Recorder};
use super::multigrid::Hierarchy;
use super::predictor::{viscous_sweeps, Predictor};
use super::pressure::{self, PressureSolve, PressureVectors};
pub use super::settings::{Advection, Rheology, Settings};
use super::wall_shear::WallStencil;
use super::{CellLayout, SolverError, SolverParams};
use crate::comm::Comm;
use crate::gpu::{Bindable, Dispatch, Gpu, GpuError, Span};
use crate::grid::index::{BRICK_CELLS, NO_SLOT};
use crate::grid::partition::{partition, Method, Partition};
use crate::grid::Grid;
use crate::mesh::Vec3;

/// Why the GPU solver stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The grid cannot be put in the kernels' form.
    #[error(transparent)]
    Layout(#[from] SolverError),
    /// The GPU failed.
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// More ranks than the grid's bricks can be shared among.
    #[error(
        "{ranks} ranks for a grid of {bricks} bricks (2^3 cells each, the least a rank can own): run on at most \
         {bricks} ranks, or refine the grid"
    )]
    TooManyRanks {
        /// Ranks asked for.
        ranks: usize,
        /// The grid's allocated bricks.
        bricks: usize,
    },
}

/// What one time step measured.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct StepStats {
    /// Pressure solve: conjugate-gradient iterations (one V-cycle each).
    pub iterations: usize,
    /// Pressure solve: final relative residual |r| / |f| by the solver's recurrence (|f| with
    /// the floor of [`Settings::velocity_scale`]).
    pub relative_residual: f64,
    /// Divergence after projection: |V div(u_f) / dt| over the same |f|, for the projected face
    /// velocities u_f, whose V div(u_f) / dt is M dp - f (computed afresh with
    /// `solver/pressure_residual`); 1 is a divergence of velocity_scale / h in every cell. At
    /// most the tolerance unless the iterations ran out or f32 rounding of the pressure sets a
    /// higher floor (see [`GpuSolver::step`]).
    pub divergence: f64,
}

/// What the host reads after a step: the caps' values and the largest speed.
#[derive(Clone, Debug, Default)]
pub struct CapValues {
    /// Every cap cell's outlet flux over h^2 (m/s; 0 but at outlets), cap after cap in the
    /// grid's order.
    pub outflow: Vec<f32>,
    /// Their kinematic pressures, m^2/s^2.
    pub pressure: Vec<f32>,
    /// The largest |u_x| + |u_y| + |u_z| over the cells (m/s; +infinity if one is not finite):
    /// the Courant number is this times dt / h.
    pub speed_max: f64,
    /// The largest |u_x - u'_x| + |u_y - u'_y| + |u_z - u'_z| over the cells between the velocity
    /// after the step, u, and before it, u' (m/s), with [`GpuSolver::seek_steady_state`];
    /// else 0.
    pub velocity_change: f64,
}

/// Where a solver's GPU bytes go, per fluid cell (bytes; [`GpuSolver::memory`]): the parts of
/// [`GpuSolver::bytes_per_fluid_cell`], bricks' padding included.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct MemoryParts {
    /// u, u* and the viscous right-hand side (which also hold the Runge-Kutta stages and parts
    /// of the pressure solve's vectors), and a non-Newtonian fluid's viscosity.
    pub fields: f64,
    /// The pressure, its last increment, the pressure solve's z (and the undo's p^n) and its
    /// scratch.
    pub pressure: f64,
    /// The cell words (kind and geometry record).
    pub cell_words: f64,
    /// The geometry records (the wall cells' and the caps' boundary parts).
    pub geometry: f64,
    /// The neighbour tables.
    pub neighbours: f64,
    /// The multigrid's coarser levels (their grids, vectors and transfers, the coarsest
    /// level's inverse).
    pub multigrid: f64,
    /// The rest: the caps' cell list and read-back, attached add-ons.
    pub other: f64,
}

/// What [`GpuSolver::undo`] needs besides the fields, which `project` keeps (u^n in u*, p^n in
/// the pressure solve's z, both dead until the next step's predictor and solve).
struct Undo {
    /// The integrated time and the step count before the step.
    wall_time: f64,
    steps: u64,
    /// Whether u* and the pressure solve's z hold the state before the last step.
    ready: bool,
}

/// The solver's state on the GPU.
pub struct GpuSolver<'g> {
    gpu: &'g Gpu,
    /// The finest level's layout (boundary records included), for the summaries: the whole
    /// grid's.
    pub layout: CellLayout,
    /// On several ranks, this rank's part of it (what its GPU holds).
    part_layout: Option<CellLayout>,
    settings: Settings,
    /// Only the steady state matters ([`Self::seek_steady_state`]).
    steady: bool,
    /// Cells in allocated bricks of the finest level (the whole grid's, on several ranks: the
    /// length of the fields this solver takes and gives).
    pub cells: u32,
    /// Fluid cells of the finest level (the whole grid's).
    pub fluid_cells: usize,
    /// Multigrid levels (cells per level, finest first).
    pub level_cells: Vec<usize>,
    params_value: SolverParams,
    core: Core,
    /// The boundary parts changed since they were last uploaded (to `core.geom`).
    boundary_changed: bool,
    /// The caps' cells (storage ids), cap after cap in the grid's order, and where each cap's
    /// run starts (one more entry: the end).
    cap_ids: Vec<u32>,
    cap_starts: Vec<usize>,
    /// On several ranks: this rank, what it holds, and which entries of the lists above and of
    /// the wall's triangles it computes ([`Self::new_ranked`]).
    ranked: Option<Ranked>,
    predictor: Predictor,
    /// Each add-on's name and passes, in the order attached.
    add_ons: Vec<(String, Vec<Dispatch>, u64)>,
    pressure: PressureSolve,
    project: Dispatch,
    /// `solver/cap_gather` (None without caps).
    cap_gather: Option<Dispatch>,
    /// `solver/speed_max`, into the entry after the caps' values in `readback`.
    speed_max: Dispatch,
    /// `solver/velocity_change`, into the entry after that ([`Self::seek_steady_state`]).
    velocity_change: Option<Dispatch>,
    /// The caps' values, the largest speed and the pressure solve's report, read back after
    /// every step.
    readback: wgpu::Buffer,
    /// What the last step read back (None before the first).
    values: Option<CapValues>,
    /// Whether the next step reads its state back with its figures ([`Self::capture_next`]),
    /// and what the last one so read.
    capture: bool,
    captured: Option<Captured>,
    /// Pressure iterations of the last step (the next one's budget follows from it).
    last_iterations: usize,
    /// The state before the last step, for [`GpuSolver::undo`] (with [`GpuSolver::keep_undo`]).
    undo: Option<Undo>,
    /// Wall shear stress and time integrals, once [`GpuSolver::attach_wall`] was called.
    wall: Option<GpuWall>,
    /// Steps taken.
    pub steps: u64,
    bytes: u64,
    /// The name of every buffer a pass of the step binds ([`GpuSolver::binding_plan`]).
    buffer_names: Vec<(wgpu::Buffer, String)>,
}

/// What a rank's solver is built from: the run's communicator, the grid's partition and each
/// rank's extra finest-level bricks ([`decompose`]).
struct RankSetup {
    comm: std::rc::Rc<dyn Comm>,
    parts: Partition,
    extra: Vec<Vec<u32>>,
}

/// A solver's part in a run on several ranks.
struct Ranked {
    ranks: Ranks,
    /// Per rank, the indices in the caps' cell list of the cap cells it owns (the order of
    /// its `solver/cap_gather` list).
    cap_entries: Vec<Vec<u32>>,
    /// The cap cells this rank holds: (index in the caps' cell list, local storage id).
    held_caps: Vec<(usize, u32)>,
    /// Per rank, the wall triangles it computes (those whose nearest cell it owns), once the
    /// wall is attached; and the wall's triangles in all.
    triangles: Vec<Vec<u32>>,
    wall_triangles: usize,
    /// The finest level's owned fluid cells.
    owned_fluid: usize,
}

impl Ranked {
    /// `ranks`' part of the caps' cell list `cap_ids` (storage ids of the whole grid), on the
    /// levels of `hierarchy` (the rank's).
    fn new(ranks: Ranks, cap_ids: &[u32], hierarchy: &Hierarchy) -> Ranked {
        let part = &ranks.domain.levels[0];
        let owner_of = |id: u32| ranks.owner[(id / BRICK_CELLS) as usize] as usize;
        let cap_entries = (0..ranks.owned.len())
            .map(|q| (0..cap_ids.len() as u32).filter(|&i| owner_of(cap_ids[i as usize]) == q).collect())
            .collect();
        let held_caps = cap_ids.iter().enumerate().filter_map(|(i, &id)| part.local_id(id).map(|l| (i, l))).collect();
        let layout = &hierarchy.levels[0].layout;
        let owned_fluid = (0..part.owned_cells() as u32).filter(|&id| layout.is_fluid(id)).count();
        Ranked { ranks, cap_entries, held_caps, triangles: Vec::new(), wall_triangles: 0, owned_fluid }
    }

    /// The caps' values of the whole list (`total` cap cells) and the whole grid's largest
    /// speed and change, from this rank's.
    fn whole_values(&self, values: CapValues, total: usize) -> CapValues {
        let mut maxima = [values.speed_max, values.velocity_change];
        self.ranks.comm.max(&mut maxima);
        // Each cap cell's flux and pressure side by side: one gather for both.
        let pairs: Vec<f32> = values.outflow.iter().zip(&values.pressure).flat_map(|(&q, &p)| [q, p]).collect();
        let whole = self.ranks.gather_entries(&pairs, 2, &self.cap_entries, total);
        CapValues {
            outflow: whole.iter().step_by(2).copied().collect(),
            pressure: whole.iter().skip(1).step_by(2).copied().collect(),
            speed_max: maxima[0],
            velocity_change: maxima[1],
        }
    }

    /// Per-triangle values of the triangles this rank computes, for the whole wall.
    fn whole_wall(&self, mine: &[[f32; 4]]) -> Vec<[f32; 4]> {
        let flat = self.ranks.gather_entries(mine.as_flattened(), 4, &self.triangles, self.wall_triangles);
        flat.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect()
    }

    /// The stencils of the triangles whose nearest cell this rank owns, in its own storage ids;
    /// notes every rank's triangles for gathering.
    fn own_triangles(&mut self, stencil: &WallStencil) -> WallStencil {
        let k = super::wall_shear::WALL_STENCIL;
        let owner_of = |id: u32| self.ranks.owner[(id / BRICK_CELLS) as usize] as usize;
        self.triangles = (0..self.ranks.owned.len())
            .map(|q| {
                (0..stencil.points.len() as u32)
                    .filter(|&t| owner_of(stencil.points[t as usize].nearest) == q)
                    .collect()
            })
            .collect();
        self.wall_triangles = stencil.points.len();
        let part = &self.ranks.domain.levels[0];
        let local = |id: u32| part.local_id(id).expect("a wall stencil's cells are held");
        let mut own = WallStencil::default();
        for &t in &self.triangles[self.ranks.comm.rank()] {
            let t = t as usize;
            let mut point = stencil.points[t];
            point.nearest = local(point.nearest);
            own.points.push(point);
            for (&id, &w) in stencil.cells[t * k..][..k].iter().zip(&stencil.weights[t * k..][..k]) {
                own.cells.push(if w != 0.0 { local(id) } else { 0 });
                own.weights.push(w);
            }
        }
        own
    }

    /// The local storage ids of the cap cells this rank owns, in its gather's order.
    fn own_cap_cells(&self, cap_ids: &[u32]) -> Vec<u32> {
        let part = &self.ranks.domain.levels[0];
        let mine = &self.cap_entries[self.ranks.comm.rank()];
        mine.iter().map(|&i| part.local_id(cap_ids[i as usize]).expect("an owned cap cell is held")).collect()
    }
}

/// The time integrals the solver accumulates with [`GpuSolver::attach_wall`]'s accumulate (the
/// cycle averages are these over `time`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Averages {
    /// Seconds integrated.
    pub time: f64,
    /// Per wall triangle: the integrals of tau (xyz) and of |tau| (w), Pa s.
    pub wall: Vec<[f32; 4]>,
    /// Per cell: the integrals of u (m, component-major), then of the kinematic pressure (m^2/s).
    pub fields: Vec<f32>,
}

/// The state after a step, read back with the step's own read-back where
/// [`GpuSolver::capture_next`] asked for it: what a snapshot writes, at no further round trip
/// (a cycle's end reads the time integrals with [`GpuSolver::averages`], which adds the last
/// step's share first).
#[derive(Clone, Debug, Default)]
pub struct Captured {
    /// The velocity, m/s (component-major).
    pub u: Vec<f32>,
    /// The kinematic pressure, m^2/s^2.
    pub p: Vec<f32>,
    /// Per wall triangle, as [`GpuSolver::wall_stress`] gives it (with [`GpuSolver::attach_wall`]).
    pub stress: Option<Vec<[f32; 4]>>,
}

impl<'g> GpuSolver<'g> {
    /// Uploads `grid` (fields at rest) and prepares every pass.
    pub fn new(gpu: &'g Gpu, grid: &Grid, settings: Settings) -> Result<GpuSolver<'g>, RunError> {
        Self::build(gpu, grid, settings, None)
    }

    /// [`Self::new`] for this rank's part of a run on the ranks of `comm`: the grid's bricks
    /// split by recursive bisection (`grid::partition`), the rank holding its part and a halo
    /// (`solver::domain`), `stencil` the wall-shear stencils [`Self::attach_wall`] will take
    /// (their cells join the halo). Every rank builds the same grid and calls this, then every
    /// method in the same order; the fields, cap values and wall values it takes and gives are
    /// the whole grid's, the same on every rank.
    pub fn new_ranked(
        gpu: &'g Gpu,
        grid: &Grid,
        settings: Settings,
        comm: std::rc::Rc<dyn Comm>,
        stencil: Option<&WallStencil>,
    ) -> Result<GpuSolver<'g>, RunError> {
        let bricks = grid.bricks.slots();
        let parts = partition(grid, comm.size(), Method::Bisection);
        let mut owning = vec![false; comm.size()];
        parts.part_of_slot.iter().for_each(|&p| owning[p as usize] = true);
        if owning.contains(&false) {
            return Err(RunError::TooManyRanks { ranks: comm.size(), bricks });
        }
        let extra = stencil.map_or_else(Vec::new, |s| stencil_bricks(&parts, s));
        Self::build(gpu, grid, settings, Some(RankSetup { comm, parts, extra }))
    }

    /// The solver on one rank (`ranked` None), or on a rank of a run on several.
    fn build(
        gpu: &'g Gpu,
        grid: &Grid,
        settings: Settings,
        ranked: Option<RankSetup>,
    ) -> Result<GpuSolver<'g>, RunError> {
        let whole_layout = CellLayout::with_boundaries(grid, &settings.boundaries)?;
        let whole = Hierarchy::new(&grid.bricks, &whole_layout, grid.spacing)?;
        let fluid_cells = whole.levels[0].fluid_cells;
        let (hierarchy, ranks) = match ranked {
            None => (whole, None),
            Some(RankSetup { comm, parts, extra }) => {
                let domain = decompose(&whole, &parts, comm.rank(), &extra);
                let owner = parts.part_of_slot;
                let owned = (0..parts.parts)
                    .map(|q| (0..owner.len() as u32).filter(|&s| owner[s as usize] as usize == q).collect())
                    .collect();
                let hierarchy = cut_hierarchy(&whole, &domain);
                let layout = &hierarchy.levels[0].layout;
                let slots = layout.cells.len() / BRICK_CELLS as usize;
                let before = (0..=slots).map(|s| layout.stored_before(s) as u32).collect();
                let finest_stored = (before, layout.stored_cells() as u64);
                (hierarchy, Some(Ranks { comm, domain, owner, owned, finest_stored }))
            }
        };
        let layout = &hierarchy.levels[0].layout;
        let n = layout.cells.len() as u32;
        let mut params_value = SolverParams {
            h: grid.spacing as f32,
            dt: settings.dt as f32,
            nu: settings.nu as f32,
            cells: n,
            stored: layout.stored_cells() as u32,
            stage: 2,
            implicit_advection: u32::from(settings.advection == Advection::Implicit),
            force_x: settings.force.x as f32,
            force_y: settings.force.y as f32,
            force_z: settings.force.z as f32,
            backflow: settings.backflow as f32,
            ..layout.storage()
        };
        settings.rheology.write(&mut params_value, settings.nu);
        let mut buffers = Buffers::new(gpu);
        let core = Core::new(&mut buffers, layout, &params_value, settings.rheology != Rheology::Newtonian)?;
        let predictor = Predictor::new(&mut buffers, &core, &settings, &params_value, grid.spacing)?;
        // The arrays of the rest of the step, in parts of the viscous rhs, which is dead from
        // the last viscous sweep on until the next step's momentum, and in two buffers of their
        // own. Placed so that no dispatch binds one buffer both read-only and read-write (wgpu
        // tracks usage per buffer): the smoothing reads r and z and writes the scratch, so
        // those three need three buffers. rhs holds r, d and f; z has its own, and the
        // residuals of f write there (the start's, which is then copied into r, and the
        // check's), where `project` then leaves p^n for `undo` (u^n goes to u*); the scratch
        // holds q and the finest level's smoothing scratch. The outlet flux (read by the host
        // after the step) is kept per cap cell, by boundary record, one entry more for the cap
        // cells without a boundary condition (0).
        let stored = core.stored as u64;
        let part = |buffer: &wgpu::Buffer, index: u64| Span::part(buffer, index, 4 * stored);
        let records = layout.boundary_records();
        let outflow = Span::whole(&buffers.empty("outlet flux", records as u64 + 1)?);
        let scratch = Span::whole(&core.scratch);
        let z = Span::whole(&buffers.empty("pressure z", stored)?);
        let vectors = PressureVectors {
            f: part(&core.rhs, 2),
            dp: Span::whole(&buffers.empty("pressure increment", stored)?),
            r: part(&core.rhs, 0),
            d: part(&core.rhs, 1),
            z: z.clone(),
            q: scratch.clone(),
            scratch,
            check: z.clone(),
            before: z,
        };
        let fields: [Named; 4] = [("u", &core.u_star), ("f", &vectors.f), ("p", &core.p), ("outflow", &outflow)];
        let divergence = Dispatch::new(gpu, "solver/divergence", &core.with(&fields), n)?;
        let fields: [Named; 6] = [
            ("p", &vectors.dp),
            ("u_star", &core.u_star),
            ("u", &core.u),
            ("outflow", &outflow),
            ("pressure", &core.p),
            ("pressure_before", &vectors.before),
        ];
        let project = Dispatch::new(gpu, "solver/project", &core.with(&fields), n)?;
        // The stored cells of the owned bricks, which come first (all on one rank).
        let owned_cells = ranks.as_ref().map_or(core.held, |r| {
            layout.stored_before(r.domain.levels[0].owned_cells() / BRICK_CELLS as usize) as u32
        });
        let pressure = PressureSolve::new(
            &mut buffers,
            &core,
            &hierarchy,
            &params_value,
            settings.multigrid,
            vectors,
            divergence,
            owned_cells,
        )?;
        let mut cap_starts = vec![0];
        let mut cap_ids = Vec::new();
        for cap in &grid.caps {
            cap_ids.extend(cap.cells.iter().map(|&(id, _)| id));
            cap_starts.push(cap_ids.len());
        }
        // The cap cells the gather reads: all, or on several ranks those this rank owns.
        let ranked = ranks.map(|ranks| Ranked::new(ranks, &cap_ids, &hierarchy));
        let gathered: Vec<u32> = match &ranked {
            None => cap_ids.clone(),
            Some(r) => r.own_cap_cells(&cap_ids),
        };
        let record = |&id: &u32| layout.boundary_record(id).unwrap_or(records) as u32;
        let gathered_records: Vec<u32> = gathered.iter().map(record).collect();
        let gathered = layout.stored_ids(&gathered, NO_SLOT);
        // What the host reads after every step: the caps' values (2 per cap cell gathered), the
        // largest speed, then the pressure solve's report.
        let k = gathered.len() as u64;
        let readback = buffers.empty("cap values and speed", 2 * k + 2 + u64::from(slot::COUNT))?;
        // What the gather and the speed write (the speed in the last entry).
        let caps = Span::range(&readback, 0, 4 * (2 * k + 1));
        let cap_gather = if gathered.is_empty() {
            None
        } else {
            let ids = buffers.storage("cap ids", &gathered)?;
            let cap_records = buffers.storage("cap records", &gathered_records)?;
            let bufs: [Named; 5] =
                [("ids", &ids), ("records", &cap_records), ("outflow", &outflow), ("p", &core.p), ("out", &caps)];
            Some(Dispatch::new(gpu, "solver/cap_gather", &bufs, k as u32)?)
        };
        let bufs: [Named; 3] = [("params", &core.params), ("u", &core.u), ("out", &caps)];
        let speed_max = Dispatch::new(gpu, "solver/speed_max", &bufs, core.stored)?;
        let mut solver = GpuSolver {
            part_layout: ranked.is_some().then(|| hierarchy.levels[0].layout.clone()),
            layout: whole_layout,
            gpu,
            settings,
            steady: false,
            cells: grid.bricks.allocated_cells() as u32,
            fluid_cells,
            level_cells: hierarchy.levels.iter().map(|l| l.fluid_cells).collect(),
            params_value,
            core,
            boundary_changed: false,
            cap_ids,
            cap_starts,
            ranked,
            predictor,
            add_ons: Vec::new(),
            pressure,
            project,
            cap_gather,
            speed_max,
            velocity_change: None,
            readback,
            values: None,
            capture: false,
            captured: None,
            // The first step's budget: a start from rest takes a few iterations.
            last_iterations: 8,
            undo: None,
            wall: None,
            steps: 0,
            bytes: buffers.bytes,
            buffer_names: buffers.names,
        };
        solver.set_gates()?;
        Ok(solver)
    }

    /// What follows the pressure solve, in the order recorded (behind its finish gate): the
    /// projection, the caps' gather, the largest speed, the velocity's change and, in a step
    /// that captures its state (`capture`), the wall's stress.
    fn tail(&self, capture: bool) -> Vec<&Dispatch> {
        let mut tail = vec![&self.project];
        tail.extend(self.cap_gather.iter().chain([&self.speed_max]).chain(&self.velocity_change));
        tail.extend(self.wall.as_ref().filter(|_| capture).map(|w| w.stress_pass()));
        tail
    }

    /// Makes the pressure solve's gates for the solve and the tail.
    fn set_gates(&mut self) -> Result<(), GpuError> {
        let grids: Vec<(u32, u32)> = self.tail(true).iter().map(|d| d.groups()).collect();
        self.pressure.set_gates(self.gpu, &grids)
    }

    /// What every pass of a step binds, in the order the step records them (the vector ops of
    /// the conjugate gradients apart, one iteration and each sweep once): one line per pass,
    /// `stage: binding=buffer ...`, a part of a buffer as `buffer[k]` (the k-th of its equal
    /// parts). Where the buffers' aliasing is visible, and what a test compares so that two
    /// swapped buffers fail it.
    pub fn binding_plan(&self) -> Vec<String> {
        let name_of = |span: &Span| {
            let label =
                self.buffer_names.iter().find(|(b, _)| b == span.buffer()).map_or("(unnamed)", |(_, n)| n.as_str());
            if span.offset() == 0 && span.size() == span.buffer().size() {
                label.to_string()
            } else {
                format!("{label}[{}]", span.offset() / span.size())
            }
        };
        let mut passes = self.predictor.passes();
        passes.extend(self.add_ons.iter().flat_map(|(_, p, _)| p));
        passes.extend(self.pressure.passes());
        passes.push(&self.project);
        passes.extend(self.cap_gather.iter().chain([&self.speed_max]).chain(&self.velocity_change));
        passes
            .iter()
            .map(|d| {
                let bound: Vec<String> = d.bound().iter().map(|(b, span)| format!("{b}={}", name_of(span))).collect();
                format!("{}: {}", d.stage(), bound.join(" "))
            })
            .collect()
    }

    /// Adds `add_on` to every step from the next one on (see [`super::addon`]), in place of an
    /// attached one of the same name. On one rank only ([`GpuError::OneRankOnly`] on several).
    pub fn attach(&mut self, add_on: &dyn AddOn) -> Result<(), GpuError> {
        if self.ranked.is_some() {
            return Err(GpuError::OneRankOnly("a solver add-on (a flow diverter's porous layer)"));
        }
        self.detach(add_on.name());
        let core = &self.core;
        let step = StepBuffers {
            params: &core.params,
            neighbours: &core.neighbours,
            cells: &core.cells,
            geom: &core.geom,
            u: &core.u_star,
            layout: &self.layout,
        };
        let prepared = add_on.prepare(self.gpu, &step)?;
        self.bytes += prepared.bytes;
        self.add_ons.push((add_on.name().to_string(), prepared.passes, prepared.bytes));
        Ok(())
    }

    /// Removes the add-on named `name`, if attached.
    pub fn detach(&mut self, name: &str) {
        if let Some(i) = self.add_ons.iter().position(|(n, _, _)| n == name) {
            self.bytes -= self.add_ons.remove(i).2;
        }
    }

    /// The fluid cells of the finest level this rank owns (all of them on one rank).
    pub fn owned_fluid_cells(&self) -> usize {
        self.ranked.as_ref().map_or(self.fluid_cells, |r| r.owned_fluid)
    }

    /// GPU bytes allocated for the grid, the fields, the pressure solver and the add-ons, per
    /// fluid cell (the wall's, [`Self::wall_bytes`], apart).
    pub fn bytes_per_fluid_cell(&self) -> f64 {
        self.bytes as f64 / self.owned_fluid_cells() as f64
    }

    /// [`Self::bytes_per_fluid_cell`] in its parts, by the buffers' names.
    pub fn memory(&self) -> MemoryParts {
        let per_cell = 1.0 / self.owned_fluid_cells() as f64;
        let mut parts = MemoryParts::default();
        let storage = self.buffer_names.iter().filter(|(b, _)| b.usage().contains(wgpu::BufferUsages::STORAGE));
        for (buffer, name) in storage {
            let part = match name.as_str() {
                "u" | "u*" | "viscous rhs" | "viscosity" => &mut parts.fields,
                "p" | "pressure increment" | "pressure scratch" | "pressure z" => &mut parts.pressure,
                "cells" => &mut parts.cell_words,
                "geom" => &mut parts.geometry,
                "neighbours" => &mut parts.neighbours,
                n if n.starts_with("level ") || n.starts_with("coarsest ") => &mut parts.multigrid,
                _ => continue,
            };
            *part += buffer.size() as f64 * per_cell;
        }
        let named = parts.fields + parts.pressure + parts.cell_words + parts.geometry + parts.neighbours;
        parts.other = self.bytes_per_fluid_cell() - named - parts.multigrid;
        parts
    }

    /// GPU bytes of the wall shear stress (stencils, stress, time integrals; 304 per wall
    /// triangle) and, with accumulate, of the fields' time integrals (16 per cell); 0 before
    /// [`Self::attach_wall`].
    pub fn wall_bytes(&self) -> u64 {
        self.wall.as_ref().map_or(0, |w| w.bytes)
    }

    /// Advances one time step; returns what it measured. The host records the step at once
    /// with a budget of pressure iterations and reads back once, the caps' values with the
    /// solve's report ([`Self::cap_values`]); the GPU runs the iterations the tolerance needs
    /// and the rest of the step once the solve is done. Only where the budget ran out or CG
    /// must restart from the true residual (see `pressure`) does the host record more and
    /// read back again.
    pub fn step(&mut self) -> Result<StepStats, GpuError> {
        let gpu = self.gpu;
        gpu.queue.write_buffer(&self.core.params, 0, bytemuck::bytes_of(&self.params_value));
        self.predictor.update(gpu, &self.params_value);
        if self.boundary_changed {
            let layout = self.part_layout.as_ref().unwrap_or(&self.layout);
            let parts = layout.boundary_parts_len();
            gpu.queue.write_buffer(&self.core.geom, 0, bytemuck::cast_slice(&layout.geom[..parts]));
            self.boundary_changed = false;
        }
        if let Some(undo) = self.undo.as_mut() {
            undo.wall_time = self.wall.as_ref().map_or(0.0, |w| w.time);
            undo.steps = self.steps;
            undo.ready = true;
        }
        self.captured = None;
        let h = self.params_value.h as f64;
        self.pressure.prepare(gpu, &self.settings, h, self.fluid_cells);
        let max = self.settings.max_iterations;
        let mut budget = pressure::budget(self.last_iterations, max);
        let mut rec = Recorder::new(gpu, self.ranked.as_ref().map(|r| &r.ranks));
        if let Some(wall) = self.wall.as_mut() {
            wall.record_flush(gpu, &mut rec, &self.params_value);
        }
        self.predictor.record(gpu, &mut rec);
        for pass in self.add_ons.iter().flat_map(|(_, p, _)| p) {
            pass.record(&mut rec);
        }
        self.pressure.record_source(&mut rec);
        self.pressure.record_start(gpu, &mut rec);
        self.pressure.record_iterations(gpu, &mut rec, budget);
        self.pressure.record_check(&mut rec);
        self.record_tail(&mut rec);
        rec.finish()?;
        let (mut values, mut report, mut captured) = self.read_back()?;
        self.pressure.count_iterations(report.iterations);
        while let Some(restart) = pressure::next_round(&report) {
            let done_before = report.iterations;
            // At least as many again as ran, within what the maximum leaves.
            budget = budget.max(done_before).min(max.saturating_sub(done_before)).max(1);
            let mut rec = Recorder::new(gpu, self.ranked.as_ref().map(|r| &r.ranks));
            if restart {
                self.pressure.record_start(gpu, &mut rec);
            }
            self.pressure.record_iterations(gpu, &mut rec, budget);
            self.pressure.record_check(&mut rec);
            self.record_tail(&mut rec);
            rec.finish()?;
            (values, report, captured) = self.read_back()?;
            self.pressure.count_iterations(report.iterations - done_before);
        }
        self.tail(self.capture).iter().for_each(|d| d.count_ran(1));
        self.values = Some(values);
        self.last_iterations = report.iterations;
        if let Some(wall) = self.wall.as_mut() {
            wall.stepped(self.settings.dt);
        }
        self.captured = captured;
        self.steps += 1;
        Ok(StepStats {
            iterations: report.iterations,
            relative_residual: report.relative_residual,
            divergence: report.divergence,
        })
    }

    /// Records what follows the pressure solve, behind its finish gate, then the copy of the
    /// solve's report into the read-back buffer.
    fn record_tail(&self, rec: &mut Recorder) {
        let gate = self.pressure.finish_gate();
        self.project.record_gated(rec, gate);
        rec.exchange(0, &self.core.u, 3);
        let enc: &mut wgpu::CommandEncoder = rec;
        let scalars = 4 * u64::from(slot::COUNT);
        let caps = Span::range(&self.readback, 0, self.readback.size() - scalars);
        caps.clear(self.gpu, enc);
        if let Some(pass) = &self.cap_gather {
            pass.record_gated(enc, gate);
        }
        self.speed_max.record_gated(enc, gate);
        if let Some(pass) = &self.velocity_change {
            pass.record_gated(enc, gate);
        }
        if let Some(wall) = self.wall.as_ref().filter(|_| self.capture) {
            wall.stress_pass().record_gated(enc, gate);
        }
        self.pressure.record_report(self.gpu, enc, &Span::range(&self.readback, caps.size(), scalars));
    }

    /// Reads back the caps' values, the largest speed and the solve's report, and with
    /// [`Self::capture_next`] the state after the step: the step's round trip.
    fn read_back(&self) -> Result<(CapValues, Report, Option<Captured>), GpuError> {
        let wall = self.wall.as_ref();
        let mut spans: Vec<&dyn Bindable> = vec![&self.readback];
        if self.capture {
            spans.extend([&self.core.u as &dyn Bindable, &self.core.p]);
            if let Some(w) = wall {
                spans.push(w.stress_buffer());
            }
        }
        let mut parts = self.gpu.read_spans(&spans)?.into_iter();
        let mut next = || parts.next().expect("one part per span");
        let mut values: Vec<f32> = bytemuck::pod_collect_to_vec(&next());
        let scalars = values.split_off(values.len() - slot::COUNT as usize);
        let report = Report::from_values(&scalars[slot::REPORT as usize..][..REPORT_LEN]);
        let velocity_change = values.pop().expect("the velocity change's entry") as f64;
        let speed_max = values.pop().expect("the speed's entry") as f64;
        let pressure = values.split_off(values.len() / 2);
        let captured = self.capture.then(|| {
            let (u, p) = (bytemuck::pod_collect_to_vec(&next()), bytemuck::pod_collect_to_vec(&next()));
            let stress: Option<Vec<[f32; 4]>> = wall.map(|_| bytemuck::pod_collect_to_vec(&next()));
            let stress = match &self.ranked {
                Some(r) => stress.map(|s| r.whole_wall(&s)),
                None => stress,
            };
            Captured { u: self.whole(u, 3), p: self.whole(p, 1), stress }
        });
        let values = CapValues { outflow: values, pressure, speed_max, velocity_change };
        Ok(match &self.ranked {
            None => (values, report, captured),
            Some(r) => (r.whole_values(values, self.cap_ids.len()), report, captured),
        })
    }

    /// The finest level's layout of this rank's part (the whole grid's on one rank).
    fn own_layout(&self) -> &CellLayout {
        self.part_layout.as_ref().unwrap_or(&self.layout)
    }

    /// A field of this rank's stored cells (`components` arrays) as the whole grid's arrays of
    /// every allocated cell.
    fn whole(&self, local: Vec<f32>, components: usize) -> Vec<f32> {
        let local = self.own_layout().unstore(&local, components);
        match &self.ranked {
            None => local,
            Some(r) => r.ranks.gather(&local, components, self.cells as usize),
        }
    }

    /// The inverse of [`Self::whole`]: this rank's stored cells of a whole field.
    fn part(&self, whole: &[f32], components: usize) -> Vec<f32> {
        match &self.ranked {
            None => self.own_layout().store(whole, components),
            Some(r) => self.own_layout().store(&r.ranks.scatter(whole, components), components),
        }
    }

    /// Makes the next step read back, with its own figures, the state it ends in (velocity,
    /// pressure, and where every step computes them the wall's stress and time integrals), for
    /// [`Self::take_captured`]: a snapshot at no further round trip.
    pub fn capture_next(&mut self, capture: bool) {
        self.capture = capture;
    }

    /// What the last step captured ([`Self::capture_next`]); None once taken, and after
    /// [`Self::undo`].
    pub fn take_captured(&mut self) -> Option<Captured> {
        self.captured.take()
    }

    /// The storage ids of cap `cap`'s cells, in the order of the grid's `caps[cap].cells`.
    pub fn cap_cells(&self, cap: usize) -> &[u32] {
        &self.cap_ids[self.cap_starts[cap]..self.cap_starts[cap + 1]]
    }

    /// Changes cap `cap`'s boundary condition from the next step on: an inlet's or moving
    /// wall's velocities (m/s, one per cell in the order of [`Self::cap_cells`]) or an outlet's
    /// kinematic pressure (m^2/s^2). Panics if the velocities do not fit the cap.
    pub fn set_cap(&mut self, cap: usize, update: CapUpdate) {
        let (start, end) = (self.cap_starts[cap], self.cap_starts[cap + 1]);
        if let CapUpdate::Velocities(v) = update {
            assert_eq!(v.len(), end - start, "cap {cap}: one velocity per cell");
        }
        for (i, &id) in self.cap_ids[start..end].iter().enumerate() {
            let mut record = self.layout.boundary(id);
            update.apply(i, &mut record);
            self.layout.set_boundary(id, &record);
        }
        if let (Some(r), Some(part)) = (&self.ranked, self.part_layout.as_mut()) {
            for &(entry, id) in r.held_caps.iter().filter(|(e, _)| (start..end).contains(e)) {
                part.set_boundary(id, &self.layout.boundary(self.cap_ids[entry]));
            }
        }
        self.boundary_changed = true;
    }

    /// The caps' values and the largest speed after the last step, as its read-back brought
    /// them (gathered by `solver/cap_gather` and `solver/speed_max`); before the first step,
    /// the caps' values of the current fields, read back now, and a speed of 0.
    pub fn cap_values(&self) -> Result<CapValues, GpuError> {
        if let Some(values) = &self.values {
            return Ok(values.clone());
        }
        if let Some(pass) = &self.cap_gather {
            submit(self.gpu, |enc| pass.record(enc));
        }
        Ok(self.read_back()?.0)
    }

    /// Sets the time step (s) from the next step on.
    pub fn set_dt(&mut self, dt: f64) {
        self.settings.dt = dt;
        self.params_value.dt = dt as f32;
        self.predictor.sweeps = viscous_sweeps(&self.settings, self.params_value.h as f64, self.steady);
    }

    /// From now on [`Self::undo`] can take the last step back: every step's projection leaves
    /// the velocity and pressure it started from in buffers dead until the next step (no GPU
    /// bytes, no copies; the time integrals need none either, see `gpu_wall`).
    pub fn keep_undo(&mut self) {
        self.undo = Some(Undo { wall_time: 0.0, steps: self.steps, ready: false });
    }

    /// From now on only the steady state matters: every step also measures how much it changed
    /// the velocity ([`CapValues::velocity_change`], read back with the caps' values), from the
    /// u^n the projection leaves in u*; [`Self::keep_undo`] is called if it was not; with implicit
    /// advection the viscous solve stops at a 3-fold error reduction per step (a step moves 70% of
    /// the way to its backward Euler step; the steady state does not depend on it).
    pub fn seek_steady_state(&mut self) -> Result<(), GpuError> {
        if self.undo.is_none() {
            self.keep_undo();
        }
        self.steady = true;
        self.predictor.sweeps = viscous_sweeps(&self.settings, self.params_value.h as f64, true);
        // The cap cells gathered (the read-back holds 2 values each, then 2 and the report).
        let k = (self.readback.size() / 4 - 2 - u64::from(slot::COUNT)) / 2;
        let out = Span::range(&self.readback, 0, 4 * (2 * k + 2));
        let bufs: [Named; 4] =
            [("params", &self.core.params), ("u", &self.core.u), ("v", &self.core.u_star), ("out", &out)];
        self.velocity_change = Some(Dispatch::new(self.gpu, "solver/velocity_change", &bufs, self.core.stored)?);
        self.set_gates()
    }

    /// Takes the last step back (after [`Self::keep_undo`]): the velocity, pressure, time
    /// integrals and step count it started from. Returns false if there is nothing to undo.
    pub fn undo(&mut self) -> bool {
        let Some(undo) = self.undo.as_mut().filter(|u| u.ready) else { return false };
        undo.ready = false;
        self.captured = None;
        let (wall_time, steps) = (undo.wall_time, undo.steps);
        submit(self.gpu, |enc| {
            Span::whole(&self.core.u_star).copy_to(self.gpu, enc, &Span::whole(&self.core.u));
            self.pressure.pressure_before().copy_to(self.gpu, enc, &Span::whole(&self.core.p));
        });
        if let Some(wall) = self.wall.as_mut() {
            wall.drop_pending(wall_time);
        }
        self.steps = steps;
        true
    }

    /// Sets the body force per unit mass (m/s^2) from the next step on; the predictor holds it
    /// over the step, so a time-dependent force is second order in time when set at the step's
    /// midpoint.
    pub fn set_force(&mut self, force: Vec3) {
        self.params_value.force_x = force.x as f32;
        self.params_value.force_y = force.y as f32;
        self.params_value.force_z = force.z as f32;
    }

    /// Sets the velocity (m/s, component-major, 3 x cells).
    pub fn set_velocity(&self, u: &[f32]) {
        self.gpu.queue.write_buffer(&self.core.u, 0, bytemuck::cast_slice(&self.part(u, 3)));
    }

    /// Sets the kinematic pressure (m^2/s^2, one value per cell).
    pub fn set_pressure(&self, p: &[f32]) {
        self.gpu.queue.write_buffer(&self.core.p, 0, bytemuck::cast_slice(&self.part(p, 1)));
    }

    /// The last step's kinematic pressure increment (m^2/s^2), the next solve's first guess.
    pub fn increment(&self) -> Result<Vec<f32>, GpuError> {
        Ok(self.whole(self.gpu.read(self.pressure.increment())?, 1))
    }

    /// Puts the solver in a saved state: velocity (m/s), kinematic pressure (m^2/s^2) and
    /// pressure increment (m^2/s^2; empty: zero) as [`Self::velocity`], [`Self::pressure`] and
    /// [`Self::increment`] gave them, after `steps` steps. (The rest of a step's state each step
    /// writes before it reads it.)
    pub fn restore(&mut self, u: &[f32], p: &[f32], increment: &[f32], steps: u64) {
        self.set_velocity(u);
        self.set_pressure(p);
        let zero = vec![0.0f32; p.len()];
        let increment = if increment.is_empty() { &zero } else { increment };
        let increment = self.part(increment, 1);
        self.gpu.queue.write_buffer(self.pressure.increment().buffer(), 0, bytemuck::cast_slice(&increment));
        self.steps = steps;
    }

    /// The velocity (m/s, component-major).
    pub fn velocity(&self) -> Result<Vec<f32>, GpuError> {
        Ok(self.whole(self.gpu.read(&self.core.u)?, 3))
    }

    /// The kinematic pressure (m^2/s^2).
    pub fn pressure(&self) -> Result<Vec<f32>, GpuError> {
        Ok(self.whole(self.gpu.read(&self.core.p)?, 1))
    }

    /// Prepares the wall shear stress on the triangles of `stencil` (see [`super::wall_shear`])
    /// for a fluid of `density` (kg/m^3). With `accumulate`, every step from now on computes it
    /// and adds to its time integrals and to those of the velocity and pressure (what
    /// [`Self::averages`] returns); without, it is computed when [`Self::wall_stress`] asks.
    pub fn attach_wall(&mut self, stencil: &WallStencil, density: f64, accumulate: bool) -> Result<(), GpuError> {
        let own = self.ranked.as_mut().map(|r| r.own_triangles(stencil));
        let mut stencil = own.unwrap_or_else(|| stencil.clone());
        // The kernel reads the cells at their stored indices (a solid cell, whose velocity is
        // zero, takes no weight).
        let layout = self.own_layout();
        for (cell, weight) in stencil.cells.iter_mut().zip(&mut stencil.weights) {
            match layout.stored(*cell) {
                Some(i) => *cell = i as u32,
                None => (*cell, *weight) = (0, 0.0),
            }
        }
        for point in &mut stencil.points {
            point.nearest = layout.stored(point.nearest).expect("a triangle's nearest cell is fluid") as u32;
        }
        self.wall = Some(GpuWall::new(self.gpu, &self.core, &stencil, density, accumulate)?);
        self.set_gates()
    }

    /// Per wall triangle: the wall shear stress (Pa, xyz) and the wall pressure (Pa, w) of the
    /// current fields. Panics unless [`Self::attach_wall`] was called.
    pub fn wall_stress(&self) -> Result<Vec<[f32; 4]>, GpuError> {
        let stress = self.wall.as_ref().expect("attach_wall before wall_stress").stress(self.gpu)?;
        Ok(self.ranked.as_ref().map_or(stress.clone(), |r| r.whole_wall(&stress)))
    }

    /// The time integrals since they were last reset. Panics unless [`Self::attach_wall`] was
    /// called with accumulate.
    pub fn averages(&mut self) -> Result<Averages, GpuError> {
        let wall = self.wall.as_mut().expect("attach_wall with accumulate before the averages");
        let (sums, fields) = wall.averages(self.gpu, &self.params_value)?;
        let time = wall.time;
        let sums = match &self.ranked {
            None => sums,
            Some(r) => r.whole_wall(&sums),
        };
        Ok(Averages { time, wall: sums, fields: self.whole(fields, 4) })
    }

    /// Sets the time integrals ([`Self::averages`] gives them) to zero.
    pub fn reset_averages(&mut self) {
        self.restore_averages(0.0, None);
    }

    /// Sets the time integrals to those [`Self::averages`] gave (`None`: zero).
    pub fn restore_averages(&mut self, time: f64, values: Option<(&[[f32; 4]], &[f32])>) {
        let parts = values.map(|(sums, fields)| {
            let sums = match &self.ranked {
                Some(r) => r.triangles[r.ranks.comm.rank()].iter().map(|&t| sums[t as usize]).collect(),
                None => sums.to_vec(),
            };
            (sums, self.part(fields, 4))
        });
        let values = parts.as_ref().map(|(s, f)| (&s[..], &f[..]));
        let wall = self.wall.as_mut().expect("attach_wall with accumulate before the averages");
        wall.restore(self.gpu, time, values);
    }

    /// The pressure source of the last step, 1/s^2.
    pub fn pressure_source(&self) -> Result<Vec<f32>, GpuError> {
        Ok(self.whole(self.gpu.read(self.pressure.source())?, 1))
    }
}
