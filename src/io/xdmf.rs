//! XDMF 3 sidecar files: small XML documents that tell ParaView (and VisIt) how to read the
//! arrays of an HDF5 output file as a mesh with cell data.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use quick_xml::escape::escape;

use super::{snapshot_group, FieldType, GridMeta, IoError, MAX_SNAPSHOT_INDEX};

/// Writes the XDMF 3 sidecar for the grid of `h5_path` so ParaView opens it.
///
/// The mesh is a `3DCoRectMesh` whose topology dimensions count nodes (nz+1 ny+1 nx+1) and whose
/// geometry is `ORIGIN_DXDYDZ` (origin and spacing in m, given z y x, as XDMF expects). Each entry
/// of `fields` becomes a cell-centred scalar `Attribute` whose `DataItem` (`Format="HDF"`,
/// dimensions nz ny nx) points at `<h5 path relative to the XDMF's folder>:/grid/<name>`.
/// The HDF5 file is not opened: `tools/check_output_h5.py` checks that the two agree. The file is
/// replaced atomically (written beside it, then renamed).
pub fn write_grid_xdmf(
    xdmf_path: &Path,
    h5_path: &Path,
    meta: &GridMeta,
    fields: &[(&str, FieldType)],
) -> Result<(), IoError> {
    let invalid = |object: &str, message: String| invalid(xdmf_path, object, message);
    meta.validate().map_err(|m| invalid("grid", m))?;
    for (name, _) in fields {
        if name.is_empty() || name.contains('/') {
            return Err(invalid(&format!("attribute {name:?}"), "field names must be non-empty, without '/'".into()));
        }
    }
    let h5_ref = h5_reference(xdmf_path, h5_path)?;
    write_atomically(xdmf_path, &grid_xdmf_text(&h5_ref, meta, fields))
}

/// Writes the XDMF 3 sidecar for the snapshots of `h5_path`: a temporal collection
/// (`GridType="Collection" CollectionType="Temporal"`) holding, per `(index, time)` of
/// `snapshots`, a uniform grid with `<Time Value="time"/>` (s), the same `3DCoRectMesh`
/// topology and geometry as [`write_grid_xdmf`], and the cell-centred attributes `cell_kind`
/// (`/grid/cell_kind`, UChar), `pressure` (Scalar, Float 4, `/fields/NNNNNN/pressure`) and
/// `velocity` (Vector, Float 4, dimensions nz ny nx 3, `/fields/NNNNNN/velocity`).
///
/// `snapshots` must be non-empty, with indices (at most [`MAX_SNAPSHOT_INDEX`]) and finite times
/// both strictly increasing, as [`super::H5Output::write_snapshot`] wrote them. The HDF5 file is
/// not opened. The file is replaced atomically (written beside it, then renamed), so a run can
/// rewrite it after each snapshot and readers never see a half-written document.
pub fn write_time_series_xdmf(
    xdmf_path: &Path,
    h5_path: &Path,
    meta: &GridMeta,
    snapshots: &[(usize, f64)],
) -> Result<(), IoError> {
    let invalid = |object: &str, message: String| invalid(xdmf_path, object, message);
    meta.validate().map_err(|m| invalid("grid", m))?;
    if snapshots.is_empty() {
        return Err(invalid("temporal collection", "no snapshots: a time series needs at least one".into()));
    }
    for (n, &(index, time)) in snapshots.iter().enumerate() {
        if index > MAX_SNAPSHOT_INDEX {
            let m = format!("index {index} exceeds {MAX_SNAPSHOT_INDEX} (snapshot names have 6 digits)");
            return Err(invalid(&format!("snapshot {n}"), m));
        }
        let object = format!("Time of snapshot {}", snapshot_group(index));
        if !time.is_finite() {
            return Err(invalid(&object, format!("time {time} s is not finite")));
        }
        if let Some(&(prev_index, prev_time)) = n.checked_sub(1).map(|p| &snapshots[p]) {
            if index <= prev_index {
                let m = format!("index {index} does not follow {prev_index}: indices must increase");
                return Err(invalid(&format!("snapshot {n}"), m));
            }
            if time <= prev_time {
                return Err(invalid(
                    &object,
                    format!("time {time} s does not follow {prev_time} s: times must increase"),
                ));
            }
        }
    }
    let h5_ref = h5_reference(xdmf_path, h5_path)?;
    write_atomically(xdmf_path, &time_series_xdmf_text(&h5_ref, meta, snapshots))
}

/// How an `Attribute` lays out its values per cell.
#[derive(Clone, Copy)]
enum AttributeKind {
    /// One value per cell, dimensions nz ny nx.
    Scalar,
    /// Three components per cell, dimensions nz ny nx 3.
    Vector,
}

/// The XDMF document for the grid, with `h5_ref` (the HDF5 file as the XDMF names it).
fn grid_xdmf_text(h5_ref: &str, meta: &GridMeta, fields: &[(&str, FieldType)]) -> String {
    let mut s = String::new();
    open_document(&mut s);
    s.push_str("    <Grid Name=\"grid\" GridType=\"Uniform\">\n");
    mesh(&mut s, "      ", meta);
    for (name, ty) in fields {
        let dataset = format!("/grid/{name}");
        attribute(&mut s, "      ", meta, name, AttributeKind::Scalar, *ty, h5_ref, &dataset);
    }
    s.push_str("    </Grid>\n");
    close_document(&mut s);
    s
}

/// The XDMF document for the time series over `snapshots`, with `h5_ref` as in [`grid_xdmf_text`].
fn time_series_xdmf_text(h5_ref: &str, meta: &GridMeta, snapshots: &[(usize, f64)]) -> String {
    let mut s = String::new();
    open_document(&mut s);
    s.push_str("    <Grid Name=\"snapshots\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
    for &(index, time) in snapshots {
        let group = snapshot_group(index);
        let _ = writeln!(s, "      <Grid Name=\"snapshot_{index:06}\" GridType=\"Uniform\">");
        let _ = writeln!(s, "        <Time Value=\"{time:e}\"/>");
        mesh(&mut s, "        ", meta);
        let ind = "        ";
        attribute(&mut s, ind, meta, "cell_kind", AttributeKind::Scalar, FieldType::UChar, h5_ref, "/grid/cell_kind");
        let pressure = format!("{group}/pressure");
        attribute(&mut s, ind, meta, "pressure", AttributeKind::Scalar, FieldType::Float32, h5_ref, &pressure);
        let velocity = format!("{group}/velocity");
        attribute(&mut s, ind, meta, "velocity", AttributeKind::Vector, FieldType::Float32, h5_ref, &velocity);
        s.push_str("      </Grid>\n");
    }
    s.push_str("    </Grid>\n");
    close_document(&mut s);
    s
}

/// XML declaration, doctype, `<Xdmf>` and `<Domain>`.
pub(super) fn open_document(s: &mut String) {
    s.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    s.push_str("<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n");
    s.push_str("<Xdmf Version=\"3.0\" xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n");
    s.push_str("  <Domain>\n");
}

/// Closes what [`open_document`] opened.
pub(super) fn close_document(s: &mut String) {
    s.push_str("  </Domain>\n</Xdmf>\n");
}

/// The `3DCoRectMesh` topology (node counts, z y x) and `ORIGIN_DXDYDZ` geometry (m, z y x) of
/// the grid, each line prefixed with `indent`.
fn mesh(s: &mut String, indent: &str, meta: &GridMeta) {
    let [nx, ny, nz] = meta.dims;
    let [ox, oy, oz] = meta.origin;
    let h = meta.spacing;
    let _ = writeln!(
        s,
        "{indent}<Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"{} {} {}\"/>",
        nz as u64 + 1,
        ny as u64 + 1,
        nx as u64 + 1
    );
    let _ = writeln!(s, "{indent}<Geometry GeometryType=\"ORIGIN_DXDYDZ\">");
    let _ = writeln!(
        s,
        "{indent}  <DataItem Name=\"Origin\" Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" \
         Format=\"XML\">{oz:e} {oy:e} {ox:e}</DataItem>"
    );
    let _ = writeln!(
        s,
        "{indent}  <DataItem Name=\"Spacing\" Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" \
         Format=\"XML\">{h:e} {h:e} {h:e}</DataItem>"
    );
    let _ = writeln!(s, "{indent}</Geometry>");
}

/// A cell-centred `Attribute` named `name` whose `DataItem` reads `h5_ref:dataset`.
#[allow(clippy::too_many_arguments)]
fn attribute(
    s: &mut String,
    indent: &str,
    meta: &GridMeta,
    name: &str,
    kind: AttributeKind,
    ty: FieldType,
    h5_ref: &str,
    dataset: &str,
) {
    let [nx, ny, nz] = meta.dims;
    let (number_type, precision) = match ty {
        FieldType::UChar => ("UChar", 1),
        FieldType::Float32 => ("Float", 4),
    };
    let (attribute_type, dims) = match kind {
        AttributeKind::Scalar => ("Scalar", format!("{nz} {ny} {nx}")),
        AttributeKind::Vector => ("Vector", format!("{nz} {ny} {nx} 3")),
    };
    let _ =
        writeln!(s, "{indent}<Attribute Name=\"{}\" AttributeType=\"{attribute_type}\" Center=\"Cell\">", escape(name));
    let _ = writeln!(
        s,
        "{indent}  <DataItem Dimensions=\"{dims}\" NumberType=\"{number_type}\" Precision=\"{precision}\" \
         Format=\"HDF\">{}:{}</DataItem>",
        escape(h5_ref),
        escape(dataset)
    );
    let _ = writeln!(s, "{indent}</Attribute>");
}

fn invalid(xdmf_path: &Path, object: &str, message: String) -> IoError {
    IoError::Invalid { path: xdmf_path.to_path_buf(), object: object.into(), message }
}

/// The HDF5 file as the XDMF at `xdmf_path` names it (see [`relative_h5_path`]), as UTF-8.
pub(super) fn h5_reference(xdmf_path: &Path, h5_path: &Path) -> Result<String, IoError> {
    let rel = relative_h5_path(xdmf_path, h5_path);
    rel.to_str()
        .map(str::to_owned)
        .ok_or_else(|| invalid(xdmf_path, "DataItem", format!("HDF5 path {} is not valid UTF-8", h5_path.display())))
}

/// Writes `text` to `<path>.tmp` beside `path`, then renames it over `path`, so readers see the
/// old document or the new one, never a partial one.
pub(super) fn write_atomically(path: &Path, text: &str) -> Result<(), IoError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text).map_err(|source| IoError::File { path: tmp.clone(), source })?;
    std::fs::rename(&tmp, path).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        IoError::File { path: path.to_path_buf(), source }
    })
}

/// `h5_path` as seen from the folder holding `xdmf_path`: relative where both resolve to
/// absolute paths (the usual case: the same folder gives the bare file name), else as given.
fn relative_h5_path(xdmf_path: &Path, h5_path: &Path) -> PathBuf {
    let xdmf_dir = match xdmf_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (Ok(dir), Some(h5_name)) = (std::fs::canonicalize(&xdmf_dir), h5_path.file_name()) else {
        return h5_path.to_path_buf();
    };
    let h5_dir = match h5_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(h5_dir) = std::fs::canonicalize(&h5_dir) else {
        return h5_path.to_path_buf();
    };
    let from: Vec<Component> = dir.components().collect();
    let to: Vec<Component> = h5_dir.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return h5_dir.join(h5_name);
    }
    let mut rel = PathBuf::new();
    for _ in common..from.len() {
        rel.push("..");
    }
    for c in &to[common..] {
        rel.push(c.as_os_str());
    }
    rel.push(h5_name);
    rel
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_folder_gives_the_bare_file_name() {
        let dir = std::env::temp_dir();
        assert_eq!(relative_h5_path(&dir.join("a.xdmf"), &dir.join("a.h5")), PathBuf::from("a.h5"));
    }

    #[test]
    fn topology_counts_nodes_in_zyx_order() {
        let meta = GridMeta { origin: [1.0, 2.0, 3.0], spacing: 0.5, dims: [5, 3, 2] };
        let text = grid_xdmf_text("g.h5", &meta, &[("cell_kind", FieldType::UChar)]);
        assert!(text.contains("Dimensions=\"3 4 6\""), "{text}");
        assert!(text.contains(">3e0 2e0 1e0<"), "{text}");
        assert!(text.contains(
            "Dimensions=\"2 3 5\" NumberType=\"UChar\" Precision=\"1\" Format=\"HDF\">g.h5:/grid/cell_kind<"
        ));
    }

    #[test]
    fn time_series_shares_the_mesh_and_points_at_each_snapshot() {
        let meta = GridMeta { origin: [1.0, 2.0, 3.0], spacing: 0.5, dims: [5, 3, 2] };
        let text = time_series_xdmf_text("g.h5", &meta, &[(0, 0.0), (7, 1.5e-3)]);
        let mut mesh_text = String::new();
        mesh(&mut mesh_text, "        ", &meta);
        assert_eq!(text.matches(&mesh_text).count(), 2, "{text}");
        assert!(text.contains("CollectionType=\"Temporal\""), "{text}");
        assert!(text.contains("<Time Value=\"1.5e-3\"/>"), "{text}");
        assert!(text.contains(
            "Dimensions=\"2 3 5 3\" NumberType=\"Float\" Precision=\"4\" Format=\"HDF\">g.h5:/fields/000007/velocity<"
        ));
        assert!(text.contains(">g.h5:/fields/000000/pressure<"), "{text}");
        assert_eq!(text.matches(">g.h5:/grid/cell_kind<").count(), 2, "{text}");
    }
}
