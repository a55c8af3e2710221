#!/usr/bin/env bash
# bench/rescore.sh - how long `vlmeter score` takes to re-score 10,000 stored
# answers (target: under 2 s). The store is made from a real run on a forged
# model, its answers copied into 10,000 turns over the scorers people use.
# Usage: bench/rescore.sh [BUILD_DIR]   (default build/cpu; run `make` first)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/cpu}
V=$BUILD/vlmeter
W=$(mktemp -d /tmp/vlmeter-bench-XXXXXX); trap 'rm -rf "$W"' EXIT
"$V" demo --dir "$W/demo" -q >/dev/null
DB=$W/demo/vlmeter.db
N=10000
sqlite3 "$DB" <<SQL
CREATE TEMP TABLE seq AS WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $N) SELECT i FROM s;
INSERT INTO cases(model_id, suite, case_id, category, scorer, images, choices, status, run_id)
  SELECT 1, 'bench', 'b' || i, 'cat' || (i % 7),
         CASE i % 8 WHEN 0 THEN 'exact' WHEN 1 THEN 'contains' WHEN 2 THEN 'choice' WHEN 3 THEN 'number'
                    WHEN 4 THEN 'anls' WHEN 5 THEN 'vqa' WHEN 6 THEN 'yesno' ELSE 'bleu' END,
         '[]', '["red","green","blue","yellow"]', 'done', 1 FROM seq;
INSERT INTO answers(model_id, suite, case_id, turn, run_id, prompt, expected, output, error)
  SELECT 1, 'bench', 'b' || i, 0, 1, 'question ' || i,
         CASE i % 8 WHEN 2 THEN '"C"' WHEN 3 THEN '42' WHEN 5 THEN '["red","red","blue","red","dark red","red","red","crimson","red","red"]'
                    WHEN 6 THEN '"yes"' ELSE '"a red square on a white background"' END,
         o.output || ' The answer is (C), about 42 red.', NULL
  FROM seq JOIN (SELECT row_number() OVER () - 1 AS k, output FROM answers WHERE suite='demo') o ON o.k = seq.i % 8;
SQL
n=$(sqlite3 "$DB" "SELECT count(*) FROM answers")
best=999
for _ in 1 2 3; do
  t0=$(date +%s%N); "$V" score --db "$DB" -q; t1=$(date +%s%N)
  s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
  best=$(awk -v a="$s" -v b="$best" 'BEGIN {print (a < b) ? a : b}')
done
scored=$(sqlite3 "$DB" "SELECT count(*) FROM scores")
echo "rescore: $scored of $n stored answers scored in ${best} s (best of 3); target < 2 s; target/actual = $(awk -v s="$best" 'BEGIN {printf "%.1f", 2 / s}')x"
