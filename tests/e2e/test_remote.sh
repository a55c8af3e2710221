# The remote engine against llama.cpp's own llama-server on loopback, serving a
# forged model: for every case of the demo suite, the remote greedy answer to the
# first turn is byte for byte the local engine's on the same files and settings.
# Later turns of a conversation are only checked to exist: the local engine, like
# llama-mtmd-cli, keeps the reply's tokens in its KV cache without the template's
# end-of-turn text, while the server re-renders the whole chat (docs/remote.md).
# Also: the API key's value (key_env) reaches neither the store nor the output.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/remote_lib.sh"
SUITE=$DEMO/suite/demo.jsonl
start_server llava
export VLM_TEST_KEY=sekrit-remote-key-123
"$VLMETER" run -s "$SUITE" --db "$DB" --max-tokens 8 --temp 0 --threads 1 \
  -m "remote=http://127.0.0.1:$SERVER_PORT/v1,model=llava,key_env=VLM_TEST_KEY" \
  -m "$(model_spec llava local)" > "$T/out" 2> "$T/err" || { cat "$T/err"; fail "run failed"; }
cat "$T/out"
n_cases=$(sql "SELECT count(*) FROM cases WHERE model_id=1 AND status='done'")
[ "$n_cases" -ge 8 ] || fail "only $n_cases remote cases done"
sql "SELECT case_id, output FROM answers WHERE model_id=1 AND turn=0 ORDER BY case_id" > "$T/remote.txt"
sql "SELECT case_id, output FROM answers WHERE model_id=2 AND turn=0 ORDER BY case_id" > "$T/local.txt"
diff "$T/remote.txt" "$T/local.txt" || fail "remote and local answers differ"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE model_id=1 AND (output IS NULL OR output='')")" 0 "remote answers non-empty"
# Timings: TTFT before E2E, TPOT and inter-token figures from a stream, usage counts.
assert_eq "$(sql "SELECT count(*) FROM answers WHERE model_id=1 AND NOT (ttft_ms > 0 AND e2e_ms >= ttft_ms AND n_output_tokens BETWEEN 1 AND 8 AND tpot_ms > 0 AND itl_ms_max >= itl_ms_p50 AND n_prompt_tokens > 0 AND tokens_estimated = 0)")" 0 "remote timings"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE model_id=2 AND tpot_ms <= 0")" 0 "local tpot"
assert_eq "$(sql "SELECT chat_template || ' ' || backend FROM model_loads WHERE model_id=1")" "server remote" "remote model load row"
sql "SELECT settings FROM models WHERE name='remote'" | grep -q '"key_env":"VLM_TEST_KEY"' || fail "key_env name not in settings"
! grep -a -q sekrit "$DB"* "$T/out" "$T/err" || fail "the API key's value leaked"
"$VLMETER" export --db "$DB" -o "$T/x.jsonl"; grep -q '"tpot_ms":' "$T/x.jsonl" || fail "export lacks tpot_ms"

# A missing key variable fails the model with a clear message; its cases are errors.
set +e
env -u VLM_TEST_KEY "$VLMETER" run -s "$SUITE" --db "$T/nokey.db" -q \
  -m "nokey=http://127.0.0.1:$SERVER_PORT/v1,model=llava,key_env=VLM_TEST_KEY" 2> "$T/nokey.err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "missing key: exit $rc, want 1"
assert_contains "$(cat "$T/nokey.err")" "environment variable VLM_TEST_KEY (key_env) is not set" "missing key message"

# Plan files take remote models too.
cat > "$T/plan.yaml" <<YAML
suites: [$SUITE]
settings: {max_tokens: 4, temp: 0}
models:
  - name: planned
    urls: [http://127.0.0.1:$SERVER_PORT/v1, http://127.0.0.1:$SERVER_PORT/v1/]
    model_id: llava
    settings: {timeout: 30, retries: 1}
YAML
"$VLMETER" run "$T/plan.yaml" --db "$T/plan.db" -q || fail "plan with a remote model failed"
assert_eq "$(sqlite3 "$T/plan.db" "SELECT count(*) FROM cases WHERE status='done'")" "$n_cases" "plan cases"

# --concurrency 4: cases answered at once (one connection each), same answers,
# every turn stored once.
"$VLMETER" run -s "$SUITE" --db "$T/conc.db" --max-tokens 8 --temp 0 --concurrency 4 -q \
  -m "remote=http://127.0.0.1:$SERVER_PORT/v1,model=llava,key_env=VLM_TEST_KEY" || fail "concurrent run failed"
sqlite3 "$T/conc.db" "SELECT case_id, turn, output FROM answers ORDER BY case_id, turn" > "$T/conc.txt"
sql "SELECT case_id, turn, output FROM answers WHERE model_id=1 ORDER BY case_id, turn" > "$T/seq.txt"
diff "$T/seq.txt" "$T/conc.txt" || fail "answers with --concurrency 4 differ"
# A remote-only run never starts llama.cpp: its system info is not recorded
# (the run with a local model beside the remote one does record it).
assert_eq "$(sqlite3 "$T/conc.db" "SELECT llama_system_info IS NULL AND llama_version IS NOT NULL FROM runs")" 1 \
  "remote-only run: no llama.cpp system info"
assert_eq "$(sql "SELECT llama_system_info IS NOT NULL FROM runs ORDER BY id LIMIT 1")" 1 "local run: system info"

# A remote model can be the judge: every judge turn asked once, verdicts stored.
mkdir -p "$T/j" && grep -v '^#' "$SUITE" | jq -c '.scorer = "judge"' > "$T/j/$(basename "$SUITE")"
out=$("$VLMETER" score --db "$T/conc.db" -s "$T/j/$(basename "$SUITE")" --max-tokens 4 \
      --judge "rjudge=http://127.0.0.1:$SERVER_PORT/v1,model=llava")
n_judge=$(sqlite3 "$T/conc.db" "SELECT count(*) FROM answers WHERE expected IS NOT NULL AND output IS NOT NULL")
assert_contains "$out" "judge: $n_judge asked, 0 reused" "remote judge asked"
assert_eq "$(sqlite3 "$T/conc.db" "SELECT count(*) FROM judgments WHERE judge='rjudge'")" "$n_judge" "remote verdicts stored"
