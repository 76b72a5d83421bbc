//! Virtual stenting in the output file: `/stents/NNNNNN` (each stent as the run deployed it) and
//! `/regions/NAME` (named parts of the fluid, e.g. an aneurysm sac, that `hemoflow compare`
//! measures the inflow into). SI units: m.
//!
//! ```text
//! /stents/000000 ...  attrs kind (string: "lumen" or "flow-diverter"), diameter (m), porosity (-),
//!                     wire_diameter (m); dataset centerline (f64, N x 3, m, N >= 2)
//! /regions/NAME       attrs center (f64[3], m), radius (m), and neck (f64[3], m) when given
//! ```
//!
//! A region is the fluid inside the sphere (center, radius); with a neck, only the part of the
//! sphere on the far side of the plane through `neck` whose normal points from `neck` towards
//! `center` (so the neck must lie inside the sphere, away from its centre).

use super::{H5Output, IoError};

/// Group of the stents.
const STENTS: &str = "stents";
/// Group of the regions.
const REGIONS: &str = "regions";

/// The stent kinds a run can deploy.
pub const STENT_KINDS: [&str; 2] = ["lumen", "flow-diverter"];

/// One deployed stent, as the run applied it (SI: m).
#[derive(Clone, Debug, PartialEq)]
pub struct StentRecord {
    /// "lumen" (expands the lumen to `diameter`, e.g. across a stenosis) or "flow-diverter" (a
    /// fine mesh of `porosity` over an aneurysm's neck).
    pub kind: String,
    /// Expanded diameter, m.
    pub diameter: f64,
    /// Open fraction of the stent's surface, 0..1 (dimensionless).
    pub porosity: f64,
    /// Diameter of the stent's wires, m.
    pub wire_diameter: f64,
    /// The snapped centreline segment from the stent's start (proximal end) to its end (distal), m; at least 2 points.
    pub centerline: Vec<[f64; 3]>,
}

/// A named region of the fluid for the comparison (e.g. an aneurysm sac), SI: m. See the module
/// docs for what it covers.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionRecord {
    /// Name (the HDF5 group's name: non-empty, no '/').
    pub name: String,
    /// Centre of the sphere, m.
    pub center: [f64; 3],
    /// Radius of the sphere, m.
    pub radius: f64,
    /// A point of the plane that cuts the region off the parent vessel (the ostium), m; the plane's
    /// normal points from it towards `center`.
    pub neck: Option<[f64; 3]>,
}

impl StentRecord {
    /// Why the record cannot be stored or used (None when it can).
    pub fn problem(&self) -> Option<String> {
        if !STENT_KINDS.contains(&self.kind.as_str()) {
            return Some(format!("kind {:?} is not one of {}", self.kind, STENT_KINDS.join(", ")));
        }
        if !(self.diameter.is_finite() && self.diameter > 0.0) {
            return Some(format!("diameter {} m is not a finite positive length", self.diameter));
        }
        if !(0.0..=1.0).contains(&self.porosity) {
            return Some(format!("porosity {} is not in 0..1", self.porosity));
        }
        if !(self.wire_diameter.is_finite() && self.wire_diameter >= 0.0) {
            return Some(format!("wire_diameter {} m is not a finite length >= 0", self.wire_diameter));
        }
        if self.centerline.len() < 2 {
            return Some(format!("centerline has {} point(s); at least 2 (start and end)", self.centerline.len()));
        }
        if self.centerline.iter().flatten().any(|v| !v.is_finite()) {
            return Some("centerline has a non-finite coordinate".into());
        }
        let [a, b] = [self.centerline[0], self.centerline[self.centerline.len() - 1]];
        if a == b {
            return Some("centerline starts and ends at the same point".into());
        }
        None
    }
}

impl RegionRecord {
    /// Why the record cannot be stored or used (None when it can): the name, a finite centre, a
    /// positive radius, and a neck strictly inside the sphere but not at its centre.
    pub fn problem(&self) -> Option<String> {
        if self.name.is_empty() || self.name.contains('/') || self.name.contains('\0') || self.name == "." {
            return Some(format!("name {:?} is not usable (non-empty, without '/' or NUL)", self.name));
        }
        if self.center.iter().any(|v| !v.is_finite()) {
            return Some(format!("center {:?} m is not finite", self.center));
        }
        if !(self.radius.is_finite() && self.radius > 0.0) {
            return Some(format!("radius {} m is not a finite positive length", self.radius));
        }
        if let Some(neck) = self.neck {
            let d = (0..3).map(|i| (neck[i] - self.center[i]).powi(2)).sum::<f64>().sqrt();
            if !d.is_finite() || d == 0.0 || d >= self.radius {
                return Some(format!(
                    "neck {neck:?} m lies {d:e} m from the centre: it must lie inside the sphere (radius {:e} m) and \
                     not at its centre, so that its plane cuts the sphere",
                    self.radius
                ));
            }
        }
        None
    }
}

impl H5Output {
    /// Writes `/stents/000000`, `/stents/000001`, ... in the order given: attributes `kind`
    /// (string), `diameter` (f64, m), `porosity` (f64), `wire_diameter` (f64, m) and the dataset
    /// `centerline` (f64, N x 3, m, with a `units` attribute). Checked first (see
    /// [`StentRecord::problem`]); once per file.
    pub fn write_stents(&self, stents: &[StentRecord]) -> Result<(), IoError> {
        for (n, s) in stents.iter().enumerate() {
            if let Some(m) = s.problem() {
                return Err(self.invalid(&format!("group /{STENTS}/{n:06}"), m));
            }
        }
        if self.file().link_exists(STENTS) {
            return Err(self.invalid("group /stents", "already written (write_stents is called once per file)".into()));
        }
        let group = self.top_group(STENTS)?;
        for (n, s) in stents.iter().enumerate() {
            let at = format!("/{STENTS}/{n:06}");
            let g = group.create_group(&format!("{n:06}")).map_err(|e| self.h5(&format!("group {at}"), e))?;
            self.str_attr(&g, &at, "kind", &s.kind)?;
            self.attr(&g, &at, "diameter", &[s.diameter][..])?;
            self.attr(&g, &at, "porosity", &[s.porosity][..])?;
            self.attr(&g, &at, "wire_diameter", &[s.wire_diameter][..])?;
            let xyz: Vec<f64> = s.centerline.iter().flatten().copied().collect();
            let ds = self.create_dense(&g, &at, "centerline", &[s.centerline.len(), 3], &xyz)?;
            self.str_attr(&ds, &format!("{at}/centerline"), "units", "m")?;
        }
        self.flush()
    }

    /// Writes `/regions/NAME` for each region: attributes `center` (f64\[3\], m), `radius` (f64, m)
    /// and, when given, `neck` (f64\[3\], m). Checked first (see [`RegionRecord::problem`]; names
    /// unique); regions of a name the file already has are an error.
    pub fn write_regions(&self, regions: &[RegionRecord]) -> Result<(), IoError> {
        for (n, r) in regions.iter().enumerate() {
            let object = format!("group /{REGIONS}/{}", r.name);
            if let Some(m) = r.problem() {
                return Err(self.invalid(&object, format!("region {n}: {m}")));
            }
            if regions[..n].iter().any(|q| q.name == r.name) {
                return Err(self.invalid(&object, format!("region {n}: name used by an earlier region")));
            }
        }
        let group = self.top_group(REGIONS)?;
        for r in regions {
            let at = format!("/{REGIONS}/{}", r.name);
            if group.link_exists(&r.name) {
                return Err(self.invalid(&format!("group {at}"), "already in the file".into()));
            }
            let g = group.create_group(&r.name).map_err(|e| self.h5(&format!("group {at}"), e))?;
            self.attr(&g, &at, "center", &r.center[..])?;
            self.attr(&g, &at, "radius", &[r.radius][..])?;
            if let Some(neck) = r.neck {
                self.attr(&g, &at, "neck", &neck[..])?;
            }
        }
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stent() -> StentRecord {
        StentRecord {
            kind: "lumen".into(),
            diameter: 4e-3,
            porosity: 0.8,
            wire_diameter: 8e-5,
            centerline: vec![[0.0, 0.0, 0.0], [0.0, 0.0, 1e-2]],
        }
    }

    #[test]
    fn bad_records_are_named() {
        assert_eq!(stent().problem(), None);
        let kind = StentRecord { kind: "coil".into(), ..stent() };
        assert!(kind.problem().unwrap().contains("coil"));
        let short = StentRecord { centerline: vec![[0.0; 3]], ..stent() };
        assert!(short.problem().unwrap().contains("at least 2"));
        let region = RegionRecord { name: "sac".into(), center: [0.0; 3], radius: 1e-3, neck: Some([0.0, 0.0, 5e-4]) };
        assert_eq!(region.problem(), None);
        let outside = RegionRecord { neck: Some([0.0, 0.0, 2e-3]), ..region.clone() };
        assert!(outside.problem().unwrap().contains("inside the sphere"));
        let slash = RegionRecord { name: "a/b".into(), ..region };
        assert!(slash.problem().is_some());
    }
}
