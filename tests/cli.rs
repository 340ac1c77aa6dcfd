//! The command line end to end: exit codes, every output format, workspace discovery,
//! `cargo leaklint`, `leaklint rules`, usage errors, determinism and test-code scope.

mod support;

use std::io::BufReader;
use std::path::{Path, PathBuf};

use cargo_metadata::diagnostic::DiagnosticLevel;
use cargo_metadata::Message;
use support::*;

// ---- exit codes and human output ---------------------------------------------------------

#[test]
fn clean_file_exits_zero_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "clean.rs", CLEAN);
    let out = run(leaklint().arg(&file));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("leaklint: 0 warnings, 0 errors in 1 file"), "{}", out.stderr);

    let json = run(leaklint().arg(&file).args(["--format", "json"]));
    assert_eq!((json.code, json.stdout.as_str()), (0, ""));
}

#[test]
fn detached_spawn_is_reported_rustc_style() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "file.rs", ONE_LINE);
    let out = run(leaklint().arg(&file).args(["--color", "never"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let s = &out.stdout;
    assert!(s.contains("warning[leaklint::detached_spawn]: spawned task is never stopped"), "{s}");
    assert!(s.contains("file.rs:1:18"), "{s}");
    assert!(s.contains("this loop never ends"), "{s}");
    assert!(s.contains("= help:"), "{s}");
    assert!(!s.contains('\u{1b}'), "--color never: {s:?}");
    assert!(out.stderr.contains("leaklint: 1 warning, 0 errors in 1 file"), "{}", out.stderr);

    // Multi-line: the position is the `tokio::spawn` token's.
    let multi = write(dir.path(), "multi.rs", LEAKY);
    let out = run(leaklint().arg(&multi).arg("--color=never"));
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("multi.rs:2:5"), "{}", out.stdout);

    let colored = run(leaklint().arg(&file).args(["--color", "always"]));
    assert_eq!(colored.code, 1);
    assert!(colored.stdout.contains('\u{1b}'), "--color always: {:?}", colored.stdout);
    // `auto` (the default) colours only a terminal; the test's pipe is none.
    let auto = run(leaklint().arg(&file));
    assert!(!auto.stdout.contains('\u{1b}'), "--color auto on a pipe: {:?}", auto.stdout);
}

// ---- --format json -----------------------------------------------------------------------

#[test]
fn json_lines_locate_the_spawn_call() {
    // Non-ASCII text before the call on its line: columns count characters, offsets bytes.
    let src = "pub fn start(c: Conn) {\n    /* ünïcödé */ tokio::spawn(async move {\n        loop {\n            c.ping().await;\n        }\n    });\n}\n";
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "leaky.rs", src);
    let out = run(leaklint().arg(&file).args(["--format", "json"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 1, "{}", out.stdout);
    let d = &lines[0];
    assert_eq!(d["rule"], "detached_spawn");
    assert_eq!(d["code"], "leaklint::detached_spawn");
    assert_eq!(d["level"], "warning");
    assert_eq!(text(d, "file"), file.display().to_string(), "the path as given");
    assert!(!text(d, "message").is_empty() && !text(d, "help").is_empty(), "{d}");

    let spawn_at = src.find("tokio::spawn").unwrap();
    assert_eq!((num(d, "line_start"), num(d, "column_start")), line_col(src, spawn_at));
    assert_eq!((num(d, "line_start"), num(d, "column_start")), (2, 19));
    let (lo, hi) = (num(d, "byte_start"), num(d, "byte_end"));
    assert_eq!(lo, spawn_at);
    let covered = &src[lo..hi];
    assert!(covered.starts_with("tokio::spawn(") && covered.ends_with(')'), "{covered:?}");
    assert_eq!((num(d, "line_end"), num(d, "column_end")), line_col(src, hi));

    let labels = d["labels"].as_array().expect("labels");
    assert_eq!(labels.iter().filter(|l| l["primary"] == true).count(), 1, "{labels:?}");
    let the_loop = labels
        .iter()
        .find(|l| l["message"] == "this loop never ends")
        .unwrap_or_else(|| panic!("no loop label: {labels:?}"));
    assert!(src[num(the_loop, "byte_start")..num(the_loop, "byte_end")].starts_with("loop {"), "{the_loop}");
    assert_eq!((num(the_loop, "line_start"), num(the_loop, "column_start")), (3, 9));
}

// ---- --message-format=json (cargo) ---------------------------------------------------------

fn cargo_messages(stdout: &str) -> Vec<Message> {
    Message::parse_stream(BufReader::new(stdout.as_bytes()))
        .map(|m| m.unwrap_or_else(|e| panic!("unreadable message stream ({e}): {stdout}")))
        .collect()
}

#[test]
fn message_format_json_is_read_by_cargo_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "leaky.rs", LEAKY);
    for flag in [&["--message-format=json"][..], &["--message-format", "json"]] {
        let out = run(leaklint().arg(&file).args(flag));
        assert_eq!(out.code, 1, "{flag:?}: {}", out.stderr);
        let messages = cargo_messages(&out.stdout);
        // Everything on stdout is a message: no stray text lines.
        assert!(!messages.iter().any(|m| matches!(m, Message::TextLine(_))), "{}", out.stdout);
        let compiler: Vec<_> = messages
            .iter()
            .filter_map(|m| match m {
                Message::CompilerMessage(c) => Some(c),
                _ => None,
            })
            .collect();
        assert_eq!(compiler.len(), 1, "{flag:?}: {}", out.stdout);
        assert!(matches!(messages.last(), Some(Message::BuildFinished(b)) if !b.success), "{}", out.stdout);
        assert_eq!(messages.len(), 2, "{}", out.stdout);

        let m = &compiler[0].message;
        assert_eq!(m.code.as_ref().map(|c| c.code.as_str()), Some("leaklint::detached_spawn"));
        assert_eq!(m.level, DiagnosticLevel::Warning);
        assert!(m.rendered.as_deref().is_some_and(|r| r.contains("warning[leaklint::detached_spawn]")));
        assert!(!m.children.is_empty(), "the help is a child message");

        let primary: Vec<_> = m.spans.iter().filter(|s| s.is_primary).collect();
        assert_eq!(primary.len(), 1, "{:?}", m.spans);
        let s = primary[0];
        assert_eq!(s.file_name, file.display().to_string());
        let spawn_at = LEAKY.find("tokio::spawn").unwrap();
        assert_eq!((s.line_start, s.column_start), (2, 5));
        assert_eq!((s.line_start, s.column_start), line_col(LEAKY, spawn_at));
        let covered = &LEAKY[s.byte_start as usize..s.byte_end as usize];
        assert!(covered.starts_with("tokio::spawn(") && covered.ends_with(')'), "{covered:?}");
        assert_eq!((s.line_end, s.column_end), line_col(LEAKY, s.byte_end as usize));
        assert_eq!(s.text.first().map(|l| l.text.as_str()), Some("    tokio::spawn(async move {"));
        assert_eq!(s.text.first().map(|l| l.highlight_start), Some(5));

        let the_loop = m.spans.iter().find(|s| s.label.as_deref() == Some("this loop never ends")).expect("loop span");
        assert!(!the_loop.is_primary);
        assert!(LEAKY[the_loop.byte_start as usize..the_loop.byte_end as usize].starts_with("loop {"));
        assert_eq!((the_loop.line_start, the_loop.column_start), (3, 9));
    }

    let clean = write(dir.path(), "clean.rs", CLEAN);
    let out = run(leaklint().arg(&clean).arg("--message-format=json"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let messages = cargo_messages(&out.stdout);
    assert!(matches!(messages.as_slice(), [Message::BuildFinished(b)] if b.success), "{}", out.stdout);
}

// ---- workspaces and cargo leaklint ---------------------------------------------------------

/// A virtual workspace with a leaky member `a` and a clean member `b`, and leaky files
/// where nothing may be linted by default: `target/`, hidden and gitignored directories
/// (at the root and inside a member), `a/tests/` (test code), and files no target's
/// module tree reaches (a stray file with a syntax error, a `#[cfg(test)]` module).
fn scratch_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n");
    for member in ["a", "b"] {
        let manifest = format!("[package]\nname = \"{member}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
        write(root, &format!("{member}/Cargo.toml"), manifest);
    }
    write(root, "a/src/lib.rs", format!("#[cfg(test)]\nmod it;\n{LEAKY}"));
    write(root, "a/src/it.rs", LEAKY);
    write(root, "a/src/orphan.rs", "fn broken( {\n");
    write(root, "b/src/lib.rs", CLEAN);
    write(root, "a/tests/it.rs", LEAKY);
    write(root, "target/debug/build/gen.rs", LEAKY);
    write(root, "a/target/gen.rs", LEAKY);
    write(root, ".hidden/x.rs", LEAKY);
    write(root, "a/.hidden/x.rs", LEAKY);
    write(root, ".gitignore", "ignored/\n");
    write(root, "a/ignored/x.rs", LEAKY);
    dir
}

fn files_reported(stdout: &str) -> Vec<String> {
    json_lines(stdout).iter().map(|d| text(d, "file").to_string()).collect()
}

#[test]
fn cargo_leaklint_lints_the_workspace_members() {
    let ws = scratch_workspace();
    for cwd in [ws.path().to_path_buf(), ws.path().join("b")] {
        let out = run(cargo_leaklint().current_dir(&cwd).args(["--format", "json"]));
        assert_eq!(out.code, 1, "from {}: {}", cwd.display(), out.stderr);
        assert_eq!(files_reported(&out.stdout), ["a/src/lib.rs"], "from {}", cwd.display());

        let human = run(cargo_leaklint().current_dir(&cwd).arg("--color=never"));
        assert_eq!(human.code, 1, "{}", human.stderr);
        assert!(human.stdout.contains("--> a/src/lib.rs:4:5"), "from {}: {}", cwd.display(), human.stdout);
        assert_eq!(human.stdout.matches("warning[leaklint::").count(), 1, "{}", human.stdout);
        assert!(human.stderr.contains("skipped 1 file that no target reaches"), "{}", human.stderr);

        let tests = run(cargo_leaklint().current_dir(&cwd).args(["--format", "json", "--include-tests"]));
        assert_eq!(tests.code, 1);
        let want = ["a/src/it.rs", "a/src/lib.rs", "a/tests/it.rs"];
        assert_eq!(files_reported(&tests.stdout), want, "from {}", cwd.display());
    }
}

#[test]
fn cargo_leaklint_message_format_names_the_package() {
    let ws = scratch_workspace();
    let out = run(cargo_leaklint().current_dir(ws.path().join("b")).arg("--message-format=json"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let messages = cargo_messages(&out.stdout);
    let [Message::CompilerMessage(m), Message::BuildFinished(done)] = messages.as_slice() else {
        panic!("expected one compiler message, then build-finished: {}", out.stdout)
    };
    assert!(!done.success);
    let primary = m.message.spans.iter().find(|s| s.is_primary).expect("primary span");
    assert_eq!(primary.file_name, "a/src/lib.rs");
    assert_eq!(m.target.name, "a");
    assert!(m.package_id.repr.contains("#a@0.1.0"), "{}", m.package_id);
    let raw = &json_lines(&out.stdout)[0];
    assert!(text(raw, "manifest_path").ends_with("a/Cargo.toml"), "{raw}");
}

#[test]
fn manifest_path_lints_that_workspace_from_anywhere() {
    let ws = scratch_workspace();
    let elsewhere = tempfile::tempdir().unwrap();
    let manifest = ws.path().join("Cargo.toml");
    let out =
        run(leaklint().current_dir(elsewhere.path()).arg("--manifest-path").arg(&manifest).args(["--format", "json"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(files_reported(&out.stdout), ["a/src/lib.rs"]);

    let out =
        run(cargo_leaklint().current_dir(elsewhere.path()).arg(format!("--manifest-path={}", manifest.display())));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("a/src/lib.rs:4:5"), "{}", out.stdout);
}

/// The real `cargo leaklint`: cargo finds `cargo-leaklint` on `PATH` and passes it
/// `leaklint` as the first argument.
#[test]
fn cargo_runs_cargo_leaklint_as_a_subcommand() {
    let bin = assert_cmd::cargo::cargo_bin("cargo-leaklint");
    let mut path = vec![bin.parent().expect("binary directory").to_path_buf()];
    // cargo searches `$CARGO_HOME/bin` before `PATH` unless `PATH` names it: name it after
    // the fresh build, so that an installed `cargo-leaklint` cannot shadow it.
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    path.extend(cargo_home.map(|h| h.join("bin")));
    path.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let ws = scratch_workspace();
    let mut cmd = assert_cmd::Command::new(cargo);
    cmd.current_dir(ws.path().join("a"))
        .env("PATH", std::env::join_paths(path).unwrap())
        .args(["leaklint", "--format", "json"]);
    let out = run(&mut cmd);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(files_reported(&out.stdout), ["a/src/lib.rs"]);
}

/// A `rust-toolchain.toml` pinning a toolchain that is not installed must not stop
/// leaklint from reading the workspace layout (cargo itself would refuse to run).
#[test]
fn a_pinned_toolchain_that_is_missing_still_lints_the_targets() {
    let ws = scratch_workspace();
    write(ws.path(), "rust-toolchain.toml", "[toolchain]\nchannel = \"0.0.1\"\n");
    let out = run(cargo_leaklint().current_dir(ws.path()).args(["--format", "json"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(files_reported(&out.stdout), ["a/src/lib.rs"], "{}", out.stderr);
}

/// When `cargo metadata` fails (a broken manifest), every `.rs` file under the root is
/// linted, nested packages included, with a warning that says why.
#[test]
fn without_cargo_metadata_every_file_is_linted() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Cargo.toml", "[workspace]\nmembers = [\"crates/*\", \"missing\"]\n");
    write(dir.path(), "crates/a/Cargo.toml", "[package]\nname = \"a\"\nversion = \"0.1.0\"\n");
    write(dir.path(), "crates/a/src/lib.rs", LEAKY);
    write(dir.path(), "crates/a/src/orphan.rs", LEAKY);
    let out = run(cargo_leaklint().current_dir(dir.path()).args(["--format", "json"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("`cargo metadata` failed"), "{}", out.stderr);
    assert_eq!(files_reported(&out.stdout), ["crates/a/src/lib.rs", "crates/a/src/orphan.rs"]);
}

#[test]
fn no_manifest_and_no_paths_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(leaklint().current_dir(dir.path()));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("Cargo.toml"), "{}", out.stderr);
}

// ---- rules, usage errors -------------------------------------------------------------------

#[test]
fn rules_listing_and_markdown() {
    let out = run(leaklint().arg("rules"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let row = out.stdout.lines().find(|l| l.starts_with("detached_spawn")).unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(row.contains("warn"), "{row}");

    let md = run(leaklint().args(["rules", "--markdown"]));
    assert_eq!(md.code, 0, "{}", md.stderr);
    let on_disk = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("LINTS.md")).unwrap();
    assert!(md.stdout == on_disk, "`leaklint rules --markdown` differs from LINTS.md");

    let explain = run(leaklint().args(["explain", "leaklint::detached_spawn"]));
    assert_eq!(explain.code, 0, "{}", explain.stderr);
    assert!(explain.stdout.contains("detached_spawn"), "{}", explain.stdout);
}

#[test]
fn usage_errors_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "leaky.rs", LEAKY);
    let cases: &[&[&str]] = &[
        &["--bogus"],
        &["--format", "bogus"],
        &["--format=bogus"],
        &["--message-format", "bogus"],
        &["--color", "sometimes"],
        &["rules", "--bogus"],
        &["explain", "no_such_rule"],
    ];
    for args in cases {
        // With a leaky file beside the bad flag: the usage error wins, nothing is linted.
        let out = run(leaklint().args(*args).arg(&file));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}: no message");
    }
    let out = run(cargo_leaklint().arg("--bogus").arg(&file));
    assert_eq!(out.code, 2, "cargo-leaklint: {}", out.stderr);
    assert!(out.stderr.contains("--bogus"), "{}", out.stderr);
}

// ---- determinism ----------------------------------------------------------------------------

#[test]
fn output_is_deterministic_and_ordered_by_path_then_line() {
    let dir = tempfile::tempdir().unwrap();
    // Names whose order differs between path order and plain string order (`-` < `.` < `/`).
    let names = ["z.rs", "m.rs", "m-x.rs", "m/b.rs", "m/a.rs", "a.rs", "n/deep/x.rs"];
    for name in names {
        write(dir.path(), name, format!("{LEAKY}{CLEAN}{LEAKY}"));
    }
    let json: Vec<Output> = (0..2).map(|_| run(leaklint().arg(dir.path()).args(["--format", "json"]))).collect();
    assert_eq!(json[0].code, 1);
    assert_eq!(json[0].stdout, json[1].stdout, "two runs differ");
    let human: Vec<Output> = (0..2).map(|_| run(leaklint().arg(dir.path()).arg("--color=never"))).collect();
    assert_eq!(human[0].stdout, human[1].stdout, "two runs differ");

    let order: Vec<(PathBuf, usize)> = json_lines(&json[0].stdout)
        .iter()
        .map(|d| {
            let file = Path::new(text(d, "file"));
            (file.strip_prefix(dir.path()).unwrap_or(file).to_path_buf(), num(d, "line_start"))
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "not ordered by path, then line");
    let second = 2 + LEAKY.lines().count() + CLEAN.lines().count();
    let want: Vec<(PathBuf, usize)> = ["a.rs", "m/a.rs", "m/b.rs", "m-x.rs", "m.rs", "n/deep/x.rs", "z.rs"]
        .iter()
        .flat_map(|f| [(PathBuf::from(f), 2), (PathBuf::from(f), second)])
        .collect();
    assert_eq!(order, want);
}

// ---- test code ------------------------------------------------------------------------------

#[test]
fn test_code_is_skipped_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let src = "#[cfg(test)] mod tests { fn t() { tokio::spawn(async { loop {} }); } }\n";
    let file = write(dir.path(), "lib.rs", src);
    let quiet = run(leaklint().arg(&file));
    assert_eq!(quiet.code, 0, "{}", quiet.stdout);
    assert_eq!(quiet.stdout, "");

    let loud = run(leaklint().arg(&file).args(["--include-tests", "--format", "json"]));
    assert_eq!(loud.code, 1, "{}", loud.stderr);
    let found = json_lines(&loud.stdout);
    assert_eq!(found.len(), 1, "{}", loud.stdout);
    assert_eq!(found[0]["rule"], "detached_spawn");
    assert_eq!(num(&found[0], "column_start"), src.find("tokio::spawn").unwrap() + 1);

    // A `#[test]` function outside a test module is test code too.
    let test_fn = write(dir.path(), "t.rs", "#[test]\nfn t() { tokio::spawn(async { loop {} }); }\n");
    assert_eq!(run(leaklint().arg(&test_fn)).code, 0);
    assert_eq!(run(leaklint().arg(&test_fn).arg("--include-tests")).code, 1);
}

#[test]
fn github_annotations_locate_each_finding() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "one, line.rs", ONE_LINE);
    let out = run(leaklint().arg(&file).args(["--format", "github"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", out.stdout);
    let name = file.display().to_string().replace(':', "%3A").replace(',', "%2C");
    let want = format!("::warning file={name},line=1,endLine=1,col=18,endColumn=");
    assert!(lines[0].starts_with(&want), "{}", lines[0]);
    assert!(lines[0].contains(",title=leaklint%3A%3Adetached_spawn::spawned task is never stopped"), "{}", lines[0]);
    assert!(lines[0].contains("%0Ahelp: "), "the help follows on its own line: {}", lines[0]);
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(leaklint().args(["completions", shell]));
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(out.stdout.contains("leaklint") && out.stdout.contains("include-tests"), "{shell}: {}", out.stdout);
    }
    assert_eq!(run(leaklint().args(["completions", "tcsh"])).code, 2);
}

#[test]
fn rule_levels_are_set_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "leaky.rs", LEAKY);
    let allowed = run(leaklint().arg(&file).args(["--allow", "detached_spawn", "--format", "json"]));
    assert_eq!((allowed.code, allowed.stdout.as_str()), (0, ""), "{}", allowed.stderr);
    let denied = run(leaklint().arg(&file).args(["--deny", "leaklint::detached_spawn", "--format", "json"]));
    assert_eq!(denied.code, 1);
    assert_eq!(text(&json_lines(&denied.stdout)[0], "level"), "error");
    let typo = run(leaklint().arg(&file).args(["--warn", "detached_spwan"]));
    assert_eq!(typo.code, 2);
    assert!(typo.stderr.contains("unknown rule `detached_spwan`: did you mean `detached_spawn`?"), "{}", typo.stderr);
}

#[test]
fn stdin_filename_lints_an_unsaved_buffer_as_that_file() {
    let ws = scratch_workspace();
    // The file on disk is clean; the editor's buffer leaks.
    let out = run(leaklint()
        .current_dir(ws.path().join("b"))
        .args(["--stdin-filename", "src/lib.rs", "--message-format=json"])
        .write_stdin(LEAKY));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let messages = cargo_messages(&out.stdout);
    let Message::CompilerMessage(m) = &messages[0] else { panic!("{}", out.stdout) };
    let primary = m.message.spans.iter().find(|s| s.is_primary).expect("primary span");
    assert_eq!((primary.file_name.as_str(), primary.line_start, primary.column_start), ("src/lib.rs", 2, 5));
    assert_eq!(m.target.name, "b", "the buffer belongs to the package of its path");
    let clean = run(leaklint().args(["--stdin-filename", "x.rs"]).write_stdin(CLEAN));
    assert_eq!(clean.code, 0, "{}", clean.stderr);
}

/// A baseline keeps known findings quiet through unrelated edits; a new one is reported.
#[test]
fn a_baseline_survives_edits_above_and_lets_new_findings_through() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "leaky.rs", LEAKY);
    let baseline = dir.path().join("leaklint-baseline.json");
    let wrote = run(leaklint().arg(&file).arg("--write-baseline").arg(&baseline));
    assert_eq!(wrote.code, 0, "{}", wrote.stderr);
    assert!(wrote.stderr.contains("recorded 1 findings"), "{}", wrote.stderr);

    // Lines added above move the finding; it stays baselined.
    write(dir.path(), "leaky.rs", format!("// a comment\n\nuse std::time::Duration;\n{LEAKY}"));
    let quiet = run(leaklint().arg(&file).arg("--baseline").arg(&baseline).args(["--format", "json"]));
    assert_eq!((quiet.code, quiet.stdout.as_str()), (0, ""), "{}", quiet.stderr);

    // A second, new leak is reported, at its own line.
    write(dir.path(), "leaky.rs", format!("// a comment\n{LEAKY}{}", LEAKY.replace("start", "start_again")));
    let new = run(leaklint().arg(&file).arg("--baseline").arg(&baseline).args(["--format", "json"]));
    assert_eq!(new.code, 1, "{}", new.stderr);
    let found = json_lines(&new.stdout);
    assert_eq!(found.len(), 1, "{}", new.stdout);
    assert_eq!(num(&found[0], "line_start"), 2 + LEAKY.lines().count() + 1);

    let missing = run(leaklint().arg(&file).arg("--baseline").arg(dir.path().join("nope.json")));
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("cannot read baseline"), "{}", missing.stderr);
}
