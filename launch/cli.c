/* cli.c - pieces shared by the `herd` commands. */
#include "cli.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int herd_cli_finish(herd_comm *comm, int rc, const herd_error *err)
{
    if (rc == HERD_EXIT_PREEMPTED && herd_comm_rank(comm) == 0)
        fprintf(stderr, "herd: %s\n", err->msg);
    else if (rc != HERD_OK && herd_comm_rank(comm) == 0)
        herd_error_print(err);
    herd_comm_finalize(comm);
    return rc;
}

int herd_cli_wants_help(int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
    return 0;
}

char *herd_cli_command_line(int argc, char **argv)
{
    size_t n = 8;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *text = herd_calloc(n, 1);
    strcat(text, "herd");
    for (int i = 0; i < argc; i++) {
        strcat(text, " ");
        strcat(text, argv[i]);
    }
    return text;
}

int herd_cli_share_config(herd_comm *comm, herd_config **cfg, herd_error *err)
{
    char *canonical = NULL;
    if (herd_comm_rank(comm) == 0 && *cfg != NULL)
        canonical = herd_strdup((*cfg)->canonical);
    if (herd_comm_agree(comm, err) != HERD_OK) {
        free(canonical);
        return err->code;
    }
    int rc = herd_comm_bcast_string(comm, &canonical, 0, err);
    if (rc == HERD_OK && herd_comm_rank(comm) != 0)
        rc = herd_config_from_canonical(canonical, cfg, err);
    free(canonical);
    return herd_comm_agree(comm, err) == HERD_OK ? HERD_OK : err->code;
}

int herd_cli_load_config(herd_comm *comm, const char *path, const char *const *overrides,
                         int n_overrides, herd_config **cfg, herd_error *err)
{
    if (herd_comm_rank(comm) == 0)
        herd_config_load(path, overrides, n_overrides, cfg, err);
    return herd_cli_share_config(comm, cfg, err);
}
