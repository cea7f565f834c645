/* load.c - case (e) of scripts/bench: loading a shard through herd's HDF5
 * reader (herd_rows_load_shard, the path `herd train` takes) against raw
 * sequential read()s of the file's bytes, all from the page cache (the file
 * is read once before timing). Three raw baselines:
 *   raw    read() into a buffer the size of the file, which keeps the bytes
 *          as loading must; the buffer is faulted in before the clock starts,
 *          so raw pays no page faults while herd pays for its fresh shard;
 *   fresh  read() into a buffer allocated for it, as herd's shard is (same
 *          allocator, 2 MB huge pages): what a hand-written loader pays,
 *          the kernel zeroing each fresh page included;
 *   stream read() through one 8 MB buffer, overwritten each call: it stays in
 *          cache and keeps nothing, the ceiling of the kernel's copy.
 * Prints one JSON line.
 * Usage: herd-bench-load FILE.h5 [ROUNDS] (built with -DHERD_BENCH=ON). */
#include "comm/comm.h"
#include "core/mem.h"
#include "core/timer.h"
#include "data/dataset.h"
#include "train/batches.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* read() the file into buf: through its first 8 MB over and over (stream),
 * or laid out whole (buf holds the file). Returns seconds. */
static double raw_read(const char *path, char *buf, int stream, double *bytes)
{
    size_t chunk = (size_t)8 << 20;
    int fd = open(path, O_RDONLY);
    double t0 = herd_now(), total = 0;
    ssize_t got;
    while (fd >= 0 && (got = read(fd, buf + (stream ? 0 : (size_t)total), chunk)) > 0)
        total += (double)got;
    double dt = herd_now() - t0;
    if (fd >= 0)
        close(fd);
    *bytes = total;
    return dt;
}

static double fresh_read(const char *path, size_t size, double *bytes)
{
    double t0 = herd_now();
    char *buf = herd_alloc_aligned_uninit(size);
    raw_read(path, buf, 0, bytes);
    double dt = herd_now() - t0;
    free(buf);
    return dt;
}

static double herd_load(const char *path, double *bytes)
{
    herd_error err = { 0 };
    herd_dataset *ds = NULL;
    herd_rows rows;
    int64_t total = 0;
    double t0 = herd_now();
    if (herd_dataset_open(path, &ds, &err) != HERD_OK
        || herd_rows_load_shard(ds, HERD_ROLE_ALL, 0, 0, 0, 1, &rows, &total, &err) != HERD_OK) {
        herd_error_print(&err);
        exit(1);
    }
    double dt = herd_now() - t0;
    *bytes = (double)rows.n * (double)(rows.cols + 1) * sizeof(float);
    herd_rows_free(&rows);
    herd_dataset_close(ds);
    return dt;
}

int main(int argc, char **argv)
{
    herd_comm *comm = NULL;
    herd_error err = { 0 };
    if (argc < 2 || herd_comm_init(&argc, &argv, &comm, &err) != HERD_OK)
        return 2;
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    double raw_bytes = 0, herd_bytes = 0, best_raw = 1e30, best_stream = 1e30, best_herd = 1e30;
    double best_fresh = 1e30;
    struct stat st;
    if (stat(argv[1], &st) != 0)
        return 2;
    char *buf = herd_malloc((size_t)st.st_size + ((size_t)8 << 20));
    memset(buf, 1, (size_t)st.st_size + ((size_t)8 << 20));    /* faulted in before timing */
    raw_read(argv[1], buf, 1, &raw_bytes);
    for (int i = 0; i < rounds; i++) {   /* alternating rounds, best of each */
        double s = raw_read(argv[1], buf, 1, &raw_bytes);
        double r = raw_read(argv[1], buf, 0, &raw_bytes);
        double f = fresh_read(argv[1], (size_t)st.st_size, &raw_bytes);
        double h = herd_load(argv[1], &herd_bytes);
        best_fresh = f < best_fresh ? f : best_fresh;
        best_stream = s < best_stream ? s : best_stream;
        best_raw = r < best_raw ? r : best_raw;
        best_herd = h < best_herd ? h : best_herd;
    }
    free(buf);
    printf("{\"case\": \"load\", \"file_bytes\": %.0f, \"row_bytes\": %.0f, \"raw_s\": %.4f, "
           "\"raw_gbs\": %.2f, \"fresh_gbs\": %.2f, \"stream_gbs\": %.2f, \"herd_s\": %.4f, "
           "\"herd_gbs\": %.2f}\n",
           raw_bytes, herd_bytes, best_raw, raw_bytes / best_raw / 1e9,
           raw_bytes / best_fresh / 1e9, raw_bytes / best_stream / 1e9, best_herd,
           herd_bytes / best_herd / 1e9);
    herd_comm_finalize(comm);
    return 0;
}
