/* export.c - write runs for MLflow, TensorBoard, and as CSV/JSON.
 *
 * TensorBoard event files are TFRecord streams of Event protocol buffers.
 * The two messages needed (Event with a Summary of scalar values) are tiny,
 * so they are encoded here by hand: varint-tagged fields, no protobuf
 * library. MLflow's file store is plain files and YAML, written directly.
 */
#include "track/export.h"
#include "track/runlog.h"
#include "core/files.h"
#include "core/log.h"
#include "core/mem.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- CRC32C and TFRecord --------------------------------------------- */

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_table[i] = c;
    }
}

uint32_t herd_crc32c(const void *data, size_t n)
{
    if (crc_table[1] == 0)
        crc_init();
    const uint8_t *p = data;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++)
        c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

uint32_t herd_crc32c_masked(const void *data, size_t n)
{
    uint32_t c = herd_crc32c(data, n);
    return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

int herd_tfrecord_write(FILE *f, const void *data, size_t n)
{
    uint8_t head[12], tail[4];
    put_le(head, (uint64_t)n, 8);
    put_le(head + 8, herd_crc32c_masked(head, 8), 4);
    put_le(tail, herd_crc32c_masked(data, n), 4);
    if (fwrite(head, 1, 12, f) != 12 || fwrite(data, 1, n, f) != n || fwrite(tail, 1, 4, f) != 4)
        return -1;
    return 0;
}

/* ---- Event protos ---------------------------------------------------- */

static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* Field tag + length + bytes (wire type 2). */
static size_t put_bytes(uint8_t *p, int field, const void *data, size_t n)
{
    size_t k = put_varint(p, (uint64_t)field << 3 | 2);
    k += put_varint(p + k, n);
    memcpy(p + k, data, n);
    return k + n;
}

/* Event header: wall_time (field 1, fixed64 double) and step (field 2, varint). */
static size_t put_event_head(uint8_t *p, double wall_time, int64_t step)
{
    uint64_t bits;
    memcpy(&bits, &wall_time, 8);
    size_t k = put_varint(p, 1 << 3 | 1);
    put_le(p + k, bits, 8);
    k += 8;
    if (step != 0) {
        k += put_varint(p + k, 2 << 3 | 0);
        k += put_varint(p + k, (uint64_t)step);
    }
    return k;
}

size_t herd_tb_scalar_event(double wall_time, int64_t step, const char *tag, float value,
                            uint8_t **out)
{
    size_t tag_len = strlen(tag), cap = 2 * tag_len + 64;
    uint8_t *value_msg = herd_malloc(cap), *summary = herd_malloc(cap), *ev = herd_malloc(cap);
    uint32_t bits;
    memcpy(&bits, &value, 4);
    size_t nv = put_bytes(value_msg, 1, tag, tag_len);          /* Value.tag */
    nv += put_varint(value_msg + nv, 2 << 3 | 5);                /* Value.simple_value */
    put_le(value_msg + nv, bits, 4);
    nv += 4;
    size_t ns = put_bytes(summary, 1, value_msg, nv);            /* Summary.value */
    size_t ne = put_event_head(ev, wall_time, step);
    ne += put_bytes(ev + ne, 5, summary, ns);                    /* Event.summary */
    free(value_msg);
    free(summary);
    *out = ev;
    return ne;
}

size_t herd_tb_version_event(double wall_time, uint8_t **out)
{
    static const char version[] = "brain.Event:2";
    uint8_t *ev = herd_malloc(64);
    size_t n = put_event_head(ev, wall_time, 0);
    n += put_bytes(ev + n, 3, version, sizeof version - 1);      /* Event.file_version */
    *out = ev;
    return n;
}

/* ---- small helpers --------------------------------------------------- */

void herd_format_double(char buf[32], double v)
{
    if (isnan(v)) {
        snprintf(buf, 32, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, 32, v > 0 ? "inf" : "-inf");
        return;
    }
    for (int digits = 6; digits <= 17; digits++) {
        snprintf(buf, 32, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void herd_csv_cell(FILE *f, const char *s)
{
    if (s == NULL)
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s != '\0'; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static const char *str_member(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static double num_member(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = herd_malloc(n);
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

/* 1 when key is a safe relative path: no empty, "." or ".." component. */
static int safe_key(const char *key)
{
    const char *c = key;
    if (*c == '\0')
        return 0;
    while (*c != '\0') {
        const char *slash = strchr(c, '/');
        size_t n = slash != NULL ? (size_t)(slash - c) : strlen(c);
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return 0;
        c += n + (slash != NULL);
        if (slash != NULL && *c == '\0')
            return 0;
    }
    return 1;
}

/* Write text to folder/key, creating the folders key's slashes imply. */
static int write_text(const char *folder, const char *key, const char *text, herd_error *err)
{
    char *path = path_join(folder, key);
    char *dir = herd_strdup(path);
    *strrchr(dir, '/') = '\0';
    int rc = herd_make_dirs(dir, err);
    FILE *f = rc == HERD_OK ? fopen(path, "wb") : NULL;
    if (rc == HERD_OK && f == NULL)
        rc = herd_error_set(err, HERD_ERR_IO, "%s: %s", path, strerror(errno));
    if (f != NULL && (fputs(text, f) < 0 || fclose(f) != 0))
        rc = herd_error_set(err, HERD_ERR_IO, "%s: write failed", path);
    free(dir);
    free(path);
    return rc;
}

/* Remove path and everything under it (a symbolic link itself, not what it
 * points to). Best effort: what cannot be removed stays. */
static void remove_tree(const char *path)
{
    struct stat st;
    DIR *d = lstat(path, &st) == 0 && S_ISDIR(st.st_mode) ? opendir(path) : NULL;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *child = path_join(path, e->d_name);
        remove_tree(child);
        free(child);
    }
    if (d != NULL)
        closedir(d);
    remove(path);
}

/* ---- TensorBoard ----------------------------------------------------- */

/* The run's folder name: its name, file-safe, plus the id's first 8 characters
 * when the name lacks them. */
static void run_folder_name(const cJSON *run, char *out, size_t len)
{
    const char *name = str_member(run, "name"), *id = str_member(run, "id");
    char id8[9];
    snprintf(id8, sizeof id8, "%s", id);
    size_t k = 0;
    for (const char *c = name; *c != '\0' && k + 10 < len; c++)
        out[k++] = (isalnum((unsigned char)*c) || strchr("._-", *c) != NULL) ? *c : '_';
    out[k] = '\0';
    if (k == 0 || strstr(out, id8) == NULL)
        snprintf(out + k, len - k, "%s%s", k > 0 ? "-" : "", id8);
}

/* Compare metric rows by pointer: by time, then step, then logging order. */
static int by_time(const void *a, const void *b)
{
    const herd_run_metric *x = *(const herd_run_metric *const *)a;
    const herd_run_metric *y = *(const herd_run_metric *const *)b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    if (x->step != y->step)
        return x->step < y->step ? -1 : 1;
    return (x > y) - (x < y);
}

/* Compare metric rows by pointer: by key, then step, then logging order. */
static int by_key(const void *a, const void *b)
{
    const herd_run_metric *x = *(const herd_run_metric *const *)a;
    const herd_run_metric *y = *(const herd_run_metric *const *)b;
    int k = strcmp(x->key, y->key);
    if (k != 0)
        return k;
    if (x->step != y->step)
        return x->step < y->step ? -1 : 1;
    return (x > y) - (x < y);
}

/* Pointers to the rows, sorted by cmp. Caller frees. */
static const herd_run_metric **sorted_rows(const herd_run_metric *rows, int n,
                                           int (*cmp)(const void *, const void *))
{
    const herd_run_metric **p = herd_malloc((size_t)(n > 0 ? n : 1) * sizeof *p);
    for (int i = 0; i < n; i++)
        p[i] = &rows[i];
    qsort(p, (size_t)n, sizeof *p, cmp);
    return p;
}

/* Every record of one event file: the version event, then one scalar per row. */
static int write_events(FILE *f, const cJSON *run, const herd_run_metric *rows, int n)
{
    uint8_t *ev = NULL;
    size_t len = herd_tb_version_event(num_member(run, "start_time"), &ev);
    int bad = herd_tfrecord_write(f, ev, len);
    free(ev);
    const herd_run_metric **order = sorted_rows(rows, n, by_time);
    for (int i = 0; i < n && bad == 0; i++) {
        len = herd_tb_scalar_event(order[i]->time, order[i]->step, order[i]->key,
                                   (float)order[i]->value, &ev);
        bad = herd_tfrecord_write(f, ev, len);
        free(ev);
    }
    free(order);
    return bad;
}

int herd_export_tensorboard(const cJSON *run, const herd_run_metric *rows, int n,
                            const char *root, char *path, size_t path_len, herd_error *err)
{
    char folder[160];
    run_folder_name(run, folder, sizeof folder);
    char *dir = path_join(root, folder);
    size_t file_len = strlen(dir) + 96;
    char *file = herd_malloc(file_len);
    snprintf(file, file_len, "%s/events.out.tfevents.%lld.herd-%.8s", dir,
             (long long)num_member(run, "start_time"), str_member(run, "id"));
    int rc = herd_make_dirs(dir, err);
    FILE *f = rc == HERD_OK ? fopen(file, "wb") : NULL;
    if (rc == HERD_OK && f == NULL)
        rc = herd_error_set(err, HERD_ERR_IO, "%s: %s", file, strerror(errno));
    if (f != NULL) {
        int bad = write_events(f, run, rows, n);
        if (fclose(f) != 0 || bad)
            rc = herd_error_set(err, HERD_ERR_IO, "%s: write failed: %s", file, strerror(errno));
    }
    if (rc == HERD_OK && path != NULL)
        snprintf(path, path_len, "%s", file);
    free(file);
    free(dir);
    return rc;
}

/* ---- MLflow file store ----------------------------------------------- */

/* s as a single-quoted YAML scalar (line breaks become spaces). Caller frees. */
static char *yaml_quote(const char *s)
{
    char *q = herd_malloc(2 * strlen(s) + 3), *o = q;
    *o++ = '\'';
    for (; *s != '\0'; s++) {
        if (*s == '\'')
            *o++ = '\'';
        *o++ = (*s == '\n' || *s == '\r') ? ' ' : *s;
    }
    *o++ = '\'';
    *o = '\0';
    return q;
}

/* "file://" + the absolute path of p, percent-encoded. Caller frees. */
static char *file_uri(const char *p)
{
    char *abs = realpath(p, NULL);
    const char *src = abs != NULL ? abs : p;
    char *uri = herd_malloc(3 * strlen(src) + 8), *o = uri + sprintf(uri, "file://");
    for (const unsigned char *c = (const unsigned char *)src; *c != '\0'; c++)
        o += isalnum(*c) || strchr("/-._~", *c) != NULL ? sprintf(o, "%c", *c)
                                                        : sprintf(o, "%%%02X", *c);
    free(abs);
    return uri;
}

/* The experiment name in <root>/<id>/meta.yaml, unquoted; "" when unreadable. */
static void meta_name(const char *root, const char *id, char *name, size_t len)
{
    char *dir = path_join(root, id), *meta = path_join(dir, "meta.yaml");
    FILE *f = fopen(meta, "r");
    char line[1024];
    name[0] = '\0';
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "name: ", 6) != 0)
            continue;
        char *v = line + 6, *o = name;
        v[strcspn(v, "\r\n")] = '\0';
        int quoted = v[0] == '\'';
        for (char *c = v + quoted; *c != '\0' && (size_t)(o - name) + 1 < len; c++) {
            if (quoted && *c == '\'' && c[1] != '\'')
                break;
            *o++ = *c;
            c += quoted && *c == '\'';
        }
        *o = '\0';
        break;
    }
    if (f != NULL)
        fclose(f);
    free(meta);
    free(dir);
}

static int write_experiment_meta(const char *root, const char *id, const char *name,
                                 double now, herd_error *err)
{
    char *dir = path_join(root, id), *uri = file_uri(root), *qname = yaml_quote(name);
    char text[4096];
    long long ms = (long long)(now * 1000);
    snprintf(text, sizeof text,
             "artifact_location: %s/%s\ncreation_time: %lld\nexperiment_id: '%s'\n"
             "last_update_time: %lld\nlifecycle_stage: active\nname: %s\n",
             uri, id, ms, id, ms, qname);
    int rc = write_text(dir, "meta.yaml", text, err);
    free(qname);
    free(uri);
    free(dir);
    return rc;
}

/* The id of experiment name under root, adding it (and "0" Default) if new;
 * *added says whether this call added it (a new experiment that cannot be
 * written is removed again). */
static int experiment_id(const char *root, const char *name, double now, char id[32],
                         int *added, herd_error *err)
{
    char found[1024];
    long best = -1;
    int rc = HERD_OK;
    meta_name(root, "0", found, sizeof found);
    if (found[0] == '\0' && (rc = write_experiment_meta(root, "0", "Default", now, err)) != HERD_OK)
        return rc;
    DIR *d = opendir(root);
    struct dirent *e;
    id[0] = '\0';
    while (d != NULL && (e = readdir(d)) != NULL) {
        char *end = NULL;
        long v = strtol(e->d_name, &end, 10);
        if (e->d_name[0] == '\0' || *end != '\0' || v < 0)
            continue;
        best = v > best ? v : best;
        meta_name(root, e->d_name, found, sizeof found);
        if (id[0] == '\0' && strcmp(found, name) == 0)
            snprintf(id, 32, "%.31s", e->d_name);
    }
    if (d != NULL)
        closedir(d);
    if (id[0] != '\0')
        return HERD_OK;
    snprintf(id, 32, "%ld", best + 1);
    rc = write_experiment_meta(root, id, name, now, err);
    *added = rc == HERD_OK;
    if (rc != HERD_OK) {
        char *dir = path_join(root, id);
        remove_tree(dir);
        free(dir);
    }
    return rc;
}

/* MLflow's RunStatus numbers. */
static int mlflow_status(const char *status)
{
    static const struct { const char *name; int code; } map[] = {
        {"RUNNING", 1}, {"FINISHED", 3}, {"FAILED", 4}, {"KILLED", 5}, {"PREEMPTED", 5},
        {"DEAD", 5},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(status, map[i].name) == 0)
            return map[i].code;
    return 4;
}

/* run_dir/meta.yaml; run_uri is where the run's folder is (or will be). */
static int write_run_meta(const char *run_dir, const char *run_uri, const cJSON *run,
                          const char *exp_id, herd_error *err)
{
    char *qname = yaml_quote(str_member(run, "name"));
    char *qcommit = yaml_quote(str_member(run, "git_commit"));
    const char *user = getenv("USER");
    const struct passwd *pw = user == NULL ? getpwuid(getuid()) : NULL;
    char *quser = yaml_quote(user != NULL ? user : pw != NULL ? pw->pw_name : "");
    const char *id = str_member(run, "id");
    double end = num_member(run, "end_time");
    char end_text[32] = "null", text[8192];
    if (end > 0)
        snprintf(end_text, sizeof end_text, "%lld", (long long)(end * 1000));
    cJSON *deleted = cJSON_GetObjectItemCaseSensitive(run, "deleted");
    snprintf(text, sizeof text,
             "artifact_uri: %s/artifacts\nend_time: %s\nentry_point_name: ''\n"
             "experiment_id: '%s'\nlifecycle_stage: %s\nname: ''\nrun_id: %s\nrun_name: %s\n"
             "run_uuid: %s\nsource_name: ''\nsource_type: 4\nsource_version: %s\n"
             "start_time: %lld\nstatus: %d\ntags: []\nuser_id: %s\n",
             run_uri, end_text, exp_id, cJSON_IsTrue(deleted) ? "deleted" : "active", id, qname,
             id, qcommit, (long long)(num_member(run, "start_time") * 1000),
             mlflow_status(str_member(run, "status")), quser);
    int rc = write_text(run_dir, "meta.yaml", text, err);
    free(quser);
    free(qcommit);
    free(qname);
    return rc;
}

/* Where one name is a "/"-prefix of another ("a" and "a/max"), write the
 * other's "/" after the prefix as "_" ("a_max"). Returns how many it changed. */
static int join_prefix_conflicts(char **names, int n)
{
    int changed = 0;
    for (int i = 0; i < n; i++) {
        size_t len = names[i] != NULL ? strlen(names[i]) : 0;
        for (int j = 0; j < n && len > 0; j++)
            if (names[j] != NULL && strncmp(names[j], names[i], len) == 0 &&
                names[j][len] == '/') {
                names[j][len] = '_';
                changed++;
            }
    }
    return changed;
}

/* The file name under metrics/, params/ or tags/ of each of n keys. MLflow
 * keeps key K in the file K, each "/" a subfolder, so a key that is also a
 * "/"-prefix of another would have to be a file and a folder at once: the
 * longer key's "/" after the prefix is written as "_" instead
 * ("system/cpu_utilization_percentage/max" ->
 * "system/cpu_utilization_percentage_max"). NULL for a key skipped with a
 * warning: not a safe relative path, or the same file name as an earlier
 * key. The caller frees the names with free_names. */
static char **store_names(const char *const *keys, int n, const char *what)
{
    char **names = herd_calloc((size_t)(n > 0 ? n : 1), sizeof *names);
    for (int i = 0; i < n; i++) {
        if (safe_key(keys[i]))
            names[i] = herd_strdup(keys[i]);
        else
            herd_warn("export: %s key '%s' is not a safe file name; skipped", what, keys[i]);
    }
    while (join_prefix_conflicts(names, n) > 0)
        continue;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i && names[i] != NULL; j++) {
            if (names[j] == NULL || strcmp(names[i], names[j]) != 0)
                continue;
            /* a key written under its own name keeps it */
            int drop = strcmp(names[i], keys[i]) == 0 && strcmp(names[j], keys[j]) != 0 ? j : i;
            herd_warn("export: %s key '%s' would be written to the file of '%s'; skipped",
                      what, keys[drop], keys[drop == i ? j : i]);
            free(names[drop]);
            names[drop] = NULL;
        }
    return names;
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Write each member of obj (string or number) as <dir>/<sub>/<store name>. */
static int write_members(const char *run_dir, const char *sub, const cJSON *obj,
                         herd_error *err)
{
    int n = obj != NULL ? cJSON_GetArraySize(obj) : 0, k = 0;
    const char **keys = herd_malloc((size_t)(n > 0 ? n : 1) * sizeof *keys);
    for (const cJSON *v = obj != NULL ? obj->child : NULL; v != NULL; v = v->next)
        keys[k++] = v->string;
    char **names = store_names(keys, n, sub);
    char *dir = path_join(run_dir, sub);
    int rc = herd_make_dirs(dir, err);
    k = 0;
    for (const cJSON *v = obj != NULL ? obj->child : NULL; v != NULL && rc == HERD_OK;
         v = v->next, k++) {
        char num[32];
        if (names[k] == NULL)
            continue;
        if (cJSON_IsNumber(v))
            herd_format_double(num, v->valuedouble);
        rc = write_text(dir, names[k], cJSON_IsString(v) ? v->valuestring
                                       : cJSON_IsNumber(v) ? num : "", err);
    }
    free(dir);
    free_names(names, n);
    free(keys);
    return rc;
}

/* The tags MLflow itself reads, and herd's run fields, beside the run's own tags. */
static cJSON *mlflow_tags(const cJSON *run)
{
    cJSON *tags = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(run, "tags"), 1);
    if (tags == NULL)
        tags = cJSON_CreateObject();
    static const char *const FIELDS[][2] = {
        {"mlflow.runName", "name"}, {"mlflow.source.git.commit", "git_commit"},
        {"mlflow.parentRunId", "parent_id"}, {"herd.status", "status"},
        {"herd.command", "command"}, {"herd.hosts", "hosts"},
        {"herd.config_sha256", "config_sha256"}, {"herd.data_sha256", "data_sha256"},
        {"herd.versions", "versions"},
    };
    for (size_t i = 0; i < sizeof FIELDS / sizeof FIELDS[0]; i++)
        if (str_member(run, FIELDS[i][1])[0] != '\0')
            cJSON_AddStringToObject(tags, FIELDS[i][0], str_member(run, FIELDS[i][1]));
    cJSON_AddStringToObject(tags, "mlflow.source.name", "herd");
    cJSON_AddStringToObject(tags, "mlflow.source.type", "LOCAL");
    cJSON_AddNumberToObject(tags, "herd.world_size", num_member(run, "world_size"));
    return tags;
}

/* The "timestamp_ms value step" lines of rows[0..n), in their order. Caller frees. */
static char *metric_lines(const herd_run_metric *const *rows, int n)
{
    size_t cap = (size_t)n * 64 + 1, used = 0;
    char *text = herd_malloc(cap), value[32];
    text[0] = '\0';
    for (int k = 0; k < n; k++) {
        herd_format_double(value, rows[k]->value);
        used += (size_t)snprintf(text + used, cap - used, "%lld %s %lld\n",
                                 (long long)llround(rows[k]->time * 1000), value,
                                 (long long)rows[k]->step);
    }
    return text;
}

/* metrics/<store name>: one "timestamp_ms value step" line per row, in step order. */
static int write_metric_files(const char *run_dir, const herd_run_metric *rows, int n,
                              herd_error *err)
{
    const herd_run_metric **order = sorted_rows(rows, n, by_key);
    int *first = herd_malloc((size_t)(n + 1) * sizeof *first), nkeys = 0;
    const char **keys = herd_malloc((size_t)(n > 0 ? n : 1) * sizeof *keys);
    for (int i = 0; i < n; i++)
        if (i == 0 || strcmp(order[i]->key, order[i - 1]->key) != 0) {
            first[nkeys] = i;
            keys[nkeys++] = order[i]->key;
        }
    first[nkeys] = n;
    char **names = store_names(keys, nkeys, "metric");
    char *dir = path_join(run_dir, "metrics");
    int rc = herd_make_dirs(dir, err);
    for (int g = 0; g < nkeys && rc == HERD_OK; g++) {
        if (names[g] == NULL)
            continue;
        char *text = metric_lines(order + first[g], first[g + 1] - first[g]);
        rc = write_text(dir, names[g], text, err);
        free(text);
    }
    free(dir);
    free_names(names, nkeys);
    free(keys);
    free(first);
    free(order);
    return rc;
}

/* Every file of the run in run_dir (a new folder); meta.yaml names
 * run_uri, where the folder will be once in place. */
static int write_run_files(const char *run_dir, const char *run_uri, const cJSON *run,
                           const herd_run_metric *rows, int n, const char *exp_id,
                           herd_error *err)
{
    char *artifacts = path_join(run_dir, "artifacts");
    cJSON *tags = mlflow_tags(run);
    int rc = herd_make_dirs(artifacts, err);
    if (rc == HERD_OK)
        rc = write_run_meta(run_dir, run_uri, run, exp_id, err);
    if (rc == HERD_OK)
        rc = write_members(run_dir, "params", cJSON_GetObjectItemCaseSensitive(run, "params"), err);
    if (rc == HERD_OK)
        rc = write_members(run_dir, "tags", tags, err);
    if (rc == HERD_OK)
        rc = write_metric_files(run_dir, rows, n, err);
    if (rc == HERD_OK && str_member(run, "config")[0] != '\0')
        rc = write_text(artifacts, "config.yaml", str_member(run, "config"), err);
    cJSON_Delete(tags);
    free(artifacts);
    return rc;
}

/* Put the complete folder tmp where final is: a folder already at final (the
 * run exported before) is moved aside, replaced, then removed; if tmp cannot
 * take its place, it is moved back. */
static int replace_folder(const char *tmp, const char *final, herd_error *err)
{
    char *old = herd_malloc(strlen(final) + 8);
    sprintf(old, "%s.old", final);
    remove_tree(old);
    int moved = rename(final, old) == 0;
    int rc = HERD_OK;
    if (!moved && errno != ENOENT)
        rc = herd_error_set(err, HERD_ERR_IO, "%s: cannot replace: %s", final, strerror(errno));
    else if (rename(tmp, final) != 0)
        rc = herd_error_set(err, HERD_ERR_IO, "%s: cannot rename to %s: %s", tmp, final,
                            strerror(errno));
    if (rc != HERD_OK && moved)
        rename(old, final);
    else if (moved)
        remove_tree(old);
    free(old);
    return rc;
}

/* The run is written into <exp_dir>/<run id>.tmp<pid> and renamed into place
 * once complete, so an export that fails leaves the store as it was: the
 * partial folder is removed, and so is an experiment added for this run. */
int herd_export_mlflow(const cJSON *run, const herd_run_metric *rows, int n, const char *root,
                       herd_error *err)
{
    char exp_id[32];
    int new_experiment = 0;
    int rc = herd_make_dirs(root, err);
    char *trash = path_join(root, ".trash");
    if (rc == HERD_OK)
        rc = herd_make_dirs(trash, err);
    if (rc == HERD_OK)
        rc = experiment_id(root, str_member(run, "experiment"), num_member(run, "start_time"),
                           exp_id, &new_experiment, err);
    free(trash);
    if (rc != HERD_OK)
        return rc;
    const char *id = str_member(run, "id");
    char *exp_dir = path_join(root, exp_id), *run_dir = path_join(exp_dir, id);
    char *exp_uri = file_uri(exp_dir), *run_uri = path_join(exp_uri, id);
    char *tmp = herd_malloc(strlen(run_dir) + 32);
    sprintf(tmp, "%s.tmp%ld", run_dir, (long)getpid());
    remove_tree(tmp);
    rc = write_run_files(tmp, run_uri, run, rows, n, exp_id, err);
    if (rc == HERD_OK)
        rc = replace_folder(tmp, run_dir, err);
    if (rc != HERD_OK) {
        remove_tree(tmp);
        if (new_experiment)
            remove_tree(exp_dir);
    }
    free(tmp);
    free(run_uri);
    free(exp_uri);
    free(run_dir);
    free(exp_dir);
    return rc;
}

/* ---- CSV and JSON ---------------------------------------------------- */

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The member names of runs[i].<group>, sorted and unique. Caller frees the
 * array (the strings are borrowed). */
static const char **union_keys(cJSON *const *runs, int n, const char *group, int *count)
{
    int cap = 16, k = 0;
    const char **keys = herd_malloc((size_t)cap * sizeof *keys);
    for (int i = 0; i < n; i++) {
        const cJSON *obj = cJSON_GetObjectItemCaseSensitive(runs[i], group);
        for (const cJSON *v = obj != NULL ? obj->child : NULL; v != NULL; v = v->next) {
            if (k == cap)
                keys = herd_realloc(keys, (size_t)(cap *= 2) * sizeof *keys);
            keys[k++] = v->string;
        }
    }
    qsort(keys, (size_t)k, sizeof *keys, by_string);
    int u = 0;
    for (int i = 0; i < k; i++)
        if (u == 0 || strcmp(keys[u - 1], keys[i]) != 0)
            keys[u++] = keys[i];
    *count = u;
    return keys;
}

/* One cell: a string, a number in shortest form, or empty. */
static void value_cell(FILE *f, const cJSON *v)
{
    char num[32];
    if (cJSON_IsString(v)) {
        herd_csv_cell(f, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        herd_format_double(num, v->valuedouble);
        fputs(num, f);
    }
}

void herd_export_runs_csv(FILE *f, cJSON *const *runs, int n)
{
    static const char *COLS[] = {"id", "experiment", "name", "status", "parent_id", "start_time",
                                 "end_time", "world_size", "git_commit"};
    const int ncols = (int)(sizeof COLS / sizeof COLS[0]);
    int np = 0, nm = 0;
    const char **pk = union_keys(runs, n, "params", &np), **mk = union_keys(runs, n, "metrics", &nm);
    for (int c = 0; c < ncols; c++)
        fprintf(f, "%s%s", c > 0 ? "," : "", COLS[c]);
    for (int c = 0; c < np; c++) {
        fputs(",params.", f);
        herd_csv_cell(f, pk[c]);
    }
    for (int c = 0; c < nm; c++) {
        fputs(",metrics.", f);
        herd_csv_cell(f, mk[c]);
    }
    fputc('\n', f);
    for (int i = 0; i < n; i++) {
        const cJSON *params = cJSON_GetObjectItemCaseSensitive(runs[i], "params");
        const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(runs[i], "metrics");
        for (int c = 0; c < ncols; c++) {
            if (c > 0)
                fputc(',', f);
            value_cell(f, cJSON_GetObjectItemCaseSensitive(runs[i], COLS[c]));
        }
        for (int c = 0; c < np; c++) {
            fputc(',', f);
            value_cell(f, cJSON_GetObjectItemCaseSensitive(params, pk[c]));
        }
        for (int c = 0; c < nm; c++) {
            fputc(',', f);
            value_cell(f, cJSON_GetObjectItemCaseSensitive(metrics, mk[c]));
        }
        fputc('\n', f);
    }
    free(pk);
    free(mk);
}

void herd_export_metrics_csv(FILE *f, const char *run_id, const herd_run_metric *rows, int n,
                             int header)
{
    char t[32], v[32];
    if (header)
        fprintf(f, "run_id,key,step,time,value\n");
    for (int i = 0; i < n; i++) {
        herd_format_double(t, rows[i].time);
        herd_format_double(v, rows[i].value);
        fprintf(f, "%s,", run_id);
        herd_csv_cell(f, rows[i].key);
        fprintf(f, ",%lld,%s,%s\n", (long long)rows[i].step, t, isnan(rows[i].value) ? "" : v);
    }
}

cJSON *herd_export_series_json(const herd_run_metric *rows, int n)
{
    cJSON *obj = cJSON_CreateObject();
    for (int i = 0; i < n; i++) {
        cJSON *series = cJSON_GetObjectItemCaseSensitive(obj, rows[i].key);
        if (series == NULL)
            cJSON_AddItemToObject(obj, rows[i].key, series = cJSON_CreateArray());
        cJSON *point = cJSON_CreateObject();
        cJSON_AddNumberToObject(point, "step", (double)rows[i].step);
        cJSON_AddNumberToObject(point, "time", rows[i].time);
        if (isnan(rows[i].value))
            cJSON_AddNullToObject(point, "value");
        else
            cJSON_AddNumberToObject(point, "value", rows[i].value);
        cJSON_AddItemToArray(series, point);
    }
    return obj;
}
