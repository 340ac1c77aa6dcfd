//! `timer_in_loop`: a timer made anew every iteration of a loop, so it never fires (a
//! raced one-shot timer) or never waits (a tokio interval ticked at once).

use crate::analysis::timers::{self, FreshInterval, RestartingTimer};
use crate::analysis::tree::ExprKind;
use crate::analysis::Analysis;
use crate::diagnostic::{Diagnostic, Label, Level};
use crate::rules::{CrateContext, Rule, RuleMeta};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: "timer_in_loop",
        default_level: Level::Warn,
        summary: "a timer is re-created every loop iteration: a raced timeout that restarts whenever another arm wins, or a tokio interval whose first tick is immediate",
        docs: DOCS,
    },
    check,
};

const DOCS: &str = r#"
### What it finds
- A one-shot timer — `sleep`, `sleep_until`, `timeout`, `Timer::after`,
  async-std's `task::sleep`/`future::timeout`, crossbeam's `after` or `tick` in a
  `recv(..)` arm — raced in a `select!` (tokio, futures or crossbeam) inside a loop and
  made in that iteration (in the arm, or in the loop body before the `select!`), while
  another arm's handler does not always leave the loop (a `recv`, `next`, `tick`,
  `changed`, `read` or `accept` arm that handles the value and goes on; a crossbeam or
  futures `default` arm). Not reported, because nothing starts over or nothing is lost:
  a sleep awaited inside an arm's handler (it is not raced); a `sleep_until(deadline)`
  whose deadline was computed before the loop, or a `sleep` for the time left until a
  deadline (`deadline.duration_since(Instant::now())`); a timeout raced only against
  operations of the same iteration (`resp = req`, the request sent in this iteration);
  a select whose other arms all `break` or `return`, or wait on a signal that fires
  once (`CancellationToken::cancelled()`, a oneshot, `ctrl_c()`); a select that
  only waits for whichever comes first (the timer's handler does nothing and no other
  arm skips the code after the select).
- A tokio `interval(..)` made in a loop body and ticked in the same iteration (not by an
  inner loop). `interval_at` with a later start is fine.

### Why it leaks
Every time another arm wins, the loop comes round and makes a new timer whose deadline
starts over: under steady traffic the timeout never fires, so the flush, heartbeat or
idle check it guards never runs (Go: `case <-time.After(d)` in a `for { select {} }`
loop). The first tick of a new tokio interval completes at once, so a loop that makes
one per iteration never waits.

### Example
```rust
loop {
    tokio::select! {
        Some(event) = events.recv() => batch.push(event),
        _ = tokio::time::sleep(Duration::from_secs(1)) => flush(&mut batch).await,
    }
}
```

### Fix
Make the timer once before the loop, pin it, and reset it when a new period starts — or
use an `interval`:
```rust
let flush_timer = tokio::time::sleep(Duration::from_secs(1));
tokio::pin!(flush_timer);
loop {
    tokio::select! {
        Some(event) = events.recv() => batch.push(event),
        _ = &mut flush_timer => {
            flush(&mut batch).await;
            flush_timer.as_mut().reset(Instant::now() + Duration::from_secs(1));
        }
    }
}
```
"#;

fn check(cx: &CrateContext, file: usize, out: &mut Vec<Diagnostic>) {
    let a = cx.files[file];
    for t in timers::restarting_timers(cx.krate(), file) {
        if cx.in_scope(file, t.call) {
            out.push(restarting(a, &t));
        }
    }
    for f in timers::fresh_intervals(a) {
        if cx.in_scope(file, f.call) {
            out.push(fresh_interval(a, &f));
        }
    }
}

fn restarting(a: &Analysis, t: &RestartingTimer) -> Diagnostic {
    let tree = &a.tree;
    let name = timers::timer_name(a, t.call);
    let message = format!(
        "this `{name}` is made anew every iteration of the loop: whenever another `select!` arm wins, it starts over, so it may never fire"
    );
    let mut d = Diagnostic::new(
        RULE.meta.id,
        RULE.meta.default_level,
        message,
        Label::new(tree.call_span(t.call), "made again in every iteration"),
    );
    let rival = match tree.kind(t.select) {
        ExprKind::Select { arms, .. } => arms.get(t.rival),
        _ => None,
    };
    if let Some(rival) = rival {
        d = d.with_label(Label::new(rival.span, "when this arm wins, the loop goes on and the timer starts over"));
    }
    d.with_label(Label::new(tree.span(t.looop), "this loop"))
        .with_help(format!("make the `{name}` once before the loop and `tokio::pin!` it (reset it explicitly when a new period starts), or use `interval`"))
}

fn fresh_interval(a: &Analysis, f: &FreshInterval) -> Diagnostic {
    let tree = &a.tree;
    let message = "this interval is made anew every iteration and ticked in the same one: a new tokio interval's first tick completes at once, so the loop never waits";
    Diagnostic::new(
        RULE.meta.id,
        RULE.meta.default_level,
        message,
        Label::new(tree.call_span(f.call), "made again in every iteration"),
    )
    .with_label(Label::new(tree.call_span(f.tick), "completes at once"))
    .with_label(Label::new(tree.span(f.looop), "this loop"))
    .with_help("make the interval once before the loop and tick it in the loop (or use `sleep` for a single wait)")
}
