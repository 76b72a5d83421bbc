//! The crate's layout follows the pipeline: a module imports only modules before it (mesh ->
//! grid -> solver -> io -> post, with the device layer `gpu` under the solver and the drivers
//! `run`, `bench` and `verify` on top). Checked on the code (comments and docs aside): a new
//! import the wrong way fails here, naming the file and line.

use std::path::Path;

/// Each module's rank: a module may import those of lower rank only.
const RANKS: [(&str, u32); 14] = [
    ("mesh", 0),
    ("grid", 1),
    ("gpu", 2),
    ("solver", 3),
    ("physio", 4),
    ("centerline", 4),
    ("io", 4),
    ("verify", 4),
    ("case", 5),
    ("post", 5),
    ("stent", 6),
    ("bench", 7),
    ("run", 7),
    ("lib", 8),
];

fn rank(module: &str) -> u32 {
    RANKS.iter().find(|(m, _)| *m == module).unwrap_or_else(|| panic!("module {module} has no rank in RANKS")).1
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn modules_import_only_modules_before_them_in_the_pipeline() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut wrong = Vec::new();
    let mut checked = 0;
    for path in &all {
        let rel = path.strip_prefix(&src).unwrap();
        let first = rel.iter().next().unwrap().to_str().unwrap();
        let module = first.trim_end_matches(".rs");
        if module == "main" || module == "cli" {
            continue; // the command: above everything
        }
        let own = rank(module);
        let text = std::fs::read_to_string(path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for (at, _) in code.match_indices("crate::") {
                let used: String =
                    code[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                checked += 1;
                if used != module && rank(&used) >= own {
                    wrong.push(format!("src/{}:{}: {module} imports {used}", rel.display(), i + 1));
                }
            }
        }
    }
    println!("{checked} crate paths checked in {} files", all.len());
    assert!(wrong.is_empty(), "imports against the pipeline:\n{}", wrong.join("\n"));
}
