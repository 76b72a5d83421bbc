//! Every WGSL stage under shaders/ is preprocessed and validated with naga (a WGSL error fails
//! here with the file and line, not at run time on a user's GPU), and every struct the GPU sees
//! has the same size and field offsets in Rust as naga's layouter gives its WGSL twin.

#[macro_use]
mod common;

use common::RustLayout;
use std::collections::BTreeSet;
use std::path::Path;

use hemoflow::gpu::probe::{GridProbeParams, GridProbeQuery};
use hemoflow::gpu::shader::{self, Expanded};
use hemoflow::gpu::vector::{AxpyParams, CgScalarsParams, DotPartialParams, SumPartialParams, XpayParams};
use hemoflow::gpu::GpuError;
use hemoflow::post::render::RenderParams;
use hemoflow::solver::wall_shear::{WallParams, WallPoint};
use hemoflow::solver::SolverParams;

/// Names (path under shaders/ without .wgsl) of the .wgsl files in `dir`, recursively.
fn wgsl_files(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            wgsl_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "wgsl") {
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            out.insert(rel.to_str().unwrap().replace('\\', "/"));
        }
    }
}

/// Parses and validates an expanded stage; on failure, naga's report plus the original file:line.
fn validate(name: &str, e: &Expanded) -> Result<(naga::Module, naga::valid::ModuleInfo), String> {
    let module = naga::front::wgsl::parse_str(&e.text).map_err(|err| {
        let at = err.location(&e.text).map(|l| e.locate(l.line_number)).unwrap_or_default();
        format!("{at}: WGSL parse error in stage {name}:\n{}", err.emit_to_string_with_path(&e.text, name))
    })?;
    let flags = naga::valid::ValidationFlags::all();
    let info =
        naga::valid::Validator::new(flags, naga::valid::Capabilities::default()).validate(&module).map_err(|err| {
            let at = err.location(&e.text).map(|l| e.locate(l.line_number)).unwrap_or_default();
            format!("{at}: validation error in stage {name}:\n{}", err.emit_to_string_with_path(&e.text, name))
        })?;
    Ok((module, info))
}

#[test]
fn embedded_list_matches_the_shaders_folder() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut on_disk = BTreeSet::new();
    wgsl_files(&root, &root, &mut on_disk);
    let embedded: BTreeSet<String> =
        shader::FILES.iter().map(|(n, _)| n.to_string()).filter(|n| !shader::GENERATED.contains(&n.as_str())).collect();
    assert_eq!(on_disk, embedded, "shaders/ on disk vs gpu::shader::FILES (build.rs lists the folder)");
    for (name, text) in shader::FILES.iter().filter(|(n, _)| !shader::GENERATED.contains(n)) {
        let disk = std::fs::read_to_string(root.join(format!("{name}.wgsl"))).unwrap();
        assert_eq!(&disk, text, "shaders/{name}.wgsl differs from the embedded copy (rebuild)");
    }
}

/// Compute stages have one entry point named after their file; render stages (under render/) a
/// vertex and a fragment entry point named `<file>_vertex` and `<file>_fragment`.
#[test]
fn every_stage_validates_with_naga() {
    let mut failures = Vec::new();
    let mut imported = BTreeSet::new();
    for name in shader::stages() {
        let e = shader::expand(name).unwrap_or_else(|err| panic!("preprocessing {name}: {err}"));
        imported.extend(e.origin.iter().map(|(f, _)| f.to_string()).filter(|f| f != name));
        match validate(name, &e) {
            Err(msg) => failures.push(msg),
            Ok((module, _)) => {
                let entry = shader::entry_point(name);
                let found =
                    module.entry_points.iter().any(|ep| ep.name == entry && ep.stage == naga::ShaderStage::Compute);
                if !found {
                    failures.push(format!("shaders/{name}.wgsl: no compute entry point named \"{entry}\""));
                }
            }
        }
    }
    for name in shader::render_stages() {
        let e = shader::expand(name).unwrap_or_else(|err| panic!("preprocessing {name}: {err}"));
        imported.extend(e.origin.iter().map(|(f, _)| f.to_string()).filter(|f| f != name));
        match validate(name, &e) {
            Err(msg) => failures.push(msg),
            Ok((module, _)) => {
                let (vertex, fragment) = shader::render_entry_points(name);
                for (entry, stage) in [(vertex, naga::ShaderStage::Vertex), (fragment, naga::ShaderStage::Fragment)] {
                    if !module.entry_points.iter().any(|ep| ep.name == entry && ep.stage == stage) {
                        failures.push(format!("shaders/{name}.wgsl: no {stage:?} entry point named \"{entry}\""));
                    }
                }
            }
        }
    }
    // Shared files are validated through their importers, so each must have one.
    for (name, _) in shader::FILES.iter().filter(|(n, _)| n.starts_with(shader::SHARED)) {
        if !imported.contains(*name) {
            failures.push(format!("shaders/{name}.wgsl is imported by no stage, so nothing validates it"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn validation_error_names_the_imported_file_and_line() {
    // A stage that imports the grid module without declaring its `neighbours` binding.
    let grid = shader::FILES.iter().find(|(n, _)| *n == "shared/grid").unwrap().1;
    let files = [("shared/grid", grid), ("bad", "// a stage\n#import shared/grid\n")];
    let e = shader::expand_in(&files, "bad").unwrap();
    let msg = validate("bad", &e).unwrap_err();
    assert!(msg.starts_with("shaders/shared/grid.wgsl:") && msg.contains("neighbours"), "{msg}");
    assert_eq!(e.locate(1), "shaders/bad.wgsl:1");
}

#[test]
fn preprocessor_imports_once_and_rejects_unknown_lines() {
    let files = [
        ("shared/a", "const A: u32 = 1u;\n"),
        ("shared/b", "#import shared/a\nconst B: u32 = A;\n"),
        ("s", "#import shared/a\n#import shared/b\nconst C: u32 = B;\n"),
        ("unknown", "\n  #import shared/nope\n"),
        ("directive", "#define X 1\n"),
    ];
    let e = shader::expand_in(&files, "s").unwrap();
    assert_eq!(e.text, "const A: u32 = 1u;\nconst B: u32 = A;\nconst C: u32 = B;\n");
    assert_eq!(e.origin, vec![("shared/a", 1), ("shared/b", 2), ("s", 3)]);

    let err = shader::expand_in(&files, "unknown").unwrap_err();
    assert!(matches!(err, GpuError::Import { line: 2, .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.starts_with("shaders/unknown.wgsl:2:") && msg.contains("shared/nope"), "{msg}");
    let msg = shader::expand_in(&files, "directive").unwrap_err().to_string();
    assert!(msg.starts_with("shaders/directive.wgsl:1:") && msg.contains("#define"), "{msg}");
    let msg = shader::source("no/such").unwrap_err().to_string();
    assert!(msg.contains("no/such") && msg.contains("test/grid_probe"), "{msg}");
}

/// Rust structs with a WGSL twin, and the stage whose source declares that twin (an add-on's
/// test checks its own: `tests/common`'s `wgsl_twin_mismatch`).
fn twins() -> Vec<(&'static str, RustLayout)> {
    vec![
        ("test/grid_probe", rust_layout!(GridProbeParams { queries, _pad0, _pad1, _pad2 })),
        ("test/grid_probe", rust_layout!(GridProbeQuery { id, dx, dy, dz })),
        (
            "solver/divergence",
            rust_layout!(SolverParams {
                h,
                dt,
                nu,
                prolong,
                cells,
                stage,
                implicit_advection,
                without_source,
                force_x,
                force_y,
                force_z,
                backflow,
                rheology,
                nu_zero,
                nu_infinity,
                relaxation,
                power_n,
                power_a,
                yield_stress,
                nu_max,
                colour,
                stored,
                _pad1,
                _pad2,
                bricks_with
            }),
        ),
        ("vector/dot_partial", rust_layout!(DotPartialParams { n, out_offset, _pad0, _pad1 })),
        ("vector/sum_partial", rust_layout!(SumPartialParams { n, out_offset, _pad0, _pad1 })),
        ("vector/axpy", rust_layout!(AxpyParams { n, alpha_index, sign, _pad0 })),
        ("vector/xpay", rust_layout!(XpayParams { n, beta_index, _pad0, _pad1 })),
        ("vector/cg_scalars", rust_layout!(CgScalarsParams { numerator, denominator, quotient, advance })),
        ("wall/wall_shear", rust_layout!(WallPoint { normal, nearest })),
        ("wall/wall_shear", rust_layout!(WallParams { triangles, accumulate, density, _pad0 })),
        ("render/surface", rust_layout!(RenderParams { view_proj, eye })),
    ]
}

#[test]
fn rust_structs_match_their_wgsl_twins() {
    let failures: Vec<String> =
        twins().iter().filter_map(|(stage, rust)| common::wgsl_twin_mismatch(stage, rust)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn wall_stencil_length_matches_its_rust_twin() {
    let text = shader::FILES.iter().find(|(name, _)| *name == "wall/wall_shear").expect("wall/wall_shear").1;
    let line = text.lines().find(|l| l.starts_with("const WALL_STENCIL: u32 = ")).expect("const WALL_STENCIL");
    let value: usize = line.trim_start_matches("const WALL_STENCIL: u32 = ").trim_end_matches("u;").parse().unwrap();
    assert_eq!(value, hemoflow::solver::wall_shear::WALL_STENCIL, "WALL_STENCIL: WGSL {value}, Rust");
}

/// `const NAME: type = value;` lines of embedded file `file`.
fn wgsl_constants(file: &str) -> Vec<(String, f64)> {
    let text = shader::FILES.iter().find(|(name, _)| *name == file).unwrap_or_else(|| panic!("{file}")).1;
    text.lines()
        .filter_map(|l| l.strip_prefix("const "))
        .filter_map(|l| {
            let (name, rest) = l.split_once(':')?;
            let value = rest.split_once('=')?.1.trim().trim_end_matches(';').trim_end_matches('u');
            Some((name.trim().to_string(), value.parse().ok()?))
        })
        .collect()
}

#[test]
fn grid_constants_match_their_rust_twins() {
    use hemoflow::grid::index::{ALIGN_CELLS, BRICK, FACE_SLOTS};
    let wgsl = wgsl_constants("shared/grid");
    let rust = [
        ("BRICK", BRICK as f64),
        ("BRICK_BITS", BRICK.ilog2() as f64),
        ("FACE_SLOTS", FACE_SLOTS as f64),
        ("ALIGN_CELLS", ALIGN_CELLS as f64),
    ];
    for (name, value) in rust {
        let found = wgsl.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
        assert_eq!(found, Some(value), "shared/grid {name}: WGSL {found:?}, Rust {value}");
    }
}

#[test]
fn geometry_record_constants_match_their_rust_twins() {
    use hemoflow::solver::boundary::codes;
    use hemoflow::solver::layout::{geom, WALL_STRIDE};
    // The wall part's, written in shared/cells.
    let wgsl = wgsl_constants("shared/cells");
    let rust: &[(&str, f64)] = &[
        ("GEOM_WALL_STRIDE", WALL_STRIDE as f64),
        ("GEOM_FACE", geom::FACE as f64),
        ("GEOM_VOLUME", geom::VOLUME as f64),
    ];
    for (name, value) in rust {
        let found = wgsl.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
        assert_eq!(found, Some(*value), "shared/cells {name}: WGSL {found:?}, Rust {value}");
    }
    for (name, _) in wgsl.iter().filter(|(n, _)| n.starts_with("GEOM_") || n.starts_with("BC_")) {
        assert!(rust.iter().any(|(n, _)| n == name), "shared/cells {name} has no Rust twin in this test");
    }
    // The boundary part's and the types, generated by build.rs into shared/boundary from
    // solver::boundary::codes: all of them, with the values the Rust gives them.
    let generated = wgsl_constants("shared/boundary");
    let rust: Vec<(String, f64)> = vec![
        ("BC_NONE", codes::NONE as f64),
        ("BC_INLET", codes::INLET as f64),
        ("BC_OUTLET", codes::OUTLET as f64),
        ("BC_MOVING", codes::MOVING as f64),
        ("GEOM_BC_STRIDE", codes::STRIDE as f64),
        ("GEOM_BC_TYPE", codes::TYPE as f64),
        ("GEOM_BC_OPEN", codes::OPEN as f64),
        ("GEOM_BC_NORMAL", codes::NORMAL as f64),
        ("GEOM_BC_VELOCITY", codes::VELOCITY as f64),
        ("GEOM_BC_COEFFICIENT", codes::COEFFICIENT as f64),
        ("GEOM_BC_PRESSURE", codes::PRESSURE as f64),
        ("GEOM_BC_CAP_SIDES", codes::CAP_SIDES as f64),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_string(), v))
    .collect();
    assert_eq!(generated, rust, "shared/boundary vs solver::boundary::codes");
}

/// The shaders are compiled without wgpu's loop bounding (`gpu::context::SHADER_CHECKS`), whose
/// contract is that no loop runs forever. So every loop must be a `for` whose counter counts up
/// by one to a constant, or halves down to zero, and is not assigned in the body; `while` and
/// `loop` are not used.
#[test]
fn every_loop_counts_to_a_constant() {
    let is_constant = |s: &str| {
        let s = s.trim();
        !s.is_empty() && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "_u/*+ ".contains(c))
    };
    let mut failures = Vec::new();
    for (name, text) in shader::FILES {
        let code: String = text.lines().map(|l| l.split("//").next().unwrap()).collect::<Vec<_>>().join("\n");
        for word in ["while", "loop"] {
            if code.split(|c: char| !c.is_alphanumeric() && c != '_').any(|w| w == word) {
                failures.push(format!("{name}: uses `{word}`"));
            }
        }
        let mut rest = code.as_str();
        while let Some(at) = rest.find("for (") {
            let header_start = at + "for (".len();
            let header_len = rest[header_start..].find(')').expect("a for header ends with )");
            let header = &rest[header_start..header_start + header_len];
            let parts: Vec<&str> = header.split(';').map(str::trim).collect();
            let counter = parts[0].strip_prefix("var ").and_then(|s| s.split('=').next()).map(str::trim);
            let ok = match (counter, parts.as_slice()) {
                (Some(v), [_, cond, step]) => {
                    let up = cond.strip_prefix(v).and_then(|c| c.trim().strip_prefix('<')).is_some_and(is_constant)
                        && *step == format!("{v}++");
                    let halves = *cond == format!("{v} > 0u") && *step == format!("{v} = {v} / 2u");
                    // The body, to its matching brace, must not assign the counter.
                    let body = &rest[header_start + header_len..];
                    let mut depth = 0;
                    let end = body
                        .char_indices()
                        .find(|&(_, c)| {
                            depth += match c {
                                '{' => 1,
                                '}' => -1,
                                _ => 0,
                            };
                            c == '}' && depth == 0
                        })
                        .map_or(body.len(), |(i, _)| i);
                    let assigned = assigns(&body[..end], v);
                    (up || halves) && !assigned
                }
                _ => false,
            };
            if !ok {
                failures.push(format!("{name}: loop `for ({header})` does not count to a constant"));
            }
            rest = &rest[header_start + header_len..];
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Whether `code` assigns variable `v` (`v =`, `v++`, `v +=`, ...), `v` taken as a whole word.
fn assigns(code: &str, v: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(v).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + v.len()..].trim_start();
        !before.is_some_and(word)
            && !after.starts_with(word)
            && (after.starts_with("++")
                || after.starts_with("--")
                || (after.starts_with('=') && !after.starts_with("=="))
                || ["+=", "-=", "*=", "/="].iter().any(|op| after.starts_with(op)))
    })
}
