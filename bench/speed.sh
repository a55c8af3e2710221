#!/usr/bin/env bash
# bench/speed.sh - vlmeter's local engine against llama.cpp's own tools, on the
# same forged `small` model and threads, measured side by side in one run:
#
#   1. decode and prefill tok/s: `vlmeter run` on text prompts of about 512
#      tokens against `llama-bench` pp (same prompt length) and tg (same depth);
#      target >= 0.95 each.
#   2. wall time of a suite of IMAGES distinct images x QUESTIONS questions
#      (one case each, image-major order), every answer MAX_TOKENS tokens:
#      `vlmeter run --parallel N` against one `llama-mtmd-cli` process per case
#      (target >= 3x), and against `llama-server -np S` driven by vlmeter's remote
#      engine at concurrency S, for each S in SERVER_NP, timed from the first
#      request (the server's load is not counted; target >= 1.3x against the
#      fastest S). vlmeter's time includes its model load.
#   3. peak RSS (VmHWM, polled from /proc) of the vlmeter run against each
#      llama-server process (-np PARALLEL holds the same KV cache size).
#
# It also prints how many answers equal llama-mtmd-cli's, as a check that the
# runs did the same work (greedy decoding; see docs/metrics.md on near-ties).
#
# Usage: bench/speed.sh [BUILD_DIR]   (default build/cpu; run `make` first)
# Env:   ARCH=qwen3vl|llava (default qwen3vl)  IMAGES=50  QUESTIONS=4
#        PARALLEL=4  SERVER_NP="4 1"  MAX_TOKENS=32  THREADS=2  KEEP=1 (keep the work folder)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/cpu}
ARCH=${ARCH:-qwen3vl} IMAGES=${IMAGES:-50} QUESTIONS=${QUESTIONS:-4} PARALLEL=${PARALLEL:-4}
SERVER_NP=${SERVER_NP:-"4 1"} MAX_TOKENS=${MAX_TOKENS:-32} THREADS=${THREADS:-2}
V=$PWD/$BUILD/vlmeter
LLAMA=$(cat "$BUILD/llama-prefix")
W=$(mktemp -d /tmp/vlmeter-speed-XXXXXX)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; [ -n "${KEEP:-}" ] && echo "work folder: $W" || rm -rf "$W"; }
trap cleanup EXIT
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }
# Run a command in the background; wait for it while sampling its peak RSS into $PEAK_KB.
run_polled() {
  "$@" & local pid=$! kb
  PEAK_KB=0
  while kill -0 $pid 2>/dev/null; do
    kb=$(hwm_kb $pid); [ -n "$kb" ] && PEAK_KB=$kb
    sleep 0.2
  done
  wait $pid
}

echo "machine: $(nproc) cores, $(awk '/^model name/ {sub(/.*: /, ""); print; exit}' /proc/cpuinfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "llama.cpp: $("$V" version | sed -n 2p)"
"$V" forge "$ARCH" "$W/model" --size small >/dev/null
M=$W/model/model.gguf MM=$W/model/mmproj.gguf
SPEC="small=$M,mmproj=$MM"
COMMON=(--threads "$THREADS" --max-tokens "$MAX_TOKENS" --ctx 4096)
echo "model: forged $ARCH small ($(du -m "$M" | cut -f1) MiB + $(du -m "$MM" | cut -f1) MiB), $THREADS threads"

# ---------------------------------------------------------------- 1. tok/s
# Three text prompts of different words (reuse off, so each is prefilled whole).
words="alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa"
for i in 1 2 3; do
  text=$(for j in $(seq 1 105); do echo -n "$(echo $words | cut -d' ' -f$(( (i * 7 + j * 3) % 16 + 1 ))) "; done)
  text="$text$text$text"
  jq -cn --arg id "text$i" --arg p "Repeat: $text" '{id: $id, prompt: $p}'
done > "$W/text.jsonl"
"$V" run -q -s "$W/text.jsonl" -m "$SPEC" --db "$W/tok.db" --no-reuse --threads "$THREADS" --max-tokens 64 \
  --ctx 4096 || { echo "vlmeter run (text) failed"; exit 1; }
read -r n_prompt pp_v tg_v < <(sqlite3 -separator ' ' "$W/tok.db" \
  "SELECT CAST(avg(n_prompt_tokens) AS INT), avg(n_prompt_tokens * 1000.0 / prefill_ms), avg(decode_tps) FROM answers")
bench_tps() { "$LLAMA/bin/llama-bench" -m "$M" -t "$THREADS" -r 3 -o csv "$@" 2>/dev/null | tail -1 | awk -F, '{gsub(/"/, "", $(NF-1)); print $(NF-1)}'; }
pp_b=$(bench_tps -p "$n_prompt" -n 0)
tg_b=$(bench_tps -p 0 -n 64 -d "$n_prompt")
printf 'prefill %d tokens: vlmeter %.1f tok/s, llama-bench pp%d %.1f tok/s: ratio %s (target >= 0.95)\n' \
  "$n_prompt" "$pp_v" "$n_prompt" "$pp_b" "$(ratio "$pp_v" "$pp_b")"
printf 'decode at depth %d: vlmeter %.1f tok/s, llama-bench tg64@d%d %.1f tok/s: ratio %s (target >= 0.95)\n' \
  "$n_prompt" "$tg_v" "$n_prompt" "$tg_b" "$(ratio "$tg_v" "$tg_b")"

# ---------------------------------------------------------------- 2. the suite
"$V" probe "$W/probe" --n $(( (IMAGES + 9) / 10 + 2 )) --level 1 >/dev/null
questions=("Describe this image in one sentence." "How many objects are in the image?"
           "What is the main color in the image?" "Is there any text in the image? Answer yes or no.")
ls "$W/probe/images" | sort | while read -r f; do echo "$(md5sum < "$W/probe/images/$f" | cut -c1-32) $f"; done \
  | sort -k1,1 -u | sort -k2 | awk -v n="$IMAGES" 'NR <= n {print $2}' > "$W/images.txt"
[ "$(wc -l < "$W/images.txt")" -eq "$IMAGES" ] || { echo "the probe gave fewer than $IMAGES distinct images"; exit 1; }
cp -r "$W/probe/images" "$W/suite-images"
n=0
while read -r f; do
  for q in $(seq 0 $((QUESTIONS - 1))); do
    jq -cn --arg id "$(printf 'img%03d-q%d' $n $q)" --arg img "suite-images/$f" --arg p "${questions[$((q % 4))]}" \
      '{id: $id, image: $img, prompt: $p}'
  done
  n=$((n + 1))
done < "$W/images.txt" > "$W/suite.jsonl"
CASES=$(wc -l < "$W/suite.jsonl")
echo "suite: $IMAGES images x $QUESTIONS questions = $CASES cases, $MAX_TOKENS tokens each"

t0=$(now_ms)
run_polled "$V" run -q -s "$W/suite.jsonl" -m "$SPEC" --db "$W/v.db" --parallel "$PARALLEL" "${COMMON[@]}"
wall_v=$(( $(now_ms) - t0 )); rss_v=$PEAK_KB
read -r enc cached reused ptok mean_b < <(sqlite3 -separator ' ' "$W/v.db" "SELECT images_encoded, images_cached,
  prompt_tokens_cached, prompt_tokens, printf('%.2f', decode_tokens * 1.0 / decode_steps) FROM model_loads")
printf 'vlmeter --parallel %d: %.1f s (load included); %d images encoded, %d reused; %d of %d prompt tokens from the KV cache; mean decode batch %s\n' \
  "$PARALLEL" "$(ratio $wall_v 1000)" "$enc" "$cached" "$reused" "$ptok" "$mean_b"

# One llama-mtmd-cli process per case.
t0=$(now_ms); mismatch=0; i=0
while IFS=$'\t' read -r id img prompt; do
  out=$("$LLAMA/bin/llama-mtmd-cli" -m "$M" --mmproj "$MM" --image "$W/$img" -p "$prompt" --temp 0 \
        -n "$MAX_TOKENS" -t "$THREADS" -c 4096 2>/dev/null | sed -e '1{/^$/d}') || { echo "llama-mtmd-cli failed on $id"; exit 1; }
  got=$(sqlite3 "$W/v.db" "SELECT output FROM answers WHERE case_id='$id'")
  [ "$out" == "$got" ] || mismatch=$((mismatch + 1))
  i=$((i + 1))
done < <(jq -r '[.id, .image, .prompt] | @tsv' "$W/suite.jsonl")
wall_c=$(( $(now_ms) - t0 ))
printf 'llama-mtmd-cli, one process per case: %.1f s; vlmeter is %sx faster (target >= 3); answers equal: %d of %d\n' \
  "$(ratio $wall_c 1000)" "$(ratio $wall_c $wall_v)" $((CASES - mismatch)) "$CASES"

# llama-server, one run per slot count.
best_s=0 best_np=0
declare -A rss_s
for np in $SERVER_NP; do
  port=$((20000 + RANDOM % 30000))
  t_start=$(now_ms)
  "$LLAMA/bin/llama-server" -m "$M" --mmproj "$MM" --host 127.0.0.1 --port $port -t "$THREADS" \
    -c $((4096 * np)) -np "$np" --temp 0 --no-webui > "$W/server-$np.log" 2>&1 &
  SERVER=$!
  until curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; do
    kill -0 $SERVER 2>/dev/null || { tail "$W/server-$np.log"; echo "llama-server exited"; exit 1; }
    sleep 0.25
  done
  t0=$(now_ms)
  "$V" run -q -s "$W/suite.jsonl" -m "srv$np=http://127.0.0.1:$port/v1,model=small" --db "$W/s$np.db" \
    --concurrency "$np" --max-tokens "$MAX_TOKENS" --timeout 3600 || { echo "run against llama-server failed"; exit 1; }
  t1=$(now_ms)
  rss_s[$np]=$(hwm_kb $SERVER)
  kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=
  wall=$(( t1 - t0 ))
  same=$(sqlite3 "$W/s$np.db" "ATTACH '$W/v.db' AS v; SELECT count(*) FROM answers a JOIN v.answers b USING(case_id) WHERE a.output = b.output")
  printf 'llama-server -np %d (vlmeter remote, concurrency %d): %.1f s from the first request (%.1f s with its load); vlmeter is %sx faster; answers equal: %d of %d\n' \
    "$np" "$np" "$(ratio $wall 1000)" "$(ratio $(( t1 - t_start )) 1000)" "$(ratio $wall $wall_v)" "$same" "$CASES"
  if [ $best_s -eq 0 ] || [ $wall -lt $best_s ]; then best_s=$wall best_np=$np; fi
done
printf 'against the fastest llama-server (-np %d): %sx (target >= 1.3)\n' $best_np "$(ratio $best_s $wall_v)"

# ---------------------------------------------------------------- 3. memory
for np in $SERVER_NP; do
  printf 'peak RSS: vlmeter --parallel %d %d MiB, llama-server -np %d %d MiB: ratio %s\n' \
    "$PARALLEL" $((rss_v / 1024)) "$np" $((rss_s[$np] / 1024)) "$(ratio "$rss_v" "${rss_s[$np]}")"
done
