//! A crate-wide index of function and method bodies, so a rule can follow
//! `tokio::spawn(run(conn))` or `server.run().await` into same-crate code.

use std::collections::HashMap;

use super::tree::{ExprId, ExprKind, Res, TypeRef};
use super::Analysis;

/// A function in the crate: which file's analysis, which [`super::tree::FnDef`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// Declared types of the named struct fields of every file, by field name.
    field_types: HashMap<String, Vec<TypeRef>>,
}

impl CrateIndex {
    /// Indexes the functions of every file of one crate; `FnRef::file` indexes `files`.
    pub fn build<'a>(files: impl IntoIterator<Item = &'a Analysis>) -> CrateIndex {
        let mut index = CrateIndex::default();
        for (file, a) in files.into_iter().enumerate() {
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
        index
    }

    /// Every method of the crate named `name`, whatever its `impl`.
    pub fn methods_named(&self, name: &str) -> &[FnRef] {
        self.methods_by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// The declared types of every struct field named `name` in the crate.
    pub fn field_types(&self, name: &str) -> &[TypeRef] {
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
                let found = unique(self.methods_by_name.get(method))?;
                let self_ty = self.files_self_ty(found)?;
                receiver_may_be(a, *receiver, self_ty).then_some(found)
            }
            _ => None,
        }
    }

    fn files_self_ty(&self, f: FnRef) -> Option<&str> {
        self.self_types.get(&f).map(String::as_str)
    }

    /// A function item named by a path expression (`thread::spawn(worker)`).
    pub fn by_item_path(&self, path: &str) -> Option<FnRef> {
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

/// Whether a method receiver may be of type `self_ty`: not when it is known to be made
/// by another type's constructor (`LoopClient::new(..)`) or declared with another type.
fn receiver_may_be(a: &Analysis, receiver: ExprId, self_ty: &str) -> bool {
    let other = |ty: &str| ty.starts_with(|c: char| c.is_ascii_uppercase()) && ty != self_ty && ty != "Self";
    if let Some(origin) = a.origin(receiver) {
        let segs: Vec<&str> = origin.rsplit("::").collect();
        if segs.len() >= 2 && other(segs[1]) {
            return false;
        }
    }
    let declared = a.declared_types(receiver);
    let outer = declared.iter().filter_map(|t| t.paths.first()).map(|p| p.rsplit("::").next().unwrap_or(p));
    !outer.into_iter().any(|ty| other(ty) && !matches!(ty, "Arc" | "Rc" | "Box" | "Pin"))
}

fn unique(candidates: Option<&Vec<FnRef>>) -> Option<FnRef> {
    match candidates.map(Vec::as_slice) {
        Some([one]) => Some(*one),
        _ => None,
    }
}
