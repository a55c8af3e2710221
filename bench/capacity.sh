#!/usr/bin/env bash
# bench/capacity.sh - the SLO search of `vlmeter bench` against llama-server on
# a forged model (docs/metrics.md, "SLO search"): the one-at-a-time e2e p95 is
# measured first and the objective set at FACTOR times it, then the highest
# concurrency meeting it is found by bisection over 1..MAX (step 1); then one
# open-loop constant-rate level at the capacity's throughput shows the achieved
# vs requested rate. Beside vlmeter's figures, llama-server's own /metrics
# counters (read with curl before and after each part) for the same requests:
# requests vlmeter sent vs the server's decoded-token and prompt-token totals.
# Usage: bench/capacity.sh [BUILD_DIR]   (env: ARCH, MAX, NP, FACTOR, REQUESTS, MAX_TOKENS)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/cpu}
ARCH=${ARCH:-qwen25vl} MAX=${MAX:-32} NP=${NP:-4} FACTOR=${FACTOR:-2} REQUESTS=${REQUESTS:-48}
MAX_TOKENS=${MAX_TOKENS:-16}
V=$PWD/$BUILD/vlmeter
LLAMA=$(cat "$BUILD/llama-prefix")
W=$(mktemp -d /tmp/vlmeter-capacity-XXXXXX)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
"$V" forge "$ARCH" "$W/model" >/dev/null
PORT=$((20000 + RANDOM % 30000))
"$LLAMA/bin/llama-server" -m "$W/model/model.gguf" --host 127.0.0.1 --port "$PORT" -t 2 -c $((NP * 512)) \
  -np "$NP" --temp 0 --no-webui --metrics > "$W/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.25; done
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { cat "$W/server.log"; exit 1; }
echo "llama-server: forged $ARCH, -np $NP, --metrics; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
SPEC="srv=http://127.0.0.1:$PORT/v1,model=x"
COMMON=(--prompt "Count from one to twenty." --max-tokens "$MAX_TOKENS" --db "$W/b.db")
# metric NAME: the value of llama-server's counter NAME (0 when absent)
metrics() { curl -sf "http://127.0.0.1:$PORT/metrics" > "$W/metrics.$1"; }
metric() { awk -v n="llamacpp:$2" '$1 == n {print $2; f=1} END {if (!f) print 0}' "$W/metrics.$1"; }
delta() { awk -v a="$(metric "$1" "$3")" -v b="$(metric "$2" "$3")" 'BEGIN {printf "%.0f", b - a}'; }

# 1. one at a time, after 2 warm-up requests: the objective
"$V" bench -m "$SPEC" "${COMMON[@]}" --concurrency 1 --requests 8 --warmup 2 -q
SYNC_P95=$(sqlite3 "$W/b.db" "SELECT e2e_ms_p95 FROM bench_levels ORDER BY id DESC LIMIT 1")
SLO=$(awk -v p="$SYNC_P95" -v f="$FACTOR" 'BEGIN {printf "%.0f", p * f}')
printf 'one at a time: e2e p95 %.1f ms; objective e2e_p95 <= %s ms (x%s)\n' "$SYNC_P95" "$SLO" "$FACTOR"

# 2. the search
metrics a
"$V" bench -m "$SPEC" "${COMMON[@]}" --concurrency "1,$MAX" --requests "$REQUESTS" --slo "e2e_p95=$SLO" \
  > "$W/search.out" 2>&1 || { cat "$W/search.out"; exit 1; }
metrics b
sqlite3 -separator ' ' "$W/b.db" "SELECT concurrency, slo_met, n_requests, n_ok, round(req_per_s, 2), round(e2e_ms_p95, 1),
  round(output_tps * wall_s) FROM bench_levels WHERE phase='search' ORDER BY id" |
  awk 'BEGIN {print "probe: concurrency met requests ok req/s e2e_p95_ms output_tokens"} {print "  " $0}'
grep "SLO search" "$W/search.out"
read -r sent ok out_tok < <(sqlite3 -separator ' ' "$W/b.db" "SELECT sum(n_requests), sum(n_ok),
  CAST(round(sum(output_tps * wall_s)) AS INT) FROM bench_levels WHERE phase='search'")
echo "search, vlmeter: $sent requests sent, $ok ok, $out_tok output tokens (stream usage)"
echo "search, llama-server /metrics: tokens_predicted_total +$(delta a b tokens_predicted_total)," \
  "prompt_tokens_total +$(delta a b prompt_tokens_total), n_decode_total +$(delta a b n_decode_total)," \
  "requests_processing now $(metric b requests_processing), requests_deferred now $(metric b requests_deferred)"

# 3. open loop at the capacity's throughput: achieved vs requested
RATE=$(sqlite3 "$W/b.db" "SELECT round(req_per_s, 2) FROM bench_capacity ORDER BY id DESC LIMIT 1")
if [ -n "$RATE" ] && awk -v r="$RATE" 'BEGIN {exit !(r > 0)}'; then
  metrics c
  "$V" bench -m "$SPEC" "${COMMON[@]}" --rate "$RATE" --arrival constant --concurrency "$MAX" \
    --requests "$REQUESTS" -q || true
  metrics d
  sqlite3 -separator ' ' "$W/b.db" "SELECT round(rate, 2), round(achieved_rate, 2), n_late, fell_behind, round(req_per_s, 2),
    round(e2e_ms_p95, 1), n_requests, CAST(round(output_tps * wall_s) AS INT) FROM bench_levels ORDER BY id DESC LIMIT 1" |
    while read -r rate ach late behind rps p95 n tok; do
      printf 'open loop constant %s req/s: started %s req/s (%+.1f%%), %s sent late%s; done %s req/s, e2e p95 %s ms\n' \
        "$rate" "$ach" "$(awk -v a="$ach" -v r="$rate" 'BEGIN {print (a / r - 1) * 100}')" "$late" \
        "$([ "$behind" = 1 ] && echo ': behind schedule' || true)" "$rps" "$p95"
      echo "open loop, vlmeter: $n requests, $tok output tokens; llama-server: tokens_predicted_total" \
        "+$(delta c d tokens_predicted_total), prompt_tokens_total +$(delta c d prompt_tokens_total)"
    done
fi
