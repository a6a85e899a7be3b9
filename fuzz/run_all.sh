#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each, one at a time (issue #13).
#
#   fuzz/run_all.sh SECONDS [TARGET...]
#
# Stable toolchain: no sanitizer (`--sanitizer none`); debug assertions and overflow
# checks are on (cargo fuzz's default). Limits per target: 1 GiB RSS, 10 s per input,
# 4 GiB of address space (ulimit -v: without a sanitizer libFuzzer cannot see single
# allocations, so -malloc_limit_mb alone would not stop a 17 GB Vec before it thrashes).
#
# New interesting inputs go to fuzz/work/<target>/ (scratch, gitignored), seeded from
# the committed fuzz/corpus/<target>/. Reproducers land in fuzz/artifacts/<target>/
# (gitignored) and are copied to fuzz/regressions/<target>/, to be triaged and
# committed: tests/fuzz_corpus.rs replays them (fuzz/README.md says how).
#
# KEEP_GOING=1 uses libFuzzer's fork mode and goes on after a crash, a timeout or an
# out-of-memory, to collect several findings in one campaign.
#
# Prints one line per target with its executions count, and exits 1 if any target
# crashed, panicked, timed out or went over the memory limit (2 for a build failure).
set -u
cd "$(dirname "$0")"
secs="${1:?usage: fuzz/run_all.sh SECONDS [TARGET...]}"
shift
all=(csv_reader spreadsheet money mapping_file plan_file results_file)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

max_len() {
    case "$1" in
        spreadsheet) echo 262144 ;;
        results_file) echo 262144 ;; # one byte of format, then a CSV, JSON or XLSX
        money) echo 1024 ;;
        *) echo 65536 ;;
    esac
}

export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
# One build for all targets (cached after the first).
if ! cargo fuzz build --sanitizer none; then
    echo "build failed" >&2
    exit 2
fi

mkdir -p logs
failed=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p "work/$t" "artifacts/$t" "regressions/$t"
    before=$(ls "artifacts/$t" | sort)
    extra=()
    if [ "${KEEP_GOING:-0}" = 1 ]; then
        extra=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
    fi
    log="logs/$t.log"
    echo "== $t: ${secs}s (log: fuzz/$log)"
    (
        ulimit -v $((4 * 1024 * 1024))
        cargo fuzz run --sanitizer none "$t" "work/$t" "corpus/$t" -- \
            -max_total_time="$secs" -rss_limit_mb=1024 -malloc_limit_mb=1024 \
            -max_len="$(max_len "$t")" -timeout=10 -print_final_stats=1 \
            "${extra[@]}"
    ) >"$log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
    # Fork mode prints no final stats; its progress lines count every job's runs.
    [ -z "$execs" ] && execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    new=$(comm -13 <(echo "$before") <(ls "artifacts/$t" | sort) | grep -v '^$' || true)
    status=ok
    if [ "$rc" -ne 0 ] || [ -n "$new" ]; then
        status="FAILED (exit $rc, $(echo "$new" | grep -c .) new reproducers)"
        failed=1
        for f in $new; do
            cp "artifacts/$t/$f" "regressions/$t/$f"
            echo "   finding: fuzz/regressions/$t/$f"
        done
        grep -m3 -E "panicked at|ERROR: libFuzzer|SUMMARY|memory allocation" "$log" | sed 's/^/   /'
    fi
    line="$t: ${execs:-?} executions (budget ${secs}s): $status"
    echo "$line"
    summary+=("$line")
done
echo
echo "== summary"
printf '%s\n' "${summary[@]}"
exit $failed
