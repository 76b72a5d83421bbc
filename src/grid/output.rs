//! Writing a grid to HDF5 (dense, for ParaView and h5py) with its XDMF sidecar.

use std::path::{Path, PathBuf};

use super::Grid;
use crate::io::{write_grid_xdmf, CapRecord, FieldType, GridMeta, H5Output, IoError};

impl Grid {
    /// The grid's geometry as the writer takes it.
    pub fn meta(&self) -> GridMeta {
        GridMeta { origin: self.origin.into(), spacing: self.spacing, dims: self.dims() }
    }

    /// Writes `/grid` (cell_kind, volume_fraction, caps) to `path` and the XDMF sidecar beside it
    /// (same stem, `.xdmf`), whose path is returned. `case_text` goes to the root `case`
    /// attribute.
    pub fn write_h5(&self, path: &Path, case_text: &str) -> Result<PathBuf, IoError> {
        let out = H5Output::create(path, case_text)?;
        self.write_to(&out)?;
        out.close()?;
        let xdmf = path.with_extension("xdmf");
        let fields = [("cell_kind", FieldType::UChar), ("volume_fraction", FieldType::Float32)];
        write_grid_xdmf(&xdmf, path, &self.meta(), &fields)?;
        Ok(xdmf)
    }

    /// Writes `/grid` (cell_kind, volume_fraction, caps) into an open output file.
    pub fn write_to(&self, out: &H5Output) -> Result<(), IoError> {
        out.write_grid(&self.meta(), &self.dense(&self.kind, super::kind::SOLID))?;
        out.write_grid_field("volume_fraction", &self.dense(&self.volume_fraction, 0.0))?;
        let caps: Vec<CapRecord> = self
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
        out.write_caps(&caps)
    }
}
