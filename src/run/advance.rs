//! One time step of a run: the caps' drives (the inlets' waveforms, the outlets' 0D models) set
//! on the solver for the step's end, the step taken and checked and, with an adaptive time
//! step, taken back and retried smaller when it went bad; when it cannot be saved, what was
//! found, where, and what to change.

use super::error::RunError;
use crate::case::Case;
use crate::gpu::Gpu;
use crate::grid::{self, kind};
use crate::physio::inlet::InletDrive;
use crate::physio::waveform::Waveform;
use crate::physio::windkessel::Outlet0d;
use crate::solver::boundary::CapUpdate;
use crate::solver::gpu_solver::{Advection, CapValues, GpuSolver, StepStats};
use crate::solver::summary::{cap_flows, CapFlow};
use crate::solver::timestep::{self, TimeStep};

/// What drives the caps over time.
pub(super) struct Drives {
    /// The inlets' flow waveforms and profiles.
    pub inlets: Vec<InletDrive>,
    /// The outlets: cap index and 0D model.
    pub outlets: Vec<(usize, Outlet0d)>,
    /// Density, kg/m^3 (the models' pressures are in Pa, the solver's kinematic).
    pub density: f64,
    /// The inflow the fields carry, m^3/s (none at rest).
    pub inflow_before: f64,
}

impl Drives {
    /// The inlets' total inflow at `t` (s), m^3/s.
    pub fn inflow(&self, t: f64) -> f64 {
        self.inlets.iter().map(|d| d.flow_rate(t)).sum()
    }

    /// Sets the caps for a step ending at `at` (s), given the caps' figures after the last step
    /// (`last`, empty before the first): the inflow at the step's end (the projection makes the
    /// outflow match it), and the outlets' pressures for their predicted flows (the last step's
    /// flow plus its share, of the outlets' total, of the change in inflow). Returns the inflow
    /// at `at`, m^3/s.
    fn set(&self, solver: &mut GpuSolver, at: f64, last: &[CapFlow]) -> f64 {
        for drive in self.inlets.iter().filter(|d| !matches!(d.waveform, Waveform::Constant(_))) {
            solver.set_cap(drive.cap, CapUpdate::Velocities(&drive.velocities(at)));
        }
        let flow = |i: usize| last.get(i).map_or(0.0, |c| c.flow_rate);
        let outflow_total: f64 = self.outlets.iter().map(|(i, _)| flow(*i)).sum();
        let inflow = self.inflow(at);
        let inflow_change = inflow - self.inflow_before;
        for (i, model) in self.outlets.iter().filter(|(_, m)| !matches!(m, Outlet0d::Pressure(Waveform::Constant(_)))) {
            let q = flow(*i);
            let share = if outflow_total > 0.0 { q / outflow_total } else { 1.0 / self.outlets.len() as f64 };
            let pressure = model.pressure(at, q + share * inflow_change) / self.density;
            solver.set_cap(*i, CapUpdate::Pressure(pressure));
        }
        inflow
    }

    /// After a step of `dt` (s) was accepted with the caps' figures `caps` and the inflow
    /// `inflow` (m^3/s): the 0D models take the step.
    pub fn accept(&mut self, caps: &[CapFlow], dt: f64, inflow: f64) {
        self.inflow_before = inflow;
        for (i, model) in &mut self.outlets {
            model.advance(caps[*i].flow_rate, dt);
        }
    }
}

/// A step taken and accepted.
pub(super) struct Stepped {
    /// What the solver measured.
    pub stats: StepStats,
    /// The caps' values and the largest speed after it.
    pub values: CapValues,
    /// The caps' flow rates and pressures after it.
    pub caps: Vec<CapFlow>,
    /// Its length and end time, s.
    pub dt: f64,
    pub at: f64,
    /// The inflow at its end, m^3/s.
    pub inflow: f64,
}

/// What a run's steps need besides the solver.
pub(super) struct Stepper<'a> {
    pub case: &'a Case,
    pub g: &'a grid::Grid,
    pub gpu: &'a Gpu,
    /// Whether the stages are being timed ([`Gpu::collect_profile`] after each step).
    pub profiled: bool,
    /// Steps retried so far.
    pub retries: u64,
}

impl Stepper<'_> {
    /// Takes step `step` from `time` (s) towards `event` (s, landing on it when it reaches it),
    /// with the caps set by `drives` from their figures after the last step, `last`. A step that
    /// went bad (not a number, or a Courant number past what `ts` accepts) is taken back and
    /// retried smaller while `ts` allows; then the error says what was found and what to change
    /// (`diverged` makes it the run's, with what was written before).
    pub fn step(
        &mut self,
        solver: &mut GpuSolver,
        ts: &mut TimeStep,
        drives: &Drives,
        last: &[CapFlow],
        (step, time, event): (u64, f64, f64),
        diverged: &dyn Fn(String) -> RunError,
    ) -> Result<Stepped, RunError> {
        let density = drives.density;
        let mut attempt = 0;
        loop {
            let dt = ts.towards(time, event);
            let lands = super::history::reached(event, time + dt);
            let (dt, at) = if lands { (event - time, event) } else { (dt, time + dt) };
            solver.set_dt(dt);
            // A step onto an event (a snapshot, a checkpoint, a cycle's end) reads the state
            // back with its figures.
            solver.capture_next(lands);
            let inflow = drives.set(solver, at, last);
            let stats = solver.step()?;
            if self.profiled {
                self.gpu.collect_profile()?;
            }
            let values = solver.cap_values()?;
            let caps = cap_flows(self.g, &solver.layout, &values.outflow, &values.pressure, density);
            let courant = ts.courant(values.speed_max, dt);
            let bad = if !stats.relative_residual.is_finite() || !stats.divergence.is_finite() {
                Some("the pressure solve's residual or the divergence after projection is not a number".to_string())
            } else if let Some(c) = caps.iter().find(|c| !(c.flow_rate.is_finite() && c.mean_pressure.is_finite())) {
                Some(format!("cap {}'s flow rate or pressure is not a number", c.name))
            } else if ts.rejects(values.speed_max, dt) {
                let target = if ts.fixed { "the advection's limit" } else { "time.cfl" };
                Some(format!(
                    "the Courant number reached {courant:.3e} in the step (more than {} times {target}, {})",
                    timestep::REJECT,
                    ts.cfl
                ))
            } else {
                None
            };
            let Some(what) = bad else { return Ok(Stepped { stats, values, caps, dt, at, inflow }) };
            if attempt < timestep::RETRIES && ts.reject(values.speed_max, dt) {
                solver.undo();
                attempt += 1;
                self.retries += 1;
                log::warn!("step {step} (t = {time:.6} s): {what}; retried with dt = {:.3e} s", ts.dt);
                continue;
            }
            return Err(diverged(self.explain(solver, ts, &what, attempt, dt)?));
        }
    }

    /// Why a step that went bad for good did: `what`, the tries, where the flow was fastest
    /// before the step (after it, with a fixed time step, which keeps no copy) and what to
    /// change.
    fn explain(
        &self,
        solver: &mut GpuSolver,
        ts: &TimeStep,
        what: &str,
        attempt: usize,
        dt: f64,
    ) -> Result<String, RunError> {
        let (g, case) = (self.g, self.case);
        let n = solver.cells as usize;
        let before = solver.undo();
        let u = solver.velocity()?;
        let (id, speed) = (0..n)
            .filter(|&id| g.kind[id] != kind::SOLID)
            .map(|id| (id, (0..3).map(|c| (u[c * n + id] as f64).abs()).sum::<f64>()))
            .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
        let units = case.geometry.units;
        let x = g.cell_centre(id as u32) / units.to_metres();
        let tries = if ts.fixed {
            format!("with the fixed time.dt = {dt:.3e} s")
        } else {
            format!("after {attempt} retries with smaller steps (down to dt = {dt:.3e} s)")
        };
        let smaller = if ts.fixed {
            format!("lower time.dt (now {dt:.3e} s)")
        } else {
            format!("lower time.cfl (now {})", case.time.cfl.get_ref())
        };
        let advice = match case.solver.advection {
            Advection::Explicit => {
                format!("{smaller}, set solver.advection = \"implicit\", or refine the grid where the flow is fastest")
            }
            Advection::Implicit => format!("{smaller} or refine the grid where the flow is fastest"),
        };
        Ok(format!(
            "{what}, {tries}. {} the step the fastest cell was at ({:.3}, {:.3}, {:.3}) {} with velocity ({:.3e}, \
             {:.3e}, {:.3e}) m/s, Courant number {:.3} at that dt. What to change: {advice}; check the inflow's \
             units and the geometry's units",
            if before { "Before" } else { "After" },
            x.x,
            x.y,
            x.z,
            units.symbol(),
            u[id],
            u[n + id],
            u[2 * n + id],
            ts.courant(speed, dt),
        ))
    }
}
