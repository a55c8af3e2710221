# Reuse and batching change speed, not answers. For every forged architecture a
# suite of several questions per image (plus a multi-turn case, a multi-image
# case, a duplicate image under another name, an image after other text and a
# text-only case) is answered three ways:
#   ref: --parallel 1 --no-reuse   (every prompt computed from scratch, as llama-mtmd-cli does)
#   r1:  --parallel 1              (images encoded once, KV prefixes shared)
#   r4:  --parallel 4              (the same, four cases decoded in one batch)
# Greedy answers must be identical, except where the first differing token is a
# near-tie: its top-2 logit gap, in both runs, under the threshold. Sharing a
# prefix only regroups attention sums (gap changes seen up to 0.003), batching
# also changes the matrix kernels (gap changes seen up to 0.12 on these models),
# hence the two thresholds. The stored figures must show the reuse happened.
source "$(dirname "$0")/lib.sh"
NEAR_TIE_REUSE=0.01
NEAR_TIE_BATCH=0.25
S=$T/suite
mkdir -p "$S/img"
imgs=($(ls "$IMAGES"/*.png | head -4))
for i in 0 1 2 3; do cp "${imgs[$i]}" "$S/img/$i.png"; done
cp "$S/img/0.png" "$S/img/copy-of-0.png"
{
  for i in 0 1 2 3; do
    for q in "What is in this image?" "How many things are there?" "What color is it?"; do
      jq -cn --arg id "i$i-$q" --arg img "img/$i.png" --arg p "$q" '{id: $id, image: $img, prompt: $p}'
    done
  done
  jq -cn '{id: "multi-turn", image: "img/1.png", turns: ["<image>What is this?", "Are you sure?", "Say it again."]}'
  jq -cn '{id: "two-images", images: ["img/2.png", "img/3.png"], prompt: "<image><image>Which is larger?"}'
  jq -cn '{id: "copy", image: "img/copy-of-0.png", prompt: "What is in this image?"}'
  jq -cn '{id: "image-later", image: "img/3.png", prompt: "Look closely: <image> what is it?"}'
  jq -cn '{id: "text-only", prompt: "Tell me a short story."}'
} > "$S/s.jsonl"
N_CASES=$(wc -l < "$S/s.jsonl")
N_USES=$(( 4 * 3 + 1 + 2 + 1 + 1 ))  # image uses: what a run without reuse encodes
N_DISTINCT=4                          # copy-of-0.png has 0.png's bytes

# near_tie GAP LIMIT: GAP is a number (a recorded gap) below LIMIT. A missing
# gap ("" where one run has no token there) is never a near-tie: awk alone
# would compare "" < 0.01 as strings and say yes.
near_tie() {
  [[ "$1" =~ ^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]] && awk -v g="$1" -v t="$2" 'BEGIN {exit !(g + 0 < t + 0)}'
}
for bad in "" "nan" "-" "0.02" "1e-1"; do near_tie "$bad" $NEAR_TIE_REUSE && fail "near_tie accepts gap '$bad'"; done
near_tie 0.005 $NEAR_TIE_REUSE && near_tie 5e-3 $NEAR_TIE_REUSE || fail "near_tie refuses a gap of 0.005"

# first_diff A.tsv B.tsv: per (model, case, turn) whose tokens differ, the
# first differing index and the top-2 gap there in A and in B.
first_diff() {
  awk -F'\t' 'FNR == 1 { f++ }
    { k = $1 SUBSEP $3 SUBSEP $4; tok[f, k, $5] = $6; gap[f, k, $5] = $8; if ($5 + 1 > len[f, k]) len[f, k] = $5 + 1; keys[k] = 1 }
    END { for (k in keys) { n = len[1, k] > len[2, k] ? len[1, k] : len[2, k]
            for (i = 0; i < n; i++) if (tok[1, k, i] != tok[2, k, i]) {
              split(k, p, SUBSEP); printf "%s\t%s\t%s\t%d\t%s\t%s\n", p[1], p[2], p[3], i, gap[1, k, i], gap[2, k, i]; break } } }' "$1" "$2"
}

for arch in $ARCHS; do
  spec=$(model_spec "$arch")
  run() {  # db gaps [options]
    local db=$1 gaps=$2; shift 2
    "$VLMETER" run -q -s "$S/s.jsonl" -m "$spec" --db "$db" --gaps "$gaps" --max-tokens 16 --threads 2 "$@" \
      || fail "$arch: vlmeter run $* failed"
  }
  run "$T/$arch-ref.db" "$T/$arch-ref.tsv" --parallel 1 --no-reuse
  run "$T/$arch-r1.db" "$T/$arch-r1.tsv" --parallel 1
  run "$T/$arch-r4.db" "$T/$arch-r4.tsv" --parallel 4

  for v in r1 r4; do
    limit=$([ $v = r1 ] && echo $NEAR_TIE_REUSE || echo $NEAR_TIE_BATCH)
    n=$(sqlite3 "$T/$arch-$v.db" "SELECT count(*) FROM answers WHERE error IS NULL")
    assert_eq "$n" "$(sqlite3 "$T/$arch-ref.db" "SELECT count(*) FROM answers WHERE error IS NULL")" "$arch $v: answered turns"
    [ "$n" -ge $((N_CASES + 2)) ] || fail "$arch $v: only $n turns answered"
    first_diff "$T/$arch-ref.tsv" "$T/$arch-$v.tsv" > "$T/$arch-$v.diff"
    while IFS=$'\t' read -r _ c turn i ga gb; do
      echo "$arch $v: '$c' turn $turn differs at token $i; top-2 gap there $ga (ref) / $gb ($v)"
      # a gap must be recorded (a number) on both sides to call it a near-tie
      near_tie "$ga" "$limit" && near_tie "$gb" "$limit" ||
        fail "$arch $v: '$c' turn $turn differs at token $i, not a near-tie (gaps '$ga', '$gb'; threshold $limit)"
    done < "$T/$arch-$v.diff"
    d=$(wc -l < "$T/$arch-$v.diff")
    [ "$d" -le $((n / 4)) ] || fail "$arch $v: $d of $n answers differ (near-ties should be rare)"
    echo "$arch $v: $n turns, $((n - d)) identical to ref, $d near-ties"
  done

  # What the runs did: ref encodes every image use and shares nothing; reuse
  # encodes each distinct image once and takes prefixes from the KV cache.
  stats() { sqlite3 -separator ' ' "$1" "SELECT n_parallel, images_encoded, images_cached, prompt_tokens_cached,
                                         decode_tokens * 1.0 / decode_steps FROM model_loads"; }
  read -r par enc hit cached batch < <(stats "$T/$arch-ref.db")
  assert_eq "$par $enc $hit $cached" "1 $N_USES 0 0" "$arch ref: parallel, images encoded, reused, cached tokens"
  awk -v b="$batch" 'BEGIN {exit !(b == 1)}' || fail "$arch ref: mean decode batch $batch, want 1"
  for v in r1 r4; do
    read -r par enc hit cached batch < <(stats "$T/$arch-$v.db")
    assert_eq "$enc" "$N_DISTINCT" "$arch $v: images encoded (one per distinct content)"
    [ $((enc + hit)) -le $N_USES ] || fail "$arch $v: $enc encoded + $hit reused > $N_USES image uses"
    # Sliding-window (gemma3) and hybrid recurrent (lfm2) memories cannot keep
    # an arbitrary prefix: no KV sharing there, only the embedding cache.
    if [ "$(sqlite3 "$T/$arch-$v.db" "SELECT arch IN ('gemma3', 'lfm2') FROM model_loads")" = 1 ]; then
      assert_eq "$cached" 0 "$arch $v: no KV prefix shared in a sliding-window or recurrent memory"
    else
      [ "$cached" -gt 0 ] || fail "$arch $v: no prompt token came from the KV cache"
      # Every later question on an image starts from the first one's prefix.
      q2=$(sqlite3 "$T/$arch-$v.db" "SELECT min(n_cached_tokens > n_image_tokens) FROM answers WHERE case_id LIKE 'i_-H%' OR case_id LIKE 'i_-What c%'")
      assert_eq "$q2" 1 "$arch $v: later questions reuse the image prefix"
    fi
    # The image after other text cannot share a prefix, but its embedding is cached.
    assert_eq "$(sqlite3 "$T/$arch-$v.db" "SELECT n_images_cached FROM answers WHERE case_id='image-later'")" 1 \
      "$arch $v: embedding of an image seen before, after other text"
    echo "$arch $v: parallel $par, $enc images encoded, $hit reused, $cached prompt tokens from the KV cache, mean batch $batch"
  done
  read -r par _ _ _ batch < <(stats "$T/$arch-r4.db")
  assert_eq "$par" 4 "$arch r4: parallel"
  awk -v b="$batch" 'BEGIN {exit !(b > 2.5)}' || fail "$arch r4: mean decode batch $batch, want > 2.5 (batch kept full)"
done
