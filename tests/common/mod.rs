//! Helpers shared by the integration tests: the GPU they run on, and running the `hemoflow`
//! command.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use serde_json::Value;

/// The GPU the tests run on (lavapipe where there is no GPU). GPU tests never skip: without an
/// adapter they fail, saying what to install.
#[allow(dead_code)]
pub fn gpu() -> hemoflow::gpu::Gpu {
    hemoflow::gpu::Gpu::new(None).unwrap_or_else(|e| {
        panic!("{e}\nGPU tests need an adapter: on Debian install mesa-vulkan-drivers (lavapipe; tools/setup does)")
    })
}

/// The CPU backend (the stages' CPU twins on this machine's cores): where the long solver runs
/// go, at a fraction of lavapipe's time. The tests in `tests/cpu_backend.rs` hold it to the GPU
/// (the same cases on both, field by field), and every stage's twin is checked against its
/// WGSL on seeded input (`tests/gpu_solver_kernels.rs`, `tests/gpu_vector.rs`).
#[allow(dead_code)]
pub fn cpu() -> hemoflow::gpu::Gpu {
    hemoflow::gpu::Gpu::cpu(hemoflow::solver::twins::find).expect("the CPU backend opens")
}

/// Held while a test writes an HDF5 file and while it starts a `hemoflow` process: HDF5 opens
/// files without close-on-exec, so a child started meanwhile by another test thread would inherit
/// the writer's lock and keep the file locked against the next reader until that child exits.
#[allow(dead_code)]
pub static SPAWN: Mutex<()> = Mutex::new(());

/// Runs `hemoflow ARGS` in `dir`, started under [`SPAWN`]: (exit code, stdout parsed as JSON or
/// Null, stdout followed by stderr).
#[allow(dead_code)]
pub fn hemoflow_in(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = spawn_in(dir, args).wait_with_output().expect("run hemoflow");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stdout + &String::from_utf8_lossy(&out.stderr))
}

/// Runs `hemoflow ARGS` in the crate's folder: (exit code, stdout parsed as JSON or Null,
/// stdout followed by stderr).
#[allow(dead_code)]
pub fn hemoflow(args: &[&str]) -> (i32, Value, String) {
    hemoflow_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// SplitMix64: a seeded, dependency-free random stream, the same on every run.
#[allow(dead_code)]
pub struct SplitMix64(pub u64);

#[allow(dead_code)]
impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n.
    pub fn below(&mut self, n: u32) -> u32 {
        (((self.next() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// Uniform in lo..=hi.
    pub fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + self.below((hi - lo + 1) as u32) as i32
    }
}

/// Starts `hemoflow ARGS` in `dir` under [`SPAWN`], stdout and stderr piped.
#[allow(dead_code)]
pub fn spawn_in(dir: &Path, args: &[&str]) -> std::process::Child {
    let _guard = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
    Command::new(env!("CARGO_BIN_EXE_hemoflow"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start hemoflow")
}

/// Writes `dir/pipe.obj`: a 2 mm pipe, 8 mm long, on an axis oblique to the grid (mm, caps
/// `inlet` and `outlet`), through `hemoflow mesh generate pipe`.
#[allow(dead_code)]
pub fn oblique_pipe(dir: &Path) {
    let obj = dir.join("pipe.obj");
    let args = ["mesh", "generate", "pipe", "--radius", "1", "--length", "8", "--axis", "0.3,-0.5,0.8"];
    let (code, _, text) = hemoflow(&[&args[..], &["--segments", "64", "-o", obj.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{text}");
}

/// tools/check_output_h5.py on `files` (an output and its XDMF sidecars): whether it passed, and
/// what it printed (also printed here).
#[allow(dead_code)]
pub fn check_output_h5(files: &[&Path]) -> (bool, String) {
    let py = Command::new("/usr/bin/python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/check_output_h5.py"))
        .args(files)
        .output()
        .expect("/usr/bin/python3 missing: run tools/setup (python3-h5py)");
    let out = String::from_utf8_lossy(&py.stdout).into_owned() + &String::from_utf8_lossy(&py.stderr);
    println!("{out}");
    (py.status.success(), out)
}

/// ParaView's pvpython opens `xdmf` files (tools/check_paraview.py: every time step, the arrays,
/// and a probe against h5py's value); panics with what it printed where it fails, and with how to
/// install ParaView where pvpython is missing (never skipped).
#[allow(dead_code)]
pub fn paraview_check(xdmf: &[&Path]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/check_paraview.py");
    let out = Command::new("pvpython").arg(&script).args(xdmf).output().unwrap_or_else(|e| {
        panic!("pvpython could not start ({e}): the ParaView checks need it: apt-get install -y paraview (tools/setup does)")
    });
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    println!("{text}");
    assert!(out.status.success(), "ParaView could not read the XDMF files as h5py does:\n{text}");
    assert_eq!(text.matches("ParaView reads").count(), xdmf.len(), "not every file was checked:\n{text}");
}

/// Headless Chromium's flags for the pages' tests: software WebGL (SwiftShader), no network, a
/// fresh profile in `profile`, a 1200 x 1100 window.
fn chromium(profile: &Path) -> Command {
    let mut c = Command::new("chromium");
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--window-size=1200,1100",
        "--virtual-time-budget=30000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Runs headless Chromium on `page`; panics, saying how to install it, where it is missing.
fn run_chromium(page: &Path, fragment: &str, extra: &[&str]) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}#{fragment}", page.canonicalize().unwrap().display());
    chromium(profile.path()).args(extra).arg(url).output().unwrap_or_else(|e| {
        panic!("chromium could not start ({e}): the page tests need Chromium: apt-get install -y chromium (tools/setup does)")
    })
}

/// Opens `page` (a report's or a comparison's index.html) in headless Chromium with
/// `#selftest&FRAGMENT` and returns what the page's self-check found (view3d.js, `selfTest`),
/// after checking that Chromium's log shows no uncaught error.
#[allow(dead_code)]
pub fn page_selftest(page: &Path, fragment: &str) -> Value {
    page_selftest_with(page, fragment, &[])
}

/// [`page_selftest`] with more of Chromium's flags (e.g. `--disable-webgl`).
#[allow(dead_code)]
pub fn page_selftest_with(page: &Path, fragment: &str, flags: &[&str]) -> Value {
    let args = [&["--enable-logging=stderr", "--v=0", "--dump-dom"], flags].concat();
    let out = run_chromium(page, &format!("selftest&{fragment}"), &args);
    let dom = String::from_utf8_lossy(&out.stdout);
    let log = String::from_utf8_lossy(&out.stderr);
    let uncaught: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE") && l.contains("Uncaught")).collect();
    assert!(uncaught.is_empty(), "{}: uncaught errors in the page:\n{}", page.display(), uncaught.join("\n"));
    let marker = "<pre id=\"selftest\">";
    let start = dom.find(marker).unwrap_or_else(|| {
        panic!("{}: the page wrote no self-check (exit {:?}); Chromium said:\n{log}", page.display(), out.status)
    });
    let json = &dom[start + marker.len()..];
    let json = &json[..json.find("</pre>").expect("the self-check's end")];
    let json = json.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("the self-check is not JSON ({e}): {json}"))
}

/// A screenshot of `page` opened with `#FRAGMENT` (1200 x 1100 pixels) into `png`.
#[allow(dead_code)]
pub fn page_screenshot(page: &Path, fragment: &str, png: &Path) {
    let out = run_chromium(page, fragment, &[&format!("--screenshot={}", png.display())]);
    assert!(png.is_file(), "no screenshot of {}: {}", page.display(), String::from_utf8_lossy(&out.stderr));
}

/// The value `info --probe` gives for `field` at `point_mm` (the run's coordinates, mm).
#[allow(dead_code)]
pub fn probe(h5: &Path, point_mm: &[f64], field: &str) -> f64 {
    let point = point_mm.iter().map(|c| format!("{}", c * 1e-3)).collect::<Vec<_>>().join(",");
    let (code, json, text) = hemoflow(&["info", h5.to_str().unwrap(), "--probe", &point, "--json"]);
    assert_eq!(code, 0, "{text}");
    let values = json["values"].as_array().unwrap_or_else(|| panic!("no values in {json:#}"));
    let v = values.iter().find(|v| v["field"] == field).unwrap_or_else(|| panic!("no {field} in {json:#}"));
    println!("info --probe {point}: triangle {}, {} {} ({})", json["triangle"], field, v["value"], v["from"]);
    v["value"].as_f64().unwrap()
}

/// The self-check's figures every page must meet: no errors, more than `coloured` of the first
/// panel's pixels in colour, the colour bar's ends the colour map's, a turn that changes more
/// than `turned` of the pixels (a blank or grey wall gives 0 for both).
#[allow(dead_code)]
pub fn check_page(r: &Value, coloured_bound: f64, turned_bound: f64) {
    println!("self-check: {r:#}");
    assert_eq!(r["errors"], serde_json::json!([]), "the page logged errors");
    let coloured = r["coloured_share"].as_f64().unwrap();
    let pc = |x: f64| format!("{:.2}%", 100.0 * x);
    assert!(coloured > coloured_bound, "{} of the picture in colour (bound {})", pc(coloured), pc(coloured_bound));
    for (bar, map) in r["bar_ends"].as_array().unwrap().iter().zip(r["colormap_ends"].as_array().unwrap()) {
        for (b, m) in bar.as_array().unwrap().iter().zip(map.as_array().unwrap()) {
            let (b, m) = (b.as_f64().unwrap(), m.as_f64().unwrap());
            assert!((b - m).abs() <= 2.0, "the colour bar's end {bar} is not the colour map's {map}");
        }
    }
    let turned = r["rotation_changed_share"].as_f64().unwrap();
    assert!(
        turned > turned_bound,
        "a 60-degree turn changed {} of the picture (bound {})",
        pc(turned),
        pc(turned_bound)
    );
}

/// An add-on's passes against its CPU twin (`hemoflow::solver::addon`): prepares `add_on` on
/// `layout` with `params`, runs its passes on `u` (u*, component-major) and returns (GPU result,
/// CPU twin's result) for the caller to compare with its stated tolerance.
#[allow(dead_code)]
pub fn run_add_on(
    gpu: &hemoflow::gpu::Gpu,
    add_on: &dyn hemoflow::solver::addon::AddOn,
    layout: &hemoflow::solver::CellLayout,
    params: &hemoflow::solver::SolverParams,
    u: &[f32],
) -> (Vec<f32>, Vec<f32>) {
    use hemoflow::solver::addon::StepBuffers;
    let grid = hemoflow::solver::kernels::GpuGrid::new(gpu, layout, params).unwrap();
    let u_buf = gpu.storage("u*", u).unwrap();
    let step = StepBuffers {
        params: &grid.params,
        neighbours: &grid.neighbours,
        cells: &grid.cells,
        geom: &grid.geom,
        u: &u_buf,
        layout,
    };
    let prepared = add_on.prepare(gpu, &step).unwrap();
    assert!(!prepared.passes.is_empty(), "{}: no passes", add_on.name());
    for pass in &prepared.passes {
        pass.run(gpu).unwrap();
    }
    let mut cpu = u.to_vec();
    add_on.apply_cpu(params, layout, &mut cpu);
    (gpu.read::<f32>(&u_buf).unwrap(), cpu)
}

/// Rust side of a GPU struct: name, size and (field, offset) pairs, in declaration order
/// ([`rust_layout!`]).
#[allow(dead_code)]
pub struct RustLayout {
    pub name: &'static str,
    pub size: usize,
    pub fields: Vec<(&'static str, usize)>,
}

/// The [`RustLayout`] of struct `T { fields }` (every field, in declaration order).
#[allow(unused_macros)]
macro_rules! rust_layout {
    ($t:ident { $($f:ident),* $(,)? }) => {
        common::RustLayout {
            name: stringify!($t),
            size: std::mem::size_of::<$t>(),
            fields: vec![$((stringify!($f), std::mem::offset_of!($t, $f))),*],
        }
    };
}

/// How `rust` differs from the WGSL struct of the same name that stage `stage` declares (size
/// and field offsets by naga's layouter; uniform `...Params` structs padded to 16 bytes), or
/// None where they agree.
#[allow(dead_code)]
pub fn wgsl_twin_mismatch(stage: &str, rust: &RustLayout) -> Option<String> {
    let source = hemoflow::gpu::shader::source(stage).unwrap();
    let module = naga::front::wgsl::parse_str(&source).unwrap_or_else(|e| panic!("{stage}: {e}"));
    let mut layouter = naga::proc::Layouter::default();
    layouter.update(module.to_ctx()).unwrap();
    let Some((handle, ty)) = module.types.iter().find(|(_, t)| t.name.as_deref() == Some(rust.name)) else {
        return Some(format!("{}: no WGSL struct {} in stage {stage}", rust.name, rust.name));
    };
    let naga::TypeInner::Struct { members, .. } = &ty.inner else {
        return Some(format!("{}: WGSL type is not a struct", rust.name));
    };
    let wgsl: Vec<(String, usize)> =
        members.iter().map(|m| (m.name.clone().unwrap_or_default(), m.offset as usize)).collect();
    let rust_fields: Vec<(String, usize)> = rust.fields.iter().map(|(n, o)| (n.to_string(), *o)).collect();
    let wgsl_size = layouter[handle].size as usize;
    if wgsl != rust_fields || wgsl_size != rust.size {
        return Some(format!(
            "{}: Rust size {} fields {rust_fields:?}\n   WGSL size {wgsl_size} fields {wgsl:?}",
            rust.name, rust.size
        ));
    }
    if rust.name.ends_with("Params") && rust.size % 16 != 0 {
        return Some(format!("{}: size {} is not a multiple of 16", rust.name, rust.size));
    }
    None
}

/// The repository's `meshes/` folder, with forward slashes (for case files).
#[allow(dead_code)]
pub fn meshes() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("meshes").to_str().unwrap().replace('\\', "/")
}

/// A case of the generated stenosis for comparisons of whole runs (10 steps of 5 ms): implicit
/// advection (one momentum pass, upwind in the sweeps), a parabolic inlet, a pressure outlet;
/// cells of 0.25 mm, output `x.h5`.
#[allow(dead_code)]
pub fn stenosis_case() -> String {
    format!(
        "[geometry]\nmesh = \"{}/stenosis.obj\"\nunits = \"mm\"\nspacing = 0.25\n\
         [fluid]\ndensity = 1060.0\nviscosity = 0.0035\n\
         [[inlet]]\nsurface = \"inlet\"\nflow_rate = 0.5e-6\nprofile = \"parabolic\"\n\
         [[outlet]]\nsurface = \"outlet\"\npressure = 12000.0\n\
         [time]\nend = 0.05\ndt = 0.005\n[solver]\nadvection = \"implicit\"\n[output]\nfile = \"x.h5\"\n",
        meshes()
    )
}

/// A case of the generated bifurcation for comparisons of whole runs (10 steps of 0.1 ms):
/// explicit advection (three Runge-Kutta momentum passes), a Carreau-Yasuda fluid (the shear
/// viscosity pass), a parabolic inlet, resistance and RCR outlets, the wall's time integrals
/// over a short period; cells of 0.3 mm, output `x.h5`.
#[allow(dead_code)]
pub fn bifurcation_case() -> String {
    format!(
        "[geometry]\nmesh = \"{}/bifurcation.obj\"\nunits = \"mm\"\nspacing = 0.3\n\
         [fluid]\ndensity = 1060.0\nmodel = \"carreau-yasuda\"\n\
         [[inlet]]\nsurface = \"inlet\"\nflow_rate = 1.0e-6\nprofile = \"parabolic\"\n\
         [[outlet]]\nsurface = \"outlet_1\"\ntype = \"resistance\"\nr = 1.0e9\n\
         [[outlet]]\nsurface = \"outlet_2\"\ntype = \"rcr\"\nrp = 1.0e8\nc = 1.0e-10\nrd = 1.0e9\n\
         [time]\nperiod = 0.0005\ncycles = 2\ndt = 0.0001\n[output]\nfile = \"x.h5\"\ninterval = 0.0005\n",
        meshes()
    )
}

/// The largest difference of `a` from `b` over the largest magnitude of `b`.
#[allow(dead_code)]
pub fn relative<T: Copy + Into<f64>>(a: &[T], b: &[T]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0.0f64, |m, &x| m.max(x.into().abs()));
    let diff = a.iter().zip(b).fold(0.0f64, |m, (&x, &y)| m.max((x.into() - y.into()).abs()));
    diff / scale.max(f64::MIN_POSITIVE)
}

/// Compares two runs' outputs of one case that may differ by f32 rounding only (another backend,
/// another number of ranks): `run`'s against `reference`'s, for cells of `h` m, time steps up to
/// `dt` s and a fluid of `density` kg/m^3. The same end time; the last snapshot's velocity,
/// pressure, wall shear stress and wall pressure, the last cycle's TAWSS (where one was
/// written) and every step's cap flows and pressures, each within `BOUND` = 1e-5 of its largest
/// magnitude; the velocity, the wall shear stress and the TAWSS with one more term, the
/// rounding of the pressure's level turned into a velocity by a step's gradient,
/// 4 eps |p|max dt / (h |u|max) (kinematic). Panics past a bound; returns the differences as
/// a line of text.
#[allow(dead_code)]
pub fn same_run(run: &Path, reference: &Path, h: f64, dt: f64, density: f64) -> String {
    const BOUND: f64 = 1e-5;
    let _lock = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
    let (a, b) = (hdf5::File::open(run).unwrap(), hdf5::File::open(reference).unwrap());
    let newest = |f: &hdf5::File, group: &str| -> Option<hdf5::Group> {
        let g = f.group(group).ok()?;
        let names = g.member_names().unwrap();
        names.into_iter().max().map(|n| g.group(&n).unwrap())
    };
    let read = |g: &hdf5::Group, name: &str| g.dataset(name).unwrap().read_raw::<f32>().unwrap();
    let (sa, sb) = (newest(&a, "fields").expect("a snapshot"), newest(&b, "fields").expect("a snapshot"));
    let time = |g: &hdf5::Group| g.attr("time").unwrap().read_scalar::<f64>().unwrap();
    assert_eq!(time(&sa), time(&sb), "{}: the last snapshot's time", run.display());
    let largest = |v: &[f32]| v.iter().fold(0.0f64, |m, &x| m.max(x.abs() as f64));
    let p_max = largest(&read(&sb, "pressure")) / density;
    let u_max = largest(&read(&sb, "velocity"));
    let rounding = 4.0 * f32::EPSILON as f64 * p_max * dt / (h * u_max);
    let mut line = String::from("max |difference| / max |value|:");
    let mut check = |what: &str, e: f64, bound: f64| {
        line += &format!(" {what} {e:.1e} (bound {bound:.1e})");
        assert!(e <= bound, "{}: {what} differs by {e:.2e} of its largest value (bound {bound:.2e})", run.display());
    };
    for field in ["velocity", "pressure", "wss", "wall_pressure"] {
        let bound = if matches!(field, "velocity" | "wss") { BOUND + rounding } else { BOUND };
        check(field, relative(&read(&sa, field), &read(&sb, field)), bound);
    }
    match (newest(&a, "cycles"), newest(&b, "cycles")) {
        (Some(ca), Some(cb)) => check("TAWSS", relative(&read(&ca, "tawss"), &read(&cb, "tawss")), BOUND + rounding),
        (None, None) => {}
        _ => panic!("{}: one run wrote a cycle, the other not", run.display()),
    }
    for table in ["flow_rate", "mean_pressure"] {
        let at = format!("summary/{table}");
        let (x, y) =
            (a.dataset(&at).unwrap().read_raw::<f64>().unwrap(), b.dataset(&at).unwrap().read_raw::<f64>().unwrap());
        check(&format!("caps' {table}"), relative(&x, &y), BOUND);
    }
    line
}
