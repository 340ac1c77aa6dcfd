//! `detached_spawn`: a task or thread spawned with its handle thrown away, whose body can
//! never finish.

use crate::analysis::spawns::{Discard, Spawn};
use crate::analysis::tasks::Endless;
use crate::analysis::tree::ExprId;
use crate::analysis::wrappers::Fate;
use crate::analysis::Analysis;
use crate::diagnostic::{Diagnostic, Label, Level};
use crate::rules::{CrateContext, Rule, RuleMeta};

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: "detached_spawn",
        default_level: Level::Warn,
        summary: "a task or thread is spawned with its handle thrown away and its body never finishes",
        docs: DOCS,
    },
    check,
};

const DOCS: &str = r#"
### What it finds
A `tokio::spawn`, `std::thread::spawn` (or any catalogued spawn: task and thread
builders, `Handle::current().spawn`, async-std, actix-rt, `smol::spawn(..).detach()`)
whose handle is discarded — the call is a statement, bound to `_`, bound to a name
never used afterwards, passed to `drop`, or raced by value in a `select!` — while the
spawned body runs a loop that can never end and has no way to observe shutdown.
The body is the closure or async block at the call site, or a same-crate function the
task runs (`tokio::spawn(run(conn))`, `thread::spawn(worker)`,
`tokio::spawn(async move { server.run().await })`).

### Why it leaks
Nothing can stop the task: no handle to abort or join, no cancellation signal, no loop
exit. Each call of the enclosing function adds one more task that runs until the
process exits, holding everything it captured. A loop that exits only through `?` ends
only on an error, never on request. (Go: `go func() { for { ... } }()` without a
context.)

### Example
```rust
pub fn connect(conn: Conn) {
    tokio::spawn(async move {
        loop {
            conn.ping().await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
}
```

### Fix
Keep the handle so the caller can abort or await it, and give the loop a shutdown path:
```rust
pub fn connect(conn: Conn, stop: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(Duration::from_secs(5)) => conn.ping().await,
            }
        }
    })
}
```
Not reported: code that runs once per process (in `fn main`, a `static` initialiser, or
a closure or same-crate function given to `GLOBAL.get_or_init(..)`-like once-initialisers
and called nowhere else, such as `ENGINE.get_or_init(Engine::new)`), test code unless
`--include-tests`, and bodies leaklint cannot see (another crate's future, a parameter).
A task that owns a repeating timer is reported once, as `leaked_timer` at the timer.
"#;

fn check(cx: &CrateContext, file: usize, out: &mut Vec<Diagnostic>) {
    let a = cx.files[file];
    for i in 0..a.tree.exprs.len() {
        let id = ExprId(i as u32);
        let Some(task) = cx.detached_forever(file, id) else { continue };
        out.push(diagnostic(cx, a, id, &task.spawn, &task.discard, &task.endless));
    }
}

fn diagnostic(
    cx: &CrateContext,
    a: &Analysis,
    call: ExprId,
    spawn: &Spawn,
    discard: &Discard,
    endless: &Endless,
) -> Diagnostic {
    let what = spawn.what;
    let loop_tree = &cx.files[endless.file].tree;
    let where_ = match endless.func {
        Some(f) => format!("the loop in `{}`", cx.files[f.file].tree.fns[f.def].name),
        None => "this loop".to_string(),
    };
    let ending = if endless.only_try {
        format!("{where_} exits only through `?`, on error")
    } else {
        format!("{where_} never ends")
    };
    let message = format!("spawned {what} is never stopped: {} and {ending}", discard.describe());
    let loop_label = if endless.only_try { "this loop exits only through `?`" } else { "this loop never ends" };
    let mut help = if what == "thread" {
        "keep the `JoinHandle` and join it, and give the loop a way to stop (a channel that closes, or a flag it checks)"
            .to_string()
    } else {
        "keep the `JoinHandle` to abort or await it, or race the loop against a shutdown signal (e.g. `CancellationToken::cancelled()` in `select!`) and break on it".to_string()
    };
    if let Some(w) = spawn.wrapper.filter(|w| w.fate == Fate::Drops) {
        help = format!("`{}` drops every handle: make it return the `JoinHandle`, then {help}", w.name);
    }
    let mut primary_text = format!("this {what} can never be stopped");
    if let Some(w) = spawn.wrapper {
        primary_text.push_str(&format!(": `{}` {}", w.name, w.explanation));
    }
    let primary = Label::new(a.tree.call_span(call), primary_text);
    // The task is the root cause; a more specific rule (`leaked_timer`) may report it.
    Diagnostic::new(RULE.meta.id, RULE.meta.default_level, message, primary)
        .with_label(Label::new(loop_tree.span(endless.looop), loop_label))
        .with_help(help)
        .with_cause(a.tree.call_span(call), &[])
}
