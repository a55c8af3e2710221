#!/usr/bin/env bash
# bench/decide.sh - the decide-early simulation of issue 15 (docs/metrics.md,
# "Deciding early"): does stopping at the first verdict the anytime-valid
# confidence sequence (lib/confseq.c) settles keep the wrong-verdict rate
# within alpha, and how many cases does it save?
#
# Usage: bench/decide.sh [DB]
#   no DB: synthetic answer streams. theta = 0.7; n in {200, 500, 1000} cases;
#     accuracy p in {0.5, 0.6, 0.65, 0.68, 0.70, 0.72, 0.75, 0.8, 0.9};
#     alpha 0.05 (and 0.1 at n = 500); RUNS runs each (about a minute on
#     2 cores). Every run is a fresh population of n Bernoulli(p) credits
#     (a model of accuracy p answering n cases) drawn in a random order; its
#     truth is the verdict of its own full run (the realised mean, not p).
#   DB: a vlmeter store holding a full run. Each model's credits (per case
#     and turn: scores.score for the scorers anls and vqa, else
#     scores.correct; human verdicts are not applied) are exported with
#     sqlite3 as category<TAB>credit, and simulated per category and for all
#     categories drawn stratified, at each threshold of THRESHOLDS.
# Env: BUILD_DIR (default build/cpu; needs BUILD_DIR/decide_sim:
#      `make build/cpu/decide_sim`), RUNS (default 5000), JOBS (parallel
#      simulations, default 2), SEED (default 1), ALPHA (DB mode, default
#      0.05), THRESHOLDS (DB mode, default "0.5 0.7"), MODEL (DB mode: one
#      model's name; default every model), FIXED=1 (synthetic: one population
#      per setting, drawn once, instead of one per run).
# Prints: a table, one row per setting (columns: decide_sim's header:
#   pop_mean = the population's mean credit (averaged over runs), truth_yes = share of runs whose full run says "mean >= theta", agree =
#   share of runs whose verdict equals the full run's, early = share stopped
#   before the last case, wrong = share whose early verdict differs from the
#   full run's, with its 95% Wilson interval, used = cases drawn, saved =
#   mean of 1 - used / n), then a summary line: for each alpha the highest
#   observed wrong-verdict rate and where (target <= alpha) and, synthetic
#   only, the cases saved at |p - theta| = 0.10 (target >= 40%).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD_DIR:-build/cpu}
SIM=$BUILD/decide_sim
RUNS=${RUNS:-5000}
JOBS=${JOBS:-2}
SEED=${SEED:-1}
if [ ! -x "$SIM" ]; then
  echo "decide.sh: $SIM is missing: run 'make $SIM' first" >&2
  exit 2
fi
W=$(mktemp -d /tmp/vlmeter-decide-XXXXXX); trap 'rm -rf "$W"' EXIT

# Run the command lines of $W/jobs (one per line, numbered), JOBS at a time;
# print their outputs in order after decide_sim's header.
run_jobs() {
  local i=0
  while IFS= read -r cmd; do
    i=$((i + 1))
    printf '%s\0' "$(printf '%s > %s/out.%04d' "$cmd" "$W" "$i")"
  done < "$W/jobs" | xargs -0 -P "$JOBS" -n 1 sh -c
  "$SIM" -H
  cat "$W"/out.*
  rm -f "$W"/out.*
}

# Align a tab-separated table for reading.
show() { column -t -s "$(printf '\t')"; }

# The summary of the rows in $1 (decide_sim's columns): the highest observed
# wrong-verdict rate against its alpha; with $2 = synthetic also the cases
# saved where |acc - theta| = 0.10, at alpha 0.05.
summary() {
  awk -F'\t' -v mode="$2" '
    NR == 1 { next }
    {
      a = $5 + 0; w = $11 + 0
      if (!(a in maxw)) { order[++na] = a; maxw[a] = -1 }
      if (w > maxw[a]) { maxw[a] = w; where[a] = sprintf("%s n=%d acc=%s theta=%s; Wilson 95%% %.4f..%.4f", $1, $2, $3, $4, $12, $13) }
      if (w > a) over++
    }
    mode == "synthetic" && a == 0.05 {
      d = $3 - $4; if (d < 0) d = -d
      if (d > 0.0999 && d < 0.1001) {
        s = $16 * 100; list = list sprintf("%sn=%d p=%s %.1f%%", sep, $2, $3 + 0, s); sep = ", "
        if (!nsaved || s < mins) mins = s; nsaved++
      }
    }
    END {
      printf "summary: max observed wrong-verdict rate"
      for (i = 1; i <= na; i++) printf "%s at alpha %s: %.4f (%s)", (i > 1 ? ";" : ""), order[i], maxw[order[i]], where[order[i]]
      printf " -> %s", (over ? over " setting(s) above their alpha" : "every setting <= its alpha")
      if (mode == "synthetic")
        printf "; cases saved at |p - theta| = 0.10 (alpha 0.05): %s; min %.1f%% (target >= 40%%): %s", \
          list, mins, (mins >= 40 ? "met" : "not met")
      printf "\n"
    }' "$1"
}

if [ $# -eq 0 ]; then
  fresh=-F; [ "${FIXED:-0}" = 1 ] && fresh=
  k=0
  for n in 200 500 1000; do
    for alpha in 0.05 $([ "$n" = 500 ] && echo 0.1); do
      for p in 0.5 0.6 0.65 0.68 0.70 0.72 0.75 0.8 0.9; do
        k=$((k + 1))
        echo "nice -n 19 $SIM -N $n -p $p -t 0.7 -a $alpha -R $RUNS -s $((SEED * 1000 + k)) $fresh"
      done
    done
  done > "$W/jobs"
  run_jobs > "$W/table"
  show < "$W/table"
  summary "$W/table" synthetic
  exit 0
fi

DB=$1
[ -f "$DB" ] || { echo "decide.sh: no store at $DB" >&2; exit 2; }
ALPHA=${ALPHA:-0.05}
THRESHOLDS=${THRESHOLDS:-0.5 0.7}
q() { sqlite3 -batch -noheader -separator "$(printf '\t')" "$DB" "$1"; }
if [ -n "${MODEL:-}" ]; then
  models=$(q "SELECT id FROM models WHERE name = '${MODEL//\'/\'\'}'")
  [ -n "$models" ] || { echo "decide.sh: no model '$MODEL' in $DB" >&2; exit 2; }
else
  models=$(q "SELECT DISTINCT model_id FROM scores ORDER BY model_id")
fi
: > "$W/all"
for id in $models; do
  name=$(q "SELECT name FROM models WHERE id = $id")
  q "SELECT COALESCE(c.category, '-'),
            CASE WHEN s.scorer IN ('anls', 'vqa') THEN COALESCE(s.score, 0) ELSE COALESCE(s.correct, 0) END
       FROM scores s JOIN cases c ON c.model_id = s.model_id AND c.suite = s.suite AND c.case_id = s.case_id
      WHERE s.model_id = $id ORDER BY s.suite, s.case_id, s.turn" > "$W/credits.$id"
  echo "model $name: $(wc -l < "$W/credits.$id") scored answers"
  : > "$W/jobs"
  for t in $THRESHOLDS; do
    echo "nice -n 19 $SIM -f $W/credits.$id -t $t -a $ALPHA -R $RUNS -s $SEED" >> "$W/jobs"
  done
  run_jobs > "$W/table.$id"
  show < "$W/table.$id"
  tail -n +2 "$W/table.$id" >> "$W/all"
done
{ "$SIM" -H; cat "$W/all"; } > "$W/table"
summary "$W/table" store
