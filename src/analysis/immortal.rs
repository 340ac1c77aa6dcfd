//! Where a value is put so that it is never dropped: a `static` (its initialiser,
//! `GLOBAL.set(x)`, `GLOBAL.get_or_init(|| x)`, `Lazy::new(|| x)`, `lazy_static!`), or a
//! catalogued leak (`mem::forget`, `Box::leak`, `Box::into_raw`, `ManuallyDrop::new`).
//! The channel rules ask it about senders, the timer rules about timers.

use super::tree::{ExprId, ExprKind, Pat, Res, Stmt};
use super::Analysis;

/// How a value is kept forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forever {
    /// Put in a `static`.
    Static,
    /// Leaked (`mem::forget`, `Box::leak`, ...).
    Leaked,
}

/// Where and how a value is kept forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kept {
    pub how: Forever,
    /// The leaking call, the `set`/`get_or_init`/`Lazy::new` call, or the `static`
    /// initialiser the value ends up in.
    pub at: ExprId,
}

/// How many steps (wrapping calls, blocks, `let`s) a value is followed.
const MAX_STEPS: usize = 12;

/// Where the value of `e` is kept forever, if it is: followed outwards through calls that
/// wrap it (`Arc::new(Mutex::new(x))`, `Some(x)`), block tails, struct literals, tuples,
/// closures that return it, and the uses of a plain `let` binding of it.
pub fn kept_forever(a: &Analysis, e: ExprId) -> Option<Kept> {
    flow(a, e, 0)
}

fn flow(a: &Analysis, e: ExprId, steps: usize) -> Option<Kept> {
    if steps > MAX_STEPS {
        return None;
    }
    let tree = &a.tree;
    let leaks = &a.catalog.leaks;
    let Some(parent) = tree.parent(e) else {
        // The root of a `static` (or `lazy_static!`) initialiser.
        return tree.statics.contains(&e).then_some(Kept { how: Forever::Static, at: e });
    };
    let next = |x: ExprId| flow(a, x, steps + 1);
    match tree.kind(parent) {
        ExprKind::Call { callee, .. } if *callee != e => {
            let path = tree.callee_path(parent)?;
            if leaks.functions.iter().any(|f| f == path) {
                return Some(Kept { how: Forever::Leaked, at: parent });
            }
            wraps_argument(path).then(|| next(parent)).flatten()
        }
        ExprKind::MethodCall { receiver, method, .. } => {
            if *receiver == e {
                let leaked = leaks.methods.contains(method);
                return leaked.then_some(Kept { how: Forever::Leaked, at: parent });
            }
            receiver_is_static(a, e).then_some(Kept { how: Forever::Static, at: parent })
        }
        ExprKind::Block { stmts, .. } => match stmts.iter().find(|s| stmt_holds(s, e))? {
            Stmt::Expr { semi: false, .. } if stmts.last().is_some_and(|s| stmt_holds(s, e)) => next(parent),
            Stmt::Let { pat: Pat::Ident { binding, sub: None, .. }, .. } => {
                a.uses_of(*binding).iter().find_map(|u| flow(a, u.expr, steps + 1))
            }
            _ => None,
        },
        ExprKind::Closure { body, .. } if *body == e => {
            let call = tree.parent(parent)?;
            closure_kept_in_static(a, parent).then_some(Kept { how: Forever::Static, at: call })
        }
        ExprKind::Return(_) => {
            let closure = tree.enclosing_body(parent)?;
            let call = tree.parent(closure)?;
            closure_kept_in_static(a, closure).then_some(Kept { how: Forever::Static, at: call })
        }
        ExprKind::Struct { .. } | ExprKind::Other(_) => next(parent),
        _ => None,
    }
}

/// Whether statement `s` evaluates `e` as its expression or initialiser.
fn stmt_holds(s: &Stmt, e: ExprId) -> bool {
    match s {
        Stmt::Expr { expr, .. } => *expr == e,
        Stmt::Let { init, .. } => *init == Some(e),
    }
}

/// Calls whose result holds their argument: a type's constructor (`Arc::new`,
/// `Mutex::new`, `Box::pin`, `IntervalStream::new`), `Some`, `Ok`.
fn wraps_argument(path: &str) -> bool {
    let mut segs = path.rsplit("::");
    let (last, ty) = (segs.next().unwrap_or(""), segs.next().unwrap_or(""));
    matches!(last, "Some" | "Ok") || (matches!(last, "new" | "pin" | "from") && ty.starts_with(char::is_uppercase))
}

/// `GLOBAL.set(x)` (or another method given `x`) on a `static` item.
pub fn receiver_is_static(a: &Analysis, arg: ExprId) -> bool {
    let Some(call) = a.tree.parent(arg) else { return false };
    matches!(a.tree.kind(call), ExprKind::MethodCall { receiver, args, .. } if args.contains(&arg) && is_item(a, *receiver))
}

fn is_item(a: &Analysis, e: ExprId) -> bool {
    matches!(a.tree.kind(e), ExprKind::Path(Res::Item(_)))
}

/// A value returned from a `static` initialiser, or from the closure given to
/// `Lazy::new` / `LazyLock::new` / `GLOBAL.get_or_init(..)`.
pub fn returned_into_static(a: &Analysis, e: ExprId) -> bool {
    match a.tree.enclosing_body(e) {
        None => a.tree.expr(e).scope.in_static,
        Some(closure) => closure_kept_in_static(a, closure),
    }
}

/// Whether what `closure` returns is kept in a `static`: it is given to a catalogued
/// static initialiser (`Lazy::new`) or to a once-method of a `static` item.
fn closure_kept_in_static(a: &Analysis, closure: ExprId) -> bool {
    let tree = &a.tree;
    let Some(call) = tree.parent(closure) else { return false };
    let lazy = tree.callee_path(call).is_some_and(|p| a.catalog.leaks.static_initializers.iter().any(|s| s == p));
    lazy || a.once_init_args(call).contains(&closure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::parse::{parse, FileInfo};
    use crate::source::FileId;

    /// How the value of every call to `make` is kept forever, in source order.
    fn kept(src: &str) -> Vec<Option<Forever>> {
        let info = FileInfo { module_path: vec!["crate".into()], test_file: false };
        let a = parse(FileId(0), src, &info, Catalog::builtin()).expect("parses");
        let mut calls: Vec<ExprId> =
            (0..a.tree.exprs.len() as u32).map(ExprId).filter(|&e| a.tree.callee_path(e) == Some("make")).collect();
        calls.sort_by_key(|&e| a.tree.span(e).lo);
        calls.into_iter().map(|e| kept_forever(&a, e).map(|k| k.how)).collect()
    }

    #[test]
    fn statics_and_leaks_through_wrappers_and_bindings() {
        let src = r#"
            use once_cell::sync::Lazy;
            static A: Lazy<Mutex<T>> = Lazy::new(|| Mutex::new(make()));
            static B: T = make();
            lazy_static! { static ref C: T = make(); }
            static D: OnceLock<T> = OnceLock::new();
            fn f() {
                D.set(make());
                D.get_or_init(|| make());
                std::mem::forget(make());
                Box::leak(Box::new(make()));
                let t = make();
                std::mem::forget(t);
                let u = Arc::new(make());
                keep(u);
                let v = make();
                drop(v);
                D.get_or_init(|| { let w = make(); return w; });
            }
        "#;
        use Forever::*;
        let want = [Some(Static), Some(Static), Some(Static), Some(Static), Some(Static), Some(Leaked), Some(Leaked)];
        let got = kept(src);
        assert_eq!(got[..7], want);
        assert_eq!(got[7..], [Some(Leaked), None, None, Some(Static)]);
    }
}
