//! The one way to run a compute stage: a [`Kernel`] is a stage's pipeline with its bindings as
//! the WGSL declares them (read through naga's reflection), built once per device and cached
//! ([`Gpu::kernel`]); a [`Dispatch`] is a kernel bound to buffers *by binding name* over a count
//! of items, made once and recorded as often as needed.
//!
//! [`Dispatch::new`] checks the names against the shader before wgpu sees them: every binding
//! of group 0 given exactly once, no name the shader lacks, a uniform binding given a uniform
//! buffer of at least its struct's size, a storage binding a storage buffer whose size fits its
//! type (a whole number of a runtime array's elements, at least a fixed type's size). Each
//! failure is a [`GpuError::Binding`] naming the stage and the binding. The WGSL's binding
//! numbers and the order of the Rust list need not agree: the numbers come from the shader.
//!
//! Every stage is 1-D: `items` invocations in workgroups of the entry point's
//! `@workgroup_size(N)` (read from the shader), laid out as x * y groups where x alone would
//! pass the device's limit ([`Gpu::workgroup_grid`]); the shader flattens its index with
//! `flat_index` (shaders/shared/dispatch.wgsl) and guards the extra invocations.
//!
//! Every dispatch counts itself in the device's counters when recorded (a gated one,
//! [`Dispatch::record_gated`], when its runs are known: [`Dispatch::count_ran`]); with
//! profiling on, its compute pass writes timestamps ([`super::counters`]), and with tracing on
//! it records which spans it reads and writes ([`super::trace`]).

use std::borrow::Cow;
use std::sync::Arc;

use super::{shader, Bindable, Gpu, GpuError};

/// What a binding of a stage holds, from its WGSL declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingKind {
    /// `var<uniform>`: a struct of `size` bytes.
    Uniform {
        /// Size of the declared type, bytes.
        size: u64,
    },
    /// `var<storage, read>` or `var<storage, read_write>`.
    Storage {
        /// `read_write` (the stage may write it).
        writable: bool,
        /// Size of a fixed-size type, or of the part before a runtime array, bytes.
        fixed: u64,
        /// A runtime-sized array's element stride, bytes (0: fixed size).
        stride: u64,
    },
}

/// One binding of group 0 as the stage declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingSlot {
    /// The WGSL variable's name.
    pub name: String,
    /// Its `@binding(N)`.
    pub binding: u32,
    /// What it holds.
    pub kind: BindingKind,
    /// Whether the entry point reads it (atomics count as reads and writes).
    pub reads: bool,
    /// Whether the entry point writes it.
    pub writes: bool,
}

/// A compute stage's pipeline and what its shader declares: the bindings of group 0 and the
/// workgroup size.
#[derive(Debug)]
pub struct Kernel {
    /// Stage name: the shader file under `shaders/` without `.wgsl` (the pipeline's label).
    pub name: String,
    /// Invocations per workgroup (`@workgroup_size(N)`; stages are 1-D).
    pub workgroup: u32,
    /// The bindings of group 0, by binding number.
    pub bindings: Vec<BindingSlot>,
    pipeline: wgpu::ComputePipeline,
}

/// Reads the bindings of group 0 that entry point `entry` uses, and its workgroup size, from the
/// WGSL `source` of stage `name`. A binding declared but not used (an import's binding contract
/// asks for more than some stages read) is left out: wgpu's derived layout leaves it out too.
pub fn reflect(name: &str, entry: &str, source: &str) -> Result<(Vec<BindingSlot>, u32), GpuError> {
    let fail = |message: String| GpuError::Reflect { stage: name.to_string(), message };
    let module = naga::front::wgsl::parse_str(source).map_err(|e| fail(format!("WGSL: {e}")))?;
    let info = naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::all())
        .validate(&module)
        .map_err(|e| fail(format!("WGSL: {}", e.as_inner())))?;
    let index = module
        .entry_points
        .iter()
        .position(|e| e.name == entry)
        .ok_or_else(|| fail(format!("no entry point \"{entry}\"")))?;
    let uses = info.get_entry_point(index);
    let mut layouter = naga::proc::Layouter::default();
    layouter.update(module.to_ctx()).map_err(|e| fail(format!("type layout: {e}")))?;
    let mut slots = Vec::new();
    for (handle, var) in module.global_variables.iter() {
        let Some(rb) = &var.binding else { continue };
        if uses[handle].is_empty() {
            continue;
        }
        let var_name = var.name.clone().unwrap_or_default();
        let bad = |message: String| GpuError::Binding { stage: name.to_string(), binding: var_name.clone(), message };
        if rb.group != 0 {
            return Err(bad(format!("is in group {}; compute stages use group 0 only", rb.group)));
        }
        let size = u64::from(layouter[var.ty].size);
        let kind = match var.space {
            naga::AddressSpace::Uniform => BindingKind::Uniform { size },
            naga::AddressSpace::Storage { access } => {
                let writable = access.contains(naga::StorageAccess::STORE);
                let (fixed, stride) = runtime_tail(&module, var.ty);
                BindingKind::Storage { writable, fixed: fixed.unwrap_or(size), stride }
            }
            other => return Err(bad(format!("address space {other:?} is not a buffer"))),
        };
        let (read, write) = (naga::valid::GlobalUse::READ, naga::valid::GlobalUse::WRITE);
        let atomic = uses[handle].contains(naga::valid::GlobalUse::ATOMIC);
        let (reads, writes) = (atomic || uses[handle].contains(read), atomic || uses[handle].contains(write));
        slots.push(BindingSlot { name: var_name, binding: rb.binding, kind, reads, writes });
    }
    slots.sort_by_key(|s| s.binding);
    let [x, y, z] = module.entry_points[index].workgroup_size;
    if y != 1 || z != 1 {
        return Err(fail(format!("@workgroup_size({x}, {y}, {z}): stages are 1-D")));
    }
    Ok((slots, x))
}

/// For a storage type ending in a runtime-sized array (the array itself, or a struct whose last
/// member is one): the size of the part before it and the array's stride; else (None, 0).
fn runtime_tail(module: &naga::Module, ty: naga::Handle<naga::Type>) -> (Option<u64>, u64) {
    match &module.types[ty].inner {
        naga::TypeInner::Array { size: naga::ArraySize::Dynamic, stride, .. } => (Some(0), u64::from(*stride)),
        naga::TypeInner::Struct { members, .. } => match members.last() {
            Some(last) => match runtime_tail(module, last.ty) {
                (Some(_), stride) if stride > 0 => (Some(u64::from(last.offset)), stride),
                _ => (None, 0),
            },
            None => (None, 0),
        },
        _ => (None, 0),
    }
}

impl Kernel {
    /// Compiles stage `name` on `gpu` (use [`Gpu::kernel`], which caches).
    pub(super) fn build(gpu: &Gpu, name: &str) -> Result<Kernel, GpuError> {
        let source = shader::source(name)?;
        let entry = shader::entry_point(name);
        let (bindings, workgroup) = reflect(name, entry, &source)?;
        let pipeline = gpu.scoped(&format!("compute stage \"{name}\""), || {
            let desc = wgpu::ShaderModuleDescriptor {
                label: Some(name),
                source: wgpu::ShaderSource::Wgsl(Cow::Owned(source)),
            };
            // SAFETY: SHADER_CHECKS drops only the loop bounding, whose contract (no infinite
            // loop) every shader keeps; tests/shaders.rs checks each loop's form.
            let module = unsafe { gpu.device.create_shader_module_trusted(desc, super::context::SHADER_CHECKS) };
            gpu.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(name),
                layout: None,
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            })
        })?;
        Ok(Kernel { name: name.to_string(), workgroup, bindings, pipeline })
    }

    /// Checks that `buffer` may be bound as `slot` (see the module docs).
    fn check(&self, slot: &BindingSlot, buffer: &dyn Bindable) -> Result<(), GpuError> {
        let span = buffer.span();
        let (usage, size) = (span.buffer().usage(), span.size());
        let fail =
            |message: String| GpuError::Binding { stage: self.name.clone(), binding: slot.name.clone(), message };
        match slot.kind {
            BindingKind::Uniform { size: need } => {
                if !usage.contains(wgpu::BufferUsages::UNIFORM) {
                    return Err(fail("is a uniform; the buffer given is not".into()));
                }
                if size < need {
                    return Err(fail(format!("needs {need} bytes; the buffer given has {size}")));
                }
            }
            BindingKind::Storage { fixed, stride, .. } => {
                if !usage.contains(wgpu::BufferUsages::STORAGE) {
                    return Err(fail("is a storage buffer; the buffer given is not".into()));
                }
                if size < fixed || (stride > 0 && (size - fixed) % stride != 0) {
                    let want = if stride > 0 {
                        format!("{fixed} bytes and a whole number of {stride}-byte elements")
                    } else {
                        format!("{fixed} bytes")
                    };
                    return Err(fail(format!("needs {want}; the buffer given has {size} bytes")));
                }
            }
        }
        Ok(())
    }
}

/// A kernel bound to buffers over a count of items: one compute dispatch, recorded as often as
/// needed.
pub struct Dispatch {
    kernel: Arc<Kernel>,
    bind: wgpu::BindGroup,
    groups: (u32, u32),
    counters: super::counters::Shared,
    /// What each binding got: (binding name, the span bound), in binding order.
    bound: Vec<(String, super::Span)>,
    /// Bindings this dispatch writes before it reads them ([`Dispatch::overwrites`]).
    overwritten: Vec<String>,
}

impl Dispatch {
    /// Binds `buffers` (binding name, buffer or [`super::Span`]) to stage `stage` over `items`
    /// invocations, checking every name and buffer against the shader (see the module docs).
    pub fn new(gpu: &Gpu, stage: &str, buffers: &[(&str, &dyn Bindable)], items: u32) -> Result<Dispatch, GpuError> {
        let kernel = gpu.kernel(stage)?;
        let err = |binding: &str, message: String| GpuError::Binding {
            stage: stage.to_string(),
            binding: binding.to_string(),
            message,
        };
        for (i, (name, _)) in buffers.iter().enumerate() {
            if !kernel.bindings.iter().any(|s| s.name == *name) {
                let known: Vec<&str> = kernel.bindings.iter().map(|s| s.name.as_str()).collect();
                return Err(err(name, format!("is not a binding of the stage (its bindings: {})", known.join(", "))));
            }
            if buffers[..i].iter().any(|(n, _)| n == name) {
                return Err(err(name, "is given twice".into()));
            }
        }
        let mut bound = Vec::with_capacity(kernel.bindings.len());
        for slot in &kernel.bindings {
            let Some((_, buffer)) = buffers.iter().find(|(n, _)| *n == slot.name) else {
                return Err(err(&slot.name, format!("(binding {}) is not given", slot.binding)));
            };
            kernel.check(slot, *buffer)?;
            bound.push((slot.name.clone(), buffer.span()));
        }
        let groups = gpu.workgroup_grid(stage, items.div_ceil(kernel.workgroup))?;
        let bind = gpu.scoped(&format!("bind group of stage \"{stage}\""), || {
            let entries: Vec<wgpu::BindGroupEntry> = kernel
                .bindings
                .iter()
                .zip(&bound)
                .map(|(slot, (_, s))| wgpu::BindGroupEntry { binding: slot.binding, resource: s.binding() })
                .collect();
            gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(stage),
                layout: &kernel.pipeline.get_bind_group_layout(0),
                entries: &entries,
            })
        })?;
        Ok(Dispatch { kernel, bind, groups, counters: gpu.counters.clone(), bound, overwritten: Vec::new() })
    }

    /// Says that this dispatch writes `bindings` without reading what they held, where the
    /// shader reads them only in other configurations (a uniform's mode or stage): the trace
    /// ([`super::trace`]) then counts them as written only. Panics on a name the stage does not
    /// write.
    pub fn overwrites(mut self, bindings: &[&str]) -> Dispatch {
        for name in bindings {
            let slot = self.kernel.bindings.iter().find(|s| s.name == *name);
            assert!(slot.is_some_and(|s| s.writes), "{}: `{name}` is not a binding it writes", self.kernel.name);
            self.overwritten.push(name.to_string());
        }
        self
    }

    /// The stage's name.
    pub fn stage(&self) -> &str {
        &self.kernel.name
    }

    /// Workgroups as (x, y).
    pub fn groups(&self) -> (u32, u32) {
        self.groups
    }

    /// What each binding got, by binding name in binding order.
    pub fn bound(&self) -> &[(String, super::Span)] {
        &self.bound
    }

    /// Appends the dispatch to an open compute pass.
    pub fn record_in(&self, pass: &mut wgpu::ComputePass<'_>) {
        self.record_repeated(pass, 1);
    }

    /// Appends the dispatch `times` times to an open compute pass (the bench's batches).
    pub fn record_repeated(&self, pass: &mut wgpu::ComputePass<'_>, times: u32) {
        pass.set_pipeline(&self.kernel.pipeline);
        pass.set_bind_group(0, &self.bind, &[]);
        for _ in 0..times {
            pass.dispatch_workgroups(self.groups.0, self.groups.1, 1);
        }
        self.count_ran(u64::from(times));
        self.trace();
    }

    /// Appends the dispatch to an open compute pass behind `gate` ([`super::gate`]): it runs
    /// only if the gate is open when the GPU reaches it. Not counted ([`Self::count_ran`]).
    pub fn record_gated_in(&self, pass: &mut wgpu::ComputePass<'_>, gate: super::Gate<'_>) {
        pass.set_pipeline(&self.kernel.pipeline);
        pass.set_bind_group(0, &self.bind, &[]);
        pass.dispatch_workgroups_indirect(gate.buffer(), gate.offset(self.groups, &self.kernel.name));
        self.trace();
    }

    /// Appends the dispatch behind `gate` to `encoder` as a compute pass of its own (as
    /// [`Self::record`]).
    pub fn record_gated(&self, encoder: &mut wgpu::CommandEncoder, gate: super::Gate<'_>) {
        let record = |encoder: &mut wgpu::CommandEncoder| {
            let mut pass = self.begin_pass(encoder, &self.kernel.name);
            self.record_gated_in(&mut pass, gate);
        };
        if !self.counters.run_clocked(Some(&self.kernel.name), record) {
            record(encoder);
        }
    }

    /// Counts `times` runs of this dispatch in the device's counters (done by the recording
    /// methods but the gated ones, whose runs the GPU decides).
    pub fn count_ran(&self, times: u64) {
        self.counters.dispatched(&self.kernel.name, times);
    }

    /// Appends what the dispatch reads and writes to the trace, when tracing.
    fn trace(&self) {
        if self.counters.tracing() {
            let used = |wanted: fn(&BindingSlot) -> bool| {
                let slots = self.kernel.bindings.iter().zip(&self.bound);
                slots.filter(|(slot, _)| wanted(slot)).map(|(_, (name, span))| (name.clone(), span.clone())).collect()
            };
            let mut reads: Vec<(String, super::Span)> = used(|s| s.reads);
            reads.retain(|(name, _)| !self.overwritten.contains(name));
            let writes = used(|s| s.writes);
            self.counters.traced(super::trace::TracedPass { what: self.kernel.name.clone(), reads, writes });
        }
    }

    /// Appends the dispatch to `encoder` as a compute pass of its own, labelled with the stage
    /// (and timed, when profiling).
    pub fn record(&self, encoder: &mut wgpu::CommandEncoder) {
        let record = |encoder: &mut wgpu::CommandEncoder| {
            let mut pass = self.begin_pass(encoder, &self.kernel.name);
            self.record_in(&mut pass);
        };
        // Profiling by the wall clock: at once, on its own.
        if !self.counters.run_clocked(Some(&self.kernel.name), record) {
            record(encoder);
        }
    }

    /// Profiling by the wall clock ([`super::counters`]): runs `record` at once on its own,
    /// timed under this dispatch's stage, and returns true; otherwise false.
    pub(crate) fn run_clocked(&self, record: impl FnOnce(&mut wgpu::CommandEncoder)) -> bool {
        self.counters.run_clocked(Some(&self.kernel.name), record)
    }

    /// Begins a compute pass labelled `label` on `encoder`, with timestamps for this dispatch's
    /// stage when profiling (a pass of several dispatches counts under the first's stage).
    pub fn begin_pass<'e>(&self, encoder: &'e mut wgpu::CommandEncoder, label: &str) -> wgpu::ComputePass<'e> {
        let timed = self.counters.timed_pass(&self.kernel.name);
        let timestamp_writes = timed.as_ref().map(|(set, i)| wgpu::ComputePassTimestampWrites {
            query_set: set,
            beginning_of_pass_write_index: Some(*i),
            end_of_pass_write_index: Some(*i + 1),
        });
        encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(label), timestamp_writes })
    }

    /// Records the dispatch alone and submits it, without waiting.
    pub fn submit(&self, gpu: &Gpu) -> Result<(), GpuError> {
        gpu.scoped(&format!("dispatch of stage \"{}\"", self.kernel.name), || {
            let mut encoder =
                gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(&self.kernel.name) });
            self.record(&mut encoder);
            gpu.queue.submit([encoder.finish()]);
        })
    }

    /// Submits the dispatch and waits for it.
    pub fn run(&self, gpu: &Gpu) -> Result<(), GpuError> {
        self.submit(gpu)?;
        gpu.wait()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_reflects_with_distinct_binding_names() {
        for stage in shader::stages() {
            let source = shader::source(stage).unwrap();
            let (slots, workgroup) =
                reflect(stage, shader::entry_point(stage), &source).unwrap_or_else(|e| panic!("{e}"));
            assert!(workgroup >= 1, "{stage}");
            for (i, s) in slots.iter().enumerate() {
                assert!(!slots[..i].iter().any(|t| t.name == s.name), "{stage}: {} twice", s.name);
            }
        }
        // What the momentum stage declares, as the solver binds it.
        let source = shader::source("solver/momentum").unwrap();
        let (slots, workgroup) = reflect("solver/momentum", "momentum", &source).unwrap();
        let names: Vec<&str> = slots.iter().map(|s| s.name.as_str()).collect();
        let expected = ["params", "neighbours", "cells", "geom", "u", "u_eval", "out", "p", "viscosity", "k"];
        assert_eq!(names, expected);
        assert_eq!(workgroup, 64);
        assert!(matches!(slots[0].kind, BindingKind::Uniform { .. }));
        assert_eq!(slots[6].kind, BindingKind::Storage { writable: true, fixed: 0, stride: 4 });
        assert_eq!(slots[4].kind, BindingKind::Storage { writable: false, fixed: 0, stride: 4 });
        // What the entry point does with them: u read, out written (every stage) and read
        // (stage 1's K, stage 2's u1), k written (stage 0).
        assert!(slots[4].reads && !slots[4].writes);
        assert!(slots[6].reads && slots[6].writes);
        assert!(!slots[7].writes);
        assert!(slots[9].writes && !slots[9].reads);
    }

    #[test]
    fn declared_but_unused_bindings_are_left_out() {
        // As where an import's binding contract declares more than a stage reads.
        let source = "@group(0) @binding(0) var<storage, read> unused: array<f32>;\n\
                      @group(0) @binding(1) var<storage, read_write> out: array<f32>;\n\
                      @compute @workgroup_size(64)\n\
                      fn main(@builtin(global_invocation_id) gid: vec3<u32>) { out[gid.x] = 1.0; }\n";
        let (slots, workgroup) = reflect("test", "main", source).unwrap();
        let names: Vec<&str> = slots.iter().map(|s| s.name.as_str()).collect();
        assert_eq!((names, workgroup), (vec!["out"], 64));
    }
}
