#!/usr/bin/env bash
# Proves the pre-commit hook (.pre-commit-hooks.yaml) end to end: `pre-commit try-repo`
# installs leaklint from this repository's HEAD commit (with `cargo install --path`, as a
# `language: rust` hook does) into a scratch git repo, where the hook must fail on a
# detached endless thread and pass once the thread's handle is kept and joined.
#
# Skips (exit 0, `skipped: ...`) when pre-commit is not installed and cannot be installed
# from PyPI, or when cargo cannot reach crates.io to build the hook; any other failure
# fails. Uncommitted changes are included (try-repo commits them to a shadow clone).
# Set LEAKLINT_PROOF_TARGET_DIR to reuse a cargo target directory between runs
# (default: target/pre-commit-proof in this repository).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
started=$SECONDS

skip() {
    echo "skipped: $*"
    exit 0
}

# pre-commit, from PATH or as a Python module, installed from PyPI if missing.
if command -v pre-commit >/dev/null 2>&1; then
    pre_commit=(pre-commit)
elif python3 -c 'import pre_commit' >/dev/null 2>&1; then
    pre_commit=(python3 -m pre_commit)
else
    echo "installing pre-commit from PyPI"
    python3 -m pip install --quiet --user pre-commit >/dev/null 2>&1 \
        || python3 -m pip install --quiet pre-commit >/dev/null 2>&1 \
        || skip "pre-commit is not installed and pip could not install it (no network to PyPI?)"
    python3 -c 'import pre_commit' >/dev/null 2>&1 || skip "pip installed pre-commit but python3 cannot import it"
    pre_commit=(python3 -m pre_commit)
fi
echo "using $("${pre_commit[@]}" --version)"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# A store of its own, so the hook is built from this commit, not taken from a cache.
export PRE_COMMIT_HOME="$scratch/pre-commit-home"
# `cargo install` honours CARGO_TARGET_DIR: reuse the dependencies built by earlier runs.
export CARGO_TARGET_DIR="${LEAKLINT_PROOF_TARGET_DIR:-$repo/target/pre-commit-proof}"

work="$scratch/project"
mkdir -p "$work/src"
cd "$work"
git init --quiet .
cat >Cargo.toml <<'EOF'
[package]
name = "project"
version = "0.1.0"
edition = "2021"
EOF
cat >src/lib.rs <<'EOF'
pub fn start() {
    std::thread::spawn(move || loop {
        work();
    });
}

fn work() {}
EOF
git add -A
git -c user.name=proof -c user.email=proof@example.invalid commit --quiet -m "leaky"

# Runs the hook on src/lib.rs; its output in $out, its exit code in $rc.
try_repo() {
    set +e
    out="$("${pre_commit[@]}" try-repo "$repo" leaklint --files src/lib.rs 2>&1)"
    rc=$?
    set -e
}

network_error() {
    grep -qiE "failed to (download|query replaced source|update registry|fetch)|Unable to update registry|Could not resolve host|spurious network error|failed to get .* as a dependency" <<<"$1"
}

echo "== pre-commit try-repo on a leaky file (builds the hook)"
try_repo
if [ "$rc" -eq 0 ]; then
    echo "$out"
    echo "FAIL: the hook passed on a detached endless thread" >&2
    exit 1
fi
if ! grep -q "leaklint::detached_spawn" <<<"$out"; then
    if network_error "$out"; then
        skip "cargo could not download the hook's dependencies (no network to crates.io?)"
    fi
    echo "$out"
    echo "FAIL: the hook failed without reporting leaklint::detached_spawn" >&2
    exit 1
fi
echo "ok: the hook failed and reported leaklint::detached_spawn"

cat >src/lib.rs <<'EOF'
pub fn start() {
    let worker = std::thread::spawn(move || loop {
        work();
    });
    worker.join().unwrap();
}

fn work() {}
EOF
echo "== pre-commit try-repo on the fixed file"
try_repo
if [ "$rc" -ne 0 ]; then
    echo "$out"
    echo "FAIL: the hook failed on the fixed file" >&2
    exit 1
fi
echo "ok: the hook passed on the fixed file"
echo "pre-commit proof: $((SECONDS - started))s"
