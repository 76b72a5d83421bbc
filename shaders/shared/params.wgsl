// The solver parameters uniform, shared by every solver stage (no bindings needed).

// Rust twin: hemoflow::solver::SolverParams.
struct SolverParams {
    // Cell edge, m.
    h: f32,
    // Time step, s.
    dt: f32,
    // Kinematic viscosity, m^2/s.
    nu: f32,
    // 1: pressure_smooth reads its input with the coarser level's correction added; 0: as is.
    prolong: u32,
    // Cells in allocated bricks.
    cells: u32,
    // The momentum pass's Runge-Kutta stage: 0, 1, or 2 (the last, which writes the predictor's
    // right-hand side; the implicit mode's one pass).
    stage: u32,
    // 1: advection implicit (first-order upwind in viscous_sweep, the higher-order remainder
    // explicit in momentum: backward Euler); 0: explicit SSP-RK3.
    implicit_advection: u32,
    // 1: pressure_residual ignores f and writes -M p (the operator conjugate gradients
    // applies); 0: f - M p.
    without_source: u32,
    // Body force per unit mass, m/s^2.
    force_x: f32,
    force_y: f32,
    force_z: f32,
    // Backflow stabilisation coefficient (dimensionless, 0 = none).
    backflow: f32,
    // Rheology (RHEOLOGY_* in shared/viscous): 0 Newtonian (nu), 1 Carreau-Yasuda, 2 Casson.
    rheology: u32,
    // Carreau-Yasuda: zero-shear kinematic viscosity, m^2/s.
    nu_zero: f32,
    // Carreau-Yasuda: infinite-shear kinematic viscosity; Casson: the Casson viscosity, m^2/s.
    nu_infinity: f32,
    // Carreau-Yasuda: relaxation time lambda, s.
    relaxation: f32,
    // Carreau-Yasuda: power-law index n and Yasuda exponent a.
    power_n: f32,
    power_a: f32,
    // Casson: yield stress over the density, m^2/s^2.
    yield_stress: f32,
    // The apparent viscosity's cap, m^2/s (Casson's diverges at zero shear).
    nu_max: f32,
    // The colour viscous_sweep updates, and the one pressure_smooth updates first: 0 (red) or 1
    // (black), the parity of a cell's x + y + z.
    colour: u32,
    // Length of the per-cell arrays (of each component of a vector field): the stored cells, in
    // whole runs of 64 (shared/grid `stored`).
    stored: u32,
    _pad1: u32,
    _pad2: u32,
    // Where the stored cells lie (shared/cells stored): entry k - 1 (vector (k - 1) / 4,
    // component (k - 1) % 4) the bricks with at least k stored cells, k = 1..=8, the bricks
    // ordered by that number, most first.
    bricks_with: array<vec4<u32>, 2>,
}
