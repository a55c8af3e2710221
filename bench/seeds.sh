#!/usr/bin/env bash
# bench/seeds.sh - the seeds' memory and speed tables, measured on forged models
# of the exact published shapes (docs/forge.md, "Published shapes"): for each
# ROW (shape:type) it forges the model straight in that type, runs `vlmeter run`
# on one image case with a few output tokens, and prints
#
#   1. per row: file size, load time, peak RSS, image encode ms, TTFT, decode
#      tok/s, and vlmeter's estimated GPU memory need (vlm_fit_need_bytes:
#      weights + projector + KV cache for the run's context, docs/cost.md);
#   2. memory against the seeds' claims (4B >= 8 GB, 8B >= 16 GB, 30B >= 72 GB
#      at FP16; INT8 -37.5%, INT4 -62.5% of FP16), with the measured ratio;
#   3. the seeds' table: model, memory, tok/s, and per catalog GPU the price per
#      hour and per month at 1,000 requests/day (always-on and pay-per-busy-
#      second, from `vlmeter report`'s cost section; the catalog's example prices).
#
# Random weights cost exactly what trained ones do in memory and time: the same
# shapes, types and kernels. A row whose files do not fit the free disk, or
# whose model does not fit in memory, is skipped with a note.
#
# Usage: bench/seeds.sh [BUILD_DIR]   (default build/$GPU; run `make` first)
# Env:   ROWS="4b:q4_k_m 8b:f16 ..." (default: 4b and 8b at f16, q8_0, q4_k_m, then
#        30b-a3b:q4_k_m)  GPU=cpu|cuda (cuda: all layers on the GPU, NGL=99)
#        NGL=N  THREADS=N (default nproc)  MAX_TOKENS=16  CTX=4096
#        WORK=DIR (default a temporary folder under /tmp)  KEEP=1 (keep the models and
#        WORK; a model already in WORK is not forged again)
#        CATALOG=FILE.csv (passed to vlmeter report)
set -euo pipefail
cd "$(dirname "$0")/.."
GPU=${GPU:-cpu}
BUILD=${1:-build/$GPU}
ROWS=${ROWS:-"4b:f16 4b:q8_0 4b:q4_k_m 8b:f16 8b:q8_0 8b:q4_k_m 30b-a3b:q4_k_m"}
if [ "$GPU" = cuda ]; then NGL=${NGL:-99}; else NGL=${NGL:-0}; fi
THREADS=${THREADS:-$(nproc)} MAX_TOKENS=${MAX_TOKENS:-16} CTX=${CTX:-4096}
V=$PWD/$BUILD/vlmeter
LIB=$PWD/$BUILD/libvlmeter.so
[ -x "$V" ] && [ -f "$LIB" ] || { echo "seeds.sh: build first (make bin; GPU=cuda: make GPU=cuda bin)" >&2; exit 2; }
W=${WORK:-$(mktemp -d /tmp/vlmeter-seeds-XXXXXX)}
mkdir -p "$W"
cleanup() { [ -n "${KEEP:-}" ] && echo "work folder: $W" || rm -rf "$W"; }
trap cleanup EXIT
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
gb() { awk -v b="$1" 'BEGIN {printf "%.2f", b / 1e9}'; }

echo "machine: $(nproc) cores, $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM," \
     "load $(cut -d' ' -f1-3 /proc/loadavg); GPU=$GPU NGL=$NGL threads=$THREADS ctx=$CTX max_tokens=$MAX_TOKENS"
echo "llama.cpp: $("$V" version | sed -n 2p)"
echo "free disk in $W: $(df -BG --output=avail "$W" | tail -1 | tr -d ' ')"

# One image case: the first of a one-per-category probe suite.
"$V" probe "$W/probe" --n 1 --level 1 >/dev/null
grep -m1 "^{" "$W/probe/probe.jsonl" | sed "s#\"images/#\"$W/probe/images/#g" > "$W/case.jsonl"

# Predicted sizes of every shape x type (forge --shapes: nothing written).
"$V" forge --shapes > "$W/shapes.txt"
predicted() { awk -v s="$1" -v t="$2" '$1 == s && $4 == t {print $5, $6}' "$W/shapes.txt"; }
arch_of() { awk -v s="$1" '$1 == s {print $2; exit}' "$W/shapes.txt"; }

# vlmeter's estimate of the GPU memory a model needs (the report's formula).
estimate() {  # model_bytes mmproj_bytes n_params n_ctx
  python3 - "$LIB" "$@" <<'EOF'
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
f = lib.vlm_fit_need_bytes
f.restype = ctypes.c_double
f.argtypes = [ctypes.c_double] * 4 + [ctypes.c_int, ctypes.POINTER(ctypes.c_bool)]
est = ctypes.c_bool()
print("%.0f" % f(0.0, float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), ctypes.byref(est)))
EOF
}

DB=$W/seeds.db
RES=$W/results.tsv
: > "$RES"
for row in $ROWS; do
  shape=qwen3-vl-${row%%:*} type=${row##*:}
  arch=$(arch_of "$shape")
  read -r mbytes pbytes <<< "$(predicted "$shape" "$type")"
  [ -n "$arch" ] && [ -n "$mbytes" ] || { echo "seeds.sh: unknown row $row" >&2; exit 2; }
  need_disk=$(( mbytes + pbytes + 1000000000 ))
  free_disk=$(( $(df -B1 --output=avail "$W" | tail -1) ))
  mem_avail=$(( $(awk '/^MemAvailable/ {print $2}' /proc/meminfo) * 1024 ))
  if [ "$need_disk" -gt "$free_disk" ]; then
    echo "SKIP $shape $type: $(gb $((mbytes + pbytes))) GB of files, $(gb "$free_disk") GB free on disk"; continue
  fi
  if [ "$NGL" = 0 ] && [ $(( mbytes + pbytes )) -gt "$mem_avail" ]; then
    echo "SKIP $shape $type: $(gb $((mbytes + pbytes))) GB of weights, $(gb "$mem_avail") GB of memory available"; continue
  fi
  dir=$W/$shape-$type
  t0=$(now_ms)
  # a model folder already complete in WORK (KEEP=1 earlier) is reused: forge_s 0
  [ -f "$dir/mmproj.gguf" ] || "$V" forge "$arch" "$dir" --shape "$shape" --type "$type" >/dev/null
  forge_s=$(awk -v a="$t0" -v b="$(now_ms)" 'BEGIN {printf "%.0f", (b - a) / 1000}')
  name=$shape-$type
  "$V" run -q -s "$W/case.jsonl" -m "$name=$dir/model.gguf,mmproj=$dir/mmproj.gguf" --db "$DB" \
    --max-tokens "$MAX_TOKENS" --ctx "$CTX" --threads "$THREADS" --ngl "$NGL" >/dev/null 2>"$W/run.err" ||
    { echo "FAIL $name: $(tail -3 "$W/run.err")"; rm -rf "$dir"; continue; }
  IFS='|' read -r load_ms fbytes fmm n_params rss gpumem image_ms ttft tps < <(sqlite3 "$DB" "
    select l.load_ms, l.model_bytes, l.mmproj_bytes, l.n_params, l.rss_peak_bytes, l.gpu_mem_bytes,
           a.image_encode_ms, a.ttft_ms, a.decode_tps
    from model_loads l join models m on m.id = l.model_id join answers a on a.model_id = m.id
    where m.name = '$name' order by l.rowid desc, a.rowid desc limit 1")
  est=$(estimate "$fbytes" "$fmm" "$n_params" "$CTX")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$shape" "$type" "$fbytes" "$fmm" "$load_ms" "$rss" \
    "$gpumem" "$image_ms" "$ttft" "$tps" "$est" "$forge_s" >> "$RES"
  echo "done $name: forged in ${forge_s} s, $(gb "$fbytes") + $(gb "$fmm") GB"
  [ -n "${KEEP:-}" ] || rm -rf "$dir"
done
[ -s "$RES" ] || { echo "no row ran"; exit 1; }

echo
echo "== 1. Measured on forged weights (GB = 1e9 bytes) =="
printf '%-17s %-7s %9s %9s %7s %9s %10s %9s %7s %12s %7s\n' model type "model GB" "mmproj GB" "load s" \
  "peak RSS" "encode ms" "TTFT ms" "tok/s" "est. GPU GB" "forge s"
awk -F'\t' '{printf "%-17s %-7s %9.2f %9.2f %7.1f %9.2f %10.0f %9.0f %7.2f %12.2f %7d\n", $1, $2, $3 / 1e9,
  $4 / 1e9, $5 / 1000, ($7 > 0 ? $7 : $6) / 1e9, $8, $9, $10, $11 / 1e9, $12}' "$RES"
echo "(peak RSS: GPU memory when a GPU held the model, else the process's peak RSS)"

echo
echo "== 2. Memory against the seeds' claims (est. GPU need; ratio to the same shape's f16 row) =="
printf '%-17s %-7s %12s %-22s %10s %-14s\n' model type "est. GPU GB" "seeds' claim" "vs f16" "seeds' claim"
awk -F'\t' '
  { s[NR] = $1; t[NR] = $2; e[NR] = $11; if ($2 == "f16") f16[$1] = $11 }
  END {
    claim["qwen3-vl-4b"] = ">= 8 GB (FP16)"; claim["qwen3-vl-8b"] = ">= 16 GB (FP16)"
    claim["qwen3-vl-30b-a3b"] = ">= 72 GB (FP16)"
    rc["f16"] = "-"; rc["q8_0"] = "INT8 -37.5%"; rc["q4_k_m"] = "INT4 -62.5%"
    for (i = 1; i <= NR; i++) {
      r = (s[i] in f16) ? sprintf("%+.1f%%", (e[i] / f16[s[i]] - 1) * 100) : "(no f16 row)"
      printf "%-17s %-7s %12.2f %-22s %10s %-14s\n", s[i], t[i], e[i] / 1e9, (t[i] == "f16" ? claim[s[i]] : "-"), \
        (t[i] == "f16" ? "-" : r), rc[t[i]]
    }
  }' "$RES"

echo
echo "== 3. The seeds' table: cost at 1,000 requests/day (catalog example prices; this machine's speed) =="
"$V" report --db "$DB" --format json ${CATALOG:+--catalog "$CATALOG"} > "$W/report.json"
printf '%-24s %9s %7s  %-12s %5s %8s %14s %12s\n' model "mem GB" "tok/s" gpu fits "per h" "always-on /mo" "busy /mo"
jq -r --slurpfile rows <(awk -F'\t' '{printf "{\"m\":\"%s-%s\",\"est\":%s,\"tps\":%s}\n", $1, $2, $11, $10}' "$RES") '
  ($rows | map({(.m): .}) | add) as $r
  | .cost[] | select($r[.model]) | . as $c
  | .gpus[] | [ $c.model, ($r[$c.model].est / 1e9), $r[$c.model].tps, .gpu,
      (if ($r[$c.model].est * 1.1) <= (.mem_gib * 1073741824) then "yes" else "no" end),
      .hourly, .currency, .always_on_monthly, .busy_monthly ] | @tsv' "$W/report.json" |
  awk -F'\t' '{printf "%-24s %9.2f %7.2f  %-12s %5s %8.2f %s %10.0f %s %8.2f %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $7, $9, $7}'
echo "(fits: est. GPU need + 10% headroom within the GPU's memory; always-on: instances for the peak x hourly x 730 h;"
echo " busy: 1,000 x 30.4 days x seconds per request at this machine's speed x hourly / 3600 - docs/cost.md)"
