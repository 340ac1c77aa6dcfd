//! A crate-wide index of function and method bodies, so a rule can follow
//! `tokio::spawn(run(conn))` or `server.run().await` into same-crate code.

use std::collections::HashMap;

use super::tree::{ExprId, ExprKind, Res};
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
        }
        index
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

/// Whether a method receiver may be of type `self_ty` (an `impl` type's last segment):
/// not when all the types it is known to have, through smart pointers, are others
/// (`LoopClient::new(..)`, a binding declared `Other`).
fn receiver_may_be(a: &Analysis, receiver: ExprId, self_ty: &str) -> bool {
    let Some(types) = a.receiver_types(receiver) else { return true };
    types.iter().any(|ty| matches!(ty.rsplit("::").next(), Some(last) if last == self_ty || last == "Self"))
}

fn unique(candidates: Option<&Vec<FnRef>>) -> Option<FnRef> {
    match candidates.map(Vec::as_slice) {
        Some([one]) => Some(*one),
        _ => None,
    }
}
