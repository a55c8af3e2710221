# The probe suite end to end: `vlmeter probe` in both languages at level 3, then
# `vlmeter run` on a forged model stores every category and no case as an error.
# Two probes with the same seed are the same files byte for byte (cmp); another
# seed gives other files; bad arguments are refused.
source "$(dirname "$0")/lib.sh"
"$VLMETER" probe "$T/a" --n 1 --lang both --level 3 --seed 5 > "$T/out" || fail "probe failed"
# The number of categories grows as categories are added: read it from the
# summary, check it against the suite below (10 first ones + conversation + grounding + ...).
NCAT=$(sed -n 's/.*: \([0-9]*\) cases in \([0-9]*\) categories.*/\2/p' "$T/out")
[ "${NCAT:-0}" -ge 12 ] || fail "probe summary: $(cat "$T/out")"
assert_contains "$(cat "$T/out")" "$((2 * NCAT)) cases in $NCAT categories" "probe summary"
"$VLMETER" probe "$T/b" --n 1 --lang both --level 3 --seed 5 -q || fail "second probe failed"
n_files=0
for f in "$T/a/probe.jsonl" "$T/a"/images/*.png; do
  cmp "$f" "$T/b/${f#"$T/a/"}" || fail "same seed, different bytes: ${f#"$T/a/"}"
  n_files=$((n_files + 1))
done
[ "$n_files" -ge 11 ] || fail "only $n_files files compared"
assert_eq "$(ls "$T/a/images" | wc -l)" "$(ls "$T/b/images" | wc -l)" "image count"
"$VLMETER" probe "$T/c" --n 1 --lang both --level 3 --seed 6 -q || fail "third probe failed"
cmp -s "$T/a/probe.jsonl" "$T/c/probe.jsonl" && fail "another seed gave the same suite"

# Every case in both languages carries a category and a scorer.
assert_eq "$(grep -v '^#' "$T/a/probe.jsonl" | jq -r '.category' | sort -u | wc -l)" "$NCAT" "categories in the suite"
assert_eq "$(grep -v '^#' "$T/a/probe.jsonl" | jq -r 'select(.scorer == "" or .category == "") | .id' | wc -l)" 0 "scorer and category set"
assert_eq "$(grep -c '"lang":"zh"' "$T/a/probe.jsonl")" "$NCAT" "Chinese cases"
assert_eq "$(grep -v '^#' "$T/a/probe.jsonl" | jq 'select(.category == "conversation") | .turns | length' | sort -u)" 12 \
  "level 3 conversations have 12 turns"
assert_eq "$(grep -v '^#' "$T/a/probe.jsonl" | jq -r 'select(.category == "grounding") | .scorer' | sort -u)" iou "grounding scored by iou"

"$VLMETER" run -q -s "$T/a/probe.jsonl" -m "$(model_spec llava)" --db "$DB" --max-tokens 4 > "$T/run.log" 2>&1 ||
  { cat "$T/run.log"; fail "run failed"; }
assert_eq "$(sql "SELECT count(*) FROM cases WHERE status = 'done'")" "$((2 * NCAT))" "cases done"
assert_eq "$(sql "SELECT count(*) FROM cases WHERE status = 'error'")" 0 "cases stored as errors"
assert_eq "$(sql "SELECT count(DISTINCT category) FROM cases")" "$NCAT" "categories in the store"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE expected IS NULL")" 0 "every turn has an expected answer"
assert_eq "$(sql "SELECT count(*) FROM scores")" "$(sql "SELECT count(*) FROM answers")" "every turn scored"
[ "$(sql "SELECT count(DISTINCT scorer) FROM scores")" -ge 4 ] || fail "too few scorers in use"

# Bad arguments.
rc=0; "$VLMETER" probe "$T/d" --level 4 2> "$T/err" || rc=$?
assert_eq "$rc" 2 "exit status for --level 4"
rc=0; "$VLMETER" probe 2> "$T/err" || rc=$?
assert_eq "$rc" 2 "exit status without OUTDIR"
assert_contains "$(cat "$T/err")" "usage: vlmeter probe OUTDIR" "usage"
rc=0; "$VLMETER" probe "$T/d" --categories colors,nope 2> "$T/err" || rc=$?
assert_eq "$rc" 2 "exit status for an unknown category"
assert_contains "$(cat "$T/err")" "unknown category 'nope' (known: colors," "unknown category named"
# COMMAND --help: the usage on stdout, exit 0, nothing done (no folder written).
for c in report run "probe $T/h" score; do
    rc=0; out=$("$VLMETER" $c --help) || rc=$?
    assert_eq "$rc" 0 "exit status of $c --help"
    assert_contains "$out" "usage: vlmeter ${c%% *}" "$c --help prints its own usage"
done
[ ! -e "$T/h" ] || fail "probe --help wrote its folder"
true
