//! What a spawned task runs and whether it can ever end: the body a spawn argument runs
//! (here or in a same-crate function), the endless loop on its main path, and whether a
//! spawn call starts a detached task that never ends. `detached_spawn` reports such
//! tasks; other rules reason about what they hold (a sender kept alive forever).

use super::index::{CrateIndex, FnRef};
use super::loops;
use super::spawns::{self, Discard, Spawn, TRANSPARENT_ADAPTERS, TRANSPARENT_WRAPPERS};
use super::tree::{ExprId, ExprKind, Res, Stmt};
use super::wrappers::SpawnWrappers;
use super::Analysis;

/// The files of one crate and the index over them: what following calls needs.
#[derive(Clone, Copy)]
pub struct CrateFiles<'a> {
    pub files: &'a [&'a Analysis],
    pub index: &'a CrateIndex,
}

/// A spawn whose handle is thrown away and whose body never ends.
pub struct DetachedTask<'w> {
    pub spawn: Spawn<'w>,
    pub discard: Discard,
    /// What the task runs.
    pub body: Body,
    pub endless: Endless,
}

/// Whether `call` (in file `file` of the crate) starts a detached task that never
/// ends. Scope (test code, once-per-process code) is the caller's to judge.
pub fn detached_endless<'w>(
    cx: CrateFiles,
    wrappers: &'w SpawnWrappers,
    file: usize,
    call: ExprId,
) -> Option<DetachedTask<'w>> {
    let a = cx.files[file];
    let spawn = wrappers.spawn_call(cx.index, a, call)?;
    let discard = spawns::discarded(a, call, &spawn)?;
    let body = spawned_body(cx, file, spawn.body_arg)?;
    let endless = endless_loop(cx, body, 0)?;
    Some(DetachedTask { spawn, discard, body, endless })
}

/// How deep same-crate calls are followed from a spawned body.
const MAX_CALL_DEPTH: usize = 4;

/// Where a spawned body is: the file and the expression whose main path runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Body {
    pub file: usize,
    pub expr: ExprId,
    /// The same-crate function it is, if not the closure/async block at the call site.
    pub func: Option<FnRef>,
}

/// What a spawn argument runs: the closure or async block itself, a same-crate function
/// it calls or names, through adapters (`.instrument(..)`, `Box::pin`), plain `let`s and
/// block tails.
pub fn spawned_body(cx: CrateFiles, file: usize, arg: ExprId) -> Option<Body> {
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
            // Also `let task = run(x).instrument(span);`: an adapter around the future.
            let simple = match tree.kind(init) {
                ExprKind::Closure { .. } | ExprKind::Async { .. } | ExprKind::Call { .. } => true,
                ExprKind::MethodCall { method, .. } => TRANSPARENT_ADAPTERS.contains(&method.as_str()),
                _ => false,
            };
            (simple && tree.is_plain_let(*b)).then(|| spawned_body(cx, file, init)).flatten()
        }
        // `tokio::spawn({ let c = c.clone(); async move { .. } })`: the block's value.
        ExprKind::Block { .. } => spawned_body(cx, file, tree.block_tail(arg)?),
        _ => None,
    }
}

/// The body of a same-crate function, when calling it runs that body: an `async fn`
/// called to make the spawned future, or a plain fn passed as the thread body.
fn fn_body(cx: CrateFiles, f: FnRef, called_for_future: bool) -> Option<Body> {
    let def = &cx.files[f.file].tree.fns[f.def];
    (def.is_async == called_for_future).then_some(Body { file: f.file, expr: def.body, func: Some(f) })
}

/// A loop on a body's main path that never ends and has no shutdown path.
pub struct Endless {
    /// The file (in the crate) the loop is in.
    pub file: usize,
    pub looop: ExprId,
    /// The loop's only exits are `?`: it ends only on an error.
    pub only_try: bool,
    /// The same-crate function the loop is in, if not the spawned closure itself.
    pub func: Option<FnRef>,
}

/// A loop on the body's main path that never ends and has no shutdown path, following
/// same-crate calls a few levels deep.
pub fn endless_loop(cx: CrateFiles, body: Body, depth: usize) -> Option<Endless> {
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
                // A timer-driven loop counts too: `leaked_timer` reports such tasks and its
                // finding replaces this one (one finding per root cause).
                if a.has_shutdown_arm(e) {
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
fn callee_loop(cx: CrateFiles, body: Body, call: ExprId, depth: usize) -> Option<Endless> {
    if depth >= MAX_CALL_DEPTH {
        return None;
    }
    let a = cx.files[body.file];
    let awaited = a.tree.parent(call).is_some_and(|p| matches!(a.tree.kind(p), ExprKind::Await(_)));
    let callee = fn_body(cx, cx.index.callee(a, call)?, awaited)?;
    (callee != body).then(|| endless_loop(cx, callee, depth + 1)).flatten()
}
