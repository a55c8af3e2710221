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

# The per-turn figures follow docs/metrics.md from the stored counts and times:
# decode_tps = (n_output_tokens - 1) / decode_ms x 1000, TPOT = (e2e - TTFT) /
# (n_output_tokens - 1); every inter-token gap lies within decode_ms, so the
# median <= the largest <= decode_ms, and the largest >= their mean,
# decode_ms / (n_output_tokens - 1).
sqlite3 -separator ' ' "$DB" "SELECT case_id, turn, n_output_tokens, decode_ms, decode_tps, e2e_ms, ttft_ms, tpot_ms,
                               itl_ms_p50, itl_ms_max FROM answers WHERE error IS NULL AND n_output_tokens > 1" |
  awk 'function off(got, want) { d = got - want; if (d < 0) d = -d; return d > 1e-6 * (want < 0 ? -want : want) + 1e-6 }
    { n++; k = $3 - 1
      if ($4 > 0 && off($5, k * 1000 / $4)) { print "decode_tps: " $0; bad = 1 }
      if (off($8, ($6 - $7) / k)) { print "tpot_ms: " $0; bad = 1 }
      if (!($9 > 0 && $9 <= $10 + 1e-9 && $10 <= $4 + 1e-6 && $10 >= $4 / k - 1e-6)) { print "itl: " $0; bad = 1 } }
    END { if (n < 10) { print "only " n " turns with 2 or more tokens"; bad = 1 } exit bad }' ||
  fail "per-turn figures do not follow the stored counts and times"

# Image turns carry image tokens, the sum over the turn's images: the same
# picture twice in one turn carries exactly twice the tokens of one.
mkdir -p "$T/img"
cp "$(first_image)" "$T/img/a.png"
printf '%s\n' '{"id":"one","images":["a.png"],"prompt":"<image> What is it?"}' \
  '{"id":"two","images":["a.png","a.png"],"prompt":"<image> <image> What are they?"}' > "$T/img/s.jsonl"
"$VLMETER" run -q -s "$T/img/s.jsonl" --db "$T/img.db" --max-tokens 1 "${specs[@]}" || fail "image-token run failed"
sqlite3 -separator ' ' "$T/img.db" "SELECT m.name, a.case_id, a.n_image_tokens FROM answers a JOIN models m ON m.id=a.model_id" |
  awk '{ t[$1, $2] = $3; m[$1] = 1 }
    END { for (x in m) { if (!(t[x, "one"] > 0) || t[x, "two"] != 2 * t[x, "one"]) { print x ": one image " t[x, "one"] ", two " t[x, "two"]; bad = 1 } }
          exit bad }' || fail "two images do not carry twice the image tokens of one"
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
