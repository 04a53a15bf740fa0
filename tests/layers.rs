//! The layers of the library, read from its source: a module never uses a higher layer,
//! only `cli.rs` names clap, and sibling modules never use each other in a circle. Layers,
//! lowest first: (error, origin, time) < pki < netsuite < store < commands < cli < main.
//! A command's renderer is its child module (expiry/report.rs): the child uses the parent's
//! types and the parent calls the child, which is not a circle between siblings.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A top-level module and its layer (higher numbers may use lower ones).
fn layer(top: &str) -> Option<u8> {
    Some(match top {
        "error" | "origin" | "time" => 0,
        "pki" => 1,
        "netsuite" => 2,
        "store" => 3,
        "commands" => 4,
        "cli" => 5,
        _ => return None,
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under src/: `src/commands/verify/text.rs` ->
/// `["commands", "verify", "text"]`, `src/pki/mod.rs` -> `["pki"]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code of a file without its comments (doc comments name modules in prose).
fn code(file: &Path) -> String {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| l.split(" // ").next().unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module path a file names: `crate::a::b`, `crate::a::{b, c}`, `super::b`.
fn references(module: &[String], code: &str) -> BTreeSet<Vec<String>> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    for (start, _) in code.match_indices("crate::") {
        let rest = &code[start + "crate::".len()..];
        let top = ident(rest);
        let after = &rest[top.len()..];
        if let Some(inner) = after.strip_prefix("::{") {
            for item in inner.split('}').next().unwrap_or("").split(',') {
                let item = ident(item.trim());
                if !item.is_empty() {
                    found.insert(vec![top.clone(), item]);
                }
            }
        } else if let Some(next) = after.strip_prefix("::") {
            found.insert(vec![top.clone(), ident(next)]);
        } else {
            found.insert(vec![top]);
        }
    }
    for (start, _) in code.match_indices("super::") {
        // `super::` from a file's module reaches its parent.
        if start > 0 && code[..start].ends_with("::") {
            continue;
        }
        let mut path: Vec<String> = module.to_vec();
        path.pop();
        let name = ident(&code[start + "super::".len()..]);
        if !name.is_empty() && name != "super" {
            path.push(name);
        }
        found.insert(path);
    }
    found
}

struct Module {
    path: Vec<String>,
    file: PathBuf,
    code: String,
}

fn modules() -> Vec<Module> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .filter(|f| {
            f.file_name()
                .is_some_and(|n| n != "lib.rs" && n != "main.rs")
        })
        .map(|f| Module {
            path: module_path(&src, &f),
            code: code(&f),
            file: f,
        })
        .collect()
}

#[test]
fn no_module_uses_a_higher_layer() {
    let mut bad = Vec::new();
    let mut checked = 0;
    for m in modules() {
        let Some(own) = layer(&m.path[0]) else {
            panic!("{}: not in any layer", m.file.display());
        };
        for r in references(&m.path, &m.code) {
            let Some(theirs) = r.first().and_then(|t| layer(t)) else {
                continue;
            };
            checked += 1;
            if theirs > own {
                bad.push(format!("{} uses {}", m.file.display(), r.join("::")));
            }
        }
    }
    assert!(bad.is_empty(), "layer violations:\n{}", bad.join("\n"));
    assert!(
        checked > 100,
        "too few references found ({checked}): is the parser broken?"
    );
}

#[test]
fn only_cli_knows_clap() {
    let mut bad = Vec::new();
    for m in modules() {
        if m.path[0] == "cli" {
            assert!(m.code.contains("clap::"), "cli.rs uses clap");
            continue;
        }
        if m.code.contains("clap::")
            || m.code.contains("clap_complete")
            || m.code.contains("clap_mangen")
        {
            bad.push(m.file.display().to_string());
        }
    }
    assert!(bad.is_empty(), "clap outside cli.rs: {bad:?}");
}

/// The node a module counts as for circles: a command's renderer is part of its command,
/// so nodes are the modules two levels down (`commands::verify`, `pki::key`, `error`).
fn node(path: &[String]) -> Vec<String> {
    path.iter().take(2).cloned().collect()
}

#[test]
fn sibling_modules_form_no_circle() {
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for m in modules() {
        let from = node(&m.path);
        for r in references(&m.path, &m.code) {
            let to = node(&r);
            // Parent and child (commands and commands::verify) are not siblings.
            if to == from || to.starts_with(&from) || from.starts_with(&to) {
                continue;
            }
            edges.entry(from.clone()).or_default().insert(to);
        }
    }
    // Depth-first search for a back edge.
    fn visit(
        n: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        state.insert(n.clone(), 1);
        stack.push(n.clone());
        for next in edges.get(n).into_iter().flatten() {
            match state.get(next) {
                Some(1) => {
                    let at = stack.iter().position(|s| s == next).unwrap_or(0);
                    let mut circle = stack[at..].to_vec();
                    circle.push(next.clone());
                    return Some(circle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(next, edges, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in edges.keys() {
        if state.contains_key(n) {
            continue;
        }
        if let Some(circle) = visit(n, &edges, &mut state, &mut Vec::new()) {
            let names: Vec<String> = circle.iter().map(|p| p.join("::")).collect();
            panic!("modules in a circle: {}", names.join(" -> "));
        }
    }
    assert!(
        edges.len() > 15,
        "too few modules with references: {}",
        edges.len()
    );
}

/// The checks above must be able to fail: a lower layer naming a higher one is caught.
#[test]
fn the_layer_check_catches_a_violation() {
    let refs = references(
        &["pki".to_string(), "key".to_string()],
        "use crate::commands::preflight;\nuse crate::store::{read, write};\nuse super::pem;",
    );
    let layers: Vec<Option<u8>> = refs.iter().map(|r| layer(&r[0])).collect();
    assert!(layers.contains(&Some(4)) && layers.contains(&Some(3)));
    assert!(refs.contains(&vec!["store".to_string(), "write".to_string()]));
    assert!(refs.contains(&vec!["pki".to_string(), "pem".to_string()]));
}
