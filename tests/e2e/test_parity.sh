# For every forged architecture, against llama.cpp's own `llama-mtmd-cli --jinja`
# on the same files and messages:
#  - the rendered prompt (the model's own chat template) is byte-identical, for
#    one image, two images in one message, and two turns (an image in the first;
#    llama-mtmd-cli's chat mode aborts on an image in a later turn with
#    mtmd-cli's own batch path on qwen3vl: "mtmd.cpp: invalid chunk type");
#  - the greedy answer is byte for byte the same on 4 probe images; where it
#    differs, the first differing token must be a near-tie: its top-2 logit gap,
#    recorded by vlmeter, a number under NEAR_TIE.
# Raw texts are compared (reasoning blocks included).
source "$(dirname "$0")/lib.sh"
NEAR_TIE=0.01
N=32
PROMPT="Describe this image in one sentence."
CLI=$LLAMA_PREFIX/bin/llama-mtmd-cli
# The plain build: this test is about agreeing with llama.cpp, and 11
# architectures x 12 model loads under ASan take too long (the ASan build runs
# the same engine and template code in test_run, test_reuse and test_reasoning).
case $VLMETER in */asan/vlmeter) VLMETER=${VLMETER%/asan/vlmeter}/vlmeter ;; esac

# The prompts llama-mtmd-cli rendered: the text of each "formatted_chat.prompt:"
# debug line up to the next log line, less the newline the log adds.
cli_prompts() {  # log file -> stdout
  awk '
    function flush() { if (on) { printf "%s", substr(buf, 1, length(buf) - 1) } on = 0; buf = "" }
    /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+ [DIWE] / { flush() }
    on { buf = buf $0 "\n"; next }
    index($0, " D formatted_chat.prompt: ") { on = 1; buf = substr($0, index($0, "prompt: ") + 8) "\n" }
    END { flush() }' "$1"
}

same_prompt() {  # what, cli log, vlmeter prompt file
  cli_prompts "$2" > "$T/cli_prompt"
  [ -s "$T/cli_prompt" ] || fail "$1: no prompt found in llama-mtmd-cli's log"
  cmp -s "$T/cli_prompt" "$3" || {
    echo "llama-mtmd-cli:"; cat -A "$T/cli_prompt"; echo "vlmeter:"; cat -A "$3"
    fail "$1: rendered prompts differ"; }
}

# near_tie GAP LIMIT: GAP is a number (a recorded gap) below LIMIT. A missing
# gap ("" from a token with none recorded) is never a near-tie: awk alone would
# compare "" < 0.01 as strings and say yes.
near_tie() {
  [[ "$1" =~ ^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]] && awk -v g="$1" -v t="$2" 'BEGIN {exit !(g + 0 < t + 0)}'
}
for bad in "" "nan" "-" "0.02" "1e-1"; do near_tie "$bad" $NEAR_TIE && fail "near_tie accepts gap '$bad'"; done
near_tie 0.005 $NEAR_TIE && near_tie 5e-3 $NEAR_TIE || fail "near_tie refuses a gap of 0.005"

checked=0 near_ties=0 prompts=0 jinja_only=
for arch in $ARCHS; do
  d=$DEMO/models/$arch
  m=(-m "$d/model.gguf" --mmproj "$d/mmproj.gguf")
  for img in $(ls "$IMAGES"/*.png | head -4); do
    ref=$("$CLI" "${m[@]}" --image "$img" -p "$PROMPT" --temp 0 -n $N -t 2 -c 4096 --jinja -v 2>"$T/ref.err") ||
      { tail -20 "$T/ref.err"; fail "llama-mtmd-cli failed on $arch"; }
    got=$("$VLMETER" ask "${m[@]}" --image "$img" -p "$PROMPT" --temp 0 -n $N --threads 2 --ctx 4096 --raw \
          --gaps "$T/gaps.tsv" --prompt-out "$T/prompt" 2>"$T/got.err") || { cat "$T/got.err"; fail "vlmeter ask failed on $arch"; }
    same_prompt "$arch $(basename "$img")" "$T/ref.err" "$T/prompt"
    # A template no llama.cpp built-in renders: llama-mtmd-cli needs --jinja for it.
    if grep -q '^chat template: jinja/custom' "$T/got.err" && [[ " $jinja_only " != *" $arch "* ]]; then
      if "$CLI" "${m[@]}" --image "$img" -p "$PROMPT" --temp 0 -n 1 -t 2 -c 4096 >/dev/null 2>"$T/nojinja.err"; then
        fail "$arch: vlmeter says no built-in renders its template, but llama-mtmd-cli without --jinja ran"
      fi
      jinja_only="$jinja_only $arch"
    fi
    prompts=$((prompts + 1))
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
    echo "$arch $(basename "$img"): differs at byte $off, top-2 gap there '$gap'"
    echo "  llama-mtmd-cli: $ref"; echo "  vlmeter:        $got"
    near_tie "$gap" $NEAR_TIE ||
      fail "$arch: answers differ at byte $off but the top-2 gap there is '$gap' (not a recorded gap under $NEAR_TIE)"
    near_ties=$((near_ties + 1))
  done

  a=$(ls "$IMAGES"/*.png | sed -n 1p); b=$(ls "$IMAGES"/*.png | sed -n 2p)
  # Two images in one message.
  "$CLI" "${m[@]}" --image "$a" --image "$b" -p "Compare the two images." --temp 0 -n 4 -t 2 -c 4096 --jinja -v \
    >/dev/null 2>"$T/two.err" || { tail -20 "$T/two.err"; fail "llama-mtmd-cli (two images) failed on $arch"; }
  "$VLMETER" ask "${m[@]}" --image "$a" --image "$b" -p "Compare the two images." --temp 0 -n 4 --threads 2 \
    --ctx 4096 --prompt-out "$T/two.prompt" >/dev/null 2>"$T/got.err" || { cat "$T/got.err"; fail "vlmeter ask (two images) on $arch"; }
  same_prompt "$arch two images" "$T/two.err" "$T/two.prompt"
  # Two turns (llama-mtmd-cli's chat mode reads them from stdin).
  printf '/image %s\nDescribe this image.\nAnd what else?\n/exit\n' "$a" |
    "$CLI" "${m[@]}" --temp 0 -n 8 -t 2 -c 4096 --jinja -v >"$T/chat.out" 2>"$T/chat.err" ||
    { tail -20 "$T/chat.err"; fail "llama-mtmd-cli (chat) failed on $arch"; }
  "$VLMETER" ask "${m[@]}" --image "$a" -p "Describe this image." -p "And what else?" \
    --temp 0 -n 8 --threads 2 --ctx 4096 --raw --prompt-out "$T/chat.prompt" >"$T/chat.got" 2>"$T/got.err" ||
    { cat "$T/got.err"; fail "vlmeter ask (two turns) on $arch"; }
  same_prompt "$arch two turns" "$T/chat.err" "$T/chat.prompt"
  # Each turn's answer is printed by llama-mtmd-cli too; its console may echo the
  # next input line in the middle of an answer, so echoes and newlines go first.
  sed -e 's/And what else?//g; s/Describe this image\.//g' "$T/chat.out" | tr -d '\n' > "$T/chat.flat"
  while IFS= read -r line; do
    [ -z "$line" ] || grep -qF -- "$line" "$T/chat.flat" || fail "$arch two turns: answer '$line' is not llama-mtmd-cli's"
  done < "$T/chat.got"
  prompts=$((prompts + 3))
done
[ $checked -ge 8 ] || fail "checked only $checked answers"
if [ -z "${ARCHS_PRESET:-}" ]; then [ -n "$jinja_only" ] || fail "no architecture with a Jinja-only template"; fi
[ $near_ties -le $((checked / 4)) ] || fail "$near_ties of $checked answers differ (near-ties should be rare)"
echo "parity: $checked answers ($near_ties near-ties), $prompts prompts byte-identical over $(echo $ARCHS | wc -w) architectures; Jinja-only:$jinja_only"
