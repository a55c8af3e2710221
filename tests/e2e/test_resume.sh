# A run killed with SIGKILL midway and started again ends with exactly one stored
# answer per model x case x turn; cases finished before the kill are not redone.
# Once with one case at a time, once with three cases in flight (--parallel 3)
# when the kill comes, resumed one at a time.
source "$(dirname "$0")/lib.sh"
img=$(first_image)
cp "$img" "$T/a.png"
: > "$T/s.jsonl"
for i in $(seq 1 12); do
  if [ $((i % 3)) -eq 0 ]; then
    echo "{\"id\":\"c$i\",\"category\":\"k$((i % 2))\",\"images\":[\"a.png\"],\"turns\":[\"<image> What is it? ($i)\",\"And the colour?\"]}" >> "$T/s.jsonl"
  else
    echo "{\"id\":\"c$i\",\"category\":\"k$((i % 2))\",\"images\":[\"a.png\"],\"turns\":[\"Describe item $i.\"]}" >> "$T/s.jsonl"
  fi
done
want_turns=$(( 2 * (8 * 1 + 4 * 2) ))   # 2 models x (8 one-turn + 4 two-turn cases)
for par in 1 3; do
DB=$T/p$par.db
set -- run -s "$T/s.jsonl" --db "$DB" --max-tokens 48 --threads 1 -q \
  -m "$(model_spec llava m1)" -m "$(model_spec $(echo $ARCHS | awk '{print $NF}') m2)"

"$VLMETER" "$@" --parallel $par > "$T/run1.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  n=$(sqlite3 "$DB" "SELECT count(*) FROM cases" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 5 ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
kill -9 $pid 2>/dev/null || fail "the run finished before it could be killed"
wait $pid 2>/dev/null || true
done_before=$(sql "SELECT count(*) FROM cases")
[ "$done_before" -gt 0 ] && [ "$done_before" -lt 24 ] || fail "killed at $done_before of 24 cases, not midway"
sql "SELECT model_id||'/'||case_id FROM cases ORDER BY 1" > "$T/before.txt"

"$VLMETER" "$@" > "$T/run2.log" 2>&1 || { cat "$T/run2.log"; fail "resumed run failed"; }
assert_eq "$(sql "SELECT count(*) FROM answers")" "$want_turns" "stored turns"
assert_eq "$(sql "SELECT count(*) FROM (SELECT DISTINCT model_id, suite, case_id, turn FROM answers)")" "$want_turns" "distinct turns"
assert_eq "$(sql "SELECT count(*) FROM cases WHERE status='done'")" 24 "finished cases"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE output IS NULL OR error IS NOT NULL")" 0 "failed turns"
# Cases finished before the kill keep their first run's answers.
assert_eq "$(sql "SELECT count(*) FROM cases WHERE run_id = 1")" "$done_before" "cases kept from run 1"
# A third run has nothing to do.
"$VLMETER" "$@" > "$T/run3.log" 2>&1 || fail "third run failed"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE run_id = 3")" 0 "answers redone by a third run"
echo "parallel $par: killed after $done_before cases; resumed to $want_turns turns"
done

# Ctrl-C with three cases in flight: status 130, and no cut-off answer is stored
# (forged models never end an answer early, so every stored one has all 48 tokens).
DB=$T/int.db
set -- run -s "$T/s.jsonl" --db "$DB" --max-tokens 48 --threads 1 -q \
  -m "$(model_spec llava m1)" -m "$(model_spec $(echo $ARCHS | awk '{print $NF}') m2)"
"$VLMETER" "$@" --parallel 3 > "$T/int.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  n=$(sqlite3 "$DB" "SELECT count(*) FROM cases" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 2 ] && break
  sleep 0.05
done
kill -INT $pid
rc=0; wait $pid || rc=$?
assert_eq "$rc" 130 "status after Ctrl-C"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE n_output_tokens != 48 OR error IS NOT NULL")" 0 "cut-off answers stored"
"$VLMETER" "$@" > "$T/int2.log" 2>&1 || fail "run after Ctrl-C failed"
assert_eq "$(sql "SELECT count(*) FROM answers")" "$want_turns" "turns after resuming from Ctrl-C"
