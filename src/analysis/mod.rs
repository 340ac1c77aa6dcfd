//! The shared semantic layer every rule stands on: a lowered tree per file with names
//! resolved ([`tree`], [`lower`], [`resolve`]), the uses of every binding ([`uses`]),
//! loop exits ([`loops`]), `select!` arms ([`select`]), a crate-wide index of function
//! bodies ([`index`]), spawns and their handles ([`spawns`]), the workspace's spawn
//! wrappers ([`wrappers`]), locks and where their guards live ([`locks`]), and calls
//! that leak ([`leaks`]).

pub mod index;
pub mod leaks;
pub mod locks;
pub mod loops;
pub mod lower;
pub mod resolve;
pub mod select;
pub mod spawns;
pub mod tree;
pub mod uses;
pub mod wrappers;

#[cfg(test)]
mod tests;

use crate::catalog::Catalog;
use tree::*;
use uses::Use;

/// How many `let` bindings are followed when looking for where a value came from.
const MAX_ORIGIN_DEPTH: usize = 8;

/// Everything known about one file.
#[derive(Debug)]
pub struct Analysis {
    pub tree: Tree,
    /// Uses of each binding, by [`BindingId`].
    pub uses: Vec<Vec<Use>>,
    pub catalog: &'static Catalog,
}

impl Analysis {
    pub fn new(tree: Tree, catalog: &'static Catalog) -> Analysis {
        let uses = uses::collect(&tree);
        Analysis { tree, uses, catalog }
    }

    pub fn uses_of(&self, b: BindingId) -> &[Use] {
        &self.uses[b.0 as usize]
    }

    /// The canonical path of the call a value comes from, following method chains,
    /// `.await`, `?`, references and `let` bindings: `Runtime::new().unwrap()` and a
    /// binding of it both come from `tokio::runtime::Runtime::new`.
    pub fn origin(&self, id: ExprId) -> Option<&str> {
        let mut id = id;
        let mut hops = 0;
        loop {
            match self.tree.kind(id) {
                ExprKind::Call { .. } => return self.tree.callee_path(id),
                ExprKind::MethodCall { receiver, .. } => id = *receiver,
                ExprKind::Await(e) | ExprKind::Try(e) | ExprKind::Ref { expr: e, .. } => id = *e,
                ExprKind::Path(Res::Local(b)) if hops < MAX_ORIGIN_DEPTH => {
                    hops += 1;
                    id = self.tree.binding(*b).init?;
                }
                _ => return None,
            }
        }
    }

    /// The declared types of what an expression reads: a binding's annotation or a
    /// struct field's declaration (`self.handle` for `handle: Handle`).
    pub fn declared_types(&self, id: ExprId) -> Vec<&TypeRef> {
        match self.tree.kind(id) {
            ExprKind::Path(Res::Local(b)) => self.tree.binding(*b).ty.iter().collect(),
            ExprKind::Field { member, .. } => {
                self.tree.field_types.get(member).map(|t| t.iter().collect()).unwrap_or_default()
            }
            ExprKind::Ref { expr, .. } => self.declared_types(*expr),
            _ => Vec::new(),
        }
    }

    /// The local binding an expression reads, through method chains, `.await`, `?` and
    /// references (`&mut rx`, `rx.recv().await`).
    pub fn root_binding(&self, id: ExprId) -> Option<BindingId> {
        let mut id = id;
        loop {
            match self.tree.kind(id) {
                ExprKind::Path(Res::Local(b)) => return Some(*b),
                ExprKind::MethodCall { receiver, .. } => id = *receiver,
                ExprKind::Await(e) | ExprKind::Try(e) | ExprKind::Ref { expr: e, .. } => id = *e,
                ExprKind::Field { base, .. } => id = *base,
                _ => return None,
            }
        }
    }

    /// Whether `id` runs at most once per process, so what it starts may live as long as
    /// the process: code in `fn main`, in a `static` initialiser, or in a closure given
    /// to a once-initialiser of a `static` (`GLOBAL.get_or_init(|| ..)`).
    pub fn runs_once_per_process(&self, id: ExprId) -> bool {
        let scope = self.tree.expr(id).scope;
        if scope.in_main || scope.in_static {
            return true;
        }
        self.tree.ancestors(id).any(|a| {
            let Some(parent) = self.tree.parent(a) else { return false };
            match self.tree.kind(parent) {
                ExprKind::MethodCall { receiver, method, args, .. } => {
                    args.contains(&a)
                        && self.catalog.leaks.once_methods.contains(method)
                        && matches!(self.tree.kind(*receiver), ExprKind::Path(Res::Item(_)))
                }
                _ => false,
            }
        })
    }

    /// Whether a `for` iterator or `while let` scrutinee never runs out: an interval
    /// stream or tick channel.
    pub fn never_finishes(&self, head: ExprId) -> bool {
        self.origin(head).and_then(|p| self.catalog.timer(p)).is_some_and(|t| t.never_finishes)
    }

    /// Whether an expression waits on a shutdown signal: a catalogued signal method or
    /// function, or a value of a signal type or from a signal channel.
    pub fn is_shutdown_signal(&self, id: ExprId) -> bool {
        let c = self.catalog;
        self.tree.descendants(id).into_iter().any(|e| match self.tree.kind(e) {
            ExprKind::MethodCall { method, .. } => c.is_signal_method(method),
            ExprKind::Call { .. } => self.tree.callee_path(e).is_some_and(|p| c.is_signal_function(p)),
            ExprKind::Path(Res::Local(_)) | ExprKind::Field { .. } => {
                let typed = self.declared_types(e).iter().any(|t| t.mentions(|p| c.is_signal_type(p)));
                typed || self.origin(e).is_some_and(|p| c.is_signal_channel(p))
            }
            _ => false,
        })
    }

    /// Whether the loop has a shutdown path through a `select!` (anywhere in its body) with
    /// an arm on a shutdown signal (DESIGN §3 "Loops that end", §3.1).
    pub fn has_shutdown_arm(&self, looop: ExprId) -> bool {
        self.tree.descendants(looop).into_iter().any(|e| match self.tree.kind(e) {
            ExprKind::Select { arms, .. } => {
                arms.iter().any(|arm| arm.operands.iter().any(|&o| self.is_shutdown_signal(o)))
            }
            _ => false,
        })
    }

    /// Whether the loop is driven by a repeating timer: it creates one, or reads a value
    /// made by one or declared as an `Interval` (`leaked_timer` territory).
    pub fn is_timer_driven(&self, looop: ExprId) -> bool {
        let repeating = |path: &str| self.catalog.timer(path).is_some_and(|t| t.repeats);
        self.tree.descendants(looop).into_iter().any(|e| match self.tree.kind(e) {
            ExprKind::Call { .. } => self.tree.callee_path(e).is_some_and(repeating),
            ExprKind::Path(Res::Local(_)) => {
                let typed = self.declared_types(e).iter().any(|t| t.mentions(|p| p.ends_with("::Interval")));
                typed || self.origin(e).is_some_and(repeating)
            }
            _ => false,
        })
    }
}
