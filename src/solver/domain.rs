//! Domain decomposition of the solver's grids over ranks: which bricks each rank owns and holds
//! on every multigrid level, and each rank's levels cut out of the whole ones.
//!
//! # The scheme
//! The finest level's bricks are split by [`crate::grid::partition`]; a coarser level's brick
//! goes to the rank owning most fluid cells among its 8 child bricks (ties to the lowest
//! octant), so the transfers between levels mostly stay on one rank. A rank *holds* the bricks
//! it owns, numbered first (ascending global slot), then a halo of bricks owned by others,
//! grouped by owner (ascending rank, then slot): so what it receives from one peer is one run
//! of slots, and every per-cell array keeps the layout of a whole grid (slot * 64 + local, so
//! every kernel runs unchanged on a rank's part). The halo is what the owned cells' results
//! read:
//! - the 26 neighbouring bricks of each owned brick (every stencil reaches at most a brick, 4
//!   cells, away: advection's and the face interpolation's two cells, the wall-shear fits
//!   aside);
//! - on a level with a coarser one, the child bricks of the owned coarser bricks and their
//!   neighbours (the restriction computes the children's residual);
//! - on a coarser level, the parents of the owned finer bricks (the prolongation);
//! - on the finest level, what the caller adds (the wall-shear stencils' bricks).
//!
//! The small coarse levels, from the first of at most [`WHOLE_CELLS`] allocated cells down to
//! the coarsest, every rank holds whole ([`LevelPart::whole`]) and computes redundantly: once
//! the source restricted into the first of them is gathered (each rank computes its owned
//! bricks'), every rank runs the rest of the V-cycle below it on the same data, with no further
//! exchange, and the coarsest level's exact solve with it. Each distributed level costs a host
//! round trip per smoothing step; a whole one costs none.
//!
//! Kernels compute on held cells too; a halo cell's result can be wrong (its stencil may reach
//! beyond what the rank holds), so after a stage whose output a later stage reads across a
//! brick's boundary, each owner sends its owned values to the ranks holding them
//! (`solver::halo`). Values computed cell by cell from valid inputs stay valid in the halo.
//! Reductions (dot products, flows, maxima) take owned cells only, which come first.
//!
//! Every rank decomposes the whole hierarchy the same way (the grid and the hierarchy are built
//! on every rank), so each knows what its peers hold and send with no message.

use std::collections::BTreeSet;
use std::ops::Range;

use super::multigrid::{CoarseInverse, Hierarchy, Level};
use super::CellLayout;
use crate::grid::index::{self, Bricks, BRICK_CELLS, NO_SLOT};
use crate::grid::partition::Partition;

/// A coarse level with at most this many allocated cells is held whole by every rank (128 KiB
/// per f32 field): from the first such level down, the V-cycle runs redundantly on every rank,
/// with no halo exchange but the gather of the first one's source.
pub const WHOLE_CELLS: usize = 32_768;

/// The first level every rank holds whole: the first coarse one of at most [`WHOLE_CELLS`]
/// allocated cells, or the coarsest (always whole: its exact solve), or none on a one-level
/// hierarchy (its only level is the finest).
pub fn first_whole(hierarchy: &Hierarchy) -> usize {
    let levels = &hierarchy.levels;
    (1..levels.len()).find(|&l| levels[l].bricks.allocated_cells() <= WHOLE_CELLS).unwrap_or(levels.len() - 1).max(1)
}

/// One rank's part of one level.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LevelPart {
    /// The global slots this rank holds, in its own slot order: owned first, then the halo.
    pub slots: Vec<u32>,
    /// How many of `slots` it owns.
    pub owned: usize,
    /// The halo received from each peer: (rank, the run of local slots), by rank.
    pub recv: Vec<(usize, Range<u32>)>,
    /// The owned bricks each peer holds: (rank, local slots in the order it receives them).
    pub send: Vec<(usize, Vec<u32>)>,
    /// Local slot of each global slot of the level, NO_SLOT where not held.
    pub local_of: Vec<u32>,
    /// Held whole and computed redundantly on every rank: its halo is exchanged only after the
    /// restriction into it (a gather), and only on the first such level.
    pub whole: bool,
}

impl LevelPart {
    /// Held cells (the length of the rank's per-cell arrays on this level).
    pub fn cells(&self) -> usize {
        self.slots.len() * BRICK_CELLS as usize
    }

    /// Owned cells, the first of the held ones.
    pub fn owned_cells(&self) -> usize {
        self.owned * BRICK_CELLS as usize
    }

    /// The local storage id of global cell `id`, if held.
    pub fn local_id(&self, id: u32) -> Option<u32> {
        let slot = self.local_of[(id / BRICK_CELLS) as usize];
        (slot != NO_SLOT).then(|| slot * BRICK_CELLS + id % BRICK_CELLS)
    }

    /// The global storage id of local cell `id`.
    pub fn global_id(&self, id: u32) -> u32 {
        self.slots[(id / BRICK_CELLS) as usize] * BRICK_CELLS + id % BRICK_CELLS
    }
}

/// One rank's part of the whole hierarchy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    /// This rank.
    pub rank: usize,
    /// Ranks in the run.
    pub ranks: usize,
    /// Per level, finest first.
    pub levels: Vec<LevelPart>,
}

/// The owner of every brick of every level, finest first: the partition's on the finest, then
/// each coarser brick's by its children.
pub fn owners(hierarchy: &Hierarchy, partition: &Partition) -> Vec<Vec<u32>> {
    let mut owners = vec![partition.part_of_slot.clone()];
    for l in 1..hierarchy.levels.len() {
        let (fine, coarse) = (&hierarchy.levels[l - 1], &hierarchy.levels[l]);
        let fluid = fluid_per_slot(&fine.layout);
        let below = &owners[l - 1];
        let own: Vec<u32> = (0..coarse.bricks.slots())
            .map(|s| {
                let children = &coarse.child_bricks[8 * s..8 * s + 8];
                let best = children.iter().filter(|&&c| c != NO_SLOT).max_by(|&&a, &&b| {
                    // Most fluid, then the lowest octant (max_by keeps the last of equals).
                    fluid[a as usize].cmp(&fluid[b as usize]).then(b.cmp(&a))
                });
                best.map_or(0, |&c| below[c as usize])
            })
            .collect();
        owners.push(own);
    }
    owners
}

fn fluid_per_slot(layout: &CellLayout) -> Vec<u32> {
    let cells = BRICK_CELLS as usize;
    (0..layout.cells.len() / cells)
        .map(|s| (0..cells).filter(|&k| layout.is_fluid((s * cells + k) as u32)).count() as u32)
        .collect()
}

/// The bricks `rank` holds on each level (global slots, unordered), given every level's owners
/// and the finest level's `extra` bricks (the caller's: the wall-shear stencils').
fn held(hierarchy: &Hierarchy, owners: &[Vec<u32>], rank: usize, extra: &[u32]) -> Vec<BTreeSet<u32>> {
    let levels = &hierarchy.levels;
    let (last, whole) = (levels.len() - 1, first_whole(hierarchy));
    let owned = |l: usize| (0..owners[l].len() as u32).filter(move |&s| owners[l][s as usize] as usize == rank);
    let ring = |l: usize, set: &mut BTreeSet<u32>, s: u32| {
        set.extend(levels[l].bricks.neighbours[s as usize].iter().copied().filter(|&nb| nb != NO_SLOT));
    };
    let mut held: Vec<BTreeSet<u32>> = Vec::with_capacity(levels.len());
    for l in 0..levels.len() {
        let mut set = BTreeSet::new();
        if l >= whole {
            set.extend(0..levels[l].bricks.slots() as u32);
            held.push(set);
            continue;
        }
        for s in owned(l) {
            ring(l, &mut set, s);
        }
        if l == 0 {
            set.extend(extra.iter().copied());
        } else {
            // (A brick without fluid, added to align the allocation, has no parent.)
            let parents = owned(l - 1).map(|s| levels[l - 1].parent_bricks[s as usize]);
            set.extend(parents.filter(|&p| p != NO_SLOT).map(|p| p / 8));
        }
        if l < last {
            for s in owned(l + 1) {
                for &c in &levels[l + 1].child_bricks[8 * s as usize..8 * s as usize + 8] {
                    if c != NO_SLOT {
                        ring(l, &mut set, c);
                    }
                }
            }
        }
        set.extend(owned(l));
        if l == 0 {
            // Aligned (`index::align_allocation`) with further bricks, received but not read.
            let missing = index::bricks_to_align(set.len());
            let extra: Vec<u32> =
                (0..levels[0].bricks.slots() as u32).filter(|s| !set.contains(s)).take(missing).collect();
            set.extend(extra);
        }
        held.push(set);
    }
    held
}

/// `rank`'s part of `hierarchy` split by `partition` (as many parts as ranks), with `extra[r]`
/// the finest-level bricks rank r's caller needs besides the stencils' (its wall-shear
/// stencils').
pub fn decompose(hierarchy: &Hierarchy, partition: &Partition, rank: usize, extra: &[Vec<u32>]) -> Domain {
    let ranks = partition.parts;
    let owners = owners(hierarchy, partition);
    let all: Vec<Vec<BTreeSet<u32>>> =
        (0..ranks).map(|r| held(hierarchy, &owners, r, extra.get(r).map_or(&[], |e| e))).collect();
    let levels = (0..hierarchy.levels.len())
        .map(|l| {
            let owner = &owners[l];
            // A rank's order: owned, then the halo by owner and slot.
            let order = |r: usize| -> (Vec<u32>, usize) {
                let mut slots: Vec<u32> =
                    all[r][l].iter().copied().filter(|&s| owner[s as usize] as usize == r).collect();
                let owned = slots.len();
                let mut halo: Vec<u32> =
                    all[r][l].iter().copied().filter(|&s| owner[s as usize] as usize != r).collect();
                halo.sort_by_key(|&s| (owner[s as usize], s));
                slots.extend(halo);
                (slots, owned)
            };
            let (slots, owned) = order(rank);
            let mut local_of = vec![NO_SLOT; owner.len()];
            for (k, &s) in slots.iter().enumerate() {
                local_of[s as usize] = k as u32;
            }
            let mut recv: Vec<(usize, Range<u32>)> = Vec::new();
            for (k, &s) in slots.iter().enumerate().skip(owned) {
                let from = owner[s as usize] as usize;
                match recv.last_mut() {
                    Some((r, run)) if *r == from => run.end = k as u32 + 1,
                    _ => recv.push((from, k as u32..k as u32 + 1)),
                }
            }
            let send = (0..ranks)
                .filter(|&q| q != rank)
                .filter_map(|q| {
                    let (theirs, their_owned) = order(q);
                    let mine: Vec<u32> = theirs[their_owned..]
                        .iter()
                        .filter(|&&s| owner[s as usize] as usize == rank)
                        .map(|&s| local_of[s as usize])
                        .collect();
                    (!mine.is_empty()).then_some((q, mine))
                })
                .collect();
            LevelPart { slots, owned, recv, send, local_of, whole: l >= first_whole(hierarchy) }
        })
        .collect();
    Domain { rank, ranks, levels }
}

/// Per level, per rank: the bricks it owns and its halo's bricks (what [`decompose`] gives each
/// rank, counted without building the exchange lists; for studies of many parts).
pub fn part_sizes(hierarchy: &Hierarchy, partition: &Partition, extra: &[Vec<u32>]) -> Vec<Vec<(usize, usize)>> {
    let owners = owners(hierarchy, partition);
    let held: Vec<Vec<BTreeSet<u32>>> =
        (0..partition.parts).map(|r| held(hierarchy, &owners, r, extra.get(r).map_or(&[], |e| e))).collect();
    (0..hierarchy.levels.len())
        .map(|l| {
            (0..partition.parts)
                .map(|r| {
                    let owned = owners[l].iter().filter(|&&o| o as usize == r).count();
                    (owned, held[r][l].len() - owned)
                })
                .collect()
        })
        .collect()
}

/// `level` cut down to the bricks `part` holds, in its order: cell words, geometry records
/// (those of the held cells, boundary records first as before), neighbour tables and the
/// transfer tables (entries to bricks the neighbouring levels' parts, `finer` and `coarser`,
/// do not hold become NO_SLOT).
pub fn cut_level(level: &Level, part: &LevelPart, finer: Option<&LevelPart>, coarser: Option<&LevelPart>) -> Level {
    let remap = |s: u32, to: &LevelPart| if s == NO_SLOT { NO_SLOT } else { to.local_of[s as usize] };
    let global = &level.bricks;
    let table = global.table.iter().map(|&s| remap(s, part)).collect();
    let coords = part.slots.iter().map(|&s| global.coords[s as usize]).collect();
    let neighbours = part.slots.iter().map(|&s| global.neighbours[s as usize].map(|nb| remap(nb, part))).collect();
    let bricks = Bricks {
        dims: global.dims,
        brick_dims: global.brick_dims,
        table,
        coords,
        neighbours,
        periodic: global.periodic,
    };
    let layout = cut_layout(&level.layout, &bricks, part);
    let parent_bricks = match coarser {
        Some(c) if !level.parent_bricks.is_empty() => part
            .slots
            .iter()
            .map(|&s| match level.parent_bricks[s as usize] {
                NO_SLOT => NO_SLOT,
                e => match c.local_of[(e / 8) as usize] {
                    NO_SLOT => NO_SLOT,
                    cs => cs * 8 + e % 8,
                },
            })
            .collect(),
        _ => Vec::new(),
    };
    let child_bricks = match finer {
        Some(f) => part
            .slots
            .iter()
            .flat_map(|&s| (0..8).map(move |k| remap(level.child_bricks[8 * s as usize + k], f)))
            .collect(),
        None => Vec::new(),
    };
    let fluid_cells = (0..layout.cells.len() as u32).filter(|&id| layout.is_fluid(id)).count();
    Level { bricks, layout, h: level.h, parent_bricks, child_bricks, fluid_cells }
}

/// The cell words and geometry records of the held cells, records renumbered in their order.
fn cut_layout(layout: &CellLayout, bricks: &Bricks, part: &LevelPart) -> CellLayout {
    let cells_per = BRICK_CELLS as usize;
    let words: Vec<u32> =
        part.slots.iter().flat_map(|&s| layout.cells[s as usize * cells_per..][..cells_per].iter().copied()).collect();
    let mut used: Vec<u32> = words.iter().filter(|&&w| w >> 8 != 0).map(|&w| (w >> 8) - 1).collect();
    used.sort_unstable();
    used.dedup();
    let (bc_stride, wall_stride) = (super::layout::BC_STRIDE, super::layout::WALL_STRIDE);
    let bc_records = layout.geom[0] as usize;
    let wall_at = |r: usize| 1 + bc_stride * bc_records + wall_stride * r;
    let kept_bc = used.iter().take_while(|&&r| (r as usize) < bc_records).count();
    let mut geom = vec![kept_bc as f32];
    for &r in &used[..kept_bc] {
        geom.extend_from_slice(&layout.geom[1 + bc_stride * r as usize..][..bc_stride]);
    }
    for &r in &used {
        geom.extend_from_slice(&layout.geom[wall_at(r as usize)..][..wall_stride]);
    }
    let cells = words
        .iter()
        .map(|&w| match w >> 8 {
            0 => w,
            r => (w & 0xff) | ((used.binary_search(&(r - 1)).expect("a held cell's record") as u32 + 1) << 8),
        })
        .collect();
    let bricks_with = [bricks.slots() as u32; 8];
    CellLayout { neighbours: bricks.face_table(), cells, geom, bricks_with }
}

/// The coarsest level's exact solve with its cells' ids in `part`'s numbering (the matrix is
/// the whole level's: every rank holds the whole coarsest level).
pub fn cut_coarse(coarse: &CoarseInverse, part: &LevelPart) -> CoarseInverse {
    let ids = coarse.ids.iter().map(|&id| part.local_id(id).expect("every rank holds the coarsest level")).collect();
    CoarseInverse { ids, inverse: coarse.inverse.clone() }
}

/// The whole hierarchy cut to `domain`'s parts, level by level.
pub fn cut_hierarchy(hierarchy: &Hierarchy, domain: &Domain) -> Hierarchy {
    let parts = &domain.levels;
    let mut levels: Vec<Level> = (0..hierarchy.levels.len())
        .map(|l| {
            let finer = l.checked_sub(1).map(|f| &parts[f]);
            cut_level(&hierarchy.levels[l], &parts[l], finer, parts.get(l + 1))
        })
        .collect();
    // Every brick whole: a brick's run is then as long on every rank that holds it (a rank's
    // slots, owned and then its halo, are not ordered by their fluid cells in any case).
    levels[0].layout.store_whole();
    let coarse = cut_coarse(&hierarchy.coarse, parts.last().expect("one level"));
    Hierarchy { levels, coarse }
}

/// The finest level's bricks each rank's wall-shear stencils read (for [`decompose`]'s
/// `extra`): the bricks of the cells of the triangles whose nearest cell the rank owns.
pub fn stencil_bricks(partition: &Partition, stencil: &super::wall_shear::WallStencil) -> Vec<Vec<u32>> {
    let k = super::wall_shear::WALL_STENCIL;
    let mut extra = vec![BTreeSet::new(); partition.parts];
    for (t, point) in stencil.points.iter().enumerate() {
        let owner = partition.part_of_slot[(point.nearest / BRICK_CELLS) as usize] as usize;
        for (&id, &w) in stencil.cells[t * k..][..k].iter().zip(&stencil.weights[t * k..][..k]) {
            if w != 0.0 {
                extra[owner].insert(id / BRICK_CELLS);
            }
        }
    }
    extra.into_iter().map(|s| s.into_iter().collect()).collect()
}
