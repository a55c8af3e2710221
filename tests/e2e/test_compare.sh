# `vlmeter compare BASE NEW` through the CLI (docs/compare.md): a forged model
# answers four demo cases into a real store; SQL then copies them into 24
# cases and a second model "new", and sets the scores and e2e times the checks
# need. Exit codes 1 (a significant drop, slower p95), 0 (noise, within the
# limits) and 2 (usage, unknown model, missing store), the Markdown verdict
# line, --new-db, and figures equal to the report's.
source "$(dirname "$0")/lib.sh"
SUITE=$T/small.jsonl
grep -v '^#' "$DEMO/suite/demo.jsonl" | head -4 > "$SUITE"
cp -r "$DEMO/suite/images" "$T/images"
set -- $ARCHS
"$VLMETER" run -s "$SUITE" --db "$DB" --max-tokens 4 -q -m "$(model_spec "$1" base)" || fail "run failed"

# Copy every row of table $1 of model id $2 through the SQL update $3.
copy_rows() {
  sql "CREATE TEMP TABLE x AS SELECT * FROM $1 WHERE model_id=$2; UPDATE x SET $3;
       INSERT INTO $1 SELECT * FROM x; DROP TABLE x;"
}
BASE_ID=$(sql "SELECT id FROM models WHERE name='base'")
for k in 1 2 3 4 5; do  # 4 cases -> 24: c, c#1 .. c#5
  for t in cases answers scores; do
    sql "CREATE TEMP TABLE x AS SELECT * FROM $t WHERE case_id NOT LIKE '%#%'; UPDATE x SET case_id=case_id||'#$k';
         INSERT INTO $t SELECT * FROM x; DROP TABLE x;"
  done
done
sql "INSERT INTO models(name, settings) SELECT 'new', settings FROM models WHERE name='base'"
NEW_ID=$(sql "SELECT id FROM models WHERE name='new'")
for t in cases answers scores model_loads; do copy_rows $t "$BASE_ID" "model_id=$NEW_ID"; done
assert_eq "$(sql "SELECT count(*) FROM scores WHERE model_id=$NEW_ID")" 24 "new has 24 scored turns"

# Scores: base right everywhere, e2e 100 ms; new wrong where the SQL condition $1 holds.
set_scores() {
  sql "UPDATE scores SET correct=1, score=1; UPDATE answers SET e2e_ms=100;
       UPDATE scores SET correct=0, score=0 WHERE model_id=$NEW_ID AND ($1)"
}
compare() { "$VLMETER" compare "$@"; }
rc_of() { set +e; "$@" > "$T/out" 2> "$T/err"; echo $?; set -e; }

# A significant drop: new wrong on copies #1 and #2 of each of the 4 cases (2
# per category: b = 2, c = 0, p = 2 / 4 = 0.5 in each category). Overall b = 8,
# c = 0, p = 2 / 2^8 = 0.0078125; 24 -> 16 of 24: 100 * (16 - 24) / 24 = -33.3
# points. Holm over the 5 rows (overall and 4 categories): the smallest p,
# overall's, becomes 5 x 0.0078125 = 0.0390625 < 0.05. Exit 1; the Markdown's
# first line says why.
set_scores "case_id LIKE '%#1' OR case_id LIKE '%#2'"
assert_eq "$(rc_of compare base new --db "$DB" --format md)" 1 "significant drop exits 1"
assert_contains "$(head -1 "$T/out")" \
  "**FAIL**: new vs base: overall dropped 33.3 points (100.0% → 66.7%, Holm-adjusted McNemar p = 0.03906, b = 8, c = 0)" "verdict line"
assert_contains "$(cat "$T/out")" "| overall | 24 | 0 | 0 | 100.0% | 66.7% | -33.3 |" "the overall row"
assert_contains "$(cat "$T/out")" "| colors | 6 | 0 | 0 | 100.0% | 66.7% | -33.3 |" "a category row"
# --max-drop above the drop passes; below it fails
assert_eq "$(rc_of compare base new --db "$DB" --max-drop 34)" 0 "a drop within --max-drop passes"
assert_eq "$(rc_of compare base new --db "$DB" --max-drop 33)" 1 "a drop beyond --max-drop fails"

# Noise: new wrong on 2 cases base got right, right on 1 base got wrong:
# b = 2, c = 1, p = 2 * (1 + 3) / 8 = 1. Exit 0, verdict PASS.
set_scores "case_id LIKE 'colors%#1' OR case_id LIKE 'shapes%#1'"
sql "UPDATE scores SET correct=0, score=0 WHERE model_id=$BASE_ID AND case_id LIKE 'counting%#3'"
assert_eq "$(rc_of compare base new --db "$DB" --format json)" 0 "noise exits 0"
assert_eq "$(jq -c '.quality[0] | [.category, .b, .c, .p_value]' "$T/out")" '[null,2,1,1]' "noise: b, c, p"
assert_eq "$(rc_of compare base new --db "$DB" --format md)" 0 "noise exits 0 (md)"
assert_contains "$(head -1 "$T/out")" "**PASS**: new vs base: no significant drop (Holm-adjusted McNemar p < 0.05) of more than 0 points" \
  "pass line"

# --max-slower: new's e2e 150 ms against 100: +50%.
sql "UPDATE answers SET e2e_ms=150 WHERE model_id=$NEW_ID"
assert_eq "$(rc_of compare base new --db "$DB" --max-slower 50)" 0 "+50% within --max-slower 50"
assert_eq "$(rc_of compare base new --db "$DB" --max-slower 40 --format md)" 1 "+50% beyond --max-slower 40"
assert_contains "$(head -1 "$T/out")" "e2e p95 rose 50.0% (100.0 ms → 150.0 ms), more than 40%" "slower verdict"

# One truth: compare's figures are the report's for the same model (the
# report's JSON keeps 6 significant digits, compare's every digit).
"$VLMETER" report --db "$DB" --format json > "$T/rep.json" || fail "report failed"
rc_of compare base new --db "$DB" --format json > /dev/null
same() {  # jq path in compare's output, jq path in the report, what
  local a b
  a=$(jq "$1" "$T/out") b=$(jq "$2" "$T/rep.json")
  [ "$(jq -n "($a - $b) | fabs <= 1e-5 * ($b | fabs)")" = true ] || fail "$3: compare $a, report $b"
}
same '.speed[] | select(.figure=="e2e_ms_p50") | .new' '.models[] | select(.name=="new") | .speed.e2e_ms.p50' \
  "e2e p50 equals the report's"
same '.speed[] | select(.figure=="ttft_ms_p50") | .base' '.models[] | select(.name=="base") | .speed.ttft_ms.p50' \
  "TTFT p50 equals the report's"
same '.speed[] | select(.figure=="load_ms") | .base' '.models[] | select(.name=="base") | .load_ms' \
  "load ms equals the report's"
same '.speed[] | select(.figure=="rss_peak_bytes") | .base' '.models[] | select(.name=="base") | .rss_peak_bytes' \
  "peak RSS equals the report's"

# --new-db: NEW from another store (same name on both sides is allowed).
cp "$DB" "$T/new.db"
sqlite3 "$T/new.db" "UPDATE scores SET correct=0, score=0 WHERE model_id=$BASE_ID AND case_id IN
  (SELECT case_id FROM scores WHERE model_id=$BASE_ID ORDER BY case_id LIMIT 10)"
assert_eq "$(rc_of compare base base --db "$DB" --new-db "$T/new.db" --format md)" 1 "--new-db: a drop"
assert_contains "$(head -1 "$T/out")" "**FAIL**: base vs base: overall dropped" "--new-db verdict"
assert_contains "$(cat "$T/out")" "NEW \`base\` in \`$T/new.db\`" "names NEW's store"
assert_eq "$(rc_of compare base base --db "$DB")" 0 "a model against itself"

# Exit 2: unknown model (the store named, its models listed), no store, bad options.
assert_eq "$(rc_of compare base nope --db "$DB")" 2 "unknown model exits 2"
assert_contains "$(cat "$T/err")" "no model 'nope' in store '$DB' (it has: base, new)" "unknown model message"
# a model with no scored turn: nothing shared, and a gate with no data must not pass
cp "$DB" "$T/unscored.db"
sqlite3 "$T/unscored.db" "DELETE FROM scores WHERE model_id=$NEW_ID"
assert_eq "$(rc_of compare base new --db "$T/unscored.db")" 2 "nothing shared exits 2"
assert_contains "$(cat "$T/err")" "nothing to compare" "says there is nothing to compare"
assert_eq "$(rc_of compare base new --db "$T/none.db")" 2 "missing store exits 2"
assert_contains "$(cat "$T/err")" "no store at '$T/none.db'" "missing store message"
[ ! -e "$T/none.db" ] || fail "a missing store was created"
assert_eq "$(rc_of compare base --db "$DB")" 2 "one model exits 2"
assert_eq "$(rc_of compare base new --db "$DB" --alpha 0)" 2 "alpha 0 exits 2"
assert_eq "$(rc_of compare base new --db "$DB" --max-drop x)" 2 "a bad number exits 2"
assert_eq "$(rc_of compare base new --db "$DB" --format html)" 2 "html is not a compare format"
echo "ok"
