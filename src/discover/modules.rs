//! Following a crate's module tree the way rustc does: from a crate root, each
//! `mod x;` declaration names a file (`x.rs` or `x/mod.rs`, a `#[path]`, or every
//! `#[cfg_attr(.., path = "..")]` alternative), which declares its own children in turn.
//! Files that no target reaches are not part of any crate and are not linted.

use std::path::{Path, PathBuf};

use syn::punctuated::Punctuated;

use crate::attrs::is_test_item as requires_test;

/// Where a file sits in its crate's module tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleOrigin {
    /// `["crate", "net", "conn"]`.
    pub module_path: Vec<String>,
    /// Declared under `#[cfg(test)]` (or a cfg that requires `test`), below such a
    /// module, or in a test target.
    pub test: bool,
    /// The directory `mod x;` declarations at the top of this file look in: the file's
    /// own directory for crate roots, `mod.rs` files and `#[path]` files, else
    /// `<dir>/<stem>/`.
    pub child_dir: PathBuf,
}

impl ModuleOrigin {
    /// A crate root (`src/lib.rs`, `src/main.rs`, `tests/it.rs`, `build.rs`, ...).
    pub fn crate_root(file: &Path, test: bool) -> ModuleOrigin {
        ModuleOrigin { module_path: vec!["crate".into()], test, child_dir: parent_dir(file) }
    }
}

/// One file a `mod` declaration loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildModule {
    pub path: PathBuf,
    pub origin: ModuleOrigin,
}

/// The out-of-line modules `file` (parsed from `path`, at `origin`) declares, with the
/// files that exist for them. A declaration whose file does not exist (a module under a
/// `cfg` for another platform, generated code) is left out.
pub fn children(file: &syn::File, path: &Path, origin: &ModuleOrigin) -> Vec<ChildModule> {
    let test = origin.test || requires_test(&file.attrs);
    let mut out = Vec::new();
    let scope = Scope { file_dir: parent_dir(path), dir: origin.child_dir.clone(), inline: false };
    collect(&file.items, &scope, &origin.module_path, test, &mut out, 0);
    out
}

/// Where declarations in one (file or inline) module look for their files.
struct Scope {
    /// The directory of the file being read: `#[path]` on a top-level declaration is
    /// relative to it.
    file_dir: PathBuf,
    /// Where default `x.rs` / `x/mod.rs` paths (and `#[path]` inside inline modules) are.
    dir: PathBuf,
    /// Inside an inline `mod m { .. }`.
    inline: bool,
}

/// Inline modules nested deeper than this are not searched (hostile input).
const MAX_INLINE_DEPTH: usize = 32;

fn collect(
    items: &[syn::Item],
    scope: &Scope,
    module: &[String],
    test: bool,
    out: &mut Vec<ChildModule>,
    depth: usize,
) {
    for item in items {
        let syn::Item::Mod(m) = item else { continue };
        let name = m.ident.to_string();
        let mut module_path = module.to_vec();
        module_path.push(name.clone());
        let test = test || requires_test(&m.attrs);
        match &m.content {
            Some((_, inner)) if depth < MAX_INLINE_DEPTH => {
                let component = path_attrs(&m.attrs).into_iter().next().unwrap_or_else(|| name.clone());
                let dir = scope.dir.join(component);
                let inner_scope = Scope { file_dir: scope.file_dir.clone(), dir, inline: true };
                collect(inner, &inner_scope, &module_path, test, out, depth + 1);
            }
            Some(_) => {}
            None => {
                for path in declared_files(&m.attrs, &name, scope) {
                    let child_dir = if path.file_name().is_some_and(|n| n == "mod.rs") || !is_default(&path, &name) {
                        parent_dir(&path)
                    } else {
                        parent_dir(&path).join(&name)
                    };
                    let origin = ModuleOrigin { module_path: module_path.clone(), test, child_dir };
                    out.push(ChildModule { path, origin });
                }
            }
        }
    }
}

/// Whether `path` is the default file of module `name` (`name.rs`), which declares its
/// children in `name/`; `#[path]` files and `mod.rs` declare them beside themselves.
fn is_default(path: &Path, name: &str) -> bool {
    path.file_stem().is_some_and(|s| s == name) && path.extension().is_some_and(|e| e == "rs")
}

/// The existing files for `mod name;`: a `#[path]` (which replaces the default), else
/// every `cfg_attr` path alternative plus the default (`name.rs`, else `name/mod.rs`).
fn declared_files(attrs: &[syn::Attribute], name: &str, scope: &Scope) -> Vec<PathBuf> {
    let base = if scope.inline { &scope.dir } else { &scope.file_dir };
    let (plain, alternatives) = split_path_attrs(attrs);
    let mut files: Vec<PathBuf> = Vec::new();
    if let Some(p) = plain {
        files.push(base.join(p));
    } else {
        files.extend(alternatives.iter().map(|p| base.join(p)));
        let flat = scope.dir.join(format!("{name}.rs"));
        let nested = scope.dir.join(name).join("mod.rs");
        files.push(if !flat.is_file() && nested.is_file() { nested } else { flat });
    }
    let mut found: Vec<PathBuf> = Vec::new();
    for f in files {
        if f.is_file() && !found.contains(&f) {
            found.push(f);
        }
    }
    found
}

/// All `#[path = ".."]` values and `#[cfg_attr(.., path = "..")]` values.
fn path_attrs(attrs: &[syn::Attribute]) -> Vec<String> {
    let (plain, alternatives) = split_path_attrs(attrs);
    plain.into_iter().chain(alternatives).collect()
}

fn split_path_attrs(attrs: &[syn::Attribute]) -> (Option<String>, Vec<String>) {
    let mut plain = None;
    let mut alternatives = Vec::new();
    for attr in attrs {
        if attr.path().is_ident("path") {
            if let syn::Meta::NameValue(nv) = &attr.meta {
                plain = plain.or_else(|| str_lit(&nv.value));
            }
        } else if attr.path().is_ident("cfg_attr") {
            let Ok(metas) = attr.parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated) else {
                continue;
            };
            for meta in metas.iter().skip(1) {
                if let syn::Meta::NameValue(nv) = meta {
                    if nv.path.is_ident("path") {
                        alternatives.extend(str_lit(&nv.value));
                    }
                }
            }
        }
    }
    (plain, alternatives)
}

fn str_lit(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
        _ => None,
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `files` (path, text) under a scratch directory.
    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (rel, text) in files {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
        dir
    }

    /// The children of `rel` (read from `dir`) as `(relative path, module path, test)`.
    fn kids(dir: &Path, rel: &str, origin: &ModuleOrigin) -> Vec<(String, String, bool)> {
        let path = dir.join(rel);
        let file = syn::parse_file(&std::fs::read_to_string(&path).expect("read")).expect("parses");
        children(&file, &path, origin)
            .into_iter()
            .map(|c| {
                let rel = c.path.strip_prefix(dir).expect("inside").display().to_string();
                (rel, c.origin.module_path.join("::"), c.origin.test)
            })
            .collect()
    }

    fn walk_all(dir: &Path, root: &str) -> Vec<(String, String, bool)> {
        let mut out = Vec::new();
        let mut todo = vec![(dir.join(root), ModuleOrigin::crate_root(&dir.join(root), false))];
        while let Some((path, origin)) = todo.pop() {
            let file = syn::parse_file(&std::fs::read_to_string(&path).expect("read")).expect("parses");
            for c in children(&file, &path, &origin) {
                let rel = c.path.strip_prefix(dir).expect("inside").display().to_string();
                out.push((rel, c.origin.module_path.join("::"), c.origin.test));
                todo.push((c.path, c.origin));
            }
        }
        out.sort();
        out
    }

    fn t(path: &str, module: &str, test: bool) -> (String, String, bool) {
        (path.to_string(), module.to_string(), test)
    }

    #[test]
    fn flat_and_nested_files_like_rustc() {
        let d = tree(&[
            ("src/lib.rs", "mod a; mod b; mod missing;"),
            ("src/a.rs", "mod inner;"),
            ("src/a/inner.rs", ""),
            ("src/b/mod.rs", "mod c;"),
            ("src/b/c.rs", ""),
            ("src/stray.rs", "fn x( {"),
        ]);
        assert_eq!(
            walk_all(d.path(), "src/lib.rs"),
            [
                t("src/a.rs", "crate::a", false),
                t("src/a/inner.rs", "crate::a::inner", false),
                t("src/b/c.rs", "crate::b::c", false),
                t("src/b/mod.rs", "crate::b", false),
            ]
        );
    }

    #[test]
    fn path_attributes_and_inline_modules() {
        let d = tree(&[
            ("src/lib.rs", "#[path = \"sys/unix.rs\"] mod imp; mod outer { mod deep; #[path = \"p.rs\"] mod q; }"),
            ("src/sys/unix.rs", "mod helper;"),
            ("src/sys/helper.rs", ""),
            ("src/outer/deep.rs", ""),
            ("src/outer/p.rs", ""),
            ("src/net.rs", "mod m { mod x; } #[path = \"other.rs\"] mod y;"),
            ("src/net/m/x.rs", ""),
            ("src/other.rs", ""),
        ]);
        let root = ModuleOrigin::crate_root(&d.path().join("src/lib.rs"), false);
        assert_eq!(
            kids(d.path(), "src/lib.rs", &root),
            [
                t("src/sys/unix.rs", "crate::imp", false),
                t("src/outer/deep.rs", "crate::outer::deep", false),
                t("src/outer/p.rs", "crate::outer::q", false),
            ]
        );
        // A `#[path]` file declares its children beside itself.
        let imp = ModuleOrigin {
            module_path: vec!["crate".into(), "imp".into()],
            test: false,
            child_dir: d.path().join("src/sys"),
        };
        assert_eq!(kids(d.path(), "src/sys/unix.rs", &imp), [t("src/sys/helper.rs", "crate::imp::helper", false)]);
        // A non-mod.rs file: inline children under `net/`, a top-level `#[path]` beside it.
        let net = ModuleOrigin {
            module_path: vec!["crate".into(), "net".into()],
            test: false,
            child_dir: d.path().join("src/net"),
        };
        assert_eq!(
            kids(d.path(), "src/net.rs", &net),
            [t("src/net/m/x.rs", "crate::net::m::x", false), t("src/other.rs", "crate::net::y", false)]
        );
    }

    #[test]
    fn cfg_attr_path_alternatives_are_all_followed() {
        let d = tree(&[
            ("src/lib.rs", "#[cfg_attr(unix, path = \"unix.rs\")]\n#[cfg_attr(windows, path = \"win.rs\")]\nmod sys;"),
            ("src/unix.rs", ""),
            ("src/win.rs", ""),
            ("src/sys.rs", ""),
        ]);
        let mut got = walk_all(d.path(), "src/lib.rs");
        got.sort();
        assert_eq!(
            got,
            [
                t("src/sys.rs", "crate::sys", false),
                t("src/unix.rs", "crate::sys", false),
                t("src/win.rs", "crate::sys", false)
            ]
        );
    }

    #[test]
    fn test_modules_and_everything_below_them_are_test_code() {
        let d = tree(&[
            (
                "src/lib.rs",
                "#[cfg(test)] mod it; mod prod; #[cfg(all(test, unix))] mod t2; #[cfg(any(test, x))] mod maybe;",
            ),
            ("src/it.rs", "mod helpers;"),
            ("src/it/helpers.rs", ""),
            ("src/prod.rs", "#![cfg(test)]\nmod below;"),
            ("src/prod/below.rs", ""),
            ("src/t2.rs", ""),
            ("src/maybe.rs", ""),
        ]);
        assert_eq!(
            walk_all(d.path(), "src/lib.rs"),
            [
                t("src/it.rs", "crate::it", true),
                t("src/it/helpers.rs", "crate::it::helpers", true),
                t("src/maybe.rs", "crate::maybe", false),
                t("src/prod.rs", "crate::prod", false),
                t("src/prod/below.rs", "crate::prod::below", true),
                t("src/t2.rs", "crate::t2", true),
            ]
        );
    }
}
