/*
 * probe_render.c - drawing the probe pictures with cairo and pango: a canvas,
 * filled and outlined shapes, rectangles, lines, text, PNG output. Everything
 * that could vary between runs is pinned: fonts by family name (DejaVu Sans for
 * Latin, Noto Sans CJK SC for Chinese), grey anti-aliasing, no hinting, no
 * hint metrics, no sub-pixel order; images are RGB24 written by cairo.
 */
#include "probe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#include "util.h"

#define FONT_FAMILIES "DejaVu Sans,Noto Sans CJK SC"

struct probe_canvas {
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoLayout *layout;
    int w, h;
};

static void set_rgb(cairo_t *cr, uint32_t rgb) {
    cairo_set_source_rgb(cr, ((rgb >> 16) & 255) / 255.0, ((rgb >> 8) & 255) / 255.0, (rgb & 255) / 255.0);
}

static cairo_font_options_t *fixed_font_options(void) {
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_subpixel_order(fo, CAIRO_SUBPIXEL_ORDER_DEFAULT);
    return fo;
}

probe_canvas *probe_canvas_new(int w, int h, uint32_t bg) {
    probe_canvas *c = xcalloc(1, sizeof *c);
    c->w = w;
    c->h = h;
    c->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    c->cr = cairo_create(c->surface);
    cairo_set_antialias(c->cr, CAIRO_ANTIALIAS_GRAY);
    set_rgb(c->cr, bg);
    cairo_paint(c->cr);
    c->layout = pango_cairo_create_layout(c->cr);
    cairo_font_options_t *fo = fixed_font_options();
    pango_cairo_context_set_font_options(pango_layout_get_context(c->layout), fo);
    cairo_font_options_destroy(fo);
    pango_cairo_context_set_resolution(pango_layout_get_context(c->layout), 96.0);
    pango_layout_context_changed(c->layout);
    return c;
}

void probe_canvas_free(probe_canvas *c) {
    if (!c) return;
    g_object_unref(c->layout);
    cairo_destroy(c->cr);
    cairo_surface_destroy(c->surface);
    free(c);
}

/* ------------------------------------------------------------ shapes */

/* The vertices of a regular polygon (or a star, alternating radii) as a path. */
static void polygon_path(cairo_t *cr, int n, double r_outer, double r_inner, double start) {
    int steps = r_inner > 0 ? 2 * n : n;
    for (int i = 0; i < steps; i++) {
        double a = start + 2 * M_PI * i / steps;
        double r = r_inner > 0 && i % 2 ? r_inner : r_outer;
        if (i == 0) cairo_move_to(cr, r * cos(a), r * sin(a));
        else cairo_line_to(cr, r * cos(a), r * sin(a));
    }
    cairo_close_path(cr);
}

static void shape_path(cairo_t *cr, enum probe_shape s, double r) {
    const double up = -M_PI / 2; /* first vertex straight up */
    switch (s) {
    case PS_CIRCLE: cairo_arc(cr, 0, 0, r, 0, 2 * M_PI); break;
    case PS_SQUARE: polygon_path(cr, 4, r, 0, -M_PI / 4); break;
    case PS_TRIANGLE: polygon_path(cr, 3, r, 0, up); break;
    case PS_STAR: polygon_path(cr, 5, r, r * PROBE_STAR_INNER, up); break;
    case PS_PENTAGON: polygon_path(cr, 5, r, 0, up); break;
    default: break;
    }
}

/* Area, and polar moment about the centre, of a polygon with `steps` corners
 * alternating between radii 1 and `inner` (inner = 1: a regular polygon), from
 * the triangles centre-corner-corner: moment = A/6 (|a|^2 + |b|^2 + a.b). */
static void polygon_measures(int steps, double inner, double *area, double *moment) {
    double t = 2 * M_PI / steps, r2 = inner;
    double tri = 0.5 * r2 * sin(t);
    *area = steps * tri;
    *moment = steps * tri / 6 * (1 + r2 * r2 + r2 * cos(t));
}

static void shape_measures(enum probe_shape s, double *area, double *moment) {
    switch (s) {
    case PS_SQUARE: polygon_measures(4, 1, area, moment); break;
    case PS_TRIANGLE: polygon_measures(3, 1, area, moment); break;
    case PS_STAR: polygon_measures(10, PROBE_STAR_INNER, area, moment); break;
    case PS_PENTAGON: polygon_measures(5, 1, area, moment); break;
    default:
        *area = M_PI;
        *moment = M_PI / 2;
        break;
    }
}

double probe_shape_fill(enum probe_shape s) {
    double a, m;
    shape_measures(s, &a, &m);
    return a;
}

double probe_shape_roundness(enum probe_shape s) {
    double a, m;
    shape_measures(s, &a, &m);
    return a * a / (2 * M_PI * m);
}

void probe_draw_shape(probe_canvas *c, enum probe_shape s, double cx, double cy, double r, double angle, uint32_t rgb,
                      double stroke) {
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_translate(cr, cx, cy);
    cairo_rotate(cr, angle * M_PI / 180.0);
    shape_path(cr, s, stroke > 0 ? r - stroke / 2 : r);
    set_rgb(cr, rgb);
    if (stroke > 0) {
        cairo_set_line_width(cr, stroke);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
        cairo_stroke(cr);
    } else {
        cairo_fill(cr);
    }
    cairo_restore(cr);
}

void probe_draw_rect(probe_canvas *c, double x, double y, double w, double h, uint32_t rgb) {
    cairo_rectangle(c->cr, x, y, w, h);
    set_rgb(c->cr, rgb);
    cairo_fill(c->cr);
}

void probe_draw_line(probe_canvas *c, double x0, double y0, double x1, double y1, double width, uint32_t rgb) {
    cairo_move_to(c->cr, x0, y0);
    cairo_line_to(c->cr, x1, y1);
    cairo_set_line_width(c->cr, width);
    cairo_set_line_cap(c->cr, CAIRO_LINE_CAP_BUTT);
    set_rgb(c->cr, rgb);
    cairo_stroke(c->cr);
}

/* ------------------------------------------------------------ text */

static void layout_text(probe_canvas *c, const char *utf8, double px) {
    PangoFontDescription *fd = pango_font_description_from_string(FONT_FAMILIES);
    pango_font_description_set_absolute_size(fd, px * PANGO_SCALE);
    pango_layout_set_font_description(c->layout, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(c->layout, utf8, -1);
}

void probe_text_size(probe_canvas *c, const char *utf8, double px, double *w, double *h) {
    layout_text(c, utf8, px);
    PangoRectangle logical;
    pango_layout_get_extents(c->layout, NULL, &logical);
    if (w) *w = (double)logical.width / PANGO_SCALE;
    if (h) *h = (double)logical.height / PANGO_SCALE;
}

int probe_draw_text(probe_canvas *c, const char *utf8, double x, double y, double px, uint32_t rgb, double angle,
                    int align, int valign, double *w, double *h) {
    double tw, th;
    probe_text_size(c, utf8, px, &tw, &th);
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, angle * M_PI / 180.0);
    cairo_move_to(cr, -(align + 1) * tw / 2, -(valign + 1) * th / 2);
    set_rgb(cr, rgb);
    pango_cairo_update_layout(cr, c->layout);
    pango_cairo_show_layout(cr, c->layout);
    cairo_restore(cr);
    if (w) *w = tw;
    if (h) *h = th;
    return pango_layout_get_unknown_glyphs_count(c->layout);
}

/* ------------------------------------------------------------ output */

int probe_canvas_png(probe_canvas *c, const char *path, char *err, size_t err_len) {
    cairo_surface_flush(c->surface);
    cairo_status_t st = cairo_surface_write_to_png(c->surface, path);
    if (st == CAIRO_STATUS_SUCCESS) return 0;
    util_errf(err, err_len, "cannot write '%s': %s", path, cairo_status_to_string(st));
    return -1;
}

void probe_canvas_rgb(probe_canvas *c, vlm_image *out) {
    cairo_surface_flush(c->surface);
    const unsigned char *data = cairo_image_surface_get_data(c->surface);
    int stride = cairo_image_surface_get_stride(c->surface);
    out->width = (uint32_t)c->w;
    out->height = (uint32_t)c->h;
    out->rgb = xmalloc((size_t)c->w * (size_t)c->h * 3);
    for (int y = 0; y < c->h; y++) {
        const uint32_t *row = (const uint32_t *)(data + (size_t)y * (size_t)stride);
        unsigned char *o = out->rgb + (size_t)y * (size_t)c->w * 3;
        for (int x = 0; x < c->w; x++) {
            o[3 * x] = (unsigned char)(row[x] >> 16);
            o[3 * x + 1] = (unsigned char)(row[x] >> 8);
            o[3 * x + 2] = (unsigned char)row[x];
        }
    }
}

/* ------------------------------------------------------------ fonts */

/* The family fontconfig actually gives for `family` (caller g_free's). */
static char *resolved_family(PangoContext *ctx, const char *family) {
    PangoFontDescription *fd = pango_font_description_from_string(family);
    pango_font_description_set_absolute_size(fd, 20 * PANGO_SCALE);
    PangoFont *font = pango_context_load_font(ctx, fd);
    pango_font_description_free(fd);
    if (!font) return NULL;
    PangoFontDescription *got = pango_font_describe(font);
    char *name = g_strdup(pango_font_description_get_family(got));
    pango_font_description_free(got);
    g_object_unref(font);
    return name;
}

int probe_fonts_check(char *err, size_t err_len) {
    static const struct {
        const char *family, *package;
    } need[] = {
        {"DejaVu Sans", "fonts-dejavu-core"},
        {"Noto Sans CJK SC", "fonts-noto-cjk"},
    };
    probe_canvas *c = probe_canvas_new(8, 8, PROBE_WHITE);
    PangoContext *ctx = pango_layout_get_context(c->layout);
    int rc = 0;
    for (size_t i = 0; i < sizeof need / sizeof need[0] && rc == 0; i++) {
        char *got = resolved_family(ctx, need[i].family);
        if (!got || strcmp(got, need[i].family) != 0) {
            util_errf(err, err_len, "probe: font '%s' is not installed (got '%s'; Debian package %s)", need[i].family,
                      got ? got : "none", need[i].package);
            rc = -1;
        }
        g_free(got);
    }
    probe_canvas_free(c);
    return rc;
}
