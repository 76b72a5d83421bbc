//! The finite-volume grid built from a capped surface: a Cartesian grid of spacing `h`, stored
//! sparse in bricks of 2^3 cells (only bricks holding fluid are allocated, see [`index`]), with
//! the sub-cell wall geometry the solver's embedded boundary needs.
//!
//! # Wall treatment (chosen with the solver)
//! A cell is fluid when its centre is inside the surface. The wall cuts the cells next to it, and
//! each fluid cell carries, per face direction (-x, +x, -y, +y, -z, +z):
//! - `link`: where the wall crosses the line to the neighbouring centre, as a fraction of `h`
//!   (1 when the neighbour is fluid). Exact (from the ray sweeps). The momentum equation's
//!   no-slip wall uses it as a Shortley-Weller (ghost-cell) boundary: second order at the wall,
//!   which is what wall shear stress needs.
//! - `aperture`: the face's flux weight, its open area over h^2. The pressure equation and the
//!   divergence use it as a cut-cell finite volume: the wall face is closed, so mass is conserved
//!   cell by cell and the pressure operator stays symmetric (multigrid/CG). The solver's face
//!   velocity is the value at the face centre, and next to a wall the velocity grows with the
//!   distance from it, so a partly wet face's weight is its wetted part's integral of the wall
//!   distance over the centre's distance ([`fractions::flux_weight`]; its wetted fraction where
//!   the centre lies within h/4 of the wall), and the wetted parts of faces that are not between
//!   two fluid cells (whose flux would be lost) go to the faces beside them ([`cut`]). With
//!   wetted fractions alone, an oblique pipe's flux per velocity was 1.4% low at 10 cells per
//!   diameter, and its pressure gradient as much too high. Last, the weights between the wall's
//!   cells are balanced by least squares so that shear flows along the wall pass each of those
//!   cells without loss ([`balance`]; face by face they missed by a tenth of a wall cell's flux
//!   at any resolution, which the pressure absorbed through the Rhie-Chow term).
//!
//! and `volume_fraction`, its wetted volume over `h^3`. The wetted part of a cell whose centre
//! is outside is merged into the fluid neighbour across its most open face (cell merging), so
//! the fluid cells' volumes add up to the enclosed volume. Cut fluid cells also carry the wall's
//! unit normal (out of the fluid) and its distance from the cell centre (m), for wall shear
//! stress. Apertures and volume fractions come from the signed distance at the cell corners,
//! linear on the six tetrahedra of the cell ([`fractions`]).
//!
//! Cells on a cap carry the cap's open area through them, from the cap triangles clipped to
//! the cells ([`caps`]); a cap's cells' open areas add up to its area.

mod balance;
mod caps;
mod cut;
pub(crate) mod distance;
mod fractions;
pub mod index;
mod marks;
pub mod partition;
mod periodic;
mod sweep;

use std::collections::HashMap;
use std::time::Instant;

use rayon::prelude::*;

use crate::mesh::{SurfaceMesh, Vec3};
pub use balance::WallBalance;
pub use distance::closest_point;
use index::{Bricks, BRICK};
pub use periodic::PeriodicError;
use sweep::{Crossings, Rows};

/// `cell_kind` values: 0 solid, 1 fluid, `CAP0 + k` fluid on cap k.
pub mod kind {
    /// Outside the fluid.
    pub const SOLID: u8 = 0;
    /// Fluid, away from the caps.
    pub const FLUID: u8 = 1;
    /// Fluid on cap 0; cap k is `CAP0 + k`.
    pub const CAP0: u8 = 2;
}

/// The face directions of a cell, in the order of `link` and `aperture`.
pub const DIRECTIONS: [[i32; 3]; 6] = [[-1, 0, 0], [1, 0, 0], [0, -1, 0], [0, 1, 0], [0, 0, -1], [0, 0, 1]];

/// Why a grid could not be built.
#[derive(Debug, thiserror::Error)]
pub enum GridError {
    /// The spacing is not a positive length.
    #[error("spacing {0} m: must be a positive length")]
    Spacing(f64),
    /// The bounding grid is too big for this machine.
    #[error("a bounding grid of {dims:?} cells at spacing {spacing:.3e} m needs about {bytes} bytes of working memory, over the {limit} allowed: use a larger spacing")]
    TooLarge {
        /// Cells along x, y, z.
        dims: [u32; 3],
        /// Spacing, m.
        spacing: f64,
        /// Estimated working memory, bytes.
        bytes: u64,
        /// The limit, bytes.
        limit: u64,
    },
    /// No cell centre is inside the surface.
    #[error("no fluid cell at spacing {0:.3e} m: the vessel is thinner than a cell (use a smaller spacing)")]
    NoFluid(f64),
    /// More caps than `cell_kind` can label.
    #[error("{0} caps: at most 253 can be labelled")]
    TooManyCaps(usize),
}

/// One cap's cells.
#[derive(Clone, Debug, serde::Serialize)]
pub struct GridCap {
    /// Face group name.
    pub name: String,
    /// Its `cell_kind` value.
    pub kind: u8,
    /// Cap area from the surface, m^2.
    pub area: f64,
    /// Sum of the open areas of its cells, m^2.
    pub open_area: f64,
    /// Unit normal, out of the fluid.
    pub normal: [f64; 3],
    /// Area centroid, m.
    pub centroid: [f64; 3],
    /// Storage id and open area (m^2) of each cell on the cap.
    #[serde(skip)]
    pub cells: Vec<(u32, f64)>,
    /// The cap's rim: the edges of its triangles that no other of its triangles shares, as
    /// pairs of end points, m.
    #[serde(skip)]
    pub rim: Vec<[Vec3; 2]>,
}

/// The grid. Per-cell arrays are indexed by storage id ([`index`]); cells of allocated bricks
/// that are not fluid hold zeros.
#[derive(Clone, Debug)]
pub struct Grid {
    /// Low corner of cell (0, 0, 0), m.
    pub origin: Vec3,
    /// Cell edge, m.
    pub spacing: f64,
    /// The brick tiling and allocation (bounding grid dims included).
    pub bricks: Bricks,
    /// [`kind`] of each cell.
    pub kind: Vec<u8>,
    /// Wetted volume over h^3, merged slivers included (fluid cells).
    pub volume_fraction: Vec<f32>,
    /// Wetted fraction of each face, in [`DIRECTIONS`] order.
    pub aperture: Vec<[f32; 6]>,
    /// Distance to the wall along each direction over h, 1 where the neighbour is fluid.
    pub link: Vec<[f32; 6]>,
    /// Cut cells: wall normal (unit, out of the fluid) and distance from the centre to the
    /// wall (m, positive when the centre is in the fluid); zeros elsewhere.
    pub wall: Vec<[f32; 4]>,
    /// The caps, in the order of the mesh's cap groups.
    pub caps: Vec<GridCap>,
    /// What building it measured.
    pub stats: GridStats,
}

/// Figures from building a grid (what `voxelize --json` prints).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct GridStats {
    /// Cells along x, y, z.
    pub dims: [u32; 3],
    /// Cell edge, m.
    pub spacing: f64,
    /// Low corner of the grid, m.
    pub origin: [f64; 3],
    /// Cells of the bounding grid.
    pub cells: u64,
    /// Cells whose centre is inside.
    pub fluid_cells: u64,
    /// fluid_cells / cells.
    pub fluid_fraction: f64,
    /// Sum of the fluid cells' wetted volumes, m^3.
    pub fluid_volume: f64,
    /// Volume enclosed by the surface, m^3.
    pub mesh_volume: f64,
    /// Connected fluid regions (through faces).
    pub components: u64,
    /// Allocated bricks.
    pub bricks: u64,
    /// Cells in allocated bricks.
    pub allocated_cells: u64,
    /// Cells cut by the wall (corner signs differ).
    pub cut_cells: u64,
    /// Wetted volume of cut cells with no fluid neighbour to merge into, m^3.
    pub lost_volume: f64,
    /// Wall crossings the sweeps along y or z missed between cells the x sweep put on either
    /// side of the wall (each given the fraction 0.5). Expected 0.
    pub inconsistent_links: u64,
    /// The wall's flux weights balanced for shear flows along the wall (see `WallBalance`).
    pub wall_balance: WallBalance,
    /// Wall-clock seconds to build.
    pub seconds: f64,
    /// Bytes held by the grid and the largest working structures.
    pub memory_bytes: u64,
}

/// Working-memory ceiling for one build, bytes.
pub const MEMORY_LIMIT: u64 = 2 << 30;

/// A solid added to the fluid inside a surface (e.g. a stent's expanded lumen), given by its
/// signed distance: negative inside, m. It need be a true distance only near its surface (within
/// a few cells), and increase along any line leaving it there.
pub trait Addition: Sync {
    /// Signed distance at `p` (m), negative inside.
    fn signed_distance(&self, p: Vec3) -> f64;
    /// A box holding the solid: low and high corners, m.
    fn bounds(&self) -> (Vec3, Vec3);
}

/// Builds the grid of spacing `h` (m) inside the closed, outward-oriented `mesh`.
pub fn voxelize(mesh: &SurfaceMesh, h: f64) -> Result<Grid, GridError> {
    voxelize_with(mesh, h, &[])
}

/// Builds the grid of spacing `h` (m) inside the union of the closed, outward-oriented `mesh`
/// and the solids `added`: fluid cells, wall links, cut cells and apertures all describe the
/// union's wall (the mesh's wall inside an added solid is no wall any more). The added solids
/// must stay clear of the caps.
pub fn voxelize_with(mesh: &SurfaceMesh, h: f64, added: &[&dyn Addition]) -> Result<Grid, GridError> {
    let t0 = Instant::now();
    let mut last = t0;
    let mut lap = |stage: &str| {
        log::debug!("voxelize: {stage}: {:.3} s", last.elapsed().as_secs_f64());
        last = Instant::now();
    };
    if !(h.is_finite() && h > 0.0) {
        return Err(GridError::Spacing(h));
    }
    let (mut lo, mut hi) = mesh.bbox().ok_or(GridError::NoFluid(h))?;
    for a in added {
        let (alo, ahi) = a.bounds();
        (lo, hi) = (lo.inf(&alo), hi.sup(&ahi));
    }
    const PAD: f64 = 2.0;
    let origin = lo - Vec3::repeat(PAD * h);
    // An even number of bricks along each axis, so that the allocation can be aligned.
    let dims = [0, 1, 2].map(|a| ((((hi[a] - lo[a]) / h).ceil() + 2.0 * PAD) as u32).next_multiple_of(2 * BRICK));
    let cells: u64 = dims.iter().map(|&d| d as u64).product();
    // The fluid bit set, two sweeps' crossings and the bucket grids scale with the bounding grid.
    let estimate = cells / 8 + cells / 16 + 64 * (mesh.triangles.len() as u64);
    if estimate > MEMORY_LIMIT || cells > (1u64 << 36) {
        return Err(GridError::TooLarge { dims, spacing: h, bytes: estimate, limit: MEMORY_LIMIT });
    }
    let [nx, ny, nz] = dims.map(|d| d as usize);
    let sweep =
        |axis: usize, offset: f64, rows: [usize; 2]| Crossings::sweep(mesh, Rows { axis, origin, h, offset, rows });

    // Fluid cells: centres inside, from the sweep along x; one bit per cell, rows padded to words.
    let sx = sweep(0, 0.5, [ny, nz]);
    let words = nx.div_ceil(64);
    let mut fluid_bits = vec![0u64; words * ny * nz];
    fluid_bits.par_chunks_mut(words).enumerate().for_each(|(r, row)| {
        sx.for_inside(r % ny, r / ny, nx, |i| row[i / 64] |= 1 << (i % 64));
    });
    // Cells of the added solids, within their boxes.
    let centre_of = |c: [usize; 3]| origin + Vec3::new(c[0] as f64 + 0.5, c[1] as f64 + 0.5, c[2] as f64 + 0.5) * h;
    for a in added {
        let (alo, ahi) = a.bounds();
        let range = |k: usize| {
            let first = (((alo[k] - origin[k]) / h).floor().max(0.0) as usize).min(dims[k] as usize);
            let last = (((ahi[k] - origin[k]) / h).ceil().max(0.0) as usize + 1).min(dims[k] as usize);
            first..last
        };
        let (ri, rj, rk) = (range(0), range(1), range(2));
        fluid_bits.par_chunks_mut(words).enumerate().for_each(|(r, row)| {
            let (j, k) = (r % ny, r / ny);
            if !rj.contains(&j) || !rk.contains(&k) {
                return;
            }
            for i in ri.clone() {
                if a.signed_distance(centre_of([i, j, k])) < 0.0 {
                    row[i / 64] |= 1 << (i % 64);
                }
            }
        });
    }
    let is_fluid = |c: [i64; 3]| -> bool {
        if (0..3).any(|a| c[a] < 0 || c[a] >= dims[a] as i64) {
            return false;
        }
        let [i, j, k] = c.map(|x| x as usize);
        fluid_bits[(j + ny * k) * words + i / 64] >> (i % 64) & 1 == 1
    };
    let b = BRICK as usize;
    let bdims = [nx / b, ny / b, nz / b];
    let mut fluid_in = vec![0u8; bdims[0] * bdims[1] * bdims[2]];
    for k in 0..nz {
        for j in 0..ny {
            for (w, &word) in fluid_bits[(j + ny * k) * words..][..words].iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    let i = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    fluid_in[i / b + bdims[0] * (j / b + bdims[1] * (k / b))] += 1;
                }
            }
        }
    }
    lap("inside (x sweep) and bricks");
    // The bricks with the most fluid first, so that the solver's arrays can hold the fluid
    // cells alone (`index::stored_index`).
    let bricks = Bricks::in_order(dims, &index::by_fluid_cells(&fluid_in), [false; 3]);
    let n = bricks.allocated_cells();
    let coords = |id: u32| bricks.cell_coords(id).map(|x| x as i64);
    let mut kind_v: Vec<u8> =
        (0..n as u32).into_par_iter().map(|id| if is_fluid(coords(id)) { kind::FLUID } else { kind::SOLID }).collect();
    let fluid_cells = kind_v.iter().filter(|&&k| k != kind::SOLID).count() as u64;
    if fluid_cells == 0 {
        return Err(GridError::NoFluid(h));
    }

    // Wall fractions along the links to non-fluid neighbours, from sweeps along each axis.
    let sy = sweep(1, 0.5, [nz, nx]);
    let sz = sweep(2, 0.5, [nx, ny]);
    let centre = |c: [i64; 3], a: usize| origin[a] + (c[a] as f64 + 0.5) * h;
    let links: Vec<([f32; 6], u32)> = (0..n as u32)
        .into_par_iter()
        .map(|id| {
            let mut link = [1.0f32; 6];
            let mut missed = 0;
            if kind_v[id as usize] == kind::SOLID {
                return (link, 0);
            }
            let c = coords(id);
            for (d, dir) in DIRECTIONS.iter().enumerate() {
                let nb = [0, 1, 2].map(|a| c[a] + dir[a] as i64);
                if is_fluid(nb) {
                    continue;
                }
                let a = d / 2;
                let (x0, up) = (centre(c, a), dir[a] > 0);
                let (lo, hi) = if up { (x0, x0 + h) } else { (x0 - h, x0) };
                let [i, j, k] = c.map(|x| x as usize);
                let row = match a {
                    0 => sx.crossing_between(j, k, lo, hi, up),
                    1 => sy.crossing_between(k, i, lo, hi, up),
                    _ => sz.crossing_between(i, j, lo, hi, up),
                };
                // With added solids the wall is where the last solid the centre is in ends.
                let p = Vec3::new(centre(c, 0), centre(c, 1), centre(c, 2));
                let step = Vec3::new(dir[0] as f64, dir[1] as f64, dir[2] as f64) * h;
                let exits = added.iter().filter_map(|a| exit_fraction(*a, p, step));
                let fraction = row.map(|x| (x - x0).abs() / h).into_iter().chain(exits).reduce(f64::max);
                link[d] = match fraction {
                    Some(f) => (f as f32).clamp(1e-6, 1.0),
                    None => {
                        missed += 1;
                        0.5
                    }
                };
            }
            (link, missed)
        })
        .collect();
    let inconsistent_links = links.iter().map(|l| l.1 as u64).sum();
    let link: Vec<[f32; 6]> = links.into_iter().map(|l| l.0).collect();
    let sweep_bytes = sx.bytes() + sy.bytes() + sz.bytes();
    drop((sy, sz));

    // Cut cells: every cell near both fluid and non-fluid cells whose corners straddle the wall.
    lap("wall links (y, z sweeps)");
    let boundary: Vec<u32> = (0..n as u32)
        .into_par_iter()
        .filter(|&id| kind_v[id as usize] != kind::SOLID && link[id as usize].iter().any(|&l| l < 1.0))
        .collect();
    let boundary: Vec<[i64; 3]> = boundary.into_iter().map(coords).collect();
    let (cut, orphans, cut_bytes) = cut::cut_cells(mesh, added, origin, h, [nx, ny, nz], &boundary, &is_fluid);
    let memory_work = sweep_bytes + cut_bytes;
    let cut_cells = cut.len() as u64;

    // Volume fractions and apertures: 1 for uncut fluid cells, computed for cut ones, slivers of
    // non-fluid cut cells merged into a fluid neighbour.
    lap("cut cells (corner distances, fractions)");
    let mut volume_fraction: Vec<f32> = kind_v.iter().map(|&k| if k == kind::SOLID { 0.0 } else { 1.0 }).collect();
    let mut aperture: Vec<[f32; 6]> =
        kind_v.iter().map(|&k| if k == kind::SOLID { [0.0; 6] } else { [1.0; 6] }).collect();
    let mut wall = vec![[0.0f32; 4]; n];
    let mut merged: HashMap<u32, f64> = HashMap::new();
    // The fluid cut cells' wetted face fractions (for the caps' cells, below).
    let mut wetted: HashMap<u32, [f32; 6]> = HashMap::new();
    let mut lost_volume = 0.0;
    for &cut::CutCell { cell: c, volume: vf, faces, flux, wall: w } in &cut {
        if is_fluid(c) {
            let id = bricks.cell_id(c).expect("fluid cells are allocated") as usize;
            volume_fraction[id] = vf as f32;
            aperture[id] = flux.map(|f| f as f32);
            wetted.insert(id as u32, faces.map(|f| f as f32));
            wall[id] = w;
            continue;
        }
        if vf <= 0.0 {
            continue;
        }
        let mut order: Vec<usize> = (0..6).collect();
        order.sort_by(|&a, &b| faces[b].total_cmp(&faces[a]));
        let target = order
            .iter()
            .map(|&d| [0, 1, 2].map(|a| c[a] + DIRECTIONS[d][a] as i64))
            .chain((0..27).map(|m| [c[0] + m % 3 - 1, c[1] + (m / 3) % 3 - 1, c[2] + m / 9 - 1]))
            .find(|&nb| is_fluid(nb));
        match target {
            Some(nb) => *merged.entry(bricks.cell_id(nb).expect("fluid cells are allocated")).or_insert(0.0) += vf,
            None => lost_volume += vf * h * h * h,
        }
    }
    for (id, v) in merged {
        volume_fraction[id as usize] += v as f32;
    }
    // One value per face: a face between two fluid cells gets the smaller of the two cells'
    // estimates (they differ only where one side was not cut-checked), so the pressure operator
    // built on apertures is symmetric.
    for &cut::CutCell { cell: c, .. } in &cut {
        let Some(id) = bricks.cell_id(c).filter(|&id| kind_v[id as usize] != kind::SOLID) else { continue };
        for (d, dir) in DIRECTIONS.iter().enumerate() {
            if let Some(nb) = bricks.neighbour(id, *dir).filter(|&nb| kind_v[nb as usize] != kind::SOLID) {
                let opposite = d ^ 1;
                let a = aperture[id as usize][d].min(aperture[nb as usize][opposite]);
                aperture[id as usize][d] = a;
                aperture[nb as usize][opposite] = a;
            }
        }
    }
    // The orphan faces' flux, on both sides of the faces that take it.
    for o in &orphans {
        let id = bricks.cell_id(o.cell).expect("fluid cells are allocated");
        let nb = bricks.neighbour(id, DIRECTIONS[o.face]).expect("fluid cells are allocated");
        aperture[id as usize][o.face] += o.weight as f32;
        aperture[nb as usize][o.face ^ 1] += o.weight as f32;
    }
    let fluid_volume = volume_fraction.par_iter().map(|&v| v as f64).sum::<f64>() * h * h * h;

    // Caps.
    lap("merging");
    let cap_cells = caps::cap_cells(mesh, origin, h, &is_fluid);
    if cap_cells.len() > 253 {
        return Err(GridError::TooManyCaps(cap_cells.len()));
    }
    let mut best: HashMap<u32, f64> = HashMap::new();
    let mut caps = Vec::with_capacity(cap_cells.len());
    for (k, cap) in cap_cells.into_iter().enumerate() {
        let value = kind::CAP0 + k as u8;
        let mut cells: Vec<(u32, f64)> =
            cap.cells.iter().map(|(&c, &a)| (bricks.cell_id(c).expect("cap cells are fluid cells"), a)).collect();
        cells.sort_unstable_by_key(|c| c.0);
        for &(id, a) in &cells {
            let b = best.entry(id).or_insert(0.0);
            if a > *b {
                *b = a;
                kind_v[id as usize] = value;
            }
        }
        caps.push(GridCap {
            name: mesh.groups[cap.group as usize].name.clone(),
            kind: value,
            area: cap.area,
            open_area: cells.iter().map(|c| c.1).sum(),
            normal: cap.normal.into(),
            centroid: cap.centroid.into(),
            cells,
            rim: rim(mesh, cap.group),
        });
    }

    // A cap is no wall: the velocity does not vanish on it, so the faces of its cells keep
    // their wetted fractions (and no orphan's share).
    for cap in &caps {
        for &(id, _) in &cap.cells {
            // (A cell the wall does not cut has every face whole.)
            let fractions = wetted.get(&id).copied().unwrap_or([1.0; 6]);
            for (d, dir) in DIRECTIONS.iter().enumerate() {
                aperture[id as usize][d] = fractions[d];
                if let Some(nb) = bricks.neighbour(id, *dir).filter(|&nb| kind_v[nb as usize] != kind::SOLID) {
                    aperture[nb as usize][d ^ 1] = fractions[d];
                }
            }
        }
    }

    lap("caps");
    // The wall's cells' flux weights balanced for shear flows along the wall (balance.rs).
    let wall_balance = balance::balance(&bricks, &kind_v, &wall, &mut aperture, h);
    lap("wall flux balance");
    let components = count_components(&fluid_bits, words, ny, nz);
    let per_cell = 1 + 4 + 24 + 24 + 16;
    let memory_bytes = (n * per_cell
        + fluid_bits.len() * 8
        + bricks.table.len() * 4
        + bricks.slots() * (12 + 4 * index::NEIGHBOURS)
        + memory_work) as u64;
    lap("components");
    let stats = GridStats {
        dims,
        spacing: h,
        origin: origin.into(),
        cells,
        fluid_cells,
        fluid_fraction: fluid_cells as f64 / cells as f64,
        fluid_volume,
        mesh_volume: mesh.signed_volume(),
        components,
        bricks: bricks.slots() as u64,
        allocated_cells: n as u64,
        cut_cells,
        lost_volume,
        inconsistent_links,
        wall_balance,
        seconds: t0.elapsed().as_secs_f64(),
        memory_bytes,
    };
    Ok(Grid { origin, spacing: h, bricks, kind: kind_v, volume_fraction, aperture, link, wall, caps, stats })
}

/// Where an added solid ends along the step from `p` (inside it) to `p + step`, as a fraction of
/// the step (bisection on its signed distance); `None` when `p` is not inside it.
fn exit_fraction(a: &dyn Addition, p: Vec3, step: Vec3) -> Option<f64> {
    if a.signed_distance(p) >= 0.0 {
        return None;
    }
    let (mut lo, mut hi) = (0.0, 1.0);
    if a.signed_distance(p + step) < 0.0 {
        return Some(1.0);
    }
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if a.signed_distance(p + step * mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

/// Connected fluid regions through cell faces: union-find over the runs of fluid cells along
/// x (`rows[j + ny k]` is row (j, k) as words of bits), joining runs that overlap in the rows
/// below in y and in z.
fn count_components(rows: &[u64], words: usize, ny: usize, nz: usize) -> u64 {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    let mut row_start = Vec::with_capacity(ny * nz + 1);
    for r in 0..ny * nz {
        row_start.push(runs.len());
        let row = &rows[r * words..(r + 1) * words];
        let bit = |i: usize| row[i / 64] >> (i % 64) & 1 == 1;
        let mut i = 0;
        while i < words * 64 {
            if row[i / 64] >> (i % 64) == 0 {
                i = (i / 64 + 1) * 64; // rest of this word is empty
                continue;
            }
            if bit(i) {
                let start = i;
                while i < words * 64 && bit(i) {
                    i += 1;
                }
                runs.push((start as u32, i as u32));
            } else {
                i += 1;
            }
        }
    }
    row_start.push(runs.len());
    let mut parent: Vec<u32> = (0..runs.len() as u32).collect();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            parent[x as usize] = parent[parent[x as usize] as usize];
            x = parent[x as usize];
        }
        x
    }
    for r in 0..ny * nz {
        let (j, k) = (r % ny, r / ny);
        for below in [(j > 0).then(|| r - 1), (k > 0).then(|| r - ny)].into_iter().flatten() {
            let (mut a, mut b) = (row_start[r], row_start[below]);
            while a < row_start[r + 1] && b < row_start[below + 1] {
                let (ra, rb) = (runs[a], runs[b]);
                if ra.0 < rb.1 && rb.0 < ra.1 {
                    let (x, y) = (find(&mut parent, a as u32), find(&mut parent, b as u32));
                    if x != y {
                        parent[x as usize] = y;
                    }
                }
                if ra.1 < rb.1 {
                    a += 1;
                } else {
                    b += 1;
                }
            }
        }
    }
    (0..runs.len() as u32).filter(|&x| find(&mut parent, x) == x).count() as u64
}

/// The edges of group `group`'s triangles used by only one of them, as end points.
fn rim(mesh: &SurfaceMesh, group: u32) -> Vec<[Vec3; 2]> {
    let mut count: HashMap<(u32, u32), u32> = HashMap::new();
    for (t, tri) in mesh.triangles.iter().enumerate() {
        if mesh.labels[t] != group {
            continue;
        }
        for k in 0..3 {
            let (a, b) = (tri[k], tri[(k + 1) % 3]);
            *count.entry((a.min(b), a.max(b))).or_insert(0) += 1;
        }
    }
    let mut edges: Vec<(u32, u32)> = count.into_iter().filter(|&(_, c)| c == 1).map(|(e, _)| e).collect();
    edges.sort_unstable();
    edges.into_iter().map(|(a, b)| [mesh.vertices[a as usize], mesh.vertices[b as usize]]).collect()
}

impl Grid {
    /// Centre of the cell with storage id `id`, m.
    pub fn cell_centre(&self, id: u32) -> Vec3 {
        let c = self.bricks.cell_coords(id);
        self.origin + Vec3::new(c[0] as f64 + 0.5, c[1] as f64 + 0.5, c[2] as f64 + 0.5) * self.spacing
    }

    /// Cells along x, y, z.
    pub fn dims(&self) -> [u32; 3] {
        self.bricks.dims
    }

    /// A per-cell field expanded to the dense bounding grid, x fastest (C order nz x ny x nx),
    /// `fill` in unallocated bricks.
    pub fn dense<T: Copy + Send + Sync>(&self, values: &[T], fill: T) -> Vec<T> {
        let [nx, ny, nz] = self.dims().map(|d| d as usize);
        let mut out = vec![fill; nx * ny * nz];
        for (id, &v) in values.iter().enumerate() {
            let [i, j, k] = self.bricks.cell_coords(id as u32).map(|x| x as usize);
            out[i + nx * (j + ny * k)] = v;
        }
        out
    }
}
