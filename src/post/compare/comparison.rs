//! [`Comparison::read`]: the two files checked against each other (spacing, overlap, caps in
//! common), measured, and their changes put together.

use super::measure::{stent_change, wall_parts, Run};
use super::types::{
    cycle_name, snapshot_name, CapChange, Change, Comparison, RatioChange, RegionChange, Side, SPACING_TOLERANCE,
};
use crate::mesh::Vec3;
use crate::post::read::{GridData, OutputFile};
use crate::post::sample;
use crate::post::summary::OutputSummary;
use crate::post::PostError;

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
