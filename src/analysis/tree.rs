//! The lowered syntax tree every rule reads.
//!
//! `syn` trees cannot leave the thread that parsed them (their spans live in a
//! thread-local source map) and carry far more detail than leak rules need. Each file is
//! therefore lowered, on its parsing thread, into this owned, arena-allocated tree: names
//! resolved to canonical paths or local bindings, spans turned into byte ranges, and
//! everything no rule looks at folded into [`ExprKind::Other`].

use crate::source::Span;

/// Index of an expression in [`Tree::exprs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExprId(pub u32);

/// Index of a local binding in [`Tree::bindings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BindingId(pub u32);

/// What a path expression names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Res {
    /// A local variable or parameter.
    Local(BindingId),
    /// An item, by canonical path (`tokio::spawn`, `crate::server::run`).
    Item(String),
    /// `self` in a method.
    SelfValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    Loop,
    While,
    /// `while let PAT = EXPR`.
    WhileLet,
    For,
}

#[derive(Debug, Clone)]
pub struct Loop {
    pub kind: LoopKind,
    pub label: Option<String>,
    /// `while` condition, `while let` scrutinee, or `for` iterator.
    pub head: Option<ExprId>,
    /// `for`/`while let` pattern.
    pub pat: Option<Pat>,
    pub body: ExprId,
}

/// Which `select!` macro an arm list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectFlavor {
    Tokio,
    Futures,
    Crossbeam,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArmKind {
    /// `pat = future => handler` (tokio, futures).
    Future,
    /// crossbeam `recv(rx) -> msg => handler`.
    Recv,
    /// crossbeam `send(tx, value) -> res => handler`.
    Send,
    /// `default =>`, crossbeam `default(timeout) =>`.
    Default,
    /// tokio `else =>`, futures `complete =>`.
    Else,
}

#[derive(Debug, Clone)]
pub struct SelectArm {
    pub kind: ArmKind,
    pub pat: Option<Pat>,
    /// The raced future (tokio/futures) or the channel operands (crossbeam).
    pub operands: Vec<ExprId>,
    pub guard: Option<ExprId>,
    pub handler: ExprId,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct MatchArm {
    pub pat: Pat,
    pub guard: Option<ExprId>,
    pub body: ExprId,
}

#[derive(Debug, Clone)]
pub enum Stmt {
    Let { pat: Pat, ty: Option<TypeRef>, init: Option<ExprId>, diverge: Option<ExprId>, span: Span },
    Expr { expr: ExprId, semi: bool },
}

/// A pattern; identifiers bind a new [`BindingId`].
#[derive(Debug, Clone)]
pub enum Pat {
    Ident {
        binding: BindingId,
        by_ref: bool,
        sub: Option<Box<Pat>>,
    },
    Wild,
    Tuple(Vec<Pat>),
    /// Struct, tuple-struct and path patterns: `Some(x)`, `Ok(_)`, `Msg { id, .. }`.
    Struct {
        path: String,
        fields: Vec<Pat>,
    },
    Ref(Box<Pat>),
    Or(Vec<Pat>),
    Other,
}

impl Pat {
    /// Every binding the pattern introduces, in source order.
    pub fn bindings(&self, out: &mut Vec<BindingId>) {
        match self {
            Pat::Ident { binding, sub, .. } => {
                out.push(*binding);
                if let Some(sub) = sub {
                    sub.bindings(out);
                }
            }
            Pat::Tuple(ps) | Pat::Or(ps) | Pat::Struct { fields: ps, .. } => ps.iter().for_each(|p| p.bindings(out)),
            Pat::Ref(p) => p.bindings(out),
            Pat::Wild | Pat::Other => {}
        }
    }
}

/// A written type, reduced to the canonical path of its outer type and of every generic
/// argument (`Arc<Mutex<Vec<u8>>>` → `std::sync::Arc`, [`std::sync::Mutex`, ...]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeRef {
    pub paths: Vec<String>,
}

impl TypeRef {
    pub fn mentions(&self, pred: impl Fn(&str) -> bool) -> bool {
        self.paths.iter().any(|p| pred(p))
    }
}

#[derive(Debug, Clone)]
pub enum Lit {
    Int(u128),
    Bool(bool),
    Str,
    Other,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Path(Res),
    Call {
        callee: ExprId,
        args: Vec<ExprId>,
    },
    MethodCall {
        receiver: ExprId,
        method: String,
        method_span: Span,
        args: Vec<ExprId>,
    },
    Closure {
        is_move: bool,
        params: Vec<Pat>,
        body: ExprId,
    },
    Async {
        is_move: bool,
        body: ExprId,
    },
    Await(ExprId),
    Try(ExprId),
    Block {
        label: Option<String>,
        stmts: Vec<Stmt>,
    },
    Loop(Loop),
    Break {
        label: Option<String>,
        value: Option<ExprId>,
    },
    Continue {
        label: Option<String>,
    },
    Return(Option<ExprId>),
    If {
        cond: ExprId,
        then: ExprId,
        els: Option<ExprId>,
    },
    /// `let PAT = EXPR` inside an `if`/`while` condition or a let chain.
    Let {
        pat: Pat,
        scrutinee: ExprId,
    },
    Match {
        scrutinee: ExprId,
        arms: Vec<MatchArm>,
    },
    Select {
        flavor: SelectFlavor,
        arms: Vec<SelectArm>,
    },
    /// Any other macro call; `body` is a block of its arguments when they parse as
    /// expressions or statements. `hidden_exit`: the macro may `return`/`break` out of
    /// the code around it (`ready!`, `bail!`, or unparsed arguments that mention them).
    Macro {
        path: String,
        body: Option<ExprId>,
        hidden_exit: bool,
    },
    Field {
        base: ExprId,
        member: String,
    },
    Ref {
        mutable: bool,
        expr: ExprId,
    },
    Assign {
        lhs: ExprId,
        rhs: ExprId,
    },
    Struct {
        path: String,
        fields: Vec<ExprId>,
    },
    Lit(Lit),
    /// Everything else, with its sub-expressions in evaluation order.
    Other(Vec<ExprId>),
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    pub parent: Option<ExprId>,
    /// Where the item containing this expression sits.
    pub scope: ItemScope,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingKind {
    Param,
    Let,
    /// Bound by a `for`, `match`, `if let`, `while let` or closure pattern.
    Pattern,
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub name: String,
    pub span: Span,
    pub kind: BindingKind,
    /// The declared type, when written.
    pub ty: Option<TypeRef>,
    /// The initialiser of a `let` (for a destructuring `let`, the whole right side).
    pub init: Option<ExprId>,
    /// The body (fn body block, closure or async block) that declares it.
    pub body: ExprId,
    /// A later binding of the same name in the same body that hides this one.
    pub shadowed_by: Option<BindingId>,
}

/// Where an item sits, for the rule scope conventions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ItemScope {
    /// Under `#[cfg(test)]`, a `#[test]`-like attribute, or in a test file.
    pub in_test: bool,
    /// Lexically inside `fn main`.
    pub in_main: bool,
    /// In the initialiser of a `static` or `const` item.
    pub in_static: bool,
}

#[derive(Debug, Clone)]
pub struct FnDef {
    pub name: String,
    /// Canonical path: `crate::net::serve`, or `Server::run` for methods.
    pub path: String,
    /// For methods, the last segment of the `impl` self type (`Server`).
    pub self_ty: Option<String>,
    pub is_async: bool,
    pub params: Vec<Pat>,
    /// The body block.
    pub body: ExprId,
    pub name_span: Span,
    pub scope: ItemScope,
}

/// The whole lowered file.
#[derive(Debug, Default)]
pub struct Tree {
    pub exprs: Vec<Expr>,
    pub bindings: Vec<Binding>,
    pub fns: Vec<FnDef>,
    /// Initialisers of `static`/`const` items.
    pub statics: Vec<ExprId>,
    /// Declared types of the named struct fields in the file, by field name (for all
    /// structs that have a field of that name).
    pub field_types: std::collections::HashMap<String, Vec<TypeRef>>,
    /// Module-level `use` items, as names other files can reach: (`crate::m::name`, the
    /// canonical path it stands for); globs as (`crate::m::*`, the glob's module).
    pub reexports: Vec<(String, String)>,
    /// `const` items of the file whose value is an integer literal, by canonical path.
    pub int_consts: std::collections::HashMap<String, u128>,
}

impl Tree {
    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.0 as usize]
    }

    pub fn kind(&self, id: ExprId) -> &ExprKind {
        &self.exprs[id.0 as usize].kind
    }

    pub fn span(&self, id: ExprId) -> Span {
        self.exprs[id.0 as usize].span
    }

    pub fn parent(&self, id: ExprId) -> Option<ExprId> {
        self.exprs[id.0 as usize].parent
    }

    pub fn binding(&self, id: BindingId) -> &Binding {
        &self.bindings[id.0 as usize]
    }

    /// Whether `b` is bound by `let b = ..` itself, not destructured from its initialiser.
    pub fn is_plain_let(&self, b: BindingId) -> bool {
        let Some(init) = self.binding(b).init else { return false };
        let Some(ExprKind::Block { stmts, .. }) = self.parent(init).map(|p| self.kind(p)) else { return false };
        stmts.iter().any(|s| {
            matches!(s, Stmt::Let { pat: Pat::Ident { binding, sub: None, .. }, init: Some(i), .. } if *binding == b && *i == init)
        })
    }

    /// The value of an unlabelled block: its tail expression (`{ let c = c.clone(); async
    /// move { .. } }`). A labelled block may also end with `break 'label value`.
    pub fn block_tail(&self, id: ExprId) -> Option<ExprId> {
        match self.kind(id) {
            ExprKind::Block { label: None, stmts } => match stmts.last()? {
                Stmt::Expr { expr, semi: false } => Some(*expr),
                _ => None,
            },
            _ => None,
        }
    }

    /// The function (an index into `fns`) whose body contains `id`, closures included;
    /// `None` in a `static` or `const` initialiser. Linear in the file's functions: for
    /// the few expressions rules ask about, not for every expression.
    pub fn enclosing_fn(&self, id: ExprId) -> Option<usize> {
        let root = self.ancestors(id).last().unwrap_or(id);
        self.fns.iter().position(|f| f.body == root)
    }

    /// Ancestors of `id`, nearest first, not including `id`.
    pub fn ancestors(&self, id: ExprId) -> impl Iterator<Item = ExprId> + '_ {
        std::iter::successors(self.parent(id), move |&p| self.parent(p))
    }

    /// The direct sub-expressions of `id`, in source order.
    pub fn children(&self, id: ExprId) -> Vec<ExprId> {
        let mut out = Vec::new();
        self.for_each_child(id, |c| out.push(c));
        out
    }

    /// Calls `f` on each direct sub-expression of `id`, in source order.
    pub fn for_each_child(&self, id: ExprId, mut f: impl FnMut(ExprId)) {
        let opt = |e: &Option<ExprId>, f: &mut dyn FnMut(ExprId)| {
            if let Some(e) = e {
                f(*e)
            }
        };
        match self.kind(id) {
            ExprKind::Path(_) | ExprKind::Lit(_) | ExprKind::Continue { .. } => {}
            ExprKind::Call { callee: first, args: rest } | ExprKind::MethodCall { receiver: first, args: rest, .. } => {
                f(*first);
                rest.iter().for_each(|&a| f(a));
            }
            ExprKind::Closure { body: e, .. }
            | ExprKind::Async { body: e, .. }
            | ExprKind::Await(e)
            | ExprKind::Try(e)
            | ExprKind::Field { base: e, .. }
            | ExprKind::Ref { expr: e, .. }
            | ExprKind::Let { scrutinee: e, .. } => f(*e),
            ExprKind::Block { stmts, .. } => {
                for s in stmts {
                    match s {
                        Stmt::Let { init, diverge, .. } => {
                            opt(init, &mut f);
                            opt(diverge, &mut f);
                        }
                        Stmt::Expr { expr, .. } => f(*expr),
                    }
                }
            }
            ExprKind::Loop(l) => {
                opt(&l.head, &mut f);
                f(l.body);
            }
            ExprKind::Break { value, .. } | ExprKind::Return(value) => opt(value, &mut f),
            ExprKind::If { cond, then, els } => {
                f(*cond);
                f(*then);
                opt(els, &mut f);
            }
            ExprKind::Match { scrutinee, arms } => {
                f(*scrutinee);
                for a in arms {
                    opt(&a.guard, &mut f);
                    f(a.body);
                }
            }
            ExprKind::Select { arms, .. } => {
                for a in arms {
                    a.operands.iter().for_each(|&o| f(o));
                    opt(&a.guard, &mut f);
                    f(a.handler);
                }
            }
            ExprKind::Macro { body, .. } => opt(body, &mut f),
            ExprKind::Assign { lhs, rhs } => {
                f(*lhs);
                f(*rhs);
            }
            ExprKind::Struct { fields, .. } | ExprKind::Other(fields) => fields.iter().for_each(|&c| f(c)),
        }
    }

    /// `id` and everything below it, in pre-order.
    pub fn descendants(&self, id: ExprId) -> Vec<ExprId> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(e) = stack.pop() {
            out.push(e);
            let before = stack.len();
            self.for_each_child(e, |c| stack.push(c));
            stack[before..].reverse();
        }
        out
    }

    /// Whether `id` is a closure or async block: the start of a new body.
    pub fn is_body(&self, id: ExprId) -> bool {
        matches!(self.kind(id), ExprKind::Closure { .. } | ExprKind::Async { .. })
    }

    /// The innermost closure or async block containing `id` (exclusive), if any, below
    /// the fn body.
    pub fn enclosing_body(&self, id: ExprId) -> Option<ExprId> {
        self.ancestors(id).find(|&a| self.is_body(a))
    }

    /// The canonical path a call's callee names, when it is a plain item path.
    pub fn callee_path(&self, id: ExprId) -> Option<&str> {
        match self.kind(id) {
            ExprKind::Call { callee, .. } => match self.kind(*callee) {
                ExprKind::Path(Res::Item(p)) => Some(p),
                _ => None,
            },
            _ => None,
        }
    }

    /// The primary span of a call: from the called name to the end of the call.
    pub fn call_span(&self, id: ExprId) -> Span {
        let span = self.span(id);
        match self.kind(id) {
            ExprKind::MethodCall { method_span, .. } => Span { lo: method_span.lo, ..span },
            _ => span,
        }
    }
}
