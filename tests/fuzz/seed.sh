#!/usr/bin/env bash
# Writes the seed corpora of the fuzz harnesses, tests/fuzz/corpus/NAME/, from
# the repository's test inputs: the suite lines of docs/suite-format.md's
# examples and of the unit tests, the plan of docs/plan-format.md, the SSE stream
# of tests/unit/test_sse.c, the TSV rows of tests/e2e/test_import.sh, scorer
# cases of tests/unit/test_score*.c, and 8x8 pictures in each format, as
# tests/unit/test_image.c makes them, with each format's oddities, and small GGUF
# projectors (written by the gguf harness itself, so `make fuzz` first). The
# corpora are committed; run this again after changing it (docs/fuzzing.md).
# Needs cc, libstb-dev, libwebp-dev, libjpeg62-turbo-dev and libpng-dev.
#
# Usage: tests/fuzz/seed.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
C=$ROOT/tests/fuzz/corpus
TMP=$(mktemp -d /tmp/vlmeter-seed-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$C"/{suite,score,sse,plan,pylit,vlmevalkit,image,folder}

# ---- image: 8x8 pictures in every format image.c decodes (and a cut JPEG)
cat > "$TMP/pictures.c" <<'C_END'
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#include <stdio.h>
#include <stdlib.h>
#include <webp/encode.h>
int main(int argc, char **argv) {
    unsigned char px[8 * 8 * 3];
    for (int i = 0; i < 8 * 8; i++) { px[3 * i] = (unsigned char)(i * 4); px[3 * i + 1] = 200; px[3 * i + 2] = (unsigned char)(255 - i); }
    char p[4096];
    snprintf(p, sizeof p, "%s/rgb.png", argv[1]); stbi_write_png(p, 8, 8, 3, px, 24);
    snprintf(p, sizeof p, "%s/rgb.jpg", argv[1]); stbi_write_jpg(p, 8, 8, 3, px, 90);
    snprintf(p, sizeof p, "%s/rgb.bmp", argv[1]); stbi_write_bmp(p, 8, 8, 3, px);
    snprintf(p, sizeof p, "%s/grey.png", argv[1]); stbi_write_png(p, 8, 8, 1, px, 8);
    uint8_t *out; size_t n;
    n = WebPEncodeLosslessRGB(px, 8, 8, 24, &out);
    snprintf(p, sizeof p, "%s/lossless.webp", argv[1]); FILE *f = fopen(p, "wb"); fwrite(out, 1, n, f); fclose(f); WebPFree(out);
    n = WebPEncodeRGB(px, 8, 8, 24, 80, &out);
    snprintf(p, sizeof p, "%s/lossy.webp", argv[1]); f = fopen(p, "wb"); fwrite(out, 1, n, f); fclose(f); WebPFree(out);
    (void)argc;
    return 0;
}
C_END
cc -O1 -o "$TMP/pictures" "$TMP/pictures.c" -lwebp -lm
"$TMP/pictures" "$C/image"
head -c 200 "$C/image/rgb.jpg" > "$C/image/cut.jpg"

# ---- image oddities: EXIF orientations (both byte orders), CMYK, grey and
# progressive JPEGs; 16-bit, palette + tRNS, interlaced, grey + alpha PNGs; BMP
# variants (32-bit top-down, 8-bit and 1-bit palettes, 5-6-5 bitfields, a v5
# header with alpha, RLE which is refused), as tests/unit/test_image.c makes them
cat > "$TMP/oddities.c" <<'C_END'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <png.h>
static const char *dir;
static FILE *open_seed(const char *name) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return fopen(p, "wb");
}
static void jpeg(const char *name, int comps, J_COLOR_SPACE cs, int progressive, const unsigned char *app1, unsigned n) {
    unsigned char px[16 * 16 * 4];
    for (int i = 0; i < 16 * 16 * comps; i++) px[i] = (unsigned char)((i / comps % 16 < 8 ? 40 : 200) + i % comps * 10);
    struct jpeg_compress_struct c; struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e); jpeg_create_compress(&c);
    FILE *f = open_seed(name); jpeg_stdio_dest(&c, f);
    c.image_width = 16; c.image_height = 16; c.input_components = comps; c.in_color_space = cs;
    jpeg_set_defaults(&c); jpeg_set_quality(&c, 80, TRUE);
    if (progressive) jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    if (app1) jpeg_write_marker(&c, JPEG_APP0 + 1, app1, n);
    while (c.next_scanline < 16) { JSAMPROW r = px + c.next_scanline * 16 * comps; jpeg_write_scanlines(&c, &r, 1); }
    jpeg_finish_compress(&c); jpeg_destroy_compress(&c); fclose(f);
}
static void png(const char *name, int w, int depth, int type, int interlace, const unsigned char *data) {
    FILE *f = open_seed(name);
    png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop i = png_create_info_struct(p);
    png_init_io(p, f);
    png_set_IHDR(p, i, w, 4, depth, type, interlace, 0, 0);
    if (type == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[4] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {10, 20, 30}};
        png_byte trans[2] = {0, 128};
        png_set_PLTE(p, i, pal, 4); png_set_tRNS(p, i, trans, 2, NULL);
    }
    png_write_info(p, i);
    png_bytep rows[4];
    for (int y = 0; y < 4; y++) rows[y] = (png_bytep)data + y * png_get_rowbytes(p, i);
    png_write_image(p, rows); png_write_end(p, NULL); png_destroy_write_struct(&p, &i); fclose(f);
}
static void put32(unsigned char *b, unsigned v) { b[0] = v; b[1] = v >> 8; b[2] = v >> 16; b[3] = v >> 24; }
static void bmp(const char *name, int w, int h, int bpp, unsigned comp, unsigned hsz, const unsigned *masks, int n_masks, int n_pal) {
    unsigned char b[1024] = {'B', 'M'};
    int after = hsz == 40 && masks ? 4 * n_masks : 0, stride = (w * bpp + 31) / 32 * 4;
    int at = 14 + hsz + after + 4 * n_pal, n = at + stride * abs(h);
    put32(b + 2, n); put32(b + 10, at); put32(b + 14, hsz); put32(b + 18, w); put32(b + 22, h);
    b[26] = 1; b[28] = bpp; put32(b + 30, comp); put32(b + 46, n_pal);
    for (int k = 0; masks && k < n_masks; k++) put32(b + 54 + 4 * k, masks[k]);
    for (int k = 0; k < 4 * n_pal; k++) b[14 + hsz + after + k] = (unsigned char)(k * 37);
    for (int k = at; k < n; k++) b[k] = (unsigned char)(k * 13);
    FILE *f = open_seed(name); fwrite(b, 1, n, f); fclose(f);
}
int main(int argc, char **argv) {
    dir = argv[1]; (void)argc;
    /* APP1: "Exif\0\0", TIFF header, IFD0 at 8 with one entry: Orientation (0x0112) SHORT 1 */
    unsigned char ii[30] = {'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6};
    unsigned char mm[30] = {'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8};
    jpeg("exif6-ii.jpg", 3, JCS_RGB, 0, ii, sizeof ii);
    jpeg("exif8-mm.jpg", 3, JCS_RGB, 0, mm, sizeof mm);
    jpeg("cmyk.jpg", 4, JCS_CMYK, 0, NULL, 0);
    jpeg("grey.jpg", 1, JCS_GRAYSCALE, 0, NULL, 0);
    jpeg("progressive.jpg", 3, JCS_RGB, 1, NULL, 0);
    unsigned char data[4 * 8 * 8];
    for (int k = 0; k < (int)sizeof data; k++) data[k] = (unsigned char)(k * 29);
    png("rgb16.png", 4, 16, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, data);
    png("palette-trns.png", 4, 2, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, data);
    png("interlaced.png", 4, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_ADAM7, data);
    png("grey-alpha.png", 4, 8, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_INTERLACE_NONE, data);
    unsigned m565[3] = {0xF800, 0x07E0, 0x001F}, argb[4] = {0xFF0000, 0xFF00, 0xFF, 0xFF000000u};
    bmp("top-down32.bmp", 4, -4, 32, 0, 40, NULL, 0, 0);
    bmp("palette8.bmp", 4, 4, 8, 0, 40, NULL, 0, 3);
    bmp("palette1.bmp", 10, 2, 1, 0, 40, NULL, 0, 2);
    bmp("bitfields565.bmp", 4, 4, 16, 3, 40, m565, 3, 0);
    bmp("v5-alpha.bmp", 4, 4, 32, 3, 124, argb, 4, 0);
    bmp("rle8.bmp", 4, 4, 8, 1, 40, NULL, 0, 2);
    return 0;
}
C_END
cc -O1 -o "$TMP/oddities" "$TMP/oddities.c" -ljpeg -lpng16
"$TMP/oddities" "$C/image"

# ---- suite: the examples of docs/suite-format.md, each a seed, and all of them as one file
grep -h '^{"id"' "$ROOT/docs/suite-format.md" > "$TMP/docs.jsonl"
split -l 1 -d "$TMP/docs.jsonl" "$C/suite/doc-"
cp "$TMP/docs.jsonl" "$C/suite/all-docs"
printf '\xEF\xBB\xBF# a comment\n\n{"id":"a","prompt":"x","answer":"y"}\n{"id":"a","prompt":"dup"}\n[1,2]\n{"id":"b",\n' \
  > "$C/suite/bom-dup-bad"
printf '%s\n' '{"id":"g","category":["a","b"],"groups":{"circular":"12","n":3},"image":"../x.png","prompt":"<image><image>"}' \
  '{"id":"gen","kind":"generate","prompt":"a red square","questions":[{"q":"colour?","a":"red","scorer":"contains"}]}' \
  > "$C/suite/fields"

# ---- score: SCORER-INDEX byte, expected JSON, 0x1F, reply, 0x1F, choices... (tests/fuzz/fuzz_score.c)
score_seed() {  # name, scorer, expected, reply, choices...
  local name=$1 scorer=$2 i=0
  shift 2
  local names=(exact contains any all choice number anls vqa yesno relaxed substring open bleu cider judge iou)
  while [ "${names[$i]}" != "$scorer" ]; do i=$((i + 1)); done
  { printf "\\x$(printf %02x "$i")"; printf '%s' "$1"; shift; for part in "$@"; do printf '\x1f%s' "$part"; done; } \
    > "$C/score/$name"
}
score_seed choice-letter choice '"C"' 'The answer is (C) blue.' red green blue
score_seed choice-text choice '"B"' 'I think it is green' red green blue
score_seed number number '4' 'There are 4.0 stripes, maybe 5'
score_seed number-list number '[3,"three"]' '1,234.5 or three'
score_seed yesno yesno '"no"' '<think>hmm</think>No, it is not.'
score_seed iou iou '{"boxes":[[100,50,200,150]],"size":[400,300],"threshold":0.5}' '[0.25, 0.17, 0.5, 0.5]'
score_seed iou-grid iou '{"boxes":[[1,2,30,40]],"size":[64,48],"format":"grid1000"}' '<box>(10,20),(500,900)</box>'
score_seed anls anls '["hello world"]' 'Hello, world!'
score_seed relaxed relaxed '"12%"' '12.5'
score_seed contains contains '[["circle","disc"],"round"]' 'a red disc'

# ---- sse: the stream of tests/unit/test_sse.c (first byte: the piece size)
{ printf '\x07'
  printf ': keep-alive comment\r\nevent: message\r\n'
  printf 'data: {"choices":[{"delta":{"role":"assistant"}}]}\r\n\r\n'
  printf 'data: {"choices":[{"delta":{"reasoning_content":"think"}}]}\n\n'
  printf 'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n'
  printf 'data:{"choices":[{"delta":{"content":"lo \\u4f60\\u597d"}}]}\n\n'
  printf 'id: 7\ndata: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\n'
  printf 'data: {"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3}}\n\n'
  printf 'data: [DONE]\n\n'; } > "$C/sse/stream"
printf '\x03data: {"error":{"message":"model overloaded"}}\n\n' > "$C/sse/error"
printf '\x3fdata: {"choices":[{"delta":{"content":"cut"},"finish_reason":"length"}]}' > "$C/sse/no-newline"

# ---- plan: docs/plan-format.md's YAML blocks
awk '/^```yaml/{n++; f=sprintf("%s/plan/doc-%d", dir, n); next} /^```/{f=""} f{print > f}' dir="$C" \
  "$ROOT/docs/plan-format.md"

# ---- pylit: list literals and boxes as VLMEvalKit's cells hold them
printf '%s' "['A', \"b\\n\", 12, 1.50, True, None]" > "$C/pylit/list"
printf '%s' "['a', 'it''s', u'x', r'\\d']" > "$C/pylit/prefixes"
printf '%s' '[0.1, 0.2, 0.5, 0.7]' > "$C/pylit/box"
printf '%s' '10 20 30 40|1,2,3,4|[5, 6, 7, 8]' > "$C/pylit/boxes"
printf '%s' '1e-05' > "$C/pylit/float"

# ---- vlmevalkit: first byte picks the file name (tests/fuzz/fuzz_vlmevalkit.c); rows of tests/e2e/test_import.sh
img=$(base64 -w0 "$C/image/rgb.png")
{ printf '\x00index\tquestion\thint\tA\tB\tanswer\tcategory\timage\n'
  printf '1\tWhich colour fills it?\tLook.\tred\tblue\tA\tcolors\t%s\n' "$img"
  printf '2\tIs it bright?\t\tyes\tno\tA\tlight\t1\n'
  printf '3\tBroken row\t\tx\ty\tA\tother\t########\n'; } > "$C/vlmevalkit/mcq"
{ printf '\x03index\timage\tquestion\tanswer\tcategory\timage_path\n'
  printf '0\t%s\tIs there a square? Please answer yes or no.\tYes\tcolor\t1.jpg\n' "$img"
  printf '1\t0\tIs there a circle? Please answer yes or no.\tNo\tcolor\t1.jpg\n'; } > "$C/vlmevalkit/mme"
{ printf '\x02index\tquestion\tA\tB\tanswer\timage\tsplit\n'
  printf '1\tIs <image 2> like <image 1>?\tyes\t<image 2>\tA\t["%s", "%s"]\tvalidation\n' "$img" "$img"
  printf '2\tHow many sides has <image 1>?\t\t\t4\t%s\tdev\n' "$img"; } > "$C/vlmevalkit/mmmu"
{ printf '\x09index\timage\tquestion\tanswer\twidth\theight\n'
  printf '0\t%s\tthe red pixel\t[0.1, 0.2, 0.5, 0.6]\t8\t8\n' "$img"; } > "$C/vlmevalkit/refcoco"
# ---- folder: first byte even = CSV, odd = JSONL (tests/fuzz/fuzz_folder.c: images a.png, b.png); docs/import.md's examples
printf '\000image,question,answer,category,choices\na.png,What is the total?,42.50,documents,\na.png|b.png,"How many in all?",7,counting,\nb.png,Which one?,B,animals,dog|cat|bird\n' > "$C/folder/csv"
printf '\000image,question,box\na.png,Where is it?,1 1 4 4|2,2,6,6\n../x.png,Out?,\n' > "$C/folder/csv-box"
printf '\001{"id":"r1","image":"a.png","question":"What is the total?","answer":42.5,"category":"documents"}\n{"id":"pair","images":["a.png","b.png"],"question":"First: <image> Second: <image> Same?","answer":false}\n# a comment\n{"id":"g","image":"b.png","question":"Box?","answer":{"boxes":[[1,1,4,4]],"size":[16,8]},"scorer":"iou"}\n' > "$C/folder/jsonl"
# ---- gguf: small projectors, a metadata-only model and the crashes found (tests/fuzz/fuzz_gguf.c writes them; make fuzz first)
GGUF_HARNESS=$ROOT/build/cpu/fuzz/fuzz_gguf
[ -x "$GGUF_HARNESS" ] || { echo "seed.sh: no $GGUF_HARNESS: run make fuzz first" >&2; exit 1; }
mkdir -p "$C/gguf"
FUZZ_GGUF_SEEDS=$C/gguf "$GGUF_HARNESS"
echo "seeds: $(find "$C" -type f | wc -l) files under $C"
