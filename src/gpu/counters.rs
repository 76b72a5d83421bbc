//! What the GPU was asked to do, counted where it happens (as rapier's `Counters`): compute
//! dispatches per stage (every [`super::Dispatch`] counts itself when it is recorded) and host
//! round trips (every time the host waits for the GPU: a read-back, or a wait for submitted
//! work). [`super::Gpu::counters`] takes a snapshot; [`Counters::since`] gives what happened
//! between two, and [`Counters::per_step`] that over a number of time steps.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;

/// Counts since the device was opened (or between two snapshots).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Compute dispatches recorded, per stage name (e.g. `"solver/momentum"`).
    pub dispatches: BTreeMap<String, u64>,
    /// Times the host waited for the GPU.
    pub round_trips: u64,
}

/// Counters over some time steps, per step.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StepCounters {
    /// The steps counted.
    pub steps: u64,
    /// Compute dispatches per step, all stages.
    pub dispatches: f64,
    /// Host round trips per step (waits for the GPU).
    pub round_trips: f64,
    /// Dispatches per step, per stage.
    pub stages: BTreeMap<String, f64>,
}

impl Counters {
    /// Dispatches of all stages.
    pub fn dispatches_total(&self) -> u64 {
        self.dispatches.values().sum()
    }

    /// What was counted after `earlier` (a snapshot of the same counters).
    pub fn since(&self, earlier: &Counters) -> Counters {
        let dispatches = self
            .dispatches
            .iter()
            .map(|(stage, &n)| (stage.clone(), n - earlier.dispatches.get(stage).copied().unwrap_or(0)))
            .filter(|&(_, n)| n > 0)
            .collect();
        Counters { dispatches, round_trips: self.round_trips - earlier.round_trips }
    }

    /// These counts over `steps` time steps, per step (0 steps count as one).
    pub fn per_step(&self, steps: u64) -> StepCounters {
        let k = steps.max(1) as f64;
        StepCounters {
            steps,
            dispatches: self.dispatches_total() as f64 / k,
            round_trips: self.round_trips as f64 / k,
            stages: self.dispatches.iter().map(|(stage, &n)| (stage.clone(), n as f64 / k)).collect(),
        }
    }
}

/// The counters of one device, shared by it and its dispatches.
#[derive(Clone, Debug, Default)]
pub(crate) struct Shared(Arc<Mutex<Counters>>);

impl Shared {
    pub(crate) fn dispatched(&self, stage: &str, times: u64) {
        let mut c = self.0.lock().expect("counters");
        match c.dispatches.get_mut(stage) {
            Some(n) => *n += times,
            None => {
                c.dispatches.insert(stage.to_string(), times);
            }
        }
    }

    pub(crate) fn waited(&self) {
        self.0.lock().expect("counters").round_trips += 1;
    }

    pub(crate) fn snapshot(&self) -> Counters {
        self.0.lock().expect("counters").clone()
    }
}
