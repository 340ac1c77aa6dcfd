//! Spawns: which calls start a task or thread (a catalogued spawn, or a workspace function
//! that wraps one), what the spawned body argument is, and whether the handle is thrown
//! away. Every rule that reasons about detached tasks reads these facts.

use super::tree::{BindingId, ExprId, ExprKind, Pat, Stmt, Tree};
use super::uses::UseKind;
use super::wrappers::{Fate, Wrapper};
use super::Analysis;
use crate::catalog::HandleKind;

/// Future adapters that run the future they wrap.
pub const TRANSPARENT_ADAPTERS: &[&str] = &["instrument", "in_current_span", "boxed", "boxed_local", "fuse"];

/// Functions that wrap the future they are given without changing what it runs.
pub const TRANSPARENT_WRAPPERS: &[&str] = &["std::boxed::Box::pin", "std::boxed::Box::new", "std::pin::pin"];

/// A call that starts a task or thread.
#[derive(Debug, Clone)]
pub struct Spawn<'w> {
    /// What the call returns.
    pub handle: HandleKind,
    /// The argument that is the spawned body (a closure, future or function).
    pub body_arg: ExprId,
    /// `"task"` or `"thread"`.
    pub what: &'static str,
    /// The workspace function the call spawns through, if it is not a catalogued spawn.
    pub wrapper: Option<&'w Wrapper>,
}

/// A catalogued spawn call: a spawn function by canonical path, or a spawn method on a
/// receiver made by a catalogued constructor or declared with a catalogued type.
pub fn catalogued(a: &Analysis, id: ExprId) -> Option<Spawn<'static>> {
    let c = a.catalog;
    let (handle, args, origin) = match a.tree.kind(id) {
        ExprKind::Call { args, .. } => {
            let path = a.tree.callee_path(id)?;
            (c.spawn_function(path)?, args, path)
        }
        ExprKind::MethodCall { receiver, method, args, .. } => match a.origin(*receiver) {
            Some(root) => (c.spawn_method(root, method)?, args, root),
            None => {
                let types = a.declared_types(*receiver);
                let outer = types
                    .iter()
                    .filter_map(|t| t.paths.first())
                    .find_map(|ty| c.spawn_method_by_type(ty, method).map(|h| (h, ty.as_str())));
                let (handle, ty) = outer?;
                (handle, args, ty)
            }
        },
        _ => return None,
    };
    let what = if origin.starts_with("std::thread") { "thread" } else { "task" };
    Some(Spawn { handle, body_arg: *args.first()?, what, wrapper: None })
}

/// A call of a spawn wrapper: its spawned argument is the wrapper's body parameter.
pub fn through_wrapper<'w>(a: &Analysis, id: ExprId, wrapper: &'w Wrapper) -> Option<Spawn<'w>> {
    let args = match a.tree.kind(id) {
        ExprKind::Call { args, .. } | ExprKind::MethodCall { args, .. } => args,
        _ => return None,
    };
    let handle = match wrapper.fate {
        Fate::Returns(h) => h,
        Fate::Drops => HandleKind::Join,
    };
    Some(Spawn { handle, body_arg: *args.get(wrapper.param)?, what: wrapper.what, wrapper: Some(wrapper) })
}

/// How a handle was thrown away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discard {
    Statement,
    Underscore,
    Unused(String),
    Dropped(String),
    Raced,
    Detached,
    /// A spawn wrapper drops the handle itself (`spawn_named` drops it).
    InWrapper(String),
}

impl Discard {
    pub fn describe(&self) -> String {
        match self {
            Discard::Statement => "its handle is dropped right away".into(),
            Discard::Underscore => "its handle is bound to `_` and dropped".into(),
            Discard::Unused(name) => format!("its handle `{name}` is never used"),
            Discard::Dropped(name) => format!("its handle `{name}` is dropped"),
            Discard::Raced => "its handle is raced in a `select!` that drops it when another branch wins".into(),
            Discard::Detached => "it is detached with `.detach()`".into(),
            Discard::InWrapper(name) => format!("`{name}` drops its handle"),
        }
    }
}

/// Whether the handle of spawn `call` is thrown away, and how.
pub fn discarded(a: &Analysis, call: ExprId, spawn: &Spawn) -> Option<Discard> {
    if let Some(w) = spawn.wrapper {
        if w.fate == Fate::Drops {
            return Some(Discard::InWrapper(w.name.clone()));
        }
    }
    if spawn.handle == HandleKind::Task {
        return detached_task(a, call);
    }
    match statement_of(&a.tree, handle_expr(&a.tree, call))? {
        StmtRole::Discarded => Some(Discard::Statement),
        StmtRole::Bound(Pat::Wild) => Some(Discard::Underscore),
        StmtRole::Bound(Pat::Ident { binding, .. }) => binding_discards(a, *binding),
        StmtRole::Bound(_) => None,
        StmtRole::Raced => Some(Discard::Raced),
    }
}

/// Whether the handle of spawn `call` is returned by the function around it (as its
/// tail, by `return`, or through a binding that is), so its callers own it.
pub fn returned(a: &Analysis, call: ExprId) -> bool {
    let tree = &a.tree;
    let outer = handle_expr(tree, call);
    let returns = |e: ExprId| match tree.parent(e).map(|p| (p, tree.kind(p))) {
        Some((_, ExprKind::Return(_))) => true,
        Some((p, ExprKind::Block { stmts, .. })) => {
            tree.parent(p).is_none() && matches!(stmts.last(), Some(Stmt::Expr { expr, semi: false }) if *expr == e)
        }
        _ => false,
    };
    // `Ok(handle)` / `Some(handle)` returned is the handle returned.
    let wrapped = tree
        .parent(outer)
        .filter(|&p| tree.callee_path(p).is_some_and(|c| matches!(c.rsplit("::").next(), Some("Ok" | "Some"))));
    if returns(outer) || wrapped.is_some_and(returns) {
        return true;
    }
    match statement_of(tree, outer) {
        Some(StmtRole::Bound(Pat::Ident { binding, .. })) => {
            a.uses_of(*binding).iter().any(|u| u.kind == UseKind::Returned && u.captured_by.is_none())
        }
        _ => false,
    }
}

/// The expression that holds the handle: the call, through `?`, `.unwrap()` and
/// `.expect(..)` (`Builder::..spawn(..)?` passes the handle on).
fn handle_expr(tree: &Tree, call: ExprId) -> ExprId {
    let mut outer = call;
    while let Some(p) = tree.parent(outer) {
        let passes = match tree.kind(p) {
            ExprKind::Try(_) => true,
            ExprKind::MethodCall { receiver, method, .. } => {
                *receiver == outer && matches!(method.as_str(), "unwrap" | "expect")
            }
            _ => false,
        };
        if !passes {
            break;
        }
        outer = p;
    }
    outer
}

/// smol/async-task `Task`s: only `.detach()` lets them run on.
fn detached_task(a: &Analysis, call: ExprId) -> Option<Discard> {
    let tree = &a.tree;
    let parent = tree.parent(call)?;
    if matches!(tree.kind(parent), ExprKind::MethodCall { receiver, method, .. } if *receiver == call && method == "detach")
    {
        return Some(Discard::Detached);
    }
    if let Some(StmtRole::Bound(Pat::Ident { binding, .. })) = statement_of(tree, call) {
        let detached =
            a.uses_of(*binding).iter().any(|u| matches!(&u.kind, UseKind::Receiver { method } if method == "detach"));
        return detached.then_some(Discard::Detached);
    }
    None
}

enum StmtRole<'t> {
    /// `expr;`
    Discarded,
    /// `let PAT = expr;`
    Bound(&'t Pat),
    /// A `select!` future by value, raced against other arms.
    Raced,
}

fn statement_of(tree: &Tree, expr: ExprId) -> Option<StmtRole<'_>> {
    let parent = tree.parent(expr)?;
    match tree.kind(parent) {
        ExprKind::Block { stmts, .. } => stmts.iter().find_map(|s| match s {
            Stmt::Expr { expr: e, semi: true } if *e == expr => Some(StmtRole::Discarded),
            Stmt::Let { pat, init: Some(init), .. } if *init == expr => Some(StmtRole::Bound(pat)),
            _ => None,
        }),
        ExprKind::Select { arms, .. } if arms.len() > 1 => Some(StmtRole::Raced),
        _ => None,
    }
}

fn binding_discards(a: &Analysis, binding: BindingId) -> Option<Discard> {
    let name = a.tree.binding(binding).name.clone();
    let uses = a.uses_of(binding);
    if uses.is_empty() {
        return Some(Discard::Unused(name));
    }
    for u in uses {
        match &u.kind {
            UseKind::Argument { callee: Some(c) } if c == "std::mem::drop" => return Some(Discard::Dropped(name)),
            UseKind::SelectedByValue if raced(&a.tree, u.expr) => return Some(Discard::Raced),
            _ => {}
        }
    }
    None
}

fn raced(tree: &Tree, expr: ExprId) -> bool {
    tree.parent(expr).is_some_and(|p| matches!(tree.kind(p), ExprKind::Select { arms, .. } if arms.len() > 1))
}

/// How a catalogued spawn call names what it calls, for messages: `tokio::spawn`,
/// `std::thread::Builder::spawn`, `tokio::runtime::Handle::spawn`.
pub fn spawner_name(a: &Analysis, id: ExprId) -> String {
    match a.tree.kind(id) {
        ExprKind::Call { .. } => a.tree.callee_path(id).unwrap_or("spawn").to_string(),
        ExprKind::MethodCall { receiver, method, .. } => {
            let ty = a.origin(*receiver).map(str::to_string).or_else(|| {
                a.declared_types(*receiver).first().and_then(|t| t.paths.first()).map(|p| format!("{p}::_"))
            });
            match ty {
                // `Builder::new` → `Builder`: the type whose method spawns.
                Some(path) => match path.rsplit_once("::") {
                    Some((ty, _)) => format!("{ty}::{method}"),
                    None => format!("{path}::{method}"),
                },
                None => method.clone(),
            }
        }
        _ => "spawn".to_string(),
    }
}
