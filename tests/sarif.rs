//! `--format sarif`: schema-valid SARIF 2.1.0 that agrees with `--format json`.
//!
//! `sarif-schema-2.1.0.json` is the OASIS schema (`$id` .../oasis-tcs/sarif-spec/.../
//! sarif-schema-2.1.0.json, draft-07) as shipped in the `serde-sarif` 0.8.0 crate;
//! `sarif-2.1.0-sdk.json` is the SARIF SDK's copy (draft 2020-12) from the npm package
//! `@microsoft/sarif-multitool-linux` 5.7.0. Both are vendored unchanged.

mod support;

use std::path::PathBuf;

use leaklint::diagnostic::{Diagnostic, Fix, Label, Level};
use leaklint::report::{self, Format, ReportContext};
use leaklint::rules;
use leaklint::source::{SourceDb, SourceFile, Span};
use serde_json::Value;
use support::{json_lines, leaklint, num, run, text, write, LEAKY};

const SCHEMAS: [&str; 2] = [include_str!("sarif-schema-2.1.0.json"), include_str!("sarif-2.1.0-sdk.json")];

fn assert_schema_valid(log: &Value) {
    for schema in SCHEMAS {
        let schema: Value = serde_json::from_str(schema).unwrap();
        let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
        let errors: Vec<String> = validator.iter_errors(log).map(|e| format!("{} at {}", e, e.instance_path)).collect();
        assert!(errors.is_empty(), "{} schema errors:\n{}\n{log:#}", schema["$schema"], errors.join("\n"));
    }
}

/// `é` sits before the primary span on its line, so characters and bytes differ.
const SOURCE: &str = "fn main() {\n    let é = 1; spawn(async {\n        loop {}\n    });\n}\n";

fn synthetic() -> (SourceDb, Diagnostic) {
    let mut db = SourceDb::default();
    let file = db.add(SourceFile::new("my dir/lib.rs".into(), PathBuf::from("/ws/my dir/lib.rs"), SOURCE.into()));
    let mut d = Diagnostic::new(
        "detached_spawn",
        Level::Warn,
        "spawned task is never joined",
        Label::new(Span::new(file, 28..57), "this task runs forever"),
    )
    .with_label(Label::new(Span::new(file, 20..22), "declared here"))
    .with_help("keep the JoinHandle");
    d.fix = Some(Fix {
        message: "spawn on the handle".into(),
        span: Span::new(file, 28..33),
        replacement: "h.spawn".into(),
    });
    (db, d)
}

fn render(format: Format, db: &SourceDb, diagnostics: &[Diagnostic]) -> String {
    let cx = ReportContext { db, color: false, success: false };
    let mut out = Vec::new();
    report::write(format, &cx, diagnostics, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn region(location: &Value) -> [u64; 4] {
    let r = &location["physicalLocation"]["region"];
    ["startLine", "startColumn", "endLine", "endColumn"].map(|k| r[k].as_u64().unwrap())
}

#[test]
fn synthetic_finding_is_valid_and_agrees_with_json() {
    let (db, d) = synthetic();
    let log: Value = serde_json::from_str(&render(Format::Sarif, &db, std::slice::from_ref(&d))).unwrap();
    assert_schema_valid(&log);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let json: Value = serde_json::from_str(render(Format::Json, &db, std::slice::from_ref(&d)).trim()).unwrap();

    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "leaklint::detached_spawn");
    assert_eq!(result["level"], "warning");
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "leaklint::detached_spawn");
    assert_eq!(result["message"]["text"], "spawned task is never joined\nhelp: keep the JoinHandle");

    let primary = &result["locations"][0];
    let at = ["line_start", "column_start", "line_end", "column_end"].map(|k| json[k].as_u64().unwrap());
    assert_eq!(region(primary), at);
    assert_eq!(region(primary), [2, 16, 3, 16]);
    assert_eq!(primary["message"]["text"], "this task runs forever");
    let r = &primary["physicalLocation"]["region"];
    assert_eq!((r["charOffset"].as_u64(), r["charLength"].as_u64()), (Some(27), Some(29)));
    let artifact = &primary["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], "my%20dir/lib.rs");
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");

    let related = result["relatedLocations"].as_array().unwrap();
    assert_eq!(related.len(), 1);
    assert_eq!(related[0]["message"]["text"], "declared here");
    let label = &json["labels"][1];
    assert_eq!(
        region(&related[0]),
        ["line_start", "column_start", "line_end", "column_end"].map(|k| label[k].as_u64().unwrap())
    );
    assert_eq!(region(&related[0]), [2, 9, 2, 10]);

    let replacement = &result["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "h.spawn");
    let deleted = &replacement["deletedRegion"];
    assert_eq!(
        [&deleted["startLine"], &deleted["startColumn"], &deleted["endLine"], &deleted["endColumn"]],
        [2, 16, 2, 21]
    );
}

#[test]
fn every_rule_and_tool_diagnostic_is_in_the_driver() {
    let (db, _) = synthetic();
    let log: Value = serde_json::from_str(&render(Format::Sarif, &db, &[])).unwrap();
    assert_schema_valid(&log);
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "leaklint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"].as_str().unwrap().starts_with("https://"));
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));
    let descriptors = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = descriptors.iter().map(|d| d["id"].as_str().unwrap()).collect();
    for rule in rules::all() {
        let m = &rule.meta;
        let d = &descriptors[ids.iter().position(|&id| id == format!("leaklint::{}", m.id)).expect(m.id)];
        assert_eq!(d["name"], m.id);
        assert_eq!(d["shortDescription"]["text"], m.summary);
        assert!(!d["fullDescription"]["text"].as_str().unwrap().is_empty());
        assert_eq!(d["help"]["markdown"], m.docs.trim());
        assert!(!d["help"]["text"].as_str().unwrap().contains("```"));
        assert_eq!(d["helpUri"], format!("{}#{}", leaklint::report::sarif::RULE_DOCS_BASE, m.id));
        let level = match m.default_level {
            Level::Warn => "warning",
            Level::Deny => "error",
            Level::Allow => "none",
        };
        assert_eq!(d["defaultConfiguration"]["level"], level);
    }
    for tool in ["leaklint::parse_error", "leaklint::internal_error", "leaklint::unused_suppression"] {
        assert!(ids.contains(&tool), "{tool} is in the driver");
    }
    assert_eq!(ids.len(), rules::all().len() + 3);
}

fn sarif_of(args: &[&str]) -> Value {
    let out = run(leaklint().args(args).args(["--format", "sarif"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn unclosed_channel_fixture_findings_carry_fixes_and_related_locations() {
    let log = sarif_of(&["fixtures/unclosed_channel"]);
    assert_schema_valid(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let fixed: Vec<&Value> =
        results.iter().filter(|r| r["ruleId"] == "leaklint::unclosed_channel" && r["fixes"].is_array()).collect();
    assert!(!fixed.is_empty());
    for r in fixed {
        let change = &r["fixes"][0]["artifactChanges"][0];
        assert_eq!(change["artifactLocation"], r["locations"][0]["physicalLocation"]["artifactLocation"]);
        assert!(change["replacements"][0]["insertedContent"]["text"].is_string());
        assert!(!r["relatedLocations"].as_array().unwrap().is_empty());
    }
    // Same findings, same places as `--format json`.
    let json = json_lines(&run(leaklint().args(["fixtures/unclosed_channel", "--format", "json"])).stdout);
    assert_eq!(json.len(), results.len());
    for (j, s) in json.iter().zip(results) {
        assert_eq!(s["ruleId"], text(j, "code"));
        let at = ["line_start", "column_start", "line_end", "column_end"].map(|k| num(j, k) as u64);
        assert_eq!(region(&s["locations"][0]), at);
        assert_eq!(s["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], text(j, "file"));
    }
}

#[test]
fn fingerprints_survive_lines_added_above() {
    let dir = tempfile::tempdir().unwrap();
    let two = format!("{LEAKY}\n{LEAKY}").replacen("pub fn start", "pub fn start2", 1);
    let path = write(dir.path(), "src/lib.rs", &two);
    let path = path.to_str().unwrap();
    let fingerprints = |log: &Value| -> Vec<(String, u64)> {
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let f = r["partialFingerprints"]["leaklint/v1"].as_str().unwrap().to_string();
                (f, r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap())
            })
            .collect()
    };
    let before = fingerprints(&sarif_of(&[path]));
    assert_eq!(before.len(), 2);
    // Two findings on identical lines differ by occurrence.
    assert_ne!(before[0].0, before[1].0);

    write(dir.path(), "src/lib.rs", format!("// a new comment\n\nuse std::sync::Arc;\n{two}"));
    let after = fingerprints(&sarif_of(&[path]));
    assert_eq!(after.len(), 2);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a.0, b.0);
        assert_eq!(a.1, b.1 + 3);
    }
}

#[test]
fn the_schemas_reject_a_broken_log() {
    let (db, d) = synthetic();
    let mut log: Value = serde_json::from_str(&render(Format::Sarif, &db, &[d])).unwrap();
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
    for schema in SCHEMAS {
        let schema: Value = serde_json::from_str(schema).unwrap();
        assert!(!jsonschema::validator_for(&schema).unwrap().is_valid(&log));
    }
}
