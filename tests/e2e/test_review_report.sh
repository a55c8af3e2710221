# Human review in the report (docs/scoring.md, "Human review"): human
# verdicts written beside the scores move every quality figure and the
# recommendation by exactly what they change, the scores rows stay as they
# were, the review section counts verdicts, changes and each scorer's
# agreement and kappa; blind votes give win rates and a Bradley-Terry ranking;
# every format shows both; export carries verdicts and merge copies verdicts
# and votes with their model ids remapped. Expected values are worked out by
# hand in the comments.
source "$(dirname "$0")/lib.sh"
SUITE=$T/small.jsonl
grep -v '^#' "$DEMO/suite/demo.jsonl" | head -4 > "$SUITE"
cp -r "$DEMO/suite/images" "$T/images"
set -- $ARCHS
A=$1 B=$2
"$VLMETER" run -s "$SUITE" --db "$DB" --max-tokens 4 -q -m "$(model_spec "$A")" -m "$(model_spec "$B")" ||
  fail "run failed"
id() { sql "SELECT id FROM models WHERE name='$1'"; }
IA=$(id "$A") IB=$(id "$B")
# Known scores: one exact scorer everywhere; A right on every turn, B right on
# every turn but its first (in suite, case, turn order).
sql "UPDATE scores SET scorer='exact', score=correct, unparsed=0"
sql "UPDATE scores SET correct=1, score=1 WHERE model_id=$IA"
sql "UPDATE scores SET correct=1, score=1 WHERE model_id=$IB"
first() {  # model id -> "suite|case|turn" of its k-th scored turn (k from 0)
  sql "SELECT suite || '|' || case_id || '|' || turn FROM scores WHERE model_id=$1 ORDER BY suite, case_id, turn LIMIT 1 OFFSET $2"
}
IFS='|' read -r BS BC BT <<< "$(first "$IB" 0)"
sql "UPDATE scores SET correct=0, score=0 WHERE model_id=$IB AND suite='$BS' AND case_id='$BC' AND turn=$BT"
N=$(sql "SELECT count(*) FROM scores WHERE model_id=$IA")
assert_eq "$(sql "SELECT count(*) FROM scores WHERE model_id=$IB")" "$N" "both models scored the same turns"
[ "$N" -ge 3 ] || fail "only $N scored turns"

req() { { echo "suites: [$SUITE]"; echo "requirements:"; printf '  %s\n' "$@"; } > "$T/plan.yaml"; }
report() { "$VLMETER" report --db "$DB" --plan "$T/plan.yaml" "$@"; }
req "min_accuracy: {all: 1.0}" "requests_per_day: 1000"
acc() { jq -r --arg m "$2" '.models[] | select(.name == $m) | .quality.accuracy' "$1"; }
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d < 1e-9 && d > -1e-9) }'; }

# Before any verdict: A has N/N, B (N-1)/N; only A meets accuracy 1.0.
report --format json > "$T/r0.json" || fail "report failed"
near "$(acc "$T/r0.json" "$A")" 1 || fail "A's accuracy $(acc "$T/r0.json" "$A"), want 1"
near "$(acc "$T/r0.json" "$B")" "$(awk -v n="$N" 'BEGIN { print (n - 1) / n }')" || fail "B's accuracy before"
assert_eq "$(jq -r '.recommendation.chosen.model' "$T/r0.json")" "$A" "A chosen before the verdicts"
assert_eq "$(jq -c '.review | [.n_verdicts, .n_changed, .scorers]' "$T/r0.json")" '[0,0,[]]' "no verdicts yet"
assert_eq "$(jq -c '[.pairs[0] | .a_only, .b_only]' "$T/r0.json" | tr -d ' ')" \
  "$([ "$A" \< "$B" ] && echo '[1,0]' || echo '[0,1]')" "pair before: only A right on B's first turn"

# Verdicts: B's wrong first turn is right (changes it); A's second turn is
# wrong (changes it: A's older "right" there is superseded by the later
# "wrong"); A's third turn gets score 0.8 (right, agrees with the scorer).
IFS='|' read -r A2S A2C A2T <<< "$(first "$IA" 1)"
IFS='|' read -r A3S A3C A3T <<< "$(first "$IA" 2)"
put() {  # model suite case turn verdict score created_at
  sql "INSERT INTO verdicts(model_id, suite, case_id, turn, verdict, score, comment, reviewer, created_at, answer_output)
       SELECT $1, '$2', '$3', $4, '$5', $6, 'c', 'ann', '$7', output FROM answers
       WHERE model_id=$1 AND suite='$2' AND case_id='$3' AND turn=$4"
}
put "$IB" "$BS" "$BC" "$BT" right 1 2026-01-02T00:00:00.000Z
put "$IA" "$A2S" "$A2C" "$A2T" wrong 0 2026-01-03T00:00:00.000Z
put "$IA" "$A2S" "$A2C" "$A2T" right 1 2026-01-01T00:00:00.000Z  # older: a merged store's row, higher id
put "$IA" "$A3S" "$A3C" "$A3T" score 0.8 2026-01-02T00:00:00.000Z
report --format json > "$T/r1.json" || fail "report failed"
# A: N - 2 turns right, one 0, one 0.8: (N - 1.2)/N, down 1.2/N; B: N/N, up 1/N.
near "$(acc "$T/r1.json" "$A")" "$(awk -v n="$N" 'BEGIN { print (n - 1.2) / n }')" || fail "A's accuracy after"
near "$(acc "$T/r1.json" "$B")" 1 || fail "B's accuracy after: $(acc "$T/r1.json" "$B")"
assert_eq "$(jq -r '.recommendation.chosen.model' "$T/r1.json")" "$B" "B chosen after the verdicts"
why=$(jq -r --arg a "$A" '[.recommendation.rejected[] | select(.model == $a) | .why][0]' "$T/r1.json")
assert_contains "$why" "accuracy all" "A rejected for accuracy"
# Paired test on `correct` (human first): A wrong only on its 2nd turn, B now right everywhere.
assert_eq "$(jq -c '[.pairs[0] | .a_only, .b_only]' "$T/r1.json" | tr -d ' ')" \
  "$([ "$A" \< "$B" ] && echo '[0,1]' || echo '[1,0]')" "pair after"
# The scorer's rows are unchanged.
assert_eq "$(sql "SELECT correct FROM scores WHERE model_id=$IB AND suite='$BS' AND case_id='$BC' AND turn=$BT")" 0 \
  "B's score row kept"
assert_eq "$(sql "SELECT sum(correct) FROM scores WHERE model_id=$IA")" "$N" "A's score rows kept"
# Review: 3 answers with a verdict, 2 changed. Scorer exact vs human: A2 scorer
# right / human wrong, A3 both right, B1 scorer wrong / human right: yy 1,
# yn 1, ny 1, nn 0; po = 1/3; both say right 2/3 of the time: pe = 4/9 + 1/9
# = 5/9; kappa = (1/3 - 5/9) / (4/9) = -0.5.
assert_eq "$(jq -c '.review | [.n_verdicts, .n_changed, .n_caption, .n_unscored]' "$T/r1.json")" '[3,2,0,0]' "counts"
assert_eq "$(jq -c '.review.scorers[0] | [.scorer, .n, .agreements, .n_scorer_right, .n_human_right]' "$T/r1.json")" \
  '["exact",3,1,2,2]' "agreement of exact"
near "$(jq '.review.scorers[0].kappa' "$T/r1.json")" -0.5 || fail "kappa $(jq '.review.scorers[0].kappa' "$T/r1.json")"
assert_eq "$(jq -c --arg a "$A" '.review.by_model[] | select(.model == $a) | [.n_verdicts, .n_changed]' "$T/r1.json")" \
  '[2,1]' "A's verdicts"
assert_eq "$(jq -c '.review.by_model[-1] | [.model, .n_verdicts]' "$T/r1.json")" '[null,3]' "total row"

# A caption answer's verdict counts in review only: B's last turn made bleu.
IFS='|' read -r BLS BLC BLT <<< "$(first "$IB" $((N - 1)))"
sql "UPDATE scores SET scorer='bleu' WHERE model_id=$IB AND suite='$BLS' AND case_id='$BLC' AND turn=$BLT"
put "$IB" "$BLS" "$BLC" "$BLT" wrong 0 2026-01-04T00:00:00.000Z
report --format json > "$T/r2.json" || fail "report failed"
near "$(acc "$T/r2.json" "$B")" 1 || fail "a caption verdict moved B's accuracy"
assert_eq "$(jq -c '.review | [.n_verdicts, .n_changed, .n_caption, .scorers[0].n]' "$T/r2.json")" '[4,2,1,3]' \
  "caption verdict counted apart"

# Every format says it near the quality table and shows the review tables.
line="4 human verdicts, 2 changed the scorer's verdict"
for f in table md html; do
  out=$(report --format "$f") || fail "report --format $f failed"
  want=$line; [ "$f" = html ] && want="4 human verdicts, 2 changed the scorer&#39;s verdict"
  assert_contains "$out" "$want" "$f: verdict line"
  assert_contains "$out" "Agreement of each scorer with the human verdicts" "$f: agreement table"
  assert_contains "$out" "-0.500" "$f: kappa"
done
csv=$(report --format csv)
assert_contains "$csv" '"review","all",4,2,1,0' "csv: review total row"
assert_contains "$csv" '"review-agreement","exact",3,1,' "csv: agreement row"

# Export: each answer row carries its human verdict, null when none.
"$VLMETER" export --db "$DB" -o "$T/e.jsonl" || fail "export failed"
assert_eq "$(jq -s '[.[] | select(.human != null)] | length' "$T/e.jsonl")" 4 "exported verdicts"
assert_eq "$(jq -s -c --arg a "$A" --arg c "$A2C" --argjson t "$A2T" \
  '.[] | select(.model == $a and .case == $c and .turn == $t) | .human | [.verdict, .score, .comment, .reviewer, .created_at]' \
  "$T/e.jsonl")" '["wrong",0,"c","ann","2026-01-03T00:00:00.000Z"]' "latest verdict exported"
assert_eq "$(jq -s '[.[] | select(has("human") | not)] | length' "$T/e.jsonl")" 0 "every row has human"

# Blind votes, in a store of their own: three models px, py, pz with the
# strengths 4 : 2 : 1 exactly (tests/unit/test_review.c): px-py 3 votes (px
# wins 1, 2 ties: 2 : 1), px-pz 5 (px wins 4), py-pz 3 (py wins 2). Geometric
# mean 1: 2, 1, 0.5. Win rates: px over py (1 + 2/2)/3 = 0.6667, Wilson 95%
# for 2 of 3: centre (2/3 + 0.640243)/2.280486 = 0.573083, half
# 1.959964 sqrt(2/27 + 3.841459/36)/2.280486 = 0.365424: 0.207659-0.938507;
# px over pz 4/5, Wilson (4 of 5): 0.375535-0.963776.
P=$T/p.db
sqlite3 "$DB" .schema | sqlite3 "$P"  # an empty store
sqlite3 "$P" "INSERT INTO models(name, settings) VALUES('px', '{}'), ('py', '{}'), ('pz', '{}')"
vote() { sqlite3 "$P" "INSERT INTO preferences(suite, case_id, turn, left_model_id, right_model_id, choice, reviewer,
  created_at) SELECT 's', 'c$RANDOM', 0, l.id, r.id, '$3', 'ann', '2026-01-01' FROM models l, models r
  WHERE l.name='$1' AND r.name='$2'"; }
vote px py left; vote py px tie; vote px py tie
vote px pz left; vote pz px right; vote px pz left; vote pz px right; vote pz px left
vote py pz left; vote pz py right; vote py pz right
"$VLMETER" report --db "$P" --format json > "$T/p.json" || fail "report of votes failed"
assert_eq "$(jq -c '.preferences.pairs[] | [.a, .b, .n, .wins_a, .wins_b, .ties]' "$T/p.json" | tr '\n' ' ')" \
  '["px","py",3,1,0,2] ["px","pz",5,4,1,0] ["py","pz",3,2,1,0] ' "pairs"
near_at() { near "$(jq "$2" "$T/$1")" "$3" || fail "$2 = $(jq "$2" "$T/$1"), want $3"; }
near_at p.json '.preferences.pairs[0].win_rate_a * 1e6 | round / 1e6' 0.666667
near_at p.json '.preferences.pairs[0].ci_low * 1e6 | round / 1e6' 0.207660
near_at p.json '.preferences.pairs[0].ci_high * 1e6 | round / 1e6' 0.938508
near_at p.json '.preferences.pairs[1].ci_low * 1e6 | round / 1e6' 0.375535
assert_eq "$(jq -c '[.preferences.ranking.models[] | .model]' "$T/p.json")" '["px","py","pz"]' "ranking order"
near_at p.json '.preferences.ranking.models[0].strength * 1e6 | round / 1e6' 2
near_at p.json '.preferences.ranking.models[1].strength * 1e6 | round / 1e6' 1
near_at p.json '.preferences.ranking.models[2].strength * 1e6 | round / 1e6' 0.5
# 11 votes: px is without a loss or tie in a resample that misses its 3 votes
# not won, with probability (8/11)^11 = 0.030 alone, so more than 2.5% of the
# 1000 resamples have no finite fit: no interval, and the report says why.
assert_eq "$(jq -c '[.preferences.ranking.models[] | .ci_low, .ci_high] | unique' "$T/p.json")" '[null]' \
  "no interval from 11 votes"
jq -e '.preferences.ranking.resamples_kept < 975' "$T/p.json" > /dev/null || fail "resamples kept"
assert_contains "$("$VLMETER" report --db "$P" --format table)" "too few votes for an interval" "the reason"
# The same votes four times: the same fit (the likelihood is the old one to
# the 4th power), px's 12 votes not won all missed with probability
# (32/44)^44 < 1e-6: every resample fits; the intervals hold the fit.
P4=$T/p4.db
cp "$P" "$P4"
for i in 1 2 3; do sqlite3 "$P4" "INSERT INTO preferences(suite, case_id, turn, left_model_id, right_model_id, choice,
  reviewer, created_at) SELECT suite, case_id || '-$i', turn, left_model_id, right_model_id, choice, reviewer, created_at
  FROM preferences WHERE id <= 11"; done
"$VLMETER" report --db "$P4" --format json > "$T/p4.json" || fail "report of 44 votes failed"
near_at p4.json '.preferences.ranking.models[0].strength * 1e6 | round / 1e6' 2
jq -e '.preferences.ranking.resamples_kept == 1000' "$T/p4.json" > /dev/null || fail "44 votes: resamples kept"
jq -e '[.preferences.ranking.models[] | select(.ci_low == null or .ci_low > .strength or .ci_high < .strength)]
  | length == 0' "$T/p4.json" > /dev/null || fail "bootstrap interval missing or misses the fit"
"$VLMETER" report --db "$P" --format json > "$T/p2.json"
assert_eq "$(jq -c .preferences.ranking "$T/p2.json")" "$(jq -c .preferences.ranking "$T/p.json")" "seeded bootstrap"
for f in table md html csv; do
  out=$("$VLMETER" report --db "$P" --format "$f") || fail "report --format $f failed"
  assert_contains "$out" "px" "$f: preferences"
  assert_contains "$out" "$([ $f = csv ] && echo preference-ranking || echo 'Bradley-Terry ranking')" "$f: ranking"
done

# Merge: the votes' and verdicts' model ids follow OUT's numbering.
"$VLMETER" merge "$T/m.db" "$DB" "$P" > /dev/null || fail "merge failed"
assert_eq "$(sqlite3 "$T/m.db" "SELECT count(*) FROM verdicts v JOIN models m ON m.id=v.model_id")" 5 "verdicts merged"
assert_eq "$(sqlite3 "$T/m.db" "SELECT group_concat(l.name || '>' || r.name || ':' || choice, ' ') FROM
  (SELECT * FROM preferences ORDER BY id) p JOIN models l ON l.id=p.left_model_id JOIN models r ON r.id=p.right_model_id
  WHERE p.id <= (SELECT min(id) + 1 FROM preferences)")" "px>py:left py>px:tie" "votes merged, ids remapped"
"$VLMETER" report --db "$T/m.db" --format json > "$T/m.json" || fail "report of the merge failed"
assert_eq "$(jq -c '.preferences.pairs' "$T/m.json")" "$(jq -c '.preferences.pairs' "$T/p.json")" "merged pairs"
assert_eq "$(jq -c '.review | [.n_verdicts, .n_changed]' "$T/m.json")" '[4,2]' "merged review"
# Merging again adds nothing: every row is a duplicate.
"$VLMETER" merge "$T/m.db" "$DB" "$P" > /dev/null || fail "second merge failed"
assert_eq "$(sqlite3 "$T/m.db" "SELECT (SELECT count(*) FROM verdicts) || '/' || (SELECT count(*) FROM preferences)")" \
  "5/11" "no duplicates"
# A verdict on an answer not scored yet: counted as not scored, never as
# changed (there was no scorer verdict to change), and no accuracy moves:
# B's 2nd turn loses its scores row and gets "right": verdicts 4 + 1 = 5,
# changed stays 2, not scored 1.
IFS='|' read -r B2S B2C B2T <<< "$(first "$IB" 1)"
sql "DELETE FROM scores WHERE model_id=$IB AND suite='$B2S' AND case_id='$B2C' AND turn=$B2T"
put "$IB" "$B2S" "$B2C" "$B2T" right 1 2026-01-05T00:00:00.000Z
report --format json > "$T/r3.json" || fail "report failed"
assert_eq "$(jq -c '.review | [.n_verdicts, .n_changed, .n_caption, .n_unscored]' "$T/r3.json")" '[5,2,1,1]' \
  "a verdict on an unscored answer"
# A verdict is on the output it judged: when the answer is replaced (a rerun
# of an errored case), the verdict is stale and counts no more. B's first
# turn's verdict (right, on a wrong-scored answer) goes: 5 - 1 = 4 verdicts,
# changed 2 - 1 = 1, and B's accuracy falls back by 1/N from where it was.
sql "UPDATE answers SET output = coalesce(output, '') || ' (rerun)' WHERE model_id=$IB AND suite='$BS' AND case_id='$BC' AND turn=$BT"
report --format json > "$T/r4.json" || fail "report failed"
assert_eq "$(jq -c '.review | [.n_verdicts, .n_changed]' "$T/r4.json")" '[4,1]' "a verdict on a replaced output is stale"
near "$(acc "$T/r4.json" "$B")" "$(jq --arg m "$B" '.models[] | select(.name == $m) | .quality.accuracy - 1 / .quality.n' "$T/r3.json")" ||
  fail "B's accuracy with the stale verdict gone: $(acc "$T/r4.json" "$B")"
echo "ok"
