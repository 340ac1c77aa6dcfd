//! The pipeline: read → parse and analyse (parallel) → rules per crate → sorted
//! findings. The CLI, the tests and the benchmarks all call [`run`].

use std::collections::{BTreeMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::analysis::index::CrateIndex;
use crate::analysis::wrappers::{CrateFns, SpawnWrappers};
use crate::analysis::Analysis;
use crate::catalog::Catalog;
use crate::diagnostic::{self, Diagnostic, Label, Level};
use crate::discover::modules::ChildModule;
use crate::discover::{self, canonical, display_path, Input};
use crate::parse::{self, FileInfo, FileText};
use crate::rules::{self, CrateContext};
use crate::source::{Edition, FileId, Package, SourceDb, SourceFile, Span};

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Lint test code too.
    pub include_tests: bool,
    /// Only parse the files with `syn` (a baseline for benchmarks): no analysis, no rules.
    pub parse_only: bool,
    /// Files reached through `mod` declarations are shown relative to this directory (the
    /// workspace root), like the files they were reached from.
    pub display_root: Option<PathBuf>,
    /// Rule levels that replace the defaults (`--warn/--deny/--allow RULE`); later
    /// entries win.
    pub levels: Vec<(&'static str, Level)>,
}

/// The outcome of one run.
#[derive(Debug, Default)]
pub struct Run {
    pub db: SourceDb,
    /// Findings and per-file errors, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings not reported because a more specific finding of the same root cause was
    /// (an interval-driven detached task is a `leaked_timer`, not also a `detached_spawn`).
    pub superseded: Vec<Diagnostic>,
    /// Files that were parsed and linted.
    pub files_linted: usize,
    /// Files that could not be read or parsed.
    pub files_failed: usize,
    /// Of those, files that could not be read at all.
    pub files_unreadable: usize,
    /// Every file read, by canonical path (crate roots and the modules they declare).
    pub files_reached: HashSet<PathBuf>,
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
    /// Spawn wrappers inferred in the workspace: `path` and how it spawns, sorted.
    pub wrappers: Vec<String>,
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

/// Lints files on disk. Inputs with a module origin (crate roots in workspace mode) have
/// their `mod` declarations followed, wave by wave, so a crate's whole module tree is
/// linted. Files are grouped into crates by their Cargo package; files outside any
/// package form one crate.
pub fn run(inputs: &[Input], options: &Options) -> Run {
    let mut run = Run::default();
    let mut crates = Crates::new();
    let mut wave: Vec<Input> =
        inputs.iter().filter(|i| run.files_reached.insert(canonical(&i.path))).cloned().collect();
    while !wave.is_empty() {
        let started = Instant::now();
        let texts: Vec<FileText> = pool().install(|| {
            wave.par_iter()
                .map(|i| match &i.text {
                    Some(text) => FileText::Text(text.clone()),
                    None => parse::read(&i.path),
                })
                .collect()
        });
        run.stats.read += started.elapsed();
        let sources = wave.drain(..).zip(texts).map(|(input, text)| Source { input, text }).collect();
        for (child, package) in load(&mut run, &mut crates, sources, options) {
            if run.files_reached.insert(canonical(&child.path)) {
                let display = display_path(&child.path, options.display_root.as_deref());
                wave.push(Input { path: child.path, display, package, module: Some(child.origin), text: None });
            }
        }
    }
    finish(run, crates, options)
}

/// Lints in-memory sources as one crate (fixtures, tests, benchmarks).
pub fn run_texts(files: Vec<(String, String)>, options: &Options) -> Run {
    let sources = files
        .into_iter()
        .map(|(name, text)| Source {
            input: Input { path: PathBuf::from(&name), display: name, package: None, module: None, text: None },
            text: FileText::Text(text.into()),
        })
        .collect();
    let mut run = Run::default();
    let mut crates = Crates::new();
    load(&mut run, &mut crates, sources, options);
    finish(run, crates, options)
}

struct Source {
    input: Input,
    text: FileText,
}

/// The analysed files of each crate, keyed by package manifest (files outside packages
/// last), in the order they were read.
type Crates = BTreeMap<Option<PathBuf>, Vec<(FileId, Analysis)>>;

/// A module a file declares, with the package it belongs to.
type Declared = (ChildModule, Option<Arc<Package>>);

/// Registers `sources` in the database, parses and analyses them in parallel, and
/// returns the modules they declare.
fn load(run: &mut Run, crates: &mut Crates, sources: Vec<Source>, options: &Options) -> Vec<Declared> {
    let started = Instant::now();
    let mut todo = Vec::with_capacity(sources.len());
    for s in sources {
        let Source { input, text } = s;
        let (text, problem) = match text {
            FileText::Text(t) => (t, None),
            FileText::InvalidUtf8(t, at) => (t, Some((at, "file is not valid UTF-8".to_string()))),
            FileText::Unreadable(e) => {
                run.files_unreadable += 1;
                ("".into(), Some((0, format!("could not read file: {e}"))))
            }
        };
        run.stats.bytes += text.len();
        let info = file_info(&input);
        let id = run
            .db
            .add(SourceFile::new(input.display.clone(), input.path.clone(), text).with_package(input.package.clone()));
        match problem {
            Some((at, message)) => {
                run.diagnostics.push(parse::parse_error(Span::new(id, at..at), message));
                run.files_failed += 1;
            }
            None => todo.push((id, info, input)),
        }
    }
    let catalog = Catalog::builtin();
    let db = &run.db;
    let parsed: Vec<Result<Parsed, Diagnostic>> = pool().install(|| {
        todo.par_iter()
            .map(|(id, info, input)| {
                let text = &db.get(*id).text;
                let module = input.module.as_ref().map(|origin| (input.path.as_path(), origin));
                guarded(*id, || parse_one(*id, text, info, module, catalog, options.parse_only)).and_then(|r| r)
            })
            .collect()
    });
    let mut declared = Vec::new();
    for ((id, _, input), result) in todo.into_iter().zip(parsed) {
        match result {
            Ok((analysis, children)) => {
                run.files_linted += 1;
                let key = input.package.as_ref().map(|p| p.manifest_path.clone());
                if let Some(a) = analysis {
                    crates.entry(key).or_default().push((id, a));
                }
                declared.extend(children.into_iter().map(|c| (c, input.package.clone())));
            }
            Err(d) => {
                run.diagnostics.push(d);
                run.files_failed += 1;
            }
        }
    }
    run.stats.analyse += started.elapsed();
    declared
}

/// A file's analysis (none in parse-only runs) and the modules it declares.
type Parsed = (Option<Analysis>, Vec<ChildModule>);

fn parse_one(
    id: FileId,
    text: &str,
    info: &FileInfo,
    module: Option<parse::ModuleFile>,
    catalog: &'static Catalog,
    parse_only: bool,
) -> Result<Parsed, Diagnostic> {
    if parse_only {
        return parse::parses(text, module)
            .map(|children| (None, children))
            .ok_or_else(|| parse::parse_error(Span::new(id, 0..0), "could not parse this file".to_string()));
    }
    parse::parse_module(id, text, info, module, catalog).map(|(a, children)| (Some(a), children))
}

/// Where a file sits in its crate: from the module tree when it was reached through it,
/// else guessed from its path.
fn file_info(input: &Input) -> FileInfo {
    match &input.module {
        Some(origin) => FileInfo { module_path: origin.module_path.clone(), test_file: origin.test },
        None => {
            let (module_path, test_file) = discover::file_role(&input.path, input.package.as_deref());
            FileInfo { module_path, test_file }
        }
    }
}

/// Runs the rules over every crate and sorts what was found.
fn finish(mut run: Run, crates: Crates, options: &Options) -> Run {
    if !options.parse_only {
        let started = Instant::now();
        lint_workspace(&mut run, &crates, options);
        run.stats.rules += started.elapsed();
    }
    for d in &mut run.diagnostics {
        if let Some(&(_, level)) = options.levels.iter().rev().find(|(rule, _)| *rule == d.rule) {
            d.level = level;
        }
    }
    // Suppressions see allowed findings too, so a suppression of an allowed rule is used.
    if !options.parse_only {
        crate::suppress::apply(&run.db, &mut run.diagnostics);
    }
    run.diagnostics.retain(|d| d.level != Level::Allow);
    run.sort_diagnostics();
    run
}

/// Indexes every crate, infers the workspace's spawn wrappers, then runs every rule on
/// every file.
fn lint_workspace(run: &mut Run, crates: &Crates, options: &Options) {
    let refs: Vec<Vec<&Analysis>> = crates.values().map(|files| files.iter().map(|(_, a)| a).collect()).collect();
    let indexes: Vec<CrateIndex> =
        pool().install(|| refs.par_iter().map(|r| CrateIndex::build(r.iter().copied())).collect());
    let db = &run.db;
    let package = |files: &Vec<(FileId, Analysis)>| files.first().and_then(|(id, _)| db.get(*id).package.clone());
    let lib_names: Vec<Option<String>> = crates.values().map(|f| package(f).map(|p| p.lib_name.clone())).collect();
    let editions: Vec<Edition> =
        crates.values().map(|f| package(f).map_or(Edition::OUTSIDE_PACKAGE, |p| p.edition)).collect();
    let fns: Vec<CrateFns> = refs
        .iter()
        .zip(&indexes)
        .zip(&lib_names)
        .map(|((files, index), lib)| CrateFns { files, index, lib_name: lib.as_deref() })
        .collect();
    let locate = |span: Span| {
        let file = db.get(span.file);
        format!("{}:{}", file.name, file.line_col(span.lo as usize).line)
    };
    let wrappers = SpawnWrappers::build(&fns, &locate);
    let mut listed: Vec<String> =
        wrappers.all().map(|(_, w)| format!("{} ({:?}): {}", w.path, w.fate, w.explanation)).collect();
    listed.sort();
    let mut found = Vec::new();
    for (krate, (files, index)) in crates.values().zip(&indexes).enumerate() {
        let cx = CrateContext {
            files: &refs[krate],
            index,
            wrappers: &wrappers,
            krate,
            include_tests: options.include_tests,
            sources: db,
            edition: editions[krate],
        };
        found.extend(lint_crate(&cx, files));
    }
    run.stats.wrappers = listed;
    let (kept, superseded) = diagnostic::keep_most_specific(found);
    run.diagnostics.extend(kept);
    run.superseded = superseded;
}

/// Every rule on every file of one crate, in parallel.
fn lint_crate(cx: &CrateContext, files: &[(FileId, Analysis)]) -> Vec<Diagnostic> {
    let found: Vec<Vec<Diagnostic>> = pool().install(|| {
        (0..files.len())
            .into_par_iter()
            .map(|file| {
                let mut out = Vec::new();
                for rule in rules::all() {
                    let result = guarded(files[file].0, || {
                        let mut found = Vec::new();
                        (rule.check)(cx, file, &mut found);
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
    found.into_iter().flatten().collect()
}

impl Run {
    /// Orders findings by file path, then position and rule, however the files were
    /// numbered when read.
    pub fn sort_diagnostics(&mut self) {
        let db = &self.db;
        self.diagnostics.sort_by(|a, b| {
            let key = |d: &Diagnostic| (std::path::Path::new(&db.get(d.primary.span.file).name), d.sort_key());
            key(a).cmp(&key(b))
        });
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error_for_its_file() {
        assert_eq!(guarded(FileId(3), || 7).unwrap(), 7);
        let d = guarded(FileId(3), || -> u32 { panic!("index out of bounds: {}", 9) }).unwrap_err();
        assert_eq!((d.rule, d.level, d.primary.span), (INTERNAL_ERROR, Level::Deny, Span::new(FileId(3), 0..0)));
        assert_eq!(d.message, "leaklint crashed on this file: index out of bounds: 9");
        let d = guarded(FileId(0), || std::panic::panic_any(42)).unwrap_err();
        assert_eq!(d.message, "leaklint crashed on this file: unknown panic");
    }
}
