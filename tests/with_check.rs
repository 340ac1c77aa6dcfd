//! `--with-check[=check|clippy]`: cargo's own check runs first and its output is passed
//! on; one `build-finished` ends the JSON stream. Each test runs `cargo check` on a tiny
//! crate without dependencies (offline), with its target directory in the tempdir.

mod support;

use std::io::BufReader;
use std::path::Path;

use cargo_metadata::diagnostic::{Diagnostic, DiagnosticLevel};
use cargo_metadata::Message;
use support::*;

/// `let unused` is rustc's `unused_variables` warning on line 2; the endless thread is
/// leaklint's `detached_spawn` on line 3.
const WARNS_AND_LEAKS: &str = "pub fn start() {\n    let unused = 1;\n    std::thread::spawn(move || loop {\n        std::thread::sleep(std::time::Duration::from_secs(1));\n    });\n}\n";

/// Only rustc's warning (line 1), nothing for leaklint.
const ONLY_WARNS: &str = "pub fn f() {\n    let unused = 1;\n}\n";

/// A type error: does not compile, but parses, so leaklint has nothing to say.
const TYPE_ERROR: &str = "pub fn f() -> u32 {\n    \"not a number\"\n}\n";

/// A syntax error: rustc and leaklint's parser both reject it.
/// It spells `spawn`, so leaklint's prefilter parses it (a file that spells nothing a
/// rule looks for is not parsed, and its syntax errors are left to the compiler).
const SYNTAX_ERROR: &str = "pub fn f( {\n    std::thread::spawn(g);\n";

/// A one-package workspace with `src/lib.rs` = `lib`.
fn scratch_crate(lib: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"scratch\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    write(dir.path(), "src/lib.rs", lib);
    dir
}

/// `cargo leaklint ARGS` in `dir`, building into `dir/target`.
fn in_crate(dir: &Path, args: &[&str]) -> Output {
    run(cargo_leaklint().current_dir(dir).env("CARGO_TARGET_DIR", dir.join("target")).args(args))
}

fn messages(stdout: &str) -> Vec<Message> {
    Message::parse_stream(BufReader::new(stdout.as_bytes()))
        .map(|m| m.unwrap_or_else(|e| panic!("unreadable message stream ({e}): {stdout}")))
        .collect()
}

fn diagnostics(messages: &[Message]) -> Vec<&Diagnostic> {
    messages
        .iter()
        .filter_map(|m| match m {
            Message::CompilerMessage(c) => Some(&c.message),
            _ => None,
        })
        .collect()
}

fn code(d: &Diagnostic) -> Option<&str> {
    d.code.as_ref().map(|c| c.code.as_str())
}

fn primary_line(d: &Diagnostic) -> Option<usize> {
    d.spans.iter().find(|s| s.is_primary).map(|s| s.line_start)
}

/// Exactly one `build-finished`, the last message; returns its `success`.
fn single_build_finished(messages: &[Message], stdout: &str) -> bool {
    let finished: Vec<_> = messages.iter().filter(|m| matches!(m, Message::BuildFinished(_))).collect();
    assert_eq!(finished.len(), 1, "{stdout}");
    match messages.last() {
        Some(Message::BuildFinished(b)) => b.success,
        _ => panic!("build-finished is not the last line: {stdout}"),
    }
}

#[test]
fn json_passes_on_cargo_messages_then_leaklint_findings_and_one_build_finished() {
    let dir = scratch_crate(WARNS_AND_LEAKS);
    for flag in ["--with-check", "--with-check=check"] {
        let out = in_crate(dir.path(), &["--message-format=json", flag]);
        assert_eq!(out.code, 1, "{flag}: {}", out.stderr);
        let all = messages(&out.stdout);
        assert!(!all.iter().any(|m| matches!(m, Message::TextLine(_))), "{}", out.stdout);
        assert!(!single_build_finished(&all, &out.stdout), "leaklint found something: {}", out.stdout);
        // cargo's artifacts are passed on too, before leaklint's messages.
        assert!(all.iter().any(|m| matches!(m, Message::CompilerArtifact(_))), "{}", out.stdout);

        let diags = diagnostics(&all);
        let rustc = diags.iter().find(|d| code(d) == Some("unused_variables")).expect("rustc's warning");
        assert_eq!((rustc.level, primary_line(rustc)), (DiagnosticLevel::Warning, Some(2)));
        let ours: Vec<_> = diags.iter().filter(|d| code(d).is_some_and(|c| c.starts_with("leaklint::"))).collect();
        assert_eq!(ours.len(), 1, "{}", out.stdout);
        assert_eq!((code(ours[0]), primary_line(ours[0])), (Some("leaklint::detached_spawn"), Some(3)));
        let last_rustc = diags.iter().rposition(|d| code(d) == Some("unused_variables"));
        let leaklint_at = diags.iter().position(|d| code(d) == Some("leaklint::detached_spawn"));
        assert!(last_rustc < leaklint_at, "cargo's messages come first: {}", out.stdout);
        // cargo's progress is on stderr, not mixed into the messages.
        assert!(out.stderr.contains("Finished"), "{}", out.stderr);
    }
}

#[test]
fn cargo_warnings_alone_keep_the_build_successful() {
    let dir = scratch_crate(ONLY_WARNS);
    let out = in_crate(dir.path(), &["--message-format=json", "--with-check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let all = messages(&out.stdout);
    assert!(single_build_finished(&all, &out.stdout), "{}", out.stdout);
    assert!(diagnostics(&all).iter().any(|d| code(d) == Some("unused_variables")), "{}", out.stdout);
}

#[test]
fn a_crate_that_does_not_compile_fails_the_build() {
    let dir = scratch_crate(TYPE_ERROR);
    let out = in_crate(dir.path(), &["--message-format=json", "--with-check"]);
    assert_eq!(out.code, 1, "leaklint is clean but cargo failed: {}", out.stderr);
    let all = messages(&out.stdout);
    assert!(!single_build_finished(&all, &out.stdout), "{}", out.stdout);
    let diags = diagnostics(&all);
    assert!(diags.iter().any(|d| d.level == DiagnosticLevel::Error && primary_line(d) == Some(2)), "{}", out.stdout);

    // Human output: cargo prints its error, leaklint its (empty) report; the exit says
    // that something failed.
    let human = in_crate(dir.path(), &["--with-check", "--color=never"]);
    assert_eq!(human.code, 1, "{}", human.stderr);
    assert!(human.stderr.contains("error[E0308]: mismatched types"), "{}", human.stderr);
    assert!(human.stderr.contains("leaklint: 0 warnings, 0 errors in 1 file"), "{}", human.stderr);
}

#[test]
fn a_syntax_error_is_reported_once_by_rustc_not_again_as_parse_error() {
    let dir = scratch_crate(SYNTAX_ERROR);
    // Without cargo, leaklint reports it itself.
    let alone = in_crate(dir.path(), &["--message-format=json"]);
    let codes: Vec<_> =
        diagnostics(&messages(&alone.stdout)).iter().filter_map(|d| code(d)).map(String::from).collect();
    assert_eq!(codes, ["leaklint::parse_error"], "{}", alone.stdout);

    let out = in_crate(dir.path(), &["--message-format=json", "--with-check"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let all = messages(&out.stdout);
    assert!(!single_build_finished(&all, &out.stdout), "{}", out.stdout);
    let diags = diagnostics(&all);
    assert!(diags.iter().any(|d| d.level == DiagnosticLevel::Error), "rustc's error: {}", out.stdout);
    assert!(!diags.iter().any(|d| code(d) == Some("leaklint::parse_error")), "{}", out.stdout);

    let human = in_crate(dir.path(), &["--with-check", "--color=never"]);
    assert_eq!(human.code, 1, "{}", human.stderr);
    assert!(human.stderr.contains("error: this file contains an unclosed delimiter"), "{}", human.stderr);
    assert!(!human.stdout.contains("parse_error"), "{}", human.stdout);
}

#[test]
fn human_output_runs_cargo_check_then_leaklint() {
    let dir = scratch_crate(WARNS_AND_LEAKS);
    let out = in_crate(dir.path(), &["--with-check", "--color=never"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("warning: unused variable: `unused`"), "{}", out.stderr);
    assert!(out.stdout.contains("warning[leaklint::detached_spawn]"), "{}", out.stdout);
    assert!(out.stdout.contains("--> src/lib.rs:3:5"), "{}", out.stdout);
}

#[test]
fn manifest_path_is_passed_to_cargo() {
    let dir = scratch_crate(ONLY_WARNS);
    let elsewhere = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("Cargo.toml");
    let out = run(cargo_leaklint()
        .current_dir(elsewhere.path())
        .env("CARGO_TARGET_DIR", dir.path().join("target"))
        .args(["--message-format=json", "--with-check"])
        .arg("--manifest-path")
        .arg(&manifest));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let all = messages(&out.stdout);
    assert!(single_build_finished(&all, &out.stdout));
    assert!(diagnostics(&all).iter().any(|d| code(d) == Some("unused_variables")), "{}", out.stdout);
}

#[test]
fn the_cargo_that_runs_is_dollar_cargo() {
    let dir = scratch_crate(ONLY_WARNS);
    let out = run(cargo_leaklint()
        .current_dir(dir.path())
        .env("CARGO", dir.path().join("no-such-cargo"))
        .args(["--message-format=json", "--with-check"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("cannot run") && out.stderr.contains("no-such-cargo"), "{}", out.stderr);
}

#[test]
fn usage_errors() {
    let dir = scratch_crate(ONLY_WARNS);
    for args in [
        &["--with-check", "--format", "sarif"][..],
        &["--with-check", "--format", "json"],
        &["--with-check", "src/lib.rs"],
        &["--with-check=build"],
        &["--with-check", "--write-baseline", "b.json"],
    ] {
        let out = in_crate(dir.path(), args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("--with-check"), "{args:?}: {}", out.stderr);
        assert!(!dir.path().join("target").exists(), "{args:?}: cargo ran");
    }
}

#[test]
fn with_check_clippy_passes_on_clippy_lints() {
    let has_clippy = std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["clippy", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_clippy {
        eprintln!("skipped: `cargo clippy` is not installed");
        return;
    }
    let dir = scratch_crate("pub fn answer() -> u32 {\n    return 42;\n}\n");
    let out = in_crate(dir.path(), &["--message-format=json", "--with-check=clippy"]);
    assert_eq!(out.code, 0, "a clippy warning alone succeeds: {}", out.stderr);
    let all = messages(&out.stdout);
    assert!(single_build_finished(&all, &out.stdout), "{}", out.stdout);
    let diags = diagnostics(&all);
    let lint = diags.iter().find(|d| code(d) == Some("clippy::needless_return")).expect("clippy's lint");
    assert_eq!(primary_line(lint), Some(2));
}
