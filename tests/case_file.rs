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
