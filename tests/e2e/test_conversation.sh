# The probe's `conversation` category end to end: 10-12 turns per case, each
# with an expected answer; a 10-turn run on a forged model stores every turn,
# reuses the KV cache on later turns, and the report's by-turn table and its
# "keeps context through turn K" figure (docs/metrics.md) agree with the stored
# scores, recomputed here with sqlite3 and awk (Wilson bounds included).
source "$(dirname "$0")/lib.sh"

# --- the suite: only the conversation category, by --categories
"$VLMETER" probe "$T/p1" --categories conversation --n 2 --lang both --level 1 -q
"$VLMETER" probe "$T/p2" --categories conversation --n 8 --lang en --level 2 -q
"$VLMETER" probe "$T/p3" --categories conversation --n 8 --lang en --level 3 -q
S1=$T/p1/probe.jsonl S2=$T/p2/probe.jsonl S3=$T/p3/probe.jsonl
assert_eq "$(grep -v '^#' "$S1" | jq -r .category | sort -u)" conversation "only the asked category"
assert_eq "$(grep -vc '^#' "$S1")" 4 "2 cases x 2 languages"
assert_eq "$(grep -v '^#' "$S1" | jq '.turns | length' | sort -u)" 10 "level 1: 10 turns"
assert_eq "$(grep -v '^#' "$S2" | jq '.turns | length' | sort -u)" 11 "level 2: 11 turns"
assert_eq "$(grep -v '^#' "$S3" | jq '.turns | length' | sort -u)" 12 "level 3: 12 turns"
assert_eq "$(grep -v '^#' "$S3" | jq '.images | length' | sort -u)" 2 "level 3: a second picture"
assert_eq "$(grep -v '^#' "$S1" "$S2" "$S3" -h | jq '[.expected[] | select(. == null)] | length' | sort -u)" 0 "every turn expected"
assert_eq "$(grep -v '^#' "$S1" | jq -r '.images | length' | sort -u)" 1 "one picture per conversation"
# The number given in turn 2 is the answer of the later turn that asks for it,
# and at level 3 that turn is one of the last three (the fact must survive 8+ turns).
grep -v '^#' "$S1" "$S2" "$S3" -h | jq -r '[(.turns[1] | capture("(?<n>[0-9]+)[.。]").n),
    (.turns | map(test("What number did I ask you to remember|我让你记住的数字是多少")) | index(true)),
    .expected[(.turns | map(test("What number did I ask you to remember|我让你记住的数字是多少")) | index(true))][0],
    (.turns | length)] | @tsv' > "$T/secret.tsv"
assert_eq "$(wc -l < "$T/secret.tsv")" 20 "every case asks the number back"
awk -F'\t' '$1 != $3 { print "secret " $1 " but expected " $3; bad = 1 } END { exit bad }' "$T/secret.tsv" ||
  fail "the remembered number is not the expected answer"
awk -F'\t' '$4 == 12 && $2 < 9 { bad = 1 } END { exit bad }' "$T/secret.tsv" ||
  fail "level 3 asks the remembered number before the last three turns"
# A name given in turn 1 is asked back later with the expected colour.
for f in "$S1" "$S2" "$S3"; do
  grep -v '^#' "$f" | jq -r 'select(.lang == "en") | (.turns[0] | capture("call the (?<c>[a-z]+) shape \"(?<n>[A-Za-z]+)\"")) as $f
     | range(1; .turns | length) as $t | select(.turns[$t] | startswith("What colour is " + $f.n + "?"))
     | "\($f.c) \(.expected[$t][0])"'
done > "$T/names.txt"
[ -s "$T/names.txt" ] || fail "no conversation asks a name's colour back"
awk '$1 != $2 { bad = 1 } END { exit bad }' "$T/names.txt" || fail "a name's colour is not the colour it was given for"
"$VLMETER" probe "$T/bad" --categories conversation,nope 2> "$T/bad.err" && fail "unknown category accepted"
assert_contains "$(cat "$T/bad.err")" "unknown category 'nope'" "unknown category named"

# --- a 10-turn run on a forged model
"$VLMETER" run -q -s "$S1" -m "$(model_spec qwen3vl m)" --db "$DB" --max-tokens 4 --threads 2 > "$T/run.log" 2>&1 ||
  { cat "$T/run.log"; fail "run failed"; }
assert_eq "$(sql "SELECT count(*) FROM answers")" 40 "4 cases x 10 turns stored"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE error IS NOT NULL")" 0 "no turn failed"
assert_eq "$(sql "SELECT count(*) FROM scores")" 40 "every turn scored"
# Later turns extend the conversation already in the KV cache: each prefills
# only its new message, fewer tokens than the turns before it hold (prompts and
# answers), where re-evaluating the conversation would prefill all of them.
# (n_cached_tokens counts prefixes shared between cases, so it is 0 on later
# turns by definition, docs/metrics.md; a first turn finds its image's prefix
# when the other language's twin of the case left it in the cache.)
assert_eq "$(sql "SELECT count(*) FROM answers a WHERE turn >= 1 AND n_prompt_tokens >= (SELECT sum(n_prompt_tokens + n_output_tokens) FROM answers b WHERE b.case_id = a.case_id AND b.turn < a.turn)")" 0 \
  "later turns prefill only their own message"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE turn >= 1 AND n_prompt_tokens > 0")" 36 "later turns prefill something"
[ "$(sql "SELECT count(*) FROM answers WHERE turn = 0 AND n_cached_tokens > 0")" -ge 1 ] || fail "no first turn reused a prefix"

# Level 3 shows a second picture in a later turn (turns 5-7): vlmeter's engine
# adds it to the conversation in the KV cache (llama-mtmd-cli cannot).
"$VLMETER" probe "$T/p3one" --categories conversation --n 1 --lang en --level 3 -q
"$VLMETER" run -q -s "$T/p3one/probe.jsonl" -m "$(model_spec qwen3vl m3)" --db "$T/l3.db" --max-tokens 4 --threads 2 \
  > "$T/run3.log" 2>&1 || { cat "$T/run3.log"; fail "level-3 run failed"; }
pic_turn=$(grep -v '^#' "$T/p3one/probe.jsonl" | jq '.turns | map(test("<image>")) | .[1:] | index(true) + 1')
[ "$pic_turn" -ge 4 ] && [ "$pic_turn" -le 6 ] || fail "second picture at turn index $pic_turn"
assert_eq "$(sqlite3 "$T/l3.db" "SELECT count(*) FROM answers WHERE error IS NULL")" 12 "12 turns answered"
assert_eq "$(sqlite3 "$T/l3.db" "SELECT group_concat(turn) FROM answers WHERE n_image_tokens > 0 ORDER BY turn")" \
  "0,$pic_turn" "images in turn 1 and in the second picture's turn"

# context_of JSON MODEL: "keeps lost" of the pooled figure (lost "null" when not lost).
context_of() { jq -r --arg m "$2" '.context_kept[] | select(.model == $m and .category == null) | "\(.keeps_through) \(.lost_at)"' "$1"; }
# expected_context: the same computed from the stored scores: per turn n and
# right answers, Wilson 95% bounds, the first turn whose upper bound is below
# turn 1's lower bound.
expected_context() {
  sql "SELECT turn + 1, count(*), total(correct) FROM scores GROUP BY turn ORDER BY turn" | awk -F'|' '
    function wilson(k, n, hi,   z, p, c, h) { z = 1.959963984540054; p = k / n
      c = (p + z * z / (2 * n)) / (1 + z * z / n); h = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
      if (hi) return k >= n ? 1 : c + h; return k <= 0 ? 0 : c - h }
    NR == 1 { base = wilson($3, $2, 0) }
    NR > 1 && !lost && wilson($3, $2, 1) < base { lost = $1 }
    { last = $1 }
    END { if (lost) print lost - 1, lost; else print last, "null" }'
}
"$VLMETER" report --db "$DB" --format json > "$T/r.json"
assert_eq "$(jq '[.by_turn[] | select(.model == "m")] | length' "$T/r.json")" 10 "by-turn rows for 10 turns"
assert_eq "$(jq '[.by_turn[] | select(.model == "m") | .n] | unique' -c "$T/r.json")" "[4]" "4 scored answers per turn"
assert_eq "$(context_of "$T/r.json" m)" "$(expected_context)" "keeps-context figure from the stored scores"
assert_eq "$(jq -r '.context_kept[] | select(.category == "conversation") | .last_turn' "$T/r.json")" 10 "per-category figure"

# The same with scores set by hand: turns 1-5 right, turn 6 half right, turn 7
# wrong, 8-10 right again; n = 4 per turn, z = 1.96, z² = 3.8415, z²/4 = 0.9604.
# Turn 1, 4/4: lower bound (1 + z²/8 - z²/8) / (1 + z²/4) = 1 / 1.9604 = 0.5101.
# Turn 6, 2/4: upper bound 0.5 + 1.96 sqrt(0.25/4 + 3.8415/64) / 1.9604 = 0.5 + 0.3500 = 0.8500: not below.
# Turn 7, 0/4: upper bound (z²/4) / (1 + z²/4) = 0.9604 / 1.9604 = 0.4899 < 0.5101: context lost at
# turn 7, kept through turn 6; turns 8-10 recovering do not change it (the first turn below counts).
sql "UPDATE scores SET correct = (turn NOT IN (5, 6)) OR (turn = 5 AND case_id LIKE '%-en')"
sql "UPDATE scores SET score = correct"
assert_eq "$(sql "SELECT group_concat(c, ',') FROM (SELECT sum(correct) c FROM scores GROUP BY turn ORDER BY turn)")" \
  "4,4,4,4,4,2,0,4,4,4" "scores set by hand"
"$VLMETER" report --db "$DB" --format json > "$T/r2.json"
assert_eq "$(expected_context)" "6 7" "awk reading of the hand-set scores"
assert_eq "$(context_of "$T/r2.json" m)" "6 7" "context kept through turn 6, lost at 7"
assert_eq "$(jq -r '.context_kept[] | select(.category == null) | .lost' "$T/r2.json")" true "marked lost"
"$VLMETER" report --db "$DB" > "$T/r2.txt"
assert_contains "$(cat "$T/r2.txt")" "Context kept over turns" "text table"
grep -E '^ *m +all +10 +51% +6 +7 +49%' "$T/r2.txt" > /dev/null || { grep -A6 'Context kept' "$T/r2.txt"; fail "text row"; }
"$VLMETER" report --db "$DB" --format html > "$T/r2.html"
assert_contains "$(cat "$T/r2.html")" 'id="by-turn-chart"' "HTML chart"
assert_contains "$(cat "$T/r2.html")" "keeps context through turn 6, lost at turn 7" "HTML chart marks the turn"
assert_contains "$(cat "$T/r2.html")" "<title>context lost at turn 7</title>" "HTML ring at the lost turn"
