# Models by name from the hub (docs/hub.md), against a loopback stand-in for it
# (tests/tools/hubserver.c) serving forged models: the model llama.cpp's -hf
# would pick (Q4_K_M before Q8_0) and its closest projector are downloaded into
# llama.cpp's cache layout under $LLAMA_CACHE; a connection dropped mid-file is
# resumed with a Range request; a file whose sha256 is not the published one is
# refused and nothing of it stays; a second run downloads nothing; an unreachable
# hub names the URL and the run goes on (from the cache when it holds the files).
# `ask` and `bench` take hub names too.
source "$(dirname "$0")/lib.sh"
HUBSERVER=$(dirname "$(dirname "$VLMETER")")/hubserver
D=$DEMO/models/llava
COMMIT=c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff # hubserver's fixed commit
cp "$(first_image)" "$T/a.png"
printf '%s\n' '{"id":"c1","images":["a.png"],"turns":["What is it?"]}' '{"id":"c2","turns":["Hello?"]}' > "$T/s.jsonl"

# The hub's repositories: a good one with two quantizations and two projectors,
# and one whose model will be published with a wrong sha256.
G=$T/hub/test-org/Tiny-GGUF B=$T/hub/test-org/Bad-GGUF X=$T/hub/test-org/Text-GGUF
mkdir -p "$G" "$B" "$X"
cp "$D/model.gguf" "$G/tiny-Q8_0.gguf"
cp "$D/model.gguf" "$G/tiny-Q4_K_M.gguf"
cp "$D/mmproj.gguf" "$G/mmproj-tiny-F16.gguf"
cp "$D/mmproj.gguf" "$G/mmproj-tiny-Q8_0.gguf" # |8-4| < |16-4|: llama.cpp pairs this one with Q4_K_M
cp "$D/model.gguf" "$B/bad-Q4_K_M.gguf"
cp "$D/mmproj.gguf" "$B/mmproj-bad-F16.gguf"
cp "$D/model.gguf" "$X/text-Q4_K_M.gguf" # no projector in the repository: a text-only model
(cd "$G" && sha256sum *.gguf > .sha256) && (cd "$B" && sha256sum *.gguf > .sha256) && (cd "$X" && sha256sum *.gguf > .sha256)
size=$(stat -c %s "$G/tiny-Q4_K_M.gguf")
half=$((size / 2))
"$HUBSERVER" "$T/hub" 300 "$T/port" --drop "tiny-Q4_K_M.gguf:$half" --bad-sha bad-Q4_K_M.gguf 2> "$T/hub.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
export HF_ENDPOINT=http://127.0.0.1:$(cat "$T/port")
export LLAMA_CACHE=$T/cache
CACHED=$LLAMA_CACHE/models--test-org--Tiny-GGUF
done_cases() {  # db model
  sqlite3 "$1" "SELECT count(*) FROM cases c JOIN models m ON m.id=c.model_id WHERE m.name='$2' AND status='done'"
}

# A name the hub would refuse is refused when the plan is read.
"$VLMETER" run -s "$T/s.jsonl" --db "$T/x.db" -m "x=hf:no-slash" 2> "$T/parse.err" && fail "hf:no-slash accepted"
assert_contains "$(cat "$T/parse.err")" "'hf:no-slash': expected hf:OWNER/REPO[:QUANT]" "bad hub name"

# 1. First run: download (resuming the dropped file), refuse the bad checksum.
set +e
HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz0123456789 "$VLMETER" run -s "$T/s.jsonl" --db "$DB" --max-tokens 8 \
  -m "hub=hf:test-org/Tiny-GGUF" -m "bad=hf:test-org/Bad-GGUF" -m "$(model_spec llava local)" > "$T/out1" 2> "$T/err1"
rc=$?
set -e
cat "$T/err1" "$T/hub.log"
[ $rc -eq 1 ] || fail "first run: exit status $rc, want 1 (the bad model's cases are errors)"
err1=$(cat "$T/err1")
[[ "$err1" != *abcdefghijklmnop* ]] || fail "the token was printed"
assert_contains "$err1" "$HF_ENDPOINT/test-org/Bad-GGUF/resolve/$COMMIT/bad-Q4_K_M.gguf: sha256 $(cut -c1-64 "$B/.sha256" | head -1)" \
  "bad checksum: the URL and the real sha256"
assert_contains "$err1" "the file is refused and deleted" "bad checksum refused"
[ -z "$(find "$LLAMA_CACHE/models--test-org--Bad-GGUF" -type f -path '*/blobs/*' -o -path '*/snapshots/*' -print)" ] ||
  fail "something of the refused file stayed: $(find "$LLAMA_CACHE/models--test-org--Bad-GGUF")"
assert_contains "$err1" "tiny-Q4_K_M.gguf: Transferred a partial file after $half bytes; resuming" "the drop is reported"
log=$(cat "$T/hub.log")
assert_contains "$log" "GET /test-org/Tiny-GGUF/resolve/$COMMIT/tiny-Q4_K_M.gguf range=- auth=1" "first try"
assert_contains "$log" "GET /test-org/Tiny-GGUF/resolve/$COMMIT/tiny-Q4_K_M.gguf range=bytes=$half- auth=1" \
  "the resume asks for the rest"
assert_contains "$log" "GET /api/models/test-org/Tiny-GGUF/refs range=- auth=1" "refs asked with the token"
[[ "$log" != */tiny-Q8_0.gguf\ * && "$log" != *mmproj-tiny-F16.gguf* ]] || fail "a file llama.cpp would not pick was fetched"
# llama.cpp's cache layout: refs/main, blobs/SHA256, snapshots/COMMIT/FILE -> ../../blobs/SHA256
assert_eq "$(cat "$CACHED/refs/main")" "$COMMIT" "refs/main"
model_sha=$(sha256sum < "$D/model.gguf" | cut -c1-64)
mmproj_sha=$(sha256sum < "$D/mmproj.gguf" | cut -c1-64)
assert_eq "$(readlink "$CACHED/snapshots/$COMMIT/tiny-Q4_K_M.gguf")" "../../blobs/$model_sha" "model link"
assert_eq "$(readlink "$CACHED/snapshots/$COMMIT/mmproj-tiny-Q8_0.gguf")" "../../blobs/$mmproj_sha" "mmproj link"
cmp "$CACHED/blobs/$model_sha" "$D/model.gguf" || fail "the resumed model differs from the served one"
[ -z "$(find "$LLAMA_CACHE" -name '*.downloadInProgress')" ] || fail "a partial file stayed"
assert_eq "$(done_cases "$DB" hub)" 2 "the hub model answered"
assert_eq "$(done_cases "$DB" local)" 2 "the local model ran on"
assert_eq "$(sql "SELECT count(*) FROM answers a JOIN models m ON m.id=a.model_id WHERE m.name='hub' AND a.error IS NULL AND length(a.output) > 0")" 2 \
  "the hub model's answers"

# 2. Second run, from a plan (no mmproj: it comes with the model): nothing is downloaded.
cat > "$T/plan.yaml" <<EOF
suites: [s.jsonl]
settings: {max_tokens: 8}
models:
  - name: hub
    model: hf:test-org/Tiny-GGUF:Q4_K_M
EOF
before=$(wc -l < "$T/hub.log")
"$VLMETER" run "$T/plan.yaml" --db "$T/second.db" -q 2> "$T/err2" || { cat "$T/err2"; fail "second run"; }
new=$(tail -n +$((before + 1)) "$T/hub.log")
assert_contains "$new" "/api/models/test-org/Tiny-GGUF/refs" "the second run asked the hub"
[[ "$new" != *resolve* ]] || fail "the second run downloaded: $new"
assert_eq "$(done_cases "$T/second.db" hub)" 2 "second run answered"

# 2b. `ask` and `bench` take the same names: the cached files serve (nothing
# downloaded), and bench asks the hub once for all its concurrency levels.
before=$(wc -l < "$T/hub.log")
"$VLMETER" ask -m hf:test-org/Tiny-GGUF --image "$T/a.png" -p "What is it?" -n 4 > "$T/ask.out" 2> "$T/ask.err" ||
  { cat "$T/ask.err"; fail "ask by hub name"; }
[ -s "$T/ask.out" ] || fail "ask by hub name printed no answer"
"$VLMETER" bench -m "hb=hf:test-org/Tiny-GGUF" --prompt "Hello" --max-tokens 4 --concurrency 1,2 --requests 2 \
  --db "$T/bench.db" > "$T/bench.out" 2> "$T/bench.err" || { cat "$T/bench.err"; fail "bench by hub name"; }
assert_eq "$(sqlite3 "$T/bench.db" "SELECT group_concat(concurrency || ':' || n_ok, ' ') FROM bench_levels")" "1:2 2:2" \
  "bench levels of the hub model"
new=$(tail -n +$((before + 1)) "$T/hub.log")
[[ "$new" != *resolve* ]] || fail "ask or bench downloaded again: $new"
assert_eq "$(grep -c "/api/models/test-org/Tiny-GGUF/refs" <<< "$new")" 2 "one refs request for ask, one for bench"

# 2c. A repository without an mmproj gives a text-only model: its image case is
# not applicable, its text case answered (docs/plan-format.md, "Text-only models").
"$VLMETER" run -s "$T/s.jsonl" --db "$T/text.db" --max-tokens 4 -q -m "txt=hf:test-org/Text-GGUF" 2> "$T/text.err" ||
  { cat "$T/text.err"; fail "text-only hub model"; }
assert_eq "$(sqlite3 "$T/text.db" "SELECT group_concat(x, ' ') FROM (SELECT case_id || ':' || status AS x FROM cases ORDER BY case_id)")" "c1:na c2:done" \
  "the hub model without mmproj: image case n/a, text case done"
[ -f "$LLAMA_CACHE/models--test-org--Text-GGUF/snapshots/$COMMIT/text-Q4_K_M.gguf" ] || fail "the text-only model is not cached"

# 3. The hub unreachable: the URL is named; cached files still serve, a model
# not cached fails alone and the run goes on with the others.
kill $SERVER
wait $SERVER 2>/dev/null || true
set +e
"$VLMETER" run -s "$T/s.jsonl" --db "$T/off.db" --max-tokens 8 -q -m "hub=hf:test-org/Tiny-GGUF" \
  -m "bad=hf:test-org/Bad-GGUF" -m "$(model_spec llava local)" 2> "$T/err3"
rc=$?
set -e
cat "$T/err3"
[ $rc -eq 1 ] || fail "offline run: exit status $rc, want 1"
assert_contains "$(cat "$T/err3")" "cannot reach the model hub: GET $HF_ENDPOINT/api/models/test-org/Bad-GGUF/refs" \
  "the unreachable URL is named"
assert_contains "$(cat "$T/err3")" "using the files cached in $CACHED" "the cache serves"
assert_eq "$(done_cases "$T/off.db" hub)" 2 "cached hub model answered offline"
assert_eq "$(done_cases "$T/off.db" local)" 2 "the local model ran on"
echo OK
