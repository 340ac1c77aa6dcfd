//! `detached_spawn`: a task or thread spawned with its handle thrown away, whose body can
//! never finish.

use crate::analysis::index::FnRef;
use crate::analysis::loops;
use crate::analysis::spawns::{self, Discard, Spawn, TRANSPARENT_ADAPTERS, TRANSPARENT_WRAPPERS};
use crate::analysis::tree::{ExprId, ExprKind, Res, Stmt};
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
a closure given to `GLOBAL.get_or_init(..)`-like once-initialisers), test code unless
`--include-tests`, bodies leaklint cannot see (another crate's future, a parameter), and
interval-driven tasks (reported as `leaked_timer`).
"#;

/// How deep same-crate calls are followed from a spawned body.
const MAX_CALL_DEPTH: usize = 4;

fn check(cx: &CrateContext, file: usize, out: &mut Vec<Diagnostic>) {
    let a = cx.files[file];
    for i in 0..a.tree.exprs.len() {
        let id = ExprId(i as u32);
        let Some(spawn) = cx.spawn_call(file, id) else { continue };
        if !cx.in_scope(file, id) || a.runs_once_per_process(id) {
            continue;
        }
        let Some(discard) = spawns::discarded(a, id, &spawn) else { continue };
        let Some(body) = spawned_body(cx, file, spawn.body_arg) else { continue };
        let Some(endless) = endless_loop(cx, body, 0) else { continue };
        out.push(diagnostic(cx, a, id, &spawn, &discard, &endless));
    }
}

/// Where a spawned body is: the file and the expression whose main path runs.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Body {
    file: usize,
    expr: ExprId,
    /// The same-crate function it is, if not the closure/async block at the call site.
    func: Option<FnRef>,
}

fn spawned_body(cx: &CrateContext, file: usize, arg: ExprId) -> Option<Body> {
    let a = cx.files[file];
    let tree = &a.tree;
    match tree.kind(arg) {
        ExprKind::Closure { body, .. } | ExprKind::Async { body, .. } => Some(Body { file, expr: *body, func: None }),
        ExprKind::MethodCall { receiver, method, .. } if TRANSPARENT_ADAPTERS.contains(&method.as_str()) => {
            spawned_body(cx, file, *receiver)
        }
        ExprKind::Call { args, .. } if tree.callee_path(arg).is_some_and(|p| TRANSPARENT_WRAPPERS.contains(&p)) => {
            spawned_body(cx, file, *args.first()?)
        }
        ExprKind::Call { .. } | ExprKind::MethodCall { .. } => {
            let f = cx.index.callee(a, arg)?;
            fn_body(cx, f, true)
        }
        ExprKind::Path(Res::Item(path)) => {
            let f = cx.index.by_item_path(path)?;
            fn_body(cx, f, false)
        }
        // `let task = async move { .. }; tokio::spawn(task)`: the body is the binding's.
        ExprKind::Path(Res::Local(b)) => {
            let binding = tree.binding(*b);
            let init = binding.init?;
            let simple =
                matches!(tree.kind(init), ExprKind::Closure { .. } | ExprKind::Async { .. } | ExprKind::Call { .. });
            (simple && tree.is_plain_let(*b)).then(|| spawned_body(cx, file, init)).flatten()
        }
        _ => None,
    }
}

/// The body of a same-crate function, when calling it runs that body: an `async fn`
/// called to make the spawned future, or a plain fn passed as the thread body.
fn fn_body(cx: &CrateContext, f: FnRef, called_for_future: bool) -> Option<Body> {
    let def = &cx.files[f.file].tree.fns[f.def];
    (def.is_async == called_for_future).then_some(Body { file: f.file, expr: def.body, func: Some(f) })
}

/// A loop on a body's main path that never ends and has no shutdown path.
struct Endless {
    file: usize,
    looop: ExprId,
    only_try: bool,
    func: Option<FnRef>,
}

fn endless_loop(cx: &CrateContext, body: Body, depth: usize) -> Option<Endless> {
    let a = cx.files[body.file];
    let tree = &a.tree;
    let mut todo = vec![body.expr];
    while let Some(e) = todo.pop() {
        match tree.kind(e) {
            ExprKind::Block { stmts, .. } => {
                for s in stmts.iter().rev() {
                    match s {
                        Stmt::Let { init: Some(init), .. } => todo.push(*init),
                        Stmt::Expr { expr, .. } => todo.push(*expr),
                        Stmt::Let { .. } => {}
                    }
                }
            }
            ExprKind::Loop(_) => {
                let exits = loops::exits(tree, e);
                if loops::can_end(a, e, &exits) {
                    continue;
                }
                if a.has_shutdown_arm(e) || a.is_timer_driven(e) {
                    return None;
                }
                return Some(Endless {
                    file: body.file,
                    looop: e,
                    only_try: !exits.try_exits.is_empty(),
                    func: body.func,
                });
            }
            ExprKind::Await(inner) | ExprKind::Try(inner) => todo.push(*inner),
            // Conditions and scrutinees always run; their branches may not.
            ExprKind::If { cond: inner, .. }
            | ExprKind::Match { scrutinee: inner, .. }
            | ExprKind::Let { scrutinee: inner, .. } => todo.push(*inner),
            ExprKind::Call { .. } | ExprKind::MethodCall { .. } => {
                if let Some(found) = callee_loop(cx, body, e, depth) {
                    return Some(found);
                }
                // The receiver and arguments run before the call.
                tree.for_each_child(e, |c| {
                    if !tree.is_body(c) {
                        todo.push(c)
                    }
                });
            }
            _ => {}
        }
    }
    None
}

/// An awaited same-crate async fn, or a plain fn called from a thread body, runs its
/// body here: an endless loop there is one here.
fn callee_loop(cx: &CrateContext, body: Body, call: ExprId, depth: usize) -> Option<Endless> {
    if depth >= MAX_CALL_DEPTH {
        return None;
    }
    let a = cx.files[body.file];
    let awaited = a.tree.parent(call).is_some_and(|p| matches!(a.tree.kind(p), ExprKind::Await(_)));
    let callee = fn_body(cx, cx.index.callee(a, call)?, awaited)?;
    (callee != body).then(|| endless_loop(cx, callee, depth + 1)).flatten()
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
    Diagnostic::new(RULE.meta.id, RULE.meta.default_level, message, primary)
        .with_label(Label::new(loop_tree.span(endless.looop), loop_label))
        .with_help(help)
}
