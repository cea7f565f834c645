/* comm.c - MPI behind the herd_comm handle.
 *
 * The world communicator is MPI_COMM_WORLD duplicated with MPI_ERRORS_RETURN;
 * a node-local communicator (MPI_COMM_TYPE_SHARED) gives the local rank. Every
 * MPI call goes through CHECK_MPI, which turns a failure into a herd_error
 * naming the rank, file:line and MPI's own message.
 */
#include "comm/comm.h"
#include "comm/comm_impl.h"
#include "core/log.h"
#include "core/mem.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>

static herd_comm *g_world = NULL;

static int mpi_fail(herd_error *err, int rc, const char *call, const char *file, int line)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    int rank = herd_log_rank();
    return herd_error_set(err, HERD_ERR_RUNTIME, "comm: [rank %d] %s:%d: %s failed: %s",
                          rank, file, line, call, text);
}

#define CHECK_MPI(call)                                                      \
    do {                                                                     \
        int mpi_rc_ = (call);                                                \
        if (mpi_rc_ != MPI_SUCCESS)                                          \
            return mpi_fail(err, mpi_rc_, #call, __FILE__, __LINE__);        \
    } while (0)

static void abort_hook(int code)
{
    if (g_world != NULL)
        MPI_Abort(g_world->world, code);
    abort();
}

int herd_comm_init(int *argc, char ***argv, herd_comm **world, herd_error *err)
{
    int provided = 0;
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized && MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS)
        return herd_error_set(err, HERD_ERR_RUNTIME, "comm: MPI_Init_thread failed");
    herd_comm *c = herd_calloc(1, sizeof *c);
    g_world = c;
    herd_set_abort_hook(abort_hook);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &c->world));
    CHECK_MPI(MPI_Comm_set_errhandler(c->world, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Comm_rank(c->world, &c->rank));
    CHECK_MPI(MPI_Comm_size(c->world, &c->size));
    CHECK_MPI(MPI_Comm_split_type(c->world, MPI_COMM_TYPE_SHARED, c->rank, MPI_INFO_NULL, &c->node));
    CHECK_MPI(MPI_Comm_rank(c->node, &c->local_rank));
    CHECK_MPI(MPI_Comm_size(c->node, &c->local_size));
    int len = 0;
    MPI_Get_processor_name(c->host, &len);
    herd_log_set_rank(c->rank, c->size);
    *world = c;
    return HERD_OK;
}

void herd_comm_finalize(herd_comm *c)
{
    if (c != NULL) {
        MPI_Comm_free(&c->node);
        MPI_Comm_free(&c->world);
        free(c);
    }
    g_world = NULL;
    herd_set_abort_hook(NULL);
    MPI_Finalize();
}

_Noreturn void herd_comm_abort(herd_comm *c, int code)
{
    MPI_Abort(c != NULL ? c->world : MPI_COMM_WORLD, code);
    abort();
}

int herd_comm_rank(const herd_comm *c) { return c->rank; }
int herd_comm_size(const herd_comm *c) { return c->size; }
int herd_comm_local_rank(const herd_comm *c) { return c->local_rank; }
int herd_comm_local_size(const herd_comm *c) { return c->local_size; }
const char *herd_comm_host(const herd_comm *c) { return c->host; }

/* MPI_Allreduce with n split into INT_MAX-sized pieces. */
static int allreduce(herd_comm *c, void *buf, size_t n, size_t elem, MPI_Datatype type,
                     MPI_Op op, herd_error *err)
{
    const size_t piece = (size_t)1 << 30;
    char *p = buf;
    for (size_t done = 0; done < n; done += piece) {
        size_t k = n - done < piece ? n - done : piece;
        CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, p + done * elem, (int)k, type, op, c->world));
    }
    return HERD_OK;
}

int herd_comm_allreduce_sum_f32(herd_comm *c, float *buf, size_t n, herd_error *err)
{
    return allreduce(c, buf, n, sizeof *buf, MPI_FLOAT, MPI_SUM, err);
}

int herd_comm_allreduce_sum_f64(herd_comm *c, double *buf, size_t n, herd_error *err)
{
    return allreduce(c, buf, n, sizeof *buf, MPI_DOUBLE, MPI_SUM, err);
}

int herd_comm_allreduce_sum_i64(herd_comm *c, int64_t *buf, size_t n, herd_error *err)
{
    return allreduce(c, buf, n, sizeof *buf, MPI_INT64_T, MPI_SUM, err);
}

int herd_comm_allreduce_max_f64(herd_comm *c, double *buf, size_t n, herd_error *err)
{
    return allreduce(c, buf, n, sizeof *buf, MPI_DOUBLE, MPI_MAX, err);
}

int herd_comm_allreduce_min_f64(herd_comm *c, double *buf, size_t n, herd_error *err)
{
    return allreduce(c, buf, n, sizeof *buf, MPI_DOUBLE, MPI_MIN, err);
}

int herd_comm_allgatherv_f64(herd_comm *c, const double *mine, int64_t count,
                             double **out, int64_t *total, herd_error *err)
{
    int rc = HERD_OK;
    int *counts = herd_calloc((size_t)c->size, sizeof *counts);
    int *displs = herd_calloc((size_t)c->size, sizeof *displs);
    int my = (int)count;
    *out = NULL;
    if (MPI_Allgather(&my, 1, MPI_INT, counts, 1, MPI_INT, c->world) != MPI_SUCCESS) {
        rc = herd_error_set(err, HERD_ERR_RUNTIME, "comm: MPI_Allgather of counts failed");
        goto done;
    }
    int64_t sum = 0;
    for (int r = 0; r < c->size; r++) {
        displs[r] = (int)sum;
        sum += counts[r];
    }
    *out = herd_malloc((size_t)(sum > 0 ? sum : 1) * sizeof(double));
    *total = sum;
    if (MPI_Allgatherv(mine, my, MPI_DOUBLE, *out, counts, displs, MPI_DOUBLE, c->world)
        != MPI_SUCCESS)
        rc = herd_error_set(err, HERD_ERR_RUNTIME, "comm: MPI_Allgatherv failed");
done:
    free(displs);
    free(counts);
    return rc;
}

int herd_comm_bcast(herd_comm *c, void *buf, size_t bytes, int root, herd_error *err)
{
    CHECK_MPI(MPI_Bcast(buf, (int)bytes, MPI_BYTE, root, c->world));
    return HERD_OK;
}

int herd_comm_bcast_string(herd_comm *c, char **text, int root, herd_error *err)
{
    int64_t len = (c->rank == root && *text != NULL) ? (int64_t)strlen(*text) : 0;
    CHECK_MPI(MPI_Bcast(&len, 1, MPI_INT64_T, root, c->world));
    if (c->rank != root) {
        free(*text);
        *text = herd_calloc((size_t)len + 1, 1);
    }
    CHECK_MPI(MPI_Bcast(*text, (int)len, MPI_CHAR, root, c->world));
    return HERD_OK;
}

int herd_comm_barrier(herd_comm *c, herd_error *err)
{
    CHECK_MPI(MPI_Barrier(c->world));
    return HERD_OK;
}

int herd_comm_agree(herd_comm *c, herd_error *err)
{
    /* Lowest failing rank wins: reduce (failed ? rank : size) with MIN. */
    int mine = err->code != HERD_OK ? c->rank : c->size;
    int first = c->size;
    herd_error local = *err;
    herd_error_clear(err);
    CHECK_MPI(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, c->world));
    if (first == c->size)
        return HERD_OK;
    CHECK_MPI(MPI_Bcast(&local, (int)sizeof local, MPI_BYTE, first, c->world));
    *err = local;
    return err->code;
}

int herd_comm_hosts(herd_comm *c, char *buf, size_t size, herd_error *err)
{
    size_t width = MPI_MAX_PROCESSOR_NAME;
    char *names = herd_calloc((size_t)c->size, width);
    int rc = HERD_OK;
    if (MPI_Allgather(c->host, (int)width, MPI_CHAR, names, (int)width, MPI_CHAR, c->world)
        != MPI_SUCCESS) {
        rc = herd_error_set(err, HERD_ERR_RUNTIME, "comm: MPI_Allgather of host names failed");
        goto done;
    }
    buf[0] = '\0';
    for (int r = 0; r < c->size; r++) {
        const char *name = names + (size_t)r * width;
        int seen = 0, count = 0;
        for (int q = 0; q < c->size; q++) {
            seen |= q < r && strcmp(names + (size_t)q * width, name) == 0;
            count += strcmp(names + (size_t)q * width, name) == 0;
        }
        if (seen)
            continue;
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s:%d", used ? "," : "", name, count);
    }
done:
    free(names);
    return rc;
}
