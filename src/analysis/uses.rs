//! Every use of every local binding, classified by what the use does with the value.

use super::tree::*;

/// What one mention of a binding does with it, judged from its parent expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UseKind {
    /// `x.await`.
    Awaited,
    /// `x.method(..)`.
    Receiver { method: String },
    /// An argument of a call or method call; `callee` is the function's canonical path
    /// (for `drop(x)`: `std::mem::drop`) or the method name.
    Argument { callee: Option<String> },
    /// `return x`, or the tail expression of a body.
    Returned,
    /// Assigned into a place (`self.task = x`) or a struct literal field.
    Stored,
    /// A `select!` arm's future, by value (`_ = x => ..`).
    SelectedByValue,
    /// `&x` / `&mut x`.
    Borrowed,
    /// Anything else (`x.field`, `x + 1`, `match x`, ...).
    Other,
}

#[derive(Debug, Clone)]
pub struct Use {
    /// The path expression naming the binding.
    pub expr: ExprId,
    pub kind: UseKind,
    /// The outermost closure or async block, inside the binding's own body, that the use
    /// sits in: the value is captured by it.
    pub captured_by: Option<ExprId>,
}

impl Use {
    /// Whether the capturing closure or async block is `move`.
    pub fn captured_by_move(&self, tree: &Tree) -> bool {
        self.captured_by.is_some_and(|c| match tree.kind(c) {
            ExprKind::Closure { is_move, .. } | ExprKind::Async { is_move, .. } => *is_move,
            _ => false,
        })
    }
}

/// Uses of each binding, indexed by [`BindingId`], in source order.
pub fn collect(tree: &Tree) -> Vec<Vec<Use>> {
    let mut uses = vec![Vec::new(); tree.bindings.len()];
    for (i, e) in tree.exprs.iter().enumerate() {
        if let ExprKind::Path(Res::Local(b)) = e.kind {
            let id = ExprId(i as u32);
            let binding = tree.binding(b);
            uses[b.0 as usize].push(Use {
                expr: id,
                kind: classify(tree, id),
                captured_by: capturer(tree, id, binding.body),
            });
        }
    }
    uses
}

fn classify(tree: &Tree, id: ExprId) -> UseKind {
    let Some(parent) = tree.parent(id) else { return UseKind::Other };
    match tree.kind(parent) {
        ExprKind::Await(_) => UseKind::Awaited,
        ExprKind::MethodCall { receiver, method, .. } if *receiver == id => {
            UseKind::Receiver { method: method.clone() }
        }
        ExprKind::MethodCall { method, .. } => UseKind::Argument { callee: Some(method.clone()) },
        ExprKind::Call { callee, .. } if *callee != id => {
            UseKind::Argument { callee: tree.callee_path(parent).map(str::to_string) }
        }
        ExprKind::Return(_) => UseKind::Returned,
        ExprKind::Assign { rhs, .. } if *rhs == id => UseKind::Stored,
        ExprKind::Struct { .. } => UseKind::Stored,
        ExprKind::Select { .. } => UseKind::SelectedByValue,
        ExprKind::Ref { .. } => UseKind::Borrowed,
        ExprKind::Block { stmts, .. } if is_tail(stmts, id) && is_body_block(tree, parent) => UseKind::Returned,
        _ => UseKind::Other,
    }
}

fn is_tail(stmts: &[Stmt], id: ExprId) -> bool {
    matches!(stmts.last(), Some(Stmt::Expr { expr, semi: false }) if *expr == id)
}

/// A fn body block, or the block of a closure or async block.
fn is_body_block(tree: &Tree, block: ExprId) -> bool {
    match tree.parent(block) {
        None => true,
        Some(p) => tree.is_body(p),
    }
}

fn capturer(tree: &Tree, id: ExprId, home: ExprId) -> Option<ExprId> {
    let mut outermost = None;
    for a in tree.ancestors(id) {
        if a == home {
            break;
        }
        if tree.is_body(a) {
            outermost = Some(a);
        }
    }
    outermost
}
