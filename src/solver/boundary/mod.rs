//! Boundary conditions, owned here: what a cap imposes ([`Boundary`]), the inlet profiles, the
//! per-cell record the kernels read ([`BoundaryRecord`], laid out as [`codes`] says: the one
//! definition, which `build.rs` writes into the shaders' `shared/boundary` import), the records
//! a grid's caps get ([`records`]) and the one way to change them between steps ([`CapUpdate`],
//! through `GpuSolver::set_cap`).
//!
//! A new boundary type is a code and an arm here, and the kernels that apply it (they read the
//! record with `bc_type`, `bc` and `bc3` of shaders/shared/cells.wgsl; their CPU twins with
//! [`crate::solver::CellLayout::boundary`]).

pub mod codes;

use crate::grid::{Grid, GridCap, DIRECTIONS};
use crate::mesh::Vec3;

/// What a cap imposes. Every cap without one is a wall (closed, no-slip).
#[derive(Clone, Debug, PartialEq)]
pub enum Boundary {
    /// Closed, no-slip.
    Wall,
    /// Velocity inlet: `flow_rate` (m^3/s, into the fluid) with the given profile across the
    /// cap, normalised so the cells' fluxes add up to exactly `flow_rate`.
    Inlet {
        /// Volume flow rate into the fluid, m^3/s.
        flow_rate: f64,
        /// Profile across the cap.
        profile: Profile,
    },
    /// Pressure outlet: fixed pressure (kinematic, Pa / density, m^2/s^2), zero normal gradient
    /// of the velocity.
    Outlet {
        /// Kinematic pressure, m^2/s^2.
        pressure: f64,
    },
    /// A closed wall moving tangentially (a cavity's lid), m/s.
    Moving {
        /// Wall velocity, m/s.
        velocity: Vec3,
    },
}

/// Inlet velocity profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Uniform.
    Plug,
    /// 1 - r^2 / R^2 on the cap's equivalent radius R, about its centroid.
    Parabolic,
    /// Womersley's, mode by mode of a periodic flow (`physio::inlet`); for a steady flow, the
    /// parabola.
    Womersley,
}

/// Distance (m) of each cell centre of `cap` from the cap's centroid, within the cap's plane, in
/// the order of `cap.cells`.
pub fn cap_radii(grid: &Grid, cap: &GridCap) -> Vec<f64> {
    let normal = Vec3::from(cap.normal);
    let centroid = Vec3::from(cap.centroid);
    cap.cells
        .iter()
        .map(|&(id, _)| {
            let d = grid.cell_centre(id) - centroid;
            (d - normal * normal.dot(&d)).norm()
        })
        .collect()
}

/// Signed distance (m) within the cap's plane from each cell centre of `cap` (order of
/// `cap.cells`) to the cap's rim: positive inside the rim, negative outside (by the parity of
/// the rim's crossings on a ray in the plane).
pub fn rim_distances(grid: &Grid, cap: &GridCap) -> Vec<f64> {
    let normal = Vec3::from(cap.normal);
    let centroid = Vec3::from(cap.centroid);
    let e1 = (if normal.x.abs() < 0.9 { Vec3::x() } else { Vec3::y() }).cross(&normal).normalize();
    let e2 = normal.cross(&e1);
    let plane = |p: Vec3| {
        let d = p - centroid;
        (d.dot(&e1), d.dot(&e2))
    };
    let segments: Vec<_> = cap.rim.iter().map(|[a, b]| (plane(*a), plane(*b))).collect();
    cap.cells
        .iter()
        .map(|&(id, _)| {
            let (x, y) = plane(grid.cell_centre(id));
            let (mut nearest, mut inside) = (f64::INFINITY, false);
            for &((ax, ay), (bx, by)) in &segments {
                let (dx, dy) = (bx - ax, by - ay);
                let t = (((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy).max(1e-300)).clamp(0.0, 1.0);
                nearest = nearest.min((ax + t * dx - x).hypot(ay + t * dy - y));
                if (ay > y) != (by > y) && ax + (y - ay) * dx / dy > x {
                    inside = !inside;
                }
            }
            if inside {
                nearest
            } else {
                -nearest
            }
        })
        .collect()
}

/// The inflow speed of each cell of `cap` (order of `cap.cells`) for a unit flow rate, 1/m^2:
/// `profile`'s shape scaled so that the cells' open areas times their speeds add up to 1 (all
/// zeros if the shape carries no flow). The parabola follows the cap's rim: d (2 D - d), d the
/// distance to the rim and D its largest value (the centroid's or a cell's), which on a circle
/// is R^2 - r^2 and on any other cap vanishes all along the rim; a cap without a rim (none in
/// a grid voxelized from a mesh) takes 1 - r^2 / R^2 on its equivalent radius about the
/// centroid.
pub fn unit_profile(grid: &Grid, cap: &GridCap, profile: Profile) -> Vec<f64> {
    let r2 = cap.area / std::f64::consts::PI;
    let shape: Vec<f64> = match profile {
        Profile::Plug => vec![1.0; cap.cells.len()],
        Profile::Parabolic | Profile::Womersley if !cap.rim.is_empty() => {
            let d = rim_distances(grid, cap);
            let centroid = Vec3::from(cap.centroid);
            let to_rim = cap
                .rim
                .iter()
                .map(|[a, b]| {
                    let ab = b - a;
                    let t = ((centroid - a).dot(&ab) / ab.norm_squared().max(1e-300)).clamp(0.0, 1.0);
                    (a + ab * t - centroid).norm()
                })
                .fold(f64::INFINITY, f64::min);
            let deepest = d.iter().copied().fold(to_rim, f64::max);
            d.iter().map(|&d| (d * (2.0 * deepest - d)).max(0.0)).collect()
        }
        Profile::Parabolic | Profile::Womersley => {
            cap_radii(grid, cap).iter().map(|r| (1.0 - r * r / r2).max(0.0)).collect()
        }
    };
    let flux: f64 = cap.cells.iter().zip(&shape).map(|(&(_, a), s)| a * s).sum();
    let scale = if flux > 0.0 { 1.0 / flux } else { 0.0 };
    shape.iter().map(|s| s * scale).collect()
}

/// The boundary part of a cell's geometry record, as the kernels read it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BoundaryRecord {
    /// Type code ([`codes::NONE`], [`codes::INLET`], ...).
    pub kind: u32,
    /// The cap's open area through the cell over h^2.
    pub open: f32,
    /// The cap's unit normal, out of the fluid.
    pub normal: [f32; 3],
    /// Imposed velocity (inlet, moving wall), m/s.
    pub velocity: [f32; 3],
    /// Outlet: the pressure equation's coefficient for the cap, open / (distance to the cap
    /// plane over h).
    pub coefficient: f32,
    /// Outlet: imposed kinematic pressure, m^2/s^2.
    pub pressure: f32,
    /// Bit d (DIRECTIONS order) set where the link from the cell centre along direction d
    /// leaves the fluid through the cap rather than through the wall ([`cap_sides`]).
    pub cap_sides: u32,
}

impl BoundaryRecord {
    /// The record as the kernels hold it ([`codes`]' offsets).
    pub fn to_part(&self) -> [f32; codes::STRIDE] {
        let mut part = [0.0; codes::STRIDE];
        part[codes::TYPE] = self.kind as f32;
        part[codes::OPEN] = self.open;
        part[codes::NORMAL..codes::NORMAL + 3].copy_from_slice(&self.normal);
        part[codes::VELOCITY..codes::VELOCITY + 3].copy_from_slice(&self.velocity);
        part[codes::COEFFICIENT] = self.coefficient;
        part[codes::PRESSURE] = self.pressure;
        part[codes::CAP_SIDES] = self.cap_sides as f32;
        part
    }

    /// The record held in `part` ([`Self::to_part`]'s layout).
    pub fn from_part(part: &[f32]) -> BoundaryRecord {
        let three = |k: usize| [part[k], part[k + 1], part[k + 2]];
        BoundaryRecord {
            kind: part[codes::TYPE] as u32,
            open: part[codes::OPEN],
            normal: three(codes::NORMAL),
            velocity: three(codes::VELOCITY),
            coefficient: part[codes::COEFFICIENT],
            pressure: part[codes::PRESSURE],
            cap_sides: part[codes::CAP_SIDES] as u32,
        }
    }
}

/// Each cell's boundary record on `grid` with `boundaries[k]` on cap k (caps beyond the list,
/// and walls, get none).
pub fn records(grid: &Grid, boundaries: &[Boundary]) -> Vec<Option<BoundaryRecord>> {
    let mut records = vec![None; grid.kind.len()];
    let h = grid.spacing;
    for (cap, boundary) in grid.caps.iter().zip(boundaries) {
        let normal = Vec3::from(cap.normal);
        let centroid = Vec3::from(cap.centroid);
        let (kind, speeds, pressure) = match boundary {
            Boundary::Wall => continue,
            Boundary::Inlet { flow_rate, profile } => {
                let speeds = unit_profile(grid, cap, *profile).iter().map(|s| s * flow_rate).collect();
                (codes::INLET, speeds, 0.0)
            }
            Boundary::Outlet { pressure } => (codes::OUTLET, vec![0.0; cap.cells.len()], *pressure),
            Boundary::Moving { .. } => (codes::MOVING, vec![0.0; cap.cells.len()], 0.0),
        };
        for (&(id, open_area), speed) in cap.cells.iter().zip(speeds) {
            let open = open_area / (h * h);
            let velocity = match boundary {
                Boundary::Moving { velocity } => *velocity,
                _ => -normal * speed,
            };
            let distance = (normal.dot(&(centroid - grid.cell_centre(id))).abs() / h).max(0.25);
            let coefficient = if kind == codes::OUTLET { open / distance } else { 0.0 };
            let f = |v: Vec3| [v.x as f32, v.y as f32, v.z as f32];
            records[id as usize] = Some(BoundaryRecord {
                kind,
                open: open as f32,
                normal: f(normal),
                velocity: f(velocity),
                coefficient: coefficient as f32,
                pressure: pressure as f32,
                cap_sides: cap_sides(grid, cap, id),
            });
        }
    }
    records
}

/// The sides of cap cell `id` (bit d, DIRECTIONS order) whose link leaves the fluid through the
/// cap rather than the wall: where the link records a crossing, it lies on the cap's plane;
/// where it records none, the plane lies ahead within h. An inlet's or a moving wall's carry the
/// imposed velocity, an outlet's a zero normal gradient. (Taken by angle, links within 63
/// degrees of the cap's normal, the flatter links through an oblique cap were no-slip walls: the
/// oblique pipe's inlet cells came out 13% slow on the axis (6% now), and the bifurcation's
/// inlet pressure 1.5 Pa high and its outlets' resistance too high.)
pub fn cap_sides(grid: &Grid, cap: &GridCap, id: u32) -> u32 {
    let (normal, centroid) = (Vec3::from(cap.normal), Vec3::from(cap.centroid));
    let (h, x) = (grid.spacing, grid.cell_centre(id));
    let ahead = normal.dot(&(centroid - x));
    let mut sides = 0;
    for (d, dir) in DIRECTIONS.iter().enumerate() {
        let along = Vec3::new(dir[0] as f64, dir[1] as f64, dir[2] as f64).dot(&normal);
        if along <= 0.0 {
            continue;
        }
        let link = grid.link[id as usize][d] as f64;
        let through_cap = if link < 1.0 { (along * link * h - ahead).abs() <= 1e-3 * h } else { ahead <= along * h };
        if through_cap {
            sides |= 1 << d;
        }
    }
    sides
}

/// A change to a cap's boundary condition between steps.
#[derive(Clone, Copy, Debug)]
pub enum CapUpdate<'a> {
    /// Inlet or moving wall: each cell's imposed velocity (m/s), in the order of the cap's
    /// cells.
    Velocities(&'a [Vec3]),
    /// Outlet: the kinematic pressure, m^2/s^2.
    Pressure(f64),
}

impl CapUpdate<'_> {
    /// Applies the update to the record of the cap's `i`-th cell.
    pub fn apply(&self, i: usize, record: &mut BoundaryRecord) {
        match *self {
            CapUpdate::Velocities(v) => record.velocity = [v[i].x as f32, v[i].y as f32, v[i].z as f32],
            CapUpdate::Pressure(p) => record.pressure = p as f32,
        }
    }
}
