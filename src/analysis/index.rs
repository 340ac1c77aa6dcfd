//! A crate-wide index of function and method bodies, so a rule can follow
//! `tokio::spawn(run(conn))` or `server.run().await` into same-crate code.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::tree::{ExprId, ExprKind, Res, TypeRef};
use super::Analysis;

/// A function in the crate: which file's analysis, which [`super::tree::FnDef`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FnRef {
    pub file: usize,
    pub def: usize,
}

#[derive(Debug, Default)]
pub struct CrateIndex {
    /// The `impl` self type of each method, by [`FnRef`].
    self_types: HashMap<FnRef, String>,
    by_path: HashMap<String, Vec<FnRef>>,
    free_by_name: HashMap<String, Vec<FnRef>>,
    methods_by_name: HashMap<String, Vec<FnRef>>,
    /// Functions that run at most once per process (see [`CrateIndex::runs_once`]).
    once_fns: HashSet<FnRef>,
    /// Declared types of the named struct fields of every file, by field name.
    field_types: HashMap<String, Vec<TypeRef>>,
    /// Every name looked up, when [`CrateIndex::record_lookups`] asked for them.
    asked: Option<Mutex<HashSet<String>>>,
}

/// How many calls deep the functions called by a once-initialiser are followed.
const MAX_ONCE_DEPTH: usize = 2;

impl CrateIndex {
    /// Indexes the functions of every file of one crate; `FnRef::file` indexes `files`.
    pub fn build<'a>(files: impl IntoIterator<Item = &'a Analysis>) -> CrateIndex {
        Self::build_with(files, None)
    }

    /// [`CrateIndex::build`] for a partial crate (see [`crate::prefilter`]): every name
    /// looked up, from now on, is remembered for [`CrateIndex::names_asked`].
    pub fn build_recording<'a>(files: impl IntoIterator<Item = &'a Analysis>) -> CrateIndex {
        Self::build_with(files, Some(Mutex::default()))
    }

    fn build_with<'a>(
        files: impl IntoIterator<Item = &'a Analysis>,
        asked: Option<Mutex<HashSet<String>>>,
    ) -> CrateIndex {
        let files: Vec<&Analysis> = files.into_iter().collect();
        let mut index = CrateIndex { asked, ..CrateIndex::default() };
        for (file, a) in files.iter().enumerate() {
            for (def, f) in a.tree.fns.iter().enumerate() {
                let r = FnRef { file, def };
                index.by_path.entry(f.path.clone()).or_default().push(r);
                if let Some(ty) = &f.self_ty {
                    index.self_types.insert(r, ty.clone());
                }
                let by_name = if f.self_ty.is_some() { &mut index.methods_by_name } else { &mut index.free_by_name };
                by_name.entry(f.name.clone()).or_default().push(r);
            }
            for (name, types) in &a.tree.field_types {
                index.field_types.entry(name.clone()).or_default().extend(types.iter().cloned());
            }
        }
        index.once_fns = index.find_once_fns(&files);
        index
    }

    /// Every function, method and field name looked up so far: what a lookup could
    /// have found in a file it does not hold.
    pub fn names_asked(&self) -> HashSet<String> {
        self.asked.as_ref().map(|a| crate::lock(a).clone()).unwrap_or_default()
    }

    /// The names of the run-once functions: a mention of one anywhere in ordinary code
    /// makes it ordinary.
    pub fn once_fn_names(&self, files: &[&Analysis]) -> HashSet<String> {
        self.once_fns.iter().map(|f| files[f.file].tree.fns[f.def].name.clone()).collect()
    }

    fn ask(&self, name: &str) {
        if let Some(asked) = &self.asked {
            let mut asked = crate::lock(asked);
            if !asked.contains(name) {
                asked.insert(name.to_string());
            }
        }
    }

    /// Every method of the crate named `name`, whatever its `impl`.
    pub fn methods_named(&self, name: &str) -> &[FnRef] {
        self.ask(name);
        self.methods_by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// The declared types of every struct field named `name` in the crate.
    pub fn field_types(&self, name: &str) -> &[TypeRef] {
        self.ask(name);
        self.field_types.get(name).map_or(&[], Vec::as_slice)
    }

    /// The same-crate function a call expression in `file` calls, when it can be told:
    /// by canonical path (`crate::net::run`, `Server::run`), else by name when exactly one
    /// candidate exists. Paths into other crates are never followed.
    pub fn callee(&self, a: &Analysis, call: ExprId) -> Option<FnRef> {
        match a.tree.kind(call) {
            ExprKind::Call { callee, .. } => match a.tree.kind(*callee) {
                ExprKind::Path(Res::Item(path)) => self.by_item_path(path),
                _ => None,
            },
            ExprKind::MethodCall { receiver, method, .. } => {
                self.ask(method);
                let candidates = self.methods_by_name.get(method)?;
                if let [one] = candidates.as_slice() {
                    let self_ty = self.files_self_ty(*one)?;
                    return receiver_may_be(a, *receiver, self_ty).then_some(*one);
                }
                // Several impls have the method: the receiver's known type picks one.
                let types = a.receiver_types(*receiver)?;
                let fits = |f: &&FnRef| self.files_self_ty(**f).is_some_and(|t| is_type(&types, t));
                let mut matching = candidates.iter().filter(fits);
                match (matching.next(), matching.next()) {
                    (Some(f), None) => Some(*f),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn files_self_ty(&self, f: FnRef) -> Option<&str> {
        self.self_types.get(&f).map(String::as_str)
    }

    /// A function item named by a path expression (`thread::spawn(worker)`).
    pub fn by_item_path(&self, path: &str) -> Option<FnRef> {
        self.ask(path.rsplit("::").next().unwrap_or(path));
        if let Some(found) = unique(self.by_path.get(path)) {
            return Some(found);
        }
        let segs: Vec<&str> = path.split("::").collect();
        match segs.as_slice() {
            // Unresolved (a glob import, or a nested fn): by name.
            [name] => unique(self.free_by_name.get(*name)),
            // A crate path whose module layout we guessed differently: by name.
            ["crate", .., name] => unique(self.free_by_name.get(*name)).or_else(|| {
                let method = format!("{}::{}", segs[segs.len() - 2], name);
                unique(self.by_path.get(&method))
            }),
            // `Type::method` on a local type.
            [ty, name] if ty.starts_with(|c: char| c.is_ascii_uppercase()) => {
                unique(self.by_path.get(&format!("{ty}::{name}")))
            }
            _ => None,
        }
    }
}

impl CrateIndex {
    /// Whether `expr` of file `file` (analysed as `a`) sits in a same-crate function that
    /// runs once per process, so what it starts may live as long as the process: one
    /// given by path to a once-initialiser of a `static` (`ENGINE.get_or_init(Engine::new)`)
    /// or called in the closure given to one (`get_or_init(|| init())`), or called by
    /// such a function, and called or named by no ordinary (non-test) code.
    pub fn runs_once(&self, a: &Analysis, file: usize, expr: ExprId) -> bool {
        a.tree.enclosing_fn(expr).is_some_and(|def| self.once_fns.contains(&FnRef { file, def }))
    }

    fn find_once_fns(&self, files: &[&Analysis]) -> HashSet<FnRef> {
        let mut once = self.once_init_fns(files);
        let mut frontier: Vec<FnRef> = once.iter().copied().collect();
        for _ in 0..MAX_ONCE_DEPTH {
            let called = frontier.iter().flat_map(|f| self.calls_in(files[f.file], files[f.file].tree.fns[f.def].body));
            frontier = called.filter(|&f| once.insert(f)).collect();
        }
        self.drop_called_elsewhere(files, &mut once);
        once
    }

    /// Functions given by path to a once-initialiser of a `static`, or called in the
    /// closure given to one.
    fn once_init_fns(&self, files: &[&Analysis]) -> HashSet<FnRef> {
        let mut found = HashSet::new();
        for a in files {
            for call in (0..a.tree.exprs.len() as u32).map(ExprId) {
                for &arg in a.once_init_args(call) {
                    match a.tree.kind(arg) {
                        ExprKind::Path(Res::Item(path)) => found.extend(self.by_item_path(path)),
                        _ => found.extend(self.calls_in(a, arg)),
                    }
                }
            }
        }
        found
    }

    /// The same-crate functions called in `expr` (closures and async blocks included).
    fn calls_in<'a>(&'a self, a: &'a Analysis, expr: ExprId) -> impl Iterator<Item = FnRef> + 'a {
        a.tree.descendants(expr).into_iter().filter_map(move |e| self.callee(a, e))
    }

    /// Removes the functions that ordinary code calls or names (each such call runs them
    /// again), until none is left: a removed function's own calls are ordinary too.
    fn drop_called_elsewhere(&self, files: &[&Analysis], once: &mut HashSet<FnRef>) {
        if once.is_empty() {
            return;
        }
        let mentions = self.mentions(files, once);
        loop {
            let in_once_code = |file: usize, site: ExprId| {
                let a = files[file];
                a.runs_once_per_process(site)
                    || a.tree.enclosing_fn(site).is_some_and(|def| once.contains(&FnRef { file, def }))
            };
            let ordinary: Vec<FnRef> = mentions
                .iter()
                .filter(|&&(f, file, site)| once.contains(&f) && !in_once_code(file, site))
                .map(|m| m.0)
                .collect();
            if ordinary.is_empty() {
                return;
            }
            for f in &ordinary {
                once.remove(f);
            }
        }
    }

    /// Every mention, outside test code, of a function in `targets`: a path naming it or a
    /// method call of it, with its file.
    fn mentions(&self, files: &[&Analysis], targets: &HashSet<FnRef>) -> Vec<(FnRef, usize, ExprId)> {
        let names: HashSet<&str> = targets.iter().map(|f| files[f.file].tree.fns[f.def].name.as_str()).collect();
        let mut out = Vec::new();
        for (file, a) in files.iter().enumerate() {
            for (i, e) in a.tree.exprs.iter().enumerate() {
                let id = ExprId(i as u32);
                let found = match &e.kind {
                    _ if e.scope.in_test => None,
                    ExprKind::Path(Res::Item(p)) if names.contains(p.rsplit("::").next().unwrap_or(p)) => {
                        self.by_item_path(p)
                    }
                    ExprKind::MethodCall { method, .. } if names.contains(method.as_str()) => self.callee(a, id),
                    _ => None,
                };
                out.extend(found.filter(|f| targets.contains(f)).map(|f| (f, file, id)));
            }
        }
        out
    }
}

/// Whether a method receiver may be of type `self_ty` (an `impl` type's last segment):
/// not when all the types it is known to have, through smart pointers, are others
/// (`LoopClient::new(..)`, a binding declared `Other`).
fn receiver_may_be(a: &Analysis, receiver: ExprId, self_ty: &str) -> bool {
    a.receiver_types(receiver).map_or(true, |types| is_type(&types, self_ty))
}

/// Whether one of `types` (canonical paths) is the `impl` self type `self_ty`.
fn is_type(types: &[&str], self_ty: &str) -> bool {
    types.iter().any(|ty| matches!(ty.rsplit("::").next(), Some(last) if last == self_ty || last == "Self"))
}

fn unique(candidates: Option<&Vec<FnRef>>) -> Option<FnRef> {
    match candidates.map(Vec::as_slice) {
        Some([one]) => Some(*one),
        _ => None,
    }
}
