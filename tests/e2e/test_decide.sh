# Deciding early (`run --decide`, docs/metrics.md "Deciding early"). A suite of
# 30 "easy" cases (expected: the forged model's own answer, learnt by a first
# run) and 30 "hard" ones (expected: a word it never says). With one case at a
# time:
#   - the draw alternates the two strata (equal sizes: easy, hard, easy, ...);
#   - min_accuracy easy >= 0.5 settles "met" early: all easy answers right, so
#     after t easy draws the full 30's accuracy is at least t/30, >= 0.5 by
#     t = 15 (the 29th draw) whatever the sequence's width: at most 29 cases;
#   - min_accuracy hard >= 0.5 settles "not met": after t hard draws all wrong
#     it is at most (30 - t)/30, < 0.5 from t = 16 (the 32nd draw): at most 32;
#   - a run killed with SIGKILL midway resumes in the same draw order and ends
#     where the uninterrupted run ended, with the same cases;
#   - the report lists the verdicts, settled, and the cases used and saved;
#   - with decide.escalate the first model meeting every requirement ends the
#     run: a later model is not run (unless the first misses max_p95_ms); with decide.screen every model answers
#     the first share of the draw before any answers the rest;
#   - a remote model answering 4 cases at once stops too.
source "$(dirname "$0")/lib.sh"
M1=$(model_spec qwen3vl m1)
: > "$T/s0.jsonl"
for i in $(seq 1 30); do echo "{\"id\":\"e$i\",\"category\":\"easy\",\"turns\":[\"Describe item $i.\"]}"; done >> "$T/s0.jsonl"
for i in $(seq 1 30); do echo "{\"id\":\"h$i\",\"category\":\"hard\",\"turns\":[\"Name thing $i.\"]}"; done >> "$T/s0.jsonl"
COMMON=(--max-tokens 6 --threads 1 --parallel 1 -q)

# The model's own answers, then the suite that expects them on "easy".
"$VLMETER" run -s "$T/s0.jsonl" --db "$T/cal.db" -m "$M1" "${COMMON[@]}" > "$T/cal.log" 2>&1 ||
  { cat "$T/cal.log"; fail "calibration run failed"; }
sqlite3 -json "$T/cal.db" "SELECT case_id, output FROM answers ORDER BY case_id" |
  jq -c '.[] | {id: .case_id, category: (if (.case_id | startswith("e")) then "easy" else "hard" end),
                turns: [(if (.case_id | startswith("e")) then "Describe item " else "Name thing " end) + (.case_id[1:]) + "."],
                answer: (if (.case_id | startswith("e")) then .output else "zzqxv" end)}' > "$T/s.jsonl"
assert_eq "$(wc -l < "$T/s.jsonl" | tr -d ' ')" 60 "the scored suite"

plan() {  # file requirement-mapping [extra-top-level-yaml]
  cat > "$1" <<YAML
suites: [s.jsonl]
settings: {max_tokens: 6, threads: 1, parallel: 1}
models:
  - {name: m1, model: $DEMO/models/qwen3vl/model.gguf, mmproj: $DEMO/models/qwen3vl/mmproj.gguf}
requirements:
  min_accuracy: $2
decide: {alpha: 0.05, seed: 7}
${3:-}
YAML
}

# --- met, early
plan "$T/easy.yaml" "{easy: 0.5}"
DB=$T/easy.db
"$VLMETER" run "$T/easy.yaml" --db "$DB" -q > "$T/easy.log" 2>&1 || { cat "$T/easy.log"; fail "decide run (easy) failed"; }
n_easy=$(sql "SELECT count(*) FROM cases")
[ "$n_easy" -ge 2 ] && [ "$n_easy" -le 29 ] || fail "easy >= 0.5 should settle by the 29th draw; $n_easy cases answered"
assert_eq "$(sql "SELECT requirement, verdict, state, n_used, n_cases FROM decisions")" "easy|1|passed|$n_easy|60" \
  "the verdict stored: met, after the cases answered, of 60"
# The draw alternates the strata, easy first (equal sizes; the first stratum wins ties).
cats=$(sql "SELECT group_concat(substr(case_id, 1, 1), '') FROM (SELECT case_id FROM answers ORDER BY created_at, rowid)")
want=$(for i in $(seq 1 "$n_easy"); do [ $((i % 2)) -eq 1 ] && printf e || printf h; done)
assert_eq "$cats" "$want" "the strata interleaved in the draw"
# Every easy answer is right, every hard one wrong: the scorer agrees with the decider.
assert_eq "$(sql "SELECT count(*) FROM scores WHERE correct = (case_id LIKE 'e%')")" "$n_easy" "scores of the answered cases"
assert_contains "$(cat "$T/easy.log")" "every requirement met after $n_easy of 60 cases" "the run says where it stopped"

# --- the report
"$VLMETER" report --db "$DB" --format json -o "$T/easy.json" 2>"$T/rep.err" || { cat "$T/rep.err"; fail "report failed"; }
assert_eq "$(jq -r '.decide.verdicts[0] | "\(.model) \(.requirement) \(.verdict) \(.settled)"' "$T/easy.json")" \
  "m1 easy met true" "the report's verdict"
assert_eq "$(jq -r '.decide.models[0] | "\(.state) \(.n_stored) \(.cases_saved)"' "$T/easy.json")" \
  "passed $n_easy $((60 - n_easy))" "cases answered and saved"
"$VLMETER" report --db "$DB" > "$T/easy.txt" 2>&1 || fail "text report failed"
assert_contains "$(cat "$T/easy.txt")" "Decided early" "the text report's table"

# --- not met, early
plan "$T/hard.yaml" "{hard: 0.5}"
DB=$T/hard.db
"$VLMETER" run "$T/hard.yaml" --db "$DB" -q > "$T/hard.log" 2>&1 || { cat "$T/hard.log"; fail "decide run (hard) failed"; }
n_hard=$(sql "SELECT count(*) FROM cases")
[ "$n_hard" -ge 2 ] && [ "$n_hard" -le 32 ] || fail "hard >= 0.5 should fail by the 32nd draw; $n_hard cases answered"
assert_eq "$(sql "SELECT verdict || '|' || state FROM decisions")" "-1|failed" "not met: the model stops"

# --- killed midway, resumed in the same order
DB=$T/resume.db
"$VLMETER" run "$T/easy.yaml" --db "$DB" -q > "$T/r1.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  n=$(sqlite3 "$DB" "SELECT count(*) FROM cases" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 3 ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.02
done
kill -9 $pid 2>/dev/null || fail "the run finished before it could be killed"
wait $pid 2>/dev/null || true
killed_at=$(sql "SELECT count(*) FROM cases")
[ "$killed_at" -lt "$n_easy" ] || fail "killed after $killed_at cases, not before the verdict ($n_easy)"
"$VLMETER" run "$T/easy.yaml" --db "$DB" -q > "$T/r2.log" 2>&1 || { cat "$T/r2.log"; fail "resumed run failed"; }
order() { sqlite3 "$1" "SELECT group_concat(case_id, ' ') FROM (SELECT case_id FROM answers ORDER BY created_at, rowid)"; }
assert_eq "$(order "$DB")" "$(order "$T/easy.db")" "the resumed run answers the same cases in the same order"
assert_eq "$(sql "SELECT verdict, n_used FROM decisions")" "1|$n_easy" "and settles at the same case"
assert_eq "$(sql "SELECT count(*) FROM cases WHERE run_id = 1")" "$killed_at" "cases of the killed run kept"
# A third run finds every verdict settled and answers nothing.
"$VLMETER" run "$T/easy.yaml" --db "$DB" > "$T/r3.log" 2>&1 || { cat "$T/r3.log"; fail "third run failed"; }
assert_eq "$(sql "SELECT count(*) FROM answers WHERE run_id = 3")" 0 "answers of a third run"

# --- escalate: models in order, the first meeting every requirement ends the run
cat > "$T/esc.yaml" <<YAML
suites: [s.jsonl]
settings: {max_tokens: 6, threads: 1, parallel: 1}
models:
  - {name: other, model: $DEMO/models/llava/model.gguf, mmproj: $DEMO/models/llava/mmproj.gguf}
  - {name: m1, model: $DEMO/models/qwen3vl/model.gguf, mmproj: $DEMO/models/qwen3vl/mmproj.gguf}
  - {name: later, model: $DEMO/models/qwen3vl/model.gguf, mmproj: $DEMO/models/qwen3vl/mmproj.gguf, settings: {seed: 3}}
requirements:
  min_accuracy: {easy: 0.5}
decide: {seed: 7, escalate: true}
YAML
DB=$T/esc.db
"$VLMETER" run "$T/esc.yaml" --db "$DB" > "$T/esc.log" 2>&1 || { cat "$T/esc.log"; fail "escalate run failed"; }
assert_eq "$(sql "SELECT group_concat(name || ':' || state, ' ') FROM (SELECT m.name, d.state FROM decisions d JOIN models m ON m.id = d.model_id ORDER BY m.id)")" \
  "other:failed m1:passed" "the other model fails, m1 passes"
assert_eq "$(sql "SELECT count(*) FROM models WHERE name = 'later'")" 0 "the model after the first to pass is not run"
assert_contains "$(cat "$T/esc.log")" "model later: not run: m1 met every requirement first" "the run says why"
# A p95 no model can meet (0.001 ms): m1 passes on accuracy but the run goes on to `later`.
sed -e 's/  min_accuracy: {easy: 0.5}/  min_accuracy: {easy: 0.5}\n  max_p95_ms: 0.001/' "$T/esc.yaml" > "$T/esc2.yaml"
DB=$T/esc2.db
"$VLMETER" run "$T/esc2.yaml" --db "$DB" > "$T/esc2.log" 2>&1 || { cat "$T/esc2.log"; fail "escalate run (p95) failed"; }
assert_contains "$(cat "$T/esc2.log")" "model m1: meets every accuracy requirement but p95" "the run says why it goes on"
assert_eq "$(sql "SELECT group_concat(name, ' ') FROM (SELECT name FROM models ORDER BY id)")" "other m1 later" \
  "every model runs when none meets the p95"

# --- screen: every model answers the first 20% of the draw (ceil(0.2 x 60) = 12
# cases), then those not failed the rest. Neither model settles within 12 (they
# need $n_easy each, as above), so the answers go: other's 12, m1's 12, then
# other's and m1's last ones.
sed -e 's/decide: {seed: 7, escalate: true}/decide: {seed: 7, screen: 0.2}/' -e '/name: later/d' "$T/esc.yaml" > "$T/screen.yaml"
DB=$T/screen.db
"$VLMETER" run "$T/screen.yaml" --db "$DB" > "$T/screen.log" 2>&1 || { cat "$T/screen.log"; fail "screen run failed"; }
assert_contains "$(cat "$T/screen.log")" "screening every model on the first 12 of 60 cases" "the run says so"
rest=$((n_easy - 12))
want=$(printf 'other%.0s ' $(seq 12); printf 'm1%.0s ' $(seq 12); printf 'other%.0s ' $(seq $rest); printf 'm1%.0s ' $(seq $rest) | sed 's/ $//')
assert_eq "$(sql "SELECT group_concat(m.name, ' ') FROM (SELECT model_id FROM answers ORDER BY created_at, rowid) a JOIN models m ON m.id = a.model_id")" \
  "$want" "screened first, the rest after"
assert_eq "$(sql "SELECT group_concat(state, ' ') FROM (SELECT state FROM decisions ORDER BY model_id)")" "failed passed" "the verdicts"
# --- a remote model answering 4 cases at once (one worker each): it stops
# too, at most 3 cases past the one that settled the verdict (those in flight).
source "$(dirname "$0")/remote_lib.sh"
start_server qwen3vl -np 4 -c 8192
sed -e "s|  - {name: m1, model: .*|  - {name: srv, url: \"http://127.0.0.1:$SERVER_PORT/v1\", model_id: m, settings: {concurrency: 4}}|" \
  "$T/hard.yaml" > "$T/remote.yaml"
DB=$T/remote.db
"$VLMETER" run "$T/remote.yaml" --db "$DB" -q > "$T/remote.log" 2>&1 || { cat "$T/remote.log"; fail "remote decide run failed"; }
n_remote=$(sql "SELECT count(*) FROM cases")
[ "$n_remote" -le 35 ] || fail "the remote model should stop by the 32nd draw (+3 in flight); $n_remote cases answered"
assert_eq "$(sql "SELECT verdict || '|' || state FROM decisions")" "-1|failed" "the remote model's verdict"
echo "decide: easy met after $n_easy cases, hard not met after $n_hard (remote: $n_remote), resumed from $killed_at"
