//! The ranks of a run and what they say to each other: one [`Comm`] per process. A run on one
//! process has [`Solo`] (everything a no-op); with the `mpi` feature, a run started by
//! `mpirun -np N` (or Slurm's `srun`) has [`mpi::Mpi`], over the MPI library every cluster has
//! (the `mpi` crate over Debian's OpenMPI here). The solver's domain decomposition
//! (`solver::domain`) and halo exchange (`solver::halo`) are written against this trait alone,
//! so they run, and are tested, the same way whatever carries the bytes.
//!
//! Every rank calls the collective operations (all but `rank`, `size` and `abort`) in the same
//! order with matching sizes: the solver takes the same decisions on every rank because every
//! decision is made from reduced values.

#[cfg(feature = "mpi")]
pub mod mpi;
pub mod threads;

/// Messages between ranks: what every rank of a run can do.
pub trait Comm {
    /// This process's rank, 0..size.
    fn rank(&self) -> usize;
    /// Ranks in the run.
    fn size(&self) -> usize;
    /// This rank's number among the ranks on its machine (it takes the machine's GPU of that
    /// number, modulo their count).
    fn local_rank(&self) -> usize;
    /// Replaces each value by its sum over the ranks (the same on every rank: rank order).
    fn sum(&self, values: &mut [f64]);
    /// Replaces each value by its largest over the ranks.
    fn max(&self, values: &mut [f64]);
    /// Point-to-point exchange: sends `sends[k].1` to rank `sends[k].0` and fills each
    /// `recvs[k].1` (its length set by the caller) from rank `recvs[k].0`. Every pair's sizes
    /// agree on both sides; no rank appears twice in either list, nor this rank.
    fn exchange(&self, sends: &[(usize, &[f32])], recvs: &mut [(usize, &mut [f32])]);
    /// Every rank's `values` (of any length), by rank, on every rank.
    fn all_gather(&self, values: &[f32]) -> Vec<Vec<f32>>;
    /// Ends the whole run at once, every rank, with exit code `code`, after `message` (which
    /// names this rank) is printed on standard error. The way a failing rank brings the job
    /// down: its peers would otherwise wait for it forever.
    fn abort(&self, message: &str, code: i32) -> !;
}

/// A run on one process: rank 0 of 1.
#[derive(Clone, Copy, Debug, Default)]
pub struct Solo;

impl Comm for Solo {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn local_rank(&self) -> usize {
        0
    }
    fn sum(&self, _: &mut [f64]) {}
    fn max(&self, _: &mut [f64]) {}
    fn exchange(&self, sends: &[(usize, &[f32])], recvs: &mut [(usize, &mut [f32])]) {
        assert!(sends.is_empty() && recvs.is_empty(), "a run on one rank has no peers to exchange with");
    }
    fn all_gather(&self, values: &[f32]) -> Vec<Vec<f32>> {
        vec![values.to_vec()]
    }
    fn abort(&self, message: &str, code: i32) -> ! {
        eprintln!("{message}");
        std::process::exit(code)
    }
}

/// Environment variables an MPI launcher sets in the processes it starts, with the number of
/// ranks (Open MPI's mpirun, MPICH's and Intel MPI's, a step of Slurm's srun).
const LAUNCHER_SIZE: [&str; 3] = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"];

/// The number of ranks an MPI launcher started this process among, if one did (from its
/// environment; MPI itself is not touched).
pub fn launched_ranks() -> Option<usize> {
    LAUNCHER_SIZE.iter().find_map(|v| std::env::var(v).ok()?.parse().ok())
}

/// Why the ranks cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum CommError {
    /// Started as one of several ranks by a build that cannot talk to the others.
    #[error(
        "started as one of {0} MPI ranks, but this hemoflow was built without MPI: each rank would run the whole \
         case on its own; build it with `cargo build --release --features mpi` (needs libopenmpi-dev and \
         libclang-dev), or run it without mpirun"
    )]
    NoMpi(usize),
}

/// The communicator of this process: MPI's world when the `mpi` feature is on and the process
/// was started by an MPI launcher with more than one rank, else [`Solo`]. Initialises MPI
/// (once per process); a build without the feature never touches MPI, and refuses to run as
/// one of several ranks.
pub fn world() -> Result<Box<dyn Comm>, CommError> {
    #[cfg(feature = "mpi")]
    if let Some(world) = mpi::Mpi::launched() {
        return Ok(Box::new(world));
    }
    #[cfg(not(feature = "mpi"))]
    if let Some(ranks) = launched_ranks().filter(|&n| n > 1) {
        return Err(CommError::NoMpi(ranks));
    }
    Ok(Box::new(Solo))
}

/// Whether this build can run on several ranks (the `mpi` feature).
pub const MPI: bool = cfg!(feature = "mpi");
