//! GPU adapters: enumeration, reporting and the choice `run` makes.
//!
//! wgpu finds whatever adapters the machine offers (Vulkan, Metal, DX12, GL). On a machine
//! without a GPU the same code runs on Mesa's lavapipe (software Vulkan, reported as a CPU
//! device named "llvmpipe"), which is how the shaders are tested. `WGPU_BACKEND` (e.g. `gl`)
//! restricts the backends searched.
//!
//! [`Gpu`] (in [`context`]) opens the chosen adapter with its real limits and holds the buffer,
//! read-back, pipeline and dispatch helpers; [`shader`] embeds and preprocesses the WGSL stages;
//! [`span`] binds whole buffers or parts of them; [`kernel`] dispatches stages by binding name;
//! [`counters`] counts and times what a step records, [`trace`] what it reads and writes;
//! [`probe`] holds the host twins of the test-only stage `test/grid_probe`; [`host`] is the CPU
//! backend, a device whose stages are their CPU twins ([`ComputeBackend::Cpu`]).

pub mod context;
pub mod counters;
pub mod gate;
pub mod host;
pub mod kernel;
pub mod probe;
pub mod shader;
pub mod span;
pub mod trace;
pub mod vector;

pub use context::Gpu;
pub use counters::{Counters, StepCounters};
pub use gate::{Gate, Gates};
pub use kernel::{Dispatch, Kernel};
pub use span::{Bindable, Span};
pub use trace::TracedPass;

use std::fmt::Write as _;

use serde::{Serialize, Serializer};
use wgpu::{Backend, DeviceType};

/// Where the solver's stages run (`--backend`, the case file's `[solver] backend`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ComputeBackend {
    /// A wgpu adapter: the GPU [`choose`] prefers or `--adapter` names (lavapipe, software
    /// Vulkan on the CPU, where there is no GPU).
    #[default]
    Gpu,
    /// The stages' CPU twins on the host's cores ([`host`]; `RAYON_NUM_THREADS` threads).
    Cpu,
}

impl ComputeBackend {
    /// "gpu" or "cpu".
    pub fn name(self) -> &'static str {
        match self {
            ComputeBackend::Gpu => "gpu",
            ComputeBackend::Cpu => "cpu",
        }
    }
}

/// The name of a backend as hemoflow prints it: wgpu's ("vulkan", "gl", ...), and "cpu" for the
/// CPU backend (which wgpu knows as its custom `noop`).
pub fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Noop => "cpu",
        other => other.to_str(),
    }
}

/// Errors from finding and choosing a GPU adapter.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// `--adapter` was given with the CPU backend, which has no adapters to choose from.
    #[error(
        "--adapter \"{0}\" names a GPU adapter, but the CPU backend uses none (drop --adapter or use --backend gpu)"
    )]
    AdapterWithCpu(String),
    /// A solver feature asked of a run on several ranks that only runs on one.
    #[error("{0} does not run on several ranks yet: run this case on one (without mpirun)")]
    OneRankOnly(&'static str),
    /// wgpu found no adapter on any backend.
    #[error("no GPU adapter found: install mesa-vulkan-drivers (lavapipe, software Vulkan) or a GPU driver")]
    NoAdapter,
    /// An adapter was asked for by name and none matched.
    #[error("no GPU adapter name contains \"{wanted}\"; adapters found: {names}")]
    NoMatch {
        /// The requested name fragment (matched case-insensitively).
        wanted: String,
        /// The adapters found, as "name (backend)", comma separated.
        names: String,
    },
    /// The chosen adapter refused to open a device.
    #[error("could not open a device on adapter \"{adapter}\": {source}")]
    RequestDevice {
        /// Adapter name.
        adapter: String,
        /// wgpu's reason.
        source: wgpu::RequestDeviceError,
    },
    /// A buffer would exceed what the device allows (checked before it is created).
    #[error("buffer \"{label}\" needs {size} bytes but the device allows {limit} bytes ({limit_name})")]
    BufferTooLarge {
        /// The buffer's label.
        label: String,
        /// Requested size, bytes.
        size: u64,
        /// The limit it exceeds, bytes.
        limit: u64,
        /// Name of that limit in `wgpu::Limits`.
        limit_name: &'static str,
    },
    /// A dispatch needs more workgroups along x than the device allows.
    #[error("stage \"{stage}\" needs {groups} workgroups along x but the device allows {limit}")]
    TooManyWorkgroups {
        /// Stage name.
        stage: String,
        /// Workgroups needed, a count.
        groups: u32,
        /// `max_compute_workgroups_per_dimension`.
        limit: u32,
    },
    /// No shader file of that name is embedded.
    #[error("no shader \"{name}\" (known: {known})")]
    UnknownShader {
        /// The requested name, e.g. "test/grid_probe".
        name: String,
        /// The embedded names, comma separated.
        known: String,
    },
    /// A `#` line the preprocessor does not accept (unknown import or directive).
    #[error("shaders/{file}.wgsl:{line}: {message}")]
    Import {
        /// The file holding the line, without `shaders/` and `.wgsl`.
        file: String,
        /// 1-based line number.
        line: u32,
        /// What is wrong.
        message: String,
    },
    /// A stage's WGSL cannot be reflected (a parse or validation error, an unusable binding or
    /// workgroup size; see [`kernel`]).
    #[error("stage \"{stage}\": {message}")]
    Reflect {
        /// Stage name.
        stage: String,
        /// What is wrong.
        message: String,
    },
    /// A dispatch's buffers do not match what its stage declares (see [`kernel`]).
    #[error("stage \"{stage}\": binding \"{binding}\" {message}")]
    Binding {
        /// Stage name.
        stage: String,
        /// The binding's WGSL name.
        binding: String,
        /// What is wrong.
        message: String,
    },
    /// wgpu rejected a pipeline, bind group, dispatch or mapping.
    #[error("wgpu rejected the {what}: {message}")]
    Validation {
        /// What was being created or run, naming the stage.
        what: String,
        /// wgpu's message.
        message: String,
    },
    /// Waiting for the device failed.
    #[error("waiting for the GPU failed: {0}")]
    Poll(#[from] wgpu::PollError),
    /// Mapping a buffer for read-back failed.
    #[error("mapping a buffer for read-back failed")]
    Map,
}

/// What one adapter is and what it allows: the facts `hemoflow gpus` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdapterReport {
    /// Adapter name as the driver reports it, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)".
    pub name: String,
    /// Graphics API wgpu reaches it through; serialized lower case ("vulkan", "metal", "dx12", "gl").
    #[serde(serialize_with = "ser_backend")]
    pub backend: Backend,
    /// Kind of device; serialized as wgpu's variant name ("DiscreteGpu", "Cpu", ...).
    #[serde(serialize_with = "ser_device_type")]
    pub device_type: DeviceType,
    /// Driver name, e.g. "llvmpipe" (may be empty).
    pub driver: String,
    /// Driver version text, e.g. "Mesa 22.3.6 (LLVM 15.0.6)" (may be empty).
    pub driver_info: String,
    /// PCI vendor id (0 where the backend does not say).
    pub vendor: u32,
    /// PCI device id (0 where the backend does not say).
    pub device: u32,
    /// Largest storage buffer one binding may cover, bytes.
    pub max_storage_buffer_binding_size: u64,
    /// Largest buffer that may be created, bytes.
    pub max_buffer_size: u64,
    /// Workgroup (shared) memory per compute workgroup, bytes.
    pub max_compute_workgroup_storage_size: u32,
    /// Invocations (threads) per compute workgroup, a count.
    pub max_compute_invocations_per_workgroup: u32,
}

impl AdapterReport {
    /// Reads the report from a wgpu adapter (its info and its real limits).
    pub fn from_adapter(adapter: &wgpu::Adapter) -> Self {
        let info = adapter.get_info();
        let limits = adapter.limits();
        Self {
            name: info.name,
            backend: info.backend,
            device_type: info.device_type,
            driver: info.driver,
            driver_info: info.driver_info,
            vendor: info.vendor,
            device: info.device,
            max_storage_buffer_binding_size: limits.max_storage_buffer_binding_size,
            max_buffer_size: limits.max_buffer_size,
            max_compute_workgroup_storage_size: limits.max_compute_workgroup_storage_size,
            max_compute_invocations_per_workgroup: limits.max_compute_invocations_per_workgroup,
        }
    }
}

fn ser_backend<S: Serializer>(backend: &Backend, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(backend_name(*backend))
}

fn ser_device_type<S: Serializer>(device_type: &DeviceType, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{device_type:?}"))
}

/// A wgpu instance over the backends `WGPU_BACKEND` allows (all of them when it is unset).
pub fn instance() -> wgpu::Instance {
    wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env())
}

/// Every adapter `instance` finds, on all the backends it was created with.
pub fn enumerate_adapters(instance: &wgpu::Instance) -> Vec<wgpu::Adapter> {
    // The instance only holds the backends it was created with, so `all` means "all of those".
    pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()))
}

/// Reports on every adapter found, over all backends the instance finds (see [`instance`]).
pub fn list_adapters() -> Vec<AdapterReport> {
    enumerate_adapters(&instance()).iter().map(AdapterReport::from_adapter).collect()
}

/// Preference rank of a device type: lower is better.
fn type_rank(t: DeviceType) -> u8 {
    match t {
        DeviceType::DiscreteGpu => 0,
        DeviceType::IntegratedGpu => 1,
        DeviceType::VirtualGpu => 2,
        DeviceType::Cpu => 3,
        DeviceType::Other => 4,
    }
}

/// Preference rank of a backend: lower is better.
fn backend_rank(b: Backend) -> u8 {
    match b {
        Backend::Vulkan => 0,
        Backend::Metal => 1,
        Backend::Dx12 => 2,
        Backend::Gl => 3,
        Backend::BrowserWebGpu => 4,
        Backend::Noop => 5,
    }
}

/// Human name of a device type, as the table and the reasons print it.
pub fn device_type_name(t: DeviceType) -> &'static str {
    match t {
        DeviceType::DiscreteGpu => "discrete GPU",
        DeviceType::IntegratedGpu => "integrated GPU",
        DeviceType::VirtualGpu => "virtual GPU",
        DeviceType::Cpu => "CPU (software)",
        DeviceType::Other => "other",
    }
}

/// The adapter `run` would use: its index in `adapters` and a one-line reason.
///
/// With `wanted`, only adapters whose name contains it (case-insensitive) are candidates, and
/// none matching is an error listing the names. Among candidates: discrete GPU > integrated >
/// virtual > CPU (lavapipe) > other, then Vulkan > Metal > DX12 > GL, then the first found.
pub fn choose(adapters: &[AdapterReport], wanted: Option<&str>) -> Result<(usize, String), GpuError> {
    if adapters.is_empty() {
        return Err(GpuError::NoAdapter);
    }
    let wanted_lc = wanted.map(str::to_lowercase);
    let candidates: Vec<usize> = (0..adapters.len())
        .filter(|&i| wanted_lc.as_ref().is_none_or(|w| adapters[i].name.to_lowercase().contains(w.as_str())))
        .collect();
    let Some(&best) =
        candidates.iter().min_by_key(|&&i| (type_rank(adapters[i].device_type), backend_rank(adapters[i].backend), i))
    else {
        let names = adapters.iter().map(|a| format!("{} ({})", a.name, a.backend.to_str())).collect::<Vec<_>>();
        return Err(GpuError::NoMatch { wanted: wanted.unwrap_or_default().to_string(), names: names.join(", ") });
    };
    let a = &adapters[best];
    let mut reason = match a.device_type {
        DeviceType::DiscreteGpu => "discrete GPU".to_string(),
        DeviceType::IntegratedGpu => "integrated GPU (no discrete GPU found)".to_string(),
        DeviceType::VirtualGpu => "virtual GPU (no discrete or integrated GPU found)".to_string(),
        DeviceType::Cpu => {
            // "llvmpipe" from the driver, or from a name like "llvmpipe (LLVM 15.0.6, 256 bits)".
            let driver = if a.driver.is_empty() { a.name.split(" (").next().unwrap_or(&a.name) } else { &a.driver };
            format!("no hardware GPU found: using the software rasteriser {driver} (slow; for tests)")
        }
        DeviceType::Other => "adapter of unknown type (no GPU of known type found)".to_string(),
    };
    if let Some(w) = wanted {
        reason = format!("name contains \"{w}\" as requested; {reason}");
        if candidates.len() > 1 {
            reason.push_str(&format!("; best of {} matching adapters", candidates.len()));
        }
    }
    Ok((best, reason))
}

/// [`choose`] for the `local`-th rank on a machine (MPI's node-local rank): among the adapters
/// of the kind and backend [`choose`] prefers, the `local`-th modulo their number, so ranks on
/// a node with several GPUs take one each.
pub fn choose_for_rank(
    adapters: &[AdapterReport],
    wanted: Option<&str>,
    local: usize,
) -> Result<(usize, String), GpuError> {
    let (best, reason) = choose(adapters, wanted)?;
    let wanted_lc = wanted.map(str::to_lowercase);
    let alike: Vec<usize> = (0..adapters.len())
        .filter(|&i| wanted_lc.as_ref().is_none_or(|w| adapters[i].name.to_lowercase().contains(w.as_str())))
        .filter(|&i| {
            adapters[i].device_type == adapters[best].device_type && adapters[i].backend == adapters[best].backend
        })
        .collect();
    if alike.len() < 2 {
        return Ok((best, reason));
    }
    let index = alike[local % alike.len()];
    Ok((
        index,
        format!("{reason}; adapter {} of {} alike, for node-local rank {local}", local % alike.len(), alike.len()),
    ))
}

fn mib(bytes: u64) -> String {
    format!("{:.0}", bytes as f64 / (1024.0 * 1024.0))
}

/// A readable table of `adapters` (name, backend, type, driver, max storage binding and max
/// buffer in MiB) and a line saying which one `run` would choose and why.
///
/// `chosen` is the index and reason from [`choose`]; `None` prints that no adapter was chosen.
pub fn gpus_text(adapters: &[AdapterReport], chosen: Option<(usize, &str)>) -> String {
    if adapters.is_empty() {
        return format!("{}\n", GpuError::NoAdapter);
    }
    let header = ["#", "name", "backend", "type", "driver", "storage binding MiB", "max buffer MiB"];
    let rows: Vec<[String; 7]> = adapters
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let driver = format!("{} {}", a.driver, a.driver_info).trim().to_string();
            [
                i.to_string(),
                a.name.clone(),
                backend_name(a.backend).to_string(),
                device_type_name(a.device_type).to_string(),
                driver,
                mib(a.max_storage_buffer_binding_size),
                mib(a.max_buffer_size),
            ]
        })
        .collect();
    let mut width = header.map(str::len);
    for row in &rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut s = String::new();
        for (c, (cell, w)) in cells.iter().zip(width).enumerate() {
            let numeric = c == 0 || c >= 5;
            let pad = w - cell.chars().count();
            if numeric {
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&" ".repeat(pad));
            }
            s.push_str("  ");
        }
        let _ = writeln!(out, "{}", s.trim_end());
    };
    line(&header);
    for row in &rows {
        line(&row.each_ref().map(String::as_str));
    }
    match chosen {
        Some((i, reason)) if i < adapters.len() => {
            let _ = writeln!(
                out,
                "run would use #{i} {} ({}): {reason}",
                adapters[i].name,
                backend_name(adapters[i].backend)
            );
        }
        _ => out.push_str("run would use: none chosen\n"),
    }
    out
}
