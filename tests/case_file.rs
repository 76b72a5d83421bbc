//! The case file: the issue's example parses; a wrong key, type or value names the key's path
//! and the line.

use std::path::Path;

use hemoflow::case::{Case, CaseError};

const EXAMPLE: &str = r#"[geometry]
mesh = "meshes/pipe.obj"
units = "mm"
spacing = 0.1          # mesh units

[fluid]
density = 1060.0       # kg/m^3
viscosity = 0.0035     # Pa s

[[inlet]]
surface = "inlet"
flow_rate = 1.0e-6     # m^3/s
profile = "parabolic"  # or "plug"

[[outlet]]
surface = "outlet"
pressure = 0.0         # Pa

[time]
end = 0.2              # s
cfl = 0.5

[output]
file = "out/pipe.h5"
interval = 0.05        # s
"#;

fn error(text: &str) -> (usize, String, String) {
    match Case::parse(Path::new("case.toml"), text) {
        Err(CaseError::Key { line, key, message, .. }) => {
            println!("case.toml:{line}: `{key}`: {message}");
            (line, key, message)
        }
        other => panic!("expected a key error, got {other:?}"),
    }
}

#[test]
fn the_documented_example_parses() {
    let case = Case::parse(Path::new("case.toml"), EXAMPLE).unwrap();
    assert_eq!(*case.geometry.spacing.get_ref(), 0.1);
    assert_eq!(case.inlet[0].surface.get_ref(), "inlet");
    assert_eq!(*case.output.interval.as_ref().unwrap().get_ref(), 0.05);
}

#[test]
fn unknown_key_wrong_type_and_bad_value_name_key_and_line() {
    let (line, key, message) = error(&EXAMPLE.replace("spacing = 0.1", "spacng = 0.1"));
    assert_eq!(line, 4);
    assert!(key.starts_with("geometry"), "{key}");
    assert!(message.contains("spacng"), "{message}");
    let (line, key, _) = error(&EXAMPLE.replace("flow_rate = 1.0e-6", "flow_rate = \"lots\""));
    assert_eq!((line, key.as_str()), (12, "inlet[0].flow_rate"));
    let (line, key, _) = error(&EXAMPLE.replace("profile = \"parabolic\"", "profile = \"womersly\""));
    assert_eq!((line, key.as_str()), (13, "inlet[0].profile"));
    let (line, key, message) = error(&EXAMPLE.replace("end = 0.2", "end = -1.0"));
    assert_eq!((line, key.as_str()), (20, "time.end"));
    assert!(message.contains("positive"), "{message}");
    let (line, key, _) = error(&EXAMPLE.replace("cfl = 0.5", "cfl = 3.0"));
    assert_eq!((line, key.as_str()), (21, "time.cfl"));
    let (line, _, _) = error("[geometry\nmesh = 1\n");
    assert_eq!(line, 1);
}

#[test]
fn relative_paths_resolve_against_the_case_folder() {
    let case = Case::parse(Path::new("/data/cases/aorta.toml"), EXAMPLE).unwrap();
    assert_eq!(case.resolve(Path::new("meshes/pipe.obj")), Path::new("/data/cases/meshes/pipe.obj"));
    assert_eq!(case.resolve(Path::new("../out/run.h5")), Path::new("/data/out/run.h5"));
    assert_eq!(case.resolve(Path::new("/abs/file.stl")), Path::new("/abs/file.stl"));
}

#[test]
fn physiological_keys_parse_and_their_mistakes_name_key_and_line() {
    let pulsatile = EXAMPLE
        .replace(
            "flow_rate = 1.0e-6     # m^3/s\nprofile = \"parabolic\"  # or \"plug\"",
            "waveform = \"inflow.flow\"\nflow_units = \"cm3/s\"\nprofile = \"womersley\"",
        )
        .replace(
            "pressure = 0.0         # Pa",
            "type = \"rcr\"\nunits = \"cgs\"\nrp = 1210.0\nc = 1.5e-4\nrd = 13000.0\npd = 0.0",
        )
        .replace("end = 0.2              # s", "period = 0.6\ncycles = 2");
    let case = Case::parse(Path::new("case.toml"), &pulsatile).unwrap();
    assert_eq!(case.end_time(), 1.2);
    assert_eq!(case.outlet[0].units.to_si(), (0.1, 1e5, 1e-5));
    // A missing RCR parameter: the key and the outlet's line.
    let (line, key, message) = error(&pulsatile.replace("rd = 13000.0\n", ""));
    assert_eq!((line, key.as_str()), (17, "outlet[0].rd"), "{message}");
    // A parameter of another type.
    let (line, key, _) = error(&pulsatile.replace("pd = 0.0", "pd = 0.0\nr = 5.0"));
    assert_eq!((line, key.as_str()), (24, "outlet[0].r"));
    // A negative compliance.
    let (line, key, message) = error(&pulsatile.replace("c = 1.5e-4", "c = -1.5e-4"));
    assert_eq!((line, key.as_str()), (21, "outlet[0].c"), "{message}");
    // Both end and cycles; an unknown flow unit.
    let (_, key, _) = error(&pulsatile.replace("cycles = 2", "cycles = 2\nend = 1.0"));
    assert_eq!(key, "time.cycles");
    let (line, key, _) = error(&pulsatile.replace("\"cm3/s\"", "\"litres\""));
    assert_eq!((line, key.as_str()), (13, "inlet[0].flow_units"));
    // Neither flow_rate nor waveform.
    let (_, key, _) = error(&pulsatile.replace("waveform = \"inflow.flow\"\n", ""));
    assert_eq!(key, "inlet[0].flow_rate");
    // Rheology: Carreau-Yasuda with its defaults; a Newtonian viscosity beside it; Casson with
    // one parameter given; a parameter of another model.
    let blood = pulsatile.replace("viscosity = 0.0035     # Pa s", "model = \"carreau-yasuda\"\npower_index = 0.4");
    assert!(Case::parse(Path::new("case.toml"), &blood).is_ok());
    let (line, key, _) = error(&blood.replace("power_index = 0.4", "viscosity = 0.004"));
    assert_eq!((line, key.as_str()), (9, "fluid.viscosity"));
    let casson = blood.replace("carreau-yasuda", "casson").replace("power_index = 0.4", "yield_stress = 0.005");
    assert!(Case::parse(Path::new("case.toml"), &casson).is_ok());
    let (line, key, _) = error(&blood.replace("carreau-yasuda", "casson"));
    assert_eq!((line, key.as_str()), (9, "fluid.power_index"));
}

/// The bundled demo's setup (everything before the GPU) without a GPU: its caps' conditions,
/// the RCR outlets started at their steady pressures, the first time step.
#[test]
fn the_demo_sets_up_without_a_gpu() {
    use hemoflow::physio::windkessel::Outlet0d;
    use hemoflow::run::Setup;
    use hemoflow::solver::boundary::Boundary;
    let case = Case::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes/demo.toml")).unwrap();
    let setup = Setup::from_case(&case).unwrap();
    let kind = |b: &Boundary| match b {
        Boundary::Inlet { .. } => "inlet",
        Boundary::Outlet { .. } => "outlet",
        _ => "wall",
    };
    let mut caps: Vec<(&str, &str)> =
        setup.names.iter().map(String::as_str).zip(setup.boundaries.iter().map(kind)).collect();
    caps.sort_unstable();
    assert_eq!(caps, [("cap_aorta", "inlet"), ("cap_aorta_2", "outlet"), ("cap_right_iliac", "outlet")]);
    assert_eq!(setup.tables.len(), 1, "the inflow waveform");
    // RCR capacitors start where the mean inflow would hold them: every outlet at the same
    // pressure P = Q / sum_k (1 / (Rp_k + Rd_k)), each capacitor at Rd_k / (Rp_k + Rd_k) of it.
    let resistances: Vec<(f64, f64)> = setup
        .outlets
        .iter()
        .map(|(_, m)| match m {
            Outlet0d::Rcr { rp, rd, .. } => (*rp, *rd),
            other => panic!("the demo's outlets are RCR: {other:?}"),
        })
        .collect();
    let conductance: f64 = resistances.iter().map(|(rp, rd)| 1.0 / (rp + rd)).sum();
    let p_mean = setup.mean_inflow / conductance;
    println!("mean inflow {:.3} mL/s, outlets' mean pressure {:.0} Pa", setup.mean_inflow * 1e6, p_mean);
    assert!((setup.mean_inflow * 1e6 - 8.37).abs() < 0.01, "the demo's mean inflow is 8.37 mL/s");
    assert!((p_mean / 12e3 - 1.0).abs() < 0.02, "tuned to 12 kPa (90 mmHg): {p_mean:.0} Pa");
    for ((i, _), (rp, rd)) in setup.outlets.iter().zip(&resistances) {
        let Boundary::Outlet { pressure } = setup.boundaries[*i] else { panic!("cap {i} is an outlet") };
        let expected = p_mean * rd / (rp + rd);
        let got = pressure * setup.density;
        assert!((got / expected - 1.0).abs() < 1e-9, "cap {i}: starts at {got} Pa, expected {expected}");
    }
    // The first time step: time.cfl over the peak velocity expected at the caps, along their
    // normals (1 to sqrt 3 times the speed).
    let dt_speed = case.time.cfl.get_ref() * setup.h / setup.u_ref;
    assert!(setup.ts.dt <= dt_speed && setup.ts.dt >= dt_speed / 3f64.sqrt(), "dt {} vs {dt_speed}", setup.ts.dt);
}
