# `vlmeter import`: VLMEvalKit TSVs made here. A file of no known dataset (one
# image as base64, one given as another row's index, a malformed row, a row
# without an image) imports the good rows, names the bad one as FILE:LINE on
# stderr, counts the dropped one and exits 0; MME.tsv and MMMU_DEV_VAL.tsv get
# their dataset's prompt, groups and image placement; --dataset names the
# dataset of a file named otherwise; nothing usable exits 2 and writes nothing;
# an output that cannot be written exits 1. A folder with questions.csv imports
# cleanly; the suites run on a forged model without errors.
source "$(dirname "$0")/lib.sh"
img=$(base64 -w0 "$(first_image)")
bad=$(printf '#%.0s' $(seq 80))
{
  printf 'index\tquestion\thint\tA\tB\tanswer\tcategory\timage\n'
  printf '1\tWhich colour fills it?\tLook.\tred\tblue\tA\tcolors\t%s\n' "$img"
  printf '2\tIs it bright?\t\tyes\tno\tA\tlight\t1\n'
  printf '3\tBroken row\t\tx\ty\tA\tother\t%s\n' "$bad"
  printf '4\tNo image\t\tx\ty\tA\tother\t\n'
} > "$T/bench.tsv"
rc=0
"$VLMETER" import vlmevalkit "$T/bench.tsv" "$T/suite" > "$T/out" 2> "$T/err" || rc=$?
assert_eq "$rc" 0 "exit status with a skipped and a dropped row"
assert_contains "$(cat "$T/err")" "$T/bench.tsv:4: 'image': invalid base64 at character 1" "file:line message"
assert_contains "$(cat "$T/err")" "$T/bench.tsv:5: no image: dropped, as VLMEvalKit drops rows without one" "dropped row"
assert_contains "$(cat "$T/out")" "bench.jsonl: 2 cases, 1 images, type mcq; 1 rows dropped (no image); 1 rows skipped" \
  "import summary"
assert_eq "$(ls "$T/suite/images" | wc -l)" 1 "the shared image is written once"
jq -s -e 'map(select(.id == "1"))[0].prompt == "Hint: Look.\nQuestion: Which colour fills it?\nOptions:\nA. red\nB. blue\nPlease select the correct answer from the options above. \n"' \
  "$T/suite/bench.jsonl" > /dev/null || fail "VLMEvalKit prompt text"

# MME: the question verbatim, yesno, the per-image group of acc+.
{
  printf 'index\timage\tquestion\tanswer\tcategory\timage_path\n'
  printf '0\t%s\tIs there a square? Please answer yes or no.\tYes\tcolor\t1.jpg\n' "$img"
  printf '1\t0\tIs there a circle? Please answer yes or no.\tNo\tcolor\t1.jpg\n'
} > "$T/MME.tsv"
"$VLMETER" import vlmevalkit "$T/MME.tsv" "$T/suite" > "$T/out" 2>&1 || { cat "$T/out"; fail "MME import failed"; }
assert_contains "$(cat "$T/out")" "MME.jsonl: 2 cases, 1 images, dataset MME (yorn)" "MME summary"
assert_eq "$(jq -c '[.prompt, .scorer, .groups.image]' "$T/suite/MME.jsonl" | head -1)" \
  '["Is there a square? Please answer yes or no.","yesno","color/1.jpg"]' "MME case"

# MMMU: <image N> markers become <image> with the images in marker order; an open question.
{
  printf 'index\tquestion\tA\tB\tanswer\timage\tsplit\n'
  printf '1\tIs <image 2> like <image 1>?\tyes\t<image 2>\tA\t["%s", "%s"]\tvalidation\n' "$img" "$img"
  printf '2\tHow many sides has <image 1>?\t\t\t4\t%s\tdev\n' "$img"
} > "$T/mmmu.tsv"
"$VLMETER" import vlmevalkit "$T/mmmu.tsv" "$T/suite" --dataset mmmu_dev_val > "$T/out" 2>&1 ||
  { cat "$T/out"; fail "MMMU import failed"; }
assert_contains "$(cat "$T/out")" "mmmu.jsonl: 2 cases, 1 images, dataset MMMU_DEV_VAL (mcq)" "MMMU summary"
assert_eq "$(jq -c '[.prompt, (.images | length), .scorer, .split]' "$T/suite/mmmu.jsonl")" \
  '["Question: Is <image> like <image>?\nOptions:\nA. yes\nB. <image>\nPlease select the correct answer from the options above. \n",3,"choice","validation"]
["Question: How many sides has <image>?\n",1,"open","dev"]' "MMMU cases"

# Nothing usable: exit 2, no suite. A dataset and a type: exit 2. An unwritable output: exit 1.
printf 'index\tquestion\tanswer\timage\n1\tIs it?\tYes\t\n' > "$T/none.tsv"
rc=0; "$VLMETER" import vlmevalkit "$T/none.tsv" "$T/suite" > "$T/out" 2> "$T/err" || rc=$?
assert_eq "$rc" 2 "exit status with nothing usable"
assert_contains "$(cat "$T/err")" "none.tsv: no case could be imported (0 rows skipped, 1 dropped for having no image)" \
  "nothing usable"
[ ! -e "$T/suite/none.jsonl" ] || fail "a suite was written with nothing in it"
rc=0; "$VLMETER" import vlmevalkit "$T/MME.tsv" "$T/suite" --dataset MME --type yorn 2> "$T/err" || rc=$?
assert_eq "$rc" 2 "dataset and type"
touch "$T/file"
rc=0; "$VLMETER" import vlmevalkit "$T/MME.tsv" "$T/file/sub" 2> "$T/err" || rc=$?
assert_eq "$rc" 1 "exit status when the output cannot be written"

mkdir -p "$T/mine"
cp "$(first_image)" "$T/mine/pic.png"
printf 'image,question,answer,category\npic.png,What is in this picture?,shapes,misc\npic.png,Is it empty?,no,misc\n' > "$T/mine/questions.csv"
"$VLMETER" import folder "$T/mine" "$T/suite" > "$T/out2" 2>&1 || { cat "$T/out2"; fail "folder import failed"; }
assert_contains "$(cat "$T/out2")" "mine.jsonl: 2 cases, 1 images" "folder summary"

"$VLMETER" run -q -s "$T/suite/bench.jsonl" -s "$T/suite/mine.jsonl" -s "$T/suite/MME.jsonl" -m "$(model_spec llava)" \
  --db "$DB" --max-tokens 4 > "$T/run.log" 2>&1 || { cat "$T/run.log"; fail "run failed"; }
assert_eq "$(sql "SELECT count(*) FROM cases WHERE status = 'done'")" 6 "cases done"
assert_eq "$(sql "SELECT group_concat(scorer, ',') FROM (SELECT DISTINCT scorer FROM scores ORDER BY scorer)")" "choice,contains,yesno" "scorers"

# The MME aggregate in the report, against MME_rating's formula over the stored
# verdicts of the image's two questions: 100 (acc + acc+), acc+ = both right.
"$VLMETER" report --db "$DB" --format json > "$T/report.json" || fail "report failed"
for col in correct ref_correct; do
  want=$(sql "SELECT 100.0 * (avg($col) + min($col)) FROM scores WHERE suite = 'MME'" | awk '{printf "%.6f", $1}')
  key=$([ "$col" = correct ] && echo value || echo reference)
  got=$(jq -r --arg k "$key" '.aggregates[] | select(.suite == "MME" and .category == "color" and .metric == "MME score") | .[$k]' \
    "$T/report.json" | awk '{printf "%.6f", $1}')
  assert_eq "$got" "$want" "MME score of color ($key)"
done
assert_eq "$(jq -c '[.aggregates[] | select(.suite == "MME") | [.category, .metric, .n_groups]]' "$T/report.json")" \
  '[[null,"acc+ (every question of an image right)",1],[null,"MME perception (sum of categories)",1],["color","acc+ (every question of an image right)",1],["color","MME score",1]]' \
  "MME aggregate rows"

rc=0; "$VLMETER" import csv x y 2> "$T/err" || rc=$?
assert_eq "$rc" 2 "unknown import kind"
true
