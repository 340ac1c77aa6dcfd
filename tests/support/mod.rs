//! Helpers shared by the CLI tests: scratch directories and running the binaries.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A source with one detached, endless task: `tokio::spawn` starts at line 2, column 5.
pub const LEAKY: &str = "pub fn start(c: Conn) {\n    tokio::spawn(async move {\n        loop {\n            c.ping().await;\n        }\n    });\n}\n";

/// A source with nothing to report.
pub const CLEAN: &str = "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n";

pub fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
    std::fs::write(&path, text).expect("write");
    path
}

pub fn leaklint() -> Command {
    Command::cargo_bin("leaklint").expect("leaklint binary")
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(mut cmd: Command) -> Output {
    let out = cmd.output().expect("runs");
    Output {
        code: out.status.code().expect("exited normally, not by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `--format json` lines, parsed.
pub fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect()
}
