/*
 * grade.h - what grade.c shares with the report: a caption turn's references,
 * read the same way for scores and for corpus figures. Grading itself is
 * public (vlm_grade in vlmeter.h).
 */
#ifndef VLM_GRADE_H
#define VLM_GRADE_H

/* The references of a caption turn's expected answer (JSON text: a string or an
 * array of strings; other values are skipped) into *refs; returns their count.
 * Caller frees each string and the array (grade.c; the report uses it too, so
 * scores and corpus figures see the same references). */
int grade_caption_refs(const char *expected_json, char ***refs);

#endif
