//! The pipeline, crate by crate: read → parse and analyse (parallel) → rules →
//! filters; then every crate's findings, sorted. The CLI, the tests and the benchmarks all call [`run`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::analysis::index::CrateIndex;
use crate::analysis::tasks::CrateFiles;
use crate::analysis::wrappers::{CrateWrappers, WorkspaceWrappers};
use crate::analysis::Analysis;
use crate::catalog::{Catalog, Spelling};
use crate::config::exclude::Exclude;
use crate::diagnostic::{self, Diagnostic, Label, Level};
use crate::discover::modules::ChildModule;
use crate::discover::{self, canonical, display_path, Input};
use crate::parse::{self, FileInfo, FileText};
use crate::prefilter::{Blanked, Prefilter, Words};
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
    /// The catalog to use; `None`: the built-in one. `&'static` because analyses keep a
    /// reference to it; a configured catalog is made (and leaked) once per process.
    pub catalog: Option<&'static Catalog>,
    /// Files not to lint when reached through a `mod` declaration (the CLI applies the
    /// configuration's excludes to the inputs it starts from).
    pub exclude: Exclude,
    /// Parse only the files a rule could report in, and those the rules ask about (see
    /// [`crate::prefilter`]); the findings are the same.
    pub prefilter: bool,
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
    /// Files reached through `mod` declarations but not read: excluded by
    /// [`Options::exclude`] (canonical paths).
    pub files_excluded: Vec<PathBuf>,
    pub stats: Stats,
}

/// Where a run spent its time (wall clock per phase) and how much it read.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub bytes: usize,
    pub read: Duration,
    /// The prefilter's scan of the files' text (see [`crate::prefilter`]).
    pub screen: Duration,
    /// Parsing and analysis (lowering, uses), all crates.
    pub analyse: Duration,
    pub rules: Duration,
    /// Files the prefilter found nothing in, that were never parsed, and their bytes.
    pub deferred: usize,
    pub deferred_bytes: usize,
    /// Bytes of function bodies the prefilter blanked out and that were never parsed.
    pub blanked_bytes: usize,
    /// Files parsed again whole, because the rules asked about a blanked body.
    pub reparsed: usize,
    /// Deferred files parsed after all, because the rules asked about a name they spell.
    pub parsed_on_demand: usize,
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
///
/// Crates are linted one at a time per thread, the crates they depend on first (so each
/// sees the spawn wrappers of its dependencies), and each crate's syntax and source text
/// are dropped when it is done: memory is bounded by the largest crates, not the input.
pub fn run(inputs: &[Input], options: &Options) -> Run {
    let reached = Mutex::new(HashSet::new());
    let mut crates: BTreeMap<Option<PathBuf>, Vec<Input>> = BTreeMap::new();
    for input in inputs {
        if crate::lock(&reached).insert(canonical(&input.path)) {
            let key = input.package.as_ref().map(|p| p.manifest_path.clone());
            crates.entry(key).or_default().push(input.clone());
        }
    }
    let crates: Vec<Vec<Input>> = crates.into_values().collect();
    let packages: Vec<Option<&Package>> = crates.iter().map(|c| c.first().and_then(|i| i.package.as_deref())).collect();
    let lib_names: Vec<Option<&str>> = packages.iter().map(|p| p.map(|p| p.lib_name.as_str())).collect();
    let mut workspace = WorkspaceWrappers::new(&lib_names);
    let triggers = (options.prefilter && !options.parse_only)
        .then(|| options.catalog.unwrap_or_else(Catalog::builtin).trigger_words());
    let mut done: Vec<Option<Run>> = crates.iter().map(|_| None).collect();
    for level in dependency_levels(&packages) {
        // A big crate is linted alone (its files still in parallel), so two big crates
        // never hold their syntax in memory at once: memory is bounded by the largest
        // crate, however many big crates the input holds.
        let (big, small): (Vec<usize>, Vec<usize>) =
            level.iter().partition(|&&k| level.len() > 1 && source_bytes(&crates[k], packages[k]) >= BIG_CRATE_BYTES);
        let lint = |k: usize| {
            let (run, own) = lint_crate(k, &crates[k], &workspace, triggers.as_ref(), &reached, options);
            (k, run, own)
        };
        let linted: Vec<(usize, Run, CrateWrappers)> = pool().install(|| {
            let alone = big.iter().map(|&k| lint(k));
            alone
                .collect::<Vec<_>>()
                .into_iter()
                .chain(small.par_iter().map(|&k| lint(k)).collect::<Vec<_>>())
                .collect()
        });
        for (k, run, own) in linted {
            workspace.record(k, own);
            done[k] = Some(run);
        }
    }
    let mut run = Run::default();
    for part in done.into_iter().flatten() {
        run.absorb(part);
    }
    run.sort_diagnostics();
    run
}

/// Crates with at least this much Rust source are linted one at a time.
const BIG_CRATE_BYTES: u64 = 4 << 20;

/// How much Rust source a crate has, before its module tree is known: every `.rs` file
/// under its package's directory (nested packages included, `target/` not), else its
/// inputs.
fn source_bytes(inputs: &[Input], package: Option<&Package>) -> u64 {
    let size = |path: &std::path::Path| std::fs::metadata(path).map_or(0, |m| m.len());
    match package {
        // As a walk of the package finds them (hidden and ignored files, and so usually
        // `target/`, left out).
        Some(p) => ignore::WalkBuilder::new(&p.root)
            .require_git(false)
            .filter_entry(|e| e.file_name() != "target")
            .build()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()) && e.path().extension().is_some_and(|x| x == "rs"))
            .map(|e| e.metadata().map_or(0, |m| m.len()))
            .sum(),
        None => inputs.iter().map(|i| i.text.as_ref().map_or_else(|| size(&i.path), |t| t.len() as u64)).sum(),
    }
}

/// Lints in-memory sources as one crate (fixtures, tests, benchmarks).
pub fn run_texts(files: Vec<(String, String)>, options: &Options) -> Run {
    let inputs: Vec<Input> = files
        .into_iter()
        .map(|(name, text)| Input {
            path: PathBuf::from(&name),
            display: name,
            package: None,
            module: None,
            text: Some(text.into()),
            named: false,
        })
        .collect();
    run(&inputs, options)
}

/// Crate numbers in the order they are linted: each level's crates depend only on
/// crates of earlier levels (by library name). Should the dependencies form a cycle
/// (they cannot in cargo), the crate with the fewest unlinted dependencies goes next.
fn dependency_levels(packages: &[Option<&Package>]) -> Vec<Vec<usize>> {
    let mut by_lib: HashMap<&str, usize> = HashMap::new();
    for (k, p) in packages.iter().enumerate() {
        if let Some(p) = p {
            by_lib.entry(p.lib_name.as_str()).or_insert(k);
        }
    }
    let deps: Vec<Vec<usize>> = packages
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let names = p.map_or(&[][..], |p| &p.dependencies[..]);
            names.iter().filter_map(|d| by_lib.get(d.as_str()).copied()).filter(|&d| d != k).collect()
        })
        .collect();
    let mut level_of: Vec<Option<usize>> = vec![None; packages.len()];
    let mut levels: Vec<Vec<usize>> = Vec::new();
    loop {
        let ready: Vec<usize> = (0..packages.len())
            .filter(|&k| level_of[k].is_none())
            .filter(|&k| deps[k].iter().all(|&d| level_of[d].is_some_and(|l| l < levels.len())))
            .collect();
        let next = if ready.is_empty() {
            let unmet = |k: usize| deps[k].iter().filter(|&&d| level_of[d].is_none()).count();
            let Some(k) = (0..packages.len()).filter(|&k| level_of[k].is_none()).min_by_key(|&k| unmet(k)) else {
                return levels;
            };
            vec![k]
        } else {
            ready
        };
        next.iter().for_each(|&k| level_of[k] = Some(levels.len()));
        levels.push(next);
    }
}

/// Reads, parses and lints one crate: its inputs and every module they declare.
/// Returns its findings (in a database of its own files, whose texts are kept only
/// where a finding points) and its spawn wrappers. With `triggers` (the catalog's
/// trigger words), files the prefilter finds nothing in are deferred.
fn lint_crate(
    k: usize,
    inputs: &[Input],
    workspace: &WorkspaceWrappers,
    triggers: Option<&BTreeMap<String, Spelling>>,
    reached: &Mutex<HashSet<PathBuf>>,
    options: &Options,
) -> (Run, CrateWrappers) {
    let mut run = Run::default();
    let mut files: Vec<(FileId, Analysis)> = Vec::new();
    let mut held = HeldBack::default();
    let prefilter = triggers.map(|t| {
        let wrappers = workspace.spelt_names().into_iter().map(|name| (name, Spelling::ANYWHERE));
        Prefilter::new(t.iter().map(|(w, how)| (w.clone(), *how)).chain(wrappers))
    });
    let mut wave: Vec<Input> = inputs.to_vec();
    while !wave.is_empty() {
        run.files_reached.extend(wave.iter().map(|i| canonical(&i.path)));
        let started = Instant::now();
        let texts: Vec<FileText> = wave
            .par_iter()
            .map(|i| match &i.text {
                Some(text) => FileText::Text(text.clone()),
                None => parse::read(&i.path),
            })
            .collect();
        run.stats.read += started.elapsed();
        let sources = wave.drain(..).zip(texts).map(|(input, text)| Source { input, text }).collect();
        let todo = register(&mut run, sources, prefilter.as_ref(), &mut held);
        for (child, package) in parse_files(&mut run, &mut files, todo, &mut held, options) {
            let path = canonical(&child.path);
            if options.exclude.matches(&child.path) {
                if !run.files_excluded.contains(&path) {
                    run.files_excluded.push(path);
                }
            } else if crate::lock(reached).insert(path) {
                let display = display_path(&child.path, options.display_root.as_deref());
                let module = Some(child.origin);
                wave.push(Input { path: child.path, display, package, module, text: None, named: false });
            }
        }
    }
    let mut own = CrateWrappers::default();
    if !options.parse_only && !run.db.is_empty() {
        // Nothing is held back in a parse-only run (no prefilter) or an empty crate.
        own = check_until_closed(k, &mut run, &mut files, held, workspace, options);
    }
    drop(files);
    let shown: HashSet<FileId> =
        run.diagnostics.iter().chain(&run.superseded).flat_map(|d| d.spans()).map(|s| s.file).collect();
    run.db.forget_texts(|id| shown.contains(&id));
    (run, own)
}

struct Source {
    input: Input,
    text: FileText,
}

/// A module a file declares, with the package it belongs to.
type Declared = (ChildModule, Option<Arc<Package>>);

/// A file registered in the database, to parse: where it sits and how it was reached.
type Pending = (FileId, FileInfo, Input);

/// What the prefilter held back of one crate (see [`crate::prefilter`]).
#[derive(Default)]
struct HeldBack {
    /// Files not parsed.
    deferred: Vec<Pending>,
    /// Files parsed with the bodies of some functions blanked out, by file.
    blanked: HashMap<FileId, (Pending, Blanked)>,
}

/// Registers `sources` in the database and returns those to parse now; those the
/// `prefilter` finds nothing in are deferred, and of the others, the bodies of the
/// functions it finds nothing in are blanked.
fn register(run: &mut Run, sources: Vec<Source>, prefilter: Option<&Prefilter>, held: &mut HeldBack) -> Vec<Pending> {
    let mut todo = Vec::with_capacity(sources.len());
    // Screened in parallel: a crate of generated bindings is mostly scanned, not parsed.
    let started = Instant::now();
    let verdicts: Vec<Option<Screened>> = sources
        .par_iter()
        .map(|s| match (&s.text, prefilter.filter(|_| !s.input.named)) {
            (FileText::Text(text), Some(p)) => Some(screen(p, text, &s.input)),
            _ => None,
        })
        .collect();
    run.stats.screen += started.elapsed();
    for (s, verdict) in sources.into_iter().zip(verdicts) {
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
            None => match verdict {
                Some(Screened::Deferred) => held.deferred.push((id, info, input)),
                Some(Screened::Blanked(blanked)) => {
                    held.blanked.insert(id, ((id, info.clone(), input.clone()), blanked));
                    todo.push((id, info, input));
                }
                Some(Screened::Whole) | None => todo.push((id, info, input)),
            },
        }
    }
    todo
}

/// What the prefilter makes of a file.
enum Screened {
    Deferred,
    Blanked(Blanked),
    Whole,
}

/// Runs the prefilter on one file; should it panic (a bug), the file is parsed whole.
fn screen(prefilter: &Prefilter, text: &str, input: &Input) -> Screened {
    let verdict = catch_unwind(AssertUnwindSafe(|| {
        if !prefilter.must_parse(text, input.module.is_some()) {
            Screened::Deferred
        } else {
            prefilter.blank_bodies(text).map_or(Screened::Whole, Screened::Blanked)
        }
    }));
    verdict.unwrap_or(Screened::Whole)
}

/// Parses and analyses `todo` in parallel (with the bodies `held` blanks blanked), and
/// returns the modules they declare.
fn parse_files(
    run: &mut Run,
    files: &mut Vec<(FileId, Analysis)>,
    todo: Vec<Pending>,
    held: &mut HeldBack,
    options: &Options,
) -> Vec<Declared> {
    let started = Instant::now();
    let catalog = options.catalog.unwrap_or_else(Catalog::builtin);
    let db = &run.db;
    let parsed: Vec<Result<Parsed, Diagnostic>> = todo
        .par_iter()
        .map(|(id, info, input)| {
            let text = held.blanked.get(id).map_or(&*db.get(*id).text, |(_, b)| b.text.as_str());
            let module = input.module.as_ref().map(|origin| (input.path.as_path(), origin));
            guarded(*id, || parse_one(*id, text, info, module, catalog, options.parse_only)).and_then(|r| r)
        })
        .collect();
    let mut declared = Vec::new();
    for ((id, _, input), result) in todo.into_iter().zip(parsed) {
        match result {
            Ok((analysis, children)) => {
                run.files_linted += 1;
                if let Some(a) = analysis {
                    files.push((id, a));
                }
                declared.extend(children.into_iter().map(|c| (c, input.package.clone())));
            }
            Err(d) => {
                run.diagnostics.push(d);
                run.files_failed += 1;
                // Not to be parsed again for its blanked bodies (and the error reported twice).
                held.blanked.remove(&id);
            }
        }
    }
    // Deferred files parsed late go where they would have been, so the crate index
    // numbers functions as it does with every file parsed.
    files.sort_by_key(|(id, _)| *id);
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

/// Checks a crate, and again with the held-back files whose names the checks asked
/// about (deferred files parsed, blanked ones parsed whole), until they ask about none
/// of those left (see [`crate::prefilter`]); then files the findings and returns the
/// crate's spawn wrappers.
fn check_until_closed(
    k: usize,
    run: &mut Run,
    files: &mut Vec<(FileId, Analysis)>,
    mut held: HeldBack,
    workspace: &WorkspaceWrappers,
    options: &Options,
) -> CrateWrappers {
    loop {
        let started = Instant::now();
        let recording = !held.deferred.is_empty() || !held.blanked.is_empty();
        // The per-file rules are guarded one by one; this guards the crate-wide steps
        // (index, wrappers, filters): a panic there is reported on the crate's first file,
        // and the other crates are linted.
        let checked = guarded(FileId(0), || check_crate(k, &run.db, files, workspace, options, recording));
        run.stats.rules += started.elapsed();
        let checked = match checked {
            Ok(checked) => checked,
            Err(d) => {
                run.diagnostics.push(d);
                run.files_linted += held.deferred.len();
                return CrateWrappers::default();
            }
        };
        let asked = Words::anywhere(&checked.asked);
        let mentioned = Words::anywhere(&checked.mentioned);
        let db = &run.db;
        // A deferred file may define an asked name as a struct field, which no cheap
        // scan tells from a mention: any spelling counts.
        let needed = |id: &FileId| {
            let text = &db.get(*id).text;
            asked.found_in(text, true) || mentioned.found_in(text, true)
        };
        let (wanted, rest): (Vec<Pending>, Vec<Pending>) = held.deferred.into_iter().partition(|(id, _, _)| needed(id));
        held.deferred = rest;
        let hides = |(id, (_, b)): (&FileId, &(Pending, Blanked))| {
            b.hides(&db.get(*id).text, &checked.asked, &asked, &mentioned).then_some(*id)
        };
        let mut whole: Vec<FileId> = held.blanked.iter().filter_map(hides).collect();
        if wanted.is_empty() && whole.is_empty() {
            let s = &mut run.stats;
            run.files_linted += held.deferred.len();
            s.deferred += held.deferred.len();
            s.deferred_bytes += held.deferred.iter().map(|(id, _, _)| db.get(*id).text.len()).sum::<usize>();
            s.blanked_bytes += held.blanked.values().map(|(_, b)| b.blanked_bytes()).sum::<usize>();
            return file_findings(run, checked);
        }
        whole.sort();
        files.retain(|(id, _)| whole.binary_search(id).is_err());
        let again: Vec<Pending> = whole.iter().filter_map(|id| held.blanked.remove(id)).map(|(p, _)| p).collect();
        run.files_linted -= again.len();
        run.stats.reparsed += again.len();
        // Deferred files declare no modules (the prefilter parses any that might), and
        // files parsed again were followed into already.
        run.stats.parsed_on_demand += wanted.len();
        parse_files(run, files, wanted.into_iter().chain(again).collect(), &mut held, options);
    }
}

/// What checking a crate found, before it is filed in the run.
#[derive(Default)]
struct Checked {
    kept: Vec<Diagnostic>,
    superseded: Vec<Diagnostic>,
    own: CrateWrappers,
    /// The names the checks looked up in the crate index: a file held back that
    /// defines one must be parsed.
    asked: HashSet<String>,
    /// The names of the crate's run-once functions and those a call of one of its
    /// wrappers spells: a file held back that mentions one must be parsed.
    mentioned: HashSet<String>,
}

/// Indexes one crate, infers its spawn wrappers, runs every rule on every file, and
/// keeps one finding per cause, at its level. `recording`: remember what was asked.
fn check_crate(
    k: usize,
    db: &SourceDb,
    files: &[(FileId, Analysis)],
    workspace: &WorkspaceWrappers,
    options: &Options,
    recording: bool,
) -> Checked {
    let refs: Vec<&Analysis> = files.iter().map(|(_, a)| a).collect();
    let index = if recording {
        CrateIndex::build_recording(refs.iter().copied())
    } else {
        CrateIndex::build(refs.iter().copied())
    };
    let package = files.first().and_then(|(id, _)| db.get(*id).package.clone());
    let locate = |span: Span| {
        let file = db.get(span.file);
        format!("{}:{}", file.name, file.line_col(span.lo as usize).line)
    };
    let wrappers = workspace.infer(k, &CrateFiles { files: &refs, index: &index }, &locate);
    let cx = CrateContext {
        files: &refs,
        index: &index,
        wrappers: &wrappers,
        include_tests: options.include_tests,
        sources: db,
        edition: package.map_or(Edition::OUTSIDE_PACKAGE, |p| p.edition),
    };
    let found = run_rules(&cx, files);
    let own = wrappers.into_own();
    let asked = index.names_asked();
    let mut mentioned = index.once_fn_names(&refs);
    mentioned.extend(own.spelt_names());
    mentioned.extend(own.aliases_of(&workspace.spelt_names()));
    let (mut kept, superseded) = diagnostic::keep_most_specific(found);
    for d in &mut kept {
        if let Some(&(_, level)) = options.levels.iter().rev().find(|(rule, _)| *rule == d.rule) {
            d.level = level;
        }
    }
    Checked { kept, superseded, own, asked, mentioned }
}

/// Files a crate's findings in the run: suppressions, then levels.
fn file_findings(run: &mut Run, checked: Checked) -> CrateWrappers {
    let Checked { kept, superseded, own, .. } = checked;
    run.stats.wrappers.extend(own.all().map(|w| format!("{} ({:?}): {}", w.path, w.fate, w.explanation)));
    run.diagnostics.extend(kept);
    run.superseded = superseded;
    // Suppressions see allowed findings too, so a suppression of an allowed rule is used.
    crate::suppress::apply(&run.db, &mut run.diagnostics);
    run.diagnostics.retain(|d| d.level != Level::Allow);
    own
}

/// Every rule on every file of one crate, in parallel.
fn run_rules(cx: &CrateContext, files: &[(FileId, Analysis)]) -> Vec<Diagnostic> {
    let found: Vec<Vec<Diagnostic>> = (0..files.len())
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
        .collect();
    found.into_iter().flatten().collect()
}

impl Run {
    /// Adds one crate's outcome, renumbering its files after the ones already here.
    fn absorb(&mut self, part: Run) {
        let shift = self.db.append(part.db);
        let renumber = |mut d: Diagnostic| {
            d.map_files(|f| FileId(f.0 + shift));
            d
        };
        self.diagnostics.extend(part.diagnostics.into_iter().map(renumber));
        self.superseded.extend(part.superseded.into_iter().map(renumber));
        self.files_linted += part.files_linted;
        self.files_failed += part.files_failed;
        self.files_unreadable += part.files_unreadable;
        self.files_reached.extend(part.files_reached);
        for path in part.files_excluded {
            if !self.files_excluded.contains(&path) {
                self.files_excluded.push(path);
            }
        }
        let (s, p) = (&mut self.stats, part.stats);
        s.bytes += p.bytes;
        s.read += p.read;
        s.screen += p.screen;
        s.analyse += p.analyse;
        s.rules += p.rules;
        s.deferred += p.deferred;
        s.deferred_bytes += p.deferred_bytes;
        s.blanked_bytes += p.blanked_bytes;
        s.reparsed += p.reparsed;
        s.parsed_on_demand += p.parsed_on_demand;
        s.wrappers.extend(p.wrappers);
        s.wrappers.sort();
    }

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
    use crate::source::Edition;

    fn package(lib: &str, deps: &[&str]) -> Package {
        Package {
            name: lib.into(),
            version: "1.0.0".into(),
            manifest_path: PathBuf::from(format!("{lib}/Cargo.toml")),
            root: PathBuf::from(lib),
            lib_name: lib.into(),
            targets: Vec::new(),
            edition: Edition::E2021,
            dependencies: deps.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn crates_come_after_the_crates_they_depend_on() {
        let (app, util, core, other) = (
            package("app", &["util", "serde"]),
            package("util", &["core"]),
            package("core", &[]),
            package("other", &[]),
        );
        let order = dependency_levels(&[Some(&app), Some(&util), None, Some(&core), Some(&other)]);
        assert_eq!(order, [vec![2, 3, 4], vec![1], vec![0]]);
    }

    #[test]
    fn a_dependency_cycle_is_broken_not_merged() {
        let (a, b, c) = (package("a", &["b"]), package("b", &["a"]), package("c", &["a"]));
        let order = dependency_levels(&[Some(&a), Some(&b), Some(&c)]);
        assert_eq!(order, [vec![0], vec![1, 2]]);
    }

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
