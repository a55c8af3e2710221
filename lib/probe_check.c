/*
 * probe_check.c - ground-truth checks of the probe pictures that do not trust
 * the renderer: they read the rendered pixels back. Connected components of a
 * colour count objects and tell shapes apart (by moments, which rotation does
 * not change); mean colours of regions are named by the nearest palette colour;
 * ink boxes show text is inside the picture or its cell.
 */
#include "probe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int dist2(uint32_t a, uint32_t b) {
    int dr = (int)((a >> 16) & 255) - (int)((b >> 16) & 255);
    int dg = (int)((a >> 8) & 255) - (int)((b >> 8) & 255);
    int db = (int)(a & 255) - (int)(b & 255);
    return dr * dr + dg * dg + db * db;
}

static uint32_t pixel(const vlm_image *im, int x, int y) {
    const unsigned char *p = im->rgb + ((size_t)y * im->width + (size_t)x) * 3;
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* How far (RGB distance) a pixel may lie from every blend of bg with a palette
 * colour and still be read as such a blend. */
#define MAX_RESIDUAL 64.0

/* The palette entry a pixel is mostly made of, over bg: 1 + its index, or 0.
 * Pixels equal to bg or to a palette colour (most of them) are answered at once. */
static unsigned char classify_pixel(uint32_t v, uint32_t bg, const uint32_t *palette, int n_palette,
                                    const double (*dir)[3], const double *len2) {
    if (v == bg) return 0;
    for (int k = 0; k < n_palette; k++)
        if (v == palette[k]) return (unsigned char)(k + 1);
    double d[3] = {(double)((v >> 16) & 255) - ((bg >> 16) & 255), (double)((v >> 8) & 255) - ((bg >> 8) & 255),
                   (double)(v & 255) - (bg & 255)};
    int best = -1;
    double best_res = 1e18, best_alpha = 0;
    for (int k = 0; k < n_palette; k++) {
        if (len2[k] == 0) continue;
        double a = (d[0] * dir[k][0] + d[1] * dir[k][1] + d[2] * dir[k][2]) / len2[k];
        a = a < 0 ? 0 : a > 1 ? 1 : a;
        double res = 0;
        for (int c = 0; c < 3; c++) res += (d[c] - a * dir[k][c]) * (d[c] - a * dir[k][c]);
        if (res < best_res) {
            best_res = res;
            best = k;
            best_alpha = a;
        }
    }
    bool explained = best_res <= MAX_RESIDUAL * MAX_RESIDUAL; /* else a colour not in the palette */
    return best >= 0 && explained && best_alpha >= 0.5 ? (unsigned char)(best + 1) : 0;
}

unsigned char *probe_classify(const vlm_image *im, uint32_t bg, const uint32_t *palette, int n_palette) {
    double dir[PROBE_MAX_PALETTE][3], len2[PROBE_MAX_PALETTE];
    if (n_palette > PROBE_MAX_PALETTE) n_palette = PROBE_MAX_PALETTE;
    for (int k = 0; k < n_palette; k++) {
        for (int c = 0; c < 3; c++)
            dir[k][c] = (double)((palette[k] >> (16 - 8 * c)) & 255) - ((bg >> (16 - 8 * c)) & 255);
        len2[k] = dir[k][0] * dir[k][0] + dir[k][1] * dir[k][1] + dir[k][2] * dir[k][2];
    }
    size_t n = (size_t)im->width * im->height;
    unsigned char *classes = xmalloc(n);
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = im->rgb + i * 3;
        uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        classes[i] = classify_pixel(v, bg, palette, n_palette, (const double(*)[3])dir, len2);
    }
    return classes;
}

/* A growable list of pixel indices. */
struct pixel_list {
    size_t *px;
    size_t n, cap;
};

static void push_pixel(struct pixel_list *l, size_t i) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 4096;
        l->px = xrealloc(l->px, l->cap * sizeof *l->px);
    }
    l->px[l->n++] = i;
}

/* Flood-fill the region of `mask` holding pixel `start` (8-connected), clearing
 * it; the pixels visited are left in `l`. */
static void take_region(unsigned char *mask, int w, int h, size_t start, struct pixel_list *l) {
    size_t done = 0;
    l->n = 0;
    push_pixel(l, start);
    mask[start] = 0;
    while (done < l->n) {
        size_t i = l->px[done++];
        int x = (int)(i % (size_t)w), y = (int)(i / (size_t)w);
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int nx = x + dx, ny = y + dy;
                if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                size_t j = (size_t)ny * (size_t)w + (size_t)nx;
                if (!mask[j]) continue;
                mask[j] = 0;
                push_pixel(l, j);
            }
    }
}

static void describe_region(const size_t *px, size_t n, int w, struct probe_blob *b) {
    double sx = 0, sy = 0;
    *b = (struct probe_blob){.area = (int)n, .x0 = w, .y0 = 1 << 30, .x1 = -1, .y1 = -1};
    for (size_t k = 0; k < n; k++) {
        int x = (int)(px[k] % (size_t)w), y = (int)(px[k] / (size_t)w);
        sx += x;
        sy += y;
        if (x < b->x0) b->x0 = x;
        if (x > b->x1) b->x1 = x;
        if (y < b->y0) b->y0 = y;
        if (y > b->y1) b->y1 = y;
    }
    b->cx = sx / (double)n;
    b->cy = sy / (double)n;
    double m2 = 0;
    for (size_t k = 0; k < n; k++) {
        double dx = (double)(px[k] % (size_t)w) - b->cx, dy = (double)(px[k] / (size_t)w) - b->cy;
        double d2 = dx * dx + dy * dy;
        m2 += d2;
        if (d2 > b->rmax * b->rmax) b->rmax = sqrt(d2);
    }
    b->moment = m2 + (double)n / 6.0; /* + each pixel's own spread (1/12 per axis) */
}

int probe_regions(const unsigned char *classes, int w, int h, int which, int min_area, struct probe_blob *out,
                  int max_out) {
    size_t n = (size_t)w * (size_t)h;
    unsigned char *mask = xmalloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) mask[i] = classes[i] == which + 1;
    struct pixel_list region = {0};
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!mask[i]) continue;
        take_region(mask, w, h, i, &region);
        if ((int)region.n < min_area) continue;
        if (count < max_out) describe_region(region.px, region.n, w, &out[count]);
        count++;
    }
    free(region.px);
    free(mask);
    return count;
}

int probe_blobs(const vlm_image *im, uint32_t bg, const uint32_t *palette, int n_palette, int which, int min_area,
                struct probe_blob *out, int max_out) {
    unsigned char *classes = probe_classify(im, bg, palette, n_palette);
    int n = probe_regions(classes, (int)im->width, (int)im->height, which, min_area, out, max_out);
    free(classes);
    return n;
}

/* ------------------------------------------------------------ shapes */

double probe_blob_roundness(const struct probe_blob *b) {
    return b->moment > 0 ? (double)b->area * b->area / (2 * M_PI * b->moment) : 0;
}

double probe_blob_fill(const struct probe_blob *b) {
    double r = b->rmax + 0.5; /* the farthest pixel's centre lies inside the outline */
    return (double)b->area / (r * r);
}

enum probe_shape probe_blob_shape(const struct probe_blob *b) {
    double best = 1e9;
    enum probe_shape shape = PS_CIRCLE;
    double fill = probe_blob_fill(b), round = probe_blob_roundness(b);
    for (int s = 0; s < PS_N; s++) {
        /* each measure in units of its spread on small shapes (r = 10 px) */
        double df = (fill - probe_shape_fill((enum probe_shape)s)) / 0.2;
        double dr = (round - probe_shape_roundness((enum probe_shape)s)) / 0.012;
        double d = df * df + dr * dr;
        if (d < best) {
            best = d;
            shape = (enum probe_shape)s;
        }
    }
    return shape;
}

/* ------------------------------------------------------------ colours, ink */

uint32_t probe_mean_rgb(const vlm_image *im, int x0, int y0, int x1, int y1) {
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 >= (int)im->width) x1 = (int)im->width - 1;
    if (y1 >= (int)im->height) y1 = (int)im->height - 1;
    double s[3] = {0};
    long n = 0;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++, n++) {
            const unsigned char *p = im->rgb + ((size_t)y * im->width + (size_t)x) * 3;
            for (int k = 0; k < 3; k++) s[k] += p[k];
        }
    if (n == 0) return 0;
    uint32_t v = 0;
    for (int k = 0; k < 3; k++) v = v << 8 | (uint32_t)lround(s[k] / (double)n);
    return v;
}

int probe_nearest_colour(uint32_t rgb, const int *ids, int n_ids) {
    int best = -1, best_d = 1 << 30;
    int n = ids ? n_ids : PC_N;
    for (int i = 0; i < n; i++) {
        int id = ids ? ids[i] : i;
        int d = dist2(rgb, probe_colours[id].rgb);
        if (d < best_d) {
            best_d = d;
            best = id;
        }
    }
    return best;
}

static bool is_ink(uint32_t v, uint32_t bg, int tol) {
    for (int sh = 0; sh <= 16; sh += 8) {
        int d = (int)((v >> sh) & 255) - (int)((bg >> sh) & 255);
        if (d > tol || d < -tol) return true;
    }
    return false;
}

long probe_count_ink(const vlm_image *im, uint32_t bg, int tol, int x0, int y0, int x1, int y1) {
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 >= (int)im->width) x1 = (int)im->width - 1;
    if (y1 >= (int)im->height) y1 = (int)im->height - 1;
    long n = 0;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) n += is_ink(pixel(im, x, y), bg, tol);
    return n;
}

bool probe_ink_box(const vlm_image *im, uint32_t bg, int tol, int *x0, int *y0, int *x1, int *y1) {
    int bx0 = (int)im->width, by0 = (int)im->height, bx1 = -1, by1 = -1;
    for (int y = 0; y < (int)im->height; y++)
        for (int x = 0; x < (int)im->width; x++) {
            if (!is_ink(pixel(im, x, y), bg, tol)) continue;
            if (x < bx0) bx0 = x;
            if (x > bx1) bx1 = x;
            if (y < by0) by0 = y;
            if (y > by1) by1 = y;
        }
    *x0 = bx0;
    *y0 = by0;
    *x1 = bx1;
    *y1 = by1;
    return bx1 >= 0;
}

long probe_diff_pixels(const vlm_image *a, const vlm_image *b) {
    if (a->width != b->width || a->height != b->height) return -1;
    long n = 0;
    size_t count = (size_t)a->width * a->height;
    for (size_t i = 0; i < count; i++) n += memcmp(a->rgb + 3 * i, b->rgb + 3 * i, 3) != 0;
    return n;
}
