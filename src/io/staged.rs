//! Staged output files: written so that a process killed at any moment (kill -9, a crash, the
//! machine's OOM killer) leaves a file that HDF5 readers open, holding everything committed
//! before the kill.
//!
//! HDF5 1.10 updates a file's metadata in place and flushes its cache in address order: adding a
//! snapshot group to `/fields` rewrites `/fields`' link structures (old, low addresses) before the
//! new group's header (new, high addresses), and the superblock's end of allocation last. Killed
//! in between, the file names an object that is not there ("address of object past end of
//! allocation"). Measured on a 25-snapshot run killed before a seeded random one of its 35,717
//! writes to the file: 3 of 120 kills left the last snapshot unreadable to h5py and to
//! `hemoflow info`, 114 left it without its wall shear stress.
//!
//! A staged file therefore never changes what its root reaches, except by one small write:
//!
//! 1. Until the first [`H5Output::commit`] the file is `<path>.partial`; that commit renames it
//!    to `<path>` (atomic), so the name never holds a half-written first version.
//! 2. After that, a write into a top-level group (`/fields`, `/summary`, `/cycles`) goes to a new
//!    anonymous copy of the group, which holds hard links to the committed members (shared, not
//!    copied) and the new ones. Nothing the root reaches is rewritten, except the link counts in
//!    the object headers of the shared members (readers do not use them) and the global heap
//!    collections that variable-length strings are appended to (see [`create_file`]).
//! 3. [`H5Output::commit`] flushes (everything new reaches the disk), then replaces the root's
//!    links to the old groups by links to the copies, and flushes again. The root keeps its links
//!    in its own object header, right after the superblock in the file's first page (see
//!    [`create_file`]), rewritten in place by one write within that page, which a kill does not
//!    split. Before that write the file is the old version, after it the new one. The old groups
//!    are freed only then, and their space can be reused only by later writes.
//!
//! The groups a commit may replace are created, empty, before the first commit, so that a commit
//! never adds a link to the root. Copying a group's links costs one link per member per commit
//! (for `/fields`, one per snapshot so far), small beside a snapshot's data. The guarantee is for
//! a process that dies (the kernel keeps every write it finished); a power cut, which loses
//! writes the kernel had not yet put on the disk in any order, is not covered (HDF5 orders no
//! writes to the disk itself).
//!
//! Measured (tests/output_safety.rs runs such kills on every test run; the figures below are a
//! longer campaign, a wrapper around `pwrite` that kills the process before a chosen write to the
//! file, or after the part of it before a page boundary), on the 25-snapshot run above (36,751
//! writes, the first 1,720 before the file is published):
//!
//! - killed before 120 seeded random writes: 114 files that h5py read whole and `hemoflow info`
//!   opened, each with every snapshot its XDMF listed (or one more, committed just before the
//!   kill); 6 kills came before publication and left no file at the path;
//! - killed inside 150 seeded random writes of the 469 that cross a page boundary and rewrite
//!   bytes written before (link counts, reused space, global heap collections), keeping the
//!   first page: all 150 files whole;
//! - killed at each of the 7 writes around every one of the 25 root rewrites (4 before, the
//!   rewrite, 2 after) and at each write of a global heap collection in the first two pages, each
//!   split at its page boundary where it crosses one: all 223 files whole, 173 holding exactly the
//!   snapshots their XDMF listed, 50 one more (committed just before the kill).
//!
//! Before the global heap collections were page-aligned, a collection at bytes 2048-6143 split
//! at 4096 by a kill hung h5py's and `hemoflow info`'s readers (HDF5 looped over it).

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use hdf5::types::{TypeDescriptor, VarLenAscii, VarLenUnicode};

use super::{H5Output, IoError};

/// How a staged file is being written.
#[derive(Debug)]
pub(crate) struct Staged {
    /// Where the file is until its first commit (`<path>.partial`); None once published.
    partial: Option<PathBuf>,
    /// Top-level groups that commits may replace (created empty when the file is published).
    groups: Vec<String>,
    /// The copies being written, by top-level name: linked in by the next commit.
    pending: RefCell<Vec<(String, hdf5::Group)>>,
    /// Groups created since the last commit, by path (`/fields/000004`): the only groups below a
    /// copy that may still be written into.
    fresh: RefCell<Vec<String>>,
}

impl H5Output {
    /// Creates a staged output file for `path`: written as `<path>.partial` (replaced if there
    /// is one) until the first [`H5Output::commit`] renames it to `path`, then changed only by
    /// commits, so that a process killed at any moment leaves at `path` either what was there
    /// before or a file HDF5 readers open, holding everything committed before the kill. The
    /// root attributes are those of [`H5Output::create`].
    ///
    /// `groups` are the top-level groups that writes after the first commit go into (a run's
    /// `fields`, `summary` and, with a cardiac period, `cycles`): the first commit creates those
    /// missing, empty. Writing any other top-level group after the first commit is an error.
    pub fn create_staged(path: &Path, case_text: &str, groups: &[&str]) -> Result<Self, IoError> {
        let partial = partial_path(path);
        let staged = Staged {
            partial: Some(partial.clone()),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            pending: RefCell::new(Vec::new()),
            fresh: RefCell::new(Vec::new()),
        };
        H5Output::create_at(&partial, path, case_text, Some(staged))
    }

    /// Makes what was written since the last commit part of the file, in one step that a kill
    /// cannot leave half done (see the module notes of `hemoflow::io::staged`). The first
    /// commit of a staged file publishes it: creates its staged groups, flushes and renames
    /// `<path>.partial` to `path`. A file written in place ([`H5Output::create`]) is flushed.
    pub fn commit(&mut self) -> Result<(), IoError> {
        let Some(staged) = &self.staged else { return self.flush() };
        if let Some(partial) = staged.partial.clone() {
            for name in &staged.groups {
                if !self.file().link_exists(name) {
                    self.file().create_group(name).map_err(|e| self.h5(&format!("group /{name}"), e))?;
                }
            }
            self.flush()?;
            self.publish(&partial)?;
            if let Some(staged) = &mut self.staged {
                staged.partial = None;
            }
            return Ok(());
        }
        let pending = std::mem::take(&mut *staged.pending.borrow_mut());
        staged.fresh.borrow_mut().clear();
        if pending.is_empty() {
            return Ok(());
        }
        // 1: every new object on disk, unreachable from the root so far.
        self.flush()?;
        // 2: the root's links switched to the copies, one node rewritten in place.
        for (name, copy) in &pending {
            let object = format!("group /{name}");
            self.file().unlink(name).map_err(|e| self.h5(&object, e))?;
            copy.link_hard(".", &format!("/{name}")).map_err(|e| self.h5(&object, e))?;
        }
        drop(pending);
        self.flush()
    }

    /// Renames the flushed `partial` to the file's path: while open where the platform allows
    /// it, else closed and reopened.
    fn publish(&mut self, partial: &Path) -> Result<(), IoError> {
        let moved = |source| IoError::File { path: self.path.clone(), source };
        if cfg!(unix) {
            return std::fs::rename(partial, &self.path).map_err(moved);
        }
        let file = self.file.take().expect("the file is open while the writer lives");
        file.close().map_err(|e| self.h5("close file", e))?;
        std::fs::rename(partial, &self.path).map_err(moved)?;
        let file = hdf5::File::with_options()
            .with_fapl(|p| p.alignment(PAGE, PAGE))
            .open_rw(&self.path)
            .map_err(|e| self.h5("reopen file", e))?;
        self.file = Some(file);
        Ok(())
    }

    /// In a published staged file, the copy of top-level group `name` that the next commit links
    /// in (made on first use: hard links to the committed group's members, and its attributes);
    /// None in a file written in place or not yet published.
    pub(super) fn staged_group(&self, name: &str) -> Result<Option<hdf5::Group>, IoError> {
        let Some(staged) = self.staged.as_ref().filter(|s| s.partial.is_none()) else { return Ok(None) };
        if let Some((_, copy)) = staged.pending.borrow().iter().find(|(n, _)| n == name) {
            return Ok(Some(copy.clone()));
        }
        let object = format!("group /{name}");
        if !staged.groups.iter().any(|g| g == name) {
            let m = format!(
                "cannot be written after the file is published (the groups written later are {})",
                staged.groups.join(", ")
            );
            return Err(self.invalid(&object, m));
        }
        let old = self.file().group(name).map_err(|e| self.h5(&object, e))?;
        let copy = self.file().create_group_builder().create(None).map_err(|e| self.h5(&object, e))?;
        for member in old.member_names().map_err(|e| self.h5(&object, e))? {
            copy.link_hard(&format!("/{name}/{member}"), &member)
                .map_err(|e| self.h5(&format!("group /{name}/{member}"), e))?;
        }
        self.copy_attributes(&old, &copy, &format!("/{name}"))?;
        staged.pending.borrow_mut().push((name.to_string(), copy.clone()));
        Ok(Some(copy))
    }

    /// Records that `path` (`/fields/000004`) was created since the last commit.
    pub(super) fn created(&self, path: &str) {
        if let Some(staged) = &self.staged {
            staged.fresh.borrow_mut().push(path.to_string());
        }
    }

    /// Whether group `path` may be written into: always in a file written in place or not yet
    /// published; in a published staged file only when created since the last commit.
    pub(super) fn writable(&self, path: &str) -> bool {
        match &self.staged {
            Some(staged) if staged.partial.is_none() => staged.fresh.borrow().iter().any(|p| p == path),
            _ => true,
        }
    }

    /// Copies the attributes of `from` to `to` (strings and numeric arrays: what this writer
    /// stores on groups).
    fn copy_attributes(&self, from: &hdf5::Group, to: &hdf5::Group, at: &str) -> Result<(), IoError> {
        for name in from.attr_names().map_err(|e| self.h5(&format!("attributes of {at}"), e))? {
            let object = format!("attribute {at}@{name}");
            let attr = from.attr(&name).map_err(|e| self.h5(&object, e))?;
            let kind = attr.dtype().and_then(|t| t.to_descriptor()).map_err(|e| self.h5(&object, e))?;
            let shape = attr.shape();
            macro_rules! copy {
                ($t:ty) => {{
                    let values = attr.read_raw::<$t>().map_err(|e| self.h5(&object, e))?;
                    to.new_attr::<$t>()
                        .shape(shape)
                        .create(name.as_str())
                        .and_then(|a| a.write_raw(&values))
                        .map_err(|e| self.h5(&object, e))?;
                }};
            }
            match kind {
                TypeDescriptor::VarLenUnicode => copy!(VarLenUnicode),
                TypeDescriptor::VarLenAscii => copy!(VarLenAscii),
                TypeDescriptor::Float(hdf5::types::FloatSize::U8) => copy!(f64),
                TypeDescriptor::Float(hdf5::types::FloatSize::U4) => copy!(f32),
                TypeDescriptor::Unsigned(hdf5::types::IntSize::U4) => copy!(u32),
                TypeDescriptor::Unsigned(hdf5::types::IntSize::U8) => copy!(u64),
                TypeDescriptor::Integer(hdf5::types::IntSize::U4) => copy!(i32),
                TypeDescriptor::Integer(hdf5::types::IntSize::U8) => copy!(i64),
                other => {
                    return Err(self.invalid(&object, format!("cannot be carried into the next commit (type {other})")))
                }
            }
        }
        Ok(())
    }
}

impl Drop for H5Output {
    /// A staged file dropped before its first commit is removed (its path keeps what it held).
    fn drop(&mut self) {
        let Some(partial) = self.staged.as_mut().and_then(|s| s.partial.take()) else { return };
        drop(self.file.take());
        let _ = std::fs::remove_file(partial);
    }
}

/// The page size a kill never splits a write within (Linux checks for a fatal signal between
/// the pages of a write, not inside one), bytes.
const PAGE: u64 = 4096;

/// Links the root of a staged file holds in the first chunk of its object header (its
/// top-level groups: a run writes at most eight).
const ROOT_LINKS: u32 = 24;

/// Creates (truncates) the HDF5 file of a staged output at `path`. Its root group keeps its
/// links as messages in its own object header ("compact" storage; tracking the links' creation
/// order makes HDF5 use it, which it otherwise does not in the oldest file format), in a first
/// chunk sized for [`ROOT_LINKS`] links of names up to 16 bytes (beside the root's attributes)
/// and never converted to "dense" storage (a heap and a B-tree): so replacing a top-level link
/// rewrites that chunk, right after the superblock in the first page of the file, and nothing
/// else of the root. Every other object keeps HDF5's default, the oldest format: version 1
/// object headers, without checksums, so that a link count updated in place is the only change
/// to a shared object and any mix of its old and new bytes reads. Objects of [`PAGE`] bytes or
/// more start on a page: the global heap collections holding variable-length strings (4096
/// bytes; HDF5 appends the strings of later commits to them in place) are each written within
/// one page, whole or not at all (a collection split by a kill at a page boundary hangs h5py's
/// reader: measured).
pub(super) fn create_file(path: &Path) -> hdf5::Result<hdf5::File> {
    use hdf5::plist::file_create::LinkCreationOrder;
    let fcpl = hdf5::plist::FileCreate::build().link_creation_order(LinkCreationOrder::Tracked).finish()?;
    let fapl = hdf5::plist::FileAccess::build().alignment(PAGE, PAGE).finish()?;
    let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| hdf5::Error::from("the file name holds a NUL byte"))?;
    hdf5::sync::sync(|| {
        // SAFETY: property setters on a list this function owns, then the file's creation; the
        // identifier H5Fcreate returns is handed to the File that owns it from then on.
        unsafe {
            use hdf5_sys::{h5f, h5p};
            hdf5::h5check(h5p::H5Pset_link_phase_change(fcpl.id(), ROOT_LINKS, ROOT_LINKS - 2))?;
            hdf5::h5check(h5p::H5Pset_est_link_info(fcpl.id(), ROOT_LINKS, 16))?;
            let id = hdf5::h5check(h5f::H5Fcreate(name.as_ptr(), h5f::H5F_ACC_TRUNC, fcpl.id(), fapl.id()))?;
            hdf5::from_id::<hdf5::File>(id)
        }
    })
}

/// `<path>.partial`.
fn partial_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".partial");
    PathBuf::from(p)
}
