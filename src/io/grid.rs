//! Writing a grid to HDF5 (dense, for ParaView and h5py) with its XDMF sidecar.

use std::path::{Path, PathBuf};

use super::{write_grid_xdmf, CapRecord, FieldType, GridMeta, H5Output, IoError};
use crate::grid::{kind, Grid};

/// The grid's geometry as the writer takes it.
pub fn grid_meta(grid: &Grid) -> GridMeta {
    GridMeta { origin: grid.origin.into(), spacing: grid.spacing, dims: grid.dims() }
}

/// Writes `/grid` of `grid` (cell_kind, volume_fraction, caps) to `path` and the XDMF sidecar
/// beside it (same stem, `.xdmf`), whose path is returned. `case_text` goes to the root `case`
/// attribute.
pub fn write_grid_file(grid: &Grid, path: &Path, case_text: &str) -> Result<PathBuf, IoError> {
    let out = H5Output::create(path, case_text)?;
    out.write_grid_of(grid)?;
    out.close()?;
    let xdmf = path.with_extension("xdmf");
    let fields = [("cell_kind", FieldType::UChar), ("volume_fraction", FieldType::Float32)];
    write_grid_xdmf(&xdmf, path, &grid_meta(grid), &fields)?;
    Ok(xdmf)
}

impl H5Output {
    /// Writes `/grid` of `grid` (cell_kind, volume_fraction, caps) into this file.
    pub fn write_grid_of(&self, grid: &Grid) -> Result<(), IoError> {
        self.write_grid(&grid_meta(grid), &grid.dense(&grid.kind, kind::SOLID))?;
        self.write_grid_field("volume_fraction", &grid.dense(&grid.volume_fraction, 0.0))?;
        let caps: Vec<CapRecord> = grid
            .caps
            .iter()
            .map(|c| CapRecord {
                name: c.name.clone(),
                cells: c.cells.len() as u64,
                open_area: c.open_area,
                area: c.area,
                normal: c.normal,
                centroid: c.centroid,
            })
            .collect();
        self.write_caps(&caps)
    }
}
