//! What a shader binds as one storage array: a whole buffer, or a part of one.
//!
//! Parts let arrays whose lifetimes do not overlap share memory (the time step keeps the
//! pressure solver's vectors in the velocity-sized buffers that are dead while it runs). wgpu
//! tracks usage per buffer, not per range: within one dispatch, the parts of a buffer must be
//! bound all read-only or all read-write.

use super::trace::TracedPass;

/// A byte range of a storage buffer, bound as one array.
#[derive(Clone, Debug)]
pub struct Span {
    buffer: wgpu::Buffer,
    offset: u64,
    size: u64,
}

/// Bytes a part's offset is a multiple of: the largest `min_storage_buffer_offset_alignment`
/// WebGPU allows an adapter to ask for.
pub const PART_ALIGNMENT: u64 = 256;

impl Span {
    /// All of `buffer`.
    pub fn whole(buffer: &wgpu::Buffer) -> Span {
        Span { buffer: buffer.clone(), offset: 0, size: buffer.size() }
    }

    /// Part `index` of `buffer` cut into parts of `bytes` bytes.
    ///
    /// # Panics
    /// If `bytes` is not a multiple of [`PART_ALIGNMENT`] or the part runs past the buffer's end.
    pub fn part(buffer: &wgpu::Buffer, index: u64, bytes: u64) -> Span {
        assert!(
            bytes > 0 && bytes.is_multiple_of(PART_ALIGNMENT),
            "a part of {bytes} bytes is not a multiple of {PART_ALIGNMENT}"
        );
        let offset = index * bytes;
        assert!(
            offset + bytes <= buffer.size(),
            "part {index} of {bytes} bytes runs past the end of a buffer of {} bytes",
            buffer.size()
        );
        Span { buffer: buffer.clone(), offset, size: bytes }
    }

    /// The buffer the span is in.
    pub fn buffer(&self) -> &wgpu::Buffer {
        &self.buffer
    }

    /// Start, bytes from the buffer's start.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Length, bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// `size` bytes of `buffer` from `offset`, for copies and clears (multiples of 4 bytes; a
    /// binding needs the offset to be a multiple of [`PART_ALIGNMENT`], as [`Self::part`]s are).
    ///
    /// # Panics
    /// If the range is not in 4-byte words or runs past the buffer's end.
    pub fn range(buffer: &wgpu::Buffer, offset: u64, size: u64) -> Span {
        assert!(offset.is_multiple_of(4) && size.is_multiple_of(4), "a range of whole 4-byte words");
        assert!(offset + size <= buffer.size(), "a range runs past the end of a buffer of {} bytes", buffer.size());
        Span { buffer: buffer.clone(), offset, size }
    }

    /// The span as a bind group resource.
    pub fn binding(&self) -> wgpu::BindingResource<'_> {
        wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: &self.buffer,
            offset: self.offset,
            size: wgpu::BufferSize::new(self.size),
        })
    }

    /// Records zeroing the span (traced on `gpu`: [`super::trace`]; profiling by the wall clock,
    /// done at once, untimed, so that the order holds: [`super::counters`]).
    pub fn clear(&self, gpu: &super::Gpu, encoder: &mut wgpu::CommandEncoder) {
        let clear =
            |encoder: &mut wgpu::CommandEncoder| encoder.clear_buffer(&self.buffer, self.offset, Some(self.size));
        if !gpu.counters.run_clocked(None, clear) {
            clear(encoder);
        }
        gpu.counters.traced(TracedPass {
            what: "clear".into(),
            reads: vec![],
            writes: vec![("span".into(), self.clone())],
        });
    }

    /// Records copying `self` into `to` (the same size; another buffer), traced and profiled as
    /// [`Self::clear`].
    ///
    /// # Panics
    /// If the sizes differ.
    pub fn copy_to(&self, gpu: &super::Gpu, encoder: &mut wgpu::CommandEncoder, to: &Span) {
        assert_eq!(self.size, to.size, "copy between spans of different sizes");
        let copy = |encoder: &mut wgpu::CommandEncoder| {
            encoder.copy_buffer_to_buffer(&self.buffer, self.offset, &to.buffer, to.offset, Some(self.size));
        };
        if !gpu.counters.run_clocked(None, copy) {
            copy(encoder);
        }
        let (reads, writes) = (vec![("from".into(), self.clone())], vec![("to".into(), to.clone())]);
        gpu.counters.traced(TracedPass { what: "copy".into(), reads, writes });
    }
}

/// Anything that binds as a storage array: a whole [`wgpu::Buffer`] or a [`Span`].
pub trait Bindable {
    /// The range bound.
    fn span(&self) -> Span;
}

impl Bindable for wgpu::Buffer {
    fn span(&self) -> Span {
        Span::whole(self)
    }
}

impl Bindable for Span {
    fn span(&self) -> Span {
        self.clone()
    }
}
