// The pressure gradient at a cell centre (Rust twin: hemoflow::solver::cpu::pressure_gradient),
// 1/s^2 x m = m/s^2 for a kinematic pressure: per axis, the aperture-weighted mean of the face
// gradients (p_nb - p) / h through the cell's faces along that axis that open to fluid (a wall
// face has no weight), and at a pressure outlet the gradient towards `p_cap` across the cap,
// weighted by the cap's open area along the axis; 0 along an axis with no open face. Reads the
// importing stage's `p` (at the stored indices) and `params`.

#import shared/cells

// Component `axis` of the gradient at cell id (its pressure pc), given the stored indices of its
// fluid neighbours along the axis on the low and the high side (NO_SLOT where none; Rust twin:
// cpu::pressure_gradient_axis).
fn pressure_gradient_axis(id: u32, axis: u32, p_cap: f32, pc: f32, low: u32, high: u32) -> f32 {
    var g = 0.0;
    var w = 0.0;
    let c_out = bc(id, GEOM_BC_COEFFICIENT);
    if c_out > 0.0 {
        let na = bc(id, GEOM_BC_NORMAL + axis);
        g += abs(na) * na * c_out * (p_cap - pc) / params.h;
        w += bc(id, GEOM_BC_OPEN) * abs(na);
    }
    for (var side = 0u; side < 2u; side++) {
        let d = 2u * axis + side;
        let nb = select(low, high, side == 1u);
        if nb == NO_SLOT {
            continue;
        }
        let side_sign = select(-1.0, 1.0, side == 1u);
        let a = aperture(id, d);
        g += a * side_sign * (p[nb] - pc) / params.h;
        w += a;
    }
    return select(0.0, g / max(w, 1e-30), w > 0.0);
}

fn pressure_gradient(id: u32, p_cap: f32) -> vec3<f32> {
    return pressure_gradient_of(id, p_cap, neighbourhood(id).at);
}

// pressure_gradient with where the cell and its fluid neighbours are stored already looked up
// (shared/cells neighbourhood).
fn pressure_gradient_of(id: u32, p_cap: f32, at: StoredCells) -> vec3<f32> {
    let pc = p[at.own];
    return vec3<f32>(
        pressure_gradient_axis(id, 0u, p_cap, pc, at.nbs[0], at.nbs[1]),
        pressure_gradient_axis(id, 1u, p_cap, pc, at.nbs[2], at.nbs[3]),
        pressure_gradient_axis(id, 2u, p_cap, pc, at.nbs[4], at.nbs[5]),
    );
}
