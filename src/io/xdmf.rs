//! XDMF 3 sidecar files: small XML documents that tell ParaView (and VisIt) how to read the
//! arrays of an HDF5 output file as a mesh with cell data.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use quick_xml::escape::escape;

use super::{FieldType, GridMeta, IoError};

/// Writes the XDMF 3 sidecar for the grid of `h5_path` so ParaView opens it.
///
/// The mesh is a `3DCoRectMesh` whose topology dimensions count nodes (nz+1 ny+1 nx+1) and whose
/// geometry is `ORIGIN_DXDYDZ` (origin and spacing in m, given z y x, as XDMF expects). Each entry
/// of `fields` becomes a cell-centred scalar `Attribute` whose `DataItem` (`Format="HDF"`,
/// dimensions nz ny nx) points at `<h5 path relative to the XDMF's folder>:/grid/<name>`.
/// The HDF5 file is not opened: `tools/check_grid_h5.py` checks that the two agree.
pub fn write_grid_xdmf(
    xdmf_path: &Path,
    h5_path: &Path,
    meta: &GridMeta,
    fields: &[(&str, FieldType)],
) -> Result<(), IoError> {
    let invalid = |object: &str, message: String| IoError::Invalid {
        path: xdmf_path.to_path_buf(),
        object: object.into(),
        message,
    };
    meta.validate().map_err(|m| invalid("grid", m))?;
    for (name, _) in fields {
        if name.is_empty() || name.contains('/') {
            return Err(invalid(&format!("attribute {name:?}"), "field names must be non-empty, without '/'".into()));
        }
    }
    let h5_ref = relative_h5_path(xdmf_path, h5_path);
    let h5_ref = h5_ref
        .to_str()
        .ok_or_else(|| invalid("DataItem", format!("HDF5 path {} is not valid UTF-8", h5_path.display())))?;
    std::fs::write(xdmf_path, grid_xdmf_text(h5_ref, meta, fields))
        .map_err(|source| IoError::File { path: xdmf_path.to_path_buf(), source })
}

/// The XDMF document for the grid, with `h5_ref` (the HDF5 file as the XDMF names it).
fn grid_xdmf_text(h5_ref: &str, meta: &GridMeta, fields: &[(&str, FieldType)]) -> String {
    let [nx, ny, nz] = meta.dims;
    let [ox, oy, oz] = meta.origin;
    let h = meta.spacing;
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    s.push_str("<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n");
    s.push_str("<Xdmf Version=\"3.0\" xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n");
    s.push_str("  <Domain>\n");
    s.push_str("    <Grid Name=\"grid\" GridType=\"Uniform\">\n");
    let _ = writeln!(
        s,
        "      <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"{} {} {}\"/>",
        nz as u64 + 1,
        ny as u64 + 1,
        nx as u64 + 1
    );
    s.push_str("      <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n");
    let _ = writeln!(
        s,
        "        <DataItem Name=\"Origin\" Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" \
         Format=\"XML\">{oz:e} {oy:e} {ox:e}</DataItem>"
    );
    let _ = writeln!(
        s,
        "        <DataItem Name=\"Spacing\" Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" \
         Format=\"XML\">{h:e} {h:e} {h:e}</DataItem>"
    );
    s.push_str("      </Geometry>\n");
    for (name, ty) in fields {
        let (number_type, precision) = match ty {
            FieldType::UChar => ("UChar", 1),
            FieldType::Float32 => ("Float", 4),
        };
        let name = escape(name);
        let _ = writeln!(s, "      <Attribute Name=\"{name}\" AttributeType=\"Scalar\" Center=\"Cell\">");
        let _ = writeln!(
            s,
            "        <DataItem Dimensions=\"{nz} {ny} {nx}\" NumberType=\"{number_type}\" \
             Precision=\"{precision}\" Format=\"HDF\">{}:/grid/{name}</DataItem>",
            escape(h5_ref)
        );
        s.push_str("      </Attribute>\n");
    }
    s.push_str("    </Grid>\n  </Domain>\n</Xdmf>\n");
    s
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
}
