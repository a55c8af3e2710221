# The store under disk faults and under two runs at once (docs/store-schema.md,
# "Disk faults", "Claims"). A loopback chat server (tests/tools/loadserver.c:
# it answers the word after "Reply with: ") stands in for the models; the
# LD_PRELOAD shim tests/tools/faultfs.c fails the store's writes or syncs.
# (a) A clean run under the shim counts the store's writes W and syncs S.
# (b) Faults: write ENOSPC at 20% and 60% of W, write EIO at 50%, fsync EIO at
#     the first sync and at the run's closing checkpoint (its 2nd and 3rd
#     syncs): exit status 2, a message naming the store, the cause and what
#     was being stored; the store passes integrity_check and `report` reads it;
#     every finished case has all its turns; then a resume without the shim
#     completes it: every turn once, and the finished cases' rows of the
#     faulted run still there unchanged (same output, same run_id: not redone).
# (c) A sync failing at the checkpoint scoring makes after the run (SQLite's
#     own at close would drop the error): exit 2 naming it; the WAL is kept
#     and holds every answer and score; the same command again ends well.
# (d) Two runs at once on one store with two models: the second skips the
#     model the first holds, naming it, and runs the other; each model is
#     answered once, by one run; a third run of the held model alone says the
#     store is busy (exit 2); a SIGKILLed run's claim is taken over.
source "$(dirname "$0")/lib.sh"
TOOLS=$(dirname "$(dirname "$VLMETER")")
LOADSERVER=$TOOLS/loadserver FAULTFS=$TOOLS/libfaultfs.so
[ -x "$LOADSERVER" ] || fail "no $LOADSERVER (make bin builds it)"
[ -f "$FAULTFS" ] || fail "no $FAULTFS (make bin builds it)"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
T=$(realpath "$T")

# start NAME FAST_MS: a chat server answering each request after FAST_MS; sets URL.
start() {
  "$LOADSERVER" 300 "$T/$1.port" --fast-ms "$2" 2> "$T/$1.log" &
  PIDS+=($!)
  for _ in $(seq 100); do [ -s "$T/$1.port" ] && break; sleep 0.05; done
  URL=http://127.0.0.1:$(cat "$T/$1.port")/v1
}

# 20 cases: every 4th has two turns. Per model 15 x 1 + 5 x 2 = 25 turns.
for i in $(seq 1 20); do
  if [ $((i % 4)) -eq 0 ]; then
    echo "{\"id\":\"c$i\",\"turns\":[\"Reply with: a$i\",\"Reply with: b$i\"],\"expected\":[\"a$i\",\"b$i\"]}"
  else
    echo "{\"id\":\"c$i\",\"prompt\":\"Reply with: w$i\",\"answer\":\"w$i\"}"
  fi
done > "$T/s.jsonl"
: > "$T/empty.jsonl"
TURNS=50 CASES=40  # two models
# A finished case's turns: 2 for c4, c8, ..., else 1.
TURNS_OF="CASE WHEN CAST(substr(c.case_id, 2) AS INTEGER) % 4 = 0 THEN 2 ELSE 1 END"

start fast 1
FAST=$URL
plan() { echo -m "m1=$1,model=x" -m "m2=$1,model=x,concurrency=2"; }
# A store with both models registered and no answers: every fault run starts from a copy.
"$VLMETER" run -s "$T/empty.jsonl" --db "$T/template.db" -q $(plan "$FAST") 2> /dev/null || fail "cannot make the template store"

# shimmed DB VAR=VALUE...: run the plan on DB (T/NAME.db) under the shim; sets RC; output in
# T/NAME.out (not DB.out: its name would start with the shim's prefix, and vlmeter writes to it).
shimmed() {
  local db=$1; shift
  RC=0
  env ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" FAULTFS_PATH="$db" "$@" LD_PRELOAD="$FAULTFS" \
    "$VLMETER" run -s "$T/s.jsonl" --db "$db" -q $(plan "$FAST") > "${db%.db}.out" 2>&1 || RC=$?
}
# The rows of the finished cases: model, suite, case, turn, run, output.
finished_rows() {
  sqlite3 "$1" "SELECT m.name, a.suite, a.case_id, a.turn, a.run_id, a.output FROM answers a
    JOIN models m ON m.id = a.model_id JOIN cases c USING(model_id, suite, case_id)" | LC_ALL=C sort
}

# (a) the clean run's counts
cp "$T/template.db" "$T/clean.db"
shimmed "$T/clean.db" FAULTFS_COUNT="$T/clean.count"
[ "$RC" -eq 0 ] || { cat "$T/clean.out"; fail "clean run under the shim failed"; }
W=$(awk '$1 == "writes" {print $2}' "$T/clean.count")
S=$(awk '$1 == "syncs" {print $2}' "$T/clean.count")
assert_eq "$(sqlite3 "$T/clean.db" "SELECT count(*) FROM answers")" $TURNS "clean run's turns"
[ "$W" -gt 100 ] && [ "$S" -ge 3 ] || fail "clean run: $W writes, $S syncs: too few to place faults"
echo "clean run: $W writes, $S syncs of the store's files"

# (b) fault NAME OP ERRNO AFTER CAUSE MIDRUN: a run whose OP fails with ERRNO after AFTER calls.
fault() {
  local name=$1 op=$2 errno=$3 after=$4 cause=$5 midrun=$6
  local db=$T/$name.db
  cp "$T/template.db" "$db"
  shimmed "$db" FAULTFS_OP="$op" FAULTFS_ERRNO="$errno" FAULTFS_AFTER="$after" FAULTFS_COUNT="$T/$name.count"
  # no loop of failing writes: after the first, only the claim's release and the close try again
  local failed
  failed=$(awk '$1 == "failed" {print $2}' "$T/$name.count")
  [ "$failed" -ge 1 ] && [ "$failed" -le 5 ] || fail "$name: $failed calls failed"
  local msg
  msg=$(grep '^vlmeter: store\|^vlmeter: cannot open' "$T/$name.out" || true)
  echo "$name ($op $errno after $after): exit $RC, $failed failed calls: $msg"
  assert_eq "$RC" 2 "$name: exit status"
  assert_contains "$msg" "store '$db': $cause" "$name: the message"
  assert_contains "$msg" "run the same command again to resume" "$name: the message"
  assert_eq "$(sqlite3 "$db" "PRAGMA integrity_check")" ok "$name: integrity"
  DB=$db
  "$VLMETER" report --db "$db" > "$T/$name.report" 2>&1 || { cat "$T/$name.report"; fail "$name: report"; }
  assert_eq "$(sql "SELECT count(*) FROM cases c WHERE c.status != 'done' OR (SELECT count(*) FROM answers a
    WHERE a.model_id = c.model_id AND a.suite = c.suite AND a.case_id = c.case_id) != $TURNS_OF")" 0 \
    "$name: cases not finished with all their turns"
  local n
  n=$(sql "SELECT count(*) FROM answers")
  if [ "$midrun" = yes ]; then
    [ "$n" -gt 0 ] && [ "$n" -lt $TURNS ] || fail "$name: $n of $TURNS turns stored: not mid-run"
  fi
  finished_rows "$db" > "$T/$name.before"
  echo "  stored $n turns, $(sql "SELECT count(*) FROM cases") finished cases; claims left: $(sql "SELECT count(*) FROM claims")"
  # the resume, without the shim
  "$VLMETER" run -s "$T/s.jsonl" --db "$db" -q $(plan "$FAST") > "$T/$name.resume" 2>&1 || { cat "$T/$name.resume"; fail "$name: resume"; }
  assert_eq "$(sql "SELECT count(*) FROM answers")" $TURNS "$name: turns after the resume"
  assert_eq "$(sql "SELECT count(*) FROM (SELECT DISTINCT model_id, suite, case_id, turn FROM answers)")" $TURNS "$name: distinct turns"
  assert_eq "$(sql "SELECT count(*) FROM cases WHERE status = 'done'")" $CASES "$name: finished cases"
  assert_eq "$(sql "SELECT count(*) FROM answers WHERE output IS NULL")" 0 "$name: failed turns"
  finished_rows "$db" > "$T/$name.after"
  local lost
  lost=$(LC_ALL=C comm -23 "$T/$name.before" "$T/$name.after" | wc -l)
  assert_eq "$lost" 0 "$name: rows stored before the fault changed or gone after the resume"
}
fault enospc20 write ENOSPC $((W * 20 / 100)) "disk full (SQLITE_FULL) while storing model" yes
grep -q "free space and run" "$T/enospc20.out" || fail "enospc20: no 'free space' advice"
fault enospc60 write ENOSPC $((W * 60 / 100)) "disk full (SQLITE_FULL) while storing model" yes
fault eio50 write EIO $((W * 50 / 100)) "write error (SQLITE_IOERR_WRITE) while storing model" yes
fault fsync1 fsync EIO 0 "fsync error (SQLITE_IOERR_FSYNC) while recording the run's start" no
assert_eq "$(wc -l < "$T/fsync1.before")" 0 "fsync1: rows stored"
# syncs 2 and 3 of a run: the WAL, then the store file, in the run's closing checkpoint (store_checkpoint)
for after in 1 2; do
  fault fsync$((after + 1)) fsync EIO $after "fsync error (SQLITE_IOERR_FSYNC) while copying the write-ahead log" no
  assert_eq "$(wc -l < "$T/fsync$((after + 1)).before")" $TURNS "fsync$((after + 1)): every turn stored before the checkpoint"
done

# (c) the last sync of the clean run: the checkpoint scoring makes after the run
# (vlm_score_store; SQLite's own at close would drop the error)
db=$T/late.db
cp "$T/template.db" "$db"
shimmed "$db" FAULTFS_OP=fsync FAULTFS_ERRNO=EIO FAULTFS_AFTER=$((S - 1))
grep -q "faultfs: failing sync #$S" "$T/late.out" || { cat "$T/late.out"; fail "late: the last sync did not fail"; }
msg=$(grep "^vlmeter: store" "$T/late.out" | head -1)
echo "late (fsync EIO at sync $S of $S, scoring's checkpoint): exit $RC: $msg; -wal kept: $([ -s "$db-wal" ] && echo yes || echo no)"
assert_eq "$RC" 2 "late: exit status"
assert_contains "$msg" "store '$db': fsync error (SQLITE_IOERR_FSYNC) while copying the scores from the write-ahead log" \
  "late: the message"
[ -s "$db-wal" ] || fail "late: the write-ahead log was not kept"
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM answers")" $TURNS "late: turns read back through the kept WAL"
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM scores")" $TURNS "late: scores read back through the kept WAL"
"$VLMETER" run -s "$T/s.jsonl" --db "$db" -q $(plan "$FAST") > "$T/late2.out" 2>&1 || { cat "$T/late2.out"; fail "late: the run again"; }
assert_eq "$(sqlite3 "$db" "SELECT count(*) FROM scores")" $TURNS "late: scores after the run again"

# (d) two runs at once: a slow server (each request 60 ms: a model takes about 2 s)
start slow 60
SLOW=$URL
DB=$T/two.db
"$VLMETER" run -s "$T/empty.jsonl" --db "$DB" -q $(plan "$SLOW") 2> /dev/null || fail "cannot make the store"
# wait_turns N PID: until the store holds N answers (or PID ends)
wait_turns() {
  for _ in $(seq 400); do
    [ "$(sql "SELECT count(*) FROM answers")" -ge "$1" ] && return
    kill -0 "$2" 2> /dev/null || return
    sleep 0.05
  done
}
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" -q $(plan "$SLOW") > "$T/A.out" 2>&1 &
A=$!
wait_turns 3 $A
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" -q $(plan "$SLOW") > "$T/B.out" 2>&1 &
B=$!
rc=0
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" -q -m "m1=$SLOW,model=x" > "$T/C.out" 2>&1 || rc=$?
rca=0 rcb=0
wait $A || rca=$?
wait $B || rcb=$?
echo "two runs: A exit $rca: $(grep -h "another vlmeter" "$T/A.out" || echo "no model skipped")"
echo "  B exit $rcb: $(grep -h "another vlmeter" "$T/B.out")"
echo "  C (m1 alone) exit $rc: $(grep -h "busy" "$T/C.out")"
assert_eq "$rca" 0 "first run's exit status"
assert_eq "$rcb" 0 "second run's exit status"
assert_contains "$(cat "$T/B.out")" "model 'm1' is being run by another vlmeter (pid $A, since" "second run's message"
assert_contains "$(cat "$T/B.out")" "on store '$DB'; skipped: run again when it finishes" "second run's message"
assert_eq "$rc" 2 "a run of the held model alone: exit status"
assert_contains "$(cat "$T/C.out")" "store '$DB' is busy" "a run of the held model alone"
assert_eq "$(sql "SELECT count(*) FROM answers")" $TURNS "two runs: turns"
assert_eq "$(sql "SELECT count(*) FROM (SELECT DISTINCT model_id, suite, case_id, turn FROM answers)")" $TURNS "two runs: distinct turns"
assert_eq "$(sql "SELECT count(*) FROM (SELECT DISTINCT model_id, run_id FROM answers)")" 2 "two runs: one run per model"
assert_eq "$(sql "SELECT count(DISTINCT run_id) FROM answers")" 2 "two runs: both answered a model"
assert_eq "$(sql "SELECT count(*) FROM claims")" 0 "claims left after both ended"

# a SIGKILLed run's claim is stale: the next run takes it over and completes the store
DB=$T/kill.db
"$VLMETER" run -s "$T/empty.jsonl" --db "$DB" -q $(plan "$SLOW") 2> /dev/null || fail "cannot make the store"
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" -q $(plan "$SLOW") > "$T/K.out" 2>&1 &
K=$!
wait_turns 3 $K
kill -9 $K 2> /dev/null || fail "the run ended before it could be killed"
wait $K 2> /dev/null || true
assert_eq "$(sql "SELECT pid FROM claims")" "$K" "the killed run's claim"
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" -q $(plan "$SLOW") > "$T/R.out" 2>&1 || { cat "$T/R.out"; fail "run after the kill"; }
echo "after SIGKILL: $(grep -h "taking over" "$T/R.out")"
assert_contains "$(cat "$T/R.out")" "model 'm1': taking over the claim of a vlmeter that is gone (pid $K, since" "take-over message"
assert_eq "$(sql "SELECT count(*) FROM (SELECT DISTINCT model_id, suite, case_id, turn FROM answers)")" $TURNS "after the kill: distinct turns"
assert_eq "$(sql "SELECT count(*) FROM answers")" $TURNS "after the kill: turns"
assert_eq "$(sql "SELECT count(*) FROM claims")" 0 "claims left after the run"
