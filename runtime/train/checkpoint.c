/* checkpoint.c - atomic HDF5 checkpoints with a payload checksum. */
#include "train/checkpoint.h"
#include "core/files.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "data/dataset.h"
#include "data/h5util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- payload checksum ---- */

static void payload_sha256(const float *params, const float *m, const float *v, size_t n,
                           char hex[65])
{
    herd_sha256 *h = herd_sha256_begin();
    herd_sha256_update(h, params, n * sizeof(float));
    if (m != NULL)
        herd_sha256_update(h, m, n * sizeof(float));
    if (v != NULL)
        herd_sha256_update(h, v, n * sizeof(float));
    herd_sha256_end(h, hex);
}

static int all_finite(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

/* ---- writing ---- */

static int write_spec(hid_t file, const herd_model_spec *spec)
{
    int st = 0;
    st |= herd_h5_write_str_attr(file, "model_type", herd_model_type_name(spec->type));
    st |= herd_h5_write_i64_attr(file, "task", spec->task);
    st |= herd_h5_write_i64_attr(file, "n_in", spec->n_in);
    st |= herd_h5_write_i64_attr(file, "n_classes", spec->n_classes);
    st |= herd_h5_write_i64_attr(file, "n_hidden", spec->n_hidden);
    for (int i = 0; i < spec->n_hidden; i++) {
        char name[32];
        snprintf(name, sizeof name, "hidden%d", i);
        st |= herd_h5_write_i64_attr(file, name, spec->hidden[i]);
    }
    st |= herd_h5_write_i64_attr(file, "activation", spec->activation);
    st |= herd_h5_write_f64_attr(file, "init_scale", spec->init_scale);
    return st;
}

static int write_state(hid_t file, const herd_checkpoint_source *src)
{
    int st = 0;
    st |= herd_h5_write_i64_attr(file, "format_version", HERD_CHECKPOINT_FORMAT);
    st |= herd_h5_write_i64_attr(file, "step", src->step);
    st |= herd_h5_write_i64_attr(file, "epoch", src->epoch);
    st |= herd_h5_write_i64_attr(file, "step_in_epoch", src->step_in_epoch);
    st |= herd_h5_write_i64_attr(file, "seed", src->seed);
    st |= herd_h5_write_i64_attr(file, "optim_t", src->optim->t);
    st |= herd_h5_write_str_attr(file, "run_id", src->run_id);
    st |= herd_h5_write_str_attr(file, "data_sha256", src->data_sha256);
    st |= herd_h5_write_str_attr(file, "config", src->config);
    st |= herd_h5_write_i64_attr(file, "world_size", src->world_size);
    st |= herd_h5_write_i64_attr(file, "skipped_steps", src->skipped_steps);
    if (src->best_metric != NULL && src->best_metric[0] != '\0') {
        st |= herd_h5_write_str_attr(file, "best_metric", src->best_metric);
        st |= herd_h5_write_f64_attr(file, "best_value", src->best_value);
        st |= herd_h5_write_i64_attr(file, "best_step", src->best_step);
    }
    return st;
}

static int write_tensors(hid_t file, const herd_checkpoint_source *src)
{
    const herd_model *m = src->model;
    int st = 0;
    hid_t params = H5Gcreate2(file, "params", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    for (int i = 0; i < m->n_tensors && params >= 0; i++) {
        const herd_tensor *t = &m->tensors[i];
        st |= herd_h5_write_f32_2d(params, t->name, m->params + t->offset, t->rows, t->cols);
    }
    if (params >= 0)
        H5Gclose(params);
    hid_t optim = H5Gcreate2(file, "optim", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (params < 0 || optim < 0)
        return -1;
    st |= herd_h5_write_f32(optim, "m", src->optim->m, (int64_t)m->n_params);
    if (src->optim->v != NULL)
        st |= herd_h5_write_f32(optim, "v", src->optim->v, (int64_t)m->n_params);
    H5Gclose(optim);
    char hex[65];
    payload_sha256(m->params, src->optim->m, src->optim->v, m->n_params, hex);
    st |= herd_h5_write_str_attr(file, "payload_sha256", hex);
    return st;
}

static int write_preprocess(hid_t file, const herd_preprocess *pp, herd_error *err)
{
    hid_t group = H5Gcreate2(file, "preprocess", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (group < 0)
        return herd_error_set(err, HERD_ERR_IO, "checkpoint: cannot create /preprocess");
    int rc = herd_preprocess_save_h5(pp, (long long)group, err);
    H5Gclose(group);
    return rc;
}

int herd_checkpoint_check_dir(const char *dir, herd_error *err)
{
    char probe[4200];
    herd_error why = { 0 };
    if (herd_make_dirs(dir, &why) != HERD_OK)
        return herd_error_set(err, HERD_ERR_IO, "checkpoint: %s", why.msg);
    snprintf(probe, sizeof probe, "%s/.herd-write-test-%d", dir, (int)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return herd_error_set(err, HERD_ERR_IO, "checkpoint: cannot write in %s: %s", dir,
                              strerror(errno));
    close(fd);
    unlink(probe);
    return HERD_OK;
}

/* ---- the run that owns a folder ---- */

struct herd_checkpoint_lock {
    int fd;
    char path[4200];
};

/* "pid 1234 on node7" of the holder, as it wrote it into the lock file. */
static void read_holder(int fd, char *holder, size_t size)
{
    ssize_t n = pread(fd, holder, size - 1, 0);
    holder[n > 0 ? n : 0] = '\0';
    holder[strcspn(holder, "\n")] = '\0';
}

static int folder_in_use(const char *dir, int fd, herd_error *err)
{
    char holder[256];
    read_holder(fd, holder, sizeof holder);
    return herd_error_set(err, HERD_ERR_IO,
                          "checkpoint: %s is in use by another training (%s); give each run its "
                          "own train.checkpoint_dir, or wait until that one ends",
                          dir, holder[0] != '\0' ? holder : "its pid is not known");
}

/* Still the file at path? The holder before us unlinks it on release, so
 * a lock taken on a file that was just removed protects nothing. */
static int is_current(int fd, const char *path)
{
    struct stat held, now;
    return fstat(fd, &held) == 0 && stat(path, &now) == 0 && held.st_dev == now.st_dev &&
           held.st_ino == now.st_ino;
}

static void write_holder(int fd)
{
    char host[256] = "", text[320];
    gethostname(host, sizeof host - 1);
    int n = snprintf(text, sizeof text, "pid %d on %s\n", (int)getpid(), host);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n)
        herd_warn("checkpoint: cannot record this run's pid in its lock file: %s",
                  strerror(errno));
}

int herd_checkpoint_lock_dir(const char *dir, herd_checkpoint_lock **out, herd_error *err)
{
    herd_checkpoint_lock *lock = herd_calloc(1, sizeof *lock);
    snprintf(lock->path, sizeof lock->path, "%s/" HERD_CHECKPOINT_LOCK_FILE, dir);
    *out = NULL;
    for (;;) {
        /* no O_TRUNC: a run that finds the folder taken changes nothing in it */
        lock->fd = open(lock->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (lock->fd < 0) {
            int rc = herd_error_set(err, HERD_ERR_IO, "checkpoint: cannot create %s: %s",
                                    lock->path, strerror(errno));
            free(lock);
            return rc;
        }
        if (flock(lock->fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            int rc = e == EWOULDBLOCK ? folder_in_use(dir, lock->fd, err) : HERD_OK;
            if (e != EWOULDBLOCK)
                herd_warn("checkpoint: cannot lock %s (%s): another training on this folder "
                          "would not be noticed", lock->path, strerror(e));
            close(lock->fd);
            free(lock);
            return rc;
        }
        if (is_current(lock->fd, lock->path))
            break;
        close(lock->fd);
    }
    write_holder(lock->fd);
    *out = lock;
    return HERD_OK;
}

void herd_checkpoint_unlock_dir(herd_checkpoint_lock *lock)
{
    if (lock == NULL)
        return;
    unlink(lock->path);  /* while still held: see is_current */
    close(lock->fd);
    free(lock);
}

int herd_checkpoint_write(const char *dir, const herd_checkpoint_source *src, char *path,
                          size_t path_size, herd_error *err)
{
    const herd_model *m = src->model;
    if (!all_finite(m->params, m->n_params))
        return herd_error_set(err, HERD_ERR_RUNTIME,
                              "checkpoint: step %lld: parameters are not finite; not saved",
                              (long long)src->step);
    herd_error why = { 0 };
    if (herd_make_dirs(dir, &why) != HERD_OK)
        return herd_error_set(err, HERD_ERR_IO, "checkpoint: %s", why.msg);
    snprintf(path, path_size, "%s/ckpt-%09lld.h5", dir, (long long)src->step);
    /* built in memory, then written as one image: a full disk is a plain
     * write error (tmp removed), never a half-closed HDF5 file */
    hid_t file = herd_h5_create_in_memory();
    if (file < 0)
        return herd_error_set(err, HERD_ERR_IO, "checkpoint: cannot create %s in memory", path);
    int bad = write_spec(file, &m->spec) | write_state(file, src) | write_tensors(file, src);
    if (src->feature_names != NULL)
        bad |= herd_h5_write_strings(file, "feature_names",
                                     (const char *const *)src->feature_names, m->spec.n_in);
    if (src->class_names != NULL)
        bad |= herd_h5_write_strings(file, "class_names",
                                     (const char *const *)src->class_names, m->spec.n_classes);
    int rc = bad ? herd_error_set(err, HERD_ERR_IO, "checkpoint: building %s failed", path)
                 : write_preprocess(file, src->pp, err);
    if (rc != HERD_OK) {
        H5Fclose(file);
        return rc;
    }
    return herd_h5_save_image(file, path, "checkpoint", err);
}

/* ---- reading ---- */

/* 0 when the attribute was read, -1 when absent or unreadable. */
static int get_i64(hid_t obj, const char *name, int64_t *value)
{
    return herd_h5_read_i64_attr(obj, name, value) == 1 ? 0 : -1;
}

static int read_spec(hid_t file, herd_model_spec *spec)
{
    int64_t v[5] = { 0 };
    double scale = 1.0;
    char *type = herd_h5_read_str_attr_alloc(file, "model_type");
    int bad = type == NULL;
    bad |= get_i64(file, "task", &v[0]) | get_i64(file, "n_in", &v[1]);
    bad |= get_i64(file, "n_classes", &v[2]) | get_i64(file, "n_hidden", &v[3]);
    bad |= get_i64(file, "activation", &v[4]) | (herd_h5_read_f64_attr(file, "init_scale", &scale) == 1 ? 0 : -1);
    memset(spec, 0, sizeof *spec);
    spec->type = type != NULL ? herd_model_type_parse(type) : -1;
    free(type);
    spec->task = (int)v[0];
    spec->n_in = (int)v[1];
    spec->n_classes = (int)v[2];
    spec->n_hidden = (int)v[3];
    spec->activation = (int)v[4];
    spec->init_scale = scale;
    if (bad || spec->type < 0 || spec->n_hidden < 0 || spec->n_hidden > 16)
        return -1;
    for (int i = 0; i < spec->n_hidden; i++) {
        char name[32];
        int64_t width = 0;
        snprintf(name, sizeof name, "hidden%d", i);
        bad |= get_i64(file, name, &width);
        spec->hidden[i] = (int)width;
    }
    return bad ? -1 : 0;
}

static int read_state(hid_t file, herd_checkpoint *ck)
{
    int bad = get_i64(file, "step", &ck->step) | get_i64(file, "epoch", &ck->epoch);
    bad |= get_i64(file, "step_in_epoch", &ck->step_in_epoch);
    bad |= get_i64(file, "seed", &ck->seed) | get_i64(file, "optim_t", &ck->optim_t);
    char *run_id = herd_h5_read_str_attr_alloc(file, "run_id");
    char *data = herd_h5_read_str_attr_alloc(file, "data_sha256");
    ck->config = herd_h5_read_str_attr_alloc(file, "config");
    if (run_id != NULL)
        snprintf(ck->run_id, sizeof ck->run_id, "%s", run_id);
    if (data != NULL)
        snprintf(ck->data_sha256, sizeof ck->data_sha256, "%s", data);
    bad |= run_id == NULL || data == NULL || ck->config == NULL;
    free(run_id);
    free(data);
    /* optional: absent in checkpoints written before fault tolerance */
    get_i64(file, "world_size", &ck->world_size);
    get_i64(file, "skipped_steps", &ck->skipped_steps);
    ck->best_step = -1;
    char *best = herd_h5_read_str_attr_alloc(file, "best_metric");
    if (best != NULL && herd_h5_read_f64_attr(file, "best_value", &ck->best_value) == 1
        && get_i64(file, "best_step", &ck->best_step) == 0)
        snprintf(ck->best_metric, sizeof ck->best_metric, "%s", best);
    free(best);
    return bad ? -1 : 0;
}

static int read_tensors(hid_t file, herd_checkpoint *ck)
{
    herd_model *m = ck->model;
    hid_t params = H5Gopen2(file, "params", H5P_DEFAULT);
    hid_t optim = H5Gopen2(file, "optim", H5P_DEFAULT);
    int bad = params < 0 || optim < 0;
    for (int i = 0; i < m->n_tensors && !bad; i++) {
        const herd_tensor *t = &m->tensors[i];
        bad |= herd_h5_read_f32_2d(params, t->name, m->params + t->offset, t->rows, t->cols);
    }
    ck->optim_m = herd_malloc(m->n_params * sizeof(float));
    if (!bad)
        bad |= herd_h5_read_f32(optim, "m", ck->optim_m, (int64_t)m->n_params);
    if (!bad && H5Lexists(optim, "v", H5P_DEFAULT) > 0) {
        ck->optim_v = herd_malloc(m->n_params * sizeof(float));
        bad |= herd_h5_read_f32(optim, "v", ck->optim_v, (int64_t)m->n_params);
    }
    if (optim >= 0)
        H5Gclose(optim);
    if (params >= 0)
        H5Gclose(params);
    return bad ? -1 : 0;
}

static int verify_payload(hid_t file, const herd_checkpoint *ck)
{
    char *stored = herd_h5_read_str_attr_alloc(file, "payload_sha256");
    char hex[65];
    payload_sha256(ck->model->params, ck->optim_m, ck->optim_v, ck->model->n_params, hex);
    int ok = stored != NULL && strcmp(stored, hex) == 0;
    free(stored);
    return ok ? 0 : -1;
}

static int read_body(hid_t file, const char *path, herd_checkpoint *ck, herd_error *err)
{
    int64_t version = 0;
    if (get_i64(file, "format_version", &version) != 0 || read_spec(file, &ck->spec) != 0)
        return herd_error_set(err, HERD_ERR_DATA, "%s: not a herd checkpoint", path);
    if (version != HERD_CHECKPOINT_FORMAT)
        return herd_error_set(err, HERD_ERR_DATA, "%s: checkpoint format %lld, this herd reads %d",
                              path, (long long)version, HERD_CHECKPOINT_FORMAT);
    herd_error inner = { 0 };
    if (herd_model_create(&ck->spec, 1, 0, &ck->model, &inner) != HERD_OK)
        return herd_error_set(err, HERD_ERR_DATA, "%s: bad model description: %s", path, inner.msg);
    if (read_state(file, ck) != 0 || read_tensors(file, ck) != 0)
        return herd_error_set(err, HERD_ERR_DATA, "%s: incomplete checkpoint (missing tensors or state)", path);
    if (verify_payload(file, ck) != 0)
        return herd_error_set(err, HERD_ERR_DATA, "%s: checksum mismatch: the checkpoint is damaged", path);
    hid_t group = H5Gopen2(file, "preprocess", H5P_DEFAULT);
    if (group < 0)
        return herd_error_set(err, HERD_ERR_DATA, "%s: missing /preprocess", path);
    int rc = herd_preprocess_load_h5((long long)group, &ck->pp, err);
    H5Gclose(group);
    if (rc == HERD_OK && ck->pp->cols != ck->spec.n_in)
        rc = herd_error_set(err, HERD_ERR_DATA, "%s: preprocessing for %lld columns, model for %d",
                            path, (long long)ck->pp->cols, ck->spec.n_in);
    if (rc == HERD_OK && H5Lexists(file, "feature_names", H5P_DEFAULT) > 0) {
        ck->feature_names = herd_calloc((size_t)ck->spec.n_in + 1, sizeof *ck->feature_names);
        if (herd_h5_read_strings(file, "feature_names", ck->feature_names, ck->spec.n_in) != 0)
            rc = herd_error_set(err, HERD_ERR_DATA, "%s: /feature_names must hold %d strings",
                                path, ck->spec.n_in);
    }
    if (rc == HERD_OK && H5Lexists(file, "class_names", H5P_DEFAULT) > 0) {
        int k = ck->spec.task == HERD_TASK_REGRESSION ? 0 : ck->spec.n_classes;
        ck->class_names = herd_calloc((size_t)k + 1, sizeof *ck->class_names);
        if (k == 0 || herd_h5_read_strings(file, "class_names", ck->class_names, k) != 0)
            rc = herd_error_set(err, HERD_ERR_DATA, "%s: /class_names must hold %d strings",
                                path, k);
    }
    return rc;
}

int herd_checkpoint_read(const char *path, herd_checkpoint **out, herd_error *err)
{
    *out = NULL;
    herd_h5_quiet();
    if (access(path, R_OK) != 0)
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot read checkpoint: %s", path, strerror(errno));
    if (H5Fis_hdf5(path) <= 0)
        return herd_error_set(err, HERD_ERR_DATA, "%s: not an HDF5 file (truncated or foreign checkpoint)", path);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return herd_error_set(err, HERD_ERR_DATA, "%s: cannot open checkpoint (truncated?)", path);
    herd_checkpoint *ck = herd_calloc(1, sizeof *ck);
    int rc = read_body(file, path, ck, err);
    H5Fclose(file);
    if (rc != HERD_OK) {
        herd_checkpoint_free(ck);
        return rc;
    }
    *out = ck;
    return HERD_OK;
}

void herd_checkpoint_free(herd_checkpoint *ck)
{
    if (ck == NULL)
        return;
    herd_model_free(ck->model);
    free(ck->optim_m);
    free(ck->optim_v);
    herd_preprocess_free(ck->pp);
    free(ck->config);
    herd_names_free(ck->feature_names);
    herd_names_free(ck->class_names);
    free(ck);
}

static int cmp_desc(const void *a, const void *b)
{
    return strcmp(*(char *const *)b, *(char *const *)a);
}

/* Checkpoint file names in dir, newest (highest step) first. */
static char **list_checkpoints(const char *dir, int *count)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    int n = 0, cap = 0;
    *count = 0;
    if (d == NULL)
        return NULL;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, "ckpt-", 5) != 0 || len < 8 || strcmp(e->d_name + len - 3, ".h5") != 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            names = herd_realloc(names, (size_t)cap * sizeof *names);
        }
        names[n++] = herd_strdup(e->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, (size_t)n, sizeof *names, cmp_desc);
    *count = n;
    return names;
}

int herd_checkpoint_find_latest(const char *dir, char *path, size_t path_size, herd_error *err)
{
    int n = 0, rc = HERD_ERR_IO;
    char **names = list_checkpoints(dir, &n);
    for (int i = 0; i < n && rc != HERD_OK; i++) {
        herd_checkpoint *ck = NULL;
        herd_error why = { 0 };
        snprintf(path, path_size, "%s/%s", dir, names[i]);
        if (herd_checkpoint_read(path, &ck, &why) == HERD_OK)
            rc = HERD_OK;
        else
            herd_warn("skipping checkpoint: %s", why.msg);
        herd_checkpoint_free(ck);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc != HERD_OK)
        return herd_error_set(err, HERD_ERR_IO, "%s: no valid checkpoint to resume from", dir);
    return HERD_OK;
}

/* Move dir/name into folder; 0 when moved or absent. */
static int move_into(const char *dir, const char *name, const char *folder)
{
    char from[4200], to[4400];
    snprintf(from, sizeof from, "%s/%s", dir, name);
    snprintf(to, sizeof to, "%s/%s", folder, name);
    if (rename(from, to) != 0 && errno != ENOENT)
        return -1;
    return 0;
}

int herd_checkpoint_set_aside(const char *dir, char *moved_to, size_t size, herd_error *err)
{
    int n = 0, rc = HERD_OK;
    char best[4200];
    char **names = list_checkpoints(dir, &n);
    snprintf(best, sizeof best, "%s/best.h5", dir);
    moved_to[0] = '\0';
    if (n == 0 && access(best, F_OK) != 0)
        goto done;
    time_t now = time(NULL);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
    snprintf(moved_to, size, "%s/previous-%s-%d", dir, stamp, (int)getpid());
    if (mkdir(moved_to, 0755) != 0) {
        rc = herd_error_set(err, HERD_ERR_IO, "checkpoint: cannot create %s: %s", moved_to,
                            strerror(errno));
        goto done;
    }
    for (int i = 0; i < n && rc == HERD_OK; i++)
        if (move_into(dir, names[i], moved_to) != 0)
            rc = herd_error_set(err, HERD_ERR_IO, "checkpoint: cannot move %s/%s aside: %s",
                                dir, names[i], strerror(errno));
    if (rc == HERD_OK && move_into(dir, "best.h5", moved_to) != 0)
        rc = herd_error_set(err, HERD_ERR_IO, "checkpoint: cannot move %s aside: %s", best,
                            strerror(errno));
done:
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* 1 when the checkpoint file at path says it belongs to run_id. */
static int belongs_to(const char *path, const char *run_id)
{
    herd_h5_quiet();
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return 0;
    char *id = herd_h5_read_str_attr_alloc(file, "run_id");
    int mine = id != NULL && strcmp(id, run_id) == 0;
    free(id);
    H5Fclose(file);
    return mine;
}

int herd_checkpoint_prune(const char *dir, const char *run_id, int64_t keep)
{
    int n = 0, removed = 0;
    int64_t kept = 0;
    char **names = list_checkpoints(dir, &n);
    for (int i = 0; i < n; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (keep > 0 && belongs_to(path, run_id) && ++kept > keep) {
            if (unlink(path) == 0)
                removed++;
            else
                herd_warn("cannot remove old checkpoint %s: %s", path, strerror(errno));
        }
        free(names[i]);
    }
    free(names);
    return removed;
}

/* Copy src to dst byte for byte and fsync it. */
static int copy_file(const char *src, const char *dst)
{
    char buf[1 << 16];
    int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int bad = in < 0 || out < 0;
    for (ssize_t got; !bad && (got = read(in, buf, sizeof buf)) != 0;)
        bad = got < 0 || write(out, buf, (size_t)got) != got;
    bad |= out >= 0 && fsync(out) != 0;
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0)
        bad = 1;
    return bad ? -1 : 0;
}

int herd_checkpoint_mark_best(const char *dir, const char *path, herd_error *err)
{
    char best[4200], tmp[4300];
    snprintf(best, sizeof best, "%s/best.h5", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", best);
    unlink(tmp);
    /* a hard link costs nothing and survives pruning of path; copy where links are refused */
    int rc = link(path, tmp) == 0 || copy_file(path, tmp) == 0 ? 0 : -1;
    if (rc == 0)
        rc = rename(tmp, best);
    if (rc != 0) {
        int e = errno;
        unlink(tmp);
        return herd_error_set(err, HERD_ERR_IO, "checkpoint: cannot write %s: %s", best,
                              strerror(e));
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return HERD_OK;
}

int herd_checkpoint_restore_model(const herd_checkpoint *ck, herd_model *m, herd_error *err)
{
    const herd_model *src = ck->model;
    if (src->n_tensors != m->n_tensors || src->n_params != m->n_params)
        return herd_error_set(err, HERD_ERR_USAGE,
                              "resume: checkpoint has %d tensors (%zu parameters), the model has %d (%zu)",
                              src->n_tensors, src->n_params, m->n_tensors, m->n_params);
    for (int i = 0; i < m->n_tensors; i++) {
        const herd_tensor *a = &src->tensors[i], *b = &m->tensors[i];
        if (strcmp(a->name, b->name) != 0 || a->rows != b->rows || a->cols != b->cols)
            return herd_error_set(err, HERD_ERR_USAGE,
                                  "resume: tensor %s is (%d, %d) in the checkpoint but %s is (%d, %d) in the model",
                                  a->name, a->rows, a->cols, b->name, b->rows, b->cols);
    }
    memcpy(m->params, src->params, m->n_params * sizeof(float));
    return HERD_OK;
}
