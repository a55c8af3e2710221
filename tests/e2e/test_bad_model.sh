# A missing GGUF, a truncated GGUF and an mmproj that does not match its model
# each fail that model with a clear message and its cases stored as errors; the
# good model still runs all its cases.
source "$(dirname "$0")/lib.sh"
cp "$(first_image)" "$T/a.png"
printf '%s\n' '{"id":"c1","images":["a.png"],"turns":["What is it?"]}' '{"id":"c2","turns":["Hello?"]}' > "$T/s.jsonl"
L=$DEMO/models/llava
other=$(echo $ARCHS | tr ' ' '\n' | grep -v '^llava$' | head -1)
O=$DEMO/models/$other
size=$(stat -c %s "$L/model.gguf")
head -c $((size / 2)) "$L/model.gguf" > "$T/truncated.gguf"
set +e
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" --max-tokens 8 -q \
  -m "missing=$T/none.gguf,mmproj=$L/mmproj.gguf" \
  -m "truncated=$T/truncated.gguf,mmproj=$L/mmproj.gguf" \
  -m "mismatch=$L/model.gguf,mmproj=$O/mmproj.gguf" \
  -m "good=$L/model.gguf,mmproj=$L/mmproj.gguf" 2> "$T/err"
rc=$?
set -e
cat "$T/err"
[ $rc -eq 1 ] || fail "exit status $rc, want 1"
msgs=$(cat "$T/err")
assert_contains "$msgs" "none.gguf' cannot be opened" "missing model"
assert_contains "$msgs" "cannot load model '$T/truncated.gguf'" "truncated model"
assert_contains "$msgs" "cannot load projector '$O/mmproj.gguf'" "mismatched projector"
for m in missing truncated mismatch; do
  assert_eq "$(sql "SELECT count(*) FROM cases c JOIN models m ON m.id=c.model_id WHERE m.name='$m' AND status='error'")" 2 "$m cases stored as errors"
done
assert_eq "$(sql "SELECT count(*) FROM cases c JOIN models m ON m.id=c.model_id WHERE m.name='good' AND status='done'")" 2 "good model ran"
# Fixed files are picked up with --retry-errors: still missing, the cases fail
# again (no duplicate rows); once the file is there, they are answered.
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" --max-tokens 8 -q --retry-errors \
  -m "missing=$T/none.gguf,mmproj=$L/mmproj.gguf" 2>/dev/null && fail "still missing, should fail"
[ "$(sql "SELECT count(*) FROM answers")" -eq 8 ] || fail "retry duplicated rows"
cp "$L/model.gguf" "$T/none.gguf"
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" --max-tokens 8 -q --retry-errors \
  -m "missing=$T/none.gguf,mmproj=$L/mmproj.gguf" || fail "the fixed model failed with --retry-errors"
assert_eq "$(sql "SELECT group_concat(status) FROM cases c JOIN models m ON m.id=c.model_id WHERE m.name='missing'")" \
  "done,done" "fixed model's cases answered"
assert_eq "$(sql "SELECT count(*) FROM answers a JOIN models m ON m.id=a.model_id WHERE m.name='missing' AND a.error IS NULL AND a.output IS NOT NULL")" \
  2 "fixed model's turns stored with output"
[ "$(sql "SELECT count(*) FROM answers")" -eq 8 ] || fail "retry duplicated rows"
# Without --retry-errors a case stored as an error is not run again, fixed file or not.
cp "$L/model.gguf" "$T/truncated.gguf"
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" --max-tokens 8 -q \
  -m "truncated=$T/truncated.gguf,mmproj=$L/mmproj.gguf" 2>/dev/null || true
assert_eq "$(sql "SELECT group_concat(status) FROM cases c JOIN models m ON m.id=c.model_id WHERE m.name='truncated'")" \
  "error,error" "errors kept without --retry-errors"
# A chat template llama.cpp's Jinja parser refuses, and a reasoning setting the
# template has no switch for: the model is refused by name with the parser's
# own message; the run goes on with the other model.
set +e
"$VLMETER" run -s "$T/s.jsonl" --db "$T/tmpl.db" --max-tokens 4 -q \
  -m "badtmpl=$L/model.gguf,mmproj=$L/mmproj.gguf,template={% if %}x" \
  -m "nothink=$L/model.gguf,mmproj=$L/mmproj.gguf,reasoning=off" \
  -m "good=$L/model.gguf,mmproj=$L/mmproj.gguf" > /dev/null 2> "$T/tmpl.err"
rc=$?
set -e
[ $rc -eq 1 ] || { cat "$T/tmpl.err"; fail "bad template: exit status $rc, want 1"; }
assert_contains "$(cat "$T/tmpl.err")" "chat template cannot be used: Unexpected token" "the Jinja parser's message"
assert_contains "$(cat "$T/tmpl.err")" "has no switch for reasoning" "reasoning=off without a switch"
assert_eq "$(sqlite3 "$T/tmpl.db" "SELECT m.name || ':' || c.status FROM cases c JOIN models m ON m.id=c.model_id ORDER BY 1" | sort -u | tr '\n' ' ')" \
  "badtmpl:error good:done nothink:error " "the bad settings stored as errors, the good model ran"
