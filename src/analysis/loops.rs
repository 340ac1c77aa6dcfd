//! Loops and how they end (DESIGN §3 "Loops that end").

use super::tree::*;
use super::Analysis;

/// How a loop can be left.
#[derive(Debug, Clone, Default)]
pub struct LoopExits {
    /// `break`s and `return`s that leave this loop (labelled breaks from inner loops
    /// included; breaks of inner loops and returns inside closures excluded), and macros
    /// that may hide one.
    pub exits: Vec<ExprId>,
    /// `?` operators that leave the loop (on error only).
    pub try_exits: Vec<ExprId>,
}

/// Collects the exits of loop `id`.
pub fn exits(tree: &Tree, id: ExprId) -> LoopExits {
    let ExprKind::Loop(l) = tree.kind(id) else { return LoopExits::default() };
    let mut out = LoopExits::default();
    // Labels of loops and blocks between the loop and the current node; `None` for an
    // unlabelled loop (the target of a bare `break`).
    let mut stack: Vec<(ExprId, Option<String>, bool)> = Vec::new();
    walk(tree, l.body, &mut stack, &mut out);
    out
}

fn walk(tree: &Tree, id: ExprId, stack: &mut Vec<(ExprId, Option<String>, bool)>, out: &mut LoopExits) {
    // Depth-first without recursion; `stack` holds enclosing inner loops/labelled blocks.
    let mut todo = vec![(id, 0usize)];
    while let Some((e, depth)) = todo.pop() {
        stack.truncate(depth);
        match tree.kind(e) {
            // A closure's `return` and an async block's `return` do not leave the loop.
            ExprKind::Closure { .. } | ExprKind::Async { .. } => continue,
            ExprKind::Break { label: target, .. } => {
                let caught = match target {
                    None => stack.iter().any(|(_, _, is_loop)| *is_loop),
                    Some(t) => stack.iter().any(|(_, l, _)| l.as_deref() == Some(t.as_str())),
                };
                // Not caught by an inner loop or block: it leaves this loop (to its end,
                // or to an outer loop's).
                if !caught {
                    out.exits.push(e);
                }
            }
            ExprKind::Return(_) => out.exits.push(e),
            ExprKind::Macro { hidden_exit: true, .. } => out.exits.push(e),
            ExprKind::Try(_) => out.try_exits.push(e),
            _ => {}
        }
        let mut depth = stack.len();
        match tree.kind(e) {
            ExprKind::Loop(inner) => {
                stack.push((e, inner.label.clone(), true));
                depth += 1;
            }
            ExprKind::Block { label: Some(l), .. } => {
                stack.push((e, Some(l.clone()), false));
                depth += 1;
            }
            _ => {}
        }
        for child in tree.children(e).into_iter().rev() {
            todo.push((child, depth));
        }
    }
}

/// Whether the loop can end: a reachable exit, a `while` condition that is not literally
/// `true`, or a `for`/`while let` over something that finishes.
pub fn can_end(a: &Analysis, id: ExprId, exits: &LoopExits) -> bool {
    let tree = &a.tree;
    let ExprKind::Loop(l) = tree.kind(id) else { return true };
    if !exits.exits.is_empty() {
        return true;
    }
    match (l.kind, l.head) {
        (LoopKind::Loop, _) | (_, None) => false,
        (LoopKind::While, Some(cond)) => !matches!(tree.kind(cond), ExprKind::Lit(Lit::Bool(true))),
        (LoopKind::WhileLet | LoopKind::For, Some(head)) => !a.never_finishes(head),
    }
}
