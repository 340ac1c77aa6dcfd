//! The pipeline: read → parse and analyse (parallel) → rules per crate → sorted
//! findings. The CLI, the tests and the benchmarks all call [`run`].

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::analysis::index::CrateIndex;
use crate::analysis::Analysis;
use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, Label, Level};
use crate::discover::{self, Input};
use crate::parse::{self, FileInfo, FileText};
use crate::rules::{self, CrateContext};
use crate::source::{FileId, SourceDb, SourceFile, Span};

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Lint test code too.
    pub include_tests: bool,
    /// Only parse the files with `syn` (a baseline for benchmarks): no analysis, no rules.
    pub parse_only: bool,
}

/// The outcome of one run.
#[derive(Debug, Default)]
pub struct Run {
    pub db: SourceDb,
    /// Findings and per-file errors, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Files that were parsed and linted.
    pub files_linted: usize,
    /// Files that could not be read or parsed.
    pub files_failed: usize,
    /// Of those, files that could not be read at all.
    pub files_unreadable: usize,
    pub stats: Stats,
}

/// Where a run spent its time (wall clock per phase) and how much it read.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub bytes: usize,
    pub read: Duration,
    /// Parsing and analysis (lowering, uses), all crates.
    pub analyse: Duration,
    pub rules: Duration,
}

/// Diagnostic id for a panic inside leaklint while handling one file.
pub const INTERNAL_ERROR: &str = "internal_error";

/// The parser and rules recurse over syntax trees; deeply nested input needs deep stacks.
const STACK_SIZE: usize = 512 << 20;

fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(STACK_SIZE)
            .thread_name(|i| format!("leaklint-{i}"))
            .build()
            .expect("cannot start worker threads")
    })
}

/// Lints files on disk. Files are grouped into crates by their Cargo package; files
/// outside any package form one crate.
pub fn run(inputs: &[Input], options: &Options) -> Run {
    let started = Instant::now();
    let texts: Vec<FileText> = pool().install(|| inputs.par_iter().map(|i| parse::read(&i.path)).collect());
    let read = started.elapsed();
    let mut sources = Vec::with_capacity(inputs.len());
    for (input, text) in inputs.iter().zip(texts) {
        sources.push(Source {
            name: input.display.clone(),
            path: input.path.clone(),
            package: input.package.clone(),
            text,
        });
    }
    let mut run = run_sources(sources, options);
    run.stats.read = read;
    run
}

/// Lints in-memory sources as one crate (fixtures, tests, benchmarks).
pub fn run_texts(files: Vec<(String, String)>, options: &Options) -> Run {
    let sources = files
        .into_iter()
        .map(|(name, text)| Source {
            path: PathBuf::from(&name),
            name,
            package: None,
            text: FileText::Text(text.into()),
        })
        .collect();
    run_sources(sources, options)
}

struct Source {
    name: String,
    path: PathBuf,
    package: Option<std::sync::Arc<crate::source::Package>>,
    text: FileText,
}

fn run_sources(sources: Vec<Source>, options: &Options) -> Run {
    let mut run = Run::default();
    // Crates in a stable order: by package manifest, files outside packages last.
    let mut crates: BTreeMap<Option<PathBuf>, Vec<(FileId, FileInfo)>> = BTreeMap::new();
    for s in sources {
        let (module_path, test_file) = discover::file_role(&s.path, s.package.as_deref());
        let key = s.package.as_ref().map(|p| p.manifest_path.clone());
        let (text, problem) = match s.text {
            FileText::Text(t) => (t, None),
            FileText::InvalidUtf8(t, at) => (t, Some((at, "file is not valid UTF-8".to_string()))),
            FileText::Unreadable(e) => {
                run.files_unreadable += 1;
                ("".into(), Some((0, format!("could not read file: {e}"))))
            }
        };
        run.stats.bytes += text.len();
        let id = run.db.add(SourceFile::new(s.name, s.path, text).with_package(s.package));
        match problem {
            Some((at, message)) => {
                let span = Span::new(id, at..at);
                run.diagnostics.push(parse::parse_error(span, message));
                run.files_failed += 1;
            }
            None => crates.entry(key).or_default().push((id, FileInfo { module_path, test_file })),
        }
    }
    for files in crates.values() {
        lint_crate(&mut run, files, options);
    }
    run.diagnostics.retain(|d| d.level != Level::Allow);
    run.diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    run
}

fn lint_crate(run: &mut Run, files: &[(FileId, FileInfo)], options: &Options) {
    let catalog = Catalog::builtin();
    let db = &run.db;
    if options.parse_only {
        let ok = pool().install(|| files.par_iter().filter(|(id, _)| parse::parses(&db.get(*id).text)).count());
        run.files_linted += ok;
        run.files_failed += files.len() - ok;
        return;
    }
    let started = Instant::now();
    let parsed: Vec<Result<Analysis, Diagnostic>> = pool().install(|| {
        files
            .par_iter()
            .map(|(id, info)| {
                let text = &db.get(*id).text;
                guarded(*id, || parse::parse(*id, text, info, catalog)).and_then(|r| r)
            })
            .collect()
    });
    let mut analyses = Vec::new();
    let mut ids = Vec::new();
    for ((id, _), result) in files.iter().zip(parsed) {
        match result {
            Ok(a) => {
                analyses.push(a);
                ids.push(*id);
            }
            Err(d) => {
                run.diagnostics.push(d);
                run.files_failed += 1;
            }
        }
    }
    run.files_linted += analyses.len();
    run.stats.analyse += started.elapsed();
    let started = Instant::now();
    let refs: Vec<&Analysis> = analyses.iter().collect();
    let index = CrateIndex::build(refs.iter().copied());
    let cx = CrateContext { files: &refs, index: &index, include_tests: options.include_tests };
    let found: Vec<Vec<Diagnostic>> = pool().install(|| {
        (0..refs.len())
            .into_par_iter()
            .map(|file| {
                let mut out = Vec::new();
                for rule in rules::all() {
                    let result = guarded(ids[file], || {
                        let mut found = Vec::new();
                        (rule.check)(&cx, file, &mut found);
                        found
                    });
                    match result {
                        Ok(found) => out.extend(found),
                        Err(d) => out.push(d),
                    }
                }
                out
            })
            .collect()
    });
    run.diagnostics.extend(found.into_iter().flatten());
    run.stats.rules += started.elapsed();
}

/// Runs `f`, turning a panic into an `internal_error` diagnostic for `file`.
fn guarded<T>(file: FileId, f: impl FnOnce() -> T) -> Result<T, Diagnostic> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let span = Span::new(file, 0..0);
        Diagnostic::new(
            INTERNAL_ERROR,
            Level::Deny,
            format!("leaklint crashed on this file: {why}"),
            Label::new(span, ""),
        )
        .with_help("this is a bug in leaklint; please report it with the file")
    })
}
