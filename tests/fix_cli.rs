//! `--fix` and `--diff` end to end: files are rewritten with exactly the reported
//! findings' fixes, a second run changes nothing, `--diff` writes nothing, a file edited
//! since it was linted is left alone, and suppressed or baselined findings stay unfixed.

mod support;

use std::path::{Path, PathBuf};

use leaklint::lint::{run_texts, Options};
use support::*;

/// A fixture with machine-applicable fixes.
const FIXTURE: &str = "fixtures/unclosed_channel/glob_import.rs";

/// Two hanging receive loops, the first one suppressed.
const ONE_SUPPRESSED: &str = "use std::sync::mpsc;
use std::thread;

pub fn kept(items: Vec<u32>) -> Vec<u32> {
    let (tx, rx) = mpsc::channel();
    for i in items {
        let tx = tx.clone();
        thread::spawn(move || tx.send(i).unwrap());
    }
    let mut out = Vec::new();
    // leaklint::allow(unclosed_channel): the test wants to see it hang
    for v in rx {
        out.push(v);
    }
    out
}

pub fn fixed(items: Vec<u32>) -> Vec<u32> {
    let (tx, rx) = mpsc::channel();
    for i in items {
        let tx = tx.clone();
        thread::spawn(move || tx.send(i).unwrap());
    }
    let mut out = Vec::new();
    for v in rx {
        out.push(v);
    }
    out
}
";

/// A copy of the fixture in a scratch directory.
fn fixture_copy(dir: &Path) -> PathBuf {
    let text = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)).expect("fixture");
    write(dir, "glob_import.rs", text)
}

/// `--format json` findings of `file`: (rule, message, whether it offers a fix).
fn findings(file: &Path) -> Vec<(String, String, bool)> {
    let out = run(leaklint().arg(file).args(["--format", "json"]));
    json_lines(&out.stdout)
        .iter()
        .map(|d| (text(d, "rule").to_string(), text(d, "message").to_string(), !d["fix"].is_null()))
        .collect()
}

#[test]
fn fix_rewrites_the_file_and_only_unfixable_findings_remain() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture_copy(dir.path());
    let before = findings(&file);
    let fixable = before.iter().filter(|f| f.2).count();
    assert!(fixable >= 2, "the fixture offers fixes: {before:?}");
    let original = std::fs::read_to_string(&file).unwrap();

    let out = run(leaklint().arg(&file).args(["--fix", "--format", "json"]));
    let remaining: Vec<_> = before.iter().filter(|f| !f.2).cloned().collect();
    assert_eq!(out.code, if remaining.is_empty() { 0 } else { 1 }, "{}", out.stderr);
    let summary = format!("leaklint: fixed {fixable} findings in 1 file ({} remaining)", remaining.len());
    assert!(out.stderr.contains(&summary), "{}", out.stderr);
    assert_eq!(json_lines(&out.stdout).len(), remaining.len(), "the report is of what remains: {}", out.stdout);

    let fixed = std::fs::read_to_string(&file).unwrap();
    assert_eq!(fixed.matches("drop(tx);").count(), original.matches("drop(tx);").count() + fixable);
    let after = findings(&file);
    assert!(after.iter().all(|f| f.0 != "parse_error"), "the fixed file parses:\n{fixed}");
    assert_eq!(after, remaining);
}

#[test]
fn a_second_fix_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture_copy(dir.path());
    run(leaklint().arg(&file).arg("--fix"));
    let once = std::fs::read(&file).unwrap();
    let again = run(leaklint().arg(&file).arg("--fix"));
    assert!(again.stderr.contains("leaklint: fixed 0 findings in 0 files"), "{}", again.stderr);
    assert_eq!(std::fs::read(&file).unwrap(), once, "byte-identical");
    let diff = run(leaklint().arg(&file).arg("--diff"));
    assert_eq!((diff.code, diff.stdout.as_str()), (0, ""), "{}", diff.stderr);
}

#[test]
fn diff_prints_the_fixes_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture_copy(dir.path());
    let original = std::fs::read(&file).unwrap();
    let out = run(leaklint().arg(&file).arg("--diff"));
    assert_eq!(out.code, 1, "a diff exits 1: {}", out.stderr);
    let name = file.display();
    assert!(out.stdout.starts_with(&format!("--- a/{name}\n+++ b/{name}\n@@ ")), "{}", out.stdout);
    assert!(out.stdout.contains("\n+    drop(tx);\n"), "{}", out.stdout);
    assert!(!out.stdout.contains("leaklint::unclosed_channel"), "only the diff: {}", out.stdout);
    assert!(out.stderr.contains("leaklint: would fix 2 findings in 1 file"), "{}", out.stderr);
    assert_eq!(std::fs::read(&file).unwrap(), original, "byte-identical");

    // Applying the diff gives what --fix writes.
    let fixed_copy = write(dir.path(), "copy/glob_import.rs", &original);
    run(leaklint().arg(&fixed_copy).arg("--fix"));
    let added: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("+ ")).map(|l| &l[1..]).collect();
    let fixed = std::fs::read_to_string(&fixed_copy).unwrap();
    assert!(added.iter().all(|l| fixed.contains(l)), "{fixed}");

    let clean = write(dir.path(), "clean.rs", CLEAN);
    let none = run(leaklint().arg(&clean).arg("--diff"));
    assert_eq!((none.code, none.stdout.as_str()), (0, ""), "{}", none.stderr);
}

#[test]
fn suppressed_allowed_and_baselined_findings_are_not_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "two.rs", ONE_SUPPRESSED);
    let out = run(leaklint().arg(&file).arg("--fix"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("leaklint: fixed 1 finding in 1 file (0 remaining)"), "{}", out.stderr);
    let fixed = std::fs::read_to_string(&file).unwrap();
    let (kept, rest) = fixed.split_once("pub fn fixed").unwrap();
    assert!(!kept.contains("drop(tx)"), "the suppressed loop is left alone:\n{fixed}");
    assert_eq!(rest.matches("drop(tx);").count(), 1, "{fixed}");

    let allowed = write(dir.path(), "allowed.rs", ONE_SUPPRESSED);
    let out = run(leaklint().arg(&allowed).args(["--fix", "--allow", "unclosed_channel"]));
    assert!(out.stderr.contains("fixed 0 findings"), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&allowed).unwrap(), ONE_SUPPRESSED);

    let baselined = fixture_copy(dir.path());
    let baseline = dir.path().join("baseline.json");
    run(leaklint().arg(&baselined).arg("--write-baseline").arg(&baseline));
    let before = std::fs::read(&baselined).unwrap();
    let out = run(leaklint().arg(&baselined).arg("--baseline").arg(&baseline).arg("--fix"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("fixed 0 findings"), "{}", out.stderr);
    assert_eq!(std::fs::read(&baselined).unwrap(), before);
}

#[test]
fn a_file_edited_since_it_was_linted_is_not_touched() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "two.rs", "// edited in the editor meanwhile\n");
    let name = file.display().to_string();
    // The run linted other text than the file now holds.
    let linted = run_texts(vec![(name.clone(), ONE_SUPPRESSED.to_string())], &Options::default());
    assert!(!leaklint::fix::plan(&linted.db, &linted.diagnostics).is_empty(), "there is a fix to apply");
    let outcome =
        leaklint::fix::fix_files(linted, || panic!("nothing was written, nothing to lint again")).expect("fixing runs");
    assert_eq!((outcome.fixed, outcome.files.len()), (0, 0));
    assert_eq!(outcome.warnings, [format!("`{name}` changed since leaklint read it; not fixed")]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "// edited in the editor meanwhile\n");
}

#[test]
fn fix_of_standard_input_prints_the_fixed_source() {
    let out = run(leaklint().args(["--fix", "--stdin-filename", "src/two.rs"]).write_stdin(ONE_SUPPRESSED));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.matches("drop(tx);").count(), 1, "{}", out.stdout);
    assert_eq!(out.stdout.replacen("    drop(tx);\n", "", 1), ONE_SUPPRESSED);
    assert!(out.stderr.contains("fixed 1 finding in 1 file (0 remaining)"), "{}", out.stderr);

    // Nothing to fix: the source comes back unchanged; the findings go to stderr.
    let json = run(leaklint().args(["--fix", "--stdin-filename", "x.rs", "--format", "json"]).write_stdin(LEAKY));
    assert_eq!((json.code, json.stdout.as_str()), (1, LEAKY), "{}", json.stderr);
    assert!(json.stderr.contains("\"rule\":\"detached_spawn\""), "{}", json.stderr);
}

#[test]
fn fix_and_diff_do_not_mix_with_each_other_or_write_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture_copy(dir.path());
    let original = std::fs::read(&file).unwrap();
    for args in
        [&["--fix", "--diff"][..], &["--fix", "--write-baseline", "b.json"], &["--diff", "--write-baseline", "b.json"]]
    {
        let out = run(leaklint().arg(&file).args(args).current_dir(dir.path()));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("cannot be used with"), "{}", out.stderr);
    }
    assert_eq!(std::fs::read(&file).unwrap(), original);
    assert!(!dir.path().join("b.json").exists());
}
