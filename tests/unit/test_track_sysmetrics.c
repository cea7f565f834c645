/* test_track_sysmetrics.c - the /proc sampler: parsing stat and status
 * text (including a command name with spaces and parentheses), CPU
 * utilisation between two samples, and live samples of this process that
 * see CPU time spent and memory touched. */
#include "tests/testing.h"
#include "core/mem.h"
#include "track/sysmetrics.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_parse_stat(void)
{
    /* fields 14 and 15 (utime, stime) are 250 and 50 ticks */
    const char *line = "4242 (my (odd) cmd) R 1 4242 4242 0 -1 4194304 1200 0 3 0 250 50 0 0 "
                       "20 0 3 0 12345 1000000 500 18446744073709551615\n";
    double cpu = -1;
    CHECK(herd_sysmetrics_parse_stat(line, 100, &cpu) == 0);
    CHECK_NEAR(cpu, 3.0, 1e-12);
    CHECK(herd_sysmetrics_parse_stat("garbage without paren", 100, &cpu) == -1);
    CHECK(herd_sysmetrics_parse_stat("1 (x) R 1 2", 100, &cpu) == -1);
}

static void test_parse_status(void)
{
    const char *text = "Name:\therd\nVmPeak:\t  99999 kB\nVmRSS:\t   51200 kB\nThreads:\t3\n";
    double mb = 0;
    CHECK(herd_sysmetrics_parse_status(text, &mb) == 0);
    CHECK_NEAR(mb, 51200 * 1024.0 / 1e6, 1e-12);
    CHECK(herd_sysmetrics_parse_status("Name:\tx\nVmSize:\t1 kB\n", &mb) == -1);
}

static void test_cpu_percent(void)
{
    herd_proc_sample a = {.wall = 10.0, .cpu_seconds = 1.0, .n_cpus = 2};
    herd_proc_sample b = {.wall = 12.0, .cpu_seconds = 4.0, .n_cpus = 2};
    CHECK_NEAR(herd_sysmetrics_cpu_percent(&a, &b), 75.0, 1e-12);  /* 3 s of 2 x 2 s */
    CHECK(herd_sysmetrics_cpu_percent(&a, &a) == 0);
}

static void test_live(void)
{
    herd_proc_sample a, b;
    herd_sysmetrics_read(&a);
    CHECK(a.n_cpus >= 1);
    CHECK(a.rss_mb > 0);
    /* burn CPU and touch 64 MB: both must show */
    size_t bytes = 64u << 20;
    char *buf = herd_malloc(bytes);
    memset(buf, 1, bytes);
    volatile double x = 0;
    for (long i = 0; i < 60000000L; i++)
        x += (double)buf[i % bytes] * 1e-9;
    herd_sysmetrics_read(&b);
    CHECK(b.cpu_seconds > a.cpu_seconds);
    CHECK(b.rss_mb >= a.rss_mb + 50);
    double pct = herd_sysmetrics_cpu_percent(&a, &b);
    CHECK(pct > 0.5 && pct <= 100.0 * 1.05);
    free(buf);
    char model[256];
    herd_sysmetrics_cpu_model(model, sizeof model);
    CHECK(strchr(model, '\n') == NULL);
}

int main(void)
{
    test_parse_stat();
    test_parse_status();
    test_cpu_percent();
    test_live();
    return herd_test_finish("track_sysmetrics");
}
