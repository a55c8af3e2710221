/*
 * score_iou.h - the `iou` scorer of score_iou.c (docs/scoring.md, "iou"):
 * bounding boxes read from a reply, in whatever convention the model used,
 * matched one-to-one to the expected boxes. Used by score.c's scorer table and
 * by the unit tests.
 */
#ifndef VLM_SCORE_IOU_H
#define VLM_SCORE_IOU_H

#include <jansson.h>
#include <stddef.h>

#include "vlmeter.h"

/* Most boxes an expected answer may hold, and most boxes read from one reply
 * (later ones are ignored). */
#define IOU_MAX_EXPECTED 10
#define IOU_MAX_READ     50

/* Score `reply` (reasoning already removed) against the expected answer `exp`
 * ({"boxes": [[x1,y1,x2,y2], ...], "size": [w, h], "threshold": t,
 * "box_format": "pixels"|"grid1000"|"unit"}): fills out's score (mean IoU),
 * correct, unparsed and detail. Returns VLM_OK, or VLM_ERR_INPUT with a
 * message in err when `exp` is not such an object. */
int score_iou_reply(const char *reply, const json_t *exp, struct vlm_score *out, char *err, size_t err_len);

/* The IoU of two boxes [x1, y1, x2, y2] (x1 <= x2, y1 <= y2); 0 when the union is empty. */
double score_iou_pair(const double *a, const double *b);

#endif
