//! The one type every rule produces and every report format reads.

use crate::source::{FileId, Span};

/// How seriously a finding is taken; `Allow` findings are never reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    /// The word rustc uses for a diagnostic at this level.
    pub fn as_rustc_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warning",
            Level::Deny => "error",
        }
    }

    pub fn as_config_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

/// A span with the text shown beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Label {
        Label { span, message: message.into() }
    }
}

/// A suggested edit: replace `span` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub message: String,
    pub span: Span,
    pub replacement: String,
}

/// The root cause a finding reports (DESIGN §3 "One finding per root cause"). When
/// several rules report one cause, the most specific finding replaces the general ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// Where the cause is, e.g. the spawn call of a detached task.
    pub site: Span,
    /// The more general rules whose findings with the same `site` this one replaces.
    pub replaces: &'static [&'static str],
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Rule id without the `leaklint::` prefix, e.g. `detached_spawn`.
    pub rule: &'static str,
    pub level: Level,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
    /// The root cause, when another rule may report the same one.
    pub cause: Option<Cause>,
}

impl Diagnostic {
    pub fn new(rule: &'static str, level: Level, message: impl Into<String>, primary: Label) -> Diagnostic {
        Diagnostic {
            rule,
            level,
            message: message.into(),
            primary,
            secondary: Vec::new(),
            help: None,
            fix: None,
            cause: None,
        }
    }

    pub fn with_label(mut self, label: Label) -> Diagnostic {
        self.secondary.push(label);
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Marks the root cause this finding reports; `replaces` names the more general
    /// rules whose findings of the same cause this one stands for.
    pub fn with_cause(mut self, site: Span, replaces: &'static [&'static str]) -> Diagnostic {
        self.cause = Some(Cause { site, replaces });
        self
    }

    /// Every span of the finding: labels, fix and cause.
    pub fn spans(&self) -> impl Iterator<Item = Span> + '_ {
        let more = [self.fix.as_ref().map(|x| x.span), self.cause.as_ref().map(|c| c.site)];
        let labels = std::iter::once(&self.primary).chain(&self.secondary);
        labels.map(|l| l.span).chain(more.into_iter().flatten())
    }

    /// Renumbers the files every span points into (when one crate's files join the run's).
    pub fn map_files(&mut self, f: impl Fn(FileId) -> FileId) {
        let more = [self.fix.as_mut().map(|x| &mut x.span), self.cause.as_mut().map(|c| &mut c.site)];
        let labels = std::iter::once(&mut self.primary).chain(self.secondary.iter_mut());
        for span in labels.map(|l| &mut l.span).chain(more.into_iter().flatten()) {
            span.file = f(span.file);
        }
    }

    /// The code shown to users: `leaklint::<rule>`.
    pub fn code(&self) -> String {
        format!("leaklint::{}", self.rule)
    }

    /// Order of reports: by file, then position, then rule.
    pub fn sort_key(&self) -> (Span, &'static str) {
        (self.primary.span, self.rule)
    }
}

/// One finding per root cause: splits `found` into the findings to report and those a
/// more specific finding of the same cause replaces (kept for tests and triage). Knows
/// no rule by name: each finding says what it replaces.
pub fn keep_most_specific(found: Vec<Diagnostic>) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let replaced: std::collections::HashSet<(Span, &str)> = found
        .iter()
        .filter_map(|d| d.cause.as_ref())
        .flat_map(|c| c.replaces.iter().map(move |&rule| (c.site, rule)))
        .collect();
    if replaced.is_empty() {
        return (found, Vec::new());
    }
    found.into_iter().partition(|d| !d.cause.as_ref().is_some_and(|c| replaced.contains(&(c.site, d.rule))))
}

/// The id of the diagnostic for files that could not be read or parsed.
pub const PARSE_ERROR: &str = "parse_error";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn finding(rule: &'static str, at: usize) -> Diagnostic {
        Diagnostic::new(rule, Level::Warn, "m", Label::new(Span::new(FileId(0), at..at + 1), ""))
    }

    #[test]
    fn a_specific_finding_replaces_general_ones_of_the_same_cause_only() {
        let site = Span::new(FileId(0), 10..20);
        let other = Span::new(FileId(0), 30..40);
        let general = finding("general", 10).with_cause(site, &[]);
        let specific = finding("specific", 50).with_cause(site, &["general"]);
        let unrelated_cause = finding("general", 30).with_cause(other, &[]);
        let no_cause = finding("general", 10);
        let same_rule_elsewhere = finding("unrelated", 10).with_cause(site, &[]);
        let found = vec![
            general.clone(),
            specific.clone(),
            unrelated_cause.clone(),
            no_cause.clone(),
            same_rule_elsewhere.clone(),
        ];
        let (kept, superseded) = keep_most_specific(found);
        assert_eq!(kept, [specific, unrelated_cause, no_cause, same_rule_elsewhere]);
        assert_eq!(superseded, [general]);
    }

    #[test]
    fn nothing_is_replaced_without_a_replacing_finding() {
        let site = Span::new(FileId(1), 0..5);
        let found = vec![finding("a", 0).with_cause(site, &[]), finding("b", 0).with_cause(site, &[])];
        let (kept, superseded) = keep_most_specific(found.clone());
        assert_eq!((kept, superseded), (found, Vec::new()));
    }
}
