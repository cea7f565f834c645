/* cli.h - small pieces every `herd` command shares. */
#ifndef HERD_CLI_H
#define HERD_CLI_H

#include "comm/comm.h"
#include "config/config.h"

/* If any argument is --help or -h, print usage to stdout and return 1. */
int herd_cli_wants_help(int argc, char **argv, const char *usage);

/* "herd <argv...>" as one string, for the run record. Caller frees. */
char *herd_cli_command_line(int argc, char **argv);

/* Give every rank rank 0's config. On rank 0, *cfg is the config it loaded
 * (or NULL with err set); afterwards every rank holds an identical config
 * parsed from rank 0's canonical text, or every rank holds the same error.
 * COLLECTIVE. */
int herd_cli_share_config(herd_comm *comm, herd_config **cfg, herd_error *err);

/* Rank 0 loads the config at path with the key=value overrides applied;
 * then every rank holds it (herd_cli_share_config). COLLECTIVE. */
int herd_cli_load_config(herd_comm *comm, const char *path, const char *const *overrides,
                         int n_overrides, herd_config **cfg, herd_error *err);

/* The end of an MPI command: rank 0 prints err when rc is not HERD_OK (a
 * preemption, HERD_EXIT_PREEMPTED, as a note: exit code 5 says it is not a
 * failure), then MPI is finalized. Returns rc. COLLECTIVE. */
int herd_cli_finish(herd_comm *comm, int rc, const herd_error *err);

#endif
