//! Centrelines in HDF5 (`/centerlines`) and their XDMF sidecar (one polyline grid per line).

use std::fmt::Write as _;
use std::path::Path;

use super::xdmf::{close_document, h5_reference, open_document, write_atomically};
use super::{H5Output, IoError};
use crate::mesh::Vec3;

/// One centreline as it is written: from and to (cap names), its points (m), the maximum
/// inscribed sphere radius (m) and the arc length from `from` (m) at each.
#[derive(Clone, Copy, Debug)]
pub struct CenterlineRecord<'a> {
    /// Source cap.
    pub from: &'a str,
    /// Target cap.
    pub to: &'a str,
    /// Points, m.
    pub points: &'a [Vec3],
    /// Radius at each point, m.
    pub radius: &'a [f64],
    /// Arc length at each point, m.
    pub abscissa: &'a [f64],
}

/// The group of line `k` (0-based): `/centerlines/NNNNNN`.
fn line_group(k: usize) -> String {
    format!("/centerlines/{k:06}")
}

impl H5Output {
    /// Writes `/centerlines` (attrs `source`, the cap they start from, and `spacing`, m, of the
    /// grid they were traced on) and one group per line, `/centerlines/NNNNNN` from 000000, with
    /// attrs `from`, `to` (cap names) and datasets `points` (f64, N x 3, m), `radius` (f64, N, m:
    /// the maximum inscribed sphere radius) and `abscissa` (f64, N, m: arc length from `from`).
    pub fn write_centerlines(&self, source: &str, spacing: f64, lines: &[CenterlineRecord]) -> Result<(), IoError> {
        let group = self.top_group("centerlines")?;
        self.str_attr(&group, "/centerlines", "source", source)?;
        self.attr(&group, "/centerlines", "spacing", &[spacing])?;
        for (k, line) in lines.iter().enumerate() {
            let at = line_group(k);
            let g = group.create_group(&format!("{k:06}")).map_err(|e| self.h5(&format!("group {at}"), e))?;
            self.str_attr(&g, &at, "from", line.from)?;
            self.str_attr(&g, &at, "to", line.to)?;
            let xyz: Vec<f64> = line.points.iter().flat_map(|p| [p.x, p.y, p.z]).collect();
            let n = line.points.len();
            for (name, shape, values) in [
                ("points", vec![n, 3], &xyz[..]),
                ("radius", vec![n], line.radius),
                ("abscissa", vec![n], line.abscissa),
            ] {
                let ds = self.create_dense(&g, &at, name, &shape, values)?;
                self.str_attr(&ds, &format!("{at}/{name}"), "units", "m")?;
            }
        }
        self.flush()
    }
}

/// Writes the XDMF sidecar of the centrelines in `h5_path`: a spatial collection of one
/// `Polyline` grid per line, with `radius` and `abscissa` as point data. Replaced atomically.
pub fn write_centerline_xdmf(xdmf_path: &Path, h5_path: &Path, lines: &[CenterlineRecord]) -> Result<(), IoError> {
    let h5 = h5_reference(xdmf_path, h5_path)?;
    let mut s = String::new();
    open_document(&mut s);
    s.push_str("    <Grid Name=\"centerlines\" GridType=\"Collection\" CollectionType=\"Spatial\">\n");
    for (k, line) in lines.iter().enumerate() {
        let n = line.points.len();
        let at = line_group(k);
        let _ = writeln!(
            s,
            "      <Grid Name=\"{} to {}\" GridType=\"Uniform\">\n        \
             <Topology TopologyType=\"Polyline\" NumberOfElements=\"1\" NodesPerElement=\"{n}\"/>\n        \
             <Geometry GeometryType=\"XYZ\">\n          \
             <DataItem Dimensions=\"{n} 3\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">{h5}:{at}/points</DataItem>\n        \
             </Geometry>",
            line.from, line.to
        );
        for name in ["radius", "abscissa"] {
            let _ = writeln!(
                s,
                "        <Attribute Name=\"{name}\" AttributeType=\"Scalar\" Center=\"Node\">\n          \
                 <DataItem Dimensions=\"{n}\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">{h5}:{at}/{name}</DataItem>\n        \
                 </Attribute>"
            );
        }
        s.push_str("      </Grid>\n");
    }
    s.push_str("    </Grid>\n");
    close_document(&mut s);
    write_atomically(xdmf_path, &s)
}
