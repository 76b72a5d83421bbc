//! Verification cases: flows with known solutions run through the real GPU solver, measured the
//! way the tests and the accuracy study (`benches/accuracy.rs`) read them.
//!
//! [`pipe`]: steady Hagen-Poiseuille flow through a generated straight pipe at any angle to the
//! grid, from a parabolic velocity inlet to a pressure outlet.

pub mod pipe;

pub use pipe::{developed_diameters, oblique_pipe, PipeCase, PipeErrors};

/// Why a verification case could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The solver could not be set up.
    #[error(transparent)]
    Run(#[from] crate::solver::gpu_solver::RunError),
    /// The GPU failed.
    #[error(transparent)]
    Gpu(#[from] crate::gpu::GpuError),
    /// The run blew up.
    #[error("step {step}: {what}")]
    Diverged {
        /// The step it was found at.
        step: usize,
        /// What was found.
        what: &'static str,
    },
}
