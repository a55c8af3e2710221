# Reasoning models: the think block is stored apart from the answer, only the
# answer is scored, and a block that never closes is an unparsed answer.
#
# Local, on the forged qwen3vl-thinking model, whose chat template opens the
# block in its generation prompt ("<think>\n"): with reasoning=budget=4,
# llama.cpp's budget sampler forces "</think>" after 4 tokens, so the reasoning
# must be the first 4 tokens of the unbudgeted answer (same greedy path up to
# there), the raw text that plus "</think>", and the answer what follows.
# Remote, through the fault proxy answering with canned streams: a <think>
# block in the content, a server's reasoning_content, and an unclosed block.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/remote_lib.sh"
d=$DEMO/models/qwen3vl-thinking
[ -f "$d/model.gguf" ] || fail "the demo has no forged qwen3vl-thinking model"
img=$(first_image)
ask() { "$VLMETER" ask -m "$d/model.gguf" --mmproj "$d/mmproj.gguf" --image "$img" -p "Describe this image." \
        -n 16 --temp 0 --threads 2 "$@"; }

# The template opened the block: the rendered prompt ends with it.
ask --raw --gaps "$T/g0.tsv" --prompt-out "$T/p0.txt" > "$T/raw0" 2> "$T/err0" || { cat "$T/err0"; fail "ask"; }
printf '<|im_end|>\n<|im_start|>assistant\n<think>\n' > "$T/want_end"
tail -c "$(wc -c < "$T/want_end")" "$T/p0.txt" | cmp -s - "$T/want_end" ||
  fail "the rendered prompt does not end with the opened reasoning block: $(cat "$T/p0.txt")"
assert_contains "$(cat "$T/err0")" "reasoning=unclosed n_reasoning_tokens=16" "16 tokens, never closed"
[ "$(ask 2>/dev/null)" == "" ] || fail "an unclosed block leaves no answer"

# Budget 4: the first 4 tokens of the free answer, then the forced end tag.
off4=$(awk '$1 == 4 {print $3}' "$T/g0.tsv")
[ -n "$off4" ] || fail "no 5th token in the free answer"
want_reasoning=$(head -c "$off4" "$T/raw0")
ask --raw --reasoning budget=4 > "$T/raw4" 2> "$T/err4" || { cat "$T/err4"; fail "ask budget=4"; }
raw4=$(cat "$T/raw4")
[[ "$raw4" == "$want_reasoning</think>"* ]] || fail "budget=4: raw '$raw4' does not start with '$want_reasoning</think>'"
want_answer=$(printf '%s' "${raw4#*</think>}" | sed -e 's/^[[:space:]]*//')
[ -n "$want_answer" ] || fail "nothing after </think>"
assert_eq "$(ask --reasoning budget=4 2>/dev/null)" "$want_answer" "budget=4: the answer is the text after </think>"

# Through a run: stored apart, the answer scored, the reasoning never.
mkdir -p "$T/s"
cp "$img" "$T/s/img.png"
json() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
{
  printf '{"id":"answer","image":"img.png","prompt":"Describe this image.","answer":"%s","scorer":"exact"}\n' "$(json "$want_answer")"
  printf '{"id":"thought","image":"img.png","prompt":"Describe this image.","answer":"%s","scorer":"exact"}\n' "$(json "$(printf '%s' "$want_reasoning" | sed -e 's/^[[:space:]]*//')")"
} > "$T/s/cases.jsonl"
"$VLMETER" run -s "$T/s/cases.jsonl" --db "$DB" --max-tokens 16 --temp 0 --threads 2 --parallel 1 \
  -m "think=$d/model.gguf,mmproj=$d/mmproj.gguf,reasoning=budget=4" \
  -m "free=$d/model.gguf,mmproj=$d/mmproj.gguf" > "$T/run.out" 2>&1 || { cat "$T/run.out"; fail "run"; }
"$VLMETER" score --db "$DB" > /dev/null
row() { sql "SELECT $1 FROM answers a JOIN models m ON m.id=a.model_id WHERE m.name='$2' AND a.case_id='$3'"; }
assert_eq "$(row reasoning think answer)" "$(printf '%s' "$want_reasoning" | sed -e 's/^[[:space:]]*//')" \
  "stored reasoning (white space at its start left out)"
assert_eq "$(row output think answer)" "$want_answer" "stored answer"
assert_eq "$(row reasoning_state think answer)" "closed" "state"
n_think=$(row n_reasoning_tokens think answer)
[ "$n_think" -gt 4 ] && [ "$n_think" -lt 16 ] || fail "n_reasoning_tokens $n_think: 4 tokens and the forced tag, less than all 16"
score() { sql "SELECT s.correct || '|' || s.unparsed FROM scores s JOIN models m ON m.id=s.model_id WHERE m.name='$1' AND s.case_id='$2'"; }
assert_eq "$(score think answer)" "1|0" "the answer after </think> is what is scored"
assert_eq "$(score think thought)" "0|0" "the reasoning is never scored"
assert_eq "$(row reasoning_state free answer)" "unclosed" "without a budget the block never closes"
assert_eq "$(row output free answer)" "" "an unclosed block leaves no answer"
assert_eq "$(score free answer)" "0|1" "an unclosed block is unparsed"
"$VLMETER" report --db "$DB" --format json -o "$T/r.json"
assert_eq "$(jq -r '.models[] | select(.name=="free") | .reasoning | "\(.n_turns) \(.n_unclosed) \(.reasoning_tokens_mean)"' "$T/r.json")" \
  "2 2 16" "report: both turns of 'free' reason 16 tokens and never close"
assert_eq "$(jq -r '.models[] | select(.name=="free") | .reasoning.token_share' "$T/r.json")" "1" "all output is reasoning"

# Remote: canned streams.
sse() {  # file, then delta objects (JSON), finish reason
  local f=$1 reason=$2; shift 2
  : > "$f"
  for delta in "$@"; do printf 'data: {"choices":[{"index":0,"delta":%s}]}\n\n' "$delta" >> "$f"; done
  printf 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"%s"}]}\n\ndata: [DONE]\n\n' "$reason" >> "$f"
}
sse "$T/tagged.sse" stop '{"content":"<think>It is B"}' '{"content":".</think>\n\nA"}'
sse "$T/field.sse" stop '{"reasoning_content":"The answer is A"}' '{"content":"B"}'
sse "$T/cut.sse" length '{"content":"<think>A A"}' '{"content":" A"}'
printf '{"id":"q","prompt":"Which letter?","answer":"A","scorer":"exact"}\n' > "$T/s/q.jsonl"
DB2=$T/remote.db
for kind in tagged field cut; do
  FAULTPROXY_SSE=$T/$kind.sse start_proxy 0 ok 30
  "$VLMETER" run -s "$T/s/q.jsonl" --db "$DB2" -m "$kind=http://127.0.0.1:$PROXY_PORT/v1,model=x" > "$T/r.out" 2>&1 ||
    { cat "$T/r.out"; fail "remote run ($kind)"; }
done
"$VLMETER" score --db "$DB2" > /dev/null
rrow() { sqlite3 "$DB2" "SELECT a.output || '|' || ifnull(a.reasoning,'') || '|' || ifnull(a.reasoning_state,'') || '|' || s.correct || s.unparsed
         FROM answers a JOIN models m ON m.id=a.model_id JOIN scores s ON s.model_id=a.model_id AND s.case_id=a.case_id
         WHERE m.name='$1'"; }
assert_eq "$(rrow tagged)" "A|It is B.|closed|10" "a <think> block in the content"
assert_eq "$(rrow field)" "B|The answer is A|closed|00" "reasoning_content: the answer found only in the reasoning is no hit"
assert_eq "$(rrow cut)" "|A A A|unclosed|01" "cut inside the block: unparsed"
assert_eq "$(sqlite3 "$DB2" "SELECT a.n_reasoning_tokens FROM answers a JOIN models m ON m.id=a.model_id WHERE m.name='field'")" 1 \
  "one reasoning_content chunk counted"
echo "reasoning: budget split '$want_reasoning' | '$want_answer'"
