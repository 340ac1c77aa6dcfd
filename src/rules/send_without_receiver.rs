//! `send_without_receiver`: a send that nobody will ever receive.

use crate::analysis::channels::{self, Channel, End, EndUse, Send};
use crate::analysis::tree::{BindingId, ExprId, ExprKind, Lit, LoopKind};
use crate::analysis::Analysis;
use crate::catalog::ChannelKind;
use crate::diagnostic::{Diagnostic, Label, Level};
use crate::rules::{CrateContext, Rule, RuleMeta};
use crate::source::Span;

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: "send_without_receiver",
        default_level: Level::Warn,
        summary: "a send on a channel whose receiver is gone, unused, or not yet running",
        docs: DOCS,
    },
    check,
};

const DOCS: &str = r#"
### What it finds
A send (`send`, `try_send`, `send_async`, `blocking_send`, `unbounded_send`, `reserve`, ...)
on a channel that nobody will receive from:
- the receiver is dropped at creation: `let (tx, _) = channel()` or `channel().0`;
- the receiver is bound but never used (`_rx` included) and not moved, passed, returned
  or stored;
- the send comes after `drop(rx)` in the same function;
- a blocking send on a rendezvous channel (capacity `0`) in the body that made it, before
  any receiver was moved into another thread or task;
- a blocking send in a loop on a bounded channel, in the body that made it, before any
  receiver was handed to a consumer (moved into a task or thread, passed to a function):
  once the buffer is full, the loop blocks forever. Not reported when the loop runs a
  literal number of times no larger than a literal capacity, nor for `try_send`.
One finding per channel, at its first offending send. `broadcast` and `watch` channels,
where `let (tx, _) = ..` is the normal idiom, are not in scope.

### Why it leaks
Go's unbuffered send with no receiver blocks forever. In Rust the same mistakes either
block forever (bounded and rendezvous channels), or make every send fail, often
silently (`let _ = tx.send(..)`), or pile messages up until the receiver is dropped.

### Example
```rust
let (tx, _) = tokio::sync::mpsc::channel(16);
let _ = tx.send(job).await;
```

### Fix
Keep the receiver and hand it to whoever consumes the messages before sending:
```rust
let (tx, mut rx) = tokio::sync::mpsc::channel(16);
tokio::spawn(async move { while let Some(job) = rx.recv().await { run(job).await } });
tx.send(job).await?;
```
"#;

fn check(cx: &CrateContext, file: usize, out: &mut Vec<Diagnostic>) {
    let a = cx.files[file];
    for ch in channels::channels(a) {
        let Some(tx) = ch.sender.binding() else { continue };
        let mut sends: Vec<Send> = channels::copies(a, tx).into_iter().flat_map(|c| channels::sends(a, c)).collect();
        sends.sort_by_key(|s| a.tree.span(s.call).lo);
        sends.retain(|s| cx.in_scope(file, s.call));
        if let Some(d) = finding(cx, a, &ch, &sends) {
            out.push(d);
        }
    }
}

/// The first bullet that holds for this channel, at its first offending send.
fn finding(cx: &CrateContext, a: &Analysis, ch: &Channel, sends: &[Send]) -> Option<Diagnostic> {
    let first = sends.first()?;
    let rx = match &ch.receiver {
        End::Discarded(span) => {
            let message = "send on a channel whose receiver was dropped when it was made: every send fails";
            return Some(report(a, first, message, *span, "the receiver is dropped here, at once"));
        }
        End::Bound(rx) => *rx,
        End::Unknown => return None,
    };
    let receivers = channels::copies(a, rx);
    let name = a.tree.binding(rx).name.clone();
    if receivers.iter().all(|&r| a.uses_of(r).is_empty()) {
        let why = match (ch.kind, first.blocking) {
            (ChannelKind::Bounded, true) => "sends block forever once its buffer is full",
            (ChannelKind::Bounded, false) => "sends fail once its buffer is full",
            (ChannelKind::Unbounded, _) => "messages pile up until it is dropped",
            (ChannelKind::Oneshot, _) => "the value sent is never received",
        };
        let message = format!("send on a channel whose receiver `{name}` is never used: {why}");
        return Some(report(a, first, &message, a.tree.binding(rx).span, "this receiver is never used"));
    }
    after_drop(a, &receivers, sends, &name)
        .or_else(|| rendezvous(a, ch, &receivers, sends))
        .or_else(|| send_loop(cx, a, ch, &receivers, sends))
}

fn report(a: &Analysis, send: &Send, message: &str, at: Span, label: &str) -> Diagnostic {
    let primary = Label::new(a.tree.call_span(send.call), "nobody receives this");
    Diagnostic::new(RULE.meta.id, RULE.meta.default_level, message, primary)
        .with_label(Label::new(at, label))
        .with_help("keep the receiver alive and hand it to a consumer before sending, or stop sending")
}

/// A send after `drop(rx)` in the same function, unless the sender got a new value in
/// between.
fn after_drop(a: &Analysis, receivers: &[BindingId], sends: &[Send], name: &str) -> Option<Diagnostic> {
    let tree = &a.tree;
    let dropped = receivers
        .iter()
        .flat_map(|&r| a.uses_of(r))
        .filter(|u| channels::end_use(a, u) == EndUse::Dropped)
        .map(|u| u.expr)
        .min_by_key(|&e| tree.span(e).lo)?;
    let at = tree.span(dropped).lo;
    // Another handle on the receiver (a clone moved into a worker) keeps the channel open.
    let others = receivers.iter().flat_map(|&r| a.uses_of(r)).any(|u| {
        tree.span(u.expr).lo < at && matches!(channels::end_use(a, u), EndUse::Cloned(_) | EndUse::MovedInto(_))
    });
    if others || receivers.len() > 1 {
        return None;
    }
    let send = sends
        .iter()
        .find(|s| tree.span(s.call).lo > at && same_fn(a, s.call, dropped) && !reassigned_between(a, s.call, at))?;
    let message = format!("send after the receiver `{name}` was dropped: it always fails");
    Some(report(a, send, &message, tree.span(dropped), "the receiver is dropped here"))
}

/// Whether two expressions are in the same fn (closures and async blocks included).
fn same_fn(a: &Analysis, x: ExprId, y: ExprId) -> bool {
    let root = |e: ExprId| a.tree.ancestors(e).last().unwrap_or(e);
    root(x) == root(y)
}

/// Whether the sender a send uses was given a new value after byte `at`.
fn reassigned_between(a: &Analysis, send: ExprId, at: u32) -> bool {
    let tree = &a.tree;
    let ExprKind::MethodCall { receiver, .. } = tree.kind(send) else { return false };
    let Some(b) = a.root_binding(*receiver) else { return false };
    let lo = tree.span(send).lo;
    a.uses_of(b).iter().any(|u| {
        let pos = tree.span(u.expr).lo;
        pos > at && pos < lo && channels::end_use(a, u) == EndUse::Reassigned
    })
}

/// Where a receiver is first handed to a consumer: moved into a closure or async block,
/// passed, stored or returned, or read by a closure.
fn consumer_start(a: &Analysis, receivers: &[BindingId]) -> Option<ExprId> {
    receivers
        .iter()
        .flat_map(|&r| a.uses_of(r))
        .filter(|u| u.captured_by.is_some() || channels::end_use(a, u).releases())
        .map(|u| u.expr)
        .min_by_key(|&e| a.tree.span(e).lo)
}

/// The first use of a receiver after byte `at` (where the consumer reads it).
fn first_read_after(a: &Analysis, receivers: &[BindingId], at: u32) -> Option<ExprId> {
    receivers
        .iter()
        .flat_map(|&r| a.uses_of(r))
        .map(|u| u.expr)
        .filter(|&e| a.tree.span(e).lo > at)
        .min_by_key(|&e| a.tree.span(e).lo)
}

/// A blocking send on a capacity-0 channel, in the body that made it, before any
/// receiver runs elsewhere.
fn rendezvous(a: &Analysis, ch: &Channel, receivers: &[BindingId], sends: &[Send]) -> Option<Diagnostic> {
    if ch.capacity != Some(0) {
        return None;
    }
    let tree = &a.tree;
    let home = channels::body_of(tree, ch.call);
    let started = consumer_start(a, receivers).map(|e| tree.span(e).lo);
    let send = sends.iter().find(|s| {
        s.blocking && channels::body_of(tree, s.call) == home && started.map_or(true, |st| tree.span(s.call).lo < st)
    })?;
    let (at, label) = match consumer_start(a, receivers) {
        Some(e) => (tree.span(e), "the receiver is handed to its consumer only here"),
        None => (tree.span(ch.call), "no receiver runs elsewhere"),
    };
    let message = "blocking send on a rendezvous channel (capacity 0) before any receiver runs: it waits forever";
    Some(report(a, send, message, at, label))
}

/// A blocking send in a loop on a bounded channel, in the body that made it, before the
/// consumer is started.
fn send_loop(
    cx: &CrateContext,
    a: &Analysis,
    ch: &Channel,
    receivers: &[BindingId],
    sends: &[Send],
) -> Option<Diagnostic> {
    if ch.kind != ChannelKind::Bounded {
        return None;
    }
    let tree = &a.tree;
    let home = channels::body_of(tree, ch.call);
    let started = consumer_start(a, receivers).map(|e| tree.span(e).lo);
    let (send, looop) =
        sends.iter().filter(|s| s.blocking && channels::body_of(tree, s.call) == home).find_map(|s| {
            let looop = tree.ancestors(s.call).find(|&x| matches!(tree.kind(x), ExprKind::Loop(_)))?;
            let before = started.map_or(true, |st| tree.span(looop).lo < st) && !reads_inside(a, receivers, looop);
            (before && channels::contains(tree, home, looop) && !fits(cx, a, looop, ch)).then_some((s, looop))
        })?;
    let after = first_read_after(a, receivers, tree.span(looop).hi);
    let (at, label) = match after {
        Some(e) => (tree.span(e), "the receiver is read only after the loop"),
        None => (tree.span(ch.call), "no consumer is started before the loop"),
    };
    let capacity = ch.capacity.map_or(String::new(), |c| format!(" ({c})"));
    let message = format!(
        "this loop sends into a bounded channel before its consumer runs: once the buffer{capacity} is full the send blocks forever"
    );
    Some(report(a, send, &message, at, label))
}

/// Whether the loop itself reads a receiver (it drains its own channel as it goes).
fn reads_inside(a: &Analysis, receivers: &[BindingId], looop: ExprId) -> bool {
    receivers.iter().flat_map(|&r| a.uses_of(r)).any(|u| channels::contains(&a.tree, looop, u.expr))
}

/// A `for` over a range that fits in the capacity: literal bounds no larger than a
/// literal capacity (`for i in 0..4` into `bounded(8)`), or `0..n` into a capacity of
/// that same `n`.
fn fits(cx: &CrateContext, a: &Analysis, looop: ExprId, ch: &Channel) -> bool {
    let tree = &a.tree;
    let ExprKind::Loop(l) = tree.kind(looop) else { return false };
    let (LoopKind::For, Some(head)) = (l.kind, l.head) else { return false };
    let ExprKind::Other(bounds) = tree.kind(head) else { return false };
    let int = |e: ExprId| match tree.kind(e) {
        ExprKind::Lit(Lit::Int(n)) => Some(*n),
        _ => None,
    };
    // The lowered tree keeps the bounds, not the `..=`; the source says which.
    let inclusive = cx.sources.get(tree.span(head).file).slice(tree.span(head)).contains("..=");
    let [lo, hi] = bounds.as_slice() else { return false };
    match (int(*lo), int(*hi), ch.capacity) {
        (Some(lo), Some(hi), Some(capacity)) => hi.saturating_sub(lo) + u128::from(inclusive) <= capacity,
        (Some(_), None, _) => !inclusive && ch.capacity_arg.is_some_and(|c| same_value(tree, c, *hi)),
        _ => false,
    }
}

/// Whether two expressions name the same local or item (`n` and `n`, `CAP` and `CAP`).
fn same_value(tree: &crate::analysis::tree::Tree, x: ExprId, y: ExprId) -> bool {
    matches!((tree.kind(x), tree.kind(y)), (ExprKind::Path(p), ExprKind::Path(q)) if p == q)
}
