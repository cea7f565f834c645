/* import_csv.c - CSV with a header row -> herd dataset.
 *
 * The file is read line by line. Cells are split at commas; a cell may be
 * double-quoted (then it may hold commas and line breaks, and "" stands for
 * a quote). Header names must be non-empty and distinct. Every feature cell
 * must be a number as a whole (strtod, surrounding spaces ignored); an empty
 * feature cell is NaN, an empty target cell is an error. Target cells are
 * all numbers, or all words: words are class names (stored in /class_names,
 * ids in sorted order). Blank lines are skipped.
 * Without a target every column is a feature and the dataset has no /y
 * (data to predict).
 * Each row remembers the line it starts on so errors found later (labels
 * that do not fit the task) still name the line.
 */
#include "data/dataset.h"
#include "data/import.h"
#include "core/mem.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLASS_ID (1 << 20) /* larger integer labels are not class ids */
#define MAX_INFERRED_CLASSES 100
#define MAX_WORD_CLASSES 1000   /* distinct class names a target of words may hold */

typedef struct csv_table {
    const char *path;
    char **names;   /* header cells, ncols of them */
    int ncols;
    int target;     /* index of the target column in names, -1 without one */
    int features;   /* feature columns: ncols - 1, or ncols without a target */
    int64_t rows, cap;
    float *X;       /* rows x features */
    float *y;
    long *line;     /* line number of each row */
    /* A target of words (yes/no) is read as class names: y holds each
     * row's index into labels, in order of first appearance. */
    char **labels;
    int n_labels;
    long number_line, word_line;  /* first line with a numeric / a word target */
} csv_table;

/* Split line in place at commas (quotes as described above); *cells grows
 * as needed. Returns the number of cells. */
static int split_cells(char *line, char ***cells, int *cap)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == *cap) {
            *cap = *cap ? 2 * *cap : 16;
            *cells = herd_realloc(*cells, (size_t)*cap * sizeof **cells);
        }
        char *start = p, *w = p;
        if (*p == '"') {
            for (p++; *p != '\0'; p++) {
                if (*p == '"' && p[1] != '"')
                    break;
                *w++ = *p;
                p += *p == '"'; /* "" -> one quote */
            }
            p += *p == '"';
            while (*p != '\0' && *p != ',') /* text after the closing quote stays */
                *w++ = *p++;
        } else {
            while (*p != '\0' && *p != ',')
                *w++ = *p++;
        }
        char end = *p;
        *w = '\0';
        (*cells)[n++] = start;
        if (end == '\0')
            return n;
        p++;
    }
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* 0: *v set (NaN for an empty cell); -1 not a number; -2 outside float range. */
static int parse_cell(char *cell, float *v)
{
    char *s = trim(cell), *end = NULL;
    if (*s == '\0') {
        *v = NAN;
        return 0;
    }
    double d = strtod(s, &end);
    if (end == s || *end != '\0')
        return -1;
    *v = (float)d;
    return (isfinite(d) && !isfinite(*v)) ? -2 : 0;
}

/* Next non-blank line without its line ending; NULL at end of file. */
static char *next_line(FILE *f, char **buf, size_t *cap, long *lineno)
{
    while (getline(buf, cap, f) >= 0) {
        (*lineno)++;
        size_t n = strlen(*buf);
        while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r'))
            (*buf)[--n] = '\0';
        if ((*buf)[strspn(*buf, " \t")] != '\0')
            return *buf;
    }
    return NULL;
}

/* Number of double quotes in s. */
static long count_quotes(const char *s)
{
    long n = 0;
    for (; *s != '\0'; s++)
        n += *s == '"';
    return n;
}

/* A quoted cell may hold line breaks: while *buf has an unclosed quote (an
 * odd number of quotes), append the next line after a "\n". -1 when the file
 * ends inside the quote. */
static int join_quoted_lines(FILE *f, char **buf, size_t *cap, long *lineno)
{
    long quotes = count_quotes(*buf);
    char *more = NULL;
    size_t morecap = 0, len = strlen(*buf);
    int rc = 0;
    while (quotes % 2 == 1) {
        if (getline(&more, &morecap, f) < 0) {
            rc = -1;
            break;
        }
        (*lineno)++;
        size_t n = strlen(more);
        while (n > 0 && (more[n - 1] == '\n' || more[n - 1] == '\r'))
            more[--n] = '\0';
        if (len + n + 2 > *cap) {
            *cap = 2 * (len + n + 2);
            *buf = herd_realloc(*buf, *cap);
        }
        (*buf)[len] = '\n';
        memcpy(*buf + len + 1, more, n + 1);
        len += n + 1;
        quotes += count_quotes(more);
    }
    free(more);
    return rc;
}

/* *record = the next non-blank line, with the lines a quoted cell runs
 * over (NULL at end of file); *first = the line it starts on. An error when
 * the file ends inside a quoted cell. */
static int next_record(csv_table *t, FILE *f, char **buf, size_t *cap, long *lineno,
                       char **record, long *first, herd_error *err)
{
    *record = next_line(f, buf, cap, lineno);
    *first = *lineno;
    if (*record == NULL)
        return HERD_OK;
    if (join_quoted_lines(f, buf, cap, lineno) != 0)
        return herd_error_set(err, HERD_ERR_DATA,
                              "%s:%ld: quote not closed (the file ends inside this cell)",
                              t->path, *first);
    *record = *buf;
    return HERD_OK;
}

typedef struct named_column {
    const char *name;
    int col;
} named_column;

static int cmp_named_column(const void *a, const void *b)
{
    const named_column *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : (x->col > y->col) - (x->col < y->col);
}

/* Every column needs a name of its own: an empty or repeated name would make
 * an unnamed or ambiguous feature (or, repeating the target, a copy of the
 * labels among the features). Names are sorted to find repeats, so a header
 * of many columns stays fast. */
static int check_names(const csv_table *t, long lineno, herd_error *err)
{
    for (int c = 0; c < t->ncols; c++)
        if (t->names[c][0] == '\0')
            return herd_error_set(err, HERD_ERR_DATA, "%s:%ld: column %d: no name in the header%s",
                                  t->path, lineno, c + 1,
                                  c == 0 ? " (an index column written by pandas? save with "
                                           "index=False)"
                                  : c == t->ncols - 1 ? " (a comma at the end of the line?)"
                                                      : "");
    named_column *sorted = herd_malloc((size_t)t->ncols * sizeof *sorted);
    for (int c = 0; c < t->ncols; c++)
        sorted[c] = (named_column){ t->names[c], c };
    qsort(sorted, (size_t)t->ncols, sizeof *sorted, cmp_named_column);
    int first = -1, second = -1;
    for (int i = 1; i < t->ncols; i++) {
        int repeated = strcmp(sorted[i - 1].name, sorted[i].name) == 0;
        if (repeated && (second < 0 || sorted[i].col < second)) { /* the earliest repeat */
            first = sorted[i - 1].col;
            second = sorted[i].col;
        }
    }
    free(sorted);
    if (second < 0)
        return HERD_OK;
    return herd_error_set(err, HERD_ERR_DATA,
                          "%s:%ld: column '%s': name used twice in the header (columns %d and %d)",
                          t->path, lineno, t->names[second], first + 1, second + 1);
}

/* The error for a --target not in the header lists the header's names (the
 * first ones, when there are many). */
static int target_not_found(const csv_table *t, long lineno, const char *target, herd_error *err)
{
    char list[200] = "";
    size_t used = 0;
    for (int c = 0; c < t->ncols && used < sizeof list - 1; c++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", c ? ", " : "",
                                 t->names[c]);
    if (used >= sizeof list - 1)
        strcpy(list + sizeof list - 5, "...");
    return herd_error_set(err, HERD_ERR_DATA, "%s:%ld: column '%s': not in the header (%s)",
                          t->path, lineno, target, list);
}

static int read_header(csv_table *t, char *line, long lineno, const char *target,
                       herd_error *err)
{
    char **cells = NULL;
    int cap = 0;
    if (strncmp(line, "\xEF\xBB\xBF", 3) == 0) /* UTF-8 byte order mark */
        line += 3;
    t->ncols = split_cells(line, &cells, &cap);
    t->names = herd_calloc((size_t)t->ncols, sizeof *t->names);
    t->target = -1;
    for (int c = 0; c < t->ncols; c++) {
        t->names[c] = herd_strdup(trim(cells[c]));
        if (t->target < 0 && target != NULL && strcmp(t->names[c], target) == 0)
            t->target = c;
    }
    free(cells);
    int rc = check_names(t, lineno, err);
    if (rc != HERD_OK)
        return rc;
    t->features = target != NULL ? t->ncols - 1 : t->ncols;
    if (target == NULL)
        return HERD_OK;
    if (t->target < 0)
        return target_not_found(t, lineno, target, err);
    if (t->ncols < 2)
        return herd_error_set(err, HERD_ERR_DATA, "%s:%ld: no feature columns besides '%s'",
                              t->path, lineno, target);
    return HERD_OK;
}

static void grow(csv_table *t)
{
    if (t->rows < t->cap)
        return;
    t->cap = t->cap ? 2 * t->cap : 1024;
    t->X = herd_realloc(t->X, (size_t)(t->cap * t->features) * sizeof *t->X);
    t->y = herd_realloc(t->y, (size_t)t->cap * sizeof *t->y);
    t->line = herd_realloc(t->line, (size_t)t->cap * sizeof *t->line);
}

/* A target cell that is a word: its class (by first appearance) into *v.
 * Numbers and words in one target column are refused: "1" among "yes" and
 * "no" is more likely a slip than a third class. */
static int word_label(csv_table *t, const char *word, long lineno, float *v, herd_error *err)
{
    const char *name = t->names[t->target];
    if (t->number_line > 0)
        return herd_error_set(err, HERD_ERR_DATA,
                              "%s:%ld: column '%s': '%.40s' is a word, but the labels before it "
                              "are numbers (line %ld); class labels must be all numbers or all "
                              "words", t->path, lineno, name, word, t->number_line);
    int k = 0;
    while (k < t->n_labels && strcmp(t->labels[k], word) != 0)
        k++;
    if (k == t->n_labels && k == MAX_WORD_CLASSES)
        return herd_error_set(err, HERD_ERR_DATA,
                              "%s:%ld: column '%s': more than %d distinct labels; a target of "
                              "words is read as class names", t->path, lineno, name,
                              MAX_WORD_CLASSES);
    if (k == t->n_labels) {
        t->labels = herd_realloc(t->labels, (size_t)(k + 1) * sizeof *t->labels);
        t->labels[t->n_labels++] = herd_strdup(word);
    }
    if (t->word_line == 0)
        t->word_line = lineno;
    *v = (float)k;
    return HERD_OK;
}

/* A numeric target after words: the same mix word_label refuses. */
static int number_label(csv_table *t, const char *cell, long lineno, herd_error *err)
{
    if (t->word_line > 0)
        return herd_error_set(err, HERD_ERR_DATA,
                              "%s:%ld: column '%s': '%.40s' is a number, but the labels before "
                              "it are words (line %ld: '%s'); class labels must be all numbers "
                              "or all words", t->path, lineno, t->names[t->target], cell,
                              t->word_line, t->labels[0]);
    if (t->number_line == 0)
        t->number_line = lineno;
    return HERD_OK;
}

static int parse_row(csv_table *t, char **cells, int n, long lineno, herd_error *err)
{
    if (n < t->ncols)
        return herd_error_set(err, HERD_ERR_DATA,
                              "%s:%ld: column '%s': missing (row has %d of %d columns)", t->path,
                              lineno, t->names[n], n, t->ncols);
    if (n > t->ncols)
        return herd_error_set(err, HERD_ERR_DATA,
                              "%s:%ld: column %d: extra cell (row has %d cells, header %d)",
                              t->path, lineno, t->ncols + 1, n, t->ncols);
    grow(t);
    float *x = t->X + t->rows * t->features;
    for (int c = 0; c < n; c++) {
        float v = 0;
        int r = parse_cell(cells[c], &v);
        int rc = HERD_OK;
        if (r == -1 && c == t->target)
            rc = word_label(t, trim(cells[c]), lineno, &v, err);
        else if (r == 0 && c == t->target && *trim(cells[c]) != '\0')
            rc = number_label(t, trim(cells[c]), lineno, err);
        if (rc != HERD_OK)
            return rc;
        if (r == -1 && c == t->target)
            r = 0;
        if (r != 0)
            return herd_error_set(err, HERD_ERR_DATA, "%s:%ld: column '%s': %s: '%.40s'",
                                  t->path, lineno, t->names[c],
                                  r == -1 ? "not a number" : "outside float range", trim(cells[c]));
        if (c == t->target && isnan(v) && *trim(cells[c]) == '\0')
            return herd_error_set(err, HERD_ERR_DATA, "%s:%ld: column '%s': missing target value",
                                  t->path, lineno, t->names[c]);
        if (c == t->target)
            t->y[t->rows] = v;
        else
            *x++ = v;
    }
    t->line[t->rows++] = lineno;
    return HERD_OK;
}

static int read_rows(csv_table *t, FILE *f, const char *target, herd_error *err)
{
    char *buf = NULL, **cells = NULL;
    size_t bufcap = 0;
    int cellcap = 0, rc = HERD_OK;
    long lineno = 0, first = 0;
    char *line = NULL;
    rc = next_record(t, f, &buf, &bufcap, &lineno, &line, &first, err);
    if (rc == HERD_OK && line == NULL)
        rc = herd_error_set(err, HERD_ERR_DATA, "%s:1: empty file (no header row)", t->path);
    if (rc == HERD_OK)
        rc = read_header(t, line, first, target, err);
    while (rc == HERD_OK) {
        rc = next_record(t, f, &buf, &bufcap, &lineno, &line, &first, err);
        if (rc != HERD_OK || line == NULL)
            break;
        int n = split_cells(line, &cells, &cellcap);
        rc = parse_row(t, cells, n, first, err);
    }
    if (rc == HERD_OK && ferror(f))
        rc = herd_error_set(err, HERD_ERR_IO, "%s: read error: %s", t->path, strerror(errno));
    if (rc == HERD_OK && t->rows == 0)
        rc = herd_error_set(err, HERD_ERR_DATA, "%s:%ld: no data rows after the header",
                            t->path, lineno);
    free(cells);
    free(buf);
    return rc;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Infer the task from the labels (see import.h); *n_classes for classes. */
static int infer_task(const csv_table *t, int *n_classes)
{
    float max = 0;
    for (int64_t i = 0; i < t->rows; i++) {
        float v = t->y[i];
        if (!isfinite(v) || v != floorf(v) || v < 0 || v >= MAX_CLASS_ID)
            return HERD_TASK_REGRESSION;
        max = v > max ? v : max;
    }
    float *s = herd_malloc((size_t)t->rows * sizeof *s);
    memcpy(s, t->y, (size_t)t->rows * sizeof *s);
    qsort(s, (size_t)t->rows, sizeof *s, cmp_float);
    int64_t distinct = 1;
    for (int64_t i = 1; i < t->rows; i++)
        distinct += s[i] != s[i - 1];
    free(s);
    *n_classes = (int)max + 1 < 2 ? 2 : (int)max + 1;
    if (distinct <= 2 && max <= 1)
        return HERD_TASK_BINARY;
    return distinct <= MAX_INFERRED_CLASSES ? HERD_TASK_MULTICLASS : HERD_TASK_REGRESSION;
}

/* Check every label fits task; sets *n_classes = max + 1 (>= 2) for classes. */
static int check_targets(const csv_table *t, int task, int *n_classes, herd_error *err)
{
    const char *name = t->names[t->target];
    float max = 0;
    for (int64_t i = 0; i < t->rows; i++) {
        float v = t->y[i];
        if (task == HERD_TASK_REGRESSION && !isfinite(v))
            return herd_error_set(err, HERD_ERR_DATA, "%s:%ld: column '%s': target %g is not finite",
                                  t->path, t->line[i], name, (double)v);
        if (task == HERD_TASK_REGRESSION)
            continue;
        if (!isfinite(v) || v != floorf(v) || v < 0 || v >= MAX_CLASS_ID)
            return herd_error_set(err, HERD_ERR_DATA,
                                  "%s:%ld: column '%s': label %g is not a class id (integer >= 0)",
                                  t->path, t->line[i], name, (double)v);
        if (task == HERD_TASK_BINARY && v > 1)
            return herd_error_set(err, HERD_ERR_DATA,
                                  "%s:%ld: column '%s': label %g is not 0 or 1 (task binary)",
                                  t->path, t->line[i], name, (double)v);
        max = v > max ? v : max;
    }
    *n_classes = task == HERD_TASK_REGRESSION ? 0 : ((int)max + 1 < 2 ? 2 : (int)max + 1);
    return HERD_OK;
}

/* Without a target: every column a feature, no /y. */
static int write_unlabelled(const csv_table *t, const char *out, herd_error *err)
{
    char source[1024];
    snprintf(source, sizeof source, "csv: %s (no target)", t->path);
    herd_dataset_spec spec = { .rows = t->rows, .cols = t->features, .X = t->X,
                               .feature_names = (const char *const *)t->names,
                               .unlabelled = 1, .source = source };
    return herd_dataset_write(out, &spec, NULL, err);
}

static const char *const *sort_labels_by;  /* qsort has no context argument */

static int by_label(const void *a, const void *b)
{
    return strcmp(sort_labels_by[*(const int *)a], sort_labels_by[*(const int *)b]);
}

/* Class names in sorted order (ids 0, 1, ... as scikit-learn's
 * LabelEncoder gives them: of two, the second is the positive class), y
 * renumbered to match; the task follows from their number. */
static int name_classes(csv_table *t, int *task, int *n_classes, herd_error *err)
{
    const char *name = t->names[t->target];
    if (*task == HERD_TASK_REGRESSION)
        return herd_error_set(err, HERD_ERR_DATA,
                              "%s:%ld: column '%s': '%s' is a word; a regression target must be "
                              "numbers", t->path, t->word_line, name, t->labels[0]);
    if (t->n_labels < 2)
        return herd_error_set(err, HERD_ERR_DATA,
                              "%s: column '%s': every label is '%s'; a classifier needs two "
                              "classes or more", t->path, name, t->labels[0]);
    if (*task == HERD_TASK_BINARY && t->n_labels > 2)
        return herd_error_set(err, HERD_ERR_DATA,
                              "%s: column '%s': %d class names, task binary needs 2", t->path,
                              name, t->n_labels);
    int k = t->n_labels;
    int *order = herd_malloc((size_t)k * sizeof *order), *id = herd_malloc((size_t)k * sizeof *id);
    for (int i = 0; i < k; i++)
        order[i] = i;
    sort_labels_by = (const char *const *)t->labels;
    qsort(order, (size_t)k, sizeof *order, by_label);
    sort_labels_by = NULL;
    char **sorted = herd_malloc((size_t)k * sizeof *sorted);
    for (int i = 0; i < k; i++) {
        id[order[i]] = i;
        sorted[i] = t->labels[order[i]];
    }
    for (int64_t r = 0; r < t->rows; r++)
        t->y[r] = (float)id[(int)t->y[r]];
    memcpy(t->labels, sorted, (size_t)k * sizeof *sorted);
    free(sorted);
    free(id);
    free(order);
    if (*task < 0)
        *task = k == 2 ? HERD_TASK_BINARY : HERD_TASK_MULTICLASS;
    *n_classes = k;
    return HERD_OK;
}

static int write_table(csv_table *t, int task, const char *out, herd_error *err)
{
    if (t->target < 0)
        return write_unlabelled(t, out, err);
    int n_classes = 0, rc = HERD_OK;
    if (t->n_labels > 0)
        rc = name_classes(t, &task, &n_classes, err);
    else if (task < 0)
        task = infer_task(t, &n_classes);
    if (rc == HERD_OK)
        rc = check_targets(t, task, &n_classes, err);
    if (rc != HERD_OK)
        return rc;
    const char **names = herd_calloc((size_t)t->ncols, sizeof *names);
    for (int c = 0, k = 0; c < t->ncols; c++)
        if (c != t->target)
            names[k++] = t->names[c];
    char source[1024];
    snprintf(source, sizeof source, "csv: %s (target '%s')", t->path, t->names[t->target]);
    herd_dataset_spec spec = { .rows = t->rows, .cols = t->ncols - 1, .X = t->X, .y = t->y,
                               .split = NULL, .feature_names = names, .task = task,
                               .n_classes = n_classes, .source = source,
                               .class_names = (const char *const *)t->labels };
    rc = herd_dataset_write(out, &spec, NULL, err);
    free(names);
    return rc;
}

int herd_import_csv(const char *csv, const char *target, int task, const char *out,
                    herd_error *err)
{
    csv_table t = { .path = csv };
    int rc = HERD_OK;
    FILE *f = fopen(csv, "r");
    if (f == NULL) {
        rc = errno == ENOENT ? herd_error_set(err, HERD_ERR_IO, "%s: no such file", csv)
                             : herd_error_set(err, HERD_ERR_IO, "%s: %s", csv, strerror(errno));
        goto done;
    }
    if (task < -1 || task > HERD_TASK_REGRESSION) {
        rc = herd_error_set(err, HERD_ERR_USAGE, "import-csv: unknown task %d", task);
        goto done;
    }
    if (target == NULL && task >= 0) {
        rc = herd_error_set(err, HERD_ERR_USAGE, "import-csv: a task needs a target column");
        goto done;
    }
    rc = read_rows(&t, f, target, err);
    if (rc == HERD_OK)
        rc = write_table(&t, task, out, err);
done:
    if (f != NULL)
        fclose(f);
    for (int c = 0; c < t.ncols; c++)
        free(t.names[c]);
    free(t.names);
    for (int k = 0; k < t.n_labels; k++)
        free(t.labels[k]);
    free(t.labels);
    free(t.line);
    free(t.y);
    free(t.X);
    return rc;
}
