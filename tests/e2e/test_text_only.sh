# Text-only models (docs/remote.md, "Text-only models"; docs/store-schema.md,
# status `na`). (a) A local forged model without mmproj runs a suite of image
# and text-only cases: the image cases are stored not applicable (`na`), never
# sent and never retried, the text cases are answered and scored, the report
# shows "n/a — no vision" in every format and leaves the image cases out of the
# accuracy's denominator, and a requirement on an image category fails naming
# the reason. (b) A remote model behind the fault proxy, whose `noimage` entry
# answers image content as llama-server without --mmproj does: the first image
# case's refusal turns the model text-only and its other image cases are stored
# n/a without being sent; a model declared vision=false sends none at all.
source "$(dirname "$0")/lib.sh"
img=$(first_image)
cp "$img" "$T/a.png"
cat > "$T/s.jsonl" <<'JSONL'
{"id":"i1","category":"vision","images":["a.png"],"turns":["<image> What colour is it?"],"expected":["red"],"scorer":"contains"}
{"id":"t1","category":"text","turns":["Say yes."],"expected":["yes"],"scorer":"contains"}
{"id":"i2","category":"vision","images":["a.png"],"turns":["<image> What shape is it?"],"expected":["circle"],"scorer":"contains"}
{"id":"t2","category":"text","turns":["Say no."],"expected":["no"],"scorer":"contains"}
{"id":"t3","category":"mixed","turns":["Say hi.","Say it again."],"expected":["hi","hi"],"scorer":"contains"}
{"id":"i3","category":"mixed","images":["a.png"],"turns":["How many shapes?","<image> And here?"],"expected":["1","1"],"scorer":"contains"}
JSONL
# By hand: 3 image cases (i1, i2 in vision; i3 in mixed), 3 text cases whose
# turns are 1 + 1 + 2 = 4; so 4 scored turns (not 4 + 3 image cases = 7 or more).
n_image=3 n_text=3 n_text_turns=$((1 + 1 + 2))
d=$DEMO/models/llava

# ------------------------------------------------------------ (a) local, no mmproj
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" --max-tokens 6 --threads 1 -m "tonly=$d/model.gguf,ngl=0" \
  > "$T/run1.out" 2> "$T/run1.err" || { cat "$T/run1.err"; fail "run of a text-only model failed"; }
assert_contains "$(cat "$T/run1.err")" "no vision" "the run says the model has no vision"
assert_contains "$(cat "$T/run1.out")" "tonly: $n_image image case(s) not applicable (n/a: no vision)" "run summary"
assert_eq "$(sql "SELECT count(*) FROM cases WHERE status='na'")" "$n_image" "image cases stored n/a"
assert_eq "$(sql "SELECT group_concat(case_id) FROM (SELECT case_id FROM cases WHERE status='na' ORDER BY 1)")" \
  "i1,i2,i3" "which cases are n/a"
assert_eq "$(sql "SELECT count(*) FROM cases WHERE status='na' AND error LIKE 'no vision%'")" "$n_image" "n/a reason"
assert_eq "$(sql "SELECT count(*) FROM cases WHERE status='done'")" "$n_text" "text cases done"
assert_eq "$(sql "SELECT count(*) FROM cases WHERE status='error'")" 0 "no errors"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE case_id LIKE 'i%'")" 0 "image cases have no answers"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE error IS NULL AND output IS NOT NULL")" "$n_text_turns" "text turns answered"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE n_image_tokens > 0")" 0 "no image tokens"
assert_eq "$(sql "SELECT count(*) FROM scores")" "$n_text_turns" "text turns scored"
assert_eq "$(sql "SELECT mmproj_bytes FROM model_loads")" 0 "no projector loaded"

"$VLMETER" report --db "$DB" --format json > "$T/r.json" || fail "json report failed"
jqv() { jq -r "$1" "$T/r.json"; }
assert_eq "$(jqv '.models[0].n_na')" "$n_image" "models[].n_na"
assert_eq "$(jqv '.models[0].quality.n')" "$n_text_turns" "accuracy's denominator: text turns only"
assert_eq "$(jqv '.models[0].n_errors')" 0 "no errors in the report"
assert_eq "$(jqv '[.not_applicable[] | "\(.category)=\(.n_cases) \(.reason)"] | join(",")')" \
  "mixed=1 no vision,vision=2 no vision" "not_applicable rows"
assert_eq "$(jqv '.quality[] | select(.category=="vision") | "\(.accuracy) \(.n) \(.n_na)"')" "null 0 2" "vision row"
assert_eq "$(jqv '.quality[] | select(.category=="mixed") | "\(.n) \(.n_na)"')" "2 1" "mixed row: t3's 2 turns"
assert_eq "$(jqv '.quality[] | select(.category=="text") | "\(.n) \(.n_na // 0)"')" "2 0" "text row"
for fmt in table md csv html; do
  "$VLMETER" report --db "$DB" --format $fmt > "$T/r.$fmt" || fail "$fmt report failed"
  assert_contains "$(cat "$T/r.$fmt")" "n/a — no vision" "$fmt report"
done
assert_contains "$(cat "$T/r.table")" "n/a — no vision" "vision cell"
grep -q "^vision .*n/a — no vision" "$T/r.table" || fail "the quality table's vision row is not n/a"

# Export: one line per n/a case (turn 0, no output, the reason), every other line a text turn.
"$VLMETER" export --db "$DB" -o "$T/x.jsonl" || fail "export failed"
assert_eq "$(jq -s '[.[] | select(.not_applicable)] | length' "$T/x.jsonl")" "$n_image" "export: n/a lines"
assert_eq "$(jq -s '[.[] | select(.not_applicable | not) | select(.output != null)] | length' "$T/x.jsonl")" \
  "$n_text_turns" "export: answered lines"
assert_eq "$(jq -r 'select(.case == "i2") | "\(.turn) \(.output) \(.error)"' "$T/x.jsonl")" \
  "0 null no vision: the model takes no images" "export: the n/a line"

# A requirement on the image category fails naming the reason; one on text does not.
printf 'requirements:\n  min_accuracy: {vision: 0.5, text: 0.0}\n' > "$T/plan.yaml"
"$VLMETER" report --db "$DB" --format json --plan "$T/plan.yaml" > "$T/rc.json" || fail "cost report failed"
why=$(jq -r '.recommendation.options[0].why' "$T/rc.json")
assert_contains "$why" "accuracy vision: no vision: 2 image cases not applicable" "recommendation's reason"
[[ "$why" != *"accuracy text"* ]] || fail "the text requirement failed: $why"
assert_eq "$(jq -r '.recommendation.chosen' "$T/rc.json")" null "nothing chosen"

# Resumed (errors retried too): nothing runs again.
cp "$DB" "$T/before.db"
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" --max-tokens 6 --threads 1 --retry-errors \
  -m "tonly=$d/model.gguf,ngl=0" > "$T/run2.out" 2> "$T/run2.err" || { cat "$T/run2.err"; fail "resume failed"; }
read -r _ cases run skip _ < <(grep '^tonly ' "$T/run2.out")
assert_eq "$cases/$run/$skip" "6/0/6" "resume: cases/run/skipped"
assert_eq "$(sql "SELECT count(*) FROM model_loads")" 1 "resume did not load the model"
assert_eq "$(sql "SELECT group_concat(case_id||status||run_id) FROM cases")" \
  "$(sqlite3 "$T/before.db" "SELECT group_concat(case_id||status||run_id) FROM cases")" "cases unchanged"

# ------------------------------------------------------------ (b) remote, refusal
source "$(dirname "$0")/remote_lib.sh"
start_server llava
start_proxy "$SERVER_PORT" "noimage,noimage,noimage,noimage,noimage,noimage,noimage,noimage,noimage,noimage,noimage,noimage" 60
DB=$T/remote.db
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" --max-tokens 4 --temp 0 \
  -m "det=http://127.0.0.1:$PROXY_PORT/v1,model=llava,retries=2" \
  -m "decl=http://127.0.0.1:$PROXY_PORT/v1,model=llava,vision=false" > "$T/rr.out" 2> "$T/rr.err" \
  || { cat "$T/rr.err" "$T/proxy.log"; fail "remote run failed (n/a is no error)"; }
cat "$T/proxy.log"
# det: i1 refused once (not retried), i2 and i3 never sent, 4 text turns; decl: 4 text turns.
assert_eq "$(grep -c 'refused (image content)' "$T/proxy.log")" 1 "image requests that reached the proxy"
assert_eq "$(grep -c 'forwarded (text only)' "$T/proxy.log")" $((2 * n_text_turns)) "text requests"
for m in det decl; do
  mid=$(sql "SELECT id FROM models WHERE name='$m'")
  assert_eq "$(sql "SELECT count(*) FROM cases WHERE model_id=$mid AND status='na'")" "$n_image" "$m: n/a cases"
  assert_eq "$(sql "SELECT count(*) FROM cases WHERE model_id=$mid AND status='done'")" "$n_text" "$m: done cases"
  assert_eq "$(sql "SELECT count(*) FROM scores WHERE model_id=$mid")" "$n_text_turns" "$m: scored turns"
done
assert_contains "$(sql "SELECT error FROM cases c JOIN models m ON m.id=c.model_id WHERE name='det' AND case_id='i1'")" \
  "no vision: the server refused image content" "the refused case's reason"
assert_contains "$(sql "SELECT error FROM cases c JOIN models m ON m.id=c.model_id WHERE name='det' AND case_id='i1'")" \
  "HTTP 400" "the refused case's reason quotes the server"
assert_contains "$(sql "SELECT settings FROM models WHERE name='decl'")" '"vision":false' "declared in the settings"
[[ "$(sql "SELECT settings FROM models WHERE name='det'")" != *vision* ]] || fail "det's settings name vision"
"$VLMETER" report --db "$DB" > "$T/rr.table" || fail "report failed"
assert_contains "$(cat "$T/rr.table")" "n/a — no vision" "remote report"
