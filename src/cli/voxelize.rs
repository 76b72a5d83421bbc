//! `hemoflow voxelize FILE --spacing H`: the grid built from a surface, its statistics, and with
//! `-o` the grid in HDF5 with an XDMF sidecar.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use hemoflow::mesh::{self, Units};

/// Builds the grid of `file` (in `units`) at `spacing` (in `units`), printing its statistics and
/// writing it to `output` when given.
pub fn run(file: &Path, spacing: f64, units: Units, output: Option<&Path>, json: bool) -> Result<ExitCode> {
    let (m, load) = mesh::load(file, units)?;
    let check = mesh::check(&m, &load);
    if !check.simulatable {
        eprintln!("error: {}: cannot be voxelized: {}", file.display(), check.problems.join("; "));
        return Ok(ExitCode::from(2));
    }
    let grid = hemoflow::grid::voxelize(&m, spacing * units.to_metres())?;
    let written = match output {
        Some(path) => {
            let case = format!("hemoflow voxelize {} --spacing {spacing} --units {}", file.display(), units.symbol());
            Some((path.to_path_buf(), hemoflow::io::write_grid_file(&grid, path, &case)?))
        }
        None => None,
    };
    let s = &grid.stats;
    let caps: Vec<_> = grid
        .caps
        .iter()
        .map(|c| serde_json::json!({"name": c.name, "cells": c.cells.len(), "open_area": c.open_area, "area": c.area}))
        .collect();
    if json {
        let mut v = serde_json::to_value(s)?;
        v["caps"] = caps.into();
        v["peak_rss_bytes"] = peak_rss_bytes().into();
        if let Some((h5, xdmf)) = &written {
            v["output"] = h5.display().to_string().into();
            v["xdmf"] = xdmf.display().to_string().into();
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} (units {}) at spacing {:.4} mm", file.display(), units.symbol(), s.spacing * 1e3);
    println!(
        "grid {} x {} x {} = {} cells; fluid {} ({:.1}%); {} bricks of {}^3 ({} cells, {:.2}x the fluid cells)",
        s.dims[0],
        s.dims[1],
        s.dims[2],
        s.cells,
        s.fluid_cells,
        100.0 * s.fluid_fraction,
        s.bricks,
        hemoflow::grid::index::BRICK,
        s.allocated_cells,
        s.allocated_cells as f64 / s.fluid_cells as f64
    );
    println!(
        "fluid volume {:.5e} m^3 vs enclosed {:.5e} m^3 ({:+.3}%); {} cut cells; {} connected region(s)",
        s.fluid_volume,
        s.mesh_volume,
        100.0 * (s.fluid_volume - s.mesh_volume) / s.mesh_volume,
        s.cut_cells,
        s.components
    );
    for c in &grid.caps {
        println!(
            "cap {:<20} {:>6} cells, open area {:.4e} m^2 of {:.4e} m^2",
            c.name,
            c.cells.len(),
            c.open_area,
            c.area
        );
    }
    println!("{:.3} s, {} MB", s.seconds, s.memory_bytes >> 20);
    if let Some((h5, xdmf)) = written {
        println!("wrote {} and {}", h5.display(), xdmf.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The process's peak resident memory, bytes (Linux; None elsewhere).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
