//! The incompressible Navier-Stokes solver on the sparse grid (being built; see the project's
//! issue "GPU incompressible Navier-Stokes").
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
//! Every kernel (`shaders/solver/*.wgsl`) has a CPU twin in [`cpu`] with the same loops, used
//! as the oracle of a GPU-vs-CPU test on seeded random input.

pub mod addon;
mod buffers;
pub mod cpu;
pub mod gpu_solver;
mod gpu_wall;
pub mod kernels;
pub mod layout;
pub mod multigrid;
pub mod porous;
mod predictor;
mod pressure;
pub mod settings;
pub mod summary;
pub mod timestep;
pub mod wall_shear;

pub use layout::{CellLayout, SolverError, SolverParams};
