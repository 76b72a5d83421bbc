//! A step on one rank's part of the grid ([`super::domain`]): halo exchanges and rank-wide sums
//! between the step's stages, and the recorder that puts them between its dispatches.
//!
//! An exchange ends the commands recorded so far, reads the owned bricks each peer holds back
//! from the GPU (runs of slots, one copy per run and component, in one read-back), sends them
//! with [`Comm::exchange`], and writes what arrives into the halo's runs (one write per peer
//! and component). A sum reads the solve's scalar buffer, sums the named slots over the ranks
//! (in f64) and writes them back, so `solver/cg_control` takes the same decision on every
//! rank; an exchange and a sum can share one read-back. On one rank (no [`Ranks`]) the
//! [`Recorder`] is a plain command encoder.

use std::ops::{Deref, DerefMut};
use std::rc::Rc;

use super::domain::Domain;
use crate::comm::Comm;
use crate::gpu::{Bindable, Gpu, GpuError, Span};
use crate::grid::index::BRICK_CELLS;

/// This rank in a run on several: its communicator and its part of the grid.
pub struct Ranks {
    /// The run's communicator.
    pub comm: Rc<dyn Comm>,
    /// This rank's part of every level.
    pub domain: Domain,
    /// The owner of each brick of the finest level (the partition).
    pub owner: Vec<u32>,
    /// Every rank's owned bricks on the finest level (global slots, ascending), by rank: how a
    /// field gathered from the ranks goes together.
    pub owned: Vec<Vec<u32>>,
    /// The finest level's stored cells before each of this rank's bricks, one entry more at the
    /// end, and the length of its per-cell arrays: where a run of bricks' values lie there
    /// (`CellLayout::stored_before`; the coarser levels store every cell at its storage id).
    pub finest_stored: (Vec<u32>, u64),
}

/// Runs of consecutive values in `slots` (ascending within runs), as (first, count).
fn runs(slots: &[u32]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &s in slots {
        match out.last_mut() {
            Some((first, count)) if *first + *count == s => *count += 1,
            _ => out.push((s, 1)),
        }
    }
    out
}

impl Ranks {
    /// Whether a stage's output on `level` (`restricted`: the restriction's into it) has a halo
    /// to exchange: on a distributed level with peers, always; on a level held whole only after
    /// the restriction from a distributed level (from one held whole too, every rank computed
    /// all of it alike).
    fn needs_exchange(&self, level: usize, restricted: bool) -> bool {
        let levels = &self.domain.levels;
        let part = &levels[level];
        let peers = !(part.send.is_empty() && part.recv.is_empty());
        peers && (!part.whole || restricted && !levels[level - 1].whole)
    }

    /// Makes the halo of a per-cell field on level `level` current after a stage that computed
    /// it: `field` holds `components` arrays of the level's held cells one after another
    /// (component-major); on a level held whole, after the restriction into it (`restricted`),
    /// the gather of its source (each rank computed its owned bricks'). Nothing where
    /// [`Self::needs_exchange`] says so. Every rank calls it for the same field at the same
    /// point.
    pub fn exchange(
        &self,
        gpu: &Gpu,
        level: usize,
        field: &dyn Bindable,
        components: u32,
        restricted: bool,
    ) -> Result<(), GpuError> {
        if !self.needs_exchange(level, restricted) {
            return Ok(());
        }
        self.round_trip(gpu, Some((level, field, components)), None).map(|_| ())
    }

    /// Sums slots `slots` of the scalar buffer `scalars` over the ranks, in place; returns the
    /// whole buffer as it then is.
    pub fn sum_scalars(&self, gpu: &Gpu, scalars: &wgpu::Buffer, slots: &[u32]) -> Result<Vec<f32>, GpuError> {
        Ok(self.round_trip(gpu, None, Some((scalars, slots)))?.expect("the scalars read"))
    }

    /// One read-back for both: the halo exchange of `halo` (level, field, components; as
    /// [`Self::exchange`]) and the sum of `sum`'s slots of its scalar buffer (as
    /// [`Self::sum_scalars`], whose result it returns).
    fn round_trip(
        &self,
        gpu: &Gpu,
        halo: Option<(usize, &dyn Bindable, u32)>,
        sum: Option<(&wgpu::Buffer, &[u32])>,
    ) -> Result<Option<Vec<f32>>, GpuError> {
        let empty = super::domain::LevelPart::default();
        let (part, span, components) = match halo {
            Some((level, field, components)) => (&self.domain.levels[level], Some(field.span()), components),
            None => (&empty, None, 0),
        };
        // Each array's length, and where a brick's values start in it.
        let finest = matches!(halo, Some((0, _, _)));
        let n = if finest { self.finest_stored.1 } else { part.cells() as u64 };
        let start = |slot: u32| match finest {
            true => u64::from(self.finest_stored.0[slot as usize]),
            false => u64::from(slot) * u64::from(BRICK_CELLS),
        };
        let at = |span: &Span, c: u32, slot: u32| span.offset() + 4 * (u64::from(c) * n + start(slot));
        let mut ranges: Vec<Span> = Vec::new();
        if let Some(span) = &span {
            for (_, slots) in &part.send {
                for c in 0..components {
                    for (first, count) in runs(slots) {
                        let len = start(first + count) - start(first);
                        ranges.push(Span::range(span.buffer(), at(span, c, first), 4 * len));
                    }
                }
            }
        }
        if let Some((scalars, _)) = sum {
            ranges.push(Span::whole(scalars));
        }
        let read: Vec<&dyn Bindable> = ranges.iter().map(|s| s as &dyn Bindable).collect();
        let mut parts = gpu.read_spans(&read)?.into_iter();
        let sends: Vec<(usize, Vec<f32>)> = part
            .send
            .iter()
            .map(|(q, slots)| {
                let k = components as usize * runs(slots).len();
                let values: Vec<f32> = (0..k)
                    .flat_map(|_| bytemuck::pod_collect_to_vec::<u8, f32>(&parts.next().expect("a run")))
                    .collect();
                (*q, values)
            })
            .collect();
        let per_component = |run: &std::ops::Range<u32>| (start(run.end) - start(run.start)) as usize;
        let mut recvs: Vec<(usize, Vec<f32>)> =
            part.recv.iter().map(|(q, run)| (*q, vec![0.0; components as usize * per_component(run)])).collect();
        if let Some(span) = &span {
            {
                let sends: Vec<(usize, &[f32])> = sends.iter().map(|(q, v)| (*q, &v[..])).collect();
                let mut targets: Vec<(usize, &mut [f32])> = recvs.iter_mut().map(|(q, v)| (*q, &mut v[..])).collect();
                self.comm.exchange(&sends, &mut targets);
            }
            let mut bytes = 0u64;
            for ((_, run), (_, values)) in part.recv.iter().zip(&recvs) {
                let len = per_component(run);
                for c in 0..components {
                    let chunk = &values[c as usize * len..][..len];
                    gpu.queue.write_buffer(span.buffer(), at(span, c, run.start), bytemuck::cast_slice(chunk));
                }
                bytes += 4 * values.len() as u64;
            }
            gpu.counters.exchanged(bytes);
        }
        let Some((scalars, slots)) = sum else { return Ok(None) };
        let mut values: Vec<f32> = bytemuck::pod_collect_to_vec(&parts.next().expect("the scalars"));
        let mut sums: Vec<f64> = slots.iter().map(|&s| f64::from(values[s as usize])).collect();
        self.comm.sum(&mut sums);
        for (&s, &v) in slots.iter().zip(&sums) {
            values[s as usize] = v as f32;
            gpu.queue.write_buffer(scalars, 4 * u64::from(s), bytemuck::bytes_of(&(v as f32)));
        }
        Ok(Some(values))
    }

    /// A whole-grid field from every rank's owned cells, on every rank: `local` holds
    /// `components` arrays of this rank's held cells of the finest level, the result
    /// `components` arrays of the grid's `cells` allocated cells.
    pub fn gather(&self, local: &[f32], components: usize, cells: usize) -> Vec<f32> {
        let part = &self.domain.levels[0];
        let (n, owned, b) = (part.cells(), part.owned_cells(), BRICK_CELLS as usize);
        let mine: Vec<f32> = (0..components).flat_map(|c| local[c * n..][..owned].iter().copied()).collect();
        let mut out = vec![0.0; components * cells];
        for (values, slots) in self.comm.all_gather(&mine).iter().zip(&self.owned) {
            let m = slots.len() * b;
            for c in 0..components {
                for (k, &s) in slots.iter().enumerate() {
                    out[c * cells + s as usize * b..][..b].copy_from_slice(&values[c * m + k * b..][..b]);
                }
            }
        }
        out
    }

    /// This rank's held cells of a whole-grid field of `components` arrays (the inverse of
    /// [`Self::gather`] on the owned cells).
    pub fn scatter(&self, global: &[f32], components: usize) -> Vec<f32> {
        let (slots, b) = (&self.domain.levels[0].slots, BRICK_CELLS as usize);
        let cells = global.len() / components.max(1);
        (0..components)
            .flat_map(|c| slots.iter().flat_map(move |&s| global[c * cells + s as usize * b..][..b].iter().copied()))
            .collect()
    }

    /// Values of a list's entries (cap cells, wall triangles) gathered from the ranks that
    /// compute them, on every rank: this rank has `width` values for each of its entries, whose
    /// indices in the whole list are `entries[rank]` (for every rank); the whole list has
    /// `total` entries.
    pub fn gather_entries(&self, values: &[f32], width: usize, entries: &[Vec<u32>], total: usize) -> Vec<f32> {
        let mut out = vec![0.0; width * total];
        for (values, mine) in self.comm.all_gather(values).iter().zip(entries) {
            for (k, &e) in mine.iter().enumerate() {
                out[width * e as usize..][..width].copy_from_slice(&values[width * k..][..width]);
            }
        }
        out
    }
}

/// Records a step's commands; on several ranks, also ends them where a halo exchange or a sum
/// over the ranks must come between two dispatches. Dereferences to the command encoder.
pub(super) struct Recorder<'a> {
    gpu: &'a Gpu,
    encoder: wgpu::CommandEncoder,
    ranks: Option<&'a Ranks>,
    /// The first exchange or sum that failed (the rest are skipped; [`Self::finish`] returns it).
    error: Option<GpuError>,
}

impl<'a> Recorder<'a> {
    pub fn new(gpu: &'a Gpu, ranks: Option<&'a Ranks>) -> Recorder<'a> {
        Recorder { gpu, encoder: Self::encoder(gpu), ranks, error: None }
    }

    fn encoder(gpu: &Gpu) -> wgpu::CommandEncoder {
        gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("step") })
    }

    /// Submits what was recorded and starts a new encoder.
    fn flush(&mut self) {
        let done = std::mem::replace(&mut self.encoder, Self::encoder(self.gpu));
        self.gpu.queue.submit([done.finish()]);
    }

    /// On several ranks, makes the halo of `field` (`components` arrays of level `level`'s held
    /// cells) current ([`Ranks::exchange`]); nothing on one.
    pub fn exchange(&mut self, level: usize, field: &dyn Bindable, components: u32) {
        self.exchange_after(level, field, components, false);
    }

    /// [`Self::exchange`] after the restriction into level `level`: on a level held whole, the
    /// gather of its source.
    pub fn exchange_restricted(&mut self, level: usize, field: &dyn Bindable) {
        self.exchange_after(level, field, 1, true);
    }

    fn exchange_after(&mut self, level: usize, field: &dyn Bindable, components: u32, restricted: bool) {
        let Some(ranks) = self.ranks.filter(|r| r.needs_exchange(level, restricted)) else { return };
        self.flush();
        if self.error.is_none() {
            self.error = ranks.exchange(self.gpu, level, field, components, restricted).err();
        }
    }

    /// On several ranks, sums `slots` of `scalars` over them and returns the buffer as it then
    /// is; None on one rank (or after a failure).
    pub fn sum(&mut self, scalars: &wgpu::Buffer, slots: &[u32]) -> Option<Vec<f32>> {
        self.sum_and_exchange(scalars, slots, None)
    }

    /// [`Self::sum`] and, in the same round trip, the halo exchange of `halo` (level 0's
    /// `components` arrays of a field, as [`Self::exchange`]).
    pub fn sum_and_exchange(
        &mut self,
        scalars: &wgpu::Buffer,
        slots: &[u32],
        halo: Option<(&dyn Bindable, u32)>,
    ) -> Option<Vec<f32>> {
        let ranks = self.ranks?;
        self.flush();
        if self.error.is_some() {
            return None;
        }
        let halo = halo.filter(|_| ranks.needs_exchange(0, false)).map(|(field, components)| (0, field, components));
        match ranks.round_trip(self.gpu, halo, Some((scalars, slots))) {
            Ok(values) => values,
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }

    /// Submits the rest; the first failure of an exchange or a sum, if any.
    pub fn finish(self) -> Result<(), GpuError> {
        self.gpu.queue.submit([self.encoder.finish()]);
        self.error.map_or(Ok(()), Err)
    }
}

impl Deref for Recorder<'_> {
    type Target = wgpu::CommandEncoder;
    fn deref(&self) -> &wgpu::CommandEncoder {
        &self.encoder
    }
}

impl DerefMut for Recorder<'_> {
    fn deref_mut(&mut self) -> &mut wgpu::CommandEncoder {
        &mut self.encoder
    }
}
