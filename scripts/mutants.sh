#!/usr/bin/env bash
# mutants.sh - mutation testing of the test suite (docs/mutants.md): for each
# planted one-line bug of tests/mutants.txt, apply it to a copy of the source
# tree, rebuild the plain build incrementally, run the tests that cover that
# code, and say whether they caught it (killed) or not (survived).
#
# Usage: scripts/mutants.sh [--check] BUILD_DIR [MUTANT_ID...]
#   --check     only check the list: fields, files, each original text found
#               exactly once, each filter naming a test; nothing is built
#   BUILD_DIR   the plain build to start from (build/cpu); it is copied, never changed
#   MUTANT_ID   only these mutants (default: every one in the list)
# Environment: MUTANTS_LIST (default tests/mutants.txt), MUTANTS_TIMEOUT (seconds
# per test, default 600; a mutant whose test runs past it counts as killed, and
# the table says it timed out), MUTANTS_KEEP=1 keeps the scratch folder.
# Prints one line per mutant, then a table; exits 1 when a mutant survived, a
# mutant could not be applied or built, or a covering test fails unmutated.
set -u
CHECK=0
[ "${1:-}" = --check ] && { CHECK=1; shift; }
BUILD=${1:?usage: scripts/mutants.sh [--check] BUILD_DIR [MUTANT_ID...]}
TOOLS="faultproxy hubserver imageserver vlmserver metricsserver loadserver libfakenvml.so libfaultfs.so" # tests/tools/, built by make bin
shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIST=${MUTANTS_LIST:-$ROOT/tests/mutants.txt}
TIMEOUT=${MUTANTS_TIMEOUT:-600}
ONLY=" $* "
T0=$(date +%s)

# ------------------------------------------------------------ the list
# One mutant per line: ID | FILE | TESTS | ORIGINAL | REPLACEMENT | WHY
# (fields separated by " | "; TESTS: comma-separated tests/run.sh filters).
ids=() files=() tests=() origs=() repls=()
lineno=0 bad=0
while IFS= read -r line || [ -n "$line" ]; do
  lineno=$((lineno + 1))
  [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
  rest=$line f=()
  for _ in 1 2 3 4 5; do
    [[ "$rest" == *" | "* ]] || break
    f+=("${rest%%" | "*}")
    rest=${rest#*" | "}
  done
  f+=("$rest")
  if [ ${#f[@]} -ne 6 ] || [ -z "${f[5]}" ]; then
    echo "mutants: $LIST:$lineno: want 'ID | FILE | TESTS | ORIGINAL | REPLACEMENT | WHY'" >&2
    bad=1
    continue
  fi
  [ "$ONLY" != "  " ] && [[ "$ONLY" != *" ${f[0]} "* ]] && continue
  ids+=("${f[0]}") files+=("${f[1]}") tests+=("${f[2]}") origs+=("${f[3]}") repls+=("${f[4]}")
done < "$LIST"
[ $bad = 0 ] || exit 2
[ ${#ids[@]} -gt 0 ] || { echo "mutants: no mutant selected" >&2; exit 2; }
dup=$(printf '%s\n' "${ids[@]}" | sort | uniq -d | head -1)
[ -z "$dup" ] || { echo "mutants: id '$dup' is used twice" >&2; exit 2; }

# How often TEXT occurs in FILE (the text through the environment: no quoting).
occurrences() {  # file text
  TEXT=$2 perl -e 'local $/; open(my $f, "<", $ARGV[0]) or exit 3; my $s = <$f>;
                   my $t = $ENV{TEXT}; my $n = () = $s =~ /\Q$t\E/g; print $n' "$1"
}
if [ $CHECK = 1 ]; then
  for i in "${!ids[@]}"; do
    [ -f "$ROOT/${files[$i]}" ] || { echo "mutants: ${ids[$i]}: no file ${files[$i]}" >&2; bad=1; continue; }
    n=$(occurrences "$ROOT/${files[$i]}" "${origs[$i]}")
    [ "$n" = 1 ] || { echo "mutants: ${ids[$i]}: the original text occurs $n times in ${files[$i]}" >&2; bad=1; }
    IFS=, read -ra fs <<< "${tests[$i]}"
    for f in "${fs[@]}"; do
      ls "$ROOT"/tests/unit/*.c "$ROOT"/tests/e2e/*.sh | sed "s|$ROOT/tests/||; s|\.[a-z]*$||" | grep -qF -- "$f" ||
        { echo "mutants: ${ids[$i]}: no test matches '$f'" >&2; bad=1; }
    done
  done
  [ $bad = 0 ] && echo "mutants: ${#ids[@]} mutants, the list is well-formed"
  exit $bad
fi
[ -f "$ROOT/$BUILD/llama-prefix" ] || { echo "mutants: no $BUILD/llama-prefix (run make first)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/vlmeter-mutants-XXXXXX)
[ "${MUTANTS_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
TREE=$WORK/tree

# ------------------------------------------------------------ the copy
# Tracked and untracked-but-not-ignored files, mtimes kept, and the plain build
# (not asan/), so that make rebuilds only what a mutant touches.
mkdir -p "$TREE/$BUILD"
(cd "$ROOT" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$TREE"
(cd "$ROOT/$BUILD" && tar --exclude=./asan -cf - .) | tar -xf - -C "$TREE/$BUILD"

# The tests a filter names: unit tests (built in BUILD/tests) and e2e scripts.
unit_names=() e2e_names=()
for f in "$TREE"/tests/unit/test_*.c; do unit_names+=("$(basename "$f" .c)"); done
for f in "$TREE"/tests/e2e/test_*.sh; do e2e_names+=("$(basename "$f" .sh)"); done
covering() {  # comma list of filters -> "unit/NAME" and "e2e/NAME" lines
  local IFS=, filt n
  for filt in $1; do
    [ -n "$filt" ] || continue
    for n in "${unit_names[@]}"; do [[ "unit/$n" == *"$filt"* ]] && echo "unit/$n"; done
    for n in "${e2e_names[@]}"; do [[ "e2e/$n" == *"$filt"* ]] && echo "e2e/$n"; done
  done | awk '!seen[$0]++'
}
targets_of() {  # test names -> make targets
  local t need_cli=0
  for t in "$@"; do
    case $t in
      unit/*) echo "$BUILD/tests/${t#unit/}" ;;
      e2e/*) need_cli=1 ;;
    esac
  done
  [ $need_cli = 1 ] && echo "$BUILD/vlmeter" $(for t in $TOOLS; do echo "$BUILD/$t"; done)
  return 0
}

# The e2e scripts run the plain vlmeter: they find the test servers
# (tests/tools/) two folders above $VLMETER, so they are linked side by side.
mkdir -p "$WORK/bin/plain" "$WORK/tw"
ln -s "$TREE/$BUILD/vlmeter" "$WORK/bin/plain/vlmeter"
for t in $TOOLS; do ln -s "$TREE/$BUILD/$t" "$WORK/bin/$t"; done
export VLMETER=$WORK/bin/plain/vlmeter
export LLAMA_PREFIX=$(cat "$TREE/$BUILD/llama-prefix")
export TEST_WORK=$WORK/tw
run_test() {  # name log -> status of the test
  local rc
  case $1 in
    unit/*) (cd "$TREE" && timeout "$TIMEOUT" "$TREE/$BUILD/tests/${1#unit/}") > "$2" 2>&1 ;;
    e2e/*) (cd "$TREE" && timeout "$TIMEOUT" bash "tests/e2e/${1#e2e/}.sh") > "$2" 2>&1 ;;
  esac
  rc=$?
  rm -rf "$TEST_WORK"/t-*
  return $rc
}
build() {  # make targets...
  [ $# -eq 0 ] && return 0
  make -C "$TREE" --no-print-directory -j2 "$@" > "$WORK/make.log" 2>&1
}

# ------------------------------------------------------------ baseline
# Every covering test must pass on the unmutated tree, or a "kill" means nothing.
all_tests=$(for i in "${!ids[@]}"; do covering "${tests[$i]}"; done | awk '!seen[$0]++')
[ -n "$all_tests" ] || { echo "mutants: the filters match no test" >&2; exit 2; }
# shellcheck disable=SC2086
build $(targets_of $all_tests) || { tail -30 "$WORK/make.log"; echo "mutants: the unmutated tree does not build" >&2; exit 2; }
echo "baseline: $(echo $all_tests | wc -w) covering tests on the unmutated tree"
for t in $all_tests; do
  s=$(date +%s)
  run_test "$t" "$WORK/base.log"
  rc=$?
  if [ $rc -ne 0 ]; then
    tail -30 "$WORK/base.log"
    [ $rc = 124 ] && echo "mutants: $t runs past $TIMEOUT s unmutated (MUTANTS_TIMEOUT)" >&2 ||
      echo "mutants: $t fails unmutated (exit status $rc)" >&2
    exit 1
  fi
  echo "  ok $t ($(( $(date +%s) - s )) s)"
done

# ------------------------------------------------------------ the mutants
rows=() n_killed=0 n_survived=0 n_broken=0
for i in "${!ids[@]}"; do
  id=${ids[$i]} file=${files[$i]} s=$(date +%s)
  src=$TREE/$file
  obj=$TREE/$BUILD/obj/$(basename "$file" .c).o
  cov=$(covering "${tests[$i]}")
  result= by=
  if [ ! -f "$src" ] || [ -z "$cov" ]; then
    result="BROKEN (no such file or no covering test)"
  else
    cp -p "$src" "$WORK/orig.src"
    [ -f "$obj" ] && cp -p "$obj" "$WORK/orig.o"
    # Exactly one occurrence of the original text, replaced (texts passed
    # through the environment: no quoting to get wrong).
    if ! ORIG=${origs[$i]} REPL=${repls[$i]} perl -e '
        local $/; open(my $f, "<", $ARGV[0]) or exit 3; my $s = <$f>; close $f;
        my ($o, $r) = ($ENV{ORIG}, $ENV{REPL}); my $n = () = $s =~ /\Q$o\E/g;
        exit 4 if $n != 1;
        my $at = index($s, $o); substr($s, $at, length $o) = $r;
        open($f, ">", $ARGV[0]) or exit 3; print $f $s; close $f' "$src"; then
      result="BROKEN (original text not found exactly once)"
    else
      touch "$src"
      # shellcheck disable=SC2086
      if ! build $(targets_of $cov); then
        result="BROKEN (does not build)"
        tail -5 "$WORK/make.log"
      else
        result=survived
        for t in $cov; do
          run_test "$t" "$WORK/mutant.log"
          case $? in
            0) ;;
            124) result=killed by="$t (timed out: a hang, or a machine too slow for MUTANTS_TIMEOUT)"; break ;;
            *) result=killed by=$t; break ;;
          esac
        done
      fi
    fi
    # Back to the original: its text and mtime, and its object, made newer than
    # the archive so that the next build puts it back in.
    cp -p "$WORK/orig.src" "$src"
    if [ -f "$WORK/orig.o" ]; then cp -p "$WORK/orig.o" "$obj" && touch "$obj" && rm -f "$WORK/orig.o"; fi
  fi
  secs=$(( $(date +%s) - s ))
  case $result in
    killed) n_killed=$((n_killed + 1)) ;;
    survived) n_survived=$((n_survived + 1)) ;;
    *) n_broken=$((n_broken + 1)) ;;
  esac
  printf '%-32s %-20s %-9s %4d s  %s\n' "$id" "$file" "${result%% *}" "$secs" "${by:-${result#* }}"
  rows+=("$(printf '| %s | %s | %s | %s | %d |' "$id" "$file" "$result" "${by:--}" "$secs")")
done

echo
echo "| mutant | file | result | caught by | s |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "${#ids[@]} mutants: $n_killed killed, $n_survived survived, $n_broken broken; $(( $(date +%s) - T0 )) s in all"
[ $n_survived -eq 0 ] && [ $n_broken -eq 0 ]
