//! Output formats. Each knows only [`Diagnostic`] and the [`SourceDb`]; none names a rule.

pub mod cargo_json;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use std::io::{self, Write};

use crate::diagnostic::Diagnostic;
use crate::source::SourceDb;

/// `--format` / `--message-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-like text (codespan-reporting).
    Human,
    /// JSON lines, one object per finding.
    Json,
    /// cargo-compatible `compiler-message` lines ending with `build-finished`.
    CargoJson,
    /// GitHub Actions annotations (workflow commands).
    Github,
    /// One SARIF 2.1.0 log (GitHub code scanning).
    Sarif,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// What every format may need besides the findings.
pub struct ReportContext<'a> {
    pub db: &'a SourceDb,
    /// Whether to colour human output (already resolved from `--color` and the TTY).
    pub color: bool,
    /// Whether the run as a whole succeeded (no finding at warn/deny level).
    pub success: bool,
}

/// Writes `diagnostics` (already filtered and sorted) in `format` to `out`.
pub fn write(format: Format, cx: &ReportContext, diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::write(cx, diagnostics, out),
        Format::Json => json::write(cx, diagnostics, out),
        Format::CargoJson => cargo_json::write(cx, diagnostics, out),
        Format::Github => github::write(cx, diagnostics, out),
        Format::Sarif => sarif::write(cx, diagnostics, out),
    }
}
