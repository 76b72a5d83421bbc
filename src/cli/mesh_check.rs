//! `hemoflow mesh check FILE`: loads a surface, repairs its winding, finds its open ends and
//! says whether it can be simulated.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use hemoflow::mesh::{self, Units};

/// Loads and checks `file` (in `units`), printing the report; exit 2 when it cannot be simulated.
pub fn check(file: &Path, units: Units, json: bool) -> Result<ExitCode> {
    let (m, load) = mesh::load(file, units)?;
    let report = mesh::check(&m, &load);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{} (units {}, converted to m)", file.display(), units.symbol());
        print!("{}", report.text());
    }
    if report.simulatable {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: {}: cannot be simulated: {}", file.display(), report.problems.join("; "));
        Ok(ExitCode::from(2))
    }
}
