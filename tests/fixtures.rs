//! Runs every fixture under `fixtures/<rule>/` and compares the findings with the
//! `//~ rule` annotations (DESIGN §5). Any missing or unexpected finding fails, with a
//! readable list of differences. Fixture crates under `fixtures/workspaces/<name>/` (a
//! Cargo workspace each) are linted in workspace mode, as `cargo leaklint` would.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use leaklint::discover;
use leaklint::lint::{self, run_texts, Options};

/// `(line, rule)` pairs a fixture's annotations expect.
fn expected(text: &str) -> BTreeSet<(usize, String)> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let Some(pos) = line.find("//~") else { continue };
        let rest = &line[pos + 3..];
        let carets = rest.chars().take_while(|&c| c == '^').count();
        let target = i + 1 - carets;
        for rule in rest[carets..].split_whitespace() {
            out.insert((target, rule.to_string()));
        }
    }
    out
}

fn actual(path: &Path, text: &str) -> BTreeSet<(usize, String)> {
    let name = path.display().to_string();
    let options = Options { include_tests: text.contains("//@ include-tests"), ..Options::default() };
    let run = run_texts(vec![(name, text.to_string())], &options);
    let file = run.db.files().next().expect("one file").1;
    run.diagnostics.iter().map(|d| (file.line_col(d.primary.span.lo as usize).line, d.rule.to_string())).collect()
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The single-file fixtures (`fixtures/<rule>/*.rs`).
fn fixture_files() -> Vec<PathBuf> {
    let workspaces = fixtures_dir().join("workspaces");
    rust_files(&fixtures_dir()).into_iter().filter(|p| !p.starts_with(&workspaces)).collect()
}

fn rust_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
}

#[test]
fn fixtures_match_their_annotations() {
    let files = fixture_files();
    assert!(!files.is_empty(), "no fixtures found");
    let mut report = String::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("fixture is readable");
        compare(path, &text, &actual(path, &text), &mut report);
    }
    assert!(report.is_empty(), "fixture findings differ from annotations:\n{report}");
}

/// Adds to `report` every annotation of `path` that `got` lacks, and every finding of
/// `got` that no annotation expects.
fn compare(path: &Path, text: &str, got: &BTreeSet<(usize, String)>, report: &mut String) {
    let want = expected(text);
    let lines: Vec<&str> = text.lines().collect();
    let show = |(line, rule): &(usize, String)| {
        format!("{}:{line}: {rule}    | {}", path.display(), lines.get(line - 1).unwrap_or(&"").trim())
    };
    for missing in want.difference(got) {
        report.push_str(&format!("missing     {}\n", show(missing)));
    }
    for extra in got.difference(&want) {
        report.push_str(&format!("unexpected  {}\n", show(extra)));
    }
}

/// Each fixture workspace, linted from its root as `cargo leaklint` does: every `.rs`
/// file under it must get exactly the findings its annotations name (none for files no
/// target reaches).
#[test]
fn fixture_workspaces_match_their_annotations() {
    let roots: Vec<PathBuf> = std::fs::read_dir(fixtures_dir().join("workspaces"))
        .expect("fixtures/workspaces exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    assert!(!roots.is_empty(), "no fixture workspaces");
    let mut report = String::new();
    for root in roots {
        let discovery = discover::from_workspace(&root).expect("a workspace");
        let options = Options { display_root: discovery.workspace_root.clone(), ..Options::default() };
        let run = lint::run(&discovery.inputs, &options);
        for path in rust_files(&root) {
            let got = findings_in(&run, &path);
            let text = std::fs::read_to_string(&path).expect("fixture is readable");
            compare(&path, &text, &got, &mut report);
        }
    }
    assert!(report.is_empty(), "fixture workspace findings differ from annotations:\n{report}");
}

/// The editions fixture workspace linted file by file (explicit paths, as pre-commit does):
/// each file's edition then comes from its own `Cargo.toml`, read by leaklint, also when
/// inherited from the workspace; the findings must be the same as in workspace mode.
#[test]
fn editions_are_read_from_manifests_in_explicit_path_mode() {
    let root = fixtures_dir().join("workspaces").join("editions");
    let files = rust_files(&root);
    let discovery = discover::from_paths(&files);
    let run = lint::run(&discovery.inputs, &Options::default());
    let mut report = String::new();
    for path in files {
        let got = findings_in(&run, &path);
        let text = std::fs::read_to_string(&path).expect("fixture is readable");
        compare(&path, &text, &got, &mut report);
    }
    assert!(report.is_empty(), "explicit-path findings differ from annotations:\n{report}");
}

/// `(line, rule)` of every finding whose primary span is in `path`.
fn findings_in(run: &lint::Run, path: &Path) -> BTreeSet<(usize, String)> {
    run.diagnostics
        .iter()
        .filter(|d| run.db.get(d.primary.span.file).path == path)
        .map(|d| {
            let file = run.db.get(d.primary.span.file);
            (file.line_col(d.primary.span.lo as usize).line, d.rule.to_string())
        })
        .collect()
}

#[test]
fn every_rule_has_enough_fixture_cases() {
    for rule in leaklint::rules::all() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rule.meta.id);
        let positives: usize = fixture_files()
            .iter()
            .filter(|p| p.starts_with(&dir))
            .map(|p| expected(&std::fs::read_to_string(p).expect("readable")).len())
            .sum();
        assert!(positives >= 25, "{}: only {positives} positive fixture cases", rule.meta.id);
    }
}

#[test]
fn annotations_are_parsed_with_carets_and_several_rules() {
    let text = "a //~ x y\nb\n//~^ z\n//~^^ w\n";
    let got: Vec<_> = expected(text).into_iter().collect();
    assert_eq!(got, [(1, "x".into()), (1, "y".into()), (2, "w".into()), (2, "z".into())]);
}
