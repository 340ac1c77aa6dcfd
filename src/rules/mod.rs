//! The rule registry. Each rule is one module: its metadata, its documentation (the
//! LINTS.md text) and its check over the shared analysis facts.

pub mod deferred_drop_in_loop;
pub mod detached_spawn;
pub mod leaked_timer;
pub mod lock_in_scrutinee;
mod lock_text;
pub mod send_without_receiver;
pub mod timer_in_loop;
pub mod unclosed_channel;

use crate::analysis::index::CrateIndex;
use crate::analysis::spawns::Spawn;
use crate::analysis::tasks::{self, CrateFiles, DetachedTask};
use crate::analysis::tree::ExprId;
use crate::analysis::wrappers::SpawnWrappers;
use crate::analysis::Analysis;
use crate::diagnostic::{Diagnostic, Level};
use crate::source::{Edition, SourceDb, Span};

/// A rule's fixed description.
pub struct RuleMeta {
    /// snake_case id, shown as `leaklint::<id>`.
    pub id: &'static str,
    pub default_level: Level,
    /// One line: what it finds.
    pub summary: &'static str,
    /// Markdown with the sections What it finds / Why it leaks / Example / Fix.
    pub docs: &'static str,
}

/// The files of one crate, the index over them, and the workspace's spawn wrappers.
pub struct CrateContext<'a> {
    pub files: &'a [&'a Analysis],
    pub index: &'a CrateIndex,
    pub wrappers: &'a SpawnWrappers<'a>,
    /// Whether test code is linted (`--include-tests`).
    pub include_tests: bool,
    /// The text of every file, for fixes that must match the code around them.
    pub sources: &'a SourceDb,
    /// The crate's edition (2021 for files outside any package).
    pub edition: Edition,
}

impl CrateContext<'_> {
    /// The crate's files and index, as the analysis layer's cross-function facts take them.
    pub fn krate(&self) -> CrateFiles<'_> {
        CrateFiles { files: self.files, index: self.index }
    }

    /// The detached task that never ends `expr` of `file` starts, if it starts one.
    pub fn detached_endless(&self, file: usize, expr: ExprId) -> Option<DetachedTask<'_>> {
        tasks::detached_endless(self.krate(), self.wrappers, file, expr)
    }

    /// The detached task that never ends `expr` of `file` starts, when it is in the code
    /// being linted and may be started more than once per process (DESIGN §3 "main lives
    /// for the whole process": not in `fn main`, a static initialiser, or a function only
    /// a once-initialiser runs): what `detached_spawn` and `leaked_timer` report.
    pub fn detached_forever(&self, file: usize, expr: ExprId) -> Option<DetachedTask<'_>> {
        let task = self.detached_endless(file, expr)?;
        let a = self.files[file];
        let once = a.runs_once_per_process(expr) || self.index.runs_once(a, file, expr);
        (self.in_scope(file, expr) && !once).then_some(task)
    }

    /// The spawn `expr` of `file` starts, if it is one: a catalogued spawn or a call of a
    /// workspace spawn wrapper.
    pub fn spawn_call(&self, file: usize, expr: ExprId) -> Option<Spawn<'_>> {
        self.wrappers.spawn_call(self.index, self.files[file], expr)
    }

    /// The whitespace that starts the line `span` starts on.
    pub fn indent_at(&self, span: Span) -> &str {
        let file = self.sources.get(span.file);
        let line = file.line_index(span.lo as usize);
        let text = file.line_range(line).map_or("", |r| &file.text[r]);
        let end = text.find(|c: char| c != ' ' && c != '\t').unwrap_or(text.len());
        &text[..end]
    }

    /// The byte offset where the line `span` starts on begins.
    pub fn line_start(&self, span: Span) -> u32 {
        let file = self.sources.get(span.file);
        file.line_range(file.line_index(span.lo as usize)).map_or(span.lo, |r| r.start as u32)
    }

    /// Whether `expr` of `file` is in the code being linted (test code only with
    /// `--include-tests`).
    pub fn in_scope(&self, file: usize, expr: ExprId) -> bool {
        self.include_tests || !self.files[file].tree.expr(expr).scope.in_test
    }
}

pub type CheckFn = fn(&CrateContext, usize, &mut Vec<Diagnostic>);

pub struct Rule {
    pub meta: RuleMeta,
    /// Checks file `file` of the crate, pushing findings at the rule's default level.
    pub check: CheckFn,
}

/// Every rule, in the order LINTS.md lists them.
pub fn all() -> &'static [Rule] {
    static RULES: &[Rule] = &[
        detached_spawn::RULE,
        unclosed_channel::RULE,
        send_without_receiver::RULE,
        deferred_drop_in_loop::RULE,
        leaked_timer::RULE,
        timer_in_loop::RULE,
        lock_in_scrutinee::RULE,
    ];
    RULES
}

/// Where the rules' documentation lives: `<DOCS_BASE>#<id>` is one rule's section.
pub const DOCS_BASE: &str = "https://github.com/leaklint/leaklint/blob/main/LINTS.md";

/// The documentation URL of rule `id`, if it is a rule (not a tool diagnostic).
pub fn docs_url(id: &str) -> Option<String> {
    find(id).map(|r| format!("{DOCS_BASE}#{}", r.meta.id))
}

pub fn find(id: &str) -> Option<&'static Rule> {
    let id = id.strip_prefix("leaklint::").unwrap_or(id);
    all().iter().find(|r| r.meta.id == id)
}

/// "unknown rule `x`", with the closest rule id when one is close.
pub fn unknown_rule(name: &str) -> String {
    let closest =
        all().iter().map(|r| (strsim::levenshtein(name.trim_start_matches("leaklint::"), r.meta.id), r.meta.id)).min();
    match closest {
        Some((distance, id)) if distance <= 3 => format!("unknown rule `{name}`: did you mean `{id}`?"),
        _ => format!("unknown rule `{name}` (`leaklint rules` lists them)"),
    }
}

/// LINTS.md, generated from the rule metadata.
pub fn lints_markdown() -> String {
    let mut out = String::from(
        "# leaklint lints\n\n<!-- Generated by `leaklint rules --markdown`; do not edit by hand. -->\n\n\
         | rule | default | finds |\n|---|---|---|\n",
    );
    for r in all() {
        let m = &r.meta;
        out.push_str(&format!("| [`{}`](#{}) | {} | {} |\n", m.id, m.id, m.default_level.as_config_str(), m.summary));
    }
    for r in all() {
        let m = &r.meta;
        out.push_str(&format!(
            "\n## `{}`\n\nDefault level: `{}`. {}\n\n{}\n",
            m.id,
            m.default_level.as_config_str(),
            m.summary,
            m.docs.trim()
        ));
    }
    out
}
