//! Exclusive locks on the files a run writes, so that two runs never write one file.
//!
//! HDF5's own lock does not do this: `H5Fcreate` truncates the file before it locks it, so a
//! second run writing the same output empties the first run's file, fails to lock it and
//! exits, and the first run goes on writing into a file HDF5 can no longer open ("bad object
//! header version number"; both runs had printed their snapshot counts).
//!
//! The lock is a small file beside the locked one, `<file>.lock`, holding the process id of its
//! holder and locked with the operating system's advisory exclusive lock (flock(2) on Linux,
//! through [`std::fs::File::try_lock`]) for as long as the [`OutputLock`] lives. The operating
//! system releases it when the process ends, however it ends, so a killed run never blocks the
//! next one. The lock file is removed when the lock is dropped; one left by a killed run is
//! taken over by the next.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// An exclusive lock on one output file, held until dropped.
#[derive(Debug)]
pub struct OutputLock {
    file: File,
    lock: PathBuf,
}

/// Why a file could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock.
    #[error(
        "{}: another run is writing it ({}, holding {}); wait for it to end, stop it, or write \
         elsewhere (-o OUT.h5, or output.file in the case)",
        target.display(),
        pid.map_or("process id not written yet".into(), |p| format!("process {p}")),
        lock.display()
    )]
    Held {
        /// The file to be written.
        target: PathBuf,
        /// Its lock file.
        lock: PathBuf,
        /// The holder's process id, as written in the lock file (None while it is being written).
        pid: Option<u32>,
    },
    /// The lock file cannot be created or locked (e.g. a folder without write permission).
    #[error("{}: cannot lock it for writing ({}): {source}", target.display(), lock.display())]
    Io {
        /// The file to be written.
        target: PathBuf,
        /// Its lock file.
        lock: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl OutputLock {
    /// Locks `target` (a file this process is about to write) for this process: creates the
    /// folder holding it if needed, takes `<target>.lock` and writes this process's id into it.
    /// Returns [`LockError::Held`] at once, naming the holder, when another process has it.
    pub fn acquire(target: &Path) -> Result<OutputLock, LockError> {
        let mut lock = target.as_os_str().to_owned();
        lock.push(".lock");
        let lock = PathBuf::from(lock);
        let io = |source| LockError::Io { target: target.to_path_buf(), lock: lock.clone(), source };
        if let Some(dir) = lock.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        loop {
            let mut file =
                OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&lock).map_err(io)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let mut text = String::new();
                    let pid = file.read_to_string(&mut text).ok().and_then(|_| text.trim().parse().ok());
                    return Err(LockError::Held { target: target.to_path_buf(), lock, pid });
                }
                Err(TryLockError::Error(source)) => return Err(io(source)),
            }
            // The holder before may have removed the lock file between our open and our lock:
            // then this lock is on a file nobody else finds. Take the one at the path instead.
            if !same_file(&file, &lock) {
                continue;
            }
            file.set_len(0).map_err(io)?;
            file.write_all(format!("{}\n", std::process::id()).as_bytes()).map_err(io)?;
            return Ok(OutputLock { file, lock });
        }
    }

    /// The lock file, `<target>.lock`.
    pub fn path(&self) -> &Path {
        &self.lock
    }
}

impl Drop for OutputLock {
    /// Removes the lock file (while still holding it), then releases the lock.
    fn drop(&mut self) {
        if cfg!(unix) {
            let _ = std::fs::remove_file(&self.lock);
        }
        let _ = self.file.unlock();
    }
}

/// Whether `file` is the file now at `path`.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Lock files are never removed where files cannot be told apart this way.
#[cfg(not(unix))]
fn same_file(_: &File, _: &Path) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn a_second_lock_on_one_file_is_refused_with_the_holder_and_taken_after_release() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out/run.h5");
        let first = OutputLock::acquire(&target).unwrap();
        assert_eq!(first.path(), dir.path().join("out/run.h5.lock"));
        let text = std::fs::read_to_string(first.path()).unwrap();
        assert_eq!(text.trim(), std::process::id().to_string());
        // flock locks belong to the open file, so a second open in this process conflicts too.
        let err = OutputLock::acquire(&target).unwrap_err();
        assert!(matches!(err, LockError::Held { pid: Some(p), .. } if p == std::process::id()), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("run.h5") && message.contains(&format!("process {}", std::process::id())));
        drop(first);
        assert!(!dir.path().join("out/run.h5.lock").exists(), "the lock file is removed");
        // A lock file left by a killed run (no process holds its lock) is taken over.
        std::fs::write(dir.path().join("out/run.h5.lock"), "4194304\n").unwrap();
        let again = OutputLock::acquire(&target).unwrap();
        assert_eq!(std::fs::read_to_string(again.path()).unwrap().trim(), std::process::id().to_string());
    }
}
