#!/usr/bin/env bash
# bench/dials.sh - what the image token budget costs (docs/metrics.md, "Dials"):
# a forged qwen3vl (dynamic resolution) answers the same IMAGES distinct
# 1024x1024 pictures at each budget of BUDGETS (image_max_tokens), and the
# script prints per budget: image tokens per image, encode ms per image and
# TTFT p50, each with its ratio to the largest budget.
#
# Measured side by side in one run: each repeat is one `vlmeter run` holding
# every budget as its own model (settings differ only in image_max_tokens, so
# the report groups them), with the budgets' order rotated from one repeat to
# the next; each figure is the median over REPEATS of the report's figure for
# that repeat (docs/metrics.md: encode ms per encoded image, TTFT p50 over
# the budget's turns). Random weights cost what trained ones do in time: the
# same shapes and kernels.
#
# Usage: bench/dials.sh [BUILD_DIR]   (default build/cpu; run `make` first)
# Env:   BUDGETS="64 256 1024"  IMAGES=4  REPEATS=3  SIZE=small (forge size)
#        THREADS=2  MAX_TOKENS=1  KEEP=1 (keep the work folder)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/cpu}
BUDGETS=${BUDGETS:-"64 256 1024"} IMAGES=${IMAGES:-4} REPEATS=${REPEATS:-3} SIZE=${SIZE:-small}
THREADS=${THREADS:-2} MAX_TOKENS=${MAX_TOKENS:-1}
V=$PWD/$BUILD/vlmeter
[ -x "$V" ] || { echo "dials.sh: build first (make bin)" >&2; exit 2; }
command -v jq >/dev/null || { echo "dials.sh: needs jq" >&2; exit 2; }
command -v python3 >/dev/null || { echo "dials.sh: needs python3 (writes the test pictures)" >&2; exit 2; }
W=$(mktemp -d /tmp/vlmeter-dials-XXXXXX)
cleanup() { [ -n "${KEEP:-}" ] && echo "work folder: $W" || rm -rf "$W"; }
trap cleanup EXIT

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$V" forge qwen3vl "$W/model" --size "$SIZE" >/dev/null
M=$W/model/model.gguf MM=$W/model/mmproj.gguf
echo "model: forged qwen3vl $SIZE, $THREADS threads; $IMAGES pictures of 1024x1024; budgets $BUDGETS; $REPEATS repeats"

# Distinct pictures (a seeded pattern of stripes and noise, written as PNG by
# python3's standard library): no embedding is reused within a run.
png() {  # seed path
  python3 - "$1" "$2" <<'PY'
import random, struct, sys, zlib
seed, path, n = int(sys.argv[1]), sys.argv[2], 1024
rnd = random.Random(seed)
rows = bytearray()
for y in range(n):
    rows.append(0)
    noise = bytes(rnd.getrandbits(8) for _ in range(n))
    for x in range(n):
        v = noise[x]
        rows += bytes(((x * seed) & 255, (y * 3 + v) & 255, v))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
with open(path, "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b""))
PY
}
for i in $(seq 1 "$IMAGES"); do
  png "$i" "$W/p$i.png"
  printf '{"id":"p%d","images":["p%d.png"],"turns":["What is in the picture?"],"category":"photos"}\n' "$i" "$i"
done > "$W/s.jsonl"

read -r -a B <<< "$BUDGETS"
n=${#B[@]}
for r in $(seq 1 "$REPEATS"); do
  specs=()
  for k in $(seq 0 $((n - 1))); do  # rotate: repeat r starts at budget (r - 1) mod n
    b=${B[$(((k + r - 1) % n))]}
    specs+=(-m "img$b=$M,mmproj=$MM,image_max_tokens=$b")
  done
  "$V" run -s "$W/s.jsonl" --db "$W/r$r.db" --threads "$THREADS" --max-tokens "$MAX_TOKENS" --ctx 4096 -q \
    "${specs[@]}" >/dev/null
  "$V" report --db "$W/r$r.db" --format json > "$W/r$r.json"
done

# The median over repeats of one figure of budget b's all row.
median_of() {  # figure budget
  for r in $(seq 1 "$REPEATS"); do
    jq -r --arg m "img$2" --arg f "$1" \
      '.dials[0].rows[] | select(.category == null and .model == $m) | .[$f] // empty' "$W/r$r.json"
  done | sort -g | awk '{v[NR] = $1} END {if (NR) printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else printf "-"}'; }

largest=${B[$((n - 1))]}
for b in "${B[@]}"; do largest=$(( b > largest ? b : largest )); done
lt=$(median_of image_tokens_per_image "$largest") le=$(median_of encode_ms_per_image "$largest")
lf=$(median_of ttft_ms_p50 "$largest")
printf '\n%-8s %16s %8s %18s %8s %14s %8s\n' budget "tokens/image" ratio "encode ms/image" ratio "TTFT p50 ms" ratio
for b in $(printf '%s\n' "${B[@]}" | sort -n); do
  t=$(median_of image_tokens_per_image "$b") e=$(median_of encode_ms_per_image "$b") f=$(median_of ttft_ms_p50 "$b")
  printf '%-8s %16s %8s %18s %8s %14s %8s\n' "$b" "$t" "$(ratio "$t" "$lt")" "$e" "$(ratio "$e" "$le")" "$f" \
    "$(ratio "$f" "$lf")"
done
echo "(medians over $REPEATS repeats; ratio: against budget $largest; load after: $(cut -d' ' -f1-3 /proc/loadavg))"
