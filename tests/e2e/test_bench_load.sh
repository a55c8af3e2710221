# `vlmeter bench`'s load profiles against the loopback load server
# (tests/tools/loadserver.c: answers in FAST ms while at most KNEE requests are
# in flight, SLOW ms above; cuts answers above a load): the SLO search finds the
# knee within one bisection step and stores the capacity; warm-up requests are
# sent but left out; repeats are stored with their index; a sweep's rates lie
# evenly between its measured ends; a constant rate is achieved on loopback
# within a tolerance, and a client held to one slot says it fell behind;
# answers cut above a load show the accuracy drop, flagged.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/remote_lib.sh"
LOADSERVER=$(dirname "$(dirname "$VLMETER")")/loadserver
[ -x "$LOADSERVER" ] || fail "no $LOADSERVER (make bin builds it)"

# start_load NAME [switches]: sets PORT (the server logs to $T/NAME.log).
start_load() {
  local name=$1; shift
  rm -f "$T/$name.port"
  "$LOADSERVER" 300 "$T/$name.port" "$@" 2> "$T/$name.log" &
  PIDS+=($!)
  for _ in $(seq 1 100); do [ -s "$T/$name.port" ] && break; sleep 0.05; done
  PORT=$(cat "$T/$name.port")
}

# 1. The knee. 20 ms up to 4 in flight, 400 ms above; objective e2e p95 <= 200 ms.
# Bisection over concurrency 1..16 with step 1: 1 ok, 16 no, 8 no, 4 ok, 6 no,
# 5 no (5 - 4 = 1 <= step): capacity 4, the knee between 4 and 5.
start_load knee --knee 4 --fast-ms 20 --slow-ms 400
"$VLMETER" bench -m "knee=http://127.0.0.1:$PORT/v1,model=x" --prompt hi --concurrency 1,16 --requests 12 \
  --slo e2e_p95=200 --db "$DB" > "$T/knee.out" 2>&1 || { cat "$T/knee.out"; fail "SLO search failed"; }
cat "$T/knee.out"
assert_eq "$(sql "SELECT group_concat(concurrency || ':' || slo_met, ' ') FROM bench_levels WHERE phase='search'")" \
  "1:1 16:0 8:0 4:1 6:0 5:0" "the search's probes and verdicts"
assert_eq "$(sql "SELECT by || ' ' || capacity || ' ' || knee_above || ' ' || step || ' ' || slos || ' ' || n_probes FROM bench_capacity")" \
  "concurrency 4.0 5.0 1.0 e2e_p95=200 6" "capacity stored"
assert_contains "$(cat "$T/knee.out")" "capacity concurrency 4 " "capacity printed"
assert_contains "$(cat "$T/knee.out")" "knee between 4 and 5 (step 1)" "knee printed"
# the capacity's throughput is the probe at 4's
assert_eq "$(sql "SELECT abs(c.req_per_s - b.req_per_s) < 1e-9 FROM bench_capacity c, bench_levels b WHERE b.phase='search' AND b.concurrency=4")" 1 "capacity throughput"

# 2. Warm-up and repeats: 3 warm-up requests then 4 measured, twice: the server
# sees 2 x 7 = 14 requests, the store 2 levels of 4 with repeat 0 and 1.
start_load warm
"$VLMETER" bench -m "warm=http://127.0.0.1:$PORT/v1,model=x" --prompt hi --requests 4 --warmup 3 --repeats 2 \
  --db "$DB" > "$T/warm.out" 2>&1 || { cat "$T/warm.out"; fail "warm-up bench failed"; }
assert_eq "$(grep -c '^chat ' "$T/warm.log")" 14 "requests the server saw"
assert_eq "$(sql "SELECT group_concat(repeat || ':' || n_requests || ':' || n_warmup || ':' || profile, ' ') FROM bench_levels WHERE model_id=(SELECT id FROM models WHERE name='warm')")" \
  "0:4:3:closed 1:4:3:closed" "repeats stored"
assert_contains "$(cat "$T/warm.out")" "over 2 repeats (mean ± sample sd)" "repeat summary"

# 3. A constant rate of 20/s for 21 requests: the sends are 50 ms apart, so the
# achieved rate (n - 1) / (last start - first start) is 20/s; on a shared
# machine within 15%.
"$VLMETER" bench -m "const=http://127.0.0.1:$PORT/v1,model=x" --prompt hi --rate 20 --arrival constant \
  --requests 21 --db "$DB" > "$T/const.out" 2>&1 || { cat "$T/const.out"; fail "constant-rate bench failed"; }
cat "$T/const.out"
assert_eq "$(sql "SELECT profile || ' ' || rate || ' ' || concurrency || ' ' || (abs(achieved_rate - 20) < 3) FROM bench_levels WHERE model_id=(SELECT id FROM models WHERE name='const')")" \
  "constant 20.0 256 1" "achieved constant rate"
# Held to one request in flight against 100 ms answers, 50/s cannot be kept:
# at most 10 start per second, and the report says so.
start_load slow --fast-ms 100
"$VLMETER" bench -m "behind=http://127.0.0.1:$PORT/v1,model=x" --prompt hi --rate 50 --arrival poisson \
  --concurrency 1 --requests 8 --db "$DB" > "$T/behind.out" 2>&1 || { cat "$T/behind.out"; fail "behind bench failed"; }
assert_eq "$(sql "SELECT fell_behind || ' ' || (achieved_rate < 11) || ' ' || (n_late >= 6) FROM bench_levels WHERE model_id=(SELECT id FROM models WHERE name='behind')")" \
  "1 1 1" "fell behind"
assert_contains "$(cat "$T/behind.out")" "BEHIND SCHEDULE, the client could not keep up" "shortfall said"

# 4. A sweep of 2: one at a time, 8 in flight, then rates sync + (max - sync) * i / 2.
"$VLMETER" bench -m "sweep=http://127.0.0.1:$PORT/v1,model=x" --prompt hi --sweep 2 --concurrency 8 \
  --requests 8 --arrival constant --db "$DB" > "$T/sweep.out" 2>&1 || { cat "$T/sweep.out"; fail "sweep failed"; }
W="model_id=(SELECT id FROM models WHERE name='sweep')"
assert_eq "$(sql "SELECT group_concat(profile || ':' || concurrency, ' ') FROM bench_levels WHERE $W")" \
  "sync:1 max:8 constant:8 constant:8" "sweep levels"
assert_eq "$(sql "SELECT (SELECT abs(b.rate - (s.req_per_s + (m.req_per_s - s.req_per_s) * 1 / 2.0)) < 1e-6 AND abs(c.rate - m.req_per_s) < 1e-6
  FROM bench_levels s, bench_levels m, bench_levels b, bench_levels c WHERE s.$W AND s.profile='sync' AND m.$W AND m.profile='max'
  AND b.id=(SELECT min(id) FROM bench_levels WHERE $W AND profile='constant') AND c.id=(SELECT max(id) FROM bench_levels WHERE $W AND profile='constant'))")" \
  1 "sweep rates between its ends"

# 5. Accuracy under load: eight cases "Reply with: WORD" scored exact; above 4 in
# flight the server cuts the answer to two letters with finish_reason length.
# One at a time: 8 of 8 right; 8 at once: 0 of 8, all cut; exact McNemar
# b = 8, c = 0: p = 2 / 2^8 = 0.0078 < 0.05, flagged.
for w in apple berry cherry dates elder figs grape honey; do
  echo "{\"id\":\"$w\",\"turns\":[\"Reply with: $w\"],\"expected\":[\"$w\"],\"scorer\":\"exact\"}"
done > "$T/words.jsonl"
start_load cut --fast-ms 150 --truncate-above 4
"$VLMETER" bench -m "cut=http://127.0.0.1:$PORT/v1,model=x" -s "$T/words.jsonl" --concurrency 1,8 --requests 8 \
  --db "$DB" > "$T/cut.out" 2>&1 || { cat "$T/cut.out"; fail "accuracy bench failed"; }
cat "$T/cut.out"
assert_eq "$(sql "SELECT group_concat(concurrency || ':' || n_scored || ':' || n_correct || ':' || n_length || ':' || case_correct, ' ') FROM bench_levels WHERE model_id=(SELECT id FROM models WHERE name='cut')")" \
  "1:8:8:0:11111111 8:8:0:8:00000000" "accuracy per level"
assert_contains "$(cat "$T/cut.out")" "0.0078" "McNemar p"
assert_eq "$(grep -c 'ACCURACY DROPPED' "$T/cut.out")" 1 "the loaded level alone flagged"
# the JSON report carries the figures
"$VLMETER" report --db "$DB" --format json -o "$T/report.json"
assert_eq "$(jq -c '[.bench[] | select(.model=="cut") | .accuracy.dropped]' "$T/report.json")" "[false,true]" "report flags the drop"
assert_eq "$(jq -c '[.bench_capacity[] | .capacity]' "$T/report.json")" "[4]" "report capacity"
# ... and so do the tables: the flag on the cut level's row, the capacity table
"$VLMETER" report --db "$DB" --format md -o "$T/report.md"
grep "^| cut " "$T/report.md" | grep -q "| DROPPED |" || fail "the markdown table flags no drop: $(grep '^| cut ' "$T/report.md")"
[ "$(grep "^| cut " "$T/report.md" | grep -c DROPPED)" = 1 ] || fail "more than the one dropped level flagged"
grep -A8 "Capacity (SLO search)" "$T/report.md" | grep -q "| concurrency | 4.00 | 5.00 |" ||
    fail "capacity table: $(grep -A8 'Capacity (SLO search)' "$T/report.md")"

# 6. Bad input is refused with a message naming it.
# refused WHAT WANT ARGS...: bench ARGS exits 2 and its output holds WANT
refused() {
  local what=$1 want=$2 rc=0
  shift 2
  "$VLMETER" bench -m "x=http://127.0.0.1:$PORT/v1,model=x" --prompt hi --no-db "$@" > "$T/bad.out" 2>&1 || rc=$?
  [ $rc -eq 2 ] || fail "$what: exit $rc, want 2"
  assert_contains "$(cat "$T/bad.out")" "$want" "$what named"
}
refused "a bad --slo" "'ttft_p97=5' is not METRIC_pNN=MS" --slo ttft_p97=5
refused "a concurrency search without a range" "needs a range" --slo e2e_p95=5
refused "a concurrency search up to 1e9" "out of range for a concurrency (1..4096)" --slo e2e_p95=5 --slo-range 1:1e9
