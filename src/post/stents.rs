//! Reading the deployed stents (`/stents/NNNNNN`) and the named regions (`/regions/NAME`) of an
//! output file; the layout and the regions' meaning are in [`crate::io::stent`]. SI units: m.

use super::read::OutputFile;
use super::PostError;
use crate::io::{RegionRecord, StentRecord};

impl OutputFile {
    /// The stents under `/stents`, in their numbered order; empty when the file has none. A
    /// record the writer would refuse (see [`StentRecord::problem`]) is an error naming it.
    pub fn stents(&self) -> Result<Vec<StentRecord>, PostError> {
        if !self.exists("/stents") {
            return Ok(Vec::new());
        }
        let mut stents = Vec::new();
        for name in self.members("/stents")? {
            let at = format!("/stents/{name}");
            let kind = self.string_attr(&at, "kind")?.ok_or_else(|| self.missing(&format!("attribute {at}@kind")))?;
            let xyz: Vec<f64> = self.read(&format!("{at}/centerline"), &[usize::MAX, 3], "")?;
            let stent = StentRecord {
                kind,
                diameter: self.scalar_attr(&at, "diameter")?,
                porosity: self.scalar_attr(&at, "porosity")?,
                wire_diameter: self.scalar_attr(&at, "wire_diameter")?,
                centerline: xyz.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect(),
            };
            if let Some(message) = stent.problem() {
                return Err(self.invalid_object(&format!("group {at}"), message));
            }
            stents.push(stent);
        }
        Ok(stents)
    }

    /// The regions under `/regions`, sorted by name; empty when the file has none. A record the
    /// writer would refuse (see [`RegionRecord::problem`]) is an error naming it.
    pub fn regions(&self) -> Result<Vec<RegionRecord>, PostError> {
        if !self.exists("/regions") {
            return Ok(Vec::new());
        }
        let mut regions = Vec::new();
        for name in self.members("/regions")? {
            let at = format!("/regions/{name}");
            let point = |attr: &str| -> Result<Option<[f64; 3]>, PostError> {
                match self.float_attr(&at, attr)? {
                    None => Ok(None),
                    Some(v) => <[f64; 3]>::try_from(v.as_slice()).map(Some).map_err(|_| {
                        self.invalid_object(
                            &format!("attribute {at}@{attr}"),
                            format!("{} values, expected 3", v.len()),
                        )
                    }),
                }
            };
            let center = point("center")?.ok_or_else(|| self.missing(&format!("attribute {at}@center")))?;
            let region = RegionRecord { name, center, radius: self.scalar_attr(&at, "radius")?, neck: point("neck")? };
            if let Some(message) = region.problem() {
                return Err(self.invalid_object(&format!("group {at}"), message));
            }
            regions.push(region);
        }
        Ok(regions)
    }

    fn missing(&self, object: &str) -> PostError {
        PostError::Missing { path: self.path().to_path_buf(), object: object.into(), hint: String::new() }
    }

    fn invalid_object(&self, object: &str, message: String) -> PostError {
        PostError::Invalid { path: self.path().to_path_buf(), object: object.into(), message }
    }
}
