# The remote engine through a fault-injecting proxy in front of llama-server.
# Each fault ends as docs/remote.md says: 500, 429 (Retry-After) and a reset
# mid-stream are retried and the case succeeds; a stream stalled past the
# timeout, malformed SSE, and 500s past the retry budget store the case as an
# error with a message naming the URL; the other cases still run, the exit
# status is 1, and a rerun with --retry-errors completes the rest without
# touching what was stored.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/remote_lib.sh"
SUITE=$DEMO/suite/demo.jsonl
C=($(grep -o '"id":"[^"]*"' "$SUITE" | cut -d'"' -f4))   # case ids in suite (= request) order
n_cases=${#C[@]}
[ "$n_cases" -ge 8 ] || fail "the demo suite has only $n_cases cases"
start_server llava
# Requests in order: case 1: 500 then ok; case 2: 429 then ok; case 3: reset then
# ok; case 4: stall; case 5: malformed; case 6: 500 x3 (retries=2); case 7: 429
# with Retry-After as an HTTP-date 2 s ahead, then ok; others ok.
start_proxy "$SERVER_PORT" "500,ok,429,ok,reset,ok,stall,malformed,500,500,500,429date,ok" 50
spec="faulty=http://127.0.0.1:$PROXY_PORT/v1,model=llava,timeout=8,retries=2"
t0=$(date +%s%N)
set +e
"$VLMETER" run -s "$SUITE" --db "$DB" --max-tokens 4 --temp 0 -m "$spec" > "$T/out" 2> "$T/err"
rc=$?
set -e
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
cat "$T/err" "$T/proxy.log"
[ $rc -eq 1 ] || fail "exit status $rc, want 1"
case_row() { sql "SELECT status || '|' || ifnull(error,'') FROM cases WHERE case_id='$1'"; }
retries() { sql "SELECT n_retries FROM answers WHERE case_id='$1' AND turn=0"; }
for c in "${C[@]:0:3}"; do assert_eq "$(case_row "$c")" "done|" "$c"; done
assert_eq "$(retries "${C[0]}")" 1 "500 retried once"
assert_eq "$(retries "${C[1]}")" 1 "429 retried once"
assert_eq "$(retries "${C[2]}")" 1 "reset retried once"
assert_eq "$(retries "${C[6]}")" 1 "429 with an HTTP-date retried once"
[ $ms -ge 2000 ] || fail "the Retry-After delays (1 s, then an HTTP-date >= 1 s ahead) were not waited for (${ms} ms)"
assert_contains "$(case_row "${C[3]}")" "error|POST http://127.0.0.1:$PROXY_PORT/v1/chat/completions: timed out after 8 s" "stall"
assert_contains "$(case_row "${C[4]}")" "malformed SSE data" "malformed"
assert_contains "$(case_row "${C[5]}")" "HTTP 500" "500 past the budget"
assert_contains "$(case_row "${C[5]}")" "(after 3 attempts)" "attempts named"
for c in "${C[@]:6}"; do assert_eq "$(case_row "$c")" "done|" "$c after the faults"; done
assert_eq "$(sql "SELECT count(*) FROM cases WHERE status='done'")" $((n_cases - 3)) "cases done"

# The stored answers equal the server's own (the proxy changed nothing).
sql "SELECT case_id, output FROM answers WHERE output IS NOT NULL ORDER BY case_id" > "$T/before"
"$VLMETER" run -s "$SUITE" --db "$T/direct.db" --max-tokens 4 --temp 0 -q \
  -m "faulty=http://127.0.0.1:$SERVER_PORT/v1,model=llava" || fail "direct run failed"
assert_eq "$(sql "ATTACH '$T/direct.db' AS d; SELECT count(*) FROM answers a JOIN d.answers b USING(case_id, turn) WHERE a.output IS NOT NULL AND a.output != b.output")" 0 "answers through the proxy equal the server's"

# Rerun: only the failed cases run again (the schedule is used up: all ok).
"$VLMETER" run -s "$SUITE" --db "$DB" --max-tokens 4 --temp 0 -q --retry-errors -m "$spec" \
  || { cat "$T/proxy.log"; fail "rerun failed"; }
assert_eq "$(sql "SELECT count(*) FROM cases WHERE status='done'")" "$n_cases" "all done after rerun"
sql "SELECT case_id, output FROM answers WHERE case_id NOT IN ('${C[3]}','${C[4]}','${C[5]}') ORDER BY case_id" > "$T/after"
diff "$T/before" "$T/after" || fail "stored answers changed"
