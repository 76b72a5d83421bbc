pub mod gpu;
pub mod mesh;
