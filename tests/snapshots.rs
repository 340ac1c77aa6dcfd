//! Snapshots (insta) of every output format for one small fixture workspace,
//! `fixtures/workspaces/snapshot`: three findings of three rules, one with a
//! machine-applicable fix, two with secondary labels. leaklint runs from the fixture's
//! root in workspace mode, as `cargo leaklint` does, so paths are relative.
//!
//! The snapshots live in `tests/snapshots/`. After an intended change of the output,
//! review them with `cargo insta review`, or rewrite them with
//! `INSTA_UPDATE=always cargo test --test snapshots` and read the diff. CI runs with
//! `INSTA_UPDATE=no`: a stale snapshot fails and nothing is written.

mod support;

use std::path::{Path, PathBuf};

use support::*;

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/workspaces/snapshot")
}

/// leaklint's stdout and stderr for `args`, run from the fixture root; it must report the
/// findings (exit code 1).
fn lint(args: &[&str]) -> Output {
    let out = run(leaklint().current_dir(fixture_root()).args(args));
    assert_eq!(out.code, 1, "leaklint {args:?} should report findings:\n{}", out.stderr);
    out
}

/// Insta settings that replace what varies between machines and runs: the fixture's
/// absolute path (cargo-json names the manifest and package id) and the run time in the
/// summary line.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    let root = fixture_root();
    let canonical = std::fs::canonicalize(&root).unwrap_or_else(|_| root.clone());
    for path in [canonical, root] {
        s.add_filter(&regex_escape(&path.display().to_string()), "[ROOT]");
    }
    s.add_filter(r"\(\d+(\.\d+)?m?s\)", "([TIME])");
    s
}

fn regex_escape(text: &str) -> String {
    text.chars().fold(String::new(), |mut out, c| {
        if r"\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
        out
    })
}

#[test]
fn human() {
    let out = lint(&["--color", "never"]);
    let shown = format!("{}--- stderr\n{}", out.stdout, out.stderr);
    settings().bind(|| insta::assert_snapshot!("human", shown));
}

#[test]
fn json() {
    let out = lint(&["--format", "json"]);
    settings().bind(|| insta::assert_snapshot!("json", out.stdout));
}

#[test]
fn cargo_json() {
    let out = lint(&["--message-format=json"]);
    settings().bind(|| insta::assert_snapshot!("cargo_json", out.stdout));
}

#[test]
fn github() {
    let out = lint(&["--format", "github"]);
    settings().bind(|| insta::assert_snapshot!("github", out.stdout));
}

/// The SARIF log, with leaklint's version and each rule descriptor's long docs
/// (`fullDescription`, `help`) replaced by placeholders: the docs are LINTS.md's (which
/// `tests/lints_md.rs` checks), and would make every docs edit a snapshot change.
#[test]
fn sarif() {
    let out = lint(&["--format", "sarif"]);
    let mut log: serde_json::Value = serde_json::from_str(&out.stdout).expect("SARIF is JSON");
    let driver = &mut log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    for key in ["version", "semanticVersion"] {
        driver[key] = "[VERSION]".into();
    }
    let rules = driver["rules"].as_array_mut().expect("rule descriptors");
    assert!(!rules.is_empty());
    for rule in rules {
        let name = rule["name"].as_str().expect("a rule name").to_string();
        for key in ["fullDescription", "help"] {
            let Some(field) = rule.get_mut(key).and_then(|f| f.as_object_mut()) else { continue };
            for text in field.values_mut() {
                *text = format!("[docs of {name}]").into();
            }
        }
    }
    let text = serde_json::to_string_pretty(&log).expect("serialises");
    assert!(!text.contains(&*fixture_root().to_string_lossy()), "SARIF has an absolute path:\n{text}");
    settings().bind(|| insta::assert_snapshot!("sarif", text));
}
