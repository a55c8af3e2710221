# Scoring and reporting from the store: every turn with an expected answer is
# scored; fixed references and a new scorer re-score without running a model;
# judge verdicts are stored and reused; every report format carries the same
# figures, and model text stays inert.
source "$(dirname "$0")/lib.sh"
cp -r "$DEMO/suite" "$T/suite"
SUITE=$T/suite/demo.jsonl
specs=(); for a in $ARCHS; do specs+=(-m "$(model_spec "$a")"); done
"$VLMETER" run -s "$SUITE" --db "$DB" --max-tokens 8 -q "${specs[@]}" || fail "run failed"

with_expected=$(sql "SELECT count(*) FROM answers WHERE expected IS NOT NULL")
assert_eq "$(sql "SELECT count(*) FROM scores")" "$with_expected" "scored turns after run"
[ "$with_expected" -gt 0 ] || fail "nothing to score"

# Fixed reference: make one single-turn case's expected answer the model's own output.
CASE=$(grep -v '^#' "$SUITE" | jq -r 'select(.turns | length == 1) | .id' | head -1)
out=$(sql "SELECT output FROM answers a JOIN models m ON m.id=a.model_id WHERE m.name='llava' AND case_id='$CASE'")
jq -c --arg o "$out" --arg id "$CASE" 'if .id == $id then .expected = [$o] | .scorer = "exact" else . end' <(grep -v '^#' "$SUITE") > "$T/fixed.jsonl"
mv "$T/fixed.jsonl" "$SUITE"
msg=$("$VLMETER" score --db "$DB" -s "$SUITE")
assert_contains "$msg" "expected answers updated from the suites" "score says refs changed"
assert_eq "$(sql "SELECT s.correct FROM scores s JOIN models m ON m.id=s.model_id WHERE m.name='llava' AND case_id='$CASE'")" 1 "fixed reference scores right"
assert_eq "$(sql "SELECT scorer FROM scores s JOIN models m ON m.id=s.model_id WHERE m.name='llava' AND case_id='$CASE'")" "exact" "scorer from the suite"

# Another scorer for everything.
"$VLMETER" score --db "$DB" --scorer contains -q
assert_eq "$(sql "SELECT count(DISTINCT scorer) || scorer FROM scores")" "1contains" "override scorer"

# Judge: verdicts asked once, then reused.
mkdir -p "$T/j"   # same file name: suites are matched by name
jq -c '.scorer = "judge"' <(grep -v '^#' "$SUITE") > "$T/j/demo.jsonl"
J=$DEMO/models/llava
first=$("$VLMETER" score --db "$DB" -s "$T/j/demo.jsonl" --judge "judge=$J/model.gguf,mmproj=$J/mmproj.gguf" --max-tokens 4)
# The judge is asked once per distinct (prompt, expected, output): models that
# answer a case alike share a verdict, and an unclosed reasoning block (no
# answer) is never judged.
judged="error IS NULL AND expected IS NOT NULL AND reasoning_state IS NOT 'unclosed'"
n_judged=$(sql "SELECT count(*) FROM answers WHERE $judged")
n_distinct=$(sql "SELECT count(*) FROM (SELECT DISTINCT prompt, expected, output FROM answers WHERE $judged)")
[ "$n_distinct" -ge 20 ] || fail "only $n_distinct distinct answers to judge"
assert_contains "$first" "judge: $n_distinct asked, $((n_judged - n_distinct)) reused" "first judge pass"
assert_eq "$(sql "SELECT count(*) FROM judgments")" "$n_distinct" "verdicts stored"
second=$("$VLMETER" score --db "$DB" -s "$T/j/demo.jsonl" --judge "judge=$J/model.gguf,mmproj=$J/mmproj.gguf" --max-tokens 4)
assert_contains "$second" "judge: 0 asked, $n_judged reused" "second judge pass reuses"
"$VLMETER" score --db "$DB" -s "$SUITE" -q   # back to the suite's scorers

# Hostile model text.
sql "UPDATE answers SET output='<b>|x|</b> \"q\" <script>alert(1)</script>' WHERE rowid=(SELECT min(rowid) FROM answers)"
"$VLMETER" report --db "$DB" --format json -o "$T/r.json"
jq -e '.schema == "vlmeter-report/1"' "$T/r.json" >/dev/null || fail "schema"
n_models=$(jq '.models | length' "$T/r.json")
assert_eq "$n_models" "$(echo $ARCHS | wc -w)" "models in report"
for k in runs models categories quality yesno captions by_turn pairs cases; do
  jq -e "has(\"$k\")" "$T/r.json" >/dev/null || fail "report lacks $k"
done
jq -e '[.quality[] | select(.ci_low > .accuracy or .ci_high < .accuracy)] | length == 0' "$T/r.json" >/dev/null || fail "interval does not hold accuracy"
# One paired test per pair of models: n (n - 1) / 2.
jq -e --argjson n "$n_models" '.pairs | length == $n * ($n - 1) / 2 and all(.[]; .p_value <= 1 and .p_value > 0)' \
  "$T/r.json" >/dev/null || fail "pairs: want one per pair of the $n_models models"
jq -e '[.by_turn[] | .turn] | index(1) != null' "$T/r.json" >/dev/null || fail "no second turn in by_turn"
acc=$(jq -r '.models[0].quality.accuracy' "$T/r.json")
# The overall accuracy equals credit over scored turns in the store.
want=$(sql "SELECT total(CASE WHEN s.scorer IN ('anls','vqa') THEN s.score ELSE s.correct END)*1.0/count(*) FROM scores s JOIN models m ON m.id=s.model_id WHERE m.name=(SELECT min(name) FROM models) AND s.scorer NOT IN ('bleu','cider')")
awk -v a="$acc" -v b="$want" 'BEGIN {exit !((a-b)^2 < 1e-12)}' || fail "accuracy $acc != $want"

"$VLMETER" report --db "$DB" --format md -o "$T/r.md"
grep -q '^| category |' "$T/r.md" || fail "md quality table"
grep -q '&lt;script&gt;' "$T/r.md" || fail "md does not escape model text"
grep -q '<script>' "$T/r.md" && fail "raw <script> in md"
grep -q '\\|x\\|' "$T/r.md" || fail "md does not escape pipes"
"$VLMETER" report --db "$DB" --format csv -o "$T/r.csv"
# Every CSV line starts with its table's id; the quality table's "all" row has
# one cell per model, the same text as the terminal table's.
assert_eq "$(grep '^"quality",' "$T/r.csv" | head -1 | cut -d, -f1-2)" '"quality","category"' "csv quality header"
assert_eq "$(grep '^"quality","all",' "$T/r.csv" | awk -F'","' '{print NF}')" "$((n_models + 2))" "csv all row"
"$VLMETER" report --db "$DB" > "$T/r.txt"
grep -q "Speed and memory" "$T/r.txt" || fail "table report"
first=$(grep '^"quality","all",' "$T/r.csv" | awk -F'","' '{print $3}')
grep '^all ' "$T/r.txt" | head -1 | grep -qF " $first" || fail "the first model's overall accuracy '$first' differs between csv and text"
true
