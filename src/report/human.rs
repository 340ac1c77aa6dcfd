//! rustc-like text output through codespan-reporting.
//!
//! ```text
//! warning[leaklint::detached_spawn]: spawned task is never joined or cancelled
//!  --> src/lib.rs:3:5
//!   |
//! 3 |     tokio::spawn(async move { loop {} });
//!   |     ^^^^^^^^^^^^ the handle is dropped here
//!   |
//!   = help: keep the `JoinHandle` and abort it on shutdown
//! ```

use std::io::{self, Write};

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel, Severity};
use codespan_reporting::files::Error as FilesError;
use codespan_reporting::term::termcolor::{Ansi, NoColor, WriteColor};
use codespan_reporting::term::{self, Chars, Config};

use super::json::clamp_span;
use super::ReportContext;
use crate::diagnostic::{Diagnostic, Label, Level};
use crate::source::{FileId, SourceDb};

/// Writes every diagnostic, each followed by a blank line; coloured with ANSI escapes when
/// `cx.color` is set. The summary line is left to the caller.
pub fn write(cx: &ReportContext, diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    if cx.color {
        let mut writer = Ansi::new(out);
        diagnostics.iter().try_for_each(|d| emit(cx.db, d, &mut writer))?;
        writer.flush()
    } else {
        let mut writer = NoColor::new(out);
        diagnostics.iter().try_for_each(|d| emit(cx.db, d, &mut writer))?;
        writer.flush()
    }
}

/// The human rendering of one diagnostic, without colour (used for the `rendered` field of
/// cargo-compatible output).
pub fn render(db: &SourceDb, diagnostic: &Diagnostic) -> String {
    let mut writer = NoColor::new(Vec::new());
    // Writing into a `Vec` cannot fail, and `emit` only reads spans clamped to their file.
    let _ = emit(db, diagnostic, &mut writer);
    String::from_utf8_lossy(&writer.into_inner()).into_owned()
}

/// Emits one diagnostic into a colour-capable writer.
pub fn emit(db: &SourceDb, diagnostic: &Diagnostic, writer: &mut dyn WriteColor) -> io::Result<()> {
    let config = Config { chars: Chars::ascii(), ..Config::default() };
    term::emit(writer, &config, db, &to_codespan(db, diagnostic)).map_err(into_io_error)
}

fn to_codespan(db: &SourceDb, diagnostic: &Diagnostic) -> CsDiagnostic<FileId> {
    let severity = match diagnostic.level {
        Level::Deny => Severity::Error,
        Level::Warn => Severity::Warning,
        Level::Allow => Severity::Note,
    };
    let label = |label: &Label, make: fn(FileId, std::ops::Range<usize>) -> CsLabel<FileId>| {
        let file = db.get(label.span.file);
        make(label.span.file, clamp_span(file, label.span)).with_message(&label.message)
    };
    let mut labels = vec![label(&diagnostic.primary, CsLabel::primary)];
    labels.extend(diagnostic.secondary.iter().map(|l| label(l, CsLabel::secondary)));

    let mut notes = Vec::new();
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {help}"));
    }
    if let Some(fix) = &diagnostic.fix {
        let note = if fix.replacement.is_empty() {
            format!("help: {}", fix.message)
        } else if fix.replacement.contains('\n') {
            format!("help: {}:\n{}", fix.message, fix.replacement.trim_end_matches('\n'))
        } else {
            format!("help: {}: `{}`", fix.message, fix.replacement)
        };
        notes.push(note);
    }
    if let Some(url) = crate::rules::docs_url(diagnostic.rule) {
        notes.push(format!("help: for further information visit {url}"));
    }

    CsDiagnostic::new(severity)
        .with_code(diagnostic.code())
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(notes)
}

fn into_io_error(err: FilesError) -> io::Error {
    match err {
        FilesError::Io(err) => err,
        other => io::Error::other(other.to_string()),
    }
}
