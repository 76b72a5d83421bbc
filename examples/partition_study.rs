//! What splitting a large vessel over ranks would cost, partitioning alone (no run): the
//! repository's bifurcation (`meshes/bifurcation.obj`) voxelized at SPACING mm (default 0.04:
//! about 9 million fluid cells) and split by each of `grid::partition`'s methods (runs of the
//! Morton or the Hilbert curve, recursive bisection) into 2 to 256 parts; per count and method,
//! the load balance, the fluid faces cut and the halo cells, and the bytes the parts receive per
//! exchange of one f32 per cell (a step exchanges several fields: the velocity's 3, the
//! pressure, and two CG vectors per pressure iteration).
//!
//! `cargo run --release --example partition_study -- [SPACING_MM]`

use std::path::Path;

use hemoflow::grid::partition::{self, Method};
use hemoflow::grid::{self, kind};
use hemoflow::mesh::{self, Units};

fn main() -> anyhow::Result<()> {
    let spacing: f64 = std::env::args().nth(1).map_or(Ok(0.04), |a| a.parse())?;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/bifurcation.obj");
    let surface = mesh::load(&path, Units::Mm)?.0;
    let g = grid::voxelize(&surface, spacing * 1e-3)?;
    let fluid = g.kind.iter().filter(|&&k| k != kind::SOLID).count();
    println!("bifurcation at {spacing} mm: {fluid} fluid cells in {} bricks", g.bricks.slots());
    println!(
        "method     parts  cells/part  imbalance %  cut faces  halo cells  max halo/part  halo/own %  MB per f32 field"
    );
    let counts = [2usize, 4, 8, 16, 32, 64, 128, 256];
    for (method, parts) in
        [Method::Morton, Method::Hilbert, Method::Bisection].into_iter().flat_map(|m| counts.map(|n| (m, n)))
    {
        let s = partition::stats(&g, &partition::partition(&g, parts, method));
        let halo: u64 = s.halo.iter().sum();
        let max_halo = s.halo.iter().copied().max().unwrap_or(0);
        println!(
            "{:9}  {parts:5}  {:10}  {:11.2}  {:9}  {:10}  {:13}  {:10.1}  {:16.2}",
            format!("{method:?}"),
            fluid / parts,
            100.0 * s.imbalance,
            s.cut_faces,
            halo,
            max_halo,
            100.0 * halo as f64 / fluid as f64,
            s.halo_bytes_per_f32_field() as f64 / 1e6
        );
    }
    Ok(())
}
