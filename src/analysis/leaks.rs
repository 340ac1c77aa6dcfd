//! Calls that put a value where it is never dropped (DESIGN §3.4 "never released in a
//! loop"): `mem::forget`, `Box::leak`, `Vec::leak`, `String::leak`, `Box::into_raw`,
//! `ManuallyDrop::new`; whether one runs once per loop iteration; and whether a file
//! ever gives back what `into_raw` or `ManuallyDrop` held back.

use super::tree::{BindingId, ExprId, ExprKind, Res, Tree};
use super::uses::UseKind;
use super::Analysis;

/// Iterator adapters whose closure runs once per item. `map`, `filter` and `inspect`
/// are also `Option`/`Result` methods, which run it at most once: see
/// [`ITERATOR_SOURCES`].
const PER_ITEM_ADAPTERS: &[&str] = &[
    "map",
    "filter_map",
    "flat_map",
    "for_each",
    "try_for_each",
    "filter",
    "inspect",
    "fold",
    "try_fold",
    "scan",
    "map_while",
    "take_while",
    "skip_while",
    "find_map",
    "any",
    "all",
];

/// Adapters that `Option` and `Result` share with iterators.
const SHARED_WITH_OPTION: &[&str] = &["map", "filter", "inspect"];

/// `Option`/`Result` combinators: their closure runs at once, at most once, as part of
/// the code around it.
const RUN_AT_ONCE: &[&str] = &[
    "map",
    "filter",
    "inspect",
    "and_then",
    "or_else",
    "map_or",
    "map_or_else",
    "map_err",
    "unwrap_or_else",
    "ok_or_else",
    "get_or_insert_with",
    "is_some_and",
    "is_ok_and",
    "then",
];

/// Methods that make an iterator: a `map` called on their result runs per item.
const ITERATOR_SOURCES: &[&str] = &[
    "iter",
    "iter_mut",
    "into_iter",
    "drain",
    "chars",
    "char_indices",
    "bytes",
    "lines",
    "split",
    "split_whitespace",
    "keys",
    "values",
    "values_mut",
    "windows",
    "chunks",
    "enumerate",
    "rev",
    "step_by",
    "chain",
    "peekable",
    "filter_map",
    "flat_map",
    "capture_names",
];

/// Iterator adapters that `Option` also has (`opt.cloned()`): an iterator only when
/// their receiver is one. `take`/`skip` are iterators only with an argument.
const AMBIGUOUS_ADAPTERS: &[&str] = &["map", "filter", "inspect", "cloned", "copied", "flatten", "zip"];

/// Methods that hand a value's ownership to a raw pointer or handle: forgetting the value
/// afterwards is how unsafe code transfers ownership, not a leak.
const RAW_HANDOFF_PREFIXES: &[&str] = &["as_raw", "into_raw", "as_ptr", "as_mut_ptr", "as_inner", "into_inner_raw"];

/// Constructors that make a value borrowed from a raw pointer, which forgetting avoids
/// freeing twice.
const RAW_SOURCES_PREFIXES: &[&str] = &["from_raw", "from_inner", "from_ptr"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeakKind {
    /// `mem::forget(x)`.
    Forget,
    /// `Box::leak`, `Vec::leak`, `String::leak`, `.leak()`.
    Leak,
    /// `Box::into_raw`: leaks unless `Box::from_raw` takes it back.
    IntoRaw,
    /// `ManuallyDrop::new`: leaks unless `ManuallyDrop::drop`/`into_inner`/`take` runs.
    ManuallyDrop,
}

#[derive(Debug, Clone)]
pub struct LeakCall {
    pub call: ExprId,
    pub kind: LeakKind,
    /// As written in messages: `mem::forget`, `Box::leak`, `.leak()`.
    pub name: String,
}

/// The leaking call `id` is, if any: a catalogued leak function by canonical path, or a
/// no-argument `.leak()` method.
/// The leaking call `id` is, if any: a catalogued leak function by canonical path, a
/// no-argument `.leak()` method, or a leak function handed to a per-item adapter
/// (`.for_each(mem::forget)`, `.map(Box::leak)`).
pub fn leak_call(a: &Analysis, id: ExprId) -> Option<LeakCall> {
    let leaks = &a.catalog.leaks;
    let is_leak_fn = |p: &str| leaks.functions.iter().any(|f| f == p);
    let path = match a.tree.kind(id) {
        ExprKind::Call { .. } => a.tree.callee_path(id).filter(|p| is_leak_fn(p))?,
        ExprKind::Path(Res::Item(p)) if is_leak_fn(p) && adapter_of_fn_arg(&a.tree, id).is_some() => p.as_str(),
        ExprKind::MethodCall { method, args, .. } if args.is_empty() && leaks.methods.contains(method) => {
            return Some(LeakCall { call: id, kind: LeakKind::Leak, name: format!(".{method}()") });
        }
        _ => return None,
    };
    let kind = if path == "std::mem::forget" {
        LeakKind::Forget
    } else if path.ends_with("::into_raw") {
        LeakKind::IntoRaw
    } else if path.starts_with("std::mem::ManuallyDrop::") {
        LeakKind::ManuallyDrop
    } else {
        LeakKind::Leak
    };
    Some(LeakCall { call: id, kind, name: short_path(path) })
}

/// The per-item adapter call a function path is handed to (`xs.for_each(mem::forget)`).
fn adapter_of_fn_arg(tree: &Tree, path: ExprId) -> Option<ExprId> {
    let parent = tree.parent(path)?;
    let ExprKind::MethodCall { receiver, method, args, .. } = tree.kind(parent) else { return None };
    let per_item = PER_ITEM_ADAPTERS.contains(&method.as_str())
        && (!SHARED_WITH_OPTION.contains(&method.as_str()) || looks_like_iterator(tree, *receiver));
    (args.contains(&path) && per_item).then_some(parent)
}

/// `std::boxed::Box::leak` → `Box::leak`, `std::mem::forget` → `mem::forget`.
fn short_path(path: &str) -> String {
    let segs: Vec<&str> = path.split("::").collect();
    segs[segs.len().saturating_sub(2)..].join("::")
}

/// The loop whose body runs `id` on every iteration (in the same function, closure or
/// async block), or the iterator-adapter closure (`map`, `for_each`, ...) that runs it for
/// every item. An `Option::map`-like closure runs with the code around it and is seen
/// through; other closures and async blocks run when someone calls or awaits them,
/// perhaps once: not followed.
pub fn per_iteration(tree: &Tree, id: ExprId) -> Option<ExprId> {
    if matches!(tree.kind(id), ExprKind::Path(_)) {
        return adapter_of_fn_arg(tree, id);
    }
    let mut node = id;
    for a in tree.ancestors(id) {
        match tree.kind(a) {
            ExprKind::Loop(l) if l.body == node => return Some(a),
            ExprKind::Closure { .. } if is_adapter_closure(tree, a) => return Some(a),
            ExprKind::Closure { .. } if !runs_at_once(tree, a) => return None,
            ExprKind::Async { .. } => return None,
            _ => {}
        }
        node = a;
    }
    None
}

fn runs_at_once(tree: &Tree, closure: ExprId) -> bool {
    tree.parent(closure).is_some_and(|p| {
        matches!(tree.kind(p), ExprKind::MethodCall { method, args, .. }
            if args.contains(&closure) && RUN_AT_ONCE.contains(&method.as_str()))
    })
}

fn is_adapter_closure(tree: &Tree, closure: ExprId) -> bool {
    let Some(p) = tree.parent(closure) else { return false };
    let ExprKind::MethodCall { receiver, method, args, .. } = tree.kind(p) else { return false };
    if !args.contains(&closure) || !PER_ITEM_ADAPTERS.contains(&method.as_str()) {
        return false;
    }
    !SHARED_WITH_OPTION.contains(&method.as_str()) || looks_like_iterator(tree, *receiver)
}

/// `xs.iter()`, `s.lines().enumerate()`, `(0..n)`: a receiver whose `map` is per item.
fn looks_like_iterator(tree: &Tree, receiver: ExprId) -> bool {
    match tree.kind(receiver) {
        ExprKind::MethodCall { receiver, method, args, .. } => match method.as_str() {
            m if ITERATOR_SOURCES.contains(&m) => true,
            "take" | "skip" => !args.is_empty(),
            m if AMBIGUOUS_ADAPTERS.contains(&m) => looks_like_iterator(tree, *receiver),
            _ => false,
        },
        // A range (`0..n`).
        ExprKind::Other(kids) => kids.len() == 2,
        _ => false,
    }
}

/// Whether `mem::forget(x)` is an ownership idiom rather than a leak: `x` is a lock guard
/// (the lock stays held on purpose), a drop guard made here (forgetting disarms it), a
/// value whose bits were copied elsewhere (`ptr::copy`) or handed to a raw pointer
/// (`as_raw()`), a value borrowed from a raw pointer (`from_raw`), or `self`.
pub fn is_ownership_handoff(a: &Analysis, leak: &LeakCall) -> bool {
    let tree = &a.tree;
    let ExprKind::Call { args, .. } = tree.kind(leak.call) else { return false };
    let Some(&arg) = args.first() else { return false };
    match tree.kind(arg) {
        ExprKind::Path(Res::SelfValue) => true,
        ExprKind::Path(Res::Local(b)) => handed_off_binding(a, *b),
        _ => makes_guard(a, arg),
    }
}

fn handed_off_binding(a: &Analysis, b: BindingId) -> bool {
    let tree = &a.tree;
    let binding = tree.binding(b);
    if binding.name.contains("guard") {
        return true;
    }
    let from_init = binding.init.is_some_and(|init| {
        matches!(tree.kind(init), ExprKind::Struct { .. })
            || is_tuple_struct(tree, init)
            || makes_guard(a, init)
            || from_raw(tree, init)
    });
    from_init
        || a.uses_of(b).iter().any(|u| match &u.kind {
            UseKind::Receiver { method } => RAW_HANDOFF_PREFIXES.iter().any(|p| method.starts_with(p)),
            _ => passed_to_ptr_fn(tree, u.expr),
        })
}

/// `Guard(self)`: a tuple-struct constructor (a capitalised one-segment path).
fn is_tuple_struct(tree: &Tree, e: ExprId) -> bool {
    tree.callee_path(e).is_some_and(|p| !p.contains("::") && p.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// Whether the expression is, or is computed from, a lock-like call (`self.write()`,
/// `m.lock()`, `guard.upgrade()`).
fn makes_guard(a: &Analysis, e: ExprId) -> bool {
    let c = a.catalog;
    a.tree.descendants(e).into_iter().any(|d| match a.tree.kind(d) {
        ExprKind::MethodCall { method, .. } => {
            c.is_lock_method(method) || c.is_evidence_lock_method(method) || method.contains("upgrade")
        }
        _ => false,
    })
}

/// `CertContext::from_inner(p)`, `ptr::read(src)`: a value that does not own its memory.
fn from_raw(tree: &Tree, e: ExprId) -> bool {
    tree.descendants(e).into_iter().any(|d| {
        tree.callee_path(d).is_some_and(|p| {
            let name = p.rsplit("::").next().unwrap_or(p);
            p.starts_with("std::ptr::") || RAW_SOURCES_PREFIXES.iter().any(|r| name.starts_with(r))
        })
    })
}

/// A use (possibly borrowed: `&tmp`) that is an argument of a `std::ptr` function.
fn passed_to_ptr_fn(tree: &Tree, use_expr: ExprId) -> bool {
    let mut node = use_expr;
    while let Some(parent) = tree.parent(node) {
        match tree.kind(parent) {
            ExprKind::Ref { .. } | ExprKind::Other(_) => node = parent,
            ExprKind::Call { callee, .. } if *callee != node => {
                return tree.callee_path(parent).is_some_and(|p| p.starts_with("std::ptr::"));
            }
            _ => return false,
        }
    }
    false
}

/// What a file gives back of what leak functions held back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reclaims {
    /// `Box::from_raw` is called.
    pub from_raw: bool,
    /// `ManuallyDrop::drop`, `into_inner` or `take` is called.
    pub manually_drop: bool,
}

impl Reclaims {
    pub fn of(a: &Analysis) -> Reclaims {
        let reclaims = &a.catalog.leaks.reclaims;
        let mut out = Reclaims::default();
        for i in 0..a.tree.exprs.len() {
            let Some(path) = a.tree.callee_path(ExprId(i as u32)) else { continue };
            if !reclaims.iter().any(|r| r == path) {
                continue;
            }
            if path.ends_with("::from_raw") {
                out.from_raw = true;
            } else {
                out.manually_drop = true;
            }
        }
        out
    }

    pub fn union(self, other: Reclaims) -> Reclaims {
        Reclaims { from_raw: self.from_raw || other.from_raw, manually_drop: self.manually_drop || other.manually_drop }
    }

    /// Whether a leak of `kind` may be given back somewhere.
    pub fn undoes(self, kind: LeakKind) -> bool {
        match kind {
            LeakKind::IntoRaw => self.from_raw,
            LeakKind::ManuallyDrop => self.manually_drop,
            LeakKind::Forget | LeakKind::Leak => false,
        }
    }
}
