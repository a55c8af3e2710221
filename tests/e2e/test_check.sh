# scripts/check.sh (`make check`): each of its rules can fail. A tiny tree that
# passes is broken one way at a time; each break must give exit 1 and the
# finding's file:line. Needs no model, so it does not source lib.sh.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d "${TEST_WORK:-/tmp}/check-XXXXXX")
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

MINI=$W/mini
mkdir -p "$MINI/lib" "$MINI/include" "$MINI/scripts"
cp "$ROOT/scripts/check.sh" "$ROOT/scripts/circles.sh" "$MINI/scripts/" && cp "$ROOT/.clang-format" "$MINI/"
cat > "$MINI/include/vlmeter.h" <<'C'
/* vlmeter.h - a tiny stand-in header; vlm_not_real() in a comment declares nothing. */
#ifndef VLMETER_H
#define VLMETER_H

int vlm_answer(int x);
const char *vlm_name(void);

#endif
C
cat > "$MINI/lib/report.c" <<'C'
/* report.c - a module with its own prefix. */
#include "vlmeter.h"

/* sqlite3_prepare_v2 named in a comment is not a call. */
static int report_twice(int x) { return 2 * x; }

const char *vlm_name(void) {
    if (report_twice(1) != 2) return "bad";
    return "vlmeter";
}
C
cat > "$MINI/lib/store.c" <<'C'
/* store.c - the only file that may talk to SQLite. */
#include <sqlite3.h>

#include "vlmeter.h"

static int store_version(void) { return sqlite3_libversion_number(); }

int vlm_answer(int x) { return x + store_version() * 0; }
C

out=$(cd "$MINI" && scripts/check.sh 2>&1) || fail "the clean tree fails: $out"
grep -q '^check: ok' <<<"$out" || fail "the clean tree: $out"

try() {  # name, expected finding (regex), edit run inside a copy of the tree
  local d; d=$(mktemp -d "$W/t-XXXX")
  cp -r "$MINI"/. "$d"
  (cd "$d" && eval "$3")
  local out rc
  out=$(cd "$d" && scripts/check.sh 2>&1); rc=$?
  [ $rc -eq 1 ] || fail "$1: exit $rc, want 1: $out"
  grep -qE "$2" <<<"$out" || fail "$1: no '$2' in: $out"
}
try sqlite-call '^lib/report.c:6: uses sqlite3_' \
  "sed -i '6i static int n(void) { return sqlite3_libversion_number(); }' lib/report.c"
try sqlite-include '^lib/report.c:3: includes sqlite3.h' "sed -i '3i #include <sqlite3.h>' lib/report.c"
try trailing-space '^lib/report.c:8: trailing whitespace' "sed -i '8s/\$/ /' lib/report.c"
try tab '^lib/report.c:8: tab character' "sed -i '8s/^    /\t/' lib/report.c"
try misformatted '^lib/report.c:8: not clang-formatted' "sed -i '8s/    if (/    if(/' lib/report.c"
try vlm-not-in-header '^lib/report.c:[0-9]+: vlm_twice has the public prefix' \
  "printf '\nint vlm_twice(int x) { return 2 * x; }\n' >> lib/report.c"
try vlm-wrapped '^lib/report.c:12: vlm_wrapped has the public prefix' \
  "printf '\nint vlm_wrapped(int a, int b, int c, int d,\n                int e) {\n    return a + b + c + d + e;\n}\n' >> lib/report.c"
try so-export 'lib/report.c:5: report_twice is exported' \
  "sed -i 's/^static int report_twice/int report_twice/' lib/report.c; mkdir -p build/cpu; cc -shared -fPIC lib/report.c -Iinclude -o build/cpu/libvlmeter.so"
try circle '^lib: circle: report.c -> store.c -> report.c \(report.c -> store.c: #include"store.h"; store.c -> report.c: #include"report.h"\)' \
  "sed -i '2i #include \"store.h\"' lib/report.c; sed -i 's/^#include \"vlmeter.h\"/#include \"report.h\"\n&/' lib/store.c"

# a library that exports only the header's functions passes
d=$W/so-ok; cp -r "$MINI" "$d"; mkdir -p "$d/build/cpu"
cc -shared -fPIC "$d/lib/report.c" -I"$d/include" -o "$d/build/cpu/libvlmeter.so"
out=$(cd "$d" && scripts/check.sh 2>&1) || fail "a library exporting only vlm_name fails: $out"
echo "check.sh: every rule fails on its break"
