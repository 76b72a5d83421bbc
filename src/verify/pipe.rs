//! Steady Hagen-Poiseuille flow through a straight pipe at any angle to the grid.
//!
//! A generated pipe (256-gon section) from a parabolic velocity inlet to a pressure outlet,
//! started from the analytic solution and stepped until it stops changing. In the middle third
//! of the pipe (a diameter and more from either cap), against Hagen-Poiseuille for the mean
//! velocity U = Re nu / D:
//! - the pressure gradient, a least-squares fit of p along the axis over the fluid cells, against
//!   8 nu U / R^2 (kinematic);
//! - the centreline velocity, the least-squares amplitude of u.axis against 1 - r^2 / R^2 over
//!   the fluid cells (weighted by their volume fractions), against 2 U;
//! - the wall shear stress on the wall's own triangles (the run's wall-shear kernel), its
//!   area-weighted mean and its worst triangle, against 4 nu U / R (kinematic);
//! - the net advective force along the axis, which fully developed flow does not have, over
//!   the pressure force (the momentum balance's third term; where the measured gradient's
//!   Reynolds-number dependence comes from);
//! - the wall streak: how far the axial velocity next to the wall varies around the pipe, which
//!   Hagen-Poiseuille flow does not (see [`PipeErrors::wall_streak`]).

use super::VerifyError;
use crate::gpu::Gpu;
use crate::grid::{self, kind, Grid};
use crate::mesh::generate::{pipe, PipeSpec};
use crate::mesh::Vec3;
use crate::mesh::WallSurface;
use crate::solver::boundary::{Boundary, Profile};
use crate::solver::cpu;
use crate::solver::gpu_solver::{Advection, GpuSolver, Rheology, Settings};
use crate::solver::layout::{CellLayout, SolverParams};
use crate::solver::multigrid::MultigridSettings;
use crate::solver::summary::cap_flows;
use crate::solver::wall_shear::wall_stencil_of;

/// One pipe to run.
#[derive(Clone, Debug)]
pub struct PipeCase {
    /// Axis, inlet to outlet (any non-zero vector).
    pub axis: Vec3,
    /// Radius, m.
    pub radius: f64,
    /// Length in diameters.
    pub diameters: f64,
    /// Cells across the diameter.
    pub d_over_h: f64,
    /// Reynolds number on the mean velocity and the diameter.
    pub reynolds: f64,
    /// Kinematic viscosity, m^2/s.
    pub nu: f64,
    /// How advection is stepped.
    pub advection: Advection,
    /// Courant number at the peak velocity, sum_i |u_i| dt / h (the time step also stays at or
    /// below 2 h^2 / nu).
    pub courant: f64,
    /// Steady when the largest velocity change per unit time, times the slowest viscous decay
    /// time R^2 / (5.78 nu), is below this fraction of the peak velocity.
    pub steady: f64,
    /// At most this many steps.
    pub max_steps: usize,
    /// Start from rest (an impulsive start) instead of the analytic solution.
    pub from_rest: bool,
    /// Backflow stabilisation coefficient at the outlet (the case file's default: 0.2).
    pub backflow: f64,
}

impl Default for PipeCase {
    fn default() -> Self {
        PipeCase {
            axis: Vec3::new(0.3, -0.5, 0.8),
            radius: 1.5e-3,
            diameters: 5.0,
            d_over_h: 10.0,
            reynolds: 100.0,
            nu: 3.3e-6,
            advection: Advection::Explicit,
            courant: 0.4,
            steady: 1e-4,
            max_steps: 20_000,
            from_rest: false,
            backflow: 0.2,
        }
    }
}

/// A pipe length, in diameters, whose middle third is fully developed flow at Reynolds number
/// `reynolds`: 8 + Re / 40. The discrete flow that the inlet's cells start settles over a length
/// that grows with the Reynolds number (the pressure gradient's error along the pipe, two
/// diameters at a time, D/h 16: at Re 100 along (1, 1, 1) +2.1%, +1.0%, +0.2%; at Re 500 along
/// (0.3, -0.5, 0.8) -6.2%, -3.2%, -2.0%, -0.6%, -0.1%), and the outlet's last 1.5 diameters
/// differ too; five diameters measured the inlet's region above Re 10.
pub fn developed_diameters(reynolds: f64) -> f64 {
    8.0 + reynolds / 40.0
}

/// What a pipe run measured: relative errors (signed, (measured - exact) / exact) and figures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PipeErrors {
    /// Fluid cells.
    pub fluid_cells: usize,
    /// Steps run.
    pub steps: usize,
    /// Whether the steady criterion was met within `max_steps`.
    pub steady: bool,
    /// Time step, s.
    pub dt: f64,
    /// Pressure gradient along the axis.
    pub pressure_gradient: f64,
    /// Centreline velocity.
    pub centre: f64,
    /// Area-weighted mean wall shear stress magnitude.
    pub wss_mean: f64,
    /// The wall triangle farthest off.
    pub wss_worst: f64,
    /// |inflow - outflow| / inflow.
    pub mass_balance: f64,
    /// The largest velocity magnitude anywhere over 2 U (overshoot past the peak when > 0).
    pub peak: f64,
    /// The net advective force along the axis on the middle third's cells, -sum V (u . grad u)
    /// . axis by the momentum stage's own differences (its CPU twin) on the final velocity, over
    /// the pressure force on them (pressure gradient times volume). Fully developed flow has
    /// none; discretely it acts as a pressure gradient along the flow (> 0 lowers the measured
    /// gradient) and grows with the Reynolds number.
    pub advective_force: f64,
    /// Its part from the cells whose centres lie within h of the wall.
    pub advective_force_wall: f64,
    /// The inlet cap's pressure (its cells' open-area mean) above the middle third's pressure
    /// line at the cells' positions, over the pipe's Hagen-Poiseuille pressure drop: what the
    /// inlet's own cells add to an inlet-to-outlet pressure drop.
    pub inlet_pressure_excess: f64,
    /// Around the pipe, in [`STREAK_SECTORS`] sectors of the cells within h of the wall in the
    /// middle third: each sector's mean axial velocity error against Hagen-Poiseuille at the
    /// cells' centres, over 2 U; the largest sector mean less the smallest. An axisymmetric
    /// flow has none. Measured at D/h 10 on (0.3, -0.5, 0.8): 0.0004 at Re 1, 0.026 at Re 100,
    /// 0.19 at Re 500 (0.005 at Re 100 and D/h 16). The fast sector is where the wall faces the
    /// grid axis with the smallest share of the flow (x here, and on (0.2, 0.7, -0.45); 0.03 on
    /// (1, 1, 1), whose axes share it equally): there that axis's advective difference has the
    /// wall downwind and takes the second-order upwind closure.
    pub wall_streak: f64,
    /// The outward wall normal at the fastest sector's middle (unit vector, grid axes).
    pub wall_streak_normal: [f64; 3],
    /// Along the pipe, in slabs half a diameter long: the slab's middle (in diameters from the
    /// inlet), its centreline error and the pressure gradient error from the slab before.
    pub slabs: Vec<(f64, f64, f64)>,
}

/// Runs `case` on `gpu` and measures it (see the module docs).
pub fn oblique_pipe(gpu: &Gpu, case: &PipeCase) -> Result<PipeErrors, VerifyError> {
    let (r, nu) = (case.radius, case.nu);
    let axis = case.axis.normalize();
    let length = case.diameters * 2.0 * r;
    let mesh = pipe(&PipeSpec { radius: r, length, axis, start: Vec3::zeros(), segments: 256, rings: Some(16) })
        .expect("a valid pipe");
    let h = 2.0 * r / case.d_over_h;
    let g = grid::voxelize(&mesh, h).expect("the pipe voxelizes");
    let u_mean = case.reynolds * nu / (2.0 * r);
    let u_peak = 2.0 * u_mean;
    let q = u_mean * std::f64::consts::PI * r * r;
    let l1 = axis.x.abs() + axis.y.abs() + axis.z.abs();
    let dt = (case.courant * h / (u_peak * l1)).min(2.0 * h * h / nu);
    let settings = Settings {
        nu,
        dt,
        force: Vec3::zeros(),
        tolerance: 1e-5,
        max_iterations: 200,
        velocity_scale: u_mean,
        advection: case.advection,
        multigrid: MultigridSettings::default(),
        boundaries: vec![
            Boundary::Inlet { flow_rate: q, profile: Profile::Parabolic },
            Boundary::Outlet { pressure: 0.0 },
        ],
        backflow: case.backflow,
        rheology: Rheology::Newtonian,
    };
    let mut solver = GpuSolver::new(gpu, &g, settings)?;
    let n = solver.cells as usize;
    let gradient = 8.0 * nu * u_mean / (r * r);
    // Start from the analytic solution.
    let (mut u, mut p) = (vec![0.0f32; 3 * n], vec![0.0f32; n]);
    for id in fluid(&g) {
        let (s, radial2) = place(&g, id, axis);
        let ua = u_peak * (1.0 - radial2 / (r * r)).max(0.0);
        for c in 0..3 {
            u[c * n + id] = (ua * axis[c]) as f32;
        }
        p[id] = (gradient * (length - s)) as f32;
    }
    if !case.from_rest {
        solver.set_velocity(&u);
        solver.set_pressure(&p);
    }
    // Steady: |du/dt| R^2 / (5.78 nu) < steady * u_peak.
    let decay = r * r / (5.78 * nu);
    let check = 10;
    let (mut steps, mut steady) = (0, false);
    let mut last = if case.from_rest { vec![0.0; 3 * n] } else { u };
    while steps < case.max_steps {
        for _ in 0..check {
            let stats = solver.step()?;
            steps += 1;
            if !stats.relative_residual.is_finite() {
                return Err(VerifyError::Diverged { step: steps, what: "the pressure solve diverged" });
            }
        }
        let now = solver.velocity()?;
        let change = now.iter().zip(&last).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max) as f64;
        if !change.is_finite() || now.iter().any(|x| !x.is_finite()) {
            return Err(VerifyError::Diverged { step: steps, what: "non-finite velocity" });
        }
        last = now;
        if change / (check as f64 * dt) * decay < case.steady * u_peak {
            steady = true;
            break;
        }
    }
    let (u, p) = (last, solver.pressure()?);
    let values = solver.cap_values()?;
    let caps = cap_flows(&g, &solver.layout, &values.outflow, &values.pressure, 1.0);
    let (q_in, q_out) = (-caps[0].flow_rate, caps[1].flow_rate);
    // Middle third: pressure fit, centreline amplitude, peak speed anywhere.
    let middle = |s: f64| (s - length / 2.0).abs() < length / 6.0;
    let (mut fit, mut num, mut den, mut peak) = ([0.0f64; 5], 0.0, 0.0, 0.0f64);
    for id in fluid(&g) {
        let speed = (0..3).map(|c| (u[c * n + id] as f64).powi(2)).sum::<f64>().sqrt();
        peak = peak.max(speed);
        let (s, radial2) = place(&g, id, axis);
        if !middle(s) {
            continue;
        }
        let pv = p[id] as f64;
        for (k, v) in [1.0, s, s * s, pv, s * pv].into_iter().enumerate() {
            fit[k] += v;
        }
        let phi = 1.0 - radial2 / (r * r);
        let ua = (0..3).map(|c| u[c * n + id] as f64 * axis[c]).sum::<f64>();
        let w = g.volume_fraction[id] as f64;
        num += ua * phi * w;
        den += phi * phi * w;
    }
    let [s0, s1, s2, sp, ssp] = fit;
    let (wall_streak, wall_streak_normal) = wall_streak(&g, &u, axis, r, u_peak, &middle);
    // Slabs half a diameter long: centreline amplitude and mean pressure.
    let count = (2.0 * case.diameters).round() as usize;
    let mut slab = vec![[0.0f64; 4]; count];
    for id in fluid(&g) {
        let (s, radial2) = place(&g, id, axis);
        let k = ((s / r).floor().max(0.0) as usize).min(count - 1);
        let phi = 1.0 - radial2 / (r * r);
        let ua = (0..3).map(|c| u[c * n + id] as f64 * axis[c]).sum::<f64>();
        let w = g.volume_fraction[id] as f64;
        for (j, v) in [ua * phi * w, phi * phi * w, p[id] as f64, 1.0].into_iter().enumerate() {
            slab[k][j] += v;
        }
    }
    let slabs = (0..count)
        .map(|k| {
            let centre = slab[k][0] / slab[k][1] / u_peak - 1.0;
            let dp = if k == 0 {
                0.0
            } else {
                (slab[k - 1][2] / slab[k - 1][3] - slab[k][2] / slab[k][3]) / r / gradient - 1.0
            };
            ((k as f64 + 0.5) / 2.0, centre, dp)
        })
        .collect();
    let slope = (s0 * ssp - s1 * sp) / (s0 * s2 - s1 * s1);
    // The inlet cap's cells' pressure over the middle third's line at their positions.
    let line = |s: f64| (sp - slope * s1) / s0 + slope * s;
    let (mut excess, mut open) = (0.0, 0.0);
    for &(id, a) in &g.caps[0].cells {
        excess += a * (p[id as usize] as f64 - line(place(&g, id as usize, axis).0));
        open += a;
    }
    let inlet_pressure_excess = excess / open / (gradient * length);
    let (advective_force, advective_force_wall) = advective_force(&g, &solver.layout, &u, case, gradient, &middle);
    let surface = WallSurface::from_mesh(&mesh);
    let inside: Vec<usize> = (0..surface.triangles.len()).filter(|&t| middle(surface.centroid(t).dot(&axis))).collect();
    let stencil = wall_stencil_of(&g, &surface, &inside);
    solver.attach_wall(&stencil, 1.0, false)?;
    let stress = solver.wall_stress()?;
    let tau: Vec<f64> = stress.iter().map(|s| (s[0] as f64).hypot(s[1] as f64).hypot(s[2] as f64)).collect();
    let area: Vec<f64> = inside.iter().map(|&t| surface.area(t)).collect();
    let tau_mean = tau.iter().zip(&area).map(|(t, a)| t * a).sum::<f64>() / area.iter().sum::<f64>();
    let tau_exact = 4.0 * nu * u_mean / r;
    let err = |a: f64, b: f64| (a - b) / b;
    let wss_worst = tau.iter().map(|&t| err(t, tau_exact)).fold(0.0, |w: f64, e| if e.abs() > w.abs() { e } else { w });
    Ok(PipeErrors {
        fluid_cells: solver.fluid_cells,
        steps,
        steady,
        dt,
        pressure_gradient: err(-slope, gradient),
        centre: err(num / den, u_peak),
        wss_mean: err(tau_mean, tau_exact),
        wss_worst,
        mass_balance: (q_in - q_out).abs() / q_in,
        peak: err(peak, u_peak),
        advective_force,
        advective_force_wall,
        inlet_pressure_excess,
        wall_streak,
        wall_streak_normal,
        slabs,
    })
}

/// Sectors around the axis for [`PipeErrors::wall_streak`] (15 degrees each).
pub const STREAK_SECTORS: usize = 24;

/// [`PipeErrors::wall_streak`] and [`PipeErrors::wall_streak_normal`] of the velocity `u` on
/// `g`, in a pipe of radius `r` (m) along the unit `axis` with peak velocity `u_peak` (m/s), over
/// the cells whose axial position satisfies `middle`.
fn wall_streak(g: &Grid, u: &[f32], axis: Vec3, r: f64, u_peak: f64, middle: &dyn Fn(f64) -> bool) -> (f64, [f64; 3]) {
    let n = u.len() / 3;
    // Two directions across the pipe: any vector off the axis, made normal to it, and their cross.
    let off = if axis.x.abs() < 0.9 { Vec3::new(1.0, 0.0, 0.0) } else { Vec3::new(0.0, 1.0, 0.0) };
    let e1 = (off - axis * off.dot(&axis)).normalize();
    let e2 = axis.cross(&e1);
    let tau = std::f64::consts::TAU;
    let mut sectors = [(0.0f64, 0usize); STREAK_SECTORS];
    for id in fluid(g) {
        let x = g.cell_centre(id as u32);
        let s = x.dot(&axis);
        let radial = x - axis * s;
        let rr = radial.norm();
        if !middle(s) || r - rr >= g.spacing {
            continue;
        }
        let angle = radial.dot(&e2).atan2(radial.dot(&e1)).rem_euclid(tau);
        let k = ((angle / tau * STREAK_SECTORS as f64) as usize).min(STREAK_SECTORS - 1);
        let ua = (0..3).map(|c| u[c * n + id] as f64 * axis[c]).sum::<f64>();
        sectors[k].0 += ua / u_peak - (1.0 - rr * rr / (r * r));
        sectors[k].1 += 1;
    }
    let means: Vec<(usize, f64)> =
        sectors.iter().enumerate().filter(|(_, (_, c))| *c > 0).map(|(k, (e, c))| (k, e / *c as f64)).collect();
    let fastest = means.iter().copied().fold((0, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
    let slowest = means.iter().map(|m| m.1).fold(f64::INFINITY, f64::min);
    let angle = (fastest.0 as f64 + 0.5) / STREAK_SECTORS as f64 * tau;
    let normal = e1 * angle.cos() + e2 * angle.sin();
    (fastest.1 - slowest, [normal.x, normal.y, normal.z])
}

/// [`PipeErrors::advective_force`] and its part within h of the wall, for the velocity `u` on
/// `g` with `layout`, over the cells whose axial position satisfies `middle`, against the
/// kinematic pressure `gradient` (m/s^2).
fn advective_force(
    g: &Grid,
    layout: &CellLayout,
    u: &[f32],
    case: &PipeCase,
    gradient: f64,
    middle: &dyn Fn(f64) -> bool,
) -> (f64, f64) {
    let (n, h, r) = (u.len() / 3, g.spacing, case.radius);
    let axis = case.axis.normalize();
    // Stage 0 of the momentum twin without viscosity or pressure, over dt = 1 s, leaves
    // u1 = u + A(u) dt.
    let stored = layout.stored_cells();
    let params = SolverParams { h: h as f32, dt: 1.0, nu: 0.0, stage: 0, ..layout.storage() };
    let u_stored = layout.store(u, 3);
    let (mut next, mut k) = (vec![0.0f32; 3 * stored], vec![0.0f32; 3 * stored]);
    let (viscosity, p) = (vec![0.0f32; 1], vec![0.0f32; stored]);
    cpu::momentum(&layout.view(), &params, &u_stored, &u_stored, &mut next, &mut k, &p, &viscosity);
    let next = layout.unstore(&next, 3);
    let (mut total, mut wall, mut volume) = (0.0, 0.0, 0.0);
    for id in fluid(g) {
        let (s, radial2) = place(g, id, axis);
        if !middle(s) {
            continue;
        }
        let v = g.volume_fraction[id] as f64;
        let force = v * (0..3).map(|c| (next[c * n + id] - u[c * n + id]) as f64 * axis[c]).sum::<f64>();
        total += force;
        if r - radial2.sqrt() < h {
            wall += force;
        }
        volume += v;
    }
    (total / (volume * gradient), wall / (volume * gradient))
}

fn fluid(g: &Grid) -> impl Iterator<Item = usize> + '_ {
    (0..g.kind.len()).filter(|&id| g.kind[id] != kind::SOLID)
}

/// Distance along `axis` from the inlet's centre (the origin) and squared distance from the axis
/// of cell `id`'s centre, m and m^2.
fn place(g: &Grid, id: usize, axis: Vec3) -> (f64, f64) {
    let x = g.cell_centre(id as u32);
    let s = x.dot(&axis);
    (s, (x - axis * s).norm_squared())
}
