//! Outlets with a zero-dimensional model of the vascular bed, end to end through `hemoflow run`
//! on lavapipe: a pipe whose inflow steps up (a waveform table) into an RCR Windkessel outlet.
//! The outlet cap's mean pressure from the 3D field, step by step (/summary), against the RCR's
//! analytic response to the inflow.

mod common;

use common::hemoflow;

const Q0: f64 = 1.5e-7; // m^3/s before the step
const Q1: f64 = 3.0e-7; // m^3/s after it
const T_STEP: f64 = 0.004; // s
const RP: f64 = 1e8; // Pa s/m^3
const RD: f64 = 1e9; // Pa s/m^3
const C: f64 = 1e-11; // m^3/Pa: RD C = 10 ms
const PD: f64 = 1000.0; // Pa

/// How long the inflow takes to step up (linearly) from T_STEP on, s.
const RAMP: f64 = 1e-5;

/// The RCR's outlet pressure for the inflow ramping from Q0 to Q1 over [T_STEP, T_STEP + RAMP],
/// the capacitor starting at its steady value for Q0: p = pc + RP q, with pc's response to a
/// step at the ramp's midpoint (exact to second order in RAMP / (RD C) = 1e-3).
fn rcr_pressure(t: f64) -> f64 {
    let q = Q0 + (Q1 - Q0) * ((t - T_STEP) / RAMP).clamp(0.0, 1.0);
    let since = (t - T_STEP - 0.5 * RAMP).max(0.0);
    let pc = PD + RD * Q1 + (RD * Q0 - RD * Q1) * (-since / (RD * C)).exp();
    pc + RP * q
}

#[test]
fn rcr_outlet_follows_the_windkessel_response_to_a_step_in_flow() {
    let dir = tempfile::tempdir().unwrap();
    let obj = dir.path().join("pipe.obj");
    let args = ["mesh", "generate", "pipe", "--radius", "1", "--length", "10", "--segments", "64", "-o"];
    let (code, _, text) = hemoflow(&[&args[..], &[obj.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{text}");
    // The step as a table in mL/s: a ramp of 10 us (a twentieth of a time step).
    let table = format!(
        "time,flow\n0,{a}\n{t0},{a}\n{t1},{b}\n1,{b}\n",
        a = Q0 * 1e6,
        b = Q1 * 1e6,
        t0 = T_STEP,
        t1 = T_STEP + RAMP
    );
    std::fs::write(dir.path().join("step.csv"), table).unwrap();
    let end = T_STEP + 3.0 * RD * C;
    let case = format!(
        "[geometry]\nmesh = \"pipe.obj\"\nunits = \"mm\"\nspacing = 0.2\n\n[[inlet]]\nsurface = \"inlet\"\nwaveform = \"step.csv\"\nflow_units = \"mL/s\"\ninterpolation = \"linear\"\n\n[[outlet]]\nsurface = \"outlet\"\ntype = \"rcr\"\nrp = {RP:e}\nc = {C:e}\nrd = {RD:e}\npd = {PD}\ninitial_pressure = {p0}\n\n[time]\nend = {end}\n\n[output]\nfile = \"out/rcr.h5\"\n",
        p0 = PD + RD * Q0
    );
    let path = dir.path().join("rcr.toml");
    std::fs::write(&path, case).unwrap();
    let (code, r, text) = hemoflow(&["run", path.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{text}");
    let file = hdf5::File::open(dir.path().join("out/rcr.h5")).unwrap();
    let names: Vec<String> = file
        .dataset("summary/cap_names")
        .unwrap()
        .read_1d::<hdf5::types::VarLenUnicode>()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let outlet = names.iter().position(|n| n == "outlet").unwrap();
    let times = file.dataset("summary/time").unwrap().read_1d::<f64>().unwrap();
    let pressure = file.dataset("summary/mean_pressure").unwrap().read_2d::<f64>().unwrap();
    let flow = file.dataset("summary/flow_rate").unwrap().read_2d::<f64>().unwrap();
    assert_eq!(times.len() as u64, r["steps"].as_u64().unwrap(), "/summary holds every step");
    // Error relative to the pressure above the distal one (the part the model makes).
    let (mut worst, mut at) = (0.0f64, 0.0);
    for (k, &t) in times.iter().enumerate() {
        let expected = rcr_pressure(t);
        let e = (pressure[[k, outlet]] - expected).abs() / (expected - PD);
        if e > worst {
            (worst, at) = (e, t);
        }
    }
    let last = times.len() - 1;
    println!(
        "{} steps of {:.2e} s: outlet pressure above pd worst error {:.2e} at t = {at:.4} s (tolerance 2%); at the end {:.2} Pa (RCR {:.2} Pa), outflow {:.4e} m^3/s (inflow {Q1:.4e})",
        times.len(),
        r["dt"].as_f64().unwrap(),
        worst,
        pressure[[last, outlet]],
        rcr_pressure(times[last]),
        flow[[last, outlet]]
    );
    assert!(worst < 0.02, "outlet pressure error {worst:.3e} of the RCR response at t = {at} s (tolerance 2%)");
}
