// The cut-cell pressure operator at one cell (Rust twin: hemoflow::solver::cpu::pressure_operator):
//     h^2 (M p)_id = sum_f A_f (p_id - p_nb) + c p_id
// over the faces open to a fluid neighbour (walls closed: no term), c the outlet coefficient of
// a cell on a pressure outlet. Reads the importing stage's `p` at the stored indices (and
// shared/cells' bindings).

#import shared/cells

fn pressure_operator(id: u32) -> f32 {
    return pressure_operator_at(id, neighbourhood(id).at);
}

// pressure_operator with where the cell and its fluid neighbours are stored already looked up
// (shared/cells neighbourhood).
fn pressure_operator_at(id: u32, at: StoredCells) -> f32 {
    var m = 0.0;
    let pc = p[at.own];
    for (var d = 0u; d < 6u; d++) {
        if at.nbs[d] == NO_SLOT {
            continue;
        }
        m += aperture(id, d) * (pc - p[at.nbs[d]]);
    }
    return m + bc(id, GEOM_BC_COEFFICIENT) * pc;
}
