# One model spread over machines through llama.cpp's RPC backend (docs/plan-format.md,
# "rpc"). Two of llama.cpp's own rpc-server processes listen on loopback; a forged
# model run with rpc=HOST:PORT,HOST:PORT puts its layers on their devices and must
# answer exactly what the same model answers run locally (same greedy tokens: the
# servers compute on the same CPU code). Then: a server that does not answer is a
# clear error naming it while the run's other model goes on, and a malformed list
# is refused naming the bad entry.
source "$(dirname "$0")/lib.sh"
RPC_SERVER=$LLAMA_PREFIX/bin/ggml-rpc-server
[ -x "$RPC_SERVER" ] || fail "no $RPC_SERVER: scripts/llama-cpp.sh builds it (target ggml-rpc-server, GGML_RPC=ON)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
start_rpc() {  # port log
  "$RPC_SERVER" -H 127.0.0.1 -p "$1" -t 1 > "$2" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$2"; fail "rpc-server on port $1 did not start"
}
p1=$(free_port); start_rpc "$p1" "$T/rpc1.log"
p2=$(free_port); start_rpc "$p2" "$T/rpc2.log"

ls "$IMAGES"/*.png | head -3 > "$T/imgs"
n=0
while read -r img; do
  n=$((n + 1)); cp "$img" "$T/i$n.png"
  echo "{\"id\":\"c$n\",\"category\":\"look\",\"images\":[\"i$n.png\"],\"turns\":[\"<image> Describe it.\"],\"expected\":[\"x\"],\"scorer\":\"contains\"}"
done < "$T/imgs" > "$T/s.jsonl"
echo '{"id":"t1","category":"text","turns":["Say yes."],"expected":["yes"],"scorer":"contains"}' >> "$T/s.jsonl"

arch=qwen3vl
[ -d "$DEMO/models/$arch" ] || arch=llava
common=(-s "$T/s.jsonl" --max-tokens 8 --threads 1 --no-reuse)
"$VLMETER" run "${common[@]}" --db "$T/local.db" -m "$(model_spec $arch m)" > "$T/local.out" 2>&1 \
  || { cat "$T/local.out"; fail "local run failed"; }
"$VLMETER" run -v "${common[@]}" --db "$T/rpc.db" -m "$(model_spec $arch m),rpc=127.0.0.1:$p1,127.0.0.1:$p2" \
  > "$T/rpc.out" 2>&1 || { cat "$T/rpc.out"; fail "rpc run failed"; }

answers() { sqlite3 "$1" "SELECT case_id || '/' || turn || ':' || quote(output) FROM answers ORDER BY case_id, turn"; }
assert_eq "$(sqlite3 "$T/rpc.db" "SELECT count(*) FROM answers WHERE error IS NULL")" $((n + 1)) "rpc run answered every case"
assert_eq "$(sqlite3 "$T/local.db" "SELECT count(*) FROM answers WHERE length(output) > 0")" $((n + 1)) "local answers not empty"
assert_eq "$(answers "$T/rpc.db")" "$(answers "$T/local.db")" "answers over RPC equal the local run's"
assert_eq "$(sqlite3 "$T/rpc.db" "SELECT backend FROM model_loads")" "RPC[127.0.0.1:$p1,127.0.0.1:$p2]" "backend stored"
assert_eq "$(sqlite3 "$T/local.db" "SELECT backend FROM model_loads")" "CPU" "local backend"
# Both servers hold a share of the weights (llama.cpp's own load log, -v).
for p in "$p1" "$p2"; do
  grep -Eq "RPC[0-9]+\[127\.0\.0\.1:$p\] model buffer size" "$T/rpc.out" \
    || { grep load_tensors "$T/rpc.out"; fail "no model buffer on the rpc server at port $p"; }
done
grep -q "layer   0 assigned to device RPC" "$T/rpc.out" || fail "layer 0 not on an RPC device"
# The stored settings do not name where the layers ran (as for ngl and threads):
# the answers are the model's, so shards run over RPC and locally merge.
assert_eq "$(sqlite3 "$T/rpc.db" "SELECT settings FROM models")" "$(sqlite3 "$T/local.db" "SELECT settings FROM models")" \
  "settings do not depend on rpc"

# A server that does not answer: the model fails with its name, the other model answers.
dead=$(free_port)
set +e
"$VLMETER" run "${common[@]}" --db "$T/dead.db" -m "$(model_spec $arch gone),rpc=127.0.0.1:$dead" \
  -m "$(model_spec $arch here)" > "$T/dead.out" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a run whose rpc server is down exits 0"
assert_contains "$(cat "$T/dead.out")" "rpc server 127.0.0.1:$dead does not answer" "message names the server"
assert_eq "$(sqlite3 "$T/dead.db" "SELECT count(*) FROM answers a JOIN models m ON m.id=a.model_id WHERE m.name='here' AND a.error IS NULL")" \
  $((n + 1)) "the other model still answered"

# A malformed list is refused naming the entry.
set +e
out=$("$VLMETER" run "${common[@]}" --db "$T/bad.db" -m "$(model_spec $arch bad),rpc=127.0.0.1:$p1,nohost" 2>&1)
set -e
assert_contains "$out" "rpc server 'nohost' must be HOST:PORT" "malformed entry named"
echo "ok: rpc answers equal local on 2 loopback rpc-servers; dead and malformed servers reported"
