//! What running a large vessel on many ranks would exchange, from the decomposition alone (no
//! run): the repository's bifurcation (`meshes/bifurcation.obj`) voxelized at SPACING mm
//! (default 0.04: about 9 million fluid cells), its pressure multigrid built, and split into 2 to
//! 256 parts as a run splits it (recursive bisection, `solver::domain`). Per part count: the load
//! balance on fluid cells, the fluid faces cut, each rank's halo (the bricks it holds but does
//! not own) on the finest level and on the coarser ones, and the bytes a rank receives per time
//! step, from the exchanges a step makes (see below).
//!
//! A step's exchanges (solver::halo, counted from the code): the velocity's 3 components after
//! each of the explicit Runge-Kutta stages that feed another (2), after each half of each viscous
//! sweep (2 per sweep) and after the projection (1); on each distributed level, one field after
//! each smoothing step (4 per V-cycle with the default 2 sweeps) and, below the finest, the
//! source after the restriction into it; the gather of the first level held whole (none after:
//! `solver::domain::WHOLE_CELLS`); the residual and q (one each per CG iteration) on the finest;
//! a V-cycle per iteration and one at the start. With ITERATIONS pressure iterations (default
//! 10) and SWEEPS viscous sweeps (default 2) per step.
//!
//! `cargo run --release --example scaling_study -- [SPACING_MM] [ITERATIONS] [SWEEPS]`

use std::path::Path;

use hemoflow::grid::partition::{self, Method};
use hemoflow::grid::{self, kind};
use hemoflow::mesh::{self, Units};
use hemoflow::solver::domain::{first_whole, part_sizes};
use hemoflow::solver::multigrid::Hierarchy;
use hemoflow::solver::CellLayout;

fn main() -> anyhow::Result<()> {
    let arg = |k: usize, default: f64| std::env::args().nth(k).map_or(Ok(default), |a| a.parse());
    let (spacing, iterations, sweeps) = (arg(1, 0.04)?, arg(2, 10.0)?, arg(3, 2.0)?);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/bifurcation.obj");
    let surface = mesh::load(&path, Units::Mm)?.0;
    let g = grid::voxelize(&surface, spacing * 1e-3)?;
    let fluid = g.kind.iter().filter(|&&k| k != kind::SOLID).count();
    let hierarchy = Hierarchy::new(&g.bricks, &CellLayout::new(&g)?, g.spacing)?;
    let levels = hierarchy.levels.len();
    println!(
        "bifurcation at {spacing} mm: {fluid} fluid cells in {} bricks, {levels} multigrid levels ({whole} distributed, \
         the rest held whole by every rank); a step with {iterations} pressure iterations and {sweeps} viscous sweeps",
        g.bricks.slots(),
        whole = first_whole(&hierarchy)
    );
    // f32 fields exchanged per step on each level (see the module docs).
    let cycles = iterations + 1.0;
    let whole = first_whole(&hierarchy);
    let per_level: Vec<f64> = (0..levels)
        .map(|l| match l {
            0 => 3.0 * (2.0 + 2.0 * sweeps + 1.0) + 1.0 + iterations + 4.0 * cycles,
            l if l == whole => cycles,
            l if l > whole => 0.0,
            _ => 5.0 * cycles,
        })
        .collect();
    println!(
        "parts  fluid/part  imbalance %  cut faces  halo cells/part (finest: mean, max)  halo/own %  coarse halo/part  \
         MB received per step (mean, max)"
    );
    let b = grid::index::BRICK_CELLS as usize;
    for parts in [2usize, 4, 8, 16, 32, 64, 128, 256] {
        let p = partition::partition(&g, parts, Method::Bisection);
        let s = partition::stats(&g, &p);
        let sizes = part_sizes(&hierarchy, &p, &[]);
        let halo0: Vec<usize> = sizes[0].iter().map(|&(_, h)| h * b).collect();
        let owned0: usize = sizes[0].iter().map(|&(o, _)| o * b).sum();
        let coarse: usize = sizes[1..].iter().flat_map(|l| l.iter().map(|&(_, h)| h * b)).sum::<usize>() / parts;
        let received: Vec<f64> = (0..parts)
            .map(|r| (0..levels).map(|l| 4.0 * (sizes[l][r].1 * b) as f64 * per_level[l]).sum::<f64>())
            .collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        println!(
            "{parts:5}  {:10}  {:11.2}  {:9}  {:16.0} {:10}  {:26.1}  {:16}  {:12.2} {:8.2}",
            fluid / parts,
            100.0 * s.imbalance,
            s.cut_faces,
            mean(&halo0.iter().map(|&h| h as f64).collect::<Vec<_>>()),
            halo0.iter().max().copied().unwrap_or(0),
            100.0 * halo0.iter().sum::<usize>() as f64 / owned0 as f64,
            coarse,
            mean(&received) / 1e6,
            received.iter().copied().fold(0.0, f64::max) / 1e6
        );
    }
    Ok(())
}
