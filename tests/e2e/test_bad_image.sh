# A missing image and a corrupt (truncated) image each fail their own case with
# a message naming the file; the other cases still run.
source "$(dirname "$0")/lib.sh"
cp "$(first_image)" "$T/a.png"
head -c 60 "$T/a.png" > "$T/truncated.png"
printf 'not an image at all' > "$T/text.jpg"
cat > "$T/s.jsonl" <<'JSONL'
{"id":"ok","images":["a.png"],"turns":["What is it?"]}
{"id":"missing","images":["nope.png"],"turns":["What is it?"]}
{"id":"truncated","images":["truncated.png"],"turns":["What is it?"]}
{"id":"text","images":["text.jpg"],"turns":["What is it?"]}
{"id":"ok2","images":["a.png"],"turns":["And now?"]}
JSONL
set +e
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" -m "$(model_spec llava)" --max-tokens 8 -q 2> "$T/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "exit status $rc, want 1"
msgs=$(cat "$T/err")
assert_contains "$msgs" "nope.png" "missing image named"
assert_contains "$msgs" "truncated.png" "truncated image named"
assert_contains "$msgs" "text.jpg" "non-image named"
assert_eq "$(sql "SELECT group_concat(case_id) FROM (SELECT case_id FROM cases WHERE status='done' ORDER BY 1)")" "ok,ok2" "good cases ran"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE error LIKE '%nope.png%'")" 1 "missing image stored"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE error LIKE '%truncated.png%'")" 1 "truncated image stored"
