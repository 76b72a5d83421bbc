//! The device the solver runs on, and the few helpers every stage needs: buffers (checked against
//! the adapter's limits before they are created), read-back, the cache of compute kernels
//! ([`Gpu::kernel`]; dispatches are [`super::Dispatch`]) and the layout of 1-D dispatches.
//!
//! wgpu reports API misuse (a bind group that does not match the shader, a pipeline that does
//! not compile) through error scopes; the helpers here catch those and return
//! [`GpuError::Validation`] naming the stage or buffer instead of letting wgpu panic.

use std::collections::HashMap;
use std::sync::{mpsc, Arc, Mutex};

use bytemuck::Pod;
use wgpu::util::DeviceExt as _;

use super::host::Twins;
use super::{
    counters, enumerate_adapters, instance, AdapterReport, Bindable, ComputeBackend, Counters, GpuError, Kernel, Span,
};

/// The runtime checks compiled into every stage: wgpu's defaults (buffer and array bounds,
/// integer division by zero), less the counter wgpu adds to every loop so that a driver may not
/// assume it ends (`force_loop_bounding`). That counter hides the trip count of the kernels'
/// six-face loops from the driver, which then may not unroll them and keeps their per-face arrays
/// in memory instead of registers (gfx-rs/wgpu#7698 reports 100x slower kernels from it). Every
/// loop in shaders/ counts up to a constant (or halves a constant to zero), which
/// `tests/shaders.rs` checks.
pub const SHADER_CHECKS: wgpu::ShaderRuntimeChecks = {
    let mut checks = wgpu::ShaderRuntimeChecks::checked();
    checks.force_loop_bounding = false;
    checks
};

/// An opened GPU: the chosen adapter, its device (with the adapter's own limits) and queue.
pub struct Gpu {
    /// The adapter the device was opened on.
    pub adapter: wgpu::Adapter,
    /// What that adapter is and allows.
    pub report: AdapterReport,
    /// Why it was chosen (from [`choose`]).
    pub reason: String,
    /// The device, with `required_limits` = the adapter's limits.
    pub device: wgpu::Device,
    /// The device's queue.
    pub queue: wgpu::Queue,
    /// Kernels built so far, by stage name ([`Gpu::kernel`]).
    kernels: Mutex<HashMap<String, Arc<Kernel>>>,
    /// Dispatches and round trips so far ([`Gpu::counters`]).
    pub(crate) counters: counters::Shared,
}

/// Which binding limit a buffer is checked against.
#[derive(Clone, Copy)]
enum Binding {
    Storage,
    Uniform,
}

impl Gpu {
    /// Opens the adapter [`choose`] prefers, or the one whose name contains `wanted`
    /// (case-insensitive), requesting the adapter's real limits rather than wgpu's defaults.
    pub fn new(wanted: Option<&str>) -> Result<Gpu, GpuError> {
        Self::with_features(wanted, wgpu::Features::empty())
    }

    /// Opens `backend`: the GPU as [`Gpu::with_features`], or the CPU backend with `twins`
    /// ([`Gpu::cpu`]; `wanted` must then be None).
    pub fn open(
        backend: ComputeBackend,
        wanted: Option<&str>,
        optional: wgpu::Features,
        twins: Twins,
    ) -> Result<Gpu, GpuError> {
        Self::open_for_rank(backend, wanted, optional, twins, 0)
    }

    /// [`Gpu::open`] for the `local`-th rank on this machine: on a GPU, the adapter
    /// [`super::choose_for_rank`] gives it.
    pub fn open_for_rank(
        backend: ComputeBackend,
        wanted: Option<&str>,
        optional: wgpu::Features,
        twins: Twins,
        local: usize,
    ) -> Result<Gpu, GpuError> {
        match (backend, wanted) {
            (ComputeBackend::Gpu, _) => Self::with_features_for_rank(wanted, optional, local),
            (ComputeBackend::Cpu, None) => Self::cpu(twins),
            (ComputeBackend::Cpu, Some(name)) => Err(GpuError::AdapterWithCpu(name.to_string())),
        }
    }

    /// Opens the CPU backend ([`super::host`]): every stage runs as its CPU twin from `twins`
    /// (the solver's: `crate::solver::twins::find`), in parallel on rayon's threads.
    pub fn cpu(twins: Twins) -> Result<Gpu, GpuError> {
        let adapter = super::host::adapter(twins);
        let report = AdapterReport::from_adapter(&adapter);
        let reason = format!("CPU backend as asked: the stages' CPU twins on {} threads", rayon::current_num_threads());
        let desc = wgpu::DeviceDescriptor { label: Some("hemoflow CPU backend"), ..Default::default() };
        let (device, queue) = pollster::block_on(adapter.request_device(&desc))
            .map_err(|source| GpuError::RequestDevice { adapter: report.name.clone(), source })?;
        Ok(Gpu { adapter, report, reason, device, queue, kernels: Mutex::default(), counters: Default::default() })
    }

    /// Whether this is the CPU backend ([`Gpu::cpu`]).
    pub fn is_cpu(&self) -> bool {
        self.report.backend == wgpu::Backend::Noop
    }

    /// Which backend this is.
    pub fn backend(&self) -> ComputeBackend {
        if self.is_cpu() {
            ComputeBackend::Cpu
        } else {
            ComputeBackend::Gpu
        }
    }

    /// [`Gpu::new`], also enabling those of `optional` features the adapter has.
    pub fn with_features(wanted: Option<&str>, optional: wgpu::Features) -> Result<Gpu, GpuError> {
        Self::with_features_for_rank(wanted, optional, 0)
    }

    fn with_features_for_rank(wanted: Option<&str>, optional: wgpu::Features, local: usize) -> Result<Gpu, GpuError> {
        let adapters = enumerate_adapters(&instance());
        let reports: Vec<AdapterReport> = adapters.iter().map(AdapterReport::from_adapter).collect();
        let (index, reason) = super::choose_for_rank(&reports, wanted, local)?;
        let adapter = adapters.into_iter().nth(index).ok_or(GpuError::NoAdapter)?;
        let report = reports[index].clone();
        let desc = wgpu::DeviceDescriptor {
            label: Some("hemoflow device"),
            required_features: optional & adapter.features(),
            required_limits: adapter.limits(),
            ..Default::default()
        };
        let (device, queue) = pollster::block_on(adapter.request_device(&desc))
            .map_err(|source| GpuError::RequestDevice { adapter: report.name.clone(), source })?;
        Ok(Gpu { adapter, report, reason, device, queue, kernels: Mutex::default(), counters: Default::default() })
    }

    /// The device's limits (equal to the adapter's).
    pub fn limits(&self) -> wgpu::Limits {
        self.device.limits()
    }

    /// Fails with [`GpuError::BufferTooLarge`] when a buffer of `size` bytes bound as `binding`
    /// would exceed the largest buffer or the largest binding the device allows.
    fn check_budget(&self, label: &str, size: u64, binding: Binding) -> Result<(), GpuError> {
        let limits = self.limits();
        let (binding_limit, binding_name) = match binding {
            Binding::Storage => (limits.max_storage_buffer_binding_size, "max_storage_buffer_binding_size"),
            Binding::Uniform => (limits.max_uniform_buffer_binding_size, "max_uniform_buffer_binding_size"),
        };
        for (limit, limit_name) in [(limits.max_buffer_size, "max_buffer_size"), (binding_limit, binding_name)] {
            if size > limit {
                return Err(GpuError::BufferTooLarge { label: label.to_string(), size, limit, limit_name });
            }
        }
        Ok(())
    }

    /// A storage buffer holding `data` (readable back with [`Gpu::read`]). An empty slice gives
    /// a 4-byte buffer, since a binding may not be empty.
    pub fn storage<T: Pod>(&self, label: &str, data: &[T]) -> Result<wgpu::Buffer, GpuError> {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        let contents = if bytes.is_empty() { &[0u8; 4][..] } else { bytes };
        self.check_budget(label, contents.len() as u64, Binding::Storage)?;
        Ok(self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents,
            usage: storage_usage(),
        }))
    }

    /// A zeroed storage buffer of `bytes` bytes (rounded up to a multiple of 4, at least 4).
    pub fn storage_empty(&self, label: &str, bytes: u64) -> Result<wgpu::Buffer, GpuError> {
        let size = bytes.max(1).next_multiple_of(wgpu::COPY_BUFFER_ALIGNMENT);
        self.check_budget(label, size, Binding::Storage)?;
        Ok(self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size,
            usage: storage_usage(),
            mapped_at_creation: false,
        }))
    }

    /// A uniform buffer holding `value` (a `#[repr(C)]` struct with a WGSL twin).
    pub fn uniform<T: Pod>(&self, label: &str, value: &T) -> Result<wgpu::Buffer, GpuError> {
        let contents = bytemuck::bytes_of(value);
        self.check_budget(label, contents.len() as u64, Binding::Uniform)?;
        Ok(self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        }))
    }

    /// Copies `buffer` (a buffer created with `COPY_SRC`, as [`Gpu::storage`] buffers are, or a
    /// span of one) back to the host as whole `T`s, waiting for all submitted work first.
    pub fn read<T: Pod>(&self, buffer: &dyn Bindable) -> Result<Vec<T>, GpuError> {
        let span = buffer.span();
        let bytes = self.read_bytes(span.buffer(), span.offset(), span.size(), true)?;
        let n = bytes.len() / size_of::<T>().max(1);
        Ok(bytemuck::pod_collect_to_vec(&bytes[..n * size_of::<T>()]))
    }

    /// Copies `size` bytes of `buffer` (`COPY_SRC`) from `offset` back to the host, waiting for
    /// all submitted work first: a round trip, counted when `counted` (the profiler's own read
    /// is not).
    pub(crate) fn read_bytes(
        &self,
        buffer: &wgpu::Buffer,
        offset: u64,
        size: u64,
        counted: bool,
    ) -> Result<Vec<u8>, GpuError> {
        let mut parts = self.read_ranges(&[(buffer, offset, size)], counted)?;
        Ok(parts.pop().expect("one range"))
    }

    /// Copies several buffers (or spans of them, `COPY_SRC`) back to the host in one round trip
    /// (counted): one staging buffer, one wait for all submitted work. The bytes of each, in order.
    pub fn read_spans(&self, spans: &[&dyn Bindable]) -> Result<Vec<Vec<u8>>, GpuError> {
        let ranges: Vec<Span> = spans.iter().map(|b| b.span()).collect();
        let ranges: Vec<(&wgpu::Buffer, u64, u64)> =
            ranges.iter().map(|s| (s.buffer(), s.offset(), s.size())).collect();
        self.read_ranges(&ranges, true)
    }

    /// [`Self::read_spans`] of (buffer, offset, size) ranges, the wait counted when `counted`.
    fn read_ranges(&self, ranges: &[(&wgpu::Buffer, u64, u64)], counted: bool) -> Result<Vec<Vec<u8>>, GpuError> {
        // Each range at a multiple of 8 bytes in the staging buffer (copies need 4).
        let starts: Vec<u64> = ranges
            .iter()
            .scan(0u64, |at, &(_, _, size)| {
                let start = *at;
                *at += size.next_multiple_of(8);
                Some(start)
            })
            .collect();
        let total = ranges.iter().map(|r| r.2.next_multiple_of(8)).sum::<u64>().max(8);
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("read-back staging"),
            size: total,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder =
            self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("read-back") });
        for (&(buffer, offset, size), &start) in ranges.iter().zip(&starts) {
            encoder.copy_buffer_to_buffer(buffer, offset, &staging, start, size);
        }
        self.queue.submit([encoder.finish()]);
        let (tx, rx) = mpsc::channel();
        staging.map_async(wgpu::MapMode::Read, .., move |result| {
            let _ = tx.send(result);
        });
        if counted {
            self.wait()?;
        } else {
            self.device.poll(wgpu::PollType::wait_indefinitely())?;
        }
        rx.recv().map_err(|_| GpuError::Map)?.map_err(|_| GpuError::Map)?;
        let bytes = staging
            .get_mapped_range(..)
            .map_err(|e| GpuError::Validation { what: "read-back mapping".into(), message: e.to_string() })?
            .to_vec();
        staging.unmap();
        Ok(ranges
            .iter()
            .zip(&starts)
            .map(|(r, &start)| bytes[start as usize..(start + r.2) as usize].to_vec())
            .collect())
    }

    /// Lays out `groups` workgroups as x * y within the per-dimension limit (y = 1 where it fits);
    /// the shaders flatten the id with `flat_index` (shaders/shared/dispatch.wgsl) and guard the
    /// extra ones.
    pub fn workgroup_grid(&self, stage: &str, groups: u32) -> Result<(u32, u32), GpuError> {
        let limit = self.limits().max_compute_workgroups_per_dimension;
        if groups <= limit {
            return Ok((groups, 1));
        }
        let y = groups.div_ceil(limit);
        if y > limit {
            return Err(GpuError::TooManyWorkgroups { stage: stage.to_string(), groups, limit });
        }
        Ok((groups.div_ceil(y), y))
    }

    /// Waits for all submitted work (a host round trip, counted).
    pub fn wait(&self) -> Result<(), GpuError> {
        self.device.poll(wgpu::PollType::wait_indefinitely())?;
        self.counters.waited();
        Ok(())
    }

    /// The dispatches recorded and the host's round trips since the device was opened (and
    /// with [`Gpu::profile`], the stages' GPU time).
    pub fn counters(&self) -> Counters {
        self.counters.snapshot()
    }

    /// Turns on per-stage timing (see [`super::counters`]): by GPU timestamps where the device
    /// was opened with `TIMESTAMP_QUERY` ([`Gpu::with_features`]), else by the wall clock, each
    /// stage submitted alone and waited for ([`Counters::timing`] says which).
    pub fn profile(&self) {
        if !self.counters.profiling() {
            if self.device.features().contains(wgpu::Features::TIMESTAMP_QUERY) {
                self.counters.start_profile(&self.device, &self.queue);
            } else {
                self.counters.start_clock(&self.device, &self.queue);
            }
        }
    }

    /// Turns on per-stage timing by the wall clock, whatever the adapter has (see
    /// [`super::counters`]); does nothing if profiling is on already.
    pub fn profile_wall_clock(&self) {
        if !self.counters.profiling() {
            self.counters.start_clock(&self.device, &self.queue);
        }
    }

    /// Adds the GPU time of the passes recorded since the last call to their stages (profiling
    /// only; call it once a step, after the step's work is submitted). Its own wait is not
    /// counted as a round trip.
    pub fn collect_profile(&self) -> Result<(), GpuError> {
        let Some((resolve, queries)) = self.counters.resolve(&self.device, &self.queue) else { return Ok(()) };
        let bytes = self.read_bytes(&resolve, 0, 8 * u64::from(queries), false)?;
        self.counters.add_times(&bytemuck::pod_collect_to_vec(&bytes));
        Ok(())
    }

    /// The kernel of stage `name` (e.g. `"solver/momentum"`): built on first use, then shared.
    pub fn kernel(&self, name: &str) -> Result<Arc<Kernel>, GpuError> {
        if let Some(k) = self.kernels.lock().expect("kernel cache").get(name) {
            return Ok(k.clone());
        }
        let kernel = Arc::new(Kernel::build(self, name)?);
        self.kernels.lock().expect("kernel cache").insert(name.to_string(), kernel.clone());
        Ok(kernel)
    }

    /// Runs `f` inside a validation error scope: a wgpu validation error becomes
    /// [`GpuError::Validation`] about `what` instead of a panic.
    pub(crate) fn scoped<R>(&self, what: &str, f: impl FnOnce() -> R) -> Result<R, GpuError> {
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let value = f();
        match pollster::block_on(scope.pop()) {
            None => Ok(value),
            Some(e) => Err(GpuError::Validation { what: what.to_string(), message: e.to_string() }),
        }
    }
}

fn storage_usage() -> wgpu::BufferUsages {
    wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST
}
