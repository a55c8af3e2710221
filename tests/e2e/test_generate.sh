# Generate cases end to end (docs/suite-format.md, "Generate cases"): a loopback
# images endpoint (tests/tools/imageserver.c) hands out two fixed PNGs in turn,
# answers HTTP 400 for a prompt holding BROKEN and bytes that are no image for
# one holding SCRIBBLE. The drawing model's images are stored by content hash,
# with latency and cost; the bad answers are named errors and the other cases go
# on; a model without images= has its generate cases n/a, never 0; a second run
# draws nothing; a forged judge scores each image (TIFA over the questions,
# VQAScore from its logits) and the report shows it all.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/remote_lib.sh"
IMAGESERVER=$(dirname "$(dirname "$VLMETER")")/imageserver
mkdir -p "$T/served"
pngs=($(ls "$IMAGES"/*.png | head -2))
cp "${pngs[0]}" "$T/served/a.png"
cp "${pngs[1]}" "$T/served/b.png"
cmp -s "$T/served/a.png" "$T/served/b.png" && fail "the two served pictures must differ"
"$IMAGESERVER" "$T/served" 300 "$T/port" --error BROKEN --garbage SCRIBBLE 2> "$T/server.log" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
URL=http://127.0.0.1:$(cat "$T/port")/v1

cat > "$T/gen.jsonl" <<'JSONL'
{"kind":"generate","id":"cube","category":"objects","prompt":"a red cube on a blue table","questions":[{"q":"Is there a cube?","a":"yes"},{"q":"Is there a cat?","a":"no"},{"q":"What colour is the cube?","a":"red","choices":["red","green","blue"]}]}
{"kind":"generate","id":"broken","prompt":"a BROKEN picture","questions":[{"q":"Is there anything?","a":"yes"}]}
{"kind":"generate","id":"scribble","prompt":"a SCRIBBLE","questions":[{"q":"Is there a line?","a":"yes"}]}
{"kind":"generate","id":"moon","prompt":"a full moon over a lake","questions":[{"q":"Is there a moon?","a":"yes"},{"q":"Is it daytime?","a":"no"}]}
JSONL
GEN="gen=$URL,model=sd-test,images=$URL,price_image=0.04"
NOGEN=$(model_spec llava textonly)
run_both() { "$VLMETER" run -s "$T/gen.jsonl" --db "$DB" -m "$GEN" -m "$NOGEN" > "$1.out" 2> "$1"; }
counts() { awk -v m="$2" '$1 == m { print $2, $3, $4, $5 }' "$1.out"; } # cases, run, skipped, errors
if run_both "$T/err1"; then fail "a run with failed generations must say so in its status"; fi
err=$(cat "$T/err1")
assert_contains "$err" "images $URL, case broken (" "the HTTP error names the endpoint and the case"
assert_contains "$err" "$URL/images/generations: HTTP 400: " "the HTTP error names the URL and status"
assert_contains "$err" "no picture for this prompt" "the server's own message"
assert_contains "$err" "case scribble (" "the non-image answer names the case"
assert_contains "$err" "the answer's 21 bytes are not a PNG, JPEG, WebP or BMP image" "the non-image answer"

assert_eq "$(counts "$T/err1" gen)" "4 4 0 2" "first run, gen: cases, run, skipped, errors"
assert_eq "$(counts "$T/err1" textonly)" "4 4 0 0" "first run, textonly: n/a cases are stored, not errors"
status() { sql "SELECT group_concat(c.case_id || ':' || c.status, ' ') FROM cases c JOIN models m ON m.id=c.model_id
                WHERE m.name='$1' ORDER BY c.case_id"; }
assert_eq "$(status gen)" "broken:error cube:done moon:done scribble:error" "the drawing model's cases"
# the model without an images endpoint: every generate case n/a with the reason, no row of figures
assert_eq "$(status textonly)" "broken:na cube:na moon:na scribble:na" "the text model's generate cases"
assert_eq "$(sql "SELECT DISTINCT error FROM cases c JOIN models m ON m.id=c.model_id WHERE m.name='textonly'")" \
  "cannot generate images" "the n/a reason"
assert_eq "$(sql "SELECT count(*) FROM generations g JOIN models m ON m.id=g.model_id WHERE m.name='textonly'")" 0 \
  "no generation rows for the text model"

# the two images requests that got pictures took a.png then b.png, in case order (cube, then moon)
sha_a=$(sha256sum "$T/served/a.png" | cut -d' ' -f1)
sha_b=$(sha256sum "$T/served/b.png" | cut -d' ' -f1)
gen_of() { sql "SELECT $2 FROM generations g JOIN models m ON m.id=g.model_id WHERE m.name='gen' AND case_id='$1'"; }
assert_eq "$(gen_of cube sha256)" "$sha_a" "cube: the served picture's hash"
assert_eq "$(gen_of moon sha256)" "$sha_b" "moon: the served picture's hash"
assert_eq "$(gen_of cube image)" "$(realpath "$DB.images")/$sha_a.png" "cube: stored by content hash"
cmp -s "$(gen_of cube image)" "$T/served/a.png" || fail "cube: the stored file is not the served picture"
cmp -s "$(gen_of moon image)" "$T/served/b.png" || fail "moon: the stored file is not the served picture"
assert_eq "$(gen_of cube bytes)" "$(stat -c %s "$T/served/a.png")" "cube: bytes"
assert_eq "$(ls "$DB.images" | wc -l)" 2 "two images kept, nothing else (no partial files)"
assert_eq "$(gen_of cube "latency_ms > 0")" 1 "cube: latency recorded"
assert_eq "$(gen_of cube cost_usd)" 0.04 "cube: cost per image from price_image"
assert_eq "$(gen_of broken "image IS NULL AND error LIKE '%HTTP 400%' AND cost_usd IS NULL")" 1 \
  "broken: no image, the error kept, nothing charged"
assert_eq "$(gen_of cube prompt)" "a red cube on a blue table" "the prompt kept"
requests=$(grep -c '^POST' "$T/server.log")
assert_eq "$requests" 4 "one request per generate case of the drawing model"

# resume: nothing is drawn again
run_both "$T/err2" || true
assert_eq "$(grep -c '^POST' "$T/server.log")" "$requests" "a second run sends no request"
assert_eq "$(gen_of cube sha256)" "$sha_a" "a second run keeps the stored image"
assert_eq "$(counts "$T/err2" gen)" "4 0 4 2" "second run, gen: everything skipped"

# the judge: each question asked about each picture, read by its scorer
JUDGE="$(model_spec llava judge),max_tokens=6"
out=$("$VLMETER" score --db "$DB" --judge "$JUDGE")
assert_eq "$(sql "SELECT count(*) FROM gen_verdicts WHERE judge='judge'")" 5 "3 + 2 questions asked"
assert_eq "$(sql "SELECT group_concat(scorer, ',') FROM (SELECT scorer FROM gen_verdicts WHERE case_id='cube' ORDER BY q)")" \
  "yesno,yesno,choice" "each question read by its scorer"
for c in cube moon; do
  n_q=$([ $c = cube ] && echo 3 || echo 2) # questions in the suite above
  right=$(sql "SELECT sum(correct) FROM gen_verdicts WHERE case_id='$c'")
  assert_eq "$(sql "SELECT n_questions || ' ' || n_correct FROM gen_scores WHERE case_id='$c'")" "$n_q $right" \
    "$c: questions and verdicts counted"
  want=$(awk -v r="$right" -v n="$n_q" 'BEGIN { printf "%.6f", r / n }')
  assert_eq "$(sql "SELECT printf('%.6f', tifa) FROM gen_scores WHERE case_id='$c'")" "$want" "$c: TIFA = right / questions"
  assert_eq "$(sql "SELECT vqascore BETWEEN 0 AND 1 FROM gen_scores WHERE case_id='$c'")" 1 "$c: VQAScore in [0,1]"
  # VQAScore = P(yes) / (P(yes) + P(no)), from the probabilities the detail gives (4 digits)
  sql "SELECT vqascore || ' ' || detail FROM gen_scores WHERE case_id='$c'" | awk '{
    for (i = 2; i <= NF; i++) { if ($i ~ /^P\(yes\)=/) y = substr($i, 8); if ($i ~ /^P\(no\)=/) n = substr($i, 7) }
    want = y / (y + n); d = $1 - want; if (d < 0) d = -d
    exit !(y > 0 && n > 0 && d < 1e-3) }' || fail "$c: VQAScore is not P(yes) / (P(yes) + P(no)) of its detail"
  assert_eq "$(sql "SELECT sha256 FROM gen_scores WHERE case_id='$c'")" "$(gen_of $c sha256)" "$c: scores the stored image"
done
# every verdict agrees with its scorer's reading of the stored reply: a yes/no reply
# holding neither word is never counted right
assert_eq "$(sql "SELECT count(*) FROM gen_verdicts WHERE scorer='yesno' AND correct=1
                  AND lower(reply) NOT LIKE '%yes%' AND lower(reply) NOT LIKE '%no%'")" 0 "yes/no verdicts"
# a second scoring asks nothing again
out2=$("$VLMETER" score --db "$DB" --judge "$JUDGE")
assert_contains "$out2" "judge: 0 asked" "stored replies are reused"

# a remote judge that always says "Yes" (canned by the fault proxy): worked by hand,
# cube: yes -> right, no -> wrong, the choice question (red) -> unparsed, wrong: 1/3;
# moon: yes -> right, no -> wrong: 1/2. A remote judge gives no logits: no VQAScore (NULL, not 0).
jq -cn '{choices: [{delta: {content: "Yes"}, finish_reason: "stop"}]}' | sed 's/^/data: /' > "$T/yes.sse"
printf '\ndata: [DONE]\n\n' >> "$T/yes.sse"
FAULTPROXY_SSE=$T/yes.sse start_proxy 0 ok 60
"$VLMETER" score -q --db "$DB" --judge "yes=http://127.0.0.1:$PROXY_PORT/v1,model=j" || fail "score with the remote judge"
assert_eq "$(sql "SELECT group_concat(correct, '') FROM (SELECT correct FROM gen_verdicts WHERE judge='yes' ORDER BY case_id, q)")" \
  "10010" "the remote judge's verdicts (cube q1..3, moon q1..2)"
assert_eq "$(sql "SELECT printf('%.6f', tifa) FROM gen_scores WHERE case_id='cube'")" 0.333333 "cube: TIFA 1/3"
assert_eq "$(sql "SELECT printf('%.6f', tifa) FROM gen_scores WHERE case_id='moon'")" 0.500000 "moon: TIFA 1/2"
assert_eq "$(sql "SELECT count(*) FROM gen_scores WHERE judge='yes' AND vqascore IS NULL")" 2 "remote judge: no VQAScore"
"$VLMETER" report --db "$DB" --format json -o "$T/remote.json"
assert_eq "$(jq -r '.generation[] | select(.model == "gen") | (.tifa * 1e6 | round), .vqascore' "$T/remote.json" | tr '\n' ' ')" \
  "416667 null " "remote judge: mean TIFA (1/3 + 1/2) / 2, VQAScore null"
"$VLMETER" score -q --db "$DB" --judge "$JUDGE" || fail "score again with the local judge"

# the report, every format
"$VLMETER" report --db "$DB" --format json -o "$T/r.json"
row() { jq -r ".generation[] | select(.model == \"$1\") | $2" "$T/r.json"; }
assert_eq "$(row gen '.n_cases, .n_images, .n_errors, .n_na' | tr '\n' ' ')" "4 2 2 0 " "gen: counts"
tifa_mean=$(sql "SELECT printf('%.6f', avg(tifa)) FROM gen_scores")
assert_eq "$(row gen '.tifa' | xargs printf '%.6f')" "$tifa_mean" "gen: mean TIFA"
assert_eq "$(row gen '.vqascore >= 0 and .vqascore <= 1')" true "gen: mean VQAScore"
assert_eq "$(row gen '.cost_usd_per_image')" 0.04 "gen: cost per image"
assert_eq "$(row gen '.latency_ms_p50 > 0')" true "gen: latency"
assert_eq "$(row textonly '.status')" "n/a — cannot generate images" "textonly: n/a, not 0"
assert_eq "$(row textonly '[.tifa, .vqascore, .latency_ms_p50, .cost_usd_per_image] | map(. == null) | all')" true \
  "textonly: no figure is 0"
table=$("$VLMETER" report --db "$DB")
assert_contains "$table" "Image generation" "the text report has the section"
assert_contains "$table" "n/a — cannot generate images" "the text report says n/a"
"$VLMETER" report --db "$DB" --format html -o "$T/r.html"
assert_contains "$(cat "$T/r.html")" "n/a — cannot generate images" "the HTML report says n/a"
assert_contains "$(cat "$T/r.html")" "VQAScore" "the HTML report has the scores"
echo "ok"
