/* gather.c - small gathers for the run record: fixed-size per-rank records
 * (host, cpuset, ...) collected on every rank, and the MPI library's own
 * version string. Training never calls these inside its step loop.
 */
#include "comm/comm.h"
#include "comm/comm_impl.h"

#include <stdio.h>
#include <string.h>

int herd_comm_allgather_bytes(herd_comm *c, const void *mine, size_t bytes, void *all,
                              herd_error *err)
{
    if (MPI_Allgather(mine, (int)bytes, MPI_BYTE, all, (int)bytes, MPI_BYTE, c->world)
        != MPI_SUCCESS)
        return herd_error_set(err, HERD_ERR_RUNTIME, "comm: rank %d: MPI_Allgather of %zu bytes failed",
                              c->rank, bytes);
    return HERD_OK;
}

void herd_comm_library_version(char *buf, size_t size)
{
    char text[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    buf[0] = '\0';
    if (MPI_Get_library_version(text, &len) != MPI_SUCCESS)
        return;
    text[len < (int)sizeof text ? len : (int)sizeof text - 1] = '\0';
    text[strcspn(text, ",\n")] = '\0';  /* "Open MPI v4.1.4, package: ..." -> first part */
    snprintf(buf, size, "%s", text);
}
