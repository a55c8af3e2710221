# Quantization trade-offs: `vlmeter quantize` makes F16 -> q8_0, q4_k_m, q2_k
# variants (model and projector) and keeps ones already made; a model given with
# variants runs as a family: the reference's next-token distributions along its
# own answers are kept and every member is compared with them (KL divergence:
# exactly 0 for the reference itself, growing as precision falls); the report
# adds the family table; with answers graded against the reference's own, the
# recommendation takes the smallest variant within max_accuracy_loss.
source "$(dirname "$0")/lib.sh"
Q=$T/quants
"$VLMETER" quantize --list > "$T/types.txt"
for t in q8_0 q4_k_m q2_k f16; do grep -qx "$t" "$T/types.txt" || fail "quantize --list lacks $t"; done

# Variants of the tiny llava pair, projector included; made once, then kept.
L=$DEMO/models/llava
"$VLMETER" quantize "$L/model.gguf" --mmproj "$L/mmproj.gguf" --types q8_0,q4_k_m,q2_k "$Q" > "$T/q1.out" 2>&1 \
  || { cat "$T/q1.out"; fail "quantize failed"; }
assert_contains "$(cat "$T/q1.out")" "6 made, 0 already there" "first quantize"
for t in Q8_0 Q4_K_M Q2_K; do [ -s "$Q/model-$t.gguf" ] && [ -s "$Q/mmproj-$t.gguf" ] || fail "no $t files"; done
size() { stat -c %s "$1"; }
[ "$(size "$Q/model-Q2_K.gguf")" -lt "$(size "$Q/model-Q4_K_M.gguf")" ] &&
  [ "$(size "$Q/model-Q4_K_M.gguf")" -lt "$(size "$Q/model-Q8_0.gguf")" ] &&
  [ "$(size "$Q/model-Q8_0.gguf")" -lt "$(size "$L/model.gguf")" ] || fail "sizes do not fall with precision"
"$VLMETER" quantize "$L/model.gguf" --mmproj "$L/mmproj.gguf" --types q8_0,q4_k_m,q2_k "$Q" > "$T/q2.out" 2>&1
assert_contains "$(cat "$T/q2.out")" "0 made, 6 already there" "second quantize keeps the variants"
# Bad input: an unknown type, a truncated model; nothing half-written is left.
if "$VLMETER" quantize "$L/model.gguf" --types q9_9 "$Q" 2> "$T/bad.err"; then fail "unknown type accepted"; fi
assert_contains "$(cat "$T/bad.err")" "unknown quantization type 'q9_9'" "unknown type message"
head -c 100000 "$L/model.gguf" > "$T/cut.gguf"
if "$VLMETER" quantize "$T/cut.gguf" --types q8_0 "$T/cutq" 2> "$T/cut.err"; then fail "truncated model quantized"; fi
assert_contains "$(cat "$T/cut.err")" "$T/cut.gguf" "truncated model named"
[ -z "$(ls "$T/cutq" 2>/dev/null)" ] || fail "files left after a failed quantize: $(ls "$T/cutq")"

# Two families: qwen3vl with variants made on demand (-m), llava with the files
# made above, quantized projectors included (plan file).
cp -r "$DEMO/models/qwen3vl" "$T/qw"
mkdir -p "$T/s"
cp $(ls "$IMAGES"/*.png | head -6) "$T/s/"
for f in $(cd "$T/s" && ls *.png); do
  for q in "Describe the picture." "What is the main colour?"; do
    jq -cn --arg id "$f $q" --arg img "$f" --arg p "$q" '{id: $id, image: $img, prompt: $p, answer: "?"}'
  done
done > "$T/s/cases.jsonl"
cat > "$T/plan.yaml" <<EOF
suites: [$T/s/cases.jsonl]
settings: {max_tokens: 16, threads: 2}
models:
  - name: ll
    model: $L/model.gguf
    mmproj: $L/mmproj.gguf
    variants:
      q8_0: {model: $Q/model-Q8_0.gguf, mmproj: $Q/mmproj-Q8_0.gguf}
      q4_k_m: {model: $Q/model-Q4_K_M.gguf, mmproj: $Q/mmproj-Q4_K_M.gguf}
      q2_k: {model: $Q/model-Q2_K.gguf, mmproj: $Q/mmproj-Q2_K.gguf}
EOF
SPEC="qw=$T/qw/model.gguf,mmproj=$T/qw/mmproj.gguf,variant=q8_0,variant=q4_k_m,variant=q2_k"
"$VLMETER" run "$T/plan.yaml" -m "$SPEC" --db "$DB" -q 2> "$T/run.err" || { cat "$T/run.err"; fail "family run failed"; }
assert_contains "$(cat "$T/run.err")" "model qw:q4_k_m: quantizing $T/qw/model.gguf to q4_k_m" "variant made on demand"
[ -s "$T/qw/model-Q2_K.gguf" ] || fail "on-demand variant not written beside the model"
assert_eq "$(sql "SELECT group_concat(name || '/' || family || '/' || variant, ' ') FROM (SELECT * FROM models ORDER BY id)")" \
  "ll/ll/f16 ll:q8_0/ll/q8_0 ll:q4_k_m/ll/q4_k_m ll:q2_k/ll/q2_k qw/qw/f16 qw:q8_0/qw/q8_0 qw:q4_k_m/qw/q4_k_m qw:q2_k/qw/q2_k" \
  "families and variants stored"

N=$(sql "SELECT count(*) FROM answers a JOIN models m ON m.id=a.model_id WHERE m.name='qw' AND a.turn=0")
for fam in ll qw; do
  kl() { sql "SELECT printf('%.6f', sum(k.kl_sum) / sum(k.n_pos)) FROM kl k JOIN models m ON m.id=k.model_id WHERE m.name='$1'"; }
  top1() { sql "SELECT printf('%.4f', sum(k.top1_same) * 1.0 / sum(k.n_pos)) FROM kl k JOIN models m ON m.id=k.model_id WHERE m.name='$1'"; }
  # The reference against itself: exactly zero, every position; every case compared.
  assert_eq "$(sql "SELECT count(*) || ' ' || sum(kl_sum) || ' ' || max(kl_max) FROM kl k JOIN models m ON m.id=k.model_id WHERE m.name='$fam'")" \
    "$N 0.0 0.0" "$fam: KL of the reference against itself"
  assert_eq "$(top1 $fam)" "1.0000" "$fam: the reference's own top tokens"
  k8=$(kl $fam:q8_0) k4=$(kl $fam:q4_k_m) k2=$(kl $fam:q2_k)
  echo "$fam: mean KL q8_0 $k8, q4_k_m $k4, q2_k $k2; same top token $(top1 $fam:q8_0) $(top1 $fam:q4_k_m) $(top1 $fam:q2_k)"
  awk -v a="$k8" -v b="$k4" -v c="$k2" 'BEGIN {exit !(0 < a && a < b && b < c)}' || fail "$fam: KL does not grow as precision falls"
  [ "$(sql "SELECT count(*) FROM kl k JOIN models m ON m.id=k.model_id WHERE m.family='$fam' GROUP BY k.model_id" | sort -u)" == "$N" ] \
    || fail "$fam: not every member compared on every case"
done

# A resumed run has nothing left to compare.
"$VLMETER" run "$T/plan.yaml" -m "$SPEC" --db "$DB" 2> "$T/run2.err" > /dev/null || fail "second run failed"
if grep -q "next-token distributions compared" "$T/run2.err"; then fail "KL recomputed on resume"; fi

# Grade every answer against the reference's own (exact): the reference is right
# everywhere, a variant where its answer is the reference's.
mkdir -p "$T/graded"
sql "SELECT json_object('id', a.case_id, 'image', json_extract(c.images, '\$[0]'), 'prompt', a.prompt,
       'answer', a.output, 'scorer', 'exact') FROM answers a JOIN models m ON m.id=a.model_id
       JOIN cases c ON c.model_id=a.model_id AND c.suite=a.suite AND c.case_id=a.case_id
       WHERE m.name='qw'" > "$T/graded/cases.jsonl"
"$VLMETER" score --db "$DB" -s "$T/graded/cases.jsonl" --allow-outside -q || fail "re-scoring failed"
"$VLMETER" report --db "$DB" --format json -o "$T/r.json" || fail "report failed"
fam() { jq -r --arg f "$1" --arg v "$2" ".families[] | select(.name == \$f) | .members[] | select(.variant == \$v) | $3" "$T/r.json"; }
assert_eq "$(fam qw f16 .quality.accuracy)" "1" "reference graded against itself"
for v in q8_0 q4_k_m q2_k; do
  share=$(fam qw $v .agreement.share) diff=$(fam qw $v .vs_reference.diff) n=$(fam qw $v .vs_reference.n)
  lo=$(fam qw $v .vs_reference.ci_low) hi=$(fam qw $v .vs_reference.ci_high)
  echo "qw $v: identical answers $share, accuracy change $diff [$lo, $hi] over $n turns"
  # On single-turn cases graded exact against the reference, a right answer is an identical one.
  awk -v s="$share" -v d="$diff" -v l="$lo" -v h="$hi" 'BEGIN {exit !(d <= 0 && l <= d && d <= h + 0.2)}' \
    || fail "qw $v: accuracy change $diff outside its interval [$lo, $hi]"
done
loss4=$(fam qw q4_k_m '-.vs_reference.diff') loss8=$(fam qw q8_0 '-.vs_reference.diff')
awk -v a="$loss8" -v b="$loss4" 'BEGIN {exit !(a < b)}' || fail "q8_0 loses no less than q4_k_m ($loss8, $loss4)"
# A tolerance between the two losses: q8_0 is the smallest variant within it.
tol=$(awk -v a="$loss8" -v b="$loss4" 'BEGIN {printf "%.4f", (a + b) / 2}')
printf 'requirements:\n  max_accuracy_loss: %s\n' "$tol" > "$T/req.yaml"
"$VLMETER" report --db "$DB" --plan "$T/req.yaml" --format md -o "$T/r.md" || fail "report with requirements failed"
grep -q "## Quantization family qw" "$T/r.md" || fail "no family table in the report"
assert_contains "$(cat "$T/r.md")" "family qw: q8_0 is the smallest variant within" "smallest variant within tolerance"
"$VLMETER" report --db "$DB" --plan "$T/req.yaml" --format json -o "$T/r2.json"
why=$(jq -r '.recommendation.rejected[] | select(.model == "qw:q4_k_m") | .why' "$T/r2.json" | head -1)
assert_contains "$why" "points below its reference qw" "q4_k_m rejected for its accuracy loss"

# Every forged architecture quantizes (LM and projector) and answers quantized.
for a in $ARCHS; do
  D=$DEMO/models/$a
  "$VLMETER" quantize "$D/model.gguf" --mmproj "$D/mmproj.gguf" --types q4_k_m "$T/arch-$a" > "$T/qa.out" 2>&1 ||
    { cat "$T/qa.out"; fail "quantize $a"; }
  got=$("$VLMETER" ask -m "$T/arch-$a/model-Q4_K_M.gguf" --mmproj "$T/arch-$a/mmproj-Q4_K_M.gguf" --image "$(first_image)" \
        -p "Describe this image." -n 8 --temp 0 --threads 2 --raw 2> "$T/qa.err") || { cat "$T/qa.err"; fail "$a q4_k_m does not answer"; }
  [ "$(echo $got | wc -w)" -ge 4 ] || fail "$a q4_k_m: answer '$got' is not 8 tokens of words"
  echo "$a q4_k_m: $got"
done
