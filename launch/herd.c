/* herd.c - the `herd` command: dispatch to one subcommand.
 *
 *   herd train    train a model (data-parallel under mpirun/srun)   cmd_train.c
 *   herd predict  predictions of a checkpoint for a dataset         cmd_predict.c
 *   herd eval     evaluate a checkpoint on a dataset, over MPI ranks cmd_eval.c
 *   herd sweep    hyperparameter search: one training run per trial   cmd_sweep.c
 *   herd data     import, generate, inspect and hash datasets       cmd_data.c
 *   herd runs     list and show runs in the experiment log          cmd_runs.c
 *   herd topo     this host and the placement of N ranks on it      cmd_topo.c
 */
#include "commands.h"
#include "config/config.h"
#include "core/version.h"

#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    { "train", herd_cmd_train, "train a model from a config, data-parallel over MPI ranks" },
    { "predict", herd_cmd_predict, "write a checkpoint's predictions for a dataset (CSV or HDF5)" },
    { "eval", herd_cmd_eval, "evaluate a checkpoint: metrics, baselines, calibration, conformal, ..." },
    { "sweep", herd_cmd_sweep, "search hyperparameters: one training run per trial (random or grid)" },
    { "data", herd_cmd_data, "import (IDX, CSV), generate, inspect, hash and verify datasets" },
    { "runs", herd_cmd_runs, "list and show runs recorded in the experiment log" },
    { "topo", herd_cmd_topo, "show this host (hwloc) and the rank/thread placement for N ranks" },
};

static void print_help(void)
{
    printf("herd %s - train, track and evaluate models on CPU clusters\n\n", herd_version());
    printf("usage: herd <command> [options] [CONFIG.yaml] [key=value ...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        printf("  %-9s %s\n", commands[i].name, commands[i].summary);
    printf("  %-9s %s\n", "help",
           "this text; `herd help <command>` or `herd <command> --help` for one command;");
    printf("  %-9s %s\n", "", "`herd help config` for every config key (Markdown)");
    printf("  %-9s %s\n", "version", "print the version and build commit");
    printf("\nexit codes: 0 ok, 1 runtime failure, 2 usage or config error, 3 data error,\n"
           "            4 I/O error, 5 preempted after checkpointing\n");
}

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

static int is_help(const char *arg)
{
    return strcmp(arg, "help") == 0 || strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* `herd help [TOPIC]`: this text, every config key, or what `herd TOPIC --help` prints. */
static int help(int argc, char **argv)
{
    if (argc < 3 || is_help(argv[2]) || strcmp(argv[2], "version") == 0) {
        print_help();
        return 0;
    }
    if (strcmp(argv[2], "config") == 0) {
        herd_config_print_schema_markdown();
        return 0;
    }
    const command *c = find_command(argv[2]);
    if (c == NULL) {
        fprintf(stderr, "herd: error: help: unknown command '%s' (see herd help)\n", argv[2]);
        return 2;
    }
    char *sub_argv[8] = { 0 };  /* the topic's words and --help: `herd help eval learning-curve` */
    int n = 0;
    for (int i = 2; i < argc && n < 6; i++)
        sub_argv[n++] = argv[i];
    sub_argv[n++] = "--help";
    return c->run(n, sub_argv);
}

int main(int argc, char **argv)
{
    if (argc < 2 || is_help(argv[1]))
        return help(argc, argv);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("herd %s (%s)\n", herd_version(), herd_build_commit());
        return 0;
    }
    const command *c = find_command(argv[1]);
    if (c != NULL)
        return c->run(argc - 1, argv + 1);
    fprintf(stderr, "herd: error: unknown command '%s' (see herd help)\n", argv[1]);
    return 2;
}
