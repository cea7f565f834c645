/* checkpoint.h - checkpoints: the whole training state in one HDF5 file.
 *
 * Layout (docs/formats.md): /params/<tensor> float32 (rows, cols) for each
 * named tensor of the model; /optim/m and /optim/v float32 flat (mirroring
 * the parameter buffer); /preprocess (mean, scale, fill); attributes on the
 * root: format_version, model_type, task, n_in, n_classes, hidden, activation,
 * init_scale, step, epoch, step_in_epoch, optim_t, seed, run_id,
 * data_sha256, config (canonical text), payload_sha256 (over params, m, v);
 * /feature_names (n_in strings) when the training data named its columns;
 * /class_names (n_classes strings) when it named its classes.
 *
 * Written by rank 0 only, to "<dir>/ckpt-<step>.h5.tmp", fsynced, renamed,
 * and the directory fsynced: a checkpoint is whole or absent. Reading
 * verifies the payload checksum, so a truncated or altered file is refused.
 */
#ifndef HERD_CHECKPOINT_H
#define HERD_CHECKPOINT_H

#include "core/status.h"
#include "data/preprocess.h"
#include "models/model.h"
#include "nn/optim.h"

#include <stdint.h>

#define HERD_CHECKPOINT_FORMAT 1

typedef struct herd_checkpoint {
    herd_model_spec spec;
    herd_model *model;       /* built from spec (batch 1), holding the stored parameters */
    float *optim_m, *optim_v;/* model->n_params each; v may be NULL (sgd) */
    int64_t optim_t;
    herd_preprocess *pp;
    int64_t step, epoch, step_in_epoch;
    int64_t seed;
    int64_t world_size;      /* ranks that wrote it; 0 when not stored (older files) */
    int64_t skipped_steps;   /* steps skipped as non-finite (train.on_nonfinite: skip) */
    char best_metric[64];    /* train.keep_best metric, "" when none */
    double best_value;       /* its best value so far */
    int64_t best_step;       /* the step of best.h5; -1 when none yet */
    char run_id[33];
    char data_sha256[65];
    char *config;            /* canonical config text */
    char **feature_names;    /* spec.n_in names (NULL-ended) the model was trained on, or
                                NULL when the training data had none */
    char **class_names;      /* spec.n_classes names of the class ids, or NULL */
} herd_checkpoint;

/* Everything the writer needs from the training loop. */
typedef struct herd_checkpoint_source {
    const herd_model *model;
    const herd_optim *optim;
    const herd_preprocess *pp;
    int64_t step, epoch, step_in_epoch, seed;
    int64_t world_size, skipped_steps;
    const char *best_metric;     /* NULL or "" when train.keep_best is off */
    double best_value;
    int64_t best_step;
    const char *run_id;
    const char *data_sha256;
    const char *config;
    char *const *feature_names;  /* model->spec.n_in names, or NULL */
    char *const *class_names;    /* model->spec.n_classes names, or NULL */
} herd_checkpoint_source;

/* Write atomically into dir (created if missing). path receives the final
 * file name. Refuses (HERD_ERR_RUNTIME) to store non-finite parameters.
 * Errors: HERD_ERR_IO naming the path. Rank 0 only. */
int herd_checkpoint_write(const char *dir, const herd_checkpoint_source *src, char *path,
                          size_t path_size, herd_error *err);

/* Create dir if missing and prove it writable (a probe file is created and
 * removed), so a bad folder fails before training, not at the first
 * checkpoint. Errors: HERD_ERR_IO naming the folder. Rank 0 only. */
int herd_checkpoint_check_dir(const char *dir, herd_error *err);

/* The lock file inside a checkpoint folder; it says "pid <pid> on <host>". */
#define HERD_CHECKPOINT_LOCK_FILE ".herd.lock"

/* The run that writes into a checkpoint folder owns it: an exclusive flock
 * on dir/.herd.lock, held until herd_checkpoint_unlock_dir or the end of the
 * process (a crashed run leaves no stale lock). Taken by a run that finds
 * the folder held, it fails at once, changing nothing in dir:
 * HERD_ERR_IO naming dir and the holder's pid. On a file system without
 * locks it warns and returns HERD_OK with *out NULL. *out is new. dir must
 * exist (herd_checkpoint_check_dir). Rank 0 only. */
typedef struct herd_checkpoint_lock herd_checkpoint_lock;
int herd_checkpoint_lock_dir(const char *dir, herd_checkpoint_lock **out, herd_error *err);

/* Release the folder and remove the lock file; safe on NULL. */
void herd_checkpoint_unlock_dir(herd_checkpoint_lock *lock);

/* A fresh run (not resuming) never overwrites an earlier run's files: the
 * checkpoints (ckpt-*.h5, best.h5) already in dir are moved into
 * dir/previous-<time>/ (created). moved_to receives that folder, or "" when
 * dir held none. Errors: HERD_ERR_IO. Rank 0 only. */
int herd_checkpoint_set_aside(const char *dir, char *moved_to, size_t size, herd_error *err);

/* Read and verify path. *out is new (free with herd_checkpoint_free).
 * Errors: HERD_ERR_IO (missing/unreadable), HERD_ERR_DATA (not a herd
 * checkpoint, wrong format version, checksum mismatch). */
int herd_checkpoint_read(const char *path, herd_checkpoint **out, herd_error *err);
void herd_checkpoint_free(herd_checkpoint *ck);

/* Newest valid checkpoint in dir (highest step whose file verifies);
 * corrupt ones are reported with a warning and skipped. HERD_ERR_IO when
 * none is found. */
int herd_checkpoint_find_latest(const char *dir, char *path, size_t path_size, herd_error *err);

/* Delete the checkpoints of run_id in dir beyond the newest keep (by step);
 * files of other runs, best.h5 and *.tmp are left alone. keep <= 0 keeps
 * all. Returns how many were removed. Rank 0 only. */
int herd_checkpoint_prune(const char *dir, const char *run_id, int64_t keep);

/* Make dir/best.h5 the same file as path (a hard link, else a copy),
 * replaced atomically. Errors: HERD_ERR_IO. Rank 0 only. */
int herd_checkpoint_mark_best(const char *dir, const char *path, herd_error *err);

/* Copy ck's parameters into m by tensor name, checking shapes (a different
 * model shape is HERD_ERR_USAGE naming the tensor). */
int herd_checkpoint_restore_model(const herd_checkpoint *ck, herd_model *m, herd_error *err);

#endif
