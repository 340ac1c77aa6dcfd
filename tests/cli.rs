//! The command line end to end: exit codes, every output format, workspace discovery
//! and `cargo leaklint`.

mod support;

use std::io::BufReader;

use assert_cmd::Command;
use cargo_metadata::Message;
use support::*;

#[test]
fn clean_file_exits_zero_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "clean.rs", CLEAN);
    let out = run({
        let mut c = leaklint();
        c.arg(&file);
        c
    });
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("leaklint: 0 warnings, 0 errors in 1 file"), "{}", out.stderr);
}

#[test]
fn finding_exits_one_with_rustc_like_output() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "leaky.rs", LEAKY);
    let out = run({
        let mut c = leaklint();
        c.arg(&file).arg("--color").arg("never");
        c
    });
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("warning[leaklint::detached_spawn]: spawned task is never stopped"));
    assert!(out.stdout.contains("leaky.rs:2:5"), "{}", out.stdout);
    assert!(out.stdout.contains("this loop never ends"));
    assert!(out.stdout.contains("= help:"));
    assert!(!out.stdout.contains('\u{1b}'));
    assert!(out.stderr.contains("1 warning, 0 errors in 1 file"), "{}", out.stderr);

    let colored = run({
        let mut c = leaklint();
        c.arg(&file).arg("--color=always");
        c
    });
    assert!(colored.stdout.contains('\u{1b}'));
}

#[test]
fn json_lines_locate_the_spawn_call() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "leaky.rs", LEAKY);
    let out = run({
        let mut c = leaklint();
        c.arg(&file).args(["--format", "json"]);
        c
    });
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr, "", "no summary in machine formats");
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 1);
    let d = &lines[0];
    assert_eq!(d["rule"], "detached_spawn");
    assert_eq!(d["level"], "warning");
    assert_eq!((d["line_start"].as_u64(), d["column_start"].as_u64()), (Some(2), Some(5)));
    assert_eq!((d["line_end"].as_u64(), d["column_end"].as_u64()), (Some(6), Some(7)));
    let (lo, hi) = (d["byte_start"].as_u64().unwrap() as usize, d["byte_end"].as_u64().unwrap() as usize);
    let text = &LEAKY[lo..hi];
    assert!(text.starts_with("tokio::spawn(") && text.ends_with("})"), "{text}");
    let labels = d["labels"].as_array().unwrap();
    assert!(labels.iter().any(|l| l["message"] == "this loop never ends" && l["line_start"] == 3));
}

fn cargo_messages(stdout: &str) -> Vec<Message> {
    Message::parse_stream(BufReader::new(stdout.as_bytes())).map(|m| m.expect("readable")).collect()
}

#[test]
fn message_format_json_is_read_by_cargo_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "leaky.rs", LEAKY);
    for flag in [vec!["--message-format=json"], vec!["--message-format", "json"]] {
        let out = run({
            let mut c = leaklint();
            c.arg(&file).args(&flag);
            c
        });
        assert_eq!(out.code, 1);
        let messages = cargo_messages(&out.stdout);
        assert_eq!(messages.len(), 2, "{}", out.stdout);
        let Message::CompilerMessage(m) = &messages[0] else {
            panic!("expected a compiler message: {:?}", messages[0])
        };
        assert_eq!(m.message.code.as_ref().map(|c| c.code.as_str()), Some("leaklint::detached_spawn"));
        let primary: Vec<_> = m.message.spans.iter().filter(|s| s.is_primary).collect();
        assert_eq!(primary.len(), 1);
        let s = primary[0];
        assert_eq!((s.line_start, s.column_start), (2, 5));
        assert!(LEAKY[s.byte_start as usize..s.byte_end as usize].starts_with("tokio::spawn(async move {"));
        assert!(matches!(messages.last(), Some(Message::BuildFinished(b)) if !b.success));
    }
    let clean = write(dir.path(), "clean.rs", CLEAN);
    let out = run({
        let mut c = leaklint();
        c.arg(&clean).arg("--message-format=json");
        c
    });
    assert_eq!(out.code, 0);
    let messages = cargo_messages(&out.stdout);
    assert!(matches!(messages.as_slice(), [Message::BuildFinished(b)] if b.success));
}

/// A virtual workspace with a leaky and a clean member, and leaky files in places that
/// must not be linted by default.
fn scratch_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n");
    for member in ["a", "b"] {
        write(
            root,
            &format!("{member}/Cargo.toml"),
            format!("[package]\nname = \"{member}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        );
    }
    write(root, "a/src/lib.rs", LEAKY);
    write(root, "b/src/lib.rs", CLEAN);
    write(root, "a/tests/it.rs", LEAKY);
    write(root, "target/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55");
    write(root, "target/debug/build/gen.rs", LEAKY);
    write(root, ".hidden/x.rs", LEAKY);
    write(root, ".gitignore", "ignored/\n");
    write(root, "a/ignored/x.rs", LEAKY);
    dir
}

fn cargo_leaklint() -> Command {
    let mut c = Command::cargo_bin("cargo-leaklint").expect("cargo-leaklint binary");
    c.arg("leaklint");
    c
}

fn files_reported(stdout: &str) -> Vec<String> {
    json_lines(stdout).iter().map(|d| d["file"].as_str().unwrap().to_string()).collect()
}

#[test]
fn cargo_leaklint_lints_the_workspace_members() {
    let ws = scratch_workspace();
    for cwd in [ws.path().to_path_buf(), ws.path().join("b")] {
        let out = run({
            let mut c = cargo_leaklint();
            c.current_dir(&cwd).args(["--format", "json"]);
            c
        });
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert_eq!(files_reported(&out.stdout), ["a/src/lib.rs"], "from {}", cwd.display());
    }
    let out = run({
        let mut c = cargo_leaklint();
        c.current_dir(ws.path()).args(["--format", "json", "--include-tests"]);
        c
    });
    assert_eq!(files_reported(&out.stdout), ["a/src/lib.rs", "a/tests/it.rs"]);

    let elsewhere = tempfile::tempdir().unwrap();
    let out = run({
        let mut c = leaklint();
        c.current_dir(elsewhere.path())
            .arg("--manifest-path")
            .arg(ws.path().join("Cargo.toml"))
            .args(["--format", "json"]);
        c
    });
    assert_eq!(files_reported(&out.stdout), ["a/src/lib.rs"]);
}

#[test]
fn no_manifest_and_no_paths_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = run({
        let mut c = leaklint();
        c.current_dir(dir.path());
        c
    });
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("Cargo.toml"), "{}", out.stderr);
}

#[test]
fn rules_listing_and_markdown() {
    let out = run({
        let mut c = leaklint();
        c.arg("rules");
        c
    });
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("detached_spawn") && out.stdout.contains("warn"));
    let md = run({
        let mut c = leaklint();
        c.args(["rules", "--markdown"]);
        c
    });
    let on_disk = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/LINTS.md")).unwrap();
    assert_eq!(md.stdout, on_disk);
}

#[test]
fn usage_errors_exit_two() {
    for args in [vec!["--bogus"], vec!["--format", "bogus"], vec!["explain", "no_such_rule"]] {
        let out = run({
            let mut c = leaklint();
            c.args(&args);
            c
        });
        assert_eq!(out.code, 2, "{args:?}");
    }
}

#[test]
fn output_is_deterministic_and_ordered() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["z.rs", "a.rs", "m/b.rs", "m/a.rs"] {
        write(dir.path(), name, format!("{LEAKY}{LEAKY}"));
    }
    let runs: Vec<String> = (0..2)
        .map(|_| {
            run({
                let mut c = leaklint();
                c.arg(dir.path()).args(["--format", "json"]);
                c
            })
            .stdout
        })
        .collect();
    assert_eq!(runs[0], runs[1]);
    let order: Vec<(String, u64)> = json_lines(&runs[0])
        .iter()
        .map(|d| {
            let file = d["file"].as_str().unwrap();
            let rel = file.strip_prefix(&format!("{}/", dir.path().display())).unwrap_or(file).to_string();
            (rel, d["line_start"].as_u64().unwrap())
        })
        .collect();
    let want: Vec<(String, u64)> =
        ["a.rs", "m/a.rs", "m/b.rs", "z.rs"].iter().flat_map(|f| [(f.to_string(), 2), (f.to_string(), 9)]).collect();
    assert_eq!(order, want);
}

#[test]
fn test_code_is_skipped_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let src = "#[cfg(test)]\nmod tests {\n    fn t() {\n        tokio::spawn(async { loop {} });\n    }\n}\n";
    let file = write(dir.path(), "lib.rs", src);
    let quiet = run({
        let mut c = leaklint();
        c.arg(&file);
        c
    });
    assert_eq!(quiet.code, 0);
    let loud = run({
        let mut c = leaklint();
        c.arg(&file).args(["--include-tests", "--format", "json"]);
        c
    });
    assert_eq!(loud.code, 1);
    assert_eq!(json_lines(&loud.stdout)[0]["line_start"], 4);
}
