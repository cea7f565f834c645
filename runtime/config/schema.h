/* schema.h - the table of every config key (private to runtime/config/).
 *
 * schema.c declares each key once: its dotted name, type, where it lives in
 * herd_config, its default (written as an override value would be), its
 * allowed range or values and a one-line meaning. Parsing, validation, the
 * canonical dump, herd_config_each and the Markdown table all walk this table.
 */
#ifndef HERD_CONFIG_SCHEMA_H
#define HERD_CONFIG_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    HERD_KEY_INT,      /* int64_t */
    HERD_KEY_FLOAT,    /* double, finite */
    HERD_KEY_BOOL,     /* int, 0 or 1 */
    HERD_KEY_STRING,   /* char[capacity] */
    HERD_KEY_ENUM,     /* int, index into values */
    HERD_KEY_INT_LIST, /* int[capacity] plus an int count */
    HERD_KEY_JSON      /* char[capacity]: a YAML list or mapping, kept as compact JSON text */
} herd_key_type;

/* Marks an integer bound as "no limit" (printed as inf). */
#define HERD_KEY_NO_LIMIT INT64_MAX

typedef struct herd_key {
    const char *name;          /* dotted: "optim.lr" */
    herd_key_type type;
    size_t offset;             /* offsetof(herd_config, ...) of the value */
    size_t count_offset;       /* int list: offsetof the item count */
    size_t capacity;           /* string: bytes incl. NUL; int list: max items */
    const char *def;           /* default, in override syntax ("0.001", "[128]") */
    int required;              /* string: must be set to a non-empty value */
    int64_t imin, imax;        /* int, int list items: inclusive; string: min length */
    double fmin, fmax;         /* float bounds */
    int fmin_open, fmax_open;  /* float bound excluded */
    const char *const *values; /* enum names, NULL-terminated; index = stored value */
    const char *meaning;       /* one line for docs */
} herd_key;

extern const herd_key herd_config_schema[];
extern const int herd_config_schema_size;

/* The key named exactly name, or NULL. */
const herd_key *herd_config_schema_find(const char *name);

/* 1 if name is a section ("optim"): some key starts with "name.". */
int herd_config_schema_is_section(const char *name);

#endif
