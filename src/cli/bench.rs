//! `hemoflow bench`: the adapter's bandwidth, each solver kernel and full steps, timed
//! ([`hemoflow::bench`]).

use std::process::ExitCode;

use anyhow::{Context, Result};
use hemoflow::gpu::ComputeBackend;

/// Runs the bench with `size` on `backend` (`adapter` on the GPU), printing its text or (`json`)
/// its JSON report.
pub fn run(size: u32, adapter: Option<String>, backend: ComputeBackend, json: bool) -> Result<ExitCode> {
    let opts = hemoflow::bench::BenchOptions { size, adapter, backend, ..Default::default() };
    let report = hemoflow::bench::run(&opts).context("hemoflow bench")?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", hemoflow::bench::text(&report));
    }
    Ok(ExitCode::SUCCESS)
}
