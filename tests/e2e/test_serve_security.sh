# `vlmeter serve`'s defences, with curl (docs/serve.md, "Security"): a
# non-loopback bind without a token does not start; with a token every request
# needs it (Bearer, cookie, or ?token= once; a token with '+', '/', '=', ';'
# or a space too); without a token only this server's own Host names are
# answered (DNS rebinding); /file serves only the stored cases' images, never
# through a ".." segment or a symlink leading out, never the store or a file
# beside an image; a cross-site POST (Origin, Sec-Fetch-Site), a body over 64
# KiB, a body that is no form and a field that is not UTF-8 are refused and
# store nothing; a refused vote names no model; stored HTML shows as text. Each refusal has a positive control next to it (the same request made
# right is accepted), so a check that refused everything would fail too.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || fail "curl is needed"
SUITE=$DEMO/suite/demo.jsonl
A=$(echo $ARCHS | awk '{print $1}')
"$VLMETER" run -q -s "$SUITE" --db "$DB" --max-tokens 4 -m "$(model_spec "$A" ma)" > "$T/run.log" 2>&1 ||
  { cat "$T/run.log"; fail "run failed"; }
CASE=$(sql "SELECT case_id FROM answers WHERE turn=0 ORDER BY case_id LIMIT 1")
HOSTILE='<script>alert("xss")</script><b>bold</b>'
sql "UPDATE answers SET output='$HOSTILE' WHERE case_id='$CASE' AND turn=0"
nverdicts() { sql "SELECT count(*) FROM verdicts"; }

PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; true' EXIT
start_serve() {  # extra serve options...; sets URL and PID
  local log=$T/serve.log
  : > "$log"
  "$VLMETER" serve --db "$DB" --port 0 "$@" 2> "$log" &
  PID=$!
  URL=
  for _ in $(seq 1 300); do
    URL=$(grep -o 'http://[^ ]*/' "$log" | head -1 || true)
    [ -n "$URL" ] && break
    kill -0 "$PID" 2>/dev/null || { cat "$log"; fail "serve exited before listening"; }
    sleep 0.1
  done
  [ -n "$URL" ] || { cat "$log"; fail "serve did not print its URL"; }
}
stop_serve() {
  kill -TERM "$PID"
  local rc=0; wait "$PID" || rc=$?
  PID=
  assert_eq "$rc" 0 "serve's exit status after SIGTERM"
}
code() {  # curl args...: the HTTP status; the body in $T/body, headers in $T/headers
  curl -s --path-as-is -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@"
}

# 0. Its own usage on --help (exit 0); an unknown option names the known ones (exit 2).
"$VLMETER" serve --help > "$T/help" || fail "serve --help failed"
assert_contains "$(head -1 "$T/help")" "usage: vlmeter serve" "serve --help"
assert_contains "$(cat "$T/help")" "--token" "serve --help lists --token"
rc=0; "$VLMETER" serve --db "$DB" --tokn x 2> "$T/err" || rc=$?
assert_eq "$rc" 2 "serve with an unknown option"
assert_contains "$(cat "$T/err")" "(known: --db, --port, --bind, --token, --reviewer, -h/--help)" "the known options named"

# An SQLite file that is not a vlmeter store: exit 2 with a message, and
# nothing added to it (opening a store creates vlmeter's tables).
sqlite3 "$T/other.db" "CREATE TABLE notes(a)"
rc=0; timeout 30 "$VLMETER" serve --db "$T/other.db" --port 0 > "$T/out" 2> "$T/err" || rc=$?  # (had it started: 124)
assert_eq "$rc" 2 "serve on an SQLite file that is no store"
assert_contains "$(cat "$T/err")" "is not a vlmeter store" "the refusal says why"
assert_eq "$(sqlite3 "$T/other.db" "SELECT group_concat(name) FROM sqlite_master")" "notes" "the file left as it was"

# 1. A non-loopback address without a token: exit 2 with a message, nothing listens.
rc=0; env -u VLMETER_TOKEN "$VLMETER" serve --db "$DB" --bind 0.0.0.0 --port 0 > "$T/out" 2> "$T/err" || rc=$?
assert_eq "$rc" 2 "serve --bind 0.0.0.0 without a token"
assert_contains "$(cat "$T/err")" "not a loopback address" "the refusal says why"
assert_contains "$(cat "$T/err")" "--token" "the refusal names the way out"
grep -q 'serving' "$T/err" && fail "serve said it was serving"
# The token may come from the environment: then it starts (stopped at once).
VLMETER_TOKEN=fromenv start_serve --bind 0.0.0.0
assert_eq "$(code "${URL}")" 401 "no token, token from VLMETER_TOKEN"
assert_eq "$(code -H 'Authorization: Bearer fromenv' "${URL}")" 200 "the VLMETER_TOKEN token"
stop_serve

# 2. With a token every request carries it.
TOKEN='t0k-3n_x'
start_serve --bind 0.0.0.0 --token "$TOKEN"
assert_eq "$(code "${URL}")" 401 "GET / without the token"
assert_contains "$(cat "$T/headers")" "Content-Security-Policy: default-src 'self'" "a 401 has the security headers"
assert_eq "$(code "${URL}app.css")" 401 "GET /app.css without the token"
assert_eq "$(code -H 'Authorization: Bearer wrong' "${URL}")" 401 "a wrong bearer token"
assert_eq "$(code -H "Authorization: Bearer ${TOKEN}x" "${URL}")" 401 "the token with one character more"
assert_eq "$(code -H 'Cookie: vlmeter_token=t0k' "${URL}")" 401 "a prefix of the token as cookie"
assert_eq "$(code -H "Authorization: Bearer $TOKEN" "${URL}")" 200 "the bearer token"
assert_eq "$(code -H "Cookie: vlmeter_token=$TOKEN" "${URL}cases")" 200 "the token cookie"
assert_eq "$(code "${URL}cases?fail=1&token=$TOKEN&q=a%20b")" 303 "?token= answers with a redirect"
H=$(tr -d '\r' < "$T/headers")
assert_contains "$H" "Set-Cookie: vlmeter_token=$TOKEN; Path=/; HttpOnly; SameSite=Strict" "?token= sets the cookie"
assert_contains "$H" "Location: /cases?fail=1&q=a%20b" "the redirect drops the token, keeps the rest"
grep -q '^Location:.*token' <<< "$H" && fail "the redirect still carries the token"
assert_eq "$(code "${URL}cases?token=wrong")" 401 "a wrong ?token="
before=$(nverdicts)
assert_eq "$(code --data "model=ma&suite=demo&case=$CASE&turn=0&verdict=right&reviewer=eve" "${URL}verdict")" 401 \
  "a verdict without the token"
assert_eq "$(nverdicts)" "$before" "a refused verdict stored nothing"
for h in X-Content-Type-Options:\ nosniff X-Frame-Options:\ DENY Referrer-Policy:\ same-origin; do
  code -H "Authorization: Bearer $TOKEN" "${URL}" > /dev/null
  assert_contains "$(tr -d '\r' < "$T/headers")" "$h" "security header on a page"
done
# ?token= with the cookie already set still redirects (the token leaves the address bar).
assert_eq "$(code -H "Cookie: vlmeter_token=$TOKEN" "${URL}cases?token=$TOKEN")" 303 "?token= beside a good cookie"
assert_contains "$(tr -d '\r' < "$T/headers")" "Location: /cases" "redirected to the URL without the token"
# "//evil.example/x?token=" must not redirect to //evil.example/x (another site, same scheme).
assert_eq "$(code "${URL}/evil.example/x?token=$TOKEN")" 303 "?token= on a path starting with //"
assert_contains "$(tr -d '\r' < "$T/headers")" "Location: /evil.example/x" "the redirect stays on this server"
grep -qi '^Location: //' "$T/headers" && fail "the redirect leads to another host"
# With a token, a Host other than this server's name is fine (the token guards; a proxy may rename).
assert_eq "$(code -H "Authorization: Bearer $TOKEN" -H 'Host: vlmeter.example.org' "${URL}")" 200 \
  "any Host with the token"
stop_serve

# A token holding '+', '/', '=', ';' and a space: ?token= (percent-encoded) sets a
# cookie that, sent back as the browser sends it, lets the next request through.
ODD='a+b/c= ;d'
start_serve --token "$ODD"
assert_eq "$(code "${URL}?token=a%2Bb%2Fc%3D%20%3Bd")" 303 "the odd token as ?token="
JAR=$(tr -d '\r' < "$T/headers" | sed -n 's/^Set-Cookie: \(vlmeter_token=[^;]*\);.*/\1/p')
[ -n "$JAR" ] || fail "no token cookie set for the odd token"
assert_eq "$(code -H "Cookie: $JAR" "${URL}cases")" 200 "the odd token's cookie"
assert_eq "$(code -H "Cookie: vlmeter_token=a+b/c=" "${URL}cases")" 401 "a prefix of the odd token as cookie"
assert_eq "$(code -H "Authorization: Bearer $ODD" "${URL}cases")" 200 "the odd token as bearer"
stop_serve

# The rest on loopback without a token.
USER= start_serve  # no default reviewer: a vote without one is refused (section 8)
AUTH=()
HOSTPORT=${URL#http://}; HOSTPORT=${HOSTPORT%/}

# 3. /file: a stored image is served; '..' and symlinks leading out are not.
IMG=$(realpath "$(sql "SELECT json_extract(images, '\$[0]') FROM cases WHERE json_array_length(images) > 0 LIMIT 1")")
IMGDIR=$(dirname "$IMG")
assert_eq "$(code "${URL}file${IMG}")" 200 "a stored image"
cmp -s "$T/body" "$IMG" || fail "the image served differs from the file"
assert_contains "$(tr -d '\r' < "$T/headers")" "Content-Type: image/png" "the image's type"
# The same file reached through a '..' segment, literal or %2f-encoded: refused
# although the path resolves to the very image just served.
assert_eq "$(code "${URL}file${IMGDIR}/../$(basename "$IMGDIR")/$(basename "$IMG")")" 404 "a literal .. segment"
assert_eq "$(code "${URL}file${IMGDIR}/..%2f$(basename "$IMGDIR")%2f$(basename "$IMG")")" 404 "..%2f"
assert_eq "$(code "${URL}file${IMGDIR}/%2e%2e/$(basename "$IMGDIR")/$(basename "$IMG")")" 404 "%2e%2e"
assert_eq "$(code "${URL}file/..%2f..%2f..%2f..%2fetc%2fpasswd")" 404 "/file/..%2f.."
assert_eq "$(code "${URL}file/etc/passwd")" 404 "a file outside every allowed folder"
# Only the stored images themselves: not the store (nor its -wal), not a file
# beside an image (the suite), not a copy of an image, not a symlink leading out.
OUTSIDE=$(mktemp -d "$TEST_WORK/outside-XXXXXX")
cp "$IMG" "$OUTSIDE/secret.png"
cp "$IMG" "$T/copy.png"
ln -s "$OUTSIDE/secret.png" "$T/link.png"
ln -s "$IMG" "$T/alias.png"
assert_eq "$(code "${URL}file$(realpath "$DB")")" 404 "the store itself"
assert_eq "$(code "${URL}file$(realpath "$SUITE")")" 404 "the suite's JSONL"
[ -f "$IMGDIR/$(basename "$SUITE")" ] &&
  { assert_eq "$(code "${URL}file$IMGDIR/$(basename "$SUITE")")" 404 "a file beside a stored image"; }
cp "$IMG" "$IMGDIR/unlisted-$$.png"
assert_eq "$(code "${URL}file$IMGDIR/unlisted-$$.png")" 404 "an unlisted file in an image's folder"
rm -f "$IMGDIR/unlisted-$$.png"
assert_eq "$(code "${URL}file${T}/copy.png")" 404 "a copy of an image in the store's folder"
assert_eq "$(code "${URL}file${T}/link.png")" 404 "a symlink in the store's folder pointing outside"
assert_eq "$(code "${URL}file${OUTSIDE}/secret.png")" 404 "the symlink's target itself"
assert_eq "$(code "${URL}file${T}/alias.png")" 200 "a symlink to a stored image (the same file)"
assert_eq "$(code "${URL}file${T}")" 404 "a folder"

# 4. A cross-site POST is refused (Origin, or Sec-Fetch-Site), a same-origin one is not.
FORM="model=ma&suite=demo&case=$CASE&turn=0&reviewer=ann"
before=$(nverdicts)
assert_eq "$(code -H 'Origin: http://evil.example' --data "$FORM&verdict=right" "${URL}verdict")" 403 "Origin evil.example"
assert_eq "$(code -H 'Origin: https://evil.example' --data "$FORM&verdict=right" "${URL}verdict")" 403 \
  "Origin https://evil.example"
assert_eq "$(code -H "Origin: http://$HOSTPORT.evil.example" --data "$FORM&verdict=right" "${URL}verdict")" 403 \
  "an Origin that only starts with this host"
assert_eq "$(code -H 'Origin: null' --data "$FORM&verdict=right" "${URL}verdict")" 403 "Origin null"
assert_eq "$(code -H 'Sec-Fetch-Site: cross-site' --data "$FORM&verdict=right" "${URL}verdict")" 403 "Sec-Fetch-Site"
# Another port of localhost is the same site, not the same origin.
assert_eq "$(code -H 'Sec-Fetch-Site: same-site' --data "$FORM&verdict=right" "${URL}verdict")" 403 \
  "Sec-Fetch-Site: same-site"
assert_eq "$(code -H 'Sec-Fetch-Site: same-site' -H "Origin: http://$HOSTPORT" --data "$FORM&verdict=right" \
  "${URL}verdict")" 403 "same-site wins over a matching Origin"
assert_eq "$(nverdicts)" "$before" "refused cross-site verdicts stored nothing"
# DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 sends
# Host evil.example:PORT and its own Origin; without a token only this server's
# own names are answered (421), GET and POST alike.
PORT=${HOSTPORT##*:}
assert_eq "$(code -H "Host: evil.example:$PORT" "${URL}")" 421 "GET with a foreign Host"
assert_contains "$(cat "$T/body")" "its own address" "the 421 says why"
assert_eq "$(code -H "Host: evil.example:$PORT" -H "Origin: http://evil.example:$PORT" --data "$FORM&verdict=right" \
  "${URL}verdict")" 421 "a rebinding POST"
assert_eq "$(code -H "Host: 127.0.0.1:$((PORT + 1))" "${URL}")" 421 "this address with another port"
assert_eq "$(code -H "Host: 127.0.0.1:${PORT}x" "${URL}")" 421 "the port with junk after it"
assert_eq "$(nverdicts)" "$before" "the rebinding POST stored nothing"
assert_eq "$(code -H "Host: localhost:$PORT" "${URL}")" 200 "Host localhost:PORT"
assert_eq "$(code -H "Host: LocalHost:$PORT" "${URL}")" 200 "Host names fold case"
assert_eq "$(code -H "Host: [::1]:$PORT" "${URL}")" 200 "Host [::1]:PORT"
# Behind a TLS proxy the page's Origin is https://; a browser's Sec-Fetch-Site:
# same-origin is trusted even where a proxy renamed the Host.
assert_eq "$(code -H "Origin: https://$HOSTPORT" --data "$FORM&verdict=right&comment=tls" "${URL}verdict")" 303 \
  "Origin https:// of this host"
assert_eq "$(code -H 'Origin: https://review.example.org' -H 'Sec-Fetch-Site: same-origin' \
  --data "$FORM&verdict=right&comment=proxied" "${URL}verdict")" 303 "Sec-Fetch-Site: same-origin"
assert_eq "$(sql "SELECT group_concat(comment, ',') FROM (SELECT comment FROM verdicts ORDER BY id DESC LIMIT 2)")" \
  "proxied,tls" "both accepted verdicts stored"
before=$(nverdicts)
assert_eq "$(code -H "Origin: http://$HOSTPORT" --data "$FORM&verdict=wrong&comment=same+origin" "${URL}verdict")" 303 \
  "a same-origin verdict"
assert_eq "$(nverdicts)" $((before + 1)) "the same-origin verdict is stored"
assert_eq "$(sql "SELECT verdict || ' ' || score || ' ' || comment || ' ' || reviewer FROM verdicts ORDER BY id DESC LIMIT 1")" \
  "wrong 0.0 same origin ann" "the stored verdict"
assert_contains "$(tr -d '\r' < "$T/headers")" "Location: /case?suite=demo&id=$CASE#a-ma-0" "the redirect to the answer"

# 5. A 10 MB body: 413 with a message, nothing stored (with a length, and chunked).
before=$(nverdicts)
{ printf '%s' "$FORM&verdict=right&comment="; head -c 10485760 /dev/zero | tr '\0' a; } > "$T/big"
assert_eq "$(code --data-binary @"$T/big" "${URL}verdict")" 413 "a 10 MB verdict"
assert_contains "$(cat "$T/body")" "64 KiB" "the 413 says the limit"
assert_eq "$(code -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "${URL}verdict")" 413 "a 10 MB chunked verdict"
# An endless chunked body is not read forever: past 16 MiB the connection is
# closed (curl's status 28 would be its own time limit, reached only if the
# server went on reading).
rc=0; yes aaaaaaaaaaaaaaa | curl -s -o /dev/null -X POST -T - -H 'Content-Type: application/x-www-form-urlencoded' \
  --max-time 60 "${URL}verdict" || rc=$?
[ "$rc" -ne 28 ] || fail "an endless body was read for 60 s"
# A body the form parser cannot read (a field name of 5000 bytes) is a bad
# request, not a large one.
assert_eq "$(code --data "$FORM&verdict=right&$(head -c 5000 /dev/zero | tr '\0' k)=1" "${URL}verdict")" 400 \
  "a field name of 5000 bytes"
assert_contains "$(cat "$T/body")" "could not be read as a form" "the 400 says why"
# Just under the limit passes: the limit is 64 KiB, not less.
{ printf '%s' "$FORM&verdict=right&comment="; head -c 60000 /dev/zero | tr '\0' a; } > "$T/near"
assert_eq "$(nverdicts)" "$before" "refused big verdicts stored nothing"
assert_eq "$(code --data-binary @"$T/near" "${URL}verdict")" 303 "a 60 kB verdict"
assert_eq "$(sql "SELECT length(comment) FROM verdicts ORDER BY id DESC LIMIT 1")" 60000 "its comment kept whole"

# 6. Invalid UTF-8 in a field: 400 with a message, nothing stored.
before=$(nverdicts)
assert_eq "$(code --data "$FORM&verdict=right&comment=ok%FF%FE" "${URL}verdict")" 400 "a comment that is not UTF-8"
assert_contains "$(cat "$T/body")" "UTF-8" "the 400 says why"
assert_contains "$(cat "$T/body")" "comment" "the 400 names the field"
assert_eq "$(code --data "model=ma&suite=demo&case=$CASE&turn=0&verdict=right&reviewer=%C3%28" "${URL}verdict")" 400 \
  "a reviewer that is not UTF-8"
assert_eq "$(code --data "$FORM&verdict=right&comment=a%00b" "${URL}verdict")" 400 "a NUL byte"
assert_eq "$(code --data "$FORM&verdict=score&score=1.5" "${URL}verdict")" 400 "a score above 1"
assert_eq "$(nverdicts)" "$before" "refused verdicts stored nothing"
assert_eq "$(code --data "$FORM&verdict=right&comment=caf%C3%A9" "${URL}verdict")" 303 "a UTF-8 comment"
assert_eq "$(sql "SELECT comment FROM verdicts ORDER BY id DESC LIMIT 1")" "café" "the UTF-8 comment stored"

# 7. A stored answer holding HTML shows as text on /case.
assert_eq "$(code "${URL}case?suite=demo&id=$CASE")" 200 "the case page"
grep -qF '<script>alert' "$T/body" && fail "the stored script is in the page unescaped"
grep -qF '<b>bold' "$T/body" && fail "stored markup is in the page unescaped"
grep -qF '&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;' "$T/body" ||
  fail "the stored answer is not on the page as escaped text"
assert_eq "$(grep -c '<script' "$T/body")" 1 "one script element: /app.js"
grep -q '<script src="/app.js" defer></script>' "$T/body" || fail "the page's one script is not /app.js"

# 8. A vote refused by the store names no model (the page is blind): a second
# model, zebramodel, answers $CASE (by hand), the case has no exact truth
# (judge); its answer is deleted after the pair is shown.
ZB=$(sql "INSERT INTO models(name, settings) VALUES('zebramodel', '{}') RETURNING id")
MA=$(sql "SELECT id FROM models WHERE name='ma'")
sql "INSERT INTO cases(model_id, suite, case_id, category, scorer, status) SELECT $ZB, suite, case_id, category,
  'judge', 'done' FROM cases WHERE model_id=$MA AND case_id='$CASE'; UPDATE cases SET scorer='judge' WHERE case_id='$CASE'"
ZB_ANSWERS="INSERT INTO answers(model_id, suite, case_id, turn, output) SELECT $ZB, suite, case_id, turn, 'zebra says hi'
  FROM answers WHERE model_id=$MA AND case_id='$CASE'"
sql "$ZB_ANSWERS"
pair_token() { code "${URL}pair" > /dev/null; grep -o 'name="pair" value="[0-9a-f]*"' "$T/body" | sed 's/.*value="//; s/"//'; }
PT=$(pair_token)
[ -n "$PT" ] || fail "no blind pair for ma and zebramodel"
grep -qiF zebramodel "$T/body" && fail "the blind pair names zebramodel"
sql "DELETE FROM answers WHERE model_id=$ZB"
assert_eq "$(code --data "pair=$PT&choice=a&reviewer=ann&category=" "${URL}prefer")" 400 "a vote on a pair whose answer is gone"
assert_contains "$(cat "$T/body")" "no longer in the store" "the refusal says why"
grep -qiF zebramodel "$T/body" && fail "the refused vote's page names zebramodel"
grep -qF "'ma'" "$T/body" && fail "the refused vote's page names ma"
assert_eq "$(sql "SELECT count(*) FROM preferences")" 0 "the refused vote stored nothing"
sql "$ZB_ANSWERS"
PT=$(pair_token)
assert_eq "$(code --data "pair=$PT&choice=a&reviewer=&category=" "${URL}prefer")" 400 "a vote without a reviewer"
assert_contains "$(cat "$T/body")" "reviewer name is needed" "the refusal says why"
PT=$(pair_token)
assert_eq "$(code --data "pair=$PT&choice=tie&reviewer=ann&category=" "${URL}prefer")" 303 "the same vote, answers there"
assert_eq "$(sql "SELECT count(*) || ' ' || choice FROM preferences")" "1 tie" "the vote stored"
stop_serve
echo ok
