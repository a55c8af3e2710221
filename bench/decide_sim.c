/*
 * decide_sim.c - the decide-early simulation (issue 15; docs/metrics.md,
 * "Deciding early"): how often a verdict settled early by the confidence
 * sequence of lib/confseq.c differs from the full run's, and how many cases
 * it saves. bench/decide.sh runs it over a grid.
 *
 * Usage:
 *   decide_sim -N n -p acc [-t theta] [-a alpha] [-R runs] [-s seed] [-F]
 *       a synthetic population of n Bernoulli(acc) credits, drawn once (seeded)
 *       or, with -F, afresh for every run
 *   decide_sim -f FILE [-t theta] [-a alpha] [-R runs] [-s seed]
 *       the population of a stored full run: lines "category<TAB>credit"
 *       (credit in [0,1]); one row per category (that category's cases alone,
 *       its sequence at alpha) and a row "all" (the categories drawn
 *       stratified and interleaved by share, each sequence at alpha / n_cat,
 *       combined by the union bound; weights n_c / n)
 *   decide_sim -H   prints the header line only
 * Defaults: theta 0.7, alpha 0.05, runs 1000, seed 1.
 *
 * Each run draws the population in a random order (splitmix64 Fisher-Yates),
 * adds each credit to the sequence and stops at the first settled verdict on
 * "mean >= theta", or when all n are in. The truth is the full population's
 * verdict (its realised mean, not acc). One tab-separated row per setting:
 *   setting n acc theta alpha runs pop_mean truth_yes agree early wrong wrong_lo
 *   wrong_hi used_mean used_median saved
 * pop_mean: the population's mean credit (with -F averaged over runs);
 * truth_yes: share of runs whose population mean is >= theta (0 or 1 unless
 * -F); agree: share of runs whose verdict equals the full population's (a
 * run that reaches n has the full verdict); early: share stopped before n;
 * wrong: share whose early verdict differs, with its 95% Wilson interval;
 * used: cases drawn (mean, median); saved: mean of 1 - used / n.
 */
#include "confseq.h"
#include "stats.h"
#include "util.h"
#include "vlmeter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The population: n credits, each with a category index. */
struct population {
    int n, n_cat;
    double *x;
    int *cat;
    char **cat_name;
};

/* The tallies of one setting. */
struct tally {
    int runs, truth_yes, agree, early, wrong;
    double mean_sum; /* sum over runs of the population's mean */
    int *used;       /* cases drawn, per run */
};

struct options {
    int n, runs, fresh, header;
    double acc, theta, alpha;
    uint64_t seed;
    const char *file;
};

/* A uniform integer in [0, k) from the stream. */
static int draw_below(uint64_t *rng, int k) { return (int)((double)(stats_splitmix64(rng) >> 11) * 0x1.0p-53 * k); }

/* Fisher-Yates: idx becomes a uniformly random order of 0..n-1. */
static void shuffle(int *idx, int n, uint64_t *rng) {
    for (int i = 0; i < n; i++) idx[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = draw_below(rng, i + 1);
        int s = idx[i];
        idx[i] = idx[j];
        idx[j] = s;
    }
}

/* n Bernoulli(acc) credits into x. */
static void bernoulli_fill(double *x, int n, double acc, uint64_t *rng) {
    for (int i = 0; i < n; i++) x[i] = (double)(stats_splitmix64(rng) >> 11) * 0x1.0p-53 < acc ? 1.0 : 0.0;
}

/* The mean of x[sel[0..n-1]] (sel NULL: of x[0..n-1]). */
static double population_mean(const double *x, const int *sel, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += x[sel ? sel[i] : i];
    return s / n;
}

/* The full run's verdict on "mean >= theta": +1 / -1. */
static int full_verdict(double mean, double theta) { return mean >= theta ? 1 : -1; }

/* One run on one population (the credits x[sel[i]], i < n, drawn in the
 * order perm): the verdict it ends with, the cases used in *used. */
static int run_plain(const double *x, const int *sel, int n, const int *perm, double theta, double alpha, int truth,
                     int *used) {
    confseq *cs = confseq_new(n, alpha);
    int v = 0, t = 0;
    while (t < n) {
        int k = perm[t++];
        confseq_add(cs, x[sel ? sel[k] : k]);
        v = confseq_verdict(cs, theta);
        if (v != 0) break;
    }
    confseq_free(cs);
    *used = t;
    return t == n ? truth : v; /* a run that drew everything is the full run */
}

/* Record one run's outcome. */
static void tally_add(struct tally *ty, double mean, int truth, int verdict, int used, int n) {
    ty->used[ty->runs++] = used;
    ty->mean_sum += mean;
    if (truth > 0) ty->truth_yes++;
    if (verdict == truth) ty->agree++;
    if (used < n) ty->early++;
    if (verdict != truth) ty->wrong++;
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The median of the runs' cases used (sorts ty->used). */
static double median_used(struct tally *ty) {
    qsort(ty->used, ty->runs, sizeof *ty->used, cmp_int);
    int r = ty->runs;
    return r % 2 ? ty->used[r / 2] : 0.5 * (ty->used[r / 2 - 1] + ty->used[r / 2]);
}

/* One output row. */
static void print_row(const char *name, int n, const char *acc, const struct options *o, struct tally *ty) {
    double lo, hi, used = 0;
    vlm_wilson95(ty->wrong, ty->runs, &lo, &hi);
    for (int i = 0; i < ty->runs; i++) used += ty->used[i];
    used /= ty->runs;
    double runs = ty->runs;
    printf("%s\t%d\t%s\t%.3f\t%.3f\t%d\t%.4f\t%.3f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.1f\t%.1f\t%.4f\n", name, n, acc,
           o->theta, o->alpha, ty->runs, ty->mean_sum / runs, ty->truth_yes / runs, ty->agree / runs, ty->early / runs,
           ty->wrong / runs, lo, hi, used, median_used(ty), 1.0 - used / n);
}

static void print_header(void) {
    printf("setting\tn\tacc\ttheta\talpha\truns\tpop_mean\ttruth_yes\tagree\tearly\twrong\twrong_lo\twrong_hi\t"
           "used_mean\tused_median\tsaved\n");
}

/* The synthetic setting: n Bernoulli(acc) credits, fixed or fresh per run. */
static void simulate_synthetic(const struct options *o) {
    uint64_t rng = o->seed;
    double *x = xmalloc(sizeof *x * o->n);
    int *perm = xmalloc(sizeof *perm * o->n);
    struct tally ty = {.used = xmalloc(sizeof(int) * o->runs)};
    bernoulli_fill(x, o->n, o->acc, &rng);
    double mean = population_mean(x, NULL, o->n);
    for (int r = 0; r < o->runs; r++) {
        if (o->fresh && r > 0) {
            bernoulli_fill(x, o->n, o->acc, &rng);
            mean = population_mean(x, NULL, o->n);
        }
        int truth = full_verdict(mean, o->theta);
        shuffle(perm, o->n, &rng);
        int used, v = run_plain(x, NULL, o->n, perm, o->theta, o->alpha, truth, &used);
        tally_add(&ty, mean, truth, v, used, o->n);
    }
    char acc[32];
    snprintf(acc, sizeof acc, "%.3f", o->acc);
    print_row(o->fresh ? "synthetic-fresh" : "synthetic", o->n, acc, o, &ty);
    free(x);
    free(perm);
    free(ty.used);
}

/* The cases of category c: their indices into pop->x, *count of them. */
static int *category_members(const struct population *pop, int c, int *count) {
    int *sel = xmalloc(sizeof *sel * pop->n), k = 0;
    for (int i = 0; i < pop->n; i++)
        if (pop->cat[i] == c) sel[k++] = i;
    *count = k;
    return sel;
}

/* One category alone, its sequence at alpha. */
static void simulate_category(const struct population *pop, int c, const struct options *o, uint64_t *rng) {
    int m;
    int *sel = category_members(pop, c, &m), *perm = xmalloc(sizeof *perm * m);
    struct tally ty = {.used = xmalloc(sizeof(int) * o->runs)};
    double mean = population_mean(pop->x, sel, m);
    int truth = full_verdict(mean, o->theta);
    for (int r = 0; r < o->runs; r++) {
        shuffle(perm, m, rng);
        int used, v = run_plain(pop->x, sel, m, perm, o->theta, o->alpha, truth, &used);
        tally_add(&ty, mean, truth, v, used, m);
    }
    print_row(pop->cat_name[c], m, "-", o, &ty);
    free(sel);
    free(perm);
    free(ty.used);
}

/* Strata: each category's members, its random order and how many are drawn. */
struct stratum {
    int m, drawn;
    int *sel, *perm;
    confseq *cs;
};

/* The next category to draw from: the one furthest behind its share
 * (smallest (drawn + 1/2) / m among those with cases left). */
static int next_stratum(const struct stratum *st, int n_cat) {
    int best = -1;
    double best_share = 2;
    for (int c = 0; c < n_cat; c++) {
        if (st[c].drawn >= st[c].m) continue;
        double share = (st[c].drawn + 0.5) / st[c].m;
        if (share < best_share) {
            best_share = share;
            best = c;
        }
    }
    return best;
}

/* One stratified run over every category: the verdict it ends with. */
static int run_strata(const struct population *pop, struct stratum *st, const double *w, const confseq **cs,
                      const struct options *o, int truth, int *used) {
    double a = o->alpha / pop->n_cat, lo, hi;
    for (int c = 0; c < pop->n_cat; c++) {
        st[c].drawn = 0;
        st[c].cs = confseq_new(st[c].m, a);
        cs[c] = st[c].cs;
    }
    int t = 0, v = 0, c;
    while ((c = next_stratum(st, pop->n_cat)) >= 0) {
        confseq_add(st[c].cs, pop->x[st[c].sel[st[c].perm[st[c].drawn++]]]);
        t++;
        confseq_combine(cs, w, pop->n_cat, &lo, &hi);
        v = lo >= o->theta ? 1 : hi < o->theta ? -1 : 0;
        if (v != 0) break;
    }
    for (c = 0; c < pop->n_cat; c++) confseq_free(st[c].cs);
    *used = t;
    return t == pop->n ? truth : v;
}

/* Every category at once, drawn stratified: the row "all". */
static void simulate_all(const struct population *pop, const struct options *o, uint64_t *rng) {
    struct stratum *st = xcalloc(pop->n_cat, sizeof *st);
    double *w = xmalloc(sizeof *w * pop->n_cat);
    const confseq **cs = xmalloc(sizeof *cs * pop->n_cat);
    for (int c = 0; c < pop->n_cat; c++) {
        st[c].sel = category_members(pop, c, &st[c].m);
        st[c].perm = xmalloc(sizeof(int) * st[c].m);
        w[c] = (double)st[c].m / pop->n;
    }
    struct tally ty = {.used = xmalloc(sizeof(int) * o->runs)};
    double mean = population_mean(pop->x, NULL, pop->n);
    int truth = full_verdict(mean, o->theta);
    for (int r = 0; r < o->runs; r++) {
        for (int c = 0; c < pop->n_cat; c++) shuffle(st[c].perm, st[c].m, rng);
        int used, v = run_strata(pop, st, w, cs, o, truth, &used);
        tally_add(&ty, mean, truth, v, used, pop->n);
    }
    print_row("all", pop->n, "-", o, &ty);
    for (int c = 0; c < pop->n_cat; c++) {
        free(st[c].sel);
        free(st[c].perm);
    }
    free(st);
    free(w);
    free(cs);
    free(ty.used);
}

/* The index of category `name`, added when new. */
static int category_index(struct population *pop, const char *name, int *cap) {
    for (int c = 0; c < pop->n_cat; c++)
        if (strcmp(pop->cat_name[c], name) == 0) return c;
    util_grow((void **)&pop->cat_name, cap, pop->n_cat + 1, sizeof *pop->cat_name);
    pop->cat_name[pop->n_cat] = xstrdup(name);
    return pop->n_cat++;
}

/* Read "category<TAB>credit" lines; false (with a message) on a bad line. */
static int read_population(const char *path, struct population *pop) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        perror(path);
        return 0;
    }
    char line[4096];
    int cap_x = 0, cap_c = 0, cap_cat = 0, lineno = 0, ok = 1;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#') continue;
        char *tab = strchr(line, '\t'), *end = NULL;
        double v = tab ? strtod(tab + 1, &end) : 0;
        if (!tab || end == tab + 1 || *end || !(v >= 0 && v <= 1)) {
            fprintf(stderr, "%s:%d: not 'category<TAB>credit in [0,1]'\n", path, lineno);
            ok = 0;
            break;
        }
        *tab = 0;
        util_grow((void **)&pop->x, &cap_x, pop->n + 1, sizeof *pop->x);
        util_grow((void **)&pop->cat, &cap_c, pop->n + 1, sizeof *pop->cat);
        pop->cat[pop->n] = category_index(pop, line, &cap_cat);
        pop->x[pop->n++] = v;
    }
    if (f != stdin) fclose(f);
    if (ok && pop->n == 0) fprintf(stderr, "%s: no credits\n", path);
    return ok && pop->n > 0;
}

/* The file setting: one row per category, then "all". */
static int simulate_file(const struct options *o) {
    struct population pop = {0};
    if (!read_population(o->file, &pop)) return 2;
    uint64_t rng = o->seed;
    for (int c = 0; c < pop.n_cat; c++) simulate_category(&pop, c, o, &rng);
    simulate_all(&pop, o, &rng);
    for (int c = 0; c < pop.n_cat; c++) free(pop.cat_name[c]);
    free(pop.cat_name);
    free(pop.cat);
    free(pop.x);
    return 0;
}

static int usage(void) {
    fprintf(stderr, "usage: decide_sim -N n -p acc [-F] | -f FILE  [-t theta] [-a alpha] [-R runs] [-s seed] | -H\n");
    return 2;
}

int main(int argc, char **argv) {
    struct options o = {.runs = 1000, .theta = 0.7, .alpha = 0.05, .seed = 1, .acc = -1};
    int opt;
    while ((opt = getopt(argc, argv, "N:p:t:a:R:s:f:FH")) != -1) {
        switch (opt) {
        case 'N': o.n = atoi(optarg); break;
        case 'p': o.acc = atof(optarg); break;
        case 't': o.theta = atof(optarg); break;
        case 'a': o.alpha = atof(optarg); break;
        case 'R': o.runs = atoi(optarg); break;
        case 's': o.seed = strtoull(optarg, NULL, 10); break;
        case 'f': o.file = optarg; break;
        case 'F': o.fresh = 1; break;
        case 'H': o.header = 1; break;
        default: return usage();
        }
    }
    if (o.header) {
        print_header();
        return 0;
    }
    if (o.runs < 1 || !(o.alpha > 0 && o.alpha < 1)) return usage();
    if (o.file) return simulate_file(&o);
    if (o.n < 1 || !(o.acc >= 0 && o.acc <= 1)) return usage();
    simulate_synthetic(&o);
    return 0;
}
