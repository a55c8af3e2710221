# `vlmeter import`: a VLMEvalKit TSV made here (one image as base64, one given
# as another row's index, one malformed row) imports the good rows, names the
# bad one as FILE:LINE on stderr and exits 1; a folder with questions.csv
# imports cleanly; both suites run on a forged model without errors.
source "$(dirname "$0")/lib.sh"
img=$(base64 -w0 "$(first_image)")
bad=$(printf '#%.0s' $(seq 80))
{
  printf 'index\tquestion\thint\tA\tB\tanswer\tcategory\timage\n'
  printf '1\tWhich colour fills it?\tLook.\tred\tblue\tA\tcolors\t%s\n' "$img"
  printf '2\tIs it bright?\t\tyes\tno\tA\tlight\t1\n'
  printf '3\tBroken row\t\tx\ty\tA\tother\t%s\n' "$bad"
} > "$T/bench.tsv"
rc=0
"$VLMETER" import vlmevalkit "$T/bench.tsv" "$T/suite" > "$T/out" 2> "$T/err" || rc=$?
assert_eq "$rc" 1 "exit status with a skipped row"
assert_contains "$(cat "$T/err")" "$T/bench.tsv:4: 'image': invalid base64 at character 1" "file:line message"
assert_contains "$(cat "$T/out")" "2 cases, 1 images, type mcq; 1 rows skipped" "import summary"
assert_eq "$(ls "$T/suite/images" | wc -l)" 1 "the shared image is written once"
jq -s -e 'map(select(.id == "1"))[0].prompt == "Hint: Look.\nQuestion: Which colour fills it?\nOptions:\nA. red\nB. blue\nPlease select the correct answer from the options above. \n"' \
  "$T/suite/bench.jsonl" > /dev/null || fail "VLMEvalKit prompt text"

mkdir -p "$T/mine"
cp "$(first_image)" "$T/mine/pic.png"
printf 'image,question,answer,category\npic.png,What is in this picture?,shapes,misc\npic.png,Is it empty?,no,misc\n' > "$T/mine/questions.csv"
"$VLMETER" import folder "$T/mine" "$T/suite" > "$T/out2" 2>&1 || { cat "$T/out2"; fail "folder import failed"; }
assert_contains "$(cat "$T/out2")" "mine.jsonl: 2 cases, 1 images" "folder summary"

"$VLMETER" run -q -s "$T/suite/bench.jsonl" -s "$T/suite/mine.jsonl" -m "$(model_spec llava)" --db "$DB" --max-tokens 4 \
  > "$T/run.log" 2>&1 || { cat "$T/run.log"; fail "run failed"; }
assert_eq "$(sql "SELECT count(*) FROM cases WHERE status = 'done'")" 4 "cases done"
assert_eq "$(sql "SELECT group_concat(scorer, ',') FROM (SELECT DISTINCT scorer FROM scores ORDER BY scorer)")" "choice,contains,yesno" "scorers"

rc=0; "$VLMETER" import csv x y 2> "$T/err" || rc=$?
assert_eq "$rc" 2 "unknown import kind"
true
