//! Robustness on real code (DESIGN §4, issue 17): lints every `.rs` file of a corpus of
//! vendored crates with every rule, test code included, and fails on any crash, panic,
//! `leaklint::internal_error`, unexpected exit code or hang. Ignored by default (it needs
//! the corpus and takes minutes); run it in release:
//!
//! ```text
//! LEAKLINT_CORPUS=/tmp/leaklint-corpus/vendor \
//!     cargo test --release --test corpus_robustness -- --ignored --nocapture
//! ```
//!
//! Each file is linted alone by the `leaklint` binary (`--format json --include-tests
//! FILE`), then each crate directory (`leaklint DIR`, so cross-file analysis runs too).
//! Every run is a process of its own under a watchdog that kills it after
//! `LEAKLINT_FILE_TIMEOUT` seconds (default 20) per file, `LEAKLINT_CRATE_TIMEOUT` (default
//! 120) per crate, so a hang or a stack overflow is pinned to its file and the run goes on.
//! (The largest file of the usual corpus, encoding_rs's 2.5 MB `data.rs`, takes about 6.5 s
//! in release on a busy 2-core machine; a hang never ends.)
//! Prints the files linted, the parse errors grouped by cause (the parser's message), and
//! every failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const DEFAULT_CORPUS: &str = "/tmp/leaklint-corpus/vendor";

fn seconds(var: &str, default: u64) -> Duration {
    Duration::from_secs(std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default))
}

/// How one `leaklint` process ended.
struct Outcome {
    /// Why it failed (crash, hang, panic, internal error, bad exit code), if it did.
    failure: Option<String>,
    /// The `parse_error` messages it reported.
    parse_errors: Vec<String>,
    elapsed: Duration,
}

/// Runs `leaklint --format json --include-tests <target>` under a watchdog; `scratch` is a
/// file for its standard output.
fn lint(target: &Path, timeout: Duration, scratch: &Path) -> Outcome {
    let started = Instant::now();
    let stdout = std::fs::File::create(scratch).expect("scratch file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_leaklint"))
        .args(["--format", "json", "--include-tests"])
        .arg(target)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start leaklint");
    // Drain stderr on the side so a chatty run cannot block on a full pipe.
    let mut stderr_pipe = child.stderr.take().expect("stderr");
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr_pipe, &mut s).ok();
        s
    });
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for leaklint") {
            break Some(status);
        }
        if started.elapsed() > timeout {
            child.kill().ok();
            child.wait().ok();
            break None;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let stderr = stderr.join().unwrap_or_default();
    let out = std::fs::read_to_string(scratch).unwrap_or_default();
    let mut parse_errors = Vec::new();
    let mut internal = Vec::new();
    let mut bad_lines = 0;
    for line in out.lines() {
        let Ok(d) = serde_json::from_str::<serde_json::Value>(line) else {
            bad_lines += 1;
            continue;
        };
        let message = d["message"].as_str().unwrap_or_default().to_string();
        match d["rule"].as_str() {
            Some("parse_error") => parse_errors.push(message),
            Some("internal_error") => internal.push(format!("{}: {message}", d["file"].as_str().unwrap_or("?"))),
            _ => {}
        }
    }
    let failure = match status {
        None => Some(format!("no result after {timeout:?} (hang?)")),
        Some(s) if s.code().is_none() => Some(format!("killed by a signal ({s}); stderr:\n{stderr}")),
        Some(s) if !matches!(s.code(), Some(0 | 1)) => Some(format!("exit {s}; stderr:\n{stderr}")),
        Some(_) if !internal.is_empty() => Some(format!("internal errors:\n{}", internal.join("\n"))),
        Some(_) if stderr.contains("panicked") => Some(format!("a panic:\n{stderr}")),
        Some(_) if bad_lines > 0 => Some(format!("{bad_lines} output lines are not JSON")),
        Some(_) => None,
    };
    Outcome { failure, parse_errors, elapsed }
}

/// Lints every target on `workers` threads; returns the outcomes in target order.
fn lint_all(targets: &[PathBuf], timeout: Duration, scratch: &Path) -> Vec<Outcome> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for w in 0..workers {
            let (next, done) = (&next, &done);
            let out = scratch.join(format!("out{w}.json"));
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(target) = targets.get(i) else { break };
                let outcome = lint(target, timeout, &out);
                done.lock().unwrap().push((i, outcome));
            });
        }
    });
    let mut done = done.into_inner().unwrap();
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, o)| o).collect()
}

#[test]
#[ignore = "needs the corpus (LEAKLINT_CORPUS) and minutes; run in release"]
fn corpus_robustness() {
    let corpus = PathBuf::from(std::env::var("LEAKLINT_CORPUS").unwrap_or_else(|_| DEFAULT_CORPUS.into()));
    assert!(corpus.is_dir(), "no corpus at {} (set LEAKLINT_CORPUS)", corpus.display());
    let file_timeout = seconds("LEAKLINT_FILE_TIMEOUT", 20);
    let crate_timeout = seconds("LEAKLINT_CRATE_TIMEOUT", 120);
    let scratch = tempfile::tempdir().expect("scratch dir");

    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&corpus)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    let mut crates: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("read corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    crates.sort();
    let bytes: u64 = files.iter().filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum();
    println!("corpus {}: {} files ({} MB) in {} crates", corpus.display(), files.len(), bytes >> 20, crates.len());

    let started = Instant::now();
    let per_file = lint_all(&files, file_timeout, scratch.path());
    println!("each file alone: {:.1?}", started.elapsed());
    let started = Instant::now();
    let per_crate = lint_all(&crates, crate_timeout, scratch.path());
    println!("each crate directory: {:.1?}", started.elapsed());

    let mut causes: BTreeMap<String, Vec<&Path>> = BTreeMap::new();
    for (file, outcome) in files.iter().zip(&per_file) {
        for message in &outcome.parse_errors {
            let first = message.lines().next().unwrap_or_default();
            let cause = first.strip_prefix("could not parse this file: ").unwrap_or(first);
            causes.entry(cause.to_string()).or_default().push(file);
        }
    }
    let failed: usize = causes.values().map(Vec::len).sum();
    println!("parse errors: {failed} files");
    let mut by_count: Vec<_> = causes.iter().collect();
    by_count.sort_by_key(|(cause, files)| (std::cmp::Reverse(files.len()), *cause));
    for (cause, files) in by_count {
        let example = files[0].strip_prefix(&corpus).unwrap_or(files[0]);
        println!("  {:5}  {cause}  (e.g. {})", files.len(), example.display());
    }
    let slowest = files.iter().zip(&per_file).max_by_key(|(_, o)| o.elapsed);
    if let Some((file, o)) = slowest {
        println!("slowest file: {} ({:.2?})", file.strip_prefix(&corpus).unwrap_or(file).display(), o.elapsed);
    }
    let slowest = crates.iter().zip(&per_crate).max_by_key(|(_, o)| o.elapsed);
    if let Some((dir, o)) = slowest {
        println!("slowest crate: {} ({:.2?})", dir.strip_prefix(&corpus).unwrap_or(dir).display(), o.elapsed);
    }

    let failures: Vec<String> = files
        .iter()
        .zip(&per_file)
        .chain(crates.iter().zip(&per_crate))
        .filter_map(|(target, o)| o.failure.as_ref().map(|f| format!("{}: {f}", target.display())))
        .collect();
    println!("internal errors, panics, crashes and hangs: {}", failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
