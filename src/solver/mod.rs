//! The incompressible Navier-Stokes solver on the sparse grid.
//!
//! # Numerics (the route taken)
//! Collocated, cell-centred velocity and pressure with a face-velocity projection, as in
//! Popinet's centred Navier-Stokes solver with embedded boundaries (Basilisk):
//! 1. predictor: u* = u^n + dt (-(u.grad)u + nu lap u + f), the viscous term with
//!    Shortley-Weller stencils on the grid's wall `link`s (no-slip at the true wall, second
//!    order);
//! 2. face velocities from the centres, through faces weighted by their wetted `aperture`;
//! 3. pressure: the cut-cell Poisson equation sum_f A_f (p_nb - p) / h^2 = V div(u*) / dt
//!    (symmetric, walls closed), multigrid on the brick hierarchy;
//! 4. projection of the face velocities (divergence-free to the solver tolerance) and of the
//!    centres (u -= dt grad p).
//!
//! Every kernel (`shaders/solver/*.wgsl`) has a CPU twin in [`cpu`] with the same arithmetic (an
//! add-on's, with its [`addon::AddOn`] type), used as the oracle of a GPU-vs-CPU test on seeded
//! random input.
//!
//! # Modules, in the order of the data
//! [`layout`] (the grid as the kernels read it) and [`boundary`] (what the caps impose, the
//! per-cell boundary records, and their codes, shared with the WGSL); [`cpu`] (the twins);
//! [`multigrid`] (the pressure equation's hierarchy, CG on the CPU); the GPU step, by concern:
//! [`settings`], `buffers` (what every part binds), `predictor` (u* from u), [`addon`] (terms
//! attached to the step, [`porous`] the first), `pressure` (the solve for the increment, [`cg_control`] its decisions on the GPU),
//! `gpu_wall` (wall shear stress and time integrals), composed by [`gpu_solver`], which on
//! several ranks steps one rank's part ([`domain`]: the parts; [`halo`]: the exchanges); then
//! [`wall_shear`] (the wall's stencils), [`summary`] (caps' flows and pressures) and
//! [`timestep`] (the adaptive time step); [`kernels`] runs single stages for the tests.

pub mod addon;
pub mod boundary;
mod buffers;
pub mod cg_control;
pub mod cpu;
pub mod domain;
pub mod gpu_solver;
mod gpu_wall;
pub mod halo;
pub mod kernels;
pub mod layout;
pub mod multigrid;
pub mod porous;
pub mod porous_region;
mod predictor;
mod pressure;
pub mod settings;
pub mod summary;
pub mod timestep;
pub mod twins;
pub mod wall_shear;

pub use layout::{CellLayout, CellView, SolverError, SolverParams};
