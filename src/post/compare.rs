//! Two runs of one vessel compared, before (PRE) and after (POST) virtual stenting: what
//! `hemoflow compare` prints. SI units throughout (m, m^2, m^3/s, Pa); the text form converts to
//! mm, cm^2, mL/s and mmHg and says so. Each file's values come from its own grid and wall (a
//! stent changes the lumen, so the grids may differ in dims and origin, never in spacing).
//!
//! - Caps, matched by name: flow rate and mean pressure over each file's last cycle, else its
//!   last time step (as [`OutputSummary`] reads them).
//! - Each stent of POST's `/stents`: the mean pressure over a cross-section at its first and last
//!   centreline points (the fluid cells within h/2 of the plane normal to the centreline there and
//!   within 1.5 stent radii of the point: [`sample::plane_mean`]), their difference (the drop
//!   along the stent) and ratio Pd/Pa (distal over proximal). From each file's last cycle's mean
//!   pressure (`/cycles/K/pressure`) when it has cycles, else its last snapshot's.
//! - Wall shear: area-weighted statistics ([`super::summary::weighted_stats`]) of |WSS| at the
//!   last snapshot and, when both files have cycles, of the last cycle's TAWSS, over the stented
//!   wall (triangles whose centroid lies within 1.5 stent radii of a stent's centreline with its
//!   foot between the ends: [`sample::near_polyline`]) and over the rest.
//! - Each region of POST's `/regions` (else PRE's): the inflow through its boundary
//!   ([`sample::flux`]); for a file with cycles the time average over the snapshots of the last
//!   cycle (trapezoid rule), else the last snapshot. The net flux is reported as a check.

use serde::Serialize;

use super::compare_measure::{stent_change, wall_parts, Run};
use super::read::{GridData, OutputFile};
use super::sample;
use super::summary::{CapsOver, OutputSummary, Stats};
use super::PostError;
use crate::mesh::Vec3;

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

impl Comparison {
    /// Compares `pre` with `post`. Errors: a file that is not a run's output (names it and what
    /// it lacks), or two files that cannot be compared ([`PostError::Mismatch`]: different
    /// spacings, fluid that does not overlap, no cap in common).
    pub fn read(pre: &OutputFile, post: &OutputFile) -> Result<Comparison, PostError> {
        let [a, b] = [pre, post].map(|file| -> Result<Run, PostError> {
            let summary = OutputSummary::read(file)?;
            Ok(Run { file, grid: file.grid()?, summary })
        });
        let (a, b) = (a?, b?);
        let mut notes = comparable(&a, &b)?;
        let both_cycles = a.summary.cycles.count > 0 && b.summary.cycles.count > 0;
        if (a.summary.cycles.count > 0) != (b.summary.cycles.count > 0) {
            notes.push(
                "one file has cardiac cycles and the other none: cap values, pressures and inflow are taken over \
                 different bases (a cycle's mean against a time step), and TAWSS is left out"
                    .into(),
            );
        }
        let stents = b.file.stents()?;
        let pre_stents = a.file.stents()?;
        if stents.is_empty() && !pre_stents.is_empty() {
            notes.push(format!(
                "PRE has {} stent(s) and POST none: are the files given in the order PRE POST?",
                pre_stents.len()
            ));
        }
        let (regions, from) = match b.file.regions()? {
            r if r.is_empty() => (a.file.regions()?, "pre"),
            r => (r, "post"),
        };
        let [pa, pb] = [&a, &b].map(|r| r.mean_pressure());
        let (pa, pb) = (pa?, pb?);
        let stent_changes =
            stents.iter().enumerate().map(|(i, s)| stent_change(i, s, &a, pa.as_ref(), &b, pb.as_ref())).collect();
        let wall = wall_parts(&a, &b, &stents, both_cycles, &mut notes)?;
        let [fa, fb] = [&a, &b].map(|r| r.region_flows(&regions));
        let (fa, fb) = (fa?, fb?);
        let regions = regions
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let (x, y) = (fa.1.get(i).cloned().flatten(), fb.1.get(i).cloned().flatten());
                RegionChange {
                    name: r.name.clone(),
                    center: r.center,
                    radius: r.radius,
                    neck: r.neck,
                    from: from.into(),
                    inflow: Change::new(x.as_ref().map(|f| f.inflow), y.as_ref().map(|f| f.inflow)),
                    pre: x,
                    post: y,
                }
            })
            .collect();
        let side = |r: &Run, pressure: &Option<(Vec<f32>, String)>, velocity: Option<String>| Side {
            file: r.summary.file.clone(),
            dims: r.grid.meta.dims,
            spacing: r.grid.meta.spacing,
            origin: r.grid.meta.origin,
            fluid_cells: r.grid.cell_kind.iter().filter(|&&k| k != 0).count() as u64,
            snapshots: r.summary.snapshots.count,
            cycles: r.summary.cycles.count,
            caps_over: r.summary.caps_over.clone(),
            pressure_from: pressure.as_ref().map(|p| p.1.clone()),
            velocity_from: velocity,
            wss_from: r.summary.wall.as_ref().and_then(|w| w.wss.as_ref()).map(|s| snapshot_name(s.snapshot, s.time)),
            tawss_from: r
                .summary
                .wall
                .as_ref()
                .and_then(|w| w.cycle.as_ref())
                .map(|c| cycle_name(c.cycle, c.start, c.end)),
        };
        Ok(Comparison {
            pre: side(&a, &pa, fa.0),
            post: side(&b, &pb, fb.0),
            notes,
            caps: cap_changes(&a.summary, &b.summary),
            pressure_ratio: ratio_change(&a.summary, &b.summary),
            stents: stent_changes,
            wall,
            regions,
        })
    }
}

pub(super) fn snapshot_name(n: usize, time: f64) -> String {
    format!("snapshot {n} (t = {time:.4} s)")
}

pub(super) fn cycle_name(k: usize, start: f64, end: f64) -> String {
    format!("cycle {k} ({start:.4} to {end:.4} s)")
}

/// Errors when the two files cannot be compared; notes on differences that still compare.
fn comparable(a: &Run, b: &Run) -> Result<Vec<String>, PostError> {
    let mismatch = |message: String| PostError::Mismatch {
        pre: a.file.path().to_path_buf(),
        post: b.file.path().to_path_buf(),
        message,
    };
    let (ga, gb) = (&a.grid.meta, &b.grid.meta);
    if (ga.spacing - gb.spacing).abs() > SPACING_TOLERANCE * ga.spacing.max(gb.spacing) {
        return Err(mismatch(format!(
            "the grid spacings differ (PRE {:e} m, POST {:e} m): wall shear stress and pressure drops depend on the \
             resolution, so run both at the same spacing",
            ga.spacing, gb.spacing
        )));
    }
    let (ba, bb) = (fluid_box(&a.grid), fluid_box(&b.grid));
    let overlap: f64 = (0..3).map(|i| (ba.1[i].min(bb.1[i]) - ba.0[i].max(bb.0[i])).max(0.0)).product();
    let volume = |b: &(Vec3, Vec3)| (0..3).map(|i| b.1[i] - b.0[i]).product::<f64>();
    if overlap < 0.5 * volume(&ba).min(volume(&bb)) {
        let show = |b: &(Vec3, Vec3)| {
            let mm = |v: Vec3| format!("({:.3}, {:.3}, {:.3})", v.x * 1e3, v.y * 1e3, v.z * 1e3);
            format!("{} to {} mm", mm(b.0), mm(b.1))
        };
        return Err(mismatch(format!(
            "their fluid does not overlap (PRE spans {}, POST {}): not the same vessel, or not in the same units",
            show(&ba),
            show(&bb)
        )));
    }
    let names = |s: &OutputSummary| s.caps.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    let (na, nb) = (names(&a.summary), names(&b.summary));
    if !na.is_empty() && !nb.is_empty() && !na.iter().any(|n| nb.contains(n)) {
        return Err(mismatch(format!(
            "no cap name in common (PRE: {}; POST: {}): the caps cannot be matched",
            na.join(", "),
            nb.join(", ")
        )));
    }
    let mut notes = Vec::new();
    if ga.dims != gb.dims || ga.origin != gb.origin {
        notes.push(format!(
            "the grids differ in extent (PRE {:?} cells, POST {:?}), as when a stent changed the lumen: each file's \
             values come from its own grid",
            ga.dims, gb.dims
        ));
    }
    Ok(notes)
}

/// The bounding box of the fluid cells' centres, m (the grid's when it has no fluid).
fn fluid_box(grid: &GridData) -> (Vec3, Vec3) {
    let [nx, ny, _] = grid.meta.dims.map(|d| d as usize);
    let (mut lo, mut hi) = (Vec3::repeat(f64::INFINITY), Vec3::repeat(f64::NEG_INFINITY));
    for (id, _) in grid.cell_kind.iter().enumerate().filter(|(_, &k)| k != 0) {
        let c = sample::cell_centre(grid, [id % nx, (id / nx) % ny, id / (nx * ny)]);
        lo = lo.inf(&c);
        hi = hi.sup(&c);
    }
    if lo.x > hi.x {
        let m = &grid.meta;
        lo = Vec3::from(m.origin);
        hi = lo + Vec3::from(m.dims.map(|d| d as f64 * m.spacing));
    }
    let h = Vec3::repeat(grid.meta.spacing / 2.0);
    (lo - h, hi + h)
}

fn cap_changes(a: &OutputSummary, b: &OutputSummary) -> Vec<CapChange> {
    let mut names: Vec<&str> = b.caps.iter().map(|c| c.name.as_str()).collect();
    names.extend(a.caps.iter().map(|c| c.name.as_str()).filter(|n| !b.caps.iter().any(|c| c.name == *n)));
    names
        .into_iter()
        .map(|name| {
            let (x, y) = (a.caps.iter().find(|c| c.name == name), b.caps.iter().find(|c| c.name == name));
            CapChange {
                name: name.into(),
                kind: y.or(x).map_or(String::new(), |c| c.kind.clone()),
                flow_rate: Change::new(x.map(|c| c.flow_rate), y.map(|c| c.flow_rate)),
                mean_pressure: Change::new(x.map(|c| c.mean_pressure), y.map(|c| c.mean_pressure)),
            }
        })
        .collect()
}

fn ratio_change(a: &OutputSummary, b: &OutputSummary) -> Option<RatioChange> {
    let (x, y) = (a.pressure_ratio.as_ref(), b.pressure_ratio.as_ref());
    let names = y.or(x)?;
    Some(RatioChange {
        proximal: names.proximal.clone(),
        distal: names.distal.clone(),
        ratio: Change::new(x.map(|r| r.ratio), y.map(|r| r.ratio)),
        drop: Change::new(x.map(|r| r.drop), y.map(|r| r.drop)),
    })
}
