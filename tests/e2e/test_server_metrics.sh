# Server metrics (docs/metrics.md, "Server metrics") and a self-hosted endpoint
# priced by its GPU (docs/cost.md): a loopback model server
# (tests/tools/metricsserver.c) answers chat completions and hands out
# hand-written /metrics pages in turn. A run reads page 1 when the model starts
# answering and page 2 from then on, so (with n readings, n >= 2):
#   KV usage 0.25 then 0.75: max 0.75, mean (0.25 + 0.75 (n - 1)) / n (0.5 for n = 2)
#   prompt tokens 100 -> 160: delta 60; generation tokens 7 -> 10: delta 3
#   running 1 -> 3: max 3; waiting 0 -> 2: max 2
#   prefix cache hits 10 -> 40 of queries 20 -> 60: (40 - 10) / (60 - 20) = 0.75
# A bench whose server's second page is garbage goes on, names the bad line in a
# warning and keeps what page 1 gave (one reading: gauges, no deltas). A page
# that is not there is a note by default and a warning when given as metrics=.
# The figures reach the store and every report format; the gpu=A10G model is
# priced on A10G; a remote model without a GPU or API price shows "no price".
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/remote_lib.sh"
MSERVER=$(dirname "$(dirname "$VLMETER")")/metricsserver
[ -x "$MSERVER" ] || fail "no $MSERVER (make bin builds it)"

cat > "$T/p1" <<'PAGE'
# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{model_name="m",engine="0"} 0.25
vllm:num_requests_running{model_name="m"} 1
vllm:num_requests_waiting{model_name="m"} 0
vllm:prefix_cache_hits_total{model_name="m"} 10
vllm:prefix_cache_queries_total{model_name="m"} 20
vllm:prompt_tokens_total{model_name="m"} 100
vllm:generation_tokens_total{model_name="m"} 7 1712345678000
PAGE
sed -e 's/} 0.25/} 0.75/; s/running{model_name="m"} 1/running{model_name="m"} 3/' \
    -e 's/waiting{model_name="m"} 0/waiting{model_name="m"} 2/; s/hits_total{model_name="m"} 10/hits_total{model_name="m"} 40/' \
    -e 's/queries_total{model_name="m"} 20/queries_total{model_name="m"} 60/; s/} 100/} 160/; s/} 7 /} 10 /' "$T/p1" > "$T/p2"
grep -q '} 0.75' "$T/p2" && grep -q '} 160' "$T/p2" && grep -q '} 10 1712' "$T/p2" || fail "page 2 not made"
printf 'vllm:kv_cache_usage_perc{model_name="m" 0.5\n<html>oops</html>\n' > "$T/bad"

start_mserver() { # NAME PAGE...: sets URL_<NAME>
  rm -f "$T/$1.port"
  "$MSERVER" 300 "$T/$1.port" "${@:2}" 2> "$T/$1.log" &
  PIDS+=($!)
  for _ in $(seq 50); do [ -s "$T/$1.port" ] && break; sleep 0.1; done
  printf -v "URL_$1" 'http://127.0.0.1:%s/v1' "$(cat "$T/$1.port")"
}
start_mserver run "$T/p1" "$T/p2"
start_mserver bench "$T/p1" "$T/bad"
start_mserver none -
printf '{"id":"q1","prompt":"Is it?","answer":"yes","scorer":"exact"}\n' > "$T/s.jsonl"

# ---- a run: figures per model and run
"$VLMETER" run -s "$T/s.jsonl" --db "$DB" -m "srv=$URL_run,model=m,gpu=A10G" > "$T/run.out" 2> "$T/run.err" \
  || { cat "$T/run.err"; fail "run failed"; }
fig() { sql "SELECT value FROM server_metrics x JOIN models m ON m.id=x.model_id WHERE m.name='$1' AND x.name='$2' AND x.stat='$3' AND x.level_id IS ${4:-NULL}"; }
n=$(fig srv samples count)
[ "${n%.0}" -ge 2 ] || fail "at least two readings (start, end): $n"
assert_eq "$(fig srv kv_cache_usage max)" 0.75 "KV usage max"
assert_eq "$(sql "SELECT abs(value - (0.25 + 0.75 * ($n - 1)) / $n) < 1e-9 FROM server_metrics WHERE name='kv_cache_usage' AND stat='mean'")" 1 "KV usage mean"
assert_eq "$(fig srv prompt_tokens delta)" 60.0 "prompt tokens delta"
assert_eq "$(fig srv generation_tokens delta)" 3.0 "generation tokens delta"
assert_eq "$(fig srv requests_running max)" 3.0 "running max"
assert_eq "$(fig srv requests_waiting max)" 2.0 "waiting max"
assert_eq "$(fig srv prefix_cache_hit_rate ratio)" 0.75 "prefix-cache hit rate"
assert_eq "$(sql "SELECT gpu || ':' || n_gpus FROM model_gpus")" "A10G:1" "the model's GPU is kept"
grep -q "server metrics" "$T/run.err" && fail "a good page gives no message: $(cat "$T/run.err")"

# ---- a bench whose page turns to garbage: a warning, the bench goes on
"$VLMETER" bench -m "bsrv=$URL_bench,model=m,gpu=A10G,gpus=2" --prompt "Is it?" --requests 3 --concurrency 1,2 \
  --db "$DB" > "$T/bench.out" 2> "$T/bench.err" || { cat "$T/bench.err"; fail "a malformed page stopped the bench"; }
err=$(cat "$T/bench.err")
assert_contains "$err" "warning: server metrics: http://127.0.0.1:$(cat "$T/bench.port")/metrics is malformed: line 1: expected ',' or '}' after a label (2 bad lines skipped)" "the malformed page named"
assert_eq "$(sql "SELECT count(*) FROM bench_levels l JOIN models m ON m.id=l.model_id WHERE m.name='bsrv'")" 2 "both levels stored"
lv=$(sql "SELECT min(l.id) FROM bench_levels l JOIN models m ON m.id=l.model_id WHERE m.name='bsrv'")
# level 1 read page 1 once, then garbage: one reading
assert_eq "$(fig bsrv samples count "$lv")" 1.0 "level 1: one good reading"
assert_eq "$(fig bsrv kv_cache_usage max "$lv")" 0.25 "level 1: KV usage from page 1"
assert_eq "$(fig bsrv prompt_tokens delta "$lv")" "" "level 1: no delta from one reading (absent, not 0)"
# level 2: garbage only: no figures at all
assert_eq "$(sql "SELECT count(*) FROM server_metrics WHERE level_id=$lv + 1")" 0 "level 2: no figures"

# ---- no page: a note by default, a warning when given
"$VLMETER" bench -m "nop=$URL_none,model=m" --prompt hi --requests 1 --db "$DB" 2> "$T/none.err" || fail "bench without a page failed"
assert_contains "$(cat "$T/none.err")" "note: server metrics: no page at http://127.0.0.1:$(cat "$T/none.port")/metrics (HTTP 404)" "a missing default page is a note"
"$VLMETER" bench -m "nop2=$URL_none,model=m,metrics=http://127.0.0.1:$(cat "$T/none.port")/metrics" --prompt hi \
  --requests 1 --db "$DB" 2> "$T/none2.err" || fail "bench with a missing given page failed"
assert_contains "$(cat "$T/none2.err")" "warning: server metrics: cannot read http://127.0.0.1:$(cat "$T/none.port")/metrics: HTTP 404" "a missing given page is a warning"
assert_eq "$(sql "SELECT count(*) FROM server_metrics x JOIN models m ON m.id=x.model_id WHERE m.name LIKE 'nop%'")" 0 "nothing stored without a page"

# ---- every report format
"$VLMETER" report --db "$DB" --format json > "$T/r.json" || fail "report json"
py() { python3 -c "import json,sys; r=json.load(open('$T/r.json')); $1"; }
assert_eq "$(py "print([x['kv_cache_usage']['max'] for x in r['server_metrics'] if x['model']=='srv'][0])")" 0.75 "json: KV max"
assert_eq "$(py "print([x['prompt_tokens']['delta'] for x in r['server_metrics'] if x['model']=='srv'][0])")" 60.0 "json: prompt delta"
assert_eq "$(py "print([x['concurrency'] for x in r['server_metrics'] if x['model']=='bsrv'])")" "[1]" "json: the bench row's level"
assert_eq "$(py "print([('prompt_tokens' in x) for x in r['server_metrics'] if x['model']=='bsrv'])")" "[False]" "json: absent stays absent"
# priced on its GPU: srv from single-stream timings on A10G, bsrv on 2xA10G from its bench
assert_eq "$(py "print(sorted(o['where'] for o in r['recommendation']['options'] if o['model'] in ('srv','bsrv')))")" \
  "['2xA10G', 'A10G']" "json: self-hosted options"
assert_eq "$(py "print([o['why'] for o in r['recommendation']['options'] if o['model']=='nop'][0])")" \
  "no price: add gpu=… or an API price row" "json: a remote model without a price"
assert_eq "$(py "print([c['throughput_source'] for c in r['cost'] if c['model']=='bsrv'][0])")" bench "json: bsrv's capacity from its bench"
for f in table md csv html; do
  "$VLMETER" report --db "$DB" --format $f > "$T/r.$f" || fail "report $f"
  title="Server metrics"; [ $f = csv ] && title='"server-metrics"' # CSV names sections by id
  assert_contains "$(cat "$T/r.$f")" "$title" "$f: the section"
  assert_contains "$(cat "$T/r.$f")" "prefix-cache hits" "$f: its columns"
done
# text, Markdown, HTML: KV max 75.0%, hit rate 75.0%, prompt tokens 60; CSV: the raw numbers
for f in table md html; do
  assert_contains "$(grep -a -A12 'Server metrics' "$T/r.$f")" "75.0%" "$f: KV max"
  assert_contains "$(cat "$T/r.$f")" "2xA10G" "$f: the self-hosted option"
done
# CSV: the raw numbers, shares in percent as the headers say (KV max 75, running
# max 3, waiting max 2, hit rate 75, prompt tokens 60, generated tokens 3)
row=$(grep -a '^"server-metrics","srv","run ' "$T/r.csv")
assert_eq "$(echo "$row" | cut -d, -f6,8,10,11,12,13)" "75,3,2,75,60,3" "csv: the run's figures"
assert_eq "$(grep -a '^"server-metrics","bsrv"' "$T/r.csv" | cut -d, -f3-)" '"bench 2, concurrency 1",1,25,25,1,1,0,0,"–","–","–"' \
  "csv: the bench level's figures, absent ones a dash"
