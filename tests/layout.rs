//! The crate's layout follows the pipeline: a module imports only modules before it (mesh ->
//! grid -> solver -> io -> post, with the device layer `gpu` under the solver and the drivers
//! `run`, `bench` and `verify` on top). Checked on the code (comments and docs aside): a new
//! import the wrong way fails here, naming the file and line. Within the modules, no two files
//! import each other through `crate::`, `super::` or `self::` paths (in a folder, say, `camera.rs`
//! using `render.rs` and `render.rs` using `camera.rs`): what both need goes in a file below them.

use std::path::Path;

/// Each module's rank: a module may import those of lower rank only.
const RANKS: [(&str, u32); 15] = [
    ("mesh", 0),
    ("grid", 1),
    ("comm", 2),
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

/// A file's code with its comments and the insides of its string and character literals blanked
/// out (newlines kept, so that byte offsets still give line numbers).
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to.min(b.len())] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < b.len() {
        let next = b.get(i + 1).copied();
        match b[i] {
            b'/' if next == Some(b'/') => {
                let end = b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |p| i + p);
                blank(&mut out, i, end);
                i = end;
            }
            b'/' if next == Some(b'*') => {
                let (mut depth, mut j) = (1, i + 2);
                while j < b.len() && depth > 0 {
                    if b[j..].starts_with(b"/*") {
                        (depth, j) = (depth + 1, j + 2);
                    } else if b[j..].starts_with(b"*/") {
                        (depth, j) = (depth - 1, j + 2);
                    } else {
                        j += 1;
                    }
                }
                blank(&mut out, i, j);
                i = j;
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                blank(&mut out, i + 1, j);
                i = j + 1;
            }
            // A raw string: r"..." or r#"..."# (also after b), not the end of an identifier.
            b'r' if (i == 0 || !ident(b[i - 1]) || (b[i - 1] == b'b' && (i == 1 || !ident(b[i - 2]))))
                && matches!(next, Some(b'"' | b'#')) =>
            {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + 1 + hashes) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let mut close = vec![b'"'];
                close.extend(std::iter::repeat_n(b'#', hashes));
                let start = i + 2 + hashes;
                let end = b[start..].windows(close.len()).position(|w| w == close).map_or(b.len(), |p| start + p);
                blank(&mut out, start, end);
                i = end + close.len();
            }
            // A character literal ('x', '\n', '"'), not a lifetime or a label ('a).
            b'\'' => {
                let width = match next {
                    // '\n', '\'', '\u{..}': the closing quote comes after the escape's second byte.
                    Some(b'\\') => b.get(i + 3..).and_then(|r| r.iter().position(|&c| c == b'\'')).map_or(0, |p| p + 2),
                    Some(c) => {
                        let w = if c < 0x80 { 1 } else { c.leading_ones() as usize };
                        if b.get(i + 1 + w) == Some(&b'\'') {
                            w
                        } else {
                            0
                        }
                    }
                    None => 0,
                };
                blank(&mut out, i + 1, i + 1 + width);
                i += 1 + width + usize::from(width > 0);
            }
            _ => i += 1,
        }
    }
    String::from_utf8(out).expect("whole characters were blanked")
}

/// The tokens of blanked code with their byte offsets: identifiers, `::`, single characters.
fn tokens(code: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut chars = code.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut end = at + c.len_utf8();
        if c.is_alphanumeric() || c == '_' {
            while let Some(&(n, d)) = chars.peek() {
                if !(d.is_alphanumeric() || d == '_') {
                    break;
                }
                end = n + d.len_utf8();
                chars.next();
            }
        } else if c == ':' && chars.peek().is_some_and(|&(_, d)| d == ':') {
            chars.next();
            end += 1;
        }
        out.push((at, &code[at..end]));
    }
    out
}

/// The paths of a use tree (or of a plain path) starting at token `i`: `super::{a::B, c::{self,
/// D}}` gives [super, a, B], [super, c, self] and [super, c, D]; and the token after it.
fn use_tree(t: &[(usize, &str)], mut i: usize) -> (Vec<Vec<String>>, usize) {
    let word = |s: &str| s.chars().all(|c| c.is_alphanumeric() || c == '_');
    let mut prefix: Vec<String> = Vec::new();
    while i < t.len() {
        if t[i].1 == "{" {
            let mut all = Vec::new();
            i += 1;
            while i < t.len() && t[i].1 != "}" {
                let (inner, j) = use_tree(t, i);
                all.extend(inner.into_iter().map(|p| [prefix.clone(), p].concat()));
                i = if t.get(j).is_some_and(|x| x.1 == ",") { j + 1 } else { j.max(i + 1) };
            }
            return (all, i + 1);
        }
        if !(word(t[i].1) || t[i].1 == "*") {
            break;
        }
        prefix.push(t[i].1.to_string());
        i += 1;
        if t.get(i).is_some_and(|x| x.1 == "::") {
            i += 1;
        } else {
            break;
        }
    }
    if t.get(i).is_some_and(|x| x.1 == "as") {
        i += 2;
    }
    (vec![prefix], i)
}

/// A path used in a file: where (byte offset), from which module (the file's, or an inline `mod
/// name { .. }` of it, such as `mod tests`), and the path's segments.
struct PathUse {
    at: usize,
    module: Vec<String>,
    path: Vec<String>,
}

/// The crate-relative paths (`crate::`, `super::`, `self::`) in `code` and the inline modules it
/// declares (module paths, `file_module` first), by walking the tokens and tracking `mod name {`.
fn scan(code: &str, file_module: &[String]) -> (Vec<PathUse>, Vec<Vec<String>>) {
    let t = tokens(code);
    let (mut uses, mut inline) = (Vec::new(), Vec::new());
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let here = |stack: &[(String, usize)]| -> Vec<String> {
        file_module.iter().cloned().chain(stack.iter().map(|s| s.0.clone())).collect()
    };
    let mut i = 0;
    while i < t.len() {
        let tok = t[i].1;
        let prev = if i > 0 { t[i - 1].1 } else { "" };
        let next = |k: usize| t.get(i + k).map_or("", |x| x.1);
        match tok {
            "{" => depth += 1,
            "}" => {
                if stack.last().is_some_and(|s| s.1 == depth) {
                    stack.pop();
                }
                depth = depth.saturating_sub(1);
            }
            "mod" if next(2) == "{" => {
                stack.push((next(1).to_string(), depth + 1));
                inline.push(here(&stack));
                i += 2;
                continue;
            }
            // Not `$crate::` (macros), `pub(in crate::x)` (visibility) or the middle of a path.
            "crate" | "super" | "self" if next(1) == "::" && !matches!(prev, "::" | "$" | "in") => {
                let (paths, j) = use_tree(&t, i);
                let module = here(&stack);
                uses.extend(paths.into_iter().map(|path| PathUse { at: t[i].0, module: module.clone(), path }));
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (uses, inline)
}

/// Pairs of files that import each other through crate-relative paths, one line per pair naming
/// both files and a line of each. `files`: (path relative to src/, text). Two crates: the library
/// (lib.rs) and the command (main.rs and the modules it declares, e.g. cli/).
fn mutual_imports(files: &[(String, String)]) -> (Vec<String>, usize) {
    use std::collections::{BTreeMap, HashMap};
    let main = files.iter().find(|f| f.0 == "main.rs").map_or(String::new(), |f| code_only(&f.1));
    let main_tokens = tokens(&main);
    let bin_mods: Vec<&str> =
        main_tokens.windows(3).filter(|w| w[0].1 == "mod" && w[2].1 == ";").map(|w| w[1].1).collect();
    let mut units = Vec::new();
    let mut modules: HashMap<(bool, Vec<String>), usize> = HashMap::new();
    for (n, (rel, text)) in files.iter().enumerate() {
        let mut module: Vec<String> = rel.split('/').map(|s| s.trim_end_matches(".rs").to_string()).collect();
        let bin = module[0] == "main" || bin_mods.contains(&module[0].as_str());
        if module.last().is_some_and(|m| m == "mod")
            || (module.len() == 1 && matches!(module[0].as_str(), "lib" | "main"))
        {
            module.pop();
        }
        let code = code_only(text);
        let (uses, inline) = scan(&code, &module);
        for m in inline {
            modules.insert((bin, m), n);
        }
        modules.insert((bin, module.clone()), n);
        units.push((bin, code, uses));
    }
    let line = |code: &str, at: usize| code[..at].matches('\n').count() + 1;
    // (importer, imported) -> line of the first such path in the importer.
    let mut edges: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut checked = 0;
    for (n, (bin, code, uses)) in units.iter().enumerate() {
        for u in uses {
            let mut at: Vec<String> = match u.path[0].as_str() {
                "crate" => Vec::new(),
                _ => u.module.clone(),
            };
            let mut rest = &u.path[1..];
            if u.path[0] == "super" {
                at.pop();
                while rest.first().is_some_and(|s| s == "super") {
                    at.pop();
                    rest = &rest[1..];
                }
            }
            for seg in rest.iter().filter(|s| *s != "self") {
                at.push(seg.clone());
                if !modules.contains_key(&(*bin, at.clone())) {
                    at.pop();
                    break;
                }
            }
            let Some(&target) = modules.get(&(*bin, at)) else { continue };
            checked += 1;
            if target != n {
                edges.entry((n, target)).or_insert_with(|| line(code, u.at));
            }
        }
    }
    let mut both = Vec::new();
    for (&(a, b), &la) in &edges {
        if let (true, Some(&lb)) = (a < b, edges.get(&(b, a))) {
            let (fa, fb) = (&files[a].0, &files[b].0);
            both.push(format!("src/{fa}:{la} imports src/{fb}, and src/{fb}:{lb} imports src/{fa}"));
        }
    }
    (both, checked)
}

#[test]
fn no_two_files_import_each_other() {
    // The check itself, on a small tree: nested folders, `super::super::`, use trees, an inline
    // `mod tests` (whose `super` is its own file; the code after it is the file's again), paths in
    // comments and strings (not imports), character literals (not lifetimes; braces in them).
    let tree: Vec<(String, String)> = [
        ("lib.rs", "pub mod a;"),
        ("a/mod.rs", "mod b;\nmod c;\nmod e;\npub use crate::a::e::E;"),
        ("a/b/mod.rs", "mod deep;\nuse crate::a::c::Thing;\nuse crate::a::e::E;"),
        ("a/b/deep.rs", "fn f() -> super::super::c::Thing {\n    todo!()\n}"),
        ("a/c.rs", "use super::{b::{self, deep::D}, e};\npub struct Thing;"),
        (
            "a/e.rs",
            r#"// use super::b;
const S: &str = "crate::a::b";
const Q: [char; 2] = ['"', '\''];
mod tests {
    use super::*;
    fn g() -> char {'\n'}
}
pub fn h() { super::f() }"#,
        ),
    ]
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .into();
    let (found, _) = mutual_imports(&tree);
    assert_eq!(
        found,
        [
            "src/a/mod.rs:4 imports src/a/e.rs, and src/a/e.rs:8 imports src/a/mod.rs",
            "src/a/b/mod.rs:2 imports src/a/c.rs, and src/a/c.rs:1 imports src/a/b/mod.rs",
            "src/a/b/deep.rs:1 imports src/a/c.rs, and src/a/c.rs:1 imports src/a/b/deep.rs",
        ],
        "the check on its example tree"
    );

    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    all.sort();
    let tree: Vec<(String, String)> = all
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(&src).unwrap().iter().map(|c| c.to_str().unwrap()).collect::<Vec<_>>();
            (rel.join("/"), std::fs::read_to_string(p).unwrap())
        })
        .collect();
    let (found, checked) = mutual_imports(&tree);
    println!("{checked} crate-relative paths resolved in {} files", tree.len());
    assert!(
        found.is_empty(),
        "files that import each other (move what both need into a file below them):\n{}",
        found.join("\n")
    );
}
