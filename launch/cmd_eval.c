/* cmd_eval.c - `herd eval CHECKPOINT... --data FILE.h5 [EVAL.yaml] [key=value ...]
 *              [--rows all|train|val|test] [--json OUT] [--html OUT] [--gate]`.
 *
 * Evaluates a checkpoint (several: an ensemble, eval/predictor.h) on every
 * row of FILE.h5, or with --rows on those
 * whose /split is train, val or test (the same as the key eval.rows),
 * data-parallel over the ranks of the job (each rank predicts its shard;
 * runtime/eval/evaluate.h).
 * EVAL.yaml is any config (a training config with an `eval:` section, or a
 * file holding only `eval:`); key=value overrides its keys. Rank 0 loads and
 * validates it and broadcasts the canonical text, as `herd train` does.
 *
 * How to add a section to the evaluation (slices, behavioural tests, gate,
 * ...): the command does not change. Write runtime/eval/<name>.c with
 * `int herd_eval_<name>(herd_eval_ctx *ctx, cJSON *out, herd_error *err)`,
 * declare it in runtime/eval/evaluate.h, add one row to the `sections` table
 * in runtime/eval/evaluate.c (order matters: a gate goes after what it
 * reads), add the file to herd_eval in CMakeLists.txt and its eval.<name>.*
 * keys to runtime/config/schema.c. The same section then also runs at the
 * end of training. Output formats (--html) are written in evaluate.c's
 * write_outputs() from the finished result object. A sub-command such as
 * `herd eval learning-curve` is dispatched at the top of herd_cmd_eval.
 */
#include "commands.h"
#include "cli.h"
#include "comm/comm.h"
#include "config/config.h"
#include "core/files.h"
#include "core/mem.h"
#include "eval/evaluate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: herd eval CHECKPOINT... --data FILE.h5 [EVAL.yaml] [key=value ...]\n"
    "                 [--rows all|train|val|test] [--json OUT.json] [--html OUT.html] [--gate]\n"
    "\n"
    "Evaluate a checkpoint on the rows of FILE.h5, data-parallel over the ranks\n"
    "of the job: metrics, baselines, threshold trade-offs, calibration (and\n"
    "recalibration stored in the checkpoint), conformal sets, selective\n"
    "prediction. The result goes to the experiment log as a new run linked to\n"
    "the checkpoint's run. Keys eval.* are listed in docs/config.md; the JSON in\n"
    "docs/evaluation.md.\n"
    "Several checkpoints (every .h5 argument) are evaluated as an ensemble: the\n"
    "mean of the members' probabilities (or values), each member with its own\n"
    "preprocessing; they must take the same inputs and have the same task and\n"
    "classes (exit 3). eval.store is then off (nothing is written into a member);\n"
    "the run links to the first member's run.\n"
    "\n"
    "  EVAL.yaml         config with an eval: section (a training config works);\n"
    "                    before or after CHECKPOINT (the .h5 file)\n"
    "  key=value         override a config key, e.g. eval.conformal.alpha=0.05\n"
    "  --rows R          all (default): every row; train, val or test: the rows whose\n"
    "                    /split is R (train: every row of a file without /split);\n"
    "                    the same as eval.rows=R\n"
    "  --json OUT.json   write the result object\n"
    "  --html OUT.html   write a self-contained report page\n"
    "  --gate            exit non-zero when the gate (eval.gate.*) fails\n";

typedef struct eval_args {
    const char *config;
    const char **overrides;   /* [0] = "data.train=<FILE>" so an eval-only file validates */
    int n_overrides;
    const char *rows;         /* --rows: applied as eval.rows=<rows> after the overrides */
    const char **checkpoints; /* the .h5 arguments, in order (several: an ensemble) */
    int n_checkpoints;
    herd_eval_request req;
} eval_args;

static int parse_option(int argc, char **argv, int *i, eval_args *a, herd_error *err)
{
    const char *arg = argv[*i];
    if (strcmp(arg, "--gate") == 0) {
        a->req.gate = 1;
        return HERD_OK;
    }
    if (strcmp(arg, "--data") != 0 && strcmp(arg, "--json") != 0 && strcmp(arg, "--html") != 0 &&
        strcmp(arg, "--rows") != 0)
        return herd_error_set(err, HERD_ERR_USAGE, "eval: unknown option '%s' (see herd eval --help)", arg);
    if (*i + 1 >= argc)
        return herd_error_set(err, HERD_ERR_USAGE, "eval: %s needs a value", arg);
    const char *value = argv[++*i];
    if (strcmp(arg, "--data") == 0)
        a->req.data = value;
    else if (strcmp(arg, "--rows") == 0)
        a->rows = value;
    else if (strcmp(arg, "--json") == 0)
        a->req.json_out = value;
    else
        a->req.html_out = value;
    return HERD_OK;
}

static int is_h5(const char *path)
{
    size_t n = strlen(path);
    return n > 3 && strcmp(path + n - 3, ".h5") == 0;
}

static int parse_args(int argc, char **argv, eval_args *a, herd_error *err)
{
    a->overrides = herd_calloc((size_t)argc + 2, sizeof *a->overrides);
    a->n_overrides = 1;
    a->checkpoints = herd_calloc((size_t)argc + 1, sizeof *a->checkpoints);
    int rc = HERD_OK, n_others = 0;
    const char *others[3] = { NULL, NULL, NULL };  /* other words: config, or a checkpoint not named .h5 */
    for (int i = 1; i < argc && rc == HERD_OK; i++) {
        const char *arg = argv[i];
        if (arg[0] == '-')
            rc = parse_option(argc, argv, &i, a, err);
        else if (strchr(arg, '=') != NULL)
            a->overrides[a->n_overrides++] = arg;
        else if (is_h5(arg))
            a->checkpoints[a->n_checkpoints++] = arg;
        else if (n_others < 3)
            others[n_others++] = arg;
    }
    /* without a .h5 argument the first word is the checkpoint, the second the config */
    if (a->n_checkpoints == 0 && others[0] != NULL) {
        a->checkpoints[a->n_checkpoints++] = others[0];
        others[0] = others[1];
        others[1] = others[2];
    }
    a->config = others[0];
    const char *extra = others[1];
    /* several checkpoints (a glob such as ckpt-*.h5 too) are evaluated as an ensemble */
    a->req.checkpoint = a->checkpoints[0];
    a->req.checkpoints = a->checkpoints;
    a->req.n_checkpoints = a->n_checkpoints;
    if (rc == HERD_OK && extra != NULL)
        rc = herd_error_set(err, HERD_ERR_USAGE, "eval: unexpected argument '%s'", extra);
    if (rc == HERD_OK && (a->req.checkpoint == NULL || a->req.data == NULL))
        rc = herd_error_set(err, HERD_ERR_USAGE, "eval: need CHECKPOINT and --data FILE.h5 (see herd eval --help)");
    const char *outs[2] = { a->req.json_out, a->req.html_out };
    const char *ins[2] = { a->req.data, a->config };
    for (int o = 0; o < 2 && rc == HERD_OK; o++)
        for (int k = 0; k < 2 + a->n_checkpoints && rc == HERD_OK; k++)
            if (herd_file_is_input(outs[o], k < 2 ? ins[k] : a->checkpoints[k - 2]))
                rc = herd_error_set(err, HERD_ERR_USAGE, "eval: %s %s is an input file (it would "
                                    "be overwritten)", o == 0 ? "--json" : "--html", outs[o]);
    return rc;
}

/* Rank 0 loads (the defaults when no file is given); all ranks get its
 * canonical text. --rows is the override eval.rows=<rows>, last so it wins. */
static int load_config(herd_comm *comm, eval_args *a, herd_config **cfg, herd_error *err)
{
    char *train_override = herd_calloc(strlen(a->req.data) + 16, 1);
    sprintf(train_override, "data.train=%s", a->req.data);
    a->overrides[0] = train_override;
    char *rows_override = NULL;
    if (a->rows != NULL) {
        rows_override = herd_calloc(strlen(a->rows) + 16, 1);
        sprintf(rows_override, "eval.rows=%s", a->rows);
        a->overrides[a->n_overrides++] = rows_override;
    }
    int rc = HERD_OK;
    if (herd_comm_rank(comm) == 0 && a->config != NULL)
        rc = herd_config_load(a->config, a->overrides, a->n_overrides, cfg, err);
    else if (herd_comm_rank(comm) == 0) {
        *cfg = herd_config_defaults();
        for (int i = 0; i < a->n_overrides && rc == HERD_OK; i++)
            rc = herd_config_override(*cfg, a->overrides[i], err);
    }
    free(train_override);
    free(rows_override);
    a->overrides[0] = NULL;
    return herd_cli_share_config(comm, cfg, err);
}

int herd_cmd_eval(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "learning-curve") == 0)
        return herd_cmd_eval_learning_curve(argc - 1, argv + 1);
    if (herd_cli_wants_help(argc, argv, usage))
        return 0;
    herd_error err = { 0 };
    herd_comm *comm = NULL;
    herd_config *cfg = NULL;
    eval_args a = { 0 };
    if (herd_comm_init(&argc, &argv, &comm, &err) != HERD_OK) {
        herd_error_print(&err);
        return err.code;
    }
    int rc = parse_args(argc, argv, &a, &err);
    if (rc == HERD_OK)
        rc = load_config(comm, &a, &cfg, &err);
    a.req.command = herd_cli_command_line(argc, argv);
    a.req.cfg = cfg;
    a.req.rows = cfg != NULL ? cfg->eval.rows : HERD_ROLE_ALL;
    a.req.train_seconds = -1;
    if (rc == HERD_OK)
        rc = herd_evaluate(comm, &a.req, NULL, &err);
    herd_config_free(cfg);
    free((void *)a.req.command);
    free(a.overrides);
    free(a.checkpoints);
    return herd_cli_finish(comm, rc, &err);
}
