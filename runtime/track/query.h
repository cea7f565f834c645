/* query.h - filter and sort expressions over runs, MLflow style.
 *
 * A filter is comparisons joined by `and` (case-insensitive):
 *
 *     metrics.val/accuracy > 0.85 and params.model.type = 'mlp'
 *
 * A field is `metrics.KEY`, `params.KEY`, `tags.KEY` or an attribute of the
 * run (`status`, `experiment`, `name`, `id`, `start_time`, ...; optionally
 * written `attributes.status`). A KEY runs up to a space, an operator or a
 * quote, so it may hold dots and slashes; a key with other characters is
 * written in backticks or double quotes (metrics.`my key`). Operators:
 * = != <> < <= > >= LIKE ILIKE; values are numbers or 'single'-quoted
 * strings. LIKE uses SQL patterns (% any run, _ one character).
 *
 * Queries work on a run as herd_runs_get_json gives it, so they need no
 * database. A run without the field never matches, as in MLflow.
 */
#ifndef HERD_TRACK_QUERY_H
#define HERD_TRACK_QUERY_H

#include "core/status.h"

#include <cjson/cJSON.h>

typedef enum herd_field_kind {
    HERD_FIELD_METRIC,
    HERD_FIELD_PARAM,
    HERD_FIELD_TAG,
    HERD_FIELD_ATTR,
} herd_field_kind;

/* A field of a run, e.g. metrics.val/accuracy or status. */
typedef struct herd_field {
    herd_field_kind kind;
    char *key;           /* owned; for attributes the JSON name (run_name -> name) */
} herd_field;

/* A sort order: one field, ascending unless descending. */
typedef struct herd_sort {
    herd_field field;
    int descending;
} herd_sort;

typedef struct herd_query herd_query;

/* Parse a filter expression. An empty or all-blank expression matches every
 * run. Errors (HERD_ERR_USAGE) name the 1-based position and what was
 * expected: "position 24 (near 'abc'): expected an operator". Free with
 * herd_query_free. */
int herd_query_parse(const char *expr, herd_query **out, herd_error *err);

/* Safe on NULL. */
void herd_query_free(herd_query *q);

/* 1 when run (a herd_runs_get_json object) satisfies every comparison of q;
 * a NULL q matches everything. */
int herd_query_match(const herd_query *q, const cJSON *run);

/* Parse a sort order: FIELD, FIELD asc, FIELD desc, or -FIELD (descending).
 * The caller frees out->field with herd_field_free. Errors HERD_ERR_USAGE. */
int herd_sort_parse(const char *text, herd_sort *out, herd_error *err);

/* Parse one field name (as in a filter). Errors HERD_ERR_USAGE. */
int herd_field_parse(const char *text, herd_field *out, herd_error *err);
void herd_field_free(herd_field *f);

/* The field's value in run (a number or a string item), or NULL when the
 * run does not have it (null values count as missing). Borrowed from run. */
const cJSON *herd_field_value(const herd_field *f, const cJSON *run);

/* Order two runs by s: <0, 0 or >0. Runs missing the field come last in
 * either direction; numbers compare as numbers, strings with strcmp. */
int herd_sort_compare(const herd_sort *s, const cJSON *a, const cJSON *b);

/* SQL LIKE: % matches any run of characters, _ exactly one. */
int herd_like(const char *text, const char *pattern, int ignore_case);

#endif
