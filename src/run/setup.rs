//! Everything a run needs before the GPU, from the case alone ([`Setup::from_case`]): the
//! surface loaded and checked, the grid with its stents, the wall, the caps' boundary conditions
//! and drives, the first time step. Pure: it reads the case's files and writes nothing.

use std::path::PathBuf;

use toml::Spanned;

use super::error::RunError;
use crate::case::{Case, FluidModel, InterpolationKey, OutletType, ProfileKey};
use crate::grid;
use crate::mesh::{self, WallSurface};
use crate::physio::inlet::InletDrive;
use crate::physio::waveform::{Interpolation, Table, Waveform};
use crate::physio::windkessel::Outlet0d;
use crate::solver::boundary::{Boundary, Profile};
use crate::solver::gpu_solver::Rheology;
use crate::solver::timestep::TimeStep;
use crate::solver::wall_shear::wall_stencil;
use crate::stent;

/// The centrelines as the writer takes them.
pub fn centerline_records(c: &crate::centerline::Centerlines) -> Vec<crate::io::CenterlineRecord<'_>> {
    c.lines
        .iter()
        .map(|l| crate::io::CenterlineRecord {
            from: &l.from,
            to: &l.to,
            points: &l.points,
            radius: &l.radius,
            abscissa: &l.abscissa,
        })
        .collect()
}

/// The case's stents in SI units.
fn stents(case: &Case) -> Vec<stent::Stent> {
    let m = case.geometry.units.to_metres();
    let point = |p: &Spanned<[f64; 3]>| crate::mesh::Vec3::from(*p.get_ref()) * m;
    case.stent
        .iter()
        .map(|s| stent::Stent {
            kind: s.kind,
            from: point(&s.from),
            to: point(&s.to),
            radius: 0.5 * s.diameter.get_ref() * m,
            porosity: s.porosity.as_ref().map_or(1.0, |p| *p.get_ref()),
            wire_diameter: s.wire_diameter.as_ref().map_or(0.0, |w| *w.get_ref() * m),
        })
        .collect()
}

/// A stent that does not fit is the case file's error, at its key.
fn stent_error(case: &Case, e: stent::StentError) -> RunError {
    match e {
        stent::StentError::Placement { index, key, message } => {
            let s = &case.stent[index];
            let span = match key {
                "from" => s.from.span(),
                "to" => s.to.span(),
                _ => s.diameter.span(),
            };
            case.error(&span, &format!("stent[{index}].{key}"), message).into()
        }
        other => RunError::Stent(other),
    }
}

/// Everything a run needs before the GPU, from the case alone: the surface loaded and checked,
/// the grid (stents deployed), the wall and its shear-stress stencils, the boundary conditions
/// by cap, the outlets' 0D models and the first time step (what the case says directly, such as
/// the end time, is read from the case). Building it reads the case's files and writes
/// nothing; `run --dry-run` builds it and stops.
pub struct Setup<'a> {
    /// The surface file, as resolved.
    pub mesh_path: PathBuf,
    /// Triangles of the surface as loaded.
    pub triangles: usize,
    /// The waveform tables read (inlets', then outlets').
    pub tables: Vec<PathBuf>,
    /// Grid spacing, m.
    pub h: f64,
    /// Density, kg/m^3.
    pub density: f64,
    /// Kinematic viscosity (the model's reference value), m^2/s.
    pub nu: f64,
    /// The rheology model.
    pub rheology: Rheology,
    /// The grid.
    pub g: grid::Grid,
    /// The wall's triangles.
    pub wall: WallSurface,
    /// The stents as deployed, their porous layers and the centrelines (None without stents).
    pub stented: Option<(Vec<stent::Deployed>, Vec<crate::solver::porous::PorousCell>, crate::centerline::Centerlines)>,
    /// The wall shear stress stencils of `wall` on `g`.
    pub stencil: crate::solver::wall_shear::WallStencil,
    /// The caps' names, in the grid's order.
    pub names: Vec<String>,
    /// The boundary condition of each cap at t = 0.
    pub boundaries: Vec<Boundary>,
    /// The inlets' drives.
    pub inlets: Vec<InletDrive>,
    /// The outlets: cap index and 0D model.
    pub outlets: Vec<(usize, Outlet0d)>,
    /// The inlets' mean inflow over the waveform, m^3/s.
    pub mean_inflow: f64,
    /// `report.proximal` and `report.distal`, when given.
    pub pair: Option<(&'a str, &'a str)>,
    /// The peak velocity expected at the caps, m/s.
    pub u_ref: f64,
    /// The time step's controller.
    pub ts: TimeStep,
}

impl<'a> Setup<'a> {
    /// Builds the setup of `case` (see [`Setup`]); the errors are a run's.
    pub fn from_case(case: &'a Case) -> Result<Setup<'a>, RunError> {
        let units = case.geometry.units;
        let mesh_path = case.resolve(&case.geometry.mesh);
        let (surface, load) = mesh::load(&mesh_path, units)?;
        let triangles = surface.triangles.len();
        let mut tables = Vec::new();
        let report = mesh::check(&surface, &load);
        if !report.simulatable {
            return Err(RunError::NotSimulatable {
                mesh: mesh_path.display().to_string(),
                reasons: report.problems.join("; "),
            });
        }
        let h = *case.geometry.spacing.get_ref() * units.to_metres();
        let density = *case.fluid.density.get_ref();
        let (nu, rheology) = rheology(case);
        let (g, wall, stented) = if case.stent.is_empty() {
            (grid::voxelize(&surface, h)?, WallSurface::from_mesh(&surface), None)
        } else {
            let stent::Stented { grid, wall, deployed, porous, centerlines } =
                stent::deploy(&surface, h, &stents(case), nu).map_err(|e| stent_error(case, e))?;
            (grid, wall, Some((deployed, porous, centerlines)))
        };
        let stencil = wall_stencil(&g, &wall);

        // Boundary conditions by cap name.
        let names: Vec<String> = g.caps.iter().map(|c| c.name.clone()).collect();
        let find = |surface: &Spanned<String>, key: String| {
            names.iter().position(|n| n == surface.get_ref()).ok_or_else(|| case.unknown_surface(surface, &key, &names))
        };
        let period = case.time.period.as_ref().map(|p| *p.get_ref());
        let mut boundaries = vec![Boundary::Wall; names.len()];
        let mut inlets = Vec::new();
        for (k, inlet) in case.inlet.iter().enumerate() {
            let i = find(&inlet.surface, format!("inlet[{k}].surface"))?;
            let scale = inlet.flow_units.to_si() * inlet.flow_scale.get_ref();
            let (waveform, span, key) = match (&inlet.flow_rate, &inlet.waveform) {
                (Some(q), _) => (Waveform::Constant(q.get_ref() * scale), q.span(), "flow_rate"),
                (None, Some(file)) => {
                    tables.push(case.resolve(file.get_ref()));
                    let table = Table::read(&case.resolve(file.get_ref()), scale)?;
                    let interpolation = match inlet.interpolation {
                        InterpolationKey::Fourier => Interpolation::Fourier(*inlet.modes.get_ref()),
                        InterpolationKey::Linear => Interpolation::Linear,
                    };
                    let w = Waveform::from_table(table, period, interpolation)
                        .map_err(|m| case.error(&file.span(), &format!("inlet[{k}].waveform"), m))?;
                    (w, file.span(), "waveform")
                }
                (None, None) => unreachable!("checked when read"),
            };
            let mean = waveform.mean();
            if mean < 0.0 {
                let message = format!(
                    "the mean flow into the fluid is negative ({:.4} mL/s): positive flows in; for a table written \
                     with inflow negative (svSolver's convention) set flow_scale = -1",
                    mean * 1e6
                );
                return Err(case.error(&span, &format!("inlet[{k}].{key}"), message).into());
            }
            let profile = match inlet.profile {
                ProfileKey::Plug => Profile::Plug,
                ProfileKey::Parabolic => Profile::Parabolic,
                ProfileKey::Womersley => Profile::Womersley,
            };
            let drive = InletDrive::new(&g, i, waveform, profile, nu)
                .map_err(|m| case.error(&inlet.surface.span(), &format!("inlet[{k}].profile"), m))?;
            boundaries[i] = Boundary::Inlet { flow_rate: drive.flow_rate(0.0), profile };
            inlets.push(drive);
        }
        let mut outlets: Vec<(usize, Outlet0d)> = Vec::new();
        let mut settle = Vec::new();
        for (k, outlet) in case.outlet.iter().enumerate() {
            let i = find(&outlet.surface, format!("outlet[{k}].surface"))?;
            let (pa, resistance, compliance) = outlet.units.to_si();
            let get = |v: &Option<Spanned<f64>>| v.as_ref().map_or(0.0, |x| *x.get_ref());
            let model = match outlet.kind {
                OutletType::Pressure => Outlet0d::Pressure(match &outlet.waveform {
                    Some(file) => {
                        tables.push(case.resolve(file.get_ref()));
                        let table = Table::read(&case.resolve(file.get_ref()), pa)?;
                        Waveform::from_table(table, period, Interpolation::Linear)
                            .map_err(|m| case.error(&file.span(), &format!("outlet[{k}].waveform"), m))?
                    }
                    None => Waveform::Constant(get(&outlet.pressure) * pa),
                }),
                OutletType::Resistance => {
                    Outlet0d::Resistance { r: get(&outlet.r) * resistance, pd: get(&outlet.pd) * pa }
                }
                OutletType::Rcr => Outlet0d::Rcr {
                    rp: get(&outlet.rp) * resistance,
                    c: get(&outlet.c) * compliance,
                    rd: get(&outlet.rd) * resistance,
                    pd: get(&outlet.pd) * pa,
                    pc: outlet.initial_pressure.as_ref().map_or(get(&outlet.pd), |p| *p.get_ref()) * pa,
                },
            };
            if outlet.kind == OutletType::Rcr && outlet.initial_pressure.is_none() {
                settle.push(outlets.len());
            }
            outlets.push((i, model));
        }
        // RCR capacitors without an initial pressure start at their steady value for the mean
        // inflow, shared between the 0D outlets in proportion to their conductances.
        let mean_inflow: f64 = inlets.iter().map(|d| d.waveform.mean()).sum();
        let conductance: f64 =
            outlets.iter().filter_map(|(_, m)| m.steady_resistance()).filter(|r| *r > 0.0).map(|r| 1.0 / r).sum();
        for &k in &settle {
            let r = outlets[k].1.steady_resistance().unwrap_or(0.0);
            if r > 0.0 && conductance > 0.0 {
                outlets[k].1.settle(mean_inflow / (r * conductance));
            }
        }
        for (i, model) in &outlets {
            boundaries[*i] = Boundary::Outlet { pressure: model.pressure(0.0, 0.0) / density };
        }
        // Time step: the Courant number sum_i |u_i| dt / h on the peak velocity expected at the caps
        // (at most crate::case::EXPLICIT_CFL_MAX for explicit advection; implicit advection takes
        // more): the inlets' over their waveforms, and each outlet's parabolic peak for its share of
        // the peak inflow (by conductance when every outlet has a resistance, else by area), each
        // along its cap's normal (|n_x| + |n_y| + |n_z| times the speed). The viscous term is
        // Crank-Nicolson (stable at any dt); nu dt / h^2 <= 2 only bounds the Gauss-Seidel sweeps
        // of its solve. Snapshots measure the Courant number the flow reaches.
        // (With several inlets, the sum of their peaks: at least the peak of their sum.)
        let pair = match (&case.report.proximal, &case.report.distal) {
            (Some(p), Some(d)) => {
                find(p, "report.proximal".into())?;
                find(d, "report.distal".into())?;
                Some((p.get_ref().as_str(), d.get_ref().as_str()))
            }
            _ => None,
        };
        let peak_inflow: f64 = inlets.iter().map(|d| d.waveform.peak_magnitude()).sum();
        let resistances: Vec<Option<f64>> =
            outlets.iter().map(|(_, m)| m.steady_resistance().filter(|r| *r > 0.0)).collect();
        let by_conductance = resistances.iter().all(Option::is_some);
        let outlet_area: f64 = outlets.iter().map(|(i, _)| g.caps[*i].area).sum();
        let outlet_peak = outlets
            .iter()
            .zip(&resistances)
            .map(|((i, _), r)| {
                let share = match r {
                    Some(r) if by_conductance => (1.0 / r) / resistances.iter().flatten().map(|r| 1.0 / r).sum::<f64>(),
                    _ => g.caps[*i].area / outlet_area,
                };
                2.0 * share * peak_inflow / g.caps[*i].area
            })
            .fold(0.0, f64::max);
        let u_ref = inlets.iter().map(InletDrive::peak_speed).fold(outlet_peak, f64::max);
        // The caps' normals: sum_i |u_i| of a velocity along them, per unit speed (1 to sqrt 3).
        let along_normal = inlets
            .iter()
            .map(|d| d.cap)
            .chain(outlets.iter().map(|(i, _)| *i))
            .map(|i| g.caps[i].normal.iter().map(|x| x.abs()).sum::<f64>())
            .fold(1.0, f64::max);
        let cfl = *case.time.cfl.get_ref();
        let dt_visc = 2.0 * h * h / rheology.max_viscosity(nu);
        let ts = match &case.time.dt {
            Some(dt) => TimeStep::fixed(*dt.get_ref(), case.cfl_max(), h),
            None => {
                let dt = if u_ref > 0.0 { cfl * h / (u_ref * along_normal) } else { dt_visc };
                TimeStep::adaptive(cfl, h, dt, dt_visc)
            }
        };
        Ok(Setup {
            mesh_path,
            triangles,
            tables,
            h,
            density,
            nu,
            rheology,
            g,
            wall,
            stented,
            stencil,
            names,
            boundaries,
            inlets,
            outlets,
            mean_inflow,
            pair,
            u_ref,
            ts,
        })
    }
}

/// The case's fluid: its kinematic viscosity (m^2/s; for a non-Newtonian fluid the
/// high-shear one, which Womersley inlet profiles use) and its rheology.
fn rheology(case: &Case) -> (f64, Rheology) {
    let f = &case.fluid;
    let rho = *f.density.get_ref();
    let or = |v: &Option<Spanned<f64>>, default: f64| v.as_ref().map_or(default, |x| *x.get_ref());
    match f.model {
        FluidModel::Newtonian => (f.viscosity.get_ref() / rho, Rheology::Newtonian),
        FluidModel::CarreauYasuda => {
            let (mu0, mu_inf, lambda, n, a) = CARREAU_YASUDA_BLOOD;
            let nu_infinity = or(&f.viscosity_infinity, mu_inf) / rho;
            let r = Rheology::CarreauYasuda {
                nu_zero: or(&f.viscosity_zero, mu0) / rho,
                nu_infinity,
                relaxation: or(&f.relaxation_time, lambda),
                n: or(&f.power_index, n),
                a: or(&f.yasuda_exponent, a),
            };
            (nu_infinity, r)
        }
        FluidModel::Casson => {
            let (nu_c, tau_y, nu_max) = CASSON_BLOOD;
            let nu_casson = or(&f.casson_viscosity, nu_c * rho) / rho;
            let r = Rheology::Casson {
                nu_casson,
                yield_stress: or(&f.yield_stress, tau_y * rho) / rho,
                nu_max: or(&f.max_viscosity, nu_max * rho) / rho,
            };
            (nu_casson, r)
        }
    }
}

/// Blood after Cho and Kensey (Biorheology 28, 241-262, 1991), a Carreau-Yasuda fluid with
/// a = 2: zero-shear and infinite-shear viscosities (Pa s), relaxation time (s), power-law index.
pub const CARREAU_YASUDA_BLOOD: (f64, f64, f64, f64, f64) = (0.056, 0.00345, 3.313, 0.3568, 2.0);

/// Blood as a Casson fluid, kinematic: Casson viscosity (m^2/s), yield stress over density
/// (m^2/s^2) and the viscosity's cap (m^2/s), the values OpenFOAM documents for blood in its
/// Casson model (Casson.H), after Fournier, Basic Transport Phenomena in Biomedical Engineering
/// (CRC Press, 2011).
pub const CASSON_BLOOD: (f64, f64, f64) = (3.934986e-6, 2.9032e-6, 13.3333e-6);
