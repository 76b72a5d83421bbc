//! The caps' history over a run: every step's flow rate and mean pressure per cap (what the
//! output's /summary and the checkpoints hold) and the summaries of the cardiac cycles it
//! closes (runs with `[time] period`).

use crate::solver::summary::CapFlow;

/// One cycle's figures for one cap.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CapCycle {
    /// Cap name.
    pub name: String,
    /// Mean flow rate over the cycle, m^3/s, positive out of the fluid.
    pub mean_flow_rate: f64,
    /// Mean of the cap's mean pressure over the cycle, Pa.
    pub mean_pressure: f64,
    /// Lowest cap mean pressure in the cycle, Pa.
    pub min_pressure: f64,
    /// Highest cap mean pressure in the cycle, Pa.
    pub max_pressure: f64,
}

/// What a cycle did (runs with `[time] period`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct CycleSummary {
    /// Cycle number, from 1.
    pub cycle: usize,
    /// Per cap.
    pub caps: Vec<CapCycle>,
    /// Largest change of a cap's mean, lowest or highest pressure from the cycle before, Pa
    /// (None for the first cycle): periodic convergence shows as this falling.
    pub pressure_change: Option<f64>,
}

/// Every step's cap figures, and the cycles they closed.
pub(super) struct History {
    /// The caps' names, in the grid's order.
    pub names: Vec<String>,
    /// The cardiac period, s (None: no cycles).
    pub period: Option<f64>,
    /// Each step's end time, s.
    pub times: Vec<f64>,
    /// Per cap, each step's flow rate (m^3/s) and mean pressure (Pa).
    pub flows: Vec<Vec<f64>>,
    pub pressures: Vec<Vec<f64>>,
    /// The cycles closed so far.
    pub cycles: Vec<CycleSummary>,
    /// A steady run's residuals per step (velocity, mass, caps; see [`super::Residuals`]).
    pub residuals: Vec<[f64; 3]>,
}

impl History {
    pub fn new(names: &[String], period: Option<f64>) -> History {
        let empty = vec![Vec::new(); names.len()];
        History {
            names: names.to_vec(),
            period,
            times: Vec::new(),
            flows: empty.clone(),
            pressures: empty,
            cycles: Vec::new(),
            residuals: Vec::new(),
        }
    }

    /// Adds a step ending at `time` with cap `k`'s flow rate `flow(k)` and mean pressure
    /// `pressure(k)`; returns whether it closed a cycle (then the last of `cycles`).
    pub fn push(&mut self, time: f64, flow: impl Fn(usize) -> f64, pressure: impl Fn(usize) -> f64) -> bool {
        self.times.push(time);
        for k in 0..self.names.len() {
            self.flows[k].push(flow(k));
            self.pressures[k].push(pressure(k));
        }
        let closed = self.cycles.len();
        close_cycle(&mut self.cycles, self.period, &self.names, &self.times, &self.flows, &self.pressures);
        self.cycles.len() > closed
    }

    /// Adds a step's figures as [`cap_flows`](crate::solver::summary::cap_flows) gives them.
    pub fn push_caps(&mut self, time: f64, caps: &[CapFlow]) -> bool {
        self.push(time, |k| caps[k].flow_rate, |k| caps[k].mean_pressure)
    }

    /// `series` (one of [`Self::flows`], [`Self::pressures`]) row after row: each step's value
    /// of every cap (a checkpoint's layout).
    pub fn rows(&self, series: &[Vec<f64>]) -> Vec<f64> {
        (0..self.times.len()).flat_map(|t| series.iter().map(move |s| s[t])).collect()
    }

    /// The caps' figures at the last step (zeros before the first).
    pub fn last(&self) -> Vec<CapFlow> {
        (self.names.iter().enumerate())
            .map(|(k, name)| CapFlow {
                name: name.clone(),
                flow_rate: *self.flows[k].last().unwrap_or(&0.0),
                mean_pressure: *self.pressures[k].last().unwrap_or(&0.0),
            })
            .collect()
    }
}

/// Whether `time` (s) has reached `at` (s), within rounding (the steps land on events exactly,
/// but an event time summed interval by interval may differ from one computed at once in its
/// last bits).
pub(super) fn reached(at: f64, time: f64) -> bool {
    time >= at - 1e-9 * at.abs()
}

/// Summarises the cycle that the last of `times` ends, if it ends one.
fn close_cycle(
    cycles: &mut Vec<CycleSummary>,
    period: Option<f64>,
    names: &[String],
    times: &[f64],
    flows: &[Vec<f64>],
    pressures: &[Vec<f64>],
) {
    let (Some(period), Some(&time)) = (period, times.last()) else { return };
    let done = cycles.len() + 1;
    if reached(done as f64 * period, time) {
        let summary = cycle_summary(done, names, times, flows, pressures, time - period, cycles.last());
        cycles.push(summary);
    }
}

/// Cycle `cycle`'s summary from the per-step cap series (steps after `since`, s), compared with
/// the cycle before.
fn cycle_summary(
    cycle: usize,
    names: &[String],
    times: &[f64],
    flows: &[Vec<f64>],
    pressures: &[Vec<f64>],
    since: f64,
    before: Option<&CycleSummary>,
) -> CycleSummary {
    let first = times.partition_point(|&t| t <= since + 1e-9 * since.abs().max(1e-30));
    // Each step's value holds over its step (the steps may differ in length).
    let weights: Vec<f64> = (first..times.len()).map(|i| times[i] - if i == 0 { 0.0 } else { times[i - 1] }).collect();
    let span = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mean = |values: &[f64]| values.iter().zip(&weights).map(|(v, w)| v * w).sum::<f64>() / span;
    let caps: Vec<CapCycle> = names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let p = &pressures[k][first..];
            CapCycle {
                name: name.clone(),
                mean_flow_rate: mean(&flows[k][first..]),
                mean_pressure: mean(p),
                min_pressure: p.iter().copied().fold(f64::INFINITY, f64::min),
                max_pressure: p.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            }
        })
        .collect();
    let pressure_change = before.map(|b| {
        caps.iter()
            .zip(&b.caps)
            .flat_map(|(a, b)| {
                [a.mean_pressure - b.mean_pressure, a.min_pressure - b.min_pressure, a.max_pressure - b.max_pressure]
            })
            .fold(0.0, |m: f64, d| m.max(d.abs()))
    });
    CycleSummary { cycle, caps, pressure_change }
}
