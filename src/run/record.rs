//! What a run writes as it goes: the output file (what the run knows before its first step:
//! the grid, the wall, the caps, stents and regions; then the snapshots and the cycles' averages,
//! each made part of the file by one commit, so that a run killed at any moment keeps every
//! snapshot committed before) and its XDMF sidecars for ParaView.

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::error::RunError;
use super::history::{CycleSummary, History};
use super::setup::centerline_records;
use crate::case::Case;
use crate::grid::{self, kind};
use crate::io::{
    write_cycles_xdmf, write_time_series_xdmf, write_wall_xdmf, CycleRecord, GridMeta, H5Output, IoError, RegionRecord,
    StentRecord,
};
use crate::mesh::WallSurface;
use crate::solver::gpu_solver::Averages;
use crate::solver::wall_shear::cycle_indices;
use crate::stent::Deployed;

/// A run's output file, open for writing (on the rank that writes it; on the others the same
/// bookkeeping with no file).
pub(super) struct Recorder {
    out: Option<H5Output>,
    /// The output file, and its XDMF sidecars: the volume, the wall over the snapshots and over
    /// the cycles (written once there is one).
    output: PathBuf,
    pub xdmf: PathBuf,
    pub wall_xdmf: PathBuf,
    cycles_xdmf: PathBuf,
    meta: GridMeta,
    /// The wall's points and triangles.
    wall_sizes: (usize, usize),
    /// Snapshots written: (number, time in s).
    pub snapshots: Vec<(usize, f64)>,
    /// Cycles written: (number, end time in s).
    cycles: Vec<(usize, f64)>,
}

/// What the output's header says about the run.
pub(super) struct Header<'a> {
    pub g: &'a grid::Grid,
    pub wall: &'a WallSurface,
    /// The caps' names and types (`inlet`, `outlet`, `wall`), in the grid's order.
    pub names: &'a [String],
    pub cap_types: &'a [&'a str],
    /// `report.proximal` and `report.distal`.
    pub pair: Option<(&'a str, &'a str)>,
    /// The deployed stents and the centrelines they were placed on.
    pub stents: Option<(&'a [Deployed], &'a crate::centerline::Centerlines)>,
}

impl Recorder {
    /// Creates `output` for `case` and writes `header` (with empty /summary), committed; with
    /// `write` false (a rank that does not write), keeps count of what would be written only.
    pub fn create(case: &Case, output: &Path, header: &Header, write: bool) -> Result<Recorder, RunError> {
        let (g, wall) = (header.g, header.wall);
        let mut recorder = Recorder {
            out: None,
            output: output.to_path_buf(),
            xdmf: output.with_extension("xdmf"),
            wall_xdmf: output.with_extension("wall.xdmf"),
            cycles_xdmf: output.with_extension("cycles.xdmf"),
            meta: crate::io::grid_meta(g),
            wall_sizes: (wall.vertices.len(), wall.triangles.len()),
            snapshots: Vec::new(),
            cycles: Vec::new(),
        };
        if !write {
            return Ok(recorder);
        }
        if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| IoError::File { path: dir.to_path_buf(), source })?;
        }
        let periodic = case.time.period.is_some();
        let case_text = case.source.as_ref().map_or(String::new(), |s| s.1.clone());
        let staged: &[&str] = if periodic { &["fields", "summary", "cycles"] } else { &["fields", "summary"] };
        let mut out = H5Output::create_staged(output, &case_text, staged)?;
        out.write_grid_of(g)?;
        out.write_wall(&wall.vertices, &wall.triangles, &wall.labels, &wall.label_names)?;
        out.write_cap_types(header.names, header.cap_types, header.pair)?;
        if let Some((deployed, centerlines)) = header.stents {
            out.write_centerlines(&centerlines.source, centerlines.spacing, &centerline_records(centerlines))?;
            let records: Vec<StentRecord> = deployed
                .iter()
                .map(|d| StentRecord {
                    kind: d.stent.kind.name().into(),
                    diameter: 2.0 * d.stent.radius,
                    porosity: d.stent.porosity,
                    wire_diameter: d.stent.wire_diameter,
                    centerline: d.centerline.iter().map(|&p| p.into()).collect(),
                })
                .collect();
            out.write_stents(&records)?;
        }
        if !case.region.is_empty() {
            let m = case.geometry.units.to_metres();
            let point = |p: &Spanned<[f64; 3]>| p.get_ref().map(|x| x * m);
            let regions: Vec<RegionRecord> = case
                .region
                .iter()
                .map(|r| RegionRecord {
                    name: r.name.get_ref().clone(),
                    center: point(&r.center),
                    radius: r.radius.get_ref() * m,
                    neck: r.neck.as_ref().map(point),
                })
                .collect();
            out.write_regions(&regions)?;
        }
        let none = vec![Vec::new(); header.names.len()];
        out.write_summary(header.names, &[], &none, &none)?;
        out.commit()?;
        recorder.out = Some(out);
        Ok(recorder)
    }

    /// The wall's XDMF over the cycles, once a cycle has been written.
    pub fn cycles_xdmf(&self) -> Option<PathBuf> {
        (!self.cycles.is_empty()).then(|| self.cycles_xdmf.clone())
    }

    fn write_wall_series(&self) -> Result<(), RunError> {
        let (points, triangles) = self.wall_sizes;
        write_wall_xdmf(&self.wall_xdmf, &self.output, points, triangles, &self.snapshots)?;
        if !self.cycles.is_empty() {
            write_cycles_xdmf(&self.cycles_xdmf, &self.output, points, triangles, &self.cycles)?;
        }
        Ok(())
    }

    /// Writes a snapshot at `time` (s): the velocity `u` (m/s, component-major) and kinematic
    /// pressure `p` (m^2/s^2) on `g`'s cells, the wall's stress (Pa, per triangle) and h+ (per
    /// triangle, [`crate::post::summary::h_plus`]), and the caps' history so far; committed,
    /// with the XDMF sidecars.
    pub fn snapshot(
        &mut self,
        g: &grid::Grid,
        time: f64,
        (u, p): (&[f32], &[f32]),
        density: f64,
        (wall_stress, h_plus): (&[[f32; 4]], &[f32]),
        history: &History,
    ) -> Result<(), RunError> {
        let Some(out) = self.out.as_mut() else {
            self.snapshots.push((self.snapshots.len(), time));
            return Ok(());
        };
        let p: Vec<f32> = p.iter().map(|&x| (density * x as f64) as f32).collect();
        let (velocity, pressure) = dense_fields(g, u, &p);
        out.write_snapshot(self.snapshots.len(), time, &pressure, &velocity)?;
        out.write_wall_snapshot(self.snapshots.len(), wall_stress, h_plus)?;
        out.write_summary(&history.names, &history.times, &history.flows, &history.pressures)?;
        if !history.residuals.is_empty() {
            out.write_residuals(&history.residuals)?;
        }
        out.commit()?;
        self.snapshots.push((self.snapshots.len(), time));
        write_time_series_xdmf(&self.xdmf, &self.output, &self.meta, &self.snapshots)?;
        self.write_wall_series()
    }

    /// Writes the cycle `c` that ended at `time` (s), with the time integrals over it
    /// (`averages`, of a fluid of `density` in kg/m^3): TAWSS, OSI, RRT, the mean fields and the
    /// caps' figures; committed.
    pub fn cycle(
        &mut self,
        g: &grid::Grid,
        c: &CycleSummary,
        time: f64,
        averages: &Averages,
        density: f64,
    ) -> Result<(), RunError> {
        let Some(out) = self.out.as_mut() else {
            self.cycles.push((c.cycle, time));
            return Ok(());
        };
        let Averages { time: integrated, wall: sums, fields: integrals } = averages;
        let integrated = *integrated;
        let n = g.kind.len();
        let (tawss, osi, rrt) = cycle_indices(integrated, sums);
        let mean = |values: &[f32], scale: f64| -> Vec<f32> {
            values.iter().map(|&v| (v as f64 * scale / integrated) as f32).collect()
        };
        let (velocity, pressure) =
            dense_fields(g, &mean(&integrals[..3 * n], 1.0), &mean(&integrals[3 * n..], density));
        let per_cap = |f: fn(&super::history::CapCycle) -> f64| c.caps.iter().map(f).collect::<Vec<f64>>();
        out.write_cycle(&CycleRecord {
            cycle: c.cycle,
            start: (time - integrated).max(0.0),
            end: time,
            tawss: &tawss,
            osi: &osi,
            rrt: &rrt,
            velocity: &velocity,
            pressure: &pressure,
            caps: [
                &per_cap(|c| c.mean_flow_rate),
                &per_cap(|c| c.mean_pressure),
                &per_cap(|c| c.min_pressure),
                &per_cap(|c| c.max_pressure),
            ],
        })?;
        out.commit()?;
        self.cycles.push((c.cycle, time));
        if !self.snapshots.is_empty() {
            self.write_wall_series()?;
        }
        Ok(())
    }

    /// Closes the file.
    pub fn close(self) -> Result<(), RunError> {
        if let Some(out) = self.out {
            out.close()?;
        }
        Ok(())
    }
}

/// Per-cell velocity (m/s, component-major) and pressure (Pa) as the dense arrays of the
/// output (nz x ny x nx x 3 interleaved, and nz x ny x nx), zero in solid cells.
fn dense_fields(g: &grid::Grid, u: &[f32], p: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let n = p.len();
    let [nx, ny, nz] = g.dims().map(|d| d as usize);
    let mut pressure = vec![0.0f32; nx * ny * nz];
    let mut velocity = vec![0.0f32; 3 * nx * ny * nz];
    for id in 0..n {
        if g.kind[id] == kind::SOLID {
            continue;
        }
        let [i, j, k] = g.bricks.cell_coords(id as u32).map(|x| x as usize);
        let cell = i + nx * (j + ny * k);
        pressure[cell] = p[id];
        for c in 0..3 {
            velocity[3 * cell + c] = u[c * n + id];
        }
    }
    (velocity, pressure)
}
