//! `--fix` and `--diff`: applies the machine-applicable fixes of reported findings.
//!
//! Knows only [`Diagnostic`]s, their fixes and files, like `rustfix`'s applier. The edits
//! are read by `rustfix` from the same rustc-shaped JSON `--message-format=json` prints
//! ([`cargo_json::message`]), so leaklint applies exactly what `cargo fix`-style tools
//! would, and only what that JSON marks `MachineApplicable`. A file is written only if
//! it still holds the text that was linted, atomically, keeping its permissions.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use rustfix::{CodeFix, Filter, Suggestion};

use crate::diagnostic::Diagnostic;
use crate::lint::Run;
use crate::report::cargo_json;
use crate::source::{FileId, SourceDb, SourceFile};

/// How often `--fix` lints again and applies what is still fixable (a fix that overlaps
/// another is left for the next pass, as `cargo fix` does).
pub const MAX_PASSES: usize = 10;

/// The fixed text of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFix {
    pub file: FileId,
    pub text: String,
    /// How many findings the edits fix.
    pub fixed: usize,
}

/// Applies every machine-applicable fix of `diagnostics` (the reported findings) to the
/// texts in `db`; returns the files that change, in [`FileId`] order. A fix overlapping
/// one already applied to the same file is skipped.
pub fn plan(db: &SourceDb, diagnostics: &[Diagnostic]) -> Vec<FileFix> {
    let mut by_file: BTreeMap<FileId, Vec<Suggestion>> = BTreeMap::new();
    for d in diagnostics {
        if let (Some(fix), Some(suggestion)) = (&d.fix, suggestion(db, d)) {
            by_file.entry(fix.span.file).or_default().push(suggestion);
        }
    }
    by_file
        .into_iter()
        .filter_map(|(file, suggestions)| {
            let (text, fixed) = apply(&db.get(file).text, &suggestions)?;
            Some(FileFix { file, text, fixed })
        })
        .collect()
}

/// The machine-applicable suggestion rustfix reads from `d`'s rustc-shaped JSON.
fn suggestion(db: &SourceDb, d: &Diagnostic) -> Option<Suggestion> {
    let json = cargo_json::message(db, d);
    let rustc: rustfix::diagnostics::Diagnostic = serde_json::from_value(json).ok()?;
    rustfix::collect_suggestions(&rustc, &HashSet::<String>::new(), Filter::MachineApplicableOnly)
}

/// `text` with `suggestions` applied, and how many were; `None` when nothing changes.
fn apply(text: &str, suggestions: &[Suggestion]) -> Option<(String, usize)> {
    let mut code = CodeFix::new(text);
    let mut fixed = 0;
    for s in suggestions {
        match code.apply(s) {
            // The identical edit is already there (two findings with one fix): both fixed.
            Ok(()) | Err(rustfix::Error::AlreadyReplaced { is_identical: true, .. }) => fixed += 1,
            // Overlaps another fix: the finding stays, for the next pass.
            Err(_) => {}
        }
    }
    let out = code.finish().ok()?;
    (fixed > 0 && out != text).then_some((out, fixed))
}

/// `fix` as a unified diff of the file (`--- a/<name>` / `+++ b/<name>`).
pub fn unified_diff(db: &SourceDb, fix: &FileFix) -> String {
    let file = db.get(fix.file);
    similar::TextDiff::from_lines(&*file.text, fix.text.as_str())
        .unified_diff()
        .header(&format!("a/{}", file.name), &format!("b/{}", file.name))
        .to_string()
}

/// Why a fixed file was not written.
#[derive(Debug, PartialEq, Eq)]
pub enum WriteError {
    /// The file on disk is no longer the text that was linted.
    Changed,
    /// Reading or writing failed; the message names the file and the cause.
    Io(String),
}

impl WriteError {
    /// The warning for the file called `name`.
    pub fn describe(&self, name: &str) -> String {
        match self {
            WriteError::Changed => format!("`{name}` changed since leaklint read it; not fixed"),
            WriteError::Io(e) => format!("`{name}` not fixed: {e}"),
        }
    }
}

/// Replaces `file` on disk with `fixed`, unless its contents differ from `file.text`
/// (the linted text): through a temporary file in the same directory and a rename, so
/// the file is never half-written, with the original's permissions. A symlink is
/// followed: its target is rewritten.
pub fn write_if_unchanged(file: &SourceFile, fixed: &str) -> Result<(), WriteError> {
    let io =
        |what: &str, path: &Path, e: std::io::Error| WriteError::Io(format!("cannot {what} `{}`: {e}", path.display()));
    let path = std::fs::canonicalize(&file.path).map_err(|e| io("resolve", &file.path, e))?;
    let on_disk = std::fs::read(&path).map_err(|e| io("read", &path, e))?;
    if on_disk != file.text.as_bytes() {
        return Err(WriteError::Changed);
    }
    let permissions = std::fs::metadata(&path).map_err(|e| io("read the permissions of", &path, e))?.permissions();
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".leaklint-fix-")
        .tempfile_in(dir)
        .map_err(|e| io("create a temporary file in", dir, e))?;
    temp.write_all(fixed.as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .and_then(|()| temp.as_file().set_permissions(permissions))
        .map_err(|e| io("write", temp.path(), e))?;
    temp.persist(&path).map_err(|e| io("replace", &path, e.error))?;
    Ok(())
}

/// What `--fix` did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The last lint: what remains.
    pub run: Run,
    /// Findings fixed, over all passes.
    pub fixed: usize,
    /// Files changed, by path on disk.
    pub files: BTreeSet<PathBuf>,
    /// Files that were not written, and why.
    pub warnings: Vec<String>,
}

impl Outcome {
    /// `fixed N findings in M files (K remaining)`.
    pub fn summary(&self, remaining: usize) -> String {
        format!(
            "leaklint: fixed {} in {} ({remaining} remaining)",
            plural(self.fixed, "finding"),
            plural(self.files.len(), "file")
        )
    }
}

/// `1 finding`, `2 findings`.
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// `--fix`: applies the fixes of `run`'s findings with `commit` (a file and its fixed
/// text), lints again with `relint`, and repeats while fixes apply, at most
/// [`MAX_PASSES`] times. A file `commit` refuses is left alone from then on.
pub fn fix_until_stable(
    mut run: Run,
    mut commit: impl FnMut(&SourceFile, &str) -> Result<(), WriteError>,
    mut relint: impl FnMut() -> Result<Run, String>,
) -> Result<Outcome, String> {
    let mut outcome = Outcome::default();
    let mut refused = HashSet::new();
    for _ in 0..MAX_PASSES {
        let mut applied = 0;
        for fix in plan(&run.db, &run.diagnostics) {
            let file = run.db.get(fix.file);
            if refused.contains(&file.path) {
                continue;
            }
            match commit(file, &fix.text) {
                Ok(()) => {
                    applied += fix.fixed;
                    outcome.files.insert(file.path.clone());
                }
                Err(e) => {
                    outcome.warnings.push(e.describe(&file.name));
                    refused.insert(file.path.clone());
                }
            }
        }
        if applied == 0 {
            break;
        }
        outcome.fixed += applied;
        run = relint()?;
    }
    outcome.run = run;
    Ok(outcome)
}

/// `--fix` on files: writes them with [`write_if_unchanged`].
pub fn fix_files(run: Run, relint: impl FnMut() -> Result<Run, String>) -> Result<Outcome, String> {
    fix_until_stable(run, write_if_unchanged, relint)
}

/// `--fix` on one in-memory file (`--stdin-filename`): nothing is written; `relint`
/// lints the fixed text. Returns the final text too (the original when nothing applied).
pub fn fix_text(run: Run, relint: impl Fn(String) -> Result<Run, String>) -> Result<(Outcome, String), String> {
    let original = run.db.files().next().map(|(_, f)| f.text.to_string()).unwrap_or_default();
    let latest = std::cell::RefCell::new(original);
    let commit = |_: &SourceFile, text: &str| {
        *latest.borrow_mut() = text.to_string();
        Ok(())
    };
    let outcome = fix_until_stable(run, commit, || relint(latest.borrow().clone()))?;
    Ok((outcome, latest.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Fix, Label, Level};
    use crate::source::Span;

    fn db(text: &str) -> SourceDb {
        let mut db = SourceDb::default();
        db.add(SourceFile::new("a.rs".into(), "a.rs".into(), text.into()));
        db
    }

    fn with_fix(at: std::ops::Range<usize>, replacement: &str) -> Diagnostic {
        let span = Span::new(FileId(0), at);
        let mut d = Diagnostic::new("r", Level::Warn, "m", Label::new(span, "l"));
        d.fix = Some(Fix { message: "fix it".into(), span, replacement: replacement.into() });
        d
    }

    #[test]
    fn fixes_apply_and_overlapping_ones_wait() {
        let db = db("abcdef\n");
        let found = [with_fix(0..1, "A"), with_fix(2..2, "X"), with_fix(0..2, "zz"), with_fix(2..2, "X")];
        let fixes = plan(&db, &found);
        // The identical insertion counts for both findings; the overlapping edit waits.
        assert_eq!(fixes, [FileFix { file: FileId(0), text: "AbXcdef\n".into(), fixed: 3 }]);
        let diff = unified_diff(&db, &fixes[0]);
        assert_eq!(diff, "--- a/a.rs\n+++ b/a.rs\n@@ -1 +1 @@\n-abcdef\n+AbXcdef\n");
    }

    #[test]
    fn findings_without_fixes_change_nothing() {
        let db = db("abc\n");
        let mut d = with_fix(0..1, "a");
        assert!(plan(&db, &[d.clone()]).is_empty(), "a fix that changes nothing");
        d.fix = None;
        assert!(plan(&db, &[d]).is_empty());
    }

    #[test]
    fn a_file_that_changed_since_it_was_read_is_not_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.rs");
        std::fs::write(&path, "edited meanwhile\n").expect("write");
        let linted = SourceFile::new("a.rs".into(), path.clone(), "as linted\n".into());
        assert_eq!(write_if_unchanged(&linted, "fixed\n"), Err(WriteError::Changed));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "edited meanwhile\n");

        let same = SourceFile::new("a.rs".into(), path.clone(), "edited meanwhile\n".into());
        assert_eq!(write_if_unchanged(&same, "fixed\n"), Ok(()));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "fixed\n");
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(left, ["a.rs"], "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn writing_keeps_permissions_and_follows_symlinks() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("real.rs");
        std::fs::write(&target, "old\n").expect("write");
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let link = dir.path().join("link.rs");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        let file = SourceFile::new("link.rs".into(), link.clone(), "old\n".into());
        assert_eq!(write_if_unchanged(&file, "new\n"), Ok(()));
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "new\n");
        assert!(std::fs::symlink_metadata(&link).expect("lstat").file_type().is_symlink());
        let mode = std::fs::metadata(&target).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn an_unwritable_file_is_a_warning_naming_it() {
        let file = SourceFile::new("gone.rs".into(), "/nonexistent/dir/gone.rs".into(), "x\n".into());
        let Err(e) = write_if_unchanged(&file, "y\n") else { panic!("wrote a missing file") };
        let warning = e.describe("gone.rs");
        assert!(warning.contains("`gone.rs` not fixed: cannot resolve `/nonexistent/dir/gone.rs`"), "{warning}");
    }
}
