//! `--format sarif`: one SARIF 2.1.0 log (as GitHub code scanning reads it) with one run.
//!
//! The driver lists every rule of [`rules::all`] and the tool's own diagnostics
//! (`parse_error`, `internal_error`). Columns count Unicode code points, as in `--format
//! json` (the run says so with `columnKind: unicodeCodePoints`); lines and columns are
//! 1-based, end columns exclusive. File names are the ones leaklint shows, as URIs relative to
//! `%SRCROOT%`. Each result carries a `leaklint/v1` partial fingerprint that does not depend
//! on line numbers, so that a finding keeps its identity when code above it changes.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactChange, ArtifactContent, ArtifactLocation, Fix as SarifFix, Location, Message, MultiformatMessageString,
    PhysicalLocation, Region, Replacement, ReportingConfiguration, ReportingDescriptor, Result as SarifResult,
    ResultLevel, Run, Sarif, Tool, ToolComponent,
};

use super::json::{clamp_span, locate};
use super::ReportContext;
use crate::diagnostic::{Diagnostic, Level, PARSE_ERROR};
use crate::lint::INTERNAL_ERROR;
use crate::rules;
use crate::source::{SourceDb, SourceFile, Span};
use crate::suppress::UNUSED_SUPPRESSION;

/// Where each rule's documentation lives: `<RULE_DOCS_BASE>#<id>`.
pub use crate::rules::DOCS_BASE as RULE_DOCS_BASE;
/// The project's home page (`informationUri`).
pub const INFORMATION_URI: &str = "https://github.com/leaklint/leaklint";
/// The schema the log declares (`$schema`).
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of the line-independent fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "leaklint/v1";
/// The base that relative artifact URIs are resolved against.
pub const SRCROOT: &str = "%SRCROOT%";

/// The tool's own diagnostics, which no rule module describes.
const TOOL_DIAGNOSTICS: &[(&str, Level, &str, &str)] = &[
    (
        PARSE_ERROR,
        Level::Deny,
        "a file could not be read or parsed",
        "The file could not be read (I/O error, invalid UTF-8) or is not valid Rust syntax. \
         leaklint skips it and lints the other files.",
    ),
    (
        INTERNAL_ERROR,
        Level::Deny,
        "leaklint crashed while analysing a file",
        "leaklint panicked while analysing this file. The file is skipped; this is a bug in \
         leaklint, please report it with the file.",
    ),
    (
        UNUSED_SUPPRESSION,
        Level::Warn,
        "a `// leaklint::allow(..)` comment suppresses nothing",
        "The suppression names no rule, or no finding of the rules it names starts on its line \
         or the line below. Remove it or move it next to the finding.",
    ),
];

pub fn write(cx: &ReportContext, diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(cx.db, diagnostics))?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The whole SARIF log for `diagnostics` (already filtered and sorted).
pub fn log(db: &SourceDb, diagnostics: &[Diagnostic]) -> Sarif {
    let descriptors = descriptors();
    let index: HashMap<String, usize> = descriptors.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect();
    let results: Vec<SarifResult> = diagnostics
        .iter()
        .zip(crate::fingerprint::fingerprints(db, diagnostics))
        .map(|(d, fingerprint)| result(db, d, index.get(&d.code()).copied(), fingerprint))
        .collect();

    let driver = ToolComponent::builder()
        .name("leaklint")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(INFORMATION_URI)
        .rules(descriptors)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(json!("unicodeCodePoints"))
        .build();
    Sarif::builder().schema(SCHEMA_URI).version(json!("2.1.0")).runs(vec![run]).build()
}

/// `reportingDescriptor`s: every rule in LINTS.md order, then the tool's own diagnostics.
fn descriptors() -> Vec<ReportingDescriptor> {
    let rules = rules::all().iter().map(|r| {
        let m = &r.meta;
        ReportingDescriptor::builder()
            .id(format!("leaklint::{}", m.id))
            .name(m.id)
            .short_description(plain(m.summary))
            .full_description(plain(&first_section(m.docs)))
            .help(MultiformatMessageString::builder().text(markdown_to_text(m.docs)).markdown(m.docs.trim()).build())
            .help_uri(format!("{RULE_DOCS_BASE}#{}", m.id))
            .default_configuration(configuration(m.default_level))
            .build()
    });
    let tool = TOOL_DIAGNOSTICS.iter().map(|&(id, level, summary, full)| {
        ReportingDescriptor::builder()
            .id(format!("leaklint::{id}"))
            .name(id)
            .short_description(plain(summary))
            .full_description(plain(full))
            .help(plain(full))
            .default_configuration(configuration(level))
            .build()
    });
    rules.chain(tool).collect()
}

fn plain(text: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(text.trim()).build()
}

fn configuration(level: Level) -> ReportingConfiguration {
    ReportingConfiguration::builder().level(json!(level_str(level))).build()
}

fn level_str(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "none",
    }
}

fn result(db: &SourceDb, d: &Diagnostic, rule_index: Option<usize>, fingerprint: String) -> SarifResult {
    let level = match d.level {
        Level::Deny => ResultLevel::Error,
        Level::Warn => ResultLevel::Warning,
        Level::Allow => ResultLevel::None,
    };
    let mut primary = Location::builder().physical_location(physical(db, d.primary.span)).build();
    if !d.primary.message.is_empty() {
        primary.message = Some(text_message(&d.primary.message));
    }
    let related: Vec<Location> = d
        .secondary
        .iter()
        .enumerate()
        .map(|(i, l)| {
            Location::builder()
                .id(i as i64 + 1)
                .physical_location(physical(db, l.span))
                .message(text_message(&l.message))
                .build()
        })
        .collect();
    let fixes: Vec<SarifFix> = d
        .fix
        .iter()
        .map(|fix| {
            let file = db.get(fix.span.file);
            let replacement = Replacement::builder()
                .deleted_region(region(file, fix.span))
                .inserted_content(ArtifactContent::builder().text(fix.replacement.as_str()).build())
                .build();
            let change =
                ArtifactChange::builder().artifact_location(artifact(file)).replacements(vec![replacement]).build();
            SarifFix::builder().description(text_message(&fix.message)).artifact_changes(vec![change]).build()
        })
        .collect();

    // SARIF has no place of its own for the help; it follows the message, as in human output.
    let message = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };

    let mut r = SarifResult::builder()
        .rule_id(d.code())
        .level(level)
        .message(text_message(&message))
        .locations(vec![primary])
        .partial_fingerprints(BTreeMap::from([(FINGERPRINT_KEY.to_string(), fingerprint)]))
        .build();
    r.rule_index = rule_index.map(|i| i as i64);
    r.related_locations = (!related.is_empty()).then_some(related);
    r.fixes = (!fixes.is_empty()).then_some(fixes);
    r
}

fn text_message(text: &str) -> Message {
    Message::builder().text(text).build()
}

fn physical(db: &SourceDb, span: Span) -> PhysicalLocation {
    let file = db.get(span.file);
    PhysicalLocation::builder().artifact_location(artifact(file)).region(region(file, span)).build()
}

fn artifact(file: &SourceFile) -> ArtifactLocation {
    let (uri, relative) = uri(&file.name);
    let mut location = ArtifactLocation::builder().uri(uri).build();
    if relative {
        location.uri_base_id = Some(SRCROOT.into());
    }
    location
}

/// The region of `span`: 1-based lines and code-point columns (end exclusive), and the
/// code-point offset and length.
fn region(file: &SourceFile, span: Span) -> Region {
    let at = locate(file, span);
    let range = clamp_span(file, span);
    let char_offset = file.text[..range.start].chars().count();
    let char_length = file.text[range.clone()].chars().count();
    Region::builder()
        .start_line(at.line_start as i64)
        .start_column(at.column_start as i64)
        .end_line(at.line_end as i64)
        .end_column(at.column_end as i64)
        .char_offset(char_offset as i64)
        .char_length(char_length as i64)
        .build()
}

/// The file name as a URI reference, and whether it is relative (to `%SRCROOT%`).
/// Backslashes become `/`; everything but unreserved characters and `/` is percent-encoded.
pub fn uri(name: &str) -> (String, bool) {
    let name = name.replace('\\', "/");
    let bytes = name.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if drive {
        // `C:/x` -> `file:///C:/x`
        return (format!("file:///{}:{}", &name[..1], encode(&name[2..])), false);
    }
    if name.starts_with('/') {
        return (format!("file://{}", encode(&name)), false);
    }
    let name = name.strip_prefix("./").unwrap_or(&name);
    (encode(name), true)
}

fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The body of the first `###` section of a rule's documentation (What it finds), as text.
fn first_section(docs: &str) -> String {
    let body: Vec<&str> =
        docs.trim().lines().skip_while(|l| l.starts_with('#')).take_while(|l| !l.starts_with("### ")).collect();
    markdown_to_text(&body.join("\n"))
}

/// A plain-text rendering of rule documentation: headings without `#`, no fences, no
/// emphasis or code marks.
fn markdown_to_text(markdown: &str) -> String {
    let lines: Vec<String> = markdown
        .trim()
        .lines()
        .filter(|l| !l.trim_start().starts_with("```"))
        .map(|l| l.trim_start_matches('#').trim_start_matches(' ').replace("**", "").replace('`', ""))
        .collect();
    lines.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_percent_encoded() {
        assert_eq!(uri("src/lib.rs"), ("src/lib.rs".into(), true));
        assert_eq!(uri("./my dir/é.rs"), ("my%20dir/%C3%A9.rs".into(), true));
        assert_eq!(uri("src\\win\\a#b.rs"), ("src/win/a%23b.rs".into(), true));
        assert_eq!(uri("/abs/x y.rs"), ("file:///abs/x%20y.rs".into(), false));
        assert_eq!(uri("C:\\w\\x.rs"), ("file:///C:/w/x.rs".into(), false));
    }

    #[test]
    fn fingerprints_depend_on_rule_file_text_and_occurrence() {
        use crate::fingerprint::fingerprint;
        let a = fingerprint("r", "f.rs", "spawn(x);", 0);
        assert_eq!(a, fingerprint("r", "f.rs", "spawn(x);", 0));
        assert!(a.ends_with(":1"));
        for other in [
            fingerprint("s", "f.rs", "spawn(x);", 0),
            fingerprint("r", "g.rs", "spawn(x);", 0),
            fingerprint("r", "f.rs", "spawn(y);", 0),
            fingerprint("r", "f.rs", "spawn(x);", 1),
        ] {
            assert_ne!(a, other);
        }
    }

    #[test]
    fn plain_help_drops_markdown_marks() {
        let text = markdown_to_text("### What it finds\nA **bold** `x`.\n```rust\nlet a;\n```\n");
        assert_eq!(text, "What it finds\nA bold x.\nlet a;");
        assert_eq!(first_section("\n### What\nbody `a`\n\n### Why\nno"), "body a");
    }
}
