//! Timer facts (DESIGN §3.5, §3.6): which calls make a catalogued timer and where a
//! value's timer was made; the repeating timer a detached endless task owns; repeating
//! timers kept forever; `timer` crate guards that can never cancel their schedule; and,
//! for timers in loops, which `select!` arm races which timer, whether that timer was
//! made in the current iteration, whether each arm's handler always leaves the loop, and
//! tokio intervals made and ticked in one iteration.

use super::immortal::{self, Forever, Kept};
use super::index::FnRef;
use super::loops;
use super::spawns::TRANSPARENT_WRAPPERS;
use super::tasks::{CrateFiles, DetachedTask};
use super::tree::{ArmKind, BindingId, BindingKind, ExprId, ExprKind, Pat, Res, SelectArm, Tree};
use super::uses::UseKind;
use super::wrappers::SpawnWrappers;
use super::Analysis;
use crate::catalog::Timer;

/// The catalogued timer a call makes (`tokio::time::interval(d)`, `smol::Timer::after(d)`
/// through every import style and re-export), if it makes one.
pub fn timer_made_by(a: &Analysis, call: ExprId) -> Option<&'static Timer> {
    let catalog: &'static crate::catalog::Catalog = a.catalog;
    a.tree.callee_path(call).and_then(|p| catalog.timer(p))
}

/// A timer constructor's name as messages show it: `interval`, `sleep`,
/// `IntervalStream::new`, `Timer::after`.
pub fn timer_name(a: &Analysis, call: ExprId) -> String {
    let path = a.tree.callee_path(call).unwrap_or("timer");
    let mut segs = path.rsplit("::");
    let (last, ty) = (segs.next().unwrap_or(path), segs.next().unwrap_or(""));
    if ty.starts_with(char::is_uppercase) {
        format!("{ty}::{last}")
    } else {
        last.to_string()
    }
}

/// Future adapters and pinning that keep the timer they wrap: the value is still that
/// timer (`sleep(d).fuse()`, `Box::pin(sleep(d))`, `pin!(sleep(d))`, `&mut sleep`).
const KEEPS_TIMER: &[&str] = &["fuse", "boxed", "boxed_local", "as_mut", "into_future"];

/// How many `let`s and adapters are followed back to a timer.
const MAX_HOPS: usize = 8;

/// The timer constructor call the value of `id` comes from: `id` itself, or followed
/// back through references, pinning, `.fuse()`-like adapters and plain `let` bindings.
pub fn timer_origin(a: &Analysis, id: ExprId) -> Option<ExprId> {
    let tree = &a.tree;
    let mut id = id;
    for _ in 0..MAX_HOPS {
        match tree.kind(id) {
            ExprKind::Call { args, .. } => {
                if timer_made_by(a, id).is_some() {
                    return Some(id);
                }
                let pins = tree.callee_path(id).is_some_and(|p| TRANSPARENT_WRAPPERS.contains(&p));
                id = *args.first().filter(|_| pins)?;
            }
            ExprKind::MethodCall { receiver, method, .. } if KEEPS_TIMER.contains(&method.as_str()) => id = *receiver,
            ExprKind::Ref { expr, .. } => id = *expr,
            // `std::pin::pin!(sleep(d))`.
            ExprKind::Macro { path, body: Some(body), .. } if path.rsplit("::").next() == Some("pin") => {
                id = single_value(tree, *body)?;
            }
            ExprKind::Path(Res::Local(b)) if tree.is_plain_let(*b) => id = tree.binding(*b).init?,
            _ => return None,
        }
    }
    None
}

/// The one expression a macro's argument block holds.
fn single_value(tree: &Tree, block: ExprId) -> Option<ExprId> {
    match tree.kind(block) {
        ExprKind::Block { stmts, .. } if stmts.len() == 1 => match &stmts[0] {
            super::tree::Stmt::Expr { expr, .. } => Some(*expr),
            _ => None,
        },
        _ => None,
    }
}

fn repeating(a: &Analysis, call: ExprId) -> bool {
    timer_made_by(a, call).is_some_and(|t| t.repeats)
}

// ---- leaked_timer: a repeating timer owned by a detached task that never ends ----------

/// Where a detached task's timer was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MadeWhere {
    /// In the closure or async block the task runs.
    InTask,
    /// Before the spawn, then moved (or passed) into the task.
    MovedIn,
    /// In a same-crate function the task runs.
    InFn(FnRef),
}

/// A repeating timer a task owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskTimer {
    /// The file (in the crate) of the constructor call.
    pub file: usize,
    pub call: ExprId,
    pub made: MadeWhere,
}

/// The repeating timer detached endless task `task` (spawned by a call in `file`) owns:
/// the one its endless loop reads (made inside, moved in, or passed to the function it
/// runs), else the first one made in the body it runs or in the function holding its
/// loop. Timers inside tasks it spawns itself are theirs, not its.
pub fn task_timer(cx: CrateFiles, wrappers: &SpawnWrappers, file: usize, task: &DetachedTask) -> Option<TaskTimer> {
    let endless = &task.endless;
    let la = cx.files[endless.file];
    let at = |f: usize, call: ExprId| TaskTimer { file: f, call, made: made_where(cx, task, f, call) };
    for e in la.tree.descendants(endless.looop) {
        let origin = match la.tree.kind(e) {
            ExprKind::Path(Res::Local(b)) if la.tree.binding(*b).kind == BindingKind::Param => {
                passed_timer(cx, task, file, *b).map(|call| (file, call))
            }
            ExprKind::Path(_) | ExprKind::Call { .. } => timer_origin(la, e).map(|call| (endless.file, call)),
            _ => None,
        };
        if let Some((f, call)) = origin.filter(|&(f, call)| repeating(cx.files[f], call)) {
            return Some(at(f, call));
        }
    }
    let body = task.body;
    let in_body = first_repeating(cx, wrappers, body.file, body.expr).map(|call| at(body.file, call));
    in_body.or_else(|| {
        let f = endless.func?;
        let def = &cx.files[f.file].tree.fns[f.def];
        first_repeating(cx, wrappers, f.file, def.body).map(|call| at(f.file, call))
    })
}

/// The timer passed for parameter `param` of the function holding the task's loop: an
/// argument of the spawned call itself (`tokio::spawn(run(interval(d)))`) or of a call
/// of that function in the spawned closure (`thread::spawn(move || work(ticker))`).
fn passed_timer(cx: CrateFiles, task: &DetachedTask, file: usize, param: BindingId) -> Option<ExprId> {
    let func = task.endless.func?;
    let def = &cx.files[func.file].tree.fns[func.def];
    let position = def.params.iter().position(|p| matches!(p, Pat::Ident { binding, .. } if *binding == param))?;
    let a = cx.files[file];
    let mut candidates = vec![strip_adapters(a, task.spawn.body_arg)];
    if task.body.func.is_none() && task.body.file == file {
        candidates.extend(a.tree.descendants(task.body.expr));
    }
    candidates.into_iter().find_map(|call| {
        let args = match a.tree.kind(call) {
            ExprKind::Call { args, .. } | ExprKind::MethodCall { args, .. } => args,
            _ => return None,
        };
        let calls_func = cx.index.callee(a, call) == Some(func);
        calls_func.then(|| timer_origin(a, *args.get(position)?)).flatten()
    })
}

/// A spawn argument without the adapters around the future it runs (`.instrument(..)`).
fn strip_adapters(a: &Analysis, arg: ExprId) -> ExprId {
    let mut e = arg;
    while let ExprKind::MethodCall { receiver, method, .. } = a.tree.kind(e) {
        if !super::spawns::TRANSPARENT_ADAPTERS.contains(&method.as_str()) {
            break;
        }
        e = *receiver;
    }
    e
}

/// Where timer `call` (in file `f`) sits relative to the task: in the body it runs, in
/// the function holding its loop, else made before the spawn and moved in.
fn made_where(cx: CrateFiles, task: &DetachedTask, f: usize, call: ExprId) -> MadeWhere {
    let tree = &cx.files[f].tree;
    let inside = |root: ExprId| tree.ancestors(call).any(|x| x == root);
    if f == task.body.file && inside(task.body.expr) {
        return task.body.func.map_or(MadeWhere::InTask, MadeWhere::InFn);
    }
    match task.endless.func {
        Some(func) if func.file == f && inside(tree.fns[func.def].body) => MadeWhere::InFn(func),
        _ => MadeWhere::MovedIn,
    }
}

/// The first repeating timer made in `root` (source order), not counting the bodies of
/// tasks spawned from it.
fn first_repeating(cx: CrateFiles, wrappers: &SpawnWrappers, file: usize, root: ExprId) -> Option<ExprId> {
    let a = cx.files[file];
    let tree = &a.tree;
    let mut todo = vec![root];
    while let Some(e) = todo.pop() {
        if matches!(tree.kind(e), ExprKind::Call { .. }) && repeating(a, e) {
            return Some(e);
        }
        let spawned =
            |c: ExprId| tree.is_body(c) && wrappers.spawn_call(cx.index, a, e).is_some_and(|s| s.body_arg == c);
        let before = todo.len();
        tree.for_each_child(e, |c| {
            if !spawned(c) {
                todo.push(c)
            }
        });
        todo[before..].reverse();
    }
    None
}

// ---- leaked_timer: repeating timers kept forever, ignored guards -----------------------

/// A repeating timer put where it is never dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeptTimer {
    pub call: ExprId,
    pub kept: Kept,
}

/// Every repeating timer of the file kept forever (a `static`, `mem::forget`,
/// `Box::leak`), in source order.
pub fn kept_timers(a: &Analysis) -> Vec<KeptTimer> {
    let mut out: Vec<KeptTimer> = calls(a)
        .filter(|&c| repeating(a, c))
        .filter_map(|call| immortal::kept_forever(a, call).map(|kept| KeptTimer { call, kept }))
        .collect();
    out.sort_by_key(|k| a.tree.span(k.call).lo);
    out
}

/// How a schedule's guard is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardLoss {
    /// `.ignore()`d: the schedule runs until the timer itself is dropped.
    Ignored,
    /// Forgotten or leaked.
    Forgotten,
}

/// A `timer` crate schedule whose guard can never cancel it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LostGuard {
    /// The `schedule_repeating` call.
    pub call: ExprId,
    pub loss: GuardLoss,
    /// The `.ignore()` or leaking call.
    pub at: ExprId,
}

/// Every repeating schedule of the file whose guard is `.ignore()`d or leaked. A guard
/// that is merely dropped cancels the schedule at once: not a leak.
pub fn lost_guards(a: &Analysis) -> Vec<LostGuard> {
    let tree = &a.tree;
    let mut out = Vec::new();
    for call in calls(a) {
        let ExprKind::MethodCall { receiver, method, .. } = tree.kind(call) else { continue };
        if !receiver_types(a, *receiver).iter().any(|ty| a.catalog.timer_guard(ty, method).is_some()) {
            continue;
        }
        if let Some(at) = ignored(a, call) {
            out.push(LostGuard { call, loss: GuardLoss::Ignored, at });
        } else if let Some(Kept { how: Forever::Leaked, at }) = immortal::kept_forever(a, call) {
            out.push(LostGuard { call, loss: GuardLoss::Forgotten, at });
        }
    }
    out.sort_by_key(|g| tree.span(g.call).lo);
    out
}

/// The types a method receiver is known to have: the type of the constructor it was made
/// by (`timer::Timer::new()` → `timer::Timer`), or its declared types.
fn receiver_types(a: &Analysis, receiver: ExprId) -> Vec<String> {
    let mut out: Vec<String> =
        a.origin(receiver).and_then(|p| p.rsplit_once("::")).map(|(ty, _)| ty.to_string()).into_iter().collect();
    out.extend(a.declared_types(receiver).iter().flat_map(|t| t.paths.iter().cloned()));
    out
}

/// The `.ignore()` call on the guard `call` returns, directly or through a plain `let`.
fn ignored(a: &Analysis, call: ExprId) -> Option<ExprId> {
    let tree = &a.tree;
    let is_ignore = |recv: ExprId| {
        let p = tree.parent(recv)?;
        matches!(tree.kind(p), ExprKind::MethodCall { receiver, method, .. } if *receiver == recv && method == "ignore")
            .then_some(p)
    };
    if let Some(p) = is_ignore(call) {
        return Some(p);
    }
    let (Pat::Ident { binding, sub: None, .. }, _) = super::channels::let_pattern(tree, call)? else { return None };
    a.uses_of(*binding).iter().find_map(|u| match &u.kind {
        UseKind::Receiver { method } if method == "ignore" => tree.parent(u.expr),
        _ => None,
    })
}

fn calls(a: &Analysis) -> impl Iterator<Item = ExprId> + '_ {
    (0..a.tree.exprs.len() as u32)
        .map(ExprId)
        .filter(|&e| matches!(a.tree.kind(e), ExprKind::Call { .. } | ExprKind::MethodCall { .. }))
}

// ---- timer_in_loop: select! arms racing timers made in this iteration ---------------------

/// One `select!` arm as the timer rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArmRace {
    /// The timer the arm races (its constructor call), if it races one: a one-shot timer
    /// future in a tokio/futures arm, a crossbeam `after`/`tick` in a `recv` arm.
    pub timer: Option<ExprId>,
    /// Whether that timer starts over in each iteration of the loop around the select:
    /// it is made in the arm or in the loop body before the select, with a fixed period
    /// (not a deadline fixed before the loop, nor the time remaining until one).
    pub fresh: bool,
    /// Whether the arm can win a race at all (`else`/`complete` arms only run when every
    /// other branch is disabled).
    pub competes: bool,
    /// Whether the arm's handler leaves the loop on every path.
    pub always_leaves: bool,
    /// Whether the arm's handler can skip the rest of the iteration (`continue`).
    pub continues: bool,
    /// Whether the arm can win again in later iterations: its future reads a value that
    /// outlives the iteration (a receiver, stream or connection made before the loop,
    /// `self`) and is not a signal that fires once, or it is a `default` arm. A future
    /// made from this iteration's values only (`resp = req`, the request sent in this
    /// iteration, another timer made in it) wins once: a timeout raced against it bounds
    /// that one operation.
    pub recurs: bool,
    /// Whether the handler does nothing but log.
    pub noop: bool,
}

/// The arms of `select` (a `select!` expression in file `file`), with the innermost loop
/// whose body runs it; `None` when it is not in a loop or not a select.
pub fn select_races(cx: CrateFiles, file: usize, select: ExprId) -> Option<(ExprId, Vec<ArmRace>)> {
    let a = cx.files[file];
    let tree = &a.tree;
    let ExprKind::Select { arms, .. } = tree.kind(select) else { return None };
    let looop = loops::innermost_loop(tree, select)?;
    let races = arms
        .iter()
        .map(|arm| {
            let timer = raced_timer(a, arm);
            let fresh = timer.is_some_and(|t| fresh_in(cx, file, t, select, looop));
            // A timer made in this iteration is as new as the one it would restart.
            let polls_outside = |o: ExprId| outlives_iteration(tree, o, looop) && !fires_once(a, o);
            ArmRace {
                timer,
                fresh,
                competes: arm.kind != ArmKind::Else,
                always_leaves: loops::always_leaves(tree, arm.handler),
                continues: loops::continues(tree, arm.handler),
                recurs: arm.kind == ArmKind::Default || (!fresh && arm.operands.iter().any(|&o| polls_outside(o))),
                noop: is_noop(tree, arm.handler),
            }
        })
        .collect();
    Some((looop, races))
}

/// The timer an arm races: the arm's future (or crossbeam `recv` channel) is a timer, or
/// (for futures) makes one on the way (`timeout(d, rx.recv())`, `async { sleep(d).await }`).
fn raced_timer(a: &Analysis, arm: &SelectArm) -> Option<ExprId> {
    let operand = *arm.operands.first()?;
    let fits = |call: ExprId, channel: bool| {
        timer_made_by(a, call).is_some_and(|t| t.channel == channel && (channel || !t.repeats))
    };
    match arm.kind {
        ArmKind::Recv => timer_origin(a, operand).filter(|&c| fits(c, true)),
        ArmKind::Future => timer_origin(a, operand)
            .filter(|&c| fits(c, false))
            .or_else(|| made_in_operand(a, operand).into_iter().find(|&c| fits(c, false))),
        _ => None,
    }
}

/// Timer calls made while building a future expression: not inside closures (which may
/// never run) or loops of their own.
fn made_in_operand(a: &Analysis, operand: ExprId) -> Vec<ExprId> {
    let tree = &a.tree;
    let mut out = Vec::new();
    let mut todo = vec![operand];
    while let Some(e) = todo.pop() {
        match tree.kind(e) {
            ExprKind::Closure { .. } | ExprKind::Loop(_) => continue,
            ExprKind::Call { .. } if timer_made_by(a, e).is_some() => out.push(e),
            _ => {}
        }
        tree.for_each_child(e, |c| todo.push(c));
    }
    out.sort_by_key(|&c| tree.span(c).lo);
    out
}

/// Whether timer `call`, raced by `select` in `looop`, starts over each iteration: it is
/// made in the select itself or in the loop body before it (not in an inner loop), and
/// it waits a fixed time from now: not a deadline timer whose deadline was fixed before
/// the loop, nor a duration that is the time left until a deadline (it reads the clock:
/// `deadline.duration_since(Instant::now())`, `period - last.elapsed()`).
fn fresh_in(cx: CrateFiles, file: usize, call: ExprId, select: ExprId, looop: ExprId) -> bool {
    let a = cx.files[file];
    let tree = &a.tree;
    let in_select = tree.ancestors(call).any(|x| x == select);
    let before = loops::innermost_loop(tree, call) == Some(looop) && tree.span(call).lo < tree.span(select).lo;
    if !(in_select || before) {
        return false;
    }
    let Some(timer) = timer_made_by(a, call) else { return false };
    let first = match tree.kind(call) {
        ExprKind::Call { args, .. } => args.first().copied(),
        _ => None,
    };
    match (timer.deadline, first) {
        (true, Some(deadline)) => computed_in_iteration(a, deadline, looop, 0),
        (false, Some(duration)) => !reads_clock(cx, file, duration, 0),
        (_, None) => true,
    }
}

/// Whether an instant is computed in the current iteration of `looop`: it reads the
/// clock (`Instant::now()`), or a binding made in the loop from such a value.
fn computed_in_iteration(a: &Analysis, e: ExprId, looop: ExprId, depth: usize) -> bool {
    let tree = &a.tree;
    if depth > MAX_HOPS {
        return false;
    }
    tree.descendants(e).into_iter().any(|x| match tree.kind(x) {
        ExprKind::Call { .. } => tree.callee_path(x).is_some_and(|p| p.rsplit("::").next() == Some("now")),
        ExprKind::Path(Res::Local(b)) => tree.binding(*b).init.is_some_and(|init| {
            tree.ancestors(init).any(|y| y == looop) && computed_in_iteration(a, init, looop, depth + 1)
        }),
        _ => false,
    })
}

/// Methods whose result is measured against the clock.
const CLOCK_METHODS: &[&str] = &["elapsed", "duration_since", "saturating_duration_since", "checked_duration_since"];

/// Whether a duration is computed from the clock (the time left until some instant):
/// it calls a `now()` or a clock method, directly, through the `let`s it reads, or in a
/// same-crate function it calls (`state.time_until_next_retry()`), a few levels deep.
fn reads_clock(cx: CrateFiles, file: usize, e: ExprId, depth: usize) -> bool {
    if depth > 3 {
        return false;
    }
    let a = cx.files[file];
    let tree = &a.tree;
    tree.descendants(e).into_iter().any(|x| match tree.kind(x) {
        ExprKind::Call { .. } if tree.callee_path(x).is_some_and(|p| p.rsplit("::").next() == Some("now")) => true,
        ExprKind::MethodCall { method, .. } if CLOCK_METHODS.contains(&method.as_str()) => true,
        ExprKind::Path(Res::Local(b)) => {
            tree.binding(*b).init.is_some_and(|init| reads_clock(cx, file, init, depth + 1))
        }
        ExprKind::Call { .. } | ExprKind::MethodCall { .. } => cx.index.callee(a, x).is_some_and(|f| {
            let body = cx.files[f.file].tree.fns[f.def].body;
            reads_clock(cx, f.file, body, depth + 1)
        }),
        _ => false,
    })
}

/// Whether an arm's future reads a value that outlives the iteration of `looop`: a local
/// or parameter bound outside the loop, `self`, or a value named by an item path (a
/// `static`, or a name leaklint could not bind); function names being called do not count.
fn outlives_iteration(tree: &Tree, operand: ExprId, looop: ExprId) -> bool {
    let in_loop = |span: crate::source::Span| {
        let l = tree.span(looop);
        l.lo <= span.lo && span.hi <= l.hi
    };
    let called = |x: ExprId| {
        tree.parent(x).is_some_and(|p| matches!(tree.kind(p), ExprKind::Call { callee, .. } if *callee == x))
    };
    tree.descendants(operand).into_iter().any(|x| match tree.kind(x) {
        ExprKind::Path(Res::SelfValue) => true,
        ExprKind::Path(Res::Local(b)) => !in_loop(tree.binding(*b).span),
        ExprKind::Path(Res::Item(_)) => !called(x),
        _ => false,
    })
}

/// Whether an arm's future is a signal that fires once and stays fired (a cancellation
/// token's `cancelled()`, `ctrl_c()`, a oneshot receiver): it wins only once shutdown
/// has begun, never again and again in normal operation.
fn fires_once(a: &Analysis, operand: ExprId) -> bool {
    let signals = &a.catalog.signals;
    let tree = &a.tree;
    let mut e = operand;
    while let ExprKind::Ref { expr, .. } | ExprKind::Await(expr) = tree.kind(e) {
        e = *expr;
    }
    match tree.kind(e) {
        ExprKind::MethodCall { method, .. } if signals.terminal_methods.contains(method) => true,
        ExprKind::Call { .. } => tree.callee_path(e).is_some_and(|p| signals.terminal_functions.iter().any(|f| f == p)),
        ExprKind::Path(Res::Local(_)) => {
            // `let mut cancel = pin!(token.cancelled()); .. _ = &mut cancel => ..`
            let pinned = pinned_value(a, e).is_some_and(|inner| inner != e && fires_once(a, inner));
            pinned || a.origin(e).is_some_and(|p| signals.terminal_channels.iter().any(|c| c == p))
        }
        _ => false,
    }
}

/// The value a pinned binding holds (`let x = pin!(v)`, `Box::pin(v)`, `tokio::pin!(x)`
/// of `let x = v`), or the binding itself when it is not pinned.
fn pinned_value(a: &Analysis, binding_use: ExprId) -> Option<ExprId> {
    let tree = &a.tree;
    let ExprKind::Path(Res::Local(b)) = tree.kind(binding_use) else { return None };
    let mut e = tree.binding(*b).init.filter(|_| tree.is_plain_let(*b))?;
    for _ in 0..MAX_HOPS {
        match tree.kind(e) {
            ExprKind::Macro { path, body: Some(body), .. } if path.rsplit("::").next() == Some("pin") => {
                e = single_value(tree, *body)?
            }
            ExprKind::Call { args, .. } if tree.callee_path(e).is_some_and(|p| TRANSPARENT_WRAPPERS.contains(&p)) => {
                e = *args.first()?
            }
            _ => return Some(e),
        }
    }
    None
}

/// Macros that only log.
const LOGGING_MACROS: &[&str] = &["trace", "debug", "info", "warn", "error", "event", "log", "println", "eprintln"];

/// Whether a handler does nothing but log: `{}`, `()`, `{ debug!(..); }`.
fn is_noop(tree: &Tree, handler: ExprId) -> bool {
    match tree.kind(handler) {
        ExprKind::Block { stmts, .. } => stmts.iter().all(|s| match s {
            super::tree::Stmt::Expr { expr, .. } => is_noop(tree, *expr),
            super::tree::Stmt::Let { .. } => false,
        }),
        ExprKind::Other(kids) => kids.is_empty(),
        ExprKind::Macro { path, .. } => LOGGING_MACROS.contains(&path.rsplit("::").next().unwrap_or("")),
        _ => false,
    }
}

/// A timer raced in a loop's `select!` that starts over whenever another arm wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartingTimer {
    pub call: ExprId,
    pub select: ExprId,
    pub looop: ExprId,
    /// The index of an arm that can win again and again and then go on looping.
    pub rival: usize,
}

/// Every timer of file `file` that starts over each iteration and is raced in a
/// `select!` against a rival: an arm that can win again and again (it reads a value
/// that outlives the iteration) and whose handler does not always leave the loop. When
/// the timer's own handler does nothing (a pure "wait for whichever comes first"), the
/// code after the select runs whichever arm wins, so only a rival that skips it
/// (`continue`) starves the timer. In source order.
pub fn restarting_timers(cx: CrateFiles, file: usize) -> Vec<RestartingTimer> {
    let a = cx.files[file];
    let mut out: Vec<RestartingTimer> = Vec::new();
    for i in 0..a.tree.exprs.len() {
        let select = ExprId(i as u32);
        if !matches!(a.tree.kind(select), ExprKind::Select { .. }) {
            continue;
        }
        let Some((looop, races)) = select_races(cx, file, select) else { continue };
        for (arm, race) in races.iter().enumerate() {
            let Some(call) = race.timer.filter(|_| race.fresh) else { continue };
            let rival = races.iter().enumerate().position(|(j, r)| {
                j != arm && r.competes && r.recurs && !r.always_leaves && (!race.noop || r.continues)
            });
            if let Some(rival) = rival.filter(|_| !out.iter().any(|t| t.call == call)) {
                out.push(RestartingTimer { call, select, looop, rival });
            }
        }
    }
    out.sort_by_key(|t| a.tree.span(t.call).lo);
    out
}

// ---- timer_in_loop: tokio intervals made and ticked in one iteration ----------------------

/// A tokio interval made in a loop body and ticked in the same iteration: its first tick
/// completes at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreshInterval {
    pub call: ExprId,
    pub looop: ExprId,
    /// The `.tick()` call.
    pub tick: ExprId,
}

/// Every interval whose first tick is immediate (tokio's `interval`, or `interval_at`
/// starting `now()`), made in a loop body and ticked in that iteration (not by an inner
/// loop), in source order.
pub fn fresh_intervals(a: &Analysis) -> Vec<FreshInterval> {
    let tree = &a.tree;
    let mut out = Vec::new();
    for call in calls(a) {
        if !first_tick_immediate(a, call) {
            continue;
        }
        let Some(looop) = loops::innermost_loop(tree, call) else { continue };
        if let Some(tick) = tick_in_iteration(a, call, looop) {
            out.push(FreshInterval { call, looop, tick });
        }
    }
    out.sort_by_key(|f| tree.span(f.call).lo);
    out
}

fn first_tick_immediate(a: &Analysis, call: ExprId) -> bool {
    let Some(t) = timer_made_by(a, call) else { return false };
    if t.first_tick_immediate {
        return true;
    }
    // `interval_at(Instant::now(), period)` starts at once too; a later start is fine.
    let starts_now = match a.tree.kind(call) {
        ExprKind::Call { args, .. } => {
            args.first().is_some_and(|&s| a.tree.callee_path(s).is_some_and(|p| p.rsplit("::").next() == Some("now")))
        }
        _ => false,
    };
    t.repeats && !t.never_finishes && t.path.ends_with("interval_at") && starts_now
}

/// The `.tick()` of interval `call` in the same iteration of `looop`: chained on the call,
/// or on a plain `let` binding of it, after it. An interval an inner loop also ticks is
/// fine: a first tick taken at once before ticking it in the inner loop is the idiom for
/// skipping the immediate tick, and the outer loop waits in the inner one.
fn tick_in_iteration(a: &Analysis, call: ExprId, looop: ExprId) -> Option<ExprId> {
    let tree = &a.tree;
    let tick_on = |recv: ExprId| {
        let p = tree.parent(recv)?;
        matches!(tree.kind(p), ExprKind::MethodCall { receiver, method, .. } if *receiver == recv && method == "tick")
            .then_some(p)
    };
    if let Some(t) = tick_on(call) {
        return Some(t);
    }
    let (Pat::Ident { binding, sub: None, .. }, _) = super::channels::let_pattern(tree, call)? else { return None };
    let uses = a.uses_of(*binding);
    let after = |e: ExprId| tree.span(e).lo > tree.span(call).lo;
    if uses.iter().any(|u| after(u.expr) && loops::innermost_loop(tree, u.expr) != Some(looop)) {
        return None;
    }
    uses.iter().find_map(|u| tick_on(u.expr).filter(|_| after(u.expr)))
}

#[cfg(test)]
#[path = "timers_tests.rs"]
mod tests;
