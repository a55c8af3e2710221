# scripts/circles.sh finds a circle between lib/ files, on the real library: a
# copy of lib/ and of the built objects, then one lower file (stop.c, which run.c
# calls) given a call up into run.c, or an #include of run.h. Each must exit 1
# and name stop.c and run.c in one circle; the copy as it is has no circle
# through stop.c. Nothing of the library is rebuilt (one small object is
# compiled: stop.c with the added call).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(dirname "$(dirname "${VLMETER:?tests/run.sh sets VLMETER}")") # BUILD/asan/vlmeter -> BUILD
W=$(mktemp -d "${TEST_WORK:-/tmp}/circles-XXXXXX")
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -f "$BUILD/obj/stop.o" ] && [ -f "$BUILD/obj/run.o" ] || fail "$BUILD/obj not built (make bin)"

# A copy of lib/ and of the objects, read by circles.sh (CIRCLES_LIB, BUILD_DIR).
copy() {
    mkdir -p "$1/obj"
    cp -r "$ROOT/lib" "$1/lib"
    cp "$BUILD"/obj/*.o "$1/obj/"
}
circles() { (cd "$ROOT" && CIRCLES_LIB=$1/lib scripts/circles.sh "$1"); }
# The circle lines naming both stop.c and run.c.
through_stop() { grep '^circle: ' | grep 'stop\.c' | grep 'run\.c'; }

# As built: whatever else the check says, no circle goes through stop.c.
copy "$W/as-is"
out=$(circles "$W/as-is" 2>&1)
grep -q '^circle: .*stop\.c' <<<"$out" && fail "a circle through stop.c before any change: $out"

# A call from stop.c up into run.c: run.c calls stop_clear (stop.c), stop.c now
# calls vlm_run_request_stop (run.c).
copy "$W/call"
cat >> "$W/call/lib/stop.c" <<'C'

/* planted by test_circles.sh: a lower file calling a higher one */
void vlm_run_request_stop(void);
void stop_calls_up(void) { vlm_run_request_stop(); }
C
cc -std=c11 -D_GNU_SOURCE -I"$ROOT/include" -I"$W/call/lib" -c "$W/call/lib/stop.c" -o "$W/call/obj/stop.o" ||
    fail "could not compile the planted stop.c"
out=$(circles "$W/call" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "a call from stop.c into run.c: exit $rc, want 1: $out"
line=$(through_stop <<<"$out") || fail "a call from stop.c into run.c: no circle naming both: $out"
grep -q 'stop\.c -> run\.c: vlm_run_request_stop' <<<"$line" ||
    fail "the circle does not name the planted call (stop.c -> run.c: vlm_run_request_stop): $line"

# An #include of run.h in stop.h (no object changed).
copy "$W/include"
sed -i 's/^#define VLM_STOP_H$/&\n#include "run.h"/' "$W/include/lib/stop.h"
grep -q '^#include "run.h"' "$W/include/lib/stop.h" || fail "could not plant the #include in stop.h"
out=$(circles "$W/include" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "stop.h including run.h: exit $rc, want 1: $out"
line=$(through_stop <<<"$out") || fail "stop.h including run.h: no circle naming both: $out"
grep -q 'stop\.c -> run\.c: #include"run\.h"' <<<"$line" ||
    fail "the circle does not name the planted include: $line"

# -v lists the edges, the planted one among them.
out=$(cd "$ROOT" && CIRCLES_LIB=$W/call/lib scripts/circles.sh -v "$W/call" 2>&1)
grep -qx 'edge: stop.c -> run.c: vlm_run_request_stop' <<<"$out" || fail "-v does not list the planted edge: $out"
echo "circles.sh: a planted call and a planted #include from stop.c up into run.c each make a circle, named"
