//! The wall and the cardiac cycles in the output file: `/wall` (the surface), the wall fields of
//! each snapshot, and `/cycles/NNNNNN` (the cycle-averaged indices and fields), with the XDMF
//! sidecars of the wall over the snapshots and over the cycles.

use std::fmt::Write as _;
use std::path::Path;

use std::str::FromStr as _;

use hdf5::types::VarLenUnicode;

use super::xdmf::{close_document, h5_reference, open_document, write_atomically};
use super::{snapshot_group, H5Output, IoError};
use crate::mesh::Vec3;

/// Group of the cardiac cycles.
const CYCLES: &str = "cycles";

/// Path of cycle `cycle` (from 1) in the file: `/cycles/NNNNNN`.
pub fn cycle_group(cycle: usize) -> String {
    format!("/{CYCLES}/{cycle:06}")
}

/// One cardiac cycle's averages, as [`H5Output::write_cycle`] stores them.
pub struct CycleRecord<'a> {
    /// Cycle number, from 1.
    pub cycle: usize,
    /// Start and end of the time averaged over, s.
    pub start: f64,
    /// End, s.
    pub end: f64,
    /// Per wall triangle: time-averaged wall shear stress magnitude, Pa.
    pub tawss: &'a [f32],
    /// Oscillatory shear index (0 to 0.5).
    pub osi: &'a [f32],
    /// Relative residence time, 1/Pa (NaN where the mean stress vector is zero).
    pub rrt: &'a [f32],
    /// Time-averaged velocity, m/s, dense nz x ny x nx x 3 (interleaved).
    pub velocity: &'a [f32],
    /// Time-averaged pressure, Pa, dense nz x ny x nx.
    pub pressure: &'a [f32],
    /// Per cap (in /summary's order): mean flow rate (m^3/s, positive out of the fluid), mean,
    /// lowest and highest mean pressure (Pa).
    pub caps: [&'a [f64]; 4],
}

impl H5Output {
    /// Writes `/wall`: `vertices` (f64, N x 3, m), `triangles` (u32, M x 3, counter-clockwise
    /// seen from outside the fluid), `labels` (u32, M, index into `label_names`) and
    /// `label_names` (variable-length UTF-8 strings, the wall's face groups).
    pub fn write_wall(
        &self,
        vertices: &[Vec3],
        triangles: &[[u32; 3]],
        labels: &[u32],
        label_names: &[String],
    ) -> Result<(), IoError> {
        let at = "/wall";
        if labels.len() != triangles.len() {
            let m = format!("{} labels for {} triangles", labels.len(), triangles.len());
            return Err(self.invalid("dataset /wall/labels", m));
        }
        if self.file().link_exists("wall") {
            return Err(self.invalid("group /wall", "already written (write_wall is called once per file)".into()));
        }
        let group = self.top_group("wall")?;
        let xyz: Vec<f64> = vertices.iter().flat_map(|v| [v.x, v.y, v.z]).collect();
        let ds = self.create_dense(&group, at, "vertices", &[vertices.len(), 3], &xyz)?;
        self.str_attr(&ds, "/wall/vertices", "units", "m")?;
        let flat: Vec<u32> = triangles.iter().flatten().copied().collect();
        self.create_dense(&group, at, "triangles", &[triangles.len(), 3], &flat)?;
        self.create_dense(&group, at, "labels", &[labels.len()], labels)?;
        let names = label_names.iter().map(|n| VarLenUnicode::from_str(n)).collect::<Result<Vec<_>, _>>();
        let names = names.map_err(|e| self.invalid("dataset /wall/label_names", format!("not storable: {e}")))?;
        group
            .new_dataset_builder()
            .with_data(&names)
            .create("label_names")
            .map_err(|e| self.h5("dataset /wall/label_names", e))?;
        self.flush()
    }

    /// Writes the wall fields of snapshot `index` (after [`H5Output::write_snapshot`] wrote
    /// it): `wss` (f32, M x 3, Pa: the wall shear stress vector on each wall triangle) and
    /// `wall_pressure` (f32, M, Pa), from `stress` (per triangle: the stress xyz, the pressure w),
    /// and `h_plus` (f32, M, units "1": the grid's spacing in wall units at each triangle).
    pub fn write_wall_snapshot(&self, index: usize, stress: &[[f32; 4]], h_plus: &[f32]) -> Result<(), IoError> {
        let at = snapshot_group(index);
        let fields = self.top_group(super::h5::FIELDS)?;
        let group = fields.group(&format!("{index:06}")).map_err(|e| self.h5(&format!("group {at}"), e))?;
        if !self.writable(&at) {
            let m = "already committed: a staged file takes a snapshot's wall fields before the commit that \
                     publishes the snapshot"
                .into();
            return Err(self.invalid(&format!("group {at}"), m));
        }
        let wss: Vec<f32> = stress.iter().flat_map(|s| [s[0], s[1], s[2]]).collect();
        let ds = self.create_dense(&group, &at, "wss", &[stress.len(), 3], &wss)?;
        self.str_attr(&ds, &format!("{at}/wss"), "units", "Pa")?;
        let p: Vec<f32> = stress.iter().map(|s| s[3]).collect();
        let ds = self.create_dense(&group, &at, "wall_pressure", &[stress.len()], &p)?;
        self.str_attr(&ds, &format!("{at}/wall_pressure"), "units", "Pa")?;
        let ds = self.create_dense(&group, &at, "h_plus", &[h_plus.len()], h_plus)?;
        self.str_attr(&ds, &format!("{at}/h_plus"), "units", "1")?;
        self.flush()
    }

    /// Writes `/cycles/NNNNNN` (the cycle number, 6 digits): attributes `start` and `end` (f64,
    /// s); per wall triangle `tawss` (f32, Pa), `osi` (f32, dimensionless) and `rrt` (f32, 1/Pa);
    /// the time-averaged `velocity` (f32, m/s) and `pressure` (f32, Pa) on the grid, shaped as
    /// in `/fields`; per cap `mean_flow_rate` (f64, m^3/s), `mean_pressure`, `min_pressure`,
    /// `max_pressure` (f64, Pa). Needs the grid first.
    pub fn write_cycle(&self, c: &CycleRecord) -> Result<(), IoError> {
        let at = cycle_group(c.cycle);
        let object = format!("group {at}");
        let cells = self.grid_shape(&self.grid_group(&object)?)?;
        let cycles = self.top_group(CYCLES)?;
        let g = cycles.create_group(&format!("{:06}", c.cycle)).map_err(|e| self.h5(&object, e))?;
        self.created(&at);
        self.attr(&g, &at, "start", &[c.start][..])?;
        self.attr(&g, &at, "end", &[c.end][..])?;
        for (name, values, units) in [("tawss", c.tawss, "Pa"), ("osi", c.osi, "1"), ("rrt", c.rrt, "1/Pa")] {
            let ds = self.create_dense(&g, &at, name, &[values.len()], values)?;
            self.str_attr(&ds, &format!("{at}/{name}"), "units", units)?;
        }
        let ds = self.create_dense(&g, &at, "velocity", &[cells[0], cells[1], cells[2], 3], c.velocity)?;
        self.str_attr(&ds, &format!("{at}/velocity"), "units", "m/s")?;
        let ds = self.create_dense(&g, &at, "pressure", &cells, c.pressure)?;
        self.str_attr(&ds, &format!("{at}/pressure"), "units", "Pa")?;
        let names = ["mean_flow_rate", "mean_pressure", "min_pressure", "max_pressure"];
        for (name, values) in names.into_iter().zip(c.caps) {
            let ds = self.create_dense(&g, &at, name, &[values.len()], values)?;
            self.str_attr(
                &ds,
                &format!("{at}/{name}"),
                "units",
                if name == "mean_flow_rate" { "m^3/s" } else { "Pa" },
            )?;
        }
        self.flush()
    }
}

/// Writes the wall's XDMF sidecar: a temporal collection `wall` over the snapshots (cell data
/// `wss`, a vector, `wall_pressure`, Pa, and `h_plus`) on the triangles of `/wall` (`vertices`
/// points, `triangles` M triangles). Replaced atomically.
pub fn write_wall_xdmf(
    xdmf_path: &Path,
    h5_path: &Path,
    points: usize,
    triangles: usize,
    snapshots: &[(usize, f64)],
) -> Result<(), IoError> {
    let fields = [("wss", true), ("wall_pressure", false), ("h_plus", false)];
    write_surface_series(xdmf_path, h5_path, [points, triangles], "wall", snapshots, &fields, &snapshot_group)
}

/// Writes the cycles' XDMF sidecar: a temporal collection `cycles` over the cardiac cycles at
/// their end times (cell data `tawss`, Pa, `osi` and `rrt`, 1/Pa) on the triangles of `/wall`.
/// A file of its own beside the wall's: with both collections in one file, ParaView 5.11's
/// Probe Location answers at some times with another time's values. Replaced atomically.
pub fn write_cycles_xdmf(
    xdmf_path: &Path,
    h5_path: &Path,
    points: usize,
    triangles: usize,
    cycles: &[(usize, f64)],
) -> Result<(), IoError> {
    let fields = [("tawss", false), ("osi", false), ("rrt", false)];
    write_surface_series(xdmf_path, h5_path, [points, triangles], "cycles", cycles, &fields, &cycle_group)
}

/// An XDMF temporal collection `name` on the wall's surface: for each (index, time) of `items`,
/// the cell data `fields` (name, whether a vector) from the group `group(index)`.
fn write_surface_series(
    xdmf_path: &Path,
    h5_path: &Path,
    [points, triangles]: [usize; 2],
    name: &str,
    items: &[(usize, f64)],
    fields: &[(&str, bool)],
    group: &dyn Fn(usize) -> String,
) -> Result<(), IoError> {
    let h5 = h5_reference(xdmf_path, h5_path)?;
    let mut s = String::new();
    open_document(&mut s);
    let _ = writeln!(s, "    <Grid Name=\"{name}\" GridType=\"Collection\" CollectionType=\"Temporal\">");
    for &(index, time) in items {
        let _ = writeln!(
            s,
            "      <Grid Name=\"{name}_{index:06}\" GridType=\"Uniform\">\n        <Time Value=\"{time:e}\"/>\n        \
             <Topology TopologyType=\"Triangle\" NumberOfElements=\"{triangles}\">\n          \
             <DataItem Dimensions=\"{triangles} 3\" NumberType=\"UInt\" Precision=\"4\" Format=\"HDF\">{h5}:/wall/triangles</DataItem>\n        \
             </Topology>\n        <Geometry GeometryType=\"XYZ\">\n          \
             <DataItem Dimensions=\"{points} 3\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">{h5}:/wall/vertices</DataItem>\n        \
             </Geometry>"
        );
        for &(field, vector) in fields {
            let (kind, dims) =
                if vector { ("Vector", format!("{triangles} 3")) } else { ("Scalar", triangles.to_string()) };
            let _ = writeln!(
                s,
                "        <Attribute Name=\"{field}\" AttributeType=\"{kind}\" Center=\"Cell\">\n          \
                 <DataItem Dimensions=\"{dims}\" NumberType=\"Float\" Precision=\"4\" Format=\"HDF\">{h5}:{}/{field}</DataItem>\n        \
                 </Attribute>",
                group(index)
            );
        }
        s.push_str("      </Grid>\n");
    }
    s.push_str("    </Grid>\n");
    close_document(&mut s);
    write_atomically(xdmf_path, &s)
}

impl H5Output {
    /// Writes what `/summary` says of its caps besides the series: `cap_types` (strings, one per
    /// name of `names`: `inlet`, `outlet` or `wall`) and, when `pair` is given, the string
    /// attributes `proximal` and `distal` (the caps of the distal/proximal pressure ratio).
    pub fn write_cap_types(&self, names: &[String], types: &[&str], pair: Option<(&str, &str)>) -> Result<(), IoError> {
        if names.len() != types.len() {
            let m = format!("{} types for {} caps", types.len(), names.len());
            return Err(self.invalid("dataset /summary/cap_types", m));
        }
        let group = self.top_group(super::h5::SUMMARY)?;
        let types = types.iter().map(|t| VarLenUnicode::from_str(t)).collect::<Result<Vec<_>, _>>();
        let types = types.map_err(|e| self.invalid("dataset /summary/cap_types", format!("not storable: {e}")))?;
        group
            .new_dataset_builder()
            .with_data(&types)
            .create("cap_types")
            .map_err(|e| self.h5("dataset /summary/cap_types", e))?;
        if let Some((proximal, distal)) = pair {
            self.str_attr(&group, "/summary", "proximal", proximal)?;
            self.str_attr(&group, "/summary", "distal", distal)?;
        }
        self.flush()
    }
}
