# `vlmeter bench`: load levels against llama-server (a forged model, 2 slots)
# and against the fault proxy's own trivial endpoint; per level the figures of
# docs/metrics.md are printed and stored in bench_levels; retried faults are not
# errors, faults past the retry budget are; local models run one request at a
# time and as parallel sequences.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/remote_lib.sh"
SUITE=$DEMO/suite/demo.jsonl
start_server llava -np 2
"$VLMETER" bench -m "srv=http://127.0.0.1:$SERVER_PORT/v1,model=llava" -s "$SUITE" --max-tokens 8 \
  --concurrency 1,2 --requests 6 --slo ttft=100000,tpot=100000 --db "$DB" > "$T/out" 2> "$T/err" \
  || { cat "$T/out" "$T/err"; fail "bench against llama-server failed"; }
cat "$T/out"
assert_contains "$(cat "$T/out")" "out_tok/s" "table header"
assert_eq "$(sql "SELECT count(*) FROM bench_levels")" 2 "two levels stored"
assert_eq "$(sql "SELECT group_concat(concurrency || ':' || n_requests || ':' || n_ok || ':' || n_errors, ' ') FROM bench_levels")" "1:6:6:0 2:6:6:0" "levels"
assert_eq "$(sql "SELECT count(*) FROM bench_levels WHERE NOT (req_per_s > 0 AND output_tps > 0 AND abs(goodput_rps - req_per_s) < 1e-9 AND ttft_ms_p50 > 0 AND ttft_ms_p50 <= ttft_ms_p90 AND ttft_ms_p90 <= ttft_ms_p95 AND ttft_ms_p95 <= ttft_ms_p99 AND tpot_ms_p50 > 0 AND e2e_ms_p99 >= ttft_ms_p99 AND itl_ms_p50 > 0 AND tokens_estimated = 0 AND error_rate = 0)")" 0 "figures"
# A tight SLO: goodput drops below throughput.
"$VLMETER" bench -m "srv=http://127.0.0.1:$SERVER_PORT/v1,model=llava" --prompt "Hello" --max-tokens 8 \
  --requests 3 --slo ttft=0.001 --db "$DB" -q || fail "bench with a tight SLO failed"
assert_eq "$(sql "SELECT goodput_rps FROM bench_levels ORDER BY id DESC LIMIT 1")" "0.0" "goodput under an impossible SLO"

# Faults: 500 then ok is retried (no error); three 500s with retries=1 are an error.
start_proxy 0 "500,ok,500,500" 30
set +e
"$VLMETER" bench -m "fp=http://127.0.0.1:$PROXY_PORT/v1,model=x,retries=1" --prompt hi \
  --requests 5 --concurrency 1 --db "$DB" > "$T/fp.out" 2>&1
rc=$?
set -e
cat "$T/fp.out"
[ $rc -eq 1 ] || fail "bench with a failed request: exit $rc, want 1"
assert_eq "$(sql "SELECT n_requests || ':' || n_ok || ':' || n_errors || ':' || error_rate FROM bench_levels WHERE model_id=(SELECT id FROM models WHERE name='fp')")" "5:4:1:0.2" "fault counts"
assert_contains "$(cat "$T/fp.out")" "first error: POST http://127.0.0.1:$PROXY_PORT/v1/chat/completions: HTTP 500" "first error shown"
# Duration mode with a Poisson rate against the trivial endpoint. The arrivals
# are drawn from the seed (docs/metrics.md, "Load test"): gaps of -ln(1 - u) /
# rate seconds, u the next of splitmix64's outputs (seeded with --seed) as a
# 53-bit fraction; the first request goes one gap after the start. The same
# draws, made here in bash and awk, give the requests due within the second.
# Seed 71 has no arrival in the second's last 120 ms (where a late wake-up
# could miss one): exactly 42 are due.
SM_STATE=71
sm_unit53() {  # the next splitmix64 output's top 53 bits -> SM_OUT
  local z
  SM_STATE=$((SM_STATE + 0x9E3779B97F4A7C15))
  z=$SM_STATE
  z=$(((z ^ ((z >> 30) & 0x3FFFFFFFF)) * 0xBF58476D1CE4E5B9))
  z=$(((z ^ ((z >> 27) & 0x1FFFFFFFFF)) * 0x94D049BB133111EB))
  z=$((z ^ ((z >> 31) & 0x1FFFFFFFF)))
  SM_OUT=$(((z >> 11) & 0x1FFFFFFFFFFFFF))
}
for _ in $(seq 1 200); do sm_unit53; echo "$SM_OUT"; done > "$T/draws"
read -r due_lo due_hi < <(awk '{ t += -log(1 - $1 / 9007199254740992) / 50 * 1000
  if (t < 880) lo++; if (t < 1000) hi++ } END { print lo + 0, hi + 0 }' "$T/draws")
assert_eq "$due_lo $due_hi" "42 42" "arrivals due in the second at 50/s with seed 71 (880 ms, 1 s)"
"$VLMETER" bench -m "fp71=http://127.0.0.1:$PROXY_PORT/v1,model=x,retries=1" --prompt hi --seed 71 \
  --concurrency 4 --rate 50 --duration 1 --db "$DB" -q || fail "rate bench failed"
n=$(sql "SELECT n_requests FROM bench_levels ORDER BY id DESC LIMIT 1")
[ "$n" -ge "$due_lo" ] && [ "$n" -le "$due_hi" ] ||
  fail "rate 50/s for 1 s with seed 71 sent $n requests, not the $due_hi due"

# Local models: one request at a time, then parallel sequences of one context
# (with images); the same greedy requests give the same token counts.
"$VLMETER" bench -m "$(model_spec llava loc)" -s "$SUITE" --max-tokens 6 --requests 6 --threads 2 \
  --concurrency 1,3 --db "$DB" -q || fail "local bench failed"
assert_eq "$(sql "SELECT group_concat(concurrency || ':' || n_ok || ':' || n_errors, ' ') FROM bench_levels WHERE model_id=(SELECT id FROM models WHERE name='loc')")" "1:6:0 3:6:0" "local levels"
assert_eq "$(sql "SELECT count(DISTINCT round(output_tps * wall_s)) FROM bench_levels WHERE model_id=(SELECT id FROM models WHERE name='loc')")" 1 "same output tokens at both levels"
assert_eq "$(sql "SELECT count(*) FROM bench_levels WHERE model_id=(SELECT id FROM models WHERE name='loc') AND NOT (ttft_ms_p50 > 0 AND tpot_ms_p50 > 0 AND itl_ms_p50 > 0)")" 0 "local figures"

# Reports carry the levels: a table section, an HTML table, the JSON array.
"$VLMETER" report --db "$DB" > "$T/report.txt"
grep -q "Load test" "$T/report.txt" || fail "text report lacks the load test"
"$VLMETER" report --db "$DB" --format html -o "$T/report.html"
grep -q "<section id=bench>" "$T/report.html" || fail "HTML report lacks the load test"
"$VLMETER" report --db "$DB" --format json -o "$T/report.json"
assert_eq "$(jq '.bench | length' "$T/report.json")" "$(sql "SELECT count(*) FROM bench_levels")" "JSON bench levels"
