#!/usr/bin/env bash
# Seeds fuzz/corpus/lint with every Rust file under fixtures/ (libFuzzer then mutates real
# Rust), and the two-file form (NUL between files) of each fixture directory.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/lint
find ../fixtures -name '*.rs' -type f | while read -r f; do
  cp "$f" "corpus/lint/$(echo "${f#../fixtures/}" | tr / _)"
done
for dir in ../fixtures/*/; do
  files=("$dir"*.rs)
  [ -e "${files[0]}" ] && [ -e "${files[1]:-}" ] || continue
  { cat "${files[0]}"; printf '\0'; cat "${files[1]}"; } >"corpus/lint/pair_$(basename "$dir").rs"
done
ls corpus/lint | wc -l
