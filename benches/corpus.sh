#!/usr/bin/env bash
# Vendors the pinned real-crate corpus (Cargo.toml + Cargo.lock, ~418 crates, ~13,400
# .rs files) into DIR (default /tmp/leaklint-corpus), outside the source tree.
#
#   benches/corpus.sh [DIR]
#
# The pinned manifest and lock file are read from $LEAKLINT_CORPUS_SRC (default:
# ../shared/corpus next to the repository). Idempotent: when DIR/vendor already holds
# the vendored crates for the same Cargo.lock, nothing is done. Prints DIR/vendor.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="${LEAKLINT_CORPUS_SRC:-$repo/../shared/corpus}"
dir="${1:-/tmp/leaklint-corpus}"

for f in Cargo.toml Cargo.lock; do
    [[ -f "$src/$f" ]] || { echo "corpus.sh: no $src/$f (set LEAKLINT_CORPUS_SRC)" >&2; exit 2; }
done
case "$(realpath -m "$dir")/" in
    "$repo"/*) echo "corpus.sh: $dir is inside the repository; pick a directory outside it" >&2; exit 2 ;;
esac

stamp="$dir/.vendored-lock"
if [[ -d "$dir/vendor" ]] && { [[ -f "$stamp" ]] && cmp -s "$stamp" "$src/Cargo.lock" \
    || { [[ ! -e "$stamp" ]] && cmp -s "$dir/Cargo.lock" "$src/Cargo.lock"; }; }; then
    echo "corpus.sh: already vendored in $dir/vendor ($(find "$dir/vendor" -mindepth 1 -maxdepth 1 -type d | wc -l) crates)" >&2
    echo "$dir/vendor"
    exit 0
fi

mkdir -p "$dir/src"
cp "$src/Cargo.toml" "$src/Cargo.lock" "$dir/"
echo '// corpus' > "$dir/src/lib.rs"
rm -rf "$dir/vendor.partial"
# Vendor into a scratch directory first, so an interrupted run is not taken for a
# finished one next time. Cargo's configuration snippet goes to /dev/null: the corpus
# is only read, never built.
if ! (cd "$dir" && cargo vendor --locked --versioned-dirs vendor.partial > /dev/null 2> vendor.log); then
    cat "$dir/vendor.log" >&2
    exit 1
fi
rm -rf "$dir/vendor"
mv "$dir/vendor.partial" "$dir/vendor"
cp "$src/Cargo.lock" "$stamp"
rm -f "$dir/vendor.log"
echo "corpus.sh: vendored $(find "$dir/vendor" -mindepth 1 -maxdepth 1 -type d | wc -l) crates," \
    "$(find "$dir/vendor" -name '*.rs' | wc -l) .rs files into $dir/vendor" >&2
echo "$dir/vendor"
