//! The one type every rule produces and every report format reads.

use crate::source::Span;

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
}

impl Diagnostic {
    pub fn new(rule: &'static str, level: Level, message: impl Into<String>, primary: Label) -> Diagnostic {
        Diagnostic { rule, level, message: message.into(), primary, secondary: Vec::new(), help: None, fix: None }
    }

    pub fn with_label(mut self, label: Label) -> Diagnostic {
        self.secondary.push(label);
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
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

/// The id of the diagnostic for files that could not be read or parsed.
pub const PARSE_ERROR: &str = "parse_error";
