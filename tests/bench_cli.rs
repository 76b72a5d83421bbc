//! `hemoflow bench --size 16 --json` end to end: the fields users' scripts read exist and hold
//! finite, positive values. Speed is never asserted. GPU tests never skip: without an adapter
//! this fails, saying to install mesa-vulkan-drivers.

use std::process::Command;

use hemoflow::bench::{self, BenchOptions, TimingMethod};
use serde_json::Value;

/// Asserts `v[key]` is a finite number > 0 and returns it.
fn positive(v: &Value, key: &str, at: &str) -> f64 {
    let x = v[key].as_f64().unwrap_or_else(|| panic!("{at}: {key} missing or not a number: {}", v[key]));
    assert!(x.is_finite() && x > 0.0, "{at}: {key} = {x}, expected finite and positive");
    x
}

#[test]
fn bench_json_reports_every_kernel_on_both_grids() {
    let out = Command::new(env!("CARGO_BIN_EXE_hemoflow"))
        .args(["bench", "--size", "16", "--json"])
        .env("XDG_RUNTIME_DIR", std::env::var("XDG_RUNTIME_DIR").unwrap_or_else(|_| "/tmp".into()))
        .output()
        .expect("run hemoflow");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "hemoflow bench failed (GPU tests need an adapter; on Debian install mesa-vulkan-drivers, tools/setup does):\n\
         {stdout}\n{stderr}"
    );
    let r: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"));

    let adapter = &r["adapter"];
    assert!(adapter["name"].as_str().is_some_and(|n| !n.is_empty()), "adapter name: {adapter}");
    for key in ["backend", "device_type", "driver"] {
        assert!(adapter[key].is_string(), "adapter {key}: {adapter}");
    }
    let method = r["timing_method"].as_str().unwrap_or_default();
    assert!(["gpu_timestamps", "wall_clock"].contains(&method), "timing_method {}", r["timing_method"]);
    assert!(r["timing"].as_str().is_some_and(|t| !t.is_empty()));
    positive(&r, "copy_gbs", "report");
    positive(&r, "bytes_per_fluid_cell", "report");
    assert_eq!(r["size"], 16);

    let grids = r["grids"].as_array().expect("grids");
    assert_eq!(grids.iter().map(|g| g["name"].as_str().unwrap()).collect::<Vec<_>>(), ["box", "vessel"]);
    for g in grids {
        for key in ["cells", "fluid_cells", "grid_bytes", "bytes_per_fluid_cell", "spacing"] {
            positive(g, key, "grid");
        }
    }
    // The box is N^3 fluid cells.
    assert_eq!(grids[0]["fluid_cells"], 16 * 16 * 16, "box grid {}", grids[0]);

    let steps = r["steps"].as_array().expect("steps");
    assert_eq!(steps.iter().map(|s| s["grid"].as_str().unwrap()).collect::<Vec<_>>(), ["box", "vessel"]);
    for s in steps {
        for key in ["fluid_cells", "dt", "steps", "ms", "ms_min", "ms_max", "mlups", "bytes_per_fluid_cell"] {
            positive(s, key, "full step");
        }
        assert!(s["pressure_iterations"].as_f64().is_some_and(|i| i >= 0.0), "full step: {s}");
        // The memory's parts add up to the whole; those of every solver are there.
        let memory = &s["memory"];
        for key in ["fields", "pressure", "cell_words", "geometry", "neighbours", "multigrid"] {
            positive(memory, key, "full step's memory");
        }
        let parts = ["fields", "pressure", "cell_words", "geometry", "neighbours", "multigrid", "other"];
        let sum: f64 = parts.iter().map(|k| memory[k].as_f64().unwrap_or(f64::NAN)).sum();
        let whole = s["bytes_per_fluid_cell"].as_f64().unwrap();
        assert!((sum - whole).abs() <= 1e-9 * whole && memory["other"].as_f64() >= Some(0.0), "{memory} vs {whole}");
        let counters = &s["counters"];
        assert_eq!(counters["stages"]["solver/momentum"].as_f64(), Some(3.0), "full step: {s}");
        assert!(counters["round_trips"].as_f64().is_some_and(|r| r >= 1.0), "full step: {s}");
        if r["timing_method"] == "gpu_timestamps" {
            let momentum = counters["stage_ms"]["solver/momentum"].as_f64();
            assert!(momentum.is_some_and(|t| t > 0.0), "full step's stage times: {s}");
        }
    }
    assert_eq!(r["bytes_per_fluid_cell"], steps[1]["bytes_per_fluid_cell"], "the vessel's solver bytes");

    let kernels = r["kernels"].as_array().expect("kernels");
    for name in ["divergence", "pressure_smooth", "project"] {
        for grid in ["box", "vessel"] {
            assert!(
                kernels.iter().any(|k| k["name"] == name && k["grid"] == grid),
                "no {name} on {grid} in {kernels:?}"
            );
        }
    }
    for k in kernels {
        let at = format!("{} on {}", k["name"], k["grid"]);
        for key in [
            "cells",
            "fluid_cells",
            "bytes_per_cell",
            "ms",
            "ms_min",
            "ms_max",
            "wall_ms",
            "mlups",
            "gbs",
            "percent_of_copy",
        ] {
            positive(k, key, &at);
        }
        assert!(k["ms_min"].as_f64() <= k["ms"].as_f64() && k["ms"].as_f64() <= k["ms_max"].as_f64(), "{at}: {k}");
        assert!(k["fluid_cells"].as_u64() <= k["cells"].as_u64(), "{at}: {k}");
        assert!(k["dispatches_per_batch"].as_u64().is_some_and(|n| n >= 1), "{at}: {k}");
    }
}

#[test]
fn wall_clock_timing_when_timestamps_are_off() {
    let opts = BenchOptions {
        size: 16,
        repetitions: 3,
        warmup_seconds: 0.0,
        settle_seconds: 0.0,
        copy_bytes: 16 << 20,
        gpu_timestamps: false,
        ..Default::default()
    };
    let r = bench::run(&opts).unwrap_or_else(|e| {
        panic!("{e}: GPU tests need an adapter; on Debian install mesa-vulkan-drivers (tools/setup does)")
    });
    assert_eq!(r.timing_method, TimingMethod::WallClock);
    assert!(r.timing.contains("wall clock"), "{}", r.timing);
    assert!(r.copy.array_bytes <= 16 << 20 && r.copy_gbs.is_finite() && r.copy_gbs > 0.0);
    for k in &r.kernels {
        assert_eq!(k.timing.repetitions, 3);
        assert!(k.timing.ms == k.timing.wall_ms && k.mlups.is_finite() && k.mlups > 0.0, "{k:?}");
    }
    let text = bench::text(&r);
    for needle in ["adapter:", "GB/s", "MLUPS", "ms/dispatch", "% copy", "vessel"] {
        assert!(text.contains(needle), "text report lacks {needle}:\n{text}");
    }
}
