/* sysmetrics.h - what this process costs the machine, read from /proc.
 *
 * A sample is the process's CPU time so far (user + system, from
 * /proc/self/stat) and its resident set size (VmRSS in /proc/self/status).
 * CPU utilisation is the CPU time between two samples over the wall time
 * between them, as a percentage of the CPUs the process may run on (its
 * affinity mask): 100 means every core the rank is bound to was busy.
 * Nothing here is collective; the training loop reduces samples over ranks
 * (runtime/train/report.c). The CPU model is read from /proc/cpuinfo.
 */
#ifndef HERD_SYSMETRICS_H
#define HERD_SYSMETRICS_H

typedef struct herd_proc_sample {
    double wall;         /* herd_now() when taken */
    double cpu_seconds;  /* user + system CPU time of the process so far */
    double rss_mb;       /* resident set size, megabytes (10^6 bytes) */
    int n_cpus;          /* CPUs in the affinity mask (>= 1) */
} herd_proc_sample;

/* Take a sample of this process. Fields that cannot be read are 0 (never
 * fails). */
void herd_sysmetrics_read(herd_proc_sample *out);

/* CPU utilisation between two samples, in percent of the sample's CPUs
 * (0 when no wall time passed). */
double herd_sysmetrics_cpu_percent(const herd_proc_sample *before, const herd_proc_sample *after);

/* Parse the text of /proc/<pid>/stat: utime + stime in seconds, given the
 * clock ticks per second. Returns 0 on success, -1 when the text is not a
 * stat line. */
int herd_sysmetrics_parse_stat(const char *text, long ticks_per_s, double *cpu_seconds);

/* Parse the text of /proc/<pid>/status: VmRSS in megabytes. Returns 0 on
 * success, -1 when there is no VmRSS line. */
int herd_sysmetrics_parse_status(const char *text, double *rss_mb);

/* The "model name" of the first CPU in /proc/cpuinfo into buf ("" when
 * unknown). */
void herd_sysmetrics_cpu_model(char *buf, unsigned long size);

#endif
