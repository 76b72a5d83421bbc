//! Reading a run's output file (the layout `hemoflow run` writes; see `crate::io`):
//!
//! ```text
//! /grid             attrs origin (f64[3], m), spacing (f64, m), dims (u32[3] or u64[3], x y z);
//!                   dataset cell_kind (u8, nz x ny x nx; 0 = solid)
//! /fields/NNNNNN    attr time (f64, s); pressure (f32, Pa, nz x ny x nx), velocity (f32, m/s,
//!                   nz x ny x nx x 3), wss (f32, Pa, M x 3), wall_pressure (f32, Pa, M)
//! /wall             vertices (f64, N x 3, m), triangles (u32 or u64, M x 3)
//! /cycles/NNNNNN    attrs start, end (s); tawss (f32, Pa, M), osi (f32, -, M), rrt (f32, 1/Pa, M)
//! /stents, /regions deployed stents and named regions (read in post/stents.rs; layout in io/stent.rs)
//! ```
//!
//! Numbers are read in whatever integer or float width the file holds and converted by HDF5.
//! Every error names the file and the object at fault.

use std::path::{Path, PathBuf};

use hdf5::H5Type;

use super::PostError;
use crate::io::GridMeta;
use crate::mesh::Vec3;
use crate::mesh::WallSurface;

/// An output file opened for reading.
pub struct OutputFile {
    file: hdf5::File,
    path: PathBuf,
}

/// The grid and its cell kinds.
#[derive(Clone, Debug, PartialEq)]
pub struct GridData {
    /// Origin (m, low corner of cell (0,0,0)), spacing (m) and dims (cells along x, y, z).
    pub meta: GridMeta,
    /// Cell kind per cell, 0 = solid, C order with z slowest: cell (i,j,k) at `(k * ny + j) * nx + i`.
    pub cell_kind: Vec<u8>,
}

/// Which snapshot or cycle group: the highest-numbered one, or a given number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Pick {
    /// The highest-numbered group (the latest snapshot, the last finished cycle).
    #[default]
    Last,
    /// Group number N (`/fields/NNNNNN` or `/cycles/NNNNNN`).
    Number(usize),
}

impl OutputFile {
    /// Opens `path` for reading.
    pub fn open(path: &Path) -> Result<OutputFile, PostError> {
        if !path.is_file() {
            let message = if path.exists() { "not a file" } else { "no such file" };
            return Err(PostError::Open { path: path.to_path_buf(), message: message.into() });
        }
        let file = hdf5::File::open(path).map_err(|e| {
            let mut message = e.to_string();
            if message.contains("lock") {
                message +=
                    " (a running hemoflow run holds the file; set HDF5_USE_FILE_LOCKING=FALSE to read it anyway)";
            }
            PostError::Open { path: path.to_path_buf(), message }
        })?;
        Ok(OutputFile { file, path: path.to_path_buf() })
    }

    /// The file's path, as given to [`OutputFile::open`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the object at `path` (e.g. "/cycles/000001/osi") exists, each step checked.
    pub fn exists(&self, path: &str) -> bool {
        let mut at = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let parent = if at.is_empty() { self.file.group("/") } else { self.file.group(&at) };
            if !parent.is_ok_and(|g| g.link_exists(part)) {
                return false;
            }
            at = format!("{at}/{part}");
        }
        true
    }

    /// The grid's geometry and cell kinds.
    pub fn grid(&self) -> Result<GridData, PostError> {
        let group = self.group("/grid", "")?;
        let origin: Vec<f64> = self.read_attr(&group, "/grid", "origin")?;
        let spacing: Vec<f64> = self.read_attr(&group, "/grid", "spacing")?;
        let dims: Vec<u64> = self.read_attr(&group, "/grid", "dims")?;
        let (Ok(origin), [spacing], Ok(dims)) =
            (<[f64; 3]>::try_from(origin), spacing.as_slice(), <[u64; 3]>::try_from(dims.clone()))
        else {
            return Err(self.invalid("group /grid", "attributes origin, spacing, dims need 3, 1, 3 values".into()));
        };
        let dims = dims.map(|d| u32::try_from(d).unwrap_or(u32::MAX));
        let meta = GridMeta { origin, spacing: *spacing, dims };
        meta.validate().map_err(|m| self.invalid("group /grid", m))?;
        let cell_kind: Vec<u8> = self.read("/grid/cell_kind", &meta.shape_zyx(), "")?;
        Ok(GridData { meta, cell_kind })
    }

    /// The wall surface (`/wall/vertices`, `triangles`, `labels`, `label_names`).
    pub fn wall(&self) -> Result<WallSurface, PostError> {
        let hint = " (the run wrote no wall surface, so no wall fields can be drawn)";
        let xyz: Vec<f64> = self.read("/wall/vertices", &[usize::MAX, 3], hint)?;
        let vertices: Vec<Vec3> = xyz.chunks_exact(3).map(|c| Vec3::new(c[0], c[1], c[2])).collect();
        let ids: Vec<u64> = self.read("/wall/triangles", &[usize::MAX, 3], hint)?;
        if let Some(bad) = ids.iter().find(|&&i| i as usize >= vertices.len()) {
            let m = format!("vertex index {bad} out of range ({} vertices)", vertices.len());
            return Err(self.invalid("dataset /wall/triangles", m));
        }
        let triangles: Vec<[u32; 3]> = ids.chunks_exact(3).map(|c| [c[0] as u32, c[1] as u32, c[2] as u32]).collect();
        let labels: Vec<u64> = self.read("/wall/labels", &[triangles.len()], hint)?;
        let label_names = self.strings("/wall/label_names")?;
        if let Some(bad) = labels.iter().find(|&&l| l as usize >= label_names.len()) {
            let m = format!("label {bad} out of range ({} label_names)", label_names.len());
            return Err(self.invalid("dataset /wall/labels", m));
        }
        let labels = labels.into_iter().map(|l| l as u32).collect();
        Ok(WallSurface { vertices, triangles, labels, label_names })
    }

    /// Numbers of the groups under `/fields` (`group` = "fields") or `/cycles` ("cycles"),
    /// ascending: the 6-digit names, parsed.
    pub fn numbers(&self, group: &str) -> Result<Vec<usize>, PostError> {
        let at = format!("/{group}");
        let g = self.group(&at, &hint_for(group))?;
        let names = g.member_names().map_err(|source| self.h5(&format!("group {at}"), source))?;
        let mut numbers: Vec<usize> = names
            .iter()
            .filter(|n| n.len() == 6 && n.bytes().all(|b| b.is_ascii_digit()))
            .filter_map(|n| n.parse().ok())
            .collect();
        numbers.sort_unstable();
        Ok(numbers)
    }

    /// The group `/<group>/NNNNNN` that `pick` names, e.g. "/cycles/000002"; `option` (e.g.
    /// "--cycle 7") is named when that group does not exist.
    pub fn pick(&self, group: &str, pick: Pick, option: &str) -> Result<String, PostError> {
        let numbers = self.numbers(group)?;
        let number = match pick {
            Pick::Last => *numbers.last().ok_or_else(|| PostError::Missing {
                path: self.path.clone(),
                object: format!("group under /{group}"),
                hint: hint_for(group),
            })?,
            Pick::Number(n) if numbers.contains(&n) => n,
            Pick::Number(n) => {
                let have = match (numbers.first(), numbers.last()) {
                    (Some(a), Some(b)) => format!("{} groups, numbered {a} to {b}", numbers.len()),
                    _ => "none".into(),
                };
                let message = format!("{}: no /{group}/{n:06} (the file has {have})", self.path.display());
                return Err(PostError::Option { option: option.into(), message });
            }
        };
        Ok(format!("/{group}/{number:06}"))
    }

    /// Reads the scalar f64 attribute `name` of group `at` (e.g. "/fields/000003", "time").
    pub fn scalar_attr(&self, at: &str, name: &str) -> Result<f64, PostError> {
        let group = self.group(at, "")?;
        let values: Vec<f64> = self.read_attr(&group, at, name)?;
        match values.as_slice() {
            [v] => Ok(*v),
            _ => Err(self.invalid(&format!("attribute {at}@{name}"), format!("{} values, expected 1", values.len()))),
        }
    }

    /// Reads the numeric attribute `name` of group `at` (e.g. "/regions/sac", "center") as f64
    /// values, however many it holds; `None` when the attribute is absent.
    pub fn float_attr(&self, at: &str, name: &str) -> Result<Option<Vec<f64>>, PostError> {
        let group = self.group(at, "")?;
        let names = group.attr_names().map_err(|source| self.h5(&format!("attribute {at}@{name}"), source))?;
        if !names.iter().any(|n| n == name) {
            return Ok(None);
        }
        self.read_attr(&group, at, name).map(Some)
    }

    /// Names of the members (groups and datasets) of group `at`, sorted.
    pub fn members(&self, at: &str) -> Result<Vec<String>, PostError> {
        let group = self.group(at, "")?;
        let mut names = group.member_names().map_err(|source| self.h5(&format!("group {at}"), source))?;
        names.sort();
        Ok(names)
    }

    /// Reads dataset `at` (e.g. "/cycles/000001/osi") as `T`, converting from the stored width,
    /// checking its shape against `shape` (`usize::MAX` matches any extent). `hint` (empty or
    /// starting " (") is added to the message when the dataset is missing.
    pub fn read<T: H5Type>(&self, at: &str, shape: &[usize], hint: &str) -> Result<Vec<T>, PostError> {
        if !self.exists(at) {
            return Err(PostError::Missing {
                path: self.path.clone(),
                object: format!("dataset {at}"),
                hint: hint.into(),
            });
        }
        let object = format!("dataset {at}");
        let ds = self.file.dataset(at).map_err(|source| self.h5(&object, source))?;
        let got = ds.shape();
        if got.len() != shape.len() || got.iter().zip(shape).any(|(g, s)| *s != usize::MAX && g != s) {
            let show = |s: &[usize]| {
                s.iter().map(|d| if *d == usize::MAX { "*".into() } else { d.to_string() }).collect::<Vec<_>>()
            };
            let m = format!("shape {} where {} was expected", show(&got).join(" x "), show(shape).join(" x "));
            return Err(self.invalid(&object, m));
        }
        ds.read_raw::<T>().map_err(|source| self.h5(&object, source))
    }

    /// Reads the string dataset `at` (e.g. "/summary/cap_names"), one-dimensional, stored as
    /// variable-length UTF-8 or ASCII text.
    pub fn strings(&self, at: &str) -> Result<Vec<String>, PostError> {
        use hdf5::types::{VarLenAscii, VarLenUnicode};
        if !self.exists(at) {
            let object = format!("dataset {at}");
            return Err(PostError::Missing { path: self.path.clone(), object, hint: String::new() });
        }
        let object = format!("dataset {at}");
        let ds = self.file.dataset(at).map_err(|source| self.h5(&object, source))?;
        if ds.ndim() != 1 {
            return Err(self.invalid(&object, format!("{} dimensions where a list of names was expected", ds.ndim())));
        }
        match ds.read_raw::<VarLenUnicode>() {
            Ok(v) => Ok(v.iter().map(|s| s.as_str().to_string()).collect()),
            Err(first) => match ds.read_raw::<VarLenAscii>() {
                Ok(v) => Ok(v.iter().map(|s| s.as_str().to_string()).collect()),
                Err(_) => Err(self.h5(&object, first)),
            },
        }
    }

    /// The string attribute `name` of the group `at` (e.g. "/", "software"), or None when the
    /// group or the attribute is absent. Variable-length UTF-8 or ASCII text.
    pub fn string_attr(&self, at: &str, name: &str) -> Result<Option<String>, PostError> {
        use hdf5::types::{VarLenAscii, VarLenUnicode};
        if at != "/" && !self.exists(at) {
            return Ok(None);
        }
        let object = format!("attribute {at}@{name}");
        let group = self.file.group(at).map_err(|source| self.h5(&object, source))?;
        let names = group.attr_names().map_err(|source| self.h5(&object, source))?;
        if !names.iter().any(|n| n == name) {
            return Ok(None);
        }
        let attr = group.attr(name).map_err(|source| self.h5(&object, source))?;
        match attr.read_scalar::<VarLenUnicode>() {
            Ok(v) => Ok(Some(v.as_str().to_string())),
            Err(first) => match attr.read_scalar::<VarLenAscii>() {
                Ok(v) => Ok(Some(v.as_str().to_string())),
                Err(_) => Err(self.h5(&object, first)),
            },
        }
    }

    fn group(&self, at: &str, hint: &str) -> Result<hdf5::Group, PostError> {
        if !self.exists(at) {
            return Err(PostError::Missing {
                path: self.path.clone(),
                object: format!("group {at}"),
                hint: hint.into(),
            });
        }
        self.file.group(at).map_err(|source| self.h5(&format!("group {at}"), source))
    }

    fn read_attr<T: H5Type>(&self, group: &hdf5::Group, at: &str, name: &str) -> Result<Vec<T>, PostError> {
        let object = format!("attribute {at}@{name}");
        let names = group.attr_names().map_err(|source| self.h5(&object, source))?;
        if !names.iter().any(|n| n == name) {
            return Err(PostError::Missing { path: self.path.clone(), object, hint: String::new() });
        }
        group.attr(name).and_then(|a| a.read_raw::<T>()).map_err(|source| self.h5(&object, source))
    }

    fn invalid(&self, object: &str, message: String) -> PostError {
        PostError::Invalid { path: self.path.clone(), object: object.into(), message }
    }

    fn h5(&self, object: &str, source: hdf5::Error) -> PostError {
        PostError::Hdf5 { path: self.path.clone(), object: object.into(), source }
    }
}

/// Why a top-level group may be missing.
fn hint_for(group: &str) -> String {
    match group {
        "cycles" => " (cycle averages are written only when the case's [time] section sets a period, and a cycle \
                     has finished)"
            .into(),
        "fields" => " (the run wrote no snapshots)".into(),
        _ => String::new(),
    }
}
