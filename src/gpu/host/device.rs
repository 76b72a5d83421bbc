//! The CPU backend's wgpu objects: adapter, device, queue, buffers, pipelines of twins, bind
//! groups, command encoders and compute passes (wgpu's custom-backend interfaces; what a compute
//! stage needs, and a panic naming the rest, which the backend never makes).

use std::cell::Cell;
use std::ops::Range;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use wgpu::custom::{self as wc};

use super::{adapter_name, Bound, BoundRange, Derived, Memory, Twin, Twins};
use crate::gpu::kernel::{reflect, BindingKind, BindingSlot};

/// The CPU backend's adapter: [`wgpu::Adapter::from_custom`] of it opens a [`Device`].
#[derive(Debug)]
pub struct Adapter {
    twins: Twins,
}

/// A wgpu adapter on the CPU backend, running the stages `twins` has twins for.
pub fn adapter(twins: Twins) -> wgpu::Adapter {
    wgpu::Adapter::from_custom(Adapter { twins })
}

fn info() -> wgpu::AdapterInfo {
    wgpu::AdapterInfo {
        name: adapter_name(),
        vendor: 0,
        device: 0,
        device_type: wgpu::DeviceType::Cpu,
        device_pci_bus_id: String::new(),
        driver: "hemoflow".into(),
        driver_info: format!("CPU twins, version {}", env!("CARGO_PKG_VERSION")),
        backend: wgpu::Backend::Noop,
        subgroup_min_size: wgpu::MINIMUM_SUBGROUP_MIN_SIZE,
        subgroup_max_size: wgpu::MAXIMUM_SUBGROUP_MAX_SIZE,
        transient_saves_memory: None,
        limit_bucket: None,
    }
}

/// What the backend allows: buffers as large as the address space allows a slice, bindings as
/// large as buffers, and wgpu's defaults for the rest (the solver's layout needs nothing more).
fn limits() -> wgpu::Limits {
    let big = (isize::MAX as u64).min(1 << 40);
    wgpu::Limits {
        max_buffer_size: big,
        max_storage_buffer_binding_size: big,
        max_compute_workgroups_per_dimension: u32::MAX,
        max_storage_buffers_per_shader_stage: 16,
        ..wgpu::Limits::default()
    }
}

impl wc::AdapterInterface for Adapter {
    fn request_device(&self, _desc: &wgpu::DeviceDescriptor<'_>) -> Pin<Box<dyn wc::RequestDeviceFuture>> {
        let device = wc::DispatchDevice::custom(Device { twins: self.twins, scopes: Mutex::default() });
        let queue = wc::DispatchQueue::custom(Queue { derived: Mutex::default() });
        Box::pin(std::future::ready(Ok((device, queue))))
    }
    fn is_surface_supported(&self, _surface: &wc::DispatchSurface) -> bool {
        false
    }
    fn features(&self) -> wgpu::Features {
        wgpu::Features::empty()
    }
    fn limits(&self) -> wgpu::Limits {
        limits()
    }
    fn downlevel_capabilities(&self) -> wgpu::DownlevelCapabilities {
        wgpu::DownlevelCapabilities::default()
    }
    fn get_info(&self) -> wgpu::AdapterInfo {
        info()
    }
    fn get_texture_format_features(&self, _format: wgpu::TextureFormat) -> wgpu::TextureFormatFeatures {
        unsupported("textures")
    }
    fn get_presentation_timestamp(&self) -> wgpu::PresentationTimestamp {
        wgpu::PresentationTimestamp::INVALID_TIMESTAMP
    }
    fn cooperative_matrix_properties(&self) -> Vec<wgpu::wgt::CooperativeMatrixProperties> {
        Vec::new()
    }
}

fn unsupported(what: &str) -> ! {
    panic!("the CPU backend has no {what} (it runs compute stages only)")
}

/// The CPU backend's device: buffers, pipelines of twins, bind groups, encoders.
#[derive(Debug)]
struct Device {
    /// The stages' twins.
    twins: Twins,
    /// Open error scopes, innermost last: the first error caught in each.
    scopes: Mutex<Vec<Option<wgpu::Error>>>,
}

impl Device {
    /// Reports a validation error to the innermost scope (a panic with none open).
    fn error(&self, message: String) {
        let mut scopes = self.scopes.lock().expect("error scopes");
        match scopes.last_mut() {
            Some(slot) => {
                if slot.is_none() {
                    let source: Box<dyn std::error::Error + Send + Sync> = message.clone().into();
                    *slot = Some(wgpu::Error::Validation { source, description: message });
                }
            }
            None => panic!("CPU backend: {message}"),
        }
    }
}

/// A shader module: the stage's name (its label) and WGSL, reflected when a pipeline is made.
#[derive(Debug)]
struct ShaderModule {
    name: String,
    source: String,
}

/// A compute pipeline: the stage's twin and its bindings (None: the stage has no twin; the
/// error was reported when it was made).
#[derive(Debug)]
struct Pipeline {
    name: String,
    twin: Option<Twin>,
    layout: Arc<Vec<BindingSlot>>,
}

/// A compute pipeline as wgpu holds it (the commands share the pipeline).
#[derive(Debug)]
struct PipelineHandle(Arc<Pipeline>);

/// A bind group layout: the bindings of group 0 as the stage declares them.
#[derive(Debug)]
struct Layout(Arc<Vec<BindingSlot>>);

/// A bind group: each binding's buffer bytes, in binding order.
#[derive(Debug)]
struct BindGroup(Arc<Vec<BoundRange>>);

/// A buffer: its memory.
#[derive(Debug)]
struct Buffer(Arc<Memory>);

/// A mapped range of a buffer.
#[derive(Debug)]
struct Mapped {
    memory: Arc<Memory>,
    range: Range<usize>,
}

/// What a command buffer does when submitted.
#[derive(Debug)]
enum Command {
    Copy { from: Arc<Memory>, from_offset: u64, to: Arc<Memory>, to_offset: u64, size: u64 },
    Clear { memory: Arc<Memory>, offset: u64, size: u64 },
    Dispatch { pipeline: Arc<Pipeline>, bind: Arc<Vec<BoundRange>>, indirect: Option<(Arc<Memory>, u64)> },
}

/// A command encoder (and its passes) appending to a list.
#[derive(Debug, Default)]
struct Encoder(Arc<Mutex<Vec<Command>>>);

/// A compute pass: the pipeline and bind group set, and the encoder's list.
#[derive(Debug)]
struct Pass {
    commands: Arc<Mutex<Vec<Command>>>,
    pipeline: Option<Arc<Pipeline>>,
    bind: Option<Arc<Vec<BoundRange>>>,
}

/// A finished command buffer.
#[derive(Debug)]
struct Commands(Mutex<Vec<Command>>);

/// The queue: runs what is submitted at once, and keeps the values the twins derived
/// ([`Bound::derived`]).
struct Queue {
    derived: Mutex<Vec<Derived>>,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue").finish_non_exhaustive()
    }
}

fn memory_of(buffer: &wc::DispatchBuffer) -> Arc<Memory> {
    buffer.as_custom::<Buffer>().expect("a CPU backend buffer").0.clone()
}

impl wc::DeviceInterface for Device {
    fn features(&self) -> wgpu::Features {
        wgpu::Features::empty()
    }
    fn limits(&self) -> wgpu::Limits {
        limits()
    }
    fn adapter_info(&self) -> wgpu::AdapterInfo {
        info()
    }
    fn create_shader_module(
        &self,
        desc: wgpu::ShaderModuleDescriptor<'_>,
        _checks: wgpu::ShaderRuntimeChecks,
    ) -> wc::DispatchShaderModule {
        let source = match desc.source {
            wgpu::ShaderSource::Wgsl(text) => text.into_owned(),
            _ => unsupported("shader languages but WGSL"),
        };
        wc::DispatchShaderModule::custom(ShaderModule { name: desc.label.unwrap_or_default().to_string(), source })
    }
    unsafe fn create_shader_module_passthrough(
        &self,
        _desc: &wgpu::ShaderModuleDescriptorPassthrough<'_>,
    ) -> wc::DispatchShaderModule {
        unsupported("passthrough shaders")
    }
    fn create_bind_group_layout(&self, _desc: &wgpu::BindGroupLayoutDescriptor<'_>) -> wc::DispatchBindGroupLayout {
        unsupported("explicit bind group layouts")
    }
    fn create_bind_group(&self, desc: &wgpu::BindGroupDescriptor<'_>) -> wc::DispatchBindGroup {
        let layout = desc.layout.as_custom::<Layout>().expect("a CPU backend layout").0.clone();
        let stage = desc.label.unwrap_or("(unnamed)");
        let mut ranges = Vec::new();
        for slot in layout.iter() {
            let Some(entry) = desc.entries.iter().find(|e| e.binding == slot.binding) else {
                self.error(format!("bind group of stage \"{stage}\": binding {} missing", slot.binding));
                continue;
            };
            let wgpu::BindingResource::Buffer(b) = &entry.resource else { unsupported("bindings but buffers") };
            let memory = b.buffer.as_custom::<Buffer>().expect("a CPU backend buffer").0.clone();
            let start = b.offset as usize;
            let end = b.size.map_or(memory.len(), |s| start + s.get() as usize);
            if end > memory.len() {
                self.error(format!("stage \"{stage}\": binding \"{}\" past its buffer's end", slot.name));
                continue;
            }
            ranges.push(BoundRange { slot: slot.clone(), memory, range: start..end });
        }
        // A writable binding may share no byte with another (wgpu's rule, which makes the twins'
        // slices sound).
        for (i, a) in ranges.iter().enumerate() {
            for b in &ranges[..i] {
                let writable = |r: &BoundRange| matches!(r.slot.kind, BindingKind::Storage { writable: true, .. });
                let overlap =
                    Arc::ptr_eq(&a.memory, &b.memory) && a.range.start < b.range.end && b.range.start < a.range.end;
                if overlap && (writable(a) || writable(b)) {
                    self.error(format!(
                        "stage \"{stage}\": bindings \"{}\" and \"{}\" overlap and one is written",
                        a.slot.name, b.slot.name
                    ));
                }
            }
        }
        wc::DispatchBindGroup::custom(BindGroup(Arc::new(ranges)))
    }
    fn create_pipeline_layout(&self, _desc: &wgpu::PipelineLayoutDescriptor<'_>) -> wc::DispatchPipelineLayout {
        unsupported("explicit pipeline layouts")
    }
    fn create_render_pipeline(&self, _desc: &wgpu::RenderPipelineDescriptor<'_>) -> wc::DispatchRenderPipeline {
        unsupported("render pipelines")
    }
    fn create_mesh_pipeline(&self, _desc: &wgpu::MeshPipelineDescriptor<'_>) -> wc::DispatchRenderPipeline {
        unsupported("mesh pipelines")
    }
    fn create_compute_pipeline(&self, desc: &wgpu::ComputePipelineDescriptor<'_>) -> wc::DispatchComputePipeline {
        let module = desc.module.as_custom::<ShaderModule>().expect("a CPU backend shader module");
        let entry = desc.entry_point.unwrap_or(&module.name);
        let (slots, twin) = match reflect(&module.name, entry, &module.source) {
            Ok((slots, _)) => {
                let twin = (self.twins)(&module.name);
                if twin.is_none() {
                    self.error(format!("stage \"{}\" has no CPU twin", module.name));
                }
                (slots, twin)
            }
            Err(e) => {
                self.error(e.to_string());
                (Vec::new(), None)
            }
        };
        let pipeline = Pipeline { name: module.name.clone(), twin, layout: Arc::new(slots) };
        wc::DispatchComputePipeline::custom(PipelineHandle(Arc::new(pipeline)))
    }
    unsafe fn create_pipeline_cache(&self, _desc: &wgpu::PipelineCacheDescriptor<'_>) -> wc::DispatchPipelineCache {
        unsupported("pipeline caches")
    }
    fn create_buffer(&self, desc: &wgpu::BufferDescriptor<'_>) -> wc::DispatchBuffer {
        wc::DispatchBuffer::custom(Buffer(Arc::new(Memory::new(desc.size))))
    }
    fn create_texture(&self, _desc: &wgpu::TextureDescriptor<'_>) -> wc::DispatchTexture {
        unsupported("textures")
    }
    fn create_external_texture(
        &self,
        _desc: &wgpu::ExternalTextureDescriptor<'_>,
        _planes: &[&wgpu::TextureView],
    ) -> wc::DispatchExternalTexture {
        unsupported("textures")
    }
    fn create_blas(
        &self,
        _desc: &wgpu::CreateBlasDescriptor<'_>,
        _sizes: wgpu::BlasGeometrySizeDescriptors,
    ) -> (Option<u64>, wc::DispatchBlas) {
        unsupported("acceleration structures")
    }
    fn create_tlas(&self, _desc: &wgpu::CreateTlasDescriptor<'_>) -> wc::DispatchTlas {
        unsupported("acceleration structures")
    }
    fn create_sampler(&self, _desc: &wgpu::SamplerDescriptor<'_>) -> wc::DispatchSampler {
        unsupported("samplers")
    }
    fn create_query_set(&self, _desc: &wgpu::QuerySetDescriptor<'_>) -> wc::DispatchQuerySet {
        unsupported("query sets")
    }
    fn create_command_encoder(&self, _desc: &wgpu::CommandEncoderDescriptor<'_>) -> wc::DispatchCommandEncoder {
        wc::DispatchCommandEncoder::custom(Encoder::default())
    }
    fn create_render_bundle_encoder(
        &self,
        _desc: &wgpu::RenderBundleEncoderDescriptor<'_>,
    ) -> wc::DispatchRenderBundleEncoder {
        unsupported("render bundles")
    }
    fn set_device_lost_callback(&self, _callback: wc::BoxDeviceLostCallback) {}
    fn on_uncaptured_error(&self, _handler: Arc<dyn wgpu::UncapturedErrorHandler>) {}
    fn push_error_scope(&self, _filter: wgpu::ErrorFilter) -> u32 {
        let mut scopes = self.scopes.lock().expect("error scopes");
        scopes.push(None);
        scopes.len() as u32 - 1
    }
    fn pop_error_scope(&self, index: u32) -> Pin<Box<dyn wc::PopErrorScopeFuture>> {
        let mut scopes = self.scopes.lock().expect("error scopes");
        let error = if scopes.len() == index as usize + 1 { scopes.pop().flatten() } else { None };
        Box::pin(std::future::ready(error))
    }
    unsafe fn start_graphics_debugger_capture(&self) {}
    unsafe fn stop_graphics_debugger_capture(&self) {}
    fn poll(&self, _poll_type: wgpu::wgt::PollType<u64>) -> Result<wgpu::PollStatus, wgpu::PollError> {
        Ok(wgpu::PollStatus::QueueEmpty)
    }
    fn get_internal_counters(&self) -> wgpu::InternalCounters {
        wgpu::InternalCounters::default()
    }
    fn generate_allocator_report(&self) -> Option<wgpu::AllocatorReport> {
        None
    }
    fn destroy(&self) {}
}

impl wc::QueueInterface for Queue {
    fn write_buffer(&self, buffer: &wc::DispatchBuffer, offset: wgpu::BufferAddress, data: &[u8]) {
        memory_of(buffer).write(offset, data);
    }
    fn create_staging_buffer(&self, _size: wgpu::BufferSize) -> Option<wc::DispatchQueueWriteBuffer> {
        None
    }
    fn validate_write_buffer(
        &self,
        _buffer: &wc::DispatchBuffer,
        _offset: wgpu::BufferAddress,
        _size: wgpu::BufferSize,
    ) -> Option<()> {
        Some(())
    }
    fn write_staging_buffer(
        &self,
        _buffer: &wc::DispatchBuffer,
        _offset: wgpu::BufferAddress,
        _staging: &wc::DispatchQueueWriteBuffer,
    ) {
        unsupported("staging buffers")
    }
    fn write_texture(
        &self,
        _texture: wgpu::TexelCopyTextureInfo<'_>,
        _data: &[u8],
        _layout: wgpu::TexelCopyBufferLayout,
        _size: wgpu::Extent3d,
    ) {
        unsupported("textures")
    }
    fn submit(&self, command_buffers: &mut dyn Iterator<Item = wc::DispatchCommandBuffer>) -> u64 {
        for buffer in command_buffers {
            let commands = buffer.as_custom::<Commands>().expect("a CPU backend command buffer");
            for command in commands.0.lock().expect("commands").drain(..) {
                run(command, &self.derived);
            }
        }
        0
    }
    fn get_timestamp_period(&self) -> f32 {
        1.0
    }
    fn on_submitted_work_done(&self, callback: wc::BoxSubmittedWorkDoneCallback) {
        callback();
    }
    fn compact_blas(&self, _blas: &wc::DispatchBlas) -> (Option<u64>, wc::DispatchBlas) {
        unsupported("acceleration structures")
    }
    fn present(&self, _detail: &wc::DispatchSurfaceOutputDetail) {
        unsupported("surfaces")
    }
}

/// Runs one command (with the device's derived values, [`Bound::derived`]).
fn run(command: Command, derived: &Mutex<Vec<Derived>>) {
    match command {
        Command::Copy { from, from_offset, to, to_offset, size } => from.copy_to(from_offset, &to, to_offset, size),
        Command::Clear { memory, offset, size } => memory.clear(offset, size),
        Command::Dispatch { pipeline, bind, indirect } => {
            if let Some((args, offset)) = indirect {
                // A closed gate's x count is 0: the dispatch does nothing.
                if args.words(offset, 3).contains(&0) {
                    return;
                }
            }
            let Some(twin) = pipeline.twin else { return };
            let ranges = &bind;
            let bound = Bound { stage: &pipeline.name, ranges, derived, shared: Cell::new(0), mutable: Cell::new(0) };
            twin(&bound);
            for r in ranges.iter().filter(|r| matches!(r.slot.kind, BindingKind::Storage { writable: true, .. })) {
                r.memory.touch();
            }
        }
    }
}

impl wc::ShaderModuleInterface for ShaderModule {
    fn get_compilation_info(&self) -> Pin<Box<dyn wc::ShaderCompilationInfoFuture>> {
        Box::pin(std::future::ready(wgpu::CompilationInfo { messages: Vec::new() }))
    }
}

impl wc::ComputePipelineInterface for PipelineHandle {
    fn get_bind_group_layout(&self, index: u32) -> wc::DispatchBindGroupLayout {
        assert_eq!(index, 0, "compute stages use group 0 only");
        wc::DispatchBindGroupLayout::custom(Layout(self.0.layout.clone()))
    }
}

impl wc::BindGroupLayoutInterface for Layout {}
impl wc::BindGroupInterface for BindGroup {}
impl wc::CommandBufferInterface for Commands {}

impl wc::BufferInterface for Buffer {
    fn map_async(&self, _mode: wgpu::MapMode, _range: Range<wgpu::BufferAddress>, callback: wc::BufferMapCallback) {
        // Everything submitted has run.
        callback(Ok(()));
    }
    fn get_mapped_range(
        &self,
        sub_range: Range<wgpu::BufferAddress>,
    ) -> Result<wc::DispatchBufferMappedRange, wgpu::MapRangeError> {
        let range = sub_range.start as usize..sub_range.end as usize;
        self.0.check(&range, "mapping");
        Ok(wc::DispatchBufferMappedRange::custom(Mapped { memory: self.0.clone(), range }))
    }
    fn unmap(&self) {}
    fn destroy(&self) {}
}

impl wc::BufferMappedRangeInterface for Mapped {
    fn len(&self) -> usize {
        self.range.len()
    }
    unsafe fn read_slice(&self) -> &[u8] {
        // SAFETY: inside the buffer (checked when mapped); nothing runs while it is mapped.
        unsafe { std::slice::from_raw_parts(self.memory.ptr().add(self.range.start), self.range.len()) }
    }
    unsafe fn write_slice(&mut self) -> wgpu::WriteOnly<'_, [u8]> {
        self.memory.touch();
        // SAFETY: as `read_slice`; the mapping is the only access while it lives.
        let bytes =
            unsafe { std::slice::from_raw_parts_mut(self.memory.ptr().add(self.range.start), self.range.len()) };
        wgpu::WriteOnly::from_mut(bytes)
    }
}

impl wc::CommandEncoderInterface for Encoder {
    fn copy_buffer_to_buffer(
        &self,
        source: &wc::DispatchBuffer,
        source_offset: wgpu::BufferAddress,
        destination: &wc::DispatchBuffer,
        destination_offset: wgpu::BufferAddress,
        copy_size: Option<wgpu::BufferAddress>,
    ) {
        let from = memory_of(source);
        let size = copy_size.unwrap_or(from.len() as u64 - source_offset);
        let to = memory_of(destination);
        let command = Command::Copy { from, from_offset: source_offset, to, to_offset: destination_offset, size };
        self.0.lock().expect("commands").push(command);
    }
    fn copy_buffer_to_texture(
        &self,
        _source: wgpu::TexelCopyBufferInfo<'_>,
        _destination: wgpu::TexelCopyTextureInfo<'_>,
        _size: wgpu::Extent3d,
    ) {
        unsupported("textures")
    }
    fn copy_texture_to_buffer(
        &self,
        _source: wgpu::TexelCopyTextureInfo<'_>,
        _destination: wgpu::TexelCopyBufferInfo<'_>,
        _size: wgpu::Extent3d,
    ) {
        unsupported("textures")
    }
    fn copy_texture_to_texture(
        &self,
        _source: wgpu::TexelCopyTextureInfo<'_>,
        _destination: wgpu::TexelCopyTextureInfo<'_>,
        _size: wgpu::Extent3d,
    ) {
        unsupported("textures")
    }
    fn begin_compute_pass(&self, _desc: &wgpu::ComputePassDescriptor<'_>) -> wc::DispatchComputePass {
        wc::DispatchComputePass::custom(Pass { commands: self.0.clone(), pipeline: None, bind: None })
    }
    fn begin_render_pass(&self, _desc: &wgpu::RenderPassDescriptor<'_>) -> wc::DispatchRenderPass {
        unsupported("render passes")
    }
    fn finish(&mut self) -> wc::DispatchCommandBuffer {
        let commands = std::mem::take(&mut *self.0.lock().expect("commands"));
        wc::DispatchCommandBuffer::custom(Commands(Mutex::new(commands)))
    }
    fn clear_texture(&self, _texture: &wc::DispatchTexture, _range: &wgpu::ImageSubresourceRange) {
        unsupported("textures")
    }
    fn clear_buffer(
        &self,
        buffer: &wc::DispatchBuffer,
        offset: wgpu::BufferAddress,
        size: Option<wgpu::BufferAddress>,
    ) {
        let memory = memory_of(buffer);
        let size = size.unwrap_or(memory.len() as u64 - offset);
        self.0.lock().expect("commands").push(Command::Clear { memory, offset, size });
    }
    fn insert_debug_marker(&self, _label: &str) {}
    fn push_debug_group(&self, _label: &str) {}
    fn pop_debug_group(&self) {}
    fn write_timestamp(&self, _query_set: &wc::DispatchQuerySet, _query_index: u32) {
        unsupported("timestamp queries")
    }
    fn resolve_query_set(
        &self,
        _query_set: &wc::DispatchQuerySet,
        _first_query: u32,
        _query_count: u32,
        _destination: &wc::DispatchBuffer,
        _destination_offset: wgpu::BufferAddress,
    ) {
        unsupported("query sets")
    }
    fn mark_acceleration_structures_built<'a>(
        &self,
        _blas: &mut dyn Iterator<Item = &'a wgpu::Blas>,
        _tlas: &mut dyn Iterator<Item = &'a wgpu::Tlas>,
    ) {
        unsupported("acceleration structures")
    }
    fn build_acceleration_structures<'a>(
        &self,
        _blas: &mut dyn Iterator<Item = &'a wgpu::BlasBuildEntry<'a>>,
        _tlas: &mut dyn Iterator<Item = &'a wgpu::Tlas>,
    ) {
        unsupported("acceleration structures")
    }
    fn transition_resources<'a>(
        &mut self,
        _buffers: &mut dyn Iterator<Item = wgpu::wgt::BufferTransition<&'a wc::DispatchBuffer>>,
        _textures: &mut dyn Iterator<Item = wgpu::wgt::TextureTransition<&'a wc::DispatchTexture>>,
    ) {
    }
}

impl wc::ComputePassInterface for Pass {
    fn set_pipeline(&mut self, pipeline: &wc::DispatchComputePipeline) {
        self.pipeline = Some(pipeline.as_custom::<PipelineHandle>().expect("a CPU backend pipeline").0.clone());
    }
    fn set_bind_group(&mut self, index: u32, bind_group: Option<&wc::DispatchBindGroup>, _offsets: &[u32]) {
        assert_eq!(index, 0, "compute stages use group 0 only");
        self.bind = bind_group.map(|b| b.as_custom::<BindGroup>().expect("a CPU backend bind group").0.clone());
    }
    fn set_immediates(&mut self, _offset: u32, _data: &[u8]) {
        unsupported("immediates")
    }
    fn insert_debug_marker(&mut self, _label: &str) {}
    fn push_debug_group(&mut self, _label: &str) {}
    fn pop_debug_group(&mut self) {}
    fn write_timestamp(&mut self, _query_set: &wc::DispatchQuerySet, _query_index: u32) {
        unsupported("timestamp queries")
    }
    fn begin_pipeline_statistics_query(&mut self, _query_set: &wc::DispatchQuerySet, _query_index: u32) {
        unsupported("statistics queries")
    }
    fn end_pipeline_statistics_query(&mut self) {}
    fn dispatch_workgroups(&mut self, x: u32, y: u32, z: u32) {
        if x == 0 || y == 0 || z == 0 {
            return;
        }
        self.push(None);
    }
    fn dispatch_workgroups_indirect(&mut self, buffer: &wc::DispatchBuffer, offset: wgpu::BufferAddress) {
        self.push(Some((memory_of(buffer), offset)));
    }
    fn transition_resources<'a>(
        &mut self,
        _buffers: &mut dyn Iterator<Item = wgpu::wgt::BufferTransition<&'a wc::DispatchBuffer>>,
        _textures: &mut dyn Iterator<Item = wgpu::wgt::TextureTransition<&'a wc::DispatchTextureView>>,
    ) {
    }
}

impl Pass {
    fn push(&mut self, indirect: Option<(Arc<Memory>, u64)>) {
        let pipeline = self.pipeline.clone().expect("set_pipeline before a dispatch");
        let bind = self.bind.clone().expect("set_bind_group before a dispatch");
        self.commands.lock().expect("commands").push(Command::Dispatch { pipeline, bind, indirect });
    }
}

impl Drop for Pass {
    fn drop(&mut self) {}
}
