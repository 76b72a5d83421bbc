//! Output: HDF5 files with an XDMF sidecar so ParaView opens them.
//!
//! Layout (see the project's design notes, "Output layout"):
//!
//! ```text
//! /          attrs: software = "hemoflow", version, units = "SI", case (case file text)
//! /grid      attrs: origin[3] (m), spacing (m), dims[3] (cells, x y z order)
//!            datasets: cell_kind (u8, nz x ny x nx) and further dense cell fields (f32, same shape)
//! /grid/caps one subgroup per cap: cells, open_area, area, normal[3], centroid[3], index, cell_kind
//! /fields/NNNNNN  one group per snapshot (6-digit, zero-padded index), attr time (f64, s);
//!            datasets pressure (f32, Pa, nz x ny x nx) and velocity (f32, m/s, nz x ny x nx x 3),
//!            and wss (f32, Pa, M x 3: the wall shear stress on each wall triangle),
//!            wall_pressure (f32, Pa, M) and h_plus (f32, 1, M: the grid's spacing in wall
//!            units, h sqrt(|wss| / rho) / nu), each with a `units` attribute
//! /wall      vertices (f64, m, N x 3), triangles (u32, M x 3), labels (u32, M), label_names
//!            (strings): the wall's own triangles (caps left out)
//! /cycles/NNNNNN  one group per cardiac cycle (6-digit number from 1), attrs start, end (s);
//!            tawss (Pa), osi (1), rrt (1/Pa) (f32, M each), the time-averaged velocity and
//!            pressure (shaped as in /fields), and per cap mean_flow_rate (m^3/s),
//!            mean_pressure, min_pressure, max_pressure (Pa)
//! /summary   cap_names, cap_types (strings: inlet, outlet or wall), time (f64, s), flow_rate
//!            (f64, m^3/s, n_times x n_caps, positive out of the fluid), mean_pressure (f64, Pa,
//!            n_times x n_caps); `units` attributes; attrs proximal and distal (cap names for
//!            the distal/proximal pressure ratio) when the case names them
//! /stents/NNNNNN  one group per deployed stent (from 000000): attrs kind, diameter (m),
//!            porosity, wire_diameter (m); centerline (f64, m, N x 3), see [`stent`]
//! /regions/NAME   attrs center[3] (m), radius (m), neck[3] (m, optional): a named part of the
//!            fluid (an aneurysm sac) for `hemoflow compare`, see [`stent`]
//! ```
//!
//! `origin` is the low corner of cell (0,0,0): cell (i,j,k) has its centre at
//! origin + (i+1/2, j+1/2, k+1/2) * spacing. Dense arrays are C order with z slowest, so
//! value `[k][j][i]` sits at flat index `(k * ny + j) * nx + i`, and a vector component
//! `[k][j][i][c]` at `((k * ny + j) * nx + i) * 3 + c`. Datasets are chunked and
//! deflate-compressed (uncompressed, with a `log::warn`, where the HDF5 library lacks deflate),
//! and the file is flushed after every write. A run writes a staged file
//! ([`H5Output::create_staged`]): it changes only by commits, each made by one small write, so a
//! run killed at any moment leaves a readable file holding every snapshot committed before the
//! kill (how, and what was measured: `staged.rs`); [`OutputLock`] keeps two runs from writing
//! one file.
//!
//! Four XDMF sidecars exist: [`write_grid_xdmf`] (the grid and its fields alone),
//! [`write_time_series_xdmf`] (a temporal collection over the snapshots, for ParaView's time
//! controls), [`write_wall_xdmf`] (the wall surface over the snapshots) and [`write_cycles_xdmf`]
//! (the wall surface over the cycles). All are replaced atomically, so a run may rewrite them
//! after each snapshot.
//!
//! ```no_run
//! use hemoflow::io::{write_grid_xdmf, write_time_series_xdmf, CapRecord, FieldType, GridMeta, H5Output};
//! use std::path::Path;
//!
//! let meta = GridMeta { origin: [0.0, 0.0, 0.0], spacing: 1e-4, dims: [4, 3, 2] };
//! let kinds = vec![1u8; meta.cell_count()];
//! let out = H5Output::create(Path::new("grid.h5"), "")?;
//! out.write_grid(&meta, &kinds)?;
//! out.write_grid_field("volume_fraction", &vec![1.0f32; meta.cell_count()])?;
//! write_grid_xdmf(
//!     Path::new("grid.xdmf"),
//!     Path::new("grid.h5"),
//!     &meta,
//!     &[("cell_kind", FieldType::UChar), ("volume_fraction", FieldType::Float32)],
//! )?;
//! let mut written = Vec::new();
//! for (index, time) in [(0, 0.0), (1, 1e-3)] {
//!     let pressure = vec![0.0f32; meta.cell_count()];
//!     let velocity = vec![0.0f32; 3 * meta.cell_count()]; // interleaved x y z per cell
//!     out.write_snapshot(index, time, &pressure, &velocity)?;
//!     written.push((index, time));
//!     write_time_series_xdmf(Path::new("series.xdmf"), Path::new("grid.h5"), &meta, &written)?;
//! }
//! let names = vec!["inlet".to_string(), "outlet".to_string()];
//! let times = vec![0.0, 1e-3];
//! let flow_rates = vec![vec![-1e-6, -1e-6], vec![1e-6, 1e-6]]; // [cap][time], m^3/s
//! let pressures = vec![vec![1200.0, 1210.0], vec![0.0, 0.0]]; // [cap][time], Pa
//! out.write_summary(&names, &times, &flow_rates, &pressures)?;
//! out.close()?;
//! # Ok::<(), hemoflow::io::IoError>(())
//! ```

mod centerline;
pub mod checkpoint;
mod grid;
mod h5;
mod lock;
mod staged;
pub mod stent;
mod wall;
mod xdmf;

use std::path::PathBuf;

pub use centerline::{write_centerline_xdmf, CenterlineRecord};
pub use checkpoint::Checkpoint;
pub use grid::{grid_meta, write_grid_file};
pub use h5::H5Output;
pub use lock::{LockError, OutputLock};
pub use stent::{RegionRecord, StentRecord};
pub use wall::{cycle_group, write_cycles_xdmf, write_wall_xdmf, CycleRecord};
pub use xdmf::{write_grid_xdmf, write_time_series_xdmf};

/// Largest snapshot index: group names under `/fields` have exactly 6 digits.
pub const MAX_SNAPSHOT_INDEX: usize = 999_999;

/// Path of snapshot `index` inside the file: `/fields/NNNNNN` (6 digits, zero-padded).
pub(crate) fn snapshot_group(index: usize) -> String {
    format!("/fields/{index:06}")
}

/// Geometry of the bounding grid.
#[derive(Clone, Debug, PartialEq)]
pub struct GridMeta {
    /// Low corner of cell (0,0,0), m (x, y, z).
    pub origin: [f64; 3],
    /// Cell edge length h, m (the same along x, y and z).
    pub spacing: f64,
    /// Number of cells along x, y, z.
    pub dims: [u32; 3],
}

impl GridMeta {
    /// Number of cells, nx * ny * nz.
    pub fn cell_count(&self) -> usize {
        self.dims.iter().map(|&d| d as usize).product()
    }

    /// Shape of a dense cell field as stored: `[nz, ny, nx]` (C order, z slowest).
    pub fn shape_zyx(&self) -> [usize; 3] {
        [self.dims[2] as usize, self.dims[1] as usize, self.dims[0] as usize]
    }

    /// Checks that the grid is usable: every dim >= 1, spacing finite and > 0, origin finite,
    /// and the cell count fits in memory addressing. Returns the reason otherwise.
    pub fn validate(&self) -> Result<(), String> {
        if self.dims.contains(&0) {
            return Err(format!("dims {:?} has a zero extent (every axis needs >= 1 cell)", self.dims));
        }
        if !(self.spacing.is_finite() && self.spacing > 0.0) {
            return Err(format!("spacing {} m is not a finite positive length", self.spacing));
        }
        if !self.origin.iter().all(|v| v.is_finite()) {
            return Err(format!("origin {:?} m is not finite", self.origin));
        }
        let n = self.dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d as usize));
        if n.is_none() {
            return Err(format!("dims {:?}: cell count overflows usize", self.dims));
        }
        Ok(())
    }
}

/// One cap (inlet or outlet) of the voxelized domain, as written under `/grid/caps/<name>`.
#[derive(Clone, Debug, PartialEq)]
pub struct CapRecord {
    /// Cap name (the mesh face group); becomes the HDF5 group name, so no '/' and not empty.
    pub name: String,
    /// Number of fluid cells that touch the cap.
    pub cells: u64,
    /// Open (fluid) area of the cap as seen by the grid, m^2.
    pub open_area: f64,
    /// Area of the cap polygon on the surface mesh, m^2.
    pub area: f64,
    /// Unit outward normal of the cap (dimensionless, x y z).
    pub normal: [f64; 3],
    /// Area centroid of the cap, m (x y z).
    pub centroid: [f64; 3],
}

/// Element type of a dense field, as declared in the XDMF sidecar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// Unsigned 8-bit integer (XDMF `NumberType="UChar" Precision="1"`), e.g. `cell_kind`.
    UChar,
    /// 32-bit float (XDMF `NumberType="Float" Precision="4"`), e.g. `volume_fraction`.
    Float32,
}

/// Why an output file could not be written. Every message names the file, and the dataset,
/// attribute or group at fault.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// The HDF5 library refused an operation.
    #[error("{}: {object}: {source}", path.display())]
    Hdf5 {
        /// The HDF5 file.
        path: PathBuf,
        /// What was being written, e.g. "dataset /grid/cell_kind" or "attribute /grid@spacing".
        object: String,
        /// What the HDF5 library said.
        source: hdf5::Error,
    },
    /// A dense field does not hold one value per cell.
    #[error("{}: dataset {dataset}: {got} values given, the grid has {expected} (nz x ny x nx = {shape})",
        path.display())]
    SizeMismatch {
        /// The HDF5 file.
        path: PathBuf,
        /// Full path of the dataset inside the file, e.g. "/grid/volume_fraction".
        dataset: String,
        /// Cells in the grid.
        expected: usize,
        /// Values given.
        got: usize,
        /// The grid shape, "nz x ny x nx".
        shape: String,
    },
    /// An argument is unusable (bad name, bad grid geometry, grid not written yet, ...).
    #[error("{}: {object}: {message}", path.display())]
    Invalid {
        /// The file being written.
        path: PathBuf,
        /// The dataset, attribute or group at fault.
        object: String,
        /// What is wrong.
        message: String,
    },
    /// A plain file (the XDMF sidecar) could not be written.
    #[error("{}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}
