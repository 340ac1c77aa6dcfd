//! `--message-format=json`: the lines `cargo check --message-format=json` prints, so that
//! rust-analyzer and `cargo_metadata::Message::parse_stream` read leaklint's findings as
//! compiler messages. One `compiler-message` per finding, then always one `build-finished`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::json::locate;
use super::{human, ReportContext};
use crate::diagnostic::{Diagnostic, Level};
use crate::source::{SourceDb, SourceFile, Span};

pub fn write(cx: &ReportContext, diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    for diagnostic in diagnostics {
        serde_json::to_writer(&mut *out, &compiler_message(cx.db, diagnostic))?;
        out.write_all(b"\n")?;
    }
    serde_json::to_writer(&mut *out, &json!({ "reason": "build-finished", "success": cx.success }))?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The `{"reason":"compiler-message",...}` object for one finding.
pub fn compiler_message(db: &SourceDb, diagnostic: &Diagnostic) -> Value {
    let file = db.get(diagnostic.primary.span.file);
    let src_path = absolute(&file.path);
    let (package_id, manifest_path, target_name) = match &file.package {
        Some(package) => {
            (package.id(), package.manifest_path.to_string_lossy().into_owned(), package.name.replace('-', "_"))
        }
        None => {
            let root = std::env::current_dir()
                .ok()
                .or_else(|| src_path.parent().map(Path::to_path_buf))
                .unwrap_or_else(|| PathBuf::from("/"));
            (format!("path+file://{}#leaklint-input@0.0.0", root.display()), String::new(), "leaklint_input".into())
        }
    };
    json!({
        "reason": "compiler-message",
        "package_id": package_id,
        "manifest_path": manifest_path,
        "target": {
            "kind": ["lib"],
            "crate_types": ["lib"],
            "name": target_name,
            "src_path": src_path.to_string_lossy(),
            "edition": "2021",
            "doc": true,
            "doctest": false,
            "test": false,
        },
        "message": message(db, diagnostic),
    })
}

/// The rustc-shaped diagnostic (`$message_type: "diagnostic"`); a fix is a child whose span
/// carries a `suggested_replacement`, which is what `--fix` hands to `rustfix`.
pub fn message(db: &SourceDb, diagnostic: &Diagnostic) -> Value {
    let level = match diagnostic.level {
        Level::Deny => "error",
        Level::Warn => "warning",
        // Never reported; "allow" is no rustc level, so keep the line parseable.
        Level::Allow => "note",
    };
    let mut spans = vec![span(db, diagnostic.primary.span, true, Some(&diagnostic.primary.message), None)];
    spans.extend(diagnostic.secondary.iter().map(|l| span(db, l.span, false, Some(&l.message), None)));

    let mut children = Vec::new();
    if let Some(help) = &diagnostic.help {
        children.push(child(help, Vec::new()));
    }
    if let Some(fix) = &diagnostic.fix {
        children.push(child(&fix.message, vec![span(db, fix.span, true, None, Some(&fix.replacement))]));
    }
    if let Some(url) = crate::rules::docs_url(diagnostic.rule) {
        children.push(child(&format!("for further information visit {url}"), Vec::new()));
    }

    json!({
        "$message_type": "diagnostic",
        "message": diagnostic.message,
        "code": { "code": diagnostic.code(), "explanation": null },
        "level": level,
        "spans": spans,
        "children": children,
        "rendered": human::render(db, diagnostic),
    })
}

fn child(message: &str, spans: Vec<Value>) -> Value {
    json!({
        "message": message,
        "code": null,
        "level": "help",
        "spans": spans,
        "children": [],
        "rendered": null,
    })
}

/// A rustc `DiagnosticSpan`; `replacement` makes it a machine-applicable suggestion.
fn span(db: &SourceDb, span: Span, is_primary: bool, label: Option<&str>, replacement: Option<&str>) -> Value {
    let file = db.get(span.file);
    let at = locate(file, span);
    let text: Vec<Value> = (at.line_start..=at.line_end)
        .map(|line| {
            let content = line_text(file, line);
            let first = if line == at.line_start { at.column_start } else { 1 };
            let last = if line == at.line_end { at.column_end } else { content.chars().count() + 1 };
            json!({ "text": content, "highlight_start": first, "highlight_end": last })
        })
        .collect();
    json!({
        "file_name": file.name,
        "byte_start": at.byte_start,
        "byte_end": at.byte_end,
        "line_start": at.line_start,
        "line_end": at.line_end,
        "column_start": at.column_start,
        "column_end": at.column_end,
        "is_primary": is_primary,
        "text": text,
        "label": label,
        "suggested_replacement": replacement,
        "suggestion_applicability": replacement.map(|_| "MachineApplicable"),
        "expansion": null,
    })
}

/// The text of 1-based line `line`, without its line terminator.
fn line_text(file: &SourceFile, line: usize) -> &str {
    let range = file.line_range(line - 1).unwrap_or(0..0);
    let text = &file.text[range];
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.strip_suffix('\r').unwrap_or(text)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
