// The backward Euler step of a Darcy-Forchheimer drag, shared by the porous add-ons
// (solver/porous_drag, solver/porous_region). Rust twin: hemoflow::solver::porous::drag_divisor.

// The divisor s that takes a velocity (component) of magnitude `speed` (m/s, the predictor's)
// to the one the drag leaves, w = w* / s, where w (1 + dt (darcy + forchheimer |w|)) = w*:
// s = (c + sqrt(c^2 + 4 dt forchheimer |w*|)) / 2, c = 1 + dt darcy (darcy 1/s, forchheimer 1/m).
fn drag_divisor(dt: f32, darcy: f32, forchheimer: f32, speed: f32) -> f32 {
    let c = 1.0 + dt * darcy;
    return 0.5 * (c + sqrt(c * c + 4.0 * dt * forchheimer * speed));
}
