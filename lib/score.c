/*
 * score.c - the scorers of docs/scoring.md. This file owns:
 *   - the text pipeline every scorer shares: UTF-8 decoding (malformed bytes
 *     become U+FFFD), full-width folding, case folding, punctuation, tokens,
 *     English number words, Chinese numerals, articles;
 *   - the per-reply scorers behind vlm_score_text (exact, contains, any, all,
 *     choice, number, anls, vqa, yesno, bleu; iou through score_iou.c) and the
 *     errors of cider and judge;
 *   - n-gram bags and the captioning metrics of vlm_caption_set (corpus BLEU-4,
 *     CIDEr-D as the coco-caption toolkit computes it).
 * Nothing here aborts on user data: any bytes are a valid reply.
 */
#include "vlmeter.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "score_iou.h"
#include "score_ref.h"
#include "util.h"

/* ================================================================ buffers */

/* A growable byte string, always NUL-terminated once anything was put. */
struct sbuf {
    char *p;
    size_t n, cap;
};

static void sbuf_put(struct sbuf *b, const char *s, size_t n) { util_buf_append(&b->p, &b->n, &b->cap, s, n); }

static void sbuf_clear(struct sbuf *b) {
    b->n = 0;
    if (b->p) b->p[0] = '\0';
}

static const char *sbuf_str(const struct sbuf *b) { return b->p ? b->p : ""; }

/* A growable array of code points. */
struct cps {
    uint32_t *p;
    int n, cap;
};

/* ================================================================ UTF-8 */

#define CP_BAD UTIL_UTF8_BAD

/* Append cp to b as UTF-8. */
static void utf8_put(struct sbuf *b, uint32_t cp) {
    char s[4];
    int n;
    if (cp < 0x80) {
        s[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        s[0] = (char)(0xC0 | cp >> 6);
        s[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        s[0] = (char)(0xE0 | cp >> 12);
        s[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        s[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        s[0] = (char)(0xF0 | cp >> 18);
        s[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        s[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        s[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sbuf_put(b, s, (size_t)n);
}

/* The first code point of a NUL-terminated string (0 for ""). */
static uint32_t utf8_first(const char *s) {
    int len;
    return *s ? util_utf8_decode((const unsigned char *)s, strlen(s), &len) : 0;
}

/* ================================================================ characters */

enum cclass { C_SPACE, C_IGNORE, C_PUNCT, C_CJK, C_WORD };

struct range {
    uint32_t lo, hi;
};

static const struct range SPACE_R[] = {
    {0x09, 0x0D},     {0x20, 0x20},     {0x85, 0x85},     {0xA0, 0xA0},     {0x1680, 0x1680},
    {0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000},
};
static const struct range IGNORE_R[] = {
    {0xAD, 0xAD}, {0x200B, 0x200D}, {0x2060, 0x2060}, {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF},
};
// clang-format off
static const struct range PUNCT_R[] = {
    {0x21, 0x2F}, {0x3A, 0x40}, {0x5B, 0x60}, {0x7B, 0x7E},           /* ASCII */
    {0xA1, 0xA1}, {0xA7, 0xA7}, {0xAB, 0xAB}, {0xB6, 0xB7}, {0xBB, 0xBB}, {0xBF, 0xBF},
    {0x2010, 0x2027}, {0x2030, 0x205E},                               /* – — ‘ ’ “ ” … */
    {0x2190, 0x2BFF},                                                 /* arrows, shapes */
    {0x3001, 0x3003}, {0x3008, 0x3011}, {0x3014, 0x301F}, {0x3030, 0x3030},
    {0x303D, 0x303D}, {0x30FB, 0x30FB},                               /* 、。《》「」【】・ */
    {0xFE10, 0xFE19}, {0xFE30, 0xFE6B}, {0xFF5F, 0xFF65},             /* vertical, small, half-width */
    {0xFFFD, 0xFFFD}, {0x1F000, 0x1FAFF},                             /* malformed bytes, emoji */
};
// clang-format on
// clang-format off
static const struct range CJK_R[] = {
    {0x2E80, 0x2FDF}, {0x3005, 0x3007}, {0x3021, 0x3029}, {0x3040, 0x30FA}, {0x30FC, 0x30FF},
    {0x3100, 0x312F}, {0x3190, 0x31FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xAC00, 0xD7AF},
    {0xF900, 0xFAFF}, {0xFF66, 0xFF9F}, {0x20000, 0x3134F},
};
// clang-format on

static bool in_ranges(uint32_t c, const struct range *r, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (c >= r[i].lo && c <= r[i].hi) return true;
    return false;
}

#define IN(c, table) in_ranges((c), (table), sizeof(table) / sizeof(table)[0])

static enum cclass cclass(uint32_t c) {
    if (c < 0x80) {
        if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return C_SPACE;
        if (c < 0x20 || c == 0x7F) return C_IGNORE;
        return IN(c, PUNCT_R) ? C_PUNCT : C_WORD;
    }
    if (IN(c, SPACE_R)) return C_SPACE;
    if (IN(c, IGNORE_R)) return C_IGNORE;
    if (IN(c, PUNCT_R)) return C_PUNCT;
    if (IN(c, CJK_R)) return C_CJK;
    return C_WORD;
}

static bool is_digit(uint32_t c) { return c >= '0' && c <= '9'; }
static bool is_ascii_letter(uint32_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static bool is_upper(uint32_t c) { return c >= 'A' && c <= 'Z'; }
static bool is_space(uint32_t c) { return cclass(c) == C_SPACE; }
/* Part of a word: a letter or digit of a script that separates words by spaces. */
static bool is_wordish(uint32_t c) { return cclass(c) == C_WORD; }
static bool is_letter(uint32_t c) { return is_wordish(c) && !is_digit(c); }

/* Full-width ASCII forms and the ideographic space to ASCII; minus signs to '-';
 * the decimal digits of every script (٣, ३, 𝟑) to ASCII digits. */
static uint32_t fold_width(uint32_t c) {
    if (c < 0x660) return c;
    if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFEE0;
    if (c == 0x3000) return ' ';
    if (c == 0x2212 || c == 0xFE63) return '-';
    int digit = score_ref_digit(c);
    return digit >= 0 ? '0' + (uint32_t)digit : c;
}

/* Upper to lower case for ASCII, Latin-1, basic Greek and Cyrillic; the final
 * sigma ς folds to σ. */
static uint32_t fold_case(uint32_t c) {
    if (c >= 'A' && c <= 'Z') return c + 32;
    if (c == 0x3C2) return 0x3C3;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    return c;
}

/* s decoded into code points with fold_width applied (case kept). */
static void decode_folded(const char *s, struct cps *out) {
    size_t len = strlen(s);
    if (len > (1u << 28)) len = 1u << 28; /* a reply is never this long; stay in int */
    util_grow((void **)&out->p, &out->cap, (int)len + 1, sizeof *out->p);
    out->n = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        int k;
        uint32_t c = util_utf8_decode(u + i, len - i, &k);
        i += (size_t)k;
        out->p[out->n++] = fold_width(c);
    }
}

/* ================================================================ tokens */

/* A token: `len` bytes at `off` in the owner's text, NUL-terminated there. CJK
 * tokens are single ideographs (or kana, hangul syllables). */
struct tok {
    uint32_t off, len;
    bool cjk;
};

struct toks {
    struct sbuf text;
    struct tok *t;
    int n, cap;
};

/* Buffers one scoring call (or one caption set) reuses. */
struct scratch {
    struct cps cps;
    struct toks raw, norm;
    struct sbuf reply, ans;
    uint32_t *ids;
    int n_ids, cap_ids;
    int *row;
    int cap_row;
};

static void toks_clear(struct toks *ts) {
    sbuf_clear(&ts->text);
    ts->n = 0;
}

static const char *tok_str(const struct toks *ts, int i) { return ts->text.p + ts->t[i].off; }

/* End the token whose bytes start at `off` of ts->text. */
static void toks_close(struct toks *ts, size_t off, bool cjk) {
    util_grow((void **)&ts->t, &ts->cap, ts->n + 1, sizeof *ts->t);
    ts->t[ts->n++] = (struct tok){(uint32_t)off, (uint32_t)(ts->text.n - off), cjk};
    sbuf_put(&ts->text, "", 1);
}

static void toks_push(struct toks *ts, const char *s, size_t len, bool cjk) {
    size_t off = ts->text.n;
    sbuf_put(&ts->text, s, len);
    toks_close(ts, off, cjk);
}

static void toks_free(struct toks *ts) {
    free(ts->text.p);
    free(ts->t);
}

enum {
    TOK_PERCENT = 1,    /* tokenize: keep '%' as a token of its own */
    TOK_APOSTROPHE = 2, /* keep an apostrophe inside a word (as '): don't, dog's */
};

enum role { R_SEP, R_JOIN, R_WORD, R_CJK, R_PERCENT };

/* Three digits at c[j..] and no fourth: the group after a thousands comma. */
static bool thousands_group(const uint32_t *c, int n, int j) {
    return j + 3 <= n && is_digit(c[j]) && is_digit(c[j + 1]) && is_digit(c[j + 2]) &&
           (j + 3 == n || !is_digit(c[j + 3]));
}

/* Whether c[i] ('-' or '+') is the sign of an exponent: 1e-5, 2E+3. */
static bool exponent_sign(const uint32_t *c, int n, int i) {
    return i >= 2 && (c[i - 1] == 'e' || c[i - 1] == 'E') && is_digit(c[i - 2]) && i + 1 < n && is_digit(c[i + 1]);
}

/* What the tokenizer does with c[i], given its neighbours. */
static enum role char_role(const uint32_t *c, int n, int i, int flags) {
    uint32_t x = c[i], prev = i > 0 ? c[i - 1] : ' ', next = i + 1 < n ? c[i + 1] : ' ';
    switch (x) {
    case '.': /* decimal point: 3.5, .5 */
        if (is_digit(next) && (is_digit(prev) || !is_wordish(prev))) return R_WORD;
        break;
    case ',': /* thousands separator: 1,234 */
        if (is_digit(prev) && thousands_group(c, n, i + 1)) return R_JOIN;
        break;
    case '\'':
    case 0x2019: /* inside a word: don't, dog's */
        if (is_letter(prev) && is_letter(next)) return flags & TOK_APOSTROPHE ? R_WORD : R_JOIN;
        break;
    case '-': /* sign: -2, -.5, 1e-5, but not 5-6 */
        if ((is_digit(next) || (next == '.' && i + 2 < n && is_digit(c[i + 2]))) && !is_wordish(prev)) return R_WORD;
        if (exponent_sign(c, n, i)) return R_WORD;
        break;
    case '+': /* 2e+3 */
        if (exponent_sign(c, n, i)) return R_WORD;
        break;
    case '%':
        if (flags & TOK_PERCENT) return R_PERCENT;
        break;
    }
    switch (cclass(x)) {
    case C_IGNORE: return R_JOIN;
    case C_CJK: return R_CJK;
    case C_WORD: return R_WORD;
    default: return R_SEP;
    }
}

/* Split s into lower-cased words and single CJK characters; punctuation and
 * spacing separate tokens and are dropped (docs/scoring.md, "Tokens"). */
static void tokenize(struct scratch *sc, const char *s, int flags, struct toks *out) {
    decode_folded(s, &sc->cps);
    toks_clear(out);
    const uint32_t *c = sc->cps.p;
    int n = sc->cps.n;
    long word = -1; /* start of the open word in out->text */
    for (int i = 0; i < n; i++) {
        enum role r = char_role(c, n, i, flags);
        if (r == R_JOIN) continue;
        if (r == R_WORD) {
            if (word < 0) word = (long)out->text.n;
            utf8_put(&out->text, c[i] == 0x2019 ? '\'' : fold_case(c[i]));
            continue;
        }
        if (word >= 0) toks_close(out, (size_t)word, false);
        word = -1;
        if (r == R_CJK) {
            size_t off = out->text.n;
            utf8_put(&out->text, c[i]);
            toks_close(out, off, true);
        } else if (r == R_PERCENT) {
            toks_push(out, "%", 1, false);
        }
    }
    if (word >= 0) toks_close(out, (size_t)word, false);
}

/* ================================================================ numbers in words */

// clang-format off
static const struct { const char *w; int v; } EN_NUMBERS[] = {
    {"zero", 0}, {"one", 1}, {"two", 2}, {"three", 3}, {"four", 4}, {"five", 5}, {"six", 6},
    {"seven", 7}, {"eight", 8}, {"nine", 9}, {"ten", 10}, {"eleven", 11}, {"twelve", 12},
    {"thirteen", 13}, {"fourteen", 14}, {"fifteen", 15}, {"sixteen", 16}, {"seventeen", 17},
    {"eighteen", 18}, {"nineteen", 19}, {"twenty", 20}, {"thirty", 30}, {"forty", 40},
    {"fifty", 50}, {"sixty", 60}, {"seventy", 70}, {"eighty", 80}, {"ninety", 90},
    {"hundred", 100}, {"thousand", 1000},
};
// clang-format on

/* The value of an English number word, -1 for any other word. */
static int en_number_word(const char *w) {
    size_t n = strlen(w);
    if (n < 3 || n > 9 || !strchr("zotfsenh", w[0])) return -1;
    for (size_t i = 0; i < sizeof EN_NUMBERS / sizeof EN_NUMBERS[0]; i++)
        if (strcmp(w, EN_NUMBERS[i].w) == 0) return EN_NUMBERS[i].v;
    return -1;
}

enum en_state { EN_NONE, EN_UNIT, EN_TEEN, EN_TEN, EN_HUNDRED, EN_THOUSAND, EN_ZERO };

/* Whether number word v may follow what was read so far (cur: the part below
 * a thousand; had_k: a "thousand" was read). */
static bool en_may_follow(enum en_state last, int v, long long cur, bool had_k) {
    bool after_mult = last == EN_HUNDRED || last == EN_THOUSAND;
    if (last == EN_ZERO) return false;
    if (v == 0) return last == EN_NONE;
    if (v < 10) return last == EN_NONE || last == EN_TEN || after_mult;
    if (v < 100) return last == EN_NONE || after_mult;
    if (v == 100) return (last == EN_NONE || last == EN_UNIT || last == EN_TEEN) && cur < 100;
    return !had_k && last != EN_THOUSAND; /* thousand */
}

/* English number words at token i ("twenty one", "two hundred and five"):
 * the number of tokens read (0: none) and their value. */
static int english_number(const struct toks *t, int i, long long *value) {
    long long total = 0, cur = 0;
    enum en_state last = EN_NONE;
    bool had_k = false;
    int j = i, end = i;
    while (j < t->n) {
        int v = en_number_word(tok_str(t, j));
        if (v < 0 && strcmp(tok_str(t, j), "and") == 0 && j + 1 < t->n && (last == EN_HUNDRED || last == EN_THOUSAND)) {
            int next = en_number_word(tok_str(t, j + 1));
            if (next > 0 && next < 100) {
                j++;
                continue;
            }
        }
        if (v < 0 || !en_may_follow(last, v, cur, had_k)) break;
        if (v == 100) {
            cur = (cur ? cur : 1) * 100;
            last = EN_HUNDRED;
        } else if (v == 1000) {
            total += (cur ? cur : 1) * 1000;
            cur = 0;
            had_k = true;
            last = EN_THOUSAND;
        } else {
            cur += v;
            last = v == 0 ? EN_ZERO : v < 10 ? EN_UNIT : v < 20 ? EN_TEEN : EN_TEN;
        }
        end = ++j;
    }
    *value = total + cur;
    return end - i;
}

/* A Chinese numeral character: its digit (0-9) or its unit (10 ... 10000). */
static bool zh_numeral(uint32_t c, int *digit, int *unit) {
    // clang-format off
    static const struct { uint32_t c; int digit, unit; } T[] = {
        {0x96F6, 0, 0}, {0x3007, 0, 0}, {0x4E00, 1, 0}, {0x4E8C, 2, 0}, {0x4E24, 2, 0},
        {0x5169, 2, 0}, {0x4E09, 3, 0}, {0x56DB, 4, 0}, {0x4E94, 5, 0}, {0x516D, 6, 0},
        {0x4E03, 7, 0}, {0x516B, 8, 0}, {0x4E5D, 9, 0}, {0x5341, 0, 10}, {0x767E, 0, 100},
        {0x5343, 0, 1000}, {0x4E07, 0, 10000}, {0x842C, 0, 10000},
    }; /* 零 〇 一 二 两 兩 三 四 五 六 七 八 九 十 百 千 万 萬 */
    // clang-format on
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if (T[i].c == c) {
            *digit = T[i].digit;
            *unit = T[i].unit;
            return true;
        }
    return false;
}

/* 一 starting a word where it is no count: 一共 (in all), 一样 (alike), 一起, 一直,
 * 一些, 一般, 一下, 一定, 一切, 一旦, 一致, 一边. */
static bool zh_one_in_word(const struct toks *t, int i) {
    return strcmp(tok_str(t, i), "一") == 0 && i + 1 < t->n && t->t[i + 1].cjk &&
           strstr("共样起直些般下定切旦致边", tok_str(t, i + 1)) != NULL;
}

/* Chinese numerals at token i: 十二 -> 12, 二十 -> 20, 一百零五 -> 105, 两 -> 2,
 * and digit strings without units digit by digit (二零二四 -> 2024). Writes the
 * digits to buf; returns the number of tokens read (0: none). */
static int chinese_number(const struct toks *t, int i, char *buf, size_t len) {
    int j = i, digit = 0, unit = 0;
    bool units = false;
    while (j < t->n && j - i < 24 && t->t[j].cjk && zh_numeral(utf8_first(tok_str(t, j)), &digit, &unit)) {
        units |= unit > 0;
        j++;
    }
    if (j == i || (j == i + 1 && zh_one_in_word(t, i))) return 0;
    if (!units) {
        size_t k = 0;
        for (int m = i; m < j && k + 1 < len; m++) {
            zh_numeral(utf8_first(tok_str(t, m)), &digit, &unit);
            buf[k++] = (char)('0' + digit);
        }
        buf[k] = '\0';
        return j - i;
    }
    long long total = 0, section = 0, d = 0;
    for (int m = i; m < j; m++) {
        zh_numeral(utf8_first(tok_str(t, m)), &digit, &unit);
        if (!unit) d = digit;
        else if (unit == 10000) {
            total += (section + d ? section + d : 1) * 10000;
            section = d = 0;
        } else {
            section += (d ? d : 1) * unit;
            d = 0;
        }
    }
    snprintf(buf, len, "%lld", total + section + d);
    return j - i;
}

/* A number in English words or Chinese numerals at token i: the tokens read
 * (0: none), its digits in buf. */
static int word_number_at(const struct toks *t, int i, char *buf, size_t len) {
    long long v;
    int used = english_number(t, i, &v);
    if (used > 0) snprintf(buf, len, "%lld", v);
    return used > 0 ? used : chinese_number(t, i, buf, len);
}

/* A token that starts as a decimal number: "12", "-3", "3.5", ".5", "12th". */
static bool is_numeric_token(const char *w) {
    w += *w == '-';
    return is_digit((unsigned char)w[0]) || (w[0] == '.' && is_digit((unsigned char)w[1]));
}

/* ================================================================ normalisation */

enum {
    NORM_ARTICLES = 1, /* drop a, an, the */
    NORM_NUMBERS = 2,  /* number words and Chinese numerals to digits */
    NORM_VQA = 4,      /* also "none" -> "0" and contractions, as the VQA evaluation does */
    NORM_TEXT = NORM_ARTICLES | NORM_NUMBERS,
};

static bool is_article(const char *w) { return strcmp(w, "a") == 0 || strcmp(w, "an") == 0 || strcmp(w, "the") == 0; }

/* The number after 百分之 at token i (i + 3): its text and the tokens it takes. */
static int zh_percent_number(const struct toks *t, int i, char *buf, size_t len, const char **num) {
    if (!(i + 3 < t->n && strcmp(tok_str(t, i), "百") == 0 && strcmp(tok_str(t, i + 1), "分") == 0 &&
          strcmp(tok_str(t, i + 2), "之") == 0))
        return 0;
    int used = word_number_at(t, i + 3, buf, len);
    *num = buf;
    if (!used && is_numeric_token(tok_str(t, i + 3))) {
        *num = tok_str(t, i + 3);
        used = 1;
    }
    return used ? 3 + used : 0;
}

/* Apply the word-level steps of `flags` to tokens `in`. "百分之N" becomes "N %".
 * Articles stay when nothing else would ("A", "the"). */
static void normalize(const struct toks *in, int flags, struct toks *out) {
    toks_clear(out);
    char buf[32];
    const char *num;
    for (int i = 0; i < in->n;) {
        const char *w = tok_str(in, i);
        int used;
        if ((flags & NORM_NUMBERS) && (used = zh_percent_number(in, i, buf, sizeof buf, &num)) > 0) {
            toks_push(out, num, strlen(num), false);
            toks_push(out, "%", 1, false);
            i += used;
        } else if ((flags & NORM_NUMBERS) && (used = word_number_at(in, i, buf, sizeof buf)) > 0) {
            toks_push(out, buf, strlen(buf), false);
            i += used;
        } else {
            if (!((flags & NORM_ARTICLES) && is_article(w))) {
                const char *contracted = flags & NORM_VQA ? score_ref_contraction(w) : NULL;
                if ((flags & NORM_VQA) && strcmp(w, "none") == 0) w = "0";
                else if (contracted) w = contracted;
                toks_push(out, w, strlen(w), in->t[i].cjk);
            }
            i++;
        }
    }
    if (out->n == 0 && in->n > 0 && (flags & NORM_ARTICLES)) /* "A", "the": keep them */
        normalize(in, flags & ~NORM_ARTICLES, out);
}

/* Tokens joined with one space between two non-CJK tokens, none elsewhere. */
static void join(const struct toks *ts, struct sbuf *out) {
    sbuf_clear(out);
    sbuf_put(out, "", 0);
    for (int i = 0; i < ts->n; i++) {
        if (i > 0 && !ts->t[i].cjk && !ts->t[i - 1].cjk) sbuf_put(out, " ", 1);
        sbuf_put(out, tok_str(ts, i), ts->t[i].len);
    }
}

/* s tokenized, normalised with `flags` and joined into dst; returns dst's text. */
static const char *norm_into(struct scratch *sc, const char *s, int flags, struct sbuf *dst) {
    tokenize(sc, s, flags & NORM_VQA ? TOK_APOSTROPHE : 0, &sc->raw);
    normalize(&sc->raw, flags, &sc->norm);
    join(&sc->norm, dst);
    return sbuf_str(dst);
}

/* The code point that ends just before s[pos] (s valid UTF-8, pos > 0). */
static uint32_t cp_before(const char *s, size_t pos) {
    size_t i = pos - 1;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80) i--;
    int len;
    return util_utf8_decode((const unsigned char *)s + i, pos - i, &len);
}

/* Part of a token of normalised text: a word character, or the '.', '-' and
 * '\'' that survive only inside a token (3.5, -2, dog's). */
static bool in_token(uint32_t c) { return is_wordish(c) || c == '.' || c == '-' || c == '\''; }

/* Whether the normalised needle occurs in the normalised hay as whole words: an
 * end of the needle that is not CJK may not touch more of a token ("5" is not
 * in "15" nor in "5.5"); CJK ends match anywhere. An empty needle is never found. */
static bool has_phrase(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    if (n == 0) return false;
    bool word_start = cclass(utf8_first(needle)) != C_CJK;
    bool word_end = cclass(cp_before(needle, n)) != C_CJK;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++) {
        if (word_start && p > hay && in_token(cp_before(hay, (size_t)(p - hay)))) continue;
        if (word_end && p[n] && in_token(utf8_first(p + n))) continue;
        return true;
    }
    return false;
}

/* ================================================================ scoring context */

struct ctx {
    const char *name;   /* the scorer */
    const char *output; /* the reply, never NULL */
    const char *const *choices;
    int n_choices;
    struct vlm_score *out;
    char *err;
    size_t err_len;
    struct scratch sc;
    unsigned want_options; /* choice: the expected options, for the reference reading */
    bool want_yes;         /* yesno: the expected answer, for the reference reading */
};

static int fail(struct ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct ctx *x, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    util_errf(x->err, x->err_len, "scorer '%s': %s", x->name, msg);
    return VLM_ERR_INPUT;
}

static void set_detail(struct vlm_score *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_detail(struct vlm_score *o, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->detail, sizeof o->detail, fmt, ap);
    va_end(ap);
    util_utf8_trim_partial(o->detail);
}

/* A right/wrong result: score 1 or 0. */
static int set_verdict(struct ctx *x, bool correct) {
    x->out->correct = correct;
    x->out->score = correct ? 1.0 : 0.0;
    return VLM_OK;
}

/* ================================================================ expected answers */

/* Accepted answers as text, with the keyword group each belongs to (any/all). */
struct answer {
    char *text;
    int group;
};

struct answers {
    struct answer *v;
    int n, cap, n_groups;
};

static void answers_free(struct answers *a) {
    for (int i = 0; i < a->n; i++) free(a->v[i].text);
    free(a->v);
}

/* A JSON number as text: 4 -> "4", 3.5 -> "3.5". */
static void number_text(const json_t *v, char *buf, size_t len) {
    if (json_is_integer(v)) snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else snprintf(buf, len, "%.15g", json_real_value(v));
}

static void answers_add(struct answers *a, const char *s, int group) {
    util_grow((void **)&a->v, &a->cap, a->n + 1, sizeof *a->v);
    a->v[a->n++] = (struct answer){xstrdup(s), group};
    if (group >= a->n_groups) a->n_groups = group + 1;
}

/* Add a string or a number; false for any other JSON type. */
static bool answers_add_scalar(struct answers *a, const json_t *v, int group) {
    char num[64];
    if (json_is_string(v)) answers_add(a, json_string_value(v), group);
    else if (json_is_number(v)) {
        number_text(v, num, sizeof num);
        answers_add(a, num, group);
    } else return false;
    return true;
}

static bool no_expected(const json_t *v) { return !v || json_is_null(v); }

/* Accepted answers: a string, a number, or an array of them (nested arrays are
 * flattened); with `object_key`, also {object_key: [...]}. Each is its own group. */
static int read_texts(struct ctx *x, json_t *v, const char *object_key, struct answers *a) {
    if (no_expected(v)) return fail(x, "no expected answer");
    if (object_key && json_is_object(v) && json_object_get(v, object_key)) v = json_object_get(v, object_key);
    if (answers_add_scalar(a, v, a->n_groups)) return VLM_OK;
    if (json_is_array(v) && json_array_size(v) > 0) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) {
            if (json_is_array(item) ? read_texts(x, item, NULL, a) != VLM_OK
                                    : !answers_add_scalar(a, item, a->n_groups))
                goto bad;
        }
        return VLM_OK;
    }
bad:
    if (!object_key) return fail(x, "the expected answer must be a string, a number or a non-empty array of them");
    return fail(x,
                "the expected answer must be a string, a number, a non-empty array of them or "
                "{\"%s\": [...]}",
                object_key);
}

/* Keywords for any/all: an array whose items are a string or number (one
 * keyword) or an array of them (synonyms of one keyword); or {"keywords": [...]};
 * or one string. */
static int read_keywords(struct ctx *x, json_t *v, struct answers *a) {
    if (no_expected(v)) return fail(x, "no expected answer");
    if (json_is_object(v) && json_object_get(v, "keywords")) v = json_object_get(v, "keywords");
    if (answers_add_scalar(a, v, 0)) return VLM_OK;
    if (!json_is_array(v) || json_array_size(v) == 0) goto bad;
    size_t i, j;
    json_t *item, *syn;
    json_array_foreach(v, i, item) {
        int group = (int)i;
        if (answers_add_scalar(a, item, group)) continue;
        if (!json_is_array(item) || json_array_size(item) == 0) goto bad;
        json_array_foreach(item, j, syn) if (!answers_add_scalar(a, syn, group)) goto bad;
    }
    return VLM_OK;
bad:
    return fail(x, "the expected answer must be a non-empty array of keywords (each a string or an "
                   "array of synonyms) or {\"keywords\": [...]}");
}

/* ================================================================ exact, contains, any, all */

static int score_exact(struct ctx *x, json_t *exp) {
    struct answers a = {0};
    if (read_texts(x, exp, NULL, &a) != VLM_OK) return VLM_ERR_INPUT;
    const char *reply = norm_into(&x->sc, x->output, NORM_TEXT, &x->sc.reply);
    bool ok = false;
    for (int i = 0; i < a.n && !ok; i++) ok = strcmp(reply, norm_into(&x->sc, a.v[i].text, NORM_TEXT, &x->sc.ans)) == 0;
    set_detail(x->out, "read \"%s\"", reply);
    answers_free(&a);
    return set_verdict(x, ok);
}

/* Index of the first answer of `group` (all groups when group < 0) found in the
 * normalised reply, -1 if none. */
static int find_answer(struct ctx *x, const struct answers *a, int group, const char *reply) {
    for (int i = 0; i < a->n; i++) {
        if (group >= 0 && a->v[i].group != group) continue;
        if (has_phrase(reply, norm_into(&x->sc, a->v[i].text, NORM_TEXT, &x->sc.ans))) return i;
    }
    return -1;
}

/* contains, substring, open: an accepted answer occurs in the reply as whole
 * words; `object_key` names the object form of the expected answers. */
static int contains_with(struct ctx *x, json_t *exp, const char *object_key) {
    struct answers a = {0};
    if (read_texts(x, exp, object_key, &a) != VLM_OK) return VLM_ERR_INPUT;
    const char *reply = norm_into(&x->sc, x->output, NORM_TEXT, &x->sc.reply);
    int hit = find_answer(x, &a, -1, reply);
    if (hit >= 0) set_detail(x->out, "found \"%s\"", a.v[hit].text);
    else set_detail(x->out, "not found");
    answers_free(&a);
    return set_verdict(x, hit >= 0);
}

static int score_contains(struct ctx *x, json_t *exp) { return contains_with(x, exp, "any"); }

/* OCRBench's answers: as contains; {"answers": [...], "math": true} marks the
 * handwritten-maths category, which only the reference reading treats apart. */
static int score_substring(struct ctx *x, json_t *exp) {
    const json_t *math = json_is_object(exp) ? json_object_get(exp, "math") : NULL;
    if (math && !json_is_boolean(math)) return fail(x, "'math' must be true or false");
    return contains_with(x, exp, "answers");
}

/* MMMU's open questions (no options): the answer occurs in the reply. */
static int score_open(struct ctx *x, json_t *exp) { return contains_with(x, exp, "any"); }

/* any/all: how many keyword groups have a synonym in the reply. */
static int score_keywords(struct ctx *x, json_t *exp, bool need_all) {
    struct answers a = {0};
    if (read_keywords(x, exp, &a) != VLM_OK) return VLM_ERR_INPUT;
    const char *reply = norm_into(&x->sc, x->output, NORM_TEXT, &x->sc.reply);
    int found = 0;
    char missing[sizeof x->out->detail] = "";
    for (int g = 0; g < a.n_groups; g++) {
        if (find_answer(x, &a, g, reply) >= 0) {
            found++;
            continue;
        }
        for (int i = 0; i < a.n; i++) {
            if (a.v[i].group != g) continue;
            size_t used = strlen(missing);
            snprintf(missing + used, sizeof missing - used, "%s%s", used ? ", " : "", a.v[i].text);
            break;
        }
    }
    x->out->correct = need_all ? found == a.n_groups : found > 0;
    x->out->score = need_all ? (double)found / a.n_groups : x->out->correct;
    set_detail(x->out, "found %d of %d%s%s", found, a.n_groups, missing[0] ? "; missing: " : "", missing);
    answers_free(&a);
    return VLM_OK;
}

static int score_any(struct ctx *x, json_t *exp) { return score_keywords(x, exp, false); }
static int score_all(struct ctx *x, json_t *exp) { return score_keywords(x, exp, true); }

/* ================================================================ choice */

/* The option index of letter c (either case), -1 when not a letter or past the
 * last option. */
static int letter_index(uint32_t c, int n_opts) {
    if (!is_ascii_letter(c)) return -1;
    int i = (int)((c | 0x20) - 'a');
    return i < n_opts ? i : -1;
}

/* The letter if exactly one bit of mask is set, else -1. */
static int only_letter(unsigned mask) {
    if (!mask || (mask & (mask - 1))) return -1;
    int i = 0;
    while (!(mask >> i & 1)) i++;
    return i;
}

/* Length in code points of word w (UTF-8, ASCII compared case-insensitively) at
 * c[i], or 0. An ASCII-letter end of w must not touch another ASCII letter. */
static int word_at(const uint32_t *c, int n, int i, const char *w) {
    const unsigned char *u = (const unsigned char *)w;
    size_t len = strlen(w);
    int k = 0;
    uint32_t first = 0, last = 0;
    for (size_t b = 0; b < len; k++) {
        int step;
        uint32_t cp = util_utf8_decode(u + b, len - b, &step);
        b += (size_t)step;
        if (i + k >= n || fold_case(c[i + k]) != cp) return 0;
        if (k == 0) first = cp;
        last = cp;
    }
    if (is_ascii_letter(first) && i > 0 && is_ascii_letter(c[i - 1])) return 0;
    if (is_ascii_letter(last) && i + k < n && is_ascii_letter(c[i + k])) return 0;
    return k;
}

/* Length of the first word of list (NULL-terminated) at c[i], or 0. */
static int any_word_at(const uint32_t *c, int n, int i, const char *const *list) {
    for (; *list; list++) {
        int k = word_at(c, n, i, *list);
        if (k) return k;
    }
    return 0;
}

static bool is_opener(uint32_t c) {
    return (c > 0 && c < 0x80 && strchr("([\"'*", (int)c)) || c == 0x201C || c == 0x2018 || c == 0x3010 ||
           c == 0x300C; /* “ ‘ 【 「 */
}
static bool is_closer(uint32_t c) { return c == ')' || c == ']'; }

/* Rule 1: the whole reply, stripped of spacing and punctuation, is one letter. */
static int whole_reply_letter(const uint32_t *c, int n, int n_opts) {
    int a = 0, b = n;
    while (a < b && cclass(c[a]) != C_WORD && cclass(c[a]) != C_CJK) a++;
    while (b > a && cclass(c[b - 1]) != C_WORD && cclass(c[b - 1]) != C_CJK) b--;
    return b - a == 1 ? letter_index(c[a], n_opts) : -1;
}

static const char *const CUES_ANSWER[] = {"answer", "choose", "select", "pick", "答案",
                                          "选择",   "選擇",   "选",     "選",   NULL};
static const char *const CUES_OPTION[] = {"option", "choice", "选项", "選項", NULL};
static const char *const CUE_FILLERS[] = {
    "is",     "be", "would", "should", "will", "must", "probably", "likely", "correct", "final", "option", "choice",
    "letter", "是", "为",    "為",     "应该", "應該", "应",       "應",     "项",      "項",    NULL};

static const char *const CUE_LINKS[] = {"or", "and", "nor", "或者", "或", "和", "还是", "還是", NULL};

static int skip_spaces(const uint32_t *c, int n, int j) {
    while (j < n && is_space(c[j])) j++;
    return j;
}

/* The letter at c[*j] after optional openers, when no letter or digit follows
 * it, else -1; *j moves past it and any closers. A lower-case a or i followed
 * by a space and a word is the article or the pronoun, not a letter. */
static int cue_letter_at(const uint32_t *c, int n, int *j, int n_opts) {
    int m = *j;
    bool opened = false;
    while (m < n && is_opener(c[m])) {
        opened = true;
        m++;
    }
    if (m >= n || letter_index(c[m], n_opts) < 0 || (m + 1 < n && is_wordish(c[m + 1]))) return -1;
    if (!opened && (c[m] == 'a' || c[m] == 'i')) {
        int w = skip_spaces(c, n, m + 1);
        if (w > m + 1 && w < n && is_wordish(c[w])) return -1;
    }
    int l = letter_index(c[m], n_opts);
    for (m++; m < n && (is_closer(c[m]) || c[m] == '*' || c[m] == '"' || c[m] == '\''); m++) {}
    *j = m;
    return l;
}

/* The letters a cue ending at c[j] names (a bit per letter): after fillers
 * ("is", ":", "是" ...), a letter, and more letters joined to it by links
 * ("A or B", "A/B", "A, B"). */
static unsigned letters_after_cue(const uint32_t *c, int n, int j, int n_opts) {
    for (int steps = 0; steps < 8 && j < n; steps++) {
        int w = any_word_at(c, n, j, CUE_FILLERS);
        if (w) j += w;
        else if (is_space(c[j]) || c[j] == ':' || c[j] == '=' || c[j] == '-') j++;
        else break;
    }
    unsigned mask = 0;
    for (int l; (l = cue_letter_at(c, n, &j, n_opts)) >= 0;) {
        mask |= 1u << l;
        j = skip_spaces(c, n, j);
        int link = j < n && (c[j] == '/' || c[j] == ',') ? 1 : any_word_at(c, n, j, CUE_LINKS);
        if (!link) break;
        j = skip_spaces(c, n, j + link);
    }
    return mask;
}

/* Rule 2: letters named after the cues of `cues` (a bit per letter). */
static unsigned cue_letters(const uint32_t *c, int n, int n_opts, const char *const *cues) {
    unsigned mask = 0;
    for (int i = 0; i < n; i++) {
        int k = any_word_at(c, n, i, cues);
        if (!k) continue;
        mask |= letters_after_cue(c, n, i + k, n_opts);
        i += k - 1;
    }
    return mask;
}

/* Rule 3: the reply starts with a marked letter: "B.", "B)", "B:", "(B)", "[b]". */
static int leading_letter(const uint32_t *c, int n, int n_opts) {
    int j = 0;
    while (j < n && (is_space(c[j]) || c[j] == '*' || c[j] == '#' || c[j] == '>')) j++;
    bool opened = j < n && (c[j] == '(' || c[j] == '[');
    j += opened;
    if (j + 1 >= n || letter_index(c[j], n_opts) < 0 || (!opened && !is_upper(c[j]))) return -1;
    uint32_t mark = c[j + 1];
    bool marked = opened ? is_closer(mark) : (mark == '.' || mark == ')' || mark == ':' || mark == 0x3001);
    if (!marked || (j + 2 < n && is_wordish(c[j + 2]))) return -1;
    return letter_index(c[j], n_opts);
}

static const char *const A_LINKS[] = {"or", "and", "nor", "vs", "versus", "is", "was", NULL};

/* Whether the single letter c[i] (no letter or digit on either side) reads as an
 * option: "(b)", an upper-case letter followed by punctuation, CJK or the end,
 * or by a space (A and I only when a link word like "or" follows). */
static bool is_loose_mention(const uint32_t *c, int n, int i) {
    uint32_t prev = i > 0 ? c[i - 1] : ' ', next = i + 1 < n ? c[i + 1] : 0;
    if ((prev == '(' || prev == '[') && is_closer(next)) return true;
    if (!is_upper(c[i])) return false;
    if (next == '.' && i + 2 < n && is_ascii_letter(c[i + 2])) return false; /* A.I., U.S. */
    if (i + 1 >= n || !is_space(next)) return true;
    if (c[i] != 'A' && c[i] != 'I') return true;
    int m = skip_spaces(c, n, i + 1);
    return c[i] == 'A' && m < n && (cclass(c[m]) == C_CJK || any_word_at(c, n, m, A_LINKS));
}

/* Rule 4: single letters anywhere that read as options (a bit per letter). */
static unsigned loose_letters(const uint32_t *c, int n, int n_opts) {
    unsigned mask = 0;
    for (int i = 0; i < n; i++) {
        int l = letter_index(c[i], n_opts);
        if (l < 0 || (i > 0 && is_wordish(c[i - 1])) || (i + 1 < n && is_wordish(c[i + 1]))) continue;
        if (is_loose_mention(c, n, i)) mask |= 1u << l;
    }
    return mask;
}

/* Rule 5: the one option whose normalised text is in the reply; when several
 * are, the longest if it contains all the others; else -1. */
static int option_in_text(struct ctx *x, int n_opts) {
    const char *reply = norm_into(&x->sc, x->output, NORM_TEXT, &x->sc.reply);
    char *text[26] = {0};
    int best = -1;
    bool ambiguous = false;
    for (int i = 0; i < n_opts; i++) {
        const char *opt = x->choices[i] ? x->choices[i] : "";
        const char *norm = norm_into(&x->sc, opt, NORM_TEXT, &x->sc.ans);
        if (!has_phrase(reply, norm)) continue;
        text[i] = xstrdup(norm);
        if (best < 0 || strlen(text[i]) > strlen(text[best])) best = i;
    }
    for (int i = 0; i < n_opts; i++) {
        if (!text[i] || i == best) continue;
        ambiguous |= strlen(text[i]) == strlen(text[best]) || !has_phrase(text[best], text[i]);
    }
    for (int i = 0; i < n_opts; i++) free(text[i]);
    return ambiguous ? -1 : best;
}

/* The option a reply picks (docs/scoring.md, "choice"), -1 when it names no
 * single option. */
static int parse_choice(struct ctx *x, int n_opts) {
    decode_folded(x->output, &x->sc.cps);
    const uint32_t *c = x->sc.cps.p;
    int n = x->sc.cps.n;
    int l = whole_reply_letter(c, n, n_opts);
    if (l >= 0) return l;
    unsigned mask = cue_letters(c, n, n_opts, CUES_ANSWER);
    if (!mask) mask = cue_letters(c, n, n_opts, CUES_OPTION);
    if (mask) return only_letter(mask);
    if ((l = leading_letter(c, n, n_opts)) >= 0) return l;
    if ((mask = loose_letters(c, n, n_opts))) return only_letter(mask);
    return x->n_choices > 0 ? option_in_text(x, n_opts) : -1;
}

/* The option an expected answer means: a letter ("B", "(B)", "b."), else an
 * option's text; -1 when neither. */
static int expected_option(struct ctx *x, const char *s, int n_opts) {
    decode_folded(s, &x->sc.cps);
    int l = whole_reply_letter(x->sc.cps.p, x->sc.cps.n, n_opts);
    if (l >= 0) return l;
    const char *want = norm_into(&x->sc, s, NORM_TEXT, &x->sc.reply);
    for (int i = 0; i < x->n_choices && i < n_opts; i++)
        if (strcmp(want, norm_into(&x->sc, x->choices[i] ? x->choices[i] : "", NORM_TEXT, &x->sc.ans)) == 0) return i;
    return -1;
}

static int score_choice(struct ctx *x, json_t *exp) {
    struct answers a = {0};
    if (read_texts(x, exp, NULL, &a) != VLM_OK) return VLM_ERR_INPUT;
    int n_opts = x->n_choices > 0 ? (x->n_choices < 26 ? x->n_choices : 26) : 26;
    unsigned want = 0;
    for (int i = 0; i < a.n; i++) {
        int l = expected_option(x, a.v[i].text, n_opts);
        if (l < 0 && x->n_choices)
            fail(x,
                 "expected answer '%s' is neither an option letter (A-%c) nor the text of one of the %d "
                 "choices",
                 a.v[i].text, 'A' + n_opts - 1, x->n_choices);
        else if (l < 0)
            fail(x, "expected answer '%s' is not an option letter and the case has no choices", a.v[i].text);
        if (l < 0) {
            answers_free(&a);
            return VLM_ERR_INPUT;
        }
        want |= 1u << l;
    }
    answers_free(&a);
    x->want_options = want;
    int picked = parse_choice(x, n_opts);
    x->out->unparsed = picked < 0;
    if (picked < 0) set_detail(x->out, "unparsed");
    else set_detail(x->out, "picked %c", 'A' + picked);
    return set_verdict(x, picked >= 0 && (want >> picked & 1));
}

/* ================================================================ number */

struct num {
    double v;
    bool percent;
};

/* The decimal number at the start of w ("-12", "3.5", ".5", "1e5", "2.5e-3",
 * "12th": the rest is ignored): its value and the bytes it takes; 0 if none. */
static size_t parse_decimal(const char *w, double *v) {
    static const char DIGITS[] = "0123456789";
    const char *q = w + (*w == '-');
    size_t digits = strspn(q, DIGITS);
    q += digits;
    if (*q == '.' && is_digit((unsigned char)q[1])) {
        size_t frac = strspn(q + 1, DIGITS);
        digits += frac;
        q += 1 + frac;
    }
    if (!digits) return 0;
    if (*q == 'e' || *q == 'E') {
        const char *e = q + 1 + (q[1] == '-' || q[1] == '+');
        size_t exp_digits = strspn(e, DIGITS);
        if (exp_digits) q = e + exp_digits;
    }
    char *text = xmalloc((size_t)(q - w) + 1); /* strtod alone would also read hex and "inf" */
    memcpy(text, w, (size_t)(q - w));
    text[q - w] = '\0';
    *v = strtod(text, NULL);
    free(text);
    return isfinite(*v) ? (size_t)(q - w) : 0; /* 1e999 */
}

/* The first number of s, in digits, English words or Chinese numerals, with
 * whether "%", "percent", "per cent" or 百分之 marks it; false if none. */
static bool first_number(struct scratch *sc, const char *s, struct num *out) {
    tokenize(sc, s, TOK_PERCENT, &sc->raw);
    normalize(&sc->raw, NORM_NUMBERS, &sc->norm);
    const struct toks *t = &sc->norm;
    for (int i = 0; i < t->n; i++) {
        if (t->t[i].cjk || !parse_decimal(tok_str(t, i), &out->v)) continue;
        const char *next = i + 1 < t->n ? tok_str(t, i + 1) : "";
        out->percent = strcmp(next, "%") == 0 || strcmp(next, "percent") == 0 ||
                       (strcmp(next, "per") == 0 && i + 2 < t->n && strcmp(tok_str(t, i + 2), "cent") == 0);
        return true;
    }
    return false;
}

#define NUMBER_TOLERANCE 0.05

/* got within relative tolerance tol of want; exact when want is 0. The bound
 * is widened by 1e-9 relative so that edges written in decimal hold. */
static bool within(double got, double want, double tol) {
    if (want == 0) return got == 0;
    return fabs(got - want) <= tol * fabs(want) * (1 + 1e-9) + 1e-12 * fabs(want);
}

/* One expected number: a number, a numeric string, or {"value", "tolerance"}. */
static int read_number(struct ctx *x, json_t *v, double *want, double *tol) {
    struct num n;
    *tol = NUMBER_TOLERANCE;
    if (json_is_object(v)) {
        json_t *t = json_object_get(v, "tolerance");
        if (t && (!json_is_number(t) || json_number_value(t) < 0)) return fail(x, "'tolerance' must be a number >= 0");
        if (t) *tol = json_number_value(t);
        v = json_object_get(v, "value");
        if (!v) return fail(x, "an expected number object needs 'value'");
    }
    if (json_is_number(v)) {
        *want = json_number_value(v);
        return VLM_OK;
    }
    if (json_is_string(v) && first_number(&x->sc, json_string_value(v), &n)) {
        *want = n.v;
        return VLM_OK;
    }
    if (json_is_string(v)) return fail(x, "expected answer '%s' is not a number", json_string_value(v));
    return fail(x, "the expected answer must be a number, a numeric string, "
                   "{\"value\": N, \"tolerance\": T} or an array of them");
}

/* Whether the reply's number matches one expected number (a % reading also
 * matches as its hundredth). */
static int number_matches(struct ctx *x, json_t *v, const struct num *got, bool *ok) {
    double want = 0, tol = NUMBER_TOLERANCE;
    if (read_number(x, v, &want, &tol) != VLM_OK) return VLM_ERR_INPUT;
    *ok = *ok || within(got->v, want, tol) || (got->percent && within(got->v / 100, want, tol));
    return VLM_OK;
}

static int score_number(struct ctx *x, json_t *exp) {
    if (no_expected(exp)) return fail(x, "no expected answer");
    if (json_is_array(exp) && json_array_size(exp) == 0) return fail(x, "the expected answer is an empty array");
    struct num got = {0};
    bool parsed = first_number(&x->sc, x->output, &got), ok = false;
    size_t i;
    json_t *item;
    if (json_is_array(exp)) {
        json_array_foreach(exp, i, item) {
            if (number_matches(x, item, &got, &ok) != VLM_OK) return VLM_ERR_INPUT;
        }
    } else if (number_matches(x, exp, &got, &ok) != VLM_OK) {
        return VLM_ERR_INPUT;
    }
    x->out->unparsed = !parsed;
    if (parsed) set_detail(x->out, "read %.15g%s", got.v, got.percent ? "%" : "");
    else set_detail(x->out, "unparsed");
    return set_verdict(x, parsed && ok);
}

/* ================================================================ relaxed */

/* An expected text that is one number and nothing else ("12", "1,234", "1e5",
 * "twelve", "5%", "5 percent"): its value, and whether a percent marks it. */
static bool whole_number(struct scratch *sc, const char *s, struct num *out) {
    tokenize(sc, s, TOK_PERCENT, &sc->raw);
    normalize(&sc->raw, NORM_NUMBERS, &sc->norm);
    const struct toks *t = &sc->norm;
    if (t->n == 0 || t->n > 3 || t->t[0].cjk || parse_decimal(tok_str(t, 0), &out->v) != t->t[0].len) return false;
    const char *next = t->n > 1 ? tok_str(t, 1) : "";
    out->percent = t->n > 1;
    if (t->n == 2) return strcmp(next, "%") == 0 || strcmp(next, "percent") == 0;
    return t->n == 1 || (strcmp(next, "per") == 0 && strcmp(tok_str(t, 2), "cent") == 0);
}

/* Whether the reply's number is within 5% of an expected one; a percentage on
 * either side also matches as its hundredth (5% and 0.05). */
static bool relaxed_match(const struct num *got, const struct num *want) {
    double g[2] = {got->v, got->v / 100}, w[2] = {want->v, want->v / 100};
    for (int i = 0; i < 1 + got->percent; i++)
        for (int j = 0; j < 1 + want->percent; j++)
            if (within(g[i], w[j], NUMBER_TOLERANCE)) return true;
    return false;
}

/* ChartQA: a numeric expected answer is compared with the reply's first number
 * within 5% (exactly when it is 0); any other, as exact's normalised text. */
static int score_relaxed(struct ctx *x, json_t *exp) {
    struct answers a = {0};
    if (read_texts(x, exp, NULL, &a) != VLM_OK) return VLM_ERR_INPUT;
    struct num got = {0}, want;
    bool parsed = first_number(&x->sc, x->output, &got), ok = false;
    const char *reply = norm_into(&x->sc, x->output, NORM_TEXT, &x->sc.reply);
    for (int i = 0; i < a.n && !ok; i++) {
        if (whole_number(&x->sc, a.v[i].text, &want)) ok = parsed && relaxed_match(&got, &want);
        else ok = strcmp(reply, norm_into(&x->sc, a.v[i].text, NORM_TEXT, &x->sc.ans)) == 0;
    }
    if (parsed) set_detail(x->out, "read %.15g%s", got.v, got.percent ? "%" : "");
    else set_detail(x->out, "read \"%s\"", reply);
    answers_free(&a);
    return set_verdict(x, ok);
}

/* ================================================================ anls */

/* s folded for ANLS: full-width folded, lower case, spacing collapsed to one
 * space, trimmed; punctuation kept. */
static void anls_form(const char *s, struct cps *out) {
    decode_folded(s, out);
    int k = 0;
    for (int i = 0; i < out->n; i++) {
        enum cclass cl = cclass(out->p[i]);
        if (cl == C_IGNORE) continue;
        if (cl == C_SPACE) {
            if (k > 0 && out->p[k - 1] != ' ') out->p[k++] = ' ';
        } else {
            out->p[k++] = fold_case(out->p[i]);
        }
    }
    if (k > 0 && out->p[k - 1] == ' ') k--;
    out->n = k;
}

/* Levenshtein distance of code point strings a and b. */
static int levenshtein(struct scratch *sc, const uint32_t *a, int la, const uint32_t *b, int lb) {
    util_grow((void **)&sc->row, &sc->cap_row, lb + 1, sizeof *sc->row);
    int *row = sc->row;
    for (int j = 0; j <= lb; j++) row[j] = j;
    for (int i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = i;
        for (int j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

#define ANLS_THRESHOLD 0.5

/* 1 - normalised Levenshtein distance, kept when it is >= 0.5, else 0. */
static double anls_pair(struct scratch *sc, const struct cps *a, const uint32_t *b, int lb) {
    int la = a->n, longer = la > lb ? la : lb, shorter = la > lb ? lb : la;
    if (longer == 0) return 1.0;
    if (shorter * 2 < longer) return 0.0; /* distance >= longer - shorter > longer / 2 */
    double similarity = 1.0 - (double)levenshtein(sc, a->p, la, b, lb) / longer;
    return similarity >= ANLS_THRESHOLD ? similarity : 0.0;
}

static int score_anls(struct ctx *x, json_t *exp) {
    struct answers a = {0};
    if (read_texts(x, exp, NULL, &a) != VLM_OK) return VLM_ERR_INPUT;
    struct cps reply = {0};
    anls_form(x->output, &reply);
    double best = 0;
    int best_i = 0;
    for (int i = 0; i < a.n; i++) {
        anls_form(a.v[i].text, &x->sc.cps);
        double s = anls_pair(&x->sc, &x->sc.cps, reply.p, reply.n);
        if (s > best) {
            best = s;
            best_i = i;
        }
    }
    x->out->score = best;
    x->out->correct = best >= ANLS_THRESHOLD;
    set_detail(x->out, "anls %.3f vs \"%s\"", best, a.v[best_i].text);
    free(reply.p);
    answers_free(&a);
    return VLM_OK;
}

/* ================================================================ vqa */

static int score_vqa(struct ctx *x, json_t *exp) {
    struct answers a = {0};
    if (read_texts(x, exp, NULL, &a) != VLM_OK) return VLM_ERR_INPUT;
    const char *reply = norm_into(&x->sc, x->output, NORM_TEXT | NORM_VQA, &x->sc.reply);
    bool *hit = xcalloc((size_t)a.n, sizeof *hit);
    int matches = 0;
    for (int i = 0; i < a.n; i++)
        matches += hit[i] = strcmp(reply, norm_into(&x->sc, a.v[i].text, NORM_TEXT | NORM_VQA, &x->sc.ans)) == 0;
    /* One reference: it is the answer. More: leave each out in turn; the others
     * give min(1, matches / 3); the mean of those. */
    double score = matches, sum = 0;
    if (a.n > 1) {
        for (int i = 0; i < a.n; i++) sum += fmin(1.0, (matches - hit[i]) / 3.0);
        score = sum / a.n;
    }
    free(hit);
    x->out->score = score;
    x->out->correct = score >= 0.5;
    set_detail(x->out, "%d of %d references match", matches, a.n);
    answers_free(&a);
    return VLM_OK;
}

/* ================================================================ yesno */

static const char *const YES_EN[] = {"yes", "yeah", "yep", "yup", "true", "correct", "affirmative", NULL};
static const char *const NO_EN[] = {"no", "nope", "nah", "false", "incorrect", "wrong", "negative", NULL};
static const char *const NO_ZH[] = {"不是", "不对", "不正确", "没有", "沒有", "不", "否",
                                    "没",   "沒",   "无",     "無",   "错",   "錯", NULL};
static const char *const YES_ZH[] = {"是", "对", "對", "有", "正确", "正確", "确实", "確實", NULL};
static const char *const NOT_YES_ZH[] = {"是否", "是不是", "对于", "對於", "有没有", "有沒有", NULL};
static const char *const NO_PHRASES[] = {"there is no", "there are no", "there is not", "there are not",
                                         "there isnt",  "there arent",  "theres no",    NULL};
static const char *const NO_ZH_ANYWHERE[] = {"没有", "沒有", "不是", NULL};

static bool in_list(const char *w, const char *const *list) {
    for (; *list; list++)
        if (strcmp(w, *list) == 0) return true;
    return false;
}

static bool starts_with_any(const char *s, const char *const *list) {
    for (; *list; list++)
        if (strncmp(s, *list, strlen(*list)) == 0) return true;
    return false;
}

static bool has_any_phrase(const char *s, const char *const *list) {
    for (; *list; list++)
        if (has_phrase(s, *list)) return true;
    return false;
}

/* 1 yes, 0 no, -1 neither (docs/scoring.md, "yesno"). */
static int parse_yesno(struct scratch *sc, const char *s) {
    tokenize(sc, s, 0, &sc->raw);
    join(&sc->raw, &sc->reply);
    const char *t = sbuf_str(&sc->reply);
    if (sc->raw.n == 0) return -1;
    const char *first = tok_str(&sc->raw, 0);
    if (in_list(first, YES_EN)) return 1;
    if (in_list(first, NO_EN)) return 0;
    if (starts_with_any(t, NO_ZH)) return 0;
    if (starts_with_any(t, YES_ZH) && !starts_with_any(t, NOT_YES_ZH)) return 1;
    if (has_any_phrase(t, NO_PHRASES)) return 0;
    bool yes = has_phrase(t, "yes"), no = has_phrase(t, "no");
    if (yes != no) return yes;
    return has_any_phrase(t, NO_ZH_ANYWHERE) ? 0 : -1;
}

static int score_yesno(struct ctx *x, json_t *exp) {
    if (no_expected(exp)) return fail(x, "no expected answer");
    int want = json_is_boolean(exp)  ? json_is_true(exp)
               : json_is_string(exp) ? parse_yesno(&x->sc, json_string_value(exp))
                                     : -1;
    if (want < 0) return fail(x, "the expected answer must be \"yes\", \"no\", true or false");
    x->want_yes = want;
    int got = parse_yesno(&x->sc, x->output);
    x->out->unparsed = got < 0;
    set_detail(x->out, "%s", got < 0 ? "unparsed" : got ? "yes" : "no");
    return set_verdict(x, got == want);
}

/* ================================================================ hash table */

/* Open addressing over byte-string keys kept in one pool; values are ints. */
struct hslot {
    uint32_t hash, off, len;
    int value;
    bool used;
};

struct htab {
    struct hslot *slot;
    uint32_t cap, n;
    struct sbuf keys;
};

static uint32_t hash_bytes(const void *p, size_t n) {
    const unsigned char *s = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 16777619u;
    return h;
}

static struct hslot *htab_probe(const struct htab *h, const void *key, uint32_t len, uint32_t hash) {
    for (uint32_t i = hash & (h->cap - 1);; i = (i + 1) & (h->cap - 1)) {
        struct hslot *s = &h->slot[i];
        if (!s->used || (s->hash == hash && s->len == len && memcmp(h->keys.p + s->off, key, len) == 0)) return s;
    }
}

/* The value of key, or NULL when absent. */
static const int *htab_find(const struct htab *h, const void *key, uint32_t len) {
    if (!h->cap) return NULL;
    const struct hslot *s = htab_probe(h, key, len, hash_bytes(key, len));
    return s->used ? &s->value : NULL;
}

static void htab_grow(struct htab *h) {
    struct hslot *old = h->slot;
    uint32_t old_cap = h->cap;
    h->cap = old_cap ? old_cap * 2 : 64;
    h->slot = xcalloc(h->cap, sizeof *h->slot);
    for (uint32_t i = 0; i < old_cap; i++) {
        if (!old[i].used) continue;
        uint32_t j = old[i].hash & (h->cap - 1);
        while (h->slot[j].used) j = (j + 1) & (h->cap - 1);
        h->slot[j] = old[i];
    }
    free(old);
}

/* The value of key, added as 0 when absent. */
static int *htab_get(struct htab *h, const void *key, uint32_t len) {
    if ((h->n + 1) * 2 > h->cap) htab_grow(h);
    uint32_t hash = hash_bytes(key, len);
    struct hslot *s = htab_probe(h, key, len, hash);
    if (!s->used) {
        *s = (struct hslot){hash, (uint32_t)h->keys.n, len, 0, true};
        sbuf_put(&h->keys, key, len);
        h->n++;
    }
    return &s->value;
}

static void htab_free(struct htab *h) {
    free(h->slot);
    free(h->keys.p);
}

/* ================================================================ n-gram bags */

#define MAX_N 4

/* An n-gram of token ids (ids start at 1; unused places are 0). No padding, so
 * it is compared and hashed as bytes. */
struct ngram {
    uint32_t id[MAX_N];
    uint32_t n;
};

struct gram_count {
    struct ngram g;
    int count;
};

/* The 1- to 4-grams of a token sequence with their counts, sorted. */
struct bag {
    struct gram_count *e;
    int n, len; /* distinct n-grams; tokens */
};

static int gram_cmp(const void *a, const void *b) { return memcmp(a, b, sizeof(struct ngram)); }

/* The ids of s's tokens (docs/scoring.md, "Tokens"), interned in vocab, into sc->ids. */
static void text_ids(struct scratch *sc, struct htab *vocab, const char *s) {
    tokenize(sc, s ? s : "", 0, &sc->raw);
    util_grow((void **)&sc->ids, &sc->cap_ids, sc->raw.n + 1, sizeof *sc->ids);
    for (int i = 0; i < sc->raw.n; i++) {
        int *id = htab_get(vocab, tok_str(&sc->raw, i), sc->raw.t[i].len);
        if (!*id) *id = (int)vocab->n;
        sc->ids[i] = (uint32_t)*id;
    }
    sc->n_ids = sc->raw.n;
}

static void bag_build(struct bag *b, const uint32_t *ids, int len) {
    int total = 0;
    for (int k = 1; k <= MAX_N; k++) total += len >= k ? len - k + 1 : 0;
    b->e = xmalloc((size_t)(total ? total : 1) * sizeof *b->e);
    b->len = len;
    b->n = 0;
    for (int k = 1; k <= MAX_N; k++)
        for (int i = 0; i + k <= len; i++) {
            struct gram_count *e = &b->e[b->n++];
            memset(e, 0, sizeof *e);
            memcpy(e->g.id, ids + i, (size_t)k * sizeof *ids);
            e->g.n = (uint32_t)k;
            e->count = 1;
        }
    qsort(b->e, (size_t)b->n, sizeof *b->e, gram_cmp);
    int m = 0;
    for (int i = 0; i < b->n; i++) {
        if (m > 0 && gram_cmp(&b->e[m - 1].g, &b->e[i].g) == 0) b->e[m - 1].count++;
        else b->e[m++] = b->e[i];
    }
    b->n = m;
}

static void bag_of_text(struct bag *b, struct scratch *sc, struct htab *vocab, const char *s) {
    text_ids(sc, vocab, s);
    bag_build(b, sc->ids, sc->n_ids);
}

static int bag_count(const struct bag *b, const struct ngram *g) {
    const struct gram_count *e = bsearch(g, b->e, (size_t)b->n, sizeof *b->e, gram_cmp);
    return e ? e->count : 0;
}

/* ================================================================ BLEU */

/* What BLEU sums: clipped matches and candidate n-grams per order, lengths. */
struct bleu_stats {
    double correct[MAX_N], guess[MAX_N];
    double cand_len, ref_len;
};

/* Add one candidate: n-gram counts clipped by their most in any reference, and
 * the reference length closest to the candidate's (the shorter on a tie). */
static void bleu_add(struct bleu_stats *st, const struct bag *cand, const struct bag *refs, int n_refs) {
    for (int i = 0; i < cand->n; i++) {
        int most = 0;
        for (int r = 0; r < n_refs; r++) {
            int c = bag_count(&refs[r], &cand->e[i].g);
            if (c > most) most = c;
        }
        st->correct[cand->e[i].g.n - 1] += cand->e[i].count < most ? cand->e[i].count : most;
    }
    for (int k = 0; k < MAX_N; k++) st->guess[k] += cand->len > k ? cand->len - k : 0;
    int best = refs[0].len;
    for (int r = 1; r < n_refs; r++) {
        int d = abs(refs[r].len - cand->len), bd = abs(best - cand->len);
        if (d < bd || (d == bd && refs[r].len < best)) best = refs[r].len;
    }
    st->cand_len += cand->len;
    st->ref_len += best;
}

/* BLEU-4 of the sums; `smooth` adds 1 to matches and totals of orders 2-4
 * (Lin & Och 2004). */
static double bleu_value(const struct bleu_stats *st, bool smooth) {
    if (st->cand_len == 0 || st->correct[0] == 0) return 0.0;
    double log_sum = 0;
    for (int k = 0; k < MAX_N; k++) {
        double add = smooth && k > 0 ? 1 : 0;
        if (st->correct[k] + add == 0) return 0.0;
        log_sum += log((st->correct[k] + add) / (st->guess[k] + add));
    }
    double bp = st->cand_len < st->ref_len ? exp(1 - st->ref_len / st->cand_len) : 1.0;
    return bp * exp(log_sum / MAX_N);
}

static int score_bleu(struct ctx *x, json_t *exp) {
    struct answers a = {0};
    if (read_texts(x, exp, NULL, &a) != VLM_OK) return VLM_ERR_INPUT;
    struct htab vocab = {0};
    struct bag cand, *refs = xcalloc((size_t)a.n, sizeof *refs);
    bag_of_text(&cand, &x->sc, &vocab, x->output);
    for (int i = 0; i < a.n; i++) bag_of_text(&refs[i], &x->sc, &vocab, a.v[i].text);
    struct bleu_stats st = {0};
    bleu_add(&st, &cand, refs, a.n);
    x->out->score = bleu_value(&st, true);
    x->out->correct = x->out->score >= 0.5;
    set_detail(x->out, "bleu %.4f", x->out->score);
    for (int i = 0; i < a.n; i++) free(refs[i].e);
    free(refs);
    free(cand.e);
    htab_free(&vocab);
    answers_free(&a);
    return VLM_OK;
}

/* ================================================================ caption sets */

struct caption_item {
    struct bag cand;
    struct bag *refs;
    int n_refs;
};

struct vlm_caption_set {
    struct caption_item *items;
    int n, cap;
    struct htab vocab;
    struct htab df; /* n-gram -> items whose references hold it */
    struct scratch sc;
};

static void scratch_free(struct scratch *sc) {
    free(sc->cps.p);
    toks_free(&sc->raw);
    toks_free(&sc->norm);
    free(sc->reply.p);
    free(sc->ans.p);
    free(sc->ids);
    free(sc->row);
}

vlm_caption_set *vlm_caption_set_new(void) { return xcalloc(1, sizeof(vlm_caption_set)); }

/* Count each distinct n-gram of the item's references once in the set's df. */
static void add_document_frequency(vlm_caption_set *set, const struct caption_item *it) {
    int total = 0;
    for (int r = 0; r < it->n_refs; r++) total += it->refs[r].n;
    struct ngram *all = xmalloc((size_t)(total ? total : 1) * sizeof *all);
    int k = 0;
    for (int r = 0; r < it->n_refs; r++)
        for (int i = 0; i < it->refs[r].n; i++) all[k++] = it->refs[r].e[i].g;
    qsort(all, (size_t)k, sizeof *all, gram_cmp);
    for (int i = 0; i < k; i++)
        if (i == 0 || gram_cmp(&all[i - 1], &all[i]) != 0) ++*htab_get(&set->df, &all[i], sizeof *all);
    free(all);
}

void vlm_caption_set_add(vlm_caption_set *set, const char *candidate, const char *const *refs, int n_refs) {
    if (!set) return;
    if (!refs || n_refs < 0) n_refs = 0;
    util_grow((void **)&set->items, &set->cap, set->n + 1, sizeof *set->items);
    struct caption_item *it = &set->items[set->n++];
    it->n_refs = n_refs;
    it->refs = xcalloc((size_t)(n_refs ? n_refs : 1), sizeof *it->refs);
    bag_of_text(&it->cand, &set->sc, &set->vocab, candidate);
    for (int r = 0; r < n_refs; r++) bag_of_text(&it->refs[r], &set->sc, &set->vocab, refs[r]);
    add_document_frequency(set, it);
}

int vlm_caption_set_size(const vlm_caption_set *set) { return set ? set->n : 0; }

double vlm_caption_bleu4(const vlm_caption_set *set) {
    if (!set) return 0.0;
    struct bleu_stats st = {0};
    for (int i = 0; i < set->n; i++) {
        const struct caption_item *it = &set->items[i];
        if (it->n_refs > 0) bleu_add(&st, &it->cand, it->refs, it->n_refs);
    }
    return bleu_value(&st, false);
}

#define CIDER_SIGMA 6.0

/* A bag's TF-IDF vector (one weight per entry), its norm per order and its
 * length as the toolkit counts it: the number of bigrams. */
struct tfidf {
    double *w;
    double norm[MAX_N];
    int length;
};

static void tfidf_of(const vlm_caption_set *set, const struct bag *b, double log_n, struct tfidf *v) {
    v->w = xmalloc((size_t)(b->n ? b->n : 1) * sizeof *v->w);
    memset(v->norm, 0, sizeof v->norm);
    v->length = 0;
    for (int i = 0; i < b->n; i++) {
        const int *df = htab_find(&set->df, &b->e[i].g, sizeof(struct ngram));
        double idf = log_n - log(df && *df > 1 ? *df : 1.0);
        int k = (int)b->e[i].g.n - 1;
        v->w[i] = b->e[i].count * idf;
        v->norm[k] += v->w[i] * v->w[i];
        if (k == 1) v->length += b->e[i].count;
    }
    for (int k = 0; k < MAX_N; k++) v->norm[k] = sqrt(v->norm[k]);
}

/* The toolkit's sim(): per order, the clipped cosine of hyp and ref, times a
 * Gaussian penalty on their length difference; summed over the orders. */
static double cider_sim(const struct bag *hb, const struct tfidf *h, const struct bag *rb, const struct tfidf *r) {
    double val[MAX_N] = {0};
    for (int i = 0, j = 0; i < hb->n && j < rb->n;) {
        int c = gram_cmp(&hb->e[i].g, &rb->e[j].g);
        if (c < 0) {
            i++;
            continue;
        }
        if (c > 0) {
            j++;
            continue;
        }
        double wh = h->w[i], wr = r->w[j];
        val[hb->e[i].g.n - 1] += (wh < wr ? wh : wr) * wr;
        i++, j++;
    }
    double delta = h->length - r->length, sum = 0;
    for (int k = 0; k < MAX_N; k++) {
        if (h->norm[k] != 0 && r->norm[k] != 0) val[k] /= h->norm[k] * r->norm[k];
        sum += val[k] * exp(-(delta * delta) / (2 * CIDER_SIGMA * CIDER_SIGMA));
    }
    return sum;
}

double vlm_caption_cider_d(const vlm_caption_set *set, int i) {
    if (!set || i < 0 || i >= set->n || set->items[i].n_refs == 0) return 0.0;
    const struct caption_item *it = &set->items[i];
    double log_n = log((double)set->n), sum = 0;
    struct tfidf h, r;
    tfidf_of(set, &it->cand, log_n, &h);
    for (int j = 0; j < it->n_refs; j++) {
        tfidf_of(set, &it->refs[j], log_n, &r);
        sum += cider_sim(&it->cand, &h, &it->refs[j], &r);
        free(r.w);
    }
    free(h.w);
    return sum / MAX_N / it->n_refs * 10.0;
}

void vlm_caption_set_free(vlm_caption_set *set) {
    if (!set) return;
    for (int i = 0; i < set->n; i++) {
        free(set->items[i].cand.e);
        for (int r = 0; r < set->items[i].n_refs; r++) free(set->items[i].refs[r].e);
        free(set->items[i].refs);
    }
    free(set->items);
    htab_free(&set->vocab);
    htab_free(&set->df);
    scratch_free(&set->sc);
    free(set);
}

/* ================================================================ reasoning */

/* Reasoning delimiters a reply may still hold (docs/scoring.md, "Reasoning"). */
static const char *const THINK_TAGS[][2] = {
    {"<think>", "</think>"}, {"<thinking>", "</thinking>"},
    {"[THINK]", "[/THINK]"}, /* Magistral */
    {"◁think▷", "◁/think▷"}, /* Kimi-VL */ {"<seed:think>", "</seed:think>"},
};
#define HARMONY_FINAL "<|channel|>final<|message|>" /* gpt-oss: the answer follows */

enum { REASONING_NONE, REASONING_REMOVED, REASONING_UNCLOSED };

/* The last occurrence of needle in s, or NULL. */
static const char *last_strstr(const char *s, const char *needle) {
    const char *last = NULL;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p++) last = p;
    return last;
}

/* Remove the blocks of one tag pair from *text (its other buffer: tmp): each
 * open ... close block; everything before a close that no open precedes; from
 * an open that never closes, everything. Sets *unclosed for the last. */
static void strip_tag_pair(struct sbuf *text, struct sbuf *tmp, const char *open, const char *close, bool *unclosed) {
    sbuf_clear(tmp);
    sbuf_put(tmp, "", 0);
    const char *p = sbuf_str(text);
    for (;;) {
        const char *o = strstr(p, open), *c = strstr(p, close);
        if (c && (!o || c < o)) { /* the block opened in the prompt: all before it was reasoning */
            sbuf_clear(tmp);
            p = c + strlen(close);
            continue;
        }
        if (!o) {
            sbuf_put(tmp, p, strlen(p));
            break;
        }
        sbuf_put(tmp, p, (size_t)(o - p));
        c = strstr(o + strlen(open), close);
        if (!c) {
            *unclosed = true;
            break;
        }
        p = c + strlen(close);
    }
    struct sbuf swap = *text;
    *text = *tmp;
    *tmp = swap;
}

/* The reply without its reasoning, into dst: for gpt-oss's harmony format, the
 * final channel's message; then the blocks of every pair of THINK_TAGS; the
 * rest trimmed of spacing. REASONING_NONE when there was nothing to remove (dst
 * then holds the reply), REASONING_UNCLOSED when a block never closed and left
 * nothing, else REASONING_REMOVED. */
static int strip_reasoning(const char *reply, struct sbuf *dst) {
    bool removed = false, unclosed = false;
    const char *start = reply, *end = reply + strlen(reply), *fin = last_strstr(reply, HARMONY_FINAL);
    if (fin) {
        start = fin + strlen(HARMONY_FINAL);
        const char *e1 = strstr(start, "<|end|>"), *e2 = strstr(start, "<|return|>");
        end = e1 && (!e2 || e1 < e2) ? e1 : e2 ? e2 : end;
        removed = true;
    }
    sbuf_clear(dst);
    sbuf_put(dst, start, (size_t)(end - start));
    struct sbuf tmp = {0};
    for (size_t i = 0; i < sizeof THINK_TAGS / sizeof THINK_TAGS[0]; i++) {
        if (!strstr(sbuf_str(dst), THINK_TAGS[i][0]) && !strstr(sbuf_str(dst), THINK_TAGS[i][1])) continue;
        strip_tag_pair(dst, &tmp, THINK_TAGS[i][0], THINK_TAGS[i][1], &unclosed);
        removed = true;
    }
    free(tmp.p);
    if (!removed) return REASONING_NONE;
    size_t a = 0, b = dst->n;
    int len;
    while (a < b && score_ref_space(util_utf8_decode((const unsigned char *)dst->p + a, b - a, &len))) a += (size_t)len;
    while (b > a && score_ref_space(cp_before(dst->p, b))) {
        b--;
        while (b > a && ((unsigned char)dst->p[b] & 0xC0) == 0x80) b--;
    }
    memmove(dst->p, dst->p + a, b - a);
    dst->n = b - a;
    dst->p[dst->n] = '\0';
    return unclosed && dst->n == 0 ? REASONING_UNCLOSED : REASONING_REMOVED;
}

/* ================================================================ dispatch */

static int score_cider(struct ctx *x, json_t *exp) {
    (void)exp;
    util_errf(x->err, x->err_len, "cider needs a caption set (vlm_caption_set)");
    return VLM_ERR_INPUT;
}

static int score_judge(struct ctx *x, json_t *exp) {
    (void)exp;
    util_errf(x->err, x->err_len, "judge needs a judge model");
    return VLM_ERR_INPUT;
}

/* iou: the boxes scorer of score_iou.c. */
static int score_iou(struct ctx *x, json_t *exp) {
    if (no_expected(exp)) return fail(x, "no expected answer");
    return score_iou_reply(x->output, exp, x->out, x->err, x->err_len);
}

#define SCORERS(X) \
    X(exact)       \
    X(contains)    \
    X(any)         \
    X(all) X(choice) X(number) X(anls) X(vqa) X(yesno) X(relaxed) X(substring) X(open) X(bleu) X(cider) X(judge) X(iou)
#define SCORER_NAME(n) #n,
#define SCORER_FN(n)   score_##n,

static const char *const SCORER_NAMES[] = {SCORERS(SCORER_NAME) NULL};
static int (*const SCORER_FNS[])(struct ctx *, json_t *) = {SCORERS(SCORER_FN)};

const char *const *vlm_scorer_names(void) { return SCORER_NAMES; }

bool vlm_scorer_has_ref(const char *scorer) { return score_ref_exists(scorer && *scorer ? scorer : "exact"); }

static int unknown_scorer(const char *name, char *err, size_t err_len) {
    char known[256] = "";
    for (int i = 0; SCORER_NAMES[i]; i++) {
        size_t used = strlen(known);
        snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", SCORER_NAMES[i]);
    }
    util_errf(err, err_len, "unknown scorer '%s' (known: %s)", name, known);
    return VLM_ERR_INPUT;
}

/* A reply whose reasoning never closed: wrong and unparsed in both readings. */
static void set_unclosed(struct ctx *x, const struct score_ref_in *in) {
    struct vlm_score *o = x->out;
    memset(o, 0, sizeof *o);
    o->unparsed = true;
    set_detail(o, "unparsed: the reasoning block never closed");
    score_ref_unparsed(in, o);
}

int vlm_score_text(const char *scorer, const char *output, const char *expected_json, const char *const *choices,
                   int n_choices, struct vlm_score *out, char *err, size_t err_len) {
    struct vlm_score ignored;
    struct ctx x = {
        .name = scorer && *scorer ? scorer : "exact",
        .choices = choices,
        .n_choices = choices && n_choices > 0 ? n_choices : 0,
        .out = out ? out : &ignored,
        .err = err,
        .err_len = err_len,
    };
    memset(x.out, 0, sizeof *x.out);
    int which = 0;
    while (SCORER_NAMES[which] && strcmp(SCORER_NAMES[which], x.name) != 0) which++;
    if (!SCORER_NAMES[which]) return unknown_scorer(x.name, err, err_len);
    json_t *exp = NULL;
    if (expected_json) {
        json_error_t jerr;
        exp = json_loads(expected_json, JSON_DECODE_ANY, &jerr);
        if (!exp) return fail(&x, "the expected answer is not valid JSON: %s", jerr.text);
    }
    struct sbuf answer = {0};
    int reasoning = strip_reasoning(output ? output : "", &answer);
    x.output = reasoning == REASONING_NONE ? (output ? output : "") : sbuf_str(&answer);
    int rc = SCORER_FNS[which](&x, exp); /* also checks the expected answer when nothing is left */
    struct score_ref_in in = {x.name, x.output, exp, x.choices, x.n_choices, x.want_options, x.want_yes};
    if (rc != VLM_OK) memset(x.out, 0, sizeof *x.out); /* no verdict in either reading */
    else if (reasoning == REASONING_UNCLOSED) set_unclosed(&x, &in);
    else score_ref_text(&in, x.out);
    json_decref(exp);
    free(answer.p);
    scratch_free(&x.sc);
    return rc;
}
