//! The time loop on the GPU: every stage of a step is recorded into command buffers with bind
//! groups made once; the host reads back only the pressure solver's residual norm (4 bytes per
//! iteration) and, on request, fields.
//!
//! One step, an incremental pressure-correction scheme: for a non-Newtonian fluid
//! `shear_viscosity` (each cell's viscosity from the shear rate of u), then `momentum` (explicit
//! part, with the last step's pressure gradient: three SSP-RK3 stages, or one pass with implicit
//! advection), `viscous_jacobi` sweeps (the implicit half of the Crank-Nicolson
//! viscous term, and with [`Advection::Implicit`] the upwind advection: u*), `divergence` (div u*,
//! source f = -V div / dt), the solve M dp = f for the pressure increment by conjugate gradients
//! preconditioned with one multigrid V-cycle (the same sequence as
//! [`super::multigrid::pcg_cpu`]), the divergence the projection leaves (computed afresh as
//! f - M dp, not from the solver's recurrence; one more 4-byte readback per step; above the
//! tolerance, CG restarts from the true residual), `project` (u = u* - dt grad dp),
//! p += dp, then `speed_max` (the largest sum_i |u_i|, for the adaptive time step: it comes back
//! with the caps' values, [`GpuSolver::cap_values`], in the step's one read-back of them). With
//! [`GpuSolver::keep_undo`] the step first copies u, p and the time integrals, so that a step
//! that went bad can be taken back ([`GpuSolver::undo`]). The face velocities of `divergence`
//! and the projection couple pressure and velocity as Rhie and Chow's (the centred gradient in
//! u* swapped for the compact face one); at a steady state dp = 0 and u* = u, so the momentum
//! balance does not depend on dt (the Rhie-Chow term does, by dt h^2 d3p/dx3, and by how it
//! absorbs what flux imbalance the wall's cut cells leave: at a driven cavity's lid corners,
//! and in vessels oblique to the grid, where a pipe along the grid diagonal at Re 100 and D/h 10
//! has its pressure gradient +0.83% off Hagen-Poiseuille at Courant 3 (implicit) and +0.98% at
//! 0.6; +2.3% and +3.6% before the wall's flux weights were balanced for shear flows along the
//! wall, `grid/balance.rs`).
//!
//! Memory: per allocated cell, 16 f32: u, u*, the momentum stages' tendency, the viscous
//! right-hand side and iterate (3 each), and p; a non-Newtonian fluid adds its viscosity, and
//! [`GpuSolver::keep_undo`] the copies of u and p (4 more) and of the time integrals. The arrays
//! of the rest of the step (the pressure
//! source f, the outlet flux, CG's r, z, d, q, the increment dp, and the finest level's Jacobi
//! and residual scratch) live in parts of u, the viscous right-hand side and the viscous
//! iterate, which are dead from the end of the viscous sweeps until `project` writes u and the
//! next step's momentum and sweeps write the other two; see [`GpuSolver::new`] for which goes
//! where, and [`GpuSolver::binding_plan`] for every pass's bindings (a test holds them).

use super::layout::Boundary;
use super::multigrid::{Hierarchy, MultigridSettings, SolveStats};
use super::porous::PorousCell;
use super::wall_shear::{WallParams, WallStencil};
use super::{CellLayout, SolverError, SolverParams};
use crate::gpu::vector::{CgScalarsParams, VectorOp, Vectors};
use crate::gpu::{Bindable, Dispatch, Gpu, GpuError, Span};
use crate::grid::Grid;
use crate::mesh::Vec3;

/// Fluid and numerical settings of a run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Kinematic viscosity, m^2/s.
    pub nu: f64,
    /// Time step, s.
    pub dt: f64,
    /// Body force per unit mass, m/s^2.
    pub force: Vec3,
    /// Pressure solve: relative residual |r| / |f| to reach.
    pub tolerance: f64,
    /// Pressure solve: at most this many iterations per step.
    pub max_iterations: usize,
    /// A typical velocity, m/s: the pressure solve also stops once the divergence it leaves is
    /// below `tolerance * velocity_scale / h` in every cell on average (a flow that is already
    /// divergence-free needs no iterations).
    pub velocity_scale: f64,
    /// How advection is stepped.
    pub advection: Advection,
    /// Multigrid smoothing.
    pub multigrid: MultigridSettings,
    /// What each cap of the grid imposes, in the grid's cap order (missing ones are walls).
    pub boundaries: Vec<Boundary>,
    /// Backflow stabilisation coefficient at outlets (dimensionless, 0 = none; see
    /// [`SolverParams::backflow`]).
    pub backflow: f64,
    /// The fluid's rheology (Newtonian: `nu`).
    pub rheology: Rheology,
}

/// Blood rheology, in kinematic units (dynamic viscosities and stresses over the density).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Rheology {
    /// Constant viscosity [`Settings::nu`].
    #[default]
    Newtonian,
    /// nu = nu_inf + (nu_0 - nu_inf) (1 + (lambda gamma)^a)^((n - 1) / a).
    CarreauYasuda {
        /// Zero-shear viscosity, m^2/s.
        nu_zero: f64,
        /// Infinite-shear viscosity, m^2/s.
        nu_infinity: f64,
        /// Relaxation time lambda, s.
        relaxation: f64,
        /// Power-law index n.
        n: f64,
        /// Yasuda exponent a.
        a: f64,
    },
    /// nu = (sqrt(tau_y / gamma) + sqrt(nu_c))^2, at most nu_max.
    Casson {
        /// Casson viscosity nu_c, m^2/s.
        nu_casson: f64,
        /// Yield stress over the density, m^2/s^2.
        yield_stress: f64,
        /// Cap of the apparent viscosity (the model's diverges at zero shear), m^2/s.
        nu_max: f64,
    },
}

impl Rheology {
    /// The largest kinematic viscosity the fluid takes, m^2/s (`nu` when Newtonian).
    pub fn max_viscosity(&self, nu: f64) -> f64 {
        match *self {
            Rheology::Newtonian => nu,
            Rheology::CarreauYasuda { nu_zero, nu_infinity, .. } => nu_zero.max(nu_infinity),
            Rheology::Casson { nu_max, .. } => nu_max,
        }
    }

    /// Sets the rheology fields of `p` (the cap from `nu` when Newtonian).
    fn write(&self, p: &mut SolverParams, nu: f64) {
        use super::layout::rheology;
        p.nu_max = self.max_viscosity(nu) as f32;
        match *self {
            Rheology::Newtonian => p.rheology = rheology::NEWTONIAN,
            Rheology::CarreauYasuda { nu_zero, nu_infinity, relaxation, n, a } => {
                p.rheology = rheology::CARREAU_YASUDA;
                (p.nu_zero, p.nu_infinity, p.relaxation, p.power_n, p.power_a) =
                    (nu_zero as f32, nu_infinity as f32, relaxation as f32, n as f32, a as f32);
            }
            Rheology::Casson { nu_casson, yield_stress, .. } => {
                p.rheology = rheology::CASSON;
                (p.nu_infinity, p.yield_stress) = (nu_casson as f32, yield_stress as f32);
            }
        }
    }
}

/// How the momentum predictor steps advection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Advection {
    /// SSP-RK3 (three momentum passes a step) on the third-order upwind-biased advective
    /// differences: stable to a Courant number (sum_i |u_i| dt / h) of 0.6
    /// ([`crate::case::EXPLICIT_CFL_MAX`]). For transient flow.
    #[default]
    Explicit,
    /// Backward Euler: the first-order upwind part implicit (in the viscous Jacobi sweeps), the
    /// higher-order remainder explicit from the current velocity. First order in time, stable
    /// at Courant numbers above 1; at a steady state the same momentum balance as the explicit
    /// form's (the Rhie-Chow face velocities still carry dt: see the module docs). For steady
    /// flow.
    Implicit,
}

/// Why the GPU solver stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The grid cannot be put in the kernels' form.
    #[error(transparent)]
    Layout(#[from] SolverError),
    /// The GPU failed.
    #[error(transparent)]
    Gpu(#[from] GpuError),
}

/// Named bindings: `a` then `b`.
fn join<'a>(a: &[Named<'a>], b: &[Named<'a>]) -> Vec<Named<'a>> {
    a.iter().chain(b).copied().collect()
}

/// A binding name and the buffer bound to it.
type Named<'a> = (&'a str, &'a dyn Bindable);

/// One multigrid level on the GPU: its buffers and the passes of a V-cycle on it.
struct GpuLevel {
    /// Source of M e = f on this level (level 0: the CG residual).
    f: Span,
    /// Correction (level 0: the preconditioned residual z).
    e: Span,
    /// Its grid bindings: level parameters, neighbours, cells, geometry.
    base: [wgpu::Buffer; 4],
    /// Cells in its allocated bricks.
    cells: u32,
    /// Jacobi sweep e -> tmp, and tmp -> e.
    sweep: [Dispatch; 2],
    /// Residual f - M e into the sweeps' scratch (free between the pre- and post-smoothing).
    residual: Dispatch,
    /// Restriction of this level's residual into the next level's f (None on the coarsest).
    restrict: Option<Dispatch>,
    /// Prolongation of the next level's e into this level's e (None on the coarsest).
    prolong: Option<Dispatch>,
    /// Buffers the passes bind that nothing else holds.
    _keep: Vec<wgpu::Buffer>,
}

/// Scalar slots of the CG solver.
const RZ: u32 = 0;
const DQ: u32 = 1;
const ALPHA: u32 = 2;
const RZ_NEW: u32 = 3;
const BETA: u32 = 4;
const RR: u32 = 5;
const FF: u32 = 6;
const EE: u32 = 7;
/// Holds 1.0 (for p += dp).
const ONE: u32 = 8;

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

/// Jacobi sweeps per step of the predictor's system: the iteration's spectral radius is at most
/// (s + a) / (1 + s + a), s = dt nu / 2 * 12 / h^2 and, with implicit advection, a = 2 dt U / h
/// for the velocity scale U (the inflow through a cell's faces over its volume, for a flow of
/// speed U at most 45 degrees off an axis). Explicit advection: enough to reduce the error
/// 1e6-fold (time accuracy). Implicit advection (backward Euler, for steady states): 10-fold, so
/// a step moves 90% of the way to the backward Euler step; the sweeps start from u, which at a
/// steady state is already the solution, so the steady state does not depend on their number.
fn viscous_sweeps(settings: &Settings, h: f64) -> usize {
    let s_max = 0.5 * settings.dt * settings.rheology.max_viscosity(settings.nu) * 12.0 / (h * h);
    let (a_max, reduction) = match settings.advection {
        Advection::Explicit => (0.0, 1e-6f64),
        Advection::Implicit => (2.0 * settings.dt * settings.velocity_scale / h, 1e-1),
    };
    let rho = (s_max + a_max) / (1.0 + s_max + a_max);
    if rho > 0.0 { (reduction.ln() / rho.ln()).ceil().max(2.0) as usize } else { 2 }.next_multiple_of(2)
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
}

/// Copies of what a step changes, so that [`GpuSolver::undo`] can take it back.
struct Undo {
    u: wgpu::Buffer,
    p: wgpu::Buffer,
    /// The wall's and the fields' time integrals (with accumulate).
    sums: Option<(wgpu::Buffer, wgpu::Buffer)>,
    /// The integrated time and the step count before the step.
    wall_time: f64,
    steps: u64,
    /// Whether the copies hold the state before the last step.
    ready: bool,
}

/// The solver's state on the GPU.
pub struct GpuSolver<'g> {
    gpu: &'g Gpu,
    /// The finest level's layout (boundary records included), for the summaries.
    pub layout: CellLayout,
    settings: Settings,
    /// Cells in allocated bricks of the finest level.
    pub cells: u32,
    /// Fluid cells of the finest level.
    pub fluid_cells: usize,
    /// Multigrid levels (cells per level, finest first).
    pub level_cells: Vec<usize>,
    params: wgpu::Buffer,
    params_value: SolverParams,
    /// Copies of the parameters for the momentum's Runge-Kutta stages 0 and 1 (explicit mode).
    stage_params: [wgpu::Buffer; 2],
    u: wgpu::Buffer,
    /// The momentum stages' advective tendency (scratch within a step).
    tendency: wgpu::Buffer,
    f: Span,
    p: wgpu::Buffer,
    /// This step's pressure increment (the CG solution).
    dp: Span,
    d: Span,
    /// f - M dp into CG's q (after the solve).
    residual_check: Dispatch,
    /// The finest level's geometry records (boundary parts rewritten by the `set_cap_*`
    /// methods).
    geom: wgpu::Buffer,
    /// The boundary parts changed since they were last uploaded.
    boundary_changed: bool,
    /// The caps' cells (storage ids), cap after cap in the grid's order, and where each cap's
    /// run starts (one more entry: the end).
    cap_ids: Vec<u32>,
    cap_starts: Vec<usize>,
    /// `solver/cap_gather` (None without caps).
    cap_gather: Option<Dispatch>,
    /// `solver/speed_max`, into the last entry of `readback`.
    speed_max: Dispatch,
    /// The caps' values and the largest speed, read back after every step.
    readback: wgpu::Buffer,
    /// The state before the last step, for [`GpuSolver::undo`] (with [`GpuSolver::keep_undo`]).
    undo: Option<Undo>,
    /// `solver/shear_viscosity` (non-Newtonian fluids).
    shear_viscosity: Option<Dispatch>,
    /// The momentum passes: the three Runge-Kutta stages (explicit), or one (implicit).
    momentum: Vec<Dispatch>,
    /// Jacobi sweeps of the implicit viscous system: u -> tmp, then tmp -> u* and u* -> tmp.
    viscous_first: Dispatch,
    viscous: [Dispatch; 2],
    /// Sweeps per step (even).
    pub viscous_sweeps: usize,
    divergence: Dispatch,
    project: Dispatch,
    /// r = f - M p into level 0's f; q = -M d.
    initial_residual: Dispatch,
    apply: Dispatch,
    levels: Vec<GpuLevel>,
    vectors: Vectors,
    ops: CgOps,
    /// Steps taken.
    pub steps: u64,
    bytes: u64,
    /// The predicted velocity (m/s, component-major), for passes added later.
    u_star: wgpu::Buffer,
    /// Buffers only the passes bind.
    _keep: Vec<wgpu::Buffer>,
    /// The name of every buffer a pass of the step binds ([`GpuSolver::binding_plan`]).
    buffer_names: Vec<(wgpu::Buffer, String)>,
    /// Wall shear stress and time integrals, once [`GpuSolver::attach_wall`] was called.
    wall: Option<GpuWall>,
    /// A porous layer's drag pass and its cell list, once [`GpuSolver::attach_porous`] was called.
    porous: Option<(Dispatch, wgpu::Buffer)>,
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

/// The wall's passes and buffers on the GPU.
struct GpuWall {
    /// `wall/wall_shear`.
    shear: Dispatch,
    value: WallParams,
    /// Per triangle: wall shear stress (Pa) and wall pressure (Pa).
    stress: wgpu::Buffer,
    /// Per triangle: the sums of tau dt and |tau| dt (Pa s).
    sums: wgpu::Buffer,
    /// `solver/time_average` and the integrals of u and p since the last take (with
    /// accumulate).
    mean: Option<(Dispatch, wgpu::Buffer)>,
    /// Seconds integrated since the last reset.
    time: f64,
    /// GPU bytes of the wall's buffers and of the fields' time integrals.
    bytes: u64,
    _keep: Vec<wgpu::Buffer>,
}

/// The prepared vector operations of one CG iteration.
struct CgOps {
    rz: VectorOp,
    dq: VectorOp,
    alpha: VectorOp,
    update_p: VectorOp,
    update_r: VectorOp,
    rz_new: VectorOp,
    beta: VectorOp,
    direction: VectorOp,
    rr: VectorOp,
    ff: VectorOp,
    ee: VectorOp,
    /// p += dp.
    add_increment: VectorOp,
}

impl<'g> GpuSolver<'g> {
    /// Uploads `grid` (fields at rest) and prepares every pass.
    pub fn new(gpu: &'g Gpu, grid: &Grid, settings: Settings) -> Result<GpuSolver<'g>, RunError> {
        let layout = CellLayout::with_boundaries(grid, &settings.boundaries)?;
        let hierarchy = Hierarchy::new(&grid.bricks, &layout, grid.spacing)?;
        let n = layout.cells.len() as u32;
        let mut params_value = SolverParams {
            h: grid.spacing as f32,
            dt: settings.dt as f32,
            nu: settings.nu as f32,
            omega: settings.multigrid.omega,
            cells: n,
            stage: 2,
            implicit_advection: u32::from(settings.advection == Advection::Implicit),
            force_x: settings.force.x as f32,
            force_y: settings.force.y as f32,
            force_z: settings.force.z as f32,
            backflow: settings.backflow as f32,
            ..Default::default()
        };
        settings.rheology.write(&mut params_value, settings.nu);
        let params = gpu.uniform("solver params", &params_value)?;
        // Every storage buffer goes through `track`, so the memory figure is what was allocated,
        // and every buffer a pass binds gets its name in `names` (for the binding plan).
        let allocated = std::cell::Cell::new(0u64);
        let names: std::cell::RefCell<Vec<(wgpu::Buffer, String)>> = Default::default();
        let name = |label: &str, b: &wgpu::Buffer| names.borrow_mut().push((b.clone(), label.to_string()));
        let track = |label: &str, b: wgpu::Buffer| {
            allocated.set(allocated.get() + b.size());
            name(label, &b);
            b
        };
        name("params", &params);
        let neighbours = track("neighbours", gpu.storage("neighbours", &layout.neighbours)?);
        let cells = track("cells", gpu.storage("cells", &layout.cells)?);
        let geom = track("geom", gpu.storage("geom", &layout.geom)?);
        let field = |label: &str, values: u64| gpu.storage_empty(label, 4 * values).map(|b| track(label, b));
        let n3 = 3 * n as u64;
        let (u, u_star, tendency) = (field("u", n3)?, field("u*", n3)?, field("tendency", n3)?);
        let (rhs, v_tmp) = (field("viscous rhs", n3)?, field("viscous iterate", n3)?);
        let p = field("p", n as u64)?;
        // The arrays of the rest of the step, in parts of the velocity-sized buffers that are
        // dead from the last viscous sweep on: u until `project` writes it, rhs and v_tmp until
        // the next step's momentum and sweeps. Placed so that no dispatch binds one buffer both
        // read-only and read-write (wgpu tracks usage per buffer) and no copy stays inside one
        // buffer: u holds the Jacobi and residual scratch and q; rhs holds r, d and the outlet
        // flux (read by the host after the step); v_tmp holds z, dp and f (neither dp nor the
        // outlet flux in u, which `project` writes while reading dp and updating the flux).
        let part = |buffer: &wgpu::Buffer, index: u64| Span::part(buffer, index, 4 * n as u64);
        let (tmp0, q) = (part(&u, 0), part(&u, 2));
        let (r, d, outflow) = (part(&rhs, 0), part(&rhs, 1), part(&rhs, 2));
        let (z, dp, f) = (part(&v_tmp, 0), part(&v_tmp, 1), part(&v_tmp, 2));
        let grid_bufs: [Named; 4] =
            [("params", &params), ("neighbours", &neighbours), ("cells", &cells), ("geom", &geom)];
        // The viscosity field of a non-Newtonian fluid (one unread value otherwise).
        let non_newtonian = settings.rheology != Rheology::Newtonian;
        let viscosity = field("viscosity", if non_newtonian { n as u64 } else { 1 })?;
        let shear_viscosity = if non_newtonian {
            let bufs = join(&grid_bufs, &[("u", &u), ("viscosity", &viscosity)]);
            Some(Dispatch::new(gpu, "solver/shear_viscosity", &bufs, n)?)
        } else {
            None
        };
        // Momentum: explicit SSP-RK3 in three passes (u1 in the viscous iterate, u2 in u*, both
        // dead until the sweeps), or the implicit mode's one pass; each binds u^n, the velocity
        // it evaluates advection at, the tendency, rhs and the next stage's velocity.
        let stage_params = [
            gpu.uniform("momentum stage 0 params", &SolverParams { stage: 0, ..params_value })?,
            gpu.uniform("momentum stage 1 params", &SolverParams { stage: 1, ..params_value })?,
        ];
        name("params stage 0", &stage_params[0]);
        name("params stage 1", &stage_params[1]);
        // Stage 0 and the implicit pass write the tendency and rhs without reading them.
        let momentum_pass = |params: &wgpu::Buffer, eval: &wgpu::Buffer, next: &wgpu::Buffer, first: bool| {
            let bufs: [Named; 11] = [
                ("params", params),
                ("neighbours", &neighbours),
                ("cells", &cells),
                ("geom", &geom),
                ("u", &u),
                ("u_eval", eval),
                ("tendency", &tendency),
                ("rhs", &rhs),
                ("u_next", next),
                ("p", &p),
                ("viscosity", &viscosity),
            ];
            let pass = Dispatch::new(gpu, "solver/momentum", &bufs, n)?;
            Ok::<_, GpuError>(if first { pass.overwrites(&["tendency", "rhs"]) } else { pass })
        };
        let momentum = match settings.advection {
            Advection::Explicit => vec![
                momentum_pass(&stage_params[0], &u, &v_tmp, true)?,
                momentum_pass(&stage_params[1], &v_tmp, &u_star, false)?,
                momentum_pass(&params, &u_star, &v_tmp, false)?,
            ],
            Advection::Implicit => vec![momentum_pass(&params, &u, &v_tmp, true)?],
        };
        let viscous_pass = |from: &wgpu::Buffer, to: &wgpu::Buffer| {
            let fields: [Named; 5] =
                [("rhs", &rhs), ("u", &u), ("v_in", from), ("v_out", to), ("viscosity", &viscosity)];
            Dispatch::new(gpu, "solver/viscous_jacobi", &join(&grid_bufs, &fields), n)
        };
        let viscous_first = viscous_pass(&u, &v_tmp)?;
        let viscous = [viscous_pass(&v_tmp, &u_star)?, viscous_pass(&u_star, &v_tmp)?];
        let viscous_sweeps = viscous_sweeps(&settings, grid.spacing);
        let fields: [Named; 4] = [("u", &u_star), ("f", &f), ("p", &p), ("outflow", &outflow)];
        let divergence = Dispatch::new(gpu, "solver/divergence", &join(&grid_bufs, &fields), n)?;
        let fields: [Named; 4] = [("p", &dp), ("u_star", &u_star), ("u", &u), ("outflow", &outflow)];
        let project = Dispatch::new(gpu, "solver/project", &join(&grid_bufs, &fields), n)?;
        let fields: [Named; 3] = [("f", &f), ("p", &dp), ("r", &q)];
        let residual_check = Dispatch::new(gpu, "solver/pressure_residual", &join(&grid_bufs, &fields), n)?;
        let mut cap_starts = vec![0];
        let mut cap_ids = Vec::new();
        for cap in &grid.caps {
            cap_ids.extend(cap.cells.iter().map(|&(id, _)| id));
            cap_starts.push(cap_ids.len());
        }
        // What the host reads after every step: the caps' values (2 per cap cell), then the
        // largest speed.
        let readback =
            track("cap values and speed", gpu.storage_empty("cap values and speed", 8 * cap_ids.len() as u64 + 4)?);
        let cap_gather = if cap_ids.is_empty() {
            None
        } else {
            let ids = track("cap ids", gpu.storage("cap ids", &cap_ids)?);
            let bufs: [Named; 4] = [("ids", &ids), ("outflow", &outflow), ("p", &p), ("out", &readback)];
            Some(Dispatch::new(gpu, "solver/cap_gather", &bufs, cap_ids.len() as u32)?)
        };
        let speed_max =
            Dispatch::new(gpu, "solver/speed_max", &[("params", &params), ("u", &u), ("out", &readback)], n)?;

        // Multigrid levels, coarsest first so each level can reference the next one's buffers.
        let mut levels: Vec<GpuLevel> = Vec::new();
        for (l, level) in hierarchy.levels.iter().enumerate().rev() {
            let nl = level.layout.cells.len() as u32;
            let fine = l == 0;
            let lp = gpu.uniform("level params", &level.params(settings.multigrid.omega))?;
            name(&format!("level {l} params"), &lp);
            let (lnb, lcells, lgeom) = if fine {
                (neighbours.clone(), cells.clone(), geom.clone())
            } else {
                (
                    track(&format!("level {l} neighbours"), gpu.storage("level neighbours", &level.layout.neighbours)?),
                    track(&format!("level {l} cells"), gpu.storage("level cells", &level.layout.cells)?),
                    track(&format!("level {l} geom"), gpu.storage("level geom", &level.layout.geom)?),
                )
            };
            let (lf, le, tmp) = if fine {
                (r.clone(), z.clone(), tmp0.clone())
            } else {
                let whole = |what: &str| field(&format!("level {l} {what}"), nl as u64).map(|b| Span::whole(&b));
                (whole("f")?, whole("e")?, whole("scratch")?)
            };
            let base: [Named; 4] = [("params", &lp), ("neighbours", &lnb), ("cells", &lcells), ("geom", &lgeom)];
            let jacobi = |from: &Span, to: &Span| {
                let fields: [Named; 3] = [("f", &lf), ("p_in", from), ("p_out", to)];
                Dispatch::new(gpu, "solver/pressure_jacobi", &join(&base, &fields), nl)
            };
            let sweep = [jacobi(&le, &tmp)?, jacobi(&tmp, &le)?];
            let fields: [Named; 3] = [("f", &lf), ("p", &le), ("r", &tmp)];
            let residual = Dispatch::new(gpu, "solver/pressure_residual", &join(&base, &fields), nl)?;
            let (restrict, prolong, keep) = match levels.last() {
                Some(coarse) => {
                    let children = track(
                        &format!("level {} child bricks", l + 1),
                        gpu.storage("child bricks", &hierarchy.levels[l + 1].child_bricks)?,
                    );
                    let parent =
                        track(&format!("level {l} parent bricks"), gpu.storage("parent bricks", &level.parent_bricks)?);
                    let [cp, _, ccells, _] = &coarse.base;
                    let restrict_bufs: [Named; 5] = [
                        ("params", cp),
                        ("cells", ccells),
                        ("child_bricks", &children),
                        ("r_fine", &tmp),
                        ("f_coarse", &coarse.f),
                    ];
                    let restrict = Dispatch::new(gpu, "solver/mg_restrict", &restrict_bufs, coarse.cells)?;
                    let prolong_bufs: [Named; 5] = [
                        ("params", &lp),
                        ("cells", &lcells),
                        ("parent_bricks", &parent),
                        ("e_coarse", &coarse.e),
                        ("p_fine", &le),
                    ];
                    let prolong = Dispatch::new(gpu, "solver/mg_prolong", &prolong_bufs, nl)?;
                    (Some(restrict), Some(prolong), vec![children, parent])
                }
                None => (None, None, Vec::new()),
            };
            let base = [lp, lnb, lcells, lgeom];
            levels.push(GpuLevel { f: lf, e: le, base, cells: nl, sweep, residual, restrict, prolong, _keep: keep });
        }
        levels.reverse();
        let fields: [Named; 3] = [("f", &f), ("p", &dp), ("r", &r)];
        let initial_residual = Dispatch::new(gpu, "solver/pressure_residual", &join(&grid_bufs, &fields), n)?;
        // q = -M d: pressure_residual without its source (the source binding is not read).
        let apply_params = gpu.uniform("operator params", &SolverParams { without_source: 1, ..params_value })?;
        name("params without source", &apply_params);
        let apply_bufs: [Named; 7] = [
            ("params", &apply_params),
            ("neighbours", &neighbours),
            ("cells", &cells),
            ("geom", &geom),
            ("f", &d),
            ("p", &d),
            ("r", &q),
        ];
        let apply = Dispatch::new(gpu, "solver/pressure_residual", &apply_bufs, n)?;
        let vectors = Vectors::new(gpu, 9)?;
        gpu.queue.write_buffer(vectors.scalars(), u64::from(ONE) * 4, bytemuck::bytes_of(&1.0f32));
        // q = -M d, so dq = d.q = -(d.M d) and alpha' = rz / dq = -alpha:
        // p += alpha d is p -= alpha' d, and r -= alpha M d is r -= alpha' q.
        let ops = CgOps {
            rz: vectors.dot(gpu, &r, &z, n, RZ)?,
            dq: vectors.dot(gpu, &d, &q, n, DQ)?,
            alpha: vectors.cg_scalars(gpu, CgScalarsParams::alpha(RZ, DQ, ALPHA))?,
            update_p: vectors.axpy(gpu, ALPHA, -1.0, &d, &dp, n)?,
            update_r: vectors.axpy(gpu, ALPHA, -1.0, &q, &r, n)?,
            rz_new: vectors.dot(gpu, &r, &z, n, RZ_NEW)?,
            beta: vectors.cg_scalars(gpu, CgScalarsParams::beta(RZ_NEW, RZ, BETA))?,
            direction: vectors.xpay(gpu, BETA, &z, &d, n)?,
            rr: vectors.dot(gpu, &r, &r, n, RR)?,
            ff: vectors.dot(gpu, &f, &f, n, FF)?,
            ee: vectors.dot(gpu, &q, &q, n, EE)?,
            add_increment: vectors.axpy(gpu, ONE, 1.0, &dp, &p, n)?,
        };
        let fluid_cells = hierarchy.levels[0].fluid_cells;
        let level_cells = hierarchy.levels.iter().map(|l| l.fluid_cells).collect();
        Ok(GpuSolver {
            layout: hierarchy.levels[0].layout.clone(),
            gpu,
            settings,
            cells: n,
            fluid_cells,
            level_cells,
            params,
            params_value,
            stage_params,
            u,
            tendency: tendency.clone(),
            f,
            p,
            dp,
            d,
            residual_check,
            geom,
            boundary_changed: false,
            cap_ids,
            cap_starts,
            cap_gather,
            speed_max,
            readback,
            undo: None,
            shear_viscosity,
            momentum,
            viscous_first,
            viscous,
            viscous_sweeps,
            divergence,
            project,
            initial_residual,
            apply,
            levels,
            vectors,
            ops,
            steps: 0,
            bytes: allocated.get(),
            u_star,
            _keep: vec![tendency, rhs, v_tmp, apply_params, viscosity],
            buffer_names: names.into_inner(),
            wall: None,
            porous: None,
        })
    }

    /// What every pass of a step binds, in the order the step records them (the vector ops of
    /// the conjugate gradients apart): one line per pass, `stage: binding=buffer ...`, a part of a
    /// buffer as `buffer[k]` (the k-th of its equal parts). Where the buffers' aliasing is
    /// visible, and what a test compares so that two swapped buffers fail it.
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
        let mut passes: Vec<&Dispatch> = self.shear_viscosity.iter().collect();
        passes.extend(&self.momentum);
        passes.extend([&self.viscous_first, &self.viscous[0], &self.viscous[1], &self.divergence]);
        passes.extend([&self.initial_residual, &self.apply]);
        for level in &self.levels {
            passes.extend([&level.sweep[0], &level.sweep[1], &level.residual]);
            passes.extend(level.restrict.iter().chain(&level.prolong));
        }
        passes.extend([&self.project, &self.residual_check]);
        passes.extend(self.cap_gather.iter().chain([&self.speed_max]));
        passes
            .iter()
            .map(|d| {
                let bound: Vec<String> = d.bound().iter().map(|(b, span)| format!("{b}={}", name_of(span))).collect();
                format!("{}: {}", d.stage(), bound.join(" "))
            })
            .collect()
    }

    /// Adds the drag of a porous layer (a flow diverter's, [`crate::solver::porous`]) to every
    /// step's predictor; an empty `layer` removes it.
    pub fn attach_porous(&mut self, layer: &[PorousCell]) -> Result<(), GpuError> {
        self.porous = None;
        if layer.is_empty() {
            return Ok(());
        }
        let gpu = self.gpu;
        let buffer = gpu.storage("porous layer", layer)?;
        let bufs: [Named; 3] = [("params", &self.params), ("layer", &buffer), ("u", &self.u_star)];
        let pass = Dispatch::new(gpu, "solver/porous_drag", &bufs, layer.len() as u32)?;
        self.bytes += buffer.size();
        self.porous = Some((pass, buffer));
        Ok(())
    }

    /// GPU bytes allocated for the grid, the fields and the pressure solver, per fluid cell
    /// (the wall's, [`Self::wall_bytes`], apart).
    pub fn bytes_per_fluid_cell(&self) -> f64 {
        self.bytes as f64 / self.fluid_cells as f64
    }

    /// GPU bytes of the wall shear stress (stencils, stress, time integrals; 304 per wall
    /// triangle) and, with accumulate, of the fields' time integrals (16 per cell); 0 before
    /// [`Self::attach_wall`].
    pub fn wall_bytes(&self) -> u64 {
        self.wall.as_ref().map_or(0, |w| w.bytes)
    }

    /// Records one V-cycle on level `l` (e = 0 first) into `enc`.
    fn v_cycle(&self, enc: &mut wgpu::CommandEncoder, l: usize) {
        let level = &self.levels[l];
        level.e.clear(self.gpu, enc);
        let sweeps = |enc: &mut wgpu::CommandEncoder, count: usize| {
            for _ in 0..count.div_ceil(2) {
                level.sweep[0].record(enc);
                level.sweep[1].record(enc);
            }
        };
        let s = &self.settings.multigrid;
        if l + 1 == self.levels.len() {
            sweeps(enc, s.coarsest_sweeps);
            return;
        }
        sweeps(enc, s.sweeps);
        level.residual.record(enc);
        level.restrict.as_ref().expect("not the coarsest").record(enc);
        self.v_cycle(enc, l + 1);
        level.prolong.as_ref().expect("not the coarsest").record(enc);
        sweeps(enc, s.sweeps);
    }

    fn submit(&self, record: impl FnOnce(&mut wgpu::CommandEncoder)) {
        let mut enc = self.gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("step") });
        record(&mut enc);
        self.gpu.queue.submit([enc.finish()]);
    }

    /// Solves M p = f from the current p (the last step's pressure), on the GPU.
    /// Solves M dp = f by CG from the current dp (its residual computed afresh), for at most
    /// `budget` iterations. Returns the solve's figures and the norm of f it measured them
    /// against.
    fn solve_pressure(&self, budget: usize) -> Result<(SolveStats, f64), GpuError> {
        self.submit(|enc| {
            self.initial_residual.record(enc);
            self.v_cycle(enc, 0);
            self.levels[0].e.copy_to(self.gpu, enc, &self.d);
            self.ops.rz.record(enc);
            self.ops.rr.record(enc);
            self.ops.ff.record(enc);
        });
        // Scale of f for a divergence of velocity_scale / h in every fluid cell.
        let h = self.params_value.h as f64;
        let floor = self.settings.velocity_scale / (h * self.settings.dt) * (self.fluid_cells as f64).sqrt();
        let ff = (self.vectors.read_scalar(self.gpu, FF)? as f64).sqrt().max(floor);
        let mut stats = SolveStats {
            iterations: 0,
            relative_residual: (self.vectors.read_scalar(self.gpu, RR)? as f64).max(0.0).sqrt() / ff,
        };
        while stats.relative_residual > self.settings.tolerance && stats.iterations < budget {
            self.submit(|enc| {
                let o = &self.ops;
                self.apply.record(enc);
                for op in [&o.dq, &o.alpha, &o.update_p, &o.update_r] {
                    op.record(enc);
                }
                self.v_cycle(enc, 0);
                for op in [&o.rz_new, &o.beta, &o.direction, &o.rr] {
                    op.record(enc);
                }
            });
            stats.iterations += 1;
            stats.relative_residual = (self.vectors.read_scalar(self.gpu, RR)? as f64).max(0.0).sqrt() / ff;
        }
        Ok((stats, ff))
    }

    /// Advances one time step; returns what it measured.
    pub fn step(&mut self) -> Result<StepStats, GpuError> {
        self.gpu.queue.write_buffer(&self.params, 0, bytemuck::bytes_of(&self.params_value));
        if self.momentum.len() == 3 {
            for (stage, buffer) in self.stage_params.iter().enumerate() {
                let value = SolverParams { stage: stage as u32, ..self.params_value };
                self.gpu.queue.write_buffer(buffer, 0, bytemuck::bytes_of(&value));
            }
        }
        if self.boundary_changed {
            let parts = self.layout.boundary_parts_len();
            self.gpu.queue.write_buffer(&self.geom, 0, bytemuck::cast_slice(&self.layout.geom[..parts]));
            self.boundary_changed = false;
        }
        if let Some(undo) = self.undo.as_mut() {
            undo.wall_time = self.wall.as_ref().map_or(0.0, |w| w.time);
            undo.steps = self.steps;
            undo.ready = true;
        }
        self.submit(|enc| {
            if let Some(undo) = &self.undo {
                enc.copy_buffer_to_buffer(&self.u, 0, &undo.u, 0, None);
                enc.copy_buffer_to_buffer(&self.p, 0, &undo.p, 0, None);
                if let (Some((sums, mean)), Some(wall)) = (&undo.sums, &self.wall) {
                    enc.copy_buffer_to_buffer(&wall.sums, 0, sums, 0, None);
                    enc.copy_buffer_to_buffer(&wall.mean.as_ref().expect("with sums").1, 0, mean, 0, None);
                }
            }
            if let Some(pass) = &self.shear_viscosity {
                pass.record(enc);
            }
            for pass in &self.momentum {
                pass.record(enc);
            }
            // The viscous solve starts from the current velocity; an even number of sweeps
            // ends in u*.
            self.viscous_first.record(enc);
            for k in 1..self.viscous_sweeps {
                self.viscous[(k + 1) % 2].record(enc);
            }
            if let Some((pass, _)) = &self.porous {
                pass.record(enc);
            }
            self.divergence.record(enc);
            // After the sweeps: dp is in the viscous iterate's buffer.
            self.dp.clear(self.gpu, enc);
        });
        // CG's recurrence for r drifts from f - M p in f32: check the divergence the projection
        // will leave, f - M dp afresh, and restart CG from the true residual until that is
        // below the tolerance too, or the iterations run out, or a restart no longer halves it
        // (the f32 floor: about 6e-8 times the pressure's range over its change per cell, which
        // an impulsive start from rest makes the length of the domain in cells).
        let max = self.settings.max_iterations;
        let (mut solve, scale) = self.solve_pressure(max)?;
        let mut last = f64::INFINITY;
        let divergence = loop {
            self.submit(|enc| {
                self.residual_check.record(enc);
                self.ops.ee.record(enc);
            });
            let divergence = (self.vectors.read_scalar(self.gpu, EE)? as f64).max(0.0).sqrt() / scale;
            let done = divergence <= self.settings.tolerance || solve.iterations >= max || divergence > 0.5 * last;
            if done || !divergence.is_finite() {
                break divergence;
            }
            last = divergence;
            let (more, _) = self.solve_pressure(max - solve.iterations)?;
            solve.iterations += more.iterations;
            solve.relative_residual = more.relative_residual;
            if more.iterations == 0 {
                // The fresh residual is within the tolerance: the difference is rounding.
                break divergence;
            }
        };
        self.submit(|enc| {
            self.project.record(enc);
            self.ops.add_increment.record(enc);
            Span::whole(&self.readback).clear(self.gpu, enc);
            self.speed_max.record(enc);
            if let Some(wall) = self.wall.as_ref().filter(|w| w.value.accumulate != 0) {
                wall.shear.record(enc);
                if let Some((pass, _)) = &wall.mean {
                    pass.record(enc);
                }
            }
        });
        if let Some(wall) = self.wall.as_mut() {
            wall.time += (wall.value.accumulate != 0) as u32 as f64 * self.settings.dt;
        }
        self.steps += 1;
        Ok(StepStats { iterations: solve.iterations, relative_residual: solve.relative_residual, divergence })
    }

    /// The storage ids of cap `cap`'s cells, in the order of the grid's `caps[cap].cells`.
    pub fn cap_cells(&self, cap: usize) -> &[u32] {
        &self.cap_ids[self.cap_starts[cap]..self.cap_starts[cap + 1]]
    }

    /// Sets the imposed velocity (m/s) of the cells of inlet or moving-wall cap `cap`, one per
    /// cell in the order of [`Self::cap_cells`], from the next step on.
    pub fn set_cap_velocities(&mut self, cap: usize, velocities: &[Vec3]) {
        let (start, end) = (self.cap_starts[cap], self.cap_starts[cap + 1]);
        assert_eq!(velocities.len(), end - start, "one velocity per cell of cap {cap}");
        for (&id, v) in self.cap_ids[start..end].iter().zip(velocities) {
            for (k, x) in [v.x, v.y, v.z].into_iter().enumerate() {
                self.layout.set_bc(id, super::layout::geom::BC_VELOCITY + k, x as f32);
            }
        }
        self.boundary_changed = true;
    }

    /// Sets the kinematic pressure (m^2/s^2) of outlet cap `cap` from the next step on.
    pub fn set_cap_pressure(&mut self, cap: usize, pressure: f64) {
        let (start, end) = (self.cap_starts[cap], self.cap_starts[cap + 1]);
        for &id in &self.cap_ids[start..end] {
            self.layout.set_bc(id, super::layout::geom::BC_PRESSURE, pressure as f32);
        }
        self.boundary_changed = true;
    }

    /// The caps' values and the largest speed after the last step (a few kilobytes read back,
    /// gathered by `solver/cap_gather` and `solver/speed_max`: one round trip).
    pub fn cap_values(&self) -> Result<CapValues, GpuError> {
        if let Some(pass) = &self.cap_gather {
            self.submit(|enc| pass.record(enc));
        }
        let mut outflow = self.gpu.read::<f32>(&self.readback)?;
        let speed_max = outflow.pop().expect("the speed's entry") as f64;
        let pressure = outflow.split_off(self.cap_ids.len());
        Ok(CapValues { outflow, pressure, speed_max })
    }

    /// Sets the time step (s) from the next step on.
    pub fn set_dt(&mut self, dt: f64) {
        self.settings.dt = dt;
        self.params_value.dt = dt as f32;
        self.viscous_sweeps = viscous_sweeps(&self.settings, self.params_value.h as f64);
    }

    /// From now on, every step first copies what it changes (velocity, pressure and, with the
    /// wall's accumulate, the time integrals: 16 more GPU bytes per cell, 32 with them), so that
    /// [`Self::undo`] can take the step back.
    pub fn keep_undo(&mut self) -> Result<(), GpuError> {
        let gpu = self.gpu;
        let n = self.cells as u64;
        let u = gpu.storage_empty("undo u", 12 * n)?;
        let p = gpu.storage_empty("undo p", 4 * n)?;
        let sums = match self.wall.as_ref().filter(|w| w.mean.is_some()) {
            Some(wall) => Some((
                gpu.storage_empty("undo wall sums", wall.sums.size())?,
                gpu.storage_empty("undo time integrals", wall.mean.as_ref().expect("checked").1.size())?,
            )),
            None => None,
        };
        self.bytes += u.size() + p.size() + sums.as_ref().map_or(0, |(a, b)| a.size() + b.size());
        self.undo = Some(Undo { u, p, sums, wall_time: 0.0, steps: self.steps, ready: false });
        Ok(())
    }

    /// Takes the last step back (after [`Self::keep_undo`]): the velocity, pressure, time
    /// integrals and step count it started from. Returns false if there is nothing to undo.
    pub fn undo(&mut self) -> bool {
        let Some(undo) = self.undo.as_mut().filter(|u| u.ready) else { return false };
        undo.ready = false;
        let (wall_time, steps) = (undo.wall_time, undo.steps);
        let undo = self.undo.as_ref().expect("checked");
        self.submit(|enc| {
            enc.copy_buffer_to_buffer(&undo.u, 0, &self.u, 0, None);
            enc.copy_buffer_to_buffer(&undo.p, 0, &self.p, 0, None);
            if let (Some((sums, mean)), Some(wall)) = (&undo.sums, &self.wall) {
                enc.copy_buffer_to_buffer(sums, 0, &wall.sums, 0, None);
                enc.copy_buffer_to_buffer(mean, 0, &wall.mean.as_ref().expect("with sums").1, 0, None);
            }
        });
        if let Some(wall) = self.wall.as_mut() {
            wall.time = wall_time;
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
        self.gpu.queue.write_buffer(&self.u, 0, bytemuck::cast_slice(u));
    }

    /// Sets the kinematic pressure (m^2/s^2, one value per cell).
    pub fn set_pressure(&self, p: &[f32]) {
        self.gpu.queue.write_buffer(&self.p, 0, bytemuck::cast_slice(p));
    }

    /// The advective tendency the last step's predictor used (m/s^2, component-major; with
    /// implicit advection its explicit remainder).
    pub fn tendency(&self) -> Result<Vec<f32>, GpuError> {
        self.gpu.read(&self.tendency)
    }

    /// Puts the solver in a saved state: velocity (m/s), kinematic pressure (m^2/s^2) and
    /// tendency (m/s^2) as [`Self::velocity`], [`Self::pressure`] and [`Self::tendency`] gave
    /// them, after `steps` steps.
    pub fn restore(&mut self, u: &[f32], p: &[f32], tendency: &[f32], steps: u64) {
        self.gpu.queue.write_buffer(&self.u, 0, bytemuck::cast_slice(u));
        self.gpu.queue.write_buffer(&self.p, 0, bytemuck::cast_slice(p));
        self.gpu.queue.write_buffer(&self.tendency, 0, bytemuck::cast_slice(tendency));
        self.steps = steps;
    }

    /// The velocity (m/s, component-major).
    pub fn velocity(&self) -> Result<Vec<f32>, GpuError> {
        self.gpu.read(&self.u)
    }

    /// The kinematic pressure (m^2/s^2).
    pub fn pressure(&self) -> Result<Vec<f32>, GpuError> {
        self.gpu.read(&self.p)
    }

    /// Prepares the wall shear stress on the triangles of `stencil` (see [`super::wall_shear`])
    /// for a fluid of `density` (kg/m^3). With `accumulate`, every step from now on computes it
    /// and adds to its time integrals and to those of the velocity and pressure (what
    /// [`Self::averages`] returns); without, it is computed when [`Self::wall_stress`] asks.
    pub fn attach_wall(&mut self, stencil: &WallStencil, density: f64, accumulate: bool) -> Result<(), GpuError> {
        let gpu = self.gpu;
        let triangles = stencil.points.len() as u32;
        let value = WallParams { triangles, accumulate: accumulate as u32, density: density as f32, _pad0: 0 };
        let params = gpu.uniform("wall params", &value)?;
        let points = gpu.storage("wall points", &stencil.points)?;
        let cells = gpu.storage("wall stencil cells", &stencil.cells)?;
        let weights = gpu.storage("wall stencil weights", &stencil.weights)?;
        let stress = gpu.storage_empty("wall stress", 16 * triangles as u64)?;
        let sums = gpu.storage_empty("wall sums", 16 * triangles as u64)?;
        let buffers: [Named; 9] = [
            ("params", &self.params),
            ("wall", &params),
            ("points", &points),
            ("stencil_cells", &cells),
            ("stencil_weights", &weights),
            ("u", &self.u),
            ("p", &self.p),
            ("stress", &stress),
            ("sums", &sums),
        ];
        let shear = Dispatch::new(gpu, "wall/wall_shear", &buffers, triangles)?;
        let mean = if accumulate {
            let mean = gpu.storage_empty("time integrals", 16 * self.cells as u64)?;
            let bufs: [Named; 4] = [("params", &self.params), ("u", &self.u), ("p", &self.p), ("mean", &mean)];
            let pass = Dispatch::new(gpu, "solver/time_average", &bufs, self.cells)?;
            Some((pass, mean))
        } else {
            None
        };
        let mut keep = vec![points, cells, weights];
        let bytes = keep.iter().chain([&stress, &sums]).chain(mean.as_ref().map(|m| &m.1)).map(|b| b.size()).sum();
        keep.push(params);
        self.wall = Some(GpuWall { shear, value, stress, sums, mean, time: 0.0, bytes, _keep: keep });
        Ok(())
    }

    /// Per wall triangle: the wall shear stress (Pa, xyz) and the wall pressure (Pa, w) of the
    /// current fields. Panics unless [`Self::attach_wall`] was called.
    pub fn wall_stress(&self) -> Result<Vec<[f32; 4]>, GpuError> {
        let wall = self.wall.as_ref().expect("attach_wall before wall_stress");
        if wall.value.accumulate == 0 {
            self.submit(|enc| wall.shear.record(enc));
        }
        self.gpu.read(&wall.stress)
    }

    /// The time integrals since they were last reset. Panics unless [`Self::attach_wall`] was
    /// called with accumulate.
    pub fn averages(&self) -> Result<Averages, GpuError> {
        let (wall, mean) = self.accumulating();
        Ok(Averages { time: wall.time, wall: self.gpu.read(&wall.sums)?, fields: self.gpu.read(mean)? })
    }

    /// Sets the time integrals ([`Self::averages`] gives them) to zero.
    pub fn reset_averages(&mut self) {
        self.restore_averages(0.0, None);
    }

    /// Sets the time integrals to those [`Self::averages`] gave (`None`: zero).
    pub fn restore_averages(&mut self, time: f64, values: Option<(&[[f32; 4]], &[f32])>) {
        let (wall, mean) = self.accumulating();
        match values {
            Some((sums, integrals)) => {
                self.gpu.queue.write_buffer(&wall.sums, 0, bytemuck::cast_slice(sums));
                self.gpu.queue.write_buffer(mean, 0, bytemuck::cast_slice(integrals));
            }
            None => self.submit(|enc| {
                enc.clear_buffer(&wall.sums, 0, None);
                enc.clear_buffer(mean, 0, None);
            }),
        }
        self.wall.as_mut().expect("attached").time = time;
    }

    fn accumulating(&self) -> (&GpuWall, &wgpu::Buffer) {
        let wall = self.wall.as_ref().expect("attach_wall with accumulate before the averages");
        (wall, &wall.mean.as_ref().expect("attach_wall with accumulate before the averages").1)
    }

    /// The pressure source of the last step, 1/s^2.
    pub fn pressure_source(&self) -> Result<Vec<f32>, GpuError> {
        self.gpu.read(&self.f)
    }
}
