pub mod mesh;
pub mod gpu;
