//! Name resolution through `use` items.
//!
//! [`ModuleScopes`] records, for the file's root module and every inline `mod`, the
//! names its items define and its `use` items import. [`ModuleScopes::resolve`] maps a
//! path written in a module to a canonical path: `task::spawn` under
//! `use tokio::task;` is `tokio::task::spawn`; `go` under `use tokio::spawn as go;` is
//! `tokio::spawn`; a crate's own `fn spawn` is `crate::spawn`. Glob imports provide only
//! catalogued names (or the names of an inline module of the same file); anything else
//! stays as written. A name defined or imported several times (platform alternatives
//! under `#[cfg(..)]`) resolves to the alternative that is catalogued, if any.

use std::cell::Cell;
use std::collections::HashMap;

use crate::catalog::Catalog;

/// Index of a module in [`ModuleScopes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModuleId(pub usize);

#[derive(Debug, Clone)]
enum Target {
    /// A local item with this canonical path.
    Item(String),
    /// A `use` of these segments, to resolve in the declaring module.
    Use(Vec<String>),
}

#[derive(Debug)]
struct Module {
    /// `["crate", "net"]`.
    path: Vec<String>,
    /// Each name's definitions and imports, in source order: several only for `#[cfg]`
    /// alternatives (or names in different namespaces).
    names: HashMap<String, Vec<Target>>,
    globs: Vec<Vec<String>>,
}

#[derive(Debug)]
pub struct ModuleScopes {
    modules: Vec<Module>,
    by_path: HashMap<Vec<String>, ModuleId>,
    /// Steps taken by the current [`ModuleScopes::resolve`] call.
    steps: Cell<usize>,
}

/// Inline modules nested deeper than this share their parent's scope, so that hostile
/// input (thousands of nested `mod`s) cannot make scopes quadratic in size.
const MAX_MODULE_DEPTH: usize = 64;

/// How deep `use` chains are followed before giving up (they can be cyclic).
const MAX_USE_DEPTH: usize = 16;

/// How many steps one resolution may take: every step may try each `#[cfg]` alternative
/// of a name, so without a budget chains of alternatives are exponential.
const MAX_RESOLVE_STEPS: usize = 256;

impl ModuleScopes {
    /// Scopes for a file whose root module has the canonical path `root`
    /// (`["crate"]` for a crate root, `["crate", "net"]` for `src/net.rs`).
    pub fn build(file: &syn::File, root: Vec<String>) -> ModuleScopes {
        let mut scopes = ModuleScopes { modules: Vec::new(), by_path: HashMap::new(), steps: Cell::new(0) };
        scopes.add_module(&file.items, root);
        scopes
    }

    fn add_module(&mut self, items: &[syn::Item], path: Vec<String>) -> ModuleId {
        let id = ModuleId(self.modules.len());
        self.modules.push(Module { path: path.clone(), names: HashMap::new(), globs: Vec::new() });
        self.by_path.insert(path.clone(), id);
        for item in items {
            self.add_item(id, item, &path);
        }
        id
    }

    fn add_item(&mut self, id: ModuleId, item: &syn::Item, path: &[String]) {
        let item_path = |ident: &syn::Ident| {
            let mut p = path.to_vec();
            p.push(ident.to_string());
            Target::Item(p.join("::"))
        };
        let ident = match item {
            syn::Item::Use(u) => {
                self.add_use_tree(id, &u.tree, &mut use_prefix(u));
                return;
            }
            syn::Item::ExternCrate(e) => {
                let name = e.rename.as_ref().map_or(&e.ident, |(_, r)| r).to_string();
                let target = Target::Use(vec![String::new(), e.ident.to_string()]);
                self.modules[id.0].names.entry(name).or_default().push(target);
                return;
            }
            syn::Item::Mod(m) => {
                // Inline modules are recorded as child scopes; `mod x;` only as a name.
                let mut child = path.to_vec();
                child.push(m.ident.to_string());
                match &m.content {
                    Some((_, items)) if child.len() <= MAX_MODULE_DEPTH => {
                        self.add_module(items, child);
                    }
                    Some((_, items)) => items.iter().for_each(|i| self.add_item(id, i, path)),
                    None => {}
                }
                &m.ident
            }
            syn::Item::Fn(f) => &f.sig.ident,
            syn::Item::Struct(s) => &s.ident,
            syn::Item::Enum(e) => &e.ident,
            syn::Item::Union(u) => &u.ident,
            syn::Item::Trait(t) => &t.ident,
            syn::Item::Type(t) => &t.ident,
            syn::Item::Const(c) => &c.ident,
            syn::Item::Static(s) => &s.ident,
            _ => return,
        };
        let target = item_path(ident);
        self.modules[id.0].names.entry(ident.to_string()).or_default().push(target);
    }

    fn add_use_tree(&mut self, id: ModuleId, tree: &syn::UseTree, prefix: &mut Vec<String>) {
        let mut entries = Vec::new();
        flatten_use_tree(tree, prefix, &mut entries);
        let module = &mut self.modules[id.0];
        for entry in entries {
            match entry.name {
                Some(name) => module.names.entry(name).or_default().push(Target::Use(entry.segs)),
                None => module.globs.push(entry.segs),
            }
        }
    }

    /// The canonical path of a module (`["crate", "net"]`).
    pub fn module_path(&self, m: ModuleId) -> &[String] {
        &self.modules[m.0].path
    }

    pub fn root(&self) -> ModuleId {
        ModuleId(0)
    }

    /// The inline child module `name` of `parent`.
    pub fn child(&self, parent: ModuleId, name: &str) -> Option<ModuleId> {
        let mut path = self.modules[parent.0].path.clone();
        path.push(name.to_string());
        self.module_by_path(&path)
    }

    fn module_by_path(&self, path: &[String]) -> Option<ModuleId> {
        self.by_path.get(path).copied()
    }

    /// The canonical path of `segs` written in module `m`; `None` when a name comes only
    /// from a glob import that provides nothing known, or a `use` chain is cyclic.
    pub fn resolve(&self, m: ModuleId, segs: &[String], catalog: &Catalog) -> Option<String> {
        self.steps.set(0);
        self.resolve_depth(m, segs, catalog, 0, true).map(|p| catalog.canonicalize(&p))
    }

    /// `globs`: whether glob imports may provide the first segment (not while resolving a
    /// glob's own path, which would recurse through every glob).
    fn resolve_depth(
        &self,
        m: ModuleId,
        segs: &[String],
        catalog: &Catalog,
        depth: usize,
        globs: bool,
    ) -> Option<String> {
        let (first, rest) = segs.split_first()?;
        if self.exhausted(depth) {
            return None;
        }
        let module = &self.modules[m.0];
        let joined = |head: Vec<String>, rest: &[String]| {
            let mut v = head;
            v.extend(rest.iter().cloned());
            v
        };
        let absolute = match first.as_str() {
            "" => return Some(rest.join("::")),
            "crate" => joined(vec!["crate".into()], rest),
            "self" => joined(module.path.clone(), rest),
            "super" => {
                // Inline modules' paths extend their parent's, so `super` pops a segment
                // whether the parent is inline or another file.
                let mut base = module.path.clone();
                let mut rest = rest;
                base.pop();
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop();
                    rest = &rest[1..];
                }
                joined(base, rest)
            }
            name => match module.names.get(name) {
                Some(targets) => {
                    let each = targets.iter().map(|t| self.resolve_target(m, t, segs, catalog, depth, globs));
                    return pick_alternative(each, catalog);
                }
                None => return self.resolve_unscoped(m, segs, catalog, depth, globs),
            },
        };
        Some(self.follow_local(&absolute, catalog, depth))
    }

    /// Counts a step; whether the resolution has gone too deep or taken too many steps
    /// (`use` chains can be cyclic, and each step may try several alternatives).
    fn exhausted(&self, depth: usize) -> bool {
        self.steps.set(self.steps.get() + 1);
        depth > MAX_USE_DEPTH || self.steps.get() > MAX_RESOLVE_STEPS
    }

    /// `segs` written in module `m`, whose first segment names `target` there.
    fn resolve_target(
        &self,
        m: ModuleId,
        target: &Target,
        segs: &[String],
        catalog: &Catalog,
        depth: usize,
        globs: bool,
    ) -> Option<String> {
        let rest = &segs[1..];
        match target {
            Target::Item(path) => {
                let mut v = split_path(path);
                v.extend(rest.iter().cloned());
                Some(self.follow_local(&v, catalog, depth))
            }
            Target::Use(target) => {
                let head = self.resolve_import(m, &segs[0], target, catalog, depth, globs)?;
                Some(join_path(&head, rest))
            }
        }
    }

    /// The path that `use target` in module `m`, importing `name`, names. Its first
    /// segment does not resolve through the imports of `name` itself: `use tokio::{self};`
    /// is the extern crate, `use compress::compress;` beside `mod compress;` the module's
    /// item, `use log::log;` the extern crate's.
    fn resolve_import(
        &self,
        m: ModuleId,
        name: &str,
        target: &[String],
        catalog: &Catalog,
        depth: usize,
        globs: bool,
    ) -> Option<String> {
        if target.first().map(String::as_str) != Some(name) {
            return self.resolve_depth(m, target, catalog, depth + 1, globs);
        }
        if target.len() == 1 {
            return Some(name.to_string());
        }
        if self.exhausted(depth) {
            return None;
        }
        let targets = self.modules[m.0].names.get(name).map_or(&[][..], Vec::as_slice);
        let items: Vec<&Target> = targets.iter().filter(|t| matches!(t, Target::Item(_))).collect();
        if items.is_empty() {
            return self.resolve_unscoped(m, target, catalog, depth + 1, globs);
        }
        let each = items.into_iter().map(|t| self.resolve_target(m, t, target, catalog, depth + 1, globs));
        pick_alternative(each, catalog)
    }

    /// A path that starts in this file's module tree (`crate::rt::spawn`): follow a
    /// `use` re-export there when the module is inline in this file.
    fn follow_local(&self, absolute: &[String], catalog: &Catalog, depth: usize) -> String {
        let own = || absolute.join("::");
        if self.exhausted(depth) {
            return own();
        }
        for split in (1..absolute.len()).rev() {
            let Some(owner) = self.module_by_path(&absolute[..split]) else { continue };
            let targets = self.modules[owner.0].names.get(&absolute[split]).map_or(&[][..], Vec::as_slice);
            let each = targets.iter().map(|t| match t {
                Target::Use(target) => self
                    .resolve_import(owner, &absolute[split], target, catalog, depth, true)
                    .map(|head| join_path(&head, &absolute[split + 1..])),
                Target::Item(_) => Some(own()),
            });
            return pick_alternative(each, catalog).unwrap_or_else(own);
        }
        own()
    }

    /// A first segment not named in the module: a glob import, the prelude, or an
    /// extern crate.
    fn resolve_unscoped(
        &self,
        m: ModuleId,
        segs: &[String],
        catalog: &Catalog,
        depth: usize,
        globs: bool,
    ) -> Option<String> {
        let module = &self.modules[m.0];
        let globs = if globs { module.globs.as_slice() } else { &[] };
        for glob in globs {
            let Some(prefix) = self.resolve_depth(m, glob, catalog, depth + 1, false) else { continue };
            let candidate = join_path(&prefix, segs);
            if let Some(local) = self.module_by_path(&split_path(&prefix)) {
                if self.modules[local.0].names.contains_key(&segs[0]) {
                    return self.resolve_depth(local, segs, catalog, depth + 1, true);
                }
                continue;
            }
            if catalog.knows(&catalog.canonicalize(&candidate)) {
                return Some(candidate);
            }
        }
        if !globs.is_empty() && segs.len() == 1 && catalog.prelude(&segs[0]).is_none() {
            // Possibly provided by a glob we cannot see through: leave it unresolved.
            return Some(segs[0].clone());
        }
        if let Some(prelude) = catalog.prelude(&segs[0]) {
            return Some(join_path(prelude, &segs[1..]));
        }
        Some(segs.join("::"))
    }
}

/// Of the resolutions of a name's alternatives (`#[cfg]` platform variants), the first
/// that is catalogued, else the first (DESIGN §3 "Names").
pub fn pick_alternative(paths: impl IntoIterator<Item = Option<String>>, catalog: &Catalog) -> Option<String> {
    let known = |p: &String| catalog.knows(&catalog.canonicalize(p));
    let mut paths = paths.into_iter().flatten().peekable();
    let first = paths.next()?;
    // A lone name (the usual case) needs no catalog lookup.
    if paths.peek().is_none() || known(&first) {
        return Some(first);
    }
    paths.find(known).or(Some(first))
}

/// One name a `use` item brings into scope: `name` for `segs`, or a glob of `segs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseEntry {
    /// `None` for a glob import.
    pub name: Option<String>,
    pub segs: Vec<String>,
}

/// The names a use tree imports, each with the path it names (`""` first for `::`).
pub fn flatten_use_tree(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<UseEntry>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            flatten_use_tree(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => push_use(prefix, &n.ident, &n.ident, out),
        syn::UseTree::Rename(r) => push_use(prefix, &r.ident, &r.rename, out),
        syn::UseTree::Glob(_) => out.push(UseEntry { name: None, segs: prefix.clone() }),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| flatten_use_tree(t, prefix, out)),
    }
}

fn push_use(prefix: &[String], ident: &syn::Ident, name: &syn::Ident, out: &mut Vec<UseEntry>) {
    let mut segs = prefix.to_vec();
    // `use a::b::{self}` imports `b` itself.
    let name = if ident == "self" {
        if name == "self" {
            segs.last().cloned().unwrap_or_default()
        } else {
            name.to_string()
        }
    } else {
        segs.push(ident.to_string());
        name.to_string()
    };
    if name != "_" && !name.is_empty() {
        out.push(UseEntry { name: Some(name), segs });
    }
}

/// The segments of a `use` item, with `""` first for a leading `::`.
pub fn use_prefix(item: &syn::ItemUse) -> Vec<String> {
    if item.leading_colon.is_some() {
        vec![String::new()]
    } else {
        Vec::new()
    }
}

fn split_path(path: &str) -> Vec<String> {
    path.split("::").map(String::from).collect()
}

fn join_path(head: &str, rest: &[String]) -> String {
    let mut out = head.to_string();
    for s in rest {
        out.push_str("::");
        out.push_str(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_in(src: &str, module: &[&str], path: &str) -> Option<String> {
        let file = syn::parse_file(src).expect("test source parses");
        let scopes = ModuleScopes::build(&file, vec!["crate".into()]);
        let mut m = scopes.root();
        for name in module {
            m = scopes.child(m, name).expect("module exists");
        }
        scopes.resolve(m, &split_path(path), Catalog::builtin())
    }

    #[test]
    fn plain_and_module_imports() {
        let src = "use tokio::task; use std::thread;";
        assert_eq!(resolve_in(src, &[], "task::spawn").as_deref(), Some("tokio::spawn"));
        assert_eq!(resolve_in(src, &[], "task::spawn_blocking").as_deref(), Some("tokio::task::spawn_blocking"));
        assert_eq!(resolve_in(src, &[], "thread::spawn").as_deref(), Some("std::thread::spawn"));
        assert_eq!(resolve_in(src, &[], "tokio::spawn").as_deref(), Some("tokio::spawn"));
    }

    #[test]
    fn renames_groups_and_self() {
        let src = "use tokio::{self as tk, self, spawn as go, task::{self, spawn_blocking as blocking}};";
        assert_eq!(resolve_in(src, &[], "tokio::spawn").as_deref(), Some("tokio::spawn"));
        assert_eq!(resolve_in(src, &[], "go").as_deref(), Some("tokio::spawn"));
        assert_eq!(resolve_in(src, &[], "blocking").as_deref(), Some("tokio::task::spawn_blocking"));
        assert_eq!(resolve_in(src, &[], "task::spawn_local").as_deref(), Some("tokio::task::spawn_local"));
        assert_eq!(resolve_in(src, &[], "tk::spawn").as_deref(), Some("tokio::spawn"));
    }

    #[test]
    fn chained_uses_and_leading_colons() {
        let src = "use std::sync; use sync::mpsc; use ::std::thread as th;";
        assert_eq!(resolve_in(src, &[], "mpsc::channel").as_deref(), Some("std::sync::mpsc::channel"));
        assert_eq!(resolve_in(src, &[], "th::spawn").as_deref(), Some("std::thread::spawn"));
        assert_eq!(resolve_in(src, &[], "::std::thread::spawn").as_deref(), Some("std::thread::spawn"));
    }

    #[test]
    fn nested_modules_crate_and_super() {
        let src = "use tokio::spawn;
            fn run() {}
            mod a { use std::thread::spawn; pub mod b { use super::super::run; pub use tokio::task::spawn_blocking as sb; } }
            mod c { use crate::a::b::sb; }";
        assert_eq!(resolve_in(src, &[], "spawn").as_deref(), Some("tokio::spawn"));
        assert_eq!(resolve_in(src, &["a"], "spawn").as_deref(), Some("std::thread::spawn"));
        assert_eq!(resolve_in(src, &["a", "b"], "run").as_deref(), Some("crate::run"));
        assert_eq!(resolve_in(src, &["a", "b"], "super::spawn").as_deref(), Some("std::thread::spawn"));
        assert_eq!(resolve_in(src, &["c"], "sb").as_deref(), Some("tokio::task::spawn_blocking"));
        assert_eq!(resolve_in(src, &["a"], "b::sb").as_deref(), Some("tokio::task::spawn_blocking"));
    }

    #[test]
    fn local_items_shadow_globs_and_are_crate_paths() {
        let src = "use tokio::*; fn spawn() {} mod inner { fn go() {} }";
        assert_eq!(resolve_in(src, &[], "spawn").as_deref(), Some("crate::spawn"));
        assert_eq!(resolve_in(src, &[], "inner::go").as_deref(), Some("crate::inner::go"));
    }

    #[test]
    fn globs_provide_only_catalogued_names() {
        let src = "use flume::*; use tokio::sync::*; use my_lib::*;";
        assert_eq!(resolve_in(src, &[], "unbounded").as_deref(), Some("flume::unbounded"));
        assert_eq!(resolve_in(src, &[], "mpsc::channel").as_deref(), Some("tokio::sync::mpsc::channel"));
        // Not catalogued anywhere: stays as written, so it matches no catalog entry.
        assert_eq!(resolve_in(src, &[], "spawn").as_deref(), Some("spawn"));
    }

    #[test]
    fn glob_of_parent_module_sees_its_imports() {
        let src = "use tokio::spawn; mod tests { use super::*; }";
        assert_eq!(resolve_in(src, &["tests"], "spawn").as_deref(), Some("tokio::spawn"));
    }

    #[test]
    fn prelude_and_extern_crates() {
        let src = "extern crate crossbeam_channel as cb;";
        assert_eq!(resolve_in(src, &[], "Box::leak").as_deref(), Some("std::boxed::Box::leak"));
        assert_eq!(resolve_in(src, &[], "drop").as_deref(), Some("std::mem::drop"));
        assert_eq!(resolve_in(src, &[], "cb::tick").as_deref(), Some("crossbeam_channel::tick"));
        assert_eq!(resolve_in(src, &[], "smol::Timer::interval").as_deref(), Some("async_io::Timer::interval"));
    }

    #[test]
    fn cfg_alternatives_resolve_to_the_catalogued_one() {
        let imports = "#[cfg(wasm)] use wasm_rt::spawn_local as spawn; #[cfg(not(wasm))] use tokio::spawn;";
        assert_eq!(resolve_in(imports, &[], "spawn").as_deref(), Some("tokio::spawn"));
        let defined = "#[cfg(not(wasm))] use tokio::spawn; #[cfg(wasm)] fn spawn() {}";
        assert_eq!(resolve_in(defined, &[], "spawn").as_deref(), Some("tokio::spawn"));
        let modules = "#[cfg(wasm)] use wasm_rt::task; #[cfg(not(wasm))] use tokio::task;";
        assert_eq!(resolve_in(modules, &[], "task::spawn").as_deref(), Some("tokio::spawn"));
        // Through a re-export in an inline module.
        let reexport = "mod rt { #[cfg(wasm)] pub fn spawn() {} #[cfg(not(wasm))] pub use std::thread::spawn; }";
        assert_eq!(resolve_in(reexport, &[], "rt::spawn").as_deref(), Some("std::thread::spawn"));
        // Neither alternative catalogued: the first.
        let neither = "#[cfg(wasm)] use wasm_rt::spawn; #[cfg(not(wasm))] use my_rt::spawn;";
        assert_eq!(resolve_in(neither, &[], "spawn").as_deref(), Some("wasm_rt::spawn"));
    }

    #[test]
    fn cyclic_uses_do_not_hang() {
        let src = "use a::b as c; use c::d as a;";
        let _ = resolve_in(src, &[], "c::x");
        // Alternatives at every step of a cycle (the sha1 crate has the first line).
        let src = "mod c { pub fn c() {} } #[cfg(x)] pub use c::c; #[cfg(not(x))] use c::c;
            #[cfg(x)] use a::b as c; #[cfg(y)] use c::d as a; #[cfg(z)] use c::e as a;";
        let _ = resolve_in(src, &[], "c::x");
    }

    #[test]
    fn imports_do_not_resolve_through_themselves() {
        let src = "mod compress { pub fn compress() {} } #[cfg(a)] pub use compress::compress;
            #[cfg(not(a))] use compress::compress; use log::log; use tokio::{self};";
        assert_eq!(resolve_in(src, &[], "compress::compress").as_deref(), Some("crate::compress::compress"));
        assert_eq!(resolve_in(src, &[], "log").as_deref(), Some("log::log"));
        assert_eq!(resolve_in(src, &[], "tokio::spawn").as_deref(), Some("tokio::spawn"));
    }
}
