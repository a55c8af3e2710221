# `vlmeter serve` driven in headless Chromium (tests/e2e/webdriver.sh; the
# contract is docs/serve.md). Two forged models answer the demo suite; the store
# is then edited by hand so that every filter of /cases has a small, known
# answer, and one stored answer is a hostile script. In the browser, through the
# page's own forms and buttons:
#   (a) each filter of /cases (and two together) lists exactly the cases that
#       SQL over the store finds with the documented meaning;
#   (b) a verdict saved on /case is in table verdicts with its reviewer, moves
#       the model's accuracy in `vlmeter report` by exactly 1/n, changes the
#       recommendation, and the filters then read the human verdict first;
#   (c) a blind pair's HTML holds no model name, and the votes are stored with
#       the models in the order shown;
#   (d) the hostile answer is text: title unchanged, no element made from it;
#   (e) no page logs anything to the browser console at error level (with a
#       negative control showing that the check catches a console.error);
#   (f) screenshots of /, /cases, /case, /pair (1280x900) are taken into $T and,
#       when VLMETER_SCREENSHOTS=DIR is set, copied there (docs/serve/*.png).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/webdriver.sh"
# The demo suite less its multi-image case (a shorter run): 9 cases, 10 turns.
SUITE=$T/demo.jsonl
grep -v '^#' "$DEMO/suite/demo.jsonl" | grep -v '"category":"multi_image"' > "$SUITE"
cp -r "$DEMO/suite/images" "$T/images"
HOSTILE='<script>document.title="PWNED";console.error("xss")</script><img src=x onerror=alert(1)>'
set -- $ARCHS
MA=antmodel MB=beemodel  # names that occur nowhere else on a page

SERVE_PID=
cleanup() {
  wd_stop
  if [ -n "$SERVE_PID" ]; then kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap "exit 130" INT TERM HUP  # (a signal too runs the EXIT trap)

"$VLMETER" run -q -s "$SUITE" --db "$DB" --max-tokens 2 -m "$(model_spec "$1" $MA)" -m "$(model_spec "$2" $MB)" \
  > "$T/run.log" 2>&1 || { cat "$T/run.log"; fail "run failed"; }

# ---- The store, edited so each filter has a known answer -------------------
# (case ids are the demo's, by category; turn 0 is the first turn.)
S=$(sql "SELECT DISTINCT suite FROM cases")
[ "$(wc -l <<< "$S")" -eq 1 ] || fail "one suite expected, got: $S"
cid() { sql "SELECT DISTINCT case_id FROM cases WHERE category='$1'"; }
mid() { sql "SELECT id FROM models WHERE name='$1'"; }
A=$(mid $MA) B=$(mid $MB)
C_COLORS=$(cid colors) C_SHAPES=$(cid shapes) C_COUNT=$(cid counting) C_SPATIAL=$(cid spatial)
C_OCR=$(cid ocr) C_CHARTS=$(cid charts) C_TABLES=$(cid tables) C_MT=$(cid multi_turn)
n_turns=$(sql "SELECT count(*) FROM answers WHERE model_id=$B")
assert_eq "$n_turns" 10 "beemodel's answered turns (9 cases, one of two turns)"
upd_score() {  # model case turn correct(0|1) [unparsed]
  sql "UPDATE scores SET correct=$4, score=$4, unparsed=${5:-0}
       WHERE model_id=$1 AND case_id='$2' AND turn=$3"
}
# Every answer the same plain text and right; then, by hand:
sql "UPDATE answers SET output='plain answer', error=NULL; UPDATE scores SET correct=1, score=1, unparsed=0;
     UPDATE cases SET status='done', error=NULL"
# shapes: ant failed with an error (and is scored wrong), bee right -> fail, disagree, errors
sql "UPDATE answers SET error='engine: out of memory', output=NULL WHERE model_id=$A AND case_id='$C_SHAPES'"
upd_score "$A" "$C_SHAPES" 0 0
# counting: both wrong -> fail, but they agree
upd_score "$A" "$C_COUNT" 0 0; upd_score "$B" "$C_COUNT" 0 0
# spatial, ocr: ant wrong, bee right -> fail, disagree
upd_score "$A" "$C_SPATIAL" 0 0; upd_score "$A" "$C_OCR" 0 0
# charts: bee's reply unparsed (wrong) -> fail, disagree, unparsed
upd_score "$B" "$C_CHARTS" 0 0 1
# multi_turn: bee wrong on turn 0 and its case ended in an error -> fail, disagree, errors
upd_score "$B" "$C_MT" 0 0
sql "UPDATE cases SET status='error', error='turn 2: timeout' WHERE model_id=$B AND case_id='$C_MT'"
# tables also counts under ocr; bee's answer mentions a PENTAGON (q below)
sql "UPDATE cases SET categories='[\"tables\",\"ocr\"]' WHERE case_id='$C_TABLES'"
sql "UPDATE answers SET output='a PENTAGON, I think' WHERE model_id=$B AND case_id='$C_TABLES'"
# colors: ant's answer is hostile (right, as bee's: differing outputs of equally
# scored turns are no disagreement)
sql "UPDATE answers SET output='$HOSTILE' WHERE model_id=$A AND case_id='$C_COLORS'"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE output LIKE '%PWNED%'")" 1 "hostile answer stored"

# The contract's meaning in SQL, read from the store as it is when called: the
# latest human verdict per answer comes first, then the scorer's row; a caption
# scorer's row (bleu, cider: no accuracy) counts as none.
ANS="WITH hv AS (SELECT model_id, suite, case_id, turn, score FROM verdicts v WHERE id =
        (SELECT max(id) FROM verdicts w WHERE w.model_id = v.model_id AND w.suite = v.suite
         AND w.case_id = v.case_id AND w.turn = v.turn)),
  ans AS (SELECT a.suite, a.case_id, a.turn, a.output, a.error, s.score AS sscore, s.correct AS scorrect,
            hv.score AS hscore, (s.model_id IS NOT NULL OR hv.score IS NOT NULL) AS judged
          FROM answers a LEFT JOIN (SELECT * FROM scores WHERE scorer NOT IN ('bleu', 'cider')) s
            USING (model_id, suite, case_id, turn)
          LEFT JOIN hv USING (model_id, suite, case_id, turn))"
expect() {  # filter [value] -> "suite|case" lines, sorted
  local q
  case $1 in
  fail) q="$ANS SELECT suite, case_id FROM ans WHERE error IS NOT NULL OR coalesce(hscore, sscore) < 1" ;;
  disagree) q="$ANS SELECT suite, case_id FROM ans GROUP BY suite, case_id, turn HAVING CASE WHEN min(judged)
                 THEN count(DISTINCT CASE WHEN hscore IS NOT NULL THEN hscore >= 0.5 ELSE scorrect = 1 END) > 1
                 ELSE count(DISTINCT lower(trim(coalesce(output, '')))) > 1 END" ;;
  errors) q="SELECT suite, case_id FROM answers WHERE error IS NOT NULL
             UNION SELECT suite, case_id FROM cases WHERE status = 'error'" ;;
  unparsed) q="SELECT suite, case_id FROM scores WHERE unparsed = 1" ;;
  category) q="SELECT suite, case_id FROM cases WHERE category = '$2' OR categories LIKE '%\"$2\"%'" ;;
  q) q="SELECT suite, case_id FROM answers WHERE instr(lower(case_id || char(10) || coalesce(prompt, '') ||
          char(10) || coalesce(expected, '') || char(10) || coalesce(output, '')), lower('$2')) > 0" ;;
  esac
  sqlite3 -cmd '.timeout 5000' -separator '|' "$DB" "SELECT DISTINCT * FROM ($q) ORDER BY 1, 2"
}
# The hand-worked answers (from the edits above), so the SQL is checked too.
want() { for c in "$@"; do echo "$S|$c"; done | sort; }
assert_eq "$(expect fail)" "$(want "$C_SHAPES" "$C_COUNT" "$C_SPATIAL" "$C_OCR" "$C_CHARTS" "$C_MT")" "expected fail set"
assert_eq "$(expect disagree)" "$(want "$C_SHAPES" "$C_SPATIAL" "$C_OCR" "$C_CHARTS" "$C_MT")" "expected disagree set"
assert_eq "$(expect errors)" "$(want "$C_SHAPES" "$C_MT")" "expected errors set"
assert_eq "$(expect unparsed)" "$(want "$C_CHARTS")" "expected unparsed set"
assert_eq "$(expect category ocr)" "$(want "$C_OCR" "$C_TABLES")" "expected category set"

# ---- The server -------------------------------------------------------------
"$VLMETER" serve --db "$DB" --port 0 --reviewer rita 2> "$T/serve.err" &
SERVE_PID=$!
URL=
for _ in $(seq 100); do
  URL=$(grep -oE 'serving .* on http://[^ ]+/' "$T/serve.err" | grep -oE 'http://[^ ]+/' | head -1) || true
  [ -n "$URL" ] && break
  kill -0 "$SERVE_PID" 2>/dev/null || { cat "$T/serve.err"; fail "serve exited before listening"; }
  sleep 0.1
done
[ -n "$URL" ] || { cat "$T/serve.err"; fail "serve printed no URL"; }
BASE=${URL%/}

wd_start "$T/wd"
SHOTS=${VLMETER_SCREENSHOTS:-}
shot() {  # name: a screenshot of the page as it is
  wd_screenshot "$T/$1.png"
  assert_eq "$(od -An -j16 -N8 -tu1 "$T/$1.png" | awk '{print $3*256+$4 "x" $7*256+$8}')" 1280x900 "$1.png size"
  [ "$(stat -c %s "$T/$1.png")" -gt 10000 ] || fail "$1.png: a blank page?"
  if [ -n "$SHOTS" ]; then mkdir -p "$SHOTS" && cp "$T/$1.png" "$SHOTS/$1.png"; fi
}
# (e) After each page: nothing at error level on the console (an uncaught
# exception, a blocked load, a CSP violation, a failed request).
CONSOLE=$T/console.log
check_console() {  # where
  local log; log=$(wd_console)
  printf '%s\n' "$log" >> "$CONSOLE"
  if grep -E '^SEVERE ' <<< "$log" >&2; then fail "$1: browser console errors"; fi
  true
}
visit() { wd_get "$BASE$1"; check_console "$1"; }

# Negative control: a page that logs an error and fails a load must be caught.
printf '<!doctype html><title>c</title><img src="missing.png"><script>console.error("control")</script>' > "$T/control.html"
wd_get "file://$T/control.html"
( check_console control ) 2>/dev/null && fail "control: the console check missed a console.error"
wd_get "file://$T/control.html"
wd_console | grep -q '"control"' || fail "control: console.error not in the browser log"

# ---- / -------------------------------------------------------------------------
visit /
for t in runs models matrix; do [ "$(wd_count "table#$t")" -eq 1 ] || fail "/: no table#$t"; done
mt=$(wd_text "$(wd_find table#matrix)")
for m in $MA $MB; do assert_contains "$mt" "$m" "the matrix names each model"; done
grep -qE '[0-9]+% \([0-9]+–[0-9]+\) n=[0-9]+' <<< "$mt" || fail "/: no 'NN% (lo–hi) n=N' cell in table#matrix"
shot index

# ---- (a) The filters, set through the form -----------------------------------
listed() {  # the cases the page lists, as "suite|case" lines, sorted
  wd_exec 'return Array.from(document.querySelectorAll("table#cases tr.case")).map(r => r.dataset.suite + "|" + r.dataset.case)' |
    jq -r '.[]' | sort
}
filter() {  # fail|disagree|errors|unparsed ... [category=C] [q=TEXT]: set on a fresh form, apply
  visit /cases
  local f
  for f in "$@"; do
    case $f in
    category=*) wd_click "$(wd_find "form#filters select[name=category] option[value=\"${f#category=}\"]")" ;;
    q=*) wd_type "$(wd_find 'form#filters input[name=q]')" "${f#q=}" ;;
    *) wd_click "$(wd_find "form#filters input[type=checkbox][name=$f]")" ;;
    esac
  done
  wd_click "$(wd_find 'form#filters button#apply')"
  check_console "/cases $*"
}
check_filter() {  # want, filter args...
  local want=$1 got n; shift
  filter "$@"
  got=$(listed)
  [ "$got" == "$want" ] || fail "/cases with $*: listed
$got
want
$want"
  n=$(grep -c . <<< "$want" || true)
  local count; count=$(wd_text "$(wd_find p#count)")
  [[ "$count" =~ ^$n\ cases?$ ]] || fail "/cases with $*: p#count says '$count', want '$n cases'"
}
visit /cases
all=$(listed)
assert_eq "$all" "$(sqlite3 -separator '|' "$DB" "SELECT DISTINCT suite, case_id FROM cases ORDER BY 1, 2")" "/cases unfiltered"
assert_eq "$(grep -c . <<< "$all")" 9 "/cases unfiltered: the 9 cases"
# the stable link of a row
link=$(wd_find "tr.case[data-case=\"$C_OCR\"] a.case-link")
assert_eq "$(wd_exec 'const u = new URL(arguments[0].href); return [u.origin, u.pathname, u.searchParams.get("suite"), u.searchParams.get("id")].join(" ")' \
  "[{\"$WD_ELEM\": \"$link\"}]" | jq -r .)" "$BASE /case $S $C_OCR" "a.case-link of $C_OCR"
check_filter "$(expect fail)" fail
shot cases
check_filter "$(expect disagree)" disagree
check_filter "$(expect errors)" errors
check_filter "$(expect unparsed)" unparsed
check_filter "$(expect category ocr)" category=ocr
Q=PentaGon  # in two prompts (spatial, hallucination) and bee's tables answer
assert_eq "$(expect q $Q)" "$(want "$C_SPATIAL" "$(cid hallucination)" "$C_TABLES")" "expected q set"
check_filter "$(expect q $Q)" q=$Q
# filters AND together: failing and matching the text
assert_eq "$(comm -12 <(expect fail) <(expect q $Q))" "$(want "$C_SPATIAL")" "expected fail AND q"
check_filter "$(want "$C_SPATIAL")" fail q=$Q
check_filter "$(want "$C_SHAPES" "$C_MT")" errors disagree

# ---- (d) The hostile answer, as text -------------------------------------------
case_url() { jq -rn --arg s "$S" --arg c "$1" '"/case?suite=\($s | @uri)&id=\($c | @uri)"'; }
server_title=$(curl -s "$BASE$(case_url "$C_COLORS")" | tr '\n' ' ' | grep -oP '<title>\K[^<]*' | head -1)
[ -n "$server_title" ] || fail "/case: no <title>"
visit "$(case_url "$C_COLORS")"
# Inert: the title is the server's, the answer is the text of pre.output with no
# element in it, no img or script came out of it, and it logged nothing.
check_inert() {  # want title, pre.output css
  local title pre
  title=$(wd_title)
  [[ "$title" == *PWNED* ]] && fail "the hostile answer set document.title"
  assert_eq "$title" "$1" "document.title"
  pre=$(wd_find "$2")
  assert_eq "$(wd_text "$pre")" "$HOSTILE" "the hostile answer is visible as text in pre.output"
  assert_eq "$(wd_exec 'return arguments[0].children.length' "[{\"$WD_ELEM\": \"$pre\"}]")" 0 \
    "pre.output of the hostile answer holds no element"
  assert_eq "$(wd_count 'img[onerror], img[src="x"]')" 0 "an img made from the hostile answer"
  assert_eq "$(wd_exec 'return Array.from(document.scripts).filter(s => s.text.includes("PWNED")).length')" 0 \
    "a script element made from the hostile answer"
  wd_console | grep -q '"xss"' && fail "the hostile script ran (console)"
  true
}
# (the server's title is HTML-escaped; the case ids here have nothing to escape)
check_inert "$server_title" "div.answer#a-$MA-0 pre.output"
grep -q '"xss"' "$CONSOLE" && fail "the hostile script ran (console)"
for m in $MA $MB; do
  for part in .timings .scorer-verdict .human-verdict form.verdict; do
    [ "$(wd_count "div.answer#a-$m-0[data-model=\"$m\"][data-turn=\"0\"] $part")" -eq 1 ] || fail "/case: no $part in $m's answer"
  done
done
[ "$(wd_count 'a.image img.thumb')" -ge 1 ] || fail "/case: no image thumbnail"
assert_eq "$(wd_exec 'return Array.from(document.querySelectorAll("a.image img.thumb")).filter(i => !(i.complete && i.naturalWidth > 0)).length')" \
  0 "/case: thumbnails that did not load"
shot case
# Negative control: the same answer put in raw (its alert() swapped for a
# console.error, since a dialog stops the driver) must fail the check.
# A second control leaves the title alone, so the other checks must catch it.
raw=${HOSTILE/alert(1)/console.error(2)}
for html in "$raw" "${raw/document.title=\"PWNED\";/}"; do
  printf '<!doctype html><title>t</title><pre class="output">%s</pre>' "$html" > "$T/raw.html"
  wd_get "file://$T/raw.html"
  ( check_inert t pre.output ) 2>/dev/null && fail "control: the inert check passed a raw $html"
  wd_console > /dev/null
done

# ---- (b) A verdict through the page -----------------------------------------------
plan() {  # min accuracy -> $T/plan.yaml
  printf 'suites: [%s]\nrequirements:\n  min_accuracy: {all: %s}\n  requests_per_day: 1000\n' "$SUITE" "$1" > "$T/plan.yaml"
}
report() { "$VLMETER" report --db "$DB" --format json --plan "$T/plan.yaml" 2> "$T/report.err" || { cat "$T/report.err"; fail "report failed"; }; }
plan 0.5
report > "$T/before.json"
qa() { jq -r --arg m "$2" --arg f "$3" '[.models[] | select(.name == $m) | .quality[$f]][0]' "$1"; }
n_b=$(qa "$T/before.json" $MB n)
assert_eq "$n_b" 10 "beemodel's scored turns"
acc_a=$(qa "$T/before.json" $MA accuracy) acc_b=$(qa "$T/before.json" $MB accuracy)
# A threshold half a turn above bee's accuracy: bee misses it now and meets it
# with one more right answer; ant (wrong on 4 of its 10 turns, bee on at most 4)
# misses it either way, so nothing is chosen before and bee after.
thr=$(jq -n --argjson b "$acc_b" '$b + 0.5 / 10')
jq -e -n --argjson a "$acc_a" --argjson t "$thr" '$a < $t' >/dev/null || fail "ant's accuracy $acc_a is not below $thr"
plan "$thr"
report > "$T/before.json"
assert_eq "$(jq -r '.recommendation.chosen' "$T/before.json")" null "nothing chosen at min accuracy $thr before the verdict"

visit "$(case_url "$C_CHARTS")"
form="div.answer#a-$MB-0 form.verdict"
assert_eq "$(wd_attr "$(wd_find "$form")" method | tr A-Z a-z)" post "form.verdict method"
reviewer=$(wd_find "$form input[name=reviewer]")
assert_eq "$(wd_prop "$reviewer" value)" rita "reviewer prefilled from --reviewer"
wd_click "$(wd_find "$form input[type=radio][name=verdict][value=right]")"
wd_type "$(wd_find "$form textarea[name=comment]")" "the chart's label is there"
wd_clear "$reviewer"; wd_type "$reviewer" alice
wd_click "$(wd_find "$form button.save")"
posted() {  # what: fail with the page's text unless the POST led back to a page of $1
  local now; now=$(wd_url)
  [[ "$now" == "$BASE$2"* ]] || fail "$1: the browser is on $now: $(wd_text "$(wd_find body)" | head -3 | tr '\n' ' ')"
}
posted "POST /verdict" /case?
check_console "POST /verdict"
now=$(wd_url)
assert_contains "$now" "/case?" "after saving, back on the case"
assert_contains "$now" "#a-$MB-0" "after saving, at the answer"
assert_eq "$(sql "SELECT verdict || '|' || score || '|' || reviewer || '|' || comment || '|' || case_id || '|' || turn
                  FROM verdicts WHERE model_id=$B")" "right|1.0|alice|the chart's label is there|$C_CHARTS|0" "the stored verdict"
assert_eq "$(sql "SELECT count(*) FROM verdicts")" 1 "one verdict stored"
assert_eq "$(sql "SELECT correct || score FROM scores WHERE model_id=$B AND case_id='$C_CHARTS'")" 00.0 "the scorer's row is kept"
hv=$(wd_text "$(wd_find "div.answer#a-$MB-0 .human-verdict")")
assert_contains "$hv" alice "the human verdict shows its reviewer"
report > "$T/after.json"
assert_eq "$(qa "$T/after.json" $MB n)" 10 "beemodel's scored turns after the verdict"
# one more right turn of 10: accuracy up by exactly 1/10
jq -e -n --argjson a "$acc_b" --argjson b "$(qa "$T/after.json" $MB accuracy)" '(($b - $a) - 1 / 10) | fabs < 1e-6' >/dev/null ||
  fail "beemodel's accuracy went from $acc_b to $(qa "$T/after.json" $MB accuracy), not up by 1/10"
assert_eq "$(qa "$T/after.json" $MA accuracy)" "$acc_a" "antmodel's accuracy unchanged"
assert_eq "$(jq -r '.recommendation.chosen.model' "$T/after.json")" $MB "chosen after the verdict at min accuracy $thr"
# the filters read the human verdict first: charts is now right for bee (and for ant)
assert_eq "$(expect fail)" "$(want "$C_SHAPES" "$C_COUNT" "$C_SPATIAL" "$C_OCR" "$C_MT")" "expected fail set after the verdict"
check_filter "$(expect fail)" fail
check_filter "$(expect disagree)" disagree
check_filter "$(expect unparsed)" unparsed

# Disagreement on turns without scores: the outputs, trimmed and lower-cased.
sql "DELETE FROM scores WHERE case_id IN ('$C_COUNT', '$C_TABLES');
     UPDATE answers SET output=' Forty ' WHERE model_id=$A AND case_id='$C_COUNT';
     UPDATE answers SET output='forty' WHERE model_id=$B AND case_id='$C_COUNT'"
# count: ' Forty ' = 'forty'; tables: 'plain answer' vs 'a PENTAGON, I think'
assert_eq "$(expect disagree)" "$(want "$C_SHAPES" "$C_SPATIAL" "$C_OCR" "$C_MT" "$C_TABLES")" "expected disagree set without scores"
check_filter "$(expect disagree)" disagree

# ---- (c) A blind pair ------------------------------------------------------------------
# tables has no exact truth now (scorer judge): the one case /pair may show without a category.
sql "UPDATE cases SET scorer='judge' WHERE case_id='$C_TABLES'"
no_names() {  # where
  local src; src=$(wd_source)
  for m in $MA $MB; do
    grep -qiF "$m" <<< "$src" && fail "$1: the page source names $m"
  done
  true
}
pair_outputs() { wd_exec 'return ["#side-a", "#side-b"].map(s => document.querySelector("div.pair div.side" + s + " pre.output").innerText)'; }
vote() {  # button (a|b|tie), want choice, want rows so far
  local sides left right
  sides=$(pair_outputs)
  assert_eq "$(jq -r 'sort | join("|")' <<< "$sides")" "a PENTAGON, I think|plain answer" "/pair shows the tables case's two answers"
  if [ "$(jq -r '.[0]' <<< "$sides")" == "plain answer" ]; then left=$A right=$B; else left=$B right=$A; fi
  local who; who=$(wd_find 'form.prefer input[name=reviewer]')
  wd_clear "$who"; wd_type "$who" paula
  wd_click "$(wd_find "form.prefer button#prefer-$1")"
  posted "POST /prefer" /pair
  check_console "POST /prefer"
  assert_eq "$(sql "SELECT count(*) FROM preferences")" "$3" "preference rows"
  assert_eq "$(sql "SELECT suite || '|' || case_id || '|' || turn || '|' || left_model_id || '|' || right_model_id || '|' ||
                    choice || '|' || reviewer FROM preferences ORDER BY id DESC LIMIT 1")" \
    "$S|$C_TABLES|0|$left|$right|$2|paula" "the stored vote"
}
visit /pair
no_names /pair
[ "$(wd_count 'div.pair div.side#side-a pre.output')" -eq 1 ] && [ "$(wd_count 'div.pair div.side#side-b pre.output')" -eq 1 ] ||
  fail "/pair: no two sides with pre.output"
shot pair
vote a left 1
assert_contains "$(wd_url)" "/pair" "after a vote, the next pair"
no_names "/pair after a vote"
vote tie tie 2
# a category given: any case of it; without one and no case without a truth, none
# (ocr and tables, through its categories); pairs this reviewer (the cookie of
# the last vote) voted on come last: the ocr case, both answers 'plain answer',
# every time, before tables (which paula voted on twice)
for _ in 1 2 3; do
  visit "/pair?category=ocr"
  no_names "/pair?category=ocr"
  [ "$(wd_count 'div.pair')" -eq 1 ] || fail "/pair?category=ocr: no pair"
  assert_eq "$(pair_outputs | jq -r 'join("|")')" "plain answer|plain answer" "/pair?category=ocr: the pair not voted on first"
done
sql "UPDATE cases SET scorer='contains' WHERE case_id='$C_TABLES'"
visit /pair
[ "$(wd_count 'p#no-pair')" -eq 1 ] || fail "/pair with every case exactly scored: no p#no-pair"
no_names "/pair (none)"
true
