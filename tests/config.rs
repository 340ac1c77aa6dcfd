//! Configuration end to end: `leaklint.toml` and `Cargo.toml` metadata found and applied
//! (levels, excludes, test code, catalog entries), command-line flags over the file,
//! errors with positions and suggestions, and `leaklint config`.

mod support;

use std::path::Path;

use support::*;

/// `leaklint ARGS...` run from `dir`, as a user in that directory would.
fn lint_in(dir: &Path, args: &[&str]) -> Output {
    run(leaklint().current_dir(dir).args(args).args(["--color", "never"]))
}

fn rules_reported(out: &Output) -> Vec<(String, String, String)> {
    json_lines(&out.stdout)
        .iter()
        .map(|d| (text(d, "rule").to_string(), text(d, "level").to_string(), text(d, "file").to_string()))
        .collect()
}

fn finding(rule: &str, level: &str, file: &str) -> (String, String, String) {
    (rule.to_string(), level.to_string(), file.to_string())
}

// ---- levels ------------------------------------------------------------------------------

#[test]
fn leaklint_toml_sets_rule_levels() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "leak.rs", ONE_LINE);
    let out = lint_in(dir.path(), &["leak.rs", "--format", "json"]);
    assert_eq!(rules_reported(&out), [finding("detached_spawn", "warning", "leak.rs")], "{}", out.stderr);

    write(dir.path(), "leaklint.toml", "[rules]\ndetached_spawn = \"deny\"\n");
    let out = lint_in(dir.path(), &["leak.rs", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(rules_reported(&out), [finding("detached_spawn", "error", "leak.rs")]);

    // Found from a subdirectory too: the search goes up from the current directory.
    std::fs::create_dir_all(dir.path().join("sub")).unwrap();
    let out = lint_in(&dir.path().join("sub"), &["../leak.rs", "--format", "json"]);
    assert_eq!(rules_reported(&out), [finding("detached_spawn", "error", "../leak.rs")], "{}", out.stderr);

    write(dir.path(), "leaklint.toml", "[rules]\ndetached_spawn = \"allow\"\n");
    let out = lint_in(dir.path(), &["leak.rs"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", out.stderr);
}

#[test]
fn command_line_levels_beat_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "leak.rs", ONE_LINE);
    write(dir.path(), "leaklint.toml", "[rules]\ndetached_spawn = \"allow\"\n");
    let out = lint_in(dir.path(), &["leak.rs", "--warn", "detached_spawn", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(rules_reported(&out), [finding("detached_spawn", "warning", "leak.rs")]);

    write(dir.path(), "leaklint.toml", "[rules]\ndetached_spawn = \"deny\"\n");
    let out = lint_in(dir.path(), &["leak.rs", "--allow", "detached_spawn"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", out.stderr);
}

#[test]
fn config_flag_names_the_file_and_include_tests_comes_from_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.rs", "#[test]\nfn t() { tokio::spawn(async { loop {} }); }\n");
    let out = lint_in(dir.path(), &["t.rs"]);
    assert_eq!(out.code, 0, "test code is skipped by default: {}", out.stdout);
    write(dir.path(), "ci/leaklint-ci.toml", "include-tests = true\n[rules]\ndetached_spawn = \"deny\"\n");
    let out = lint_in(dir.path(), &["t.rs", "--config", "ci/leaklint-ci.toml", "--format", "json"]);
    assert_eq!(rules_reported(&out), [finding("detached_spawn", "error", "t.rs")], "{}", out.stderr);

    let out = lint_in(dir.path(), &["t.rs", "--config", "missing.toml"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("error: missing.toml: cannot read"), "{}", out.stderr);
}

// ---- Cargo.toml metadata -----------------------------------------------------------------

/// A workspace of one member `a` whose library declares `mod gen;` and `mod real;`, both
/// leaky, with `metadata` appended to the root manifest.
fn workspace(metadata: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Cargo.toml", format!("[workspace]\nmembers = [\"a\"]\nresolver = \"2\"\n{metadata}"));
    write(root, "a/Cargo.toml", "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    write(root, "a/src/lib.rs", "mod gen;\nmod real;\n");
    write(root, "a/src/gen.rs", ONE_LINE);
    write(root, "a/src/real.rs", ONE_LINE);
    dir
}

#[test]
fn workspace_metadata_configures_a_workspace_run() {
    let ws = workspace("\n[workspace.metadata.leaklint]\nexclude = [\"a/src/gen.rs\"]\n\n[workspace.metadata.leaklint.rules]\ndetached_spawn = \"deny\"\n");
    // From a member's directory: the workspace root's configuration applies.
    let out = lint_in(&ws.path().join("a"), &["--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(rules_reported(&out), [finding("detached_spawn", "error", "a/src/real.rs")]);
    let human = lint_in(ws.path(), &[]);
    assert!(human.stderr.contains("excluded 1 file by configuration"), "{}", human.stderr);
    assert!(!human.stderr.contains("no target reaches"), "an excluded file is not unreached: {}", human.stderr);

    // leaklint.toml beside it wins, with a warning.
    write(ws.path(), "leaklint.toml", "[rules]\ndetached_spawn = \"allow\"\n");
    let out = lint_in(ws.path(), &["--format", "json"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", out.stderr);
    assert!(
        out.stderr.contains("warning: both `leaklint.toml` and `[workspace.metadata.leaklint]` in `Cargo.toml`"),
        "{}",
        out.stderr
    );
}

#[test]
fn errors_in_cargo_metadata_are_placed_in_cargo_toml() {
    let ws = workspace("\n[workspace.metadata.leaklint.rules]\ndetached_spawn = \"deny\"\ntimer_in_lop = \"allow\"\n");
    let out = lint_in(ws.path(), &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(out.stderr.trim(), "error: Cargo.toml:7:1: unknown rule `timer_in_lop`: did you mean `timer_in_loop`?");
}

// ---- excludes ----------------------------------------------------------------------------

#[test]
fn exclude_globs_skip_walked_files_but_not_named_ones_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "leaklint.toml", "exclude = [\"generated/**\", \"**/bindings.rs\"]\n");
    write(root, "src/lib.rs", ONE_LINE);
    write(root, "src/ffi/bindings.rs", ONE_LINE);
    write(root, "generated/api.rs", ONE_LINE);
    write(root, "generated/deep/more.rs", ONE_LINE);

    let out = lint_in(root, &[".", "--format", "json"]);
    let files: Vec<String> = rules_reported(&out).into_iter().map(|(_, _, f)| f).collect();
    assert_eq!(files, ["./src/lib.rs"], "{}", out.stderr);

    // Named on the command line (as pre-commit does): linted, as ruff does...
    let out = lint_in(root, &["generated/api.rs", "--format", "json"]);
    assert_eq!(rules_reported(&out), [finding("detached_spawn", "warning", "generated/api.rs")]);
    // ...unless --force-exclude.
    let out = lint_in(root, &["generated/api.rs", "src/lib.rs", "--force-exclude", "--format", "json"]);
    assert_eq!(rules_reported(&out), [finding("detached_spawn", "warning", "src/lib.rs")], "{}", out.stderr);
    let out = lint_in(root, &["generated/api.rs", "--force-exclude"]);
    assert_eq!(out.code, 0, "everything excluded is not an error: {}", out.stderr);
    assert!(out.stderr.contains("excluded 1 file by configuration"), "{}", out.stderr);

    // Patterns are relative to the configuration's directory, wherever leaklint runs.
    let out = lint_in(&root.join("generated"), &[".", "--format", "json"]);
    assert_eq!(out.stdout, "", "{}", out.stderr);
}

#[test]
fn an_invalid_glob_is_an_error_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "leaklint.toml", "exclude = [\n    \"src/[gen.rs\",\n]\n");
    write(dir.path(), "a.rs", CLEAN);
    let out = lint_in(dir.path(), &["a.rs"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("error: leaklint.toml:2:5: invalid exclude pattern `src/[gen.rs`"),
        "{}",
        out.stderr
    );
}

// ---- catalog entries ---------------------------------------------------------------------

const SPAWN_WRAPPER: &str = "pub fn start() {\n    my_rt::spawn_detached(async { loop {} });\n}\n";

#[test]
fn a_configured_spawn_function_is_a_spawn() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.rs", SPAWN_WRAPPER);
    let out = lint_in(dir.path(), &["app.rs"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "unknown without configuration: {}", out.stderr);

    write(
        dir.path(),
        "leaklint.toml",
        "[[catalog.spawn.function]]\npath = \"my_rt::spawn_detached\"\nhandle = \"join\"\n",
    );
    let out = lint_in(dir.path(), &["app.rs", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let d = &json_lines(&out.stdout)[0];
    assert_eq!((text(d, "rule"), num(d, "line_start"), num(d, "column_start")), ("detached_spawn", 2, 5));

    // A `task` handle cancels the task when dropped: nothing detached.
    write(
        dir.path(),
        "leaklint.toml",
        "[[catalog.spawn.function]]\npath = \"my_rt::spawn_detached\"\nhandle = \"task\"\n",
    );
    let out = lint_in(dir.path(), &["app.rs"]);
    assert_eq!(out.stdout, "", "{}", out.stderr);
}

#[test]
fn a_configured_channel_constructor_is_a_channel() {
    let src = "pub fn collect(items: Vec<u32>) -> Vec<u32> {\n    let (tx, rx) = my_chan::pipe();\n    for i in items {\n        let tx = tx.clone();\n        std::thread::spawn(move || tx.send(i).unwrap());\n    }\n    let mut out = Vec::new();\n    for v in rx.iter() {\n        out.push(v);\n    }\n    out\n}\n";
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "collect.rs", src);
    let out = lint_in(dir.path(), &["collect.rs"]);
    assert_eq!(out.stdout, "", "unknown without configuration: {}", out.stderr);

    write(
        dir.path(),
        "leaklint.toml",
        "[[catalog.channels.constructor]]\npath = \"my_chan::pipe\"\nkind = \"unbounded\"\n",
    );
    let out = lint_in(dir.path(), &["collect.rs", "--format", "json"]);
    let rules: Vec<String> = rules_reported(&out).into_iter().map(|(r, _, _)| r).collect();
    assert_eq!(rules, ["unclosed_channel"], "{}", out.stderr);
}

#[test]
fn a_configured_signal_type_gives_a_loop_a_way_out() {
    // The signal arm does not `break`: it ends the process, so only a signal makes it a
    // shutdown path (DESIGN §3.1).
    let src = "pub fn start(mut jobs: tokio::sync::mpsc::Receiver<Job>, stop: my_rt::Shutdown) {\n    tokio::spawn(async move {\n        loop {\n            tokio::select! {\n                _ = stop.wait() => flush_and_exit().await,\n                Some(job) = jobs.recv() => job.run().await,\n            }\n        }\n    });\n}\n";
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "worker.rs", src);
    let out = lint_in(dir.path(), &["worker.rs", "--format", "json"]);
    let rules: Vec<String> = rules_reported(&out).into_iter().map(|(r, _, _)| r).collect();
    assert_eq!(rules, ["detached_spawn"], "an unknown type is no signal: {}", out.stderr);

    write(dir.path(), "Cargo.toml", "[package]\nname = \"w\"\nedition = \"2021\"\n\n[package.metadata.leaklint.catalog.signals]\ntypes = [\"my_rt::Shutdown\"]\n");
    let out = lint_in(dir.path(), &["worker.rs"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", out.stderr);
}

// ---- errors ------------------------------------------------------------------------------

#[test]
fn unknown_rules_and_keys_are_errors_with_place_and_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.rs", CLEAN);
    write(dir.path(), "leaklint.toml", "exclude = []\n\n[rules]\ndetached_spwn = \"deny\"\n");
    let out = lint_in(dir.path(), &["a.rs"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr.trim(),
        "error: leaklint.toml:4:1: unknown rule `detached_spwn`: did you mean `detached_spawn`?"
    );

    write(dir.path(), "leaklint.toml", "include_tests = true\n");
    let out = lint_in(dir.path(), &["a.rs"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr.trim(),
        "error: leaklint.toml:1:1: unknown key `include_tests`: did you mean `include-tests`?"
    );

    write(dir.path(), "leaklint.toml", "[rules]\nleaked_timer = \"eror\"\n");
    let out = lint_in(dir.path(), &["a.rs"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.starts_with("error: leaklint.toml:2:16: unknown value `eror`"), "{}", out.stderr);

    // The same errors from `leaklint config`.
    let out = run(leaklint().current_dir(dir.path()).args(["config", "a.rs"]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.starts_with("error: leaklint.toml:2:16:"), "{}", out.stderr);
}

// ---- leaklint config ---------------------------------------------------------------------

#[test]
fn config_prints_the_effective_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(leaklint().current_dir(dir.path()).args(["config", "."]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("No configuration file was found"), "{}", out.stdout);
    assert!(out.stdout.contains("detached_spawn = \"warn\"  # default"), "{}", out.stdout);

    write(
        dir.path(),
        "leaklint.toml",
        "include-tests = true\nexclude = [\"gen/**\"]\n[rules]\ntimer_in_loop = \"allow\"\n\
         [[catalog.spawn.function]]\npath = \"my_rt::spawn_detached\"\nhandle = \"join\"\n",
    );
    let out = run(leaklint().current_dir(dir.path()).args(["config", ".", "--deny", "detached_spawn"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let s = &out.stdout;
    assert!(s.contains("# Read from leaklint.toml."), "{s}");
    assert!(s.contains("include-tests = true"), "{s}");
    assert!(s.contains("exclude = [\"gen/**\"]"), "{s}");
    assert!(s.contains("timer_in_loop = \"allow\"  # configuration"), "{s}");
    assert!(s.contains("detached_spawn = \"deny\"  # command line"), "{s}");
    assert!(s.contains("unclosed_channel = \"warn\"  # default"), "{s}");
    assert!(s.contains("[[catalog.spawn.function]]\npath = \"my_rt::spawn_detached\"\nhandle = \"join\""), "{s}");

    // What it prints is a configuration `--config` reads back.
    write(dir.path(), "printed.toml", s);
    write(dir.path(), "app.rs", SPAWN_WRAPPER);
    let out = lint_in(dir.path(), &["app.rs", "--config", "printed.toml", "--format", "json"]);
    assert_eq!(rules_reported(&out), [finding("detached_spawn", "error", "app.rs")], "{}", out.stderr);
}

#[test]
fn config_without_paths_shows_the_workspace_configuration() {
    let ws = workspace("\n[workspace.metadata.leaklint]\ninclude-tests = true\n");
    let out = run(leaklint().current_dir(ws.path().join("a/src")).arg("config"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("# Read from [workspace.metadata.leaklint] in "), "{}", out.stdout);
    assert!(out.stdout.contains("include-tests = true"), "{}", out.stdout);
}

#[test]
fn the_readme_example_is_a_valid_configuration() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = &readme[readme.find("### Configuration").expect("a Configuration section")..];
    let start = section.find("```toml\n").expect("a toml example") + "```toml\n".len();
    let example = &section[start..start + section[start..].find("```").expect("closed")];
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "leaklint.toml", example);
    let out = run(leaklint().current_dir(dir.path()).args(["config", "."]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("path = \"my_rt::spawn_detached\""), "{}", out.stdout);
    assert!(out.stdout.contains("timer_in_loop = \"allow\"  # configuration"), "{}", out.stdout);
}
