//! hemoflow: GPU blood-flow simulation in patient-specific vessels.
//!
//! The engine is a chain of stages, each with one input and one output type (see the project's
//! design notes): [`mesh`] loads, checks and caps vessel surfaces (or generates synthetic ones);
//! [`grid`] voxelizes them into the sparse cut-cell grid; [`solver`] steps the flow on the GPU
//! (its boundary conditions from [`physio`]; [`centerline`] and [`stent`] change the vessel
//! before); [`io`] writes the output and [`post`] reads it back for numbers and pictures; [`run`]
//! drives a whole case ([`case`]). Under them, [`gpu`] is the device: adapters, buffers, and
//! [`gpu::Dispatch`], the one way to run a compute stage; [`comm`] the ranks of a run on several
//! (MPI). [`mod@bench`] and [`verify`] sit on top, timing and checking the solver. SI units
//! throughout: positions in m, areas in m^2, volumes in m^3.
//!
//! ```
//! use hemoflow::mesh::{self, generate};
//!
//! // A 2 mm radius, 20 mm long pipe along +z: watertight, with inlet and outlet caps.
//! let pipe = generate::pipe(&generate::PipeSpec::default()).unwrap();
//! let report = mesh::check(&pipe, &mesh::LoadReport::in_memory(&pipe));
//! assert!(report.watertight && report.simulatable);
//! let exact = std::f64::consts::PI * 2e-3_f64.powi(2) * 20e-3;
//! assert!((report.volume - exact).abs() / exact < 5e-3);
//! ```

pub mod bench;
pub mod case;
pub mod centerline;
pub mod comm;
pub mod gpu;
pub mod grid;
pub mod io;
pub mod mesh;
pub mod physio;
pub mod post;
pub mod run;
pub mod solver;
pub mod stent;
pub mod verify;
