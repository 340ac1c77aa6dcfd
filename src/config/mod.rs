//! User configuration: rule levels, excluded files, test code, and catalog entries of the
//! user's own (spawn functions, channels, signals, locks, timers), read once from
//! `leaklint.toml` or a `Cargo.toml`'s `[workspace.metadata.leaklint]` /
//! `[package.metadata.leaklint]` table and handed down as a [`Config`].
//!
//! Where it is found ([`Search::Upward`]): starting at a directory (the workspace root
//! in workspace mode, the current directory otherwise) and going up, the first directory
//! with a `leaklint.toml`, or with a `Cargo.toml` that has one of the tables, wins; at a
//! directory with both, `leaklint.toml` wins (with a warning). The search stops after the
//! first `Cargo.toml` with a `[workspace]` table (the workspace root) or at the
//! file-system root. `--config FILE` ([`Search::File`]) names the file instead.

pub mod error;
pub mod exclude;
pub mod file;
pub mod show;

use std::path::{Path, PathBuf};

use crate::catalog::CatalogLists;
use crate::diagnostic::Level;
use error::ConfigError;
use exclude::Exclude;
use file::{ConfigFile, ManifestConfig, Table};

/// The configuration file's name.
pub const FILE_NAME: &str = "leaklint.toml";

/// A configuration, checked.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where it was read from; `None`: nowhere (the defaults).
    pub origin: Option<Origin>,
    /// Rule levels that replace the defaults.
    pub levels: Vec<(&'static str, Level)>,
    /// Files not to lint.
    pub exclude: Exclude,
    /// Lint test code too.
    pub include_tests: bool,
    /// Entries added to the built-in catalogs.
    pub catalog: CatalogLists,
}

/// The file a configuration was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub path: PathBuf,
    /// The table of a `Cargo.toml`; `None` for a `leaklint.toml` (or another file given
    /// with `--config`).
    pub table: Option<Table>,
}

impl Origin {
    /// `leaklint.toml`, or `[workspace.metadata.leaklint] in Cargo.toml`, with the path
    /// as shown to the user.
    pub fn describe(&self) -> String {
        let path = shown(&self.path);
        match self.table {
            Some(table) => format!("{} in {path}", table.name()),
            None => path,
        }
    }
}

/// Where to look for the configuration.
#[derive(Debug, Clone, Copy)]
pub enum Search<'a> {
    /// This file (`--config`): a `leaklint.toml`, or a `Cargo.toml` with a leaklint table.
    File(&'a Path),
    /// This directory and its parents, as the module documentation says.
    Upward(&'a Path),
}

/// A configuration and what to warn about while finding it.
#[derive(Debug, Default)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
}

/// Finds and reads the configuration; the defaults when there is none.
pub fn load(search: Search) -> Result<Loaded, ConfigError> {
    let mut warnings = Vec::new();
    let config = match search {
        Search::File(path) => from_file(path, &mut warnings)?,
        Search::Upward(start) => upward(start, &mut warnings)?.unwrap_or_default(),
    };
    Ok(Loaded { config, warnings })
}

fn from_file(path: &Path, warnings: &mut Vec<String>) -> Result<Config, ConfigError> {
    if path.file_name().is_some_and(|n| n == "Cargo.toml") {
        let (manifest, text) = read_manifest(path)?;
        return from_manifest(path, manifest, &text, warnings)?.ok_or_else(|| {
            ConfigError::file(
                &shown(path),
                "has no `[workspace.metadata.leaklint]` or `[package.metadata.leaklint]` table".into(),
            )
        });
    }
    from_leaklint_toml(path)
}

fn upward(start: &Path, warnings: &mut Vec<String>) -> Result<Option<Config>, ConfigError> {
    let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    for dir in start.ancestors() {
        let manifest_path = dir.join("Cargo.toml");
        let manifest = if manifest_path.is_file() { Some(read_manifest(&manifest_path)?) } else { None };
        let leaklint_toml = dir.join(FILE_NAME);
        if leaklint_toml.is_file() {
            if let Some((m, _)) = &manifest {
                if let Some(table) = [(&m.workspace, Table::Workspace), (&m.package, Table::Package)]
                    .into_iter()
                    .find_map(|(c, t)| c.as_ref().map(|_| t))
                {
                    warnings.push(format!(
                        "both `{}` and `{}` in `{}` configure leaklint; using `{}`",
                        shown(&leaklint_toml),
                        table.name(),
                        shown(&manifest_path),
                        shown(&leaklint_toml),
                    ));
                }
            }
            return from_leaklint_toml(&leaklint_toml).map(Some);
        }
        if let Some((m, text)) = manifest {
            let is_workspace_root = m.is_workspace_root;
            if let Some(config) = from_manifest(&manifest_path, m, &text, warnings)? {
                return Ok(Some(config));
            }
            if is_workspace_root {
                break;
            }
        }
    }
    Ok(None)
}

fn from_leaklint_toml(path: &Path) -> Result<Config, ConfigError> {
    let name = shown(path);
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::file(&name, format!("cannot read: {e}")))?;
    let config = file::parse_leaklint_toml(&name, &text)?.resolve(&parent(path), &name, &text)?;
    Ok(Config { origin: Some(Origin { path: path.to_path_buf(), table: None }), ..config })
}

fn read_manifest(path: &Path) -> Result<(ManifestConfig, String), ConfigError> {
    let name = shown(path);
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::file(&name, format!("cannot read: {e}")))?;
    Ok((file::parse_manifest(&name, &text)?, text))
}

/// The configuration in a manifest's tables, if it has one: the workspace's when it has
/// both (with a warning).
fn from_manifest(
    path: &Path,
    manifest: ManifestConfig,
    text: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<Config>, ConfigError> {
    let name = shown(path);
    let (file, table): (ConfigFile, Table) = match (manifest.workspace, manifest.package) {
        (Some(ws), package) => {
            if package.is_some() {
                warnings.push(format!(
                    "both `{}` and `{}` in `{name}` configure leaklint; using `{}`",
                    Table::Workspace.name(),
                    Table::Package.name(),
                    Table::Workspace.name()
                ));
            }
            (ws, Table::Workspace)
        }
        (None, Some(package)) => (package, Table::Package),
        (None, None) => return Ok(None),
    };
    let config = file.resolve(&parent(path), &name, text)?;
    Ok(Some(Config { origin: Some(Origin { path: path.to_path_buf(), table: Some(table) }), ..config }))
}

/// The directory of a configuration file, absolute.
fn parent(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    abs.parent().map(Path::to_path_buf).unwrap_or(abs)
}

/// A path as shown in messages: relative to the current directory when inside it.
fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match cwd.as_deref().and_then(|c| abs.strip_prefix(c).ok()) {
        Some(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => path.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    fn found(start: &Path) -> (Option<Origin>, Vec<String>) {
        let loaded = load(Search::Upward(start)).expect("valid configuration");
        (loaded.config.origin, loaded.warnings)
    }

    #[test]
    fn the_nearest_configuration_up_to_the_workspace_root_is_used() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        write(
            root,
            "Cargo.toml",
            "[workspace]\nmembers = [\"a\"]\n[workspace.metadata.leaklint]\ninclude-tests = true\n",
        );
        write(root, "a/Cargo.toml", "[package]\nname = \"a\"\n");
        write(root, "a/src/lib.rs", "");
        let (origin, warnings) = found(&root.join("a/src"));
        assert_eq!(origin, Some(Origin { path: root.join("Cargo.toml"), table: Some(Table::Workspace) }));
        assert!(warnings.is_empty());

        // A member's own table is nearer.
        write(root, "a/Cargo.toml", "[package]\nname = \"a\"\n[package.metadata.leaklint]\n");
        let (origin, _) = found(&root.join("a/src"));
        assert_eq!(origin, Some(Origin { path: root.join("a/Cargo.toml"), table: Some(Table::Package) }));

        // leaklint.toml beats the manifest beside it, with a warning.
        write(root, "a/leaklint.toml", "");
        let (origin, warnings) = found(&root.join("a"));
        assert_eq!(origin, Some(Origin { path: root.join("a/leaklint.toml"), table: None }));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("[package.metadata.leaklint]") && warnings[0].contains("using"), "{warnings:?}");
    }

    #[test]
    fn the_search_stops_at_the_workspace_root() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let outer = tmp.path();
        write(outer, "leaklint.toml", "include-tests = true\n");
        write(outer, "ws/Cargo.toml", "[workspace]\n");
        let (origin, _) = found(&outer.join("ws/src"));
        assert_eq!(origin, None, "a configuration above the workspace root is not the workspace's");
        // Without a workspace in between it is found.
        let (origin, _) = found(&outer.join("elsewhere/deep"));
        assert_eq!(origin, Some(Origin { path: outer.join("leaklint.toml"), table: None }));
    }

    #[test]
    fn a_named_file_is_read_whatever_its_name() {
        let tmp = tempfile::tempdir().expect("tempdir");
        write(tmp.path(), "ci.toml", "[rules]\ndetached_spawn = \"deny\"\n");
        let loaded = load(Search::File(&tmp.path().join("ci.toml"))).expect("valid");
        assert_eq!(loaded.config.levels, vec![("detached_spawn", Level::Deny)]);

        write(tmp.path(), "Cargo.toml", "[package]\nname = \"x\"\n");
        let err = load(Search::File(&tmp.path().join("Cargo.toml"))).expect_err("no table");
        assert!(err.to_string().contains("has no `[workspace.metadata.leaklint]`"), "{err}");
        let err = load(Search::File(&tmp.path().join("missing.toml"))).expect_err("no file");
        assert!(err.to_string().contains("cannot read"), "{err}");
    }

    #[test]
    fn both_manifest_tables_use_the_workspace_one() {
        let tmp = tempfile::tempdir().expect("tempdir");
        write(
            tmp.path(),
            "Cargo.toml",
            "[workspace]\n[workspace.metadata.leaklint]\ninclude-tests = true\n\
             [package]\nname = \"x\"\n[package.metadata.leaklint]\ninclude-tests = false\n",
        );
        let loaded = load(Search::Upward(tmp.path())).expect("valid");
        assert!(loaded.config.include_tests);
        assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    }
}
