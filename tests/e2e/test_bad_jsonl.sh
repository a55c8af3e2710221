# A malformed JSONL line is reported with FILE:LINE and the reason, stored as an
# error, and the other cases still run; the exit status says a case failed.
source "$(dirname "$0")/lib.sh"
cp "$(first_image)" "$T/a.png"
cat > "$T/s.jsonl" <<'JSONL'
{"id":"good1","images":["a.png"],"turns":["What is it?"]}
{"id":"broken", "turns": ["unterminated"
{"id":"good2","turns":["Say hi."]}
JSONL
set +e
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" -m "$(model_spec llava)" --max-tokens 8 -q 2> "$T/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "exit status $rc, want 1"
assert_contains "$(cat "$T/err")" "s.jsonl:2:" "message names file and line"
assert_eq "$(sql "SELECT count(*) FROM cases WHERE status='done'")" 2 "good cases ran"
err=$(sql "SELECT error FROM cases WHERE status='error'")
assert_contains "$err" "s.jsonl:2:" "stored error"
"$VLMETER" export --db "$DB" > "$T/out.jsonl"
assert_eq "$(wc -l < "$T/out.jsonl")" 3 "exported lines"
grep -q '"error":null' "$T/out.jsonl" || fail "no successful line in export"
