//! The shared semantic layer every rule stands on: a lowered tree per file with names
//! resolved ([`tree`], [`lower`], [`resolve`]), the uses of every binding ([`uses`]),
//! loop exits ([`loops`]), `select!` arms ([`select`]), a crate-wide index of function
//! bodies ([`index`]), spawns and their handles ([`spawns`]), the workspace's spawn
//! wrappers ([`wrappers`]), locks and where their guards live ([`locks`]), and calls
//! that leak ([`leaks`]).

pub mod channels;
pub mod immortal;
pub mod index;
pub mod leaks;
pub mod locks;
pub mod loops;
pub mod lower;
pub mod resolve;
pub mod select;
pub mod spawns;
pub mod tasks;
pub mod timers;
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

    /// The types whose methods a method receiver has, seen through smart pointers and
    /// references (auto-deref, DESIGN §3.1): `Server` for `Arc::new(Server::new())`,
    /// `Arc::clone(&s)` or `s.clone()` of such an `s`, a binding or struct field declared
    /// `Arc<Server>`/`&Server`, and `Server::bind(..).await?`. `None` when nothing is known,
    /// including a smart pointer around an unknown value: knowing that a receiver is an
    /// `Arc` rules no type out.
    pub fn receiver_types(&self, id: ExprId) -> Option<Vec<&str>> {
        self.value_types(id, true, 0)
    }

    /// `declared`: whether declared types still tell the value's type; not after a method
    /// other than `clone`, whose result may be anything (`self.inner.lock()`).
    fn value_types(&self, id: ExprId, declared: bool, hops: usize) -> Option<Vec<&str>> {
        if hops > MAX_ORIGIN_DEPTH {
            return None;
        }
        match self.tree.kind(id) {
            ExprKind::Call { args, .. } => {
                let path = self.tree.callee_path(id)?;
                if self.catalog.is_pointer_constructor(path) {
                    return self.value_types(*args.first()?, declared, hops + 1);
                }
                // `Type::new(..)` and other associated functions of a type.
                let (ty, _) = path.rsplit_once("::")?;
                let name = ty.rsplit("::").next().unwrap_or(ty);
                let known = name.starts_with(|c: char| c.is_ascii_uppercase()) && !self.catalog.is_smart_pointer(ty);
                known.then(|| vec![ty])
            }
            ExprKind::MethodCall { receiver, method, .. } => {
                self.value_types(*receiver, declared && method == "clone", hops + 1)
            }
            ExprKind::Await(e) | ExprKind::Try(e) | ExprKind::Ref { expr: e, .. } => {
                self.value_types(*e, declared, hops)
            }
            ExprKind::Path(Res::Local(b)) => {
                let binding = self.tree.binding(*b);
                match &binding.ty {
                    Some(ty) if declared => self.pointee(ty).map(|t| vec![t]),
                    // A destructured part is not the whole initialiser's declared type.
                    _ => self.value_types(binding.init?, declared && self.tree.is_plain_let(*b), hops + 1),
                }
            }
            ExprKind::Field { member, .. } if declared => {
                let fields = self.tree.field_types.get(member)?;
                fields.iter().map(|ty| self.pointee(ty)).collect()
            }
            _ => None,
        }
    }

    /// The type a declared type derefs to through smart pointers: `Server` for
    /// `Arc<Server>`, `Pin<Box<Server>>` and `&Server` (references are not in a
    /// [`TypeRef`]).
    fn pointee<'t>(&self, ty: &'t TypeRef) -> Option<&'t str> {
        ty.paths.iter().map(String::as_str).find(|p| !self.catalog.is_smart_pointer(p))
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
    /// the process: code in `fn main`, in a `static` initialiser, or in (or being) an
    /// argument of a once-initialiser of a `static` (`GLOBAL.get_or_init(|| ..)`).
    pub fn runs_once_per_process(&self, id: ExprId) -> bool {
        let scope = self.tree.expr(id).scope;
        if scope.in_main || scope.in_static {
            return true;
        }
        let mut outward = std::iter::once(id).chain(self.tree.ancestors(id));
        outward.any(|e| self.tree.parent(e).is_some_and(|p| self.once_init_args(p).contains(&e)))
    }

    /// The arguments of a catalogued once-method called on a `static` item
    /// (`GLOBAL.get_or_init(|| ..)`, `INIT.call_once(init)`): they run at most once per
    /// process. Empty for any other expression.
    pub fn once_init_args(&self, call: ExprId) -> &[ExprId] {
        match self.tree.kind(call) {
            ExprKind::MethodCall { receiver, method, args, .. }
                if self.catalog.leaks.once_methods.contains(method)
                    && matches!(self.tree.kind(*receiver), ExprKind::Path(Res::Item(_))) =>
            {
                args
            }
            _ => &[],
        }
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
}
