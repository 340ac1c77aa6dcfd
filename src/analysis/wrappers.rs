//! Spawn wrappers, inferred across the workspace: a function that passes one of its
//! parameters (a future or closure, possibly wrapped: `.instrument(span)`,
//! `Box::pin(f)`, `async move { f.await }`, `move || f()`) to a spawn — a catalogued one
//! or another wrapper — and either returns the handle (its callers own it) or drops it
//! (every call is detached). Such a function is a spawn for every rule, in every crate
//! of the workspace.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::index::{CrateIndex, FnRef};
use super::spawns::{self, Spawn, TRANSPARENT_ADAPTERS, TRANSPARENT_WRAPPERS};
use super::tasks::CrateFiles;
use super::tree::{BindingId, BindingKind, ExprId, ExprKind, Pat, Res, Stmt};
use super::Analysis;
use crate::catalog::HandleKind;
use crate::source::Span;

/// Wrappers of wrappers are followed this many levels deep.
const MAX_WRAPPER_DEPTH: usize = 4;

/// What a wrapper does with the handle of the task it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Returns it: callers own the handle.
    Returns(HandleKind),
    /// Drops it: every call starts a detached task.
    Drops,
}

/// A workspace function that spawns its argument.
#[derive(Debug, Clone)]
pub struct Wrapper {
    /// The function's name (`spawn_named`).
    pub name: String,
    /// Canonical path in its crate (`crate::util::spawn_named`, `Runtime::spawn`).
    pub path: String,
    /// Which call argument is spawned (method receivers not counted).
    pub param: usize,
    pub fate: Fate,
    /// `"task"` or `"thread"`.
    pub what: &'static str,
    /// How it spawns: "spawns its argument with `tokio::spawn` at src/util.rs:12".
    pub explanation: String,
}

/// The spawn wrappers of the crates already linted. Crates are linted dependencies
/// first, so a crate sees every wrapper it can call from another crate, while only the
/// crates being linted hold their syntax in memory.
#[derive(Debug, Default)]
pub struct WorkspaceWrappers {
    by_fn: Vec<BTreeMap<FnRef, Wrapper>>,
    crate_by_lib: HashMap<String, usize>,
    /// Per crate, what its `pub use` items make reachable: `crate::m::name` (or
    /// `crate::m::*`) → the canonical path.
    reexports: Vec<HashMap<String, String>>,
}

/// One crate's wrappers and `pub use` table, as [`WorkspaceWrappers::record`] keeps them.
#[derive(Debug, Default)]
pub struct CrateWrappers {
    by_fn: BTreeMap<FnRef, Wrapper>,
    reexports: HashMap<String, String>,
}

impl CrateWrappers {
    pub fn all(&self) -> impl Iterator<Item = &Wrapper> {
        self.by_fn.values()
    }

    /// The names a call of one of these wrappers spells out (see [`crate::prefilter`]).
    pub fn spelt_names(&self) -> BTreeSet<String> {
        spelt_names(&self.by_fn, &self.reexports)
    }

    /// The names this crate's `pub use` items give to one of `wrappers` (names of
    /// wrappers of other crates): `pub(crate) use rt::spawn_critical as critical`.
    pub fn aliases_of(&self, wrappers: &BTreeSet<String>) -> BTreeSet<String> {
        aliases(&self.reexports, wrappers)
    }
}

/// Each wrapper's name, and each name a `pub use` gives one (`pub use rt::spawn_named as go`).
fn spelt_names(by_fn: &BTreeMap<FnRef, Wrapper>, reexports: &HashMap<String, String>) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = by_fn.values().map(|w| w.name.clone()).collect();
    let given = aliases(reexports, &names);
    names.extend(given);
    names
}

/// The names `reexports` give to an item whose name is in `names`.
fn aliases(reexports: &HashMap<String, String>, names: &BTreeSet<String>) -> BTreeSet<String> {
    let last = |path: &str| path.rsplit("::").next().unwrap_or(path).to_string();
    if names.is_empty() {
        return BTreeSet::new();
    }
    reexports.iter().filter(|(_, to)| names.contains(&last(to))).map(|(from, _)| last(from)).collect()
}

impl WorkspaceWrappers {
    /// An empty table for crates whose libraries are called `lib_names` (by crate number).
    pub fn new<S: AsRef<str>>(lib_names: &[Option<S>]) -> WorkspaceWrappers {
        let mut crate_by_lib = HashMap::new();
        for (k, lib) in lib_names.iter().enumerate() {
            if let Some(lib) = lib {
                crate_by_lib.entry(lib.as_ref().to_string()).or_insert(k);
            }
        }
        let n = lib_names.len();
        WorkspaceWrappers { by_fn: vec![BTreeMap::new(); n], crate_by_lib, reexports: vec![HashMap::new(); n] }
    }

    /// Infers the wrappers of crate `k` (wrappers of wrappers to [`MAX_WRAPPER_DEPTH`]),
    /// seeing those of the crates recorded so far; `locate` turns a span into `path:line`.
    pub fn infer<'w>(&'w self, k: usize, c: &CrateFiles, locate: &dyn Fn(Span) -> String) -> SpawnWrappers<'w> {
        let reexports = c.files.iter().flat_map(|a| a.tree.reexports.iter().cloned()).collect();
        let mut view =
            SpawnWrappers { workspace: self, krate: k, own: CrateWrappers { by_fn: BTreeMap::new(), reexports } };
        for _ in 0..MAX_WRAPPER_DEPTH {
            let found = view.find_in_crate(c, locate);
            let mut changed = false;
            for (f, w) in found {
                if let std::collections::btree_map::Entry::Vacant(slot) = view.own.by_fn.entry(f) {
                    slot.insert(w);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        view
    }

    /// The names a call of any wrapper recorded so far spells out (see [`crate::prefilter`]).
    pub fn spelt_names(&self) -> BTreeSet<String> {
        self.by_fn.iter().zip(&self.reexports).flat_map(|(by_fn, reexports)| spelt_names(by_fn, reexports)).collect()
    }

    /// Keeps crate `k`'s wrappers for the crates linted after it.
    pub fn record(&mut self, k: usize, own: CrateWrappers) {
        if let (Some(by_fn), Some(reexports)) = (self.by_fn.get_mut(k), self.reexports.get_mut(k)) {
            *by_fn = own.by_fn;
            *reexports = own.reexports;
        }
    }
}

/// The spawn wrappers one crate sees: its own and those of the crates linted before it.
#[derive(Debug)]
pub struct SpawnWrappers<'w> {
    workspace: &'w WorkspaceWrappers,
    krate: usize,
    own: CrateWrappers,
}

impl SpawnWrappers<'_> {
    /// The crate's own wrappers, to record once it is linted.
    pub fn into_own(self) -> CrateWrappers {
        self.own
    }

    /// The crate's own wrappers.
    pub fn own(&self) -> &CrateWrappers {
        &self.own
    }

    fn fns(&self, k: usize) -> Option<&BTreeMap<FnRef, Wrapper>> {
        if k == self.krate {
            Some(&self.own.by_fn)
        } else {
            self.workspace.by_fn.get(k)
        }
    }

    fn reexports(&self, k: usize) -> Option<&HashMap<String, String>> {
        if k == self.krate {
            Some(&self.own.reexports)
        } else {
            self.workspace.reexports.get(k)
        }
    }

    /// The spawn `id` (in a file of this crate) starts, if it is one: a catalogued spawn
    /// or a call of a wrapper.
    pub fn spawn_call(&self, index: &CrateIndex, a: &Analysis, id: ExprId) -> Option<Spawn<'_>> {
        if let Some(s) = spawns::catalogued(a, id) {
            return Some(s);
        }
        let w = self.wrapper_called(index, a, id)?;
        spawns::through_wrapper(a, id, w)
    }

    fn wrapper_called(&self, index: &CrateIndex, a: &Analysis, id: ExprId) -> Option<&Wrapper> {
        let own = &self.own.by_fn;
        if own.is_empty() && self.workspace.crate_by_lib.is_empty() {
            return None;
        }
        // A function the index finds has the name called, so only a wrapper's name is
        // looked up (which also keeps what a partial crate asks for short).
        let named = |name: &str| own.values().any(|w| w.name == name);
        match a.tree.kind(id) {
            ExprKind::Call { .. } => {
                let path = a.tree.callee_path(id)?;
                let name = path.rsplit("::").next().unwrap_or(path);
                if let Some(w) = named(name).then(|| index.by_item_path(path)).flatten().and_then(|f| own.get(&f)) {
                    return Some(w);
                }
                self.by_path(self.krate, path, 0)
            }
            ExprKind::MethodCall { method, .. } if named(method) => own.get(&index.callee(a, id)?),
            _ => None,
        }
    }

    /// The wrapper `path` names from crate `k`: a function of `k` (`crate::..`), one of
    /// another member (`lib::..`, also by unique name, for re-exports this table cannot
    /// see), or what a `pub use` in `k` re-exports under that path, followed a few hops.
    fn by_path(&self, k: usize, path: &str, depth: usize) -> Option<&Wrapper> {
        if depth > MAX_WRAPPER_DEPTH {
            return None;
        }
        if path.starts_with("crate::") {
            if let Some(w) = self.fns(k)?.values().find(|w| w.path == path) {
                return Some(w);
            }
        }
        let (head, rest) = path.split_once("::")?;
        if let Some(&m) = self.workspace.crate_by_lib.get(head).filter(|&&m| m != k) {
            let local = format!("crate::{rest}");
            return self.by_path(m, &local, depth + 1).or_else(|| self.unique_by_name(m, rest));
        }
        let target = self.reexported(k, path)?;
        self.by_path(k, &target, depth + 1)
    }

    /// A wrapper of crate `m` by its name alone, when it is the only one of that name.
    fn unique_by_name(&self, m: usize, path: &str) -> Option<&Wrapper> {
        let name = path.rsplit("::").next()?;
        let mut named = self.fns(m)?.values().filter(|w| w.name == name && !w.path.contains(char::is_uppercase));
        match (named.next(), named.next()) {
            (Some(w), None) => Some(w),
            _ => None,
        }
    }

    /// What `path` stands for through crate `k`'s `pub use` items: the path itself, a
    /// prefix of it (`crate::rt::spawn` for `pub use runtime as rt`), or a glob module.
    fn reexported(&self, k: usize, path: &str) -> Option<String> {
        let table = self.reexports(k)?;
        let mut split = path.len();
        while let Some(at) = path[..split].rfind("::") {
            let (prefix, rest) = (&path[..split], &path[split..]);
            if let Some(target) = table.get(prefix) {
                return Some(format!("{target}{rest}"));
            }
            let glob = format!("{}::*", &path[..at]);
            if let Some(target) = table.get(&glob) {
                return Some(format!("{target}{}", &path[at..]));
            }
            split = at;
        }
        None
    }

    fn find_in_crate(&self, c: &CrateFiles, locate: &dyn Fn(Span) -> String) -> Vec<(FnRef, Wrapper)> {
        let mut out = Vec::new();
        for (file, a) in c.files.iter().enumerate() {
            for (def, f) in a.tree.fns.iter().enumerate() {
                let r = FnRef { file, def };
                if f.params.is_empty() || self.own.by_fn.contains_key(&r) {
                    continue;
                }
                if let Some(w) = self.wrapper_fn(c.index, a, r, locate) {
                    out.push((r, w));
                }
            }
        }
        out
    }

    /// Whether function `r` spawns one of its parameters, and what it does with the handle.
    fn wrapper_fn(
        &self,
        index: &CrateIndex,
        a: &Analysis,
        r: FnRef,
        locate: &dyn Fn(Span) -> String,
    ) -> Option<Wrapper> {
        let f = &a.tree.fns[r.def];
        for e in a.tree.descendants(f.body) {
            if !matches!(a.tree.kind(e), ExprKind::Call { .. } | ExprKind::MethodCall { .. })
                || a.tree.enclosing_body(e).is_some()
            {
                continue;
            }
            let Some(spawn) = self.spawn_call(index, a, e) else { continue };
            if spawn.wrapper.is_some_and(|w| w.path == f.path) {
                continue;
            }
            let Some(param) = body_param(a, spawn.body_arg, 0).filter(|b| a.tree.binding(*b).body == f.body) else {
                continue;
            };
            let Some(position) =
                f.params.iter().position(|p| matches!(p, Pat::Ident { binding, .. } if *binding == param))
            else {
                continue;
            };
            let fate = if spawns::discarded(a, e, &spawn).is_some() {
                Fate::Drops
            } else if spawns::returned(a, e) {
                Fate::Returns(spawn.handle)
            } else {
                continue;
            };
            let with = match spawn.wrapper {
                Some(w) => w.name.clone(),
                None => spawns::spawner_name(a, e),
            };
            let explanation = format!("spawns its argument with `{with}` at {}", locate(a.tree.call_span(e)));
            return Some(Wrapper {
                name: f.name.clone(),
                path: f.path.clone(),
                param: position,
                fate,
                what: spawn.what,
                explanation,
            });
        }
        None
    }
}

/// The parameter a spawned body argument runs: the parameter itself, or one wrapped in
/// an adapter, `Box::pin`, an async block that awaits it, a closure that calls it, or a
/// plain `let` of any of these.
fn body_param(a: &Analysis, arg: ExprId, depth: usize) -> Option<BindingId> {
    if depth > 8 {
        return None;
    }
    let tree = &a.tree;
    match tree.kind(arg) {
        ExprKind::Path(Res::Local(b)) => {
            let binding = tree.binding(*b);
            match binding.kind {
                BindingKind::Param => Some(*b),
                _ if tree.is_plain_let(*b) => body_param(a, binding.init?, depth + 1),
                _ => None,
            }
        }
        ExprKind::MethodCall { receiver, method, .. } if TRANSPARENT_ADAPTERS.contains(&method.as_str()) => {
            body_param(a, *receiver, depth + 1)
        }
        ExprKind::Call { args, .. } if tree.callee_path(arg).is_some_and(|p| TRANSPARENT_WRAPPERS.contains(&p)) => {
            body_param(a, *args.first()?, depth + 1)
        }
        ExprKind::Async { body, .. } => statement_param(a, *body, depth, |e| match tree.kind(e) {
            ExprKind::Await(inner) => Some(*inner),
            _ => None,
        }),
        ExprKind::Closure { params, body, .. } if params.is_empty() => {
            let called = |e: ExprId| match tree.kind(e) {
                ExprKind::Call { callee, .. } => Some(*callee),
                _ => None,
            };
            called(*body).and_then(|c| body_param(a, c, depth + 1)).or_else(|| statement_param(a, *body, depth, called))
        }
        _ => None,
    }
}

/// A parameter that one statement (or the tail) of `block` runs, as `pick` finds it.
fn statement_param(
    a: &Analysis,
    block: ExprId,
    depth: usize,
    pick: impl Fn(ExprId) -> Option<ExprId>,
) -> Option<BindingId> {
    let ExprKind::Block { stmts, .. } = a.tree.kind(block) else { return None };
    stmts.iter().find_map(|s| {
        let e = match s {
            Stmt::Expr { expr, .. } => *expr,
            Stmt::Let { init: Some(init), .. } => *init,
            Stmt::Let { .. } => return None,
        };
        main_path(a, e).into_iter().find_map(|x| body_param(a, pick(x)?, depth + 1))
    })
}

/// `e` and what always runs first inside it: the scrutinee of an `if let`/`match`, the
/// operand of `?` (`if let Err(e) = task.await { .. }`, `task.await?`).
fn main_path(a: &Analysis, e: ExprId) -> Vec<ExprId> {
    let mut out = vec![e];
    let mut at = e;
    loop {
        at = match a.tree.kind(at) {
            ExprKind::If { cond, .. } => *cond,
            ExprKind::Let { scrutinee, .. } | ExprKind::Match { scrutinee, .. } => *scrutinee,
            ExprKind::Try(inner) => *inner,
            _ => return out,
        };
        out.push(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::parse::{parse, FileInfo};
    use crate::source::FileId;

    /// `(name, param, fate, what)` of every wrapper inferred from one file.
    fn wrappers(src: &str) -> Vec<(String, usize, Fate, &'static str)> {
        let info = FileInfo { module_path: vec!["crate".into()], test_file: false };
        let a = parse(FileId(0), src, &info, Catalog::builtin()).expect("parses");
        let files = [&a];
        let index = CrateIndex::build(files.iter().copied());
        let fns = CrateFiles { files: &files, index: &index };
        let workspace = WorkspaceWrappers::new::<&str>(&[None]);
        let table = workspace.infer(0, &fns, &|_| "x.rs:1".to_string());
        let mut out: Vec<_> = table.own().all().map(|w| (w.name.clone(), w.param, w.fate, w.what)).collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn w(name: &str, param: usize, fate: Fate, what: &'static str) -> (String, usize, Fate, &'static str) {
        (name.to_string(), param, fate, what)
    }

    const JOIN: Fate = Fate::Returns(HandleKind::Join);

    #[test]
    fn a_parameter_passed_to_a_spawn_makes_a_wrapper() {
        let src = r#"
            fn drops<F>(f: F) { tokio::spawn(f); }
            fn returns<F>(name: &str, f: F) -> JoinHandle<()> { tokio::spawn(f) }
            fn returns_by_binding<F>(f: F) -> JoinHandle<()> { let h = tokio::spawn(f); h }
            fn returns_ok<F>(f: F) -> io::Result<JoinHandle<()>> { Ok(tokio::spawn(f)) }
            fn instrumented<F>(f: F) { tokio::spawn(f.instrument(tracing::info_span!("t"))); }
            fn pinned<F>(f: F) { let _ = tokio::spawn(Box::pin(f)); }
            fn awaited<F>(f: F) { tokio::spawn(async move { f.await }); }
            fn thread<F>(f: F) -> std::thread::JoinHandle<()> { std::thread::spawn(move || f()) }
            fn bound<F>(f: F) { let fut = async move { let _g = 1; f.await; }; tokio::spawn(fut); }
            fn logged<F>(f: F) { tokio::spawn(async { if let Err(e) = f.await { warn(e) } }.in_current_span()); }
        "#;
        assert_eq!(
            wrappers(src),
            [
                w("awaited", 0, Fate::Drops, "task"),
                w("bound", 0, Fate::Drops, "task"),
                w("drops", 0, Fate::Drops, "task"),
                w("instrumented", 0, Fate::Drops, "task"),
                w("logged", 0, Fate::Drops, "task"),
                w("pinned", 0, Fate::Drops, "task"),
                w("returns", 1, JOIN, "task"),
                w("returns_by_binding", 0, JOIN, "task"),
                w("returns_ok", 0, JOIN, "task"),
                w("thread", 0, JOIN, "thread"),
            ]
        );
    }

    #[test]
    fn wrappers_of_wrappers_and_methods() {
        let src = r#"
            fn inner<F>(f: F) -> JoinHandle<()> { tokio::spawn(f) }
            fn outer<F>(f: F) { inner(f); }
            fn outermost<F>(f: F) { outer(async move { f.await }) }
            struct Rt;
            impl Rt { fn spawn_bg<F>(&self, f: F) { tokio::spawn(f); } }
        "#;
        assert_eq!(
            wrappers(src),
            [
                w("inner", 0, JOIN, "task"),
                w("outer", 0, Fate::Drops, "task"),
                w("outermost", 0, Fate::Drops, "task"),
                w("spawn_bg", 0, Fate::Drops, "task"),
            ]
        );
    }

    #[test]
    fn functions_that_keep_the_handle_or_spawn_their_own_body_are_not_wrappers() {
        let src = r#"
            fn stores<F>(&mut self, f: F) { self.handles.push(tokio::spawn(f)); }
            fn awaits<F>(f: F) { tokio::spawn(f).await; }
            fn own_body(n: u64) { tokio::spawn(async move { tick(n).await }); }
            fn select_wraps<F>(f: F, stop: Token) { tokio::spawn(async move { tokio::select! { _ = f => {}, _ = stop.cancelled() => {} } }); }
            fn in_a_closure<F>(f: F) { rt.block_on(async { tokio::spawn(f) }); }
            fn joins_set<F>(set: &mut JoinSet<()>, f: F) { set.spawn(f); }
        "#;
        assert_eq!(wrappers(src), []);
    }
}
