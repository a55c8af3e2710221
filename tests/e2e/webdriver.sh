# webdriver.sh - a small browser driver for the e2e tests: headless Chromium
# through chromedriver's W3C WebDriver HTTP API, with curl and jq.
#
# Source it, then:
#   wd_start DIR            start chromedriver on a free port and a headless
#                           session (window 1280x900, console logged); DIR holds
#                           the driver's log and the browser profile
#   wd_get URL              navigate and wait for the load
#   wd_find CSS             the first matching element's id (fails when none)
#   wd_find_all CSS         every matching element's id, one a line
#   wd_count CSS            how many elements match
#   wd_click ID / wd_type ID TEXT / wd_clear ID
#   wd_attr ID NAME         an attribute ("" when absent)
#   wd_prop ID NAME         a DOM property (checked, value, ...)
#   wd_text ID              the element's rendered text
#   wd_source / wd_title / wd_url
#   wd_exec JS [ARGS_JSON]  run JS in the page (`return ...`), print its value as JSON
#   wd_screenshot FILE      a PNG of the viewport
#   wd_console              the browser console since the last call: "LEVEL message" lines
#   wd_stop                 quit the session and end chromedriver (safe to call twice)
# Every call that the driver answers with an error fails the test with the
# driver's message (an open alert() dialog included).
# Needs: chromedriver, chromium, curl, jq; and `fail` (tests/e2e/lib.sh).
WD_CHROMEDRIVER=${WD_CHROMEDRIVER:-/usr/bin/chromedriver}
WD_CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
WD_ELEM=element-6066-11e4-a52e-4f735466cecf  # the W3C key of an element reference
WD_PID= WD_BASE= WD_SID= WD_DIR=

# One request to the driver: method, path (after /session/ID when it starts with
# '/'), JSON body. Prints the answer's .value as JSON; fails on a driver error.
wd_call() {
  local method=$1 path=$2 body=${3:-}
  local url=$WD_BASE$path
  [ -n "$WD_SID" ] && [[ "$path" == /* ]] && url=$WD_BASE/session/$WD_SID$path
  local out
  if [ -n "$body" ]; then
    out=$(curl -sS --max-time 60 -X "$method" -H 'Content-Type: application/json' --data-binary "$body" "$url") ||
      fail "webdriver: $method $path: no answer from chromedriver"
  else
    out=$(curl -sS --max-time 60 -X "$method" "$url") || fail "webdriver: $method $path: no answer from chromedriver"
  fi
  # one jq: the value, or the driver's error marked with a leading tab
  out=$(jq -c 'if (.value | type) == "object" and (.value.error? // null) != null
               then "\t" + .value.error + ": " + (.value.message | split("\n")[0]) else .value end' <<< "$out") ||
    fail "webdriver: $method $path: not JSON"
  [[ "$out" == '"\t'* ]] && fail "webdriver: $method $path: $(jq -r '.[1:]' <<< "$out")"
  printf '%s\n' "$out"
}

# A TCP port nobody listens on (bash's /dev/tcp connect fails).
wd_free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  fail "webdriver: no free port found"
}

wd_start() {  # dir
  WD_DIR=$1; mkdir -p "$WD_DIR/profile"
  [ -x "$WD_CHROMEDRIVER" ] || fail "no chromedriver at $WD_CHROMEDRIVER (scripts/deps.sh installs chromium-driver)"
  [ -x "$WD_CHROMIUM" ] || fail "no browser at $WD_CHROMIUM (scripts/deps.sh installs chromium)"
  local port; port=$(wd_free_port)
  "$WD_CHROMEDRIVER" --port="$port" --log-path="$WD_DIR/chromedriver.log" >/dev/null 2>&1 &
  WD_PID=$!
  WD_BASE=http://127.0.0.1:$port
  for _ in $(seq 100); do
    curl -sf --max-time 2 "$WD_BASE/status" 2>/dev/null | jq -e '.value.ready' >/dev/null 2>&1 && break
    kill -0 "$WD_PID" 2>/dev/null || fail "webdriver: chromedriver exited (log: $WD_DIR/chromedriver.log)"
    sleep 0.1
  done
  # Offline: every host name fails to resolve (the pages under test are on 127.0.0.1).
  local caps
  caps=$(jq -nc --arg bin "$WD_CHROMIUM" --arg prof "$WD_DIR/profile" '{capabilities: {alwaysMatch: {
    browserName: "chrome", "goog:loggingPrefs": {browser: "ALL"},
    "goog:chromeOptions": {binary: $bin, args: ["--headless=new", "--no-sandbox", "--disable-gpu",
      "--disable-dev-shm-usage", "--window-size=1280,900", "--hide-scrollbars", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", ("--user-data-dir=" + $prof)]}}}}')
  WD_SID=$(wd_call POST /session "$caps" | jq -r '.sessionId')
  [ -n "$WD_SID" ] && [ "$WD_SID" != null ] || fail "webdriver: no session"
  # --window-size is the outer window: grow it by the difference so the page
  # (and a screenshot) is exactly 1280x900.
  local dw dh
  read -r dw dh < <(wd_exec 'return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]' |
    jq -r '@tsv')
  wd_call POST /window/rect "$(jq -nc --argjson w $((1280 + dw)) --argjson h $((900 + dh)) '{width: $w, height: $h}')" >/dev/null
}

wd_stop() {
  if [ -n "$WD_SID" ]; then curl -s --max-time 10 -X DELETE "$WD_BASE/session/$WD_SID" >/dev/null 2>&1 || true; fi
  WD_SID=
  if [ -n "$WD_PID" ]; then
    kill "$WD_PID" 2>/dev/null || true
    wait "$WD_PID" 2>/dev/null || true
  fi
  WD_PID=
}

wd_get() { wd_call POST /url "$(jq -nc --arg u "$1" '{url: $u}')" >/dev/null; }
wd_url() { wd_call GET /url | jq -r .; }
wd_title() { wd_call GET /title | jq -r .; }
wd_source() { wd_call GET /source | jq -r .; }
wd_find_all() {
  wd_call POST /elements "$(jq -nc --arg c "$1" '{using: "css selector", value: $c}')" | jq -r --arg k "$WD_ELEM" '.[][$k]'
}
wd_count() { wd_find_all "$1" | grep -c . || true; }
wd_find() {
  local id; id=$(wd_find_all "$1" | head -1)
  [ -n "$id" ] || fail "webdriver: no element matches '$1' on $(wd_url)"
  echo "$id"
}
wd_click() { wd_call POST "/element/$1/click" '{}' >/dev/null; }
wd_clear() { wd_call POST "/element/$1/clear" '{}' >/dev/null; }
wd_type() { wd_call POST "/element/$1/value" "$(jq -nc --arg t "$2" '{text: $t}')" >/dev/null; }
wd_attr() { wd_call GET "/element/$1/attribute/$2" | jq -r '. // ""'; }
wd_prop() { wd_call GET "/element/$1/property/$2" | jq -r '. // ""'; }
wd_text() { wd_call GET "/element/$1/text" | jq -r .; }
wd_exec() {  # js [args json array]
  wd_call POST /execute/sync "$(jq -nc --arg s "$1" --argjson a "${2:-[]}" '{script: $s, args: $a}')"
}
wd_screenshot() { wd_call GET /screenshot | jq -r . | base64 -d > "$1"; }
# chromedriver's log endpoint (not W3C, kept by chromedriver): the entries since the last read.
wd_console() { wd_call POST /se/log '{"type": "browser"}' | jq -r '.[] | .level + " " + .message'; }
