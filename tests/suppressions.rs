//! Inline suppressions: `// leaklint::allow(rule): reason` on a finding's line or the line
//! above silences it; one that silences nothing is `leaklint::unused_suppression`.

use leaklint::lint::{run_texts, Options};

/// `(line, rule)` of every finding in `src`.
fn findings(src: &str) -> Vec<(usize, String)> {
    let run = run_texts(vec![("a.rs".into(), src.into())], &Options::default());
    let file = run.db.files().next().expect("one file").1;
    run.diagnostics.iter().map(|d| (file.line_col(d.primary.span.lo as usize).line, d.rule.to_string())).collect()
}

const LEAK: &str = "    tokio::spawn(async move { loop { c.ping().await; } });\n";

fn f(body: &str) -> String {
    format!("pub fn start(c: Conn) {{\n{body}}}\n")
}

#[test]
fn a_suppression_on_the_line_above_or_the_same_line_silences_its_rule() {
    assert_eq!(findings(&f(LEAK)), [(2, "detached_spawn".to_string())]);
    let above = f(&format!("    // leaklint::allow(detached_spawn): a process-lifetime pinger\n{LEAK}"));
    assert_eq!(findings(&above), []);
    let same = f(&LEAK.replace(";\n", "; // leaklint::allow(detached_spawn)\n"));
    assert_eq!(findings(&same), [], "a reason is optional");
}

#[test]
fn a_suppression_of_another_rule_or_too_far_away_does_not_silence() {
    let other = f(&format!("    // leaklint::allow(leaked_timer): wrong rule\n{LEAK}"));
    assert_eq!(findings(&other), [(2, "unused_suppression".into()), (3, "detached_spawn".into())]);
    let far = f(&format!("    // leaklint::allow(detached_spawn): too far\n\n{LEAK}"));
    assert_eq!(findings(&far), [(2, "unused_suppression".into()), (4, "detached_spawn".into())]);
}

#[test]
fn unknown_rules_are_reported_and_findings_say_how_to_suppress() {
    let unknown = f("    // leaklint::allow(detached_spwan)\n    let x = 1;\n");
    let run = run_texts(vec![("a.rs".into(), unknown)], &Options::default());
    assert_eq!(run.diagnostics.len(), 1);
    assert!(
        run.diagnostics[0].message.contains("names no leaklint rule: `detached_spwan`"),
        "{}",
        run.diagnostics[0].message
    );

    let run = run_texts(vec![("a.rs".into(), f(LEAK))], &Options::default());
    let help = run.diagnostics[0].help.as_deref().unwrap_or_default();
    assert!(help.contains("`// leaklint::allow(detached_spawn): <why>`"), "{help}");
}
