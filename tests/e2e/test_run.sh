# The whole path on the demo suite: every forged model answers every case
# (multi-image and multi-turn included) with four cases decoded together and
# reuse on, timings and loads are stored (with the chat template applied: the
# model's own, through Jinja), the summary and the export say so, and progress
# shows only on a terminal.
source "$(dirname "$0")/lib.sh"
SUITE=$DEMO/suite/demo.jsonl
n_cases=$(grep -c '"id"' "$SUITE")
specs=(); for a in $ARCHS; do specs+=(-m "$(model_spec "$a")"); done
n_models=${#specs[@]}; n_models=$((n_models / 2))

"$VLMETER" run -s "$SUITE" --db "$DB" --max-tokens 16 --parallel 4 "${specs[@]}" > "$T/out" 2> "$T/err" || { cat "$T/err"; fail "run failed"; }
out=$(cat "$T/out")
for a in $ARCHS; do assert_contains "$out" "$a" "summary names $a"; done
assert_contains "$out" "e2e_p50" "summary header"
grep -q "ETA" "$T/err" && fail "progress drawn while stdout is not a terminal"

assert_eq "$(sql "SELECT count(*) FROM cases WHERE status='done'")" $((n_cases * n_models)) "cases done"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE ttft_ms <= 0 OR e2e_ms < ttft_ms OR n_prompt_tokens <= 0")" 0 "timings sane"
assert_eq "$(sql "SELECT count(*) FROM model_loads WHERE load_ms > 0 AND model_bytes > 0 AND mmproj_bytes > 0 AND rss_peak_bytes > 0 AND chat_template LIKE 'jinja/%' AND length(chat_template_hash) = 16 AND n_parallel = 4")" "$n_models" "model loads"
assert_eq "$(sql "SELECT count(DISTINCT chat_template_hash) FROM model_loads")" \
  "$(for a in $ARCHS; do "$VLMETER" ask -m "$DEMO/models/$a/model.gguf" --mmproj "$DEMO/models/$a/mmproj.gguf" -p x -n 1 2>&1 >/dev/null | grep '^chat template'; done | sort -u | wc -l)" \
  "one template hash per distinct template"
assert_eq "$(sql "SELECT count(*) FROM runs WHERE host_cores > 0 AND host_ram_bytes > 0 AND llama_version != ''")" 1 "run record"

# Image turns carry image tokens; a case with two images carries twice as many.
one=$(sql "SELECT max(n_image_tokens) FROM answers a JOIN cases c USING(model_id, suite, case_id) WHERE a.model_id=1 AND a.turn=0 AND a.case_id IN (SELECT case_id FROM answers WHERE n_image_tokens>0) LIMIT 1")
[ "${one:-0}" -gt 0 ] || fail "no image tokens stored"
multi=$(grep -c '<image>.*<image>' "$SUITE" || true)
[ "$multi" -ge 1 ] || fail "demo suite has no multi-image case"
# Multi-turn cases store one row per turn.
[ "$(sql "SELECT count(*) FROM answers WHERE turn = 1")" -ge "$n_models" ] || fail "no second turns stored"

"$VLMETER" export --db "$DB" -o "$T/x.jsonl"
assert_eq "$(wc -l < "$T/x.jsonl")" "$(sql "SELECT count(*) FROM answers")" "export lines"
for f in model case turn output error image_encode_ms prefill_ms ttft_ms decode_tps e2e_ms n_image_tokens; do
  grep -q "\"$f\":" "$T/x.jsonl" || fail "export lacks $f"
done

# On a terminal, a progress line with rate and ETA is drawn (stderr).
rm -f "$T/p.db"
script -qec "$VLMETER run -s $SUITE --db $T/p.db --max-tokens 4 ${specs[*]:0:2}" /dev/null > "$T/tty.log" 2>&1 || true
grep -q "cases/s" "$T/tty.log" && grep -q "ETA" "$T/tty.log" || { cat "$T/tty.log"; fail "no progress on a terminal"; }
# --quiet silences it.
rm -f "$T/q.db"
script -qec "$VLMETER run -q -s $SUITE --db $T/q.db --max-tokens 4 ${specs[*]:0:2}" /dev/null > "$T/q.log" 2>&1 || true
grep -q "ETA" "$T/q.log" && fail "--quiet still drew progress"
true
