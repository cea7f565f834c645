/* recal.c - applying, storing and loading a model's /calibration group.
 *
 * The group is written into a copy of the checkpoint (path.tmp) which then
 * replaces it by rename after fsync, so the checkpoint is whole at every
 * moment; its other contents (and payload checksum) are untouched. Other
 * names of the old file in its folder (best.h5 is a hard link to its
 * checkpoint) are then pointed at the new one the same way (name.tmp, rename),
 * so they never go missing and never keep a file without the group.
 */
#include "eval/recal.h"
#include "config/config.h"
#include "core/mem.h"
#include "core/rng.h"
#include "data/h5util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const method_names[] = { "none", "platt", "isotonic", "temperature" };

static double isotonic(const herd_recal *r, double x)
{
    if (r->n_iso == 0)
        return x;
    if (x <= r->iso_x[0])
        return r->iso_y[0];
    for (int64_t i = 1; i < r->n_iso; i++)
        if (x <= r->iso_x[i]) {
            double t = (x - r->iso_x[i - 1]) / (r->iso_x[i] - r->iso_x[i - 1]);
            return r->iso_y[i - 1] + t * (r->iso_y[i] - r->iso_y[i - 1]);
        }
    return r->iso_y[r->n_iso - 1];
}

static void apply_temperature(const herd_recal *r, float *p, int K)
{
    double mx = -INFINITY, z = 0, v[256];
    for (int k = 0; k < K && k < 256; k++) {
        v[k] = log(fmax(p[k], 1e-12)) / r->temperature;
        mx = fmax(mx, v[k]);
    }
    for (int k = 0; k < K && k < 256; k++)
        z += exp(v[k] - mx);
    for (int k = 0; k < K && k < 256; k++)
        p[k] = (float)(exp(v[k] - mx) / z);
}

void herd_recal_apply(const herd_recal *r, float *prob, int64_t n, int K)
{
    if (r->method == HERD_RECAL_NONE || K <= 1)
        return;
    for (int64_t i = 0; i < n; i++) {
        float *p = prob + i * K;
        if (r->method == HERD_RECAL_TEMPERATURE) {
            apply_temperature(r, p, K);
            continue;
        }
        double x = fmin(fmax((double)p[1], 1e-12), 1 - 1e-12), q;
        if (r->method == HERD_RECAL_PLATT)
            q = 1 / (1 + exp(-(r->platt_a * log(x / (1 - x)) + r->platt_b)));
        else
            q = isotonic(r, p[1]);
        p[1] = (float)q;
        p[0] = (float)(1 - q);
    }
}

double herd_recal_aps_score(const float *p, int K, int k, double u)
{
    double above = 0;
    for (int j = 0; j < K; j++)
        if (p[j] > p[k] || (p[j] == p[k] && j < k))
            above += p[j];
    return above + u * (double)p[k];
}

double herd_recal_aps_u(int64_t row)
{
    return herd_rng_uniform(0x61707321u, 0, (uint64_t)row);
}

int herd_recal_conformal_set(const herd_recal *r, int method, const float *p, int K,
                             double u, uint8_t *in_set)
{
    int size = 0;
    for (int k = 0; k < K; k++) {
        double score = method == HERD_CONFORMAL_LAC ? 1 - (double)p[k] : herd_recal_aps_score(p, K, k, u);
        in_set[k] = score <= (method == HERD_CONFORMAL_LAC ? r->q_lac : r->q_aps);
        size += in_set[k];
    }
    return size;
}

/* ---- the /calibration group ---- */

static int write_group(hid_t file, const herd_recal *r)
{
    if (H5Lexists(file, "calibration", H5P_DEFAULT) > 0 && H5Ldelete(file, "calibration", H5P_DEFAULT) < 0)
        return -1;
    hid_t g = H5Gcreate2(file, "calibration", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    int bad = herd_h5_write_str_attr(g, "method", method_names[r->method]);
    bad |= herd_h5_write_f64_attr(g, "platt_a", r->platt_a);
    bad |= herd_h5_write_f64_attr(g, "platt_b", r->platt_b);
    bad |= herd_h5_write_f64_attr(g, "temperature", r->temperature);
    bad |= herd_h5_write_int_attr(g, "has_conformal", r->has_conformal);
    bad |= herd_h5_write_f64_attr(g, "alpha", r->alpha);
    bad |= herd_h5_write_str_attr(g, "conformal_method", r->conformal_method == HERD_CONFORMAL_APS ? "aps" : "lac");
    bad |= herd_h5_write_f64_attr(g, "q_lac", r->q_lac);
    bad |= herd_h5_write_f64_attr(g, "q_aps", r->q_aps);
    bad |= herd_h5_write_f64_attr(g, "q_abs", r->q_abs);
    if (r->n_iso > 0) {
        float *x = herd_malloc((size_t)r->n_iso * sizeof(float)), *y = herd_malloc((size_t)r->n_iso * sizeof(float));
        for (int64_t i = 0; i < r->n_iso; i++) {
            x[i] = (float)r->iso_x[i];
            y[i] = (float)r->iso_y[i];
        }
        bad |= herd_h5_write_f32(g, "isotonic_x", x, r->n_iso) | herd_h5_write_f32(g, "isotonic_y", y, r->n_iso);
        free(x);
        free(y);
    }
    return (H5Gclose(g) < 0) | bad ? -1 : 0;
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[65536];
    size_t got;
    int bad = in == NULL || out == NULL;
    while (!bad && (got = fread(buf, 1, sizeof buf, in)) > 0)
        bad = fwrite(buf, 1, got, out) != got;
    bad |= in != NULL && ferror(in);
    if (in != NULL)
        fclose(in);
    if (out != NULL)
        bad |= fclose(out) != 0;
    return bad ? -1 : 0;
}

static int fsync_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    int rc = fd >= 0 ? fsync(fd) : -1;
    if (fd >= 0)
        close(fd);
    return rc;
}

/* The folder of path, into dir. */
static void folder_of(const char *path, char *dir, size_t size)
{
    snprintf(dir, size, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, size, ".");
    else if (slash == dir)
        dir[1] = '\0';   /* "/x": the root */
    else
        *slash = '\0';
}

/* Point every other name of the file old in path's folder (hard links, such
 * as best.h5) at path, which has just replaced old: each through name.tmp and
 * rename, so a reader finds the old file or the new one, whole. */
static int relink_other_names(const char *path, const struct stat *old)
{
    char dir[4096];
    folder_of(path, dir, sizeof dir);
    DIR *d = opendir(dir);
    int bad = d == NULL;
    for (struct dirent *e; !bad && (e = readdir(d)) != NULL;) {
        char name[4400], tmp[4500];
        struct stat st;
        snprintf(name, sizeof name, "%s/%s", dir, e->d_name);
        if (lstat(name, &st) != 0 || st.st_dev != old->st_dev || st.st_ino != old->st_ino)
            continue;
        snprintf(tmp, sizeof tmp, "%s.tmp", name);
        unlink(tmp);
        bad = link(path, tmp) != 0 || rename(tmp, name) != 0;
        if (bad)
            unlink(tmp);
    }
    if (d != NULL)
        closedir(d);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return bad ? -1 : 0;
}

int herd_recal_store(const char *path, const herd_recal *r, herd_error *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    herd_h5_quiet();
    int rc = HERD_OK;
    if (copy_file(path, tmp) != 0)
        rc = herd_error_set(err, HERD_ERR_IO, "eval: copying %s: %s", path, strerror(errno));
    hid_t file = rc == HERD_OK ? H5Fopen(tmp, H5F_ACC_RDWR, H5P_DEFAULT) : -1;
    if (rc == HERD_OK && file < 0)
        rc = herd_error_set(err, HERD_ERR_IO, "eval: cannot open %s", tmp);
    if (rc == HERD_OK && write_group(file, r) != 0)
        rc = herd_error_set(err, HERD_ERR_IO, "eval: writing /calibration to %s failed", tmp);
    if (file >= 0 && H5Fclose(file) < 0 && rc == HERD_OK)
        rc = herd_error_set(err, HERD_ERR_IO, "eval: closing %s failed (disk full?)", tmp);
    struct stat old = { 0 };
    if (rc == HERD_OK && stat(path, &old) != 0)
        rc = herd_error_set(err, HERD_ERR_IO, "eval: %s: %s", path, strerror(errno));
    if (rc == HERD_OK && (fsync_file(tmp) != 0 || rename(tmp, path) != 0))
        rc = herd_error_set(err, HERD_ERR_IO, "eval: replacing %s: %s", path, strerror(errno));
    if (rc != HERD_OK)
        unlink(tmp);
    if (rc == HERD_OK && old.st_nlink > 1 && relink_other_names(path, &old) != 0)
        rc = herd_error_set(err, HERD_ERR_IO,
                            "eval: %s now has /calibration, but a hard link to its old file "
                            "(best.h5?) could not be pointed at it", path);
    return rc;
}

static int read_group(hid_t g, herd_recal *r)
{
    char text[32] = "";
    int bad = herd_h5_read_str_attr(g, "method", text, sizeof text) != 1;
    r->method = HERD_RECAL_NONE;
    for (int m = 0; m < 4; m++)
        if (strcmp(text, method_names[m]) == 0)
            r->method = m;
    bad |= herd_h5_read_f64_attr(g, "platt_a", &r->platt_a) < 0;
    bad |= herd_h5_read_f64_attr(g, "platt_b", &r->platt_b) < 0;
    bad |= herd_h5_read_f64_attr(g, "temperature", &r->temperature) < 0;
    bad |= herd_h5_read_int_attr(g, "has_conformal", &r->has_conformal) < 0;
    bad |= herd_h5_read_f64_attr(g, "alpha", &r->alpha) < 0;
    bad |= herd_h5_read_f64_attr(g, "q_lac", &r->q_lac) < 0;
    bad |= herd_h5_read_f64_attr(g, "q_aps", &r->q_aps) < 0;
    bad |= herd_h5_read_f64_attr(g, "q_abs", &r->q_abs) < 0;
    if (herd_h5_read_str_attr(g, "conformal_method", text, sizeof text) == 1)
        r->conformal_method = strcmp(text, "aps") == 0 ? HERD_CONFORMAL_APS : HERD_CONFORMAL_LAC;
    if (!bad && r->method == HERD_RECAL_ISOTONIC && H5Lexists(g, "isotonic_x", H5P_DEFAULT) > 0) {
        hid_t d = H5Dopen2(g, "isotonic_x", H5P_DEFAULT);
        hsize_t dims[2] = { 0, 0 };
        bad |= d < 0 || herd_h5_shape(d, dims) != 1;
        if (d >= 0)
            H5Dclose(d);
        r->n_iso = bad ? 0 : (int64_t)dims[0];
        float *x = herd_malloc((size_t)r->n_iso * sizeof(float) + 4), *y = herd_malloc((size_t)r->n_iso * sizeof(float) + 4);
        bad |= herd_h5_read_f32(g, "isotonic_x", x, r->n_iso) != 0 || herd_h5_read_f32(g, "isotonic_y", y, r->n_iso) != 0;
        r->iso_x = herd_malloc((size_t)r->n_iso * sizeof(double) + 8);
        r->iso_y = herd_malloc((size_t)r->n_iso * sizeof(double) + 8);
        for (int64_t i = 0; i < r->n_iso; i++) {
            r->iso_x[i] = x[i];
            r->iso_y[i] = y[i];
        }
        free(x);
        free(y);
    }
    return bad ? -1 : 0;
}

int herd_recal_load(const char *path, herd_recal *r, int *found, herd_error *err)
{
    memset(r, 0, sizeof *r);
    *found = 0;
    herd_h5_quiet();
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot open", path);
    int rc = HERD_OK;
    if (H5Lexists(file, "calibration", H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(file, "calibration", H5P_DEFAULT);
        *found = 1;
        if (g < 0 || read_group(g, r) != 0)
            rc = herd_error_set(err, HERD_ERR_DATA, "%s: unreadable /calibration group", path);
        if (g >= 0)
            H5Gclose(g);
    }
    H5Fclose(file);
    return rc;
}

int herd_recal_keep_stored(const char *path, herd_recal *r, herd_error *err)
{
    herd_recal stored;
    int found = 0;
    int rc = herd_recal_load(path, &stored, &found, err);
    if (rc == HERD_OK && r->method == HERD_RECAL_NONE && stored.method != HERD_RECAL_NONE) {
        herd_recal_clear(r);
        r->method = stored.method;
        r->platt_a = stored.platt_a;
        r->platt_b = stored.platt_b;
        r->temperature = stored.temperature;
        r->n_iso = stored.n_iso;   /* the isotonic points move to r */
        r->iso_x = stored.iso_x;
        r->iso_y = stored.iso_y;
        stored.iso_x = stored.iso_y = NULL;
    }
    if (rc == HERD_OK && !r->has_conformal && stored.has_conformal) {
        r->has_conformal = 1;
        r->alpha = stored.alpha;
        r->conformal_method = stored.conformal_method;
        r->q_lac = stored.q_lac;
        r->q_aps = stored.q_aps;
        r->q_abs = stored.q_abs;
    }
    herd_recal_clear(&stored);
    return rc;
}

void herd_recal_clear(herd_recal *r)
{
    free(r->iso_x);
    free(r->iso_y);
    r->iso_x = r->iso_y = NULL;
    r->n_iso = 0;
}
