//! Per-cap figures of a flow field: volume flow rate through the cap and its mean pressure.

use super::layout::{bc, geom, CellLayout};
use crate::grid::Grid;

/// One cap's figures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CapFlow {
    /// Cap name.
    pub name: String,
    /// Volume flow rate, m^3/s, positive out of the fluid.
    pub flow_rate: f64,
    /// Area-weighted mean pressure over the cap's cells, Pa.
    pub mean_pressure: f64,
}

/// Flow rate and mean pressure of every cap: the flux through each cap cell's open area (the
/// imposed velocity at an inlet, the projected outlet flux `outflow` (over h^2, m/s, as the
/// solver's `outlet_flux` gives it) at an outlet, nothing through a wall); `p` kinematic
/// (m^2/s^2), `density` kg/m^3.
pub fn cap_flows(grid: &Grid, layout: &CellLayout, outflow: &[f32], p: &[f32], density: f64) -> Vec<CapFlow> {
    let h2 = grid.spacing * grid.spacing;
    grid.caps
        .iter()
        .map(|cap| {
            let (mut flow, mut pressure, mut area) = (0.0, 0.0, 0.0);
            for &(id, open_area) in &cap.cells {
                let t = layout.bc(id, geom::BC_TYPE);
                if t == bc::INLET {
                    let normal = layout.bc3(id, geom::BC_NORMAL).map(|x| x as f64);
                    let velocity = layout.bc3(id, geom::BC_VELOCITY).map(|x| x as f64);
                    flow += open_area * (0..3).map(|a| velocity[a] * normal[a]).sum::<f64>();
                } else if t == bc::OUTLET {
                    flow += outflow[id as usize] as f64 * h2;
                }
                pressure += open_area * p[id as usize] as f64;
                area += open_area;
            }
            CapFlow {
                name: cap.name.clone(),
                flow_rate: flow,
                mean_pressure: if area > 0.0 { density * pressure / area } else { 0.0 },
            }
        })
        .collect()
}
