//! Gates: dispatches recorded ahead that run only while a flag the GPU itself computed says so,
//! so that the host records a loop whose length only the GPU knows (the pressure solve's
//! iterations, what follows its convergence) once, and reads back once.
//!
//! A gated dispatch is an indirect one ([`super::Dispatch::record_gated`]): its workgroup counts
//! come from the [`Gates`] buffer. Section 0 of that buffer holds every registered workgroup
//! grid (x, y, 1), written once; each gate k = 1, 2, ... is a section of its own, holding either
//! a copy of section 0 (open) or x = 0 (closed: the dispatch does nothing). A control stage
//! writes the gates' sections from what it decides (`solver/cg_control`); every gate starts
//! closed. The grids a gate serves are registered when the gates are made: a dispatch of
//! another grid cannot be gated by them (a panic names it).
//!
//! A gated dispatch is not counted when recorded (it may do nothing): whoever reads back what
//! the gates decided counts the ones that ran ([`super::Dispatch::count_ran`]).

use super::{Gpu, GpuError};

/// Workgroup grids a gate buffer holds at most (WGSL: MAX_GATE_SLOTS in solver/cg_control).
pub const MAX_GATE_SLOTS: usize = 64;

/// The indirect arguments of some gates over a set of workgroup grids.
pub struct Gates {
    args: wgpu::Buffer,
    grids: Vec<(u32, u32)>,
}

/// One gate: a section of a [`Gates`] buffer.
#[derive(Clone, Copy)]
pub struct Gate<'a> {
    gates: &'a Gates,
    section: u32,
}

impl Gates {
    /// Gates `1..=gates` (closed) over the distinct grids of `grids`.
    ///
    /// # Panics
    /// If there are more than [`MAX_GATE_SLOTS`] distinct grids.
    pub fn new(
        gpu: &Gpu,
        label: &str,
        grids: impl IntoIterator<Item = (u32, u32)>,
        gates: u32,
    ) -> Result<Gates, GpuError> {
        let mut distinct: Vec<(u32, u32)> = Vec::new();
        for g in grids {
            if !distinct.contains(&g) {
                distinct.push(g);
            }
        }
        assert!(distinct.len() <= MAX_GATE_SLOTS, "{label}: {} workgroup grids to gate", distinct.len());
        let mut words: Vec<u32> = distinct.iter().flat_map(|&(x, y)| [x, y, 1]).collect();
        words.extend(std::iter::repeat_n(distinct.iter().flat_map(|&(_, y)| [0, y, 1]), gates as usize).flatten());
        gpu.scoped(&format!("gates {label}"), || {
            let args = wgpu::util::DeviceExt::create_buffer_init(
                &gpu.device,
                &wgpu::util::BufferInitDescriptor {
                    label: Some(label),
                    contents: bytemuck::cast_slice(&words),
                    usage: wgpu::BufferUsages::INDIRECT | wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                },
            );
            Gates { args, grids: distinct }
        })
    }

    /// The arguments buffer (u32: section 0, then one section per gate, each 3 words per grid),
    /// for the control stage to bind.
    pub fn args(&self) -> &wgpu::Buffer {
        &self.args
    }

    /// Grids registered (words per section over 3).
    pub fn slots(&self) -> u32 {
        self.grids.len() as u32
    }

    /// Gate `k` (1 or more).
    pub fn gate(&self, k: u32) -> Gate<'_> {
        Gate { gates: self, section: k }
    }
}

impl Gate<'_> {
    /// The arguments buffer.
    pub fn buffer(&self) -> &wgpu::Buffer {
        &self.gates.args
    }

    /// Byte offset of the arguments for a dispatch of `groups` workgroups.
    ///
    /// # Panics
    /// If that grid was not registered.
    pub fn offset(&self, groups: (u32, u32), stage: &str) -> u64 {
        let Some(slot) = self.gates.grids.iter().position(|&g| g == groups) else {
            panic!("{stage}: its workgroup grid {groups:?} is not one the gates were made for");
        };
        12 * (u64::from(self.section) * self.gates.grids.len() as u64 + slot as u64)
    }
}
