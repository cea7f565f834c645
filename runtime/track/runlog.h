/* runlog.h - the experiment log, writer side (rank 0 only).
 *
 * Each run writes its own SQLite file, <track.db>.d/<run id>.sqlite, with
 * exactly one writer (rank 0 of the run). No two hosts ever write one SQLite
 * file, which keeps the log safe on NFS/Lustre where SQLite's locking cannot
 * be trusted. The index file (track.db itself) is only written by the
 * `herd runs` commands, which rebuild it from the run files (index.h).
 *
 * Metrics are buffered in memory and written in one transaction when the
 * buffer fills or a second has passed, so logging never blocks a step for
 * long. journal_mode is DELETE (not WAL: WAL needs shared memory on one host).
 */
#ifndef HERD_RUNLOG_H
#define HERD_RUNLOG_H

#include "core/status.h"

#include <stdint.h>

/* Run statuses, as stored. */
#define HERD_RUN_RUNNING "RUNNING"
#define HERD_RUN_FINISHED "FINISHED"
#define HERD_RUN_FAILED "FAILED"
#define HERD_RUN_KILLED "KILLED"
#define HERD_RUN_PREEMPTED "PREEMPTED"

typedef struct herd_runlog herd_runlog;

typedef struct herd_run_info {
    const char *experiment;    /* required */
    const char *name;          /* "" or NULL: herd generates "<experiment>-<first 8 of id>" */
    const char *run_id;        /* NULL: a new random 32-hex id; else resume this run */
    const char *parent_id;     /* NULL or "" */
    const char *command;       /* the command line */
    int world_size;
    const char *hosts;         /* e.g. "node1:2,node2:2" */
    const char *config_text;   /* canonical config */
    const char *config_sha256;
    const char *data_sha256;   /* of the training file */
    const char *git_commit;    /* code version */
    int git_dirty;
    const char *versions;      /* free text: "herd 0.1.0; Open MPI 4.1.4; ..." */
} herd_run_info;

/* Create (or reopen, when info->run_id is set and its file exists) the run
 * file under db_path's folder and mark it RUNNING. Creates folders as
 * needed. Errors: HERD_ERR_IO naming the path. */
int herd_runlog_begin(const char *db_path, const herd_run_info *info, herd_runlog **out,
                      herd_error *err);

const char *herd_runlog_id(const herd_runlog *rl);      /* 32 hex chars */
const char *herd_runlog_name(const herd_runlog *rl);
const char *herd_runlog_file(const herd_runlog *rl);    /* path of the run file */

int herd_runlog_log_param(herd_runlog *rl, const char *key, const char *value, herd_error *err);
/* Buffered; time is wall-clock now. */
int herd_runlog_log_metric(herd_runlog *rl, const char *key, int64_t step, double value,
                           herd_error *err);
int herd_runlog_set_tag(herd_runlog *rl, const char *key, const char *value, herd_error *err);
/* Record a file the run wrote: bytes and sha256 are computed here. */
int herd_runlog_log_artifact(herd_runlog *rl, const char *path, const char *kind,
                             herd_error *err);
/* The file at path was replaced (a checkpoint that herd eval gave a
 * /calibration group): every artifact row of the run naming the same file
 * (same device and inode, however its path is spelled; rows of removed files
 * are left alone) gets the file's size, sha256 and time as it is now. No
 * such row is not an error. Errors: HERD_ERR_IO. */
int herd_runlog_refresh_artifact(herd_runlog *rl, const char *path, herd_error *err);
/* Store one structured field of the run record (bindings, cpu_model,
 * datasets, version_info, ...) as JSON text in the run file's record table;
 * `herd runs show --json` shows it under key. Replaces an earlier value. */
int herd_runlog_set_record(herd_runlog *rl, const char *key, const char *json,
                           herd_error *err);

/* One sampled validation row at an evaluation. */
typedef struct herd_run_sample {
    int64_t row;                 /* row index in its file */
    double label;                /* ground truth */
    double prediction;           /* class index, or the value for regression */
    const char *probabilities;   /* JSON array text, or NULL (regression) */
} herd_run_sample;

/* Write the n samples of the evaluation at step in one transaction. */
int herd_runlog_log_samples(herd_runlog *rl, int64_t step, const herd_run_sample *samples, int n,
                            herd_error *err);

/* Record an artifact in the run file of a run that has ended (not through
 * an open log: used by `herd runs report`). bytes and sha256 are computed
 * here. Errors: HERD_ERR_IO naming the file. */
int herd_runlog_add_artifact(const char *run_file, const char *path, const char *kind,
                             herd_error *err);
/* herd_runlog_refresh_artifact in the run file of a run that has ended
 * (`herd eval` storing /calibration in another run's checkpoint). */
int herd_runlog_refresh_artifact_in(const char *run_file, const char *path, herd_error *err);

/* Set the status of run run_id in run_file through a connection of its own
 * (safe from another thread while the writer's connection is idle; SQLite
 * locking orders the two). Used to mark a run FAILED when the job may be
 * killed before it can end the run itself. Errors: HERD_ERR_IO. */
int herd_runlog_mark_status(const char *run_file, const char *run_id, const char *status,
                            herd_error *err);

/* The SQLite library version, for the run record. */
const char *herd_runlog_sqlite_version(void);

/* Write buffered metrics now and refresh the heartbeat time. */
int herd_runlog_flush(herd_runlog *rl, herd_error *err);

/* Flush, set status and end time, close, free. Safe on NULL. */
int herd_runlog_end(herd_runlog *rl, const char *status, herd_error *err);

/* The folder holding run files for db_path: "<db_path>.d". Caller frees. */
char *herd_runlog_folder(const char *db_path);

#endif
