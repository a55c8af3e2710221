#!/usr/bin/env bash
# Runs every test: the cmocka unit tests in the plain and the ASan+UBSan builds,
# then the end-to-end scripts in tests/e2e/ against the ASan+UBSan vlmeter, then
# each libFuzzer harness of BUILD_DIR/fuzz/ for 3000 executions over its seed corpus.
# Prints "N passed, N failed" last; exits non-zero when anything failed.
#
# Usage: tests/run.sh BUILD_DIR [TEST_NAME_FILTER]
set -u
BUILD=${1:?usage: tests/run.sh BUILD_DIR}
FILTER=${2:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export VLMETER=$ROOT/$BUILD/asan/vlmeter
export LLAMA_PREFIX=$(cat "$ROOT/$BUILD/llama-prefix")
export TEST_WORK=$(mktemp -d /tmp/vlmeter-tests-XXXXXX)
trap 'rm -rf "$TEST_WORK"' EXIT

passed=0 failed=0 failures=()
run_one() {  # name, command...
  local name=$1; shift
  [ -n "$FILTER" ] && [[ "$name" != *"$FILTER"* ]] && return
  local log=$TEST_WORK/$(echo "$name" | tr '/ ' '__').log
  local t0=$(date +%s%N)
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1)); status=PASS
  else
    failed=$((failed + 1)); status=FAIL; failures+=("$name")
  fi
  local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  printf '%-4s %-40s %4d.%01ds\n' "$status" "$name" $((ms / 1000)) $((ms % 1000 / 100))
  [ $status = FAIL ] && sed 's/^/    | /' "$log" | tail -40
}

for t in "$ROOT/$BUILD"/tests/test_*; do run_one "unit/$(basename "$t")" "$t"; done
for t in "$ROOT/$BUILD"/asan/tests/test_*; do run_one "unit-asan/$(basename "$t")" "$t"; done
for t in "$ROOT"/tests/e2e/test_*.sh; do run_one "e2e/$(basename "$t" .sh)" bash "$t"; done

# The fuzz harnesses (make fuzz; docs/fuzzing.md), a short fixed run each over its
# seed corpus; what they find goes to a scratch corpus, never into tests/fuzz/corpus.
fuzz_short() {  # harness binary, name
  local work=$TEST_WORK/fuzz-$2
  mkdir -p "$work"
  "$1" -runs=3000 -max_len=4096 -seed=1 -artifact_prefix="$work/crash-" "$work" "$ROOT/tests/fuzz/corpus/$2"
}
for t in "$ROOT/$BUILD"/fuzz/fuzz_*; do
  [ -x "$t" ] && run_one "fuzz/${t##*/fuzz_}" fuzz_short "$t" "${t##*/fuzz_}"
done

echo
[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
