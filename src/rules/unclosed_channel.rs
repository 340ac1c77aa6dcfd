//! `unclosed_channel`: a loop that receives until the channel closes, while nobody is
//! going to drop the last sender.

use crate::analysis::channels::{self, Channel, EndUse, ReceivingLoop};
use crate::analysis::immortal::{receiver_is_static, returned_into_static};
use crate::analysis::tree::{BindingId, ExprId, ExprKind};
use crate::analysis::Analysis;
use crate::catalog::ChannelKind;
use crate::diagnostic::{Diagnostic, Fix, Label, Level};
use crate::rules::{CrateContext, Rule, RuleMeta};
use crate::source::Span;

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: "unclosed_channel",
        default_level: Level::Warn,
        summary: "a loop receives until the channel closes, but a sender is never dropped",
        docs: DOCS,
    },
    check,
};

const DOCS: &str = r#"
### What it finds
A loop that receives until its channel closes — `for msg in rx`, `for msg in rx.iter()`,
`while let Ok(msg) = rx.recv()`, `while let Some(msg) = rx.recv().await`,
`rx.iter().collect()`, `loop { match rx.recv() { Ok(..) => .., Err(_) => break } }` —
while a sender of the same channel can never be dropped:
- **in the same body**: the original sender (or a clone of it) is still alive when the
  loop starts: not dropped, not moved into a thread or task, not closed. Usually the
  clones went to the workers and `drop(tx)` was forgotten. `let _ = tx;` moves nothing:
  `tx` stays alive.
- **forever**: an unbounded channel drained by a consumer task or thread, while a sender
  is put where it is never dropped (a `static` through `OnceLock::set`, `get_or_init`,
  `Lazy::new` or `lazy_static!`, `mem::forget`, `Box::leak`).

Not receiving loops: `try_iter()`, `recv_timeout` loops, `rx.iter().take(n)`, loops with
another `break` or `return`.

### Why it leaks
A receiving loop ends only when every sender is gone. A sender that stays alive in the
same function keeps the loop, and the function, waiting forever (Go: `for v := range ch`
on a channel nobody closes). A sender kept forever keeps the consumer alive forever, and
an unbounded queue can grow without limit.

### Example
```rust
let (tx, rx) = std::sync::mpsc::channel();
for id in 0..4 {
    let tx = tx.clone();
    std::thread::spawn(move || tx.send(id).unwrap());
}
for v in rx {
    println!("{v}");
}
```

### Fix
Drop the sender before the loop (leaklint offers this as a machine-applicable fix):
```rust
drop(tx);
for v in rx {
    println!("{v}");
}
```
"#;

fn check(cx: &CrateContext, file: usize, out: &mut Vec<Diagnostic>) {
    let a = cx.files[file];
    let chans = channels::channels(a);
    if chans.is_empty() {
        return;
    }
    let loops = channels::receiving_loops(a);
    for ch in &chans {
        let Some(rx) = ch.receiver.binding() else { continue };
        let receivers = channels::copies(a, rx);
        for l in loops.iter().filter(|l| receivers.contains(&l.receiver)) {
            if !cx.in_scope(file, l.expr) {
                continue;
            }
            if let Some(d) = same_body_hang(cx, a, ch, l) {
                out.push(d);
            } else if let Some(d) = immortal_sender(cx, file, ch, l) {
                out.push(d);
            }
        }
    }
}

/// A copy of the sender that is alive when the loop starts, in the loop's own body.
struct Alive {
    binding: BindingId,
    /// A `let _ = tx;` before the loop, which looks like a drop.
    let_underscore: bool,
}

/// 3.2a: the loop runs while a sender declared in the same body is still alive.
fn same_body_hang(cx: &CrateContext, a: &Analysis, ch: &Channel, l: &ReceivingLoop) -> Option<Diagnostic> {
    let tree = &a.tree;
    let body = channels::body_of(tree, l.expr);
    let loop_span = tree.span(l.expr);
    let alive: Vec<Alive> = channels::copies(a, ch.sender.binding()?)
        .into_iter()
        .filter(|&c| {
            let b = tree.binding(c);
            b.body == body && b.span.lo < loop_span.lo && channels::contains(tree, channels::scope_of(tree, c), l.expr)
        })
        .filter_map(|c| alive_at(a, c, loop_span))
        .collect();
    let first = alive.first()?;
    Some(hang_diagnostic(cx, a, l, &alive, first))
}

/// Whether copy `c` still holds the sender when the loop (`until`) ends.
fn alive_at(a: &Analysis, c: BindingId, until: Span) -> Option<Alive> {
    let mut let_underscore = false;
    for u in a.uses_of(c).iter().filter(|u| a.tree.span(u.expr).lo < until.hi) {
        match channels::end_use(a, u) {
            EndUse::LetUnderscore => let_underscore = true,
            e if e.releases() => return None,
            _ => {}
        }
    }
    Some(Alive { binding: c, let_underscore })
}

fn hang_diagnostic(cx: &CrateContext, a: &Analysis, l: &ReceivingLoop, alive: &[Alive], first: &Alive) -> Diagnostic {
    let tree = &a.tree;
    let name = |b: BindingId| tree.binding(b).name.clone();
    let what = if matches!(tree.kind(l.expr), ExprKind::Loop(_)) { "loop" } else { "call" };
    let message = format!(
        "this {what} waits for the channel to close, but `{}` is still alive here: it never ends",
        name(first.binding)
    );
    // `call_span`: a loop from its keyword, a draining call from its method name.
    let primary = Label::new(a.tree.call_span(l.expr), format!("this {what} never ends"));
    let mut d = Diagnostic::new(RULE.meta.id, RULE.meta.default_level, message, primary);
    for live in alive {
        let text = if live.let_underscore {
            format!("`let _ = {0};` moves nothing (`_` binds nothing): `{0}` is still alive", name(live.binding))
        } else {
            format!("this sender is never dropped before the {what}")
        };
        d = d.with_label(Label::new(tree.binding(live.binding).span, text));
    }
    let names: Vec<String> = alive.iter().map(|l| format!("drop({});", name(l.binding))).collect();
    if !fix_applies(a, l.expr, alive) {
        return d.with_help(format!("drop the sender before the {what}: `{}`", names.join(" ")));
    }
    {
        let at = cx.line_start(tree.span(l.expr));
        let indent = cx.indent_at(tree.span(l.expr));
        let replacement: String = names.iter().map(|n| format!("{indent}{n}\n")).collect();
        let span = Span { lo: at, hi: at, ..tree.span(l.expr) };
        d.fix = Some(Fix { message: format!("drop the sender before the {what}"), span, replacement });
    }
    d
}

/// A `drop(tx);` inserted before the loop compiles only when nothing uses the sender from
/// the loop on, and no other loop between the sender's declaration and this one would
/// run the `drop` twice.
fn fix_applies(a: &Analysis, looop: ExprId, alive: &[Alive]) -> bool {
    let tree = &a.tree;
    let start = tree.span(looop).lo;
    alive.iter().all(|live| {
        let decl = tree.binding(live.binding).span.lo;
        let used_later = a.uses_of(live.binding).iter().any(|u| tree.span(u.expr).lo >= start);
        !used_later
            && !tree.ancestors(looop).any(|x| matches!(tree.kind(x), ExprKind::Loop(_)) && tree.span(x).lo > decl)
    })
}

/// 3.2b: an unbounded channel's consumer runs forever because a sender is kept forever.
fn immortal_sender(cx: &CrateContext, file: usize, ch: &Channel, l: &ReceivingLoop) -> Option<Diagnostic> {
    let a = cx.files[file];
    if ch.kind != ChannelKind::Unbounded || a.tree.expr(l.expr).scope.in_main || !in_spawned_body(cx, file, l.expr) {
        return None;
    }
    let (span, how) = channels::copies(a, ch.sender.binding()?).into_iter().find_map(|c| forever(cx, file, c))?;
    let message = format!(
        "this receiving loop never ends: a sender of this unbounded channel is {how}, so the channel never closes and its queue can grow without bound"
    );
    let primary = Label::new(a.tree.call_span(l.expr), "this loop never ends");
    Some(
        Diagnostic::new(RULE.meta.id, RULE.meta.default_level, message, primary)
            .with_label(Label::new(span, format!("the sender is {how} here")))
            .with_help("keep the sender where it can be dropped (e.g. a `Mutex<Option<Sender>>` that shutdown `take()`s), or give the consumer another way to stop"),
    )
}

/// Whether `e` runs in a closure or async block that some call spawns (a consumer task).
fn in_spawned_body(cx: &CrateContext, file: usize, e: ExprId) -> bool {
    let tree = &cx.files[file].tree;
    tree.ancestors(e).any(|x| tree.is_body(x) && tree.parent(x).is_some_and(|p| cx.spawn_call(file, p).is_some()))
}

/// Where and how sender copy `c` is made to live forever, if it is.
fn forever(cx: &CrateContext, file: usize, c: BindingId) -> Option<(Span, &'static str)> {
    let a = cx.files[file];
    let tree = &a.tree;
    a.uses_of(c).iter().find_map(|u| {
        let span = tree.span(u.expr);
        match channels::end_use(a, u) {
            EndUse::Leaked => Some((span, "leaked")),
            EndUse::Passed(Some(m)) if m == "set" && receiver_is_static(a, u.expr) => Some((span, "put in a `static`")),
            EndUse::Returned if returned_into_static(a, u.expr) => Some((span, "put in a `static`")),
            EndUse::MovedInto(body) => {
                let spawn = tree.ancestors(body).take(3).find(|&x| cx.detached_endless(file, x).is_some())?;
                Some((tree.call_span(spawn), "moved into a detached task that never ends"))
            }
            _ => None,
        }
    })
}
