/*
 * test_report_table.c - the report's tables (report_table.c, report_tables.c)
 * rendered from a small hand-written report document through every renderer:
 * terminal table, Markdown, CSV and HTML. The cells are worked out by hand from
 * the document; a missing value must show as the dash in every format, never
 * as 0, and one value must read the same in all four.
 */
#include "testutil.h"

#include <math.h>

#include "report.h"
#include "report_table.h"

#define DASH "\xE2\x80\x93"

/* Two models (the second's name has a dot, as real names do), three
 * categories of which "ocr" has no entry, m2.v without a load time. */
static const char DOC[] =
    "{\"generated_at\": \"2026-01-02T03:04:05Z\", \"db\": \"t.db\","
    " \"models\": ["
    "  {\"name\": \"m1\", \"load_ms\": 12.34, \"rss_peak_bytes\": 3145728, \"n_cases\": 4, \"n_errors\": 1,"
    "   \"speed\": {\"e2e_ms\": {\"p50\": 250.06}},"
    "   \"quality\": {\"n\": 4, \"accuracy\": 0.75, \"ci_low\": 0.3, \"ci_high\": 0.954}},"
    "  {\"name\": \"m2.v\", \"load_ms\": null, \"rss_peak_bytes\": 1048576, \"n_cases\": 4, \"n_errors\": 0,"
    "   \"quality\": {\"n\": 4, \"accuracy\": 0.25, \"ci_low\": 0.046, \"ci_high\": 0.7}}],"
    " \"categories\": [\"\", \"colors\", \"ocr\"],"
    " \"quality\": ["
    "  {\"model\": \"m1\", \"category\": \"colors\", \"n\": 3, \"accuracy\": 1.0, \"ci_low\": 0.439, \"ci_high\": 1.0},"
    "  {\"model\": \"m2.v\", \"category\": \"colors\", \"n\": 3, \"accuracy\": 0.333, \"ci_low\": 0.061,"
    "   \"ci_high\": 0.792, \"n_unparsed\": 1},"
    "  {\"model\": \"m1\", \"category\": \"\", \"n\": 1, \"accuracy\": 0.0, \"ci_low\": 0.0, \"ci_high\": 0.793}],"
    " \"pairs\": [{\"a\": \"m1\", \"b\": \"m2.v\", \"n_shared\": 4, \"a_only\": 2, \"b_only\": 0, \"p_value\": 0.5}],"
    " \"yesno\": [{\"model\": \"m1\", \"category\": \"colors\", \"n\": 2, \"accuracy\": 0.5, \"precision\": null,"
    "  \"recall\": 1, \"f1\": 0.6667, \"yes_ratio\": 1, \"n_unparsed\": 0,"
    "  \"reference\": {\"accuracy\": 0.25, \"f1\": 0.4, \"n_unparsed\": 1}}],"
    " \"quality_reference\": [{\"model\": \"m1\", \"category\": \"colors\", \"n\": 3, \"accuracy\": 0.667,"
    "  \"ci_low\": 0.2, \"ci_high\": 0.94}],"
    " \"aggregates\": ["
    "  {\"model\": \"m1\", \"suite\": \"mme\", \"category\": \"color\", \"metric\": \"MME score\","
    "   \"n_groups\": 2, \"value\": 125, \"unit\": \"points\", \"reference\": 200},"
    "  {\"model\": \"m1\", \"suite\": \"mmb\", \"category\": null, \"metric\": \"circular accuracy\","
    "   \"n_groups\": 3, \"value\": 0.3333333, \"unit\": \"share\", \"reference\": null}],"
    " \"bench\": [{\"model\": \"m1\", \"concurrency\": 4, \"rate\": 0, \"n_requests\": 20, \"error_rate\": 0.05,"
    "  \"req_per_s\": 3.456, \"ttft_ms\": {\"p50\": 80.04}, \"profile\": \"poisson\", \"achieved_rate\": 3.414,"
    "  \"accuracy\": {\"accuracy\": 0.75, \"p_value\": 0.0123, \"flag\": \"DROPPED\"}}],"
    " \"cases\": [{\"suite\": \"s\", \"case\": \"c1\", \"category\": \"colors\", \"turn\": 1,"
    "  \"prompt\": \"What colour?\", \"expected\": \"red\","
    "  \"answers\": {\"m2.v\": {\"output\": \"red\", \"correct\": true,"
    "   \"reference\": {\"correct\": false, \"detail\": \"unknown\"}}}}]}";

static json_t *doc(void) {
    json_error_t e;
    json_t *d = json_loads(DOC, 0, &e);
    if (!d) fprintf(stderr, "test document, line %d: %s\n", e.line, e.text);
    assert_non_null(d);
    return d;
}

/* The whole output of one renderer, NUL-terminated; caller frees. */
static char *render(int (*fn)(const json_t *, FILE *), const json_t *d) {
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    assert_int_equal(fn(d, f), VLM_OK);
    fclose(f);
    return buf;
}

/* The line of `text` that, with its runs of spaces folded to one, starts with
 * `start` (a terminal table row read as "label cell cell"); NULL when none. */
static char *line_of(const char *text, const char *start) {
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        const char *end = strchr(p, '\n') ? strchr(p, '\n') : p + strlen(p);
        char *out = calloc((size_t)(end - p) + 1, 1), *o = out;
        for (const char *q = p; q < end; q++)
            if (*q != ' ' || (o > out && o[-1] != ' ')) *o++ = *q;
        while (o > out && o[-1] == ' ') *--o = 0;
        if (strncmp(out, start, strlen(start)) == 0) return out;
        free(out);
    }
    return NULL;
}

static void assert_line(const char *text, const char *start, const char *want) {
    char *got = line_of(text, start);
    if (!got || strcmp(got, want) != 0) fprintf(stderr, "line '%s': got '%s', want '%s'\n", start, got, want);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void assert_has(const char *text, const char *want) {
    if (!strstr(text, want)) fprintf(stderr, "missing: %s\n", want);
    assert_non_null(strstr(text, want));
}

/* ------------------------------------------------------------ the formatter */

static void test_format(void **state) {
    (void)state;
    char b[64];
#define F(fmt, v, want) (rt_format(b, sizeof b, fmt, true, v), assert_string_equal(b, want))
    F(RT_INT, 7.0, "7");
    F(RT_TURN, 0.0, "1"); /* turns are shown from 1 */
    F(RT_MS, 250.06, "250.1");
    F(RT_MIB, 1572864.0, "1.5");     /* 1.5 x 2^20 bytes */
    F(RT_GIB, 3221225472.0, "3.00"); /* 3 x 2^30 bytes */
    F(RT_PCT, 0.6667, "67%");
    F(RT_PCT1, 0.05, "5.0%");
    F(RT_PTS, -0.25, "-25.0");
    F(RT_PTS, 0.04, "+4.0");
    F(RT_FIX3, 0.6667, "0.667");
    F(RT_P, 0.0004, "<0.001");
    F(RT_P, 0.5, "0.500");
    F(RT_RATE, 0.0, "max"); /* 0: unlimited */
    F(RT_RATE, 2.5, "2.5");
    F(RT_PARAMS, 16890000.0, "16.89 M");
#undef F
    rt_format(b, sizeof b, RT_INT, false, 0.0);
    assert_string_equal(b, DASH);
    rt_format(b, sizeof b, RT_MS, true, NAN);
    assert_string_equal(b, DASH);
}

/* ------------------------------------------------------------ the walk */

static void collect_id(const struct rt_section *s, void *user) {
    char *ids = user;
    strcat(ids, s->id);
    strcat(ids, " ");
}

static void test_walk_order(void **state) {
    (void)state;
    json_t *d = doc();
    char ids[256] = "";
    rt_walk(d, 0, collect_id, ids);
    /* no runs, captions, by_turn, families, cost or recommendation: left out */
    assert_string_equal(ids, "quality quality-reference pairs aggregates yesno speed bench answers ");
    json_decref(d);
}

/* A store with nothing in it: no table at all, not even empty ones. */
static void test_walk_empty(void **state) {
    (void)state;
    json_t *d = json_pack("{s:[], s:[], s:[], s:[]}", "models", "categories", "quality", "cases");
    char ids[256] = "";
    rt_walk(d, 0, collect_id, ids);
    assert_string_equal(ids, "");
    json_decref(d);
}

/* ------------------------------------------------------------ each renderer */

static void test_text(void **state) {
    (void)state;
    json_t *d = doc();
    char *t = render(report_write_table, d);
    /* quality: "" is "(none)"; ocr has no entry and no row; m2.v has none for "" */
    assert_line(t, "(none) ", "(none) 0% (0" DASH "79) n=1 " DASH);
    assert_line(t, "colors ", "colors 100% (44" DASH "100) n=3 33% (6" DASH "79) n=3, 1 unparsed");
    assert_line(t, "all ", "all 75% (30" DASH "95) n=4 25% (5" DASH "70) n=4");
    assert_null(strstr(t, "\nocr"));
    /* speed, one column per model: m2.v has no load time */
    assert_line(t, "load (ms) ", "load (ms) 12.3 " DASH);
    assert_line(t, "peak RSS (MiB) ", "peak RSS (MiB) 3.0 1.0");
    assert_line(t, "end-to-end p50 (ms) ", "end-to-end p50 (ms) 250.1 " DASH);
    assert_line(t, "errors / cases ", "errors / cases 1/4 0/4");
    assert_line(t, "GPU memory (MiB) ", "GPU memory (MiB) " DASH " " DASH);
    assert_line(t, "m1 m2.v ", "m1 m2.v 4 2 0 0.500 no significant difference");
    assert_line(t, "m1 colors ", "m1 colors 2 0.500 " DASH " 1.000 0.667 1.000 0 0.250 0.400 1");
    /* aggregates: points with one decimal, a share in percent, null category "all" */
    assert_line(t, "m1 mme ", "m1 mme color MME score 2 125.0 200.0");
    assert_line(t, "m1 mmb ", "m1 mmb all circular accuracy 3 33.3% " DASH);
    /* bench: rate 0 is "max"; a missing percentile is a dash */
    assert_line(t, "m1 4 ",
                "m1 4 max 20 5.0% 3.46 " DASH " " DASH " 80.0 " DASH " " DASH " " DASH " " DASH " " DASH " " DASH
                " " DASH " poisson 3.41 75.0% 0.012 DROPPED");
    /* answers: turn 1 shown as #2; the dotted name's answer found; m1 none */
    assert_line(t, "s/c1#2 ", "s/c1#2 colors What colour? red " DASH " \xE2\x9C\x93 red");
    free(t);
    json_decref(d);
}

static void test_md(void **state) {
    (void)state;
    json_t *d = doc();
    char *t = render(report_write_md, d);
    assert_has(t, "\n## Quality\n");
    assert_has(t, "| category | m1 | m2.v |\n| --- | ---: | ---: |\n");
    assert_has(t, "| colors | 100% (44" DASH "100) n=3 | 33% (6" DASH "79) n=3, 1 unparsed |\n");
    assert_has(t, "| load (ms) | 12.3 | " DASH " |\n");
    assert_has(t, "| GPU memory (MiB) | " DASH " | " DASH " |\n");
    assert_has(t, "| m1 | colors | 2 | 0.500 | " DASH " | 1.000 | 0.667 | 1.000 | 0 | 0.250 | 0.400 | 1 |\n");
    assert_has(t, "\n## Quality, VLMEvalKit-compatible reading\n");
    assert_has(t, "| colors | 67% (20" DASH "94) n=3 | " DASH " |\n");
    free(t);
    json_decref(d);
}

static void test_csv(void **state) {
    (void)state;
    json_t *d = doc();
    char *t = render(report_write_csv, d);
    /* every line names its table; a table's first line is its header */
    const char *head = "\"quality\",\"category\",\"m1\",\"m2.v\"\n";
    assert_true(strncmp(t, head, strlen(head)) == 0);
    assert_has(t, "\"quality\",\"colors\",\"100% (44" DASH "100) n=3\",\"33% (6" DASH "79) n=3, 1 unparsed\"\n");
    /* a number is written unquoted at full precision in the header's unit
     * (12.34 ms, not "12.3"; MiB from bytes; an error rate of 0.05 as 5 percent);
     * a missing one is the dash, a word ("max" for rate 0) stays text */
    assert_has(t, "\"speed\",\"load (ms)\",12.34,\"" DASH "\"\n");
    assert_has(t, "\"speed\",\"peak RSS (MiB)\",3,1\n");
    assert_has(t, "\"yesno\",\"m1\",\"colors\",2,0.5,\"" DASH "\",1,0.6667,1,0,0.25,0.4,1\n");
    assert_has(t, "\"aggregates\",\"m1\",\"mme\",\"color\",\"MME score\",2,125,200\n");
    assert_has(t, "\"aggregates\",\"m1\",\"mmb\",\"all\",\"circular accuracy\",3,33.33333,\"" DASH "\"\n");
    assert_has(t, "\"bench\",\"m1\",4,\"max\",20,5,3.456,");
    assert_has(t, "\"answers\",\"s/c1#2\",\"colors\",\"What colour?\",\"red\",\"" DASH "\",\"\xE2\x9C\x93 red\"\n");
    free(t);
    json_decref(d);
}

static void test_html(void **state) {
    (void)state;
    json_t *d = doc();
    char *t = render(report_write_html, d);
    assert_has(t, "<a href=\"#quality\">Quality</a>");
    assert_has(t, "<section id=speed>");
    assert_has(t, "<tr><th>load (ms)</th><td class=r>12.3</td><td class=r>" DASH "</td></tr>");
    assert_has(t, "<tr><th>GPU memory (MiB)</th><td class=r>" DASH "</td><td class=r>" DASH "</td></tr>");
    /* the best of a row is marked, the others not; a row of one value has no best */
    assert_has(t, "<tr><th>colors</th><td class=\"r best\">100% (44" DASH "100) n=3 <span class=star");
    assert_has(t, "</span></td><td class=r>33% (6" DASH "79) n=3, 1 unparsed</td></tr>");
    assert_has(t, "<tr><th>(none)</th><td class=r>0% (0" DASH "79) n=1</td><td class=r>" DASH "</td></tr>");
    assert_has(t, "<tr class=all><th>all</th><td class=\"r best\">75% (30" DASH "95) n=4");
    assert_has(t, "<td class=r>" DASH "</td><td class=r>1.000</td>"); /* yes/no precision, recall */
    /* the gallery stands for the answers table, with the table's cells */
    assert_has(t, "<table id=cases>");
    assert_has(t, "<tr><td>s/c1#2<small>colors</small></td><td>What colour?</td><td>red</td>");
    /* a reference reading that judges otherwise is shown beside the verdict */
    assert_has(t, "<small>\xE2\x9C\x93 VLMEvalKit \xE2\x9C\x97 unknown</small>");
    free(t);
    json_decref(d);
}

/* A quantization family: two tables per family, titled and named by it. */
static const char FAMILIES[] =
    "[{\"name\": \"qw\", \"members\": ["
    "  {\"model\": \"qw\", \"variant\": \"f16\", \"reference\": true, \"file_bytes\": 2097152, \"decode_tps\": 50,"
    "   \"quality\": {\"n\": 4, \"accuracy\": 0.75, \"ci_low\": 0.3, \"ci_high\": 0.954},"
    "   \"by_category\": [{\"category\": \"colors\", \"n\": 3, \"accuracy\": 1.0}],"
    "   \"vs_reference\": {\"n\": 4, \"diff\": 0, \"ci_low\": -0.1, \"ci_high\": 0.1},"
    "   \"agreement\": {\"n\": 4, \"identical\": 4, \"share\": 1}, \"kl\": {\"mean\": 0, \"max\": 0, \"top1_same\": 1}},"
    "  {\"model\": \"qw:q4\", \"variant\": \"q4\", \"reference\": false, \"file_bytes\": null,"
    "   \"quality\": {\"n\": 4, \"accuracy\": 0.5, \"ci_low\": 0.15, \"ci_high\": 0.85},"
    "   \"by_category\": [{\"category\": \"colors\", \"n\": 3, \"accuracy\": 0.667},"
    "                   {\"category\": \"\", \"n\": 1, \"accuracy\": 0}],"
    "   \"vs_reference\": {\"n\": 4, \"diff\": -0.25, \"ci_low\": -0.47, \"ci_high\": 0.04},"
    "   \"agreement\": {\"n\": 4, \"identical\": 2, \"share\": 0.5},"
    "   \"kl\": {\"mean\": 0.01234, \"max\": 0.05, \"top1_same\": 0.9876}}]}]";

static void test_family(void **state) {
    (void)state;
    json_t *d = doc();
    json_object_set_new(d, "families", json_loads(FAMILIES, 0, NULL));
    assert_non_null(json_object_get(d, "families"));
    char *t = render(report_write_table, d);
    assert_has(t, "\nQuantization family qw\n");
    /* the q4 variant has no file size: a dash, not 0.0 */
    assert_line(t, "f16 (reference) ",
                "f16 (reference) 2.0 " DASH " 50.0 " DASH " 0.750 0.300" DASH "0.954 +0.0 -10.0" DASH
                "+10.0 4/4 0.0000 0.000 100.0%");
    assert_line(t, "q4 ",
                "q4 " DASH " " DASH " " DASH " " DASH " 0.500 0.150" DASH "0.850 -25.0 -47.0" DASH "+4.0 2/4 0.0123 "
                "0.050 98.8%");
    /* by category: categories down (ocr has no entry: no row), variants across */
    assert_has(t, "\nQuantization family qw: accuracy by category\n");
    assert_line(t, "category f16 ", "category f16 q4");
    assert_line(t, "(none) " DASH, "(none) " DASH " 0.000");
    assert_line(t, "colors 1.000 ", "colors 1.000 0.667");
    assert_line(t, "all 0.750 ", "all 0.750 0.500");
    free(t);
    char *csv = render(report_write_csv, d);
    assert_has(csv, "\n\"family-qw\",\"q4\",\"" DASH "\",");
    assert_has(csv, "\n\"family-categories-qw\",\"colors\",1,0.667\n");
    free(csv);
    char *html = render(report_write_html, d);
    assert_has(html, "<section id=family-qw>\n<h2>Quantization family qw</h2>");
    assert_has(html, "<tr><th>q4</th><td class=r>" DASH "</td>");
    free(html);
    json_decref(d);
}

/* The terminal table cuts long tables: 20 rows, 40 characters a cell. */
static void test_text_cut(void **state) {
    (void)state;
    json_t *d = doc(), *cases = json_array();
    for (int i = 0; i < 23; i++)
        json_array_append_new(cases, json_pack("{s:s, s:s, s:i, s:s}", "suite", "s", "case", "c", "turn", i, "prompt",
                                               "0123456789012345678901234567890123456789XYZ"));
    json_object_set_new(d, "cases", cases);
    char *t = render(report_write_table, d);
    assert_has(t, "s/c#20 ");
    assert_null(strstr(t, "s/c#21 "));
    assert_has(t, "... 3 more rows: --format md, csv or html shows them all\n");
    assert_has(t, " 0123456789012345678901234567890123456789\xE2\x80\xA6 ");
    assert_null(strstr(t, "XYZ"));
    free(t);
    char *md = render(report_write_md, d); /* Markdown shows all */
    assert_has(md, "| s/c#23 |");
    assert_has(md, "0123456789012345678901234567890123456789XYZ");
    free(md);
    json_decref(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format), cmocka_unit_test(test_walk_order), cmocka_unit_test(test_walk_empty),
        cmocka_unit_test(test_text),   cmocka_unit_test(test_md),         cmocka_unit_test(test_csv),
        cmocka_unit_test(test_html),   cmocka_unit_test(test_family),     cmocka_unit_test(test_text_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
