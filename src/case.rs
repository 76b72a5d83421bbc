//! The case file (TOML): geometry, fluid, boundary conditions, time and output of a run. Every
//! key is documented in `docs/case.md`; an unknown key, a wrong type or a bad value is reported
//! with the file, the line and the key's path. Relative paths are taken from the case file's
//! folder. SI units except where a key says otherwise (lengths of the geometry in its `units`).

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::gpu::ComputeBackend;
use crate::mesh::Units;
use crate::physio::waveform::FlowUnits;
use crate::solver::gpu_solver::Advection;

/// Why a case file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The file cannot be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A key, type or value is wrong.
    #[error("{}:{line}: `{key}`: {message}", path.display())]
    Key {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The key's path, e.g. `inlet[0].flow_rate`.
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// `[geometry]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Geometry {
    /// Surface mesh file (.obj, .stl, .vtp), relative to the case file.
    pub mesh: PathBuf,
    /// Length unit of the mesh file and of `spacing` (default mm).
    #[serde(default)]
    pub units: Units,
    /// Cell edge, in `units`.
    pub spacing: Spanned<f64>,
}

/// `[fluid]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fluid {
    /// Density, kg/m^3 (default 1060, blood).
    #[serde(default = "default_density")]
    pub density: Spanned<f64>,
    /// Newtonian: dynamic viscosity, Pa s (default 0.0035, blood at high shear).
    #[serde(default = "default_viscosity")]
    pub viscosity: Spanned<f64>,
    /// `newtonian` (default), `carreau-yasuda` or `casson`.
    #[serde(default)]
    pub model: FluidModel,
    /// Carreau-Yasuda: zero-shear viscosity, Pa s (default 0.056).
    pub viscosity_zero: Option<Spanned<f64>>,
    /// Carreau-Yasuda: infinite-shear viscosity, Pa s (default 0.00345).
    pub viscosity_infinity: Option<Spanned<f64>>,
    /// Carreau-Yasuda: relaxation time, s (default 3.313).
    pub relaxation_time: Option<Spanned<f64>>,
    /// Carreau-Yasuda: power-law index n (default 0.3568).
    pub power_index: Option<Spanned<f64>>,
    /// Carreau-Yasuda: Yasuda exponent a (default 2).
    pub yasuda_exponent: Option<Spanned<f64>>,
    /// Casson: Casson viscosity, Pa s (default: 3.934986e-6 m^2/s times the density).
    pub casson_viscosity: Option<Spanned<f64>>,
    /// Casson: yield stress, Pa (default: 2.9032e-6 m^2/s^2 times the density).
    pub yield_stress: Option<Spanned<f64>>,
    /// Casson: the apparent viscosity's cap, Pa s (default: 13.3333e-6 m^2/s times the density).
    pub max_viscosity: Option<Spanned<f64>>,
}

/// `[fluid] model`.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum FluidModel {
    /// Constant viscosity.
    #[default]
    Newtonian,
    /// Carreau-Yasuda (blood defaults: Cho and Kensey 1991).
    CarreauYasuda,
    /// Casson (blood defaults: OpenFOAM's, after Fournier 2011).
    Casson,
}

fn default_density() -> Spanned<f64> {
    Spanned::new(0..0, 1060.0)
}

fn default_viscosity() -> Spanned<f64> {
    Spanned::new(0..0, 0.0035)
}

impl Default for Fluid {
    fn default() -> Fluid {
        Fluid {
            density: default_density(),
            viscosity: default_viscosity(),
            model: FluidModel::Newtonian,
            viscosity_zero: None,
            viscosity_infinity: None,
            relaxation_time: None,
            power_index: None,
            yasuda_exponent: None,
            casson_viscosity: None,
            yield_stress: None,
            max_viscosity: None,
        }
    }
}

/// Inlet velocity profile.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ProfileKey {
    /// Uniform across the cap.
    Plug,
    /// 1 - r^2 / R^2 on the cap's equivalent radius.
    #[default]
    Parabolic,
    /// Womersley's, mode by mode of a periodic waveform.
    Womersley,
}

impl FluidModel {
    /// The name in the case file.
    pub fn name(self) -> &'static str {
        match self {
            FluidModel::Newtonian => "newtonian",
            FluidModel::CarreauYasuda => "carreau-yasuda",
            FluidModel::Casson => "casson",
        }
    }
}

/// How a periodic table is evaluated.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum InterpolationKey {
    /// Truncated Fourier series (`modes` harmonics).
    #[default]
    Fourier,
    /// Straight lines between rows.
    Linear,
}

/// `[[inlet]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inlet {
    /// Cap (face group) name in the mesh.
    pub surface: Spanned<String>,
    /// Constant volume flow rate into the fluid, in `flow_units` (one of this and `waveform`).
    pub flow_rate: Option<Spanned<f64>>,
    /// Table of time (s) and flow into the fluid (`flow_units`), relative to the case file.
    pub waveform: Option<Spanned<PathBuf>>,
    /// Unit of `flow_rate` and of the waveform's flows (default m^3/s).
    #[serde(default)]
    pub flow_units: FlowUnits,
    /// Multiplies the flow (default 1; -1 for a table whose inflow is negative).
    #[serde(default = "default_scale")]
    pub flow_scale: Spanned<f64>,
    /// `plug`, `parabolic` (default) or `womersley`.
    #[serde(default)]
    pub profile: ProfileKey,
    /// A periodic waveform's evaluation: `fourier` (default) or `linear`.
    #[serde(default)]
    pub interpolation: InterpolationKey,
    /// Harmonics of the Fourier series (default 10).
    #[serde(default = "default_modes")]
    pub modes: Spanned<usize>,
}

fn default_scale() -> Spanned<f64> {
    Spanned::new(0..0, 1.0)
}

fn default_modes() -> Spanned<usize> {
    Spanned::new(0..0, crate::physio::waveform::DEFAULT_MODES)
}

/// What an outlet imposes.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OutletType {
    /// A pressure, constant or from a table.
    #[default]
    Pressure,
    /// p = pd + r q.
    Resistance,
    /// Three-element Windkessel.
    Rcr,
}

/// Units of an outlet's parameters.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ParameterUnits {
    /// Pa, Pa s/m^3, m^3/Pa.
    #[default]
    Si,
    /// SimVascular's: dyn/cm^2, dyn s/cm^5, cm^5/dyn.
    Cgs,
}

impl ParameterUnits {
    /// SI per unit of a pressure, a resistance and a compliance.
    pub fn to_si(self) -> (f64, f64, f64) {
        match self {
            ParameterUnits::Si => (1.0, 1.0, 1.0),
            ParameterUnits::Cgs => (0.1, 1e5, 1e-5),
        }
    }
}

/// `[[outlet]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outlet {
    /// Cap (face group) name in the mesh.
    pub surface: Spanned<String>,
    /// `pressure` (default), `resistance` or `rcr`.
    #[serde(default, rename = "type")]
    pub kind: OutletType,
    /// Units of `pressure`, the waveform's pressures, `r`, `rp`, `c`, `rd`, `pd` and
    /// `initial_pressure`: `si` (default) or `cgs`.
    #[serde(default)]
    pub units: ParameterUnits,
    /// Type pressure: the constant pressure (default 0).
    pub pressure: Option<Spanned<f64>>,
    /// Type pressure: a table of time (s) and pressure, relative to the case file.
    pub waveform: Option<Spanned<PathBuf>>,
    /// Type resistance: the resistance.
    pub r: Option<Spanned<f64>>,
    /// Type rcr: proximal resistance.
    pub rp: Option<Spanned<f64>>,
    /// Type rcr: compliance.
    pub c: Option<Spanned<f64>>,
    /// Type rcr: distal resistance.
    pub rd: Option<Spanned<f64>>,
    /// Types resistance and rcr: distal pressure (default 0).
    pub pd: Option<Spanned<f64>>,
    /// Type rcr: the capacitor's pressure at the start (default: its steady value for the
    /// mean inflow).
    pub initial_pressure: Option<Spanned<f64>>,
}

/// `[time]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Time {
    /// Simulated time to reach, s (default: `period * cycles`).
    pub end: Option<Spanned<f64>>,
    /// Period of the inflow, s: periodic waveforms repeat with it.
    pub period: Option<Spanned<f64>>,
    /// Cycles to run (with `period`; sets `end`).
    pub cycles: Option<Spanned<u32>>,
    /// Courant number sum_i |u_i| dt / h the adaptive time step aims at, on the largest velocity
    /// in the fluid at each step (default 0.2; explicit advection takes up to
    /// [`EXPLICIT_CFL_MAX`], implicit advection up to 20).
    #[serde(default = "default_cfl")]
    pub cfl: Spanned<f64>,
    /// A fixed time step, s, instead of the adaptive one (exclusive with `cfl`).
    pub dt: Option<Spanned<f64>>,
    /// Run until the flow stops changing (steady inflow only; `end` is then a limit, and
    /// optional): every step's residuals (the velocity's change, the mass imbalance, the caps'
    /// flow and pressure changes) must stay at most `steady_tolerance` for
    /// [`STEADY_STEPS`] steps in a row.
    #[serde(default = "default_steady")]
    pub steady: Spanned<bool>,
    /// The residuals a steady run stops at (relative, default 1e-4).
    #[serde(default = "default_steady_tolerance")]
    pub steady_tolerance: Spanned<f64>,
}

/// Steps in a row a steady run's residuals must stay within `time.steady_tolerance`.
pub const STEADY_STEPS: u64 = 5;

/// Steps at most of a steady run without `time.end`.
pub const STEADY_MAX_STEPS: u64 = 20_000;

fn default_steady() -> Spanned<bool> {
    Spanned::new(0..0, false)
}

fn default_steady_tolerance() -> Spanned<f64> {
    Spanned::new(0..0, 1e-4)
}

/// The largest `time.cfl` explicit advection takes (SSP-RK3 on third-order upwind-biased
/// differences: 1.6 in theory; the first-order closures at caps, where a cap nearer than half a
/// cell counts as half a cell away, halve that).
pub const EXPLICIT_CFL_MAX: f64 = 0.6;

/// The largest `time.cfl` implicit advection takes (its higher-order remainder stays explicit).
pub const IMPLICIT_CFL_MAX: f64 = 20.0;

fn default_cfl() -> Spanned<f64> {
    Spanned::new(0..0, 0.2)
}

/// `[output]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// HDF5 file, relative to the case file (default `out/run.h5`); an XDMF time series is
    /// written beside it.
    #[serde(default = "default_output")]
    pub file: PathBuf,
    /// Simulated time between snapshots, s (default: only the last step).
    pub interval: Option<Spanned<f64>>,
    /// Simulated time between checkpoints, s (default: none), written beside `file`.
    pub checkpoint: Option<Spanned<f64>>,
}

fn default_output() -> PathBuf {
    PathBuf::from("out/run.h5")
}

impl Default for Output {
    fn default() -> Output {
        Output { file: default_output(), interval: None, checkpoint: None }
    }
}

/// `[report]`: what the summaries compare (all optional).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Cap upstream of a lesion (e.g. a stenosis): the denominator of the distal/proximal mean
    /// pressure ratio (FFR-like) and the start of its pressure drop.
    pub proximal: Option<Spanned<String>>,
    /// Cap downstream of it.
    pub distal: Option<Spanned<String>>,
}

/// What a `[[stent]]` does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StentKind {
    /// Expands the lumen along the stent to its nominal diameter (a balloon-expandable stent in a
    /// stenosis): the union of the vessel and a tube swept along the centreline.
    #[default]
    Lumen,
    /// A porous shell on the stent's surface (Darcy-Forchheimer) where it crosses the lumen,
    /// e.g. across an aneurysm's neck.
    FlowDiverter,
}

impl StentKind {
    /// The case file's name for it.
    pub fn name(self) -> &'static str {
        match self {
            StentKind::Lumen => "lumen",
            StentKind::FlowDiverter => "flow-diverter",
        }
    }
}

/// `[[stent]]`: a stent deployed when the grid is built. Lengths in the geometry's `units`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stent {
    /// One end, near the centreline (snapped to it).
    pub from: Spanned<[f64; 3]>,
    /// The other end, near the same centreline.
    pub to: Spanned<[f64; 3]>,
    /// Nominal expanded diameter.
    pub diameter: Spanned<f64>,
    /// `lumen` (default) or `flow-diverter`.
    #[serde(default)]
    pub kind: StentKind,
    /// Flow diverter: open fraction of its surface, in (0, 1].
    pub porosity: Option<Spanned<f64>>,
    /// Flow diverter: wire diameter.
    pub wire_diameter: Option<Spanned<f64>>,
}

/// `[[region]]`: a named part of the fluid whose inflow the run's output records for
/// `hemoflow compare` (e.g. an aneurysm sac). Lengths in the geometry's `units`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Its name (letters, digits, `_` and `-`).
    pub name: Spanned<String>,
    /// Centre of the sphere holding it.
    pub center: Spanned<[f64; 3]>,
    /// Radius of that sphere.
    pub radius: Spanned<f64>,
    /// A point of the plane across its entrance (e.g. on an aneurysm's neck): the region is the
    /// part of the sphere beyond that plane, seen from `neck` towards `center`.
    pub neck: Option<Spanned<[f64; 3]>>,
}

/// `[solver]`: numerical settings (all optional).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolverKeys {
    /// Pressure solve: relative residual to reach each step, and the bound on the divergence
    /// after projection (default 1e-5; f32 fluxes resolve that divergence to about 1e-6).
    #[serde(default = "default_tolerance")]
    pub tolerance: Spanned<f64>,
    /// Pressure solve: iterations at most per step (default 100).
    #[serde(default = "default_max_iterations")]
    pub max_iterations: usize,
    /// How advection is stepped: `explicit` (default, second order in time) or `implicit`
    /// (backward Euler, for steady states).
    #[serde(default)]
    pub advection: Advection,
    /// Backflow stabilisation coefficient at outlets (default 0.2, svSolver's; 0 turns it off).
    #[serde(default = "default_backflow")]
    pub backflow: Spanned<f64>,
    /// Where the stages run: `gpu` (default: the preferred GPU adapter, lavapipe without one) or
    /// `cpu` (the CPU twins on the host's cores); `run --backend` overrides it.
    #[serde(default)]
    pub backend: ComputeBackend,
}

fn default_backflow() -> Spanned<f64> {
    Spanned::new(0..0, 0.2)
}

fn default_tolerance() -> Spanned<f64> {
    Spanned::new(0..0, 1e-5)
}

fn default_max_iterations() -> usize {
    100
}

impl Default for SolverKeys {
    fn default() -> SolverKeys {
        SolverKeys {
            tolerance: default_tolerance(),
            max_iterations: default_max_iterations(),
            advection: Advection::default(),
            backflow: default_backflow(),
            backend: ComputeBackend::default(),
        }
    }
}

/// A whole case file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// `[geometry]`.
    pub geometry: Geometry,
    /// `[fluid]`.
    #[serde(default)]
    pub fluid: Fluid,
    /// `[[inlet]]`, one per inlet cap.
    #[serde(default)]
    pub inlet: Vec<Inlet>,
    /// `[[outlet]]`, one per outlet cap.
    #[serde(default)]
    pub outlet: Vec<Outlet>,
    /// `[time]`.
    pub time: Time,
    /// `[output]`.
    #[serde(default)]
    pub output: Output,
    /// `[solver]`.
    #[serde(default)]
    pub solver: SolverKeys,
    /// `[report]`.
    #[serde(default)]
    pub report: Report,
    /// `[[stent]]`, applied in order when the grid is built.
    #[serde(default)]
    pub stent: Vec<Stent>,
    /// `[[region]]`.
    #[serde(default)]
    pub region: Vec<Region>,
    /// The case file itself (path and text), set by [`Case::read`].
    #[serde(skip)]
    pub source: Option<(PathBuf, String)>,
}

fn line_of(text: &str, span: &Range<usize>) -> usize {
    1 + text[..span.start.min(text.len())].bytes().filter(|&b| b == b'\n').count()
}

impl Case {
    /// Reads and checks `path`.
    pub fn read(path: &Path) -> Result<Case, CaseError> {
        let text = std::fs::read_to_string(path).map_err(|source| CaseError::Io { path: path.into(), source })?;
        Self::parse(path, &text)
    }

    /// Parses and checks `text` (read from `path`, which error messages name).
    pub fn parse(path: &Path, text: &str) -> Result<Case, CaseError> {
        let de = toml::de::Deserializer::parse(text).map_err(|e| CaseError::Key {
            path: path.into(),
            line: e.span().map_or(1, |s| line_of(text, &s)),
            key: "(file)".into(),
            message: e.message().to_string(),
        })?;
        let mut case: Case = serde_path_to_error::deserialize(de).map_err(|e| {
            // Spanned values add a private inner key to the path: drop it.
            let key = e.path().to_string();
            let key = key.split(".$__serde_spanned").next().unwrap_or(&key).to_string();
            let inner = e.into_inner();
            CaseError::Key {
                path: path.into(),
                line: inner.span().map_or(1, |s| line_of(text, &s)),
                key,
                message: inner.message().to_string(),
            }
        })?;
        case.source = Some((path.to_path_buf(), text.to_string()));
        case.check()?;
        Ok(case)
    }

    /// The error for key `key` (its value at `span` in the file) with `message`.
    pub fn error(&self, span: &Range<usize>, key: &str, message: String) -> CaseError {
        let (path, text) = self.source.clone().unwrap_or_default();
        CaseError::Key { path, line: line_of(&text, span), key: key.into(), message }
    }

    fn check(&self) -> Result<(), CaseError> {
        let positive = |v: &Spanned<f64>, key: &str, unit: &str| -> Result<(), CaseError> {
            let x = *v.get_ref();
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(self.error(&v.span(), key, format!("{x} is not a positive number of {unit}")))
            }
        };
        positive(&self.geometry.spacing, "geometry.spacing", self.geometry.units.symbol())?;
        positive(&self.fluid.density, "fluid.density", "kg/m^3")?;
        positive(&self.fluid.viscosity, "fluid.viscosity", "Pa s")?;
        let f = &self.fluid;
        let model = f.model;
        let keys = [
            ("viscosity_zero", &f.viscosity_zero, model == FluidModel::CarreauYasuda, "Pa s"),
            ("viscosity_infinity", &f.viscosity_infinity, model == FluidModel::CarreauYasuda, "Pa s"),
            ("relaxation_time", &f.relaxation_time, model == FluidModel::CarreauYasuda, "s"),
            ("power_index", &f.power_index, model == FluidModel::CarreauYasuda, "(dimensionless)"),
            ("yasuda_exponent", &f.yasuda_exponent, model == FluidModel::CarreauYasuda, "(dimensionless)"),
            ("casson_viscosity", &f.casson_viscosity, model == FluidModel::Casson, "Pa s"),
            ("yield_stress", &f.yield_stress, model == FluidModel::Casson, "Pa"),
            ("max_viscosity", &f.max_viscosity, model == FluidModel::Casson, "Pa s"),
        ];
        for (name, value, applies, unit) in keys {
            let Some(v) = value else { continue };
            let key = format!("fluid.{name}");
            if !applies {
                return Err(self.error(&v.span(), &key, format!("does not apply to model = \"{}\"", model.name())));
            }
            positive(v, &key, unit)?;
        }
        if model != FluidModel::Newtonian && f.viscosity.span() != (0..0) {
            let message = format!("does not apply to model = \"{}\" (its parameters set the viscosity)", model.name());
            return Err(self.error(&f.viscosity.span(), "fluid.viscosity", message));
        }

        let steady = *self.time.steady.get_ref();
        if !steady && !self.time.steady_tolerance.span().is_empty() {
            let span = self.time.steady_tolerance.span();
            return Err(self.error(&span, "time.steady_tolerance", "needs `steady = true`".into()));
        }
        if steady {
            positive(&self.time.steady_tolerance, "time.steady_tolerance", "(relative)")?;
            let periodic = self.time.period.as_ref().map(|p| ("time.period", p.span()));
            let cycles = self.time.cycles.as_ref().map(|c| ("time.cycles", c.span()));
            if let Some((key, span)) = periodic.or(cycles) {
                return Err(self.error(&span, key, "does not apply to a steady run (time.steady = true)".into()));
            }
            if let Some(inlet) = self.inlet.iter().find(|i| i.waveform.is_some()) {
                let span = inlet.waveform.as_ref().expect("found").span();
                let message = "a steady run (time.steady = true) needs a constant `flow_rate`".into();
                return Err(self.error(&span, "inlet.waveform", message));
            }
        }
        match (&self.time.end, &self.time.period, &self.time.cycles) {
            (None, None, None) if steady => {}
            (Some(end), _, None) => positive(end, "time.end", "s")?,
            (None, Some(_), Some(_)) => {}
            (Some(_), _, Some(cycles)) => {
                return Err(self.error(&cycles.span(), "time.cycles", "give `end` or `cycles`, not both".into()))
            }
            (None, _, Some(cycles)) => return Err(self.error(&cycles.span(), "time.cycles", "needs `period`".into())),
            (None, _, None) => {
                return Err(CaseError::Key {
                    path: self.source.clone().unwrap_or_default().0,
                    line: 1,
                    key: "time.end".into(),
                    message: "missing: give `end` (s), or `period` (s) and `cycles`".into(),
                })
            }
        }
        if let Some(period) = &self.time.period {
            positive(period, "time.period", "s")?;
        }
        if let Some(cycles) = self.time.cycles.as_ref().filter(|c| *c.get_ref() == 0) {
            return Err(self.error(&cycles.span(), "time.cycles", "0 cycles: at least 1".into()));
        }
        positive(&self.solver.tolerance, "solver.tolerance", "(relative)")?;
        let beta = *self.solver.backflow.get_ref();
        if !(0.0..=10.0).contains(&beta) {
            return Err(self.error(
                &self.solver.backflow.span(),
                "solver.backflow",
                format!("{beta} is not in [0, 10]"),
            ));
        }
        let cfl = *self.time.cfl.get_ref();
        let cfl_max = self.cfl_max();
        let why = match self.solver.advection {
            Advection::Explicit => "with explicit advection",
            Advection::Implicit => "with implicit advection",
        };
        if !(cfl > 0.0 && cfl <= cfl_max) {
            return Err(self.error(&self.time.cfl.span(), "time.cfl", format!("{cfl} is not in (0, {cfl_max}] {why}")));
        }
        if let Some(dt) = &self.time.dt {
            positive(dt, "time.dt", "s")?;
            if !self.time.cfl.span().is_empty() {
                return Err(self.error(
                    &dt.span(),
                    "time.dt",
                    "give time.cfl (an adaptive time step) or time.dt (a fixed one), not both".into(),
                ));
            }
        }
        if let Some(i) = &self.output.interval {
            positive(i, "output.interval", "s")?;
        }
        if let Some(c) = &self.output.checkpoint {
            positive(c, "output.checkpoint", "s")?;
        }
        match (&self.report.proximal, &self.report.distal) {
            (Some(p), None) => return Err(self.error(&p.span(), "report.proximal", "needs `distal` too".into())),
            (None, Some(d)) => return Err(self.error(&d.span(), "report.distal", "needs `proximal` too".into())),
            (Some(p), Some(d)) if p.get_ref() == d.get_ref() => {
                return Err(self.error(&d.span(), "report.distal", "names the same cap as `proximal`".into()))
            }
            _ => {}
        }
        self.check_stents()?;
        for (k, inlet) in self.inlet.iter().enumerate() {
            let key = |name: &str| format!("inlet[{k}].{name}");
            match (&inlet.flow_rate, &inlet.waveform) {
                (Some(q), None) if !q.get_ref().is_finite() => {
                    return Err(self.error(&q.span(), &key("flow_rate"), format!("{} is not a number", q.get_ref())))
                }
                (Some(_), None) | (None, Some(_)) => {}
                (Some(_), Some(w)) => {
                    return Err(self.error(
                        &w.span(),
                        &key("waveform"),
                        "give `flow_rate` or `waveform`, not both".into(),
                    ))
                }
                (None, None) => {
                    let message = "missing: give `flow_rate` or `waveform`".into();
                    return Err(self.error(&inlet.surface.span(), &key("flow_rate"), message));
                }
            }
            let scale = *inlet.flow_scale.get_ref();
            if !(scale.is_finite() && scale != 0.0) {
                return Err(self.error(
                    &inlet.flow_scale.span(),
                    &key("flow_scale"),
                    format!("{scale} is not a non-zero number"),
                ));
            }
        }
        for (k, outlet) in self.outlet.iter().enumerate() {
            let key = |name: &str| format!("outlet[{k}].{name}");
            let kind = outlet.kind;
            let given = [
                ("pressure", &outlet.pressure, kind == OutletType::Pressure),
                ("r", &outlet.r, kind == OutletType::Resistance),
                ("rp", &outlet.rp, kind == OutletType::Rcr),
                ("c", &outlet.c, kind == OutletType::Rcr),
                ("rd", &outlet.rd, kind == OutletType::Rcr),
                ("pd", &outlet.pd, kind != OutletType::Pressure),
                ("initial_pressure", &outlet.initial_pressure, kind == OutletType::Rcr),
            ];
            let kind_name = format!("{kind:?}").to_lowercase();
            for (name, value, applies) in given {
                let Some(v) = value else { continue };
                if !applies {
                    return Err(self.error(&v.span(), &key(name), format!("does not apply to type = \"{kind_name}\"")));
                }
                if !v.get_ref().is_finite() {
                    return Err(self.error(&v.span(), &key(name), format!("{} is not a number", v.get_ref())));
                }
            }
            if let (Some(w), OutletType::Resistance | OutletType::Rcr) = (&outlet.waveform, kind) {
                return Err(self.error(
                    &w.span(),
                    &key("waveform"),
                    format!("does not apply to type = \"{kind_name}\""),
                ));
            }
            if let (Some(w), Some(_)) = (&outlet.waveform, &outlet.pressure) {
                return Err(self.error(&w.span(), &key("waveform"), "give `pressure` or `waveform`, not both".into()));
            }
            let required: &[(&str, &Option<Spanned<f64>>, bool)] = match kind {
                OutletType::Pressure => &[],
                OutletType::Resistance => &[("r", &outlet.r, false)],
                OutletType::Rcr => &[("rp", &outlet.rp, false), ("c", &outlet.c, true), ("rd", &outlet.rd, true)],
            };
            for &(name, value, strictly) in required {
                let Some(v) = value else {
                    let message = format!("missing: type = \"{kind_name}\" needs `{name}`");
                    return Err(self.error(&outlet.surface.span(), &key(name), message));
                };
                let x = *v.get_ref();
                if x < 0.0 || (strictly && x == 0.0) {
                    let bound = if strictly { "positive" } else { "zero or positive" };
                    return Err(self.error(&v.span(), &key(name), format!("{x} is not {bound}")));
                }
            }
        }
        Ok(())
    }

    fn check_stents(&self) -> Result<(), CaseError> {
        let units = self.geometry.units.symbol();
        let finite = |v: &Spanned<[f64; 3]>, key: &str| -> Result<(), CaseError> {
            if v.get_ref().iter().all(|x| x.is_finite()) {
                Ok(())
            } else {
                Err(self.error(&v.span(), key, format!("{:?} is not a point ({units})", v.get_ref())))
            }
        };
        let positive = |v: &Spanned<f64>, key: &str| -> Result<(), CaseError> {
            let x = *v.get_ref();
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(self.error(&v.span(), key, format!("{x} is not a positive length ({units})")))
            }
        };
        for (k, stent) in self.stent.iter().enumerate() {
            let key = |name: &str| format!("stent[{k}].{name}");
            finite(&stent.from, &key("from"))?;
            finite(&stent.to, &key("to"))?;
            if stent.from.get_ref() == stent.to.get_ref() {
                return Err(self.error(&stent.to.span(), &key("to"), "is the same point as `from`".into()));
            }
            positive(&stent.diameter, &key("diameter"))?;
            let diverter = stent.kind == StentKind::FlowDiverter;
            for (name, value) in [("porosity", &stent.porosity), ("wire_diameter", &stent.wire_diameter)] {
                match value {
                    Some(v) if !diverter => {
                        return Err(self.error(
                            &v.span(),
                            &key(name),
                            "applies to kind = \"flow-diverter\" only".into(),
                        ))
                    }
                    None if diverter => {
                        let message = format!("missing: kind = \"flow-diverter\" needs `{name}`");
                        return Err(self.error(&stent.diameter.span(), &key(name), message));
                    }
                    _ => {}
                }
            }
            if let Some(p) = &stent.porosity {
                let x = *p.get_ref();
                if !(x > 0.0 && x <= 1.0) {
                    return Err(self.error(&p.span(), &key("porosity"), format!("{x} is not in (0, 1]")));
                }
            }
            if let Some(w) = &stent.wire_diameter {
                positive(w, &key("wire_diameter"))?;
            }
        }
        for (k, region) in self.region.iter().enumerate() {
            let key = |name: &str| format!("region[{k}].{name}");
            let name = region.name.get_ref();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                let message = format!("`{name}`: use letters, digits, `_` and `-` only");
                return Err(self.error(&region.name.span(), &key("name"), message));
            }
            if self.region[..k].iter().any(|r| r.name.get_ref() == name) {
                return Err(self.error(&region.name.span(), &key("name"), format!("`{name}` is named twice")));
            }
            finite(&region.center, &key("center"))?;
            positive(&region.radius, &key("radius"))?;
            if let Some(neck) = &region.neck {
                finite(neck, &key("neck"))?;
                if neck.get_ref() == region.center.get_ref() {
                    return Err(self.error(&neck.span(), &key("neck"), "is the same point as `center`".into()));
                }
            }
        }
        Ok(())
    }

    /// Simulated time to reach, s: `end`, or `period * cycles` (a steady run without `end`:
    /// infinite, the run stopping when steady or after [`STEADY_MAX_STEPS`]).
    pub fn end_time(&self) -> f64 {
        match (&self.time.end, &self.time.period, &self.time.cycles) {
            (Some(end), _, _) => *end.get_ref(),
            (None, Some(period), Some(cycles)) => period.get_ref() * *cycles.get_ref() as f64,
            _ if *self.time.steady.get_ref() => f64::INFINITY,
            _ => unreachable!("checked when read"),
        }
    }

    /// The largest `time.cfl` the case's advection takes: [`EXPLICIT_CFL_MAX`], or
    /// [`IMPLICIT_CFL_MAX`].
    pub fn cfl_max(&self) -> f64 {
        match self.solver.advection {
            Advection::Explicit => EXPLICIT_CFL_MAX,
            Advection::Implicit => IMPLICIT_CFL_MAX,
        }
    }

    /// `path` resolved against the case file's folder (`..` folded away where it can be).
    pub fn resolve(&self, path: &Path) -> PathBuf {
        let joined = match self.source.as_ref().and_then(|(p, _)| p.parent()) {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.to_path_buf(),
        };
        let mut clean = PathBuf::new();
        for part in joined.components() {
            match part {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir
                    if matches!(clean.components().next_back(), Some(std::path::Component::Normal(_))) =>
                {
                    clean.pop();
                }
                other => clean.push(other),
            }
        }
        clean
    }

    /// The error for a surface name that names no cap of the mesh (`key` its path).
    pub fn unknown_surface(&self, surface: &Spanned<String>, key: &str, caps: &[String]) -> CaseError {
        self.error(
            &surface.span(),
            key,
            format!("no cap named `{}` in the mesh (caps: {})", surface.get_ref(), caps.join(", ")),
        )
    }
}
