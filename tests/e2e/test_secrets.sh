# Secrets never reach a file vlmeter writes (issue 17, deliverable 4): with an
# API key (OPENAI_API_KEY, a plan's key_env variable), a hub token (HF_TOKEN)
# and a serve token (VLMETER_TOKEN) set to distinctive random values, every
# command a user runs is run: run (a forged local model and a remote one through
# llama.cpp's llama-server, which refuses requests without the key), a plan file
# with its own key_env, score with a remote judge, report in every format,
# export, compare, merge, plan --calibrate, bench against the server, serve
# (pages fetched with the token), ask (local, and by hub name through the
# loopback hub, tests/tools/hubserver.c), probe, import, version, a drawing
# model whose images endpoint wants the key, forge, quantize, demo, and a key
# written into a URL (refused without showing it). Then every
# file under the test's folder (stores through `sqlite3 .dump` and as bytes,
# logs, the captured stdout and stderr, reports, exports, the hub cache) is
# searched for each secret's value; a hit fails naming the file. The servers'
# own logs are left out: they are not vlmeter's. Each secret is shown to have
# been used (the server refuses a request without the key, the hub saw a bearer
# token, serve refuses a page without its token, the images endpoint refuses a
# request without the key), so the test cannot pass by
# never sending them.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/remote_lib.sh"
command -v curl >/dev/null || fail "curl is needed"
HUBSERVER=$(dirname "$(dirname "$VLMETER")")/hubserver
[ -x "$HUBSERVER" ] || fail "no $HUBSERVER (make bin builds it)"

RND=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export OPENAI_API_KEY=sk-vlmtest-SECRET-$RND
export VLM_PLAN_KEY=plankey-vlmtest-$RND
export HF_TOKEN=hf_vlmtest$RND # the hub's form (hf_ and 34+ letters or digits): the API calls send it too
export VLMETER_TOKEN=servetok-vlmtest-$RND
SECRETS=("$OPENAI_API_KEY" "$VLM_PLAN_KEY" "$HF_TOKEN" "$VLMETER_TOKEN")
# The values the test itself writes nowhere but in cred.yaml (the user's own
# plan with a key in a URL, 7d); the servers' logs are theirs.
NOT_VLMETERS=(server.log hub.log imageserver.log cred.yaml)

# A three-case suite beside its images, and the same cases graded by a judge.
mkdir -p "$T/suite" "$T/judged"
cp -r "$DEMO/suite/images" "$T/suite/"
grep -v '^#' "$DEMO/suite/demo.jsonl" | head -3 > "$T/suite/s.jsonl"
cp -r "$DEMO/suite/images" "$T/judged/"
jq -c '.scorer = "judge"' "$T/suite/s.jsonl" > "$T/judged/s.jsonl"
SUITE=$T/suite/s.jsonl

start_server llava --api-key "$OPENAI_API_KEY,$VLM_PLAN_KEY"
BASE=http://127.0.0.1:$SERVER_PORT/v1
REMOTE="remote=$BASE,model=llava,key_env=OPENAI_API_KEY"
LOCAL=$(model_spec llava local)
# vcmd NAME ARGS...: vlmeter ARGS with stdout and stderr kept in $T/NAME.out and .err; fails on a non-zero exit.
vcmd() {
  local name=$1; shift
  local rc=0
  "$VLMETER" "$@" > "$T/$name.out" 2> "$T/$name.err" || rc=$?
  [ $rc -eq 0 ] || { cat "$T/$name.err"; fail "vlmeter $*: exit $rc"; }
}

# 0. The key is needed: the same remote model without key_env gets nothing answered.
set +e
"$VLMETER" run -s "$SUITE" --db "$T/nokey.db" --max-tokens 4 --retries 0 \
  -m "nokey=$BASE,model=llava" > "$T/nokey.out" 2> "$T/nokey.err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "a run without the key: exit $rc, want 1"
assert_eq "$(sqlite3 "$T/nokey.db" "SELECT count(*) FROM cases WHERE status='done'")" 0 "cases done without the key"
# (grep reads a whole dump: with pipefail, a grep -q that stops early fails the pipe)
[[ "$(sqlite3 "$T/nokey.db" .dump)" == *"HTTP 401"* ]] || { cat "$T/nokey.err"; fail "no 'HTTP 401' stored for the run without the key"; }

# 1. run: the remote model (key from OPENAI_API_KEY) and a local forged model.
vcmd run run -s "$SUITE" --db "$DB" --max-tokens 4 --threads 1 --gaps "$T/gaps.tsv" -m "$REMOTE" -m "$LOCAL"
assert_eq "$(sql "SELECT count(*) FROM cases c JOIN models m ON m.id=c.model_id WHERE m.name='remote' AND status='done'")" 3 \
  "remote cases answered with the key"

# 2. A plan whose model takes its key from another variable; plan --calibrate answers with it.
cat > "$T/plan.yaml" <<YAML
suites: [suite/s.jsonl]
settings: {max_tokens: 4, retries: 0}
models:
  - name: planned
    url: $BASE
    model_id: llava
    key_env: VLM_PLAN_KEY
YAML
vcmd plan plan "$T/plan.yaml" --db "$T/plan.db" --calibrate 1
vcmd planrun run "$T/plan.yaml" --db "$T/plan.db"
assert_eq "$(sqlite3 "$T/plan.db" "SELECT count(*) FROM cases WHERE status='done'")" 3 "the plan's cases answered"
grep -q '"key_env":"VLM_PLAN_KEY"' <(sqlite3 "$T/plan.db" "SELECT settings FROM models") ||
  fail "the plan's key_env name is not in the model's settings"

# 3. score with a remote judge that needs the key.
vcmd score score --db "$DB" -s "$T/judged/s.jsonl" --max-tokens 4 --judge "rjudge=$BASE,model=llava,key_env=OPENAI_API_KEY"
[ "$(sql "SELECT count(*) FROM judgments WHERE judge='rjudge'")" -gt 0 ] || fail "the remote judge gave no verdict"

# 4. report in every format, export, compare, merge.
for fmt in table md csv json html; do vcmd "report-$fmt" report --db "$DB" --format "$fmt" -o "$T/report.$fmt"; done
vcmd report-plan report --db "$T/plan.db" --plan "$T/plan.yaml"
vcmd export export --db "$DB" -o "$T/export.jsonl"
set +e
"$VLMETER" compare local remote --db "$DB" --format json > "$T/compare.out" 2> "$T/compare.err"
rc=$?
set -e
[ $rc -le 1 ] || { cat "$T/compare.err"; fail "compare: exit $rc"; }
vcmd merge merge "$T/merged.db" "$DB" "$T/plan.db"

# 5. bench against the server (key) and the local model; its report.
vcmd bench bench -m "$REMOTE" --prompt Hello --max-tokens 4 --concurrency 1 --requests 2 --db "$T/bench.db"
assert_eq "$(sqlite3 "$T/bench.db" "SELECT sum(n_ok) FROM bench_levels")" 2 "bench requests answered with the key"
vcmd bench-report report --db "$T/bench.db" --format json -o "$T/bench-report.json"

# 6. ask (a local model), probe, import, version.
vcmd ask ask -m "$DEMO/models/llava/model.gguf" --mmproj "$DEMO/models/llava/mmproj.gguf" \
  --image "$(first_image)" -p "What is it?" -n 4 --threads 1 --prompt-out "$T/ask-prompt.txt"
vcmd probe probe "$T/probe" --n 1 --categories colors,counting -q
mkdir -p "$T/folder" && cp "$(first_image)" "$T/folder/a.png"
printf 'image,question,answer\na.png,What is it?,red\n' > "$T/folder/questions.csv"
vcmd import import folder "$T/folder" "$T/imported"
vcmd version version

# 7. ask by hub name: the loopback hub must see a bearer token on the API call and the download.
G=$T/hub/test-org/Tiny-GGUF
mkdir -p "$G"
cp "$DEMO/models/llava/model.gguf" "$G/tiny-Q4_K_M.gguf"
cp "$DEMO/models/llava/mmproj.gguf" "$G/mmproj-tiny-F16.gguf"
(cd "$G" && sha256sum *.gguf > .sha256)
"$HUBSERVER" "$T/hub" 120 "$T/hub.port" 2> "$T/hub.log" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$T/hub.port" ] && break; sleep 0.1; done
export HF_ENDPOINT=http://127.0.0.1:$(cat "$T/hub.port") LLAMA_CACHE=$T/cache
vcmd askhub ask -m hf:test-org/Tiny-GGUF --image "$(first_image)" -p "What is it?" -n 4 --threads 1
assert_contains "$(cat "$T/hub.log")" "GET /api/models/test-org/Tiny-GGUF/refs range=- auth=1" "the hub token sent to the API"
assert_contains "$(cat "$T/hub.log")" "/tiny-Q4_K_M.gguf range=- auth=1" "the hub token sent with the download"

# 7b. A drawing model (generate cases) whose images endpoint wants the key
# (tests/tools/imageserver.c --key): refused without key_env, drawn with it.
IMAGESERVER=$(dirname "$(dirname "$VLMETER")")/imageserver
mkdir -p "$T/served"
cp "$(first_image)" "$T/served/a.png"
"$IMAGESERVER" "$T/served" 120 "$T/img.port" --key "$OPENAI_API_KEY" 2> "$T/imageserver.log" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$T/img.port" ] && break; sleep 0.1; done
IMGURL=http://127.0.0.1:$(cat "$T/img.port")/v1
printf '%s\n' '{"kind":"generate","id":"cube","prompt":"a red cube","questions":[{"q":"Is there a cube?","a":"yes"}]}' \
  > "$T/gen.jsonl"
set +e
"$VLMETER" run -s "$T/gen.jsonl" --db "$T/gen-nokey.db" -m "gen=$IMGURL,model=sd,images=$IMGURL" \
  > "$T/gen-nokey.out" 2> "$T/gen-nokey.err"
set -e
assert_contains "$(cat "$T/imageserver.log")" "POST /v1/images/generations unauthorized" "the images endpoint refuses no key"
vcmd gen run -s "$T/gen.jsonl" --db "$T/gen.db" -m "gen=$IMGURL,model=sd,images=$IMGURL,key_env=OPENAI_API_KEY"
assert_contains "$(cat "$T/imageserver.log")" "POST /v1/images/generations file=a.png" "a picture drawn with the key"
vcmd gen-report report --db "$T/gen.db" --format json -o "$T/gen-report.json"

# 7c. forge, quantize and demo (its models and suite; its run is the run above).
vcmd forge forge llava "$T/forged"
vcmd quantize quantize "$T/forged/model.gguf" --types q8_0 "$T/quant" --mmproj "$T/forged/mmproj.gguf"
vcmd demo demo --dir "$T/demo" --no-run -q

# 7d. A key written into a URL is refused, and the refusal does not show it.
set +e
"$VLMETER" run -s "$SUITE" --db "$T/cred.db" -m "cred=http://me:$OPENAI_API_KEY@127.0.0.1:$SERVER_PORT/v1,model=llava" \
  > "$T/cred.out" 2> "$T/cred.err"
rc=$?
cat > "$T/cred.yaml" <<YAML
suites: [suite/s.jsonl]
models:
  - {name: cred, url: "$BASE?api_key=$VLM_PLAN_KEY", model_id: llava}
YAML
"$VLMETER" run "$T/cred.yaml" --db "$T/cred.db" > "$T/cred-plan.out" 2> "$T/cred-plan.err"
rc2=$?
set -e
assert_eq "$rc $rc2" "2 2" "runs with a key in the URL: exit status"
assert_contains "$(cat "$T/cred.err")" "url 'http://***@127.0.0.1:$SERVER_PORT/v1' carries a password or key" "user:key@ refused"
assert_contains "$(cat "$T/cred-plan.err")" "api_key=***' carries a password or key" "?api_key= refused"
[ ! -e "$T/cred.db" ] || fail "a store was made for a refused plan"

# 8. serve with its token from the environment: pages with the token, none without.
"$VLMETER" serve --db "$DB" --port 0 > "$T/serve.out" 2> "$T/serve.err" &
SERVE=$!
PIDS+=($SERVE)
URL=
for _ in $(seq 1 300); do
  URL=$(grep -o 'http://[^ ]*/' "$T/serve.err" | head -1 || true)
  [ -n "$URL" ] && break
  kill -0 $SERVE 2>/dev/null || { cat "$T/serve.err"; fail "serve exited"; }
  sleep 0.1
done
[ -n "$URL" ] || fail "serve printed no URL"
page() { curl -s -o "$T/page-$1.html" -w '%{http_code}' -H "Authorization: Bearer $VLMETER_TOKEN" "$URL$2"; }
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL")" 401 "a page without the serve token"
CASE=$(sql "SELECT case_id FROM cases ORDER BY case_id LIMIT 1")
for p in "index:" "cases:cases" "case:case?suite=s&id=$CASE" "report:report" "pair:pair"; do
  code=$(page "${p%%:*}" "${p#*:}" || true)
  assert_eq "$code" 200 "serve page /${p#*:}"
done
kill -TERM $SERVE
wait $SERVE || true

# 9. No secret in any file vlmeter wrote: stores dumped and as bytes (WAL and
# journal files too), everything else as bytes.
found=()
while IFS= read -r -d '' file; do
  name=${file##*/}
  [[ " ${NOT_VLMETERS[*]} " == *" $name "* ]] && continue
  dump=
  [ "$(head -c 15 "$file" | tr -d '\0')" == "SQLite format 3" ] && dump=$(sqlite3 "$file" .dump)
  for s in "${SECRETS[@]}"; do
    if grep -a -q -F -- "$s" "$file"; then found+=("$file"); fi
    if [[ -n "$dump" && "$dump" == *"$s"* ]]; then found+=("$file (.dump)"); fi
  done
done < <(find "$T" -type f -print0)
[ ${#found[@]} -eq 0 ] || fail "a secret's value was found in: ${found[*]}"
n_files=$(find "$T" -type f | wc -l)
[ "$n_files" -gt 30 ] || fail "only $n_files files searched"
echo "OK: $n_files files searched, no secret in any"
