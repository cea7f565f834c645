/* config.h - the run configuration: YAML file + key=value overrides -> herd_config.
 *
 * Every key is declared once, in schema.c, with its type, default, allowed
 * range or values and a one-line meaning (docs/config.md is the same table).
 * Loading walks the YAML mapping into dotted keys ("optim.lr"), applies the
 * overrides, checks each key against the schema (unknown key -> error naming
 * the closest valid key; wrong type or out-of-range -> error with file:line)
 * and fills the typed struct below. The canonical text is the sorted
 * `key: value` dump of every key with its effective value: the same config
 * always gives the same text, whose SHA-256 identifies it.
 *
 * In a job, rank 0 loads and validates, then broadcasts the canonical text;
 * the other ranks parse that text (herd_config_from_canonical), so all ranks
 * hold identical configs.
 */
#ifndef HERD_CONFIG_H
#define HERD_CONFIG_H

#include "core/status.h"

#include <stdint.h>

#define HERD_PATH_MAX 1024
#define HERD_NAME_MAX 128
#define HERD_EVAL_JSON_MAX 2048  /* eval.slices, eval.tests.*, eval.gate.* as JSON text */
#define HERD_MAX_HIDDEN 16

enum { HERD_ACT_RELU = 0, HERD_ACT_TANH = 1, HERD_ACT_GELU = 2 };
enum { HERD_IMPUTE_NONE = 0, HERD_IMPUTE_MEAN = 1, HERD_IMPUTE_MEDIAN = 2 };
enum { HERD_OPT_SGD = 0, HERD_OPT_ADAM = 1, HERD_OPT_ADAMW = 2 };
enum { HERD_SCHED_CONSTANT = 0, HERD_SCHED_STEP = 1, HERD_SCHED_COSINE = 2 };
enum { HERD_BINNING_UNIFORM = 0, HERD_BINNING_QUANTILE = 1 };
enum { HERD_RECAL_NONE = 0, HERD_RECAL_PLATT = 1, HERD_RECAL_ISOTONIC = 2, HERD_RECAL_TEMPERATURE = 3 };
enum { HERD_CONFORMAL_LAC = 0, HERD_CONFORMAL_APS = 1 };
enum { HERD_NONFINITE_ERROR = 0, HERD_NONFINITE_SKIP = 1 };
enum { HERD_MODEL_LINEAR = 0, HERD_MODEL_LOGISTIC = 1, HERD_MODEL_SOFTMAX = 2, HERD_MODEL_MLP = 3 };

typedef struct herd_config {
    char experiment[HERD_NAME_MAX];   /* experiment: default "default" */
    char run_name[HERD_NAME_MAX];     /* run_name: default "" (herd picks one) */
    int64_t seed;                     /* seed: default 0 */

    struct {
        char train[HERD_PATH_MAX];    /* data.train: HDF5 file (required) */
        char val[HERD_PATH_MAX];      /* data.val: HDF5 file, "" = none */
        char test[HERD_PATH_MAX];     /* data.test: HDF5 file, "" = none */
        double val_fraction;          /* data.val_fraction: [0, 0.9], default 0 */
        double train_fraction;        /* data.train_fraction: (0, 1], default 1 (all) */
        int standardize;              /* data.standardize: bool, default true */
        int impute;                   /* data.impute: none|mean|median, default none */
        int stream;                   /* data.stream: bool, read training rows in blocks, default false */
        double stream_block_mb;       /* data.stream_block_mb: MB per block (two in memory), default 32 */
    } data;

    struct {
        int type;                     /* model.type: linear|logistic|softmax|mlp, default mlp */
        int hidden[HERD_MAX_HIDDEN];  /* model.hidden: list of widths, default [128] */
        int n_hidden;
        int activation;               /* model.activation: relu|tanh|gelu, default relu */
        double init_scale;            /* model.init_scale: multiplier on He/Xavier init, default 1 */
    } model;

    struct {
        int name;                     /* optim.name: sgd|adam|adamw, default adam */
        double lr;                    /* optim.lr: (0, 10], default 0.001 */
        double momentum;              /* optim.momentum: [0, 1), default 0.9 (sgd) */
        int nesterov;                 /* optim.nesterov: bool, default false */
        double weight_decay;          /* optim.weight_decay: >= 0, default 0 */
        double beta1, beta2, eps;     /* optim.beta1/beta2/eps: adam, defaults 0.9/0.999/1e-8 */
        int schedule;                 /* optim.schedule: constant|step|cosine, default constant */
        int64_t warmup_steps;         /* optim.warmup_steps: >= 0, default 0 */
        int64_t step_every;           /* optim.step_every: steps between step-decays, default 1000 */
        double step_gamma;            /* optim.step_gamma: decay factor, default 0.1 */
        double min_lr;                /* optim.min_lr: floor of cosine, default 0 */
        double clip_norm;             /* optim.clip_norm: global grad-norm clip, 0 = off */
    } optim;

    struct {
        int64_t epochs;               /* train.epochs: >= 1, default 10 */
        int64_t batch_size;           /* train.batch_size: GLOBAL batch, >= 1, default 256 */
        int64_t eval_every;           /* train.eval_every: epochs, 0 = only at end, default 1 */
        int64_t log_every;            /* train.log_every: steps between metric rows, default 50 */
        int64_t checkpoint_every;     /* train.checkpoint_every: epochs, 0 = only at end, default 0 */
        char checkpoint_dir[HERD_PATH_MAX]; /* train.checkpoint_dir: default "checkpoints" */
        int64_t checkpoint_every_steps; /* train.checkpoint_every_steps: 0 = off, default 0 */
        int64_t keep_checkpoints;     /* train.keep_checkpoints: keep the last K, 0 = all */
        char keep_best[HERD_NAME_MAX];/* train.keep_best: "val/<metric>" kept as best.h5, "" = off */
        int on_nonfinite;             /* train.on_nonfinite: error|skip (HERD_NONFINITE_*) */
    } train;

    struct {
        int algorithm;                /* comm.algorithm: auto|mpi|shm|hier (HERD_ALLREDUCE_*), default auto */
        double bucket_mb;             /* comm.bucket_mb: gradient bucket size in MB, default 4 */
        int share_params;             /* comm.share_params: one copy of the parameters per host, default true */
        double timeout_s;             /* comm.timeout_s: watchdog on collectives, 0 = off, default 300 */
    } comm;

    struct {
        char db[HERD_PATH_MAX];       /* track.db: default "runs/herd.db" */
        int enabled;                  /* track.enabled: bool, default true */
        double system_every_s;        /* track.system_every_s: >= 0, 0 = off, default 10 */
        int64_t samples;              /* track.samples: validation rows per evaluation, default 20 */
    } track;

    struct {                          /* eval: herd eval, and the end-of-training evaluation */
        int enabled;                  /* eval.enabled: bool, default false */
        char json[HERD_PATH_MAX];     /* eval.json: end-of-training result file, "" = none */
        int rows;                     /* eval.rows: HERD_ROLE_* (train/batches.h), default all */
        double split_fraction;        /* eval.split_fraction: calibration split, default 0.5 */
        int store;                    /* eval.store: bool, write /calibration into the checkpoint */
        struct {
            int enabled;              /* eval.baselines.enabled: bool, default true */
            char heuristic[HERD_NAME_MAX];  /* eval.baselines.heuristic: "feature > value", "" = none */
            char checkpoint[HERD_PATH_MAX]; /* eval.baselines.checkpoint: another model, "" = none */
        } baselines;
        struct {
            int64_t points;           /* eval.threshold.points: thresholds in the curve, default 101 */
            double cost_fp, cost_fn;  /* eval.threshold.cost_fp/cost_fn: default 1/1 */
            double target_recall;     /* eval.threshold.target_recall: 0 = none */
            double target_precision;  /* eval.threshold.target_precision: 0 = none */
        } threshold;
        struct {
            int64_t bins;             /* eval.calibration.bins: default 10 */
            int binning;              /* eval.calibration.binning: uniform|quantile */
            int method;               /* eval.calibration.method: none|platt|isotonic|temperature */
        } calibration;
        struct {
            int enabled;              /* eval.conformal.enabled: bool, default true */
            double alpha;             /* eval.conformal.alpha: miscoverage, default 0.1 */
            int method;               /* eval.conformal.method: lac|aps (for herd predict) */
        } conformal;
        struct {
            double target_accuracy;   /* eval.selective.target_accuracy: default 0.95 */
        } selective;
        /* structured keys hold compact JSON text (docs/evaluation.md) */
        char slices[HERD_EVAL_JSON_MAX];  /* eval.slices: list, default [] */
        double slice_confidence;      /* eval.slice_confidence: default 0.95 */
        int64_t slice_min_rows;       /* eval.slice_min_rows: default 30 */
        struct {
            char perturbation[HERD_EVAL_JSON_MAX]; /* eval.tests.perturbation: map, {} = off */
            char invariance[HERD_EVAL_JSON_MAX];   /* eval.tests.invariance: list */
            char directional[HERD_EVAL_JSON_MAX];  /* eval.tests.directional: list */
        } tests;
        struct {
            char min[HERD_EVAL_JSON_MAX];       /* eval.gate.min: {metric: lowest} */
            char max[HERD_EVAL_JSON_MAX];       /* eval.gate.max: {metric: highest} */
            int must_beat_baselines;            /* eval.gate.must_beat_baselines: bool */
            char slice_min[HERD_EVAL_JSON_MAX]; /* eval.gate.slice_min: {metric: lowest} */
            char slice_max[HERD_EVAL_JSON_MAX]; /* eval.gate.slice_max: {metric: highest} */
            int flagged_slices;                 /* eval.gate.flagged_slices: bool */
            int tests;                          /* eval.gate.tests: bool, default true */
        } gate;
    } eval;

    char *canonical;                  /* canonical text (owned) */
    char sha256[65];                  /* SHA-256 of canonical */
} herd_config;

/* Load path (YAML), apply overrides ("key=value", n of them), validate.
 * On success *out is a new config (free with herd_config_free). Errors are
 * HERD_ERR_USAGE with "<file>:<line>: <key>: <what>". Not collective. */
int herd_config_load(const char *path, const char *const *overrides, int n_overrides,
                     herd_config **out, herd_error *err);

/* Parse canonical text produced by herd_config_load (same validation). */
int herd_config_from_canonical(const char *text, herd_config **out, herd_error *err);

/* Defaults only (for tests and programmatic use); canonical text filled. */
herd_config *herd_config_defaults(void);

/* Apply one "key=value" override to an existing config (same checks and
 * messages as herd_config_load) and rebuild its canonical text and sha256.
 * On error cfg is unchanged. Returns HERD_OK or HERD_ERR_USAGE. */
int herd_config_override(herd_config *cfg, const char *override, herd_error *err);

/* Frees cfg and its canonical text; safe on NULL. */
void herd_config_free(herd_config *cfg);

/* Flattened (key, value-as-text) pairs of every key, in canonical order, for
 * the experiment log's params table. Calls fn once per key. */
void herd_config_each(const herd_config *cfg,
                      void (*fn)(const char *key, const char *value, void *ctx), void *ctx);

/* Print the schema (every key, type, default, meaning) as a Markdown table. */
void herd_config_print_schema_markdown(void);

#endif
