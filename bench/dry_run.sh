#!/usr/bin/env bash
# Dry-run benchmark for issue #3. Generates its data (deterministic), then measures:
#   1. a 1,000,000-line CSV (~190 MB, ~400k invoices whose lines are shuffled through the
#      whole file): wall time against a plain csv-crate pass that only counts records over
#      the same file (target: at most 3x), and peak memory (target: at most 160 MB);
#   2. a 100,000-line XLSX: wall time (target: at most 1.5 s) and peak memory (100 MB).
# Each figure is the best of 3 runs (/usr/bin/time: elapsed seconds, max RSS).
# Usage: bench/dry_run.sh            (data goes to bench-data/, which git ignores)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet --bin kravia-batch --example bench_data --example csv_count
mkdir -p bench-data
csv=bench-data/lines-1m.csv
xlsx=bench-data/lines-100k.xlsx
[ -s "$csv" ] || "$target"/release/examples/bench_data csv 1000000 "$csv"
[ -s "$xlsx" ] || "$target"/release/examples/bench_data xlsx 100000 "$xlsx"
echo "data: $csv $(($(stat -c %s "$csv") / 1000000)) MB; $xlsx $(($(stat -c %s "$xlsx") / 1000000)) MB"

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
best() { # best-of-3 "seconds kilobytes" of a command
  local best_s="" best_k=""
  for _ in 1 2 3; do
    local out s k
    /usr/bin/time -o "$tmp" -f "%e %M" "$@" >/dev/null 2>&1 || true
    out=$(tail -1 "$tmp")
    s=${out% *}
    k=${out#* }
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; fi
    if [ -z "$best_k" ] || [ "$k" -lt "$best_k" ]; then best_k=$k; fi
  done
  echo "$best_s $best_k"
}

read -r base_s base_k < <(best "$target"/release/examples/csv_count "$csv")
read -r dry_s dry_k < <(best "$target"/release/kravia-batch validate "$csv" --quiet --format json)
read -r x_s x_k < <(best "$target"/release/kravia-batch validate "$xlsx" --quiet --format json)
ratio=$(awk "BEGIN{printf \"%.2f\", $dry_s / $base_s}")
verdict() { awk "BEGIN{exit !($1)}" && echo ok || echo MISSED; }
printf 'csv count baseline : %6.2f s\n' "$base_s"
printf 'csv dry run        : %6.2f s  ratio %sx (target <= 3)   %s\n' "$dry_s" "$ratio" "$(verdict "$ratio <= 3")"
printf 'csv dry run memory : %6d MB (target <= 160)          %s\n' $((dry_k / 1024)) "$(verdict "$dry_k / 1024 <= 160")"
printf 'xlsx dry run       : %6.2f s (target <= 1.5)          %s\n' "$x_s" "$(verdict "$x_s <= 1.5")"
printf 'xlsx dry run memory: %6d MB (target <= 100)          %s\n' $((x_k / 1024)) "$(verdict "$x_k / 1024 <= 100")"
