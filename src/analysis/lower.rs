//! Lowering: `syn` file → [`Tree`], with names resolved and spans made byte ranges.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;

use super::resolve::{flatten_use_tree, pick_alternative, use_prefix, ModuleId, ModuleScopes, UseEntry};
use super::select;
use super::tree::*;
use crate::attrs::is_test_item;
use crate::catalog::Catalog;
use crate::source::{FileId, Span};

/// What lowering needs to know about the file beyond its syntax.
pub struct FileContext<'a> {
    pub file: FileId,
    /// Byte offset of the parsed text in the file (a BOM or shebang line was cut off).
    pub base: usize,
    /// Canonical path of the file's module (`["crate", "net"]`).
    pub module_path: Vec<String>,
    /// The whole file is test code (under `tests/` or `benches/`).
    pub test_file: bool,
    pub catalog: &'a Catalog,
    /// Where the parsed text's spans fall in it.
    pub offsets: Offsets,
}

/// Byte offsets of the spans of one parsed text. proc_macro2 counts positions in chars
/// and turns them into bytes through a per-file cache that cost a tenth of a whole lint;
/// in an ASCII text (almost every file) a span's line and column give the bytes directly.
pub struct Offsets {
    /// Byte offset of each line's start; `None` for a text that is not ASCII.
    ascii_lines: Option<Vec<usize>>,
}

impl Offsets {
    /// For `text`, the string the spans were parsed from.
    pub fn new(text: &str) -> Offsets {
        let ascii_lines = text.is_ascii().then(|| {
            let breaks = memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1);
            std::iter::once(0).chain(breaks).collect()
        });
        Offsets { ascii_lines }
    }

    pub fn range(&self, span: proc_macro2::Span) -> std::ops::Range<usize> {
        let Some(lines) = &self.ascii_lines else { return span.byte_range() };
        // Call-site spans (line 1, column 0 of an empty file) come out as 0..0, as
        // `byte_range` gives them.
        let at = |lc: proc_macro2::LineColumn| lines.get(lc.line.wrapping_sub(1)).map_or(0, |start| start + lc.column);
        at(span.start())..at(span.end())
    }
}

/// Expressions nested deeper than this are folded into one opaque node, so that hostile
/// input cannot exhaust the stack of the passes that walk the tree.
const MAX_DEPTH: usize = 2_000;

/// Replaces item-position macro calls whose arguments are items (`cfg_rt! { .. }`, which
/// wrap much of tokio) by those items, in every inline module, so that name resolution
/// and lowering both see them and the tokens are parsed once.
pub fn expand_item_macros(items: &mut Vec<syn::Item>, depth: usize) {
    if depth > 32 || !items.iter().any(|i| matches!(i, syn::Item::Macro(_) | syn::Item::Mod(_))) {
        return;
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items.drain(..) {
        match item {
            syn::Item::Macro(m) if m.ident.is_none() => match macro_items(&m.mac) {
                Some(mut inner) => {
                    expand_item_macros(&mut inner, depth + 1);
                    out.extend(inner);
                }
                None => out.push(syn::Item::Macro(m)),
            },
            syn::Item::Mod(mut m) => {
                if let Some((_, content)) = &mut m.content {
                    expand_item_macros(content, depth + 1);
                }
                out.push(syn::Item::Mod(m));
            }
            other => out.push(other),
        }
    }
    *items = out;
}

/// The items an item-position macro call holds: its arguments when they parse as items,
/// or for `cfg_if!`/`cfg_select!` the items of every branch (`if #[cfg(a)] { .. } else
/// { .. }`, `feature = "x" => { .. }`).
fn macro_items(mac: &syn::Macro) -> Option<Vec<syn::Item>> {
    if let Ok(file) = syn::parse2::<syn::File>(mac.tokens.clone()) {
        return Some(file.items);
    }
    let name = mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
    if name == "lazy_static" {
        return syn::parse2::<syn::File>(without_static_ref(mac.tokens.clone())).ok().map(|f| f.items);
    }
    // `cfg_if!`, and std's `cfg_select!` (`cfg_match!` before it): every branch's items.
    if !matches!(name.as_str(), "cfg_if" | "cfg_select" | "cfg_match") {
        return None;
    }
    let mut items = Vec::new();
    for token in mac.tokens.clone() {
        if let proc_macro2::TokenTree::Group(g) = token {
            if g.delimiter() == proc_macro2::Delimiter::Brace {
                items.extend(syn::parse2::<syn::File>(g.stream()).ok()?.items);
            }
        }
    }
    Some(items)
}

/// `lazy_static!`'s `static ref NAME: T = e;` as the plain `static NAME: T = e;` it
/// stands for.
fn without_static_ref(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut after_static = false;
    for t in tokens {
        let is_ref = matches!(&t, proc_macro2::TokenTree::Ident(i) if i == "ref");
        if !(after_static && is_ref) {
            after_static = matches!(&t, proc_macro2::TokenTree::Ident(i) if i == "static");
            out.push(t);
        }
    }
    out.into_iter().collect()
}

/// Lowers a file whose item macros were expanded by [`expand_item_macros`].
pub fn lower_file(file: &syn::File, cx: &FileContext) -> Tree {
    let scopes = ModuleScopes::build(file, cx.module_path.clone());
    let mut l = Lowerer {
        cx,
        scopes: &scopes,
        tree: Tree::default(),
        module: scopes.root(),
        locals: Vec::new(),
        block_uses: Vec::new(),
        bodies: Vec::new(),
        self_ty: None,
        // `#![cfg(test)]` at the top makes the whole file test code.
        scope: ItemScope { in_test: cx.test_file || is_test_item(&file.attrs), ..ItemScope::default() },
        depth: 0,
        scratch: Vec::new(),
        resolved: HashMap::new(),
    };
    l.items(&file.items);
    l.tree
}

struct Lowerer<'a> {
    cx: &'a FileContext<'a>,
    scopes: &'a ModuleScopes,
    tree: Tree,
    module: ModuleId,
    /// Local bindings in scope, innermost last.
    locals: Vec<(String, BindingId)>,
    /// `use` items inside blocks, innermost last, each with the index where its block's
    /// entries start (so that `#[cfg]` alternatives in one block are told from an outer
    /// block's import of the same name).
    block_uses: Vec<(usize, UseEntry)>,
    /// The bodies (fn block, closure, async block) being lowered, innermost last.
    bodies: Vec<ExprId>,
    self_ty: Option<String>,
    scope: ItemScope,
    depth: usize,
    /// Reused buffer for [`Self::finish`].
    scratch: Vec<ExprId>,
    /// Resolved paths, by module and written path.
    resolved: HashMap<(ModuleId, Vec<String>), String>,
}

impl Lowerer<'_> {
    // ---- items -------------------------------------------------------------------------

    fn items(&mut self, items: &[syn::Item]) {
        for item in items {
            self.item(item);
        }
    }

    fn item(&mut self, item: &syn::Item) {
        let saved = self.scope;
        if is_test_item(item_attrs(item)) {
            self.scope.in_test = true;
        }
        match item {
            syn::Item::Fn(f) => {
                // `fn main`, or an entry point under a runtime attribute (`#[tokio::main]`).
                let entry_attr = f.attrs.iter().any(|a| {
                    a.path().segments.len() > 1 && a.path().segments.last().is_some_and(|s| s.ident == "main")
                });
                self.scope.in_main |= f.sig.ident == "main" || entry_attr;
                self.fn_def(&f.sig, &f.block, None);
            }
            syn::Item::Impl(imp) => {
                let saved_ty = self.self_ty.replace(type_name(&imp.self_ty));
                for it in &imp.items {
                    if let syn::ImplItem::Fn(f) = it {
                        let inner = self.scope;
                        self.scope.in_test |= is_test_item(&f.attrs);
                        self.fn_def(&f.sig, &f.block, self.self_ty.clone());
                        self.scope = inner;
                    }
                }
                self.self_ty = saved_ty;
            }
            syn::Item::Trait(t) => {
                let saved_ty = self.self_ty.replace(t.ident.to_string());
                for it in &t.items {
                    if let syn::TraitItem::Fn(syn::TraitItemFn { sig, default: Some(block), .. }) = it {
                        self.fn_def(sig, block, self.self_ty.clone());
                    }
                }
                self.self_ty = saved_ty;
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    let saved_module = self.module;
                    if let Some(child) = self.scopes.child(self.module, &m.ident.to_string()) {
                        self.module = child;
                    }
                    self.items(items);
                    self.module = saved_module;
                }
            }
            // Only `pub`/`pub(..)` uses can be named from other modules.
            syn::Item::Use(u) if self.bodies.is_empty() && !matches!(u.vis, syn::Visibility::Inherited) => {
                self.record_reexports(u)
            }
            syn::Item::Struct(s) => {
                for field in &s.fields {
                    if let Some(name) = &field.ident {
                        let ty = self.type_ref(&field.ty);
                        self.tree.field_types.entry(name.to_string()).or_default().push(ty);
                    }
                }
            }
            syn::Item::Static(s) => {
                self.scope.in_static = true;
                let id = self.expr(&s.expr);
                self.tree.statics.push(id);
            }
            syn::Item::Const(c) => {
                self.scope.in_static = true;
                let id = self.expr(&c.expr);
                self.tree.statics.push(id);
                if let ExprKind::Lit(Lit::Int(n)) = *self.tree.kind(id) {
                    let path = self.resolve(&[c.ident.to_string()]);
                    self.tree.int_consts.insert(path, n);
                }
            }
            _ => {}
        }
        self.scope = saved;
    }

    /// Records what a module-level `use` makes reachable from other files
    /// (`crate::spawn_in_current_span` for `pub(crate) use vector_lib::spawn_in_current_span;`).
    fn record_reexports(&mut self, u: &syn::ItemUse) {
        let mut entries = Vec::new();
        flatten_use_tree(&u.tree, &mut use_prefix(u), &mut entries);
        let module = self.scopes.module_path(self.module).join("::");
        for entry in entries {
            let (from, to) = match entry.name {
                Some(name) => (format!("{module}::{name}"), self.resolve(&[name])),
                None => (format!("{module}::*"), self.resolve(&entry.segs)),
            };
            self.tree.reexports.push((from, to));
        }
    }

    fn fn_def(&mut self, sig: &syn::Signature, block: &syn::Block, self_ty: Option<String>) {
        let saved_locals = std::mem::take(&mut self.locals);
        let saved_uses = std::mem::take(&mut self.block_uses);
        let saved_bodies = std::mem::take(&mut self.bodies);
        let body = self.alloc(self.sp(block.brace_token.span.join()));
        self.bodies.push(body);
        let params = sig
            .inputs
            .iter()
            .filter_map(|arg| match arg {
                syn::FnArg::Typed(t) => Some(self.pat(&t.pat, BindingKind::Param, Some(&t.ty), None)),
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        let kind = self.block_kind(None, &block.stmts);
        self.finish(body, kind);
        let name = sig.ident.to_string();
        let path = match &self_ty {
            Some(ty) => format!("{ty}::{name}"),
            None => {
                let mut p = self.scopes.module_path(self.module).join("::");
                p.push_str("::");
                p.push_str(&name);
                p
            }
        };
        self.tree.fns.push(FnDef {
            name,
            path,
            self_ty,
            is_async: sig.asyncness.is_some(),
            params,
            body,
            name_span: self.sp(sig.ident.span()),
            scope: self.scope,
        });
        self.locals = saved_locals;
        self.block_uses = saved_uses;
        self.bodies = saved_bodies;
    }

    // ---- arena ---------------------------------------------------------------------------

    fn sp(&self, s: proc_macro2::Span) -> Span {
        let r = self.cx.offsets.range(s);
        Span::new(self.cx.file, self.cx.base + r.start..self.cx.base + r.end)
    }

    /// Reserves a node whose kind is filled in by [`Self::finish`] once its children exist.
    fn alloc(&mut self, span: Span) -> ExprId {
        let id = ExprId(self.tree.exprs.len() as u32);
        self.tree.exprs.push(Expr { kind: ExprKind::Other(Vec::new()), span, parent: None, scope: self.scope });
        id
    }

    fn finish(&mut self, id: ExprId, kind: ExprKind) -> ExprId {
        self.tree.exprs[id.0 as usize].kind = kind;
        let mut kids = std::mem::take(&mut self.scratch);
        kids.clear();
        self.tree.for_each_child(id, |c| kids.push(c));
        for &child in &kids {
            self.tree.exprs[child.0 as usize].parent = Some(id);
        }
        self.scratch = kids;
        id
    }

    fn node(&mut self, span: Span, kind: ExprKind) -> ExprId {
        let id = self.alloc(span);
        self.finish(id, kind)
    }

    fn span_of(&self, ids: &[ExprId]) -> Span {
        let mut spans = ids.iter().map(|&i| self.tree.span(i));
        let first = spans.next().unwrap_or(Span { file: self.cx.file, lo: 0, hi: 0 });
        spans.fold(first, Span::to)
    }

    // ---- bindings and names ---------------------------------------------------------------

    fn bind(
        &mut self,
        ident: &syn::Ident,
        kind: BindingKind,
        ty: Option<&syn::Type>,
        init: Option<ExprId>,
    ) -> BindingId {
        let id = BindingId(self.tree.bindings.len() as u32);
        let ty = ty.map(|t| self.type_ref(t));
        let body = self.bodies.last().copied().unwrap_or(ExprId(0));
        let name = ident.to_string();
        if let Some(hidden) = self.lookup_local(&name) {
            let hidden = &mut self.tree.bindings[hidden.0 as usize];
            if hidden.body == body && hidden.shadowed_by.is_none() {
                hidden.shadowed_by = Some(id);
            }
        }
        let span = self.sp(ident.span());
        self.tree.bindings.push(Binding { name: name.clone(), span, kind, ty, init, body, shadowed_by: None });
        self.locals.push((name, id));
        id
    }

    fn lookup_local(&self, name: &str) -> Option<BindingId> {
        self.locals.iter().rev().find(|(n, _)| n == name).map(|&(_, id)| id)
    }

    /// Canonical path of a path written here (block-level `use`s first).
    fn resolve(&mut self, segs: &[String]) -> String {
        let mut segs = segs.to_vec();
        if segs.first().is_some_and(|s| s == "Self") {
            if let Some(ty) = &self.self_ty {
                segs[0] = ty.clone();
                return segs.join("::");
            }
        }
        let imports = self.block_imports(segs.first().map_or("", String::as_str));
        if imports.is_empty() {
            return self.resolve_in_module(segs);
        }
        let each: Vec<Option<String>> = imports
            .into_iter()
            .map(|mut full| {
                full.extend_from_slice(&segs[1..]);
                Some(self.resolve_in_module(full))
            })
            .collect();
        pick_alternative(each, self.cx.catalog).unwrap_or_default()
    }

    /// What the innermost block that imports `name` imports it as: one path, or several
    /// `#[cfg]` alternatives.
    fn block_imports(&self, name: &str) -> Vec<Vec<String>> {
        let named = |e: &UseEntry| e.name.as_deref() == Some(name);
        let Some(&(block, _)) = self.block_uses.iter().rev().find(|(_, e)| named(e)) else { return Vec::new() };
        self.block_uses.iter().filter(|(b, e)| *b == block && named(e)).map(|(_, e)| e.segs.clone()).collect()
    }

    /// Canonical path of a path written in the current module, outside block `use`s.
    fn resolve_in_module(&mut self, segs: Vec<String>) -> String {
        let key = (self.module, segs);
        if let Some(found) = self.resolved.get(&key) {
            return found.clone();
        }
        let found = self.scopes.resolve(self.module, &key.1, self.cx.catalog).unwrap_or_else(|| key.1.join("::"));
        self.resolved.insert(key, found.clone());
        found
    }

    fn path_res(&mut self, path: &syn::Path) -> Res {
        let segs = path_segments(path);
        if path.leading_colon.is_none() && segs.len() == 1 {
            if segs[0] == "self" {
                return Res::SelfValue;
            }
            if let Some(b) = self.lookup_local(&segs[0]) {
                return Res::Local(b);
            }
        }
        let mut segs = segs;
        if path.leading_colon.is_some() {
            segs.insert(0, String::new());
        }
        Res::Item(self.resolve(&segs))
    }

    fn type_ref(&mut self, ty: &syn::Type) -> TypeRef {
        let mut out = TypeRef::default();
        self.type_paths(ty, &mut out.paths, 0);
        out
    }

    fn type_paths(&mut self, ty: &syn::Type, out: &mut Vec<String>, depth: usize) {
        if depth > 16 {
            return;
        }
        match ty {
            syn::Type::Path(p) => {
                out.push(self.resolve(&path_segments(&p.path)));
                for seg in &p.path.segments {
                    if let syn::PathArguments::AngleBracketed(args) = &seg.arguments {
                        for arg in &args.args {
                            if let syn::GenericArgument::Type(t) = arg {
                                self.type_paths(t, out, depth + 1);
                            }
                        }
                    }
                }
            }
            syn::Type::Reference(r) => self.type_paths(&r.elem, out, depth + 1),
            syn::Type::Paren(p) => self.type_paths(&p.elem, out, depth + 1),
            syn::Type::Group(g) => self.type_paths(&g.elem, out, depth + 1),
            syn::Type::Slice(s) => self.type_paths(&s.elem, out, depth + 1),
            syn::Type::Array(a) => self.type_paths(&a.elem, out, depth + 1),
            syn::Type::Tuple(t) => t.elems.iter().for_each(|e| self.type_paths(e, out, depth + 1)),
            _ => {}
        }
    }

    // ---- patterns ----------------------------------------------------------------------

    fn pat(&mut self, pat: &syn::Pat, kind: BindingKind, ty: Option<&syn::Type>, init: Option<ExprId>) -> Pat {
        match pat {
            syn::Pat::Ident(p) => {
                let looks_like_constant = p.by_ref.is_none()
                    && p.mutability.is_none()
                    && p.subpat.is_none()
                    && p.ident.to_string().starts_with(|c: char| c.is_ascii_uppercase());
                if looks_like_constant {
                    return Pat::Struct { path: self.resolve(&[p.ident.to_string()]), fields: Vec::new() };
                }
                let sub = p.subpat.as_ref().map(|(_, s)| Box::new(self.pat(s, kind, None, init)));
                let binding = self.bind(&p.ident, kind, ty, init);
                Pat::Ident { binding, by_ref: p.by_ref.is_some(), sub }
            }
            syn::Pat::Wild(_) => Pat::Wild,
            syn::Pat::Tuple(t) => Pat::Tuple(t.elems.iter().map(|p| self.pat(p, kind, None, init)).collect()),
            syn::Pat::TupleStruct(t) => Pat::Struct {
                path: self.resolve(&path_segments(&t.path)),
                fields: t.elems.iter().map(|p| self.pat(p, kind, None, init)).collect(),
            },
            syn::Pat::Struct(s) => Pat::Struct {
                path: self.resolve(&path_segments(&s.path)),
                fields: s.fields.iter().map(|f| self.pat(&f.pat, kind, None, init)).collect(),
            },
            syn::Pat::Path(p) => Pat::Struct { path: self.resolve(&path_segments(&p.path)), fields: Vec::new() },
            syn::Pat::Reference(r) => Pat::Ref(Box::new(self.pat(&r.pat, kind, None, init))),
            syn::Pat::Paren(p) => self.pat(&p.pat, kind, ty, init),
            syn::Pat::Guard(g) => self.pat(&g.pat, kind, ty, init),
            syn::Pat::Type(t) => self.pat(&t.pat, kind, Some(&t.ty), init),
            syn::Pat::Or(o) => {
                // Every alternative binds the same names; the first alternative's stay in
                // scope.
                let mut cases = Vec::new();
                for (i, case) in o.cases.iter().enumerate() {
                    let mark = self.locals.len();
                    cases.push(self.pat(case, kind, None, init));
                    if i > 0 {
                        self.locals.truncate(mark);
                    }
                }
                Pat::Or(cases)
            }
            syn::Pat::Slice(s) => Pat::Tuple(s.elems.iter().map(|p| self.pat(p, kind, None, init)).collect()),
            _ => Pat::Other,
        }
    }

    // ---- blocks and statements ---------------------------------------------------------

    fn block(&mut self, label: Option<&syn::Label>, block: &syn::Block) -> ExprId {
        let id = self.alloc(self.sp(block.brace_token.span.join()));
        let kind = self.block_kind(label, &block.stmts);
        self.finish(id, kind)
    }

    fn block_kind(&mut self, label: Option<&syn::Label>, stmts: &[syn::Stmt]) -> ExprKind {
        let mark = (self.locals.len(), self.block_uses.len());
        let mut uses = Vec::new();
        for stmt in stmts {
            if let syn::Stmt::Item(syn::Item::Use(u)) = stmt {
                flatten_use_tree(&u.tree, &mut use_prefix(u), &mut uses);
            }
        }
        self.block_uses.extend(uses.into_iter().map(|u| (mark.1, u)));
        let mut out = Vec::new();
        let mut nested_items = Vec::new();
        for stmt in stmts {
            match stmt {
                syn::Stmt::Local(local) => out.push(self.local(local)),
                syn::Stmt::Expr(e, semi) => {
                    let expr = self.expr(e);
                    out.push(Stmt::Expr { expr, semi: semi.is_some() });
                }
                syn::Stmt::Macro(m) => {
                    let expr = self.mac(&m.mac);
                    out.push(Stmt::Expr { expr, semi: m.semi_token.is_some() });
                }
                syn::Stmt::Item(item) => nested_items.push(item),
            }
        }
        self.locals.truncate(mark.0);
        // Items nested in a body see the module's names, not the body's locals.
        let saved_locals = std::mem::take(&mut self.locals);
        for item in nested_items {
            self.item(item);
        }
        self.locals = saved_locals;
        self.block_uses.truncate(mark.1);
        ExprKind::Block { label: label.map(|l| l.name.ident.to_string()), stmts: out }
    }

    fn local(&mut self, local: &syn::Local) -> Stmt {
        let init = local.init.as_ref().map(|i| self.expr(&i.expr));
        let diverge = local.init.as_ref().and_then(|i| i.diverge.as_ref()).map(|(_, e)| self.expr(e));
        let (pat, ty) = match &local.pat {
            syn::Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            p => (p, None),
        };
        let ty_ref = ty.map(|t| self.type_ref(t));
        let pat = self.pat(pat, BindingKind::Let, ty, init);
        let span = self.sp(local.let_token.span).to(self.sp(local.semi_token.span));
        Stmt::Let { pat, ty: ty_ref, init, diverge, span }
    }

    // ---- expressions ---------------------------------------------------------------------

    fn exprs<'e>(&mut self, es: impl IntoIterator<Item = &'e syn::Expr>) -> Vec<ExprId> {
        es.into_iter().map(|e| self.expr(e)).collect()
    }

    fn opt_expr(&mut self, e: Option<&syn::Expr>) -> Option<ExprId> {
        e.map(|e| self.expr(e))
    }

    fn expr(&mut self, e: &syn::Expr) -> ExprId {
        if self.depth >= MAX_DEPTH {
            let span = self.sp(e.span());
            return self.node(span, ExprKind::Other(Vec::new()));
        }
        self.depth += 1;
        let id = self.expr_inner(e);
        self.depth -= 1;
        id
    }

    fn other(&mut self, kids: Vec<ExprId>) -> ExprId {
        let span = self.span_of(&kids);
        self.node(span, ExprKind::Other(kids))
    }

    fn expr_inner(&mut self, e: &syn::Expr) -> ExprId {
        use syn::Expr as E;
        match e {
            E::Path(p) if p.qself.is_none() => {
                let span = self.sp(p.path.segments.first().map_or(p.span(), |s| s.ident.span())).to(self.sp(p
                    .path
                    .segments
                    .last()
                    .map_or(p.span(), |s| s.ident.span())));
                let res = self.path_res(&p.path);
                self.node(span, ExprKind::Path(res))
            }
            E::Call(c) => {
                let callee = self.expr(&c.func);
                let args = self.exprs(&c.args);
                let span = self.tree.span(callee).to(self.sp(c.paren_token.span.close()));
                self.node(span, ExprKind::Call { callee, args })
            }
            E::MethodCall(m) => {
                let receiver = self.expr(&m.receiver);
                let args = self.exprs(&m.args);
                let span = self.tree.span(receiver).to(self.sp(m.paren_token.span.close()));
                let method_span = self.sp(m.method.span());
                self.node(span, ExprKind::MethodCall { receiver, method: m.method.to_string(), method_span, args })
            }
            E::Closure(c) => self.closure(c),
            E::Async(a) => {
                let span = self.sp(a.async_token.span).to(self.sp(a.block.brace_token.span.close()));
                let id = self.alloc(span);
                self.bodies.push(id);
                let body = self.block(None, &a.block);
                self.bodies.pop();
                self.finish(id, ExprKind::Async { is_move: a.capture.is_some(), body })
            }
            E::Await(a) => {
                let base = self.expr(&a.base);
                let span = self.tree.span(base).to(self.sp(a.await_token.span));
                self.node(span, ExprKind::Await(base))
            }
            E::Try(t) => {
                let inner = self.expr(&t.expr);
                let span = self.tree.span(inner).to(self.sp(t.question_token.span));
                self.node(span, ExprKind::Try(inner))
            }
            E::Block(b) => self.block(b.label.as_ref(), &b.block),
            E::Unsafe(u) => self.block(None, &u.block),
            E::Const(c) => self.block(None, &c.block),
            E::TryBlock(t) => self.block(None, &t.block),
            E::Loop(l) => {
                let start = self.loop_start(&l.label, l.loop_token.span);
                let body = self.block(None, &l.body);
                let span = start.to(self.tree.span(body));
                self.loop_node(span, LoopKind::Loop, &l.label, None, None, body)
            }
            E::While(w) => self.while_loop(w),
            E::ForLoop(f) => {
                let start = self.loop_start(&f.label, f.for_token.span);
                let head = self.expr(&f.expr);
                let mark = self.locals.len();
                let pat = self.pat(&f.pat, BindingKind::Pattern, None, None);
                let body = self.block(None, &f.body);
                self.locals.truncate(mark);
                let span = start.to(self.tree.span(body));
                self.loop_node(span, LoopKind::For, &f.label, Some(head), Some(pat), body)
            }
            E::Break(b) => {
                let value = self.opt_expr(b.expr.as_deref());
                let span = self.sp(b.break_token.span);
                let label = b.label.as_ref().map(|l| l.ident.to_string());
                self.node(span, ExprKind::Break { label, value })
            }
            E::Continue(c) => {
                let label = c.label.as_ref().map(|l| l.ident.to_string());
                let span = self.sp(c.continue_token.span);
                self.node(span, ExprKind::Continue { label })
            }
            E::Return(r) => {
                let value = self.opt_expr(r.expr.as_deref());
                let span = self.sp(r.return_token.span);
                self.node(span, ExprKind::Return(value))
            }
            E::If(i) => {
                let mark = self.locals.len();
                let cond = self.expr(&i.cond);
                let then = self.block(None, &i.then_branch);
                self.locals.truncate(mark);
                let els = i.else_branch.as_ref().map(|(_, e)| self.expr(e));
                let end = els.map_or(self.tree.span(then), |e| self.tree.span(e));
                let span = self.sp(i.if_token.span).to(end);
                self.node(span, ExprKind::If { cond, then, els })
            }
            E::Let(l) => {
                let scrutinee = self.expr(&l.expr);
                let pat = self.pat(&l.pat, BindingKind::Pattern, None, Some(scrutinee));
                let span = self.sp(l.let_token.span).to(self.tree.span(scrutinee));
                self.node(span, ExprKind::Let { pat, scrutinee })
            }
            E::Match(m) => {
                let scrutinee = self.expr(&m.expr);
                let arms = m
                    .arms
                    .iter()
                    .map(|arm| {
                        let mark = self.locals.len();
                        // syn 3 writes `pat if cond` as a guard pattern.
                        let (pat, guard) = match &arm.pat {
                            syn::Pat::Guard(g) => (&*g.pat, Some(&*g.guard)),
                            pat => (pat, None),
                        };
                        let pat = self.pat(pat, BindingKind::Pattern, None, Some(scrutinee));
                        let guard = guard.map(|g| self.expr(g));
                        let body = self.expr(&arm.body);
                        self.locals.truncate(mark);
                        MatchArm { pat, guard, body }
                    })
                    .collect();
                let span = self.sp(m.match_token.span).to(self.sp(m.brace_token.span.close()));
                self.node(span, ExprKind::Match { scrutinee, arms })
            }
            E::Macro(m) => self.mac(&m.mac),
            E::Field(f) => {
                let base = self.expr(&f.base);
                let member = match &f.member {
                    syn::Member::Named(i) => i.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                let span = self.tree.span(base).to(self.sp(f.member.span()));
                self.node(span, ExprKind::Field { base, member })
            }
            E::Reference(r) => {
                let inner = self.expr(&r.expr);
                let span = self.sp(r.and_token.span).to(self.tree.span(inner));
                self.node(span, ExprKind::Ref { mutable: r.mutability.is_some(), expr: inner })
            }
            E::Assign(a) => {
                let lhs = self.expr(&a.left);
                let rhs = self.expr(&a.right);
                let span = self.tree.span(lhs).to(self.tree.span(rhs));
                self.node(span, ExprKind::Assign { lhs, rhs })
            }
            E::Struct(s) => {
                let mut fields: Vec<ExprId> = s.fields.iter().map(|f| self.expr(&f.expr)).collect();
                fields.extend(self.opt_expr(s.rest.as_deref()));
                let span = self.sp(s.path.span()).to(self.sp(s.brace_token.span.close()));
                let path = self.resolve(&path_segments(&s.path));
                self.node(span, ExprKind::Struct { path, fields })
            }
            E::Lit(l) => {
                let lit = match &l.lit {
                    syn::Lit::Int(i) => i.base10_parse::<u128>().map_or(Lit::Other, Lit::Int),
                    syn::Lit::Bool(b) => Lit::Bool(b.value),
                    syn::Lit::Str(_) => Lit::Str,
                    _ => Lit::Other,
                };
                let span = self.sp(l.lit.span());
                self.node(span, ExprKind::Lit(lit))
            }
            E::Paren(p) => self.expr(&p.expr),
            E::Group(g) => self.expr(&g.expr),
            E::Array(a) => {
                let kids = self.exprs(&a.elems);
                self.other(kids)
            }
            E::Tuple(t) => {
                let kids = self.exprs(&t.elems);
                self.other(kids)
            }
            E::Binary(b) => {
                let kids = vec![self.expr(&b.left), self.expr(&b.right)];
                self.other(kids)
            }
            E::Unary(u) => {
                let kids = vec![self.expr(&u.expr)];
                self.other(kids)
            }
            E::Cast(c) => {
                let kids = vec![self.expr(&c.expr)];
                self.other(kids)
            }
            E::Index(i) => {
                let kids = vec![self.expr(&i.expr), self.expr(&i.index)];
                self.other(kids)
            }
            E::Range(r) => {
                let kids = [r.start.as_deref(), r.end.as_deref()].into_iter().flatten().map(|e| self.expr(e)).collect();
                self.other(kids)
            }
            E::Repeat(r) => {
                let kids = vec![self.expr(&r.expr), self.expr(&r.len)];
                self.other(kids)
            }
            E::Yield(y) => {
                let kids = self.opt_expr(y.expr.as_deref()).into_iter().collect();
                self.other(kids)
            }
            E::RawAddr(r) => {
                let kids = vec![self.expr(&r.expr)];
                self.other(kids)
            }
            _ => {
                let span = self.sp(e.span());
                self.node(span, ExprKind::Other(Vec::new()))
            }
        }
    }

    fn loop_start(&self, label: &Option<syn::Label>, keyword: proc_macro2::Span) -> Span {
        let start = label.as_ref().map_or(keyword, |l| l.name.apostrophe);
        self.sp(start)
    }

    fn loop_node(
        &mut self,
        span: Span,
        kind: LoopKind,
        label: &Option<syn::Label>,
        head: Option<ExprId>,
        pat: Option<Pat>,
        body: ExprId,
    ) -> ExprId {
        let label = label.as_ref().map(|l| l.name.ident.to_string());
        self.node(span, ExprKind::Loop(Loop { kind, label, head, pat, body }))
    }

    fn while_loop(&mut self, w: &syn::ExprWhile) -> ExprId {
        let start = self.loop_start(&w.label, w.while_token.span);
        let mark = self.locals.len();
        let (kind, head, pat) = match &*w.cond {
            syn::Expr::Let(l) => {
                let head = self.expr(&l.expr);
                let pat = self.pat(&l.pat, BindingKind::Pattern, None, Some(head));
                (LoopKind::WhileLet, head, Some(pat))
            }
            cond => (LoopKind::While, self.expr(cond), None),
        };
        let body = self.block(None, &w.body);
        self.locals.truncate(mark);
        let span = start.to(self.tree.span(body));
        self.loop_node(span, kind, &w.label, Some(head), pat, body)
    }

    fn closure(&mut self, c: &syn::ExprClosure) -> ExprId {
        let start = c.asyncness.map(|a| a.span).or(c.capture.map(|m| m.span)).unwrap_or(c.inputs_begin.span);
        let id = self.alloc(self.sp(start));
        self.bodies.push(id);
        let mark = self.locals.len();
        let params = c.inputs.iter().map(|p| self.pat(p, BindingKind::Pattern, None, None)).collect();
        let body = self.expr(&c.body);
        self.locals.truncate(mark);
        self.bodies.pop();
        let span = self.sp(start).to(self.tree.span(body));
        self.tree.exprs[id.0 as usize].span = span;
        self.finish(id, ExprKind::Closure { is_move: c.capture.is_some(), params, body })
    }

    // ---- macros ------------------------------------------------------------------------

    fn mac(&mut self, mac: &syn::Macro) -> ExprId {
        let span = self.sp(mac.path.span()).to(self.sp(mac.delimiter.span().close()));
        let path = self.resolve(&path_segments(&mac.path));
        let flavor = select::flavor_of(&path);
        if flavor.is_some() || select::is_select_name(&path) {
            if let Some((flavor, arms)) = select::parse(flavor, mac.tokens.clone()) {
                return self.select(span, flavor, arms);
            }
        }
        let body = self.macro_body(mac.tokens.clone());
        let hidden_exit = EXITING_MACROS.contains(&path.rsplit("::").next().unwrap_or(""))
            || (body.is_none() && mentions_exit(mac.tokens.clone()));
        self.node(span, ExprKind::Macro { path, body, hidden_exit })
    }

    /// Macro arguments as a block: comma-separated expressions, else statements.
    fn macro_body(&mut self, tokens: TokenStream) -> Option<ExprId> {
        if tokens.is_empty() {
            return None;
        }
        let span = tokens.span();
        if let Ok(args) = Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated.parse2(tokens.clone()) {
            let id = self.alloc(self.sp(span));
            // Arguments are values handed to the macro, not statements that drop them.
            let stmts = args.iter().map(|a| Stmt::Expr { expr: self.expr(a), semi: false }).collect();
            return Some(self.finish(id, ExprKind::Block { label: None, stmts }));
        }
        let stmts = syn::Block::parse_within.parse2(tokens).ok()?;
        let id = self.alloc(self.sp(span));
        let kind = self.block_kind(None, &stmts);
        Some(self.finish(id, kind))
    }

    fn select(&mut self, span: Span, flavor: SelectFlavor, raw: Vec<select::RawArm>) -> ExprId {
        let id = self.alloc(span);
        let arms = raw
            .into_iter()
            .map(|arm| {
                let operands = self.exprs(&arm.operands);
                let mark = self.locals.len();
                let pat = arm.pat.as_ref().map(|p| self.pat(p, BindingKind::Pattern, None, operands.first().copied()));
                let guard = self.opt_expr(arm.guard.as_ref());
                let handler = self.expr(&arm.handler);
                self.locals.truncate(mark);
                let span = self.sp(arm.start).to(self.tree.span(handler));
                SelectArm { kind: arm.kind, pat, operands, guard, handler, span }
            })
            .collect();
        self.finish(id, ExprKind::Select { flavor, arms })
    }
}

/// Macros that expand to a `return` from the code around them.
const EXITING_MACROS: &[&str] = &["ready", "try_ready", "bail", "ensure", "try_nb"];

/// Whether unparsed macro tokens contain `break` or `return`.
fn mentions_exit(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => i == "break" || i == "return",
        proc_macro2::TokenTree::Group(g) => mentions_exit(g.stream()),
        _ => false,
    })
}

fn path_segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// The last path segment of an `impl` self type: `Server` for `impl<T> net::Server<T>`.
fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default(),
        syn::Type::Reference(r) => type_name(&r.elem),
        _ => String::new(),
    }
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::Offsets;
    use proc_macro2::{TokenStream, TokenTree};

    /// Every span of every token (and both delimiters of every group) of `text`.
    fn spans(stream: TokenStream, out: &mut Vec<proc_macro2::Span>) {
        for tree in stream {
            out.push(tree.span());
            if let TokenTree::Group(g) = tree {
                out.extend([g.span_open(), g.span_close()]);
                spans(g.stream(), out);
            }
        }
    }

    #[test]
    fn offsets_agree_with_proc_macro2() {
        let texts = [
            "fn f() {\n    g(1, \"two\");\r\n\tlet x = [a, b];\n}\n",
            "fn é() { let s = \"ünï\"; }\nfn g() {}\n",
            "",
            "/* only a comment */",
            "x\n\n\ny",
        ];
        for text in texts {
            let stream: TokenStream = text.parse().expect("lexes");
            let offsets = Offsets::new(text);
            let mut all = vec![proc_macro2::Span::call_site()];
            spans(stream, &mut all);
            for span in all {
                assert_eq!(offsets.range(span), span.byte_range(), "in {text:?}");
            }
            proc_macro2::extra::invalidate_current_thread_spans();
        }
    }
}
