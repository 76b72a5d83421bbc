//! The bricks split into parts by each method of `grid::partition` (runs of the Morton or the
//! Hilbert curve, recursive coordinate bisection; groundwork of the multi-rank issue) on a real
//! vessel: every brick in one part, the parts balanced on fluid cells to within one brick's
//! worth, and the cut faces and halo counted as an independent count over cell coordinates
//! finds them.

use std::path::Path;

use hemoflow::grid::partition::{partition, stats, Method};
use hemoflow::grid::{self, index::BRICK_CELLS, kind, DIRECTIONS};
use hemoflow::mesh::{self, Units};

#[test]
fn parts_by_every_method_are_balanced_and_their_cut_is_counted() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/bifurcation.obj");
    let surface = mesh::load(&path, Units::Mm).unwrap().0;
    let g = grid::voxelize(&surface, 0.1e-3).unwrap();
    let total = g.kind.iter().filter(|&&k| k != kind::SOLID).count() as u64;
    for (parts, method) in
        [1, 2, 3, 8, 32].into_iter().flat_map(|n| [(n, Method::Morton), (n, Method::Hilbert), (n, Method::Bisection)])
    {
        let p = partition(&g, parts, method);
        let s = stats(&g, &p);
        assert_eq!(s.fluid.iter().sum::<u64>(), total);
        assert!(s.fluid.iter().all(|&f| f > 0), "{parts} parts: an empty part {:?}", s.fluid);
        // Within one brick's fluid cells of the mean share, and within 5% of it.
        let mean = total as f64 / parts as f64;
        let bound = (BRICK_CELLS as f64 / mean).max(0.0);
        println!(
            "{method:?}, {parts} parts of {total} fluid cells: imbalance {:.2}% (bound {:.2}%), {} cut faces, halo {} cells ({} \
             bytes per f32 field exchanged)",
            100.0 * s.imbalance,
            100.0 * bound.min(0.05),
            s.cut_faces,
            s.halo.iter().sum::<u64>(),
            s.halo_bytes_per_f32_field()
        );
        assert!(s.imbalance <= bound.min(0.05) + 1e-12, "{parts} parts: imbalance {}", s.imbalance);
        // The cut, counted again from cell coordinates.
        let part_of = |id: u32| p.part_of_slot[(id / BRICK_CELLS) as usize];
        let mut cut = 0u64;
        for id in 0..g.kind.len() as u32 {
            if g.kind[id as usize] == kind::SOLID {
                continue;
            }
            let c = g.bricks.cell_coords(id).map(|x| x as i64);
            for d in DIRECTIONS.iter().filter(|d| d.iter().sum::<i32>() > 0) {
                let Some(nb) = g.bricks.cell_id([c[0] + d[0] as i64, c[1] + d[1] as i64, c[2] + d[2] as i64]) else {
                    continue;
                };
                if g.kind[nb as usize] != kind::SOLID && part_of(nb) != part_of(id) {
                    cut += 1;
                }
            }
        }
        assert_eq!(s.cut_faces, cut, "{parts} parts");
        if parts == 1 {
            assert_eq!((s.cut_faces, s.halo_bytes_per_f32_field()), (0, 0));
        } else {
            assert!(s.cut_faces > 0 && s.halo.iter().all(|&h| h > 0));
        }
    }
}
