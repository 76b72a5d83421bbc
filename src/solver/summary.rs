//! Per-cap figures of a flow field: volume flow rate through the cap and its mean pressure.

use super::boundary::codes;
use super::layout::CellLayout;
use crate::grid::Grid;

/// One cap's figures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CapFlow {
    /// Cap name.
    pub name: String,
    /// Volume flow rate, m^3/s, positive out of the fluid.
    pub flow_rate: f64,
    /// Mean pressure on the cap, Pa: at an outlet the pressure it imposes, elsewhere the
    /// open-area-weighted mean over the cap's cells.
    pub mean_pressure: f64,
}

/// Flow rate and mean pressure of every cap: the flux through each cap cell's open area (the
/// imposed velocity at an inlet, the projected outlet flux at an outlet, nothing through a
/// wall); the pressure an outlet imposes (the cells next to it differ from it by the pressure
/// gradient over their distance to the cap), the cells' mean pressure elsewhere. `outflow` (over h^2, m/s) and `p` (kinematic, m^2/s^2) hold one value per cap cell,
/// cap after cap in the grid's order, as [`super::gpu_solver::GpuSolver::cap_values`] gives
/// them; `density` kg/m^3.
pub fn cap_flows(grid: &Grid, layout: &CellLayout, outflow: &[f32], p: &[f32], density: f64) -> Vec<CapFlow> {
    let h2 = grid.spacing * grid.spacing;
    let mut entry = 0;
    grid.caps
        .iter()
        .map(|cap| {
            let (mut flow, mut pressure, mut area) = (0.0, 0.0, 0.0);
            for &(id, open_area) in &cap.cells {
                let b = layout.boundary(id);
                if b.kind == codes::INLET {
                    let (normal, velocity) = (b.normal.map(|x| x as f64), b.velocity.map(|x| x as f64));
                    flow += open_area * (0..3).map(|a| velocity[a] * normal[a]).sum::<f64>();
                }
                let cell_pressure = if b.kind == codes::OUTLET {
                    flow += outflow[entry] as f64 * h2;
                    b.pressure
                } else {
                    p[entry]
                };
                pressure += open_area * cell_pressure as f64;
                area += open_area;
                entry += 1;
            }
            CapFlow {
                name: cap.name.clone(),
                flow_rate: flow,
                mean_pressure: if area > 0.0 { density * pressure / area } else { 0.0 },
            }
        })
        .collect()
}
