//! The solver's domain decomposition (`solver::domain`) on a real vessel, for 2 and 3 ranks:
//! every brick of every multigrid level owned by one rank; each rank holds what its owned cells'
//! stencils and transfers read, and the small coarse levels whole; what one rank sends a peer is what the peer expects, brick for
//! brick; and each rank's cut levels describe its cells exactly as the whole levels do.

use std::path::Path;

use hemoflow::grid;
use hemoflow::grid::index::NO_SLOT;
use hemoflow::grid::partition::{partition, Method};
use hemoflow::mesh::{self, Units};
use hemoflow::solver::domain::{cut_hierarchy, decompose, first_whole};
use hemoflow::solver::multigrid::Hierarchy;
use hemoflow::solver::CellLayout;

#[test]
fn every_rank_holds_what_its_cells_read_and_peers_agree_on_the_halo() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/bifurcation.obj");
    let surface = mesh::load(&path, Units::Mm).unwrap().0;
    let g = grid::voxelize(&surface, 0.15e-3).unwrap();
    let layout = CellLayout::new(&g).unwrap();
    let whole = Hierarchy::new(&g.bricks, &layout, g.spacing).unwrap();
    let levels = whole.levels.len();
    assert!(levels >= 3, "{levels} levels");
    for ranks in [2usize, 3] {
        let p = partition(&g, ranks, Method::Bisection);
        let domains: Vec<_> = (0..ranks).map(|r| decompose(&whole, &p, r, &[])).collect();
        for l in 0..levels {
            let level = &whole.levels[l];
            let slots = level.bricks.slots();
            // Owned once.
            let mut owner = vec![usize::MAX; slots];
            for d in &domains {
                for &s in &d.levels[l].slots[..d.levels[l].owned] {
                    assert_eq!(owner[s as usize], usize::MAX, "level {l}: brick {s} owned twice");
                    owner[s as usize] = d.rank;
                }
            }
            assert!(owner.iter().all(|&o| o != usize::MAX), "level {l}: a brick nobody owns");
            for d in &domains {
                let part = &d.levels[l];
                let holds = |s: u32| s == NO_SLOT || part.local_of[s as usize] != NO_SLOT;
                for (k, &s) in part.slots.iter().enumerate() {
                    assert_eq!(part.local_of[s as usize], k as u32);
                }
                for &s in &part.slots[..part.owned] {
                    let s = s as usize;
                    assert!(level.bricks.neighbours[s].iter().all(|&nb| holds(nb)), "level {l}: a neighbour of {s}");
                    // (A brick without fluid, added to align the allocation, has no parent.)
                    if l + 1 < levels && level.parent_bricks[s] != NO_SLOT {
                        let parent = level.parent_bricks[s] / 8;
                        assert!(domains[d.rank].levels[l + 1].local_of[parent as usize] != NO_SLOT, "parent of {s}");
                    }
                    if l > 0 {
                        let finer = &domains[d.rank].levels[l - 1];
                        for &c in level.child_bricks[8 * s..8 * s + 8].iter().filter(|&&c| c != NO_SLOT) {
                            let ring = &whole.levels[l - 1].bricks.neighbours[c as usize];
                            assert!(
                                ring.iter().all(|&nb| nb == NO_SLOT || finer.local_of[nb as usize] != NO_SLOT),
                                "level {l}: the children of {s}"
                            );
                        }
                    }
                }
                // The small coarse levels (the coarsest at least) whole on every rank.
                assert_eq!(part.whole, l >= first_whole(&whole) && l > 0, "level {l}");
                if part.whole {
                    assert_eq!(part.slots.len(), slots, "level {l} whole on rank {}", d.rank);
                }
                // The halo comes in runs, one per owner, each received from that owner.
                let mut next = part.owned as u32;
                for (from, run) in &part.recv {
                    assert_eq!(run.start, next);
                    next = run.end;
                    for k in run.clone() {
                        assert_eq!(owner[part.slots[k as usize] as usize], *from);
                    }
                    let sender = &domains[*from].levels[l];
                    let sent = &sender.send.iter().find(|(q, _)| *q == d.rank).expect("a matching send").1;
                    let sent: Vec<u32> = sent.iter().map(|&k| sender.slots[k as usize]).collect();
                    let expected: Vec<u32> = run.clone().map(|k| part.slots[k as usize]).collect();
                    assert_eq!(sent, expected, "level {l}: rank {from} to rank {}", d.rank);
                }
                assert_eq!(next as usize, part.slots.len());
            }
        }
        // Each rank's cut levels say of its cells what the whole levels say.
        for d in &domains {
            let cut = cut_hierarchy(&whole, d);
            for l in 0..levels {
                let (w, c, part) = (&whole.levels[l], &cut.levels[l], &d.levels[l]);
                let (wv, cv) = (w.layout.view(), c.layout.view());
                for local in 0..part.cells() as u32 {
                    let global = part.global_id(local);
                    assert_eq!(wv.is_fluid(global), cv.is_fluid(local));
                    assert_eq!(w.bricks.cell_coords(global), c.bricks.cell_coords(local));
                    if !wv.is_fluid(global) {
                        continue;
                    }
                    for dir in 0..6 {
                        assert_eq!(wv.aperture(global, dir), cv.aperture(local, dir));
                        assert_eq!(wv.link(global, dir), cv.link(local, dir));
                        // Face neighbours map to each other wherever the rank holds them.
                        let (wn, cn) = (w.bricks.face_neighbour(global, dir), c.bricks.face_neighbour(local, dir));
                        if let Some(cn) = cn {
                            assert_eq!(wn, Some(part.global_id(cn)), "level {l} cell {global} face {dir}");
                        } else if let Some(wn) = wn {
                            assert!(part.local_id(wn).is_none());
                        }
                    }
                    assert_eq!(wv.volume(global), cv.volume(local));
                    assert_eq!(wv.boundary(global), cv.boundary(local));
                }
            }
            let ids: Vec<u32> = cut.coarse.ids.iter().map(|&id| d.levels[levels - 1].global_id(id)).collect();
            assert_eq!(ids, whole.coarse.ids);
        }
        let owned: Vec<usize> = domains.iter().map(|d| d.levels[0].owned_cells()).collect();
        println!(
            "{ranks} ranks: owned cells {owned:?}, held {:?}, levels {levels}",
            domains.iter().map(|d| d.levels[0].cells()).collect::<Vec<_>>()
        );
    }
}
