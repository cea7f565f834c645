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
     .meaning = "validation set (HDF5 file); empty = none"},
    {.name = "data.test", .type = HERD_KEY_STRING, .offset = offsetof(herd_config, data.test),
     .capacity = HERD_PATH_MAX, .def = "",
     .meaning = "test set (HDF5 file); empty = none"},
    {.name = "data.val_fraction", .type = HERD_KEY_FLOAT,
     .offset = offsetof(herd_config, data.val_fraction), .def = "0", .fmin = 0, .fmax = 0.9,
     .meaning = "fraction of the training rows held out for validation"},
    {.name = "data.standardize", .type = HERD_KEY_BOOL,
     .offset = offsetof(herd_config, data.standardize), .def = "true", .values = bool_values,
     .meaning = "scale features to zero mean and unit variance (training-set statistics)"},
    {.name = "data.impute", .type = HERD_KEY_ENUM, .offset = offsetof(herd_config, data.impute),
     .def = "none", .values = impute_values,
     .meaning = "how missing feature values (NaN) are filled"},

    /* model */
    {.name = "model.type", .type = HERD_KEY_ENUM, .offset = offsetof(herd_config, model.type),
     .def = "mlp", .values = model_values,
     .meaning = "model family"},
    {.name = "model.hidden", .type = HERD_KEY_INT_LIST,
     .offset = offsetof(herd_config, model.hidden),
     .count_offset = offsetof(herd_config, model.n_hidden), .capacity = HERD_MAX_HIDDEN,
     .def = "[128]", .imin = 1, .imax = 1000000,
     .meaning = "widths of the hidden layers of an mlp, input side first"},
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

    /* track */
    {.name = "track.db", .type = HERD_KEY_STRING, .offset = offsetof(herd_config, track.db),
     .capacity = HERD_PATH_MAX, .def = "runs/herd.db", .imin = 1,
     .meaning = "experiment log (SQLite); run files go in a folder beside it"},
    {.name = "track.enabled", .type = HERD_KEY_BOOL,
     .offset = offsetof(herd_config, track.enabled), .def = "true", .values = bool_values,
     .meaning = "record the run in the experiment log"},
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
