# GPU sampling through NVML (docs/metrics.md, "GPU (NVML)") without a GPU: the
# fake NVML (tests/tools/fakenvml.c), loaded through VLMETER_NVML_LIB by the
# same dlopen path as libnvidia-ml.so.1, scripts two devices whose memory
# cycles 1000, 3000, 2000 MiB per query (lockstep), at 40% utilization, 150 W
# and 50 W, 61 C. Every phase has at least two readings (its start and its end),
# and its second is 3000 MiB on both devices, so (per phase):
#   peak per device 3000 MiB = 3145728000 bytes; total peak 2 x 3000 = 6000 MiB
#   = 6291456000 bytes (devices read together); util mean 40; power mean 150,
#   50, total 200 W; energy = power x span (constant power: the trapezoid rule
#   is exact); energy per request = run energy / turns answered in the run.
# The figures reach the store and every report format. A missing library: the
# run succeeds, says once why sampling is off (when a period was given; a CPU
# run at the default period says nothing), stores nothing, and no report
# has a GPU field; --gpu-sample-ms 0 turns sampling off without a word.
# Then a machine's quirks (see there): a failed handle, no utilization, an
# energy counter, the held engine freed before a load is sampled, ngl=0.
source "$(dirname "$0")/lib.sh"
FAKE=$(dirname "$(dirname "$VLMETER")")/libfakenvml.so
[ -f "$FAKE" ] || fail "no $FAKE (make bin builds it)"
export FAKE_NVML="devices=2;name=Fake A10G;mem_mib=1000,3000,2000;util=40;power_w=150,50;temp=61"
printf '{"id":"q1","prompt":"Say hi","answer":"hi","scorer":"exact"}\n{"id":"q2","prompt":"Say yo","answer":"yo","scorer":"exact"}\n' > "$T/s.jsonl"
run() { # DB [options...]
  local db=$1
  shift
  "$VLMETER" run -s "$T/s.jsonl" --db "$db" -m "$(model_spec qwen25vl a)" -m "$(model_spec qwen25vl b),ctx=1024" \
    --max-tokens 4 "$@" > "$T/run.out" 2>&1 || { cat "$T/run.out"; fail "run failed: $*"; }
}

# ---- the fake library: figures in the store
VLMETER_NVML_LIB=$FAKE run "$DB" --gpu-sample-ms 10
g() { sql "SELECT $1 FROM gpu_usage g JOIN models m ON m.id=g.model_id WHERE m.name='${2:-a}' AND phase='${3:-run}' AND device=${4:-0}"; }
for model in a b; do
  for phase in load run; do
    assert_eq "$(sql "SELECT count(*) FROM gpu_usage g JOIN models m ON m.id=g.model_id WHERE m.name='$model' AND phase='$phase'")" 3 "$model $phase: two devices and the total"
    for dev in 0 1; do
      assert_eq "$(g mem_peak_bytes $model $phase $dev)" 3145728000 "$model $phase device $dev peak"
      assert_eq "$(g mem_total_bytes $model $phase $dev)" 17179869184 "$model $phase device $dev memory (16384 MiB)"
      assert_eq "$(g util_mean_pct $model $phase $dev)" 40.0 "$model $phase device $dev util mean"
      assert_eq "$(g g.name $model $phase $dev)" "Fake A10G" "$model $phase device $dev name"
      assert_eq "$(g temp_max_c $model $phase $dev)" 61.0 "$model $phase device $dev temp"
      n=$(g n_samples $model $phase $dev)
      [ "$n" -ge 2 ] || fail "$model $phase device $dev: at least two readings, got $n"
    done
    assert_eq "$(g mem_peak_bytes $model $phase -1)" 6291456000 "$model $phase total peak"
    assert_eq "$(g mem_total_bytes $model $phase -1)" 34359738368 "$model $phase total memory"
    assert_eq "$(g g.name $model $phase -1)" "2 devices" "$model $phase total name"
    # energy = power x span (within rounding), per device and total (150 + 50 W)
    for pw in 0:150 1:50 -1:200; do
      dev=${pw%%:*} w=${pw#*:}
      assert_eq "$(g "abs(energy_j - $w * span_s) < 1e-6 * $w AND abs(power_mean_w - $w) < 1e-9" $model $phase $dev)" 1 \
        "$model $phase device $dev: energy = $w W x span"
    done
  done
done
assert_eq "$(g "span_s > 0" a run 0)" 1 "the run phase spans time"
assert_eq "$(sql "SELECT group_concat(DISTINCT energy_source) FROM gpu_usage")" power "no energy counter: power integrated"
RUN_J=$(g energy_j a run -1)
NREQ=$(sql "SELECT count(*) FROM answers a JOIN models m ON m.id=a.model_id WHERE m.name='a'")
assert_eq "$NREQ" 2 "model a answered two turns"

# ---- a machine's quirks, one run of three models: NVML devices 0, 1, 2, 3 where 1's handle
# fails (a lost GPU) and 3's memory never reads: rows under NVML's indexes 0 and 2, the
# total named "2 devices" (the devices with a reading);
# utilization NOT_SUPPORTED (MIG): NULL and absent from reports, the rest still read;
# an energy counter that gains 500 mJ per query (one query per reading): energy =
# (readings - 1) x 0.5 J per device, source 'counter'; memory used = the bytes of the
# process's mappings of *.gguf (llama.cpp maps the model file whole, rounded up to pages).
# Models: big (gemma3), then small (internvl, loaded after big's engine is freed: its load
# phase sees its own mapping only, not big's), then small0 (ngl=0: no layer on a GPU, not
# sampled). The CPU build's ggml names no GPU bus id: every NVML device kept.
DBQ=$T/quirks.db
D=$DEMO/models
PAGE=$(getconf PAGESIZE)
mapped() { local b; b=$(stat -c %s "$1"); echo $(( (b + PAGE - 1) / PAGE * PAGE )); }
BIG=$(mapped "$D/gemma3/model.gguf") SMALL=$(mapped "$D/internvl/model.gguf")
[ "$BIG" -gt "$SMALL" ] || fail "the test needs gemma3's model larger than internvl's"
FAKE_NVML="devices=4;handle_fail=1;mem_fail_dev=3;fail=util;energy_step_mj=500;mem_mib=maps;bus_ids=0000:81:00.0,0000:c1:00.0,0000:41:00.0" \
  VLMETER_NVML_LIB=$FAKE "$VLMETER" run -s "$T/s.jsonl" --db "$DBQ" --max-tokens 2 --gpu-sample-ms 10 \
  -m "$(model_spec gemma3 big)" -m "$(model_spec internvl small)" -m "$(model_spec internvl small0),ngl=0" \
  > "$T/q.out" 2>&1 || { cat "$T/q.out"; fail "the quirks run failed"; }
q() { sqlite3 "$DBQ" "SELECT $1 FROM gpu_usage g JOIN models m ON m.id=g.model_id WHERE m.name='$2' AND phase='$3' AND device=$4"; }
for model in big small; do
  for phase in load run; do
    assert_eq "$(sqlite3 "$DBQ" "SELECT group_concat(device) FROM (SELECT device FROM gpu_usage g JOIN models m ON m.id=g.model_id WHERE m.name='$model' AND phase='$phase' ORDER BY device)")" "-1,0,2" "$model $phase: NVML's indexes 0 and 2, and the total"
    assert_eq "$(q g.name $model $phase -1)" "2 devices" "$model $phase: the total counts the devices read"
    for dev in 0 2 -1; do
      assert_eq "$(q "util_mean_pct IS NULL" $model $phase $dev)" 1 "$model $phase device $dev: utilization unknown, NULL"
      assert_eq "$(q energy_source $model $phase $dev)" counter "$model $phase device $dev: energy from the counter"
      assert_eq "$(q "temp_max_c" $model $phase $dev)" 50.0 "$model $phase device $dev: temperature still read"
    done
    for dev in 0 2; do
      assert_eq "$(q "abs(energy_j - (n_samples - 1) * 0.5) < 1e-9" $model $phase $dev)" 1 "$model $phase device $dev: energy = (readings - 1) x 0.5 J"
    done
    assert_eq "$(q "abs(energy_j - (n_samples - 1) * 1.0) < 1e-9" $model $phase -1)" 1 "$model $phase total: two devices' energy"
  done
done
# llama.cpp maps the file whole, then unmaps what the CPU does not use (whether a reading
# falls between is timing): a load's peak is at most its own file, and more than 0 (the
# reading that closes the load sees the model). Had big's engine been freed after the first
# reading of small's load, that reading would hold big's mapping (> SMALL).
assert_eq "$(q "mem_peak_bytes > 0 AND mem_peak_bytes <= $BIG" big load 0)" 1 "big's load: its model mapped"
assert_eq "$(q "mem_peak_bytes > 0 AND mem_peak_bytes <= $SMALL" small load 0)" 1 "small's load: its own model only (big's engine freed before sampling): $(q mem_peak_bytes small load 0) of $SMALL"
assert_eq "$(q "mem_peak_bytes = 2 * (SELECT mem_peak_bytes FROM gpu_usage h WHERE h.model_id=g.model_id AND h.phase=g.phase AND h.device=0)" small load -1)" 1 "small's load total: both devices at one reading"
assert_eq "$(sqlite3 "$DBQ" "SELECT count(*) FROM gpu_usage g JOIN models m ON m.id=g.model_id WHERE m.name='small0'")" 0 "ngl=0: no GPU rows"
assert_eq "$(sqlite3 "$DBQ" "SELECT count(*) FROM answers a JOIN models m ON m.id=a.model_id WHERE m.name='small0'")" 2 "ngl=0: answered"
"$VLMETER" report --db "$DBQ" --format json > "$T/q.json"
assert_eq "$(jq '[.gpu[] | .load, .run | has("util_mean_pct")] | any' "$T/q.json")" false "json: unknown utilization absent"
assert_eq "$(jq -r '[.gpu[] | select(.model == "small") | .device] | join(",")' "$T/q.json")" "0,2,total" "json: NVML's indexes"
assert_eq "$(jq -r '.gpu[] | select(.model == "small" and .device == "total") | .run.energy_source' "$T/q.json")" counter "json: energy source"
assert_eq "$(jq -r '.gpu[] | select(.model == "small" and .device == "total") | (.energy_per_request_j - .run.energy_j / 2 | fabs) < 1e-9' "$T/q.json")" true "json: energy per request from the counter"
assert_eq "$(jq '[.gpu[] | select(.model == "small0")] | length' "$T/q.json")" 0 "json: no GPU row for ngl=0"
assert_eq "$(jq '.models[] | select(.name == "small0") | has("gpu_energy_per_request_j")' "$T/q.json")" false "json: no energy for ngl=0"

# ---- every report format
"$VLMETER" report --db "$DB" --format json > "$T/r.json"
assert_eq "$(jq -r '[.gpu[] | select(.model == "a") | .device] | join(",")' "$T/r.json")" "0,1,total" "json: devices then total"
assert_eq "$(jq -r '.gpu[] | select(.model == "a" and .device == "total") | .run.mem_peak_bytes' "$T/r.json")" 6291456000 "json: run peak"
assert_eq "$(jq -r '.gpu[] | select(.model == "a" and .device == "0") | .load.mem_peak_bytes' "$T/r.json")" 3145728000 "json: load peak"
assert_eq "$(jq -r '.gpu[] | select(.model == "a" and .device == "1") | .run.util_mean_pct' "$T/r.json")" 40 "json: util"
assert_eq "$(jq -r '.gpu[] | select(.model == "a" and .device == "total") | .requests' "$T/r.json")" 2 "json: requests"
assert_eq "$(jq -r --argjson e "$RUN_J" '.gpu[] | select(.model == "a" and .device == "total") | (.energy_per_request_j - $e / 2 | fabs) < 1e-4 * ($e + 1)' "$T/r.json")" true "json: energy per request = run energy / 2"
assert_eq "$(jq -r --argjson e "$RUN_J" '(.models[] | select(.name == "a") | .gpu_energy_per_request_j) - $e / 2 | fabs < 1e-4 * ($e + 1)' "$T/r.json")" true "json: the model's energy per request"
TOK=$(sql "SELECT sum(n_output_tokens) FROM answers a JOIN models m ON m.id=a.model_id WHERE m.name='a'")
if [ "$TOK" -gt 0 ]; then
  assert_eq "$(jq -r --argjson e "$RUN_J" --argjson t "$TOK" '.gpu[] | select(.model == "a" and .device == "total") | (.energy_per_1k_output_tokens_j - $e * 1000 / $t | fabs) < 1e-4 * ($e * 1000 / $t + 1)' "$T/r.json")" true "json: energy per 1k output tokens"
fi
for fmt in table md csv html; do
  out=$("$VLMETER" report --db "$DB" --format $fmt)
  assert_contains "$out" "J/request" "$fmt: the GPU table"
  assert_contains "$out" "Fake A10G" "$fmt: device name"
  assert_contains "$out" "2 devices" "$fmt: the total row"
  if [ $fmt = csv ]; then want='"2 devices",6000,6000,32768,40,200'; else want=6000.0; fi # raw MiB in CSV
  assert_contains "$out" "$want" "$fmt: total peak MiB"
done

# ---- electricity for an owned GPU (docs/cost.md, "Electricity"): a catalog row
# with kwh_price 0.30; per request = energy (J) / 3.6e6 (J per kWh) x 0.30, per
# month x 1000 requests a day (the default) x 730/24 days
printf 'name,mem_gib,bw_gbs,hourly,monthly,currency,source,as_of,kwh_price\nMyA10G,24,600,1.00,,USD,owned,2026-12-01,0.30\n' > "$T/owned.csv"
"$VLMETER" report --db "$DB" --format json --catalog "$T/owned.csv" > "$T/e.json"
assert_eq "$(jq -r '[.electricity[] | select(.model == "a") | .gpu] | join(",")' "$T/e.json")" MyA10G "only the owned GPU is priced"
assert_eq "$(jq -r --argjson e "$RUN_J" '.electricity[] | select(.model == "a") | [(.per_request - $e / 2 / 3.6e6 * 0.30 | fabs) < 1e-9 * ($e + 1), (.monthly - $e / 2 / 3.6e6 * 0.30 * 1000 * 730 / 24 | fabs) < 1e-6 * ($e + 1)] | all' "$T/e.json")" true "electricity per request and per month"
out=$("$VLMETER" report --db "$DB" --catalog "$T/owned.csv")
assert_contains "$out" "Electricity (owned GPUs)" "text: the electricity table"
assert_contains "$out" "MyA10G" "text: the owned GPU"
[[ "$("$VLMETER" report --db "$DB")" != *"Electricity"* ]] || fail "no owned GPU: no electricity table"
printf 'name,mem_gib,bw_gbs,hourly,monthly,currency,source,as_of,kwh_price\nX,24,600,1.00,,USD,owned,2026-12-01,cheap\n' > "$T/bad.csv"
"$VLMETER" report --db "$DB" --catalog "$T/bad.csv" > "$T/bad.out" 2>&1 && fail "a bad kwh_price is refused"
assert_contains "$(cat "$T/bad.out")" "bad.csv:2: bad or missing kwh_price" "the refusal names file, line and field"

# ---- no NVML: the run goes on, stores and reports nothing; it says why once when a
# period was asked for, and nothing on a CPU run left at the default period
DB2=$T/none.db
VLMETER_NVML_LIB=$T/missing.so run "$DB2" --gpu-sample-ms 100
assert_eq "$(grep -c "GPU sampling off: cannot open $T/missing.so" "$T/run.out")" 1 "said once, for two models"
VLMETER_NVML_LIB=$T/missing.so run "$T/quiet.db"
[[ "$(cat "$T/run.out")" != *"GPU sampling"* ]] || fail "a CPU run at the default period says nothing of NVML"
"$VLMETER" report --db "$DB2" --format json > "$T/r2.json"
assert_eq "$(sql "SELECT count(*) FROM answers" | head -1)" "$(sqlite3 "$DB2" "SELECT count(*) FROM answers")" "answers stored without NVML"
assert_eq "$(sqlite3 "$DB2" "SELECT count(*) FROM gpu_usage")" 0 "no GPU rows"
assert_eq "$(jq 'has("gpu")' "$T/r2.json")" false "json: no gpu key"
assert_eq "$(jq '[.models[] | has("gpu_energy_per_request_j")] | any' "$T/r2.json")" false "json: no model energy"
"$VLMETER" report --db "$DB2" --format json --catalog "$T/owned.csv" > "$T/e2.json"
assert_eq "$(jq 'has("electricity")' "$T/e2.json")" false "no measured energy: no electricity"
for fmt in table md csv html; do
  out=$("$VLMETER" report --db "$DB2" --format $fmt)
  [[ "$out" != *"J/request"* && "$out" != *"GPU (NVML)"* ]] || fail "$fmt: a GPU field without NVML"
done

# ---- --gpu-sample-ms 0: off, silently, even with the library there
DB3=$T/off.db
VLMETER_NVML_LIB=$FAKE run "$DB3" --gpu-sample-ms 0
[[ "$(cat "$T/run.out")" != *"GPU sampling"* ]] || fail "sampling off by setting says nothing"
"$VLMETER" report --db "$DB3" --format json > /dev/null
assert_eq "$(sqlite3 "$DB3" "SELECT count(*) FROM gpu_usage")" 0 "no GPU rows at 0 ms"
"$VLMETER" run --gpu-sample-ms -5 -s "$T/s.jsonl" --db "$DB3" -m "$(model_spec qwen25vl a)" > "$T/bad.out" 2>&1 && fail "a negative period is refused"
assert_contains "$(cat "$T/bad.out")" "--gpu-sample-ms must be" "the refusal names the option"
echo ok
