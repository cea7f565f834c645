/* cmd_data.c - `herd data`: import, generate and inspect datasets.
 *
 *   herd data import-idx IMAGES LABELS -o OUT.h5 [--split train|val|test]
 *   herd data import-csv FILE.csv [--target COLUMN [--task T]] -o OUT.h5
 *   herd data synth --kind classification|regression --rows N --features D ... -o OUT.h5
 *   herd data info FILE.h5 [--json]
 *   herd data hash FILE.h5
 *   herd data verify FILE.h5
 *
 * Runs as a plain single process (no MPI). Each subcommand parses its own
 * options (`--opt VALUE` or `--opt=VALUE`) and rejects the options it does
 * not take; a usage error prints one line `herd: error: data <sub>: ...`
 * and returns 2, data errors return 3, I/O errors 4, a hash mismatch in
 * verify 3.
 */
#include "commands.h"
#include "data/dataset.h"
#include "data/import.h"
#include "core/files.h"
#include "core/status.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage_text =
    "usage: herd data <subcommand> [options]\n"
    "\n"
    "  import-idx IMAGES LABELS -o OUT.h5 [--split train|val|test]\n"
    "      IDX images + labels (gzipped or plain, e.g. Fashion-MNIST) -> dataset;\n"
    "      pixels scaled to [0, 1]; --split marks every row (default: no /split)\n"
    "  import-csv FILE.csv [--target COLUMN [--task binary|multiclass|regression]] -o OUT.h5\n"
    "      CSV with a header row of distinct names, numeric feature cells, empty or\n"
    "      NaN cell = missing; quoted cells may hold commas and line breaks; the\n"
    "      target holds numbers (class ids 0, 1, ... or values) or words (class\n"
    "      names, numbered in sorted order and kept in /class_names); task\n"
    "      inferred from the target column when not given;\n"
    "      without --target every column is a feature and the dataset has no\n"
    "      labels (/y): data for herd predict, refused by train and eval\n"
    "  synth --kind classification|regression --rows N --features D [--classes K]\n"
    "        [--seed S] [--noise X] [--val-fraction F] [--test-fraction F] -o OUT.h5\n"
    "      reproducible synthetic data (defaults: classes 2, seed 0, noise 0.1;\n"
    "      --classes for classification only)\n"
    "  synth --kind credit --rows N [--seed S] [--val-fraction F] [--test-fraction F] -o OUT.h5\n"
    "      credit-risk data with known structure (11 features, about 7 percent positives,\n"
    "      protected /columns/group with no effect on the label; no --features, --classes\n"
    "      or --noise)\n"
    "  info FILE.h5 [--json]   rows, columns, labels, task, classes, splits, other columns,\n"
    "                          hash, source\n"
    "  hash FILE.h5            recompute and print the content hash\n"
    "  verify FILE.h5          recompute the hash and compare with the stored one\n"
    "                          (exit 3 when they differ)\n"
    "\n"
    "An option a subcommand does not take is a usage error (exit 2).\n";

/* Parsed options of one subcommand; unset strings are NULL. */
typedef struct data_args {
    const char *sub;
    const char *pos[3];
    int npos;
    const char *out, *split, *target, *task, *kind, *rows, *features, *classes, *seed,
        *noise, *val, *test;
    int json, help;
} data_args;

static int usage_error(const char *sub, const char *fmt, const char *what)
{
    herd_error err = { 0 };
    char msg[1024];
    snprintf(msg, sizeof msg, fmt, what);
    herd_error_set(&err, HERD_ERR_USAGE, "data%s%s: %s (see herd data --help)", sub[0] ? " " : "",
                   sub, msg);
    herd_error_print(&err);
    return HERD_ERR_USAGE;
}

/* Option name -> field of data_args it sets. */
static const char **option_slot(data_args *a, const char *name)
{
    static const char *names[] = { "-o", "--out", "--split", "--target", "--task", "--kind",
                                   "--rows", "--features", "--classes", "--seed", "--noise",
                                   "--val-fraction", "--test-fraction" };
    const char **slots[] = { &a->out, &a->out, &a->split, &a->target, &a->task, &a->kind,
                             &a->rows, &a->features, &a->classes, &a->seed, &a->noise,
                             &a->val, &a->test };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return slots[i];
    return NULL;
}

static int takes(const char *const *options, const char *name)
{
    for (int i = 0; options[i] != NULL; i++)
        if (strcmp(options[i], name) == 0)
            return 1;
    return 0;
}

/* Parse argv[2..] into a; options is the NULL-terminated list of the options
 * the subcommand takes (besides --help): any other is a usage error. */
static int parse_args(int argc, char **argv, const char *const *options, data_args *a)
{
    for (int i = 2; i < argc; i++) {
        char name[64];
        const char *arg = argv[i], *eq = strchr(arg, '=');
        snprintf(name, sizeof name, "%.*s", eq != NULL && arg[0] == '-' ? (int)(eq - arg) : 63,
                 arg);
        const char **slot = arg[0] == '-' && takes(options, name) ? option_slot(a, name) : NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            a->help = 1;
        else if (strcmp(arg, "--json") == 0 && takes(options, "--json"))
            a->json = 1;
        else if (slot != NULL && eq != NULL)
            *slot = eq + 1;
        else if (slot != NULL && i + 1 < argc)
            *slot = argv[++i];
        else if (slot != NULL)
            return usage_error(a->sub, "option %s needs a value", name);
        else if (arg[0] == '-' && arg[1] != '\0')
            return usage_error(a->sub, "unknown option '%s'", arg);
        else if (a->npos < 3)
            a->pos[a->npos++] = arg;
        else
            return usage_error(a->sub, "unexpected argument '%s'", arg);
    }
    return HERD_OK;
}

static int parse_i64(const char *s, long long min, long long *v)
{
    char *end = NULL;
    errno = 0;
    *v = strtoll(s, &end, 10);
    return s[0] != '\0' && *end == '\0' && errno == 0 && *v >= min;
}

static int parse_f64(const char *s, double *v)
{
    char *end = NULL;
    *v = strtod(s, &end);
    return s[0] != '\0' && *end == '\0' && isfinite(*v);
}

/* " (no, yes)": the class names of a file, the first 10 of them; "" when it
 * has none (names NULL). */
static void class_names_text(char *const *names, char *text, size_t size)
{
    size_t used = 0;
    text[0] = '\0';
    for (int k = 0; names != NULL && names[k] != NULL && used < size; k++) {
        const char *quote = k < 10 && strchr(names[k], ',') != NULL ? "'" : "";  /* 'a, b' */
        used += (size_t)snprintf(text + used, size - used, "%s%s%s%s", k == 0 ? " (" : ", ",
                                 quote, k < 10 ? names[k] : "...", quote);
        if (k == 10)
            break;
    }
    if (names != NULL && used < size)
        snprintf(text + used, size - used, ")");
}

/* Print the one-line summary of a freshly written dataset. */
static int report_written(const char *verb, const char *path)
{
    herd_error err = { 0 };
    herd_dataset *ds = NULL;
    if (herd_dataset_open(path, &ds, &err) != HERD_OK) {
        herd_error_print(&err);
        return err.code;
    }
    const herd_dataset_info *in = herd_dataset_get_info(ds);
    char task[512] = "no labels", classes[400];
    char **names = NULL;
    if (herd_dataset_class_names(ds, &names, &err) != HERD_OK) {
        herd_error_print(&err);
        herd_dataset_close(ds);
        return err.code;
    }
    class_names_text(names, classes, sizeof classes);
    herd_names_free(names);
    if (in->labelled && in->task != HERD_TASK_REGRESSION)  /* a regression has no classes */
        snprintf(task, sizeof task, "task %s, %d classes%s", herd_task_name(in->task),
                 in->n_classes, classes);
    else if (in->labelled)
        snprintf(task, sizeof task, "task %s", herd_task_name(in->task));
    printf("%s %lld rows, %lld columns, %s, sha256 %s -> %s\n", verb, (long long)in->rows,
           (long long)in->cols, task, in->content_sha256, path);
    herd_dataset_close(ds);
    return HERD_OK;
}

static int finish(int rc, herd_error *err, const char *verb, const char *out)
{
    if (rc != HERD_OK) {
        herd_error_print(err);
        return rc;
    }
    return report_written(verb, out);
}

/* HERD_OK, or a usage error when -o names one of the input files (under any
 * spelling): writing the dataset would replace it. */
static int check_output_is_not_an_input(const data_args *a)
{
    for (int i = 0; i < a->npos; i++)
        if (herd_file_is_input(a->out, a->pos[i]))
            return usage_error(a->sub, "-o %s is an input file (it would be overwritten)", a->out);
    return HERD_OK;
}

static int cmd_import_idx(data_args *a)
{
    static const char *splits[] = { "train", "val", "test" };
    int split = -1;
    if (a->npos != 2)
        return usage_error(a->sub, "%s", "expected IMAGES and LABELS files");
    if (a->out == NULL)
        return usage_error(a->sub, "%s", "missing -o OUT.h5");
    for (int i = 0; a->split != NULL && i < 3; i++)
        split = strcmp(a->split, splits[i]) == 0 ? i : split;
    if (a->split != NULL && split < 0)
        return usage_error(a->sub, "--split '%s' is not train, val or test", a->split);
    if (check_output_is_not_an_input(a) != HERD_OK)
        return HERD_ERR_USAGE;
    herd_error err = { 0 };
    int rc = herd_import_idx(a->pos[0], a->pos[1], a->out, split, &err);
    return finish(rc, &err, "imported", a->out);
}

static int cmd_import_csv(data_args *a)
{
    if (a->npos != 1)
        return usage_error(a->sub, "%s", "expected one CSV file");
    if (a->out == NULL)
        return usage_error(a->sub, "%s", "missing -o OUT.h5");
    if (a->task != NULL && a->target == NULL)
        return usage_error(a->sub, "%s",
                           "--task needs --target COLUMN (the task is that of the target)");
    int task = a->task != NULL ? herd_task_parse(a->task) : -1;
    if (a->task != NULL && task < 0)
        return usage_error(a->sub, "--task '%s' is not binary, multiclass or regression",
                           a->task);
    if (check_output_is_not_an_input(a) != HERD_OK)
        return HERD_ERR_USAGE;
    herd_error err = { 0 };
    int rc = herd_import_csv(a->pos[0], a->target, task, a->out, &err);
    return finish(rc, &err, "imported", a->out);
}

/* Usage error naming the options given that --kind does not take: credit
 * has fixed features, classes and noise; regression has no classes. */
static int options_not_for_kind(const data_args *a)
{
    int credit = strcmp(a->kind, "credit") == 0, regression = strcmp(a->kind, "regression") == 0;
    const char *names[] = { "--features", "--classes", "--noise" };
    const char *given[] = { credit ? a->features : NULL, credit || regression ? a->classes : NULL,
                            credit ? a->noise : NULL };
    char list[64] = "";
    for (int i = 0; i < 3; i++)
        if (given[i] != NULL)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? ", " : "",
                     names[i]);
    if (list[0] == '\0')
        return HERD_OK;
    char msg[128];
    snprintf(msg, sizeof msg, "--kind %s does not take %s", a->kind, list);
    return usage_error(a->sub, "%s", msg);
}

/* Fill spec from the synth options; usage error code or HERD_OK. */
static int synth_spec(data_args *a, herd_synth_spec *s)
{
    long long rows = 0, features = 0, classes = 2, seed = 0;
    *s = (herd_synth_spec){ .noise = 0.1 };
    int credit = a->kind != NULL && strcmp(a->kind, "credit") == 0;
    if (a->kind == NULL || (strcmp(a->kind, "classification") != 0 &&
                            strcmp(a->kind, "regression") != 0 && !credit))
        return usage_error(a->sub, "%s", "--kind must be classification, regression or credit");
    int rc = options_not_for_kind(a);
    if (rc != HERD_OK)
        return rc;
    if (a->rows == NULL || !parse_i64(a->rows, 1, &rows))
        return usage_error(a->sub, "%s", "--rows must be an integer >= 1");
    if (credit)
        features = 11;
    else if (a->features == NULL || !parse_i64(a->features, 1, &features))
        return usage_error(a->sub, "%s", "--features must be an integer >= 1");
    if (a->classes != NULL && !parse_i64(a->classes, 2, &classes))
        return usage_error(a->sub, "%s", "--classes must be an integer >= 2");
    if (a->seed != NULL && !parse_i64(a->seed, 0, &seed))
        return usage_error(a->sub, "%s", "--seed must be an integer >= 0");
    if ((a->noise != NULL && !parse_f64(a->noise, &s->noise)) ||
        (a->val != NULL && !parse_f64(a->val, &s->val_fraction)) ||
        (a->test != NULL && !parse_f64(a->test, &s->test_fraction)))
        return usage_error(a->sub, "%s", "--noise, --val-fraction, --test-fraction take numbers");
    if (a->out == NULL)
        return usage_error(a->sub, "%s", "missing -o OUT.h5");
    int regression = strcmp(a->kind, "regression") == 0;
    s->kind = regression ? HERD_TASK_REGRESSION
                         : (classes == 2 ? HERD_TASK_BINARY : HERD_TASK_MULTICLASS);
    s->rows = rows;
    s->features = features;
    s->classes = regression ? 0 : (int)classes;
    s->seed = (uint64_t)seed;
    return HERD_OK;
}

static int cmd_synth(data_args *a)
{
    herd_synth_spec spec;
    if (a->npos != 0)
        return usage_error(a->sub, "unexpected argument '%s'", a->pos[0]);
    int rc = synth_spec(a, &spec);
    if (rc != HERD_OK)
        return rc;
    herd_error err = { 0 };
    if (strcmp(a->kind, "credit") == 0)
        rc = herd_synth_credit(&spec, a->out, &err);
    else
        rc = herd_synth(&spec, a->out, &err);
    if (rc == HERD_ERR_USAGE) /* a value out of range: report it as a usage error */
        return usage_error(a->sub, "%s",
                           strncmp(err.msg, "synth: ", 7) == 0 ? err.msg + 7 : err.msg);
    return finish(rc, &err, "generated", a->out);
}

static int open_one(data_args *a, herd_dataset **ds, herd_error *err)
{
    if (a->npos != 1)
        return usage_error(a->sub, "%s", "expected one FILE.h5");
    int rc = herd_dataset_open(a->pos[0], ds, err);
    if (rc != HERD_OK)
        herd_error_print(err);
    return rc;
}

/* The task, or "none" for a file without labels (it has no task). */
static const char *task_text(const herd_dataset_info *in)
{
    return in->labelled ? herd_task_name(in->task) : "none";
}

static void print_info_json(const char *path, const herd_dataset_info *in,
                            char *const *other_columns, char *const *class_names)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddNumberToObject(o, "rows", (double)in->rows);
    cJSON_AddNumberToObject(o, "columns", (double)in->cols);
    cJSON_AddBoolToObject(o, "labelled", in->labelled);
    cJSON_AddStringToObject(o, "task", task_text(in));
    cJSON_AddNumberToObject(o, "n_classes", in->n_classes);
    if (class_names != NULL) {
        cJSON *names = cJSON_AddArrayToObject(o, "class_names");
        for (int k = 0; class_names[k] != NULL; k++)
            cJSON_AddItemToArray(names, cJSON_CreateString(class_names[k]));
    }
    cJSON_AddBoolToObject(o, "has_split", in->has_split);
    cJSON *sp = cJSON_AddObjectToObject(o, "split_counts");
    cJSON_AddNumberToObject(sp, "train", (double)in->split_counts[HERD_SPLIT_TRAIN]);
    cJSON_AddNumberToObject(sp, "val", (double)in->split_counts[HERD_SPLIT_VAL]);
    cJSON_AddNumberToObject(sp, "test", (double)in->split_counts[HERD_SPLIT_TEST]);
    cJSON *other = cJSON_AddArrayToObject(o, "other_columns");
    for (int i = 0; other_columns[i] != NULL; i++)
        cJSON_AddItemToArray(other, cJSON_CreateString(other_columns[i]));
    cJSON_AddStringToObject(o, "content_sha256", in->content_sha256);
    cJSON_AddStringToObject(o, "source", in->source);
    cJSON_AddStringToObject(o, "created_by", in->created_by);
    char *text = cJSON_Print(o);
    printf("%s\n", text);
    free(text);
    cJSON_Delete(o);
}

static void print_info_text(const char *path, const herd_dataset_info *in,
                            char *const *other_columns, const char *class_names)
{
    printf("file:       %s\n", path);
    printf("rows:       %lld\n", (long long)in->rows);
    printf("columns:    %lld\n", (long long)in->cols);
    printf("labels:     %s\n", in->labelled ? "/y" : "none (no /y: data for herd predict)");
    printf("task:       %s\n", task_text(in));
    printf("classes:    %d%s\n", in->n_classes, class_names);
    if (in->has_split)
        printf("split:      train %lld, val %lld, test %lld\n",
               (long long)in->split_counts[HERD_SPLIT_TRAIN],
               (long long)in->split_counts[HERD_SPLIT_VAL],
               (long long)in->split_counts[HERD_SPLIT_TEST]);
    else
        printf("split:      none (all rows train)\n");
    printf("other:     ");     /* /columns/<name>: per-row values that are not features */
    for (int i = 0; other_columns[i] != NULL; i++)
        printf("%s /columns/%s", i > 0 ? "," : "", other_columns[i]);
    printf("%s\n", other_columns[0] == NULL ? " none" : "");
    printf("sha256:     %s\n", in->content_sha256[0] ? in->content_sha256 : "(not stored)");
    printf("source:     %s\n", in->source);
    printf("created_by: %s\n", in->created_by);
}

static int cmd_info(data_args *a)
{
    herd_error err = { 0 };
    herd_dataset *ds = NULL;
    int rc = open_one(a, &ds, &err);
    if (rc != HERD_OK)
        return rc;
    char **classes = NULL, classes_text[400];
    rc = herd_dataset_class_names(ds, &classes, &err);
    if (rc != HERD_OK) {
        herd_error_print(&err);
        herd_dataset_close(ds);
        return rc;
    }
    class_names_text(classes, classes_text, sizeof classes_text);
    char **other = herd_dataset_column_names(ds);
    if (a->json)
        print_info_json(a->pos[0], herd_dataset_get_info(ds), other, classes);
    else
        print_info_text(a->pos[0], herd_dataset_get_info(ds), other, classes_text);
    herd_names_free(other);
    herd_names_free(classes);
    herd_dataset_close(ds);
    return HERD_OK;
}

/* hash (verify = 0) prints the recomputed hash; verify compares it with the
 * stored one and fails with HERD_ERR_DATA when they differ. */
static int hash_or_verify(data_args *a, int verify)
{
    herd_error err = { 0 };
    herd_dataset *ds = NULL;
    char hex[65];
    int rc = open_one(a, &ds, &err);
    if (rc != HERD_OK)
        return rc;
    const char *stored = herd_dataset_get_info(ds)->content_sha256;
    rc = herd_dataset_compute_sha256(ds, hex, &err);
    if (rc == HERD_OK && verify && stored[0] == '\0')
        rc = herd_error_set(&err, HERD_ERR_DATA, "%s: no content_sha256 attribute to verify",
                            a->pos[0]);
    else if (rc == HERD_OK && verify && strcmp(stored, hex) != 0)
        rc = herd_error_set(&err, HERD_ERR_DATA,
                            "%s: content hash mismatch: stored %s, computed %s "
                            "(the data changed after it was written)",
                            a->pos[0], stored, hex);
    if (rc != HERD_OK)
        herd_error_print(&err);
    else if (verify)
        printf("%s: ok, sha256 %s\n", a->pos[0], hex);
    else
        printf("%s  %s\n", hex, a->pos[0]);
    herd_dataset_close(ds);
    return rc;
}

static int cmd_hash(data_args *a) { return hash_or_verify(a, 0); }

static int cmd_verify(data_args *a) { return hash_or_verify(a, 1); }

static const struct {
    const char *name;
    int (*run)(data_args *a);
    const char *options[12];  /* the options it takes, besides --help */
} subcommands[] = {
    { "import-idx", cmd_import_idx, { "-o", "--out", "--split" } },
    { "import-csv", cmd_import_csv, { "-o", "--out", "--target", "--task" } },
    { "synth", cmd_synth, { "-o", "--out", "--kind", "--rows", "--features", "--classes", "--seed",
                            "--noise", "--val-fraction", "--test-fraction" } },
    { "info", cmd_info, { "--json" } },
    { "hash", cmd_hash, { NULL } },
    { "verify", cmd_verify, { NULL } },
};

int herd_cmd_data(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("", "%s",
                           "needs a subcommand: import-idx, import-csv, synth, info, hash or verify");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_text, stdout);
        return HERD_OK;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
        if (strcmp(argv[1], subcommands[i].name) != 0)
            continue;
        data_args a = { .sub = argv[1] };
        int rc = parse_args(argc, argv, subcommands[i].options, &a);
        if (rc != HERD_OK)
            return rc;
        if (a.help) {
            fputs(usage_text, stdout);
            return HERD_OK;
        }
        return subcommands[i].run(&a);
    }
    herd_error err = { 0 };
    herd_error_set(&err, HERD_ERR_USAGE,
                   "data: unknown subcommand '%s' (import-idx, import-csv, synth, info, hash, "
                   "verify)", argv[1]);
    herd_error_print(&err);
    return HERD_ERR_USAGE;
}
