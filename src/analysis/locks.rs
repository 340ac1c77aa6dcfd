//! Locks, guards and permits (DESIGN §3.4, §3.7): which calls take a lock and on which
//! place, where the guard they return lives, and what runs while it lives.
//!
//! A guard lives by Rust's temporary rules. One that is only borrowed
//! (`m.lock().unwrap().len()`) is a temporary: it dies at the end of its statement, or of
//! the whole `match`/`if let` when it is made in the scrutinee, or of the whole loop when
//! it is made in a `while let` or `for` head. One that is moved lives where it goes: a
//! `let` binding, a collection, a function that drops it.

use super::index::{CrateIndex, FnRef};
use super::spawns;
use super::tree::*;
use super::uses::UseKind;
use super::Analysis;
use crate::source::{Edition, Span};

/// Type wrappers a lock is reached through (`Arc<RwLock<T>>` is a lock for `.read()`).
const POINTER_TYPES: &[&str] = &["Arc", "Rc", "Box", "Pin"];

/// Methods on a lock result that hand the guard on by value (`m.lock().unwrap()`).
const PASS_GUARD: &[&str] = &["unwrap", "expect", "ok", "unwrap_or_else", "unwrap_or_default", "map_err"];

/// Methods that move the guard into a closure, where it dies (`m.try_lock().map(|g| g.len())`).
const CONSUME_GUARD: &[&str] = &["map", "and_then", "map_or", "map_or_else", "is_ok_and", "is_some_and"];

/// Methods that move their argument into a collection.
const STORE_METHODS: &[&str] = &["push", "push_back", "push_front", "insert", "extend", "append"];

/// Calls whose result owns the argument (`Some(guard)`).
const OWNING_WRAPPERS: &[&str] = &[
    "std::option::Option::Some",
    "std::result::Result::Ok",
    "std::boxed::Box::new",
    "std::sync::Arc::new",
    "std::rc::Rc::new",
];

/// Methods whose result no longer borrows what they were called on, so a loop over it
/// does not need the guard it was computed from (DESIGN §3.4 "owned value").
const OWNED_RESULTS: &[&str] =
    &["clone", "to_vec", "to_owned", "to_string", "collect", "drain", "take", "split_off", "len", "count"];

/// Channel families whose `recv()` returns a future (it waits only when awaited).
const ASYNC_RECV_CHANNELS: &[&str] = &["tokio::", "async_channel::", "futures::"];

/// Functions whose result owns what they take out of their argument.
const OWNED_RESULT_FNS: &[&str] = &["std::mem::take", "std::mem::replace"];

/// What a lock call acquires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardKind {
    /// A mutex lock or a write lock.
    Exclusive,
    Read,
    /// parking_lot's upgradable read: shares with readers, excludes writers and upgraders.
    Upgradable,
    /// `RefCell::borrow`.
    Borrow,
    /// `RefCell::borrow_mut`.
    BorrowMut,
    /// A semaphore permit.
    Permit,
}

impl GuardKind {
    fn of_method(method: &str) -> GuardKind {
        let base = method.trim_start_matches("try_").trim_start_matches("blocking_");
        if base.starts_with("borrow_mut") {
            GuardKind::BorrowMut
        } else if base.starts_with("borrow") {
            GuardKind::Borrow
        } else if base.starts_with("upgradable") {
            GuardKind::Upgradable
        } else if base.starts_with("read") {
            GuardKind::Read
        } else {
            GuardKind::Exclusive
        }
    }

    /// Whether taking `next` on a place that is held as `self` waits forever (or panics,
    /// for `RefCell`). A second read counts: a recursive read deadlocks once a writer
    /// waits, as std and parking_lot document.
    pub fn conflicts_with(self, next: GuardKind) -> bool {
        use GuardKind::*;
        !matches!((self, next), (Borrow, Borrow) | (Read, Upgradable) | (Upgradable, Read) | (Permit, _) | (_, Permit))
    }

    pub fn is_refcell(self) -> bool {
        matches!(self, GuardKind::Borrow | GuardKind::BorrowMut)
    }
}

/// Where a place expression starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PlaceRoot {
    Local(BindingId),
    SelfValue,
    /// A `static`, by canonical path.
    Item(String),
}

/// A place expression: a root and a chain of fields (`self.sessions` is `self` +
/// `sessions`). References and derefs are seen through.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Place {
    pub root: PlaceRoot,
    pub fields: Vec<String>,
}

impl Place {
    /// The place `e` names, if it is a plain place.
    pub fn of(tree: &Tree, e: ExprId) -> Option<Place> {
        match tree.kind(e) {
            ExprKind::Path(Res::Local(b)) => Some(Place { root: PlaceRoot::Local(*b), fields: Vec::new() }),
            ExprKind::Path(Res::SelfValue) => Some(Place { root: PlaceRoot::SelfValue, fields: Vec::new() }),
            ExprKind::Path(Res::Item(p)) => Some(Place { root: PlaceRoot::Item(p.clone()), fields: Vec::new() }),
            ExprKind::Field { base, member } => {
                let mut place = Place::of(tree, *base)?;
                place.fields.push(member.clone());
                Some(place)
            }
            ExprKind::Ref { expr, .. } => Place::of(tree, *expr),
            // A deref (`*self.state`) or parentheses; other one-operand forms are not places
            // a lock method is called on.
            ExprKind::Other(kids) if kids.len() == 1 => Place::of(tree, kids[0]),
            _ => None,
        }
    }

    /// The value the place is a field of (`self` for `self.sessions`); none for a bare
    /// local, parameter or static (DESIGN §3.7).
    pub fn owner(&self) -> Option<Place> {
        let (_, rest) = self.fields.split_last()?;
        Some(Place { root: self.root.clone(), fields: rest.to_vec() })
    }

    /// As written: `self.sessions`, `queue`, `STATE`.
    pub fn describe(&self, tree: &Tree) -> String {
        let mut out = match &self.root {
            PlaceRoot::Local(b) => tree.binding(*b).name.clone(),
            PlaceRoot::SelfValue => "self".to_string(),
            PlaceRoot::Item(p) => p.rsplit("::").next().unwrap_or(p).to_string(),
        };
        for f in &self.fields {
            out.push('.');
            out.push_str(f);
        }
        out
    }
}

/// A call that takes a lock or a permit.
#[derive(Debug, Clone)]
pub struct LockCall {
    /// The method call expression.
    pub call: ExprId,
    pub method: String,
    pub kind: GuardKind,
    /// `try_lock`, `try_read`, ...: fails instead of waiting.
    pub tries: bool,
    /// `.await`ed: an async lock (tokio, async-std, futures).
    pub is_async: bool,
    /// The lock, when its receiver is a plain place.
    pub place: Option<Place>,
}

impl LockCall {
    /// A synchronous guard: holding it while the task awaits can block the whole runtime
    /// thread on the next lock.
    pub fn is_sync(&self) -> bool {
        !self.is_async
    }
}

/// Where the guard a lock call returns lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardHome {
    /// Dropped at the end of its statement, `if`/`while` condition, match guard or arm.
    Statement,
    /// Alive until the end of the `match` or `if let` `at`: a temporary of its scrutinee,
    /// or the guard itself matched by a pattern.
    Scrutinee(ExprId),
    /// Alive for the whole loop `at`: a temporary of its `while let` scrutinee or `for`
    /// iterator (or the guard matched by the `while let` pattern).
    LoopHead(ExprId),
    /// Bound by a `let` (a named guard), or kept alive by one
    /// (`let items = &m.lock().unwrap().items;`).
    Bound(BindingId),
    /// Moved into a collection (`guards.push(g)`) or assigned (`last = Some(g)`): `into`
    /// is the collection or the assigned place, `at` the push or assignment.
    Stored { into: ExprId, at: ExprId },
    /// Moved into a call or closure, returned: not followed.
    Elsewhere,
}

/// One step of [`Locks::guard_home`]'s walk up the tree.
enum Step {
    /// Go on to the parent; whether the parent's value still owns the guard.
    Up(bool),
    Done(GuardHome),
}

/// Something that happens while a guard is alive and makes holding it dangerous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hazard {
    pub kind: HazardKind,
    /// The call, `.await` or `select!` that does it.
    pub at: ExprId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HazardKind {
    /// The same place is locked again (`method`).
    Relock { method: String },
    /// A thread is joined.
    Join,
    /// A blocking `recv` on a catalogued channel receiver.
    Recv,
    /// `std::thread::sleep`.
    Sleep,
    /// A crossbeam `select!`, which blocks until an arm is ready.
    BlockingSelect,
    /// An `.await`, or a tokio/futures `select!` (which awaits).
    Await,
    /// A method called on the lock's owner (`self.notify()` for `self.state`);
    /// `relocks`: its same-crate body is seen to lock that field again.
    OwnerCall { method: String, relocks: bool },
}

impl HazardKind {
    /// Whether the thread blocks (join, recv, sleep, crossbeam `select!`).
    pub fn blocks_thread(&self) -> bool {
        matches!(self, HazardKind::Join | HazardKind::Recv | HazardKind::Sleep | HazardKind::BlockingSelect)
    }
}

/// A guard or permit moved out of the iteration that took it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kept {
    /// The loop whose iterations pile up guards.
    pub looop: ExprId,
    /// The push or assignment that moves it out.
    pub at: ExprId,
}

/// The crate a file belongs to: its files and their index, to read struct fields declared
/// in other files and the bodies of methods called on a lock's owner.
#[derive(Clone, Copy)]
pub struct CrateView<'a> {
    pub files: &'a [&'a Analysis],
    pub index: &'a CrateIndex,
}

/// How deep methods called on a lock's owner are followed to see whether they lock it.
const MAX_OWNER_DEPTH: usize = 3;

/// Lock facts for one file of a crate.
pub struct Locks<'a> {
    pub a: &'a Analysis,
    krate: Option<CrateView<'a>>,
    pub edition: Edition,
}

impl<'a> Locks<'a> {
    /// Facts for `a`; without `krate`, only what the file itself shows.
    pub fn new(a: &'a Analysis, krate: Option<CrateView<'a>>, edition: Edition) -> Locks<'a> {
        Locks { a, krate, edition }
    }

    fn tree(&self) -> &'a Tree {
        &self.a.tree
    }

    // ---- which calls take a lock ----------------------------------------------------------

    /// The lock-like call `id` is (§3.4): `.lock()`/`.try_lock()` always (not on stdio
    /// handles); a no-argument `.read()`, `.write()`, `.borrow()`, `.borrow_mut()` only on
    /// a receiver known to be a lock, or when followed by `.unwrap()`/`.expect(..)`.
    pub fn lock_call(&self, id: ExprId) -> Option<LockCall> {
        let ExprKind::MethodCall { receiver, method, args, .. } = self.tree().kind(id) else { return None };
        let c = self.a.catalog;
        if !args.is_empty() {
            return None;
        }
        let counts = if c.is_lock_method(method) {
            !self.is_stdio(*receiver)
        } else {
            c.is_evidence_lock_method(method) && (self.unwrapped(id) || self.is_known_lock(*receiver, 0))
        };
        counts.then(|| self.call_facts(id, *receiver, method, GuardKind::of_method(method)))
    }

    /// A semaphore permit acquisition (`sem.acquire().await`, `acquire_owned`,
    /// `try_acquire`).
    pub fn permit_call(&self, id: ExprId) -> Option<LockCall> {
        let ExprKind::MethodCall { receiver, method, .. } = self.tree().kind(id) else { return None };
        let c = self.a.catalog;
        c.is_permit_method(method).then(|| self.call_facts(id, *receiver, method, GuardKind::Permit))
    }

    fn call_facts(&self, id: ExprId, receiver: ExprId, method: &str, kind: GuardKind) -> LockCall {
        let tree = self.tree();
        let awaited = tree.parent(id).is_some_and(|p| matches!(tree.kind(p), ExprKind::Await(_)));
        let is_async = awaited || self.is_async_lock(receiver);
        LockCall {
            call: id,
            method: method.to_string(),
            kind,
            tries: method.starts_with("try_"),
            is_async,
            place: Place::of(tree, receiver),
        }
    }

    /// `x.read().unwrap()`: the poisoning API of std's locks.
    fn unwrapped(&self, id: ExprId) -> bool {
        let tree = self.tree();
        tree.parent(id).is_some_and(|p| {
            matches!(tree.kind(p), ExprKind::MethodCall { receiver, method, .. }
                if *receiver == id && (method == "unwrap" || method == "expect"))
        })
    }

    /// A stdio handle (`stdout().lock()`, a binding or field of one): its `lock` is not a
    /// lock leaklint reasons about.
    fn is_stdio(&self, receiver: ExprId) -> bool {
        let c = self.a.catalog;
        self.a.origin(receiver).is_some_and(|p| c.is_never_lock(p))
            || self.declared(receiver).iter().any(|t| t.paths.first().is_some_and(|p| c.is_never_lock(p)))
    }

    /// Whether the receiver is known to be a lock: declared with a lock type (through
    /// `Arc`/`Rc`/`Box`), or a local made by a lock constructor (`RwLock::new(..)`, also
    /// inside `Arc::new(..)`, and clones of such a local).
    fn is_known_lock(&self, receiver: ExprId, depth: usize) -> bool {
        if self.declared(receiver).iter().any(|t| self.is_lock_type(t)) {
            return true;
        }
        let tree = self.tree();
        match tree.kind(receiver) {
            ExprKind::Path(Res::Local(b)) if depth < 8 => {
                tree.binding(*b).init.is_some_and(|init| self.makes_lock(init, depth + 1))
            }
            ExprKind::Ref { expr, .. } => self.is_known_lock(*expr, depth),
            _ => false,
        }
    }

    /// Whether the expression makes a lock: `RwLock::new(..)`, `Arc::new(RefCell::new(..))`,
    /// `Arc::clone(&lock)`, `lock.clone()`.
    fn makes_lock(&self, e: ExprId, depth: usize) -> bool {
        let tree = self.tree();
        match tree.kind(e) {
            ExprKind::Call { args, .. } => {
                let Some(path) = tree.callee_path(e) else { return false };
                let (ty, func) = path.rsplit_once("::").unwrap_or(("", path));
                if matches!(func, "new" | "default" | "const_new" | "from") && self.is_lock_path(ty) {
                    return true;
                }
                let through = POINTER_TYPES.contains(&last_segment(ty)) && matches!(func, "new" | "clone" | "from");
                through && args.first().is_some_and(|&a| self.makes_lock(a, depth) || self.is_known_lock(a, depth))
            }
            ExprKind::MethodCall { receiver, method, .. } if method == "clone" => self.is_known_lock(*receiver, depth),
            ExprKind::Ref { expr, .. } => self.is_known_lock(*expr, depth),
            ExprKind::Path(Res::Local(_)) => self.is_known_lock(e, depth),
            _ => false,
        }
    }

    /// The declared types of a receiver: a local's annotation, or a struct field's
    /// declaration in this file (else anywhere in the crate).
    fn declared(&self, e: ExprId) -> Vec<&'a TypeRef> {
        let tree = self.tree();
        match tree.kind(e) {
            ExprKind::Field { member, .. } => match tree.field_types.get(member) {
                Some(here) => here.iter().collect(),
                None => self.krate.map(|k| k.index.field_types(member).iter().collect()).unwrap_or_default(),
            },
            ExprKind::Ref { expr, .. } => self.declared(*expr),
            ExprKind::Other(kids) if kids.len() == 1 => self.declared(kids[0]),
            _ => self.a.declared_types(e),
        }
    }

    /// A receiver declared with an async lock type (`tokio::sync::Mutex`, also in an
    /// `Arc`): its `try_lock()` is not awaited but gives an async guard.
    fn is_async_lock(&self, receiver: ExprId) -> bool {
        let c = self.a.catalog;
        self.declared(receiver).iter().any(|t| {
            t.paths.iter().find(|p| !POINTER_TYPES.contains(&last_segment(p))).is_some_and(|p| c.is_async_lock_type(p))
        })
    }

    /// `RwLock<T>`, `Arc<RefCell<T>>`, `&parking_lot::RwLock<T>`: the first type that is
    /// not a pointer names a lock.
    fn is_lock_type(&self, t: &TypeRef) -> bool {
        let first = t.paths.iter().find(|p| !POINTER_TYPES.contains(&last_segment(p)));
        first.is_some_and(|p| self.is_lock_path(p))
    }

    fn is_lock_path(&self, path: &str) -> bool {
        self.a.catalog.is_lock_type(path) || matches!(last_segment(path), "RwLock" | "RefCell")
    }

    // ---- where the guard lives ------------------------------------------------------------

    /// Where the guard returned by lock call `call` lives, following Rust's temporary
    /// scopes (edition-dependent for block tails).
    pub fn guard_home(&self, call: ExprId) -> GuardHome {
        let tree = self.tree();
        let mut node = call;
        let mut owned = true;
        while let Some(parent) = tree.parent(node) {
            match self.step(node, parent, owned) {
                Step::Up(still_owned) => owned = still_owned,
                Step::Done(home) => return home,
            }
            node = parent;
        }
        GuardHome::Elsewhere
    }

    /// `owned`: the value at `node` holds the guard itself (rather than borrowing it).
    fn step(&self, node: ExprId, parent: ExprId, owned: bool) -> Step {
        let tree = self.tree();
        match tree.kind(parent) {
            ExprKind::Await(_) | ExprKind::Try(_) => Step::Up(owned),
            // Macro arguments: std's macros (`format!`, `println!`, `assert!`) keep their
            // arguments' temporaries inside the expansion; a moved guard is not followed.
            ExprKind::Macro { .. } => Step::Done(if owned { GuardHome::Elsewhere } else { GuardHome::Statement }),
            ExprKind::MethodCall { receiver, method, .. } if *receiver == node => {
                if owned && PASS_GUARD.contains(&method.as_str()) {
                    Step::Up(true)
                } else if owned && CONSUME_GUARD.contains(&method.as_str()) {
                    Step::Done(GuardHome::Elsewhere)
                } else {
                    // A method borrows the guard: from here on it is a temporary.
                    Step::Up(false)
                }
            }
            ExprKind::MethodCall { receiver, method, .. } => match owned {
                false => Step::Up(false),
                true if STORE_METHODS.contains(&method.as_str()) => {
                    Step::Done(GuardHome::Stored { into: *receiver, at: parent })
                }
                true => Step::Done(GuardHome::Elsewhere),
            },
            ExprKind::Call { callee, .. } if *callee != node => match owned {
                false => Step::Up(false),
                true if tree.callee_path(parent).is_some_and(|p| OWNING_WRAPPERS.contains(&p)) => Step::Up(true),
                true => Step::Done(GuardHome::Elsewhere),
            },
            ExprKind::Struct { .. } => Step::Up(owned),
            ExprKind::Call { .. } | ExprKind::Field { .. } | ExprKind::Ref { .. } | ExprKind::Other(_) => {
                Step::Up(false)
            }
            ExprKind::Block { stmts, .. } => self.step_block(node, parent, stmts, owned),
            ExprKind::Let { .. } => Step::Done(self.let_home(parent)),
            ExprKind::Match { scrutinee, .. } if *scrutinee == node => Step::Done(GuardHome::Scrutinee(parent)),
            ExprKind::If { cond, .. } if *cond == node => Step::Done(GuardHome::Statement),
            // A match guard, or an arm or `if` block: terminating scopes for temporaries;
            // only a moved guard flows out as their value.
            ExprKind::Match { arms, .. } if arms.iter().any(|a| a.guard == Some(node)) => {
                Step::Done(GuardHome::Statement)
            }
            ExprKind::Match { .. } | ExprKind::If { .. } => match owned {
                true => Step::Up(true),
                false => Step::Done(GuardHome::Statement),
            },
            ExprKind::Loop(l) if l.head == Some(node) => match l.kind {
                LoopKind::While | LoopKind::Loop => Step::Done(GuardHome::Statement),
                LoopKind::WhileLet | LoopKind::For => Step::Done(GuardHome::LoopHead(parent)),
            },
            ExprKind::Assign { lhs, rhs } if *rhs == node && owned => {
                Step::Done(GuardHome::Stored { into: *lhs, at: parent })
            }
            ExprKind::Assign { .. } => Step::Up(false),
            _ => Step::Done(GuardHome::Elsewhere),
        }
    }

    fn step_block(&self, node: ExprId, block: ExprId, stmts: &[Stmt], owned: bool) -> Step {
        let tree = self.tree();
        // Macro arguments are lowered as a block of expressions: see `step`.
        if let Some(mac) = tree.parent(block).filter(|&m| matches!(tree.kind(m), ExprKind::Macro { .. })) {
            return self.step(block, mac, owned);
        }
        let last = stmts.len().saturating_sub(1);
        for (i, s) in stmts.iter().enumerate() {
            match s {
                Stmt::Let { pat, init: Some(init), .. } if *init == node => {
                    return Step::Done(let_stmt_home(tree, pat, *init, owned))
                }
                Stmt::Let { diverge: Some(d), .. } if *d == node => return Step::Done(GuardHome::Statement),
                Stmt::Expr { expr, semi } if *expr == node => {
                    if *semi || i != last {
                        return Step::Done(GuardHome::Statement);
                    }
                    return self.step_tail(block, owned);
                }
                _ => {}
            }
        }
        Step::Done(GuardHome::Elsewhere)
    }

    /// The tail expression of `block`: a moved guard is the block's value; a temporary
    /// lives on past the block before Rust 2024 and dies with it from 2024 on.
    fn step_tail(&self, block: ExprId, owned: bool) -> Step {
        let tree = self.tree();
        match tree.parent(block).map(|p| tree.kind(p)) {
            // The value of a function, closure or async block: returned.
            None | Some(ExprKind::Closure { .. } | ExprKind::Async { .. }) => Step::Done(GuardHome::Elsewhere),
            _ if owned => Step::Up(true),
            _ if self.edition >= Edition::E2024 => Step::Done(GuardHome::Statement),
            _ => Step::Up(false),
        }
    }

    /// The home of a guard made in the scrutinee of a `let` expression: an `if let` (also
    /// in a let chain) or a `while` let chain.
    fn let_home(&self, let_expr: ExprId) -> GuardHome {
        let tree = self.tree();
        let mut node = let_expr;
        while let Some(parent) = tree.parent(node) {
            match tree.kind(parent) {
                // `&&` of a let chain.
                ExprKind::Other(_) => node = parent,
                ExprKind::If { cond, .. } if *cond == node => return GuardHome::Scrutinee(parent),
                ExprKind::Loop(l) if l.head == Some(node) => return GuardHome::LoopHead(parent),
                _ => return GuardHome::Statement,
            }
        }
        GuardHome::Statement
    }

    // ---- what runs while it lives ---------------------------------------------------------

    /// The code that runs while a guard living until the end of `at` is alive: the guards
    /// and arms of a `match`; the `then` block of an `if let` and its `else` (before Rust
    /// 2024, which drops the scrutinee's temporaries first); a loop's body.
    pub fn held_during(&self, at: ExprId) -> Vec<ExprId> {
        match self.tree().kind(at) {
            ExprKind::Match { arms, .. } => arms.iter().flat_map(|a| a.guard.into_iter().chain([a.body])).collect(),
            ExprKind::If { then, els, .. } => match els {
                Some(e) if self.edition < Edition::E2024 => vec![*then, *e],
                _ => vec![*then],
            },
            ExprKind::Loop(l) => vec![l.body],
            _ => Vec::new(),
        }
    }

    /// [`Self::held_during`] for `lock`'s guard, when the lock call's own result is
    /// matched: the arms and blocks that run when a `try_lock` (`try_read`, ...) failed
    /// (`Err(..)`, `None`) hold no guard, and a lock that succeeds with `Ok(())` (a file
    /// lock, `File::try_lock`) has no guard at all.
    pub fn held_during_lock(&self, lock: &LockCall, at: ExprId) -> Vec<ExprId> {
        let tree = self.tree();
        if !self.matched_directly(lock.call, at) {
            return self.held_during(at);
        }
        let guardless = |p: &Pat| is_unit_success(p) || (lock.tries && is_failure(p));
        match tree.kind(at) {
            ExprKind::Match { arms, .. } => {
                arms.iter().filter(|a| !guardless(&a.pat)).flat_map(|a| a.guard.into_iter().chain([a.body])).collect()
            }
            ExprKind::If { cond, then, els } => match tree.kind(*cond) {
                ExprKind::Let { pat, .. } if is_unit_success(pat) => Vec::new(),
                ExprKind::Let { pat, .. } if lock.tries && is_failure(pat) => {
                    els.iter().copied().filter(|_| self.edition < Edition::E2024).collect()
                }
                ExprKind::Let { .. } if lock.tries => vec![*then],
                _ => self.held_during(at),
            },
            _ => self.held_during(at),
        }
    }

    /// What makes holding the guard of `lock`, made in the scrutinee of `at`, dangerous
    /// ([`Self::hazards`] over [`Self::held_during_lock`]), leaving out what runs after an
    /// arm has dropped the guard it matched (`Ok(g) => { drop(g); m.lock() }`).
    pub fn scrutinee_hazards(&self, lock: &LockCall, at: ExprId) -> Vec<Hazard> {
        let tree = self.tree();
        let mut found = self.hazards(lock, &self.held_during_lock(lock, at));
        if !self.matched_directly(lock.call, at) {
            return found;
        }
        let drops = self.pattern_drops(at);
        found.retain(|h| {
            let at = tree.span(h.at);
            !drops.iter().any(|(region, dropped)| region.lo <= at.lo && at.hi <= region.hi && *dropped < at.lo)
        });
        found
    }

    /// For each arm (or `then` block) of `at` whose pattern binds a value it later passes
    /// to `drop(..)`: the arm's span and where the drop is.
    fn pattern_drops(&self, at: ExprId) -> Vec<(Span, u32)> {
        let tree = self.tree();
        let arms: Vec<(&Pat, ExprId)> = match tree.kind(at) {
            ExprKind::Match { arms, .. } => arms.iter().map(|a| (&a.pat, a.body)).collect(),
            ExprKind::If { cond, then, .. } => match tree.kind(*cond) {
                ExprKind::Let { pat, .. } => vec![(pat, *then)],
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        for (pat, body) in arms {
            let mut bound = Vec::new();
            pat.bindings(&mut bound);
            let dropped = bound
                .iter()
                .flat_map(|b| self.a.uses_of(*b))
                .find(|u| matches!(&u.kind, UseKind::Argument { callee: Some(c) } if c == "std::mem::drop"));
            if let Some(u) = dropped {
                out.push((tree.span(body), tree.span(u.expr).lo));
            }
        }
        out
    }

    /// Whether the value `at` matches is the lock call's own result (through `.await`,
    /// `?` and `.ok()`-like adapters), not something computed from the guard.
    fn matched_directly(&self, call: ExprId, at: ExprId) -> bool {
        let tree = self.tree();
        let mut node = call;
        while let Some(parent) = tree.parent(node) {
            match tree.kind(parent) {
                ExprKind::Await(_) | ExprKind::Try(_) => {}
                ExprKind::MethodCall { receiver, method, .. }
                    if *receiver == node && PASS_GUARD.contains(&method.as_str()) => {}
                ExprKind::Match { .. } | ExprKind::Let { .. } => {
                    return parent == at || tree.parent(parent) == Some(at)
                }
                _ => return false,
            }
            node = parent;
        }
        false
    }

    /// What happens in `roots` (in source order) that makes holding `lock`'s guard
    /// dangerous: re-locking its place, blocking, awaiting, calling a method on its owner.
    /// Async blocks, closures handed to a spawn and closures stored in a `let` do not
    /// run there and are skipped.
    pub fn hazards(&self, lock: &LockCall, roots: &[ExprId]) -> Vec<Hazard> {
        let tree = self.tree();
        let owner = lock.place.as_ref().and_then(Place::owner);
        let mut out = Vec::new();
        let mut todo: Vec<ExprId> = roots.iter().rev().copied().collect();
        while let Some(e) = todo.pop() {
            if let Some(kind) = self.hazard_at(lock, owner.as_ref(), e) {
                out.push(Hazard { kind, at: e });
            }
            if self.runs_elsewhere(e) {
                continue;
            }
            let before = todo.len();
            tree.for_each_child(e, |c| todo.push(c));
            todo[before..].reverse();
        }
        out
    }

    fn hazard_at(&self, lock: &LockCall, owner: Option<&Place>, e: ExprId) -> Option<HazardKind> {
        let tree = self.tree();
        match tree.kind(e) {
            ExprKind::Await(_) => Some(HazardKind::Await),
            ExprKind::Select { flavor: SelectFlavor::Crossbeam, .. } => Some(HazardKind::BlockingSelect),
            ExprKind::Select { .. } => Some(HazardKind::Await),
            ExprKind::Call { .. } if tree.callee_path(e) == Some("std::thread::sleep") => Some(HazardKind::Sleep),
            ExprKind::MethodCall { receiver, method, args, .. } => {
                if let Some(again) = self.relock(lock, e) {
                    return Some(again);
                }
                let place = Place::of(tree, *receiver);
                if owner.is_some() && place.as_ref() == owner {
                    let field = lock.place.as_ref().and_then(|p| p.fields.last());
                    return field
                        .and_then(|f| self.owner_call(e, f))
                        .map(|relocks| HazardKind::OwnerCall { method: method.clone(), relocks });
                }
                match (method.as_str(), args.is_empty()) {
                    ("join", true) => Some(HazardKind::Join),
                    ("recv" | "blocking_recv", true) if self.is_blocking_recv(e, *receiver) => Some(HazardKind::Recv),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Whether method call `call` on a lock's owner may lock the owner's `field` again:
    /// `Some(true)` when its same-crate body is seen to lock `self.<field>`, `Some(false)`
    /// when it may (no same-crate method of that name, or one that reaches `field` in
    /// another way), `None` when no same-crate method of that name (nor the methods they
    /// call on `self`, a few levels deep) mentions `field`.
    fn owner_call(&self, call: ExprId, field: &str) -> Option<bool> {
        let Some(krate) = self.krate else { return Some(false) };
        let first = candidates(krate, self.a, call);
        if first.is_empty() {
            return Some(false);
        }
        // "Locks it again" is certain only when every hop had a single candidate.
        let certain = first.len() == 1;
        let todo = first.iter().map(|&f| (f, 0, certain)).collect();
        OwnerWalk { krate, field, seen: first, todo, mentions: false }.run()
    }

    /// A blocking lock call on `lock`'s place that conflicts with the guard held.
    fn relock(&self, lock: &LockCall, e: ExprId) -> Option<HazardKind> {
        let ExprKind::MethodCall { receiver, method, args, .. } = self.tree().kind(e) else { return None };
        let c = self.a.catalog;
        let lockish = c.is_lock_method(method) || c.is_evidence_lock_method(method);
        if !lockish || !args.is_empty() || method.starts_with("try_") || lock.place.is_none() {
            return None;
        }
        let same = Place::of(self.tree(), *receiver) == lock.place;
        (same && lock.kind.conflicts_with(GuardKind::of_method(method)))
            .then(|| HazardKind::Relock { method: method.clone() })
    }

    /// A `recv()` that blocks the thread on a catalogued channel's receiver (one made by
    /// a catalogued constructor, or declared as that module's `Receiver`), or tokio's
    /// `blocking_recv()`.
    fn is_blocking_recv(&self, call: ExprId, receiver: ExprId) -> bool {
        let tree = self.tree();
        let ExprKind::MethodCall { method, .. } = tree.kind(call) else { return false };
        let c = self.a.catalog;
        let blocks = |constructor: &str| {
            method == "blocking_recv"
                || !(ASYNC_RECV_CHANNELS.iter().any(|p| constructor.starts_with(p)) || constructor.ends_with("_async"))
        };
        if let Some(origin) = self.a.origin(receiver).filter(|p| c.channel_constructor(p).is_some()) {
            return blocks(origin);
        }
        let module = self.held_type(receiver).and_then(|p| p.strip_suffix("::Receiver"));
        module.is_some_and(|module| {
            c.channels
                .constructors
                .iter()
                .any(|k| k.path.rsplit_once("::").is_some_and(|(m, _)| m == module) && blocks(&k.path))
        })
    }

    /// The type a value is declared with, seen through pointers and through a lock taken
    /// on it: `rx` declared `Receiver<T>`, `self.rx.lock().unwrap()` with
    /// `rx: Arc<Mutex<Receiver<T>>>` both give `Receiver`.
    fn held_type(&self, e: ExprId) -> Option<&'a str> {
        let tree = self.tree();
        let mut base = e;
        let mut through_lock = false;
        let c = self.a.catalog;
        loop {
            match tree.kind(base) {
                ExprKind::MethodCall { receiver, method, .. } => {
                    through_lock |= c.is_lock_method(method) || c.is_evidence_lock_method(method);
                    base = *receiver;
                }
                ExprKind::Await(inner) | ExprKind::Try(inner) => base = *inner,
                _ => break,
            }
        }
        let skip = |p: &str| POINTER_TYPES.contains(&last_segment(p)) || (through_lock && self.is_lock_path(p));
        self.declared(base).into_iter().find_map(|t| t.paths.iter().find(|p| !skip(p)).map(String::as_str))
    }

    /// Code under `e` that does not run where `e` is: an async block (it runs when
    /// awaited, maybe elsewhere), a closure given to a spawn or stored in a `let`.
    fn runs_elsewhere(&self, e: ExprId) -> bool {
        let tree = self.tree();
        match tree.kind(e) {
            ExprKind::Async { .. } => true,
            ExprKind::Closure { .. } => tree.parent(e).is_some_and(|p| match tree.kind(p) {
                ExprKind::Call { .. } | ExprKind::MethodCall { .. } => spawns::catalogued(self.a, p).is_some(),
                ExprKind::Block { stmts, .. } => {
                    stmts.iter().any(|s| matches!(s, Stmt::Let { init: Some(i), .. } if *i == e))
                }
                _ => false,
            }),
            _ => false,
        }
    }

    /// Whether `e` sits in the body of a loop of its own function, closure or async block
    /// (not in a loop head, not across a closure or async block).
    pub fn in_loop_body(&self, e: ExprId) -> bool {
        let tree = self.tree();
        let mut node = e;
        for a in tree.ancestors(e) {
            match tree.kind(a) {
                ExprKind::Loop(l) if l.body == node => return true,
                ExprKind::Closure { .. } | ExprKind::Async { .. } => return false,
                _ => {}
            }
            node = a;
        }
        false
    }

    /// The innermost loop whose body holds `e`, in the same function, closure or async
    /// block.
    pub fn enclosing_loop(&self, e: ExprId) -> Option<ExprId> {
        super::loops::innermost_loop(self.tree(), e)
    }

    // ---- loop heads -----------------------------------------------------------------------

    /// When a `for` head computes an owned value from the guard it takes (`.clone()`,
    /// `.len()`, `.collect()`, `mem::take(..)`), the call that does: the loop does not need
    /// the guard it holds. Lazy adapters (`.iter().cloned()`) still borrow it.
    pub fn owned_head(&self, call: ExprId, head: ExprId) -> Option<String> {
        let tree = self.tree();
        let mut node = call;
        while node != head {
            let parent = tree.parent(node)?;
            match tree.kind(parent) {
                ExprKind::MethodCall { receiver, method, args, .. }
                    if *receiver == node && OWNED_RESULTS.contains(&method.as_str()) =>
                {
                    let args = if args.is_empty() { "" } else { ".." };
                    return Some(format!("`.{method}({args})`"));
                }
                ExprKind::Call { callee, .. } if *callee != node => {
                    if let Some(path) = tree.callee_path(parent).filter(|p| OWNED_RESULT_FNS.contains(p)) {
                        return Some(format!("`{}(..)`", path.trim_start_matches("std::")));
                    }
                }
                _ => {}
            }
            node = parent;
        }
        None
    }

    // ---- guards kept past their iteration -------------------------------------------------

    /// A guard or permit taken inside a loop and moved into a collection or binding that
    /// lives outside the loop (`guards.push(m.lock().unwrap())`, `last = Some(g)`), so
    /// none is released until the loop ends.
    pub fn kept_past_iteration(&self, call: ExprId) -> Option<Kept> {
        let looop = self.enclosing_loop(call)?;
        match self.guard_home(call) {
            GuardHome::Stored { into, at } => self.keeps(into, at, looop).then_some(Kept { looop, at }),
            GuardHome::Bound(b) if self.tree().is_plain_let(b) => self.binding_kept(b, looop),
            _ => None,
        }
    }

    /// A use of named guard `b` that moves it into a collection or place outside `looop`.
    fn binding_kept(&self, b: BindingId, looop: ExprId) -> Option<Kept> {
        let tree = self.tree();
        self.a.uses_of(b).iter().find_map(|u| {
            let mut node = u.expr;
            // `Some(g)`, `Holder { g }` own the guard too.
            while let Some(parent) = tree.parent(node) {
                let into = match tree.kind(parent) {
                    ExprKind::Call { .. } if tree.callee_path(parent).is_some_and(|p| OWNING_WRAPPERS.contains(&p)) => {
                        node = parent;
                        continue;
                    }
                    ExprKind::Struct { .. } => {
                        node = parent;
                        continue;
                    }
                    ExprKind::MethodCall { receiver, method, .. }
                        if *receiver != node && STORE_METHODS.contains(&method.as_str()) =>
                    {
                        *receiver
                    }
                    ExprKind::Assign { lhs, rhs } if *rhs == node => *lhs,
                    _ => return None,
                };
                return self.keeps(into, parent, looop).then_some(Kept { looop, at: parent });
            }
            None
        })
    }

    /// Whether moving a guard into `into` (by the push or assignment `at`) keeps it past
    /// the iteration: a collection that outlives the loop, or a local declared before the
    /// loop that the loop never releases itself (`drop(g); ..; g = m.lock()` re-locks once
    /// per iteration and keeps nothing). A struct field
    /// assigned in a loop is a state machine's state, not a guard pile.
    fn keeps(&self, into: ExprId, at: ExprId, looop: ExprId) -> bool {
        let tree = self.tree();
        if !self.outside(into, looop) || self.leaves_after(at) {
            return false;
        }
        if !matches!(tree.kind(at), ExprKind::Assign { .. }) {
            return true;
        }
        let ExprKind::Path(Res::Local(b)) = tree.kind(into) else { return false };
        !self.moved_out_in(*b, looop) && !self.taken_once(*b, at, looop)
    }

    /// Whether the statement `at` is followed, in its block, by a `break` or `return`: the
    /// loop ends in the iteration that keeps the guard (`slot = guard; break;`).
    fn leaves_after(&self, at: ExprId) -> bool {
        let tree = self.tree();
        let Some(block) = tree.parent(at) else { return false };
        let ExprKind::Block { stmts, .. } = tree.kind(block) else { return false };
        let exits = |e: ExprId| matches!(tree.kind(e), ExprKind::Break { .. } | ExprKind::Return(_));
        let later = stmts.iter().skip_while(|s| !matches!(s, Stmt::Expr { expr, .. } if *expr == at)).skip(1);
        later.into_iter().any(|s| matches!(s, Stmt::Expr { expr, .. } if exits(*expr)))
    }

    /// Whether the assignment `at` to `b` only runs while `b` is empty (`if b.is_none() {
    /// b = Some(m.lock()) }`): the lock is taken once and held for the rest of the loop on
    /// purpose.
    fn taken_once(&self, b: BindingId, at: ExprId, looop: ExprId) -> bool {
        let tree = self.tree();
        let checks_none = |cond: ExprId| {
            tree.descendants(cond).into_iter().any(|e| {
                matches!(tree.kind(e), ExprKind::MethodCall { receiver, method, .. }
                    if method == "is_none" && matches!(tree.kind(*receiver), ExprKind::Path(Res::Local(r)) if *r == b))
            })
        };
        tree.ancestors(at)
            .take_while(|&a| a != looop)
            .any(|a| matches!(tree.kind(a), ExprKind::If { cond, .. } if checks_none(*cond)))
    }

    /// Whether local `b` is moved out (passed by value, `drop(b)`, `b.take()`) anywhere in
    /// `looop`'s body: the code releases each guard itself, before the next is assigned
    /// or before the next iteration comes round.
    fn moved_out_in(&self, b: BindingId, looop: ExprId) -> bool {
        let tree = self.tree();
        let body = tree.span(looop);
        self.a.uses_of(b).iter().any(|u| {
            let span = tree.span(u.expr);
            let inside = body.lo <= span.lo && span.hi <= body.hi;
            let moves = match &u.kind {
                UseKind::Argument { .. } => true,
                UseKind::Receiver { method } => method == "take",
                _ => false,
            };
            inside && moves
        })
    }

    /// Whether the place or collection `e` outlives one iteration of `looop`: rooted in
    /// `self`, a static, or a local declared before the loop.
    fn outside(&self, e: ExprId, looop: ExprId) -> bool {
        let tree = self.tree();
        let mut node = e;
        loop {
            match tree.kind(node) {
                ExprKind::Path(Res::Local(b)) => {
                    let span = tree.span(looop);
                    let at = tree.binding(*b).span;
                    return !(span.lo <= at.lo && at.hi <= span.hi);
                }
                ExprKind::Path(Res::SelfValue | Res::Item(_)) => return true,
                ExprKind::Field { base: inner, .. }
                | ExprKind::MethodCall { receiver: inner, .. }
                | ExprKind::Ref { expr: inner, .. }
                | ExprKind::Await(inner)
                | ExprKind::Try(inner) => node = *inner,
                ExprKind::Other(kids) if !kids.is_empty() => node = kids[0],
                _ => return false,
            }
        }
    }
}

/// The home of a guard made in a `let` initialiser: a moved guard is bound (a named
/// guard); a borrowed one dies with the statement unless the initialiser is a reference,
/// which extends the temporaries under it to the end of the block.
fn let_stmt_home(tree: &Tree, pat: &Pat, init: ExprId, owned: bool) -> GuardHome {
    let mut bound = Vec::new();
    pat.bindings(&mut bound);
    let first = bound.first().copied();
    let extended = matches!(tree.kind(init), ExprKind::Ref { .. });
    match first {
        Some(b) if owned || extended => GuardHome::Bound(b),
        _ => GuardHome::Statement,
    }
}

/// The same-crate methods a method call may run: the one the index resolves, else every
/// method of that name; for a call on `self`, the methods of the caller's own type (in
/// the caller's file first), when there are any.
fn candidates(krate: CrateView, file: &Analysis, call: ExprId) -> Vec<FnRef> {
    if let Some(f) = krate.index.callee(file, call) {
        return vec![f];
    }
    let ExprKind::MethodCall { receiver, method, .. } = file.tree.kind(call) else { return Vec::new() };
    let all = krate.index.methods_named(method);
    let self_ty = is_self(&file.tree, *receiver).then(|| enclosing_self_ty(&file.tree, call)).flatten();
    let Some(self_ty) = self_ty else { return all.to_vec() };
    let here = krate.files.iter().position(|f| std::ptr::eq(*f, file));
    let of_type = |f: &&FnRef| krate.files[f.file].tree.fns[f.def].self_ty.as_deref() == Some(self_ty);
    let same_ty: Vec<FnRef> = all.iter().filter(of_type).copied().collect();
    let same_file: Vec<FnRef> = same_ty.iter().filter(|f| Some(f.file) == here).copied().collect();
    [same_file, same_ty].into_iter().find(|c| !c.is_empty()).unwrap_or_else(|| all.to_vec())
}

/// The `impl` type of the method whose body holds `e`.
fn enclosing_self_ty(tree: &Tree, e: ExprId) -> Option<&str> {
    let root = tree.ancestors(e).last().unwrap_or(e);
    tree.fns.iter().find(|f| f.body == root)?.self_ty.as_deref()
}

/// The walk of [`Locks::owner_call`] through method bodies reached from a call on a
/// lock's owner, looking for `self.<field>`.
struct OwnerWalk<'a, 'f> {
    krate: CrateView<'a>,
    field: &'f str,
    seen: Vec<FnRef>,
    /// Bodies to read: the method, how many calls deep, whether the path to it is certain.
    todo: Vec<(FnRef, usize, bool)>,
    /// Whether the field (or `self` handed elsewhere) was met other than as a lock call.
    mentions: bool,
}

impl OwnerWalk<'_, '_> {
    fn run(mut self) -> Option<bool> {
        while let Some((f, depth, certain)) = self.todo.pop() {
            if self.visit(f, depth, certain) {
                return Some(true);
            }
        }
        self.mentions.then_some(false)
    }

    /// Reads one body; true when it certainly locks `self.<field>`. A stub (an empty body,
    /// `todo!()`) says nothing about what the method will do: it may lock.
    fn visit(&mut self, f: FnRef, depth: usize, certain: bool) -> bool {
        let file = self.krate.files[f.file];
        let tree = &file.tree;
        let body = tree.fns[f.def].body;
        if is_stub(tree, body) {
            self.mentions = true;
            return false;
        }
        for e in tree.descendants(body) {
            match tree.kind(e) {
                ExprKind::Field { base, member } if member == self.field => {
                    if certain && locks_self_field(file, e, *base) {
                        return true;
                    }
                    self.mentions = true;
                }
                ExprKind::MethodCall { receiver, .. } if is_self(tree, *receiver) => {
                    let next = candidates(self.krate, file, e);
                    // A method leaklint cannot see, or one too deep to follow, may reach it.
                    if next.is_empty() {
                        self.mentions = true;
                        continue;
                    }
                    if depth + 1 >= MAX_OWNER_DEPTH {
                        self.mentions |= !next.is_empty();
                        continue;
                    }
                    let unique = next.len() == 1;
                    for n in next {
                        if !self.seen.contains(&n) {
                            self.seen.push(n);
                            self.todo.push((n, depth + 1, certain && unique));
                        }
                    }
                }
                // `self` handed elsewhere may reach the field.
                ExprKind::Path(Res::SelfValue) if !is_receiver(tree, e) && !is_field_base(tree, e) => {
                    self.mentions = true
                }
                _ => {}
            }
        }
        false
    }
}

/// Whether field expression `field` (`self.<name>`, on `base`) is the receiver of a
/// lock-like call in `file`.
fn locks_self_field(file: &Analysis, field: ExprId, base: ExprId) -> bool {
    let tree = &file.tree;
    let on_self = matches!(tree.kind(base), ExprKind::Path(Res::SelfValue));
    let c = file.catalog;
    on_self
        && tree.parent(field).is_some_and(|p| {
            matches!(tree.kind(p), ExprKind::MethodCall { receiver, method, args, .. }
                if *receiver == field && args.is_empty() && (c.is_lock_method(method) || c.is_evidence_lock_method(method)) && !method.starts_with("try_"))
        })
}

/// An empty body, or one that only panics as a placeholder (`todo!()`, `unimplemented!()`).
fn is_stub(tree: &Tree, body: ExprId) -> bool {
    let ExprKind::Block { stmts, .. } = tree.kind(body) else { return false };
    stmts.iter().all(|s| match s {
        Stmt::Expr { expr, .. } => matches!(tree.kind(*expr), ExprKind::Macro { path, .. }
            if matches!(last_segment(path), "todo" | "unimplemented" | "unreachable" | "panic")),
        Stmt::Let { .. } => false,
    })
}

fn is_self(tree: &Tree, e: ExprId) -> bool {
    matches!(tree.kind(e), ExprKind::Path(Res::SelfValue))
}

fn is_receiver(tree: &Tree, e: ExprId) -> bool {
    tree.parent(e).is_some_and(|p| matches!(tree.kind(p), ExprKind::MethodCall { receiver, .. } if *receiver == e))
}

fn is_field_base(tree: &Tree, e: ExprId) -> bool {
    tree.parent(e).is_some_and(|p| matches!(tree.kind(p), ExprKind::Field { base, .. } if *base == e))
}

/// A pattern that matches only a failed lock attempt: `Err(..)`, `None`.
fn is_failure(pat: &Pat) -> bool {
    match pat {
        Pat::Struct { path, .. } => matches!(last_segment(path), "Err" | "None"),
        Pat::Or(cases) => cases.iter().all(is_failure),
        _ => false,
    }
}

/// `Ok(())`: a lock whose success carries no guard.
fn is_unit_success(pat: &Pat) -> bool {
    matches!(pat, Pat::Struct { path, fields } if matches!(last_segment(path), "Ok" | "Some")
        && matches!(fields.as_slice(), [Pat::Tuple(unit)] if unit.is_empty()))
}

fn last_segment(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
}

/// Every lock-like call of a file, with the facts rules need (a convenience for rules
/// that visit them all).
pub fn lock_calls(locks: &Locks) -> Vec<LockCall> {
    (0..locks.a.tree.exprs.len() as u32).map(ExprId).filter_map(|e| locks.lock_call(e)).collect()
}

#[cfg(test)]
#[path = "locks_tests.rs"]
mod tests;
