//! What the GPU was asked to do, counted where it happens (as rapier's `Counters`): compute
//! dispatches per stage (every [`super::Dispatch`] counts itself when it is recorded; a gated
//! one, [`super::gate`], is counted by whoever reads back how often it ran) and host
//! round trips (every time the host waits for the GPU: a read-back, or a wait for submitted
//! work). [`super::Gpu::counters`] takes a snapshot; [`Counters::since`] gives what happened
//! between two, and [`Counters::per_step`] that over a number of time steps.
//!
//! With profiling on ([`super::Gpu::profile`]), each stage's time is measured one of two ways,
//! named in [`Counters::timing`]:
//! - [`GPU_TIMESTAMPS`], on an adapter with `TIMESTAMP_QUERY`: every compute pass a dispatch
//!   records writes GPU timestamps at its start and end, and [`super::Gpu::collect_profile`]
//!   (once a step, after the step's work was submitted) resolves them into GPU seconds per
//!   stage. Passes beyond the query set's capacity between two collections go untimed and are
//!   counted as such.
//! - [`WALL_CLOCK`], elsewhere (or when asked, [`super::Gpu::profile_wall_clock`]): every
//!   dispatch, clear and copy is submitted alone the moment it is recorded and waited for, and a
//!   dispatch's wall-clock time from submission to the end of the wait counts for its stage. The
//!   work and its order are the same; the step is slower by a wait per stage, which these times
//!   include (on a real GPU, the launch latency).
//!
//! Either way a pass that holds several dispatches (a vector op's reduction levels) counts under
//! its first dispatch's stage.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;

/// Counts since the device was opened (or between two snapshots).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Counters {
    /// Compute dispatches recorded, per stage name (e.g. `"solver/momentum"`).
    pub dispatches: BTreeMap<String, u64>,
    /// Times the host waited for the GPU.
    pub round_trips: u64,
    /// Bytes received from other ranks by halo exchanges (a run on several ranks).
    pub halo_bytes: u64,
    /// GPU seconds per stage, from timestamps (profiling only).
    pub gpu_seconds: BTreeMap<String, f64>,
    /// Compute passes recorded while profiling that got no timestamps (the query set was full).
    pub untimed_passes: u64,
    /// How the stages' times were measured: [`GPU_TIMESTAMPS`], [`WALL_CLOCK`], or None (not
    /// profiled).
    pub timing: Option<String>,
}

/// [`Counters::timing`] with GPU timestamps.
pub const GPU_TIMESTAMPS: &str = "GPU timestamps";
/// [`Counters::timing`] without them: each stage submitted alone and waited for.
pub const WALL_CLOCK: &str = "wall clock, each stage submitted alone and waited for";

/// Counters over some time steps, per step.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StepCounters {
    /// The steps counted.
    pub steps: u64,
    /// Compute dispatches per step, all stages.
    pub dispatches: f64,
    /// Host round trips per step (waits for the GPU).
    pub round_trips: f64,
    /// Bytes this rank received by halo exchanges per step.
    pub halo_bytes: f64,
    /// Dispatches per step, per stage.
    pub stages: BTreeMap<String, f64>,
    /// Milliseconds per step, per stage (empty unless profiled: `run --profile`, `bench`;
    /// measured as `timing` says).
    pub stage_ms: BTreeMap<String, f64>,
    /// Compute passes that went untimed while profiling, per step.
    pub untimed_passes: f64,
    /// How the stages' times were measured ([`Counters::timing`]).
    pub timing: Option<String>,
}

impl StepCounters {
    /// The stages' GPU milliseconds per step in words, slowest first, with their total; None
    /// when not profiled.
    pub fn stage_ms_text(&self) -> Option<String> {
        if self.stage_ms.is_empty() {
            return None;
        }
        let mut stages: Vec<(&String, &f64)> = self.stage_ms.iter().collect();
        stages.sort_by(|a, b| b.1.total_cmp(a.1));
        let total: f64 = stages.iter().map(|s| s.1).sum();
        let list: Vec<String> = stages.iter().map(|(s, ms)| format!("{s} {ms:.3}")).collect();
        let how = self.timing.as_deref().unwrap_or(GPU_TIMESTAMPS);
        Some(format!("ms per stage and step ({how}): {total:.3} in all; {}", list.join(", ")))
    }
}

impl Counters {
    /// Dispatches of all stages.
    pub fn dispatches_total(&self) -> u64 {
        self.dispatches.values().sum()
    }

    /// What was counted after `earlier` (a snapshot of the same counters).
    pub fn since(&self, earlier: &Counters) -> Counters {
        Counters {
            dispatches: difference(&self.dispatches, &earlier.dispatches),
            round_trips: self.round_trips - earlier.round_trips,
            halo_bytes: self.halo_bytes - earlier.halo_bytes,
            gpu_seconds: difference(&self.gpu_seconds, &earlier.gpu_seconds),
            untimed_passes: self.untimed_passes - earlier.untimed_passes,
            timing: self.timing.clone(),
        }
    }

    /// These counts over `steps` time steps, per step (0 steps count as one).
    pub fn per_step(&self, steps: u64) -> StepCounters {
        let k = steps.max(1) as f64;
        StepCounters {
            steps,
            dispatches: self.dispatches_total() as f64 / k,
            round_trips: self.round_trips as f64 / k,
            halo_bytes: self.halo_bytes as f64 / k,
            stages: self.dispatches.iter().map(|(stage, &n)| (stage.clone(), n as f64 / k)).collect(),
            stage_ms: self.gpu_seconds.iter().map(|(stage, &t)| (stage.clone(), t * 1e3 / k)).collect(),
            untimed_passes: self.untimed_passes as f64 / k,
            timing: self.timing.clone(),
        }
    }
}

/// Per stage, `now` less `before`, keeping the stages that grew.
fn difference<T>(now: &BTreeMap<String, T>, before: &BTreeMap<String, T>) -> BTreeMap<String, T>
where
    T: Copy + Default + PartialOrd + std::ops::Sub<Output = T>,
{
    now.iter()
        .map(|(stage, &v)| (stage.clone(), v - before.get(stage).copied().unwrap_or_default()))
        .filter(|(_, v)| *v > T::default())
        .collect()
}

/// Compute passes timed between two collections, at most.
pub const PROFILE_PASSES: u32 = 2048;

/// The counters of one device, shared by it and its dispatches, and the profiler's state.
#[derive(Clone, Debug, Default)]
pub(crate) struct Shared(Arc<Mutex<State>>);

#[derive(Debug, Default)]
struct State {
    counters: Counters,
    profile: Option<Profile>,
    /// The passes traced since [`crate::gpu::Gpu::start_trace`], while tracing.
    trace: Option<Vec<super::trace::TracedPass>>,
    /// The device and queue, while profiling by the wall clock.
    clock: Option<(wgpu::Device, wgpu::Queue)>,
}

/// Timestamp queries of the passes recorded since the last collection.
#[derive(Debug)]
struct Profile {
    set: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    period_ns: f64,
    /// The stage of each timed pass (queries 2k and 2k + 1).
    passes: Vec<String>,
}

impl Shared {
    pub(crate) fn dispatched(&self, stage: &str, times: u64) {
        let mut s = self.0.lock().expect("counters");
        match s.counters.dispatches.get_mut(stage) {
            Some(n) => *n += times,
            None => {
                s.counters.dispatches.insert(stage.to_string(), times);
            }
        }
    }

    /// Whether passes are being traced ([`super::trace`]).
    pub(crate) fn tracing(&self) -> bool {
        self.0.lock().expect("counters").trace.is_some()
    }

    /// Appends `pass` to the trace, when tracing.
    pub(crate) fn traced(&self, pass: super::trace::TracedPass) {
        if let Some(trace) = self.0.lock().expect("counters").trace.as_mut() {
            trace.push(pass);
        }
    }

    /// Replaces the trace (None: tracing off); returns the old one.
    pub(crate) fn set_trace(
        &self,
        trace: Option<Vec<super::trace::TracedPass>>,
    ) -> Option<Vec<super::trace::TracedPass>> {
        std::mem::replace(&mut self.0.lock().expect("counters").trace, trace)
    }

    pub(crate) fn waited(&self) {
        self.0.lock().expect("counters").counters.round_trips += 1;
    }

    pub(crate) fn exchanged(&self, bytes: u64) {
        self.0.lock().expect("counters").counters.halo_bytes += bytes;
    }

    pub(crate) fn snapshot(&self) -> Counters {
        self.0.lock().expect("counters").counters.clone()
    }

    pub(crate) fn profiling(&self) -> bool {
        let s = self.0.lock().expect("counters");
        s.profile.is_some() || s.clock.is_some()
    }

    /// Starts profiling by the wall clock on `device` (see the module docs).
    pub(crate) fn start_clock(&self, device: &wgpu::Device, queue: &wgpu::Queue) {
        let mut s = self.0.lock().expect("counters");
        s.clock = Some((device.clone(), queue.clone()));
        s.counters.timing = Some(WALL_CLOCK.to_string());
    }

    /// Profiling by the wall clock: runs `record` at once, in an encoder of its own, waits for
    /// it and adds the time to `stage` (None: untimed); returns whether it did (otherwise the
    /// caller records into its encoder as usual).
    pub(crate) fn run_clocked(&self, stage: Option<&str>, record: impl FnOnce(&mut wgpu::CommandEncoder)) -> bool {
        let Some((device, queue)) = self.0.lock().expect("counters").clock.clone() else { return false };
        let start = std::time::Instant::now();
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: stage });
        record(&mut encoder);
        queue.submit([encoder.finish()]);
        // A device lost here surfaces at the next read-back, as it would unprofiled.
        let _ = device.poll(wgpu::PollType::wait_indefinitely());
        if let Some(stage) = stage {
            let seconds = start.elapsed().as_secs_f64();
            *self.0.lock().expect("counters").counters.gpu_seconds.entry(stage.to_string()).or_insert(0.0) += seconds;
        }
        true
    }

    /// Starts profiling on `device` (which has `TIMESTAMP_QUERY`).
    pub(crate) fn start_profile(&self, device: &wgpu::Device, queue: &wgpu::Queue) {
        let bytes = 16 * u64::from(PROFILE_PASSES);
        let buffer = |label, usage| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: bytes,
                usage,
                mapped_at_creation: false,
            })
        };
        let profile = Profile {
            set: device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("profile timestamps"),
                ty: wgpu::QueryType::Timestamp,
                count: 2 * PROFILE_PASSES,
            }),
            resolve: buffer("profile resolve", wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC),
            period_ns: f64::from(queue.get_timestamp_period()),
            passes: Vec::new(),
        };
        let mut s = self.0.lock().expect("counters");
        s.profile = Some(profile);
        s.counters.timing = Some(GPU_TIMESTAMPS.to_string());
    }

    /// The query set and the index of the start timestamp for a pass of `stage`, when profiling
    /// and the set has room (the end goes to the next index).
    pub(crate) fn timed_pass(&self, stage: &str) -> Option<(wgpu::QuerySet, u32)> {
        let mut s = self.0.lock().expect("counters");
        let State { counters, profile, .. } = &mut *s;
        let profile = profile.as_mut()?;
        if profile.passes.len() as u32 >= PROFILE_PASSES {
            counters.untimed_passes += 1;
            return None;
        }
        profile.passes.push(stage.to_string());
        Some((profile.set.clone(), 2 * (profile.passes.len() as u32 - 1)))
    }

    /// Resolves the timestamps of the passes recorded since the last [`Shared::add_times`] (all
    /// submitted) into the resolve buffer: that buffer and the number of timestamps, or None
    /// when there is nothing to resolve.
    pub(crate) fn resolve(&self, device: &wgpu::Device, queue: &wgpu::Queue) -> Option<(wgpu::Buffer, u32)> {
        let s = self.0.lock().expect("counters");
        let profile = s.profile.as_ref().filter(|p| !p.passes.is_empty())?;
        let queries = 2 * profile.passes.len() as u32;
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("profile") });
        encoder.resolve_query_set(&profile.set, 0..queries, &profile.resolve, 0);
        queue.submit([encoder.finish()]);
        Some((profile.resolve.clone(), queries))
    }

    /// Adds the GPU time of the passes resolved by [`Shared::resolve`] (`ticks`, two per pass)
    /// to their stages, and starts over.
    pub(crate) fn add_times(&self, ticks: &[u64]) {
        let mut s = self.0.lock().expect("counters");
        let State { counters, profile, .. } = &mut *s;
        let Some(profile) = profile.as_mut() else { return };
        for (k, stage) in profile.passes.drain(..).enumerate() {
            let (begin, end) = (ticks[2 * k], ticks[2 * k + 1]);
            if end > begin {
                *counters.gpu_seconds.entry(stage).or_insert(0.0) += (end - begin) as f64 * profile.period_ns * 1e-9;
            }
        }
    }
}
