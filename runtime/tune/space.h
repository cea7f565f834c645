/* space.h - the search space of a sweep: one `--param KEY=SPACE` per
 * hyperparameter, and the value each trial gives it.
 *
 *   choice:V1|V2|...   one of the values, as config values ([64], adam, 0.1)
 *   uniform:LO:HI      a real number in [LO, HI)
 *   loguniform:LO:HI   a real number in [LO, HI) spread evenly over the decades (LO > 0)
 *   int:LO:HI          an integer in [LO, HI], both ends included
 *
 * A random sweep draws trial i's value of param k from herd_rng_uniform(seed,
 * HERD_STREAM_TUNE, counter of (i, k)): a pure function, so the same command
 * gives the same trials on any number of ranks and machines. A grid sweep
 * walks every combination of choice params, the first param slowest.
 * Values are text: exactly what is applied to the config as KEY=VALUE.
 * Nothing here is collective.
 */
#ifndef HERD_TUNE_SPACE_H
#define HERD_TUNE_SPACE_H

#include "config/config.h"
#include "core/status.h"

#include <stdint.h>

enum { HERD_SPACE_CHOICE = 0, HERD_SPACE_UNIFORM = 1, HERD_SPACE_LOGUNIFORM = 2, HERD_SPACE_INT = 3 };
enum { HERD_SWEEP_RANDOM = 0, HERD_SWEEP_GRID = 1 };

#define HERD_TUNE_VALUE_MAX 256
#define HERD_TUNE_MAX_TRIALS 100000  /* each trial a training run: more is a mistake */

typedef struct herd_tune_param {
    char key[HERD_NAME_MAX];   /* a config key, e.g. optim.lr */
    int kind;                  /* HERD_SPACE_* */
    double lo, hi;             /* uniform, loguniform, int */
    char **choices;            /* choice: n_choices values (owned) */
    int n_choices;
} herd_tune_param;

/* Parse "KEY=SPACE" into *p (free with herd_tune_param_free). A malformed
 * space is HERD_ERR_USAGE naming the --param. The key is not checked
 * against the config here (herd_tune_check does that). */
int herd_tune_param_parse(const char *text, herd_tune_param *p, herd_error *err);

/* Frees the choices; safe on a zeroed or half-parsed param. */
void herd_tune_param_free(herd_tune_param *p);

/* Check params against cfg before anything is trained: duplicate keys, keys
 * the sweep sets itself (run_name, train.checkpoint_dir), and every choice,
 * LO and HI applied as an override to a copy of cfg; for a grid, every param
 * must be a choice. Returns HERD_OK or HERD_ERR_USAGE. */
int herd_tune_check(const herd_config *cfg, const herd_tune_param *params, int n, int method,
                    herd_error *err);

/* The number of trials: for a grid the number of combinations, capped by
 * trials when trials > 0; for a random sweep trials (10 when <= 0). A grid
 * of more than HERD_TUNE_MAX_TRIALS combinations counts as some number above
 * it (the product is not formed, so it cannot overflow). */
int64_t herd_tune_trial_count(const herd_tune_param *params, int n, int method, int64_t trials);

/* The value of param k (of n) in trial i (0-based) as config text, into
 * value[HERD_TUNE_VALUE_MAX]. */
void herd_tune_value(const herd_tune_param *params, int n, int k, int method, uint64_t seed,
                     int64_t i, char value[HERD_TUNE_VALUE_MAX]);

#endif
