//! Why a run stops: every error a run can end with, each naming what is at fault.

use std::path::PathBuf;

use crate::case::CaseError;
use crate::gpu::GpuError;
use crate::grid::GridError;
use crate::io::{IoError, LockError};
use crate::mesh::MeshError;
use crate::physio::waveform::WaveformError;
use crate::solver::gpu_solver;
use crate::stent;

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The case file is wrong.
    #[error(transparent)]
    Case(#[from] CaseError),
    /// The mesh cannot be read.
    #[error(transparent)]
    Mesh(#[from] MeshError),
    /// A waveform table cannot be read.
    #[error(transparent)]
    Waveform(#[from] WaveformError),
    /// The mesh cannot be simulated.
    #[error("{mesh}: cannot be simulated: {reasons}")]
    NotSimulatable {
        /// The mesh file.
        mesh: String,
        /// Why.
        reasons: String,
    },
    /// The grid cannot be built.
    #[error(transparent)]
    Grid(#[from] GridError),
    /// The stents cannot be deployed (centrelines, or the stented grid).
    #[error("cannot deploy the stents: {0}")]
    Stent(stent::StentError),
    /// The solver cannot be set up on this grid.
    #[error(transparent)]
    Solver(#[from] gpu_solver::RunError),
    /// The GPU failed.
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// Output failed.
    #[error(transparent)]
    Io(#[from] IoError),
    /// An output or checkpoint file is being written by another run (or cannot be locked).
    #[error(transparent)]
    Lock(#[from] LockError),
    /// A checkpoint does not belong to this case.
    #[error("{}: cannot restart this case from it: {message}", path.display())]
    Restart {
        /// The checkpoint.
        path: PathBuf,
        /// What does not match.
        message: String,
    },
    /// The flow diverged.
    #[error("diverged at step {step} (t = {time:.6} s): {what}; the {written} snapshot(s) written before are kept in {output}")]
    Diverged {
        /// The step that failed.
        step: u64,
        /// Simulated time, s.
        time: f64,
        /// What was found.
        what: String,
        /// Snapshots already in the output file.
        written: usize,
        /// The output file.
        output: String,
    },
}
