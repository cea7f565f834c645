/* provenance.c - what made a run: the machine, the code, the data and the
 * libraries, written to the run record so a run can be compared and
 * reproduced.
 *
 * The run row (runlog.h) holds the flat fields: hosts ("node1:2,node2:2"),
 * git commit and dirty flag, and versions as text ("herd 0.1.0; mpi Open MPI
 * v4.1.4; openblas ...; ..."). The structured ones go to the run file's
 * record table as JSON: bindings (each rank's host, cpuset, BLAS threads and
 * who bound it, gathered from every rank), cpu_model, datasets (path, rows,
 * columns, sha256 of each dataset role used) and version_info (herd, MPI,
 * OpenBLAS with its core type, HDF5, hwloc, SQLite, libyaml, compiler, flags
 * and build type, the last three passed in by CMake).
 */
#include "train/trainer.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timer.h"
#include "core/version.h"
#include "nn/blas.h"

#include <cjson/cJSON.h>
#include <hdf5.h>
#include <hwloc.h>
#include <yaml.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HERD_C_FLAGS
#define HERD_C_FLAGS ""
#endif
#ifndef HERD_BUILD_TYPE
#define HERD_BUILD_TYPE ""
#endif
#ifndef HERD_COMPILER
#define HERD_COMPILER "unknown"
#endif

/* One rank's placement, as gathered (fixed size for one allgather). */
typedef struct rank_place {
    char host[64];
    char cpuset[128];
    char bound_by[16];
    int threads;
} rank_place;

/* The first line `cmd` prints, or "" (git missing, not a checkout). */
static void command_line(const char *cmd, char *buf, size_t size, int *any_output)
{
    buf[0] = '\0';
    *any_output = 0;
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return;
    char line[256];
    if (fgets(line, sizeof line, p) != NULL) {
        *any_output = 1;
        line[strcspn(line, "\r\n")] = '\0';
        snprintf(buf, size, "%s", line);
        while (fgets(line, sizeof line, p) != NULL) {}
    }
    if (pclose(p) != 0)
        buf[0] = '\0';  /* git failed: its partial output is not a commit */
}

void herd_trainer_git_state(char *commit, size_t size, int *dirty)
{
    char status[256];
    int out = 0, changed = 0;
    command_line("git rev-parse HEAD 2>/dev/null", commit, size, &out);
    if (strlen(commit) == 40) {
        command_line("git status --porcelain 2>/dev/null", status, sizeof status, &changed);
        *dirty = changed;
        return;
    }
    snprintf(commit, size, "%s", herd_build_commit());
    *dirty = 0;
}

static void hdf5_version(char *buf, size_t size)
{
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    snprintf(buf, size, "%u.%u.%u", maj, min, rel);
}

static void hwloc_version(char *buf, size_t size)
{
    unsigned v = hwloc_get_api_version();
    snprintf(buf, size, "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
}

static cJSON *versions_json(void)
{
    char mpi[256], h5[32], hw[32];
    herd_comm_library_version(mpi, sizeof mpi);
    hdf5_version(h5, sizeof h5);
    hwloc_version(hw, sizeof hw);
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "herd", herd_version());
    cJSON_AddStringToObject(v, "mpi", mpi);
    cJSON_AddStringToObject(v, "openblas", herd_blas_info());
    cJSON_AddStringToObject(v, "hdf5", h5);
    cJSON_AddStringToObject(v, "hwloc", hw);
    cJSON_AddStringToObject(v, "sqlite", herd_runlog_sqlite_version());
    cJSON_AddStringToObject(v, "libyaml", yaml_get_version_string());
    cJSON_AddStringToObject(v, "compiler", HERD_COMPILER);
    cJSON_AddStringToObject(v, "flags", HERD_C_FLAGS);
    cJSON_AddStringToObject(v, "build_type", HERD_BUILD_TYPE);
    return v;
}

char *herd_trainer_versions_text(void)
{
    cJSON *v = versions_json();
    char buf[2048] = "";
    for (const cJSON *e = v->child; e != NULL; e = e->next) {
        size_t used = strlen(buf);
        snprintf(buf + used, sizeof buf - used, "%s%s %s", used ? "; " : "", e->string,
                 e->valuestring);
    }
    cJSON_Delete(v);
    return herd_strdup(buf);
}

static cJSON *bindings_json(const rank_place *all, int size)
{
    cJSON *b = cJSON_CreateArray();
    for (int r = 0; r < size; r++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "rank", r);
        cJSON_AddStringToObject(o, "host", all[r].host);
        cJSON_AddStringToObject(o, "cpuset", all[r].cpuset);
        cJSON_AddNumberToObject(o, "threads", all[r].threads);
        cJSON_AddStringToObject(o, "bound_by", all[r].bound_by);
        cJSON_AddItemToArray(b, o);
    }
    return b;
}

static void add_dataset(cJSON *sets, const char *role, herd_dataset *ds, const char *sha256,
                        int64_t rows)
{
    const herd_dataset_info *info = herd_dataset_get_info(ds);
    cJSON *o = cJSON_AddObjectToObject(sets, role);
    cJSON_AddStringToObject(o, "path", herd_dataset_path(ds));
    cJSON_AddNumberToObject(o, "rows", (double)rows);
    cJSON_AddNumberToObject(o, "columns", (double)info->cols);
    cJSON_AddStringToObject(o, "sha256", sha256);
}

/* datasets: {train, val, test}: rows used in each role; val and test rows
 * carved from the training file name that file. */
static cJSON *datasets_json(const herd_trainer *t)
{
    cJSON *sets = cJSON_CreateObject();
    add_dataset(sets, "train", t->train_ds, t->train_sha256, t->n_train);
    if (t->n_val > 0 && t->val_ds != NULL)
        add_dataset(sets, "val", t->val_ds, t->val_sha256, t->n_val);
    else if (t->n_val > 0)
        add_dataset(sets, "val", t->train_ds, t->train_sha256, t->n_val);
    if (t->n_test > 0 && t->test_ds != NULL)
        add_dataset(sets, "test", t->test_ds, t->test_sha256, t->n_test);
    else if (t->n_test > 0)
        add_dataset(sets, "test", t->train_ds, t->train_sha256, t->n_test);
    return sets;
}

/* Write one JSON field to the record; takes ownership of value. */
static int put_record(herd_trainer *t, const char *key, cJSON *value, herd_error *err)
{
    char *text = cJSON_PrintUnformatted(value);
    int rc = herd_runlog_set_record(t->log, key, text, err);
    free(text);
    cJSON_Delete(value);
    return rc;
}

static int write_record(herd_trainer *t, const rank_place *all, herd_error *err)
{
    char cpu[256];
    herd_sysmetrics_cpu_model(cpu, sizeof cpu);
    int rc = put_record(t, "bindings", bindings_json(all, t->size), err);
    if (rc == HERD_OK)
        rc = put_record(t, "cpu_model", cJSON_CreateString(cpu), err);
    if (rc == HERD_OK)
        rc = put_record(t, "datasets", datasets_json(t), err);
    if (rc == HERD_OK)
        rc = put_record(t, "version_info", versions_json(), err);
    return rc;
}

int herd_trainer_record_provenance(herd_trainer *t, herd_error *err)
{
    if (!t->cfg->track.enabled)
        return HERD_OK;
    rank_place mine = {.threads = t->topo.threads};
    snprintf(mine.host, sizeof mine.host, "%s", herd_comm_host(t->comm));
    snprintf(mine.cpuset, sizeof mine.cpuset, "%s", t->topo.cpuset);
    snprintf(mine.bound_by, sizeof mine.bound_by, "%s", herd_topo_binding_name(t->topo.binding));
    rank_place *all = herd_calloc((size_t)t->size, sizeof *all);
    double load_ms = 1000 * t->load_time;
    int rc = herd_comm_allgather_bytes(t->comm, &mine, sizeof mine, all, err);
    if (rc == HERD_OK)
        rc = herd_comm_allreduce_max_f64(t->comm, &load_ms, 1, err);
    if (rc == HERD_OK && t->log != NULL)
        rc = write_record(t, all, err);
    if (rc == HERD_OK)
        rc = herd_trainer_record(t, "data/load_ms", load_ms, err);
    free(all);
    herd_sysmetrics_read(&t->sys_prev);
    return herd_comm_agree(t->comm, err) == HERD_OK ? HERD_OK : err->code;
}
