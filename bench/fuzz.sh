#!/usr/bin/env bash
# Runs every fuzz harness of tests/fuzz/ long (docs/fuzzing.md): each starts from
# its seed corpus (tests/fuzz/corpus/NAME/, read only; what it finds goes to a
# scratch corpus) and runs N executions, or for S seconds with --time S.
# Prints one row per harness: executions, executions per second, coverage
# (edges, features), and crashes; a crashing input is kept as
# OUTDIR/crash-NAME-* and the run's log as OUTDIR/NAME.log.
#
# Usage: bench/fuzz.sh [BUILD_DIR] [--runs N | --time S] [--max-len B] [--out OUTDIR] [NAME...]
#   defaults: build/cpu, --runs 1000000, --max-len 4096, --out a new /tmp/vlmeter-fuzz-* folder
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=build/cpu RUNS=1000000 TIME= MAX_LEN=4096 OUT= NAMES=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --time) TIME=$2; shift 2 ;;
    --max-len) MAX_LEN=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    build/*|/*) BUILD=$1; shift ;;
    *) NAMES+=("$1"); shift ;;
  esac
done
[ -n "$OUT" ] || OUT=$(mktemp -d /tmp/vlmeter-fuzz-XXXXXX)
mkdir -p "$OUT"
if [ ${#NAMES[@]} -eq 0 ]; then
  for b in "$ROOT/$BUILD"/fuzz/fuzz_*; do [ -x "$b" ] && NAMES+=("${b##*/fuzz_}"); done
fi
[ ${#NAMES[@]} -gt 0 ] || { echo "no harnesses in $BUILD/fuzz: run make fuzz" >&2; exit 2; }
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
limit=(-runs="$RUNS"); [ -n "$TIME" ] && limit=(-max_total_time="$TIME")

printf '%-12s %10s %8s %7s %7s %8s  %s\n' harness execs exec/s cov ft crashes log
failed=0
for name in "${NAMES[@]}"; do
  bin=$ROOT/$BUILD/fuzz/fuzz_$name
  work=$OUT/corpus-$name
  mkdir -p "$work"
  log=$OUT/$name.log
  "$bin" "${limit[@]}" -max_len="$MAX_LEN" -print_final_stats=1 -artifact_prefix="$OUT/crash-$name-" \
    "$work" "$ROOT/tests/fuzz/corpus/$name" > "$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
  crashes=$(find "$OUT" -maxdepth 1 -name "crash-$name-*" | wc -l)
  [ $rc -ne 0 ] && [ "$crashes" -eq 0 ] && crashes="rc=$rc"
  [ $rc -ne 0 ] && failed=$((failed + 1))
  printf '%-12s %10s %8s %7s %7s %8s  %s\n' "$name" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$crashes" "$log"
done
[ "$failed" -eq 0 ]
