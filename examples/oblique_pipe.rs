//! One verification pipe (hemoflow::verify::pipe) from the command line:
//! `cargo run --release --example oblique_pipe -- D_OVER_H REYNOLDS [explicit|implicit] [COURANT] [AX,AY,AZ] [DIAMETERS] [MAX_STEPS]`
//! prints its errors against Hagen-Poiseuille as JSON. FROM_REST=1 starts from rest, BACKFLOW=B sets
//! the outlet's backflow stabilisation, STEADY=S the steady criterion, BACKEND=cpu runs it on the
//! CPU backend (default: the GPU, lavapipe where there is none).

use clap::ValueEnum;
use hemoflow::gpu::ComputeBackend;
use hemoflow::mesh::Vec3;
use hemoflow::solver::gpu_solver::Advection;
use hemoflow::solver::twins;
use hemoflow::verify::{oblique_pipe, PipeCase};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut case = PipeCase::default();
    if let Some(a) = args.first() {
        case.d_over_h = a.parse()?;
    }
    if let Some(a) = args.get(1) {
        case.reynolds = a.parse()?;
    }
    if let Some(a) = args.get(2) {
        case.advection = if a == "implicit" { Advection::Implicit } else { Advection::Explicit };
    }
    if let Some(a) = args.get(3) {
        case.courant = a.parse()?;
    }
    if let Some(a) = args.get(4) {
        let v: Vec<f64> = a.split(',').map(|x| x.parse()).collect::<Result<_, _>>()?;
        case.axis = Vec3::new(v[0], v[1], v[2]);
    }
    if let Some(a) = args.get(5) {
        case.diameters = a.parse()?;
    }
    if let Some(a) = args.get(6) {
        case.max_steps = a.parse()?;
    }
    case.from_rest = std::env::var("FROM_REST").is_ok();
    if let Ok(b) = std::env::var("STEADY") {
        case.steady = b.parse()?;
    }
    if let Ok(b) = std::env::var("BACKFLOW") {
        case.backflow = b.parse()?;
    }
    let backend = match std::env::var("BACKEND") {
        Ok(b) => ComputeBackend::from_str(&b, true).map_err(|e| anyhow::anyhow!("BACKEND={b}: {e}"))?,
        Err(_) => ComputeBackend::default(),
    };
    let gpu = twins::open(backend, None, wgpu::Features::empty())?;
    let t = std::time::Instant::now();
    let e = oblique_pipe(&gpu, &case)?;
    println!("{} {:.1}s", serde_json::to_string(&e)?, t.elapsed().as_secs_f64());
    Ok(())
}
