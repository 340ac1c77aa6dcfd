#!/usr/bin/env bash
# One interleaved benchmark of leaklint on a directory of Rust files (by default the
# vendored corpus of benches/corpus.sh), with a read-only floor, a parse-only baseline,
# 1 and 2 threads, and ast-grep as a peer when it is installed.
#
#   benches/bench.sh [VENDOR_DIR]
#
# Environment:
#   RUNS=3                  rounds; each round runs every command once, in turn
#   LEAKLINT=path           binary to measure (default: target/release/leaklint, built
#                           here with `cargo build --release` unless LEAKLINT is set)
#   SINGLE_FILE=path        the file of the pre-commit case (default: a mid-sized tokio
#                           file of the corpus); SINGLE_RUNS=20 runs of it
#   LEAKLINT_ASTGREP_RULES  directory with the peer's sgconfig.yml (default:
#                           ../shared/bench/astgrep next to the repository)
#   KEEP=dir                keep every run's output and stderr there (default: a
#                           temporary directory, removed at exit)
#
# Figures: wall and cpu (user+sys) seconds as the median of RUNS with [min-max], peak
# RSS (largest process) median. files/s and MB/s divide the corpus by the median wall
# time, whole process included. Ratios are taken round by round, then the median.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vendor="${1:-/tmp/leaklint-corpus/vendor}"
runs="${RUNS:-3}"
single_runs="${SINGLE_RUNS:-20}"
rules="${LEAKLINT_ASTGREP_RULES:-$repo/../shared/bench/astgrep}"
time_bin=/usr/bin/time

[[ -d "$vendor" ]] || { echo "bench.sh: no directory $vendor (run benches/corpus.sh first)" >&2; exit 2; }
[[ -x "$time_bin" ]] || { echo "bench.sh: needs GNU time at $time_bin (apt-get install time)" >&2; exit 2; }
vendor="$(cd "$vendor" && pwd)"

if [[ -z "${LEAKLINT:-}" ]]; then
    (cd "$repo" && cargo build --release --quiet)
    LEAKLINT="$repo/target/release/leaklint"
fi
bin="$LEAKLINT"

work="${KEEP:-$(mktemp -d)}"
mkdir -p "$work"
[[ -n "${KEEP:-}" ]] || trap 'rm -rf "$work"' EXIT

files=$(find "$vendor" -name '*.rs' -type f | wc -l)
bytes=$(find "$vendor" -name '*.rs' -type f -print0 | du -cb --files0-from=- | tail -1 | cut -f1)

# name|command (run by bash; the output goes to $work/NAME.N.out, stderr to .err)
cmds=(
    "read-only (find+cat)|find '$vendor' -name '*.rs' -type f -print0 | xargs -0 cat > /dev/null"
    "parse-only, 1 thread|RAYON_NUM_THREADS=1 exec '$bin' --parse-only --stats --format json '$vendor'"
    "parse-only, 2 threads|RAYON_NUM_THREADS=2 exec '$bin' --parse-only --stats --format json '$vendor'"
    "full lint, 1 thread|RAYON_NUM_THREADS=1 exec '$bin' --stats --format json '$vendor'"
    "full lint, 2 threads|RAYON_NUM_THREADS=2 exec '$bin' --stats --format json '$vendor'"
    "no prefilter, 1 thread|RAYON_NUM_THREADS=1 exec '$bin' --no-prefilter --stats --format json '$vendor'"
    "no prefilter, 2 threads|RAYON_NUM_THREADS=2 exec '$bin' --no-prefilter --stats --format json '$vendor'"
)
astgrep=""
if command -v ast-grep > /dev/null && [[ -f "$rules/sgconfig.yml" ]]; then
    astgrep="$(pyenv which ast-grep 2>/dev/null || command -v ast-grep)"
    cmds+=("ast-grep scan (peer)|exec '$astgrep' scan -c '$rules/sgconfig.yml' --json=stream '$vendor'")
else
    echo "bench.sh: ast-grep or $rules/sgconfig.yml missing; the peer is skipped (pip install ast-grep-cli)" >&2
fi

# Runs command $2 as run $3 of slot $1, recording "wall user sys maxrss_kb exit".
measure() {
    local slot=$1 cmd=$2 n=$3
    "$time_bin" -o "$work/$slot.$n.time" -f '%e %U %S %M %x' \
        bash -c "$cmd" > "$work/$slot.$n.out" 2> "$work/$slot.$n.err" || true
    # GNU time writes "Command exited with non-zero status N" first on failure.
    tail -1 "$work/$slot.$n.time" > "$work/$slot.$n.t"
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench.sh: $files .rs files, $(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1e6}') MB in $vendor; $runs interleaved rounds" >&2
for ((n = 1; n <= runs; n++)); do
    for i in "${!cmds[@]}"; do
        echo "  round $n/$runs: ${cmds[$i]%%|*}" >&2
        measure "$i" "${cmds[$i]#*|}" "$n"
    done
done

# The pre-commit case: one file, many short runs.
single="${SINGLE_FILE:-$(find "$vendor" -path '*/tokio-1.*/src/sync/mpsc/chan.rs' | head -1)}"
[[ -n "$single" ]] || single="$(find "$vendor" -name '*.rs' -size +8k -size -40k | sort | head -1)"
# GNU time has 10 ms resolution: time these runs with bash's microsecond clock (fork
# and exec of the binary included) and take the peak RSS from one run under time.
measure single "exec '$bin' '$single'" 1
for ((n = 1; n <= single_runs; n++)); do
    t0=$EPOCHREALTIME
    "$bin" "$single" > /dev/null 2>&1 || true
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.6f\n", b - a}' >> "$work/single.ms"
done

median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) {print "nan"; exit} m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m}'; }
col() { local slot=$1 c=$2 n; for ((n = 1; n <= ${3:-$runs}; n++)); do awk -v c="$c" '{print $c}' "$work/$slot.$n.t"; done; }
cpu() { local slot=$1 n; for ((n = 1; n <= ${2:-$runs}; n++)); do awk '{print $2 + $3}' "$work/$slot.$n.t"; done; }
span() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.2f-%.2f", lo, hi}'; }
# Median of a per-round ratio of slot $1's to slot $2's wall time.
ratio() {
    local n
    for ((n = 1; n <= runs; n++)); do
        paste "$work/$1.$n.t" "$work/$2.$n.t" | awk '{printf "%.4f\n", $1 / $6}'
    done | median
}

printf '\n%-24s %16s %16s %10s %9s %8s %6s\n' "command" "wall s (range)" "cpu s (range)" "peak RSS" "files/s" "MB/s" "exit"
for i in "${!cmds[@]}"; do
    wall=$(col "$i" 1 | median)
    c=$(cpu "$i" | median)
    rss=$(col "$i" 4 | median)
    exits=$(col "$i" 5 | sort -u | paste -sd/)
    printf '%-24s %6.2f %9s %6.2f %9s %7.0f MB %9.0f %8.1f %6s\n' "${cmds[$i]%%|*}" \
        "$wall" "($(col "$i" 1 | span))" "$c" "($(cpu "$i" | span))" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" \
        "$(awk -v f="$files" -v w="$wall" 'BEGIN{print f/w}')" "$(awk -v b="$bytes" -v w="$wall" 'BEGIN{print b/1e6/w}')" "$exits"
done

echo
echo "leaklint's own --stats (last round; excludes process start and exit):"
for i in 1 2 3 4 5 6; do
    printf '  %-22s %s\n' "${cmds[$i]%%|*}:" "$(grep -h '^stats:' "$work/$i.$runs.err" | sed 's/^stats: //')"
done

echo
# Same as ratio, with cpu (user+sys) seconds: steadier than wall on a busy machine.
cpu_ratio() {
    local n
    for ((n = 1; n <= runs; n++)); do
        paste "$work/$1.$n.t" "$work/$2.$n.t" | awk '{printf "%.4f\n", ($2 + $3) / ($7 + $8)}'
    done | median
}
echo "load average at start: $load0; at end: $(cut -d' ' -f1-3 /proc/loadavg) (wall far above cpu/threads = a busy machine)"
printf 'full / parse-only wall, 1 thread:   %.2fx  (cpu %.2fx)\n' "$(ratio 3 1)" "$(cpu_ratio 3 1)"
printf 'full / parse-only wall, 2 threads:  %.2fx  (cpu %.2fx)\n' "$(ratio 4 2)" "$(cpu_ratio 4 2)"
printf 'no prefilter / parse-only, 1 thread: %.2fx  (cpu %.2fx)\n' "$(ratio 5 1)" "$(cpu_ratio 5 1)"
printf 'no prefilter / parse-only, 2 threads: %.2fx  (cpu %.2fx)\n' "$(ratio 6 2)" "$(cpu_ratio 6 2)"
printf 'full / no prefilter, 2 threads:     %.2fx  (cpu %.2fx)\n' "$(ratio 4 6)" "$(cpu_ratio 4 6)"
printf 'parse-only / read-only wall:        %.2fx\n' "$(ratio 1 0)"
printf '2-thread speedup, parse-only:       %.2fx\n' "$(ratio 1 2)"
printf '2-thread speedup, full lint:        %.2fx\n' "$(ratio 3 4)"
if [[ -n "$astgrep" ]]; then
    printf 'full lint 2 threads / ast-grep:     %.2fx  (cpu %.2fx)\n' "$(ratio 4 7)" "$(cpu_ratio 4 7)"
fi

wall=$(median < "$work/single.ms")
printf 'single file (%s, %d bytes): median %.1f ms over %d runs (%s ms), peak RSS %.0f MB; target < 20 ms\n' \
    "${single#"$vendor"/}" "$(wc -c < "$single")" "$(awk -v w="$wall" 'BEGIN{print w*1000}')" "$single_runs" \
    "$(awk '{print $1*1000}' "$work/single.ms" | span)" "$(awk '{print $4/1024}' "$work/single.1.t")"

same=yes
for ((n = 1; n <= runs; n++)); do
    cmp -s "$work/3.$n.out" "$work/4.$n.out" || same=no
    cmp -s "$work/3.$n.out" "$work/3.1.out" || same=no
done
echo "--format json output byte-identical with 1 and 2 threads, all rounds: $same ($(wc -c < "$work/3.1.out") bytes)"
# The prefilter may only drop the syntax errors of files it never parses.
findings() { grep -v '"code":"leaklint::parse_error"' "$1"; }
if cmp -s <(findings "$work/4.1.out") <(findings "$work/6.1.out"); then
    echo "findings with and without the prefilter: byte-identical; parse errors only without it: $(($(grep -c parse_error "$work/6.1.out") - $(grep -c parse_error "$work/4.1.out")))"
else
    echo "findings with and without the prefilter: DIFFER (see $work/4.1.out and $work/6.1.out)"
fi
