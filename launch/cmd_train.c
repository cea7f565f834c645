/* cmd_train.c - `herd train CONFIG [key=value ...] [--resume PATH|auto] [--summary-json PATH]`.
 *
 * Rank 0 loads and validates the config and broadcasts its canonical text;
 * the other ranks parse that text, so every rank trains with the same
 * config. Errors are agreed across ranks and printed once, by rank 0.
 */
#include "commands.h"
#include "cli.h"
#include "comm/comm.h"
#include "config/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "eval/evaluate.h"
#include "train/train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: herd train CONFIG.yaml [key=value ...] [--resume PATH|auto] [--summary-json PATH]\n"
    "                  [--parent ID]\n"
    "\n"
    "Train the model the config describes, data-parallel over the ranks of the job\n"
    "(run it under mpirun, srun or launch/herdrun; alone it is a job of one rank).\n"
    "\n"
    "  key=value            override a config key, e.g. optim.lr=0.01 model.hidden=[256,128]\n"
    "  --resume PATH|auto   continue from a checkpoint; auto picks the newest valid one\n"
    "                       in train.checkpoint_dir (and starts fresh when there is none);\n"
    "                       the same config continues its run, another config starts a\n"
    "                       new run with that run as parent (docs/cli.md)\n"
    "  --summary-json PATH  write run_id, status, checkpoint and final metrics as JSON\n"
    "                       (its folder must exist and be writable)\n"
    "  --parent ID          record ID as the run's parent (set by herd runs reproduce)\n"
    "\n"
    "Every key is listed in docs/config.md.\n";

typedef struct train_args {
    const char *config;
    const char **overrides;
    int n_overrides;
    herd_train_options opt;
} train_args;

static int parse_args(int argc, char **argv, train_args *a, herd_error *err)
{
    a->overrides = herd_calloc((size_t)argc, sizeof *a->overrides);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if ((strcmp(arg, "--resume") == 0 || strcmp(arg, "--summary-json") == 0 ||
             strcmp(arg, "--parent") == 0) && i + 1 >= argc)
            return herd_error_set(err, HERD_ERR_USAGE, "train: %s needs a value", arg);
        if (strcmp(arg, "--resume") == 0)
            a->opt.resume = argv[++i];
        else if (strcmp(arg, "--parent") == 0)
            a->opt.parent_id = argv[++i];
        else if (strcmp(arg, "--summary-json") == 0)
            a->opt.summary_json = argv[++i];
        else if (arg[0] == '-')
            return herd_error_set(err, HERD_ERR_USAGE, "train: unknown option '%s' (see herd train --help)", arg);
        else if (a->config == NULL && strchr(arg, '=') == NULL)
            a->config = arg;
        else if (strchr(arg, '=') != NULL)
            a->overrides[a->n_overrides++] = arg;
        else
            return herd_error_set(err, HERD_ERR_USAGE, "train: unexpected argument '%s'", arg);
    }
    if (a->config == NULL)
        return herd_error_set(err, HERD_ERR_USAGE, "train: no config file given (see herd train --help)");
    return HERD_OK;
}

/* Rank 0 loads; everyone ends up with the same config or the same error. */
int herd_cmd_train(int argc, char **argv)
{
    if (herd_cli_wants_help(argc, argv, usage))
        return 0;
    herd_error err = { 0 };
    herd_comm *comm = NULL;
    herd_config *cfg = NULL;
    train_args a = { 0 };
    if (herd_comm_init(&argc, &argv, &comm, &err) != HERD_OK) {
        herd_error_print(&err);
        return err.code;
    }
    int rc = parse_args(argc, argv, &a, &err);
    a.opt.command = herd_cli_command_line(argc, argv);
    if (rc == HERD_OK)
        rc = herd_cli_load_config(comm, a.config, a.overrides, a.n_overrides, &cfg, &err);
    if (rc == HERD_OK)  /* the eval: section, checked before training rather than after it */
        rc = herd_eval_check_config(comm, cfg, &err);
    if (rc == HERD_OK)
        rc = herd_train(comm, cfg, &a.opt, &err);
    herd_config_free(cfg);
    free((void *)a.opt.command);
    free(a.overrides);
    return herd_cli_finish(comm, rc, &err);
}
