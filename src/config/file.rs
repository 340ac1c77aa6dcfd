//! The configuration's schema, as read from `leaklint.toml` or from the
//! `[workspace.metadata.leaklint]` / `[package.metadata.leaklint]` table of a
//! `Cargo.toml`, and its checks (rule names, levels, globs) with file positions.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::error::ConfigError;
use super::exclude::Exclude;
use super::Config;
use crate::catalog::CatalogLists;
use crate::diagnostic::Level;
use crate::rules;

/// One configuration as written. Top-level keys are kebab-case, as in `Cargo.toml`;
/// `[catalog.<name>]` has the schema of the built-in `rules/<name>.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// Rule id → level.
    #[serde(default)]
    pub rules: BTreeMap<Spanned<String>, Spanned<LevelName>>,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    #[serde(default)]
    pub include_tests: Option<bool>,
    #[serde(default)]
    pub catalog: CatalogLists,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LevelName {
    Allow,
    Warn,
    Deny,
}

impl From<LevelName> for Level {
    fn from(l: LevelName) -> Level {
        match l {
            LevelName::Allow => Level::Allow,
            LevelName::Warn => Level::Warn,
            LevelName::Deny => Level::Deny,
        }
    }
}

/// Where in a `Cargo.toml` a configuration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Workspace,
    Package,
}

impl Table {
    pub fn name(self) -> &'static str {
        match self {
            Table::Workspace => "[workspace.metadata.leaklint]",
            Table::Package => "[package.metadata.leaklint]",
        }
    }
}

/// The parts of a `Cargo.toml` leaklint reads; everything else is ignored.
#[derive(Debug, Default, Deserialize)]
struct Manifest {
    workspace: Option<WithMetadata>,
    package: Option<WithMetadata>,
}

#[derive(Debug, Default, Deserialize)]
struct WithMetadata {
    metadata: Option<Metadata>,
}

#[derive(Debug, Default, Deserialize)]
struct Metadata {
    leaklint: Option<ConfigFile>,
}

/// What a `Cargo.toml` says about leaklint: its configuration tables, and whether it
/// is a workspace root.
#[derive(Debug, Default)]
pub struct ManifestConfig {
    pub workspace: Option<ConfigFile>,
    pub package: Option<ConfigFile>,
    pub is_workspace_root: bool,
}

/// Reads `leaklint.toml` text; `file`: the path as shown in errors.
pub fn parse_leaklint_toml(file: &str, text: &str) -> Result<ConfigFile, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError::from_toml(file, text, &e))
}

/// Reads the leaklint tables of `Cargo.toml` text; errors are placed in the manifest.
pub fn parse_manifest(file: &str, text: &str) -> Result<ManifestConfig, ConfigError> {
    let manifest: Manifest = toml::from_str(text).map_err(|e| ConfigError::from_toml(file, text, &e))?;
    let is_workspace_root = manifest.workspace.is_some();
    let config = |t: Option<WithMetadata>| t.and_then(|t| t.metadata).and_then(|m| m.leaklint);
    Ok(ManifestConfig { workspace: config(manifest.workspace), package: config(manifest.package), is_workspace_root })
}

impl ConfigFile {
    /// Checks rule names and globs and makes the configuration; `dir`: the directory
    /// exclude patterns are relative to; `file`/`text`: for error positions.
    pub fn resolve(self, dir: &Path, file: &str, text: &str) -> Result<Config, ConfigError> {
        let mut levels = Vec::new();
        for (name, level) in &self.rules {
            let Some(rule) = rules::find(name.get_ref()) else {
                return Err(ConfigError::at(file, text, Some(name.span()), rules::unknown_rule(name.get_ref())));
            };
            levels.push((rule.meta.id, Level::from(*level.get_ref())));
        }
        let patterns: Vec<String> = self.exclude.iter().map(|p| p.get_ref().clone()).collect();
        let exclude = Exclude::new(dir, &patterns).map_err(|(i, why)| {
            let span = self.exclude.get(i).map(Spanned::span);
            ConfigError::at(file, text, span, format!("invalid exclude pattern `{}`: {why}", patterns[i]))
        })?;
        Ok(Config {
            origin: None,
            levels,
            exclude,
            include_tests: self.include_tests.unwrap_or(false),
            catalog: self.catalog,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::HandleKind;

    fn resolve(text: &str) -> Result<Config, String> {
        parse_leaklint_toml("leaklint.toml", text)
            .and_then(|f| f.resolve(Path::new("/ws"), "leaklint.toml", text))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_complete_file_is_read() {
        let text = r#"
include-tests = true
exclude = ["generated/**", "**/bindings.rs"]

[rules]
detached_spawn = "deny"
"leaklint::timer_in_loop" = "allow"

[[catalog.spawn.function]]
path = "my_rt::spawn_detached"
handle = "join"

[[catalog.channels.constructor]]
path = "my_rt::pipe"
kind = "unbounded"

[catalog.signals]
types = ["my_rt::Shutdown"]
"#;
        let c = resolve(text).expect("valid");
        assert!(c.include_tests);
        assert_eq!(c.exclude.patterns(), ["generated/**", "**/bindings.rs"]);
        assert!(c.exclude.matches(Path::new("/ws/generated/x.rs")));
        assert_eq!(c.levels, vec![("detached_spawn", Level::Deny), ("timer_in_loop", Level::Allow)]);
        assert_eq!(c.catalog.spawn.functions[0].path, "my_rt::spawn_detached");
        assert_eq!(c.catalog.spawn.functions[0].handle, HandleKind::Join);
        assert_eq!(c.catalog.channels.constructors[0].path, "my_rt::pipe");
        assert_eq!(c.catalog.signals.types, ["my_rt::Shutdown"]);
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        let c = resolve("").expect("valid");
        assert!(!c.include_tests && c.levels.is_empty() && c.exclude.is_empty());
    }

    #[test]
    fn unknown_rules_are_placed_and_corrected() {
        let err = resolve("# levels\n[rules]\ndetached_spwn = \"deny\"\n").unwrap_err();
        assert_eq!(err, "leaklint.toml:3:1: unknown rule `detached_spwn`: did you mean `detached_spawn`?");
        let err = resolve("[rules]\n  frobnicate = \"deny\"\n").unwrap_err();
        assert_eq!(err, "leaklint.toml:2:3: unknown rule `frobnicate` (`leaklint rules` lists them)");
    }

    #[test]
    fn unknown_keys_and_values_are_placed_and_corrected() {
        assert_eq!(
            resolve("exclude = []\ninclude_tests = true\n").unwrap_err(),
            "leaklint.toml:2:1: unknown key `include_tests`: did you mean `include-tests`?"
        );
        assert_eq!(
            resolve("[rules]\ndetached_spawn = \"dney\"\n").unwrap_err(),
            "leaklint.toml:2:18: unknown value `dney`: did you mean `deny`?"
        );
        assert_eq!(
            resolve("[[catalog.spawn.function]]\npth = \"x\"\nhandle = \"join\"\n").unwrap_err(),
            "leaklint.toml:2:1: unknown key `pth`: did you mean `path`?"
        );
        assert_eq!(
            resolve("[catalog.spwn]\n").unwrap_err(),
            "leaklint.toml:1:10: unknown key `spwn`: did you mean `spawn`?"
        );
        let err = resolve("[[catalog.spawn.function]]\npath = \"x\"\nhandle = \"joined\"\n").unwrap_err();
        assert!(err.starts_with("leaklint.toml:3:10: unknown value `joined`"), "{err}");
    }

    #[test]
    fn bad_globs_and_types_are_placed() {
        let err = resolve("exclude = [\n  \"ok/**\",\n  \"src/[a.rs\",\n]\n").unwrap_err();
        assert!(err.starts_with("leaklint.toml:3:3: invalid exclude pattern `src/[a.rs`: "), "{err}");
        let err = resolve("include-tests = \"yes\"\n").unwrap_err();
        assert!(err.starts_with("leaklint.toml:1:17: invalid type"), "{err}");
        let err = resolve("[rules\n").unwrap_err();
        assert!(err.starts_with("leaklint.toml:1:"), "{err}");
    }

    #[test]
    fn manifest_tables_are_found_and_errors_are_placed_in_the_manifest() {
        let text = "[package]\nname = \"a\"\n\n[package.metadata.other]\nx = 1\n\n[package.metadata.leaklint]\ninclude-tests = true\n";
        let m = parse_manifest("Cargo.toml", text).expect("valid");
        assert!(m.package.is_some_and(|p| p.include_tests == Some(true)));
        assert!(m.workspace.is_none() && !m.is_workspace_root);

        let text = "[workspace]\nmembers = [\"a\"]\n\n[workspace.metadata.leaklint.rules]\ntimer_in_lop = \"allow\"\n";
        let m = parse_manifest("Cargo.toml", text).expect("valid");
        assert!(m.is_workspace_root);
        let ws = m.workspace.expect("workspace table");
        let err = ws.resolve(Path::new("/ws"), "Cargo.toml", text).unwrap_err().to_string();
        assert_eq!(err, "Cargo.toml:5:1: unknown rule `timer_in_lop`: did you mean `timer_in_loop`?");

        let text = "[workspace]\n[workspace.metadata.leaklint]\nexclud = []\n";
        let err = parse_manifest("Cargo.toml", text).unwrap_err().to_string();
        assert_eq!(err, "Cargo.toml:3:1: unknown key `exclud`: did you mean `exclude`?");
    }
}
