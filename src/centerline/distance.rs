//! Distance to the wall inside a grid's fluid: a closest-point transform. The cells next to the
//! wall take their closest wall triangle from a bucket search; the others inherit the closest
//! triangle of a neighbour, in order of increasing distance (Dijkstra over the 26 neighbours),
//! keeping whichever candidate triangle is really closest to their centre. Each cell then knows
//! its closest wall triangle, so the distance at any point of the lumen is exact against the
//! few triangles its neighbouring cells name.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use crate::grid::distance::DistanceField;
use crate::grid::{closest_point, kind, Grid};
use crate::mesh::WallSurface;
use crate::mesh::{SurfaceMesh, Vec3};

/// No triangle known.
const NONE: u32 = u32::MAX;

/// The distance from each fluid cell's centre to the wall, and its closest wall triangle.
pub struct WallDistance<'a> {
    grid: &'a Grid,
    wall: SurfaceMesh,
    /// Closest wall triangle of each cell (storage id), `NONE` for solid cells.
    closest: Vec<u32>,
    /// Distance from each cell's centre to the wall, m (0 for solid cells).
    pub distance: Vec<f64>,
}

/// An f64 ordered by `total_cmp`, for the heaps of Dijkstra's method.
#[derive(Clone, Copy, PartialEq)]
pub(crate) struct Key(pub f64);
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The 26 neighbour offsets.
pub(crate) fn neighbours26() -> impl Iterator<Item = [i32; 3]> {
    (0..27).filter(|&m| m != 13).map(|m| [m % 3 - 1, (m / 3) % 3 - 1, m / 9 - 1])
}

impl<'a> WallDistance<'a> {
    /// The transform over `grid`'s fluid cells, to the wall triangles of `wall`.
    pub fn new(grid: &'a Grid, wall: &WallSurface) -> WallDistance<'a> {
        let wall = wall.to_mesh();
        let h = grid.spacing;
        let n = grid.kind.len();
        let fluid = |id: u32| grid.kind[id as usize] != kind::SOLID;
        let field = DistanceField::new(&wall, 2.0 * h);
        // Seeds: fluid cells with a wall crossing on a link.
        let seeds: Vec<(u32, u32, f64)> = (0..n as u32)
            .into_par_iter()
            .filter(|&id| fluid(id) && grid.link[id as usize].iter().any(|&l| l < 1.0))
            .filter_map(|id| field.closest(grid.cell_centre(id)).map(|(t, d)| (id, t, d)))
            .collect();
        let mut closest = vec![NONE; n];
        let mut distance = vec![f64::INFINITY; n];
        let mut heap = BinaryHeap::new();
        for &(id, t, d) in &seeds {
            closest[id as usize] = t;
            distance[id as usize] = d;
            heap.push(Reverse((Key(d), id)));
        }
        let to_triangle = |p: Vec3, t: u32| {
            let [a, b, c] = wall.corners(t as usize);
            (closest_point(p, a, b, c) - p).norm()
        };
        while let Some(Reverse((Key(d), id))) = heap.pop() {
            if d > distance[id as usize] {
                continue;
            }
            let t = closest[id as usize];
            for off in neighbours26() {
                let Some(nb) = grid.bricks.neighbour(id, off).filter(|&nb| fluid(nb)) else { continue };
                let dn = to_triangle(grid.cell_centre(nb), t);
                if dn < distance[nb as usize] {
                    distance[nb as usize] = dn;
                    closest[nb as usize] = t;
                    heap.push(Reverse((Key(dn), nb)));
                }
            }
        }
        for (id, d) in distance.iter_mut().enumerate() {
            if !d.is_finite() {
                *d = 0.0;
                closest[id] = NONE;
            }
        }
        WallDistance { grid, wall, closest, distance }
    }

    /// The grid it was built on.
    pub fn grid(&self) -> &Grid {
        self.grid
    }

    /// Distance from `p` (m) to the wall and the wall point closest to it, against the closest
    /// triangles of the cells around `p`; `None` when no fluid cell is near `p`.
    pub fn at(&self, p: Vec3) -> Option<(f64, Vec3)> {
        self.closest(p).map(|(d, q, _)| (d, q))
    }

    fn closest(&self, p: Vec3) -> Option<(f64, Vec3, u32)> {
        let g = self.grid;
        let c = [0, 1, 2].map(|a| ((p[a] - g.origin[a]) / g.spacing).floor() as i64);
        let mut best: Option<(f64, Vec3, u32)> = None;
        let mut seen = [NONE; 27];
        for m in 0..27usize {
            let o = m as i64;
            let Some(id) = g.bricks.cell_id([c[0] + o % 3 - 1, c[1] + (o / 3) % 3 - 1, c[2] + o / 9 - 1]) else {
                continue;
            };
            let t = self.closest[id as usize];
            if t == NONE || seen[..m].contains(&t) {
                continue;
            }
            seen[m] = t;
            let [a, b, cc] = self.wall.corners(t as usize);
            let q = closest_point(p, a, b, cc);
            let d = (q - p).norm();
            if best.is_none_or(|(bd, _, _)| d < bd) {
                best = Some((d, q, t));
            }
        }
        best
    }
}
