//! Virtual stenting, applied when the grid is built.
//!
//! Each stent's ends are snapped to the vessel's centreline ([`crate::centerline`], traced on
//! the grid before stenting), and its axis is the centreline between them.
//! - `lumen` (a balloon-expandable stent in a stenosis): a tube of the nominal radius swept along
//!   that segment is joined to the vessel ([`crate::grid::voxelize_with`]). Beyond each end the
//!   tube's radius blends smoothly (half a cosine over one nominal radius) down to the vessel's
//!   own inscribed radius there, so the expanded lumen meets the native one without a step. The
//!   wall becomes the union's ([`wall::union_wall`]): the vessel's wall outside the tube and the
//!   tube's side outside the vessel, labelled `stent`.
//! - `flow-diverter`: the lumen is unchanged; the stent's surface (the nominal radius along the
//!   segment) is a porous layer in the momentum equation where it crosses the lumen, i.e. where
//!   it is more than half a cell from the vessel's wall (across an aneurysm's neck, not where it
//!   lies against the wall): [`crate::solver::porous`].

pub mod tube;
pub mod wall;

use crate::case::StentKind;
use crate::centerline::distance::WallDistance;
use crate::centerline::{trace, CenterlineError, Centerlines};
use crate::grid::{self, kind, Addition, Grid, GridError};
use crate::mesh::WallSurface;
use crate::mesh::{SurfaceMesh, Vec3};
use crate::solver::porous::{screen_coefficients, PorousCell};
use tube::Tube;

/// A stent to deploy (SI).
#[derive(Clone, Debug)]
pub struct Stent {
    /// What it does.
    pub kind: StentKind,
    /// One end, m (snapped to the centreline).
    pub from: Vec3,
    /// The other end, m.
    pub to: Vec3,
    /// Nominal expanded radius, m.
    pub radius: f64,
    /// Flow diverter: open fraction of its surface, (0, 1].
    pub porosity: f64,
    /// Flow diverter: wire diameter, m.
    pub wire_diameter: f64,
}

/// A stent as deployed.
#[derive(Clone, Debug)]
pub struct Deployed {
    /// The stent as given.
    pub stent: Stent,
    /// Index of the centreline it lies on.
    pub line: usize,
    /// Arc lengths of its ends along that line, m (start < end).
    pub start: f64,
    /// End, m.
    pub end: f64,
    /// The centreline from its start to its end, m.
    pub centerline: Vec<Vec3>,
    /// The swept tube: its nominal radius along the segment, and for `lumen` the blends to the
    /// vessel beyond each end.
    pub tube: Tube,
    /// Flow diverter: the cells of its porous layer.
    pub layer_cells: usize,
}

/// Why a stent cannot be deployed.
#[derive(Debug, thiserror::Error)]
pub enum StentError {
    /// A stent does not fit the vessel; `index` is its position among the case's stents and
    /// `key` the case key at fault.
    #[error("{message}")]
    Placement {
        /// Index of the stent.
        index: usize,
        /// `from`, `to` or `diameter`.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The centrelines cannot be traced.
    #[error(transparent)]
    Centerline(#[from] CenterlineError),
    /// The stented grid cannot be built.
    #[error(transparent)]
    Grid(#[from] GridError),
}

/// A vessel with its stents deployed: what the solver runs on.
pub struct Stented {
    /// The grid of the stented lumen.
    pub grid: Grid,
    /// Its wall.
    pub wall: WallSurface,
    /// The stents.
    pub deployed: Vec<Deployed>,
    /// The flow diverters' porous layers (empty without one).
    pub porous: Vec<PorousCell>,
    /// The centrelines of the vessel before stenting.
    pub centerlines: Centerlines,
}

/// Deploys `stents` in the vessel `mesh` on a grid of spacing `h` (m), for a fluid of kinematic
/// viscosity `nu` (m^2/s, for the porous layers' Darcy term).
pub fn deploy(mesh: &SurfaceMesh, h: f64, stents: &[Stent], nu: f64) -> Result<Stented, StentError> {
    let pre = grid::voxelize(mesh, h)?;
    let wall = WallSurface::from_mesh(mesh);
    let field = WallDistance::new(&pre, &wall);
    let centerlines = trace(&field, None)?;
    let mut deployed = Vec::new();
    for (index, stent) in stents.iter().enumerate() {
        deployed.push(place(&centerlines, index, stent, h)?);
    }
    let lumens: Vec<&Tube> = deployed.iter().filter(|d| d.stent.kind == StentKind::Lumen).map(|d| &d.tube).collect();
    // With lumen stents, the union's grid and wall; else the vessel's own.
    let stented = if lumens.is_empty() {
        None
    } else {
        let added: Vec<&dyn Addition> = lumens.iter().map(|t| *t as &dyn Addition).collect();
        Some((grid::voxelize_with(mesh, h, &added)?, wall::union_wall(&wall, &pre, &lumens, 0.05 * h)))
    };
    let grid = stented.as_ref().map_or(&pre, |s| &s.0);
    let mut porous = Vec::new();
    for d in deployed.iter_mut().filter(|d| d.stent.kind == StentKind::FlowDiverter) {
        let layer = porous_layer(grid, &field, d, nu);
        d.layer_cells = layer.len();
        porous.extend(layer);
    }
    drop(field);
    let (grid, wall) = stented.unwrap_or((pre, wall));
    Ok(Stented { grid, wall, deployed, porous, centerlines })
}

/// Snaps `stent`'s ends to the centreline that passes nearest both and builds its tube.
fn place(lines: &Centerlines, index: usize, stent: &Stent, h: f64) -> Result<Deployed, StentError> {
    let fail = |key, message| StentError::Placement { index, key, message };
    let mm = |x: f64| format!("{:.3} mm", x * 1e3);
    let (line, _) = lines
        .lines
        .iter()
        .enumerate()
        .map(|(k, l)| (k, l.project(stent.from).distance + l.project(stent.to).distance))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("at least one centreline");
    let c = &lines.lines[line];
    let (a, b) = (c.project(stent.from), c.project(stent.to));
    for (key, p) in [("from", a), ("to", b)] {
        let local = c.at(p.abscissa).1;
        if p.distance > local.max(stent.radius) {
            let message = format!(
                "{} from the centreline {} -> {} (lumen radius there {}): place it inside the vessel, near its axis",
                mm(p.distance),
                c.from,
                c.to,
                mm(local)
            );
            return Err(fail(key, message));
        }
    }
    let (start, end) = if a.abscissa <= b.abscissa { (a.abscissa, b.abscissa) } else { (b.abscissa, a.abscissa) };
    if end - start < 2.0 * h {
        return Err(fail("to", format!("the stent is {} long on the centreline: at least two cells", mm(end - start))));
    }
    let r = stent.radius;
    let blend = if stent.kind == StentKind::Lumen { r } else { 0.0 };
    // The tube and its blends keep one nominal radius from the caps.
    if start - blend < r || end + blend > c.length() - r {
        let (key, cap) = if start - blend < r { ("from", &c.from) } else { ("to", &c.to) };
        let message = format!(
            "the stent (with its {} blend) reaches within {} of cap `{cap}`: keep its ends {} from the caps",
            mm(blend),
            mm(r),
            mm(r + blend)
        );
        return Err(fail(key, message));
    }
    let span = c.between(start - blend, end + blend);
    let radius = span
        .iter()
        .map(|&(s, _)| {
            let outside = (start - s).max(s - end);
            if outside <= 0.0 {
                return r;
            }
            let native = c.at(s).1;
            let w = 0.5 * (1.0 + (std::f64::consts::PI * outside / blend).cos());
            native + (r - native) * w
        })
        .collect();
    let tube = Tube { points: span.iter().map(|&(_, p)| p).collect(), radius };
    let centerline = c.between(start, end).into_iter().map(|(_, p)| p).collect();
    Ok(Deployed { stent: stent.clone(), line, start, end, centerline, tube, layer_cells: 0 })
}

/// The porous layer of flow diverter `d` on `grid`: fluid cells within one cell edge of its
/// surface where that surface is more than half a cell from the vessel's wall (`field`).
fn porous_layer(grid: &Grid, field: &WallDistance, d: &Deployed, nu: f64) -> Vec<PorousCell> {
    let h = grid.spacing;
    let (a, b) = screen_coefficients(d.stent.porosity, d.stent.wire_diameter);
    if a == 0.0 && b == 0.0 {
        return Vec::new();
    }
    let (lo, hi) = d.tube.bounds();
    let (lo, hi) = (lo - Vec3::repeat(h), hi + Vec3::repeat(h));
    (0..grid.kind.len() as u32)
        .filter(|&id| grid.kind[id as usize] != kind::SOLID)
        .filter_map(|id| {
            let p = grid.cell_centre(id);
            if (0..3).any(|k| p[k] < lo[k] || p[k] > hi[k]) {
                return None;
            }
            let (s, axis, r) = d.tube.side_distance(p)?;
            if s.abs() >= h {
                return None;
            }
            let towards = p - axis;
            if towards.norm() == 0.0 {
                return None;
            }
            let on_surface = axis + towards.normalize() * r;
            if field.at(on_surface).is_none_or(|(wall, _)| wall < 0.5 * h) {
                return None;
            }
            let weight = (1.0 - s.abs() / h) / h;
            let normal = towards.normalize();
            Some(PorousCell {
                cell: id,
                darcy: (weight * nu * a) as f32,
                forchheimer: (weight * b) as f32,
                normal_x: normal.x as f32,
                normal_y: normal.y as f32,
                normal_z: normal.z as f32,
                ..Default::default()
            })
        })
        .collect()
}
