//! Inputs that must not crash leaklint or stop the run. Each bad input sits beside a good
//! file (`good.rs`, one detached spawn) whose finding must still be reported; the bad input
//! itself is named in the output, as a `leaklint::parse_error` diagnostic or a warning.

mod support;

use std::path::Path;

use support::*;

/// One `--format json` run.
struct Linted {
    code: i32,
    findings: Vec<serde_json::Value>,
    stderr: String,
}

fn lint(args: &[&Path]) -> Linted {
    let out = run(leaklint().args(args).args(["--format", "json"]));
    Linted { code: out.code, findings: json_lines(&out.stdout), stderr: out.stderr }
}

/// A temp dir holding `good.rs` (one finding) and the bad file `name`.
fn beside_good(name: &str, bad: impl AsRef<[u8]>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.rs", LEAKY);
    write(dir.path(), name, bad);
    dir
}

/// The rules reported for files whose path ends with `file_suffix`.
fn rules_for(l: &Linted, file_suffix: &str) -> Vec<String> {
    l.findings.iter().filter(|d| text(d, "file").ends_with(file_suffix)).map(|d| text(d, "rule").to_string()).collect()
}

/// The good file was linted as usual: exactly its one finding.
fn assert_good_linted(l: &Linted) {
    assert_eq!(rules_for(l, "good.rs"), ["detached_spawn"], "good.rs: {:?}\n{}", l.findings, l.stderr);
}

/// The `parse_error` diagnostic for the file whose path ends with `file_suffix`.
fn parse_error<'a>(l: &'a Linted, file_suffix: &str) -> &'a serde_json::Value {
    let e = l
        .findings
        .iter()
        .find(|d| d["rule"] == "parse_error" && text(d, "file").ends_with(file_suffix))
        .unwrap_or_else(|| panic!("no parse_error for {file_suffix}: {:?}\n{}", l.findings, l.stderr));
    assert_eq!(e["code"], "leaklint::parse_error");
    assert_eq!(e["level"], "error");
    e
}

#[test]
fn invalid_utf8_is_reported_at_the_first_bad_byte() {
    let dir = beside_good("bad.rs", b"fn ok() {}\nfn \xff\xfe() {}\n".as_slice());
    let l = lint(&[dir.path()]);
    assert_good_linted(&l);
    let e = parse_error(&l, "bad.rs");
    assert!(text(e, "message").contains("UTF-8"), "{e}");
    assert_eq!((num(e, "line_start"), num(e, "column_start")), (2, 4));
    assert_eq!(num(e, "byte_start"), 14);
    assert_eq!(l.code, 1);
}

/// Where and why `syn` (the parser leaklint uses) rejects `src`: 1-based line and column.
fn syn_error(src: &str) -> (usize, usize, String) {
    let err = syn::parse_str::<syn::File>(src).expect_err("a syntax error");
    let at = err.span().start();
    (at.line, at.column + 1, err.to_string())
}

#[test]
fn syntax_error_points_at_the_parser_location() {
    let unexpected = "fn ok() {}\nfn g() {\n    let x = ;\n}\n";
    let dir = beside_good("unexpected.rs", unexpected);
    let (good, bad) = (dir.path().join("good.rs"), dir.path().join("unexpected.rs"));
    let l = lint(&[&good, &bad]);
    assert_good_linted(&l);
    let e = parse_error(&l, "unexpected.rs");
    let (line, column, message) = syn_error(unexpected);
    assert_eq!((line, column), (3, 13));
    assert_eq!((num(e, "line_start"), num(e, "column_start")), (line, column), "{e}");
    assert_eq!(text(e, "message"), format!("could not parse this file: {message}"));
    assert_eq!(l.code, 1);

    // Human output names the file at that position.
    let out = run(leaklint().arg(&bad).arg("--color=never"));
    assert!(out.stdout.contains("error[leaklint::parse_error]"), "{}", out.stdout);
    assert!(out.stdout.contains("unexpected.rs:3:13"), "{}", out.stdout);
}

/// A file `proc_macro2` cannot split into tokens is explained as rustc explains it, not as
/// syn's "cannot parse string into token stream": here the `{` left open, the block whose
/// `}` is indented differently (the one that took its `}`), and the end of the file.
#[test]
fn unclosed_brace_is_reported_at_its_line_and_column() {
    let src = "fn ok() {}\n\npub fn f(x: u32) {\n    if x > 1 {\n        g();\n}\n";
    let dir = beside_good("broken.rs", src);
    let l = lint(&[&dir.path().join("good.rs"), &dir.path().join("broken.rs")]);
    assert_good_linted(&l);
    let e = parse_error(&l, "broken.rs");
    assert_eq!(text(e, "message"), "could not parse this file: unclosed delimiter `{`");
    assert_eq!(
        (num(e, "line_start"), num(e, "column_start"), num(e, "line_end"), num(e, "column_end")),
        (3, 18, 3, 19)
    );
    assert_eq!((num(e, "byte_start"), num(e, "byte_end")), (29, 30));
    assert_eq!(&src[29..30], "{");
    let labels: Vec<_> = e["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| (num(l, "line_start"), num(l, "column_start"), text(l, "message"), l["primary"] == true))
        .collect();
    assert_eq!(
        labels,
        [
            (3, 18, "unclosed delimiter", true),
            (4, 14, "this delimiter might not be properly closed...", false),
            (6, 1, "...as it matches this but it has different indentation", false),
            (6, 2, "the file ends here", false),
        ]
    );
    assert_eq!(l.code, 1);

    let out = run(leaklint().arg(dir.path().join("broken.rs")).arg("--color=never"));
    assert!(
        out.stdout.contains("error[leaklint::parse_error]: could not parse this file: unclosed delimiter `{`"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("broken.rs:3:18"), "{}", out.stdout);
}

/// A file that was read but does not parse is a finding (level error), so the run exits 1,
/// even when it is the only file: 2 is for usage errors and "nothing could be read".
#[test]

fn a_lone_syntax_error_is_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let broken = write(dir.path(), "broken.rs", "fn f( {\n");
    let l = lint(&[&broken]);
    parse_error(&l, "broken.rs");
    assert_eq!(l.code, 1, "{}", l.stderr);
}

#[test]
fn a_twenty_megabyte_file_is_linted() {
    // Many small valid functions; the string literal keeps the token count (and the test's
    // time in debug builds) down while the file stays 20 MB.
    let pad = "x".repeat(160);
    let mut big = String::with_capacity(21 << 20);
    let mut n = 0u32;
    while big.len() < 20 << 20 {
        big.push_str(&format!("pub fn f{n}(x: u64) -> u64 {{ let _ = \"{pad}\"; x.wrapping_add({n}) }}\n"));
        n += 1;
    }
    let leak_line = big.lines().count() + 2;
    big.push_str(LEAKY);
    let dir = beside_good("big.rs", &big);
    let l = lint(&[dir.path()]);
    assert_good_linted(&l);
    let found: Vec<_> = l.findings.iter().filter(|d| text(d, "file").ends_with("big.rs")).collect();
    assert_eq!(found.len(), 1, "the leak at the end of the big file: {found:?}");
    assert_eq!(found[0]["rule"], "detached_spawn");
    assert_eq!(num(found[0], "line_start"), leak_line);
    assert_eq!(num(found[0], "byte_start"), big.rfind("tokio::spawn").unwrap());
    assert_eq!(l.code, 1);
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
    let out = run(leaklint().arg(dir.path()).args(["--format", "json"]));
    assert!(matches!(out.code, 0 | 1), "exit {}: {}", out.code, out.stderr);
    assert!(!out.stderr.contains("overflow"), "{}", out.stderr);
    let l = Linted { code: out.code, findings: json_lines(&out.stdout), stderr: out.stderr };
    assert_good_linted(&l);
    // Linted cleanly or reported as a parse error; never an internal error.
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
        eprintln!("skipped: this user (root?) can read a mode-000 file");
        return;
    }
    let l = lint(&[dir.path()]);
    assert_good_linted(&l);
    let e = parse_error(&l, "secret.rs");
    assert!(text(e, "message").contains("could not read"), "{e}");
    assert_eq!(l.code, 1);
}

#[test]
fn dangling_symlink_is_reported_and_the_run_goes_on() {
    let dir = beside_good("sub/ok.rs", CLEAN);
    std::os::unix::fs::symlink(dir.path().join("nowhere.rs"), dir.path().join("sub/dangling.rs")).unwrap();
    let l = lint(&[dir.path()]);
    assert_good_linted(&l);
    let e = parse_error(&l, "dangling.rs");
    assert!(text(e, "message").contains("dangling.rs"), "{e}");
    assert_eq!(l.code, 1);
}

#[test]
fn symlink_loop_is_reported_not_followed_forever() {
    let dir = beside_good("dir/ok.rs", CLEAN);
    std::os::unix::fs::symlink(dir.path().join("dir"), dir.path().join("dir/loop")).unwrap();
    let l = lint(&[dir.path()]);
    assert_good_linted(&l);
    assert!(rules_for(&l, "dir/ok.rs").is_empty(), "{:?}", l.findings);
    let e = parse_error(&l, "dir/loop");
    assert!(text(e, "message").contains("loop"), "{e}");
    assert_eq!(l.code, 1);
}

#[test]
fn empty_file_is_linted_cleanly() {
    let dir = beside_good("empty.rs", "");
    let out = run(leaklint().arg(dir.path()).arg("--color=never"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stdout.contains("empty.rs"), "{}", out.stdout);
    assert!(out.stdout.contains("good.rs:2:5"), "{}", out.stdout);
    assert!(out.stderr.contains("1 warning, 0 errors in 2 files"), "{}", out.stderr);

    let alone = run(leaklint().arg(dir.path().join("empty.rs")));
    assert_eq!(alone.code, 0, "{}", alone.stderr);
    assert_eq!(alone.stdout, "");
    assert!(alone.stderr.contains("0 warnings, 0 errors in 1 file"), "{}", alone.stderr);
}

#[test]
fn non_rust_argument_is_named_and_skipped() {
    let dir = beside_good("README.md", "# not rust");
    let l = lint(&[&dir.path().join("good.rs"), &dir.path().join("README.md")]);
    assert_good_linted(&l);
    assert!(l.stderr.contains("warning") && l.stderr.contains("README.md"), "{}", l.stderr);
    assert_eq!(rules_for(&l, "README.md"), Vec::<String>::new());
    assert_eq!(l.code, 1);
}

#[test]
fn missing_path_is_named_and_the_others_linted() {
    let dir = beside_good("other.rs", CLEAN);
    let missing = dir.path().join("missing.rs");
    let l = lint(&[&dir.path().join("good.rs"), &missing, &dir.path().join("other.rs")]);
    assert_good_linted(&l);
    let e = parse_error(&l, "missing.rs");
    assert!(text(e, "message").contains("missing.rs"), "{e}");
    assert_eq!(l.code, 1);

    let missing_dir = dir.path().join("no_such_dir");
    let l = lint(&[dir.path(), &missing_dir]);
    assert_good_linted(&l);
    parse_error(&l, "no_such_dir");
    assert_eq!(l.code, 1);
}

#[test]
fn only_a_missing_path_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.rs");
    let out = run(leaklint().arg(&missing));
    assert_eq!(out.code, 2);
    assert!(format!("{}{}", out.stdout, out.stderr).contains("missing.rs"), "{out:?}");
}

#[test]
fn only_a_non_rust_file_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    let readme = write(dir.path(), "README.md", "# not rust");
    let out = run(leaklint().arg(&readme));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("README.md"), "{}", out.stderr);
}
