//! Robustness (DESIGN §4): every prefix of a real source is a plausible half-typed file (an
//! editor buffer, a file being written). Every fixture under `fixtures/` is cut at every line
//! boundary, and in the middle of every line (the nearest character boundary at or before
//! the midpoint, so a cut can fall inside a token, a string or a comment); each prefix is
//! linted with every rule and test code included. None may panic or be reported as
//! `leaklint::internal_error`.
//!
//! Each prefix is linted as a crate of its own (one `run_texts` call), so a failure names
//! the fixture and the offset.

use std::path::{Path, PathBuf};

use leaklint::lint::{run_texts, Options, INTERNAL_ERROR};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Every file under `fixtures/` (the `.rs` sources and the workspaces' `Cargo.toml`s,
/// which the Rust parser must reject without panicking too).
fn fixture_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.expect("walk fixtures"))
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

/// The byte offsets to cut `text` at: every line start, the end, and each line's midpoint.
fn cuts(text: &str) -> Vec<usize> {
    let mut cuts = vec![0, text.len()];
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let mut mid = start + line.len() / 2;
        while !text.is_char_boundary(mid) {
            mid -= 1;
        }
        cuts.extend([mid, start + line.len()]);
        start += line.len();
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// Lints `text[..cut]` for every cut, on as many threads as there are cores; returns the
/// internal errors. Plain threads rather than rayon's: `run_texts` blocks on leaklint's own
/// pool, and a rayon worker that blocks there steals the next prefix meanwhile, nesting
/// runs on one small stack.
fn lint_prefixes(name: &str, text: &str, cuts: &[usize], options: &Options) -> Vec<String> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = AtomicUsize::new(0);
    let found = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            let (next, found) = (&next, &found);
            std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn_scoped(s, move || {
                    while let Some(&cut) = cuts.get(next.fetch_add(1, Ordering::Relaxed)) {
                        // Every other prefix through the prefilter (the CLI's default), whose
                        // scanner must cope with any text as the parser does.
                        let options = Options { prefilter: cut % 2 == 0, ..options.clone() };
                        let run = run_texts(vec![(name.to_string(), text[..cut].to_string())], &options);
                        let errors = run.diagnostics.into_iter().filter(|d| d.rule == INTERNAL_ERROR);
                        let errors: Vec<String> =
                            errors.map(|d| format!("{name} cut at byte {cut}: {}", d.message)).collect();
                        found.lock().unwrap().extend(errors);
                    }
                })
                .expect("start a worker");
        }
    });
    found.into_inner().unwrap()
}

#[test]
fn every_prefix_of_every_fixture_lints_without_internal_errors() {
    let options = Options { include_tests: true, ..Options::default() };
    let files = fixture_files();
    assert!(files.len() > 50, "fixtures found: {}", files.len());
    let mut prefixes = 0;
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("fixtures are UTF-8");
        let name = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(path).display().to_string();
        let cuts = cuts(&text);
        prefixes += cuts.len();
        failures.extend(lint_prefixes(&name, &text, &cuts, &options));
    }
    assert!(failures.is_empty(), "{} internal errors:\n{}", failures.len(), failures.join("\n"));
    eprintln!("{} files, {prefixes} prefixes linted", files.len());
}

#[test]
fn cuts_fall_on_line_starts_and_char_boundaries() {
    assert_eq!(cuts("ab\nçd\n"), [0, 1, 3, 5, 7]);
    // The midpoint of `aé\n` (byte 2) is inside `é` (bytes 1..3): cut before it.
    assert_eq!(cuts("aé\n"), [0, 1, 4]);
    assert_eq!(cuts(""), [0]);
    assert_eq!(cuts("x"), [0, 1]);
}
