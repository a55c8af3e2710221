# A remote model's image dials against a loopback chat server with scripted
# usage (tests/tools/vlmserver.c: prompt_tokens = 10 + text bytes + 100 per
# image; it logs every request and keeps every image it received):
# (a) max_pixels and max_side show in the sizes of the images the server got;
# (b) without them it gets the files' own bytes;
# (c) n_image_tokens is the scripted difference (100 per image of the request),
#     marked derived, from one extra text-only request (max_tokens=1) per
#     distinct prompt; none for a turn without images or a server without usage;
# (d) processor= reaches the body as mm_processor_kwargs; a value that is not a
#     JSON object fails that model, naming it and the key, and the next model runs.
source "$(dirname "$0")/lib.sh"
VLMSERVER=$(dirname "$(dirname "$VLMETER")")/vlmserver
[ -x "$VLMSERVER" ] || fail "no $VLMSERVER (make bin builds it)"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# start NAME [--no-usage]: a server logging to $T/NAME.log, images in $T/NAME/; sets URL.
start() {
  mkdir -p "$T/$1"
  "$VLMSERVER" 300 "$T/$1.port" "$T/$1.log" "$T/$1" "${@:2}" 2> "$T/$1.err" &
  PIDS+=($!)
  for _ in $(seq 100); do [ -s "$T/$1.port" ] && break; sleep 0.05; done
  URL=http://127.0.0.1:$(cat "$T/$1.port")/v1
}

mkdir -p "$T/s"
"$VLMSERVER" --png 640 480 "$T/s/big.png" || fail "cannot make big.png"
"$VLMSERVER" --png 200 100 "$T/s/small.png" || fail "cannot make small.png"
# a and b ask the same text (one text-only request for both); c has two images;
# t none (no extra request); m is two turns whose second request still carries
# turn 0's image (its twin is the whole conversation without it).
cat > "$T/s/dials.jsonl" <<'EOF'
{"id":"a","image":"big.png","prompt":"What is here?","answer":"ok"}
{"id":"b","image":"small.png","prompt":"What is here?","answer":"ok"}
{"id":"c","images":["big.png","small.png"],"prompt":"Compare <image> with <image>.","answer":"ok"}
{"id":"m","image":"small.png","turns":["First?","Second?"],"expected":["ok","ok"]}
{"id":"t","prompt":"No picture.","answer":"ok"}
EOF
SUITE=$T/s/dials.jsonl

# ---- (a), (c): max_pixels
start px
"$VLMETER" run -s "$SUITE" --db "$DB" --max-tokens 4 -q -m "px=$URL,model=px,max_pixels=76800" \
  2> "$T/px.runerr" || { cat "$T/px.runerr"; fail "max_pixels run failed"; }
# 640x480 = 307200 px > 76800: scale sqrt(76800/307200) = 1/2 -> 320x240.
# 200x100 = 20000 px <= 76800: sent as is.
# Timed requests: a, b, c, m turn 0, m turn 1, t; each with images is
# followed by its text-only twin unless the same twin was asked before (a and b
# ask the same text: the second of them is answered from the cache).
# (The runner may take the cases in another order than the suite's: sizes
# are compared sorted.)
timed_sizes() { grep "model=$2 " "$1" | grep -v 'max_tokens=1 ' | awk '{print $7}' | LC_ALL=C sort | tr '\n' ' '; }
assert_eq "$(timed_sizes "$T/px.log" px)" "sizes=- sizes=200x100 sizes=200x100 sizes=200x100 sizes=320x240 sizes=320x240,200x100 " \
  "max_pixels: image sizes the server received"
n=$(grep -m1 'max_tokens=4 images=1 sizes=200x100 ' "$T/px.log" | awk '{print $2}')
cmp -s "$T/px/$n-1.png" "$T/s/small.png" || fail "small.png (within max_pixels) was not sent byte for byte"
# twins: a (b cached), c, m turn 0, m turn 1 = 4, none with an image, all max_tokens=1
assert_eq "$(grep -c 'max_tokens=1 ' "$T/px.log")" 4 "text-only requests"
assert_eq "$(grep 'max_tokens=1 ' "$T/px.log" | grep -vc 'images=0 ')" 0 "text-only requests carry no image"
assert_eq "$(grep -c 'max_tokens=4 ' "$T/px.log")" 6 "timed requests"
# stored: 100 per image of the request (scripted), derived; t: none
assert_eq "$(sql "SELECT group_concat(case_id||turn||':'||n_image_tokens||':'||ifnull(image_tokens_derived,'null')||':'||ifnull(image_tokens_each,'null'), ' ') FROM (SELECT * FROM answers ORDER BY case_id, turn)")" \
  "a0:100:1:null b0:100:1:null c0:200:1:null m0:100:1:null m1:100:1:null t0:0:0:null" "derived image tokens"
# the extra requests are not retries and do not replace the turn's figures:
# prompt_tokens is the timed request's (a: 10 + 13 text bytes + 100 = 123)
assert_eq "$(sql "SELECT sum(n_retries) FROM answers")" 0 "no retries counted"
assert_eq "$(sql "SELECT n_prompt_tokens FROM answers WHERE case_id='a'")" 123 "a's prompt tokens"
sql "SELECT settings FROM models WHERE name='px'" | grep -q '"max_pixels":76800' || fail "max_pixels not in settings"
# the report's image encode/decode figures stay local-only (derived counts are no encode)
"$VLMETER" report --db "$DB" --format json -o "$T/px.json" || fail "report failed"
assert_eq "$(jq -c '[.models[0].name, .models[0].speed.image_encode_ms, .models[0].speed.image_decode_ms, .models[0].speed.ttft_ms.min > 0]' "$T/px.json")" \
  '["px",null,null,true]' "no image encode/decode figures for a remote model"

# ---- (a): max_side, (b): no limit, (d): processor=, in one run
start side
"$VLMETER" run -s "$SUITE" --db "$T/side.db" --max-tokens 4 -q \
  -m "side=$URL,model=side,max_side=100" \
  -m "badproc=$URL,model=badproc,processor=[1]" \
  -m "plain=$URL,model=plain,processor={\"max_pixels\":50176}" > "$T/side.out" 2> "$T/side.err" && \
  fail "a run with a model that cannot start must exit non-zero"
assert_contains "$(cat "$T/side.err")" "badproc" "bad processor: the model named"
assert_contains "$(cat "$T/side.err")" "processor must be a JSON object" "bad processor: the key named"
assert_eq "$(grep -c 'model=badproc' "$T/side.log" || true)" 0 "the bad model sent nothing"
# 640x480, side 100: scale 100/640 = 0.15625 -> 100 x 75; 200x100: scale 0.5 -> 100x50
assert_eq "$(timed_sizes "$T/side.log" side)" "sizes=- sizes=100x50 sizes=100x50 sizes=100x50 sizes=100x75 sizes=100x75,100x50 " \
  "max_side: image sizes the server received"
# plain: the original sizes, the files' own bytes, and the processor options
assert_eq "$(timed_sizes "$T/side.log" plain)" "sizes=- sizes=200x100 sizes=200x100 sizes=200x100 sizes=640x480 sizes=640x480,200x100 " \
  "no limit: original sizes"
n=$(grep -m1 'model=plain .*max_tokens=4 images=1 sizes=640x480 ' "$T/side.log" | awk '{print $2}')
cmp -s "$T/side/$n-1.png" "$T/s/big.png" || fail "big.png without limits was not sent byte for byte"
assert_eq "$(grep 'model=plain ' "$T/side.log" | grep -vc 'kwargs={"max_pixels":50176}$' || true)" 0 \
  "processor= as mm_processor_kwargs in every request"
assert_eq "$(grep 'model=side ' "$T/side.log" | grep -vc 'kwargs=-$' || true)" 0 "no mm_processor_kwargs unless set"
assert_eq "$(sqlite3 "$T/side.db" "SELECT count(*) FROM answers a JOIN models m ON m.id=a.model_id WHERE m.name='plain' AND a.error IS NULL")" 6 "plain answered"

# ---- (c): a server without usage: no derived count, no extra request
start nousage --no-usage
"$VLMETER" run -s "$SUITE" --db "$T/nousage.db" --max-tokens 4 -q -m "nu=$URL,model=nu" \
  2> "$T/nu.err" || { cat "$T/nu.err"; fail "no-usage run failed"; }
assert_eq "$(grep -c 'max_tokens=1 ' "$T/nousage.log" || true)" 0 "no text-only request without usage"
assert_eq "$(sqlite3 "$T/nousage.db" "SELECT count(*) FROM answers WHERE n_image_tokens <> 0 OR image_tokens_derived <> 0")" 0 \
  "no derived count without usage"

# ---- a load test asks what a run asks: system and prompt_suffix in bench's requests too.
# Scripted prompt_tokens = 10 + text characters: "hi" alone 12; "hi" + " zz" and a system "SYS" 10 + 5 + 3 = 18.
start bench
"$VLMETER" bench -m "plain=$URL,model=plain" -m "dialled=$URL,model=dialled,system=SYS,prompt_suffix=zz" \
  --prompt hi --requests 2 --concurrency 1 --no-db > "$T/bench.out" 2>&1 || { cat "$T/bench.out"; fail "bench failed"; }
assert_eq "$(grep 'model=plain ' "$T/bench.log" | grep -c 'prompt_tokens=12 ')" 2 "bench: the plain prompt"
assert_eq "$(grep 'model=dialled ' "$T/bench.log" | grep -c 'prompt_tokens=18 ')" 2 "bench: system and suffix sent"
echo "ok"
