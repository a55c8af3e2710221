# The step loop's schedule (docs/metrics.md, "Scheduling"), counted in the
# engine's figures, on the forged qwen3vl model (it shares KV prefixes):
#   A. four questions on one image, --parallel 4: the questions' prompts are
#      prefilled together in one llama_decode, not one by one;
#   B. a case that starts while another generates is prefilled in chunks of
#      --prefill-chunk tokens mixed into that one's decode steps.
# --prefill-chunk 0 (each prompt prefilled alone) is the control in both.
# Every expected count is worked out below from the prompt lengths the store
# holds; the arithmetic is in the comments.
source "$(dirname "$0")/lib.sh"
spec=$(model_spec qwen3vl)
figures() { sqlite3 -separator ' ' "$1" "SELECT prefill_steps, prefill_step_tokens, mixed_steps, decode_steps,
                                       decode_tokens FROM model_loads"; }
# Prompt text tokens a store's answers needed prefilled: all prompt tokens
# not found in the KV cache, less the image's, whose embeddings are decoded by
# calls of their own (one image, encoded once: every case holds it).
text_prefilled() { sqlite3 "$1" "SELECT sum(n_prompt_tokens - n_cached_tokens)
                                 - (SELECT n_image_tokens FROM answers ORDER BY case_id LIMIT 1) FROM answers"; }

# ---- A. batched question prefill
cp "$(first_image)" "$T/img.png"
img=img.png n=0
for q in "Describe this image." "How many objects are there?" "What is the main color?" "Is there text?"; do
  jq -cn --arg id "q$((++n))" --arg img "$img" --arg p "$q" '{id: $id, image: $img, prompt: $p}'
done > "$T/a.jsonl"
for chunk in 512 0; do
  "$VLMETER" run -q -s "$T/a.jsonl" -m "$spec" --db "$T/a$chunk.db" --parallel 4 --max-tokens 4 --threads 2 \
    --prefill-chunk $chunk >/dev/null || fail "A: vlmeter run --prefill-chunk $chunk failed"
  assert_eq "$(sqlite3 "$T/a$chunk.db" "SELECT count(*) FROM answers WHERE error IS NULL")" 4 "A chunk $chunk: answers"
  # Every later question starts from the first one's image prefix.
  assert_eq "$(sqlite3 "$T/a$chunk.db" "SELECT min(n_cached_tokens > n_image_tokens) FROM answers WHERE case_id != 'q1'")" \
    1 "A chunk $chunk: questions 2-4 share the image prefix"
done
read -r steps tokens mixed _ < <(figures "$T/a512.db")
# Slot 0 evaluates the text before the image at once (1 call) and the image's
# embeddings (mtmd's calls, not counted); each question's text after the
# image waits, and the first step holds all four: 1 + 1 = 2 calls.
assert_eq "$steps" 2 "A: prefill calls with batching (the text before the image, then four questions in one)"
assert_eq "$tokens" "$(text_prefilled "$T/a512.db")" "A: prompt text tokens in those calls"
assert_eq "$mixed" 0 "A: mixed steps (nothing generates while the questions prefill)"
read -r steps tokens mixed _ < <(figures "$T/a0.db")
# Without batching: the text before the image, then each question alone: 1 + 4.
assert_eq "$steps" 5 "A: prefill calls with --prefill-chunk 0 (one per question)"
assert_eq "$tokens" "$(text_prefilled "$T/a0.db")" "A: prompt text tokens with --prefill-chunk 0"
assert_eq "$mixed" 0 "A: mixed steps with --prefill-chunk 0"

# ---- B. chunked prefill mixed into decode steps
# --parallel 2, context 130 per sequence, 40 tokens at most. L's long prompt
# leaves it room for few tokens: it stops when the context is full, while S1
# (short) goes on generating. S2 then takes L's sequence and is prefilled in
# chunks of CHUNK tokens mixed into S1's steps.
CHUNK=8 CTX=130 MAX=40
long=$(for i in $(seq 1 40); do echo -n "word$i "; done)
{ jq -cn --arg p "Repeat: $long" '{id: "L", prompt: $p}'
  jq -cn '{id: "S1", prompt: "Say hello."}'
  jq -cn '{id: "S2", prompt: "Count to ten please."}'; } > "$T/b.jsonl"
for chunk in $CHUNK 0; do
  "$VLMETER" run -q -s "$T/b.jsonl" -m "$spec" --db "$T/b$chunk.db" --parallel 2 --ctx $CTX --max-tokens $MAX \
    --threads 2 --prefill-chunk $chunk >/dev/null || fail "B: vlmeter run --prefill-chunk $chunk failed"
done
DB=$T/b$CHUNK.db
IFS="|" read -r pL cL nL < <(sql "SELECT n_prompt_tokens, n_cached_tokens, n_output_tokens FROM answers WHERE case_id='L'")
IFS="|" read -r pS1 cS1 nS1 < <(sql "SELECT n_prompt_tokens, n_cached_tokens, n_output_tokens FROM answers WHERE case_id='S1'")
IFS="|" read -r pS2 cS2 nS2 < <(sql "SELECT n_prompt_tokens, n_cached_tokens, n_output_tokens FROM answers WHERE case_id='S2'")
# Preconditions of the arithmetic: L ends on the full context (after k decode
# steps n_past = pL + k, and k + 1 tokens were sampled: it stops at
# pL + k = CTX, with CTX - pL + 1 tokens); S1 and S2 reach max_tokens.
assert_eq "$nL" $((CTX - pL + 1)) "B: L stopped by the full context"
assert_eq "$nS1 $nS2" "$MAX $MAX" "B: S1 and S2 generate max_tokens"
kL=$((nL - 1)) tail=$((pS2 - cS2))
m=$(( (tail + CHUNK - 1) / CHUNK ))  # S2's tail in chunks of CHUNK
[ $kL -lt $((MAX - 1)) ] && [ $((kL + m)) -lt $((MAX - 1)) ] ||
  fail "B: S1 must still generate while S2 prefills (L: $kL steps, S2: $m chunks)"
read -r steps tokens mixed dsteps dtokens < <(figures "$DB")
# Step 1 prefills L and S1 together (nothing generates: the budget is the
# batch). S1 generates in steps 1..MAX-1; L in steps 1..kL. S2 starts after
# step kL and prefills in m mixed steps, then generates MAX-1 more.
assert_eq "$mixed" $m "B: mixed steps = ceil(S2's $tail prompt tokens / $CHUNK)"
assert_eq "$steps" $((1 + m)) "B: prefill calls (L and S1 together, then S2's chunks)"
assert_eq "$tokens" $((pL - cL + pS1 - cS1 + tail)) "B: prompt tokens in those calls"
assert_eq "$dsteps" $((kL + m + MAX - 1)) "B: decode steps (S2's last step ends the run)"
assert_eq "$dtokens" $((kL + 2 * (MAX - 1))) "B: generated tokens in decode steps"
DB=$T/b0.db
read -r steps _ mixed dsteps dtokens < <(figures "$DB")
# Without chunks: L, S1, S2 each prefilled alone (3 calls); S2 starts after
# step kL and generates in the steps after, the last being kL + MAX - 1.
assert_eq "$mixed $steps" "0 3" "B --prefill-chunk 0: mixed steps, prefill calls"
assert_eq "$dsteps" $((kL + MAX - 1)) "B --prefill-chunk 0: decode steps"
# The time split covers only what ran: mixed time only where steps mixed.
assert_eq "$(sql "SELECT mixed_ms = 0 AND prefill_ms > 0 AND decode_ms > 0 FROM model_loads")" 1 \
  "B --prefill-chunk 0: time in prefill and decode calls, none mixed"
DB=$T/b$CHUNK.db
assert_eq "$(sql "SELECT mixed_ms > 0 AND prefill_ms > 0 AND decode_ms > 0 AND encode_ms = 0 FROM model_loads")" 1 \
  "B: time in prefill, decode and mixed calls, none encoding (text cases)"
echo "A: 4 questions prefilled in 1 call (5 without batching); B: S2's $tail tokens in $m mixed steps of <= $CHUNK"
