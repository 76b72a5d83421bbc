//! `hemoflow gpus`: the adapters wgpu finds and the one a run would choose, and the CPU
//! backend (`--backend cpu`).

use std::process::ExitCode;

use anyhow::{Context, Result};
use hemoflow::gpu;

/// Lists the adapters and the one chosen (`wanted`: a name fragment); exit 2 when none fits.
pub fn run(json: bool, wanted: Option<&str>) -> Result<ExitCode> {
    let adapters = gpu::list_adapters();
    let chosen = gpu::choose(&adapters, wanted);
    if json {
        let (index, reason) = match &chosen {
            Ok((i, r)) => (Some(*i), r.clone()),
            Err(e) => (None, e.to_string()),
        };
        let cpu = serde_json::json!({ "name": gpu::host::adapter_name(), "threads": rayon::current_num_threads() });
        let value = serde_json::json!({ "adapters": adapters, "chosen": index, "reason": reason, "cpu_backend": cpu });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        let c = chosen.as_ref().ok().map(|(i, r)| (*i, r.as_str()));
        print!("{}", gpu::gpus_text(&adapters, c));
        println!(
            "--backend cpu runs on {} (the stages' CPU twins; RAYON_NUM_THREADS sets the threads)",
            gpu::host::adapter_name()
        );
    }
    chosen.map(|_| ExitCode::SUCCESS).context("choosing an adapter")
}
