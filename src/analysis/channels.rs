//! The channel model: every catalogued channel constructor call in a file, how its two
//! ends are bound, every copy of an end (clones and moves into another name), what each
//! use of an end does with it, the loops that receive until the channel closes, and the
//! sends. The channel rules read these facts.

use crate::catalog::ChannelKind;
use crate::source::Span;

use super::loops;
use super::tree::{BindingId, ExprId, ExprKind, Lit, LoopKind, Pat, Res, Stmt, Tree};
use super::uses::{Use, UseKind};
use super::Analysis;

/// One channel constructor call and its two ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub call: ExprId,
    /// The constructor's canonical path (`tokio::sync::mpsc::channel`).
    pub path: String,
    pub kind: ChannelKind,
    /// The capacity, when it is an integer literal.
    pub capacity: Option<u128>,
    /// The capacity argument, whatever it is.
    pub capacity_arg: Option<ExprId>,
    pub sender: End,
    pub receiver: End,
}

/// How one end of a channel is held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// Bound to a local: `let (tx, rx) = ..`, `let tx = ch.0`, a later `let (a, b) = ch`.
    Bound(BindingId),
    /// Dropped as soon as it is made: a `_` pattern, or only the other half taken
    /// (`channel().0`). The span says where.
    Discarded(Span),
    /// Anything else (the pair returned, passed, stored): not followed.
    Unknown,
}

impl End {
    pub fn binding(&self) -> Option<BindingId> {
        match self {
            End::Bound(b) => Some(*b),
            _ => None,
        }
    }
}

/// Every channel made in the file, in source order.
pub fn channels(a: &Analysis) -> Vec<Channel> {
    let mut out = Vec::new();
    for (i, e) in a.tree.exprs.iter().enumerate() {
        let ExprKind::Call { args, .. } = &e.kind else { continue };
        let id = ExprId(i as u32);
        let Some(path) = a.tree.callee_path(id) else { continue };
        let Some((path, kind, capacity_arg)) = constructor(a, path, args.len()) else { continue };
        let capacity_arg = capacity_arg.and_then(|i| args.get(i)).copied();
        let capacity = capacity_arg.and_then(|arg| int_literal(&a.tree, arg));
        let (sender, receiver) = ends(a, id);
        out.push(Channel { call: id, path, kind, capacity, capacity_arg, sender, receiver });
    }
    out.sort_by_key(|c| a.tree.span(c.call).lo);
    out
}

/// The catalogued constructor `path` called with `arity` arguments: by its path, and
/// for an `mpsc::channel` the catalog cannot place (an unresolved or mis-resolved path),
/// by arity: std's takes none, tokio's a capacity.
fn constructor(a: &Analysis, path: &str, arity: usize) -> Option<(String, ChannelKind, Option<usize>)> {
    let c = a.catalog;
    let by_arity = || {
        let guess = if arity == 0 { "std::sync::mpsc::channel" } else { "tokio::sync::mpsc::channel" };
        c.channel_constructor(guess)
    };
    let found = match c.channel_constructor(path) {
        Some(ctor) if ctor.path.ends_with("mpsc::channel") && expected_arity(ctor.capacity_arg) != arity => by_arity(),
        Some(ctor) => Some(ctor),
        None if path == "mpsc::channel" || path.ends_with("::mpsc::channel") && !path.contains("futures") => by_arity(),
        None => None,
    }?;
    Some((found.path.clone(), found.kind, found.capacity_arg))
}

fn expected_arity(capacity_arg: Option<usize>) -> usize {
    capacity_arg.map_or(0, |i| i + 1)
}

/// An integer literal, or a `const` of the file whose value is one (`bounded(CAP)`).
fn int_literal(tree: &Tree, e: ExprId) -> Option<u128> {
    match tree.kind(e) {
        ExprKind::Lit(Lit::Int(n)) => Some(*n),
        ExprKind::Path(Res::Item(path)) => tree.int_consts.get(path).copied(),
        _ => None,
    }
}

/// How the pair a constructor returns is split into its two ends.
fn ends(a: &Analysis, call: ExprId) -> (End, End) {
    let tree = &a.tree;
    let unknown = (End::Unknown, End::Unknown);
    let Some(parent) = tree.parent(call) else { return unknown };
    match tree.kind(parent) {
        // `channel().0`: the other half is dropped at once.
        ExprKind::Field { member, .. } => {
            let taken = value_end(a, parent);
            let dropped = End::Discarded(tree.span(parent));
            match member.as_str() {
                "0" => (taken, dropped),
                "1" => (dropped, taken),
                _ => unknown,
            }
        }
        _ => match let_pattern(tree, call) {
            Some((pat, span)) => pair_ends(a, pat, span),
            None => unknown,
        },
    }
}

/// The ends bound by a pattern the whole pair is matched against.
fn pair_ends(a: &Analysis, pat: &Pat, span: Span) -> (End, End) {
    match pat {
        Pat::Tuple(parts) if parts.len() == 2 => (pat_end(&parts[0], span), pat_end(&parts[1], span)),
        Pat::Wild => (End::Discarded(span), End::Discarded(span)),
        // `let pair = channel();` then `pair.0` / `let (tx, rx) = pair;`.
        Pat::Ident { binding, sub: None, .. } => split_later(a, *binding),
        _ => (End::Unknown, End::Unknown),
    }
}

fn pat_end(p: &Pat, span: Span) -> End {
    match p {
        Pat::Ident { binding, sub: None, .. } => End::Bound(*binding),
        Pat::Wild => End::Discarded(span),
        _ => End::Unknown,
    }
}

/// The ends of a pair bound whole to `pair`, split by later statements.
fn split_later(a: &Analysis, pair: BindingId) -> (End, End) {
    let tree = &a.tree;
    let (mut sender, mut receiver) = (End::Unknown, End::Unknown);
    for u in a.uses_of(pair) {
        let Some(parent) = tree.parent(u.expr) else { continue };
        match tree.kind(parent) {
            ExprKind::Field { member, .. } if member == "0" => sender = value_end(a, parent),
            ExprKind::Field { member, .. } if member == "1" => receiver = value_end(a, parent),
            _ => {
                if let Some((pat, span)) = let_pattern(tree, u.expr) {
                    return pair_ends(a, pat, span);
                }
            }
        }
    }
    (sender, receiver)
}

/// The end a single value becomes: the binding of `let x = value;`.
fn value_end(a: &Analysis, value: ExprId) -> End {
    match let_pattern(&a.tree, value) {
        Some((pat, span)) => pat_end(pat, span),
        None => End::Unknown,
    }
}

/// The pattern and statement span of the `let` whose initialiser is `init`.
pub fn let_pattern(tree: &Tree, init: ExprId) -> Option<(&Pat, Span)> {
    let parent = tree.parent(init)?;
    let ExprKind::Block { stmts, .. } = tree.kind(parent) else { return None };
    stmts.iter().find_map(|s| match s {
        Stmt::Let { pat, init: Some(i), span, .. } if *i == init => Some((pat, *span)),
        _ => None,
    })
}

// ---- copies and uses of an end ------------------------------------------------------------

/// What one use of an end does with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndUse {
    /// Captured by a `move` closure or async block (even through `&tx`): it takes the
    /// value with it.
    MovedInto(ExprId),
    /// Passed by value to a function or method (`f(tx)`, `v.push(tx)`).
    Passed(Option<String>),
    Returned,
    /// Stored in a place or struct literal, or raced by value in a `select!`.
    Stored,
    /// `drop(x)`.
    Dropped,
    /// `mem::forget(x)`, `Box::leak(..)`, `Box::into_raw(..)`.
    Leaked,
    /// `x.close()` (or another closing method).
    Closed,
    /// `let y = x.clone();` (or `Sender::clone(&x)`): `y` is a copy.
    Cloned(Option<BindingId>),
    /// `let y = x;`: the value moves to `y`.
    Renamed(BindingId),
    /// `let _ = x;`: binds nothing and moves nothing.
    LetUnderscore,
    /// `x = ..`: the binding gets a new value.
    Reassigned,
    /// Any other use (a method call, a borrow, a loop over it).
    Used,
}

impl EndUse {
    /// Whether the use ends this binding's hold on the value (the value is gone from it).
    pub fn releases(&self) -> bool {
        !matches!(self, EndUse::Cloned(_) | EndUse::LetUnderscore | EndUse::Used)
    }
}

/// Methods that close a channel end without dropping it.
const CLOSING_METHODS: &[&str] = &["close", "close_channel", "disconnect"];

/// Classifies one use of an end binding.
pub fn end_use(a: &Analysis, u: &Use) -> EndUse {
    let tree = &a.tree;
    if let Some(mover) = moving_capturer(tree, u) {
        return EndUse::MovedInto(mover);
    }
    let parent = tree.parent(u.expr);
    match &u.kind {
        UseKind::Argument { callee: Some(c) } if c == "std::mem::drop" => EndUse::Dropped,
        UseKind::Argument { callee: Some(c) } if a.catalog.leaks.functions.contains(c) => EndUse::Leaked,
        UseKind::Argument { callee } => match parent.and_then(|p| wrapped_in_leak(a, p)) {
            Some(()) => EndUse::Leaked,
            None => EndUse::Passed(callee.clone()),
        },
        UseKind::Returned => EndUse::Returned,
        UseKind::Stored | UseKind::SelectedByValue => EndUse::Stored,
        UseKind::Receiver { method } if CLOSING_METHODS.contains(&method.as_str()) => EndUse::Closed,
        // `tx.into_sink()`, `rx.into_stream()`: the end is consumed into another value.
        UseKind::Receiver { method } if method.starts_with("into_") && method != "into_iter" => {
            EndUse::Passed(Some(method.clone()))
        }
        UseKind::Receiver { method } if method == "clone" => EndUse::Cloned(parent.and_then(|p| let_binding(tree, p))),
        UseKind::Borrowed => match parent.and_then(|p| tree.parent(p)) {
            Some(call) if tree.callee_path(call).is_some_and(|c| c.ends_with("::clone")) => {
                EndUse::Cloned(let_binding(tree, call))
            }
            // `let r = &rx;`: `r` reaches the same end (a copy that moves nothing).
            _ => match parent.and_then(|p| let_binding(tree, p)) {
                Some(alias) => EndUse::Cloned(Some(alias)),
                None => EndUse::Used,
            },
        },
        _ => other_use(tree, u.expr),
    }
}

/// The outermost `move` closure or async block, inside the binding's own body, that a
/// use sits in: it takes the value, and so does every closure around it (a plain
/// `thread::scope(|s| ..)` closure holding `s.spawn(move || .. tx ..)` moves `tx` too).
fn moving_capturer(tree: &Tree, u: &Use) -> Option<ExprId> {
    let outer = u.captured_by?;
    let is_move = |x: ExprId| match tree.kind(x) {
        ExprKind::Closure { is_move, .. } | ExprKind::Async { is_move, .. } => *is_move,
        _ => false,
    };
    let moves = tree.ancestors(u.expr).take_while(|&x| x != outer).any(is_move) || is_move(outer);
    moves.then_some(outer)
}

/// `Box::leak(Box::new(x))`: `x` is passed to a call whose result is leaked.
fn wrapped_in_leak(a: &Analysis, call: ExprId) -> Option<()> {
    let outer = a.tree.parent(call)?;
    let path = a.tree.callee_path(outer)?;
    a.catalog.leaks.functions.iter().any(|f| f == path).then_some(())
}

fn other_use(tree: &Tree, id: ExprId) -> EndUse {
    // `x = ..`, and `(x, y) = ..` (a destructuring assignment).
    let mut place = id;
    while let Some(parent) = tree.parent(place) {
        match tree.kind(parent) {
            ExprKind::Assign { lhs, .. } if *lhs == place => return EndUse::Reassigned,
            ExprKind::Other(_) => place = parent,
            _ => break,
        }
    }
    match let_pattern(tree, id) {
        Some((Pat::Wild, _)) => EndUse::LetUnderscore,
        Some((Pat::Ident { binding, sub: None, .. }, _)) => EndUse::Renamed(*binding),
        _ => EndUse::Used,
    }
}

/// The binding of `let b = value;`.
fn let_binding(tree: &Tree, value: ExprId) -> Option<BindingId> {
    match let_pattern(tree, value)? {
        (Pat::Ident { binding, sub: None, .. }, _) => Some(*binding),
        _ => None,
    }
}

/// `b` and every copy of it made in the file: clones and renames, transitively.
pub fn copies(a: &Analysis, b: BindingId) -> Vec<BindingId> {
    let mut out = vec![b];
    let mut i = 0;
    while i < out.len() && out.len() < 256 {
        for u in a.uses_of(out[i]) {
            if let EndUse::Cloned(Some(c)) | EndUse::Renamed(c) = end_use(a, u) {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        i += 1;
    }
    out
}

// ---- receiving loops -----------------------------------------------------------------------

/// A loop (or a draining call such as `rx.iter().collect()`) that waits until every
/// sender is gone: it has no other way to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivingLoop {
    /// The loop, or the draining call.
    pub expr: ExprId,
    /// The receiver binding it reads.
    pub receiver: BindingId,
}

/// Iterator adapters that keep draining what they wrap (unlike `take`).
const DRAINING_ADAPTERS: &[&str] = &["enumerate", "map", "filter", "filter_map", "inspect", "flatten", "peekable"];

/// Calls that consume a whole iterator.
const CONSUMERS: &[&str] = &["collect", "for_each", "count", "last", "sum", "fold", "max", "min", "try_for_each"];

/// Every receiving loop of the file.
pub fn receiving_loops(a: &Analysis) -> Vec<ReceivingLoop> {
    let tree = &a.tree;
    let mut out = Vec::new();
    for i in 0..tree.exprs.len() {
        let id = ExprId(i as u32);
        let receiver = match tree.kind(id) {
            ExprKind::Loop(l) => loop_receiver(a, id, l.kind, l.head, l.body),
            // A bare `rx.collect()` is a `Stream` future, lazy until awaited: only an
            // explicit iterator (`rx.iter().collect()`) drains here.
            ExprKind::MethodCall { receiver, method, .. }
                if CONSUMERS.contains(&method.as_str())
                    && matches!(tree.kind(*receiver), ExprKind::MethodCall { .. }) =>
            {
                draining_iter(a, *receiver)
            }
            _ => None,
        };
        if let Some(receiver) = receiver {
            out.push(ReceivingLoop { expr: id, receiver });
        }
    }
    out
}

fn loop_receiver(a: &Analysis, id: ExprId, kind: LoopKind, head: Option<ExprId>, body: ExprId) -> Option<BindingId> {
    let exits = loops::exits(&a.tree, id);
    match (kind, head) {
        (LoopKind::For, Some(head)) if exits.exits.is_empty() => draining_iter(a, head),
        (LoopKind::WhileLet, Some(head)) if exits.exits.is_empty() => receive_call(a, head),
        (LoopKind::Loop, _) if !exits.exits.is_empty() => match_on_close(a, body, &exits.exits),
        _ => None,
    }
}

/// The receiver an iterator expression drains: `rx`, `&rx`, `rx.iter()`,
/// `rx.into_iter()`, followed by draining adapters.
fn draining_iter(a: &Analysis, e: ExprId) -> Option<BindingId> {
    let tree = &a.tree;
    match tree.kind(e) {
        ExprKind::Path(Res::Local(b)) => Some(*b),
        ExprKind::Ref { expr, .. } => match tree.kind(*expr) {
            ExprKind::Path(Res::Local(b)) => Some(*b),
            _ => None,
        },
        ExprKind::MethodCall { receiver, method, .. } => match method.as_str() {
            "iter" | "into_iter" => match tree.kind(*receiver) {
                ExprKind::Path(Res::Local(b)) => Some(*b),
                ExprKind::Ref { expr, .. } => a.root_binding(*expr),
                _ => None,
            },
            m if DRAINING_ADAPTERS.contains(&m) => draining_iter(a, *receiver),
            _ => None,
        },
        _ => None,
    }
}

/// The receiver of a waiting receive: `rx.recv()`, `rx.recv().await`,
/// `rx.recv_async().await`, `rx.next().await`.
fn receive_call(a: &Analysis, e: ExprId) -> Option<BindingId> {
    let tree = &a.tree;
    let (call, awaited) = match tree.kind(e) {
        ExprKind::Await(inner) => (*inner, true),
        _ => (e, false),
    };
    let ExprKind::MethodCall { receiver, method, args, .. } = tree.kind(call) else { return None };
    let waits = match method.as_str() {
        "recv" | "blocking_recv" | "recv_blocking" => args.is_empty(),
        "recv_async" | "next" => awaited,
        _ => false,
    };
    let b = match tree.kind(*receiver) {
        ExprKind::Path(Res::Local(b)) => Some(*b),
        ExprKind::Ref { expr, .. } => a.root_binding(*expr),
        _ => None,
    }?;
    waits.then_some(b)
}

/// `loop { match rx.recv() { Ok(v) => .., Err(_) => break } }`: a loop whose every exit
/// is in the arm that sees the channel closed.
fn match_on_close(a: &Analysis, body: ExprId, exits: &[ExprId]) -> Option<BindingId> {
    let tree = &a.tree;
    let mut receiver = None;
    for &exit in exits {
        let found = tree
            .ancestors(exit)
            .take_while(|&x| x != body)
            .chain(std::iter::once(body))
            .find_map(|x| closed_arm(a, x, exit).or_else(|| closed_let_else(a, x, exit)))?;
        if receiver.is_some_and(|r| r != found) {
            return None;
        }
        receiver = Some(found);
    }
    receiver
}

/// If `block` holds `let Some(v) = rx.recv().await else { break };` whose `else` holds
/// `exit`, the receiver.
fn closed_let_else(a: &Analysis, block: ExprId, exit: ExprId) -> Option<BindingId> {
    let tree = &a.tree;
    let ExprKind::Block { stmts, .. } = tree.kind(block) else { return None };
    stmts.iter().find_map(|s| match s {
        Stmt::Let { init: Some(init), diverge: Some(d), .. } if *d == exit || tree.ancestors(exit).any(|x| x == *d) => {
            receive_call(a, *init)
        }
        _ => None,
    })
}

/// If `m` is a `match` on a receive whose `Err(_)`/`None` arm contains `exit`, the receiver.
fn closed_arm(a: &Analysis, m: ExprId, exit: ExprId) -> Option<BindingId> {
    let tree = &a.tree;
    let ExprKind::Match { scrutinee, arms } = tree.kind(m) else { return None };
    let receiver = receive_call(a, *scrutinee)?;
    let arm = arms.iter().find(|arm| arm.body == exit || tree.ancestors(exit).any(|x| x == arm.body))?;
    let closed = matches!(&arm.pat, Pat::Struct { path, .. } if path.ends_with("Err") || path.ends_with("None"));
    closed.then_some(receiver)
}

// ---- sends ---------------------------------------------------------------------------------

/// One send on a channel end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Send {
    /// The method call.
    pub call: ExprId,
    pub method: String,
    /// Whether it can wait for room: a synchronous `send`, `blocking_send`, or an awaited
    /// async send. `try_send`, `send_timeout` and the like fail instead.
    pub blocking: bool,
}

/// Sends on `binding` (a sender or a copy of it), in source order.
pub fn sends(a: &Analysis, binding: BindingId) -> Vec<Send> {
    let tree = &a.tree;
    let methods = &a.catalog.channels.methods.send;
    let mut out = Vec::new();
    for u in a.uses_of(binding) {
        let UseKind::Receiver { method } = &u.kind else { continue };
        if !methods.contains(method) {
            continue;
        }
        let Some(call) = tree.parent(u.expr) else { continue };
        let awaited = tree.parent(call).is_some_and(|p| matches!(tree.kind(p), ExprKind::Await(_)));
        let blocking = match method.as_str() {
            "send" | "reserve" | "send_async" => awaited || method == "send",
            "blocking_send" => true,
            _ => false,
        };
        out.push(Send { call, method: method.clone(), blocking });
    }
    out
}

/// The innermost body an expression belongs to, as [`super::tree::Binding::body`] names
/// it: the closure or async block, else the fn body block. The arguments of a macro
/// other than `select!` count as a body of their own: a macro may run them later
/// (`stream! { while let Some(x) = rx.recv().await { yield x } }`).
pub fn body_of(tree: &Tree, id: ExprId) -> ExprId {
    let mut top = id;
    for a in tree.ancestors(id) {
        if tree.is_body(a) || matches!(tree.kind(a), ExprKind::Macro { .. }) {
            return a;
        }
        top = a;
    }
    top
}

/// The block a binding is declared in (its scope), for `let`s; the whole body otherwise.
pub fn scope_of(tree: &Tree, b: BindingId) -> ExprId {
    let binding = tree.binding(b);
    binding
        .init
        .and_then(|init| tree.parent(init))
        .filter(|p| matches!(tree.kind(*p), ExprKind::Block { .. }))
        .unwrap_or(binding.body)
}

/// Whether `outer`'s span contains `inner`'s.
pub fn contains(tree: &Tree, outer: ExprId, inner: ExprId) -> bool {
    let (o, i) = (tree.span(outer), tree.span(inner));
    o.lo <= i.lo && i.hi <= o.hi
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::parse::{parse, FileInfo};
    use crate::source::FileId;

    fn analyze(src: &str) -> Analysis {
        let info = FileInfo { module_path: vec!["crate".into()], test_file: false };
        parse(FileId(0), src, &info, Catalog::builtin()).expect("test source parses")
    }

    fn name(a: &Analysis, e: &End) -> String {
        match e {
            End::Bound(b) => a.tree.binding(*b).name.clone(),
            End::Discarded(_) => "_".into(),
            End::Unknown => "?".into(),
        }
    }

    /// `(constructor, kind, capacity, sender, receiver)` of every channel in `src`.
    fn summary(src: &str) -> Vec<(String, ChannelKind, Option<u128>, String, String)> {
        let a = analyze(src);
        channels(&a)
            .iter()
            .map(|c| (c.path.clone(), c.kind, c.capacity, name(&a, &c.sender), name(&a, &c.receiver)))
            .collect()
    }

    fn ch(
        path: &str,
        kind: ChannelKind,
        cap: Option<u128>,
        tx: &str,
        rx: &str,
    ) -> (String, ChannelKind, Option<u128>, String, String) {
        (path.into(), kind, cap, tx.into(), rx.into())
    }

    #[test]
    fn constructors_resolve_through_imports_and_arity() {
        use ChannelKind::*;
        let src = r#"
            use std::sync::mpsc::{self, sync_channel as sync};
            use tokio::sync::mpsc as tmpsc;
            use flume::*;
            fn f() {
                let (a, b) = mpsc::channel();
                let (c, d) = sync(0);
                let (e, g) = tmpsc::channel(8);
                let (h, i) = unbounded();
                let (j, k) = kanal::bounded_async(2);
                let (l, m) = tokio::sync::oneshot::channel();
                let (n, o) = broadcast::channel(4);
            }
            fn unresolved() { let (p, q) = mpsc2::channel(); }
        "#;
        assert_eq!(
            summary(src),
            [
                ch("std::sync::mpsc::channel", Unbounded, None, "a", "b"),
                ch("std::sync::mpsc::sync_channel", Bounded, Some(0), "c", "d"),
                ch("tokio::sync::mpsc::channel", Bounded, Some(8), "e", "g"),
                ch("flume::unbounded", Unbounded, None, "h", "i"),
                ch("kanal::bounded_async", Bounded, Some(2), "j", "k"),
                ch("tokio::sync::oneshot::channel", Oneshot, None, "l", "m"),
            ]
        );
        // Without an import, `mpsc::channel` is told apart by its arity.
        let src = "fn f() { let (a, b) = mpsc::channel(); let (c, d) = mpsc::channel(4); }";
        assert_eq!(
            summary(src),
            [
                ch("std::sync::mpsc::channel", Unbounded, None, "a", "b"),
                ch("tokio::sync::mpsc::channel", Bounded, Some(4), "c", "d"),
            ]
        );
    }

    #[test]
    fn ends_from_patterns_fields_and_later_destructuring() {
        use ChannelKind::*;
        let std = "std::sync::mpsc::channel";
        let src = r#"
            use std::sync::mpsc::channel;
            fn f() {
                let (tx, _) = channel();
                let only_tx = channel().0;
                let only_rx = channel().1;
                let pair = channel();
                let (s, r) = pair;
                let pair2 = channel();
                let s2 = pair2.0;
                let r2 = pair2.1;
                let (s3, r3): (Sender<u8>, Receiver<u8>) = channel();
                takes(channel());
            }
        "#;
        assert_eq!(
            summary(src),
            [
                ch(std, Unbounded, None, "tx", "_"),
                ch(std, Unbounded, None, "only_tx", "_"),
                ch(std, Unbounded, None, "_", "only_rx"),
                ch(std, Unbounded, None, "s", "r"),
                ch(std, Unbounded, None, "s2", "r2"),
                ch(std, Unbounded, None, "s3", "r3"),
                ch(std, Unbounded, None, "?", "?"),
            ]
        );
    }

    /// The end-uses of binding `name` (the first so named), in source order.
    fn uses_of(src: &str, name: &str) -> Vec<EndUse> {
        let a = analyze(src);
        let b = (0..a.tree.bindings.len()).map(|i| BindingId(i as u32)).find(|&b| a.tree.binding(b).name == name);
        a.uses_of(b.expect("binding")).iter().map(|u| end_use(&a, u)).collect()
    }

    #[test]
    fn where_each_end_goes() {
        let src = r#"
            fn f() {
                let (tx, rx) = std::sync::mpsc::channel();
                let t2 = tx.clone();
                let t3 = Sender::clone(&tx);
                let _ = tx;
                tx.send(1);
                helper(&tx);
                std::thread::spawn(move || { let _r = &tx; });
                drop(tx);
                std::mem::forget(tx);
                Box::leak(Box::new(tx));
                tx.close();
                let moved = tx;
                tx = other;
                v.push(tx);
                return tx;
            }
        "#;
        let uses = uses_of(src, "tx");
        assert!(matches!(uses[0], EndUse::Cloned(Some(_))), "{uses:?}");
        assert!(matches!(uses[1], EndUse::Cloned(Some(_))), "{uses:?}");
        assert_eq!(uses[2..5], [EndUse::LetUnderscore, EndUse::Used, EndUse::Used]);
        assert!(matches!(uses[5], EndUse::MovedInto(_)), "a move closure takes `tx` even through `&tx`");
        assert_eq!(uses[6..9], [EndUse::Dropped, EndUse::Leaked, EndUse::Leaked]);
        assert_eq!(uses[9], EndUse::Closed);
        assert!(matches!(uses[10], EndUse::Renamed(_)));
        assert_eq!(uses[11..], [EndUse::Reassigned, EndUse::Passed(Some("push".into())), EndUse::Returned]);
        assert!(!EndUse::LetUnderscore.releases() && EndUse::Dropped.releases());
    }

    #[test]
    fn copies_follow_clones_and_renames() {
        let a = analyze("fn f() { let (tx, rx) = flume::unbounded(); let a = tx.clone(); let b = a.clone(); let c = b; let d = other.clone(); }");
        let tx =
            (0..a.tree.bindings.len()).map(|i| BindingId(i as u32)).find(|&b| a.tree.binding(b).name == "tx").unwrap();
        let names: Vec<String> = copies(&a, tx).iter().map(|&b| a.tree.binding(b).name.clone()).collect();
        assert_eq!(names, ["tx", "a", "b", "c"]);
    }

    /// The receivers of the receiving loops of `src`, by name.
    fn receiving(src: &str) -> Vec<String> {
        let a = analyze(src);
        receiving_loops(&a).iter().map(|l| a.tree.binding(l.receiver).name.clone()).collect()
    }

    #[test]
    fn receiving_loops_in_every_form_and_the_forms_that_are_not() {
        let yes = r#"
            async fn f(rx1: R, rx2: R, rx3: R, rx4: R, rx5: R, rx6: R, rx7: R, rx8: R, rx9: R, rx10: R) {
                for a in rx1 {}
                for b in &rx2 {}
                for c in rx3.iter() {}
                for (i, d) in rx4.iter().enumerate() {}
                let all: Vec<_> = rx5.into_iter().collect();
                while let Ok(e) = rx6.recv() {}
                while let Some(g) = rx7.recv().await {}
                while let Ok(h) = rx8.recv_async().await {}
                while let Some(i) = rx9.next().await {}
                loop { match rx10.recv() { Ok(j) => work(j), Err(_) => break } }
            }
        "#;
        assert_eq!(receiving(yes), ["rx1", "rx2", "rx3", "rx4", "rx5", "rx6", "rx7", "rx8", "rx9", "rx10"]);
        let no = r#"
            async fn f(rx1: R, rx2: R, rx3: R, rx4: R, rx5: R, rx6: R, rx7: R, rx8: R) {
                for a in rx1.try_iter() {}
                for b in rx2.iter().take(3) {}
                while let Ok(c) = rx3.recv_timeout(d) {}
                for e in rx4 { if e.last { break; } }
                while let Some(g) = rx5.recv().await { if g { return; } }
                loop { match rx6.recv() { Ok(j) => if j { break }, Err(_) => break } }
                while let Ok(h) = rx7.try_recv() {}
                let next = rx8.next();
            }
        "#;
        assert_eq!(receiving(no), Vec::<String>::new());
    }

    #[test]
    fn sends_and_whether_they_block() {
        let a = analyze(
            "async fn f() { let (tx, rx) = flume::bounded(1); tx.send(1); tx.try_send(2); tx.send_async(3).await; tx.send_async(4); tx.blocking_send(5); tx.send_timeout(6, d); }",
        );
        let tx =
            (0..a.tree.bindings.len()).map(|i| BindingId(i as u32)).find(|&b| a.tree.binding(b).name == "tx").unwrap();
        let got: Vec<(String, bool)> = sends(&a, tx).into_iter().map(|s| (s.method, s.blocking)).collect();
        let want = [
            ("send", true),
            ("try_send", false),
            ("send_async", true),
            ("send_async", false),
            ("blocking_send", true),
            ("send_timeout", false),
        ];
        assert_eq!(got, want.map(|(m, b)| (m.to_string(), b)));
    }
}
