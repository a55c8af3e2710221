# forge --shapes / --shape / --type from the command line: the listed sizes of
# the published shapes (the 8B Q4_K_M against Qwen's published 5.03 GB file,
# the 4B's LM parameters worked out from its config.json by hand), a tiny model
# forged straight at Q8_0 and Q4_K_M that llama.cpp loads and answers with, and
# clear refusals of bad requests.
source "$(dirname "$0")/lib.sh"
"$VLMETER" forge --shapes > "$T/shapes"
cat "$T/shapes"
assert_eq "$(grep -c '^qwen3-vl-' "$T/shapes")" 9 "3 shapes x 3 types"
row() { awk -v s="$1" -v t="$2" '$1 == s && $4 == t' "$T/shapes"; }
# 4B: 151936 x 2560 (tied) + 36 x (2 x 2560 x 4096 + 2 x 2560 x 1024 + 3 x 2560 x 9728
#     + 2 x 128 + 2 x 2560) + 2560 = 4,022,468,096
assert_eq "$(row qwen3-vl-4b f16 | awk '{print $7}')" 4022468096 "qwen3-vl-4b LM parameters"
q4=$(row qwen3-vl-8b q4_k_m | awk '{print $5}')
awk -v b="$q4" 'BEGIN {exit !(b > 5.03e9 * 0.97 && b < 5.03e9 * 1.03)}' || fail "8B Q4_K_M $q4 bytes, published 5.03 GB"
f16=$(row qwen3-vl-8b f16 | awk '{print $5}')
awk -v b="$f16" 'BEGIN {exit !(b > 16.4e9 * 0.99 && b < 16.4e9 * 1.01)}' || fail "8B F16 $f16 bytes, published 16.4 GB"
assert_eq "$(row qwen3-vl-8b q4_k_m | awk '{print $6}')" "$(row qwen3-vl-8b f16 | awk '{print $6}')" "mmproj F16 at any type"

cp "$(first_image)" "$T/a.png"
printf '%s\n' '{"id":"c1","images":["a.png"],"turns":["What is it?"]}' > "$T/s.jsonl"
for t in q8_0 q4_k_m; do
  "$VLMETER" forge qwen3vl "$T/$t" --type "$t" >/dev/null
  "$VLMETER" run -q -s "$T/s.jsonl" --db "$DB" --max-tokens 8 -m "$t=$T/$t/model.gguf,mmproj=$T/$t/mmproj.gguf"
  assert_eq "$(sql "SELECT status FROM cases c JOIN models m ON m.id = c.model_id WHERE m.name = '$t'")" done "$t answers"
  out=$(sql "SELECT output FROM answers a JOIN models m ON m.id = a.model_id WHERE m.name = '$t'")
  [ -n "$out" ] || fail "$t: empty answer"
done
# Quantized files are smaller than the F16 demo model of the same seed.
f16_tiny=$(stat -c %s "$DEMO/models/qwen3vl/model.gguf")
[ "$(stat -c %s "$T/q8_0/model.gguf")" -lt "$f16_tiny" ] || fail "q8_0 not smaller than f16"
[ "$(stat -c %s "$T/q4_k_m/model.gguf")" -lt "$(stat -c %s "$T/q8_0/model.gguf")" ] || fail "q4_k_m not smaller than q8_0"

refuse() {  # want_rc message args...
  local want=$1 msg=$2; shift 2
  set +e; "$VLMETER" forge "$@" > /dev/null 2> "$T/err"; local rc=$?; set -e
  [ $rc -eq "$want" ] || fail "forge $*: exit $rc, want $want"
  assert_contains "$(cat "$T/err")" "$msg" "forge $*"
}
refuse 2 "--type f16|q8_0|q4_k_m" qwen3vl "$T/x" --type q4_0
refuse 1 "shape 'qwen3-vl-30b-a3b' is a qwen3vlmoe model, not qwen3vl" qwen3vl "$T/x" --shape qwen3-vl-30b-a3b
refuse 1 "unknown shape 'qwen3-vl-2b'" qwen3vl "$T/x" --shape qwen3-vl-2b
refuse 1 "a layer count needs a shape" qwen3vl "$T/x" --layers 2
refuse 1 "layers 40: shape 'qwen3-vl-8b' has 1 to 36" qwen3vl "$T/x" --shape qwen3-vl-8b --layers 40
[ ! -e "$T/x" ] || fail "a refused forge left $T/x"
