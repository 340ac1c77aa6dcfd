//! `--format json`: JSON lines, one object per finding.
//!
//! Lines and columns are 1-based, columns count characters (as rustc's do), byte offsets
//! are from the start of the file and the end offsets and columns are exclusive.

use std::io::{self, Write};
use std::ops::Range;

use serde_json::{json, Value};

use super::ReportContext;
use crate::diagnostic::{Diagnostic, Label};
use crate::source::{SourceDb, SourceFile, Span};

pub fn write(cx: &ReportContext, diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    for diagnostic in diagnostics {
        serde_json::to_writer(&mut *out, &finding(cx.db, diagnostic))?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// The JSON object written for one finding.
pub fn finding(db: &SourceDb, diagnostic: &Diagnostic) -> Value {
    let primary = locate(db.get(diagnostic.primary.span.file), diagnostic.primary.span);
    let labels: Vec<Value> = std::iter::once(label(db, &diagnostic.primary, true))
        .chain(diagnostic.secondary.iter().map(|l| label(db, l, false)))
        .collect();
    let fix = diagnostic.fix.as_ref().map(|fix| {
        let file = db.get(fix.span.file);
        let range = clamp_span(file, fix.span);
        json!({
            "message": fix.message,
            "file": file.name,
            "byte_start": range.start,
            "byte_end": range.end,
            "replacement": fix.replacement,
        })
    });
    json!({
        "rule": diagnostic.rule,
        "code": diagnostic.code(),
        "level": diagnostic.level.as_rustc_str(),
        "message": diagnostic.message,
        "file": db.get(diagnostic.primary.span.file).name,
        "line_start": primary.line_start,
        "column_start": primary.column_start,
        "line_end": primary.line_end,
        "column_end": primary.column_end,
        "byte_start": primary.byte_start,
        "byte_end": primary.byte_end,
        "labels": labels,
        "help": diagnostic.help,
        "fix": fix,
    })
}

fn label(db: &SourceDb, label: &Label, primary: bool) -> Value {
    let file = db.get(label.span.file);
    let at = locate(file, label.span);
    json!({
        "file": file.name,
        "line_start": at.line_start,
        "column_start": at.column_start,
        "line_end": at.line_end,
        "column_end": at.column_end,
        "byte_start": at.byte_start,
        "byte_end": at.byte_end,
        "message": label.message,
        "primary": primary,
    })
}

/// Where a span lies in its file, in the units machine output uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Location {
    pub byte_start: usize,
    pub byte_end: usize,
    /// 1-based.
    pub line_start: usize,
    /// 1-based, in characters.
    pub column_start: usize,
    /// 1-based; the line of `byte_end`.
    pub line_end: usize,
    /// 1-based, in characters, exclusive.
    pub column_end: usize,
}

pub(crate) fn locate(file: &SourceFile, span: Span) -> Location {
    let range = clamp_span(file, span);
    let start = file.line_col(range.start);
    let end = file.line_col(range.end);
    Location {
        byte_start: range.start,
        byte_end: range.end,
        line_start: start.line,
        column_start: start.column,
        line_end: end.line,
        column_end: end.column,
    }
}

/// The span's byte range, moved inside the file and onto character boundaries, so that every
/// format reports (and slices) a valid range even for a malformed span.
pub(crate) fn clamp_span(file: &SourceFile, span: Span) -> Range<usize> {
    let text = &*file.text;
    let floor = |mut byte: usize| {
        byte = byte.min(text.len());
        while !text.is_char_boundary(byte) {
            byte -= 1;
        }
        byte
    };
    let start = floor(span.lo as usize);
    let mut end = floor(span.hi as usize).max(start);
    // A span ending inside a character covers the whole character.
    if (span.hi as usize) > end && end < text.len() {
        end += text[end..].chars().next().map_or(0, char::len_utf8);
    }
    start..end
}
