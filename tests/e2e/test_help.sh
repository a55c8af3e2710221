# Every command answers --help and -h with its own usage (stdout, exit 0), and
# that usage names every option of the command's getopt table; an unknown
# option exits 2 and names the known ones. The table's options are read from
# the binary (the unknown-option message lists them from the very table the
# command parses with), so a usage that forgets an option fails here. Needs no
# model, so it does not source lib.sh.
set -uo pipefail
: "${VLMETER:?run through tests/run.sh}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
W=$(mktemp -d "${TEST_WORK:-/tmp}/help-XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W" # nothing a command might write lands in the tree

# --- the overview: every command, and where the details are
overview=$("$VLMETER" --help) || fail "vlmeter --help: exit $?"
commands=$(awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}' <<<"$overview")
for c in run demo export score report forge ask probe import bench plan merge quantize compare version; do
  grep -qx "$c" <<<"$commands" || fail "vlmeter --help does not list '$c': $overview"
done
[[ "$overview" == *"vlmeter COMMAND --help"* ]] || fail "the overview does not say COMMAND --help"
# every command main() dispatches is listed (so gets --help): a dispatch line
# without its cli_command fails here
for c in $(grep -o 'strcmp(cmd, "[a-z]*") == 0) return' "$ROOT/src/vlmeter.c" | cut -d'"' -f2); do
  grep -qx "$c" <<<"$commands" || fail "'$c' is dispatched in src/vlmeter.c but not in COMMANDS"
done
"$VLMETER" >/dev/null 2>"$W/none"
assert_rc=$?
[ $assert_rc -eq 2 ] || fail "vlmeter alone: exit $assert_rc, want 2"
grep -q '^commands:' "$W/none" || fail "vlmeter alone: no overview on stderr"

# --- each command
# $1 option (--name or -x) and $2 a usage: true when a line of the usage begins
# with the option, as in "  -m, --model SPEC   what it is" (so --gpu is not
# found in the line of --gpu-sample-ms, nor in a mention of --gpu elsewhere)
names() {
  case $1 in
    --*) grep -Eq -- "^ +(-[a-zA-Z], )?$1( |,|$)" <<<"$2" ;;
    *) grep -Eq -- "^ +$1( |,|$)" <<<"$2" ;;
  esac
}
n_checked=0
for c in $commands; do
  usage=$("$VLMETER" "$c" --help 2>"$W/err"); rc=$?
  [ $rc -eq 0 ] || fail "vlmeter $c --help: exit $rc, stderr: $(cat "$W/err")"
  [ -s "$W/err" ] && fail "vlmeter $c --help wrote on stderr: $(cat "$W/err")"
  [[ "$usage" == "usage: vlmeter $c"* ]] || fail "vlmeter $c --help: not its usage: $(head -2 <<<"$usage")"
  [ "$("$VLMETER" "$c" -h)" == "$usage" ] || fail "vlmeter $c -h differs from --help"

  err=$("$VLMETER" "$c" --no-such-option 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] || fail "vlmeter $c --no-such-option: exit $rc, want 2"
  [[ "$err" == "vlmeter $c: unknown option '--no-such-option' (known: "* ]] ||
    fail "vlmeter $c --no-such-option: $err"
  known=${err#*known: }
  longs=$(grep -Eo -- '--[a-z0-9][a-z0-9-]*' <<<"$known" | sort -u)
  shorts=$(grep -Eo -- '(^| )-[a-zA-Z]' <<<"$known" | tr -d ' ' | sort -u)
  [[ "$longs" == *--help* ]] || fail "vlmeter $c: --help not among the known options: $known"
  for o in $longs $shorts; do
    names "$o" "$usage" || fail "vlmeter $c: its option $o is not in its usage:
$usage"
    n_checked=$((n_checked + 1))
  done
  # each known long option is one the parser takes: given a value it either
  # takes it or says it takes none; either way not 'unknown' (a few commands:
  # each call is an ASan start)
  [[ " report merge probe " == *" $c "* ]] || continue
  for o in $longs; do
    e=$("$VLMETER" "$c" "$o=1" --zz-unknown 2>&1 >/dev/null)
    [[ "$e" == *"unknown option '$o'"* ]] && fail "vlmeter $c: $o listed as known but refused: $e"
    [[ "$e" == *"unknown option '--zz-unknown'"* || "$e" == *"option '$o' takes no value"* ]] ||
      fail "vlmeter $c $o=1 --zz-unknown: $e"
  done
done
# the known lists hold at least: run's 32 options, --help; a list that came
# back empty would pass the loop above
[ $n_checked -gt 100 ] || fail "only $n_checked options checked"
# run's list holds what its table holds (src/vlmeter.c RUN_OPTIONS + SETTING_OPTIONS)
run_known=$("$VLMETER" run --zz 2>&1)
for o in --gpu-sample-ms -m/--model -s/--suite --db --shard --budget --gpu --catalog --gaps \
         --template --reasoning --image-cache-mib --no-reuse -q/--quiet -v/--verbose -h/--help; do
  [[ "$run_known" == *"$o,"* || "$run_known" == *"$o)"* ]] || fail "run's known list lacks $o: $run_known"
done

# `vlmeter help CMD` is `vlmeter CMD --help`
[ "$("$VLMETER" help merge)" == "$("$VLMETER" merge --help)" ] || fail "vlmeter help merge"

# --- what was asked: bench --help (it printed an error before)
out=$("$VLMETER" bench --help) || fail "vlmeter bench --help: exit $?"
[[ "$out" == "usage: vlmeter bench -m SPEC"* ]] || fail "bench --help: $out"
names --slo-range "$out" || fail "bench --help lacks --slo-range"

# --- messages that name the option
msg() { "$VLMETER" "$@" 2>&1 >/dev/null; echo "rc=$?"; }
m=$(msg report --formt md)
[[ "$m" == *"unknown option '--formt'"*"did you mean --format?"*"rc=2" ]] || fail "report --formt: $m"
# report's options: db format output plan catalog help. Edits from format:
# fromat 2 (o<->r swapped: two substitutions), farmot 2 (a, o substituted),
# frmt 2 (o and a deleted), formatt 1 (t inserted); fxrmxtx 3: none within 2
# (db 6, plan 6, help 7, output 6, catalog 6)
for typo in fromat farmot frmt formatt; do
  m=$(msg report --$typo md)
  [[ "$m" == *"unknown option '--$typo'"*"; did you mean --format?"*"rc=2" ]] || fail "report --$typo: $m"
done
m=$(msg report --fxrmxtx md)
[[ "$m" == *"unknown option '--fxrmxtx'"* && "$m" != *"did you mean"* ]] || fail "report --fxrmxtx: $m"
# 'plam' is 1 edit from plan, 4 or more from the others
m=$(msg report --plam x)
[[ "$m" == *"did you mean --plan?"* ]] || fail "report --plam: $m"
# 'xyz' is 3 edits from every option of report: no suggestion
m=$(msg report --xyz)
[[ "$m" != *"did you mean"* && "$m" == *"rc=2" ]] || fail "report --xyz: $m"
m=$(msg run --s x)   # --suite, --shard, --seed all start with s
[[ "$m" == *"option '--s' is ambiguous"*"--suite"*"--shard"*"--seed"*"rc=2" ]] || fail "run --s: $m"
m=$(msg run --db)
[[ "$m" == "vlmeter run: option '--db' needs a value"*"rc=2" ]] || fail "run --db: $m"
m=$(msg ask -m)
[[ "$m" == "vlmeter ask: option '-m' needs a value"*"rc=2" ]] || fail "ask -m: $m"
m=$(msg merge --quiet=1 out.db in.db)
[[ "$m" == "vlmeter merge: option '--quiet' takes no value"*"rc=2" ]] || fail "merge --quiet=1: $m"
m=$(msg run -x)
[[ "$m" == "vlmeter run: unknown option '-x' (known: "*"rc=2" ]] || fail "run -x: $m"
m=$(msg run -qx) # an unknown letter inside a group of letters
[[ "$m" == "vlmeter run: unknown option '-x' (known: "*"rc=2" ]] || fail "run -qx: $m"
[ ! -e vlmeter.db ] || fail "a refused command wrote a store"

# --help wins over a bad option before it; after `--` or as an option's value it is no option
"$VLMETER" run --no-such-option --help >/dev/null || fail "run --no-such-option --help: exit $?"
out=$("$VLMETER" ask -p --help 2>/dev/null); rc=$?
[ $rc -eq 2 ] && [ -z "$out" ] || fail "ask -p --help: the prompt '--help' was taken for help (exit $rc): $out"
out=$("$VLMETER" merge -q -- --help 2>/dev/null); rc=$?
[[ $rc -ne 0 && "$out" != usage:* ]] || fail "merge -- --help: help printed (exit $rc)"

# an unknown command: the overview on stderr, exit 2
m=$(msg frobnicate)
[[ "$m" == "vlmeter: unknown command 'frobnicate'"*"commands:"*"rc=2" ]] || fail "unknown command: $m"
echo "ok: $(wc -w <<<"$commands") commands, $n_checked options checked against their usage"
