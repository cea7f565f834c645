/* cmd_runs_report.c - `herd runs report ID... -o report.html`, and the
 * structured part of the run record in `herd runs show`'s text output.
 *
 * The report is one self-contained HTML file (runtime/track/report_html.h).
 * Once written, it is recorded as an artifact (absolute path, bytes, sha256)
 * of every reported run that has ended; a run still RUNNING is left alone, since only
 * its own rank 0 may write its file while it runs.
 */
#include "launch/commands.h"
#include "launch/runs_cli.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/status.h"
#include "track/index.h"
#include "track/report_html.h"
#include "track/runlog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Record the report in the file of every reported run that has ended, by
 * its absolute path: the command may run from any folder, and the path must
 * still find the file from elsewhere. */
static void record_artifact(herd_runs *idx, const char (*ids)[33], int n, const char *out)
{
    char *report = realpath(out, NULL);
    for (int i = 0; i < n && report != NULL; i++) {
        cJSON *run = NULL;
        herd_error err = {0};
        if (herd_runs_get_json(idx, ids[i], 0, &run, &err) != HERD_OK)
            continue;
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(run, "status");
        const cJSON *file = cJSON_GetObjectItemCaseSensitive(run, "file");
        if (cJSON_IsString(status) && strcmp(status->valuestring, HERD_RUN_RUNNING) != 0 &&
            cJSON_IsString(file)) {
            size_t len = strlen(herd_runs_folder(idx)) + strlen(file->valuestring) + 2;
            char *path = herd_malloc(len);
            snprintf(path, len, "%s/%s", herd_runs_folder(idx), file->valuestring);
            if (herd_runlog_add_artifact(path, report, "report", &err) != HERD_OK)
                herd_warn("%s", err.msg);
            free(path);
        }
        cJSON_Delete(run);
    }
    if (report == NULL)
        herd_warn("runs report: %s: not recorded as an artifact: %s", out, strerror(errno));
    free(report);
}

int runs_report(herd_runs *idx, const runs_args *a, herd_error *err)
{
    if (a->out == NULL || a->out[0] == '\0')
        return herd_error_set(err, HERD_ERR_USAGE, "runs report: -o REPORT.html is required");
    char (*ids)[33] = herd_calloc((size_t)a->npos, sizeof *ids);
    int rc = HERD_OK;
    for (int i = 0; i < a->npos && rc == HERD_OK; i++)
        rc = runs_resolve(idx, "report", a->pos[i], ids[i], err);
    if (rc == HERD_OK)
        rc = herd_report_html_write(idx, (const char (*)[33])ids, a->npos, a->out, err);
    if (rc == HERD_OK) {
        record_artifact(idx, (const char (*)[33])ids, a->npos, a->out);
        printf("report of %d run%s written to %s\n", a->npos, a->npos == 1 ? "" : "s", a->out);
    }
    free(ids);
    return rc;
}

static void print_hosts(const cJSON *run)
{
    const cJSON *hosts = cJSON_GetObjectItemCaseSensitive(run, "bindings");
    const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(run, "cpu_model");
    if (cJSON_IsString(cpu))
        printf("cpu         %s\n", cpu->valuestring);
    for (const cJSON *b = cJSON_IsArray(hosts) ? hosts->child : NULL; b != NULL; b = b->next) {
        const cJSON *rank = cJSON_GetObjectItemCaseSensitive(b, "rank");
        const cJSON *host = cJSON_GetObjectItemCaseSensitive(b, "host");
        const cJSON *set = cJSON_GetObjectItemCaseSensitive(b, "cpuset");
        printf("rank %-6.0f %s cpuset %s\n", cJSON_IsNumber(rank) ? rank->valuedouble : -1,
               cJSON_IsString(host) ? host->valuestring : "-",
               cJSON_IsString(set) && set->valuestring[0] ? set->valuestring : "-");
    }
}

void herd_cmd_runs_print_record(const cJSON *run)
{
    print_hosts(run);
    const cJSON *samples = cJSON_GetObjectItemCaseSensitive(run, "samples");
    int n = cJSON_GetArraySize(samples);
    if (n == 0)
        return;
    printf("\nsamples (latest evaluation, %d rows)\n  %10s %10s %10s  probabilities\n", n, "row",
           "label", "prediction");
    for (const cJSON *s = samples->child; s != NULL; s = s->next) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(s, "probabilities");
        char *probs = p != NULL && !cJSON_IsNull(p) ? cJSON_PrintUnformatted(p) : NULL;
        printf("  %10.0f %10.6g %10.6g  %s\n",
               cJSON_GetObjectItemCaseSensitive(s, "row")->valuedouble,
               cJSON_GetObjectItemCaseSensitive(s, "label")->valuedouble,
               cJSON_GetObjectItemCaseSensitive(s, "prediction")->valuedouble,
               probs != NULL ? probs : "-");
        free(probs);
    }
}
