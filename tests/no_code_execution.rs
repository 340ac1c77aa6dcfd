//! Linting runs no code of the linted tree (issue 17). A scratch workspace carries every
//! hook cargo or rustup could run: a build script, a proc-macro member, `build.rustc`,
//! `build.rustc-wrapper`, a target runner and aliases in `.cargo/config.toml`, and a
//! `rust-toolchain.toml` pinning a toolchain by path whose `cargo` is a script. Each one
//! would create its own marker file if run. leaklint lints the tree in workspace mode,
//! with the directory as argument, with `--manifest-path`, and as `cargo leaklint`; it
//! must report the leak in `src/lib.rs` and no marker may appear.
#![cfg(unix)]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use support::*;

struct Scratch {
    _dir: tempfile::TempDir,
    /// The workspace root.
    ws: PathBuf,
    markers: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws");
        let markers = dir.path().join("markers");
        std::fs::create_dir_all(&markers).unwrap();
        let touch = |name: &str| format!("{}", markers.join(name).display());

        write(
            &ws,
            "Cargo.toml",
            "[package]\nname = \"victim\"\nversion = \"0.1.0\"\nedition = \"2021\"\nbuild = \"build.rs\"\n\n\
             [dependencies]\nmacros = { path = \"macros\" }\n\n[workspace]\nmembers = [\"macros\"]\n",
        );
        write(
            &ws,
            "build.rs",
            format!("fn main() {{\n    std::fs::write({:?}, \"\").unwrap();\n}}\n", touch("build_script")),
        );
        write(
            &ws,
            "src/lib.rs",
            "#[macros::mark]\npub fn start() {\n    std::thread::spawn(move || loop { work(); });\n}\n\nfn work() {}\n",
        );
        write(
            &ws,
            "macros/Cargo.toml",
            "[package]\nname = \"macros\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\nproc-macro = true\n",
        );
        write(
            &ws,
            "macros/src/lib.rs",
            format!(
                "use proc_macro::TokenStream;\n\n#[proc_macro_attribute]\n\
                 pub fn mark(_: TokenStream, item: TokenStream) -> TokenStream {{\n    \
                 std::fs::write({:?}, \"\").unwrap();\n    item\n}}\n",
                touch("proc_macro")
            ),
        );

        // Each script leaves its marker, then does what it stands in for.
        let script = |name: &str, then: &str| {
            let path = ws.join("tools").join(name);
            write(&ws, &format!("tools/{name}"), format!("#!/bin/sh\ntouch '{}'\n{then}\n", touch(name)));
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            path
        };
        let rustc = script("build_rustc", "exec rustc \"$@\"");
        let wrapper = script("rustc_wrapper", "exec \"$@\"");
        let runner = script("runner", "exec \"$@\"");
        let alias = script("alias", "exit 0");
        let host = target_triple();
        write(
            &ws,
            ".cargo/config.toml",
            format!(
                "[build]\nrustc = {:?}\nrustc-wrapper = {:?}\n\n[target.{host}]\nrunner = {:?}\n\n\
                 [alias]\nmetadata = [{:?}]\nleaklint = [{:?}]\nlint = [{:?}]\n",
                rustc.display().to_string(),
                wrapper.display().to_string(),
                runner.display().to_string(),
                alias.display().to_string(),
                alias.display().to_string(),
                alias.display().to_string(),
            ),
        );

        // A toolchain by path, in the tree: its `cargo` would run instead of the real one.
        let toolchain = ws.join("toolchain");
        let cargo = script("toolchain_cargo", "exit 1");
        std::fs::create_dir_all(toolchain.join("bin")).unwrap();
        for bin in ["cargo", "rustc"] {
            std::fs::copy(&cargo, toolchain.join("bin").join(bin)).unwrap();
        }
        write(&ws, "rust-toolchain.toml", format!("[toolchain]\npath = {:?}\n", toolchain.display().to_string()));

        Scratch { _dir: dir, ws, markers }
    }

    fn markers(&self) -> Vec<String> {
        let mut found: Vec<String> = std::fs::read_dir(&self.markers)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        found.sort();
        found
    }

    fn clear_markers(&self) {
        for name in self.markers() {
            std::fs::remove_file(self.markers.join(name)).unwrap();
        }
    }
}

/// The host triple, for the `[target.<triple>] runner` table.
fn target_triple() -> String {
    let out = std::process::Command::new("rustc").arg("-vV").output().expect("rustc runs");
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().find_map(|l| l.strip_prefix("host: ")).expect("a host line").to_string()
}

/// The environment of a user's shell, not of `cargo test`: no `CARGO` (cargo_metadata
/// would run that binary rather than the `cargo` on `PATH`) and no `RUSTUP_TOOLCHAIN`
/// (which rustup's proxy prefers to the tree's `rust-toolchain.toml`).
fn as_a_user<'a>(cmd: &'a mut assert_cmd::Command, cwd: &Path) -> &'a mut assert_cmd::Command {
    cmd.current_dir(cwd).env_remove("CARGO").env_remove("RUSTUP_TOOLCHAIN")
}

/// The leak in `src/lib.rs` is reported, whatever the mode.
fn assert_linted(out: &Output, how: &str) {
    assert_eq!(out.code, 1, "{how}: expected a finding\nstdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("leaklint::detached_spawn"), "{how}:\n{}", out.stdout);
    assert!(out.stdout.contains("src/lib.rs:3:5"), "{how}:\n{}", out.stdout);
}

#[test]
fn linting_runs_no_program_of_the_linted_tree() {
    let s = Scratch::new();
    let ws = s.ws.as_path();
    let runs: Vec<(&str, Output)> = vec![
        ("workspace mode", run(as_a_user(&mut leaklint(), ws).args(["--color", "never"]))),
        ("directory argument", run(as_a_user(&mut leaklint(), ws).args([".", "--color", "never"]))),
        ("--manifest-path", run(as_a_user(&mut leaklint(), ws).args(["--manifest-path", "Cargo.toml"]))),
        (
            "--manifest-path from outside",
            run(as_a_user(&mut leaklint(), ws.parent().unwrap()).args(["--manifest-path", "ws/Cargo.toml"])),
        ),
        ("cargo-leaklint", run(as_a_user(&mut cargo_leaklint(), ws).args(["--color", "never"]))),
    ];
    for (how, out) in &runs {
        assert_linted(out, how);
        assert_eq!(s.markers(), Vec::<String>::new(), "{how} ran a program of the linted tree");
    }
    // The workspace was read through `cargo metadata`, not the fallback walk.
    assert!(!runs[0].1.stderr.contains("cargo metadata` failed"), "{}", runs[0].1.stderr);
}

/// The hooks are live: building the scratch tree runs them, and rustup's `cargo` proxy in
/// it runs the toolchain's script (when `cargo` on `PATH` is rustup's). Without this the
/// test above would prove nothing.
#[test]
fn the_hooks_would_run() {
    let s = Scratch::new();
    let cargo = || {
        let mut c = std::process::Command::new("cargo");
        c.current_dir(&s.ws).env_remove("CARGO").env_remove("RUSTUP_TOOLCHAIN");
        c
    };
    let status = cargo().args(["metadata", "--no-deps", "--format-version", "1"]).output().expect("cargo runs");
    let rustup_proxy = s.markers().contains(&"toolchain_cargo".to_string());
    if rustup_proxy {
        assert!(!status.status.success());
    } else {
        eprintln!("`cargo` on PATH is not rustup's proxy: the toolchain pin is not exercised");
    }
    s.clear_markers();

    // Built with the real toolchain (the pin set aside), the tree runs its build hooks.
    let target = tempfile::tempdir().unwrap();
    let toolchain = if rustup_proxy { Some(default_toolchain()) } else { None };
    let mut build = cargo();
    build.args(["build", "--offline", "--quiet"]).env("CARGO_TARGET_DIR", target.path());
    if let Some(t) = &toolchain {
        build.env("RUSTUP_TOOLCHAIN", t);
    }
    let out = build.output().expect("cargo runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ran = s.markers();
    for hook in ["build_rustc", "rustc_wrapper", "build_script", "proc_macro"] {
        assert!(ran.iter().any(|m| m == hook), "building did not run {hook}: {ran:?}");
    }
}

fn default_toolchain() -> String {
    let out = std::process::Command::new("rustup").arg("default").output().expect("rustup runs");
    String::from_utf8(out.stdout).unwrap().split_whitespace().next().expect("a default toolchain").to_string()
}
