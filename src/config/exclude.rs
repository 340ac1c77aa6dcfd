//! `exclude = [..]`: glob patterns for files not to lint, matched against paths relative
//! to the configuration's directory.
//!
//! A pattern with a `/` is matched against the relative path (`generated/**`,
//! `src/gen/*.rs`, `**/bindings.rs`); one without matches a file or directory name
//! anywhere (`bindings.rs`, `generated`). A pattern that matches a directory excludes
//! everything below it. `*` does not cross `/`; `**` does.

use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

#[derive(Debug, Clone)]
pub struct Exclude {
    /// The configuration's directory, absolute.
    root: PathBuf,
    /// The patterns as written.
    patterns: Vec<String>,
    /// Patterns with a `/`, matched against the relative path and its ancestors.
    anchored: GlobSet,
    /// Patterns without, matched against each component.
    names: GlobSet,
}

impl Default for Exclude {
    /// Excludes nothing.
    fn default() -> Exclude {
        Exclude { root: PathBuf::new(), patterns: Vec::new(), anchored: GlobSet::empty(), names: GlobSet::empty() }
    }
}

impl Exclude {
    /// Compiles `patterns`; the error names the pattern that is not a valid glob (its
    /// index and why).
    pub fn new(root: &Path, patterns: &[String]) -> Result<Exclude, (usize, String)> {
        let mut anchored = GlobSetBuilder::new();
        let mut names = GlobSetBuilder::new();
        for (i, pattern) in patterns.iter().enumerate() {
            let (glob, is_anchored) = compile(pattern).map_err(|e| (i, e))?;
            if is_anchored {
                anchored.add(glob);
            } else {
                names.add(glob);
            }
        }
        let build = |b: GlobSetBuilder| b.build().map_err(|e| (0, e.to_string()));
        Ok(Exclude {
            root: std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()),
            patterns: patterns.to_vec(),
            anchored: build(anchored)?,
            names: build(names)?,
        })
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `path` (relative to the current directory, or absolute) is excluded.
    pub fn matches(&self, path: &Path) -> bool {
        if self.is_empty() {
            return false;
        }
        let components = self.relative_components(path);
        if components.iter().any(|c| self.names.is_match(c)) {
            return true;
        }
        let mut prefix = String::new();
        for c in &components {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(c);
            if self.anchored.is_match(&prefix) {
                return true;
            }
        }
        false
    }

    /// `path`'s components below the configuration's directory; for a path outside it,
    /// all of its components (so `**/x.rs` and name patterns still apply).
    fn relative_components(&self, path: &Path) -> Vec<String> {
        let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let rel = abs.strip_prefix(&self.root).ok().map(Path::to_path_buf).or_else(|| {
            // The same directory reached through a symlink.
            let canonical = |p: &Path| std::fs::canonicalize(p).ok();
            canonical(&abs)?.strip_prefix(canonical(&self.root)?).ok().map(Path::to_path_buf)
        });
        rel.as_deref()
            .unwrap_or(&abs)
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect()
    }
}

/// One pattern as a glob, and whether it is anchored (has a `/` other than a trailing
/// one).
fn compile(pattern: &str) -> Result<(Glob, bool), String> {
    let trimmed = pattern.trim_start_matches("./").trim_end_matches('/');
    if trimmed.is_empty() {
        return Err("an empty pattern matches nothing".into());
    }
    let anchored = trimmed.contains('/');
    let glob = GlobBuilder::new(trimmed.trim_start_matches('/'))
        .literal_separator(true)
        .build()
        .map_err(|e| e.kind().to_string())?;
    Ok((glob, anchored))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exclude(patterns: &[&str]) -> Exclude {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        Exclude::new(Path::new("/ws"), &patterns).expect("valid patterns")
    }

    #[test]
    fn anchored_patterns_match_relative_paths_and_their_directories() {
        let e = exclude(&["generated/**", "src/gen/*.rs", "**/bindings.rs", "vendor/"]);
        assert!(e.matches(Path::new("/ws/generated/a.rs")));
        assert!(e.matches(Path::new("/ws/generated/deep/b.rs")));
        assert!(!e.matches(Path::new("/ws/src/generated/a.rs")), "anchored at the root");
        assert!(e.matches(Path::new("/ws/src/gen/x.rs")));
        assert!(!e.matches(Path::new("/ws/src/gen/sub/x.rs")), "`*` does not cross `/`");
        assert!(e.matches(Path::new("/ws/bindings.rs")) && e.matches(Path::new("/ws/a/b/bindings.rs")));
        assert!(e.matches(Path::new("/ws/vendor/lib/src/x.rs")), "a directory excludes what is below it");
        assert!(!e.matches(Path::new("/ws/src/lib.rs")));
    }

    #[test]
    fn name_patterns_match_anywhere() {
        let e = exclude(&["generated", "*_pb.rs"]);
        assert!(e.matches(Path::new("/ws/crates/a/src/generated/x.rs")));
        assert!(e.matches(Path::new("/ws/src/api_pb.rs")));
        assert!(e.matches(Path::new("/elsewhere/api_pb.rs")), "outside the root, names still match");
        assert!(!e.matches(Path::new("/ws/src/generated_code.rs")));
    }

    #[test]
    fn invalid_patterns_are_named() {
        let patterns = vec!["ok/**".to_string(), "src/[a.rs".to_string()];
        let err = Exclude::new(Path::new("/ws"), &patterns).expect_err("unclosed class");
        assert_eq!(err.0, 1);
        assert!(err.1.contains("unclosed"), "{}", err.1);
        assert!(Exclude::new(Path::new("/ws"), &["".to_string()]).is_err());
    }
}
