//! Calls that put a value where it is never dropped (DESIGN §3.4 "never released in a
//! loop"): `mem::forget`, `Box::leak`, `Vec::leak`, `String::leak`, `Box::into_raw`,
//! `ManuallyDrop::new`; whether one runs once per loop iteration; and whether a file
//! ever gives back what `into_raw` or `ManuallyDrop` held back.

use super::tree::{ExprId, ExprKind, Tree};
use super::Analysis;

/// Iterator adapters whose closure runs once per item.
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
pub fn leak_call(a: &Analysis, id: ExprId) -> Option<LeakCall> {
    let leaks = &a.catalog.leaks;
    match a.tree.kind(id) {
        ExprKind::Call { .. } => {
            let path = a.tree.callee_path(id).filter(|p| leaks.functions.iter().any(|f| f == p))?;
            let kind = if path == "std::mem::forget" {
                LeakKind::Forget
            } else if path.ends_with("::into_raw") {
                LeakKind::IntoRaw
            } else if path.starts_with("std::mem::ManuallyDrop::") {
                LeakKind::ManuallyDrop
            } else {
                LeakKind::Leak
            };
            let name = short_path(path);
            Some(LeakCall { call: id, kind, name })
        }
        ExprKind::MethodCall { method, args, .. } if args.is_empty() && leaks.methods.contains(method) => {
            Some(LeakCall { call: id, kind: LeakKind::Leak, name: format!(".{method}()") })
        }
        _ => None,
    }
}

/// `std::boxed::Box::leak` → `Box::leak`, `std::mem::forget` → `mem::forget`.
fn short_path(path: &str) -> String {
    let segs: Vec<&str> = path.split("::").collect();
    segs[segs.len().saturating_sub(2)..].join("::")
}

/// The loop whose body runs `id` on every iteration (in the same function, closure or
/// async block), or the iterator-adapter closure (`map`, `for_each`, ...) that runs it for
/// every item. Other closures and async blocks run when someone calls or awaits them,
/// perhaps once: not followed.
pub fn per_iteration(tree: &Tree, id: ExprId) -> Option<ExprId> {
    let mut node = id;
    for a in tree.ancestors(id) {
        match tree.kind(a) {
            ExprKind::Loop(l) if l.body == node => return Some(a),
            ExprKind::Closure { .. } => return is_adapter_closure(tree, a).then_some(a),
            ExprKind::Async { .. } => return None,
            _ => {}
        }
        node = a;
    }
    None
}

fn is_adapter_closure(tree: &Tree, closure: ExprId) -> bool {
    tree.parent(closure).is_some_and(|p| {
        matches!(tree.kind(p), ExprKind::MethodCall { method, args, .. }
            if args.contains(&closure) && PER_ITEM_ADAPTERS.contains(&method.as_str()))
    })
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
