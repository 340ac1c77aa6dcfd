//! Inputs that must not crash leaklint or stop the run: each sits beside a good file
//! whose finding must still be reported, and is itself named in the output.

mod support;

use std::path::Path;

use support::*;

struct Linted {
    code: i32,
    findings: Vec<serde_json::Value>,
    stderr: String,
}

fn lint(args: &[&Path], extra: &[&str]) -> Linted {
    let out = run({
        let mut c = leaklint();
        c.args(args).args(["--format", "json"]).args(extra);
        c
    });
    Linted { code: out.code, findings: json_lines(&out.stdout), stderr: out.stderr }
}

/// A temp dir holding `good.rs` (one finding) and the bad file `name`.
fn beside_good(name: &str, bad: impl AsRef<[u8]>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.rs", LEAKY);
    write(dir.path(), name, bad);
    dir
}

fn rules_for(l: &Linted, file_suffix: &str) -> Vec<String> {
    l.findings
        .iter()
        .filter(|d| d["file"].as_str().unwrap().ends_with(file_suffix))
        .map(|d| d["rule"].as_str().unwrap().to_string())
        .collect()
}

fn parse_error<'a>(l: &'a Linted, file_suffix: &str) -> &'a serde_json::Value {
    l.findings
        .iter()
        .find(|d| d["rule"] == "parse_error" && d["file"].as_str().unwrap().ends_with(file_suffix))
        .unwrap_or_else(|| panic!("no parse_error for {file_suffix}: {:?}", l.findings))
}

#[test]
fn invalid_utf8_is_reported_at_the_first_bad_byte() {
    let dir = beside_good("bad.rs", b"fn ok() {}\nfn \xff\xfe() {}\n".as_slice());
    let l = lint(&[dir.path()], &[]);
    assert_eq!(rules_for(&l, "good.rs"), ["detached_spawn"]);
    let e = parse_error(&l, "bad.rs");
    assert!(e["message"].as_str().unwrap().contains("UTF-8"));
    assert_eq!((e["line_start"].as_u64(), e["column_start"].as_u64()), (Some(2), Some(4)));
    assert_eq!(l.code, 1);
}

#[test]
fn syntax_error_points_at_the_parser_location() {
    let dir = beside_good("broken.rs", "fn ok() {}\n\nfn f( {\n");
    let l = lint(&[dir.path()], &[]);
    assert_eq!(rules_for(&l, "good.rs"), ["detached_spawn"]);
    let e = parse_error(&l, "broken.rs");
    assert_eq!(e["line_start"], 3);
    assert_eq!(e["level"], "error");
    assert_eq!(l.code, 1);
}

#[test]
fn a_twenty_megabyte_file_is_linted() {
    let mut big = String::with_capacity(21 << 20);
    let mut n = 0;
    while big.len() < 20 << 20 {
        big.push_str(&format!("pub fn f{n}(x: u64) -> u64 {{ let y = x.wrapping_mul({n}); y ^ (y >> 7) }}\n"));
        n += 1;
    }
    big.push_str(LEAKY);
    let dir = beside_good("big.rs", &big);
    let l = lint(&[dir.path()], &[]);
    assert_eq!(rules_for(&l, "good.rs"), ["detached_spawn"]);
    assert_eq!(rules_for(&l, "big.rs"), ["detached_spawn"], "the leak at the end of the big file");
}

#[test]
fn ten_thousand_levels_of_nesting_do_not_overflow() {
    let depth = 10_000;
    let parens = format!("fn f() {{ let x = {}1{}; }}\n", "(".repeat(depth), ")".repeat(depth));
    let blocks = format!("fn g() {}{}\n", "{".repeat(depth), "}".repeat(depth));
    let mods = format!("{} fn h() {{}} {}\n", "mod m {".repeat(depth), "}".repeat(depth));
    let dir = beside_good("parens.rs", parens);
    write(dir.path(), "blocks.rs", blocks);
    write(dir.path(), "mods.rs", mods);
    let l = lint(&[dir.path()], &[]);
    assert!(matches!(l.code, 0 | 1), "exit {}: {}", l.code, l.stderr);
    assert!(!l.stderr.contains("overflow"), "{}", l.stderr);
    assert_eq!(rules_for(&l, "good.rs"), ["detached_spawn"]);
    // Either linted cleanly or reported as a parse error; never a crash.
    for f in ["parens.rs", "blocks.rs", "mods.rs"] {
        assert!(rules_for(&l, f).iter().all(|r| r == "parse_error"), "{f}: {:?}", rules_for(&l, f));
    }
}

#[test]
fn unreadable_file_is_reported_and_the_run_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let dir = beside_good("secret.rs", CLEAN);
    let secret = dir.path().join("secret.rs");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&secret).is_ok() {
        eprintln!("skipped: running with privileges that read a mode-000 file");
        return;
    }
    let l = lint(&[dir.path()], &[]);
    assert_eq!(rules_for(&l, "good.rs"), ["detached_spawn"]);
    assert!(parse_error(&l, "secret.rs")["message"].as_str().unwrap().contains("could not read"));
    assert_eq!(l.code, 1);
}

#[test]
fn symlink_loop_is_reported_not_followed_forever() {
    let dir = beside_good("sub/ok.rs", CLEAN);
    std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/loop")).unwrap();
    let l = lint(&[dir.path()], &[]);
    assert_eq!(rules_for(&l, "good.rs"), ["detached_spawn"]);
    let e = parse_error(&l, "loop");
    assert!(e["message"].as_str().unwrap().contains("symlink loop"), "{e}");
    assert_eq!(l.code, 1);
}

#[test]
fn empty_file_is_linted_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.rs", "");
    let out = run({
        let mut c = leaklint();
        c.arg(&empty);
        c
    });
    assert_eq!(out.code, 0);
    assert!(out.stderr.contains("in 1 file"), "{}", out.stderr);
}

#[test]
fn non_rust_and_missing_arguments_are_named_and_skipped() {
    let dir = beside_good("README.md", "# not rust");
    let good = dir.path().join("good.rs");
    let readme = dir.path().join("README.md");
    let missing = dir.path().join("missing.rs");
    let l = lint(&[&good, &readme, &missing], &[]);
    assert_eq!(rules_for(&l, "good.rs"), ["detached_spawn"]);
    assert!(l.stderr.contains("README.md") && l.stderr.contains("not a `.rs` file"), "{}", l.stderr);
    assert!(parse_error(&l, "missing.rs")["message"].as_str().unwrap().contains("no such file"));
    assert_eq!(l.code, 1);
}

#[test]
fn nothing_readable_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    let readme = write(dir.path(), "README.md", "# not rust");
    let missing = dir.path().join("missing.rs");
    assert_eq!(lint(&[&missing], &[]).code, 2);
    let only_readme = lint(&[&readme], &[]);
    assert_eq!(only_readme.code, 2);
    assert!(only_readme.stderr.contains("no Rust files"), "{}", only_readme.stderr);
}

#[test]
fn dangling_symlink_is_reported_even_as_root() {
    let dir = beside_good("sub/ok.rs", CLEAN);
    std::os::unix::fs::symlink(dir.path().join("nowhere.rs"), dir.path().join("sub/dangling.rs")).unwrap();
    let l = lint(&[dir.path()], &[]);
    assert_eq!(rules_for(&l, "good.rs"), ["detached_spawn"]);
    let e = parse_error(&l, "dangling.rs");
    assert!(e["message"].as_str().unwrap().contains("dangling.rs"), "{e}");
    assert_eq!(l.code, 1);
}
