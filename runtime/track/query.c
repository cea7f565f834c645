/* query.c - the filter language of `herd runs list --filter` and sort keys.
 *
 * A hand-written scanner and recursive-descent parser (the grammar is flat:
 * comparison (AND comparison)*), so every error can say where it is. The
 * parsed query is an array of comparisons evaluated against a run's JSON
 * object (herd_runs_get_json), which keeps the language independent of how
 * the index stores runs.
 */
#include "track/query.h"
#include "core/mem.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum cmp_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_LIKE, OP_ILIKE } cmp_op;

typedef struct comparison {
    herd_field field;
    cmp_op op;
    int is_number;    /* the value is a number literal */
    double number;
    char *text;       /* the value as written (unquoted) */
} comparison;

struct herd_query {
    comparison *cmps;
    int n;
};

/* Where the scanner is in the expression. */
typedef struct scanner {
    const char *src;
    size_t pos;
    herd_error *err;
} scanner;

/* Attribute names a filter may use -> the run JSON member they read. */
static const struct { const char *name, *member; } ATTRIBUTES[] = {
    {"id", "id"}, {"run_id", "id"}, {"experiment", "experiment"},
    {"experiment_name", "experiment"}, {"name", "name"}, {"run_name", "name"},
    {"status", "status"}, {"parent_id", "parent_id"}, {"start_time", "start_time"},
    {"end_time", "end_time"}, {"heartbeat", "heartbeat"}, {"world_size", "world_size"},
    {"hosts", "hosts"}, {"command", "command"}, {"git_commit", "git_commit"},
    {"git_dirty", "git_dirty"}, {"config_sha256", "config_sha256"},
    {"data_sha256", "data_sha256"},
};

static const struct { const char *prefix; herd_field_kind kind; } PREFIXES[] = {
    {"metrics", HERD_FIELD_METRIC}, {"metric", HERD_FIELD_METRIC},
    {"params", HERD_FIELD_PARAM}, {"param", HERD_FIELD_PARAM},
    {"tags", HERD_FIELD_TAG}, {"tag", HERD_FIELD_TAG},
    {"attributes", HERD_FIELD_ATTR}, {"attribute", HERD_FIELD_ATTR}, {"attr", HERD_FIELD_ATTR},
    {"run", HERD_FIELD_ATTR},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int syntax_error(scanner *s, size_t at, const char *what)
{
    if (s->src[at] == '\0')
        return herd_error_set(s->err, HERD_ERR_USAGE, "position %zu (at the end): %s", at + 1,
                              what);
    return herd_error_set(s->err, HERD_ERR_USAGE, "position %zu (near '%.16s'): %s", at + 1,
                          s->src + at, what);
}

static void skip_space(scanner *s)
{
    while (isspace((unsigned char)s->src[s->pos]))
        s->pos++;
}

static int is_key_char(char c)
{
    return c != '\0' && !isspace((unsigned char)c) && strchr("=!<>'\"`()", c) == NULL;
}

/* A quoted run of text: 'a''b', "a""b" or `a``b` (the quote doubled inside). */
static int scan_quoted(scanner *s, char **out)
{
    char q = s->src[s->pos];
    size_t start = s->pos++;
    char *text = herd_malloc(strlen(s->src) + 1);
    size_t n = 0;
    for (;;) {
        char c = s->src[s->pos];
        if (c == '\0') {
            free(text);
            return syntax_error(s, start, "unterminated quote");
        }
        s->pos++;
        if (c == q && s->src[s->pos] != q)
            break;
        if (c == q)
            s->pos++;
        text[n++] = c;
    }
    text[n] = '\0';
    *out = text;
    return HERD_OK;
}

static int attribute_member(const char *name, const char **member)
{
    for (size_t i = 0; i < N_OF(ATTRIBUTES); i++)
        if (strcasecmp(name, ATTRIBUTES[i].name) == 0) {
            *member = ATTRIBUTES[i].member;
            return 1;
        }
    return 0;
}

static int scan_key(scanner *s, char **key)
{
    char c = s->src[s->pos];
    if (c == '`' || c == '"')
        return scan_quoted(s, key);
    size_t start = s->pos;
    while (is_key_char(s->src[s->pos]))
        s->pos++;
    if (s->pos == start)
        return syntax_error(s, start, "expected a key after the prefix");
    *key = herd_malloc(s->pos - start + 1);
    memcpy(*key, s->src + start, s->pos - start);
    (*key)[s->pos - start] = '\0';
    return HERD_OK;
}

/* An attribute named by key (an alias is mapped to its member). */
static int set_attribute(scanner *s, size_t at, char *key, herd_field *f)
{
    const char *member = NULL;
    if (!attribute_member(key, &member)) {
        free(key);
        return syntax_error(s, at, "unknown field (use metrics.KEY, params.KEY, tags.KEY or "
                                   "an attribute such as status, experiment, name)");
    }
    free(key);
    f->kind = HERD_FIELD_ATTR;
    f->key = herd_strdup(member);
    return HERD_OK;
}

static int scan_field(scanner *s, herd_field *f)
{
    size_t start = s->pos;
    while (isalnum((unsigned char)s->src[s->pos]) || s->src[s->pos] == '_')
        s->pos++;
    size_t n = s->pos - start;
    if (n == 0)
        return syntax_error(s, start, "expected a field such as metrics.KEY or status");
    if (s->src[s->pos] == '.')
        for (size_t i = 0; i < N_OF(PREFIXES); i++)
            if (strlen(PREFIXES[i].prefix) == n &&
                strncasecmp(s->src + start, PREFIXES[i].prefix, n) == 0) {
                s->pos++;
                char *key = NULL;
                int rc = scan_key(s, &key);
                if (rc != HERD_OK)
                    return rc;
                if (PREFIXES[i].kind == HERD_FIELD_ATTR)
                    return set_attribute(s, start, key, f);
                f->kind = PREFIXES[i].kind;
                f->key = key;
                return HERD_OK;
            }
    s->pos = start;
    char *word = NULL;
    int rc = scan_key(s, &word);
    return rc == HERD_OK ? set_attribute(s, start, word, f) : rc;
}

/* Case-insensitive keyword at the scanner, ending at a word boundary. */
static int take_word(scanner *s, const char *word)
{
    size_t n = strlen(word);
    if (strncasecmp(s->src + s->pos, word, n) != 0)
        return 0;  /* only now is src[pos + n] known to be inside the string */
    char next = s->src[s->pos + n];
    if (isalnum((unsigned char)next) || next == '_')
        return 0;
    s->pos += n;
    return 1;
}

static int scan_op(scanner *s, cmp_op *op)
{
    static const struct { const char *text; cmp_op op; } symbols[] = {
        {"<=", OP_LE}, {">=", OP_GE}, {"!=", OP_NE}, {"<>", OP_NE}, {"==", OP_EQ},
        {"=", OP_EQ}, {"<", OP_LT}, {">", OP_GT},
    };
    for (size_t i = 0; i < N_OF(symbols); i++) {
        size_t n = strlen(symbols[i].text);
        if (strncmp(s->src + s->pos, symbols[i].text, n) == 0) {
            s->pos += n;
            *op = symbols[i].op;
            return HERD_OK;
        }
    }
    if (take_word(s, "like")) {
        *op = OP_LIKE;
        return HERD_OK;
    }
    if (take_word(s, "ilike")) {
        *op = OP_ILIKE;
        return HERD_OK;
    }
    return syntax_error(s, s->pos, "expected an operator (= != < <= > >= LIKE ILIKE)");
}

static size_t digits(const char *s)
{
    size_t n = 0;
    while (isdigit((unsigned char)s[n]))
        n++;
    return n;
}

/* Length of the decimal number at s (-1.5, .5, 2e-3), 0 if there is none:
 * strtod alone would also take inf, nan and hex, which are not numbers here. */
static size_t decimal_length(const char *s)
{
    size_t n = s[0] == '-' || s[0] == '+', whole = digits(s + n), frac = 0;
    n += whole;
    if (s[n] == '.')
        n += 1 + (frac = digits(s + n + 1));
    if (whole == 0 && frac == 0)
        return 0;
    if (s[n] == 'e' || s[n] == 'E') {
        size_t sign = s[n + 1] == '-' || s[n + 1] == '+', exp = digits(s + n + 1 + sign);
        if (exp > 0)
            n += 1 + sign + exp;
    }
    return n;
}

static int scan_value(scanner *s, comparison *c)
{
    size_t start = s->pos;
    char q = s->src[s->pos];
    if (q == '\'' || q == '"')
        return scan_quoted(s, &c->text);
    size_t n = decimal_length(s->src + start);
    if (n == 0 || is_key_char(s->src[start + n]))
        return syntax_error(s, start, "expected a number or a 'quoted' string");
    c->is_number = 1;
    c->text = herd_malloc(n + 1);
    memcpy(c->text, s->src + start, n);
    c->text[n] = '\0';
    c->number = strtod(c->text, NULL);
    s->pos += n;
    return HERD_OK;
}

/* Checks that need the whole comparison: what a kind of field compares with. */
static int check_comparison(scanner *s, size_t at, const comparison *c)
{
    int like = c->op == OP_LIKE || c->op == OP_ILIKE;
    if (like && c->is_number)
        return syntax_error(s, at, "LIKE needs a 'quoted' pattern");
    if (c->field.kind == HERD_FIELD_METRIC && !c->is_number)
        return syntax_error(s, at, "a metric compares with a number");
    return HERD_OK;
}

static int scan_comparison(scanner *s, comparison *c)
{
    skip_space(s);
    int rc = scan_field(s, &c->field);
    skip_space(s);
    if (rc == HERD_OK)
        rc = scan_op(s, &c->op);
    skip_space(s);
    size_t value_at = s->pos;
    if (rc == HERD_OK)
        rc = scan_value(s, c);
    if (rc == HERD_OK)
        rc = check_comparison(s, value_at, c);
    skip_space(s);
    return rc;
}

void herd_query_free(herd_query *q)
{
    if (q == NULL)
        return;
    for (int i = 0; i < q->n; i++) {
        herd_field_free(&q->cmps[i].field);
        free(q->cmps[i].text);
    }
    free(q->cmps);
    free(q);
}

int herd_query_parse(const char *expr, herd_query **out, herd_error *err)
{
    scanner s = {.src = expr != NULL ? expr : "", .pos = 0, .err = err};
    herd_query *q = herd_calloc(1, sizeof *q);
    int rc = HERD_OK;
    skip_space(&s);
    while (rc == HERD_OK && s.src[s.pos] != '\0') {
        if (q->n > 0 && !take_word(&s, "and")) {
            rc = take_word(&s, "or") ? syntax_error(&s, s.pos - 2, "OR is not supported; "
                                                                    "only AND joins comparisons")
                                     : syntax_error(&s, s.pos, "expected AND or the end");
            break;
        }
        q->cmps = herd_realloc(q->cmps, (size_t)(q->n + 1) * sizeof *q->cmps);
        memset(&q->cmps[q->n], 0, sizeof *q->cmps);
        rc = scan_comparison(&s, &q->cmps[q->n++]);
    }
    if (rc != HERD_OK) {
        herd_query_free(q);
        q = NULL;
    }
    *out = q;
    return rc;
}

int herd_like(const char *text, const char *pattern, int ignore_case)
{
    /* Iterative glob match with one backtracking point (the last %). */
    const char *star = NULL, *resume = NULL;
    while (*text != '\0') {
        int same = ignore_case ? tolower((unsigned char)*pattern) == tolower((unsigned char)*text)
                               : *pattern == *text;
        if (*pattern == '%') {
            star = pattern++;
            resume = text;
        } else if (*pattern != '\0' && (*pattern == '_' || same)) {
            pattern++;
            text++;
        } else if (star != NULL) {
            pattern = star + 1;
            text = ++resume;
        } else {
            return 0;
        }
    }
    while (*pattern == '%')
        pattern++;
    return *pattern == '\0';
}

/* v as a number: a JSON number, or a string that is all one decimal number. */
static int as_number(const cJSON *v, double *x)
{
    if (cJSON_IsNumber(v)) {
        *x = v->valuedouble;
        return 1;
    }
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
        decimal_length(v->valuestring) != strlen(v->valuestring))
        return 0;
    *x = strtod(v->valuestring, NULL);
    return 1;
}

static int holds(cmp_op op, int order)
{
    switch (op) {
    case OP_EQ: return order == 0;
    case OP_NE: return order != 0;
    case OP_LT: return order < 0;
    case OP_LE: return order <= 0;
    case OP_GT: return order > 0;
    case OP_GE: return order >= 0;
    default: return 0;
    }
}

static int match_one(const comparison *c, const cJSON *run)
{
    const cJSON *v = herd_field_value(&c->field, run);
    double x;
    char buf[64];
    if (v == NULL)
        return 0;
    if (c->op == OP_LIKE || c->op == OP_ILIKE) {
        const char *text = cJSON_IsString(v) ? v->valuestring : buf;
        if (!cJSON_IsString(v))
            snprintf(buf, sizeof buf, "%.15g", v->valuedouble);
        return herd_like(text, c->text, c->op == OP_ILIKE);
    }
    if (c->is_number)
        return as_number(v, &x) && holds(c->op, (x > c->number) - (x < c->number));
    if (cJSON_IsString(v))
        return holds(c->op, strcmp(v->valuestring, c->text));
    /* a number field against a quoted value: compare as numbers if it is one */
    cJSON literal = {.type = cJSON_String, .valuestring = c->text};
    double y;
    return as_number(&literal, &y) && holds(c->op, (v->valuedouble > y) - (v->valuedouble < y));
}

int herd_query_match(const herd_query *q, const cJSON *run)
{
    for (int i = 0; q != NULL && i < q->n; i++)
        if (!match_one(&q->cmps[i], run))
            return 0;
    return 1;
}

int herd_field_parse(const char *text, herd_field *out, herd_error *err)
{
    scanner s = {.src = text, .pos = 0, .err = err};
    memset(out, 0, sizeof *out);
    skip_space(&s);
    int rc = scan_field(&s, out);
    skip_space(&s);
    if (rc == HERD_OK && s.src[s.pos] != '\0')
        rc = syntax_error(&s, s.pos, "unexpected text after the field");
    if (rc != HERD_OK)
        herd_field_free(out);
    return rc;
}

void herd_field_free(herd_field *f)
{
    free(f->key);
    f->key = NULL;
}

int herd_sort_parse(const char *text, herd_sort *out, herd_error *err)
{
    memset(out, 0, sizeof *out);
    while (isspace((unsigned char)*text))
        text++;
    if (*text == '-') {
        out->descending = 1;
        text++;
    }
    char *copy = herd_strdup(text);
    size_t n = strlen(copy);
    while (n > 0 && isspace((unsigned char)copy[n - 1]))
        copy[--n] = '\0';
    char *space = strrchr(copy, ' ');
    if (space != NULL && (strcasecmp(space + 1, "desc") == 0 || strcasecmp(space + 1, "asc") == 0)) {
        out->descending = strcasecmp(space + 1, "desc") == 0;
        *space = '\0';
    }
    int rc = herd_field_parse(copy, &out->field, err);
    free(copy);
    return rc;
}

const cJSON *herd_field_value(const herd_field *f, const cJSON *run)
{
    static const char *GROUPS[] = {"metrics", "params", "tags"};
    const cJSON *holder = run;
    if (f->kind != HERD_FIELD_ATTR)
        holder = cJSON_GetObjectItemCaseSensitive(run, GROUPS[f->kind]);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(holder, f->key);
    return cJSON_IsNumber(v) || cJSON_IsString(v) ? v : NULL;
}

int herd_sort_compare(const herd_sort *s, const cJSON *a, const cJSON *b)
{
    const cJSON *va = herd_field_value(&s->field, a), *vb = herd_field_value(&s->field, b);
    if (va == NULL || vb == NULL)
        return (va == NULL) - (vb == NULL);
    double x, y;
    int order;
    if (as_number(va, &x) && as_number(vb, &y))
        order = (x > y) - (x < y);
    else if (cJSON_IsString(va) && cJSON_IsString(vb))
        order = strcmp(va->valuestring, vb->valuestring);
    else
        order = cJSON_IsNumber(va) ? -1 : 1;  /* numbers before text */
    return s->descending ? -order : order;
}
