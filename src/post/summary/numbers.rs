//! [`OutputSummary`] and its parts, read from an output file once (what is read, and from
//! where: the module docs of [`super`]).

use serde::Serialize;

use super::stats::{triangle_areas, weighted_stats, Stats};
use crate::post::read::OutputFile;
use crate::post::PostError;

/// Pa per mmHg.
pub const MMHG: f64 = 133.322;
/// TAWSS below this (Pa) counts as low wall shear (4 dyn/cm^2; Malek, Alper & Izumo, JAMA 1999).
pub const LOW_TAWSS: f64 = 0.4;
/// OSI above this (dimensionless) counts as oscillatory shear (a common threshold in the literature).
pub const HIGH_OSI: f64 = 0.2;

/// Everything `hemoflow info` reports about one output file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutputSummary {
    /// The file, as given.
    pub file: String,
    /// Root attribute `software` (None when absent).
    pub software: Option<String>,
    /// Root attribute `version`.
    pub version: Option<String>,
    /// Root attribute `units` ("SI").
    pub units: Option<String>,
    /// The grid (None when the file has no /grid).
    pub grid: Option<GridSummary>,
    /// The snapshots under /fields.
    pub snapshots: Snapshots,
    /// The cardiac cycles under /cycles.
    pub cycles: Cycles,
    /// What the per-cap values are taken over (None when the file has no cap values).
    pub caps_over: Option<CapsOver>,
    /// Whether the cap types were guessed from the flow direction (no /summary/cap_types).
    pub cap_types_inferred: bool,
    /// Sum of the inlets' inflow, m^3/s (positive).
    pub total_inflow: Option<f64>,
    /// Sum of the outlets' outflow, m^3/s.
    pub total_outflow: Option<f64>,
    /// Per cap, in /summary's order.
    pub caps: Vec<CapSummary>,
    /// Mean pressure drop from each inlet to each outlet.
    pub pressure_drops: Vec<PressureDrop>,
    /// Distal / proximal mean pressure, when /summary@proximal and @distal name two caps.
    pub pressure_ratio: Option<PressureRatio>,
    /// Why there is no pressure ratio, and how to get one (None when there is one).
    pub pressure_ratio_note: Option<String>,
    /// The wall surface and its shear statistics (None when the file has no /wall).
    pub wall: Option<WallSummary>,
}

/// The grid's geometry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GridSummary {
    /// Cells along x, y, z.
    pub dims: [u32; 3],
    /// Cell edge, m.
    pub spacing: f64,
    /// Low corner of cell (0,0,0), m.
    pub origin: [f64; 3],
    /// Cells of a non-zero kind (fluid and cap cells).
    pub fluid_cells: u64,
}

/// The snapshots.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Snapshots {
    /// How many /fields/NNNNNN groups.
    pub count: usize,
    /// The last one's number.
    pub last: Option<usize>,
    /// The last one's time, s.
    pub last_time: Option<f64>,
}

/// The cardiac cycles.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cycles {
    /// How many /cycles/NNNNNN groups (finished cycles).
    pub count: usize,
    /// The last one's number (1 = the first cycle).
    pub last: Option<usize>,
    /// The last one's start, s.
    pub start: Option<f64>,
    /// The last one's end, s.
    pub end: Option<f64>,
}

/// Over what the per-cap values are taken.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CapsOver {
    /// "cycle" (means over the last finished cycle) or "time_step" (the last /summary row).
    pub kind: String,
    /// The cycle's number ("cycle" only).
    pub cycle: Option<usize>,
    /// Start of the interval, s (the row's time for "time_step").
    pub start: f64,
    /// End of the interval, s (the row's time for "time_step").
    pub end: f64,
}

/// One cap's values.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CapSummary {
    /// Cap name.
    pub name: String,
    /// "inlet", "outlet" or "wall" (a moving wall or unused cap).
    #[serde(rename = "type")]
    pub kind: String,
    /// Volume flow rate, m^3/s, positive out of the fluid (inlets negative).
    pub flow_rate: f64,
    /// Share of the total outflow (outlets) or inflow (inlets), %; None for other caps.
    pub split_percent: Option<f64>,
    /// Mean pressure over the cap, Pa.
    pub mean_pressure: f64,
    /// Lowest mean cap pressure over the cycle, Pa ("cycle" only).
    pub min_pressure: Option<f64>,
    /// Highest mean cap pressure over the cycle, Pa ("cycle" only).
    pub max_pressure: Option<f64>,
}

/// A mean pressure drop from one cap to another.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PressureDrop {
    /// Upstream cap (an inlet).
    pub from: String,
    /// Downstream cap (an outlet).
    pub to: String,
    /// Mean pressure of `from` minus that of `to`, Pa.
    pub drop: f64,
}

/// Distal / proximal mean pressure ("FFR-like").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PressureRatio {
    /// The proximal cap (/summary@proximal).
    pub proximal: String,
    /// The distal cap (/summary@distal).
    pub distal: String,
    /// Distal mean pressure / proximal mean pressure, dimensionless.
    pub ratio: f64,
    /// Proximal minus distal mean pressure, Pa.
    pub drop: f64,
}

/// The wall area where a field passes a threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ThresholdArea {
    /// The threshold, in the field's unit.
    pub threshold: f64,
    /// Wall area beyond it, m^2.
    pub area: f64,
    /// That area as a share of the whole wall, %.
    pub percent: f64,
}

/// The wall surface and its shear statistics.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WallSummary {
    /// Number of wall triangles.
    pub triangles: usize,
    /// Total wall area, m^2.
    pub area: f64,
    /// |WSS| of the last snapshot (None when it has no `wss`).
    pub wss: Option<SnapshotStats>,
    /// h+, the grid's spacing in wall units, at the last snapshot (None when it has no
    /// `h_plus`, as in files written before it was).
    pub h_plus: Option<SnapshotStats>,
    /// TAWSS, OSI, RRT of the last cycle (None without cycles).
    pub cycle: Option<CycleWall>,
}

/// A wall field of one snapshot: the wall shear stress magnitude, or h+.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SnapshotStats {
    /// Snapshot number.
    pub snapshot: usize,
    /// Its time, s.
    pub time: f64,
    /// Its statistics (|WSS|: Pa; h+: dimensionless; None when no value is finite).
    pub stats: Option<Stats>,
}

/// Cycle-averaged wall quantities of one cycle; each None when its dataset is absent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CycleWall {
    /// Cycle number.
    pub cycle: usize,
    /// Start, s.
    pub start: f64,
    /// End, s.
    pub end: f64,
    /// Time-averaged WSS, Pa.
    pub tawss: Option<Stats>,
    /// Oscillatory shear index, dimensionless (0..0.5).
    pub osi: Option<Stats>,
    /// Relative residence time, 1/Pa.
    pub rrt: Option<Stats>,
    /// Area with TAWSS < [`LOW_TAWSS`] Pa.
    pub low_tawss: Option<ThresholdArea>,
    /// Area with OSI > [`HIGH_OSI`].
    pub high_osi: Option<ThresholdArea>,
}

impl OutputSummary {
    /// Reads the summary of `file`. Missing optional parts (wall, cycles, proximal/distal,
    /// cap types) are left out; a file with neither /summary nor /fields, or a dataset of the
    /// wrong shape or type, is an error naming the file and the object.
    pub fn read(file: &OutputFile) -> Result<OutputSummary, PostError> {
        let (has_summary, has_fields) = (file.exists("/summary"), file.exists("/fields"));
        if !has_summary && !has_fields {
            return Err(PostError::Missing {
                path: file.path().to_path_buf(),
                object: "group /summary or /fields".into(),
                hint: " (not an output file of hemoflow run)".into(),
            });
        }
        let grid = if file.exists("/grid") {
            let g = file.grid()?;
            let fluid_cells = g.cell_kind.iter().filter(|&&k| k != 0).count() as u64;
            Some(GridSummary { dims: g.meta.dims, spacing: g.meta.spacing, origin: g.meta.origin, fluid_cells })
        } else {
            None
        };
        let snapshot_numbers = if has_fields { file.numbers("fields")? } else { Vec::new() };
        let last_snapshot = match snapshot_numbers.last() {
            Some(&n) => Some((n, file.scalar_attr(&format!("/fields/{n:06}"), "time")?)),
            None => None,
        };
        let snapshots = Snapshots {
            count: snapshot_numbers.len(),
            last: last_snapshot.map(|s| s.0),
            last_time: last_snapshot.map(|s| s.1),
        };
        let cycle_numbers = if file.exists("/cycles") { file.numbers("cycles")? } else { Vec::new() };
        let last_cycle = match cycle_numbers.last() {
            Some(&k) => {
                let at = format!("/cycles/{k:06}");
                Some((k, file.scalar_attr(&at, "start")?, file.scalar_attr(&at, "end")?))
            }
            None => None,
        };
        let cycles = Cycles {
            count: cycle_numbers.len(),
            last: last_cycle.map(|c| c.0),
            start: last_cycle.map(|c| c.1),
            end: last_cycle.map(|c| c.2),
        };
        let mut summary = OutputSummary {
            file: file.path().display().to_string(),
            software: file.string_attr("/", "software")?,
            version: file.string_attr("/", "version")?,
            units: file.string_attr("/", "units")?,
            grid,
            snapshots,
            cycles,
            caps_over: None,
            cap_types_inferred: false,
            total_inflow: None,
            total_outflow: None,
            caps: Vec::new(),
            pressure_drops: Vec::new(),
            pressure_ratio: None,
            pressure_ratio_note: None,
            wall: None,
        };
        if has_summary {
            summary.read_caps(file, last_cycle)?;
        }
        if file.exists("/wall/triangles") || file.exists("/wall/vertices") {
            summary.wall = Some(read_wall(file, last_snapshot, last_cycle)?);
        }
        Ok(summary)
    }

    /// Per-cap values, splits, drops and the pressure ratio from /summary (and the last cycle).
    fn read_caps(&mut self, file: &OutputFile, last_cycle: Option<(usize, f64, f64)>) -> Result<(), PostError> {
        let names = file.strings("/summary/cap_names")?;
        let c = names.len();
        let types = if file.exists("/summary/cap_types") {
            let types = file.strings("/summary/cap_types")?;
            if types.len() != c {
                return Err(PostError::Invalid {
                    path: file.path().to_path_buf(),
                    object: "dataset /summary/cap_types".into(),
                    message: format!("{} types for {c} cap names", types.len()),
                });
            }
            Some(types)
        } else {
            None
        };
        let times: Vec<f64> = file.read("/summary/time", &[usize::MAX], "")?;
        let t = times.len();
        let flow: Vec<f64> = file.read("/summary/flow_rate", &[t, c], "")?;
        let pressure: Vec<f64> = file.read("/summary/mean_pressure", &[t, c], "")?;
        let cycle_means = match last_cycle {
            Some((k, start, end)) if file.exists(&format!("/cycles/{k:06}/mean_flow_rate")) => {
                let at = format!("/cycles/{k:06}");
                let read = |name: &str| file.read::<f64>(&format!("{at}/{name}"), &[c], "");
                let (q, p) = (read("mean_flow_rate")?, read("mean_pressure")?);
                let (lo, hi) = (read("min_pressure")?, read("max_pressure")?);
                self.caps_over = Some(CapsOver { kind: "cycle".into(), cycle: Some(k), start, end });
                Some((q, p, Some((lo, hi))))
            }
            _ => None,
        };
        let (q, p, range) = match cycle_means {
            Some(v) => v,
            None if t > 0 => {
                let row = t - 1;
                self.caps_over =
                    Some(CapsOver { kind: "time_step".into(), cycle: None, start: times[row], end: times[row] });
                (flow[row * c..(row + 1) * c].to_vec(), pressure[row * c..(row + 1) * c].to_vec(), None)
            }
            None => return Ok(()),
        };
        self.cap_types_inferred = types.is_none();
        let kind = |i: usize| match &types {
            Some(types) => types[i].clone(),
            None if q[i] < 0.0 => "inlet".into(),
            None if q[i] > 0.0 => "outlet".into(),
            None => "wall".into(),
        };
        self.caps = (0..c)
            .map(|i| CapSummary {
                name: names[i].clone(),
                kind: kind(i),
                flow_rate: q[i],
                split_percent: None,
                mean_pressure: p[i],
                min_pressure: range.as_ref().map(|r| r.0[i]),
                max_pressure: range.as_ref().map(|r| r.1[i]),
            })
            .collect();
        let sum = |kind: &str, sign: f64| -> Option<f64> {
            let caps: Vec<&CapSummary> = self.caps.iter().filter(|cap| cap.kind == kind).collect();
            (!caps.is_empty()).then(|| caps.iter().map(|cap| sign * cap.flow_rate).sum())
        };
        self.total_inflow = sum("inlet", -1.0);
        self.total_outflow = sum("outlet", 1.0);
        for cap in &mut self.caps {
            let (total, sign) = match cap.kind.as_str() {
                "inlet" => (self.total_inflow, -1.0),
                "outlet" => (self.total_outflow, 1.0),
                _ => (None, 0.0),
            };
            cap.split_percent = total.filter(|&t| t != 0.0).map(|t| 100.0 * sign * cap.flow_rate / t);
        }
        for inlet in self.caps.iter().filter(|cap| cap.kind == "inlet") {
            for outlet in self.caps.iter().filter(|cap| cap.kind == "outlet") {
                self.pressure_drops.push(PressureDrop {
                    from: inlet.name.clone(),
                    to: outlet.name.clone(),
                    drop: inlet.mean_pressure - outlet.mean_pressure,
                });
            }
        }
        self.read_ratio(file)
    }

    /// The distal / proximal pressure ratio, or the note saying why there is none.
    fn read_ratio(&mut self, file: &OutputFile) -> Result<(), PostError> {
        let how = "set [report] proximal = \"CAP\" and distal = \"CAP\" in the case file to get the distal/proximal \
                   mean pressure ratio";
        let proximal = file.string_attr("/summary", "proximal")?;
        let distal = file.string_attr("/summary", "distal")?;
        let (proximal, distal) = match (proximal, distal) {
            (Some(p), Some(d)) => (p, d),
            (None, None) => {
                self.pressure_ratio_note = Some(format!("not set: {how}"));
                return Ok(());
            }
            _ => {
                self.pressure_ratio_note = Some(format!("only one of /summary@proximal, @distal is set: {how}"));
                return Ok(());
            }
        };
        let find = |name: &str| self.caps.iter().find(|cap| cap.name == name);
        match (find(&proximal), find(&distal)) {
            (Some(p), Some(d)) if p.mean_pressure != 0.0 => {
                self.pressure_ratio = Some(PressureRatio {
                    ratio: d.mean_pressure / p.mean_pressure,
                    drop: p.mean_pressure - d.mean_pressure,
                    proximal,
                    distal,
                });
            }
            (Some(_), Some(_)) => {
                self.pressure_ratio_note = Some(format!("the proximal cap \"{proximal}\" has a mean pressure of 0 Pa"));
            }
            (p, _) => {
                let missing = if p.is_none() { proximal } else { distal };
                let names: Vec<&str> = self.caps.iter().map(|cap| cap.name.as_str()).collect();
                self.pressure_ratio_note =
                    Some(format!("cap \"{missing}\" (from /summary) is not among the caps ({})", names.join(", ")));
            }
        }
        Ok(())
    }
}

/// The wall's area and shear statistics.
fn read_wall(
    file: &OutputFile,
    last_snapshot: Option<(usize, f64)>,
    last_cycle: Option<(usize, f64, f64)>,
) -> Result<WallSummary, PostError> {
    let wall = file.wall()?;
    let areas = triangle_areas(&wall);
    let m = areas.len();
    let area: f64 = areas.iter().sum();
    let wss = match last_snapshot {
        Some((n, time)) if file.exists(&format!("/fields/{n:06}/wss")) => {
            let v: Vec<f32> = file.read(&format!("/fields/{n:06}/wss"), &[m, 3], "")?;
            let magnitude: Vec<f64> =
                v.chunks_exact(3).map(|c| c.iter().map(|&x| x as f64 * x as f64).sum::<f64>().sqrt()).collect();
            Some(SnapshotStats { snapshot: n, time, stats: weighted_stats(&magnitude, &areas) })
        }
        _ => None,
    };
    let h_plus = match last_snapshot {
        Some((n, time)) if file.exists(&format!("/fields/{n:06}/h_plus")) => {
            let v: Vec<f32> = file.read(&format!("/fields/{n:06}/h_plus"), &[m], "")?;
            let v: Vec<f64> = v.iter().map(|&x| x as f64).collect();
            Some(SnapshotStats { snapshot: n, time, stats: weighted_stats(&v, &areas) })
        }
        _ => None,
    };
    let cycle = match last_cycle {
        Some((k, start, end)) => {
            let at = format!("/cycles/{k:06}");
            let read = |name: &str| -> Result<Option<Vec<f64>>, PostError> {
                let path = format!("{at}/{name}");
                if !file.exists(&path) {
                    return Ok(None);
                }
                let v: Vec<f32> = file.read(&path, &[m], "")?;
                Ok(Some(v.into_iter().map(f64::from).collect()))
            };
            let (tawss, osi, rrt) = (read("tawss")?, read("osi")?, read("rrt")?);
            let stats = |v: &Option<Vec<f64>>| v.as_ref().and_then(|v| weighted_stats(v, &areas));
            let beyond = |v: &Option<Vec<f64>>, threshold: f64, test: fn(f64, f64) -> bool| {
                v.as_ref().map(|v| {
                    // + 0.0: an empty f64 sum is -0.0, which would print as "-0.0 %".
                    let a =
                        v.iter().zip(&areas).filter(|(&x, _)| test(x, threshold)).map(|(_, a)| a).sum::<f64>() + 0.0;
                    let percent = if area > 0.0 { 100.0 * a / area } else { 0.0 };
                    ThresholdArea { threshold, area: a, percent }
                })
            };
            Some(CycleWall {
                cycle: k,
                start,
                end,
                tawss: stats(&tawss),
                osi: stats(&osi),
                rrt: stats(&rrt),
                low_tawss: beyond(&tawss, LOW_TAWSS, |x, t| x < t),
                high_osi: beyond(&osi, HIGH_OSI, |x, t| x > t),
            })
        }
        None => None,
    };
    Ok(WallSummary { triangles: m, area, wss, h_plus, cycle })
}
