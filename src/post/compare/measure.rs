//! The measurements of [`Comparison::read`](super::Comparison::read) on one file or a pair: the
//! pressure the stents are measured on, the flow into the regions (averaged over a cycle's
//! snapshots), the stented wall and its shear statistics. SI units: m, m^2, m^3/s, Pa.

use super::types::{cycle_name, snapshot_name, Change, RegionFlow, StatsChange, StentChange, WallPart, STENT_REACH};
use crate::io::{RegionRecord, StentRecord};
use crate::mesh::{Vec3, WallSurface};
use crate::post::read::{GridData, OutputFile};
use crate::post::render::request::{wall_values, Field};
use crate::post::sample::{self, Surface};
use crate::post::summary::{triangle_areas, weighted_stats, OutputSummary, MMHG};
use crate::post::PostError;

/// One file, read for the comparison.
pub(super) struct Run<'a> {
    pub file: &'a OutputFile,
    pub summary: OutputSummary,
    pub grid: GridData,
}

impl Run<'_> {
    /// The pressure the stents are measured on (the last cycle's mean, else the last snapshot's)
    /// and where it comes from; None without either.
    pub fn mean_pressure(&self) -> Result<Option<(Vec<f32>, String)>, PostError> {
        let shape = self.grid.meta.shape_zyx();
        let c = &self.summary.cycles;
        if let (Some(k), Some(start), Some(end)) = (c.last, c.start, c.end) {
            let at = format!("/cycles/{k:06}/pressure");
            if self.file.exists(&at) {
                let p = self.file.read(&at, &shape, "")?;
                return Ok(Some((p, format!("the mean over {}", cycle_name(k, start, end)))));
            }
        }
        let s = &self.summary.snapshots;
        match (s.last, s.last_time) {
            (Some(n), Some(t)) => {
                Ok(Some((self.file.read(&format!("/fields/{n:06}/pressure"), &shape, "")?, snapshot_name(n, t))))
            }
            _ => Ok(None),
        }
    }

    /// Each region's flow in this file, averaged over the last cycle's snapshots (trapezoid) or
    /// taken from the last snapshot; and where it comes from. Empty without snapshots.
    pub fn region_flows(
        &self,
        regions: &[RegionRecord],
    ) -> Result<(Option<String>, Vec<Option<RegionFlow>>), PostError> {
        let numbers = if self.summary.snapshots.count > 0 { self.file.numbers("fields")? } else { Vec::new() };
        let mut chosen = Vec::new();
        for &n in &numbers {
            chosen.push((n, self.file.scalar_attr(&format!("/fields/{n:06}"), "time")?));
        }
        let c = &self.summary.cycles;
        let over = match (c.last, c.start, c.end) {
            (Some(k), Some(start), Some(end)) => {
                let slack = 1e-6 * (end - start);
                let within: Vec<(usize, f64)> =
                    chosen.iter().copied().filter(|&(_, t)| t >= start - slack && t <= end + slack).collect();
                if within.is_empty() {
                    None
                } else {
                    chosen = within;
                    Some(format!(
                        "{} snapshot(s) of {}, trapezoid rule in time",
                        chosen.len(),
                        cycle_name(k, start, end)
                    ))
                }
            }
            _ => None,
        };
        let over = match (over, chosen.last().copied()) {
            (Some(o), _) => o,
            (None, Some(last)) => {
                chosen = vec![last];
                snapshot_name(last.0, last.1)
            }
            (None, None) => return Ok((None, vec![None; regions.len()])),
        };
        let h = self.grid.meta.spacing;
        let surfaces: Vec<Surface> = regions
            .iter()
            .map(|r| sample::region_surface(Vec3::from(r.center), r.radius, r.neck.map(Vec3::from), h))
            .collect();
        let shape = self.grid.meta.shape_zyx();
        let mut series = vec![Vec::new(); regions.len()];
        for &(n, _) in &chosen {
            let v: Vec<f32> =
                self.file.read(&format!("/fields/{n:06}/velocity"), &[shape[0], shape[1], shape[2], 3], "")?;
            for (s, surface) in series.iter_mut().zip(&surfaces) {
                s.push(sample::flux(&self.grid, &v, surface));
            }
        }
        let times: Vec<f64> = chosen.iter().map(|c| c.1).collect();
        let flows = series
            .iter()
            .zip(&surfaces)
            .map(|(s, surface)| {
                let inflow = time_mean(&times, &s.iter().map(|f| f.inflow).collect::<Vec<_>>());
                let net = time_mean(&times, &s.iter().map(|f| f.net).collect::<Vec<_>>());
                let net_percent = (inflow > 0.0).then(|| 100.0 * net.abs() / inflow);
                Some(RegionFlow { inflow, net, net_percent, points: surface.points.len(), snapshots: times.len() })
            })
            .collect();
        Ok((Some(over), flows))
    }

    /// The wall's triangles' areas and which are stented; None without a wall.
    fn wall(&self, stents: &[StentRecord]) -> Result<Option<StentedWall>, PostError> {
        if self.summary.wall.is_none() {
            return Ok(None);
        }
        let wall = self.file.wall()?;
        Ok(Some(StentedWall { areas: triangle_areas(&wall), stented: stented(&wall, stents) }))
    }
}

/// Which of `wall`'s triangles are stented: centroid within [`STENT_REACH`] stent radii of a
/// stent's centreline, its foot between the ends.
pub(super) fn stented(wall: &WallSurface, stents: &[StentRecord]) -> Vec<bool> {
    let lines: Vec<(Vec<Vec3>, f64)> = stents
        .iter()
        .map(|s| (s.centerline.iter().map(|&p| Vec3::from(p)).collect(), STENT_REACH * s.diameter / 2.0))
        .collect();
    (0..wall.triangles.len())
        .map(|t| lines.iter().any(|(line, reach)| sample::near_polyline(wall.centroid(t), line, *reach)))
        .collect()
}

/// A file's wall triangles: their areas (m^2) and whether each is stented.
struct StentedWall {
    areas: Vec<f64>,
    stented: Vec<bool>,
}

/// The time average of `values` at `times` by the trapezoid rule (the value itself for one time).
fn time_mean(times: &[f64], values: &[f64]) -> f64 {
    let span = times.last().copied().unwrap_or(0.0) - times.first().copied().unwrap_or(0.0);
    if times.len() < 2 || span <= 0.0 {
        return values.last().copied().unwrap_or(0.0);
    }
    let integral: f64 = (1..times.len()).map(|i| 0.5 * (values[i] + values[i - 1]) * (times[i] - times[i - 1])).sum();
    integral / span
}

/// One stent's cross-sections in both files (`pa`, `pb`: each file's pressure and its source).
pub(super) fn stent_change(
    index: usize,
    s: &StentRecord,
    a: &Run,
    pa: Option<&(Vec<f32>, String)>,
    b: &Run,
    pb: Option<&(Vec<f32>, String)>,
) -> StentChange {
    let line: Vec<Vec3> = s.centerline.iter().map(|&p| Vec3::from(p)).collect();
    let n = line.len();
    let ends = [(line[0], line[1] - line[0]), (line[n - 1], line[n - 1] - line[n - 2])];
    let reach = STENT_REACH * s.diameter / 2.0;
    let sections = |run: &Run, p: Option<&(Vec<f32>, String)>| {
        ends.map(|(point, normal)| p.and_then(|p| sample::plane_mean(&run.grid, &p.0, point, normal, reach)))
    };
    let (xa, xb) = (sections(a, pa), sections(b, pb));
    let value = |x: &[Option<(f64, usize)>; 2], i: usize| x[i].map(|v| v.0);
    let drop = |x: &[Option<(f64, usize)>; 2]| value(x, 0).zip(value(x, 1)).map(|(p, d)| p - d);
    let ratio =
        |x: &[Option<(f64, usize)>; 2]| value(x, 0).zip(value(x, 1)).filter(|(p, _)| *p != 0.0).map(|(p, d)| d / p);
    let drop_change = Change::new(drop(&xa), drop(&xb));
    StentChange {
        index,
        kind: s.kind.clone(),
        diameter: s.diameter,
        porosity: s.porosity,
        wire_diameter: s.wire_diameter,
        length: sample::polyline_length(&line),
        start: s.centerline[0],
        end: s.centerline[n - 1],
        middle: sample::polyline_middle(&line).into(),
        proximal_pressure: Change::new(value(&xa, 0), value(&xb, 0)),
        distal_pressure: Change::new(value(&xa, 1), value(&xb, 1)),
        drop_mmhg: drop_change.scaled(1.0 / MMHG),
        drop: drop_change,
        ratio: Change::new(ratio(&xa), ratio(&xb)),
        cells_pre: xa.map(|x| x.map(|v| v.1)),
        cells_post: xb.map(|x| x.map(|v| v.1)),
    }
}

/// |WSS| (and TAWSS when both files have cycles) over the stented wall and the rest.
pub(super) fn wall_parts(
    a: &Run,
    b: &Run,
    stents: &[StentRecord],
    both_cycles: bool,
    notes: &mut Vec<String>,
) -> Result<Vec<WallPart>, PostError> {
    let (Some(wa), Some(wb)) = (a.wall(stents)?, b.wall(stents)?) else {
        notes.push("a file has no /wall: no wall shear stress compared".into());
        return Ok(Vec::new());
    };
    // Per file: |WSS| at the last snapshot and TAWSS of the last cycle, per triangle.
    let values = |r: &Run, m: usize| -> Result<[Option<Vec<f64>>; 2], PostError> {
        let w = r.summary.wall.as_ref().expect("checked by Run::wall");
        let read = |field: Field, group: String| -> Result<Vec<f64>, PostError> {
            Ok(wall_values(r.file, field, &group, m)?.into_iter().map(f64::from).collect())
        };
        let wss = match &w.wss {
            Some(s) => Some(read(Field::Wss, format!("/fields/{:06}", s.snapshot))?),
            None => None,
        };
        let tawss = match (&w.cycle, both_cycles) {
            (Some(c), true) if c.tawss.is_some() => Some(read(Field::Tawss, format!("/cycles/{:06}", c.cycle))?),
            _ => None,
        };
        Ok([wss, tawss])
    };
    let (va, vb) = (values(a, wa.areas.len())?, values(b, wb.areas.len())?);
    let parts: Vec<(&str, Option<bool>)> =
        if stents.is_empty() { vec![("all", None)] } else { vec![("stented", Some(true)), ("rest", Some(false))] };
    Ok(parts
        .into_iter()
        .map(|(part, want)| {
            let pick = |w: &StentedWall, v: &Option<Vec<f64>>| {
                let keep: Vec<usize> = (0..w.areas.len()).filter(|&t| want.is_none_or(|s| w.stented[t] == s)).collect();
                let area: f64 = keep.iter().map(|&t| w.areas[t]).sum();
                let stats = v.as_ref().and_then(|v| {
                    let vals: Vec<f64> = keep.iter().map(|&t| v[t]).collect();
                    let areas: Vec<f64> = keep.iter().map(|&t| w.areas[t]).collect();
                    weighted_stats(&vals, &areas)
                });
                (keep.len(), area, stats)
            };
            let change = |i: usize| {
                let ((_, _, x), (_, _, y)) = (pick(&wa, &va[i]), pick(&wb, &vb[i]));
                let mean = Change::new(x.as_ref().map(|s| s.mean), y.as_ref().map(|s| s.mean));
                StatsChange { pre: x, post: y, mean }
            };
            let ((ta, aa, _), (tb, ab, _)) = (pick(&wa, &None), pick(&wb, &None));
            WallPart {
                part: part.into(),
                triangles: [ta, tb],
                area: Change::new(Some(aa), Some(ab)),
                wss: change(0),
                tawss: both_cycles.then(|| change(1)),
            }
        })
        .collect())
}
