//! `leaked_timer`: a repeating timer that is never dropped, so it never stops.

use crate::analysis::immortal::{Forever, Kept};
use crate::analysis::tasks::DetachedTask;
use crate::analysis::timers::{self, GuardLoss, MadeWhere, TaskTimer};
use crate::analysis::tree::ExprId;
use crate::analysis::wrappers::Fate;
use crate::analysis::Analysis;
use crate::diagnostic::{Diagnostic, Label, Level};
use crate::rules::{detached_spawn, CrateContext, Rule, RuleMeta};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: "leaked_timer",
        default_level: Level::Warn,
        summary: "a repeating timer is never dropped: owned by a task that never ends, kept in a static, leaked, or its schedule's guard ignored",
        docs: DOCS,
    },
    check,
};

const DOCS: &str = r#"
### What it finds
A repeating timer — `tokio::time::interval`/`interval_at`, `IntervalStream::new`,
`async_io::Timer::interval` (`smol::Timer::interval`), `async_std::stream::interval`,
`crossbeam_channel::tick`, through any import or re-export such as
`actix_rt::time::interval` — that is never dropped:
- it is owned by a **detached task that never ends**: made in the spawned closure or
  async block, made before the spawn and moved in, or made in a same-crate function the
  task runs (`tokio::spawn(report_usage(stats))`, also through the workspace's spawn
  wrappers). Such a task is reported here once, at the timer, and not also as
  `detached_spawn`;
- it is put where it is never dropped: a `static` (`Lazy::new(|| ..)`, `OnceLock::set`,
  `get_or_init`, `lazy_static!`), `mem::forget`, `Box::leak`;
- a `timer::Timer::schedule_repeating(..)` guard is `.ignore()`d or forgotten, so the
  schedule can never be cancelled. (Dropping the `Guard` cancels the schedule at once:
  that is not a leak.)

One-shot timers (`sleep`, `after`, `Timer::after`) are not repeating.

### Why it leaks
A repeating timer stops only when it is dropped (Go: `time.Tick`, a `Ticker` never
stopped). Owned by a task nobody can stop, it wakes the task every period for as long as
the process lives, and each call of the function that starts the task adds one more.
Kept in a static or leaked, or its guard ignored, nothing can ever stop it.

### Example
```rust
pub fn install(stats: Arc<Stats>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(2));
        loop {
            every.tick().await;
            stats.report();
        }
    });
}
```

### Fix
Keep the task's `JoinHandle` to abort it, or race the ticks against a shutdown signal and
break, so the interval is dropped with the task:
```rust
pub fn install(stats: Arc<Stats>, stop: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(2));
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = every.tick() => stats.report(),
            }
        }
    })
}
```
Keep a `timer` schedule's `Guard` for as long as the schedule should run, and drop it to
cancel it. Not reported: code in `fn main`, test code unless `--include-tests`.
"#;

/// A detached task's timer finding stands for the task's `detached_spawn` finding.
const REPLACES: &[&str] = &[detached_spawn::RULE.meta.id];

fn check(cx: &CrateContext, file: usize, out: &mut Vec<Diagnostic>) {
    let a = cx.files[file];
    for i in 0..a.tree.exprs.len() {
        let spawn = ExprId(i as u32);
        let Some(task) = cx.detached_forever(file, spawn) else { continue };
        let Some(timer) = timers::task_timer(cx.krate(), cx.wrappers, file, &task) else { continue };
        out.push(task_finding(cx, a, spawn, &task, &timer));
    }
    for kept in timers::kept_timers(a) {
        if cx.in_scope(file, kept.call) && !a.tree.expr(kept.call).scope.in_main {
            out.push(kept_finding(a, kept.call, kept.kept));
        }
    }
    for guard in timers::lost_guards(a) {
        if cx.in_scope(file, guard.call) && !a.tree.expr(guard.call).scope.in_main {
            out.push(guard_finding(a, guard.call, guard.loss, guard.at));
        }
    }
}

fn task_finding(cx: &CrateContext, a: &Analysis, spawn: ExprId, task: &DetachedTask, timer: &TaskTimer) -> Diagnostic {
    let ta = cx.files[timer.file];
    let name = timers::timer_name(ta, timer.call);
    let made = match timer.made {
        MadeWhere::InTask => "made in".to_string(),
        MadeWhere::MovedIn => "moved into".to_string(),
        MadeWhere::InFn(f) => format!("made in `{}`, run by", cx.files[f.file].tree.fns[f.def].name),
    };
    let message = format!(
        "this `{name}` is never dropped: it is {made} a spawned {} that is never stopped ({})",
        task.spawn.what,
        task.discard.describe()
    );
    let site = a.tree.call_span(spawn);
    let loop_tree = &cx.files[task.endless.file].tree;
    let loop_label = if task.endless.only_try { "this loop exits only through `?`" } else { "this loop never ends" };
    let mut spawned = format!("the {} is spawned here and never stopped", task.spawn.what);
    if let Some(w) = task.spawn.wrapper {
        spawned.push_str(&format!(": `{}` {}", w.name, w.explanation));
    }
    let mut help = format!("keep the `JoinHandle` to abort the {}, or race the ticks against a shutdown signal in `select!` (e.g. `CancellationToken::cancelled()`) and break, so the timer is dropped", task.spawn.what);
    if let Some(w) = task.spawn.wrapper.filter(|w| w.fate == Fate::Drops) {
        help = format!("`{}` drops every handle: make it return the `JoinHandle`, then {help}", w.name);
    }
    Diagnostic::new(
        RULE.meta.id,
        RULE.meta.default_level,
        message,
        Label::new(ta.tree.call_span(timer.call), "this timer fires forever"),
    )
    .with_label(Label::new(site, spawned))
    .with_label(Label::new(loop_tree.span(task.endless.looop), loop_label))
    .with_help(help)
    .with_cause(site, REPLACES)
}

fn kept_finding(a: &Analysis, call: ExprId, kept: Kept) -> Diagnostic {
    let name = timers::timer_name(a, call);
    let (how, label) = match kept.how {
        Forever::Static => ("put in a `static`", "kept in a `static` here"),
        Forever::Leaked => ("leaked", "leaked here"),
    };
    let message = format!("this `{name}` is never dropped: it is {how}, so it fires for as long as the process lives");
    Diagnostic::new(
        RULE.meta.id,
        RULE.meta.default_level,
        message,
        Label::new(a.tree.call_span(call), "this timer fires forever"),
    )
    .with_label(Label::new(a.tree.call_span(kept.at), label))
    .with_help(
        "keep the timer in a value that is dropped when its work is done (e.g. owned by a task that can be stopped)",
    )
}

fn guard_finding(a: &Analysis, call: ExprId, loss: GuardLoss, at: ExprId) -> Diagnostic {
    let (how, label) = match loss {
        GuardLoss::Ignored => ("its guard is `.ignore()`d", "the guard is ignored here"),
        GuardLoss::Forgotten => ("its guard is forgotten", "the guard is leaked here"),
    };
    let message = format!("this repeating schedule can never be cancelled: {how}");
    Diagnostic::new(
        RULE.meta.id,
        RULE.meta.default_level,
        message,
        Label::new(a.tree.call_span(call), "this schedule runs forever"),
    )
    .with_label(Label::new(a.tree.call_span(at), label))
    .with_help("keep the `Guard` for as long as the schedule should run, and drop it to cancel the schedule")
}
