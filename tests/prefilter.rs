//! The prefilter (src/prefilter.rs) changes how much is parsed, never what is found:
//! every fixture gives byte-identical output with and without it, and the files (and
//! function bodies) a finding needs but that spell no catalogued name are parsed on
//! demand.

use std::path::{Path, PathBuf};

use leaklint::discover;
use leaklint::lint::{self, Options, Run};
use leaklint::report::{self, Format, ReportContext};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn json(run: &Run) -> String {
    let cx = ReportContext { db: &run.db, color: false, success: false };
    let mut out = Vec::new();
    report::write(Format::Json, &cx, &run.diagnostics, &mut out).expect("writing to memory");
    String::from_utf8(out).expect("JSON output is UTF-8")
}

fn with_prefilter(options: &Options, on: bool) -> Options {
    Options { prefilter: on, ..options.clone() }
}

fn workspace(name: &str) -> (Vec<discover::Input>, Options) {
    let discovery = discover::from_workspace(&fixtures_dir().join("workspaces").join(name)).expect("a workspace");
    let options = Options { display_root: discovery.workspace_root.clone(), ..Options::default() };
    (discovery.inputs, options)
}

/// `(file name, line, rule)` of every finding.
fn findings(run: &Run) -> Vec<(String, usize, String)> {
    let mut out: Vec<(String, usize, String)> = run
        .diagnostics
        .iter()
        .map(|d| {
            let file = run.db.get(d.primary.span.file);
            let name = Path::new(&file.name).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            (name, file.line_col(d.primary.span.lo as usize).line, d.rule.to_string())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn files_a_finding_needs_are_parsed_on_demand() {
    let (inputs, options) = workspace("prefilter");
    let full = lint::run(&inputs, &with_prefilter(&options, false));
    let filtered = lint::run(&inputs, &with_prefilter(&options, true));
    let expected = [
        ("callers.rs", 6, "detached_spawn"),
        ("engine.rs", 8, "deferred_drop_in_loop"),
        ("engine.rs", 23, "detached_spawn"),
        ("spawns.rs", 4, "detached_spawn"),
        ("spawns.rs", 26, "detached_spawn"),
        ("wrappers.rs", 13, "detached_spawn"),
    ]
    .map(|(f, l, r)| (f.to_string(), l, r.to_string()));
    assert_eq!(findings(&full), expected);
    assert_eq!(json(&filtered), json(&full));
    // loops.rs, names.rs, callers.rs, state.rs and mentions.rs spell no catalogued name;
    // each is needed by one finding above (or by the absence of one, for names.rs). In
    // spawns.rs and wrappers.rs, a function body needed by a finding was blanked at first.
    let s = &filtered.stats;
    assert_eq!((s.parsed_on_demand, s.deferred, s.reparsed, s.blanked_bytes), (5, 0, 2, 0));
    let s = &full.stats;
    assert_eq!((s.parsed_on_demand, s.deferred, s.reparsed), (0, 0, 0));
    assert_eq!(filtered.files_linted, full.files_linted);
}

#[test]
fn a_file_no_rule_asks_about_is_never_parsed() {
    let text = "pub fn area(w: u32, h: u32) -> u32 {\n    w * h\n}\n";
    let run =
        lint::run_texts(vec![("geometry.rs".into(), text.into())], &Options { prefilter: true, ..Options::default() });
    assert_eq!((run.stats.deferred, run.stats.deferred_bytes, run.files_linted), (1, text.len(), 1));
    assert!(run.diagnostics.is_empty());
}

#[test]
fn every_fixture_gives_the_same_output_with_and_without_the_prefilter() {
    let mut differ = Vec::new();
    let mut deferred = 0;
    let files: Vec<PathBuf> = walkdir::WalkDir::new(fixtures_dir())
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs") && !p.to_string_lossy().contains("/workspaces/"))
        .collect();
    assert!(files.len() > 50, "fixtures not found");
    for path in &files {
        let text = std::fs::read_to_string(path).expect("fixture is readable");
        let options = Options { include_tests: text.contains("//@ include-tests"), ..Options::default() };
        let texts = vec![(path.display().to_string(), text)];
        let full = lint::run_texts(texts.clone(), &with_prefilter(&options, false));
        let filtered = lint::run_texts(texts, &with_prefilter(&options, true));
        deferred += filtered.stats.deferred;
        if json(&full) != json(&filtered) {
            differ.push(path.display().to_string());
        }
    }
    for entry in std::fs::read_dir(fixtures_dir().join("workspaces")).expect("fixture workspaces") {
        let root = entry.expect("readable entry").path();
        let name = root.file_name().expect("a name").to_string_lossy().into_owned();
        let (inputs, options) = workspace(&name);
        let full = lint::run(&inputs, &with_prefilter(&options, false));
        let filtered = lint::run(&inputs, &with_prefilter(&options, true));
        deferred += filtered.stats.deferred + filtered.stats.parsed_on_demand;
        if json(&full) != json(&filtered) {
            differ.push(root.display().to_string());
        }
    }
    assert!(differ.is_empty(), "output differs with the prefilter: {differ:#?}");
    assert!(deferred > 0, "the prefilter deferred no fixture file: this test checks nothing");
}

/// A spawn function from the configuration is a trigger like a built-in one.
#[test]
fn configured_catalog_entries_are_triggers() {
    let lists: leaklint::catalog::CatalogLists =
        toml::from_str("[[spawn.function]]\npath = \"my_rt::go_task\"\nhandle = \"join\"\n").expect("valid lists");
    let catalog: &'static leaklint::catalog::Catalog =
        Box::leak(Box::new(leaklint::catalog::Catalog::builtin().extended(&lists)));
    let text = "pub fn start(c: Conn) {\n    my_rt::go_task(async move { loop { c.ping().await; } });\n}\n";
    let texts = vec![("start.rs".to_string(), text.to_string())];
    let on = lint::run_texts(texts.clone(), &Options { prefilter: true, catalog: Some(catalog), ..Options::default() });
    let off = lint::run_texts(texts, &Options { prefilter: false, catalog: Some(catalog), ..Options::default() });
    assert_eq!(on.stats.deferred, 0, "the configured name is a trigger");
    assert_eq!(findings(&on), [("start.rs".to_string(), 2, "detached_spawn".to_string())]);
    assert_eq!(json(&on), json(&off));
}
