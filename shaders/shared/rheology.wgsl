// Blood rheology: the apparent kinematic viscosity of params.rheology at a shear rate (Rust
// twin: hemoflow::solver::cpu::apparent_viscosity). Reads only the SolverParams uniform, which
// the importing shader binds as `params`.

#import shared/params

// params.rheology (Rust: solver::layout::rheology).
const RHEOLOGY_NEWTONIAN: u32 = 0u;
const RHEOLOGY_CARREAU_YASUDA: u32 = 1u;
const RHEOLOGY_CASSON: u32 = 2u;

// The apparent kinematic viscosity (m^2/s) at shear rate gamma (1/s) of params.rheology,
// capped at params.nu_max: Carreau-Yasuda nu_inf + (nu_0 - nu_inf) (1 + (lambda gamma)^a)^((n - 1) / a),
// or Casson (sqrt(tau_y / gamma) + sqrt(nu_c))^2 (Rust: solver::cpu::apparent_viscosity).
fn apparent_viscosity(gamma: f32) -> f32 {
    var nu = params.nu;
    if params.rheology == RHEOLOGY_CARREAU_YASUDA {
        let base = 1.0 + pow(params.relaxation * gamma, params.power_a);
        nu = params.nu_infinity + (params.nu_zero - params.nu_infinity) * pow(base, (params.power_n - 1.0) / params.power_a);
    } else if params.rheology == RHEOLOGY_CASSON {
        let root = sqrt(params.yield_stress / max(gamma, 1e-30)) + sqrt(params.nu_infinity);
        nu = root * root;
    }
    return min(nu, params.nu_max);
}
