# lib.sh - shared by the end-to-end tests: assertions, and the forged demo models
# and images (made once per test run under $TEST_WORK/demo by `vlmeter demo --no-run`).
set -euo pipefail
: "${VLMETER:?run through tests/run.sh}" "${TEST_WORK:?}" "${LLAMA_PREFIX:?}"

fail() { echo "FAIL: $*" >&2; exit 1; }
assert_contains() {  # haystack needle what
  [[ "$1" == *"$2"* ]] || fail "$3: expected to find '$2' in: $1"
}
assert_eq() {  # got want what
  [ "$1" == "$2" ] || fail "$3: got '$1', want '$2'"
}
sql() { sqlite3 -cmd ".timeout 5000" "$DB" "$1"; }  # waits, as vlmeter does, when another process writes

DEMO=$TEST_WORK/demo
demo_ready() {
  ( flock 8
    [ -f "$DEMO/.ready" ] || { "$VLMETER" demo --dir "$DEMO" --no-run >/dev/null && touch "$DEMO/.ready"; }
  ) 8>"$TEST_WORK/.demo.lock"
}
demo_ready
ARCHS=${ARCHS:-$("$VLMETER" forge --list | awk '{print $1}')}  # preset ARCHS: only those
model_spec() {  # arch [name]
  local d=$DEMO/models/$1
  echo "${2:-$1}=$d/model.gguf,mmproj=$d/mmproj.gguf"
}
IMAGES=$DEMO/suite/images
first_image() { ls "$IMAGES"/*.png | head -1; }

# A scratch folder for this test.
T=$(mktemp -d "$TEST_WORK/t-XXXXXX")
DB=$T/vlmeter.db
