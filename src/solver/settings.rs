//! What a run's solver is told: the fluid, the time step, the pressure solve's tolerance, how
//! advection is stepped and what each cap imposes ([`Settings`]), and the blood's rheology.

use super::boundary::Boundary;
use super::multigrid::MultigridSettings;
use super::SolverParams;
use crate::mesh::Vec3;

/// Fluid and numerical settings of a run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Kinematic viscosity, m^2/s.
    pub nu: f64,
    /// Time step, s.
    pub dt: f64,
    /// Body force per unit mass, m/s^2.
    pub force: Vec3,
    /// Pressure solve: relative residual |r| / |f| to reach.
    pub tolerance: f64,
    /// Pressure solve: at most this many iterations per step.
    pub max_iterations: usize,
    /// A typical velocity, m/s: the pressure solve also stops once the divergence it leaves is
    /// below `tolerance * velocity_scale / h` in every cell on average (a flow that is already
    /// divergence-free needs no iterations).
    pub velocity_scale: f64,
    /// How advection is stepped.
    pub advection: Advection,
    /// Multigrid smoothing.
    pub multigrid: MultigridSettings,
    /// What each cap of the grid imposes, in the grid's cap order (missing ones are walls).
    pub boundaries: Vec<Boundary>,
    /// Backflow stabilisation coefficient at outlets (dimensionless, 0 = none; see
    /// [`SolverParams::backflow`]).
    pub backflow: f64,
    /// The fluid's rheology (Newtonian: `nu`).
    pub rheology: Rheology,
}

/// Blood rheology, in kinematic units (dynamic viscosities and stresses over the density).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Rheology {
    /// Constant viscosity [`Settings::nu`].
    #[default]
    Newtonian,
    /// nu = nu_inf + (nu_0 - nu_inf) (1 + (lambda gamma)^a)^((n - 1) / a).
    CarreauYasuda {
        /// Zero-shear viscosity, m^2/s.
        nu_zero: f64,
        /// Infinite-shear viscosity, m^2/s.
        nu_infinity: f64,
        /// Relaxation time lambda, s.
        relaxation: f64,
        /// Power-law index n.
        n: f64,
        /// Yasuda exponent a.
        a: f64,
    },
    /// nu = (sqrt(tau_y / gamma) + sqrt(nu_c))^2, at most nu_max.
    Casson {
        /// Casson viscosity nu_c, m^2/s.
        nu_casson: f64,
        /// Yield stress over the density, m^2/s^2.
        yield_stress: f64,
        /// Cap of the apparent viscosity (the model's diverges at zero shear), m^2/s.
        nu_max: f64,
    },
}

impl Rheology {
    /// The largest kinematic viscosity the fluid takes, m^2/s (`nu` when Newtonian).
    pub fn max_viscosity(&self, nu: f64) -> f64 {
        match *self {
            Rheology::Newtonian => nu,
            Rheology::CarreauYasuda { nu_zero, nu_infinity, .. } => nu_zero.max(nu_infinity),
            Rheology::Casson { nu_max, .. } => nu_max,
        }
    }

    /// Sets the rheology fields of `p` (the cap from `nu` when Newtonian).
    pub(super) fn write(&self, p: &mut SolverParams, nu: f64) {
        use super::layout::rheology;
        p.nu_max = self.max_viscosity(nu) as f32;
        match *self {
            Rheology::Newtonian => p.rheology = rheology::NEWTONIAN,
            Rheology::CarreauYasuda { nu_zero, nu_infinity, relaxation, n, a } => {
                p.rheology = rheology::CARREAU_YASUDA;
                (p.nu_zero, p.nu_infinity, p.relaxation, p.power_n, p.power_a) =
                    (nu_zero as f32, nu_infinity as f32, relaxation as f32, n as f32, a as f32);
            }
            Rheology::Casson { nu_casson, yield_stress, .. } => {
                p.rheology = rheology::CASSON;
                (p.nu_infinity, p.yield_stress) = (nu_casson as f32, yield_stress as f32);
            }
        }
    }
}

/// How the momentum predictor steps advection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Advection {
    /// SSP-RK3 (three momentum passes a step) on the third-order upwind-biased advective
    /// differences: stable to a Courant number (sum_i |u_i| dt / h) of 0.6
    /// ([`crate::case::EXPLICIT_CFL_MAX`]). For transient flow.
    #[default]
    Explicit,
    /// Backward Euler: the first-order upwind part implicit (in the viscous Gauss-Seidel
    /// sweeps), the higher-order remainder explicit from the current velocity. First order in
    /// time, stable at Courant numbers above 1; at a steady state the same momentum balance as
    /// the explicit form's (the Rhie-Chow face velocities still carry dt: see the module docs).
    /// For steady flow.
    Implicit,
}
