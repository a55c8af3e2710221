# Sweeps (docs/plan-format.md, "Sweeps"): a plan's 2x2 sweep (two image budgets
# the forged qwen3vl follows x a plain and a suffixed prompt) becomes four rows
# with derived names; the local model is loaded once per budget (the rows of a
# budget share the load: one model_loads row with load_ms > 0 per budget), and a
# later model differing only in its system prompt shares the last load; a run
# killed with SIGKILL after the first row is stored resumes without answering
# again what is stored; the suffix reaches the prompt; `seeds:` gives a row per
# seed of a sampling setting on the same load, and the report's spread.
source "$(dirname "$0")/lib.sh"
Q=$DEMO/models/qwen3vl
cp "$(first_image)" "$T/a.png"
: > "$T/s.jsonl"
for i in 1 2 3 4 5 6; do
  echo "{\"id\":\"c$i\",\"images\":[\"a.png\"],\"turns\":[\"<image> What is it? ($i)\"]}" >> "$T/s.jsonl"
done
cat > "$T/plan.yaml" <<YAML
db: vlmeter.db
suites: [s.jsonl]
settings: {max_tokens: 24, threads: 1}
models:
  - name: q
    model: $Q/model.gguf
    mmproj: $Q/mmproj.gguf
    sweep:
      image_max_tokens: [16, 64]
      prompt_suffix: {plain: "", zh: "请用中文回答。"}
YAML
rows="q@img16+plain q@img16+zh q@img64+plain q@img64+zh"
row_sql() { sql "SELECT group_concat(name, ' ') FROM (SELECT name FROM models ORDER BY id)"; }

# A fresh run on a copy, to the end: four rows, two loads.
# A plain model after the sweep with the last row's budget and a system prompt
# shares that row's load too (it differs only in system and prompt_suffix).
mkdir "$T/fresh"
cp "$T/s.jsonl" "$T/a.png" "$T/fresh/"
cat "$T/plan.yaml" - > "$T/fresh/plan.yaml" <<YAML
  - name: sys
    model: $Q/model.gguf
    mmproj: $Q/mmproj.gguf
    settings: {image_max_tokens: 64, system: "You are a terse assistant."}
YAML
DB=$T/fresh/vlmeter.db
"$VLMETER" run "$T/fresh/plan.yaml" > "$T/fresh.log" 2>&1 || { cat "$T/fresh.log"; fail "fresh run failed"; }
assert_eq "$(row_sql)" "$rows sys" "the rows, in sweep order, then the plain model"
assert_eq "$(sql "SELECT count(*) FROM cases WHERE status='done'")" 30 "5 models x 6 cases"
assert_eq "$(sql "SELECT count(*) FROM model_loads WHERE load_ms > 0")" 2 "the model is loaded once per budget"
assert_eq "$(sql "SELECT group_concat(name, ' ') FROM (SELECT m.name FROM model_loads l JOIN models m ON m.id=l.model_id WHERE l.load_ms = 0 ORDER BY m.id)")" \
  "q@img16+zh q@img64+zh sys" "the rows after the first of each budget share its load and claim none"
# The system message reaches the prompt: same image tokens, more prompt tokens than the plain row's.
assert_eq "$(sql "SELECT count(*) FROM answers p JOIN answers y ON p.case_id=y.case_id
    WHERE p.model_id=(SELECT id FROM models WHERE name='q@img64+plain') AND y.model_id=(SELECT id FROM models WHERE name='sys')
    AND y.n_image_tokens = p.n_image_tokens AND y.n_prompt_tokens > p.n_prompt_tokens")" 6 "the system prompt lengthens every prompt"
assert_contains "$(cat "$T/fresh.log")" "model q@img16+zh: shares the model load of q@img16+plain" "the run says so"
# The budget differs between the pairs, the suffix within them (helper C groups by these).
assert_eq "$(sql "SELECT json_extract(settings, '\$.image_max_tokens') || '/' || ifnull(json_extract(settings, '\$.prompt_suffix'), '-') FROM models WHERE name LIKE 'q@%' ORDER BY id" | tr '\n' ' ')" \
  "16/- 16/请用中文回答。 64/- 64/请用中文回答。 " "each row's dials in its settings"
# The suffix reaches the prompt: same image tokens, more prompt tokens (" 请用中文回答。" is at least one token).
for b in 16 64; do
  assert_eq "$(sql "SELECT count(*) FROM answers p JOIN answers z ON p.case_id=z.case_id
      WHERE p.model_id=(SELECT id FROM models WHERE name='q@img$b+plain') AND z.model_id=(SELECT id FROM models WHERE name='q@img$b+zh')
      AND z.n_image_tokens = p.n_image_tokens AND z.n_prompt_tokens > p.n_prompt_tokens")" 6 "budget $b: the suffix lengthens every prompt"
  n=$(sql "SELECT DISTINCT n_image_tokens FROM answers a JOIN models m ON m.id=a.model_id WHERE m.name LIKE 'q@img$b+%'")
  [ "$n" -gt 0 ] && [ "$n" -le "$b" ] || fail "budget $b: $n image tokens"
done
[ "$(sql "SELECT DISTINCT n_image_tokens FROM answers a JOIN models m ON m.id=a.model_id WHERE m.name='q@img16+plain'")" -lt \
  "$(sql "SELECT DISTINCT n_image_tokens FROM answers a JOIN models m ON m.id=a.model_id WHERE m.name='q@img64+plain'")" ] ||
  fail "the two budgets give the same image tokens: the rows did not get their own budget"

# Seeds: temp [0, 0.8] with `seeds: 2` gives the greedy row once and a row per seed of the sampled one,
# all on one load (the seed is a per-request setting); the report's sampling section groups them.
mkdir "$T/seeds"
cp "$T/a.png" "$T/seeds/"
head -2 "$T/s.jsonl" | jq -c '.expected = ["x"] | .scorer = "exact"' > "$T/seeds/s.jsonl"
cat > "$T/seeds/plan.yaml" <<YAML
db: vlmeter.db
suites: [s.jsonl]
settings: {max_tokens: 4, threads: 1, image_max_tokens: 16}
models:
  - name: q
    model: $Q/model.gguf
    mmproj: $Q/mmproj.gguf
    sweep:
      temp: [0, 0.8]
      seeds: 2
YAML
DB=$T/seeds/vlmeter.db
"$VLMETER" run "$T/seeds/plan.yaml" > "$T/seeds.log" 2>&1 || { cat "$T/seeds.log"; fail "seeds run failed"; }
assert_eq "$(row_sql)" "q@t0 q@t0.8+s42 q@t0.8+s43" "one greedy row, one row per seed"
assert_eq "$(sql "SELECT group_concat(json_extract(settings, '\$.seed'), ' ') FROM (SELECT settings FROM models ORDER BY id)")" \
  "42 42 43" "each seed row's seed in its settings"
assert_eq "$(sql "SELECT count(*) FROM model_loads WHERE load_ms > 0")" 1 "the seed rows share the one load"
# Accuracies 1/2 and 0/2 over the seeds: mean 0.25, sample sd sqrt(2 x 0.0625 / 1) = 0.353553.
sql "UPDATE scores SET correct = (model_id = (SELECT id FROM models WHERE name='q@t0.8+s42') AND case_id='c1')"
"$VLMETER" report --db "$DB" --format json -o "$T/seeds.json"
jq -e '.sampling[0].name == "q" and ([.sampling[0].settings[].label] == ["temp 0", "temp 0.8"])
       and .sampling[0].greedy == "temp 0"' "$T/seeds.json" >/dev/null || fail "sampling groups: $(jq -c .sampling "$T/seeds.json")"
jq -e '.sampling[0].rows[] | select(.setting == "temp 0.8" and .category == null)
       | .n_seeds == 2 and (.mean - 0.25 | fabs) < 1e-9 and (.sd - 0.353553 | fabs) < 1e-5 and (.vs_greedy - 0.25 | fabs) < 1e-9' \
  "$T/seeds.json" >/dev/null || fail "the spread over seeds: $(jq -c .sampling "$T/seeds.json")"

# Killed with SIGKILL once the first row's six cases are stored.
DB=$T/vlmeter.db
"$VLMETER" run "$T/plan.yaml" > "$T/run1.log" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do
  n=$(sqlite3 "$DB" "SELECT count(*) FROM cases" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 6 ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
kill -9 $pid 2>/dev/null || fail "the run finished before it could be killed"
wait $pid 2>/dev/null || true
before=$(sql "SELECT count(*) FROM cases")
[ "$before" -ge 6 ] && [ "$before" -lt 24 ] || fail "killed at $before of 24 cases, not midway"
sql "SELECT a.model_id||'/'||a.case_id||'/'||a.run_id||'/'||a.created_at FROM answers a JOIN cases c
     ON c.model_id=a.model_id AND c.case_id=a.case_id ORDER BY 1" > "$T/kept.txt"

"$VLMETER" run "$T/plan.yaml" > "$T/run2.log" 2>&1 || { cat "$T/run2.log"; fail "resumed run failed"; }
assert_eq "$(row_sql)" "$rows" "the rows after resuming"
assert_eq "$(sql "SELECT count(*) FROM cases WHERE status='done'")" 24 "finished cases"
assert_eq "$(sql "SELECT count(*) FROM answers")" 24 "one answer per row x case"
sql "SELECT a.model_id||'/'||a.case_id||'/'||a.run_id||'/'||a.created_at FROM answers a JOIN cases c
     ON c.model_id=a.model_id AND c.case_id=a.case_id WHERE a.run_id=1 ORDER BY 1" > "$T/after.txt"
diff "$T/kept.txt" "$T/after.txt" || fail "answers finished before the kill were answered again"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE run_id=2")" "$((24 - before))" "the resumed run answered only the rest"
# The first row was whole before the kill: the resumed run did not load for it.
assert_eq "$(sql "SELECT count(*) FROM model_loads l JOIN models m ON m.id=l.model_id WHERE l.run_id=2 AND m.name='q@img16+plain'")" 0 \
  "a row whose cases are all stored forces no load"
# A third run has nothing to do and loads nothing.
"$VLMETER" run "$T/plan.yaml" > "$T/run3.log" 2>&1 || fail "third run failed"
assert_eq "$(sql "SELECT count(*) FROM model_loads WHERE run_id=3")" 0 "a finished sweep loads nothing"
echo OK
