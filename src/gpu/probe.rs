//! Host-side twins of the structs of the test-only stage `test/grid_probe`
//! (`shaders/test/grid_probe.wgsl`), which evaluates the WGSL grid module's `face_neighbour` so a
//! test can compare it with [`crate::grid::index::face_neighbour_in`] and
//! [`crate::grid::index::Bricks::neighbour`].

use bytemuck::{Pod, Zeroable};

use super::{Bindable, Dispatch, Gpu, GpuError};
/// Parameters of `grid_probe` (uniform, group 0 binding 0).
/// WGSL twin: `GridProbeParams` in shaders/test/grid_probe.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct GridProbeParams {
    /// Number of queries (and results), a count.
    pub queries: u32,
    /// Padding to 16 bytes.
    pub _pad0: u32,
    /// Padding to 16 bytes.
    pub _pad1: u32,
    /// Padding to 16 bytes.
    pub _pad2: u32,
}

impl GridProbeParams {
    /// Parameters for `queries` queries.
    pub fn new(queries: u32) -> Self {
        Self { queries, ..Self::default() }
    }
}

/// One query of `grid_probe` (storage array, group 0 binding 2): the neighbour of cell `id` one
/// face step `(dx, dy, dz)` away. WGSL twin: `GridProbeQuery` in shaders/test/grid_probe.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct GridProbeQuery {
    /// Storage id of an allocated cell.
    pub id: u32,
    /// Offset along x, cells (one component +-1, the others 0).
    pub dx: i32,
    /// Offset along y, cells.
    pub dy: i32,
    /// Offset along z, cells.
    pub dz: i32,
}

/// Runs `grid_probe` on `gpu`: for each query, the storage id of the neighbour the WGSL grid
/// module's `face_neighbour` finds in `face_table` (as `Bricks::face_table`), `NO_SLOT` where
/// none (or where the offset is not one face step).
pub fn grid_probe(gpu: &Gpu, face_table: &[u32], queries: &[GridProbeQuery]) -> Result<Vec<u32>, GpuError> {
    let n = queries.len() as u32;
    let params = gpu.uniform("grid_probe params", &GridProbeParams::new(n))?;
    let table = gpu.storage("neighbours", face_table)?;
    let query_buf = gpu.storage("grid_probe queries", queries)?;
    let results = gpu.storage_empty("grid_probe results", u64::from(n) * 4)?;
    let bufs: [(&str, &dyn Bindable); 4] =
        [("params", &params), ("neighbours", &table), ("queries", &query_buf), ("results", &results)];
    Dispatch::new(gpu, "test/grid_probe", &bufs, n)?.submit(gpu)?;
    let mut out: Vec<u32> = gpu.read(&results)?;
    out.truncate(queries.len());
    Ok(out)
}
