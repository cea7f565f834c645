/* import_idx.c - IDX (MNIST-style) images + labels -> herd dataset.
 *
 * IDX is a big-endian header (magic 0x00000803 for 3-D ubyte images,
 * 0x00000801 for 1-D ubyte labels, then one u32 per dimension) followed by
 * the raw bytes. Files are read through zlib's gzread, which reads gzipped
 * and plain files alike. Pixels become floats in [0, 1], labels class ids.
 */
#include "data/dataset.h"
#include "data/import.h"
#include "core/mem.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define IDX_IMAGES 0x00000803u
#define IDX_LABELS 0x00000801u
#define IDX_MAX_BYTES ((size_t)1 << 36) /* 64 GiB: anything larger is a broken header */

typedef struct idx_array {
    uint32_t dims[3];
    uint8_t *data;
    size_t bytes;
} idx_array;

static int open_gz(const char *path, gzFile *f, herd_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? herd_error_set(err, HERD_ERR_IO, "%s: no such file", path)
                               : herd_error_set(err, HERD_ERR_IO, "%s: %s", path, strerror(errno));
    *f = gzopen(path, "rb");
    if (*f == NULL)
        return herd_error_set(err, HERD_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    return HERD_OK;
}

/* Read up to bytes into buf; returns bytes read, or -1 on a stream error. */
static long long read_all(gzFile f, void *buf, size_t bytes)
{
    size_t got = 0;
    while (got < bytes) {
        size_t want = bytes - got > (size_t)INT_MAX ? (size_t)INT_MAX : bytes - got;
        int n = gzread(f, (char *)buf + got, (unsigned)want);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (long long)got;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Big-endian u32s of the header: magic (checked first), then nd dims. */
static int read_header(gzFile f, const char *path, uint32_t magic, int nd, idx_array *a,
                       herd_error *err)
{
    uint8_t raw[16];
    if (read_all(f, raw, 4) != 4)
        return herd_error_set(err, HERD_ERR_DATA, "%s: truncated IDX header", path);
    if (be32(raw) != magic)
        return herd_error_set(err, HERD_ERR_DATA,
                              "%s: not an IDX %s file (magic 0x%08x, expected 0x%08x)", path,
                              magic == IDX_IMAGES ? "images" : "labels", be32(raw), magic);
    if (read_all(f, raw, 4 * (size_t)nd) != 4 * (long long)nd)
        return herd_error_set(err, HERD_ERR_DATA, "%s: truncated IDX header", path);
    a->bytes = 1;
    for (int i = 0; i < nd; i++) {
        a->dims[i] = be32(raw + 4 * i);
        a->bytes *= a->dims[i];
        if (a->bytes > IDX_MAX_BYTES)
            return herd_error_set(err, HERD_ERR_DATA, "%s: implausible IDX dimensions", path);
    }
    return HERD_OK;
}

static int read_idx(const char *path, uint32_t magic, int nd, idx_array *a, herd_error *err)
{
    gzFile f = NULL;
    int rc = open_gz(path, &f, err);
    if (rc == HERD_OK)
        rc = read_header(f, path, magic, nd, a, err);
    if (rc != HERD_OK)
        goto done;
    a->data = herd_malloc(a->bytes + 1);
    long long got = read_all(f, a->data, a->bytes);
    if (got < 0) {
        int zerr = 0;
        rc = herd_error_set(err, HERD_ERR_DATA, "%s: damaged gzip stream: %s", path,
                            gzerror(f, &zerr));
    } else if ((size_t)got < a->bytes) {
        rc = herd_error_set(err, HERD_ERR_DATA, "%s: truncated: expected %zu data bytes, found %lld",
                            path, a->bytes, got);
    }
done:
    if (f != NULL)
        gzclose(f);
    return rc;
}

/* "px_<row>_<col>" for each pixel; caller frees each and the array. */
static char **pixel_names(uint32_t height, uint32_t width)
{
    size_t d = (size_t)height * width;
    char **names = herd_calloc(d + 1, sizeof *names);
    for (size_t i = 0; i < d; i++) {
        char buf[48];
        snprintf(buf, sizeof buf, "px_%zu_%zu", i / width, i % width);
        names[i] = herd_strdup(buf);
    }
    return names;
}

static int write_idx(const idx_array *img, const idx_array *lab, const char *images,
                     const char *labels, const char *out, int split, herd_error *err)
{
    int64_t n = img->dims[0], d = (int64_t)img->dims[1] * img->dims[2];
    float *X = herd_malloc((size_t)(n * d + 1) * sizeof *X);
    float *y = herd_malloc((size_t)(n + 1) * sizeof *y);
    uint8_t *sp = split >= 0 ? herd_malloc((size_t)n + 1) : NULL;
    char **names = pixel_names(img->dims[1], img->dims[2]);
    int max_label = 0;
    for (int64_t i = 0; i < n * d; i++)
        X[i] = img->data[i] / 255.0f;
    for (int64_t i = 0; i < n; i++) {
        y[i] = lab->data[i];
        max_label = lab->data[i] > max_label ? lab->data[i] : max_label;
    }
    if (sp != NULL)
        memset(sp, split, (size_t)n);
    char source[1024];
    snprintf(source, sizeof source, "idx: %s + %s", images, labels);
    herd_dataset_spec spec = { .rows = n, .cols = d, .X = X, .y = y, .split = sp,
                               .feature_names = (const char *const *)names,
                               .task = HERD_TASK_MULTICLASS,
                               .n_classes = max_label + 1 < 2 ? 2 : max_label + 1,
                               .source = source };
    int rc = herd_dataset_write(out, &spec, NULL, err);
    for (int64_t i = 0; i < d; i++)
        free(names[i]);
    free(names);
    free(sp);
    free(y);
    free(X);
    return rc;
}

int herd_import_idx(const char *images, const char *labels, const char *out, int split,
                    herd_error *err)
{
    idx_array img = { { 0, 0, 0 }, NULL, 0 }, lab = { { 0, 0, 0 }, NULL, 0 };
    int rc = HERD_OK;
    if (split < -1 || split > HERD_SPLIT_TEST) {
        rc = herd_error_set(err, HERD_ERR_USAGE, "import-idx: split %d is not -1, 0, 1 or 2", split);
        goto done;
    }
    rc = read_idx(images, IDX_IMAGES, 3, &img, err);
    if (rc == HERD_OK)
        rc = read_idx(labels, IDX_LABELS, 1, &lab, err);
    if (rc != HERD_OK)
        goto done;
    if (img.dims[0] != lab.dims[0]) {
        rc = herd_error_set(err, HERD_ERR_DATA, "%s has %u images but %s has %u labels", images,
                            img.dims[0], labels, lab.dims[0]);
        goto done;
    }
    if (img.dims[1] == 0 || img.dims[2] == 0) {
        rc = herd_error_set(err, HERD_ERR_DATA, "%s: images of %u x %u pixels", images,
                            img.dims[1], img.dims[2]);
        goto done;
    }
    rc = write_idx(&img, &lab, images, labels, out, split, err);
done:
    free(lab.data);
    free(img.data);
    return rc;
}
