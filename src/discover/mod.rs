//! Which files to lint: explicit files and directories (every `.rs` file found), or the
//! Cargo workspace around the current directory, where linting starts from each member's
//! targets and follows their module trees ([`modules`]), so only what cargo compiles is
//! linted. Directory walks honour `.gitignore`, skip `target/`, hidden entries and other
//! non-Rust files, and come out in a stable order.

pub mod modules;

use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::source::{Edition, Package};
use modules::ModuleOrigin;

/// One file to lint.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
    /// How the path is shown: relative to the workspace root, or as found from the
    /// arguments.
    pub display: String,
    pub package: Option<Arc<Package>>,
    /// In workspace mode, where the file sits in its crate's module tree; its `mod`
    /// declarations are followed. `None` for files named on the command line.
    pub module: Option<ModuleOrigin>,
    /// The text to lint instead of the file's (an editor's unsaved buffer).
    pub text: Option<Arc<str>>,
    /// Named on the command line, or read from standard input: always parsed, so its
    /// syntax errors are reported even where the prefilter finds nothing to lint.
    pub named: bool,
}

/// A path that could not be walked or does not exist.
#[derive(Debug, Clone)]
pub struct DiscoveryError {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub inputs: Vec<Input>,
    pub errors: Vec<DiscoveryError>,
    /// Explicit arguments that are not `.rs` files, skipped.
    pub skipped: Vec<String>,
    /// The workspace root, when linting a Cargo workspace.
    pub workspace_root: Option<PathBuf>,
    /// In workspace mode, every `.rs` file under the members' directories (canonical
    /// paths): those no target reaches are counted as skipped.
    pub candidates: Vec<PathBuf>,
}

/// Files named on the command line (files and directories).
pub fn from_paths(paths: &[PathBuf]) -> Discovery {
    let mut d = Discovery::default();
    let mut packages = PackageCache::default();
    let mut seen = BTreeSet::new();
    for arg in paths {
        if arg.is_dir() {
            walk(arg, &mut d, &mut packages, &mut seen, None, false);
        } else if !arg.exists() && arg.symlink_metadata().is_err() {
            d.errors
                .push(DiscoveryError { path: arg.display().to_string(), message: "no such file or directory".into() });
        } else if arg.extension().is_some_and(|e| e == "rs") {
            add(arg.clone(), arg.display().to_string(), true, &mut d, &mut packages, &mut seen);
        } else {
            d.skipped.push(arg.display().to_string());
        }
    }
    d
}

/// One buffer read from standard input, linted as the file at `path` (its package, and
/// so its crate and edition, are `path`'s).
pub fn from_stdin(path: &Path, text: String) -> Discovery {
    let mut d = Discovery::default();
    let package = PackageCache::default().package_of(path);
    let display = path.display().to_string();
    let text = Some(text.into());
    d.inputs.push(Input { path: path.to_path_buf(), display, package, module: None, text, named: true });
    d
}

/// The workspace that contains `dir` (or the package, or the directory of the nearest
/// `Cargo.toml`): each member's targets as crate roots, with their module trees followed
/// while parsing. When `cargo metadata` fails, every `.rs` file of the directory.
pub fn from_workspace(dir: &Path) -> Result<Discovery, String> {
    let manifest = dir
        .ancestors()
        .map(|a| a.join("Cargo.toml"))
        .find(|m| m.is_file())
        .ok_or_else(|| format!("could not find `Cargo.toml` in `{}` or any parent directory", dir.display()))?;
    let mut d = Discovery::default();
    let mut packages = PackageCache::default();
    let mut seen = BTreeSet::new();
    let workspace = match workspace_targets(&manifest) {
        Ok(found) => found,
        Err(e) => {
            let root = manifest.parent().unwrap_or(dir).to_path_buf();
            eprintln!("warning: `cargo metadata` failed ({e}); linting every `.rs` file in `{}`", root.display());
            walk(&root, &mut d, &mut packages, &mut seen, Some(&root), false);
            d.workspace_root = Some(root);
            return Ok(d);
        }
    };
    let root = workspace.root;
    for member in &workspace.members {
        // Only to count what no target reaches; errors walking there concern files that
        // are not linted.
        let mut walked = Discovery::default();
        walk(&member.root, &mut walked, &mut packages, &mut BTreeSet::new(), Some(&root), true);
        d.candidates.extend(walked.inputs.iter().map(|i| canonical(&i.path)));
        for (src, test) in &member.targets {
            if seen.insert(canonical(src)) {
                let display = display_path(src, Some(&root));
                let module = Some(ModuleOrigin::crate_root(src, *test));
                let package = Some(member.clone());
                d.inputs.push(Input { path: src.clone(), display, package, module, text: None, named: false });
            }
        }
    }
    d.workspace_root = Some(root);
    Ok(d)
}

/// The workspace root and its member packages, with their targets.
struct WorkspaceTargets {
    root: PathBuf,
    members: Vec<Arc<Package>>,
}

fn workspace_targets(manifest: &Path) -> Result<WorkspaceTargets, String> {
    // `cargo metadata --no-deps` runs no `build.rustc`, `rustc-wrapper`, runner, build
    // script or proc macro of the linted tree (without `--no-deps` it runs `build.rustc
    // -vV` through the wrapper; tests/no_code_execution.rs checks). But rustup's `cargo` proxy picks its
    // toolchain from a `rust-toolchain(.toml)` in the current directory or above, and that
    // file may pin a toolchain by path (`path = "/proc/self/cwd/tc"`): the proxy would run
    // the `cargo` found there, a program the linted tree provides. Ask rustup's default
    // toolchain then, or, without one, do without `cargo metadata`.
    let pinned_path = std::env::var_os("RUSTUP_TOOLCHAIN").is_none()
        && std::env::current_dir().is_ok_and(|dir| pins_toolchain_path(&dir));
    let meta = if pinned_path {
        let toolchain =
            default_toolchain().ok_or("the toolchain file pins a toolchain by path, and rustup has no default")?;
        metadata(manifest, Some(&toolchain))?
    } else {
        workspace_metadata(manifest)?
    };
    let mut members: Vec<Arc<Package>> = meta.workspace_packages().iter().map(|p| Arc::new(package_of(p))).collect();
    members.sort_by(|a, b| a.manifest_path.cmp(&b.manifest_path));
    Ok(WorkspaceTargets { root: meta.workspace_root.into_std_path_buf(), members })
}

/// Whether the toolchain file rustup reads for `dir` (in the nearest directory, from `dir`
/// up, that has a `rust-toolchain` or `rust-toolchain.toml`) pins a toolchain by path:
/// `path = ".."` in its `[toolchain]` table, or a legacy one-line file naming a path.
fn pins_toolchain_path(dir: &Path) -> bool {
    let pins = |text: &str| match toml::from_str::<toml::Table>(text) {
        Ok(table) => table.get("toolchain").and_then(|t| t.get("path")).is_some(),
        Err(_) => text.contains(['/', '\\']),
    };
    for dir in dir.ancestors() {
        let files = ["rust-toolchain", "rust-toolchain.toml"].map(|f| dir.join(f));
        if files.iter().any(|f| f.exists()) {
            return files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).any(|text| pins(&text));
        }
    }
    false
}

fn workspace_metadata(manifest: &Path) -> Result<cargo_metadata::Metadata, String> {
    match metadata(manifest, None) {
        // A `rust-toolchain.toml` that pins a toolchain rustup does not have makes every
        // cargo command fail; the workspace layout does not depend on the toolchain, so
        // ask the default one.
        Err(e) if e.contains("toolchain") => match default_toolchain() {
            Some(toolchain) => metadata(manifest, Some(&toolchain)).map_err(|_| e),
            None => Err(e),
        },
        other => other,
    }
}

fn metadata(manifest: &Path, toolchain: Option<&str>) -> Result<cargo_metadata::Metadata, String> {
    let mut cmd = cargo_metadata::MetadataCommand::new();
    cmd.manifest_path(manifest).no_deps();
    if let Some(t) = toolchain {
        cmd.env("RUSTUP_TOOLCHAIN", t);
    }
    cmd.exec().map_err(|e| e.to_string().lines().next().unwrap_or_default().to_string())
}

/// rustup's default toolchain (`stable-x86_64-unknown-linux-gnu`), if rustup is there.
fn default_toolchain() -> Option<String> {
    let out = std::process::Command::new("rustup").arg("default").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    text.split_whitespace().next().map(str::to_string)
}

/// A member package with its targets: libraries first, then binaries, build scripts,
/// examples, tests and benches, so a file two targets share is linted as the library's.
fn package_of(p: &cargo_metadata::Package) -> Package {
    let rank = |t: &cargo_metadata::Target| {
        let kinds: Vec<String> = t.kind.iter().map(|k| k.to_string()).collect();
        let has = |k: &str| kinds.iter().any(|x| x == k);
        if has("bin") {
            1
        } else if has("custom-build") {
            2
        } else if has("example") {
            3
        } else if has("test") {
            4
        } else if has("bench") {
            5
        } else {
            0
        }
    };
    let mut targets: Vec<&cargo_metadata::Target> = p.targets.iter().collect();
    targets.sort_by_key(|t| (rank(t), t.name.clone()));
    let lib_name =
        p.targets.iter().find(|t| rank(t) == 0).map_or_else(|| p.name.replace('-', "_"), |t| t.name.replace('-', "_"));
    let root = p.manifest_path.parent().map(|d| d.as_std_path().to_path_buf()).unwrap_or_default();
    Package {
        name: p.name.to_string(),
        version: p.version.to_string(),
        manifest_path: p.manifest_path.clone().into_std_path_buf(),
        root,
        lib_name,
        targets: targets.iter().map(|t| (t.src_path.clone().into_std_path_buf(), rank(t) >= 4)).collect(),
        // cargo has already resolved `edition.workspace = true`.
        edition: Edition::parse(p.edition.as_str()).unwrap_or(Edition::CARGO_DEFAULT),
        dependencies: p
            .dependencies
            .iter()
            .filter(|d| d.kind != cargo_metadata::DependencyKind::Development)
            .map(|d| d.name.replace('-', "_"))
            .collect(),
    }
}

/// Adds every `.rs` file under `dir`; `members_only`: do not enter nested packages (a
/// member is walked from its own root; other packages are not in the workspace).
fn walk(
    dir: &Path,
    d: &mut Discovery,
    packages: &mut PackageCache,
    seen: &mut BTreeSet<PathBuf>,
    root: Option<&Path>,
    members_only: bool,
) {
    let workspace = members_only;
    let walker = ignore::WalkBuilder::new(dir)
        .follow_links(true)
        .hidden(true)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |e| e.depth() == 0 || !skipped_dir(e.path(), workspace))
        .build();
    for entry in walker {
        match entry {
            Ok(e) => {
                let is_rs =
                    e.file_type().is_some_and(|t| t.is_file()) && e.path().extension().is_some_and(|x| x == "rs");
                if is_rs {
                    let display = display_path(e.path(), root);
                    add(e.path().to_path_buf(), display, false, d, packages, seen);
                }
            }
            Err(err) => {
                let path = error_path(&err).unwrap_or_else(|| dir.display().to_string());
                d.errors.push(DiscoveryError { path, message: describe_walk_error(&err) });
            }
        }
    }
}

/// Directories a walk does not enter: cargo's build directories and, when walking
/// workspace members, nested packages (members are walked from their own roots; other
/// packages, such as `fuzz/`, are not part of the workspace).
fn skipped_dir(path: &Path, workspace: bool) -> bool {
    if !path.is_dir() {
        return false;
    }
    let is_target = path.file_name().is_some_and(|n| n == "target")
        && (path.join("CACHEDIR.TAG").exists() || path.parent().is_some_and(|p| p.join("Cargo.toml").exists()));
    is_target || (workspace && path.join("Cargo.toml").exists())
}

/// `named`: the path was an argument, not found by a walk.
fn add(
    path: PathBuf,
    display: String,
    named: bool,
    d: &mut Discovery,
    packages: &mut PackageCache,
    seen: &mut BTreeSet<PathBuf>,
) {
    // A file reached twice (through a symlink, or two arguments) is linted once.
    if seen.insert(canonical(&path)) {
        let package = packages.package_of(&path);
        d.inputs.push(Input { path, display, package, module: None, text: None, named });
    }
}

/// The path that identifies a file however it was reached.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// How a path is shown: relative to the workspace root when it is inside it.
pub fn display_path(path: &Path, root: Option<&Path>) -> String {
    match root.and_then(|r| path.strip_prefix(r).ok()) {
        Some(rel) => rel.display().to_string(),
        None => path.display().to_string(),
    }
}

fn error_path(err: &ignore::Error) -> Option<String> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.display().to_string()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child.display().to_string()),
        _ => None,
    }
}

fn describe_walk_error(err: &ignore::Error) -> String {
    match err {
        ignore::Error::Loop { ancestor, .. } => {
            format!("symlink loop: points back to `{}`; not followed", ancestor.display())
        }
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => describe_walk_error(err),
        other => {
            // walkdir's io errors repeat the path, which the diagnostic already names.
            let message = other.io_error().map_or_else(|| other.to_string(), |io| io.to_string());
            match message.strip_prefix("IO error for operation on ").and_then(|m| m.split_once(": ")) {
                Some((_, cause)) => cause.to_string(),
                None => message,
            }
        }
    }
}

/// Finds the package of a file: the nearest `Cargo.toml` with a `[package]` table.
#[derive(Default)]
struct PackageCache {
    by_dir: HashMap<PathBuf, Option<Arc<Package>>>,
}

impl PackageCache {
    fn package_of(&mut self, file: &Path) -> Option<Arc<Package>> {
        let abs = std::path::absolute(file).ok()?;
        let dir = abs.parent()?.to_path_buf();
        self.lookup(&dir)
    }

    fn lookup(&mut self, dir: &Path) -> Option<Arc<Package>> {
        if let Some(found) = self.by_dir.get(dir) {
            return found.clone();
        }
        let found = read_package(dir).or_else(|| dir.parent().and_then(|p| self.lookup(p)));
        self.by_dir.insert(dir.to_path_buf(), found.clone());
        found
    }
}

fn read_package(dir: &Path) -> Option<Arc<Package>> {
    let manifest_path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest_path).ok()?;
    let manifest: toml::Table = toml::from_str(&text).ok()?;
    let package = manifest.get("package")?.as_table()?;
    let name = package.get("name")?.as_str()?.to_string();
    let version = package.get("version").and_then(|v| v.as_str()).unwrap_or("0.0.0").to_string();
    let lib_name = name.replace('-', "_");
    let edition = manifest_edition(package, dir);
    let root = dir.to_path_buf();
    let dependencies = manifest_dependencies(&manifest);
    Some(Arc::new(Package { name, version, manifest_path, root, lib_name, targets: Vec::new(), edition, dependencies }))
}

/// The packages a manifest depends on for building (dev-dependencies may form cycles),
/// on every target, by library-style name (the package's own name when renamed).
fn manifest_dependencies(manifest: &toml::Table) -> Vec<String> {
    const KINDS: [&str; 2] = ["dependencies", "build-dependencies"];
    let targets = manifest.get("target").and_then(|t| t.as_table()).into_iter().flat_map(|t| t.values());
    let tables = std::iter::once(manifest).chain(targets.filter_map(|t| t.as_table()));
    let mut names: Vec<String> = tables
        .flat_map(|t| KINDS.iter().filter_map(|k| t.get(*k)?.as_table()))
        .flat_map(|deps| deps.iter())
        .map(|(key, spec)| spec.get("package").and_then(|p| p.as_str()).unwrap_or(key).replace('-', "_"))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// A package's edition as its manifest gives it: `edition = "2021"`, or
/// `edition.workspace = true` read from the nearest workspace root above `dir`. A
/// manifest without one is 2015, as cargo reads it.
fn manifest_edition(package: &toml::Table, dir: &Path) -> Edition {
    let Some(value) = package.get("edition") else { return Edition::CARGO_DEFAULT };
    let inherited = value.get("workspace").and_then(|w| w.as_bool()) == Some(true);
    let text = if inherited { workspace_edition(dir) } else { value.as_str().map(str::to_string) };
    text.as_deref().and_then(Edition::parse).unwrap_or(Edition::CARGO_DEFAULT)
}

/// `workspace.package.edition` of the nearest manifest at or above `dir` with a
/// `[workspace]` table.
fn workspace_edition(dir: &Path) -> Option<String> {
    dir.ancestors().find_map(|d| {
        let text = std::fs::read_to_string(d.join("Cargo.toml")).ok()?;
        let manifest: toml::Table = toml::from_str(&text).ok()?;
        let workspace = manifest.get("workspace")?;
        Some(workspace.get("package")?.get("edition")?.as_str()?.to_string())
    })
}

/// Where a file sits in its crate: its module path and whether it is test code.
pub fn file_role(path: &Path, package: Option<&Package>) -> (Vec<String>, bool) {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let rel: Vec<String> = match package.and_then(|p| abs.strip_prefix(&p.root).ok()) {
        Some(rel) => components(rel),
        None => components(path),
    };
    let test_file = match package {
        Some(_) => rel.first().is_some_and(|c| c == "tests" || c == "benches"),
        None => rel.iter().any(|c| c == "tests" || c == "benches"),
    };
    (module_path(&rel), test_file)
}

fn components(path: &Path) -> Vec<String> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

/// `src/net/conn.rs` → `crate::net::conn`; `src/lib.rs`, `src/main.rs`, `src/bin/x.rs`
/// and files outside `src/` are crate roots.
fn module_path(rel: &[String]) -> Vec<String> {
    let mut path = vec!["crate".to_string()];
    let Some(pos) = rel.iter().position(|c| c == "src") else { return path };
    let inner = &rel[pos + 1..];
    if inner.first().is_some_and(|c| c == "bin") {
        return path;
    }
    for (i, c) in inner.iter().enumerate() {
        let last = i + 1 == inner.len();
        if !last {
            path.push(c.clone());
        } else if !matches!(c.as_str(), "lib.rs" | "main.rs" | "mod.rs") || i > 0 && c != "mod.rs" {
            if let Some(stem) = c.strip_suffix(".rs") {
                path.push(stem.to_string());
            }
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(rel: &str) -> String {
        module_path(&rel.split('/').map(String::from).collect::<Vec<_>>()).join("::")
    }

    fn edition_of(manifest: &str, dir: &Path) -> Edition {
        let table: toml::Table = toml::from_str(manifest).expect("valid toml");
        manifest_edition(table["package"].as_table().expect("a package"), dir)
    }

    #[test]
    fn editions_are_read_from_the_manifest_or_the_workspace() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("Cargo.toml"), "[workspace]\n[workspace.package]\nedition = \"2024\"\n").unwrap();
        let member = dir.join("member");
        std::fs::create_dir_all(&member).unwrap();
        assert_eq!(edition_of("[package]\nname = \"a\"\nedition = \"2021\"", &member), Edition::E2021);
        assert_eq!(edition_of("[package]\nname = \"a\"\nedition.workspace = true", &member), Edition::E2024);
        assert_eq!(edition_of("[package]\nname = \"a\"", &member), Edition::E2015);
    }

    #[test]
    fn module_paths_follow_the_file_layout() {
        assert_eq!(module("src/lib.rs"), "crate");
        assert_eq!(module("src/main.rs"), "crate");
        assert_eq!(module("src/net.rs"), "crate::net");
        assert_eq!(module("src/net/mod.rs"), "crate::net");
        assert_eq!(module("src/net/conn.rs"), "crate::net::conn");
        assert_eq!(module("src/net/main.rs"), "crate::net::main");
        assert_eq!(module("src/bin/tool.rs"), "crate");
        assert_eq!(module("examples/demo.rs"), "crate");
    }

    #[test]
    fn toolchain_files_that_pin_a_path_are_recognised() {
        let tmp = tempfile::tempdir().unwrap();
        let nested = tmp.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        let pin = |dir: &Path, file: &str, text: &str| std::fs::write(dir.join(file), text).unwrap();
        assert!(!pins_toolchain_path(&nested));
        pin(tmp.path(), "rust-toolchain.toml", "[toolchain]\npath = \"/proc/self/cwd/tc\"\n");
        assert!(pins_toolchain_path(&nested), "a parent's file counts");
        // The nearest file decides.
        pin(&nested, "rust-toolchain.toml", "[toolchain]\nchannel = \"1.80\"\n");
        assert!(!pins_toolchain_path(&nested));
        pin(&nested, "rust-toolchain", "/opt/toolchains/tc\n");
        assert!(pins_toolchain_path(&nested), "a legacy one-line file naming a path");
        pin(&nested, "rust-toolchain", "nightly-2025-01-01\n");
        assert!(!pins_toolchain_path(&nested));
    }
}
