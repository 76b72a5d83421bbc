//! The CPU backend: a wgpu device whose memory is the host's and whose compute stages are the
//! stages' CPU twins ([`Twins`]: the solver's are `crate::solver::twins`), run in parallel with
//! rayon.
//!
//! It is a wgpu custom backend (wgpu's `custom` feature), so everything above the device runs
//! unchanged: the solver binds its buffers by name and records its steps through
//! [`super::Dispatch`], gated dispatches read their workgroup counts from the gates' buffer,
//! copies, clears, writes and read-backs go through the same calls. The buffers are the GPU
//! solver's own, in the same layout (sparse bricks, component-major vectors, the aliased parts),
//! so checkpoints, outputs and restarts do not depend on the backend.
//!
//! Each command runs when its command buffer is submitted, in order, on the submitting thread
//! (each stage spreads its cells over rayon's threads: `RAYON_NUM_THREADS` sets how many); a
//! wait has nothing left to wait for. A compute pipeline is the stage's twin from the device's
//! [`Twins`] and the stage's bindings as its WGSL declares them ([`super::kernel::reflect`]);
//! a stage without a twin fails when its pipeline is made, as a validation error naming it.
//! Textures, render passes and timestamp queries do not exist here (the pictures are drawn
//! on a wgpu adapter; stages are timed by the wall clock).
//!
//! Some stages read a stencil that changes less often than they run: each multigrid level's
//! pressure operator (with the grid), the viscous sweeps' rows (with the step). Their twins
//! make it through [`Bound::derived`], which keeps it until a buffer it was made from is
//! written (every buffer counts its writes), so the backend does that work once where the GPU
//! does it in every dispatch. The values are the twins' own: the tests hold each twin, stencil
//! made afresh, to its WGSL stage.
//!
//! [`device`] holds the wgpu objects (adapter, device, queue, encoders, passes); this module the
//! memory and what a twin reads of it ([`Bound`]).

pub mod device;

pub use device::{adapter, Adapter};

use std::any::Any;
use std::cell::{Cell, UnsafeCell};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::kernel::{BindingKind, BindingSlot};

/// A stage's twin over its bindings.
pub type Twin = fn(&Bound);

/// The twin of each stage the backend can run, by stage name (e.g. `"solver/momentum"`): the
/// upper layers name theirs when they open the backend (`crate::solver::twins::find`).
pub type Twins = fn(&str) -> Option<Twin>;

/// The adapter name the CPU backend reports (with its thread count), as `hemoflow gpus` and the
/// run summaries print it.
pub fn adapter_name() -> String {
    format!("hemoflow CPU backend (rayon, {} threads)", rayon::current_num_threads())
}

/// The host memory of one buffer: words, so that every `f32` and `u32` view is aligned, and a
/// count of the writes to it (each write, copy, clear or dispatch that may write it adds one),
/// which tells [`Bound::derived`] whether what it made from the buffer still holds.
struct Memory {
    words: Box<[UnsafeCell<u32>]>,
    version: AtomicU64,
}

// SAFETY: commands run one at a time on the submitting thread; a stage's rayon threads reach
// the memory only through [`Bound`], which hands out disjoint or read-only slices.
unsafe impl Sync for Memory {}
unsafe impl Send for Memory {}

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Memory({} bytes)", self.len())
    }
}

impl Memory {
    fn new(bytes: u64) -> Memory {
        Memory { words: (0..bytes.div_ceil(4)).map(|_| UnsafeCell::new(0)).collect(), version: AtomicU64::new(0) }
    }

    fn len(&self) -> usize {
        4 * self.words.len()
    }

    fn ptr(&self) -> *mut u8 {
        UnsafeCell::raw_get(self.words.as_ptr()).cast()
    }

    /// Counts a write.
    fn touch(&self) {
        self.version.fetch_add(1, Ordering::Relaxed);
    }

    fn version(&self) -> u64 {
        self.version.load(Ordering::Relaxed)
    }

    /// Panics unless `range` lies inside the buffer.
    fn check(&self, range: &Range<usize>, what: &str) {
        assert!(
            range.start <= range.end && range.end <= self.len(),
            "{what}: bytes {range:?} of a {} byte buffer",
            self.len()
        );
    }

    fn copy_to(&self, from: u64, to: &Memory, at: u64, size: u64) {
        let (from, at, size) = (from as usize, at as usize, size as usize);
        self.check(&(from..from + size), "copy source");
        to.check(&(at..at + size), "copy destination");
        to.touch();
        // SAFETY: both ranges are inside their buffers; `copy` allows overlap.
        unsafe { std::ptr::copy(self.ptr().add(from), to.ptr().add(at), size) }
    }

    fn write(&self, at: u64, data: &[u8]) {
        let at = at as usize;
        self.check(&(at..at + data.len()), "write");
        self.touch();
        // SAFETY: inside the buffer; `data` is another allocation.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.ptr().add(at), data.len()) }
    }

    fn clear(&self, at: u64, size: u64) {
        let (at, size) = (at as usize, size as usize);
        self.check(&(at..at + size), "clear");
        self.touch();
        // SAFETY: inside the buffer.
        unsafe { std::ptr::write_bytes(self.ptr().add(at), 0, size) }
    }

    fn words(&self, at: u64, count: usize) -> Vec<u32> {
        let mut bytes = vec![0u8; 4 * count];
        let at = at as usize;
        self.check(&(at..at + bytes.len()), "indirect arguments");
        // SAFETY: inside the buffer.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr().add(at), bytes.as_mut_ptr(), bytes.len()) }
        bytemuck::pod_collect_to_vec(&bytes)
    }
}

/// One binding of a dispatch: the stage's slot and the bytes of the buffer it got.
#[derive(Debug)]
struct BoundRange {
    slot: BindingSlot,
    memory: Arc<Memory>,
    range: Range<usize>,
}

/// What a stage's twin reads and writes: its bindings by WGSL name, as slices of the buffers
/// bound. A writable binding overlaps no other of the dispatch (checked when the bind group is
/// made), and each binding is taken either shared any number of times or mutably once (checked
/// here), so the slices never alias a mutable one.
pub struct Bound<'a> {
    stage: &'a str,
    ranges: &'a [BoundRange],
    derived: &'a Mutex<Vec<Derived>>,
    shared: Cell<u64>,
    mutable: Cell<u64>,
}

/// A value a twin made from some of its bindings ([`Bound::derived`]).
struct Derived {
    /// What it is.
    what: &'static str,
    /// The bindings it was made from: each buffer (its address) and byte range.
    inputs: Vec<(usize, Range<usize>)>,
    /// Those buffers' versions when it was made.
    versions: Vec<u64>,
    value: Arc<dyn Any + Send + Sync>,
}

/// Derived values kept at most: a few per multigrid level and colour.
const DERIVED_KEPT: usize = 64;

impl<'a> Bound<'a> {
    fn find(&self, name: &str) -> usize {
        self.ranges.iter().position(|r| r.slot.name == name).unwrap_or_else(|| {
            panic!("stage \"{}\": its twin reads binding \"{name}\", which is not bound", self.stage)
        })
    }

    fn bytes(&self, k: usize) -> (*mut u8, usize) {
        let r = &self.ranges[k];
        // SAFETY: the range was checked against the buffer when bound.
        (unsafe { r.memory.ptr().add(r.range.start) }, r.range.len())
    }

    /// The binding `name` as a slice of `T` (its whole bytes over `size_of::<T>()`).
    pub fn get<T: bytemuck::Pod>(&self, name: &str) -> &'a [T] {
        let k = self.find(name);
        assert!(self.mutable.get() & (1 << k) == 0, "stage \"{}\": \"{name}\" is taken mutably", self.stage);
        self.shared.set(self.shared.get() | (1 << k));
        let (ptr, len) = self.bytes(k);
        assert!((ptr as usize).is_multiple_of(align_of::<T>()), "stage \"{}\": \"{name}\" misaligned", self.stage);
        // SAFETY: aligned, inside the buffer, any bytes are a valid `T` (Pod), and no mutable
        // slice of these bytes exists or will be made while `self` lives (see the type's docs).
        unsafe { std::slice::from_raw_parts(ptr.cast::<T>(), len / size_of::<T>()) }
    }

    /// The writable binding `name` as a mutable slice of `T`; once per dispatch.
    #[allow(clippy::mut_from_ref)]
    pub fn get_mut<T: bytemuck::Pod>(&self, name: &str) -> &'a mut [T] {
        let k = self.find(name);
        let writable = matches!(self.ranges[k].slot.kind, BindingKind::Storage { writable: true, .. });
        assert!(writable, "stage \"{}\": \"{name}\" is not a read_write binding", self.stage);
        assert!(
            (self.shared.get() | self.mutable.get()) & (1 << k) == 0,
            "stage \"{}\": \"{name}\" taken twice",
            self.stage
        );
        self.mutable.set(self.mutable.get() | (1 << k));
        let (ptr, len) = self.bytes(k);
        assert!((ptr as usize).is_multiple_of(align_of::<T>()), "stage \"{}\": \"{name}\" misaligned", self.stage);
        // SAFETY: as `get`; this binding overlaps no other and is handed out once.
        unsafe { std::slice::from_raw_parts_mut(ptr.cast::<T>(), len / size_of::<T>()) }
    }

    /// What `make` makes from the bindings `inputs` alone (a stencil compiled from the grid and
    /// the parameters, say), kept by the device and made again only when a buffer of `inputs`
    /// was written since: the same value as `make()`, made once for all the dispatches that read
    /// the same inputs (a step's viscous sweeps of one colour; every multigrid sweep and residual
    /// of a level while its grid is unchanged).
    pub fn derived<T: Any + Send + Sync>(
        &self,
        what: &'static str,
        inputs: &[&str],
        make: impl FnOnce() -> T,
    ) -> Arc<T> {
        let ranges: Vec<&BoundRange> = inputs.iter().map(|name| &self.ranges[self.find(name)]).collect();
        let key: Vec<(usize, Range<usize>)> =
            ranges.iter().map(|r| (Arc::as_ptr(&r.memory) as usize, r.range.clone())).collect();
        let versions: Vec<u64> = ranges.iter().map(|r| r.memory.version()).collect();
        let found = {
            let cache = self.derived.lock().expect("derived values");
            let hit = cache.iter().find(|d| d.what == what && d.inputs == key && d.versions == versions);
            hit.and_then(|d| d.value.clone().downcast::<T>().ok())
        };
        if let Some(value) = found {
            return value;
        }
        // Made unlocked: `make` may derive values of its own.
        let value = Arc::new(make());
        let mut cache = self.derived.lock().expect("derived values");
        cache.retain(|d| !(d.what == what && d.inputs == key));
        if cache.len() >= DERIVED_KEPT {
            cache.remove(0);
        }
        cache.push(Derived { what, inputs: key, versions, value: value.clone() });
        value
    }

    /// The uniform (or any binding) `name` read as one `T`.
    pub fn uniform<T: bytemuck::Pod>(&self, name: &str) -> T {
        let k = self.find(name);
        let (ptr, len) = self.bytes(k);
        assert!(len >= size_of::<T>(), "stage \"{}\": \"{name}\" holds {len} bytes", self.stage);
        // SAFETY: inside the buffer; read unaligned, so any address does.
        unsafe { std::ptr::read_unaligned(ptr.cast::<T>()) }
    }
}
