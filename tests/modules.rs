//! The crate's modules form layers: no top-level module may reach, through `crate::` paths, a
//! module that reaches back to it. A cycle is how "one method = one file" decays (a checkpoint
//! that knows the methods while every method knows the checkpoint), so this test names the first
//! cycle it finds, module by module, with a line that makes each step.
//!
//! What counts: every `crate::name` path (in `use` or inline) outside comments and outside the
//! `#[cfg(test)]` tail of a file, from any file of a top-level module (`src/name.rs` or
//! `src/name/**`) to another top-level module. `lib.rs` (the root, which declares them all) and
//! `main.rs` (the CLI, a separate crate) are not modules of the layering.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `source` without `//` comments, cut where its tests begin.
fn code(source: &str) -> String {
    let body = source.split("#[cfg(test)]").next().unwrap_or_default();
    body.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules named in `crate::` paths of `code`, with the line of the first mention
/// of each, e.g. `crate::methods::{..}` and `crate::{data::X, eval}` forms.
fn uses(code: &str, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for line in code.lines() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            // `crate::{a::X, b}`: every name at the start of a path in the braces.
            let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                group[..end]
                    .split(',')
                    .map(|p| p.trim().split("::").next().unwrap_or_default())
                    .collect()
            } else {
                vec![
                    rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or_default(),
                ]
            };
            for name in names {
                if modules.contains(name) {
                    found
                        .entry(name.to_string())
                        .or_insert_with(|| line.trim().to_string());
                }
            }
        }
    }
    found
}

/// The first cycle between the top-level modules of the crate whose sources are in `src`, one
/// line per step, or `None`.
fn first_cycle(src: &Path) -> Option<String> {
    let mut all = Vec::new();
    files(src, &mut all);
    let module_of = |path: &Path| -> Option<String> {
        let relative = path.strip_prefix(src).ok()?;
        let first = relative.components().next()?.as_os_str().to_str()?;
        let name = first.trim_end_matches(".rs");
        (name != "lib" && name != "main").then(|| name.to_string())
    };
    let modules: BTreeSet<String> = all.iter().filter_map(|p| module_of(p)).collect();
    // module -> (module it uses -> where).
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for path in &all {
        let Some(module) = module_of(path) else {
            continue;
        };
        let source = fs::read_to_string(path).unwrap();
        let edges = graph.entry(module.clone()).or_default();
        for (used, line) in uses(&code(&source), &modules) {
            if used != module {
                let shown = path.strip_prefix(src).unwrap().display();
                edges.entry(used).or_insert(format!("{shown}: {line}"));
            }
        }
    }
    // Depth-first search; a grey node met again closes a cycle.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeMap<String, String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flat_map(|e| e.keys()) {
            match state.get(next.as_str()) {
                Some(1) => {
                    let start = path.iter().position(|n| n == next).unwrap();
                    let mut cycle = path[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(cycle) = visit(next, graph, state, path) {
                        return Some(cycle);
                    }
                }
            }
        }
        path.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for module in graph.keys() {
        if state.contains_key(module.as_str()) {
            continue;
        }
        if let Some(cycle) = visit(module, &graph, &mut state, &mut Vec::new()) {
            let steps: Vec<String> = cycle
                .windows(2)
                .map(|w| format!("  {} -> {}   ({})", w[0], w[1], graph[&w[0]][&w[1]]))
                .collect();
            return Some(steps.join("\n"));
        }
    }
    None
}

#[test]
fn no_module_reaches_back_to_itself() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    assert!(src.join("methods").is_dir() && src.join("session.rs").is_file());
    if let Some(cycle) = first_cycle(&src) {
        panic!(
            "an import cycle between modules:\n{cycle}\nmove the shared piece down (or its user up) so that one of these goes"
        );
    }
}

/// The checker itself finds a cycle, and reads grouped and inline paths.
#[test]
fn the_check_sees_grouped_inline_and_commented_paths() {
    let modules: BTreeSet<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    let source =
        "use crate::{a::X, b};\nfn f() { crate::c::g(); } // crate::d\n#[cfg(test)]\nuse crate::z;";
    let found = uses(&code(source), &modules);
    assert_eq!(found.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
}

/// A two-module cycle through a submodule file is found and named.
#[test]
fn the_check_finds_a_cycle() {
    let dir = std::env::temp_dir().join(format!("modules-check-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("a")).unwrap();
    fs::write(dir.join("a/mod.rs"), "pub mod inner;\n").unwrap();
    fs::write(dir.join("a/inner.rs"), "use crate::b::B;\n").unwrap();
    fs::write(dir.join("b.rs"), "pub fn f() { crate::a::g() }\n").unwrap();
    fs::write(dir.join("c.rs"), "use crate::b;\n").unwrap();
    let cycle = first_cycle(&dir);
    fs::remove_dir_all(&dir).unwrap();
    let cycle = cycle.expect("a -> b -> a is a cycle");
    assert!(
        cycle.contains("a -> b") && cycle.contains("b -> a"),
        "{cycle}"
    );
    assert!(cycle.contains("a/inner.rs: use crate::b::B;"), "{cycle}");
}
