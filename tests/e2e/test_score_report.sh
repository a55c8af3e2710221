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
# Random weights get nearly everything wrong: give the models varied verdicts
# (a fixed pattern per model, case and turn) so that accuracies, intervals and
# paired tests below differ from model to model.
# (every third model right everywhere, so some pairs differ one way only)
sql "UPDATE scores SET correct = (model_id % 3 = 0 OR (model_id + length(case_id) + unicode(case_id) + turn) % 4 = 0)
     WHERE scorer NOT IN ('anls','vqa','bleu','cider')"
"$VLMETER" report --db "$DB" --format json -o "$T/r.json"
jq -e '.schema == "vlmeter-report/1"' "$T/r.json" >/dev/null || fail "schema"
n_models=$(jq '.models | length' "$T/r.json")
assert_eq "$n_models" "$(echo $ARCHS | wc -w)" "models in report"
for k in runs models categories quality yesno captions by_turn pairs cases; do
  jq -e "has(\"$k\")" "$T/r.json" >/dev/null || fail "report lacks $k"
done
jq -e '[.quality[] | select(.ci_low > .accuracy or .ci_high < .accuracy)] | length == 0' "$T/r.json" >/dev/null || fail "interval does not hold accuracy"
# One paired test per pair of models: n (n - 1) / 2.
jq -e --argjson n "$n_models" '.pairs | length == $n * ($n - 1) / 2' "$T/r.json" >/dev/null ||
  fail "pairs: want one per pair of the $n_models models"
jq -e '[.by_turn[] | .turn] | index(1) != null' "$T/r.json" >/dev/null || fail "no second turn in by_turn"
# Every model's accuracy, its Wilson interval and every pair's McNemar test,
# recomputed here in awk from the stored scores by the definitions of
# docs/report-schema.md (credit: the score for anls and vqa, else 1 when
# correct; bleu and cider left out; pairs on the turns both scored, `correct`
# as the outcome; p = min(1, 2 sum_{k <= min(b,c)} C(b+c, k) / 2^(b+c))).
sqlite3 -separator '|' "$DB" "SELECT m.name, s.suite, s.case_id, s.turn, s.scorer, s.score, s.correct
                              FROM scores s JOIN models m ON m.id = s.model_id" > "$T/scores.txt"
LC_ALL=C awk -F'|' '
  function wilson(k, n,   z, z2, p, c, h) {
    z = 1.959963984540054; z2 = z * z; p = k / n
    c = (p + z2 / (2 * n)) / (1 + z2 / n); h = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    lo = (k <= 0 || c - h < 0) ? 0 : c - h; hi = (k >= n || c + h > 1) ? 1 : c + h }
  function mcnemar(b, c,   n, k, t, pk, m) {
    n = b + c; if (n == 0) return 1
    m = b < c ? b : c; pk = 2 ^ -n; t = 0
    for (k = 0; k <= m; k++) { t += pk; pk = pk * (n - k) / (k + 1) }
    return 2 * t > 1 ? 1 : 2 * t }
  $5 == "bleu" || $5 == "cider" { next }
  { credit = ($5 == "anls" || $5 == "vqa") ? $6 : ($7 == 1)
    n[$1]++; cr[$1] += credit; models[$1] = 1
    k = $2 SUBSEP $3 SUBSEP $4; keys[k] = 1; has[$1, k] = 1; ok[$1, k] = ($7 == 1) }
  END {
    for (m in models) { wilson(cr[m], n[m]); printf "model %s %d %.9g %.9g %.9g %.9g\n", m, n[m], cr[m], cr[m] / n[m], lo, hi }
    for (a in models) for (b in models) if (a < b) {
      s = 0; x = 0; y = 0
      for (k in keys) if (has[a, k] && has[b, k]) { s++; if (ok[a, k] && !ok[b, k]) x++; if (ok[b, k] && !ok[a, k]) y++ }
      printf "pair %s %s %d %d %d %.9g\n", a, b, s, x, y, mcnemar(x, y) } }' "$T/scores.txt" | sort > "$T/want.txt"
jq -r '(.models[] | "model \(.name) \(.quality.n) \(.quality.credit) \(.quality.accuracy) \(.quality.ci_low) \(.quality.ci_high)"),
       (.pairs[] | "pair \(.a) \(.b) \(.n_shared) \(.a_only) \(.b_only) \(.p_value)")' "$T/r.json" | sort > "$T/got.txt"
[ "$(wc -l < "$T/want.txt")" -eq $((n_models + n_models * (n_models - 1) / 2)) ] || fail "recomputed $(wc -l < "$T/want.txt") rows"
# (the JSON holds 6 significant digits)
paste -d' ' "$T/want.txt" "$T/got.txt" | awk '{ h = NF / 2
  if ($1 != $(h + 1) || $2 != $(h + 2) || ($1 == "pair" && $3 != $(h + 3))) { print "rows differ: " $0; bad = 1; next }
  for (i = ($1 == "pair" ? 4 : 3); i <= h; i++) { w = $i; g = $(h + i); d = w - g; if (d < 0) d = -d
    if (g == "null" || d > 1e-5 * (w < 0 ? -w : w) + 1e-9) { print "differs at field " i ": want " $0; bad = 1 } } }
  END { exit bad }' || fail "accuracy, interval or McNemar test differs from the recomputed one"

# Credit worked out by hand (docs/report-schema.md): one model, five turns with
# the outputs set in the store, then scored:
#   exact "cat" <- "cat": 1;   exact "dog" <- "cow": 0;
#   anls "abcd" <- "abce": 1 - 1/4 = 0.75;
#   vqa ["red", "red", "blue", "green"] <- "red": 2 of 4 match; each reference
#     left out in turn, the others give min(1, matches / 3): 1/3 (twice, a "red"
#     left out), 2/3 (twice): mean 0.5;
#   exact "x", the turn failed: 0, counted.
# credit 2.25 of 5 = 0.45; Wilson: p = .45, z² = 3.84146, centre (.45 + .384146)
# / 1.768292 = .471724, half 1.959964 x sqrt(.0495 + .0384146) / 1.768292 =
# .328643: .143081 .. .800367.
{
  echo '{"id":"a","prompt":"a","answer":"cat","scorer":"exact"}'
  echo '{"id":"b","prompt":"b","answer":"dog","scorer":"exact"}'
  echo '{"id":"c","prompt":"c","answer":"abcd","scorer":"anls"}'
  echo '{"id":"d","prompt":"d","answer":["red","red","blue","green"],"scorer":"vqa"}'
  echo '{"id":"e","prompt":"e","answer":"x","scorer":"exact"}'
} > "$T/credit.jsonl"
CDB=$T/credit.db
"$VLMETER" run -q -s "$T/credit.jsonl" --db "$CDB" --max-tokens 2 -m "$(model_spec llava)" || fail "credit run failed"
sqlite3 "$CDB" "UPDATE answers SET output = CASE case_id WHEN 'a' THEN 'cat' WHEN 'b' THEN 'cow' WHEN 'c' THEN 'abce'
                WHEN 'd' THEN 'red' END; UPDATE answers SET output = NULL, error = 'injected' WHERE case_id = 'e';
                UPDATE cases SET status = 'error', error = 'injected' WHERE case_id = 'e'"
"$VLMETER" score --db "$CDB" -q
"$VLMETER" report --db "$CDB" --format json -o "$T/credit.json"
jq -e 'def near(x; y): ((x - y) | fabs) <= 1e-5;
  .models[0].quality | .n == 5 and near(.credit; 2.25) and near(.accuracy; 0.45) and near(.ci_low; 0.143081)
  and near(.ci_high; 0.800367)' "$T/credit.json" >/dev/null ||
  { jq '.models[0].quality' "$T/credit.json"; sqlite3 "$CDB" "SELECT case_id, scorer, score, correct FROM scores"
    fail "credit of soft scores and a failed turn"; }

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
