# Shards and merge (docs/shards.md): two forged models on a small suite, run
# whole into one store and as shards 1/3, 2/3, 3/3 into three; every case lands
# in exactly one shard with every model; the three merged give the report the
# whole run gives (timings, memory, hosts and runs aside, listed below);
# provenance (host, run) per answer survives the merge; a merge of stores whose
# model has other settings is refused naming both and changes nothing; merging
# the same answers again counts duplicates and changes no answer; bad --shard,
# a missing and a corrupt store are refused by name.
source "$(dirname "$0")/lib.sh"

# 18 cases in 4 categories, one with two turns and one with an image; c12..c17
# are captions scored by CIDEr-D, corpus-level (document frequencies over every
# caption of a model x suite), spread over the three shards (XXH64 of "s\0c12"
# ... mod 3 + 1, by xxhsum -H64: shards 2 1 2 2 3 3).
mkdir -p "$T/suite"
cp "$(first_image)" "$T/suite/p.png"
for i in $(seq -w 0 17); do
  case $i in
    05) printf '{"id":"c05","category":"cat1","turns":["First?","Second?"],"expected":["x","y"],"scorer":"exact"}\n' ;;
    07) printf '{"id":"c07","category":"cat0","images":["p.png"],"prompt":"<image> What is it?","answer":"x","scorer":"exact"}\n' ;;
    1[2-7]) printf '{"id":"c%s","category":"cap","prompt":"Describe %s.","answer":["a word"],"scorer":"cider"}\n' "$i" "$i" ;;
    *) printf '{"id":"c%s","category":"cat%d","prompt":"Say word %s.","answer":"x","scorer":"exact"}\n' "$i" $((10#$i % 3)) "$i" ;;
  esac
done > "$T/suite/s.jsonl"
SUITE=$T/suite/s.jsonl
n_cases=18
MODELS=(-m "$(model_spec llava a)" -m "$(model_spec internvl b)")
# --no-reuse: every prompt computed from scratch, so an answer cannot depend on
# which other cases ran before it in the same load.
run() { "$VLMETER" run -s "$SUITE" --max-tokens 4 --no-reuse "$@"; }

run --db "$T/all.db" "${MODELS[@]}" > "$T/all.out" 2>&1 || { cat "$T/all.out"; fail "unsharded run failed"; }
# Forged models answer garbage: so that some answers are right and some wrong
# (a swapped or lost answer then shows in accuracy), the even cases expect
# what model a said on their first turn; the captions have what model a said
# among their references (so CIDEr-D is not 0 everywhere); every store is
# scored with it below.
sqlite3 -json "$T/all.db" "SELECT a.case_id AS id, a.output AS out FROM answers a JOIN models m ON m.id = a.model_id
                           WHERE m.name = 'a' AND a.turn = 0" > "$T/said.json"
jq -c --slurpfile said "$T/said.json" '.id as $id | (.id[1:] | tonumber) as $n
  | ([$said[0][] | select(.id == $id) | .out][0] // "x") as $out
  | if .scorer == "cider" then .answer = [$out, "a word"]
    elif $n % 2 == 0 and .expected == null then .answer = $out else . end' \
  "$SUITE" > "$T/fixed.jsonl"
mkdir -p "$T/fixed"; cp "$T/suite/p.png" "$T/fixed/"; mv "$T/fixed.jsonl" "$T/fixed/s.jsonl"  # the same suite name, s
rescore() { "$VLMETER" score --db "$1" -s "$T/fixed/s.jsonl" -q || fail "scoring $1"; }
rescore "$T/all.db"
taken=0
for i in 1 2 3; do
  run --db "$T/s$i.db" --shard "$i/3" "${MODELS[@]}" > "$T/s$i.out" 2>&1 || { cat "$T/s$i.out"; fail "shard $i/3 failed"; }
  k=$(sqlite3 "$T/s$i.db" "SELECT count(DISTINCT case_id) FROM cases")
  assert_contains "$(cat "$T/s$i.out")" "shard $i/3: $k of $n_cases cases" "shard $i/3 says what it took"
  # every model answers the same cases inside a shard: k cases x 2 models
  assert_eq "$(sqlite3 "$T/s$i.db" "SELECT count(*) FROM cases")" $((k * 2)) "shard $i/3: both models, same cases"
  assert_eq "$(sqlite3 "$T/s$i.db" "SELECT count(*) FROM (SELECT case_id FROM cases GROUP BY case_id HAVING count(*) = 2)")" "$k" "shard $i/3: each case by both"
  taken=$((taken + k))
  rescore "$T/s$i.db"
  sqlite3 "$T/s$i.db" "SELECT DISTINCT case_id FROM cases" >> "$T/taken"
done
# the shards partition the cases: 12 in all, none twice, none missing
assert_eq "$taken" "$n_cases" "cases over the three shards"
assert_eq "$(sort "$T/taken" | uniq -d | wc -l)" 0 "a case in two shards"
assert_eq "$(sort -u "$T/taken" | tr '\n' ' ')" "$(sqlite3 "$T/all.db" "SELECT DISTINCT case_id FROM cases ORDER BY 1" | tr '\n' ' ')" "shards cover every case"

"$VLMETER" merge "$T/merged.db" "$T/s1.db" "$T/s2.db" "$T/s3.db" > "$T/merge.out" 2>&1 || { cat "$T/merge.out"; fail "merge failed"; }
assert_contains "$(cat "$T/merge.out")" "0 answers were already in" "a first merge has no duplicates"
n_cider=$(sqlite3 "$T/all.db" "SELECT count(*) FROM scores WHERE scorer = 'cider'")
assert_eq "$n_cider" 12 "cider turns (6 cases x 2 models)"
assert_contains "$(cat "$T/merge.out")" "12 cider turns scored again" "merge scores the cider turns again"
# CIDEr-D over a shard's captions is not CIDEr-D over all of them (not vacuous:
# some shard's figure differs from the whole run's), and the merged store's
# figures are the whole run's (compared in the report below, and here)
cider() { sqlite3 "$1" "SELECT m.name, s.case_id, s.score FROM scores s JOIN models m ON m.id = s.model_id
                        WHERE s.scorer = 'cider' ORDER BY 1, 2"; }
cider "$T/all.db" > "$T/cider.all"
for i in 1 2 3; do cider "$T/s$i.db"; done | sort > "$T/cider.shards"
cmp -s <(sort "$T/cider.all") "$T/cider.shards" && fail "per-shard CIDEr-D equals the whole run's: the test shows nothing"
assert_eq "$(cider "$T/merged.db")" "$(cat "$T/cider.all")" "merged CIDEr-D is the whole run's"
[ "$(sqlite3 "$T/all.db" "SELECT count(*) FROM scores WHERE scorer = 'cider' AND score > 0")" -gt 0 ] ||
  fail "every CIDEr-D is 0: the test shows nothing"
m() { sqlite3 "$T/merged.db" "$1"; }
assert_eq "$(m "SELECT count(*) FROM answers")" "$(sqlite3 "$T/all.db" "SELECT count(*) FROM answers")" "answers merged"
assert_eq "$(m "SELECT count(*) FROM models")" 2 "models matched by name"
# Provenance: three runs, each with its host and the store it came from, and
# every answer's run is the run of the shard store that holds that answer.
assert_eq "$(m "SELECT count(*) FROM runs WHERE host = '$(hostname)'")" 3 "runs keep their host"
for i in 1 2 3; do
  want=$(sqlite3 "$T/s$i.db" "SELECT m.name, a.case_id, a.turn FROM answers a JOIN models m ON m.id = a.model_id ORDER BY 1, 2, 3")
  got=$(m "SELECT m.name, a.case_id, a.turn FROM answers a JOIN models m ON m.id = a.model_id
           JOIN runs r ON r.id = a.run_id WHERE r.merged_from = '$T/s$i.db' ORDER BY 1, 2, 3")
  assert_eq "$got" "$want" "answers of the run merged from s$i.db"
  assert_eq "$(m "SELECT count(*) FROM model_loads l JOIN runs r ON r.id = l.run_id WHERE r.merged_from = '$T/s$i.db'")" 2 "loads of s$i.db's run"
done

# The merged store's report equals the whole run's, with these removed:
#   .db, .generated_at         the store's path and the time the report was made
#   .runs                      one run against three: ids, start/end times, hosts
#   .cases[].answers[].e2e_ms  a measured time
#   .models[]: load_ms, rss_peak_bytes, e2e_ms_values, and in .speed the timed
#              figures ttft_ms, e2e_ms, decode_tps, prefill_ms, image_encode_ms,
#              image_decode_ms (token counts stay): measured times and memory
#   .models[].reuse: images_encoded, images_cached, prompt_tokens,
#              prompt_tokens_cached: counters of ONE load (the model's latest),
#              which in the merged store is one shard's load over its cases only;
#              n_parallel (a setting), prompt_cached_share and decode_batch_mean
#              (ratios: 0 and 1 in every load with --no-reuse and one slot) stay
#   .cost[] (per model): busy_s_per_request, req_per_gpu_hour, p95_ms (measured
#              times), need_bytes (measured memory); in .gpus[] every figure
#              priced from the busy time per request: per_request,
#              per_1k_requests, per_1m_output_tokens, busy_monthly,
#              one_instance_daily_capacity, break_even_busy_vs_always_on_daily,
#              and instances (from the capacity, hence times) with what it
#              multiplies: always_on_monthly, reserved_monthly. What stays:
#              tokens, which GPUs the model fits on (fits_on, fits), prices per
#              hour, API prices (token-priced), quantization_to_fit.
#   .recommendation: chosen and reasons (the cheapest option, by the prices
#              above); in .options the same priced fields and plan (busy or
#              always-on, chosen by price), options compared as a set sorted by
#              model and place (their order is by price); in .pareto where,
#              monthly, on_front (cheapest place and the price front). What
#              stays: requirements, families, rejected, each option's ok/why
#              (this test sets no max_p95_ms, so they rest on fit and accuracy)
#              and api_monthly, each model's accuracy on the front.
strip='del(.db, .generated_at, .runs, .cases[].answers[].e2e_ms)
       | .models[] |= (del(.load_ms, .rss_peak_bytes, .e2e_ms_values)
                       | .reuse |= del(.images_encoded, .images_cached, .prompt_tokens, .prompt_tokens_cached)
                       | .speed |= del(.ttft_ms, .e2e_ms, .decode_tps, .prefill_ms, .image_encode_ms, .image_decode_ms))
       | .cost[] |= (del(.busy_s_per_request, .req_per_gpu_hour, .p95_ms, .need_bytes)
                     | .gpus[]? |= del(.per_request, .per_1k_requests, .per_1m_output_tokens, .busy_monthly,
                                       .one_instance_daily_capacity, .break_even_busy_vs_always_on_daily,
                                       .instances, .always_on_monthly, .reserved_monthly))
       | .recommendation |= (del(.chosen, .reasons)
                             | .options |= (map(del(.monthly, .always_on_monthly, .busy_monthly, .reserved_monthly,
                                                    .instances, .plan)) | sort_by(.model, .where))
                             | .pareto |= map(del(.where, .monthly, .on_front)))'
"$VLMETER" report --db "$T/all.db" --format json > "$T/all.full.json"
"$VLMETER" report --db "$T/merged.db" --format json > "$T/merged.full.json"
jq -S "$strip" "$T/all.full.json" > "$T/all.json"
jq -S "$strip" "$T/merged.full.json" > "$T/merged.json"
# (the runs removed there carry the provenance: host, and the store merged from)
assert_eq "$(jq -r '.runs[] | "\(.host) \(.merged_from)"' "$T/all.full.json")" "$(hostname) null" "the whole run's provenance"
assert_eq "$(jq -r '.runs[] | "\(.host) \(.merged_from)"' "$T/merged.full.json" | tr '\n' ' ')" \
  "$(for i in 1 2 3; do printf '%s %s ' "$(hostname)" "$T/s$i.db"; done)" "the merged runs' provenance"
diff "$T/all.json" "$T/merged.json" > "$T/report.diff" || { head -40 "$T/report.diff"; fail "merged report differs from the unsharded one"; }
# (not vacuous: both models answered, some turns are right and some wrong)
assert_eq "$(jq '[.cases[].answers[]] | length' "$T/all.json")" 38 "answers in the report (18 cases + 1 second turn, x 2)"
assert_eq "$(jq '[.cases[].answers[] | .correct] | unique | length' "$T/all.json")" 2 "right and wrong answers both"

# Only the cider turns are scored again: a judge verdict and a --scorer
# override stored in a shard (set here by SQL) come through the merge as they
# were, while the cider figures are still the whole run's.
cp "$T/s2.db" "$T/j2.db"
sqlite3 "$T/j2.db" "UPDATE scores SET scorer = 'judge', score = 0.75, correct = 1, detail = 'judge j: yes'
                     WHERE rowid = (SELECT min(rowid) FROM scores WHERE scorer = 'exact');
                    UPDATE scores SET scorer = 'contains', score = 0.25, detail = 'overridden'
                     WHERE rowid = (SELECT max(rowid) FROM scores WHERE scorer = 'exact')"
kept() { sqlite3 "$1" "SELECT m.name, s.case_id, s.turn, s.scorer, s.score, s.correct, s.detail FROM scores s
                       JOIN models m ON m.id = s.model_id WHERE s.scorer IN ('judge', 'contains') ORDER BY 1, 2, 3"; }
assert_eq "$(kept "$T/j2.db" | wc -l)" 2 "a judge verdict and an override set in j2.db"
"$VLMETER" merge -q "$T/j.db" "$T/s1.db" "$T/j2.db" "$T/s3.db" || fail "merge with a judge verdict"
assert_eq "$(kept "$T/j.db")" "$(kept "$T/j2.db")" "judge verdict and override kept as stored"
assert_eq "$(cider "$T/j.db")" "$(cat "$T/cider.all")" "merged CIDEr-D is the whole run's (second merge)"

# A model with no case in its shard is not loaded.
printf '{"id":"only","prompt":"Hi?","answer":["e"],"scorer":"any"}\n' > "$T/suite/one.jsonl"
"$VLMETER" run -s "$T/suite/one.jsonl" --db "$T/one.db" --max-tokens 2 --shard 1/2 -m "$(model_spec llava a)" > "$T/one.out" 2>&1 || fail "one-case shard run"
s=1; grep -q "shard 1/2: 0 of 1 cases" "$T/one.out" || s=2  # the shard without the case
"$VLMETER" run -s "$T/suite/one.jsonl" --db "$T/none.db" --max-tokens 2 --shard $s/2 -m "$(model_spec llava a)" > "$T/none.out" 2>&1 || fail "empty shard run"
assert_contains "$(cat "$T/none.out")" "shard $s/2: 0 of 1 cases" "the empty shard says so"
assert_eq "$(sqlite3 "$T/none.db" "SELECT count(*) FROM model_loads")" 0 "a model with nothing to do is not loaded"

# Bad --shard values are refused before anything runs.
for bad in 0/3 4/3 3 a/3 1/0 -1/3 2/3x; do
  "$VLMETER" run --shard "$bad" -s "$SUITE" --db "$T/bad.db" -m "$(model_spec llava a)" > /dev/null 2> "$T/bad.err" && fail "--shard $bad accepted"
  assert_contains "$(cat "$T/bad.err")" "--shard" "--shard $bad refused by name"
done
[ -e "$T/bad.db" ] && fail "a refused --shard made a store"

# A conflicting merge: model a again, with another max_tokens, on a shared case.
run --db "$T/other.db" --shard 1/3 -m "$(model_spec llava a)" --max-tokens 5 > /dev/null 2>&1 || fail "other-settings run"
first=$(sqlite3 "$T/other.db" "SELECT suite, case_id, turn FROM answers ORDER BY suite, case_id, turn LIMIT 1" | tr '|' ' ')
sqlite3 "$T/merged.db" .dump > "$T/before.sql"
"$VLMETER" merge "$T/merged.db" "$T/s1.db" "$T/other.db" > /dev/null 2> "$T/conflict.err" && fail "a conflicting merge was accepted"
err=$(cat "$T/conflict.err")
assert_contains "$err" "model 'a' has other settings in '$T/other.db'" "conflict names the store merged in"
assert_contains "$err" "than in '$T/merged.db'" "conflict names the other store"
read -r suite case turn <<< "$first"
assert_contains "$err" "both answered suite '$suite' case '$case' turn $turn" "conflict names the shared case and turn"
sqlite3 "$T/merged.db" .dump > "$T/after.sql"
cmp -s "$T/before.sql" "$T/after.sql" || fail "a refused merge changed the store (s1.db's duplicates must not be written either)"
# into a new store: refused, and the store is not left behind
"$VLMETER" merge "$T/new.db" "$T/s1.db" "$T/other.db" > /dev/null 2> "$T/conflict2.err" && fail "conflict into a new store accepted"
assert_contains "$(cat "$T/conflict2.err")" "than in '$T/s1.db'" "the conflicting model's store is the one merged in before"
[ -e "$T/new.db" ] && fail "a refused merge left its new store"

# Merging answers OUT already holds: counted as duplicates, no answer changed,
# no run added twice.
m "SELECT * FROM answers ORDER BY model_id, suite, case_id, turn" > "$T/answers.before"
n2=$(sqlite3 "$T/s2.db" "SELECT count(*) FROM answers")
"$VLMETER" merge "$T/merged.db" "$T/s2.db" > "$T/dup.out" 2>&1 || { cat "$T/dup.out"; fail "duplicate merge failed"; }
assert_contains "$(cat "$T/dup.out")" "$n2 answers were already in" "duplicates counted"
m "SELECT * FROM answers ORDER BY model_id, suite, case_id, turn" > "$T/answers.after"
cmp -s "$T/answers.before" "$T/answers.after" || fail "a duplicate merge changed answers"
assert_eq "$(m "SELECT count(*) FROM runs")" 3 "a run merged again is not added again"

# A missing or corrupt store: refused by name, OUT unchanged.
sqlite3 "$T/merged.db" .dump > "$T/before.sql"
"$VLMETER" merge "$T/merged.db" "$T/nope.db" > /dev/null 2> "$T/miss.err" && fail "a missing store was merged"
assert_contains "$(cat "$T/miss.err")" "'$T/nope.db'" "a missing store is named"
[ -e "$T/nope.db" ] && fail "merge created the missing store it was given"
head -c 4096 /dev/urandom > "$T/junk.db"
"$VLMETER" merge "$T/merged.db" "$T/s3.db" "$T/junk.db" > /dev/null 2> "$T/junk.err" && fail "a corrupt store was merged"
assert_contains "$(cat "$T/junk.err")" "'$T/junk.db'" "a corrupt store is named"
sqlite3 "$T/merged.db" .dump > "$T/after.sql"
cmp -s "$T/before.sql" "$T/after.sql" || fail "a refused merge changed the store"
echo ok
