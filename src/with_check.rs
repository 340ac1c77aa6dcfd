//! `--with-check[=check|clippy]`: run the user's own `cargo check` (or `cargo clippy`)
//! before linting, so that one command gives an editor both the compiler's diagnostics and
//! leaklint's. rust-analyzer runs a single check command (`check.overrideCommand`); without
//! this, pointing it at leaklint would hide every rustc and clippy diagnostic.
//!
//! With `--message-format=json`, cargo's stdout lines are passed through as they come,
//! except its `build-finished`: leaklint writes the only one, after its own messages, and
//! it succeeds only if both cargo and leaklint did. cargo's stderr (progress, `Checking
//! ...`) goes to our stderr. With human output, cargo prints as it always does and
//! leaklint's report follows.
//!
//! rustc reports a syntax error precisely; leaklint's `parse_error` for the same file
//! would only repeat it, so it is dropped: for the files cargo reported an error in (JSON),
//! or for every file when cargo failed (human output, where cargo's messages are not read).

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cargo_metadata::diagnostic::DiagnosticLevel;
use cargo_metadata::Message;

use crate::diagnostic::{Diagnostic, PARSE_ERROR};
use crate::report::{ColorChoice, Format};
use crate::source::SourceDb;

/// Which cargo command runs first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Tool {
    /// `cargo check`.
    Check,
    /// `cargo clippy`.
    Clippy,
}

impl Tool {
    fn subcommand(self) -> &'static str {
        match self {
            Tool::Check => "check",
            Tool::Clippy => "clippy",
        }
    }
}

/// How to run cargo.
pub struct Invocation<'a> {
    pub tool: Tool,
    /// leaklint's output format: only human output and `--message-format=json` mix with
    /// cargo's.
    pub format: Format,
    pub manifest_path: Option<&'a Path>,
    pub color: ColorChoice,
}

/// What cargo did.
#[derive(Debug)]
pub struct Outcome {
    /// cargo exited successfully (and its `build-finished`, if read, said so).
    pub success: bool,
    /// Whether cargo's messages were read (JSON): then `error_files` is complete.
    messages_read: bool,
    /// `file_name`s of the spans of cargo's error-level messages, as rustc wrote them.
    error_files: HashSet<String>,
}

impl Outcome {
    /// Drops leaklint's `parse_error` findings that repeat an error rustc reported.
    /// `root`: the workspace root, which rustc's relative `file_name`s start from.
    pub fn drop_repeated_parse_errors(&self, db: &SourceDb, diagnostics: &mut Vec<Diagnostic>, root: &Path) {
        if !self.messages_read {
            if !self.success {
                diagnostics.retain(|d| d.rule != PARSE_ERROR);
            }
            return;
        }
        let reported: HashSet<PathBuf> = self.error_files.iter().map(|name| canonical(&root.join(name))).collect();
        diagnostics
            .retain(|d| d.rule != PARSE_ERROR || !reported.contains(&canonical(&db.get(d.primary.span.file).path)));
    }
}

/// Checks that `format` can be combined with cargo's output.
pub fn check_format(format: Format) -> Result<(), String> {
    match format {
        Format::Human | Format::CargoJson => Ok(()),
        _ => Err("`--with-check` needs `--message-format=json` or human output (the default)".into()),
    }
}

/// The cargo command: `$CARGO` (set by cargo for `cargo leaklint`) or `cargo`, then
/// `check`/`clippy` over the whole workspace and all targets, as leaklint lints the whole
/// workspace and rust-analyzer's own default check covers all targets.
pub fn command(inv: &Invocation) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut cmd = Command::new(cargo);
    cmd.arg(inv.tool.subcommand()).args(["--workspace", "--all-targets"]);
    if inv.format == Format::CargoJson {
        cmd.arg("--message-format=json");
    } else {
        let color = match inv.color {
            ColorChoice::Auto => "auto",
            ColorChoice::Always => "always",
            ColorChoice::Never => "never",
        };
        cmd.args(["--color", color]);
    }
    if let Some(manifest) = inv.manifest_path {
        cmd.arg("--manifest-path").arg(manifest);
    }
    cmd.stdin(Stdio::null()).stderr(Stdio::inherit());
    cmd
}

/// Runs `cmd` (from [`command`]) to completion. With JSON output its stdout lines are
/// copied to `out` as they come, all but `build-finished`; otherwise cargo writes to our
/// stdout itself.
pub fn run(mut cmd: Command, format: Format, out: &mut dyn Write) -> Result<Outcome, String> {
    let json = format == Format::CargoJson;
    let shown = format!("{cmd:?}");
    cmd.stdout(if json { Stdio::piped() } else { Stdio::inherit() });
    let mut child = cmd.spawn().map_err(|e| format!("cannot run {shown}: {e}"))?;
    let mut outcome = Outcome { success: true, messages_read: json, error_files: HashSet::new() };
    if let Some(stdout) = child.stdout.take() {
        if let Err(e) = forward(BufReader::new(stdout), out, &mut outcome) {
            // Our reader is gone (e.g. the editor closed the pipe): stop cargo too.
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("cannot pass on the output of {shown}: {e}"));
        }
    }
    let status = child.wait().map_err(|e| format!("cannot wait for {shown}: {e}"))?;
    outcome.success &= status.success();
    Ok(outcome)
}

/// Copies cargo's message lines to `out`, keeping back `build-finished` and noting what
/// it says, and the files of error-level compiler messages.
fn forward(mut input: impl BufRead, out: &mut dyn Write, outcome: &mut Outcome) -> io::Result<()> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        // Anything that is not a message cargo_metadata knows is passed on untouched.
        match serde_json::from_slice::<Message>(&line) {
            Ok(Message::BuildFinished(finished)) => {
                outcome.success &= finished.success;
                continue;
            }
            Ok(Message::CompilerMessage(m))
                if matches!(m.message.level, DiagnosticLevel::Error | DiagnosticLevel::Ice) =>
            {
                outcome.error_files.extend(m.message.spans.iter().map(|s| s.file_name.clone()));
            }
            _ => {}
        }
        out.write_all(&line)?;
        if !line.ends_with(b"\n") {
            out.write_all(b"\n")?;
        }
        out.flush()?;
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(input: &str) -> (String, Outcome) {
        let mut outcome = Outcome { success: true, messages_read: true, error_files: HashSet::new() };
        let mut out = Vec::new();
        forward(input.as_bytes(), &mut out, &mut outcome).expect("in memory");
        (String::from_utf8(out).expect("utf-8"), outcome)
    }

    #[test]
    fn build_finished_is_kept_back_and_everything_else_passed_on() {
        let artifact = r#"{"reason":"some-future-message","x":1}"#;
        let (out, outcome) =
            forwarded(&format!("{artifact}\nnot json\n{{\"reason\":\"build-finished\",\"success\":false}}\n"));
        assert_eq!(out, format!("{artifact}\nnot json\n"));
        assert!(!outcome.success);
        let (_, ok) = forwarded("{\"reason\":\"build-finished\",\"success\":true}");
        assert!(ok.success);
    }

    #[test]
    fn error_files_come_from_error_level_messages_only() {
        let message = |level: &str, file: &str| {
            let span = format!(
                r#"{{"file_name":"{file}","byte_start":0,"byte_end":1,"line_start":1,"line_end":1,"column_start":1,"column_end":2,"is_primary":true,"text":[],"label":null,"suggested_replacement":null,"suggestion_applicability":null,"expansion":null}}"#
            );
            format!(
                r#"{{"reason":"compiler-message","package_id":"path+file:///x#a@0.1.0","manifest_path":"/x/Cargo.toml","target":{{"kind":["lib"],"crate_types":["lib"],"name":"a","src_path":"/x/src/lib.rs","edition":"2021","doc":true,"doctest":true,"test":true}},"message":{{"$message_type":"diagnostic","message":"m","code":null,"level":"{level}","spans":[{span}],"children":[],"rendered":"r"}}}}"#
            )
        };
        let input = format!("{}\n{}\n", message("error", "src/bad.rs"), message("warning", "src/lib.rs"));
        let (out, outcome) = forwarded(&input);
        assert_eq!(out, input);
        assert_eq!(outcome.error_files, HashSet::from(["src/bad.rs".to_string()]));
    }
}
