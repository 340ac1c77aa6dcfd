//! One finding per root cause (DESIGN §3): an interval-driven detached task that never
//! ends is reported once, as `leaked_timer` at the timer. The general `detached_spawn`
//! finding of the same task is found, then replaced by the pipeline, not silenced
//! inside a rule.

use std::path::Path;

use leaklint::diagnostic::Diagnostic;
use leaklint::lint::{run_texts, Options, Run};

fn lint(files: Vec<(String, String)>) -> Run {
    run_texts(files, &Options::default())
}

/// The findings of `rule` whose root cause is `site`.
fn at_cause<'r>(found: &'r [Diagnostic], rule: &str, d: &Diagnostic) -> Vec<&'r Diagnostic> {
    let site = d.cause.as_ref().map(|c| c.site);
    found.iter().filter(|x| x.rule == rule && x.cause.as_ref().map(|c| c.site) == site).collect()
}

#[test]
fn leaked_timer_positives_in_detached_tasks_produce_no_detached_spawn() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/leaked_timer");
    let mut in_tasks = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures/leaked_timer exists") {
        let path = entry.expect("readable entry").path();
        let text = std::fs::read_to_string(&path).expect("readable fixture");
        let run = lint(vec![(path.display().to_string(), text)]);
        let name = path.display();
        assert!(
            run.diagnostics.iter().all(|d| d.rule != "detached_spawn"),
            "{name}: a detached_spawn finding was reported next to leaked_timer"
        );
        for timer in run.diagnostics.iter().filter(|d| d.rule == "leaked_timer" && d.cause.is_some()) {
            in_tasks += 1;
            // The general finding exists: the task is detached and never ends...
            let replaced = at_cause(&run.superseded, "detached_spawn", timer);
            assert_eq!(replaced.len(), 1, "{name}: no detached_spawn replaced by {:?}", timer.message);
            // ...and was replaced by the pipeline, not reported.
            assert!(at_cause(&run.diagnostics, "detached_spawn", timer).is_empty());
        }
        assert!(run.superseded.iter().all(|d| d.rule == "detached_spawn"), "{name}: only detached_spawn is replaced");
    }
    assert!(in_tasks >= 20, "only {in_tasks} leaked_timer positives sit in detached tasks");
}

/// The task is spawned in one file and its interval loop is in another: the timer's
/// finding (in `report.rs`) still replaces the spawn's (in `start.rs`).
#[test]
fn the_cause_may_be_in_another_file_than_the_finding() {
    let start = "pub fn start(stats: Stats) { tokio::spawn(crate::report::report(stats)); }\n".to_string();
    let report = "use tokio::time::interval;\n\
         pub async fn report(stats: Stats) {\n\
             let mut every = interval(std::time::Duration::from_secs(2));\n\
             loop { every.tick().await; stats.report(); }\n\
         }\n"
    .to_string();
    let run = lint(vec![("start.rs".into(), start), ("report.rs".into(), report)]);
    let rules: Vec<(&str, &str)> =
        run.diagnostics.iter().map(|d| (run.db.get(d.primary.span.file).name.as_str(), d.rule)).collect();
    assert_eq!(rules, [("report.rs", "leaked_timer")]);
    assert_eq!(run.superseded.len(), 1);
    assert_eq!(run.db.get(run.superseded[0].primary.span.file).name, "start.rs");
}

/// Without a repeating timer the detached task is `detached_spawn`'s, as before.
#[test]
fn a_task_without_a_repeating_timer_stays_a_detached_spawn() {
    let src =
        "pub fn start(c: Conn) { tokio::spawn(async move { loop { c.ping().await; tokio::time::sleep(D).await; } }); }";
    let run = lint(vec![("a.rs".into(), src.into())]);
    let rules: Vec<&str> = run.diagnostics.iter().map(|d| d.rule).collect();
    assert_eq!(rules, ["detached_spawn"]);
    assert!(run.superseded.is_empty());
}
