//! The three report formats, checked against positions worked out by hand.

use std::path::PathBuf;
use std::sync::Arc;

use cargo_metadata::diagnostic::{Applicability, DiagnosticLevel};
use cargo_metadata::Message;
use leaklint::diagnostic::{Diagnostic, Fix, Label, Level};
use leaklint::report::{self, Format, ReportContext};
use leaklint::source::{FileId, Package, SourceDb, SourceFile, Span};
use serde_json::Value;

// Line 1: bytes 0..11, `\n` at 11.
// Line 2: starts at byte 12. `é` is character 9 (bytes 20..22), so everything after it on
//         the line sits one byte further than its column suggests: `spawn` starts at column
//         16, byte 12 + 15 + 1 = 28. The line has 28 characters (29 bytes), `\n` at 41.
// Line 3: starts at byte 42; `loop {}` is columns 9..16, bytes 50..57; `\n` at 57.
// Line 4: starts at byte 58.
const SOURCE: &str = "fn main() {\n    let é = 1; spawn(async {\n        loop {}\n    });\n}\n";
const LINE_2: &str = "    let é = 1; spawn(async {";
const LINE_3: &str = "        loop {}";

const PRIMARY: std::ops::Range<usize> = 28..57;
const PRIMARY_TEXT: &str = "spawn(async {\n        loop {}";
const SECONDARY: std::ops::Range<usize> = 20..22;
const FIX: std::ops::Range<usize> = 28..33;

fn db(with_package: bool) -> (SourceDb, FileId) {
    let mut db = SourceDb::default();
    let file = SourceFile::new("src/lib.rs".into(), PathBuf::from("/ws/my-crate/src/lib.rs"), SOURCE.into());
    let package = Package {
        name: "my-crate".into(),
        version: "0.1.0".into(),
        manifest_path: PathBuf::from("/ws/my-crate/Cargo.toml"),
        root: PathBuf::from("/ws/my-crate"),
        lib_name: "my_crate".into(),
        targets: Vec::new(),
        edition: leaklint::source::Edition::E2021,
        dependencies: Vec::new(),
    };
    let file = file.with_package(with_package.then(|| Arc::new(package)));
    let id = db.add(file);
    (db, id)
}

fn diagnostic(file: FileId, level: Level) -> Diagnostic {
    let mut d = Diagnostic::new(
        "detached_spawn",
        level,
        "spawned task is never joined",
        Label::new(Span::new(file, PRIMARY), "this task runs forever"),
    )
    .with_label(Label::new(Span::new(file, SECONDARY), "declared here"))
    .with_help("keep the JoinHandle and abort it on shutdown");
    d.fix = Some(Fix {
        message: "spawn on the owned handle".into(),
        span: Span::new(file, FIX),
        replacement: "handle.spawn".into(),
    });
    d
}

fn render(format: Format, db: &SourceDb, diagnostics: &[Diagnostic], color: bool, success: bool) -> String {
    let cx = ReportContext { db, color, success };
    let mut out = Vec::new();
    report::write(format, &cx, diagnostics, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn hand_computed_positions_match_the_source() {
    // Guards the constants above, which every other test relies on.
    assert_eq!(&SOURCE[12..41], LINE_2);
    assert_eq!(&SOURCE[42..57], LINE_3);
    assert_eq!(&SOURCE[PRIMARY], PRIMARY_TEXT);
    assert_eq!(&SOURCE[SECONDARY], "é");
    assert_eq!(&SOURCE[FIX], "spawn");
    assert_eq!(LINE_2.chars().count(), 28);
}

#[test]
fn cargo_json_parses_with_cargo_metadata() {
    let (db, file) = db(true);
    let out = render(Format::CargoJson, &db, &[diagnostic(file, Level::Warn)], false, false);
    assert!(out.ends_with('\n'));
    let messages: Vec<Message> = Message::parse_stream(out.as_bytes()).collect::<Result<_, _>>().unwrap();
    assert_eq!(messages.len(), 2, "{out}");

    let Message::CompilerMessage(msg) = &messages[0] else { panic!("not a compiler message: {:?}", messages[0]) };
    assert_eq!(msg.package_id.repr, "path+file:///ws/my-crate#my-crate@0.1.0");
    assert_eq!(msg.target.name, "my_crate");
    assert_eq!(msg.target.src_path, "/ws/my-crate/src/lib.rs");
    let m = &msg.message;
    assert_eq!(m.message, "spawned task is never joined");
    assert_eq!(m.level, DiagnosticLevel::Warning);
    assert_eq!(m.code.as_ref().unwrap().code, "leaklint::detached_spawn");

    assert_eq!(m.spans.len(), 2);
    let primary = &m.spans[0];
    assert!(primary.is_primary);
    assert_eq!(primary.file_name, "src/lib.rs");
    assert_eq!((primary.line_start, primary.column_start), (2, 16));
    assert_eq!((primary.line_end, primary.column_end), (3, 16));
    assert_eq!((primary.byte_start, primary.byte_end), (28, 57));
    assert_eq!(&SOURCE[primary.byte_start as usize..primary.byte_end as usize], PRIMARY_TEXT);
    assert_eq!(primary.label.as_deref(), Some("this task runs forever"));
    assert_eq!(primary.suggested_replacement, None);
    assert_eq!(primary.text.len(), 2);
    assert_eq!(primary.text[0].text, LINE_2);
    assert_eq!((primary.text[0].highlight_start, primary.text[0].highlight_end), (16, 29));
    assert_eq!(primary.text[1].text, LINE_3);
    assert_eq!((primary.text[1].highlight_start, primary.text[1].highlight_end), (1, 16));

    let secondary = &m.spans[1];
    assert!(!secondary.is_primary);
    assert_eq!((secondary.line_start, secondary.column_start, secondary.line_end, secondary.column_end), (2, 9, 2, 10));
    assert_eq!(&SOURCE[secondary.byte_start as usize..secondary.byte_end as usize], "é");
    assert_eq!(secondary.label.as_deref(), Some("declared here"));

    assert_eq!(m.children.len(), 3);
    let help = &m.children[0];
    assert_eq!(help.level, DiagnosticLevel::Help);
    assert_eq!(help.message, "keep the JoinHandle and abort it on shutdown");
    assert!(help.spans.is_empty() && help.children.is_empty() && help.rendered.is_none());
    let fix = &m.children[1];
    assert_eq!(fix.level, DiagnosticLevel::Help);
    assert_eq!(fix.message, "spawn on the owned handle");
    let suggestion = &fix.spans[0];
    assert_eq!((suggestion.byte_start, suggestion.byte_end), (28, 33));
    assert_eq!((suggestion.line_start, suggestion.column_start, suggestion.column_end), (2, 16, 21));
    assert_eq!(suggestion.suggested_replacement.as_deref(), Some("handle.spawn"));
    assert_eq!(suggestion.suggestion_applicability, Some(Applicability::MachineApplicable));
    // Like clippy's "for further information visit ..." note.
    let docs = &m.children[2];
    assert_eq!(docs.level, DiagnosticLevel::Help);
    assert_eq!(docs.message, format!("for further information visit {}#detached_spawn", leaklint::rules::DOCS_BASE));
    assert!(docs.spans.is_empty());

    let rendered = m.rendered.as_deref().unwrap();
    assert!(rendered.starts_with("warning[leaklint::detached_spawn]: spawned task is never joined"));
    assert!(rendered.contains("src/lib.rs:2:16"));
    assert!(rendered.contains("= help: for further information visit https://"), "{rendered}");
    assert!(!rendered.contains('\x1b'));

    let Message::BuildFinished(finished) = &messages[1] else { panic!("not build-finished: {:?}", messages[1]) };
    assert!(!finished.success);
}

#[test]
fn cargo_json_without_package_or_findings() {
    let (db, file) = db(false);
    let out = render(Format::CargoJson, &db, &[diagnostic(file, Level::Deny)], false, false);
    let messages: Vec<Message> = Message::parse_stream(out.as_bytes()).collect::<Result<_, _>>().unwrap();
    let Message::CompilerMessage(msg) = &messages[0] else { panic!("not a compiler message: {:?}", messages[0]) };
    assert_eq!(msg.target.name, "leaklint_input");
    assert!(msg.package_id.repr.starts_with("path+file:///"));
    assert!(msg.package_id.repr.ends_with("#leaklint-input@0.0.0"));
    assert_eq!(msg.message.level, DiagnosticLevel::Error);

    let out = render(Format::CargoJson, &db, &[], false, true);
    assert_eq!(out, "{\"reason\":\"build-finished\",\"success\":true}\n");
    let messages: Vec<Message> = Message::parse_stream(out.as_bytes()).collect::<Result<_, _>>().unwrap();
    assert!(matches!(&messages[..], [Message::BuildFinished(f)] if f.success));
}

#[test]
fn json_lines_carry_positions_labels_help_and_fix() {
    let (db, file) = db(true);
    let mut plain = diagnostic(file, Level::Deny);
    plain.secondary.clear();
    plain.help = None;
    plain.fix = None;
    let out = render(Format::Json, &db, &[diagnostic(file, Level::Warn), plain], false, false);
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);

    let v = &lines[0];
    assert_eq!(v["rule"], "detached_spawn");
    assert_eq!(v["code"], "leaklint::detached_spawn");
    assert_eq!(v["level"], "warning");
    assert_eq!(v["message"], "spawned task is never joined");
    assert_eq!(v["file"], "src/lib.rs");
    assert_eq!((v["line_start"].as_u64(), v["column_start"].as_u64()), (Some(2), Some(16)));
    assert_eq!((v["line_end"].as_u64(), v["column_end"].as_u64()), (Some(3), Some(16)));
    assert_eq!((v["byte_start"].as_u64(), v["byte_end"].as_u64()), (Some(28), Some(57)));

    let labels = v["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[0]["primary"], true);
    assert_eq!(labels[0]["message"], "this task runs forever");
    assert_eq!(labels[0]["file"], "src/lib.rs");
    assert_eq!(labels[0]["byte_start"], 28);
    assert_eq!(labels[0]["line_end"], 3);
    assert_eq!(labels[1]["primary"], false);
    assert_eq!(labels[1]["message"], "declared here");
    assert_eq!(
        [&labels[1]["line_start"], &labels[1]["column_start"], &labels[1]["line_end"], &labels[1]["column_end"]],
        [2, 9, 2, 10]
    );
    assert_eq!([&labels[1]["byte_start"], &labels[1]["byte_end"]], [20, 22]);

    assert_eq!(v["help"], "keep the JoinHandle and abort it on shutdown");
    let fix = &v["fix"];
    assert_eq!(fix["message"], "spawn on the owned handle");
    assert_eq!(fix["file"], "src/lib.rs");
    assert_eq!([&fix["byte_start"], &fix["byte_end"]], [28, 33]);
    assert_eq!(fix["replacement"], "handle.spawn");

    let v = &lines[1];
    assert_eq!(v["level"], "error");
    assert_eq!(v["labels"].as_array().unwrap().len(), 1);
    assert!(v["help"].is_null());
    assert!(v["fix"].is_null());
}

#[test]
fn human_output_is_rustc_like() {
    let (db, file) = db(true);
    let out = render(Format::Human, &db, &[diagnostic(file, Level::Warn)], false, false);
    assert!(out.starts_with("warning[leaklint::detached_spawn]: spawned task is never joined\n"), "{out}");
    assert!(out.contains("--> src/lib.rs:2:16"), "{out}");
    assert!(out.contains("this task runs forever"), "{out}");
    assert!(out.contains("declared here"), "{out}");
    assert!(out.contains(LINE_2), "{out}");
    assert!(out.contains("= help: keep the JoinHandle and abort it on shutdown"), "{out}");
    assert!(out.contains("= help: spawn on the owned handle: `handle.spawn`"), "{out}");
    assert!(!out.contains('\x1b'), "{out}");
    // The summary is the CLI's job.
    assert!(!out.contains("1 warning"), "{out}");

    let out = render(Format::Human, &db, &[diagnostic(file, Level::Deny)], true, false);
    assert!(out.contains("\x1b["), "{out}");
    assert!(out.contains("error"), "{out}");
    assert!(out.contains("[leaklint::detached_spawn]"), "{out}");
}

#[test]
fn malformed_spans_do_not_break_any_format() {
    let (db, file) = db(true);
    // Ends inside `é` (byte 21) and past the end of the file.
    let mut d = diagnostic(file, Level::Warn);
    d.primary.span = Span::new(file, 15..21);
    d.secondary[0].span = Span::new(file, 60..10_000);
    for format in [Format::Human, Format::Json, Format::CargoJson, Format::Sarif] {
        render(format, &db, std::slice::from_ref(&d), false, true);
    }
    let out = render(Format::Json, &db, &[d], false, true);
    let v: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    // Widened to the whole character, and clamped to the file's 68 bytes.
    assert_eq!([&v["byte_start"], &v["byte_end"]], [15, 22]);
    assert_eq!([&v["labels"][1]["byte_start"], &v["labels"][1]["byte_end"]], [60, 68]);
    assert_eq!([&v["labels"][1]["line_end"], &v["labels"][1]["column_end"]], [6, 1]);
}
