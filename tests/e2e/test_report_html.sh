# The HTML report in a real browser. Both demo models answer the demo suite, one
# stored answer is replaced by a hostile one, and `vlmeter report --format html`
# is opened in headless Chromium with no network: it must load without a console
# message or a JavaScript dialog, hold the charts and the quality table, show
# the hostile answer as escaped text (the title stays, nothing runs), and paint a
# non-trivial screenshot. A negative control (the same page with a script put
# in) proves that the console and title checks do fail when they should.
source "$(dirname "$0")/lib.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "no browser at $CHROMIUM (scripts/deps.sh installs chromium)"
SUITE=$DEMO/suite/demo.jsonl
HOSTILE='<script>document.title="PWNED";console.error("xss")</script><img src=x onerror=alert(1)>'

specs=(); for a in $ARCHS; do specs+=(-m "$(model_spec "$a")"); done
"$VLMETER" run -q -s "$SUITE" --db "$DB" --max-tokens 8 "${specs[@]}" > "$T/run.log" 2>&1 ||
  { cat "$T/run.log"; fail "run failed"; }
sql "UPDATE answers SET output='$HOSTILE' WHERE rowid = (SELECT min(rowid) FROM answers)"
assert_eq "$(sql "SELECT count(*) FROM answers WHERE output LIKE '%PWNED%'")" 1 "hostile answer stored"
"$VLMETER" report --db "$DB" --format html -o "$T/r.html" 2> "$T/report.err" ||
  { cat "$T/report.err"; fail "report --format html failed"; }

# The file itself: the hostile text only in escaped form, nothing fetched.
HOSTILE_TEXT=$(printf '%s' "$HOSTILE" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')
grep -qF "$HOSTILE" "$T/r.html" && fail "the hostile answer is in the HTML unescaped"
grep -qF '&lt;script&gt;document.title=&quot;PWNED&quot;' "$T/r.html" ||
  fail "the hostile answer is not in the HTML as escaped text"
if grep -qiE '<[^>]*[[:space:]](src|href|action|srcset|poster)[[:space:]]*=[[:space:]]*["'\'']?[[:space:]]*[a-z]*:?//' "$T/r.html" ||
   grep -o '<style>.*</style>' "$T/r.html" | grep -qiE 'url\([[:space:]]*["'\'']?[a-z]*:?//|@import'; then
  fail "the report refers to something outside itself"
fi

# Headless Chromium, offline (every host name fails to resolve), logging the
# page's console to stderr. A JavaScript dialog (alert) blocks headless
# Chromium, so a page that raises one runs into the time limit.
browse() {  # html file, out prefix, extra flags...
  local html=$1 out=$2; shift 2
  local profile; profile=$(mktemp -d "$T/profile-XXXXXX")
  local rc=0
  timeout 40 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$profile" \
    --enable-logging=stderr --v=0 "$@" "file://$html" > "$out.stdout" 2> "$out.log" || rc=$?
  rm -rf "$profile"
  [ "$rc" -ne 124 ] || fail "$html: the browser hung (a JavaScript dialog such as alert()?)"
  [ "$rc" -eq 0 ] || { tail -20 "$out.log"; fail "$html: chromium exited with $rc"; }
}
# (a) The page logs nothing to its console: it has no script of its own, so any
# message (an error, an uncaught exception, a blocked load) is a fault.
check_console() {  # browser log
  if grep -E ':CONSOLE[:(]|Uncaught' "$1" >&2; then fail "console messages while loading the page"; fi
}
# (c) Nothing ran: the title is the report's, no console "xss", no script or
# event handler came out of the answer.
check_inert() {  # dumped DOM, browser log
  grep -q '<title>vlmeter report</title>' "$1" || fail "document.title changed: $(grep -o '<title>[^<]*' "$1" | head -1)"
  grep -q 'PWNED' <(grep -o '<title>[^<]*' "$1") && fail "document.title is PWNED"
  grep -q '"xss"' "$2" && fail "the hostile script logged to the console"
  grep -qF '<script>document.title' "$1" && fail "the hostile script is a DOM element"
  grep -qE '<[a-z]+[^>]* onerror="' "$1" && fail "an element with an onerror handler is in the DOM"
  true
}

# One load gives the DOM after it and a screenshot.
browse "$T/r.html" "$T/dom" --dump-dom --screenshot="$T/r.png" --window-size=1280,2000 --hide-scrollbars
DOM=$T/dom.stdout
check_console "$T/dom.log"
check_inert "$DOM" "$T/dom.log"
# (b) The charts and the quality table; (c) the answer shown as text in its cell.
n_charts=$(grep -oE '<svg[^>]* class="chart"' "$DOM" | wc -l)
[ "$n_charts" -ge 2 ] || fail "expected at least 2 charts (svg.chart), found $n_charts"
[ "$(grep -oE '<svg[^>]* class="chart"[^>]*><title>[^<]+</title>' "$DOM" | wc -l)" -eq "$n_charts" ] ||
  fail "a chart without a <title>"
quality=$(tr '\n' ' ' < "$DOM" | grep -oP '<table id="quality-table">.*?</table>') ||
  fail "no quality table in the DOM"
for a in $ARCHS; do assert_contains "$quality" "$a" "quality table column"; done
assert_contains "$quality" '<th>all</th>' "quality table's all row"
grep -qE '>[0-9]+% \([0-9]+–[0-9]+\) n=[0-9]+' <<< "$quality" || fail "no 'NN% (lo–hi) n=N' cell in the quality table"
grep -qP '<td[^>]*>\Q'"$HOSTILE_TEXT"'\E' "$DOM" || fail "the hostile answer is not text in its table cell"

# (d) A screenshot with something painted on it.
[ -f "$T/r.png" ] || fail "no screenshot"
assert_eq "$(head -c 8 "$T/r.png" | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a "screenshot is a PNG"
assert_eq "$(od -An -j16 -N8 -tu1 "$T/r.png" | awk '{print $3*256+$4 "x" $7*256+$8}')" 1280x2000 "screenshot size"
size=$(stat -c %s "$T/r.png")
[ "$size" -gt 40000 ] || fail "screenshot of $size bytes: a blank page?"

# Negative control: the same report with a script put in must fail both checks.
sed 's|</body>|<script>document.title="PWNED";console.error("xss")</script></body>|' "$T/r.html" > "$T/bad.html"
browse "$T/bad.html" "$T/bad" --dump-dom
( check_console "$T/bad.log" ) 2>/dev/null && fail "control: the console check missed an injected console.error"
( check_inert "$T/bad.stdout" "$T/bad.log" ) 2>/dev/null && fail "control: the title check missed an injected script"
true
