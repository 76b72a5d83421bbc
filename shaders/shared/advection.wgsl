// Advective volume fluxes from the current velocity (momentum, viscous_sweep; Rust twins in
// hemoflow::solver::cpu). The importing stage declares `u`: the velocity, m/s, component-major.

#import shared/cells

// Advective updates divide by at least this fraction of a cell's volume, so a sliver cut cell
// does not set the time step (Rust: solver::cpu::ADVECTION_MIN_VOLUME).
const ADVECTION_MIN_VOLUME: f32 = 0.5;

// Volume flux out of cell id through its face d towards the fluid neighbour nb, over h^2 (m/s):
// the mean of the two centres' normal velocity times the face's wetted aperture.
fn face_volume_flux(id: u32, nb: u32, d: u32) -> f32 {
    let axis = d / 2u;
    let n = params.cells;
    let side_sign = select(-1.0, 1.0, (d & 1u) == 1u);
    return side_sign * aperture(id, d) * 0.5 * (u[axis * n + id] + u[axis * n + nb]);
}
