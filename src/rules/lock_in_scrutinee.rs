//! `lock_in_scrutinee`: a guard made in a `match`/`if let` scrutinee that is still alive
//! while an arm re-locks, blocks or calls the lock's owner (DESIGN §3.7).

use crate::analysis::locks::{CrateView, GuardHome, Hazard, HazardKind, LockCall, Locks};
use crate::analysis::tree::{ExprId, ExprKind};
use crate::diagnostic::{Diagnostic, Label, Level};
use crate::rules::lock_text;
use crate::rules::{CrateContext, Rule, RuleMeta};
use crate::source::Edition;

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: "lock_in_scrutinee",
        default_level: Level::Warn,
        summary: "a lock guard made in a `match`/`if let` scrutinee is still held while an arm re-locks, blocks or calls the lock's owner",
        docs: DOCS,
    },
    check,
};

const DOCS: &str = r#"
### What it finds
A lock call (`.lock()`, `.try_lock()`, and `.read()`/`.write()`/`.borrow()`/
`.borrow_mut()` on a receiver known to be a lock, also `.await`ed) in the scrutinee of a
`match` or `if let`, whose guard is still alive in the arms (a temporary of the
scrutinee, or the guard itself matched by a pattern), while an arm or block:
- locks the same lock again (`self.cache.read()` then `self.cache.write()`, `m.lock()`
  twice, a second `read()`, `borrow()` then `borrow_mut()`; not two `borrow()`s, not a
  `try_lock`);
- blocks: joins a thread, waits in a blocking `recv()`, calls `std::thread::sleep`, or
  `.await`s while a synchronous guard is held (an async guard only when the `match` runs
  in a loop, where every other waiter is held up for each iteration);
- calls a method on the lock's owner (`self.notify()` while a guard on `self.state` is
  alive), which may lock it again.

### Why it leaks
The temporaries of a scrutinee live until the end of the whole `match`/`if let`, not
the end of the scrutinee: the guard is released much later than it looks, like a Go
`defer`. A re-lock in an arm deadlocks (or panics, for `RefCell`), a join or blocking
wait holds up every other user of the lock, and a method on the owner may take the same
lock. This is the cause of real self-deadlocks in large Rust projects. From Rust 2024 on
an `if let`'s `else` block no longer holds the guard (the `then` block and every `match`
arm still do); leaklint reads the edition from `Cargo.toml`.

### Example
```rust
if let Some(handle) = self.worker.lock().unwrap().take() {
    handle.join().unwrap(); // the worker lock is held while the thread is joined
}
match self.cache.read().unwrap().get(&key) {
    Some(v) => v.clone(),
    None => self.cache.write().unwrap().insert(key, load()), // deadlock
}
```

### Fix
Bind the value first, in its own `let`, so the guard is dropped at the end of that
statement, and match on the value:
```rust
let handle = self.worker.lock().unwrap().take();
if let Some(handle) = handle {
    handle.join().unwrap();
}
let cached = self.cache.read().unwrap().get(&key).cloned();
match cached {
    Some(v) => v,
    None => self.cache.write().unwrap().entry(key).or_insert_with(load).clone(),
}
```
Not reported: arms that only read the data, a guard bound in its own `let`, a lock whose
owned result is bound by a `let` before the `match`.
"#;

fn check(cx: &CrateContext, file: usize, out: &mut Vec<Diagnostic>) {
    let a = cx.files[file];
    let locks = Locks::new(a, Some(CrateView { files: cx.files, index: cx.index }), cx.edition);
    for i in 0..a.tree.exprs.len() {
        let id = ExprId(i as u32);
        let Some(lock) = locks.lock_call(id) else { continue };
        if !cx.in_scope(file, id) {
            continue;
        }
        let GuardHome::Scrutinee(at) = locks.guard_home(id) else { continue };
        let hazards = locks.scrutinee_hazards(&lock, at);
        let awaits_count = lock.is_sync() || locks.in_loop_body(at);
        let hazard = lock_text::worst(hazards.into_iter().filter(|h| match &h.kind {
            HazardKind::Await => awaits_count,
            // Nobody else can wait on a `RefCell`: blocking with a borrow out harms no one.
            k if k.blocks_thread() => !lock.kind.is_refcell(),
            _ => true,
        }));
        if let Some(h) = hazard {
            out.push(diagnostic(&locks, &lock, at, &h));
        }
    }
}

fn diagnostic(locks: &Locks, lock: &LockCall, at: ExprId, h: &Hazard) -> Diagnostic {
    let tree = &locks.a.tree;
    let (construct, subject, in_else) = match tree.kind(at) {
        ExprKind::If { els: Some(e), .. } if tree.span(*e).lo <= tree.span(h.at).lo => {
            ("`if let`", "the `else` block", true)
        }
        ExprKind::If { .. } => ("`if let`", "its block", false),
        _ => ("`match`", "an arm", false),
    };
    let message = format!(
        "{} taken in this {construct} scrutinee is held until the {construct} ends: {subject} {}",
        lock_text::subject(tree, lock),
        lock_text::phrase(tree, lock, h)
    );
    let mut help = format!(
        "bind what the {construct} needs in its own `let` first ({}, cloning or taking it out of the guard) and match on that: the guard is dropped at the end of the `let`",
        lock_text::let_first(tree, lock, "value")
    );
    if in_else && locks.edition < Edition::E2024 {
        help.push_str("; from Rust 2024 on, the `else` block of an `if let` no longer holds the guard");
    }
    let primary = Label::new(tree.call_span(lock.call), format!("this guard lives until the end of the {construct}"));
    Diagnostic::new(RULE.meta.id, RULE.meta.default_level, message, primary)
        .with_label(Label::new(tree.call_span(h.at), lock_text::label(tree, lock, h)))
        .with_help(help)
}
