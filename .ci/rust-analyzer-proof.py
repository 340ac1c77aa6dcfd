#!/usr/bin/env python3
"""Proof that the README's rust-analyzer setup works with the real rust-analyzer.

Starts `rust-analyzer` over stdio (LSP) on a scratch crate whose `src/lib.rs` has one
leaklint finding, one rustc warning and one clippy warning, with the check command the
README documents (read from README.md's VS Code snippet), today:

    "rust-analyzer.check.overrideCommand":
        ["cargo", "leaklint", "--message-format=json", "--with-check=clippy"]

and waits until rust-analyzer publishes all three diagnostics on their lines.
`cargo leaklint` must resolve to the leaklint under test: put its `cargo-leaklint` first
on PATH (`.ci/run` prepends `target/debug`). Python 3 standard library only.

Then, as a control, it runs the previous README command (`cargo leaklint
--message-format=json`, without `--with-check`) and expects the leaklint finding
*without* the rustc and clippy warnings once that check has finished: the harness can
tell the two apart. `--old` runs only the control, `--no-control` only the proof.

Exit status: 0 proven, 1 not proven (the reason on stderr), 2 cannot run.
"""

import argparse
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
SETTING = '"rust-analyzer.check.overrideCommand"'
OLD_COMMAND = ["cargo", "leaklint", "--message-format=json"]

MANIFEST = """[package]
name = "ra_proof"
version = "0.1.0"
edition = "2021"

# A workspace of its own, whatever directory it is created in.
[workspace]
"""

# Lines are 0-based, as in LSP.
LIB_RS = """pub fn start() {
    let unused = 1;
    std::thread::spawn(move || loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    });
}

pub fn answer() -> u32 {
    return 42;
}
"""
LEAKLINT_LINE = 2  # std::thread::spawn(...)
RUSTC_LINE = 1  # let unused = 1;
CLIPPY_LINE = 8  # return 42;


def documented_command():
    """The overrideCommand of the README's VS Code snippet (a one-line JSON object)."""
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("{") and SETTING in line:
            return json.loads(line)["rust-analyzer.check.overrideCommand"]
    raise SystemExit(f"cannot run: no {SETTING} line in {README}")


def log(msg):
    print(f"[ra-proof {time.monotonic() - START:6.1f}s] {msg}", file=sys.stderr, flush=True)


START = time.monotonic()


class Lsp:
    """A minimal LSP client over a child's stdin/stdout."""

    def __init__(self, argv, cwd, env):
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.inbox = queue.Queue()
        self.next_id = 1
        self.stderr_tail = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        try:
            while True:
                length = None
                while True:
                    line = out.readline()
                    if not line:
                        self.inbox.put(None)
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    if name.lower() == "content-length":
                        length = int(value.strip())
                if length is None:
                    continue
                self.inbox.put(json.loads(out.read(length)))
        except Exception as e:  # noqa: BLE001 - report any reader failure as end of stream
            log(f"reader stopped: {e}")
            self.inbox.put(None)

    def _drain_stderr(self):
        for line in self.proc.stderr:
            self.stderr_tail = (self.stderr_tail + [line.decode("utf-8", "replace").rstrip()])[-40:]

    def send(self, payload):
        body = json.dumps(payload).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return rid

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def reply(self, rid, result=None):
        self.send({"jsonrpc": "2.0", "id": rid, "result": result})

    def receive(self, timeout):
        try:
            return self.inbox.get(timeout=max(timeout, 0.01))
        except queue.Empty:
            return "timeout"


def describe(d):
    code = d.get("code")
    return f"line {d['range']['start']['line'] + 1}: [{d.get('source')}] {code}: {d['message'].splitlines()[0]}"


def find(diags, line, pred):
    return [d for d in diags if d["range"]["start"]["line"] == line and pred(d)]


def has_code(d, tool, code):
    """rust-analyzer shows a `tool::code` lint code as source `tool`, code `code`."""
    return (d.get("source"), d.get("code")) in ((tool, code), (tool, f"{tool}::{code}"))


def is_leaklint(d):
    return has_code(d, "leaklint", "detached_spawn")


def is_rustc(d):
    return has_code(d, "rustc", "unused_variables")


def is_clippy(d):
    return has_code(d, "clippy", "needless_return")


def prove(ra, command, old, timeout):
    work = Path(tempfile.mkdtemp(prefix="leaklint-ra-proof-"))
    try:
        (work / "src").mkdir()
        (work / "Cargo.toml").write_text(MANIFEST)
        lib = work / "src" / "lib.rs"
        lib.write_text(LIB_RS)
        uri = lib.resolve().as_uri()
        root_uri = work.resolve().as_uri()
        env = dict(os.environ, CARGO_TARGET_DIR=str(work / "target"))
        log(f"{ra} on {work} with overrideCommand {json.dumps(command)}")
        lsp = Lsp([ra], cwd=work, env=env)
        return run_session(lsp, uri, root_uri, command, old, timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_session(lsp, uri, root_uri, command, old, timeout):
    init_options = {
        "checkOnSave": True,
        "check": {"overrideCommand": command},
        "cachePriming": {"enable": False},
    }
    init_id = lsp.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": root_uri,
            "workspaceFolders": [{"uri": root_uri, "name": "ra_proof"}],
            "capabilities": {
                "window": {"workDoneProgress": True},
                "textDocument": {"publishDiagnostics": {"relatedInformation": True}},
                "experimental": {"serverStatusNotification": True},
            },
            "initializationOptions": init_options,
        },
    )
    deadline = time.monotonic() + timeout
    latest = []  # the last diagnostics published for lib.rs
    initialized = saved = False
    last_save = 0.0
    checks_done = 0  # flycheck progress "end" notifications seen after the save
    verdict = None
    try:
        while time.monotonic() < deadline:
            msg = lsp.receive(min(1.0, deadline - time.monotonic()))
            if msg is None:
                log("rust-analyzer exited:\n  " + "\n  ".join(lsp.stderr_tail))
                return False
            if msg != "timeout":
                method = msg.get("method")
                if msg.get("id") == init_id and "method" not in msg:
                    if "error" in msg:
                        log(f"initialize failed: {msg['error']}")
                        return False
                    lsp.notify("initialized", {})
                    lsp.notify(
                        "textDocument/didOpen",
                        {"textDocument": {"uri": uri, "languageId": "rust", "version": 1, "text": LIB_RS}},
                    )
                    initialized = True
                elif method is not None and "id" in msg:
                    # Server requests (progress tokens, capability registration, configuration):
                    # accept them. A configuration request gets nulls, keeping the init options.
                    items = msg.get("params", {}).get("items") if method == "workspace/configuration" else None
                    lsp.reply(msg["id"], [None] * len(items) if items is not None else None)
                elif method == "textDocument/publishDiagnostics" and msg["params"]["uri"] == uri:
                    latest = msg["params"]["diagnostics"]
                    log(f"publishDiagnostics: {len(latest)} diagnostics")
                    for d in latest:
                        log(f"  {describe(d)}")
                elif method == "$/progress":
                    token = str(msg["params"].get("token", ""))
                    value = msg["params"].get("value", {})
                    if "flycheck" in token and value.get("kind") in ("begin", "end"):
                        log(f"flycheck {value['kind']}: {value.get('title') or value.get('message') or ''}")
                        if value["kind"] == "end" and saved:
                            checks_done += 1
                elif method == "experimental/serverStatus":
                    p = msg["params"]
                    if p.get("quiescent") and not saved and initialized:
                        log(f"workspace loaded (health {p.get('health')}); saving lib.rs")
                        lsp.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
                        saved, last_save = True, time.monotonic()
            # A save before the workspace is loaded may be ignored; save again now and then.
            if saved and checks_done == 0 and time.monotonic() - last_save > 20:
                log("no check finished yet; saving lib.rs again")
                lsp.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
                last_save = time.monotonic()

            leak = find(latest, LEAKLINT_LINE, is_leaklint)
            rustc = find(latest, RUSTC_LINE, is_rustc)
            clippy = find(latest, CLIPPY_LINE, is_clippy)
            if not old and leak and rustc and clippy:
                log("PROVEN: rust-analyzer shows leaklint, rustc and clippy diagnostics together:")
                for d in leak + rustc + clippy:
                    log(f"  {describe(d)}")
                verdict = True
                break
            if old and leak and checks_done > 0:
                # The check has finished: what is shown now is all it reported.
                verdict = not rustc and not clippy
                log(
                    "control: the old command shows leaklint's finding "
                    + ("and, unexpectedly, compiler diagnostics" if not verdict else "but no rustc/clippy diagnostics")
                )
                break
        if verdict is None:
            log(f"timed out after {timeout}s; last diagnostics for lib.rs:")
            for d in latest:
                log(f"  {describe(d)}")
            want = [
                ("leaklint::detached_spawn", LEAKLINT_LINE, is_leaklint),
                ("rustc unused_variables", RUSTC_LINE, is_rustc),
                ("clippy::needless_return", CLIPPY_LINE, is_clippy),
            ]
            for name, line, pred in want:
                if not find(latest, line, pred):
                    log(f"missing: {name} at line {line + 1}")
            log("rust-analyzer stderr (tail):\n  " + "\n  ".join(lsp.stderr_tail))
            return False
        return verdict
    finally:
        try:
            lsp.request("shutdown", None)
            lsp.notify("exit", None)
            lsp.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - already exiting
            lsp.proc.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rust-analyzer", default=os.environ.get("RUST_ANALYZER", "rust-analyzer"))
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds per session")
    parser.add_argument("--old", action="store_true", help="only the control run with the old command")
    parser.add_argument("--no-control", action="store_true", help="only the proof, no control run")
    args = parser.parse_args()

    ra = shutil.which(args.rust_analyzer)
    if ra is None:
        log(f"cannot run: `{args.rust_analyzer}` is not on PATH")
        return 2
    found = shutil.which("cargo-leaklint")
    log(f"cargo-leaklint resolves to {found}")
    if found is None:
        log("cannot run: no `cargo-leaklint` on PATH (prepend target/debug)")
        return 2
    # cargo looks for `cargo-leaklint` on PATH, but puts $CARGO_HOME/bin first when PATH
    # does not name it (cargo#11020).
    cargo_bin = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo")) / "bin"
    on_path = [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    shadow = cargo_bin / "cargo-leaklint"
    if cargo_bin not in on_path and shadow.exists() and shadow.resolve() != Path(found).resolve():
        log(f"cannot run: `cargo leaklint` would run {shadow}, not {found}")
        return 2
    version = subprocess.run([ra, "--version"], capture_output=True, text=True).stdout.strip()
    log(f"{version}")
    ok = True
    if not args.old:
        ok = prove(ra, documented_command(), False, args.timeout)
    if ok and not args.no_control:
        ok = prove(ra, OLD_COMMAND, True, args.timeout)
    log(f"{'ok' if ok else 'FAILED'} in {time.monotonic() - START:.1f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
