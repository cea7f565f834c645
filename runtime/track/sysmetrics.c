/* sysmetrics.c - samples of this process's CPU time and memory from /proc.
 *
 * /proc/self/stat is one line: "pid (comm) state ppid ..."; comm may hold
 * spaces and parentheses, so fields are counted from the LAST ')'. utime and
 * stime are fields 14 and 15 (1-based), in clock ticks.
 */
#define _GNU_SOURCE  /* sched_getaffinity, CPU_COUNT */
#include "track/sysmetrics.h"
#include "core/timer.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROC_TEXT_MAX 8192

/* Read a small /proc file into buf (NUL-terminated); -1 when unreadable. */
static int read_text(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    return n > 0 ? 0 : -1;
}

int herd_sysmetrics_parse_stat(const char *text, long ticks_per_s, double *cpu_seconds)
{
    const char *p = strrchr(text, ')');
    if (p == NULL || ticks_per_s <= 0)
        return -1;
    /* after ')': state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt,
     * cminflt, majflt, cmajflt, then utime and stime */
    unsigned long long v[2] = {0, 0};
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &v[0], &v[1])
        != 2)
        return -1;
    *cpu_seconds = (double)(v[0] + v[1]) / (double)ticks_per_s;
    return 0;
}

int herd_sysmetrics_parse_status(const char *text, double *rss_mb)
{
    const char *p = strstr(text, "\nVmRSS:");
    if (p == NULL && strncmp(text, "VmRSS:", 6) == 0)
        p = text - 1;
    if (p == NULL)
        return -1;
    char *end = NULL;
    double kb = strtod(p + 7, &end);
    if (end == p + 7)
        return -1;
    *rss_mb = kb * 1024.0 / 1e6;
    return 0;
}

static int affinity_cpus(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
    if (n <= 0)
        n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

void herd_sysmetrics_read(herd_proc_sample *out)
{
    char text[PROC_TEXT_MAX];
    memset(out, 0, sizeof *out);
    out->wall = herd_now();
    out->n_cpus = affinity_cpus();
    if (read_text("/proc/self/stat", text, sizeof text) == 0)
        herd_sysmetrics_parse_stat(text, sysconf(_SC_CLK_TCK), &out->cpu_seconds);
    if (read_text("/proc/self/status", text, sizeof text) == 0)
        herd_sysmetrics_parse_status(text, &out->rss_mb);
}

double herd_sysmetrics_cpu_percent(const herd_proc_sample *before, const herd_proc_sample *after)
{
    double wall = after->wall - before->wall;
    int cpus = after->n_cpus > 0 ? after->n_cpus : 1;
    if (wall <= 0)
        return 0;
    double pct = 100.0 * (after->cpu_seconds - before->cpu_seconds) / (wall * cpus);
    /* CPU time advances in clock ticks (10 ms): over a short interval a busy
     * process can read a little over 100%, an idle one 0 */
    return pct < 0 ? 0 : pct > 100 ? 100 : pct;
}

void herd_sysmetrics_cpu_model(char *buf, unsigned long size)
{
    char line[512];
    buf[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        const char *v = strchr(line, ':');
        if (v == NULL)
            continue;
        for (v++; *v == ' ' || *v == '\t'; v++) {}
        snprintf(buf, size, "%s", v);
        buf[strcspn(buf, "\n")] = '\0';
        break;
    }
    fclose(f);
}
