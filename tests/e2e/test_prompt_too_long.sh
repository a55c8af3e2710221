# A prompt longer than the context fails its case with a message saying so; a
# short case in the same run still runs.
source "$(dirname "$0")/lib.sh"
cp "$(first_image)" "$T/a.png"
long=$(printf 'word %.0s' $(seq 1 400))
printf '%s\n' "{\"id\":\"long\",\"images\":[\"a.png\"],\"turns\":[\"$long\"]}" '{"id":"short","turns":["Hi"]}' > "$T/s.jsonl"
set +e
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" -m "$(model_spec llava)" --max-tokens 4 --ctx 256 -q 2> "$T/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "exit status $rc, want 1"
assert_contains "$(cat "$T/err")" "prompt too long" "message"
assert_contains "$(cat "$T/err")" "the context holds 256" "message names the context"
assert_eq "$(sql "SELECT status FROM cases WHERE case_id='short'")" "done" "short case ran"
assert_eq "$(sql "SELECT status FROM cases WHERE case_id='long'")" "error" "long case stored as error"
