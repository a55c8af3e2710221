#!/usr/bin/env bash
# bench/client_throughput.sh - how many requests per second vlmeter's load-test
# client sustains at concurrency 64 against a trivial loopback endpoint (the
# test fault proxy with no backend: every POST gets a fixed two-chunk SSE
# stream on a keep-alive connection), and the CPU share vlmeter used for it.
# Target: at least 2,000 requests/s, so the client is never what a benchmark
# measures. The CPU share is (utime + stime) of the vlmeter process over its
# wall time, from /proc/PID/stat (100% = one core).
# Usage: bench/client_throughput.sh [BUILD_DIR] [SECONDS]   (default build/cpu, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/cpu}
SECS=${2:-5}
TARGET=2000
W=$(mktemp -d /tmp/vlmeter-bench-XXXXXX)
trap 'kill $PROXY 2>/dev/null || true; rm -rf "$W"' EXIT
"$BUILD/faultproxy" 0 "" $((SECS + 30)) "$W/port" 2>/dev/null &
PROXY=$!
for _ in $(seq 1 100); do [ -s "$W/port" ] && break; sleep 0.05; done
PORT=$(cat "$W/port")

"$BUILD/vlmeter" bench -m "trivial=http://127.0.0.1:$PORT/v1,model=x" --prompt "hi" \
  --concurrency 64 --duration "$SECS" --db "$W/b.db" -q &
V=$!
TICK=$(getconf CLK_TCK)
t0=$(date +%s%N); cpu=0
while kill -0 $V 2>/dev/null; do   # the last sample before it exits
  s=$(cut -d' ' -f14,15 /proc/$V/stat 2>/dev/null) && cpu=$(echo "$s" | awk '{print $1 + $2}')
  t1=$(date +%s%N)
  sleep 0.1
done
wait $V
wall_ms=$(( (t1 - t0) / 1000000 ))
read -r rps n err < <(sqlite3 -separator ' ' "$W/b.db" "SELECT req_per_s, n_requests, n_errors FROM bench_levels")
share=$(awk -v c="$cpu" -v t="$TICK" -v w="$wall_ms" 'BEGIN {printf "%.0f", 100 * c / t / (w / 1000)}')
echo "concurrency 64, ${SECS} s: $n requests, $err errors"
printf 'client: %.0f requests/s (target %d: %.1fx), vlmeter CPU %s%% of one core (%d cores here)\n' \
  "$rps" $TARGET "$(awk -v r="$rps" -v t=$TARGET 'BEGIN {print r / t}')" "$share" "$(nproc)"
awk -v r="$rps" -v t=$TARGET 'BEGIN {exit !(r >= t)}' || { echo "below the target"; exit 1; }
