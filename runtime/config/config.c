/* config.c - loading, validating and dumping herd configs.
 *
 * A config starts as the schema defaults (schema.c). The YAML file is read
 * with libyaml's document API and walked: nested mappings become dotted
 * keys, and each key is looked up in the schema and its value parsed, checked
 * and stored straight into herd_config. The key=value overrides go through
 * the same setter. Every message names where the bad value came from
 * ("cfg.yaml:5" or "override 'optim.lr=fast'"). The canonical text is then
 * printed from the struct, sorted by key, so that it parses back (with
 * herd_config_from_canonical, which also accepts flat dotted keys) to the
 * same struct and the same text.
 */
#include "config/config.h"
#include "config/schema.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sha256.h"

#include <yaml.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define TEXT_MAX (4 * HERD_PATH_MAX + 16) /* one value as text, escapes included */
#define WHERE_MAX 320                     /* "file:line" or "override '...'" */
#define NAME_MAX_LEN 128                  /* longest dotted key we look at */
#define MAX_KEYS 128                      /* bound on the schema size */

/* ---------------------------------------------------------------- values */

static void *field(herd_config *cfg, const herd_key *k) { return (char *)cfg + k->offset; }

static const void *cfield(const herd_config *cfg, const herd_key *k)
{
    return (const char *)cfg + k->offset;
}

/* "sgd, adam, adamw" */
static void join_values(const herd_key *k, char *out, size_t cap)
{
    out[0] = '\0';
    for (int i = 0; k->values[i] != NULL; i++) {
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s", i ? ", " : "", k->values[i]);
    }
}

/* "[1, 1000000]", "(0, 10]", "[0, inf)" */
static void range_text(const herd_key *k, char *out, size_t cap)
{
    char hi[32] = "inf";
    if (k->type == HERD_KEY_FLOAT) {
        int bounded = isfinite(k->fmax);
        if (bounded)
            snprintf(hi, sizeof hi, "%g", k->fmax);
        snprintf(out, cap, "%c%g, %s%c", k->fmin_open ? '(' : '[', k->fmin, hi,
                 (k->fmax_open || !bounded) ? ')' : ']');
        return;
    }
    if (k->imax != HERD_KEY_NO_LIMIT)
        snprintf(hi, sizeof hi, "%" PRId64, k->imax);
    snprintf(out, cap, "[%" PRId64 ", %s%c", k->imin, hi,
             k->imax == HERD_KEY_NO_LIMIT ? ')' : ']');
}

static void expected_text(const herd_key *k, char *out, size_t cap)
{
    char names[256];
    switch (k->type) {
    case HERD_KEY_INT: snprintf(out, cap, "an integer"); break;
    case HERD_KEY_FLOAT: snprintf(out, cap, "a number"); break;
    case HERD_KEY_BOOL: snprintf(out, cap, "true or false"); break;
    case HERD_KEY_STRING: snprintf(out, cap, "a string"); break;
    case HERD_KEY_ENUM:
        join_values(k, names, sizeof names);
        snprintf(out, cap, "one of %s", names);
        break;
    case HERD_KEY_INT_LIST: snprintf(out, cap, "a list of integers such as [256, 128]"); break;
    case HERD_KEY_JSON: snprintf(out, cap, "a list or mapping such as [{feature: age}]"); break;
    }
}

/* got is already phrased: "'fast'" or "a mapping". */
static int type_error(const herd_key *k, const char *where, const char *got, herd_error *err)
{
    char want[320];
    expected_text(k, want, sizeof want);
    return herd_error_set(err, HERD_ERR_USAGE, "%s: %s: expected %s, got %s", where, k->name,
                          want, got);
}

static int type_error_text(const herd_key *k, const char *where, const char *text,
                           herd_error *err)
{
    char got[80];
    snprintf(got, sizeof got, "'%.60s%s'", text, strlen(text) > 60 ? "..." : "");
    return type_error(k, where, got, err);
}

static int range_error(const herd_key *k, const char *where, const char *text, herd_error *err)
{
    char range[96];
    range_text(k, range, sizeof range);
    return herd_error_set(err, HERD_ERR_USAGE, "%s: %s: %.60s is out of range %s", where,
                          k->name, text, range);
}

/* Whole-string base-10 integer; *overflow set when it does not fit int64. */
static int parse_int(const char *s, int64_t *v, int *overflow)
{
    char *end;
    if (*s == '\0' || *s == ' ' || *s == '\t')
        return 0;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (*end != '\0')
        return 0;
    *overflow = errno == ERANGE;
    *v = x;
    return 1;
}

static int parse_float(const char *s, double *v)
{
    char *end;
    if (*s == '\0' || *s == ' ' || *s == '\t')
        return 0;
    double x = strtod(s, &end);
    if (*end != '\0' || !isfinite(x))
        return 0;
    *v = x;
    return 1;
}

static int parse_bool(const char *s, int *v)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
            *v = strcasecmp(s, yes[i]) == 0;
            return 1;
        }
    }
    return 0;
}

static int int_in_range(const herd_key *k, int64_t v) { return v >= k->imin && v <= k->imax; }

static int set_int(herd_config *cfg, const herd_key *k, const char *text, const char *where,
                   herd_error *err)
{
    int64_t v;
    int overflow = 0;
    if (!parse_int(text, &v, &overflow))
        return type_error_text(k, where, text, err);
    if (overflow || !int_in_range(k, v))
        return range_error(k, where, text, err);
    *(int64_t *)field(cfg, k) = v;
    return HERD_OK;
}

static int set_float(herd_config *cfg, const herd_key *k, const char *text, const char *where,
                     herd_error *err)
{
    double v;
    if (!parse_float(text, &v))
        return type_error_text(k, where, text, err);
    int low_ok = k->fmin_open ? v > k->fmin : v >= k->fmin;
    int high_ok = k->fmax_open ? v < k->fmax : v <= k->fmax;
    if (!low_ok || !high_ok)
        return range_error(k, where, text, err);
    *(double *)field(cfg, k) = v;
    return HERD_OK;
}

static int set_enum(herd_config *cfg, const herd_key *k, const char *text, const char *where,
                    herd_error *err)
{
    for (int i = 0; k->values[i] != NULL; i++) {
        if (strcmp(text, k->values[i]) == 0) {
            *(int *)field(cfg, k) = i;
            return HERD_OK;
        }
    }
    char names[256];
    join_values(k, names, sizeof names);
    return herd_error_set(err, HERD_ERR_USAGE, "%s: %s: '%.60s' is not one of %s", where,
                          k->name, text, names);
}

/* Bytes in the valid UTF-8 sequence at p (1-4; 0: not valid: a stray or
 * missing continuation byte, an overlong form, a surrogate or past
 * U+10FFFF), its code point in *cp. */
static int utf8_sequence(const unsigned char *p, uint32_t *cp)
{
    static const uint32_t least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    int len = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3
              : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    uint32_t c = len == 1 ? p[0] : len == 2 ? p[0] & 0x1fu : len == 3 ? p[0] & 0x0fu : p[0] & 0x07u;
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3fu);
    }
    *cp = c;
    if (len == 0 || c < least[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    return len;
}

static int valid_utf8(const char *text)
{
    uint32_t cp;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0';) {
        int len = utf8_sequence(p, &cp);
        if (len == 0)
            return 0;
        p += len;
    }
    return 1;
}

static int set_string(herd_config *cfg, const herd_key *k, const char *text, const char *where,
                      herd_error *err)
{
    size_t n = strlen(text);
    /* YAML text is UTF-8: anything else could not be written to the run's
     * canonical config and read back */
    if (!valid_utf8(text))
        return herd_error_set(err, HERD_ERR_USAGE, "%s: %s: not valid UTF-8 text", where,
                              k->name);
    if (n >= k->capacity)
        return herd_error_set(err, HERD_ERR_USAGE, "%s: %s: longer than %zu characters",
                              where, k->name, k->capacity - 1);
    if ((int64_t)n < k->imin)
        return herd_error_set(err, HERD_ERR_USAGE, "%s: %s: must not be empty", where,
                              k->name);
    /* Zero the whole array so equal configs are equal byte for byte. */
    memset(field(cfg, k), 0, k->capacity);
    memcpy(field(cfg, k), text, n);
    return HERD_OK;
}

static int set_json_text(herd_config *cfg, const herd_key *k, const char *text,
                         const char *where, herd_error *err);

/* Set a scalar-typed key from its text. */
static int set_scalar(herd_config *cfg, const herd_key *k, const char *text, const char *where,
                      herd_error *err)
{
    int b;
    switch (k->type) {
    case HERD_KEY_INT: return set_int(cfg, k, text, where, err);
    case HERD_KEY_FLOAT: return set_float(cfg, k, text, where, err);
    case HERD_KEY_ENUM: return set_enum(cfg, k, text, where, err);
    case HERD_KEY_STRING: return set_string(cfg, k, text, where, err);
    case HERD_KEY_BOOL:
        if (!parse_bool(text, &b))
            return type_error_text(k, where, text, err);
        *(int *)field(cfg, k) = b;
        return HERD_OK;
    case HERD_KEY_JSON: return set_json_text(cfg, k, text, where, err);
    case HERD_KEY_INT_LIST: break;
    }
    return type_error_text(k, where, text, err);
}

/* Set a list-typed key from item texts. */
static int set_list(herd_config *cfg, const herd_key *k, const char *const *items, int n,
                    const char *where, herd_error *err)
{
    if (k->type != HERD_KEY_INT_LIST)
        return type_error(k, where, "a list", err);
    if (n > (int)k->capacity)
        return herd_error_set(err, HERD_ERR_USAGE, "%s: %s: too many items (%d, at most %zu)",
                              where, k->name, n, k->capacity);
    int *dst = field(cfg, k);
    for (int i = 0; i < n; i++) {
        int64_t v;
        int overflow = 0;
        if (!parse_int(items[i], &v, &overflow))
            return type_error_text(k, where, items[i], err);
        if (overflow || !int_in_range(k, v))
            return range_error(k, where, items[i], err);
        dst[i] = (int)v;
    }
    for (int i = n; i < (int)k->capacity; i++)
        dst[i] = 0;
    *(int *)((char *)cfg + k->count_offset) = n;
    return HERD_OK;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* A list written as text, "[256, 128]" (overrides, schema defaults). */
static int set_list_text(herd_config *cfg, const herd_key *k, const char *text,
                         const char *where, herd_error *err)
{
    size_t n = strlen(text);
    if (n < 2 || text[0] != '[' || text[n - 1] != ']')
        return type_error_text(k, where, text, err);
    char *copy = herd_strdup(text + 1);
    copy[n - 2] = '\0';
    const char **items = herd_malloc((n + 1) * sizeof *items);
    int count = 0;
    char *s = trim(copy);
    while (*s != '\0') {
        char *comma = strchr(s, ',');
        if (comma != NULL)
            *comma = '\0';
        items[count++] = trim(s);
        if (comma == NULL)
            break;
        s = comma + 1;
    }
    int rc = set_list(cfg, k, items, count, where, err);
    free(items);
    free(copy);
    return rc;
}

/* Set any key from text in override syntax. */
static int set_text(herd_config *cfg, const herd_key *k, const char *text, const char *where,
                    herd_error *err)
{
    if (k->type == HERD_KEY_INT_LIST)
        return set_list_text(cfg, k, text, where, err);
    return set_scalar(cfg, k, text, where, err);
}

/* ------------------------------------------------------- unknown keys */

/* Edit distance; long names get a large distance (no suggestion). */
static int levenshtein(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na >= NAME_MAX_LEN || nb >= NAME_MAX_LEN)
        return 1000;
    int row[NAME_MAX_LEN + 1];
    for (size_t j = 0; j <= nb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

static const char *leaf(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot ? dot + 1 : name;
}

static void consider(int d, const char *candidate, size_t len, int *best, char *out)
{
    if (d < *best) {
        *best = d;
        snprintf(out, NAME_MAX_LEN, "%.*s", (int)len, candidate);
    }
}

/* Closest key or section to name (into out[NAME_MAX_LEN]), or NULL when
 * nothing is reasonably close. Last parts are compared too, so a key written
 * in the wrong section or outside its section ("lr") finds "optim.lr". */
static const char *suggest(const char *name, char *out)
{
    int best = 1000, sectioned = strchr(name, '.') != NULL;
    for (int i = 0; i < herd_config_schema_size; i++) {
        const char *key = herd_config_schema[i].name;
        consider(levenshtein(name, key), key, strlen(key), &best, out);
        consider(levenshtein(leaf(name), leaf(key)) + sectioned, key, strlen(key), &best, out);
        if (!sectioned && leaf(key) != key) {
            char section[NAME_MAX_LEN];
            size_t len = (size_t)(leaf(key) - 1 - key);
            snprintf(section, sizeof section, "%.*s", (int)len, key);
            consider(levenshtein(name, section), key, len, &best, out);
        }
    }
    return best <= 1 + (int)strlen(name) / 4 ? out : NULL;
}

static int unknown_key(const char *name, const char *where, herd_error *err)
{
    char near[NAME_MAX_LEN];
    if (suggest(name, near) != NULL)
        return herd_error_set(err, HERD_ERR_USAGE, "%s: unknown key '%.100s' (did you mean '%s'?)",
                              where, name, near);
    return herd_error_set(err, HERD_ERR_USAGE, "%s: unknown key '%.100s'", where, name);
}

/* ------------------------------------------------------------ YAML */

typedef struct loader {
    herd_config *cfg;
    yaml_document_t *doc;
    const char *source;  /* file name, for messages */
    int flat;            /* accept dotted keys ("optim.lr: 0.1") */
    unsigned char seen[MAX_KEYS];
} loader;

static int walk_mapping(loader *ld, yaml_node_t *map, const char *prefix, herd_error *err);

static const char *scalar(const yaml_node_t *node) { return (const char *)node->data.scalar.value; }

static void where_at(const loader *ld, const yaml_node_t *node, char *out)
{
    snprintf(out, WHERE_MAX, "%.280s:%zu", ld->source, node->start_mark.line + 1);
}

static const char *node_kind(const yaml_node_t *node)
{
    return node->type == YAML_MAPPING_NODE ? "a mapping" : "a list";
}

/* A plain ~, null or empty value means "" for a string key. */
static const char *scalar_value(const herd_key *k, const yaml_node_t *node)
{
    const char *s = scalar(node);
    int plain = node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    int null = s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
               strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
    return (k->type == HERD_KEY_STRING && plain && null) ? "" : s;
}

static int set_sequence(loader *ld, const herd_key *k, yaml_node_t *seq, const char *where,
                        herd_error *err)
{
    yaml_node_item_t *start = seq->data.sequence.items.start;
    int n = (int)(seq->data.sequence.items.top - start);
    const char **items = herd_malloc((size_t)(n + 1) * sizeof *items);
    int rc = HERD_OK;
    for (int i = 0; i < n && rc == HERD_OK; i++) {
        yaml_node_t *item = yaml_document_get_node(ld->doc, start[i]);
        if (item->type != YAML_SCALAR_NODE)
            rc = type_error(k, where, "a nested list or mapping", err);
        else
            items[i] = scalar(item);
    }
    if (rc == HERD_OK)
        rc = set_list(ld->cfg, k, items, n, where, err);
    free(items);
    return rc;
}

/* ------------------------------------------------ structured values */

/* A list or mapping key (HERD_KEY_JSON) keeps its YAML value as compact JSON
 * text: plain scalars that read as numbers become numbers (shortest text
 * that reads back exactly), true/false/yes/no booleans, null/~ null, all
 * else strings. JSON is YAML flow syntax, so the canonical text parses back
 * to the same JSON. */

typedef struct json_text {
    char *s;
    size_t len, cap;
} json_text;

static void json_put(json_text *j, const char *s, size_t n)
{
    while (j->len + n + 1 > j->cap)
        j->s = herd_realloc(j->s, j->cap = j->cap ? 2 * j->cap : 256);
    memcpy(j->s + j->len, s, n);
    j->len += n;
    j->s[j->len] = '\0';
}

static void json_string(json_text *j, const char *s)
{
    json_put(j, "\"", 1);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        if (c == '"' || c == '\\') {
            snprintf(esc, sizeof esc, "\\%c", c);
            json_put(j, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            json_put(j, esc, 6);
        } else {
            json_put(j, s, 1);
        }
    }
    json_put(j, "\"", 1);
}

static void format_float(double v, char *out, size_t cap);

static void json_scalar(json_text *j, const yaml_node_t *node)
{
    const char *s = scalar(node);
    char num[40];
    double v;
    int b;
    if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        json_string(j, s);
    else if (s[0] == '\0' || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0)
        json_put(j, "null", 4);
    else if (strcmp(s, "1") != 0 && strcmp(s, "0") != 0 && parse_bool(s, &b))
        json_put(j, b ? "true" : "false", b ? 4 : 5);
    else if (parse_float(s, &v)) {
        format_float(v, num, sizeof num);
        json_put(j, num, strlen(num));
    } else
        json_string(j, s);
}

static int json_node(yaml_document_t *doc, yaml_node_t *node, int depth, json_text *j)
{
    if (node == NULL || depth > 16)
        return -1;
    if (node->type == YAML_SCALAR_NODE) {
        json_scalar(j, node);
        return 0;
    }
    int rc = 0, first = 1;
    if (node->type == YAML_SEQUENCE_NODE) {
        json_put(j, "[", 1);
        for (yaml_node_item_t *i = node->data.sequence.items.start;
             rc == 0 && i < node->data.sequence.items.top; i++, first = 0) {
            json_put(j, ",", !first);
            rc = json_node(doc, yaml_document_get_node(doc, *i), depth + 1, j);
        }
        json_put(j, "]", 1);
        return rc;
    }
    json_put(j, "{", 1);
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
         rc == 0 && p < node->data.mapping.pairs.top; p++, first = 0) {
        yaml_node_t *key = yaml_document_get_node(doc, p->key);
        if (key == NULL || key->type != YAML_SCALAR_NODE)
            return -1;
        json_put(j, ",", !first);
        json_string(j, scalar(key));
        json_put(j, ":", 1);
        rc = json_node(doc, yaml_document_get_node(doc, p->value), depth + 1, j);
    }
    json_put(j, "}", 1);
    return rc;
}

static int set_json_node(herd_config *cfg, const herd_key *k, yaml_document_t *doc,
                         yaml_node_t *node, const char *where, herd_error *err)
{
    json_text j = {0};
    int rc = HERD_OK;
    if (node->type == YAML_SCALAR_NODE)
        rc = type_error_text(k, where, scalar(node), err);
    else if (json_node(doc, node, 0, &j) != 0)
        rc = type_error(k, where, "a value nested too deeply or with a non-scalar key", err);
    else if (j.len >= k->capacity)
        rc = herd_error_set(err, HERD_ERR_USAGE, "%s: %s: longer than %zu characters as JSON",
                            where, k->name, k->capacity - 1);
    else {
        memset(field(cfg, k), 0, k->capacity);
        memcpy(field(cfg, k), j.s, j.len);
    }
    free(j.s);
    return rc;
}

/* A list or mapping written as text: "[{feature: age, bins: [20, 40]}]". */
static int set_json_text(herd_config *cfg, const herd_key *k, const char *text,
                         const char *where, herd_error *err)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    HERD_ASSERT(yaml_parser_initialize(&parser));
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    int loaded = yaml_parser_load(&parser, &doc);
    yaml_node_t *root = loaded ? yaml_document_get_root_node(&doc) : NULL;
    int rc = root != NULL ? set_json_node(cfg, k, &doc, root, where, err)
                          : type_error_text(k, where, text, err);
    if (loaded)
        yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

static int set_node(loader *ld, const herd_key *k, yaml_node_t *node, const char *where,
                    herd_error *err)
{
    int index = (int)(k - herd_config_schema);
    if (ld->seen[index])
        return herd_error_set(err, HERD_ERR_USAGE, "%s: duplicate key '%s'", where, k->name);
    ld->seen[index] = 1;
    if (k->type == HERD_KEY_JSON && node->type != YAML_SCALAR_NODE)
        return set_json_node(ld->cfg, k, ld->doc, node, where, err);
    if (node->type == YAML_SCALAR_NODE)
        return set_scalar(ld->cfg, k, scalar_value(k, node), where, err);
    if (node->type == YAML_SEQUENCE_NODE)
        return set_sequence(ld, k, node, where, err);
    return type_error(k, where, node_kind(node), err);
}

static int walk_value(loader *ld, const char *name, yaml_node_t *node, const char *where,
                      herd_error *err)
{
    const herd_key *k = herd_config_schema_find(name);
    if (k != NULL)
        return set_node(ld, k, node, where, err);
    if (!herd_config_schema_is_section(name))
        return unknown_key(name, where, err);
    if (node->type == YAML_MAPPING_NODE)
        return walk_mapping(ld, node, name, err);
    char got[80] = "a list";
    if (node->type == YAML_SCALAR_NODE)
        snprintf(got, sizeof got, "'%.60s'", scalar(node));
    return herd_error_set(err, HERD_ERR_USAGE,
                          "%s: %s: expected a section (a mapping of keys), got %s", where, name,
                          got);
}

/* Checks the key of pair (one of map's) and writes its dotted name. */
static int key_name(loader *ld, yaml_node_t *map, yaml_node_pair_t *pair, const char *prefix,
                    const char *where, char *name, herd_error *err)
{
    yaml_node_t *kn = yaml_document_get_node(ld->doc, pair->key);
    if (kn->type != YAML_SCALAR_NODE)
        return herd_error_set(err, HERD_ERR_USAGE, "%s: a key must be a plain name, not %s",
                              where, node_kind(kn));
    snprintf(name, NAME_MAX_LEN, "%s%s%s", prefix, prefix[0] ? "." : "", scalar(kn));
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < pair; p++) {
        yaml_node_t *other = yaml_document_get_node(ld->doc, p->key);
        if (other->type == YAML_SCALAR_NODE && strcmp(scalar(other), scalar(kn)) == 0)
            return herd_error_set(err, HERD_ERR_USAGE, "%s: duplicate key '%.100s'", where,
                                  name);
    }
    const char *dot = strrchr(scalar(kn), '.');
    if (!ld->flat && dot != NULL && herd_config_schema_find(name) != NULL)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "%s: write '%s' nested: '%.*s:' with '%s:' indented under it",
                              where, name, (int)(dot - scalar(kn)), scalar(kn), dot + 1);
    return HERD_OK;
}

static int walk_mapping(loader *ld, yaml_node_t *map, const char *prefix, herd_error *err)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        char where[WHERE_MAX], name[NAME_MAX_LEN];
        where_at(ld, yaml_document_get_node(ld->doc, p->key), where);
        int rc = key_name(ld, map, p, prefix, where, name, err);
        if (rc == HERD_OK)
            rc = walk_value(ld, name, yaml_document_get_node(ld->doc, p->value), where, err);
        if (rc != HERD_OK)
            return rc;
    }
    return HERD_OK;
}

static int syntax_error(const loader *ld, const yaml_parser_t *parser, herd_error *err)
{
    return herd_error_set(err, HERD_ERR_USAGE, "%s:%zu: YAML syntax error: %s", ld->source,
                          parser->problem_mark.line + 1,
                          parser->problem ? parser->problem : "unreadable input");
}

/* Only one document per file: a second one would be silently ignored. */
static int check_single_document(loader *ld, yaml_parser_t *parser, herd_error *err)
{
    yaml_document_t next;
    if (!yaml_parser_load(parser, &next))
        return syntax_error(ld, parser, err);
    int extra = yaml_document_get_root_node(&next) != NULL;
    yaml_document_delete(&next);
    if (extra)
        return herd_error_set(err, HERD_ERR_USAGE, "%s: more than one YAML document",
                              ld->source);
    return HERD_OK;
}

/* Parse the parser's stream into ld->cfg. */
static int load_yaml(loader *ld, yaml_parser_t *parser, herd_error *err)
{
    yaml_document_t doc;
    if (!yaml_parser_load(parser, &doc))
        return syntax_error(ld, parser, err);
    ld->doc = &doc;
    int rc = HERD_OK;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root != NULL && root->type != YAML_MAPPING_NODE)
        rc = herd_error_set(err, HERD_ERR_USAGE,
                            "%s:%zu: expected a mapping of keys (key: value) at the top level",
                            ld->source, root->start_mark.line + 1);
    else if (root != NULL)
        rc = walk_mapping(ld, root, "", err);
    if (rc == HERD_OK)
        rc = check_single_document(ld, parser, err);
    yaml_document_delete(&doc);
    ld->doc = NULL;
    return rc;
}

/* given[i] is set for every schema key i the file sets. */
static int load_file(herd_config *cfg, const char *path, unsigned char *given, herd_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return herd_error_set(err, HERD_ERR_USAGE, "%s: is a directory, not a config file", path);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return herd_error_set(err, HERD_ERR_USAGE, "%s: %s", path,
                              errno == ENOENT ? "no such file" : strerror(errno));
    yaml_parser_t parser;
    HERD_ASSERT(yaml_parser_initialize(&parser));
    yaml_parser_set_input_file(&parser, f);
    loader ld = {.cfg = cfg, .source = path, .flat = 0};
    int rc = load_yaml(&ld, &parser, err);
    yaml_parser_delete(&parser);
    fclose(f);
    memcpy(given, ld.seen, sizeof ld.seen);
    return rc;
}

/* -------------------------------------------------------- overrides */

/* Set one key=value; given (or NULL) notes which key. */
static int apply_override(herd_config *cfg, const char *text, unsigned char *given,
                          herd_error *err)
{
    char where[WHERE_MAX], name[NAME_MAX_LEN];
    snprintf(where, sizeof where, "override '%.200s%s'", text, strlen(text) > 200 ? "..." : "");
    const char *eq = strchr(text, '=');
    if (eq == NULL || eq == text)
        return herd_error_set(err, HERD_ERR_USAGE, "%s: expected key=value", where);
    snprintf(name, sizeof name, "%.*s", (int)(eq - text), text);
    const herd_key *k = herd_config_schema_find(name);
    if (k == NULL && herd_config_schema_is_section(name))
        return herd_error_set(err, HERD_ERR_USAGE, "%s: '%s' is a section, not a key", where,
                              name);
    if (k == NULL)
        return unknown_key(name, where, err);
    if (given != NULL)
        given[k - herd_config_schema] = 1;
    return set_text(cfg, k, eq + 1, where, err);
}

static int apply_overrides(herd_config *cfg, const char *const *overrides, int n,
                           unsigned char *given, herd_error *err)
{
    for (int i = 0; i < n; i++) {
        int rc = apply_override(cfg, overrides[i], given, err);
        if (rc != HERD_OK)
            return rc;
    }
    return HERD_OK;
}

static int check_required(const herd_config *cfg, const char *source, herd_error *err)
{
    for (int i = 0; i < herd_config_schema_size; i++) {
        const herd_key *k = &herd_config_schema[i];
        if (k->required && ((const char *)cfield(cfg, k))[0] == '\0')
            return herd_error_set(err, HERD_ERR_USAGE, "%s: %s is required", source, k->name);
    }
    return HERD_OK;
}

/* -------------------------------------------------------- canonical */

/* Text that reads back as exactly v, as a person writes it: a whole number
 * without exponent (300, not 3e+02), else the shortest of %.15g, %.16g and
 * %.17g that round-trips (0.001, 1e-08). */
static void format_float(double v, char *out, size_t cap)
{
    if (v == floor(v) && fabs(v) < 1e17) {
        snprintf(out, cap, "%.0f", v);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, cap, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

/* YAML double-quoted string of UTF-8 text (set_string checked it): what YAML
 * does not allow unescaped, control characters (C0, DEL, C1) and U+FFFE/F,
 * goes as an escape of the same code point. */
static void quote_text(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    out[n++] = '"';
    while (*p != '\0' && n + 8 < cap) {
        uint32_t c = *p;
        int len = utf8_sequence(p, &c);
        if (len == 0) {         /* not UTF-8 after all: keep the byte visible */
            c = *p;
            len = 1;
        }
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
            n += (size_t)snprintf(out + n, cap - n, "\\x%02x", (unsigned)c);
        } else if (c == 0xfffe || c == 0xffff) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", (unsigned)c);
        } else {
            memcpy(out + n, p, (size_t)len);
            n += (size_t)len;
        }
        p += len;
    }
    out[n++] = '"';
    out[n] = '\0';
}

/* The value of k in cfg as text; strings double-quoted when quoted is set. */
static void value_text(const herd_config *cfg, const herd_key *k, int quoted, char *out,
                       size_t cap)
{
    const void *v = cfield(cfg, k);
    switch (k->type) {
    case HERD_KEY_INT: snprintf(out, cap, "%" PRId64, *(const int64_t *)v); break;
    case HERD_KEY_FLOAT: format_float(*(const double *)v, out, cap); break;
    case HERD_KEY_BOOL:
    case HERD_KEY_ENUM: snprintf(out, cap, "%s", k->values[*(const int *)v]); break;
    case HERD_KEY_STRING:
        if (quoted)
            quote_text(v, out, cap);
        else
            snprintf(out, cap, "%s", (const char *)v);
        break;
    case HERD_KEY_INT_LIST: {
        int n = *(const int *)((const char *)cfg + k->count_offset);
        size_t len = (size_t)snprintf(out, cap, "[");
        for (int i = 0; i < n; i++)
            len += (size_t)snprintf(out + len, cap - len, "%s%d", i ? ", " : "",
                                    ((const int *)v)[i]);
        snprintf(out + len, cap - len, "]");
        break;
    }
    case HERD_KEY_JSON: snprintf(out, cap, "%s", (const char *)v); break;
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const herd_key *const *)a)->name, (*(const herd_key *const *)b)->name);
}

/* Schema keys sorted by name into order[herd_config_schema_size]. */
static void sorted_keys(const herd_key **order)
{
    HERD_ASSERT(herd_config_schema_size <= MAX_KEYS);
    for (int i = 0; i < herd_config_schema_size; i++)
        order[i] = &herd_config_schema[i];
    qsort(order, (size_t)herd_config_schema_size, sizeof *order, by_name);
}

/* Rebuild cfg->canonical and cfg->sha256 from the struct's values. */
static void finish(herd_config *cfg)
{
    const herd_key *order[MAX_KEYS];
    sorted_keys(order);
    size_t cap = 4096, len = 0;
    char *text = herd_malloc(cap);
    char value[TEXT_MAX];
    for (int i = 0; i < herd_config_schema_size; i++) {
        value_text(cfg, order[i], 1, value, sizeof value);
        size_t need = strlen(order[i]->name) + strlen(value) + 4;
        while (len + need >= cap)
            text = herd_realloc(text, cap *= 2);
        len += (size_t)snprintf(text + len, cap - len, "%s: %s\n", order[i]->name, value);
    }
    free(cfg->canonical);
    cfg->canonical = text;
    herd_sha256_hex(text, len, cfg->sha256);
}

/* --------------------------------------------------------- public */

/* Schema defaults, canonical text not yet built. */
static herd_config *new_defaults(void)
{
    HERD_ASSERT(herd_config_schema_size <= MAX_KEYS);
    herd_config *cfg = herd_calloc(1, sizeof *cfg);
    for (int i = 0; i < herd_config_schema_size; i++) {
        herd_error err = {0};
        int rc = set_text(cfg, &herd_config_schema[i], herd_config_schema[i].def, "schema", &err);
        if (rc != HERD_OK)
            herd_fatal(__FILE__, __LINE__, err.msg);
    }
    return cfg;
}

herd_config *herd_config_defaults(void)
{
    herd_config *cfg = new_defaults();
    finish(cfg);
    return cfg;
}

/* model.hidden's default, [128], is an mlp's: a linear, logistic or softmax
 * model whose config leaves model.hidden out has no hidden layers. */
static void default_hidden(herd_config *cfg, const unsigned char *given)
{
    const herd_key *hidden = herd_config_schema_find("model.hidden");
    if (cfg->model.type != HERD_MODEL_MLP && !given[hidden - herd_config_schema])
        cfg->model.n_hidden = 0;
}

int herd_config_load(const char *path, const char *const *overrides, int n_overrides,
                     herd_config **out, herd_error *err)
{
    *out = NULL;
    herd_config *cfg = new_defaults();
    unsigned char given[MAX_KEYS] = { 0 };
    int rc = load_file(cfg, path, given, err);
    if (rc == HERD_OK)
        rc = apply_overrides(cfg, overrides, n_overrides, given, err);
    if (rc == HERD_OK)
        default_hidden(cfg, given);
    if (rc == HERD_OK)
        rc = check_required(cfg, path, err);
    if (rc != HERD_OK)
        goto done;
    finish(cfg);
    *out = cfg;
    cfg = NULL;
done:
    herd_config_free(cfg);
    return rc;
}

int herd_config_from_canonical(const char *text, herd_config **out, herd_error *err)
{
    *out = NULL;
    herd_config *cfg = new_defaults();
    yaml_parser_t parser;
    HERD_ASSERT(yaml_parser_initialize(&parser));
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    loader ld = {.cfg = cfg, .source = "canonical config", .flat = 1};
    int rc = load_yaml(&ld, &parser, err);
    yaml_parser_delete(&parser);
    if (rc == HERD_OK)
        rc = check_required(cfg, ld.source, err);
    if (rc != HERD_OK)
        goto done;
    finish(cfg);
    *out = cfg;
    cfg = NULL;
done:
    herd_config_free(cfg);
    return rc;
}

int herd_config_override(herd_config *cfg, const char *override, herd_error *err)
{
    herd_config trial = *cfg;
    trial.canonical = NULL;
    int rc = apply_override(&trial, override, NULL, err);
    if (rc != HERD_OK)
        return rc;
    trial.canonical = cfg->canonical;
    *cfg = trial;
    finish(cfg);
    return HERD_OK;
}

void herd_config_free(herd_config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->canonical);
    free(cfg);
}

void herd_config_each(const herd_config *cfg,
                      void (*fn)(const char *key, const char *value, void *ctx), void *ctx)
{
    const herd_key *order[MAX_KEYS];
    sorted_keys(order);
    char value[TEXT_MAX];
    for (int i = 0; i < herd_config_schema_size; i++) {
        value_text(cfg, order[i], 0, value, sizeof value);
        fn(order[i]->name, value, ctx);
    }
}

static const char *type_name(herd_key_type t)
{
    static const char *const names[] = {"int", "float", "bool", "string", "enum", "int list",
                                        "list/map"};
    return names[t];
}

static void allowed_text(const herd_key *k, char *out, size_t cap)
{
    char range[96];
    switch (k->type) {
    case HERD_KEY_INT:
    case HERD_KEY_FLOAT: range_text(k, out, cap); break;
    case HERD_KEY_BOOL: snprintf(out, cap, "true, false (also yes/no, on/off, 1/0)"); break;
    case HERD_KEY_ENUM: join_values(k, out, cap); break;
    case HERD_KEY_STRING:
        snprintf(out, cap, "%s, up to %zu characters",
                 k->required ? "required, non-empty" : k->imin > 0 ? "non-empty" : "any text",
                 k->capacity - 1);
        break;
    case HERD_KEY_INT_LIST:
        range_text(k, range, sizeof range);
        snprintf(out, cap, "up to %zu items, each in %s", k->capacity, range);
        break;
    case HERD_KEY_JSON:
        snprintf(out, cap, "YAML list or mapping, up to %zu characters as JSON", k->capacity - 1);
        break;
    }
}

void herd_config_print_schema_markdown(void)
{
    printf("| key | type | default | allowed | meaning |\n");
    printf("| --- | --- | --- | --- | --- |\n");
    for (int i = 0; i < herd_config_schema_size; i++) {
        const herd_key *k = &herd_config_schema[i];
        char def[TEXT_MAX], shown[TEXT_MAX + 4], allowed[256];
        if (k->type == HERD_KEY_STRING)
            quote_text(k->def, def, sizeof def);
        else
            snprintf(def, sizeof def, "%s", k->def);
        snprintf(shown, sizeof shown, k->required ? "(none)" : "`%s`", def);
        allowed_text(k, allowed, sizeof allowed);
        printf("| `%s` | %s | %s | %s | %s |\n", k->name, type_name(k->type), shown, allowed,
               k->meaning);
    }
}
