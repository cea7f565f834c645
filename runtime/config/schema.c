/* schema.c - every config key, declared once.
 *
 * Each row names a key, its type and place in herd_config, its default (in the
 * same syntax as a key=value override), its allowed range or values and what
 * it means. config.c parses, validates, dumps and documents configs by walking
 * this table; adding a key is adding a row here and a field in config.h.
 */
#include "config/config.h"
#include "config/schema.h"

#include <math.h>
#include <string.h>

static const char *const bool_values[] = {"false", "true", NULL};
static const char *const impute_values[] = {"none", "mean", "median", NULL};
static const char *const model_values[] = {"linear", "logistic", "softmax", "mlp", NULL};
static const char *const activation_values[] = {"relu", "tanh", "gelu", NULL};
static const char *const optim_values[] = {"sgd", "adam", "adamw", NULL};
static const char *const schedule_values[] = {"constant", "step", "cosine", NULL};
/* same order as HERD_ALLREDUCE_* in comm/reduce.h */
static const char *const algorithm_values[] = {"auto", "mpi", "shm", "hier", NULL};
static const char *const binning_values[] = {"uniform", "quantile", NULL};
static const char *const recal_values[] = {"none", "platt", "isotonic", "temperature", NULL};
static const char *const conformal_values[] = {"lac", "aps", NULL};
static const char *const nonfinite_values[] = {"error", "skip", NULL};
/* same order as HERD_ROLE_* in train/batches.h */
static const char *const rows_values[] = {"train", "val", "test", "all", NULL};

#define NO_LIMIT HERD_KEY_NO_LIMIT

const herd_key herd_config_schema[] = {
    /* top level */
    {.name = "experiment", .type = HERD_KEY_STRING, .offset = offsetof(herd_config, experiment),
     .capacity = HERD_NAME_MAX, .def = "default", .imin = 1,
     .meaning = "experiment the run is filed under in the experiment log"},
    {.name = "run_name", .type = HERD_KEY_STRING, .offset = offsetof(herd_config, run_name),
     .capacity = HERD_NAME_MAX, .def = "",
     .meaning = "name of the run; empty lets herd pick one"},
    {.name = "seed", .type = HERD_KEY_INT, .offset = offsetof(herd_config, seed),
     .def = "0", .imin = 0, .imax = NO_LIMIT,
     .meaning = "seed of every random draw (init, shuffling, validation split)"},

    /* data */
    {.name = "data.train", .type = HERD_KEY_STRING, .offset = offsetof(herd_config, data.train),
     .capacity = HERD_PATH_MAX, .def = "", .required = 1,
     .meaning = "training set (HDF5 file); required"},
    {.name = "data.val", .type = HERD_KEY_STRING, .offset = offsetof(herd_config, data.val),
     .capacity = HERD_PATH_MAX, .def = "",
     .meaning = "validation set (HDF5 file, all its rows); empty = the rows of data.train "
                "whose /split is val, plus those data.val_fraction carves from its train rows"},
    {.name = "data.test", .type = HERD_KEY_STRING, .offset = offsetof(herd_config, data.test),
     .capacity = HERD_PATH_MAX, .def = "",
     .meaning = "test set (HDF5 file, all its rows); empty = the rows of data.train whose "
                "/split is test (none without /split)"},
    {.name = "data.val_fraction", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, data.val_fraction), .def = "0", .fmin = 0, .fmax = 0.9,
     .meaning = "fraction of data.train's train rows held out of training, for validation; "
                "an error together with data.val"},
    {.name = "data.train_fraction", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, data.train_fraction), .def = "1", .fmin = 0, .fmax = 1,
     .fmin_open = 1,
     .meaning = "fraction of the training rows used (drawn from the seed; smaller fractions are subsets of larger)"},
    {.name = "data.standardize", .type = HERD_KEY_BOOL,
     .offset = offsetof(herd_config, data.standardize), .def = "true", .values = bool_values,
     .meaning = "scale features to zero mean and unit variance (training-set statistics)"},
    {.name = "data.impute", .type = HERD_KEY_ENUM, .offset = offsetof(herd_config, data.impute),
     .def = "none", .values = impute_values,
     .meaning = "how missing feature values (NaN) are filled"},
    {.name = "data.stream", .type = HERD_KEY_BOOL, .offset = offsetof(herd_config, data.stream),
     .def = "false", .values = bool_values,
     .meaning = "read the training shard in blocks while training (data larger than memory)"},
    {.name = "data.stream_block_mb", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, data.stream_block_mb), .def = "32", .fmin = 0.001,
     .fmax = 1048576,
     .meaning = "MB of training rows per streamed block; two blocks are in memory"},

    /* model */
    {.name = "model.type", .type = HERD_KEY_ENUM, .offset = offsetof(herd_config, model.type),
     .def = "mlp", .values = model_values,
     .meaning = "model family"},
    {.name = "model.hidden", .type = HERD_KEY_INT_LIST,
     .offset = offsetof(herd_config, model.hidden),
     .count_offset = offsetof(herd_config, model.n_hidden), .capacity = HERD_MAX_HIDDEN,
     .def = "[128]", .imin = 1, .imax = 1000000,
     .meaning = "widths of the hidden layers of an mlp, input side first; left out, other model types have none"},
    {.name = "model.activation", .type = HERD_KEY_ENUM,
     .offset = offsetof(herd_config, model.activation), .def = "relu",
     .values = activation_values,
     .meaning = "activation of the hidden layers"},
    {.name = "model.init_scale", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, model.init_scale), .def = "1", .fmin = 0, .fmax = 100,
     .fmin_open = 1,
     .meaning = "multiplier on the He/Xavier initial weights"},

    /* optim */
    {.name = "optim.name", .type = HERD_KEY_ENUM, .offset = offsetof(herd_config, optim.name),
     .def = "adam", .values = optim_values,
     .meaning = "optimizer"},
    {.name = "optim.lr", .type = HERD_KEY_FLOAT, .offset = offsetof(herd_config, optim.lr),
     .def = "0.001", .fmin = 0, .fmax = 10, .fmin_open = 1,
     .meaning = "peak learning rate"},
    {.name = "optim.momentum", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, optim.momentum), .def = "0.9", .fmin = 0, .fmax = 1,
     .fmax_open = 1,
     .meaning = "momentum (sgd)"},
    {.name = "optim.nesterov", .type = HERD_KEY_BOOL,
     .offset = offsetof(herd_config, optim.nesterov), .def = "false", .values = bool_values,
     .meaning = "Nesterov momentum (sgd)"},
    {.name = "optim.weight_decay", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, optim.weight_decay), .def = "0", .fmin = 0,
     .fmax = INFINITY,
     .meaning = "L2 penalty (sgd, adam) or decoupled weight decay (adamw)"},
    {.name = "optim.beta1", .type = HERD_KEY_FLOAT, .offset = offsetof(herd_config, optim.beta1),
     .def = "0.9", .fmin = 0, .fmax = 1, .fmax_open = 1,
     .meaning = "decay of the first-moment estimate (adam, adamw)"},
    {.name = "optim.beta2", .type = HERD_KEY_FLOAT, .offset = offsetof(herd_config, optim.beta2),
     .def = "0.999", .fmin = 0, .fmax = 1, .fmax_open = 1,
     .meaning = "decay of the second-moment estimate (adam, adamw)"},
    {.name = "optim.eps", .type = HERD_KEY_FLOAT, .offset = offsetof(herd_config, optim.eps),
     .def = "1e-08", .fmin = 0, .fmax = 1, .fmin_open = 1,
     .meaning = "added to the denominator (adam, adamw)"},
    {.name = "optim.schedule", .type = HERD_KEY_ENUM,
     .offset = offsetof(herd_config, optim.schedule), .def = "constant",
     .values = schedule_values,
     .meaning = "learning-rate schedule after warmup"},
    {.name = "optim.warmup_steps", .type = HERD_KEY_INT,
     .offset = offsetof(herd_config, optim.warmup_steps), .def = "0", .imin = 0,
     .imax = NO_LIMIT,
     .meaning = "steps of linear warmup from 0 to optim.lr"},
    {.name = "optim.step_every", .type = HERD_KEY_INT,
     .offset = offsetof(herd_config, optim.step_every), .def = "1000", .imin = 1,
     .imax = NO_LIMIT,
     .meaning = "steps between decays of the step schedule"},
    {.name = "optim.step_gamma", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, optim.step_gamma), .def = "0.1", .fmin = 0, .fmax = 1,
     .fmin_open = 1,
     .meaning = "factor the step schedule multiplies the learning rate by"},
    {.name = "optim.min_lr", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, optim.min_lr), .def = "0", .fmin = 0, .fmax = 10,
     .meaning = "floor of the cosine schedule"},
    {.name = "optim.clip_norm", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, optim.clip_norm), .def = "0", .fmin = 0,
     .fmax = INFINITY,
     .meaning = "clip the global gradient norm to this; 0 = off"},

    /* train */
    {.name = "train.epochs", .type = HERD_KEY_INT, .offset = offsetof(herd_config, train.epochs),
     .def = "10", .imin = 1, .imax = 1000000,
     .meaning = "passes over the training set"},
    {.name = "train.batch_size", .type = HERD_KEY_INT,
     .offset = offsetof(herd_config, train.batch_size), .def = "256", .imin = 1,
     .imax = 1073741824,
     .meaning = "GLOBAL batch size, split evenly over the ranks"},
    {.name = "train.eval_every", .type = HERD_KEY_INT,
     .offset = offsetof(herd_config, train.eval_every), .def = "1", .imin = 0, .imax = 1000000,
     .meaning = "epochs between evaluations; 0 = only at the end"},
    {.name = "train.log_every", .type = HERD_KEY_INT,
     .offset = offsetof(herd_config, train.log_every), .def = "50", .imin = 1,
     .imax = NO_LIMIT,
     .meaning = "steps between rows of training metrics"},
    {.name = "train.checkpoint_every", .type = HERD_KEY_INT,
     .offset = offsetof(herd_config, train.checkpoint_every), .def = "0", .imin = 0,
     .imax = 1000000,
     .meaning = "epochs between checkpoints; 0 = only at the end"},
    {.name = "train.checkpoint_dir", .type = HERD_KEY_STRING,
     .offset = offsetof(herd_config, train.checkpoint_dir), .capacity = HERD_PATH_MAX,
     .def = "checkpoints", .imin = 1,
     .meaning = "folder checkpoints are written to"},
    {.name = "train.checkpoint_every_steps", .type = HERD_KEY_INT,
     .offset = offsetof(herd_config, train.checkpoint_every_steps), .def = "0", .imin = 0,
     .imax = NO_LIMIT,
     .meaning = "steps between checkpoints (also mid-epoch); 0 = off"},
    {.name = "train.keep_checkpoints", .type = HERD_KEY_INT,
     .offset = offsetof(herd_config, train.keep_checkpoints), .def = "0", .imin = 0,
     .imax = 1000000,
     .meaning = "keep only the newest K checkpoints of the run (besides best.h5); 0 = keep all"},
    {.name = "train.keep_best", .type = HERD_KEY_STRING,
     .offset = offsetof(herd_config, train.keep_best), .capacity = HERD_NAME_MAX, .def = "",
     .meaning = "validation metric whose best checkpoint is kept as best.h5: val/ and a metric "
                "of the task (accuracy, log_loss, and roc_auc when binary; regression: mse, "
                "rmse, mae, r2), checked before training; while the metric is undefined on the "
                "validation rows (roc_auc with one class) no best.h5 is written and rank 0 warns "
                "once; empty = off"},
    {.name = "train.on_nonfinite", .type = HERD_KEY_ENUM,
     .offset = offsetof(herd_config, train.on_nonfinite), .def = "error",
     .values = nonfinite_values,
     .meaning = "a step with a non-finite loss or gradient: stop with an error, or skip it and count it"},

    /* comm */
    {.name = "comm.algorithm", .type = HERD_KEY_ENUM,
     .offset = offsetof(herd_config, comm.algorithm), .def = "auto", .values = algorithm_values,
     .meaning = "gradient allreduce: mpi, shm (one host), hier (shm, then across hosts); auto picks"},
    {.name = "comm.bucket_mb", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, comm.bucket_mb), .def = "4", .fmin = 0.001, .fmax = 4096,
     .meaning = "gradient bucket size (MB) reduced while backward continues"},
    {.name = "comm.share_params", .type = HERD_KEY_BOOL,
     .offset = offsetof(herd_config, comm.share_params), .def = "true", .values = bool_values,
     .meaning = "shm/hier: the ranks of a host keep one shared copy of the parameters and optimizer state, each updating its slice"},
    {.name = "comm.timeout_s", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, comm.timeout_s), .def = "300", .fmin = 0, .fmax = 1e7,
     .meaning = "a collective not complete after this many seconds ends the job naming the missing ranks; 0 = off"},

    /* track */
    {.name = "track.db", .type = HERD_KEY_STRING, .offset = offsetof(herd_config, track.db),
     .capacity = HERD_PATH_MAX, .def = "runs/herd.db", .imin = 1,
     .meaning = "experiment log (SQLite); run files go in a folder beside it"},
    {.name = "track.enabled", .type = HERD_KEY_BOOL,
     .offset = offsetof(herd_config, track.enabled), .def = "true", .values = bool_values,
     .meaning = "record the run in the experiment log"},
    {.name = "track.system_every_s", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, track.system_every_s), .def = "10", .fmin = 0,
     .fmax = 86400,
     .meaning = "seconds between system metrics (CPU, memory, straggler spread); 0 = off"},
    {.name = "track.samples", .type = HERD_KEY_INT, .offset = offsetof(herd_config, track.samples),
     .def = "20", .imin = 0, .imax = 10000,
     .meaning = "validation rows (fixed, drawn from the seed) logged with predictions at each evaluation"},

    /* eval (herd eval; at the end of training on data.test, or data.train's test rows, when
       this section is set) */
    {.name = "eval.enabled", .type = HERD_KEY_BOOL, .offset = offsetof(herd_config, eval.enabled),
     .def = "false", .values = bool_values,
     .meaning = "evaluate at the end of training (implied by any other eval key): the file "
                "data.test, else the rows of data.train whose /split is test; without either "
                "it is skipped with a warning"},
    {.name = "eval.json", .type = HERD_KEY_STRING, .offset = offsetof(herd_config, eval.json),
     .capacity = HERD_PATH_MAX, .def = "",
     .meaning = "where the end-of-training evaluation writes its JSON; empty = none"},
    {.name = "eval.rows", .type = HERD_KEY_ENUM, .offset = offsetof(herd_config, eval.rows),
     .def = "all", .values = rows_values,
     .meaning = "rows of the evaluated file: all, or those whose /split is train (every row "
                "without /split), val or test (herd eval --rows); at the end of training "
                "without data.test, all means data.train's test rows"},
    {.name = "eval.split_fraction", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, eval.split_fraction), .def = "0.5", .fmin = 0.05,
     .fmax = 0.95,
     .meaning = "fraction of evaluated rows (by seed) that fit recalibration and conformal"},
    {.name = "eval.store", .type = HERD_KEY_BOOL, .offset = offsetof(herd_config, eval.store),
     .def = "true", .values = bool_values,
     .meaning = "store recalibration and conformal thresholds in the checkpoint"},
    {.name = "eval.baselines.enabled", .type = HERD_KEY_BOOL,
     .offset = offsetof(herd_config, eval.baselines.enabled), .def = "true",
     .values = bool_values,
     .meaning = "score zero-rule, stratified and uniform random baselines"},
    {.name = "eval.baselines.heuristic", .type = HERD_KEY_STRING,
     .offset = offsetof(herd_config, eval.baselines.heuristic), .capacity = HERD_NAME_MAX,
     .def = "",
     .meaning = "rule baseline `feature OP value` (OP one of > >= < <= == !=), read from the "
                "right end so the feature name may hold any character; empty = none"},
    {.name = "eval.baselines.checkpoint", .type = HERD_KEY_STRING,
     .offset = offsetof(herd_config, eval.baselines.checkpoint), .capacity = HERD_PATH_MAX,
     .def = "",
     .meaning = "an existing model's checkpoint scored as a baseline; empty = none"},
    {.name = "eval.threshold.points", .type = HERD_KEY_INT,
     .offset = offsetof(herd_config, eval.threshold.points), .def = "101", .imin = 3,
     .imax = 100001,
     .meaning = "evenly spaced thresholds in [0, 1] in the binary trade-off curve"},
    {.name = "eval.threshold.cost_fp", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, eval.threshold.cost_fp), .def = "1", .fmin = 0,
     .fmax = INFINITY,
     .meaning = "cost of a false positive (threshold of least cost)"},
    {.name = "eval.threshold.cost_fn", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, eval.threshold.cost_fn), .def = "1", .fmin = 0,
     .fmax = INFINITY,
     .meaning = "cost of a false negative (threshold of least cost)"},
    {.name = "eval.threshold.target_recall", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, eval.threshold.target_recall), .def = "0", .fmin = 0,
     .fmax = 1,
     .meaning = "report the highest threshold reaching this recall; 0 = none"},
    {.name = "eval.threshold.target_precision", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, eval.threshold.target_precision), .def = "0", .fmin = 0,
     .fmax = 1,
     .meaning = "report the lowest threshold reaching this precision; 0 = none"},
    {.name = "eval.calibration.bins", .type = HERD_KEY_INT,
     .offset = offsetof(herd_config, eval.calibration.bins), .def = "10", .imin = 2,
     .imax = 1000,
     .meaning = "bins of the reliability table (and of ece, mce)"},
    {.name = "eval.calibration.binning", .type = HERD_KEY_ENUM,
     .offset = offsetof(herd_config, eval.calibration.binning), .def = "uniform",
     .values = binning_values,
     .meaning = "reliability bins of equal width or of equal counts"},
    {.name = "eval.calibration.method", .type = HERD_KEY_ENUM,
     .offset = offsetof(herd_config, eval.calibration.method), .def = "none",
     .values = recal_values,
     .meaning = "recalibration fitted on the calibration split and applied by herd predict"},
    {.name = "eval.conformal.enabled", .type = HERD_KEY_BOOL,
     .offset = offsetof(herd_config, eval.conformal.enabled), .def = "true",
     .values = bool_values,
     .meaning = "split conformal prediction sets or intervals"},
    {.name = "eval.conformal.alpha", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, eval.conformal.alpha), .def = "0.1", .fmin = 0, .fmax = 1,
     .fmin_open = 1, .fmax_open = 1,
     .meaning = "allowed miscoverage: sets cover the truth with probability >= 1 - alpha"},
    {.name = "eval.conformal.method", .type = HERD_KEY_ENUM,
     .offset = offsetof(herd_config, eval.conformal.method), .def = "lac",
     .values = conformal_values,
     .meaning = "score of the sets `herd predict --conformal` writes (classification)"},
    {.name = "eval.selective.target_accuracy", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, eval.selective.target_accuracy), .def = "0.95", .fmin = 0,
     .fmax = 1, .fmin_open = 1,
     .meaning = "accuracy the confidence threshold of selective prediction must reach"},
    {.name = "eval.slices", .type = HERD_KEY_JSON, .offset = offsetof(herd_config, eval.slices),
     .capacity = HERD_EVAL_JSON_MAX, .def = "[]",
     .meaning = "slices to score: [{feature: F, bins: [edges]}, {feature: F}, {column: C}] (docs/evaluation.md)"},
    {.name = "eval.slice_confidence", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, eval.slice_confidence), .def = "0.95", .fmin = 0.5,
     .fmax = 1, .fmax_open = 1,
     .meaning = "level of the slices' confidence intervals"},
    {.name = "eval.slice_min_rows", .type = HERD_KEY_INT,
     .offset = offsetof(herd_config, eval.slice_min_rows), .def = "30", .imin = 1,
     .imax = NO_LIMIT,
     .meaning = "smaller slices are reported but never flagged or gated"},
    {.name = "eval.tests.perturbation", .type = HERD_KEY_JSON,
     .offset = offsetof(herd_config, eval.tests.perturbation), .capacity = HERD_EVAL_JSON_MAX,
     .def = "{}",
     .meaning = "Gaussian noise test: {levels: [0.1, 0.5], metric: M, max_drop: 0.05, at: 0.1}; {} = off"},
    {.name = "eval.tests.invariance", .type = HERD_KEY_JSON,
     .offset = offsetof(herd_config, eval.tests.invariance), .capacity = HERD_EVAL_JSON_MAX,
     .def = "[]",
     .meaning = "invariance tests: [{feature: F, values: [0, 1], tolerance: 0.01, max_score_change: 0.1}]"},
    {.name = "eval.tests.directional", .type = HERD_KEY_JSON,
     .offset = offsetof(herd_config, eval.tests.directional), .capacity = HERD_EVAL_JSON_MAX,
     .def = "[]",
     .meaning = "directional tests: [{feature: F, delta: 1, direction: increase, tolerance: 0.05}]"},
    {.name = "eval.gate.min", .type = HERD_KEY_JSON, .offset = offsetof(herd_config, eval.gate.min),
     .capacity = HERD_EVAL_JSON_MAX, .def = "{}",
     .meaning = "gate: lowest allowed value per metric, e.g. {roc_auc: 0.7}"},
    {.name = "eval.gate.max", .type = HERD_KEY_JSON, .offset = offsetof(herd_config, eval.gate.max),
     .capacity = HERD_EVAL_JSON_MAX, .def = "{}",
     .meaning = "gate: highest allowed value per metric, e.g. {ece: 0.05}"},
    {.name = "eval.gate.must_beat_baselines", .type = HERD_KEY_BOOL,
     .offset = offsetof(herd_config, eval.gate.must_beat_baselines), .def = "false",
     .values = bool_values,
     .meaning = "gate: the model must beat every baseline on the primary metric"},
    {.name = "eval.gate.slice_min", .type = HERD_KEY_JSON,
     .offset = offsetof(herd_config, eval.gate.slice_min), .capacity = HERD_EVAL_JSON_MAX,
     .def = "{}",
     .meaning = "gate: lowest allowed value per metric in every slice of eval.slice_min_rows rows or more"},
    {.name = "eval.gate.slice_max", .type = HERD_KEY_JSON,
     .offset = offsetof(herd_config, eval.gate.slice_max), .capacity = HERD_EVAL_JSON_MAX,
     .def = "{}",
     .meaning = "gate: highest allowed value per metric in every slice of eval.slice_min_rows rows or more, e.g. {mae: 2}"},
    {.name = "eval.gate.flagged_slices", .type = HERD_KEY_BOOL,
     .offset = offsetof(herd_config, eval.gate.flagged_slices), .def = "false",
     .values = bool_values,
     .meaning = "gate: fail when a slice is significantly worse than overall"},
    {.name = "eval.gate.tests", .type = HERD_KEY_BOOL,
     .offset = offsetof(herd_config, eval.gate.tests), .def = "true", .values = bool_values,
     .meaning = "gate: every configured behavioural test must pass"},
};

const int herd_config_schema_size = (int)(sizeof herd_config_schema / sizeof herd_config_schema[0]);

const herd_key *herd_config_schema_find(const char *name)
{
    for (int i = 0; i < herd_config_schema_size; i++)
        if (strcmp(herd_config_schema[i].name, name) == 0)
            return &herd_config_schema[i];
    return NULL;
}

int herd_config_schema_is_section(const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < herd_config_schema_size; i++) {
        const char *key = herd_config_schema[i].name;
        if (strncmp(key, name, n) == 0 && key[n] == '.')
            return 1;
    }
    return 0;
}
