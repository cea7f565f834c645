/* cmd_runs_reproduce.c - `herd runs reproduce ID [--force] [--dry-run]
 * [--checkpoint-dir DIR] [-- LAUNCHER ARGS]`.
 *
 * Trains again with the run's recorded config: the canonical text from the
 * run record (flat dotted keys) is written as nested YAML to a temporary file
 * and `herd train` runs on it, as
 * a child process, with --parent ID so the new run points at the old one.
 * Before that the data and the code are checked: the training file's content
 * hash must equal the recorded data_sha256, and the code commit (the
 * checkout's, else this binary's, as `herd train` records it) must equal the
 * recorded git_commit. A run that went on from another run's checkpoint
 * with another config (tag resume.step) did not train from scratch, so it is
 * refused too. A difference is refused with exit code 2, naming each, unless
 * --force.
 *
 * How it launches: a run of one rank is `<this herd> train CFG ...` directly
 * (a singleton MPI job); a run of N > 1 ranks is `$MPIEXEC (default mpirun)
 * -np N [LAUNCHER ARGS] <this herd> train CFG ...`; LAUNCHER ARGS (after --)
 * also force the launcher for one rank. --dry-run prints the command (and
 * keeps the config file) instead. New checkpoints go to
 * <recorded checkpoint_dir>/reproduce-<id8>-<time> (or --checkpoint-dir), so
 * the original run's checkpoints are never overwritten. Paths in the config
 * are relative to the directory the original run started in: run reproduce
 * from there.
 */
#include "launch/runs_cli.h"
#include "config/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "data/dataset.h"
#include "train/trainer.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

typedef struct reproduce_plan {
    char id[33];
    char *config_path;      /* the temporary config file */
    char ckpt_override[4200];
    char parent_arg[40];
    char self[4096];
    char np[16];
    char **argv;            /* NULL-terminated */
    int argc;
} reproduce_plan;

static const char *str_of(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* Append "; what" to the list of refusals. */
static void add_problem(char *buf, size_t n, const char *what)
{
    size_t used = strlen(buf);
    snprintf(buf + used, n - used, "%s%s", used > 0 ? "; " : "", what);
}

/* The training file's hash now against the recorded one. */
static int check_data(const herd_config *cfg, const cJSON *run, char *problems, size_t n,
                      herd_error *err)
{
    herd_dataset *ds = NULL;
    char now[65], line[HERD_PATH_MAX + 128];
    const char *recorded = str_of(run, "data_sha256");
    int rc = herd_dataset_open(cfg->data.train, &ds, err);
    if (rc == HERD_OK)
        rc = herd_dataset_compute_sha256(ds, now, err);
    herd_dataset_close(ds);
    if (rc != HERD_OK)
        return rc;
    if (recorded[0] == '\0') {
        herd_warn("runs reproduce: the run recorded no data hash; %s not checked",
                  cfg->data.train);
    } else if (strcmp(now, recorded) != 0) {
        snprintf(line, sizeof line, "data: %s changed (sha256 %.12s now, %.12s recorded)",
                 cfg->data.train, now, recorded);
        add_problem(problems, n, line);
    }
    return HERD_OK;
}

/* The code commit now (checkout, else this build) against the recorded one. */
static void check_code(const cJSON *run, char *problems, size_t n)
{
    char now[128], line[512];
    int dirty = 0;
    const char *recorded = str_of(run, "git_commit");
    const cJSON *was_dirty = cJSON_GetObjectItemCaseSensitive(run, "git_dirty");
    herd_trainer_git_state(now, sizeof now, &dirty);
    if (recorded[0] == '\0' || strcmp(recorded, "unknown") == 0 || strcmp(now, "unknown") == 0) {
        herd_warn("runs reproduce: code commit unknown (recorded '%s', now '%s'); not checked",
                  recorded, now);
    } else if (strcmp(now, recorded) != 0) {
        snprintf(line, sizeof line, "code: commit %.12s now, %.12s recorded", now, recorded);
        add_problem(problems, n, line);
    }
    if (cJSON_IsNumber(was_dirty) && was_dirty->valuedouble != 0)
        herd_warn("runs reproduce: the run's code had uncommitted changes; they cannot be checked");
    if (dirty)
        herd_warn("runs reproduce: the code has uncommitted changes now");
}

static int by_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Emit line "a.b.c: v" under the mappings already open (prev, depth
 * segments): close to the common prefix, open the new ones, then the leaf. */
static void emit_nested(FILE *f, const char *line, const char *prev, size_t prev_len)
{
    const char *colon = strstr(line, ": ");
    size_t key_len = colon != NULL ? (size_t)(colon - line) : strlen(line);
    size_t common = 0, depth = 0;
    /* the longest common prefix of whole segments ("a.b.") with prev */
    for (size_t i = 0; i < key_len && i < prev_len && line[i] == prev[i]; i++)
        if (line[i] == '.')
            common = i + 1;
    for (size_t i = 0; i < common; i++)
        depth += line[i] == '.';
    size_t start = common;
    for (size_t i = common; i < key_len; i++)
        if (line[i] == '.') {
            fprintf(f, "%*s%.*s:\n", (int)(2 * depth), "", (int)(i - start), line + start);
            depth++;
            start = i + 1;
        }
    fprintf(f, "%*s%s\n", (int)(2 * depth), "", line + start);
}

/* The canonical text (flat, dotted "key: value" lines) as nested YAML, which
 * is what `herd train` reads. */
static void write_nested_yaml(FILE *f, const char *text)
{
    char *copy = herd_strdup(text), *save = NULL;
    char **lines = NULL;
    int n = 0;
    for (char *l = strtok_r(copy, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
        lines = herd_realloc(lines, (size_t)(n + 1) * sizeof *lines);
        lines[n++] = l;
    }
    qsort(lines, (size_t)n, sizeof *lines, by_line);
    const char *prev = "";
    size_t prev_len = 0;
    for (int i = 0; i < n; i++) {
        emit_nested(f, lines[i], prev, prev_len);
        prev = lines[i];
        const char *colon = strstr(prev, ": ");
        prev_len = colon != NULL ? (size_t)(colon - prev) : strlen(prev);
    }
    free(lines);
    free(copy);
}

/* Write text to a new temporary file /tmp/herd-reproduce-<id8>-XXXXXX.yaml. */
static int write_temp_config(const char *id, const char *text, char **path, herd_error *err)
{
    const char *dir = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
    size_t n = strlen(dir) + 64;
    *path = herd_malloc(n);
    snprintf(*path, n, "%s/herd-reproduce-%.8s-XXXXXX.yaml", dir, id);
    int fd = mkstemps(*path, 5);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    int rc = HERD_OK;
    if (f != NULL)
        write_nested_yaml(f, text);
    if (f == NULL || ferror(f) || fclose(f) != 0)
        rc = herd_error_set(err, HERD_ERR_IO, "runs reproduce: %s: %s", *path, strerror(errno));
    if (f == NULL && fd >= 0)
        close(fd);
    return rc;
}

static void plan_add(reproduce_plan *p, const char *arg)
{
    p->argv = herd_realloc(p->argv, (size_t)(p->argc + 2) * sizeof *p->argv);
    p->argv[p->argc++] = (char *)arg;
    p->argv[p->argc] = NULL;
}

/* The command: [launcher -np N LAUNCHER ARGS] herd train CFG overrides --parent ID. */
static int build_command(reproduce_plan *p, const runs_args *a, const herd_config *cfg,
                         int world_size, herd_error *err)
{
    ssize_t len = readlink("/proc/self/exe", p->self, sizeof p->self - 1);
    if (len <= 0)
        return herd_error_set(err, HERD_ERR_IO, "runs reproduce: cannot find the herd binary");
    p->self[len] = '\0';
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime_r(&now, &tm));
    if (a->checkpoint_dir != NULL)
        snprintf(p->ckpt_override, sizeof p->ckpt_override, "train.checkpoint_dir=%s",
                 a->checkpoint_dir);
    else
        snprintf(p->ckpt_override, sizeof p->ckpt_override,
                 "train.checkpoint_dir=%s/reproduce-%.8s-%s", cfg->train.checkpoint_dir, p->id,
                 stamp);
    snprintf(p->parent_arg, sizeof p->parent_arg, "%s", p->id);
    if (world_size > 1 || a->nrest > 0) {
        const char *launcher = getenv("MPIEXEC");
        snprintf(p->np, sizeof p->np, "%d", world_size > 0 ? world_size : 1);
        plan_add(p, launcher != NULL && launcher[0] != '\0' ? launcher : "mpirun");
        plan_add(p, "-np");
        plan_add(p, p->np);
        for (int i = 0; i < a->nrest; i++)
            plan_add(p, a->rest[i]);
    }
    plan_add(p, p->self);
    plan_add(p, "train");
    plan_add(p, p->config_path);
    plan_add(p, p->ckpt_override);
    plan_add(p, "--parent");
    plan_add(p, p->parent_arg);
    return HERD_OK;
}

static void print_command(FILE *f, const reproduce_plan *p)
{
    for (int i = 0; i < p->argc; i++)
        fprintf(f, "%s%s", i > 0 ? " " : "", p->argv[i]);
    fprintf(f, "\n");
}

/* Run the command as a child and wait; its exit code is ours. A command
 * that cannot be started (not found, not executable) is one error here:
 * posix_spawnp reports it to this process, where a forked child would have
 * to print its own. */
static int run_command(const reproduce_plan *p, herd_error *err)
{
    fflush(NULL);
    pid_t pid = 0;
    int bad = posix_spawnp(&pid, p->argv[0], NULL, NULL, p->argv, environ);
    if (bad != 0)
        return herd_error_set(err, HERD_ERR_IO, "runs reproduce: cannot start %s: %s",
                              p->argv[0], strerror(bad));
    int status = 0;
    if (waitpid(pid, &status, 0) < 0)
        return herd_error_set(err, HERD_ERR_RUNTIME, "runs reproduce: waiting for %s: %s",
                              p->argv[0], strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return HERD_OK;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : HERD_ERR_RUNTIME;
    return herd_error_set(err, code, "runs reproduce: training of the reproduction failed "
                          "(exit %d)", code);
}

/* A run that went on from another run's checkpoint with another config
 * (`herd train --resume` records resume.step and resume.checkpoint) did not
 * train from scratch: training its config from scratch gives another model. */
static void check_resumed(const cJSON *run, char *problems, size_t n)
{
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(run, "tags");
    const char *step = str_of(tags, "resume.step");
    char line[512];
    if (step[0] == '\0')
        return;
    snprintf(line, sizeof line, "the run went on from step %s of run %.8s (%.200s) with another "
             "config, so training its config from scratch gives another model; reproduce run "
             "%.8s instead", step, str_of(run, "parent_id"), str_of(tags, "resume.checkpoint"),
             str_of(run, "parent_id"));
    add_problem(problems, n, line);
}

/* Checks, then the refusal or the plan. */
static int check_run(const cJSON *run, const runs_args *a, herd_config **cfg, herd_error *err)
{
    char problems[2048] = "";
    const char *text = str_of(run, "config");
    herd_error why = {0};
    if (text[0] == '\0')
        return herd_error_set(err, HERD_ERR_DATA, "runs reproduce: the run has no recorded config");
    if (herd_config_from_canonical(text, cfg, &why) != HERD_OK)
        return herd_error_set(err, why.code, "runs reproduce: recorded config: %s", why.msg);
    int rc = check_data(*cfg, run, problems, sizeof problems, &why);
    if (rc != HERD_OK)
        return herd_error_set(err, rc, "runs reproduce: %s", why.msg);
    check_code(run, problems, sizeof problems);
    check_resumed(run, problems, sizeof problems);
    if (problems[0] != '\0' && !a->force)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "runs reproduce: refusing: %s (--force runs it anyway)", problems);
    if (problems[0] != '\0')
        herd_warn("runs reproduce: --force: %s", problems);
    return HERD_OK;
}

int runs_reproduce(herd_runs *idx, const runs_args *a, herd_error *err)
{
    reproduce_plan plan = {0};
    herd_config *cfg = NULL;
    cJSON *run = NULL;
    int rc = runs_resolve(idx, "reproduce", a->pos[0], plan.id, err);
    if (rc == HERD_OK)
        rc = herd_runs_get_json(idx, plan.id, 0, &run, err);
    if (rc == HERD_OK)
        rc = check_run(run, a, &cfg, err);
    if (rc == HERD_OK)
        rc = write_temp_config(plan.id, str_of(run, "config"), &plan.config_path, err);
    const cJSON *ws = cJSON_GetObjectItemCaseSensitive(run, "world_size");
    if (rc == HERD_OK)
        rc = build_command(&plan, a, cfg, cJSON_IsNumber(ws) ? (int)ws->valuedouble : 1, err);
    if (rc == HERD_OK && a->dry_run) {
        print_command(stdout, &plan);
    } else if (rc == HERD_OK) {
        fprintf(stderr, "herd: reproducing run %s (%s): ", plan.id, str_of(run, "name"));
        print_command(stderr, &plan);
        rc = run_command(&plan, err);
    }
    if (plan.config_path != NULL && !(rc == HERD_OK && a->dry_run))
        unlink(plan.config_path);
    free(plan.config_path);
    free(plan.argv);
    herd_config_free(cfg);
    cJSON_Delete(run);
    return rc;
}
