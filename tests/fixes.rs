//! Machine-applicable fixes are proven on the fixtures: applying every suggestion of a
//! rule to a fixture and linting the result again removes exactly the fixed findings,
//! keeps the file parsing, and adds nothing new.

use std::path::Path;

use leaklint::diagnostic::Diagnostic;
use leaklint::lint::{run_texts, Options};

fn lint(name: &str, text: &str) -> Vec<Diagnostic> {
    let options = Options { include_tests: text.contains("//@ include-tests"), ..Options::default() };
    run_texts(vec![(name.to_string(), text.to_string())], &options).diagnostics
}

/// `text` with every fix of `found` applied (they never overlap: one per loop).
fn apply(text: &str, found: &[Diagnostic]) -> String {
    let mut fixes: Vec<_> = found.iter().filter_map(|d| d.fix.as_ref()).collect();
    fixes.sort_by_key(|f| std::cmp::Reverse(f.span.lo));
    let mut out = text.to_string();
    for f in fixes {
        out.replace_range(f.span.range(), &f.replacement);
    }
    out
}

/// What a finding says, without where: lines move when a fix inserts one.
fn what(d: &Diagnostic) -> (String, String) {
    (d.rule.to_string(), d.message.clone())
}

#[test]
fn unclosed_channel_fixes_remove_the_finding_and_add_nothing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/unclosed_channel");
    let mut fixed = 0;
    for entry in std::fs::read_dir(&dir).expect("fixture folder") {
        let path = entry.expect("entry").path();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).expect("readable");
        let before = lint(&name, &text);
        let with_fix: Vec<&Diagnostic> = before.iter().filter(|d| d.fix.is_some()).collect();
        if with_fix.is_empty() {
            continue;
        }
        assert!(with_fix.iter().all(|d| d.rule == "unclosed_channel"), "{name}: only unclosed_channel offers fixes");
        let after_text = apply(&text, &before);
        let after = lint(&name, &after_text);
        assert!(after.iter().all(|d| d.rule != "parse_error"), "{name}: the fixed file does not parse:\n{after_text}");
        let mut want: Vec<_> = before.iter().filter(|d| d.fix.is_none()).map(what).collect();
        let mut got: Vec<_> = after.iter().map(what).collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{name}: after the fixes, exactly the unfixed findings remain");
        fixed += with_fix.len();
    }
    assert!(fixed >= 10, "only {fixed} fixes were exercised");
}

#[test]
fn a_fix_keeps_the_loop_indentation() {
    let src =
        "fn f() {\n    let (tx, rx) = std::sync::mpsc::channel::<u8>();\n    if x {\n\tfor v in rx {}\n    }\n}\n";
    let found = lint("a.rs", src);
    let fixed = apply(src, &found);
    assert_eq!(fixed, src.replace("\tfor v in rx", "\tdrop(tx);\n\tfor v in rx"));
}
