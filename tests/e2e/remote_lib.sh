# remote_lib.sh - for the remote-engine tests (sourced after lib.sh): start
# llama.cpp's own llama-server on a free loopback port with a forged model, the
# fault proxy, and stop both when the test exits.
FAULTPROXY=$(dirname "$(dirname "$VLMETER")")/faultproxy
[ -x "$FAULTPROXY" ] || fail "no $FAULTPROXY (make bin builds it)"
PIDS=()
cleanup_remote() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup_remote EXIT

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
  done
  fail "no free port"
}

# start_server ARCH [extra llama-server args]: sets SERVER_PORT; waits for /health.
start_server() {
  local d=$DEMO/models/$1; shift
  SERVER_PORT=$(free_port)
  "$LLAMA_PREFIX/bin/llama-server" -m "$d/model.gguf" --mmproj "$d/mmproj.gguf" --host 127.0.0.1 \
    --port "$SERVER_PORT" -t 1 -c 4096 -np 1 --temp 0 --no-webui "$@" > "$T/server.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$SERVER_PORT/health" >/dev/null 2>&1 && return
    kill -0 "${PIDS[-1]}" 2>/dev/null || { cat "$T/server.log"; fail "llama-server exited"; }
    sleep 0.25
  done
  cat "$T/server.log"; fail "llama-server did not become healthy"
}

# start_proxy BACKEND_PORT SCHEDULE LIFETIME_S: sets PROXY_PORT.
start_proxy() {
  rm -f "$T/proxy.port"
  "$FAULTPROXY" "$1" "$2" "$3" "$T/proxy.port" 2> "$T/proxy.log" &
  PIDS+=($!)
  for _ in $(seq 1 100); do [ -s "$T/proxy.port" ] && break; sleep 0.05; done
  PROXY_PORT=$(cat "$T/proxy.port")
}
