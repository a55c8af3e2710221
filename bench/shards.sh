#!/usr/bin/env bash
# bench/shards.sh - what splitting a run into shards buys (docs/shards.md): a
# forged model answers CASES text cases once whole and once as N shards run one
# after the other on this machine (as N machines would run them at once), then
# `vlmeter merge` joins the shards. Printed per repeat and as medians:
#   whole     wall seconds of the unsharded run
#   slowest   the slowest shard's wall: what N machines in parallel would take
#   sum       all shards' walls: the total machine time (each shard loads the model)
#   merge     wall seconds of `vlmeter merge` over the N stores
# and the ratios slowest/whole (the speed-up's inverse), sum/whole (the cost of
# loading the model N times) and merge/whole. Each repeat runs whole and shards
# alternately, in rotated order, into fresh stores; figures are medians.
#
# Usage: bench/shards.sh [BUILD_DIR]   (default build/cpu; run `make` first)
# Env:   N=3  CASES=60  REPEATS=3  SIZE=small  THREADS=2  MAX_TOKENS=16  KEEP=1
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/cpu}
N=${N:-3} CASES=${CASES:-60} REPEATS=${REPEATS:-3} SIZE=${SIZE:-small} THREADS=${THREADS:-2}
MAX_TOKENS=${MAX_TOKENS:-16}
V=$PWD/$BUILD/vlmeter
[ -x "$V" ] || { echo "shards.sh: build first (make bin)" >&2; exit 2; }
W=$(mktemp -d /tmp/vlmeter-shards-XXXXXX)
cleanup() { [ -n "${KEEP:-}" ] && echo "work folder: $W" || rm -rf "$W"; }
trap cleanup EXIT

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$V" forge qwen3vl "$W/model" --size "$SIZE" >/dev/null
SPEC="m=$W/model/model.gguf,mmproj=$W/model/mmproj.gguf"
for i in $(seq 1 "$CASES"); do
  printf '{"id":"c%d","category":"k%d","prompt":"Count to %d and say why.","answer":"x","scorer":"exact"}\n' "$i" $((i % 4)) "$i"
done > "$W/s.jsonl"
echo "model: forged qwen3vl $SIZE, $THREADS threads; $CASES text cases, max_tokens $MAX_TOKENS; $N shards; $REPEATS repeats"

now() { date +%s.%N; }
run() {  # db [extra...]
  local db=$1
  shift
  "$V" run -q -s "$W/s.jsonl" -m "$SPEC" --db "$db" --threads "$THREADS" --max-tokens "$MAX_TOKENS" "$@" > /dev/null 2>&1
}
whole_run() {  # repeat -> prints wall
  local t0
  t0=$(now)
  run "$W/whole$1.db"
  echo "$(now) - $t0" | bc -l
}
shard_runs() {  # repeat -> prints "slowest sum merge"
  local slowest=0 sum=0 t0 t i dbs=()
  for i in $(seq 1 "$N"); do
    t0=$(now)
    run "$W/r$1-s$i.db" --shard "$i/$N"
    t=$(echo "$(now) - $t0" | bc -l)
    sum=$(echo "$sum + $t" | bc -l)
    slowest=$(echo "if ($t > $slowest) $t else $slowest" | bc -l)
    dbs+=("$W/r$1-s$i.db")
  done
  t0=$(now)
  "$V" merge -q "$W/merged$1.db" "${dbs[@]}"
  echo "$slowest $sum $(echo "$(now) - $t0" | bc -l)"
}

printf '%-7s %9s %9s %9s %9s %14s %10s %12s\n' repeat whole slowest sum merge slowest/whole sum/whole merge/whole
: > "$W/rows"
for r in $(seq 1 "$REPEATS"); do
  if [ $((r % 2)) -eq 1 ]; then w=$(whole_run "$r"); read -r sl su me < <(shard_runs "$r")
  else read -r sl su me < <(shard_runs "$r"); w=$(whole_run "$r"); fi
  # the merged store holds every answer the whole run holds
  a=$(sqlite3 "$W/whole$r.db" "SELECT count(*) FROM answers")
  b=$(sqlite3 "$W/merged$r.db" "SELECT count(*) FROM answers")
  [ "$a" = "$b" ] || { echo "shards.sh: merged store has $b answers, the whole run $a" >&2; exit 1; }
  echo "$w $sl $su $me" >> "$W/rows"
  printf '%-7s %9.2f %9.2f %9.2f %9.3f %14.3f %10.3f %12.4f\n' "$r" "$w" "$sl" "$su" "$me" \
    "$(echo "$sl / $w" | bc -l)" "$(echo "$su / $w" | bc -l)" "$(echo "$me / $w" | bc -l)"
done
med() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
col() { awk -v k="$1" '{print $k}' "$W/rows" | med; }
ratio() { awk -v a="$1" -v b="$2" '{print $a / $b}' "$W/rows" | med; }
printf '%-7s %9.2f %9.2f %9.2f %9.3f %14.3f %10.3f %12.4f\n' median "$(col 1)" "$(col 2)" "$(col 3)" "$(col 4)" \
  "$(ratio 2 1)" "$(ratio 3 1)" "$(ratio 4 1)"
echo "(ratios are medians of each repeat's ratio; N machines in parallel would take slowest/whole of the whole run's time)"
