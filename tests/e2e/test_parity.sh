# For every forged architecture, vlmeter's greedy answer to an image question must
# be byte for byte what llama.cpp's own llama-mtmd-cli prints for the same files,
# image, prompt and settings. Where the texts differ, the first differing token
# must be a near-tie: its top-2 logit gap (recorded by vlmeter) under NEAR_TIE.
source "$(dirname "$0")/lib.sh"
NEAR_TIE=0.01
N=32
PROMPT="Describe this image in one sentence."
checked=0 near_ties=0
for arch in $ARCHS; do
  d=$DEMO/models/$arch
  for img in $(ls "$IMAGES"/*.png | head -4); do
    ref=$("$LLAMA_PREFIX/bin/llama-mtmd-cli" -m "$d/model.gguf" --mmproj "$d/mmproj.gguf" --image "$img" \
          -p "$PROMPT" --temp 0 -n $N -t 2 -c 4096 2>"$T/ref.err") || { cat "$T/ref.err"; fail "llama-mtmd-cli failed on $arch"; }
    got=$("$VLMETER" ask -m "$d/model.gguf" --mmproj "$d/mmproj.gguf" --image "$img" -p "$PROMPT" \
          --temp 0 -n $N --threads 2 --ctx 4096 --gaps "$T/gaps.tsv" 2>"$T/got.err") || { cat "$T/got.err"; fail "vlmeter ask failed on $arch"; }
    # llama-mtmd-cli prints a newline before the answer and blank lines after it.
    ref=$(printf '%s' "$ref" | sed -e '1{/^$/d}'); got=$(printf '%s' "$got")
    [ -n "$got" ] || fail "$arch: empty answer"
    checked=$((checked + 1))
    if [ "$ref" == "$got" ]; then
      echo "$arch $(basename "$img"): identical ($(wc -l < "$T/gaps.tsv") tokens)"
      continue
    fi
    # Byte offset of the first difference, then the token that starts at or before it.
    off=$(cmp <(printf '%s' "$ref") <(printf '%s' "$got") | awk '{print $5+0-1}')
    [ -n "$off" ] || off=$(printf '%s' "$got" | wc -c)
    gap=$(awk -v off="$off" '$3 <= off {g=$4} END {print g}' "$T/gaps.tsv")
    echo "$arch $(basename "$img"): differs at byte $off, top-2 gap there $gap"
    echo "  llama-mtmd-cli: $ref"; echo "  vlmeter:        $got"
    awk -v g="$gap" -v t=$NEAR_TIE 'BEGIN {exit !(g < t)}' || fail "$arch: answers differ at byte $off but the top-2 gap is $gap (not a near-tie)"
    near_ties=$((near_ties + 1))
  done
done
[ $checked -ge 2 ] || fail "checked only $checked answers"
[ $near_ties -le $((checked / 4)) ] || fail "$near_ties of $checked answers differ (near-ties should be rare)"
echo "parity: $checked answers, $near_ties near-ties"
