# Resume, made deterministic (test_resume.sh kills a run at a random moment):
#  - a two-turn case whose first turn was stored without its case row (a run
#    that stopped between the turns) is answered again, both turns, by the next
#    run, and the finished case beside it is left alone;
#  - a case is finished per suite: another suite with the same case ids is
#    answered in full, not skipped.
source "$(dirname "$0")/lib.sh"
cp "$(first_image)" "$T/a.png"
{
  echo '{"id":"two","images":["a.png"],"turns":["<image> What is it?","And the colour?"]}'
  echo '{"id":"one","turns":["Hello?"]}'
} > "$T/s.jsonl"
spec=$(model_spec llava m)
run() { "$VLMETER" run -q --max-tokens 4 --db "$DB" -m "$spec" "$@" || fail "vlmeter run $* failed"; }
run -s "$T/s.jsonl"
assert_eq "$(sql "SELECT group_concat(case_id || ':' || status, ' ') FROM (SELECT * FROM cases ORDER BY case_id)")" \
  "one:done two:done" "first run"
# The state a stop between the turns leaves: turn 0 stored, no turn 1, no case row.
sql "DELETE FROM answers WHERE case_id='two' AND turn=1; DELETE FROM cases WHERE case_id='two';
     UPDATE answers SET output='STALE' WHERE case_id='two'"
run -s "$T/s.jsonl"
assert_eq "$(sql "SELECT max(id) FROM runs")" 2 "second run recorded"
assert_eq "$(sql "SELECT group_concat(turn || '@' || run_id, ' ') FROM (SELECT * FROM answers WHERE case_id='two' ORDER BY turn)")" \
  "0@2 1@2" "both turns of the unfinished case answered by the second run"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE output='STALE'")" 0 "the stale first turn replaced"
assert_eq "$(sql "SELECT status || '@' || run_id FROM cases WHERE case_id='two'")" "done@2" "the case finished"
assert_eq "$(sql "SELECT group_concat(run_id) FROM answers WHERE case_id='one'")" 1 "the finished case not redone"
# Another suite (another name) with the same case ids: its own cases, all answered.
mkdir -p "$T/other" && cp "$T/a.png" "$T/other/" && cp "$T/s.jsonl" "$T/other/t.jsonl"
run -s "$T/other/t.jsonl"
assert_eq "$(sql "SELECT count(*) FROM cases WHERE suite='t' AND status='done'")" 2 "same ids in suite t answered"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE suite='t'")" 3 "suite t's three turns stored"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE suite='s' AND run_id=3")" 0 "suite s untouched by the third run"
