//! What a comparison reports: [`Comparison`] and its parts, each value before and after as a
//! [`Change`]; and how the sources of the values are named. Plain data, SI units.

use serde::Serialize;

use crate::post::summary::{CapsOver, Stats};

/// Largest relative difference of the two grids' spacings that still compares.
pub const SPACING_TOLERANCE: f64 = 1e-3;
/// Stented wall and cross-sections reach this many stent radii from the centreline.
pub const STENT_REACH: f64 = 1.5;

/// A value before and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// PRE's value (None where PRE lacks it).
    pub pre: Option<f64>,
    /// POST's value.
    pub post: Option<f64>,
    /// post - pre.
    pub change: Option<f64>,
    /// 100 (post / pre - 1), %: the relative change, positive when POST's value is larger in
    /// magnitude with the same sign (an inlet's flow going from -1 to -2 mL/s is +100 %); None
    /// when pre is 0.
    pub percent: Option<f64>,
}

impl Change {
    /// The change from `pre` to `post`.
    pub fn new(pre: Option<f64>, post: Option<f64>) -> Change {
        let change = pre.zip(post).map(|(a, b)| b - a);
        let percent = pre.zip(change).filter(|(a, _)| *a != 0.0).map(|(a, d)| 100.0 * d / a);
        Change { pre, post, change, percent }
    }

    /// Both values multiplied by `factor` (a unit conversion).
    pub fn scaled(&self, factor: f64) -> Change {
        Change::new(self.pre.map(|v| v * factor), self.post.map(|v| v * factor))
    }
}

/// One file of the comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    /// The file, as given.
    pub file: String,
    /// Cells along x, y, z.
    pub dims: [u32; 3],
    /// Cell edge, m.
    pub spacing: f64,
    /// Low corner of cell (0,0,0), m.
    pub origin: [f64; 3],
    /// Fluid cells.
    pub fluid_cells: u64,
    /// Snapshots under /fields.
    pub snapshots: usize,
    /// Finished cycles under /cycles.
    pub cycles: usize,
    /// What the cap values are taken over (as in `hemoflow info`).
    pub caps_over: Option<CapsOver>,
    /// Where the stents' pressures come from, e.g. "the mean over cycle 1 (0.0000 to 0.2000 s)".
    pub pressure_from: Option<String>,
    /// Where the regions' inflow comes from.
    pub velocity_from: Option<String>,
    /// Where |WSS| comes from ("snapshot N, t = T s").
    pub wss_from: Option<String>,
    /// Where TAWSS comes from ("cycle K").
    pub tawss_from: Option<String>,
}

/// A cap's values before and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CapChange {
    /// Cap name.
    pub name: String,
    /// inlet, outlet or wall (POST's, else PRE's).
    #[serde(rename = "type")]
    pub kind: String,
    /// Flow rate, m^3/s, positive out of the fluid.
    pub flow_rate: Change,
    /// Mean pressure, Pa.
    pub mean_pressure: Change,
}

/// The case's `[report]` pair's distal/proximal mean pressure ratio before and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RatioChange {
    /// Proximal cap.
    pub proximal: String,
    /// Distal cap.
    pub distal: String,
    /// Distal / proximal mean pressure, dimensionless.
    pub ratio: Change,
    /// Proximal minus distal mean pressure, Pa.
    pub drop: Change,
}

/// One stent's segment before and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StentChange {
    /// Position in POST's /stents (0 = /stents/000000).
    pub index: usize,
    /// "lumen" or "flow-diverter".
    pub kind: String,
    /// Diameter, m.
    pub diameter: f64,
    /// Porosity, dimensionless.
    pub porosity: f64,
    /// Wire diameter, m.
    pub wire_diameter: f64,
    /// Length along the centreline, m.
    pub length: f64,
    /// First centreline point (proximal), m.
    pub start: [f64; 3],
    /// Last centreline point (distal), m.
    pub end: [f64; 3],
    /// The centreline's point halfway along it, m.
    pub middle: [f64; 3],
    /// Cross-section mean pressure at the start, Pa.
    pub proximal_pressure: Change,
    /// Cross-section mean pressure at the end, Pa.
    pub distal_pressure: Change,
    /// Proximal minus distal, Pa.
    pub drop: Change,
    /// The same in mmHg.
    pub drop_mmhg: Change,
    /// Distal / proximal (Pd/Pa), dimensionless.
    pub ratio: Change,
    /// Fluid cells in the proximal and distal cross-sections, PRE (None where the section has none).
    pub cells_pre: [Option<usize>; 2],
    /// The same, POST.
    pub cells_post: [Option<usize>; 2],
}

/// Statistics of a wall quantity over a part of the wall, before and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatsChange {
    /// PRE's statistics (None when no value is finite, or no triangle).
    pub pre: Option<Stats>,
    /// POST's.
    pub post: Option<Stats>,
    /// The area-weighted means.
    pub mean: Change,
}

/// A part of the wall: "stented", "rest" or (without stents) "all".
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WallPart {
    /// Which part.
    pub part: String,
    /// Triangles in it, PRE and POST.
    pub triangles: [usize; 2],
    /// Its area, m^2.
    pub area: Change,
    /// |WSS| at the last snapshot, Pa.
    pub wss: StatsChange,
    /// TAWSS of the last cycle, Pa (None unless both files have cycles).
    pub tawss: Option<StatsChange>,
}

/// The flow into a region in one file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegionFlow {
    /// Flow into the region, m^3/s (the sum of max(0, u . n) dA).
    pub inflow: f64,
    /// Net flow into it, m^3/s (~0 for a closed sac).
    pub net: f64,
    /// 100 |net| / inflow, % (None when the inflow is 0).
    pub net_percent: Option<f64>,
    /// Sample points on its boundary.
    pub points: usize,
    /// Snapshots averaged.
    pub snapshots: usize,
}

/// A region before and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegionChange {
    /// The region as stored.
    pub name: String,
    /// Sphere centre, m.
    pub center: [f64; 3],
    /// Sphere radius, m.
    pub radius: f64,
    /// Point of the neck's plane, m.
    pub neck: Option<[f64; 3]>,
    /// Which file's /regions it comes from: "post" or "pre".
    pub from: String,
    /// Inflow, m^3/s.
    pub inflow: Change,
    /// PRE's figures (None when PRE has no snapshot).
    pub pre: Option<RegionFlow>,
    /// POST's.
    pub post: Option<RegionFlow>,
}

/// Everything `hemoflow compare` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The file before.
    pub pre: Side,
    /// The file after.
    pub post: Side,
    /// What the reader should know (grids that differ, bases that differ, parts left out).
    pub notes: Vec<String>,
    /// Per cap, in POST's order, then PRE's caps that POST lacks.
    pub caps: Vec<CapChange>,
    /// The case's `[report]` pair's ratio, when either file has it.
    pub pressure_ratio: Option<RatioChange>,
    /// POST's stents.
    pub stents: Vec<StentChange>,
    /// The wall, stented part and rest (or all of it without stents).
    pub wall: Vec<WallPart>,
    /// The regions.
    pub regions: Vec<RegionChange>,
}

pub(super) fn snapshot_name(n: usize, time: f64) -> String {
    format!("snapshot {n} (t = {time:.4} s)")
}

pub(super) fn cycle_name(k: usize, start: f64, end: f64) -> String {
    format!("cycle {k} ({start:.4} to {end:.4} s)")
}
