# The remote engine through a fault-injecting proxy in front of llama-server.
# Each fault ends as docs/remote.md says: 500, 429 (Retry-After) and a reset
# mid-stream are retried and the case succeeds; a stream stalled past the
# timeout, malformed SSE, and 500s past the retry budget store the case as an
# error with a message naming the URL; the other cases still run, the exit
# status is 1, and a rerun with --retry-errors completes the rest without
# touching what was stored. A server that sends no usage gets its output tokens
# counted as chunks, flagged as estimated.
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
# The proxy's log gets each line's arrival time (ms): the wait before a retry is
# the time between the proxy's log lines of the two requests, whatever else
# the run spends its time on.
rm -f "$T/proxy.port"
"$FAULTPROXY" "$SERVER_PORT" "500,ok,429,ok,reset,ok,stall,malformed,500,500,500,429date,ok" 50 "$T/proxy.port" \
  2> >(while IFS= read -r line; do echo "$(date +%s%3N) $line"; done > "$T/proxy.log") &
PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$T/proxy.port" ] && break; sleep 0.05; done
PROXY_PORT=$(cat "$T/proxy.port")
spec="faulty=http://127.0.0.1:$PROXY_PORT/v1,model=llava,timeout=8,retries=2"
set +e
"$VLMETER" run -s "$SUITE" --db "$DB" --max-tokens 4 --temp 0 -m "$spec" > "$T/out" 2> "$T/err"
rc=$?
set -e
cat "$T/err" "$T/proxy.log"
[ $rc -eq 1 ] || fail "exit status $rc, want 1"
case_row() { sql "SELECT status || '|' || ifnull(error,'') FROM cases WHERE case_id='$1'"; }
retries() { sql "SELECT n_retries FROM answers WHERE case_id='$1' AND turn=0"; }
for c in "${C[@]:0:3}"; do assert_eq "$(case_row "$c")" "done|" "$c"; done
assert_eq "$(retries "${C[0]}")" 1 "500 retried once"
assert_eq "$(retries "${C[1]}")" 1 "429 retried once"
assert_eq "$(retries "${C[2]}")" 1 "reset retried once"
assert_eq "$(retries "${C[6]}")" 1 "429 with an HTTP-date retried once"
# Retry-After: 1 is waited for (1000 ms; no Retry-After would back off 250-750 ms),
# and so is an HTTP-date 2 s ahead (1 to 2 s: the date has whole seconds).
wait_after() {  # action -> ms from that request to the next one
  awk -v a="$1" '$2 == "faultproxy:" && $3 == "request" { if (t != "") { print $1 - t; exit } if ($5 == a) t = $1 }' "$T/proxy.log"
}
for a in 429 429date; do
  w=$(wait_after $a)
  [[ "$w" =~ ^[0-9]+$ ]] || fail "no request after the $a in the proxy's log"
  [ "$w" -ge 900 ] || fail "the retry after the $a came after $w ms: its Retry-After was not waited for"
  echo "retry after $a: $w ms"
done
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

# A server that sends no usage (the proxy's canned stream: 4 content chunks,
# then finish_reason and [DONE]): the output tokens are the 4 chunks, flagged
# as estimated, no prompt count; decode_tps = (4 - 1) / decode_ms x 1000 and
# TPOT = (e2e - TTFT) / 3 from the stored times.
printf '%s\n\n' 'data: {"choices":[{"delta":{"content":"one"}}]}' 'data: {"choices":[{"delta":{"content":" two"}}]}' \
  'data: {"choices":[{"delta":{"content":" three"}}]}' \
  'data: {"choices":[{"delta":{"content":" four"},"finish_reason":"stop"}]}' 'data: [DONE]' > "$T/nousage.sse"
FAULTPROXY_SSE=$T/nousage.sse start_proxy 0 ok 30
printf '{"id":"q","prompt":"Count to four."}\n' > "$T/q.jsonl"
"$VLMETER" run -q -s "$T/q.jsonl" --db "$T/nousage.db" -m "nousage=http://127.0.0.1:$PROXY_PORT/v1,model=x" ||
  fail "run against a server without usage failed"
read -r out n_out est n_prompt dms tps e2e ttft tpot < <(sqlite3 -separator ' ' "$T/nousage.db" \
  "SELECT replace(output, ' ', '_'), n_output_tokens, tokens_estimated, n_prompt_tokens, decode_ms, decode_tps, e2e_ms, ttft_ms, tpot_ms FROM answers")
assert_eq "$out $n_out $est $n_prompt" "one_two_three_four 4 1 0" "output, tokens (chunks), estimated, prompt tokens"
awk -v d="$dms" -v r="$tps" -v e="$e2e" -v f="$ttft" -v p="$tpot" 'BEGIN {
  want_r = d > 0 ? 3 * 1000 / d : 0; want_p = (e - f) / 3
  exit !((r - want_r) ^ 2 <= (1e-6 * want_r) ^ 2 + 1e-12 && (p - want_p) ^ 2 <= (1e-6 * want_p) ^ 2 + 1e-12) }' ||
  fail "decode_tps $tps / tpot $tpot do not follow decode_ms $dms, e2e $e2e, ttft $ttft for 4 tokens"
