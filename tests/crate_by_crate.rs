//! Workspaces are linted crate by crate, the crates a crate depends on first, and each
//! crate's texts are dropped once it is linted, except where a finding points.

use std::path::Path;

use leaklint::discover;
use leaklint::lint::{self, Options};

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// `app` calls a spawn wrapper of `util`, a crate listed after it, and spawns a function
/// whose endless loop is in another file.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "Cargo.toml", "[workspace]\nmembers = [\"app\", \"util\"]\nresolver = \"2\"\n");
    let manifest = |name: &str, deps: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{deps}")
    };
    write(root, "app/Cargo.toml", &manifest("app", "util = { path = \"../util\" }\n"));
    write(
        root,
        "app/src/lib.rs",
        "mod worker;\nmod quiet;\n\npub fn start() {\n    util::spawn_bg(async { loop { tick().await; } });\n    tokio::spawn(worker::run());\n}\n",
    );
    write(root, "app/src/worker.rs", "\n\npub async fn run() {\n    loop {\n        tick().await;\n    }\n}\n");
    write(root, "app/src/quiet.rs", "pub fn nothing_to_see() {}\n");
    write(root, "util/Cargo.toml", &manifest("util", ""));
    write(root, "util/src/lib.rs", "pub fn spawn_bg<F>(f: F) {\n    tokio::spawn(f);\n}\n");
    dir
}

#[test]
fn dependencies_wrappers_reach_their_dependents_and_far_labels_keep_their_text() {
    let dir = workspace();
    let discovery = discover::from_workspace(dir.path()).expect("cargo metadata");
    let options = Options { display_root: discovery.workspace_root.clone(), ..Options::default() };
    let run = lint::run(&discovery.inputs, &options);
    let line = |span: leaklint::source::Span| {
        let file = run.db.get(span.file);
        (file.name.clone(), file.line_col(span.lo as usize).line)
    };
    let found: Vec<_> = run.diagnostics.iter().map(|d| (d.rule, line(d.primary.span))).collect();
    let lib = "app/src/lib.rs".to_string();
    assert_eq!(found, [("detached_spawn", (lib.clone(), 5)), ("detached_spawn", (lib, 6))]);
    let far = &run.diagnostics[1].secondary;
    assert!(
        far.iter().any(|l| line(l.span) == ("app/src/worker.rs".to_string(), 4)),
        "the endless loop in another file keeps its line: {far:?}"
    );
    let text = |name: &str| run.db.files().find(|(_, f)| f.name == name).map(|(_, f)| f.text.len());
    assert_eq!(text("app/src/quiet.rs"), Some(0), "a file no finding points into is not kept");
    assert!(text("util/src/lib.rs").is_some_and(|n| n == 0));
    assert!(text("app/src/worker.rs").is_some_and(|n| n > 0));
}
