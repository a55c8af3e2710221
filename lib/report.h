/*
 * report.h - the report's parts, private to the library: the JSON document that
 * every format is rendered from (docs/report-schema.md), and its renderers.
 */
#ifndef VLM_REPORT_H
#define VLM_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "vlmeter.h"

/* Build the report document from a store (report.c). NULL with a message. */
json_t *report_build(vlm_store *s, const char *db_path, char *err, size_t err_len);

/* The "families" array of a document that has "models" and "quality"
 * (report_family.c); NULL when the store cannot be read (store_error). */
json_t *report_families(vlm_store *s, const json_t *rep);

/* Add cases not applicable to a model (no vision; report_na.c) to a document
 * that has "models" and "quality": "not_applicable", and "n_na" on models and
 * quality rows. VLM_OK or VLM_ERR_IO (store_error). */
int report_add_not_applicable(vlm_store *s, json_t *doc);

/* Add "cost" and "recommendation" to a built document (report_cost.c). */
int report_add_cost(json_t *rep, const vlm_catalog *cat, const struct vlm_requirements *r);

/* Renderers (report_text.c, report_html.c). Return VLM_OK or VLM_ERR_IO. */
int report_write_table(const json_t *r, FILE *out);
int report_write_md(const json_t *r, FILE *out);
int report_write_csv(const json_t *r, FILE *out);
int report_write_html(const json_t *r, FILE *out);

#endif
