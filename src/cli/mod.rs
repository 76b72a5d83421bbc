//! The `hemoflow` subcommands, one module each: parse nothing (clap does, in `main.rs`), call
//! the library, print. Errors in what the user gave exit with code 2 (`main.rs`).

pub mod bench;
pub mod centerline;
pub mod compare;
pub mod generate;
pub mod gpus;
pub mod info;
pub mod mesh_check;
pub mod render;
pub mod report;
pub mod run;
pub mod voxelize;
