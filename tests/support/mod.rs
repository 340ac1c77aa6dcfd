//! Helpers shared by the CLI tests (`tests/cli.rs`, `tests/bad_input.rs`): scratch files,
//! running the binaries and reading their output.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A source with one detached, endless task: `tokio::spawn` starts at line 2, column 5.
pub const LEAKY: &str =
    "pub fn start(c: Conn) {\n    tokio::spawn(async move {\n        loop {\n            c.ping().await;\n        }\n    });\n}\n";

/// The same leak on one line: `tokio::spawn` at line 1, column 18.
pub const ONE_LINE: &str = "pub fn f(c: C) { tokio::spawn(async move { loop { c.ping().await; } }); }\n";

/// A source with nothing to report.
pub const CLEAN: &str = "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n";

/// Writes `text` to `root/rel`, creating the directories on the way.
pub fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
    std::fs::write(&path, text).expect("write");
    path
}

pub fn leaklint() -> Command {
    Command::cargo_bin("leaklint").expect("leaklint binary")
}

/// `cargo-leaklint` as cargo runs it for `cargo leaklint ...`: the subcommand name first.
pub fn cargo_leaklint() -> Command {
    let mut c = Command::cargo_bin("cargo-leaklint").expect("cargo-leaklint binary");
    c.arg("leaklint");
    c
}

/// What one run printed, and how it ended.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` to completion; fails the test if it was killed by a signal (a crash, an
/// abort on stack overflow).
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let Some(code) = out.status.code() else { panic!("killed by a signal ({:?}); stderr:\n{stderr}", out.status) };
    assert!(!stderr.contains("panicked"), "leaklint panicked:\n{stderr}");
    Output { code, stdout, stderr }
}

/// `--format json` lines, parsed (every line must be one JSON object).
pub fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l:?}"))).collect()
}

/// The 1-based line and 1-based column, in characters, of byte offset `byte` of `src`:
/// the numbers rustc (and leaklint) report.
pub fn line_col(src: &str, byte: usize) -> (usize, usize) {
    let before = &src[..byte];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, src[line_start..byte].chars().count() + 1)
}

/// Field `key` of a JSON object as a `usize`.
pub fn num(v: &serde_json::Value, key: &str) -> usize {
    v[key].as_u64().unwrap_or_else(|| panic!("`{key}` is not a number in {v}")) as usize
}

/// Field `key` of a JSON object as a string.
pub fn text<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("`{key}` is not a string in {v}"))
}
