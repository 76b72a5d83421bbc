//! The HDF5 writer: file creation, root attributes, the grid, its dense fields and its caps,
//! the snapshots under `/fields` and the per-cap time series under `/summary`.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use hdf5::types::VarLenUnicode;
use hdf5::{H5Type, Location, SimpleExtents};

use super::staged::Staged;
use super::{snapshot_group, CapRecord, GridMeta, IoError, MAX_SNAPSHOT_INDEX};

/// Deflate level for every dataset (1 fastest .. 9 smallest); 4 is near zlib's sweet spot.
const DEFLATE_LEVEL: u8 = 4;
/// Largest chunk along (z, y, x); trailing dims (e.g. a vector's 3 components) are never split.
const CHUNK_ZYX: [usize; 3] = [16, 64, 64];
/// Group holding the grid geometry and its dense cell fields.
const GRID: &str = "grid";
/// Subgroup of [`GRID`] holding one group per cap.
const CAPS: &str = "caps";
/// Group holding one group per snapshot, named by its 6-digit index.
pub(super) const FIELDS: &str = "fields";
/// Group holding the per-cap time series.
pub(super) const SUMMARY: &str = "summary";
/// Rows (time samples) per chunk of the resizable `/summary` datasets.
const SUMMARY_CHUNK_ROWS: usize = 256;

/// An open HDF5 output file (created and truncated by [`H5Output::create`], or written so that a
/// kill at any moment leaves a readable file by [`H5Output::create_staged`]).
///
/// Every `write_*` call flushes the file before it returns. A file from [`H5Output::create`] is
/// written in place: a run killed afterwards leaves a file that HDF5 readers open, but a kill
/// during a write can leave it half-updated (HDF5 updates its metadata in place, in no order a
/// reader could rely on). A staged file changes only through [`H5Output::commit`] (see there).
/// Dropping the writer closes the file; [`H5Output::close`] does the same and reports errors.
///
/// HDF5 holds an exclusive file lock while the writer is open and opens the file without
/// close-on-exec: a process spawned meanwhile inherits the lock, and other processes cannot open
/// the file until that child exits (readers can set `HDF5_USE_FILE_LOCKING=FALSE`). That lock is
/// taken after the file is truncated, so it does not keep two writers apart: see
/// [`super::OutputLock`].
#[derive(Debug)]
pub struct H5Output {
    /// The open file; None only while a staged file on a platform without rename-while-open is
    /// being moved to its name (never seen by callers).
    pub(super) file: Option<hdf5::File>,
    pub(super) path: PathBuf,
    compress: bool,
    /// How a staged file is being written; None for a file written in place.
    pub(super) staged: Option<Staged>,
}

impl H5Output {
    /// Creates (truncates) the file at `path` and writes the root attributes: `software` =
    /// "hemoflow", `version` = the crate version, `units` = "SI", `case` = `case_text` (the case
    /// file's text; "" when there is none). Strings are variable-length UTF-8.
    pub fn create(path: &Path, case_text: &str) -> Result<Self, IoError> {
        Self::create_at(path, path, case_text, None)
    }

    /// [`H5Output::create`] with the HDF5 file at `file_path` and messages naming `path`.
    pub(super) fn create_at(
        file_path: &Path,
        path: &Path,
        case_text: &str,
        staged: Option<Staged>,
    ) -> Result<Self, IoError> {
        let file = match &staged {
            None => hdf5::File::create(file_path),
            Some(_) => super::staged::create_file(file_path),
        };
        let file =
            file.map_err(|source| IoError::Hdf5 { path: path.to_path_buf(), object: "create file".into(), source })?;
        let compress = deflate_usable();
        if !compress {
            log::warn!(
                "{}: the HDF5 library has no usable deflate filter; datasets are written uncompressed",
                path.display()
            );
        }
        let out = H5Output { file: Some(file), path: path.to_path_buf(), compress, staged };
        out.str_attr(out.file(), "/", "software", "hemoflow")?;
        out.str_attr(out.file(), "/", "version", env!("CARGO_PKG_VERSION"))?;
        out.str_attr(out.file(), "/", "units", "SI")?;
        out.str_attr(out.file(), "/", "case", case_text)?;
        out.flush()?;
        Ok(out)
    }

    /// Opens an existing output file at `path` read-write, to add groups to it (e.g.
    /// [`H5Output::write_regions`] after a run); nothing already in it is changed.
    pub fn open_append(path: &Path) -> Result<Self, IoError> {
        let file = hdf5::File::open_rw(path).map_err(|source| IoError::Hdf5 {
            path: path.to_path_buf(),
            object: "open file for appending".into(),
            source,
        })?;
        Ok(H5Output { file: Some(file), path: path.to_path_buf(), compress: deflate_usable(), staged: None })
    }

    /// The file's path, as given to [`H5Output::create`] or [`H5Output::open_append`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether datasets are deflate-compressed (false where the HDF5 library lacks deflate).
    pub fn compressed(&self) -> bool {
        self.compress
    }

    /// The underlying HDF5 file, for writers of further groups (snapshots, wall data). In a
    /// staged file ([`H5Output::create_staged`]) write only through this type's methods: a group
    /// written through this handle after the file is published is changed in place.
    pub fn file(&self) -> &hdf5::File {
        self.file.as_ref().expect("the file is open while the writer lives")
    }

    /// Writes `/grid` with attributes `origin` (`f64[3]`, m), `spacing` (f64, m) and `dims`
    /// (`u32[3]`, cells; all three in x, y, z order), and the dataset `/grid/cell_kind` (u8, shape
    /// nz x ny x nx, C order, z slowest: cell (i,j,k) at flat index `(k * ny + j) * nx + i`),
    /// chunked and compressed. `cell_kind.len()` must be nx * ny * nz.
    pub fn write_grid(&self, meta: &GridMeta, cell_kind: &[u8]) -> Result<(), IoError> {
        meta.validate().map_err(|message| self.invalid("group /grid", message))?;
        let shape = meta.shape_zyx();
        self.check_len("/grid/cell_kind", &shape, cell_kind.len())?;
        if self.file().link_exists(GRID) {
            return Err(self.invalid("group /grid", "already written (write_grid is called once per file)".into()));
        }
        let grid = self.top_group(GRID)?;
        self.attr(&grid, "/grid", "origin", &meta.origin[..])?;
        self.attr(&grid, "/grid", "spacing", &[meta.spacing][..])?;
        self.attr(&grid, "/grid", "dims", &meta.dims[..])?;
        self.write_dense(&grid, "/grid", "cell_kind", &shape, cell_kind)?;
        self.flush()
    }

    /// Writes a further cell-centred dense field `/grid/<name>` (f32, shape nz x ny x nx, same
    /// order as `cell_kind`; units are the field's own, e.g. volume_fraction is dimensionless).
    /// Needs [`H5Output::write_grid`] first; `values.len()` must be nx * ny * nz.
    pub fn write_grid_field(&self, name: &str, values: &[f32]) -> Result<(), IoError> {
        let object = format!("dataset /grid/{name}");
        check_name(name).map_err(|m| self.invalid(&object, m))?;
        if name == CAPS {
            return Err(self.invalid(&object, "the name \"caps\" is reserved for the cap groups".into()));
        }
        let grid = self.grid_group_to_write(&object)?;
        let shape = self.grid_shape(&grid)?;
        self.check_len(&format!("/grid/{name}"), &shape, values.len())?;
        self.write_dense(&grid, "/grid", name, &shape, values)?;
        self.flush()
    }

    /// Writes `/grid/caps/<name>` for every cap, with attributes `cells` (u64), `open_area`
    /// (f64, m^2), `area` (f64, m^2), `normal` (`f64[3]`), `centroid` (`f64[3]`, m), `index` (u32,
    /// the cap's position in `caps`) and `cell_kind` (u8 = 2 + index: the value its cells carry
    /// in `/grid/cell_kind`). Names must be unique, non-empty and free of '/'; at most 254 caps.
    /// Needs [`H5Output::write_grid`] first.
    pub fn write_caps(&self, caps: &[CapRecord]) -> Result<(), IoError> {
        if caps.len() > 254 {
            let m = format!("{} caps; cell_kind is u8, so at most 254 (kind = 2 + index)", caps.len());
            return Err(self.invalid("group /grid/caps", m));
        }
        for (n, cap) in caps.iter().enumerate() {
            let object = format!("group /grid/caps/{}", cap.name);
            check_name(&cap.name).map_err(|m| self.invalid(&object, format!("cap {n}: {m}")))?;
            if caps[..n].iter().any(|c| c.name == cap.name) {
                return Err(self.invalid(&object, format!("cap {n}: name used by an earlier cap")));
            }
        }
        let grid = self.grid_group_to_write("group /grid/caps")?;
        if grid.link_exists(CAPS) {
            return Err(self.invalid("group /grid/caps", "already written (write_caps is called once per file)".into()));
        }
        let group = grid.create_group(CAPS).map_err(|e| self.h5("group /grid/caps", e))?;
        for (index, cap) in caps.iter().enumerate() {
            let at = format!("/grid/caps/{}", cap.name);
            let g = group.create_group(&cap.name).map_err(|e| self.h5(&format!("group {at}"), e))?;
            self.attr(&g, &at, "cells", &[cap.cells][..])?;
            self.attr(&g, &at, "open_area", &[cap.open_area][..])?;
            self.attr(&g, &at, "area", &[cap.area][..])?;
            self.attr(&g, &at, "normal", &cap.normal[..])?;
            self.attr(&g, &at, "centroid", &cap.centroid[..])?;
            self.attr(&g, &at, "index", &[index as u32][..])?;
            self.attr(&g, &at, "cell_kind", &[2 + index as u8][..])?;
        }
        self.flush()
    }

    /// Writes snapshot `index` as the group `/fields/NNNNNN` (`index` zero-padded to 6 digits, at
    /// most [`MAX_SNAPSHOT_INDEX`]) with the attribute `time` (f64, s) and the datasets
    ///
    /// * `pressure` (f32, Pa, shape nz x ny x nx, cell (i,j,k) at flat index `(k * ny + j) * nx + i`),
    /// * `velocity` (f32, m/s, shape nz x ny x nx x 3, interleaved: component `c` of cell (i,j,k)
    ///   at flat index `((k * ny + j) * nx + i) * 3 + c`),
    ///
    /// each chunked and compressed like the grid and carrying a string attribute `units` ("Pa",
    /// "m/s"). The file is flushed before returning, so a run killed later leaves this snapshot
    /// readable.
    ///
    /// Needs [`H5Output::write_grid`] first (the shape comes from `/grid@dims`). Snapshots are
    /// written in increasing index order with increasing, finite times; each index once. Sizes
    /// are checked before anything is written ([`IoError::SizeMismatch`] names the dataset).
    /// Non-finite values are written as given, with a `log::warn` (the checker rejects them).
    pub fn write_snapshot(&self, index: usize, time: f64, pressure: &[f32], velocity: &[f32]) -> Result<(), IoError> {
        if index > MAX_SNAPSHOT_INDEX {
            let m = format!("index {index} exceeds {MAX_SNAPSHOT_INDEX}: snapshot group names have 6 digits");
            return Err(self.invalid(&format!("group /{FIELDS}/{index}"), m));
        }
        let at = snapshot_group(index);
        let object = format!("group {at}");
        if !time.is_finite() {
            return Err(self.invalid(&format!("attribute {at}@time"), format!("time {time} s is not finite")));
        }
        let grid = self.grid_group(&object)?;
        let cells = self.grid_shape(&grid)?;
        let vector = [cells[0], cells[1], cells[2], 3];
        self.check_len(&format!("{at}/pressure"), &cells, pressure.len())?;
        self.check_len(&format!("{at}/velocity"), &vector, velocity.len())?;
        let fields = self.top_group(FIELDS)?;
        if let Some((last, last_time)) = self.last_snapshot(&fields)? {
            if index <= last {
                let m = format!(
                    "already written, or not after the last snapshot {} (snapshots are written once each, \
                     in increasing index order)",
                    snapshot_group(last)
                );
                return Err(self.invalid(&object, m));
            }
            if time <= last_time {
                let m = format!(
                    "time {time} s is not after {last_time} s of {}: snapshot times must increase",
                    snapshot_group(last)
                );
                return Err(self.invalid(&format!("attribute {at}@time"), m));
            }
        }
        let bad = pressure.iter().chain(velocity).filter(|v| !v.is_finite()).count();
        if bad > 0 {
            log::warn!("{}: {at}: {bad} non-finite pressure/velocity values written as given", self.path.display());
        }
        let g = fields.create_group(&format!("{index:06}")).map_err(|e| self.h5(&object, e))?;
        self.created(&at);
        self.attr(&g, &at, "time", &[time][..])?;
        let p = self.create_dense(&g, &at, "pressure", &cells, pressure)?;
        self.str_attr(&p, &format!("{at}/pressure"), "units", "Pa")?;
        let v = self.create_dense(&g, &at, "velocity", &vector, velocity)?;
        self.str_attr(&v, &format!("{at}/velocity"), "units", "m/s")?;
        self.flush()
    }

    /// Writes (or replaces) `/summary`, the per-cap time series:
    ///
    /// * `cap_names` (variable-length UTF-8 strings, n_caps): `names`, in column order;
    /// * `time` (f64, s, n_times): `times`, finite and strictly increasing;
    /// * `flow_rate` (f64, m^3/s, n_times x n_caps): volume flow rate through each cap, positive
    ///   out of the fluid (so an inlet carries negative values);
    /// * `mean_pressure` (f64, Pa, n_times x n_caps): mean pressure over each cap;
    ///
    /// the numeric ones with a string attribute `units` ("s", "m^3/s", "Pa").
    ///
    /// `flow_rates` and `pressures` are given **per cap**: `flow_rates[c][t]` is cap `c`'s value at
    /// `times[t]`, so each holds `names.len()` series of `times.len()` values (the file stores the
    /// transpose, row `t` holding every cap at `times[t]`). Mismatched lengths give
    /// [`IoError::Invalid`] naming the dataset.
    ///
    /// Call it once at the end of a run, or repeatedly with the series so far: each call replaces
    /// the whole group. The datasets are chunked and resizable along time, so a rewrite with the
    /// same caps resizes and overwrites them in place (the file does not grow with each rewrite
    /// beyond the data itself); different caps replace the datasets. In a staged file
    /// ([`H5Output::create_staged`]) every call writes new datasets into the group's copy, and
    /// the old ones are freed when a commit replaces them. Flushed before returning.
    /// Needs no grid.
    pub fn write_summary(
        &self,
        names: &[String],
        times: &[f64],
        flow_rates: &[Vec<f64>],
        pressures: &[Vec<f64>],
    ) -> Result<(), IoError> {
        let at = format!("/{SUMMARY}");
        for (c, name) in names.iter().enumerate() {
            if name.is_empty() || name.contains('\0') || names[..c].contains(name) {
                let m = format!("cap {c}: {name:?} is empty, holds NUL or repeats an earlier name");
                return Err(self.invalid(&format!("dataset {at}/cap_names"), m));
            }
        }
        if let Some(t) = times.iter().position(|t| !t.is_finite()) {
            let m = format!("times[{t}] = {} s is not finite", times[t]);
            return Err(self.invalid(&format!("dataset {at}/time"), m));
        }
        if let Some(t) = times.windows(2).position(|w| w[1] <= w[0]) {
            let m = format!("times must increase: time {} is {} s, after {} s", t + 1, times[t + 1], times[t]);
            return Err(self.invalid(&format!("dataset {at}/time"), m));
        }
        let flow = self.per_time(&at, "flow_rate", names, times.len(), flow_rates)?;
        let mean_p = self.per_time(&at, "mean_pressure", names, times.len(), pressures)?;
        let cap_names =
            names.iter().map(|n| VarLenUnicode::from_str(n)).collect::<Result<Vec<_>, _>>().map_err(|e| {
                self.invalid(&format!("dataset {at}/cap_names"), format!("not storable as HDF5 text: {e}"))
            })?;
        let group = self.top_group(SUMMARY)?;
        let table = [times.len(), names.len()];
        self.write_resizable(&group, &at, "cap_names", &[names.len()], &cap_names, None)?;
        self.write_resizable(&group, &at, "time", &[times.len()], times, Some("s"))?;
        // Each step's time step: the time since the row before (the first from t = 0).
        let dt: Vec<f64> = times.iter().scan(0.0, |before, &t| Some(t - std::mem::replace(before, t))).collect();
        self.write_resizable(&group, &at, "dt", &[times.len()], &dt, Some("s"))?;
        self.write_resizable(&group, &at, "flow_rate", &table, &flow, Some("m^3/s"))?;
        self.write_resizable(&group, &at, "mean_pressure", &table, &mean_p, Some("Pa"))?;
        self.flush()
    }

    /// Writes a steady run's residuals per row of /summary (velocity, mass, caps: dimensionless,
    /// see `run::Residuals`) as /summary/residual_velocity, residual_mass and residual_caps.
    pub fn write_residuals(&self, residuals: &[[f64; 3]]) -> Result<(), IoError> {
        let at = format!("/{SUMMARY}");
        let group = self.top_group(SUMMARY)?;
        for (k, name) in ["residual_velocity", "residual_mass", "residual_caps"].iter().enumerate() {
            let column: Vec<f64> = residuals.iter().map(|r| r[k]).collect();
            self.write_resizable(&group, &at, name, &[column.len()], &column, Some("1"))?;
        }
        self.flush()
    }

    /// Flushes everything written so far to the file (metadata and data).
    pub fn flush(&self) -> Result<(), IoError> {
        self.file().flush().map_err(|e| self.h5("flush", e))
    }

    /// Flushes and closes the file, reporting any error (dropping the writer closes it too,
    /// silently). A staged file is committed first ([`H5Output::commit`]).
    pub fn close(mut self) -> Result<(), IoError> {
        self.commit()?;
        self.flush()?;
        let path = self.path.clone();
        let file = self.file.take().expect("the file is open while the writer lives");
        file.close().map_err(|source| IoError::Hdf5 { path, object: "close file".into(), source })
    }

    /// Writes a dense dataset `<parent>/<name>` of the given C-order `shape`, chunked (at most
    /// 16 x 64 x 64 along the first three dims, later dims whole) and compressed where deflate
    /// is available. `values.len()` must already match `shape`.
    pub(crate) fn write_dense<T: H5Type>(
        &self,
        parent: &hdf5::Group,
        parent_path: &str,
        name: &str,
        shape: &[usize],
        values: &[T],
    ) -> Result<(), IoError> {
        self.create_dense(parent, parent_path, name, shape, values).map(|_| ())
    }

    /// [`H5Output::write_dense`], returning the dataset (to attach attributes).
    pub(super) fn create_dense<T: H5Type>(
        &self,
        parent: &hdf5::Group,
        parent_path: &str,
        name: &str,
        shape: &[usize],
        values: &[T],
    ) -> Result<hdf5::Dataset, IoError> {
        let object = format!("dataset {parent_path}/{name}");
        self.check_len(&format!("{parent_path}/{name}"), shape, values.len())?;
        if parent.link_exists(name) {
            return Err(self.invalid(&object, "already exists in the file (each dataset is written once)".into()));
        }
        let mut builder = parent.new_dataset::<T>().shape(shape.to_vec()).chunk(chunk_shape(shape));
        if self.compress {
            if std::mem::size_of::<T>() > 1 {
                builder = builder.shuffle();
            }
            builder = builder.deflate(DEFLATE_LEVEL);
        }
        let ds = builder.create(name).map_err(|e| self.h5(&object, e))?;
        ds.write_raw(values).map_err(|e| self.h5(&object, e))?;
        Ok(ds)
    }

    /// Writes `<parent>/<name>` as a chunked dataset resizable along every axis (uncompressed):
    /// an existing dataset of the same element type and rank is resized and overwritten in place,
    /// anything else of that name is unlinked first. `units`, when given, becomes the string
    /// attribute `units` of a newly created dataset.
    fn write_resizable<T: H5Type>(
        &self,
        parent: &hdf5::Group,
        parent_path: &str,
        name: &str,
        shape: &[usize],
        values: &[T],
        units: Option<&str>,
    ) -> Result<(), IoError> {
        let object = format!("dataset {parent_path}/{name}");
        let same_kind = |ds: &hdf5::Dataset| {
            ds.is_resizable()
                && ds.ndim() == shape.len()
                && ds.dtype().and_then(|t| t.to_descriptor()).is_ok_and(|d| d == T::type_descriptor())
        };
        // A staged file's datasets are written anew: the one in the group may be the committed one.
        let existing = if parent.link_exists(name) && self.staged.is_none() {
            parent.dataset(name).ok().filter(same_kind)
        } else {
            None
        };
        let ds = match existing {
            Some(ds) => {
                ds.resize(shape.to_vec()).map_err(|e| self.h5(&object, e))?;
                ds
            }
            None => {
                if parent.link_exists(name) {
                    parent.unlink(name).map_err(|e| self.h5(&object, e))?;
                }
                let chunk: Vec<usize> = shape
                    .iter()
                    .enumerate()
                    .map(|(a, &d)| if a == 0 { SUMMARY_CHUNK_ROWS } else { d.max(1) })
                    .collect();
                let ds = parent
                    .new_dataset::<T>()
                    .shape(SimpleExtents::resizable(shape))
                    .chunk(chunk)
                    .create(name)
                    .map_err(|e| self.h5(&object, e))?;
                if let Some(units) = units {
                    self.str_attr(&ds, &format!("{parent_path}/{name}"), "units", units)?;
                }
                ds
            }
        };
        if !values.is_empty() {
            ds.write_raw(values).map_err(|e| self.h5(&object, e))?;
        }
        Ok(())
    }

    /// Transposes per-cap series (`series[c][t]`) into the stored n_times x n_caps row-major table,
    /// checking that there is one series per name and one value per time.
    fn per_time(
        &self,
        at: &str,
        dataset: &str,
        names: &[String],
        n_times: usize,
        series: &[Vec<f64>],
    ) -> Result<Vec<f64>, IoError> {
        let object = format!("dataset {at}/{dataset}");
        if series.len() != names.len() {
            let m = format!(
                "{} per-cap series given for {} cap names (expected one series per cap, [cap][time])",
                series.len(),
                names.len()
            );
            return Err(self.invalid(&object, m));
        }
        for (c, s) in series.iter().enumerate() {
            if s.len() != n_times {
                let m = format!("cap {c} ({:?}): {} values given for {n_times} times", names[c], s.len());
                return Err(self.invalid(&object, m));
            }
        }
        Ok((0..n_times).flat_map(|t| series.iter().map(move |s| s[t])).collect())
    }

    /// The latest snapshot under `/fields` (largest 6-digit group name) and its `time`, if any.
    fn last_snapshot(&self, fields: &hdf5::Group) -> Result<Option<(usize, f64)>, IoError> {
        let names = fields.member_names().map_err(|e| self.h5(&format!("group /{FIELDS}"), e))?;
        let last = names
            .iter()
            .filter(|n| n.len() == 6 && n.bytes().all(|b| b.is_ascii_digit()))
            .filter_map(|n| n.parse::<usize>().ok())
            .max();
        let Some(last) = last else { return Ok(None) };
        let at = snapshot_group(last);
        let time = fields
            .group(&format!("{last:06}"))
            .and_then(|g| g.attr("time"))
            .and_then(|a| a.read_scalar::<f64>())
            .map_err(|e| self.h5(&format!("attribute {at}@time"), e))?;
        Ok(Some((last, time)))
    }

    /// The cell shape `[nz, ny, nx]` from `/grid@dims`.
    pub(super) fn grid_shape(&self, grid: &hdf5::Group) -> Result<[usize; 3], IoError> {
        let dims: Vec<u32> =
            grid.attr("dims").and_then(|a| a.read_raw::<u32>()).map_err(|e| self.h5("attribute /grid@dims", e))?;
        if dims.len() != 3 {
            return Err(self.invalid("attribute /grid@dims", format!("{} values, expected 3", dims.len())));
        }
        Ok([dims[2] as usize, dims[1] as usize, dims[0] as usize])
    }

    /// The top-level group `name` to write into, created when the file has none (in a published
    /// staged file: the copy the next commit links in, see [`H5Output::commit`]).
    pub(super) fn top_group(&self, name: &str) -> Result<hdf5::Group, IoError> {
        if let Some(group) = self.staged_group(name)? {
            return Ok(group);
        }
        let file = self.file();
        if file.link_exists(name) { file.group(name) } else { file.create_group(name) }
            .map_err(|e| self.h5(&format!("group /{name}"), e))
    }

    /// `/grid`, to add to (see [`H5Output::top_group`]).
    fn grid_group_to_write(&self, object: &str) -> Result<hdf5::Group, IoError> {
        self.grid_group(object)?;
        self.top_group(GRID)
    }

    /// `/grid`, to read.
    pub(super) fn grid_group(&self, object: &str) -> Result<hdf5::Group, IoError> {
        if !self.file().link_exists(GRID) {
            return Err(self.invalid(object, "no /grid in the file yet: call write_grid first".into()));
        }
        self.file().group(GRID).map_err(|e| self.h5("group /grid", e))
    }

    pub(super) fn check_len(&self, dataset: &str, shape: &[usize], got: usize) -> Result<(), IoError> {
        let expected: usize = shape.iter().product();
        if got == expected {
            return Ok(());
        }
        let shape = shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(" x ");
        Err(IoError::SizeMismatch { path: self.path.clone(), dataset: dataset.into(), expected, got, shape })
    }

    pub(super) fn attr<T: H5Type>(&self, loc: &Location, at: &str, name: &str, values: &[T]) -> Result<(), IoError> {
        let object = format!("attribute {at}@{name}");
        let created = if values.len() == 1 {
            loc.new_attr::<T>().shape(()).create(name).and_then(|a| a.write_scalar(&values[0]))
        } else {
            loc.new_attr_builder().with_data(values).create(name).map(|_| ())
        };
        created.map_err(|e| self.h5(&object, e))
    }

    pub(super) fn str_attr(&self, loc: &Location, at: &str, name: &str, value: &str) -> Result<(), IoError> {
        let object = format!("attribute {at}@{name}");
        let v = VarLenUnicode::from_str(value)
            .map_err(|e| self.invalid(&object, format!("cannot store the text as an HDF5 string: {e}")))?;
        loc.new_attr::<VarLenUnicode>()
            .shape(())
            .create(name)
            .and_then(|a| a.write_scalar(&v))
            .map_err(|e| self.h5(&object, e))
    }

    pub(super) fn h5(&self, object: &str, source: hdf5::Error) -> IoError {
        IoError::Hdf5 { path: self.path.clone(), object: object.into(), source }
    }

    pub(super) fn invalid(&self, object: &str, message: String) -> IoError {
        IoError::Invalid { path: self.path.clone(), object: object.into(), message }
    }
}

/// Chunk shape for a dense dataset: the first three dims clipped to [`CHUNK_ZYX`], the rest
/// whole; every extent at least 1.
fn chunk_shape(shape: &[usize]) -> Vec<usize> {
    shape.iter().enumerate().map(|(a, &d)| d.clamp(1, CHUNK_ZYX.get(a).copied().unwrap_or(usize::MAX))).collect()
}

/// Whether the deflate filter is present and can encode in the linked HDF5 library.
fn deflate_usable() -> bool {
    let deflate = hdf5::filters::Filter::deflate(DEFLATE_LEVEL);
    hdf5::filters::deflate_available() && deflate.encode_enabled()
}

/// A name usable as one HDF5 link: not empty, no '/', not "." or "..".
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
        return Err(format!("{name:?} is not a usable name (must be non-empty, without '/' or NUL, not . or ..)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_shape_clips_to_dims_and_keeps_trailing_dims_whole() {
        assert_eq!(chunk_shape(&[1, 1, 1]), vec![1, 1, 1]);
        assert_eq!(chunk_shape(&[100, 30, 200]), vec![16, 30, 64]);
        assert_eq!(chunk_shape(&[100, 300, 200, 3]), vec![16, 64, 64, 3]);
    }

    #[test]
    fn names_with_slashes_are_rejected() {
        assert!(check_name("inlet").is_ok());
        assert!(check_name("a/b").is_err());
        assert!(check_name("").is_err());
        assert!(check_name(".").is_err());
    }
}
