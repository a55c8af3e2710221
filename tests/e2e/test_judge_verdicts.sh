# How a judge's reply is read (docs/scoring.md, "judge"): a reply holding
# INCORRECT is wrong even though CORRECT is part of it, any case; CORRECT alone
# is right; anything else is unparsed and counts as wrong. The model and the
# judges are canned streams served by the fault proxy (no model runs).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/remote_lib.sh"
sse() {  # text -> an SSE stream answering it, on stdout
  jq -cn --arg t "$1" '{choices: [{delta: {content: $t}, finish_reason: "stop"}]}' | sed 's/^/data: /'
  printf '\ndata: [DONE]\n\n'
}
sse "Paris" > "$T/answer.sse"
printf '{"id":"q","prompt":"Which city is the capital of France?","answer":"Paris","scorer":"judge"}\n' > "$T/s.jsonl"
FAULTPROXY_SSE=$T/answer.sse start_proxy 0 ok 30
"$VLMETER" run -q -s "$T/s.jsonl" --db "$DB" -m "m=http://127.0.0.1:$PROXY_PORT/v1,model=x" || fail "run failed"
assert_eq "$(sql "SELECT output FROM answers")" "Paris" "the canned answer stored"

# judge name | its reply | correct unparsed | stored verdict
while IFS='|' read -r name reply want verdict; do
  sse "$reply" > "$T/$name.sse"
  FAULTPROXY_SSE=$T/$name.sse start_proxy 0 ok 30
  "$VLMETER" score -q --db "$DB" --judge "$name=http://127.0.0.1:$PROXY_PORT/v1,model=j" ||
    fail "score with judge $name failed"
  assert_eq "$(sql "SELECT correct || ' ' || unparsed FROM scores")" "$want" "judge $name ('$reply'): correct, unparsed"
  assert_eq "$(sql "SELECT verdict FROM judgments WHERE judge='$name'")" "$verdict" "judge $name: stored verdict"
  assert_contains "$(sql "SELECT detail FROM scores")" "judge $name: $reply" "judge $name: the reply in the detail"
done <<'EOF'
wrong|Incorrect: the answer is not correct.|0 0|0
right|CORRECT|1 0|1
lower|correct.|1 0|1
vague|I cannot tell without the image.|0 1|-1
EOF
