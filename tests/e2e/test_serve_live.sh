# `vlmeter serve` and `vlmeter run` on one store at once (docs/serve.md, "While
# a run writes"): model ma has answered the suite; serve starts; a run of model
# mb starts on the same file; while it writes, verdicts are POSTed with curl
# (on ma's answers, and on mb's first answer as soon as a reload shows it).
# Afterwards every answer is there once, every verdict that was answered with a
# redirect is stored once with what was sent, and nothing else is.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || fail "curl is needed"
SUITE=$DEMO/suite/demo.jsonl
set -- $ARCHS
A=$1 B=${2:-$1}
"$VLMETER" run -q -s "$SUITE" --db "$DB" --max-tokens 4 -m "$(model_spec "$A" ma)" > "$T/run_a.log" 2>&1 ||
  { cat "$T/run_a.log"; fail "run of ma failed"; }
N_TURNS=$(sql "SELECT count(*) FROM answers WHERE model_id=(SELECT id FROM models WHERE name='ma')")
[ "$N_TURNS" -gt 2 ] || fail "ma answered $N_TURNS turns"
mapfile -t CASES < <(sql "SELECT case_id FROM answers WHERE turn=0 ORDER BY case_id")

PID= RUNPID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; [ -n "$RUNPID" ] && kill "$RUNPID" 2>/dev/null; true' EXIT
"$VLMETER" serve --db "$DB" --port 0 2> "$T/serve.log" &
PID=$!
URL=
for _ in $(seq 1 300); do
  URL=$(grep -o 'http://[^ ]*/' "$T/serve.log" | head -1 || true)
  [ -n "$URL" ] && break
  kill -0 "$PID" 2>/dev/null || { cat "$T/serve.log"; fail "serve exited"; }
  sleep 0.1
done
[ -n "$URL" ] || fail "serve did not print its URL"
page() { curl -s -o "$T/page" -w '%{http_code}' "$URL$1"; }
post() {  # model case verdict reviewer: the HTTP status
  curl -s -o /dev/null -w '%{http_code}' --data "model=$1&suite=demo&case=$2&turn=0&verdict=$3&reviewer=$4" \
    "${URL}verdict"
}
assert_eq "$(page "case?suite=demo&id=${CASES[0]}")" 200 "a case before the run"
grep -q 'id="a-mb-0"' "$T/page" && fail "mb's answer is on the page before mb ran"

# The run, in the background; verdicts go in while it writes.
"$VLMETER" run -q -s "$SUITE" --db "$DB" --max-tokens 24 -m "$(model_spec "$B" mb)" > "$T/run_b.log" 2>&1 &
RUNPID=$!
: > "$T/sent"
i=0 during=0 b_case=
while kill -0 "$RUNPID" 2>/dev/null; do
  c=${CASES[$((i % ${#CASES[@]}))]}
  v=$([ $((i % 2)) -eq 0 ] && echo right || echo wrong)
  assert_eq "$(post ma "$c" "$v" "r$i")" 303 "verdict $i on ma's answer to $c during the run"
  echo "ma|$c|$v|r$i" >> "$T/sent"
  kill -0 "$RUNPID" 2>/dev/null && during=$((during + 1))
  assert_eq "$(page "cases?q=$c")" 200 "the case list during the run"
  # mb's first stored answer shows on a reload, and takes a verdict at once.
  if [ -z "$b_case" ]; then
    b_case=$(sqlite3 "$DB" "SELECT case_id FROM answers a JOIN models m ON m.id=a.model_id WHERE m.name='mb'
                             AND a.turn=0 LIMIT 1")
    if [ -n "$b_case" ]; then
      assert_eq "$(page "case?suite=demo&id=$b_case")" 200 "the case mb just answered"
      grep -q 'id="a-mb-0"' "$T/page" || fail "mb's new answer is not on the reloaded page"
      assert_eq "$(post mb "$b_case" wrong rb)" 303 "a verdict on mb's new answer"
      echo "mb|$b_case|wrong|rb" >> "$T/sent"
    fi
  fi
  i=$((i + 1))
done
rc=0; wait "$RUNPID" || rc=$?; RUNPID=
[ "$rc" -eq 0 ] || { cat "$T/run_b.log"; fail "the run of mb exited with $rc while serve was up"; }
[ "$during" -ge 1 ] || fail "no verdict was stored while the run was writing (the run ended first)"
echo "verdicts posted: $i, $during while the run wrote"

# Nothing lost or duplicated: every answer once, every verdict sent once.
assert_eq "$(sql "SELECT count(*) FROM answers")" $((2 * N_TURNS)) "answers of both models"
assert_eq "$(sql "SELECT count(*) FROM (SELECT DISTINCT model_id, suite, case_id, turn FROM answers)")" \
  $((2 * N_TURNS)) "distinct answers"
assert_eq "$(sql "SELECT count(*) FROM verdicts")" "$(wc -l < "$T/sent")" "verdict rows = verdicts posted"
sql "SELECT m.name || '|' || v.case_id || '|' || v.verdict || '|' || v.reviewer FROM verdicts v
     JOIN models m ON m.id=v.model_id" | sort > "$T/stored"
sort "$T/sent" | diff - "$T/stored" || fail "the stored verdicts differ from those posted"
# A reload after the run shows mb everywhere: its answers and the model table.
[ -n "$b_case" ] || b_case=${CASES[0]}
assert_eq "$(page "case?suite=demo&id=${CASES[0]}")" 200 "a case after the run"
grep -q 'id="a-mb-0"' "$T/page" || fail "mb's answer is not on the page after the run"
assert_eq "$(page "")" 200 "the overview after the run"
grep -q "<td>mb</td><td class=\"num\">[0-9]*</td><td class=\"num\">$N_TURNS</td>" "$T/page" ||
  fail "the models table does not show mb's $N_TURNS answers"
kill -TERM "$PID"
rc=0; wait "$PID" || rc=$?; PID=
assert_eq "$rc" 0 "serve's exit status after SIGTERM"
echo ok
