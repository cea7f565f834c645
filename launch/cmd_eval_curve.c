/* cmd_eval_curve.c - `herd eval learning-curve CONFIG [key=value ...]
 *                    --fractions 0.1,0.25,0.5,1 [--metric M] [--json OUT] [--html OUT]`.
 *
 * Trains the config once per fraction of its training rows (every rank of
 * the job takes part in each training) and reports the train and validation
 * metric and the training time against the number of training rows
 * (runtime/eval/learning_curve.h): a table on stdout, the JSON and a
 * self-contained HTML page with the curves.
 */
#include "commands.h"
#include "cli.h"
#include "comm/comm.h"
#include "config/config.h"
#include "core/files.h"
#include "core/log.h"
#include "core/mem.h"
#include "eval/evaluate.h"
#include "eval/learning_curve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FRACTIONS 32

static const char *usage =
    "usage: herd eval learning-curve CONFIG.yaml [key=value ...] --fractions F1,F2,...\n"
    "                                [--metric M] [--json OUT.json] [--html OUT.html]\n"
    "\n"
    "Train CONFIG on growing fractions of its training rows (data.train_fraction;\n"
    "a smaller fraction's rows are a subset of a larger one's) and report the\n"
    "metric on the rows trained on and on the validation rows (data.val or\n"
    "data.val_fraction), and the training time, against the number of rows.\n"
    "\n"
    "  --fractions LIST  increasing fractions in (0, 1], e.g. 0.1,0.25,0.5,1\n"
    "  --metric M        one of the task's metrics: accuracy, log_loss, roc_auc\n"
    "                    (binary; multiclass without roc_auc) or mse, rmse, mae, r2\n"
    "                    (regression); default roc_auc, accuracy, rmse\n"
    "  --json OUT.json   write the points\n"
    "  --html OUT.html   write a self-contained page with the curves\n";

typedef struct curve_args {
    const char *config, *metric, *json, *html;
    const char **overrides;
    int n_overrides, n;
    double fractions[MAX_FRACTIONS];
} curve_args;

static int parse_fractions(const char *text, curve_args *a, herd_error *err)
{
    char *copy = herd_strdup(text), *save = NULL;
    int rc = HERD_OK;
    for (char *t = strtok_r(copy, ",", &save); t != NULL && rc == HERD_OK; t = strtok_r(NULL, ",", &save)) {
        char *end;
        double f = strtod(t, &end);
        if (*end != '\0' || !(f > 0 && f <= 1) || a->n == MAX_FRACTIONS ||
            (a->n > 0 && f <= a->fractions[a->n - 1]))
            rc = herd_error_set(err, HERD_ERR_USAGE,
                                "eval learning-curve: --fractions needs up to %d increasing numbers in (0, 1], got '%s'",
                                MAX_FRACTIONS, text);
        else
            a->fractions[a->n++] = f;
    }
    free(copy);
    return rc;
}

static int parse_args(int argc, char **argv, curve_args *a, herd_error *err)
{
    a->overrides = herd_calloc((size_t)argc + 1, sizeof *a->overrides);
    int rc = HERD_OK;
    for (int i = 1; i < argc && rc == HERD_OK; i++) {
        const char *arg = argv[i];
        int known = strcmp(arg, "--fractions") == 0 || strcmp(arg, "--metric") == 0 ||
                    strcmp(arg, "--json") == 0 || strcmp(arg, "--html") == 0;
        if (arg[0] == '-' && !known)
            rc = herd_error_set(err, HERD_ERR_USAGE, "eval learning-curve: unknown option '%s'", arg);
        else if (known && i + 1 >= argc)
            rc = herd_error_set(err, HERD_ERR_USAGE, "eval learning-curve: %s needs a value", arg);
        else if (strcmp(arg, "--fractions") == 0)
            rc = parse_fractions(argv[++i], a, err);
        else if (known)
            *(strcmp(arg, "--metric") == 0 ? &a->metric : strcmp(arg, "--json") == 0 ? &a->json : &a->html) = argv[++i];
        else if (strchr(arg, '=') != NULL)
            a->overrides[a->n_overrides++] = arg;
        else if (a->config == NULL)
            a->config = arg;
        else
            rc = herd_error_set(err, HERD_ERR_USAGE, "eval learning-curve: unexpected argument '%s'", arg);
    }
    if (rc == HERD_OK && (a->config == NULL || a->n == 0))
        rc = herd_error_set(err, HERD_ERR_USAGE,
                            "eval learning-curve: need CONFIG and --fractions (see herd eval learning-curve --help)");
    const char *outs[2] = { a->json, a->html }, *names[2] = { "--json", "--html" };
    for (int o = 0; o < 2 && rc == HERD_OK; o++)
        if (herd_file_is_input(outs[o], a->config))
            rc = herd_error_set(err, HERD_ERR_USAGE, "eval learning-curve: %s %s is the config "
                                "(it would be overwritten)", names[o], outs[o]);
    return rc;
}

static void print_table(const cJSON *result)
{
    const cJSON *lc = cJSON_GetObjectItem(result, "learning_curve");
    printf("%9s %10s %12s %12s %9s   (%s)\n", "fraction", "rows", "train", "validation", "seconds",
           cJSON_GetStringValue(cJSON_GetObjectItem(lc, "metric")));
    for (const cJSON *p = cJSON_GetObjectItem(lc, "points")->child; p != NULL; p = p->next) {
        char train[32], validation[32];
        printf("%9g %10.0f %12s %12s %9.2f\n", cJSON_GetNumberValue(cJSON_GetObjectItem(p, "fraction")),
               cJSON_GetNumberValue(cJSON_GetObjectItem(p, "train_rows")),
               herd_format_metric(train, cJSON_GetNumberValue(cJSON_GetObjectItem(p, "train"))),
               herd_format_metric(validation, cJSON_GetNumberValue(cJSON_GetObjectItem(p, "validation"))),
               cJSON_GetNumberValue(cJSON_GetObjectItem(p, "seconds")));
    }
}

static int write_json(const cJSON *result, const char *path, herd_error *err)
{
    char *text = cJSON_Print(result);
    int rc = herd_write_text_file(path, text, "eval learning-curve", err);
    free(text);
    return rc;
}

static int write_outputs(herd_comm *comm, const curve_args *a, const cJSON *result, herd_error *err)
{
    int rc = HERD_OK;
    if (herd_comm_rank(comm) == 0) {
        print_table(result);
        if (a->json != NULL)
            rc = write_json(result, a->json, err);
        if (rc == HERD_OK && a->html != NULL)
            rc = herd_eval_write_html(result, a->html, err);
    }
    return herd_comm_agree(comm, err) == HERD_OK ? HERD_OK : err->code;
}

int herd_cmd_eval_learning_curve(int argc, char **argv)
{
    if (herd_cli_wants_help(argc, argv, usage))
        return 0;
    herd_error err = { 0 };
    herd_comm *comm = NULL;
    herd_config *cfg = NULL;
    cJSON *result = NULL;
    curve_args a = { 0 };
    if (herd_comm_init(&argc, &argv, &comm, &err) != HERD_OK) {
        herd_error_print(&err);
        return err.code;
    }
    int rc = parse_args(argc, argv, &a, &err);
    if (rc == HERD_OK)
        rc = herd_cli_load_config(comm, a.config, a.overrides, a.n_overrides, &cfg, &err);
    if (rc == HERD_OK)
        rc = herd_learning_curve(comm, cfg, a.fractions, a.n, a.metric, &result, &err);
    if (rc == HERD_OK)
        rc = write_outputs(comm, &a, result, &err);
    cJSON_Delete(result);
    herd_config_free(cfg);
    free(a.overrides);
    return herd_cli_finish(comm, rc, &err);
}
