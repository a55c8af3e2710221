#!/usr/bin/env bash
# bench/quant.sh - quantization trade-offs on a forged `small` model, measured
# in one run: `vlmeter quantize` to q8_0, q4_k_m and q2_k (language model and
# projector), then the family answering a probe suite (IMAGES images x 2
# questions), and the report's family table: file size, peak RSS, decode rate,
# identical answers and KL divergence against the F16 reference (accuracy is
# meaningless on random weights). The time each quantization took is printed.
# Usage: bench/quant.sh [BUILD_DIR]   (default build/cpu; run `make` first)
# Env:   ARCH=qwen3vl|llava (default qwen3vl)  IMAGES=10  MAX_TOKENS=16  THREADS=2  PARALLEL=4
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/cpu}
ARCH=${ARCH:-qwen3vl} IMAGES=${IMAGES:-10} MAX_TOKENS=${MAX_TOKENS:-16} THREADS=${THREADS:-2} PARALLEL=${PARALLEL:-4}
V=$PWD/$BUILD/vlmeter
W=$(mktemp -d /tmp/vlmeter-quant-XXXXXX)
trap 'rm -rf "$W"' EXIT
echo "machine: $(nproc) cores, $(awk '/^model name/ {sub(/.*: /, ""); print; exit}' /proc/cpuinfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$V" forge "$ARCH" "$W/m" --size small >/dev/null
"$V" quantize "$W/m/model.gguf" --mmproj "$W/m/mmproj.gguf" --types q8_0,q4_k_m,q2_k "$W/q" --threads "$THREADS"
"$V" probe "$W/p" --n 3 --level 1 >/dev/null
ls "$W/p/images" | sort | awk -v n="$IMAGES" 'NR <= n' | while read -r f; do
  for q in "Describe this image in one sentence." "What is the main color in the image?"; do
    jq -cn --arg id "$f $q" --arg img "images/$f" --arg p "$q" '{id: $id, image: $img, prompt: $p}'
  done
done > "$W/p/suite.jsonl"
spec="$ARCH=$W/m/model.gguf,mmproj=$W/m/mmproj.gguf"
for t in Q8_0 Q4_K_M Q2_K; do spec="$spec,variant=$(echo $t | tr A-Z a-z):$W/q/model-$t.gguf:$W/q/mmproj-$t.gguf"; done
t0=$(date +%s)
"$V" run -q -s "$W/p/suite.jsonl" -m "$spec" --db "$W/f.db" --max-tokens "$MAX_TOKENS" --threads "$THREADS" \
  --parallel "$PARALLEL"
echo "family run ($(wc -l < "$W/p/suite.jsonl") cases x 4 models, KL pass included): $(( $(date +%s) - t0 )) s"
"$V" report --db "$W/f.db" --format md | sed -n '/^## Quantization family/,/^## Quantization family .*category/p' | sed '$d'
