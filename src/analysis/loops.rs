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

/// The innermost loop whose body runs `id` (its head is not its body), within the same
/// body: a closure or async block in between starts a new one.
pub fn innermost_loop(tree: &Tree, id: ExprId) -> Option<ExprId> {
    let mut child = id;
    for a in tree.ancestors(id) {
        match tree.kind(a) {
            ExprKind::Loop(l) if l.body == child => return Some(a),
            ExprKind::Closure { .. } | ExprKind::Async { .. } => return None,
            _ => {}
        }
        child = a;
    }
    None
}

/// Macros that never return to the code after them.
const DIVERGING_MACROS: &[&str] = &["panic", "unreachable", "todo", "unimplemented", "bail"];

/// Functions that never return.
const DIVERGING_FUNCTIONS: &[&str] = &["std::process::exit", "std::process::abort"];

/// Whether every path through `id` leaves the loop around it: a `break` that is not
/// caught inside `id`, a `return`, or a call that never returns. A path that can go on
/// (`Err(_) => break` on one arm only, a `?` that leaves only on error, `continue`)
/// does not.
pub fn always_leaves(tree: &Tree, id: ExprId) -> bool {
    match tree.kind(id) {
        ExprKind::Break { .. } | ExprKind::Return(_) => true,
        ExprKind::Block { label: None, stmts } => stmts.iter().any(|s| match s {
            Stmt::Expr { expr, .. } => always_leaves(tree, *expr),
            Stmt::Let { init, .. } => init.is_some_and(|i| always_leaves(tree, i)),
        }),
        ExprKind::If { cond, then, els } => {
            always_leaves(tree, *cond) || (always_leaves(tree, *then) && els.is_some_and(|e| always_leaves(tree, e)))
        }
        ExprKind::Match { scrutinee, arms } => {
            always_leaves(tree, *scrutinee) || (!arms.is_empty() && arms.iter().all(|a| always_leaves(tree, a.body)))
        }
        ExprKind::Await(e) | ExprKind::Let { scrutinee: e, .. } => always_leaves(tree, *e),
        ExprKind::Macro { path, .. } => DIVERGING_MACROS.contains(&path.rsplit("::").next().unwrap_or("")),
        ExprKind::Call { .. } => tree.callee_path(id).is_some_and(|p| DIVERGING_FUNCTIONS.contains(&p)),
        _ => false,
    }
}

/// Whether `id` can skip the rest of the iteration of the loop around it: a `continue`
/// not caught by a loop inside `id` (a labelled one counts: it goes at least as far).
pub fn continues(tree: &Tree, id: ExprId) -> bool {
    let mut todo = vec![id];
    while let Some(e) = todo.pop() {
        match tree.kind(e) {
            ExprKind::Continue { .. } => return true,
            ExprKind::Closure { .. } | ExprKind::Async { .. } => continue,
            ExprKind::Loop(l) => {
                // A labelled `continue` in an inner loop may still target an outer one.
                let labelled = tree.descendants(l.body).into_iter().any(|x| {
                    matches!(tree.kind(x), ExprKind::Continue { label: Some(t) } if l.label.as_deref() != Some(t.as_str()))
                });
                if labelled {
                    return true;
                }
                continue;
            }
            _ => {}
        }
        tree.for_each_child(e, |c| todo.push(c));
    }
    false
}
