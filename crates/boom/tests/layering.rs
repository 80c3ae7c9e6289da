//! The files of `src/game` form layers: each uses only the files its row of
//! the table in `src/game/mod.rs` lists, all of them above it, and no two
//! files use each other, even through others. A file's tests may use any
//! file above it.
//!
//! What a file uses is read from its source: `super::NAME` paths outside
//! its test module (its `use super::…` lines and any path in code) and
//! `crate::game::NAME` paths anywhere, where a name re-exported by
//! `mod.rs` stands for the file that defines it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One row of the table: a file, and the files it may use (`None`: any
/// file above it).
struct Row {
    file: String,
    uses: Option<BTreeSet<String>>,
}

/// The table's rows, top to bottom. A row reads
/// `//! | `file` | what it holds | uses |`, the uses being `—`, names
/// separated by commas, or `everything above`.
fn table(mod_rs: &str) -> Vec<Row> {
    mod_rs
        .lines()
        .filter_map(|line| line.strip_prefix("//! | `"))
        .filter_map(|row| {
            let (file, rest) = row.split_once('`')?;
            let uses = rest
                .trim_end()
                .strip_suffix('|')?
                .rsplit('|')
                .next()?
                .trim();
            let uses = match uses {
                "everything above" => None,
                "—" => Some(BTreeSet::new()),
                names => Some(names.split(',').map(|n| n.trim().to_owned()).collect()),
            };
            Some(Row {
                file: file.to_owned(),
                uses,
            })
        })
        .collect()
}

/// The names `mod.rs` re-exports, each with the file that defines it
/// (`pub use file::{A, B};` and `pub use file::A;`).
fn reexports(mod_rs: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for line in mod_rs.lines() {
        let Some(path) = line.strip_prefix("pub use ") else {
            continue;
        };
        let path = path.trim_end_matches(';');
        let Some((file, items)) = path.split_once("::") else {
            continue;
        };
        for item in items.trim_matches(|c| c == '{' || c == '}').split(',') {
            names.insert(item.trim().to_owned(), file.to_owned());
        }
    }
    names
}

/// The first segment of each path after every `prefix` in `code`: `a` in
/// `prefix a::B` and both `a` and `b` in `prefix {a::B, b}`.
fn heads_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut heads = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        let rest = &code[at + prefix.len()..];
        let entries = if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .find(|c| {
                    depth += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .unwrap_or(group.len());
            top_level_entries(&group[..end])
        } else {
            vec![rest]
        };
        for entry in entries {
            let head: String = entry
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !head.is_empty() {
                heads.insert(head);
            }
        }
    }
    heads
}

/// The comma-separated entries of a group, not splitting inside braces.
fn top_level_entries(group: &str) -> Vec<&str> {
    let (mut entries, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                entries.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    entries.push(&group[start..]);
    entries
}

/// What a file uses, from its source: (its code's uses, its tests' uses).
fn uses(source: &str, files: &BTreeSet<String>, names: &BTreeMap<String, String>) -> Uses {
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let (main, tests) = code.split_once("#[cfg(test)]").unwrap_or((&code, ""));
    let file_of = |name: String| names.get(&name).cloned().unwrap_or(name);
    let mut code_uses: BTreeSet<String> = heads_after(main, "super::");
    code_uses.extend(heads_after(main, "crate::game::").into_iter().map(file_of));
    let test_uses = heads_after(tests, "crate::game::").into_iter().map(file_of);
    Uses {
        code: code_uses
            .into_iter()
            .filter(|f| files.contains(f))
            .collect(),
        tests: test_uses.collect(),
    }
}

struct Uses {
    code: BTreeSet<String>,
    tests: BTreeSet<String>,
}

/// A cycle in `graph` (file → files it uses), as the files along it, if
/// there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        file: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(file) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = path.iter().position(|f| f == file).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(file.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(file.to_owned(), Mark::Open);
        path.push(file.to_owned());
        for next in graph.get(file).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(file.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|file| visit(file, graph, &mut marks, &mut Vec::new()))
}

#[test]
fn game_files_use_only_the_files_above_them_and_never_each_other() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/game");
    let mod_rs = std::fs::read_to_string(dir.join("mod.rs")).unwrap();
    let rows = table(&mod_rs);
    let names = reexports(&mod_rs);
    let mut files = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(file) = name.strip_suffix(".rs")
            && file != "mod"
        {
            files.insert(file.to_owned());
        }
    }
    let listed: BTreeSet<String> = rows.iter().map(|r| r.file.clone()).collect();
    assert_eq!(
        listed, files,
        "the table must list every file of src/game once"
    );
    assert_eq!(rows.len(), files.len(), "a file is listed twice");

    let mut problems = Vec::new();
    let mut graph = BTreeMap::new();
    for (layer, row) in rows.iter().enumerate() {
        let above: BTreeSet<String> = rows[..layer].iter().map(|r| r.file.clone()).collect();
        let source = std::fs::read_to_string(dir.join(format!("{}.rs", row.file))).unwrap();
        let uses = uses(&source, &files, &names);
        let allowed = row.uses.clone().unwrap_or_else(|| above.clone());
        for listed in allowed.difference(&above) {
            problems.push(format!(
                "{} lists {listed}, which is not above it",
                row.file
            ));
        }
        for used in uses.code.difference(&allowed) {
            problems.push(format!(
                "{} uses {used}, which its row does not list",
                row.file
            ));
        }
        for used in uses.tests.difference(&above) {
            problems.push(format!(
                "the tests of {} use {used}, not above it",
                row.file
            ));
        }
        let all: BTreeSet<String> = uses.code.union(&uses.tests).cloned().collect();
        graph.insert(row.file.clone(), all);
    }
    if let Some(cycle) = find_cycle(&graph) {
        problems.push(format!("files use each other: {}", cycle.join(" -> ")));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_reader_finds_what_a_file_uses_and_the_check_finds_a_cycle() {
    let files: BTreeSet<String> = ["a", "b", "c", "d"].map(String::from).into();
    let names = reexports("pub use d::{Thing, Other};\npub use c::Alone;\n");
    let source = "\
use super::a::X;
use super::{b::{Y, Z}, c};
// use super::nothing;
fn f() { let _ = crate::game::Thing; }
#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{Alone, a::W};
}
";
    let found = uses(source, &files, &names);
    assert_eq!(found.code, ["a", "b", "c", "d"].map(String::from).into());
    assert_eq!(found.tests, ["a", "c"].map(String::from).into());

    let rows =
        table("//! | `a` | x | — |\n//! | `b` | y | a, c |\n//! | `c` | z | everything above |\n");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1].uses, Some(["a", "c"].map(String::from).into()));
    assert_eq!(rows[2].uses, None);

    let graph = |edges: &[(&str, &str)]| {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in edges {
            graph
                .entry(from.to_string())
                .or_default()
                .insert(to.to_string());
        }
        graph
    };
    assert_eq!(find_cycle(&graph(&[("a", "b"), ("b", "c")])), None);
    let cycle = find_cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")]));
    assert_eq!(cycle.unwrap().join(" -> "), "a -> b -> c -> a");
}
