//! `deferred_drop_in_loop`: a release deferred inside a loop (DESIGN §3.4): a guard kept
//! by a loop head for the whole body, a guard or permit kept past its iteration, a value
//! leaked once per iteration.

use crate::analysis::leaks::{self, LeakCall, LeakKind, Reclaims};
use crate::analysis::locks::{CrateView, GuardHome, GuardKind, LockCall, Locks};
use crate::analysis::tree::{ExprId, ExprKind, LoopKind};
use crate::diagnostic::{Diagnostic, Label, Level};
use crate::rules::lock_text;
use crate::rules::{CrateContext, Rule, RuleMeta};
use crate::source::Span;

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: "deferred_drop_in_loop",
        default_level: Level::Warn,
        summary: "a lock guard, permit or leaked value whose release a loop defers: held by the loop head, kept past its iteration, or never released",
        docs: DOCS,
    },
    check,
};

const DOCS: &str = r#"
### What it finds
In Rust, `Drop` is the `defer`: a value is released when its owner goes out of scope,
and inside loops that can be much later than intended.
- **a guard held by a loop head**: a lock call (`.lock()`, `.try_lock()`, and
  `.read()`/`.write()`/`.borrow()`/`.borrow_mut()` on a receiver known to be a lock, also
  `.await`ed) whose guard is a temporary of a `while let` scrutinee or a `for` iterator
  lives for the whole body. A `while let` is always reported; a `for` when the head
  computes an owned value (`.clone()`, `.len()`, `.collect()`, `.drain(..)`,
  `mem::take(..)`) or the body awaits, locks the same lock again, or calls a method on
  the lock's owner (`self.kick(id)` while iterating `self.sessions.read()`).
- **a guard kept past its iteration**: a guard or semaphore permit taken in a loop and
  moved into a collection or binding that outlives the iteration
  (`guards.push(m.lock().unwrap())`, `permits.push(sem.acquire().await?)`,
  `last = Some(g)`).
- **a value never released, once per iteration**: `mem::forget`, `Box::leak`,
  `Vec::leak`, `String::leak`, `Box::into_raw` (when the crate never calls
  `Box::from_raw`) or `ManuallyDrop::new` (when it never calls `ManuallyDrop::drop`,
  `into_inner` or `take`) in a loop body or an iterator adapter's closure.

### Why it leaks
Temporaries in a loop head live until the loop body ends: `while let Some(job) =
queue.lock().unwrap().pop_front() { handle(job) }` handles every job with the queue
locked (the Rust book's worker-pool bug), so the workers run one at a time, and a body
that locks the queue again deadlocks. Guards kept past their iteration hold every lock
until the loop ends; leaks in a loop grow with every iteration. (Go: `defer f.Close()`
inside a `for` loop keeps every file open until the function returns.)

### Example
```rust
while let Some(job) = queue.lock().unwrap().pop_front() {
    job.run(); // the queue stays locked while the job runs
}
for id in self.sessions.read().unwrap().keys() {
    self.kick(*id); // `kick` locks `self.sessions` for writing: deadlock
}
```

### Fix
Bind the popped or cloned value in its own `let` statement first, so the guard is
dropped at the end of that statement:
```rust
loop {
    let job = queue.lock().unwrap().pop_front();
    let Some(job) = job else { break };
    job.run();
}
let ids: Vec<_> = self.sessions.read().unwrap().keys().copied().collect();
for id in ids {
    self.kick(id);
}
```
Let guards and permits drop at the end of their iteration (or move a permit into the
task that does the work); pair `Box::into_raw` with `Box::from_raw`.
Not reported: a guard bound in its own `let` inside the body, a `while <condition>`
(its temporaries are dropped before the body runs), a `for` that only reads the data it
iterates under the guard, stdio locks, `.read(buf)`.
"#;

fn check(cx: &CrateContext, file: usize, out: &mut Vec<Diagnostic>) {
    let a = cx.files[file];
    let locks = Locks::new(a, Some(CrateView { files: cx.files, index: cx.index }), cx.edition);
    // Whether the crate gives back `into_raw`/`ManuallyDrop` values: read on first need.
    let mut reclaims = None;
    for i in 0..a.tree.exprs.len() {
        let id = ExprId(i as u32);
        if !cx.in_scope(file, id) {
            continue;
        }
        let found = match locks.lock_call(id) {
            Some(lock) => held_by_head(&locks, &lock).or_else(|| kept(&locks, &lock)),
            None => locks.permit_call(id).and_then(|permit| kept(&locks, &permit)),
        };
        let found = found.or_else(|| {
            let leak = leaks::leak_call(a, id)?;
            leaked(cx, &locks, &leak, &mut reclaims)
        });
        out.extend(found);
    }
}

/// A lock call whose guard a `while let` or `for` head keeps for the whole body.
fn held_by_head(locks: &Locks, lock: &LockCall) -> Option<Diagnostic> {
    let tree = &locks.a.tree;
    let GuardHome::LoopHead(looop) = locks.guard_home(lock.call) else { return None };
    let ExprKind::Loop(l) = tree.kind(looop) else { return None };
    let is_for = l.kind == LoopKind::For;
    let hazards = locks.hazards(lock, &[l.body]).into_iter().filter(|h| match &h.kind {
        // DESIGN §3.4 names awaits, re-locks and owner calls for `for`; a `while let`
        // is reported anyway and names whatever makes it worse.
        k if k.blocks_thread() => !is_for && !lock.kind.is_refcell(),
        _ => true,
    });
    let hazard = lock_text::worst(hazards);
    let (message, primary) = if is_for {
        let owned = l.head.and_then(|head| locks.owned_head(lock.call, head));
        let reason = match (&hazard, owned) {
            (Some(h), _) => format!("the body {}", lock_text::phrase(tree, lock, h)),
            (None, Some(owned)) => format!("the loop iterates an owned value, made by {owned}, that does not need it"),
            (None, None) => return None,
        };
        (
            format!("{} is held for the whole `for` loop: {reason}", lock_text::subject(tree, lock)),
            "this guard lives until the loop ends",
        )
    } else {
        let reason = match &hazard {
            Some(h) => format!("the body {}", lock_text::phrase(tree, lock, h)),
            None => "its guard is a temporary of the loop head, so the body runs with the lock held".to_string(),
        };
        (
            format!("{} is held through every `while let` iteration: {reason}", lock_text::subject(tree, lock)),
            "this guard lives until each iteration ends",
        )
    };
    let help = if is_for {
        format!(
            "copy what the loop needs in its own `let` statement first ({}, e.g. `.clone()` or `.collect()`), then loop over that",
            lock_text::let_first(tree, lock, "items")
        )
    } else {
        format!(
            "bind the popped value in its own `let` statement first ({}), so the guard is dropped before the body runs",
            lock_text::let_first(tree, lock, "next")
        )
    };
    let mut d =
        Diagnostic::new(RULE.meta.id, RULE.meta.default_level, message, Label::new(tree.call_span(lock.call), primary))
            .with_help(help);
    if let Some(h) = &hazard {
        d = d.with_label(Label::new(tree.call_span(h.at), lock_text::label(tree, lock, h)));
    }
    Some(d)
}

/// A guard or permit taken in a loop and moved out of its iteration.
fn kept(locks: &Locks, lock: &LockCall) -> Option<Diagnostic> {
    let tree = &locks.a.tree;
    let kept = locks.kept_past_iteration(lock.call)?;
    let (what, help) = if lock.kind == GuardKind::Permit {
        (
            "semaphore permit",
            "let each permit drop at the end of its iteration, or move it into the task that does the work",
        )
    } else {
        ("lock guard", "let the guard drop at the end of each iteration: keep a copy of the data instead, or take one lock before the loop")
    };
    let message = format!("{what} taken in a loop is kept past its iteration: none is released until the loop ends");
    let primary = Label::new(tree.call_span(lock.call), format!("a {what} is taken in every iteration"));
    Some(
        Diagnostic::new(RULE.meta.id, RULE.meta.default_level, message, primary)
            .with_label(Label::new(tree.call_span(kept.at), "and kept past the iteration here"))
            .with_help(help),
    )
}

/// A leak call that runs once per loop iteration and that nothing gives back.
fn leaked(cx: &CrateContext, locks: &Locks, leak: &LeakCall, reclaims: &mut Option<Reclaims>) -> Option<Diagnostic> {
    let tree = &locks.a.tree;
    let per = leaks::per_iteration(tree, leak.call)?;
    if leak.kind == LeakKind::Forget && leaks::is_ownership_handoff(locks.a, leak) {
        return None;
    }
    if matches!(leak.kind, LeakKind::IntoRaw | LeakKind::ManuallyDrop) {
        let all =
            reclaims.get_or_insert_with(|| cx.files.iter().fold(Reclaims::default(), |r, f| r.union(Reclaims::of(f))));
        if all.undoes(leak.kind) {
            return None;
        }
    }
    let why = match leak.kind {
        LeakKind::Forget => "the forgotten value is never dropped",
        LeakKind::Leak => "the leaked memory is never freed",
        LeakKind::IntoRaw => "nothing in this crate calls `Box::from_raw`",
        LeakKind::ManuallyDrop => "nothing in this crate calls `ManuallyDrop::drop`, `into_inner` or `take`",
    };
    let name = &leak.name;
    let (message, repeat) = match tree.kind(per) {
        ExprKind::Loop(_) => (
            format!("`{name}` in a loop leaks once per iteration: {why}"),
            Label::new(loop_head_span(locks, per), "this loop runs it on every iteration"),
        ),
        _ => (
            format!("`{name}` in an iterator adapter's closure leaks once per item: {why}"),
            Label::new(tree.call_span(per), "this runs it for every item"),
        ),
    };
    Some(
        Diagnostic::new(RULE.meta.id, RULE.meta.default_level, message, Label::new(tree.call_span(leak.call), "leaks here"))
            .with_label(repeat)
            .with_help("let the value drop at the end of the iteration, or keep it in one owner that is dropped (a collection made before the loop)"),
    )
}

/// A loop from its keyword to the start of its body, so the label does not cover the
/// whole loop.
fn loop_head_span(locks: &Locks, looop: ExprId) -> Span {
    let tree = &locks.a.tree;
    let span = tree.span(looop);
    match tree.kind(looop) {
        ExprKind::Loop(l) => Span { hi: tree.span(l.body).lo.max(span.lo), ..span },
        _ => span,
    }
}
