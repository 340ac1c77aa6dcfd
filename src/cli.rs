//! The command line, shared by `leaklint` and `cargo leaklint`.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};

use crate::catalog::Catalog;
use crate::config::show::Flags;
use crate::config::{self, Config, Search};
use crate::diagnostic::Level;
use crate::discover::{self, Discovery};
use crate::fix;
use crate::lint::{self, Options};
use crate::report::{self, ColorChoice, Format, ReportContext};
use crate::rules;
pub use crate::rules::unknown_rule;
use crate::source::{SourceFile, Span};
use crate::with_check;

/// Exit code: no finding at warn/deny level.
pub const EXIT_CLEAN: i32 = 0;
/// Exit code: findings.
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code: usage error, or nothing could be read.
pub const EXIT_ERROR: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "leaklint",
    version,
    about = "Finds leak-prone concurrency patterns in Rust code",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the rules.
    Rules {
        /// Print LINTS.md (the rule documentation) instead of the table.
        #[arg(long)]
        markdown: bool,
    },
    /// Show a rule's documentation.
    Explain {
        /// The rule id, with or without `leaklint::`.
        rule: String,
    },
    /// Print the effective configuration (as TOML): where it was read from, every rule's
    /// level, excludes, test code, the catalog entries it adds.
    Config {
        /// Show the configuration a run over these paths would use (found from the current
        /// directory); without any, the workspace's.
        paths: Vec<PathBuf>,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Print a shell completion script (e.g. `leaklint completions bash > ~/.local/share/bash-completion/completions/leaklint`).
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

/// `--message-format`, as cargo spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MessageFormat {
    Human,
    /// cargo-compatible JSON messages (for rust-analyzer and other cargo tools).
    Json,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// Files or directories to lint. Without any, lints the Cargo workspace around the
    /// current directory (or `--manifest-path`).
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// cargo-style output selection; `json` is the same as `--format cargo-json`.
    #[arg(long, value_enum)]
    message_format: Option<MessageFormat>,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(flatten)]
    settings: SettingsArgs,
    /// Exclude files matching the configuration's `exclude` even when named on the command
    /// line (or by `--stdin-filename`), as pre-commit names them.
    #[arg(long)]
    force_exclude: bool,
    /// Print where the time went (per phase, files/s, MB/s) on stderr.
    #[arg(long)]
    stats: bool,
    /// Parse every file, also those no rule can report in (which are otherwise only
    /// searched for the names the rules look for): their syntax errors are reported too.
    #[arg(long)]
    no_prefilter: bool,
    /// Benchmark baseline: only parse the files with `syn`; no analysis, no rules.
    #[arg(long, hide = true)]
    parse_only: bool,
    /// Record the current findings in FILE (by line-independent fingerprint) and exit 0.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Report only the findings that FILE (written by `--write-baseline`) does not record.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Lint standard input (an editor's unsaved buffer) as if it were the file at PATH.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["paths", "manifest_path"])]
    stdin_filename: Option<PathBuf>,
    /// First run `cargo check` (or `cargo clippy`) over the workspace, all targets, and
    /// pass its output on: one command for editors that run one (rust-analyzer). With
    /// `--message-format=json` the output ends with one `build-finished` for both.
    #[arg(
        long,
        value_enum,
        value_name = "TOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "check",
        conflicts_with_all = ["paths", "stdin_filename", "write_baseline"]
    )]
    with_check: Option<with_check::Tool>,
    /// Apply the machine-applicable fixes of the reported findings in place, then report
    /// what remains. With `--stdin-filename`: print the fixed source on stdout and the
    /// remaining findings on stderr.
    #[arg(long, conflicts_with_all = ["diff", "write_baseline"])]
    fix: bool,
    /// Print the machine-applicable fixes as a unified diff instead of the findings, and
    /// write nothing; exit 1 if there is a diff, 0 if not.
    #[arg(long, conflicts_with = "write_baseline")]
    diff: bool,
    /// Debugging: list the spawn wrappers inferred in the workspace on stderr.
    #[arg(long, hide = true)]
    print_wrappers: bool,
}

/// The flags that make up the configuration, shared by linting and `leaklint config`.
#[derive(Debug, clap::Args)]
struct SettingsArgs {
    /// Read the configuration from FILE (a `leaklint.toml`, or a `Cargo.toml` with a
    /// `[workspace.metadata.leaklint]` or `[package.metadata.leaklint]` table) instead of
    /// finding it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Lint test code too (`#[cfg(test)]`, `#[test]` functions, `tests/`, `benches/`).
    #[arg(long)]
    include_tests: bool,
    /// Report RULE's findings as warnings (repeatable).
    #[arg(long, value_name = "RULE")]
    warn: Vec<String>,
    /// Report RULE's findings as errors (repeatable).
    #[arg(long, value_name = "RULE")]
    deny: Vec<String>,
    /// Do not report RULE (repeatable).
    #[arg(long, value_name = "RULE")]
    allow: Vec<String>,
    /// The `Cargo.toml` whose workspace to lint when no paths are given.
    #[arg(long)]
    manifest_path: Option<PathBuf>,
}

/// Runs the command line `args` (without the program name) and returns the exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let argv = std::iter::once(std::ffi::OsString::from("leaklint")).chain(args.into_iter().map(Into::into));
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_ERROR } else { EXIT_CLEAN };
        }
    };
    match cli.command {
        Some(Command::Rules { markdown }) => list_rules(markdown),
        Some(Command::Explain { rule }) => explain(&rule),
        Some(Command::Config { paths, settings }) => show_config(&paths, &settings),
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "leaklint",
                &mut std::io::stdout(),
            );
            EXIT_CLEAN
        }
        None => check(cli.check),
    }
}

fn list_rules(markdown: bool) -> i32 {
    let mut out = std::io::stdout().lock();
    let text = if markdown {
        rules::lints_markdown()
    } else {
        rules::all()
            .iter()
            .map(|r| format!("{:<24} {:<5} {}\n", r.meta.id, r.meta.default_level.as_config_str(), r.meta.summary))
            .collect()
    };
    match out.write_all(text.as_bytes()) {
        Ok(()) => EXIT_CLEAN,
        Err(_) => EXIT_ERROR,
    }
}

fn explain(id: &str) -> i32 {
    match rules::find(id) {
        Some(rule) => {
            let m = &rule.meta;
            println!(
                "leaklint::{} (default: {})\n\n{}\n\n{}",
                m.id,
                m.default_level.as_config_str(),
                m.summary,
                m.docs.trim()
            );
            EXIT_CLEAN
        }
        None => {
            eprintln!("error: {}", unknown_rule(id));
            EXIT_ERROR
        }
    }
}

fn check(args: CheckArgs) -> i32 {
    let started = Instant::now();
    let format = match args.message_format {
        Some(MessageFormat::Json) => Format::CargoJson,
        Some(MessageFormat::Human) => Format::Human,
        None => args.format,
    };
    let mut discovery = match discover_inputs(&args) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };
    for skipped in &discovery.skipped {
        eprintln!("warning: skipping `{skipped}`: not a `.rs` file");
    }
    let (config, flags) = match settings(&args.settings, discovery.workspace_root.as_deref()) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };
    let excluded = exclude_inputs(&mut discovery, &config, &args);
    let cargo = match args.with_check.map(|tool| run_cargo(tool, format, &args)).transpose() {
        Ok(cargo) => cargo,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };
    let options = Options {
        include_tests: config.include_tests || flags.include_tests,
        parse_only: args.parse_only,
        display_root: discovery.workspace_root.clone(),
        levels: config.levels.iter().chain(&flags.levels).copied().collect(),
        catalog: effective_catalog(&config),
        exclude: config.exclude.clone(),
        prefilter: !args.no_prefilter,
    };
    // `--write-baseline` records the findings before any baseline filters them.
    let baseline = if args.write_baseline.is_some() { None } else { args.baseline.as_deref() };
    let lint_once = |discovery: &Discovery| lint_discovered(discovery, &options, baseline);
    let mut run = match lint_once(&discovery) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };
    if let Some(path) = &args.write_baseline {
        return match crate::baseline::write(path, &run.db, &run.diagnostics) {
            Ok(n) => {
                eprintln!("leaklint: recorded {n} findings in `{}`", path.display());
                EXIT_CLEAN
            }
            Err(e) => {
                eprintln!("error: {e}");
                EXIT_ERROR
            }
        };
    }
    if args.diff {
        return print_diffs(&run);
    }
    let mut fixed = None;
    if args.fix {
        match run_fix(args.stdin_filename.as_deref(), &discovery, run, lint_once) {
            Ok(mut outcome) => {
                outcome.warnings.iter().for_each(|w| eprintln!("warning: {w}"));
                run = std::mem::take(&mut outcome.run);
                fixed = Some(outcome);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_ERROR;
            }
        }
    }
    let excluded: HashSet<PathBuf> = excluded.into_iter().chain(run.files_excluded.iter().cloned()).collect();
    let unreached =
        discovery.candidates.iter().filter(|c| !run.files_reached.contains(*c) && !excluded.contains(*c)).count();

    if let (Some(cargo), Some(root)) = (&cargo, &discovery.workspace_root) {
        cargo.drop_repeated_parse_errors(&run.db, &mut run.diagnostics, root);
    }
    let cargo_failed = cargo.as_ref().is_some_and(|c| !c.success);

    let findings = run.diagnostics.iter().filter(|d| d.level >= Level::Warn).count();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let cx = ReportContext { db: &run.db, color, success: findings == 0 && !cargo_failed };
    // `--fix` of standard input prints the fixed source on stdout; the findings go to stderr.
    let mut out: Box<dyn Write> = match (args.fix, &args.stdin_filename) {
        (true, Some(_)) => Box::new(std::io::stderr().lock()),
        _ => Box::new(std::io::stdout().lock()),
    };
    if let Err(e) = report::write(format, &cx, &run.diagnostics, &mut out).and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the report: {e}");
        }
        return EXIT_ERROR;
    }
    if format == Format::Human {
        eprintln!("{}", summary(&run, unreached, excluded.len(), started));
    }
    if let Some(outcome) = &fixed {
        eprintln!("{}", outcome.summary(findings));
    }
    if args.stats {
        eprintln!("{}", stats(&run, started));
    }
    if args.print_wrappers {
        run.stats.wrappers.iter().for_each(|w| eprintln!("wrapper: {w}"));
    }
    // Exit 2 only when nothing could be read; a file that was read but does not parse is
    // an error-level finding like any other.
    if run.files_linted + run.files_failed == run.files_unreadable {
        if run.files_failed == 0 && excluded.is_empty() {
            eprintln!("error: no Rust files to lint");
        } else if run.files_failed == 0 {
            // Everything there was is excluded by the configuration: nothing to report.
            return EXIT_CLEAN;
        }
        return EXIT_ERROR;
    }
    if findings > 0 || cargo_failed {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// `--with-check`: runs cargo before leaklint (see [`with_check`]).
fn run_cargo(tool: with_check::Tool, format: Format, args: &CheckArgs) -> Result<with_check::Outcome, String> {
    with_check::check_format(format)?;
    let invocation = with_check::Invocation {
        tool,
        format,
        manifest_path: args.settings.manifest_path.as_deref(),
        color: args.color,
    };
    with_check::run(with_check::command(&invocation), format, &mut std::io::stdout().lock())
}

/// The configuration file (from `--config`, or found as [`config`] says: from the
/// workspace root in workspace mode, from the current directory for explicit paths), and
/// what the command-line flags add to it.
fn settings(args: &SettingsArgs, workspace_root: Option<&Path>) -> Result<(Config, Flags), String> {
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let search = match (&args.config, workspace_root) {
        (Some(file), _) => Search::File(file),
        (None, Some(root)) => Search::Upward(root),
        (None, None) => Search::Upward(&cwd),
    };
    let loaded = config::load(search).map_err(|e| e.to_string())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let flags = Flags { levels: rule_levels(args)?, include_tests: args.include_tests };
    Ok((loaded.config, flags))
}

/// Removes the inputs the configuration excludes, returning their canonical paths.
/// Files named on the command line (or by `--stdin-filename`) are linted anyway unless
/// `--force-exclude`, as ruff does.
fn exclude_inputs(discovery: &mut Discovery, config: &Config, args: &CheckArgs) -> Vec<PathBuf> {
    if config.exclude.is_empty() {
        return Vec::new();
    }
    let named = |path: &Path| args.stdin_filename.as_deref() == Some(path) || args.paths.iter().any(|p| p == path);
    let mut excluded = Vec::new();
    discovery.inputs.retain(|input| {
        let exempt = !args.force_exclude && named(&input.path);
        let drop = !exempt && config.exclude.matches(&input.path);
        if drop {
            excluded.push(discover::canonical(&input.path));
        }
        !drop
    });
    excluded
}

/// The built-in catalog, extended by the configuration's entries. Made once per process
/// and leaked: the analyses of every file hold a `&'static Catalog`.
fn effective_catalog(config: &Config) -> Option<&'static Catalog> {
    config.origin.as_ref()?;
    Some(Box::leak(Box::new(Catalog::builtin().extended(&config.catalog))))
}

/// `leaklint config`: the configuration a run with the same paths and flags would use.
fn show_config(paths: &[PathBuf], args: &SettingsArgs) -> i32 {
    let root = if paths.is_empty() && args.config.is_none() {
        let start = match &args.manifest_path {
            Some(m) => m.parent().map(PathBuf::from).filter(|p| !p.as_os_str().is_empty()),
            None => std::env::current_dir().ok(),
        };
        // Outside any workspace, the configuration is looked for from the current directory.
        start.and_then(|s| discover::from_workspace(&s).ok()).and_then(|d| d.workspace_root)
    } else {
        None
    };
    match settings(args, root.as_deref()) {
        Ok((config, flags)) => {
            print!("{}", config::show::render(&config, &flags));
            EXIT_CLEAN
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_ERROR
        }
    }
}

/// Lints the discovered inputs: the pipeline, files that could not be walked, then the
/// baseline filter. `--fix` calls it again after each pass.
fn lint_discovered(discovery: &Discovery, options: &Options, baseline: Option<&Path>) -> Result<lint::Run, String> {
    let mut run = lint::run(&discovery.inputs, options);
    for err in &discovery.errors {
        let id = run.db.add(SourceFile::new(err.path.clone(), PathBuf::from(&err.path), "".into()));
        run.diagnostics.push(crate::parse::parse_error(
            Span::new(id, 0..0),
            format!("could not read `{}`: {}", err.path, err.message),
        ));
        run.files_failed += 1;
        run.files_unreadable += 1;
    }
    run.sort_diagnostics();
    if let Some(path) = baseline {
        crate::baseline::filter(path, &run.db, &mut run.diagnostics)?;
    }
    Ok(run)
}

/// `--fix`: on the files, or on standard input (the fixed source is printed on stdout).
fn run_fix(
    stdin: Option<&Path>,
    discovery: &Discovery,
    run: lint::Run,
    lint_once: impl Fn(&Discovery) -> Result<lint::Run, String>,
) -> Result<fix::Outcome, String> {
    let Some(path) = stdin else { return fix::fix_files(run, || lint_once(discovery)) };
    let (outcome, text) = fix::fix_text(run, |text| lint_once(&discover::from_stdin(path, text)))?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write the fixed source: {e}"))?;
    Ok(outcome)
}

/// `--diff`: the fixes as unified diffs on stdout; exit 1 if there are any, 2 if nothing
/// could be read.
fn print_diffs(run: &lint::Run) -> i32 {
    if run.files_linted + run.files_failed == run.files_unreadable {
        eprintln!("error: no Rust files could be read");
        return EXIT_ERROR;
    }
    let fixes = fix::plan(&run.db, &run.diagnostics);
    let text: String = fixes.iter().map(|f| fix::unified_diff(&run.db, f)).collect();
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the diff: {e}");
        }
        return EXIT_ERROR;
    }
    let findings = fixes.iter().map(|f| f.fixed).sum();
    eprintln!("leaklint: would fix {} in {}", fix::plural(findings, "finding"), fix::plural(fixes.len(), "file"));
    if fixes.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    }
}

/// `--warn/--deny/--allow RULE`, in that order of precedence for a rule named twice
/// (the strictest wins), checked against the rule ids.
fn rule_levels(args: &SettingsArgs) -> Result<Vec<(&'static str, Level)>, String> {
    let mut levels = Vec::new();
    for (names, level) in [(&args.allow, Level::Allow), (&args.warn, Level::Warn), (&args.deny, Level::Deny)] {
        for name in names {
            let rule = rules::find(name).ok_or_else(|| unknown_rule(name))?;
            levels.push((rule.meta.id, level));
        }
    }
    Ok(levels)
}

fn discover_inputs(args: &CheckArgs) -> Result<Discovery, String> {
    if let Some(path) = &args.stdin_filename {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(discover::from_stdin(path, text));
    }
    if !args.paths.is_empty() {
        return Ok(discover::from_paths(&args.paths));
    }
    let start = match &args.settings.manifest_path {
        Some(m) => m.parent().map(PathBuf::from).unwrap_or_default(),
        None => std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?,
    };
    let start = if start.as_os_str().is_empty() { PathBuf::from(".") } else { start };
    discover::from_workspace(&start)
}

fn stats(run: &lint::Run, started: Instant) -> String {
    let s = &run.stats;
    let total = started.elapsed().as_secs_f64();
    let files = run.files_linted + run.files_failed;
    format!(
        "stats: {files} files, {:.1} MB in {total:.3}s ({:.0} files/s, {:.1} MB/s); read {:.3}s, prefilter scan {:.3}s, parse+analyse {:.3}s, rules {:.3}s; prefilter: {} files, {:.1} MB not parsed, {} parsed on demand, {:.1} MB of bodies blanked, {} files parsed again whole; {} spawn wrappers",
        s.bytes as f64 / 1e6,
        files as f64 / total,
        s.bytes as f64 / 1e6 / total,
        s.read.as_secs_f64(),
        s.screen.as_secs_f64(),
        s.analyse.as_secs_f64(),
        s.rules.as_secs_f64(),
        s.deferred,
        s.deferred_bytes as f64 / 1e6,
        s.parsed_on_demand,
        s.blanked_bytes as f64 / 1e6,
        s.reparsed,
        s.wrappers.len(),
    )
}

/// The closing line of human output; `unreached`: `.rs` files of the workspace that no
/// target's module tree reaches (not linted, as cargo does not compile them).
fn summary(run: &lint::Run, unreached: usize, excluded: usize, started: Instant) -> String {
    let count = |level| run.diagnostics.iter().filter(|d| d.level == level).count();
    let (warnings, errors) = (count(Level::Warn), count(Level::Deny));
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let skipped = match unreached {
        0 => String::new(),
        n => format!("; skipped {} that no target reaches", plural(n, "file")),
    };
    let excluded = match excluded {
        0 => String::new(),
        n => format!("; excluded {} by configuration", plural(n, "file")),
    };
    format!(
        "leaklint: {}, {} in {}{skipped}{excluded} ({:.2}s)",
        plural(warnings, "warning"),
        plural(errors, "error"),
        plural(run.files_linted + run.files_failed, "file"),
        started.elapsed().as_secs_f64()
    )
}
