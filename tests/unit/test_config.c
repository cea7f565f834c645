/* test_config.c - config loading, overrides, canonical text and every error class.
 *
 * Each case writes a small YAML file into a scratch folder, loads it and
 * checks the typed struct, the canonical text or the one-line error.
 */
#include "config/config.h"
#include "config/schema.h"
#include "core/mem.h"
#include "tests/testing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

/* Writes text to <dir>/<name>; returns the path (caller frees). */
static char *write_yaml(const char *name, const char *text)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = herd_malloc(n);
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static herd_config *load(const char *text, const char *const *ov, int n_ov)
{
    char *path = write_yaml("cfg.yaml", text);
    herd_config *cfg = NULL;
    herd_error err = {0};
    int rc = herd_config_load(path, ov, n_ov, &cfg, &err);
    if (rc != HERD_OK)
        fprintf(stderr, "unexpected error: %s\n", err.msg);
    CHECK(rc == HERD_OK);
    free(path);
    return cfg;
}

/* Loads text expecting HERD_ERR_USAGE whose message contains every needle. */
static void expect_error(const char *text, const char *const *ov, int n_ov, const char *need1,
                         const char *need2)
{
    char *path = write_yaml("cfg.yaml", text);
    herd_config *cfg = NULL;
    herd_error err = {0};
    int rc = herd_config_load(path, ov, n_ov, &cfg, &err);
    CHECK(rc == HERD_ERR_USAGE);
    CHECK(err.code == HERD_ERR_USAGE);
    CHECK(cfg == NULL);
    CHECK(strchr(err.msg, '\n') == NULL);
    int found = strstr(err.msg, need1) != NULL && (need2 == NULL || strstr(err.msg, need2));
    if (!found)
        fprintf(stderr, "message '%s' lacks '%s' / '%s'\n", err.msg, need1, need2 ? need2 : "");
    CHECK(found);
    free(path);
}

/* Struct bytes without the canonical pointer: equal configs compare equal. */
static int same_struct(const herd_config *a, const herd_config *b)
{
    herd_config x, y;
    memcpy(&x, a, sizeof x);
    memcpy(&y, b, sizeof y);
    x.canonical = y.canonical = NULL;
    return memcmp(&x, &y, sizeof x) == 0;
}

static void test_defaults(void)
{
    herd_config *c = herd_config_defaults();
    CHECK(strcmp(c->experiment, "default") == 0 && c->run_name[0] == '\0' && c->seed == 0);
    CHECK(c->data.train[0] == '\0' && c->data.val[0] == '\0' && c->data.test[0] == '\0');
    CHECK(c->data.val_fraction == 0 && c->data.standardize == 1);
    CHECK(c->data.impute == HERD_IMPUTE_NONE);
    CHECK(c->model.type == HERD_MODEL_MLP && c->model.n_hidden == 1 && c->model.hidden[0] == 128);
    CHECK(c->model.activation == HERD_ACT_RELU && c->model.init_scale == 1.0);
    CHECK(c->optim.name == HERD_OPT_ADAM && c->optim.lr == 0.001 && c->optim.momentum == 0.9);
    CHECK(c->optim.nesterov == 0 && c->optim.weight_decay == 0);
    CHECK(c->optim.beta1 == 0.9 && c->optim.beta2 == 0.999 && c->optim.eps == 1e-8);
    CHECK(c->optim.schedule == HERD_SCHED_CONSTANT && c->optim.warmup_steps == 0);
    CHECK(c->optim.step_every == 1000 && c->optim.step_gamma == 0.1);
    CHECK(c->optim.min_lr == 0 && c->optim.clip_norm == 0);
    CHECK(c->train.epochs == 10 && c->train.batch_size == 256 && c->train.eval_every == 1);
    CHECK(c->train.log_every == 50 && c->train.checkpoint_every == 0);
    CHECK(strcmp(c->train.checkpoint_dir, "checkpoints") == 0);
    CHECK(strcmp(c->track.db, "runs/herd.db") == 0 && c->track.enabled == 1);
    CHECK(c->canonical != NULL && strlen(c->sha256) == 64);
    CHECK(strstr(c->canonical, "optim.lr: 0.001\n") != NULL);

    /* A file that sets only the required key gives the defaults. */
    herd_config *l = load("data:\n  train: t.h5\n", NULL, 0);
    if (l != NULL) {
        CHECK(strcmp(l->data.train, "t.h5") == 0);
        herd_error err = {0};
        CHECK(herd_config_override(c, "data.train=t.h5", &err) == HERD_OK);
        CHECK(same_struct(c, l));
        CHECK(strcmp(c->canonical, l->canonical) == 0);
    }
    herd_config_free(l);
    herd_config_free(c);
}

static void test_values(void)
{
    herd_config *c = load("experiment: \"my exp\"\n"
                          "run_name: r1\n"
                          "seed: 1234567890123\n"
                          "data:\n  train: data/train.h5\n  val: ~\n  test: 'te st.h5'\n"
                          "  val_fraction: 0.25\n  standardize: off\n  impute: median\n"
                          "model:\n  type: softmax\n  hidden:\n    - 300\n    - 100\n"
                          "  activation: tanh\n  init_scale: 2.5\n"
                          "optim:\n  name: adamw\n  lr: 3e-4\n  momentum: 0\n  nesterov: yes\n"
                          "  weight_decay: 0.01\n  beta1: 0.8\n  beta2: 0.99\n  eps: 1e-6\n"
                          "  schedule: cosine\n  warmup_steps: 100\n  step_every: 7\n"
                          "  step_gamma: 0.5\n  min_lr: 1e-5\n  clip_norm: 1\n"
                          "train:\n  epochs: 3\n  batch_size: 64\n  eval_every: 0\n"
                          "  log_every: 5\n  checkpoint_every: 2\n  checkpoint_dir: ck\n"
                          "track:\n  db: /tmp/x.db\n  enabled: 0\n",
                          NULL, 0);
    if (c == NULL)
        return;
    CHECK(strcmp(c->experiment, "my exp") == 0 && strcmp(c->run_name, "r1") == 0);
    CHECK(c->seed == 1234567890123LL);
    CHECK(strcmp(c->data.train, "data/train.h5") == 0 && c->data.val[0] == '\0');
    CHECK(strcmp(c->data.test, "te st.h5") == 0 && c->data.val_fraction == 0.25);
    CHECK(c->data.standardize == 0 && c->data.impute == HERD_IMPUTE_MEDIAN);
    CHECK(c->model.type == HERD_MODEL_SOFTMAX && c->model.n_hidden == 2);
    CHECK(c->model.hidden[0] == 300 && c->model.hidden[1] == 100);
    CHECK(c->model.activation == HERD_ACT_TANH && c->model.init_scale == 2.5);
    CHECK(c->optim.name == HERD_OPT_ADAMW && c->optim.lr == 3e-4 && c->optim.momentum == 0);
    CHECK(c->optim.nesterov == 1 && c->optim.weight_decay == 0.01);
    CHECK(c->optim.beta1 == 0.8 && c->optim.beta2 == 0.99 && c->optim.eps == 1e-6);
    CHECK(c->optim.schedule == HERD_SCHED_COSINE && c->optim.warmup_steps == 100);
    CHECK(c->optim.step_every == 7 && c->optim.step_gamma == 0.5);
    CHECK(c->optim.min_lr == 1e-5 && c->optim.clip_norm == 1);
    CHECK(c->train.epochs == 3 && c->train.batch_size == 64 && c->train.eval_every == 0);
    CHECK(c->train.log_every == 5 && c->train.checkpoint_every == 2);
    CHECK(strcmp(c->train.checkpoint_dir, "ck") == 0);
    CHECK(strcmp(c->track.db, "/tmp/x.db") == 0 && c->track.enabled == 0);
    herd_config_free(c);

    /* Every spelling of a boolean. */
    const char *yes[] = {"true", "yes", "on", "1", "True", "YES"};
    const char *no[] = {"false", "no", "off", "0", "False", "OFF"};
    for (int i = 0; i < 6; i++) {
        char text[128];
        snprintf(text, sizeof text, "data: {train: t, standardize: %s}\noptim: {nesterov: %s}\n",
                 no[i], yes[i]);
        herd_config *b = load(text, NULL, 0);
        CHECK(b != NULL && b->data.standardize == 0 && b->optim.nesterov == 1);
        herd_config_free(b);
    }
}

static void test_overrides(void)
{
    const char *ov[] = {"optim.lr=0.5", "model.hidden=[64,32, 16]", "data.train=other.h5",
                        "run_name=", "optim.name=sgd", "train.epochs=7", "optim.lr=0.25"};
    herd_config *c = load("data:\n  train: t.h5\noptim:\n  lr: 0.1\n  name: adam\n"
                          "run_name: file\ntrain:\n  epochs: 2\n",
                          ov, 7);
    if (c == NULL)
        return;
    CHECK(c->optim.lr == 0.25); /* the last override wins */
    CHECK(c->model.n_hidden == 3 && c->model.hidden[0] == 64 && c->model.hidden[1] == 32);
    CHECK(c->model.hidden[2] == 16);
    CHECK(strcmp(c->data.train, "other.h5") == 0 && c->run_name[0] == '\0');
    CHECK(c->optim.name == HERD_OPT_SGD && c->train.epochs == 7);
    herd_config_free(c);

    /* Required key given only as an override; empty hidden list. */
    const char *ov2[] = {"data.train=x.h5", "model.hidden=[]"};
    herd_config *d = load("seed: 3\n", ov2, 2);
    CHECK(d != NULL && strcmp(d->data.train, "x.h5") == 0 && d->model.n_hidden == 0);
    CHECK(d != NULL && strstr(d->canonical, "model.hidden: []\n") != NULL);
    herd_config_free(d);

    /* herd_config_override on a loaded config rebuilds canonical + sha;
     * a bad one leaves the config as it was. */
    herd_config *e = load("data: {train: t.h5}\n", NULL, 0);
    if (e == NULL)
        return;
    char sha[65];
    strcpy(sha, e->sha256);
    herd_error err = {0};
    CHECK(herd_config_override(e, "optim.lr=fast", &err) == HERD_ERR_USAGE);
    CHECK(strcmp(sha, e->sha256) == 0 && e->optim.lr == 0.001);
    herd_error_clear(&err);
    CHECK(herd_config_override(e, "optim.lr=0.02", &err) == HERD_OK);
    CHECK(e->optim.lr == 0.02 && strcmp(sha, e->sha256) != 0);
    CHECK(strstr(e->canonical, "optim.lr: 0.02\n") != NULL);
    herd_config_free(e);
}

static void roundtrip(const herd_config *c)
{
    herd_config *r = NULL;
    herd_error err = {0};
    int rc = herd_config_from_canonical(c->canonical, &r, &err);
    if (rc != HERD_OK)
        fprintf(stderr, "from_canonical: %s\n", err.msg);
    CHECK(rc == HERD_OK);
    if (r == NULL)
        return;
    CHECK(strcmp(r->canonical, c->canonical) == 0);
    CHECK(strcmp(r->sha256, c->sha256) == 0);
    CHECK(same_struct(r, c));
    herd_config_free(r);
}

static void test_canonical(void)
{
    const char *ov[] = {"run_name=quote\" back\\slash\ttab #hash: colon",
                        "data.test= leading space", "experiment=caf\xc3\xa9 [x], {y} & *z",
                        "optim.lr=0.30000000000000004", "optim.min_lr=3.0000000000000004e-05",
                        "optim.weight_decay=1e300", "seed=9223372036854775807",
                        "model.hidden=[1000000, 1, 7]"};
    herd_config *c = load("data:\n  train: \"null\"\n", ov, 8);
    if (c == NULL)
        return;
    CHECK(strcmp(c->data.train, "null") == 0);
    CHECK(c->optim.lr == 0.30000000000000004 && c->optim.min_lr == 3.0000000000000004e-05);
    roundtrip(c);

    /* Sorted keys, one per line, "key: value". */
    char *copy = herd_strdup(c->canonical);
    char prev[64] = "";
    int lines = 0;
    for (char *line = strtok(copy, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char key[64];
        CHECK(sscanf(line, "%63[^:]: ", key) == 1);
        CHECK(strcmp(prev, key) < 0);
        strcpy(prev, key);
        lines++;
    }
    CHECK(lines == herd_config_schema_size);  /* one line per key */
    free(copy);
    herd_config_free(c);

    /* Flat dotted keys are for canonical text only; from_canonical
     * validates like load. */
    herd_config *r = NULL;
    herd_error err = {0};
    CHECK(herd_config_from_canonical("data.train: \"x\"\noptim.lr: 0.5\n", &r, &err) == HERD_OK);
    CHECK(r != NULL && r->optim.lr == 0.5 && strcmp(r->data.train, "x") == 0);
    herd_config_free(r);
    r = NULL;
    CHECK(herd_config_from_canonical("data.train: \"x\"\noptim.lrr: 0.5\n", &r, &err) ==
          HERD_ERR_USAGE);
    CHECK(r == NULL && strstr(err.msg, "canonical config:2: unknown key 'optim.lrr'") != NULL);
    herd_error_clear(&err);
    CHECK(herd_config_from_canonical("optim.lr: 0.5\n", &r, &err) == HERD_ERR_USAGE);
    CHECK(strstr(err.msg, "data.train is required") != NULL);
}

static void test_determinism(void)
{
    herd_config *a = load("seed: 5\ndata:\n  train: t.h5\n  impute: mean\n"
                          "optim:\n  lr: 0.1\n  name: sgd\nmodel:\n  hidden: [32, 16]\n",
                          NULL, 0);
    herd_config *b = load("optim: {name: sgd, lr: 1e-1}\nmodel:\n  hidden:\n  - 32\n  - 16\n"
                          "data: {impute: mean, train: \"t.h5\"}\nseed: 5\n",
                          NULL, 0);
    const char *ov[] = {"seed=6"};
    herd_config *c = load("seed: 5\ndata:\n  train: t.h5\n  impute: mean\n"
                          "optim:\n  lr: 0.1\n  name: sgd\nmodel:\n  hidden: [32, 16]\n",
                          ov, 1);
    if (a && b && c) {
        CHECK(strcmp(a->canonical, b->canonical) == 0);
        CHECK(strcmp(a->sha256, b->sha256) == 0);
        CHECK(same_struct(a, b));
        CHECK(strcmp(a->sha256, c->sha256) != 0);
        roundtrip(a);
    }
    herd_config_free(a);
    herd_config_free(b);
    herd_config_free(c);
}

static void test_errors(void)
{
    const char *base = "data:\n  train: t.h5\n";
    char text[512];

    expect_error("data:\n  train: t.h5\n  val: [x\n", NULL, 0, "cfg.yaml:4: YAML syntax error",
                 NULL);
    expect_error("data:\n  train: t.h5\noptim:\n  lrr: 0.1\n", NULL, 0,
                 "cfg.yaml:4: unknown key 'optim.lrr'", "(did you mean 'optim.lr'?)");
    expect_error("data:\n  train: t.h5\noptm:\n  lr: 0.1\n", NULL, 0,
                 "cfg.yaml:3: unknown key 'optm'", "did you mean 'optim'");
    expect_error("data:\n  train: t.h5\nlr: 0.1\n", NULL, 0, "cfg.yaml:3: unknown key 'lr'",
                 "did you mean 'optim.lr'");
    expect_error("data:\n  train: t.h5\nwhatever_this_is: 1\n", NULL, 0,
                 "cfg.yaml:3: unknown key 'whatever_this_is'", NULL);
    expect_error("data:\n  train: t.h5\n\noptim:\n  lr: fast\n", NULL, 0,
                 "cfg.yaml:5: optim.lr: expected a number, got 'fast'", NULL);
    expect_error("data:\n  train: t.h5\ntrain:\n  epochs: 1.5\n", NULL, 0,
                 "cfg.yaml:4: train.epochs: expected an integer, got '1.5'", NULL);
    expect_error("data:\n  train: t.h5\ntrain:\n  epochs: 0\n", NULL, 0,
                 "cfg.yaml:4: train.epochs: 0 is out of range [1, 1000000]", NULL);
    expect_error("data:\n  train: t.h5\noptim:\n  lr: 0\n", NULL, 0,
                 "cfg.yaml:4: optim.lr: 0 is out of range (0, 10]", NULL);
    expect_error("data:\n  train: t.h5\n  standardize: maybe\n", NULL, 0,
                 "cfg.yaml:3: data.standardize: expected true or false", NULL);
    expect_error("data:\n  train: t.h5\noptim:\n  name: rmsprop\n", NULL, 0,
                 "cfg.yaml:4: optim.name: 'rmsprop' is not one of sgd, adam, adamw", NULL);
    expect_error("seed: 1\ndata:\n  val: v.h5\n", NULL, 0, "cfg.yaml: data.train is required",
                 NULL);
    expect_error("data:\n  train: \"\"\n", NULL, 0, "cfg.yaml: data.train is required", NULL);
    expect_error("data:\n  train: t.h5\n  train: u.h5\n", NULL, 0,
                 "cfg.yaml:3: duplicate key 'data.train'", NULL);
    expect_error("data:\n  train: t.h5\nseed: 1\ndata:\n  val: v.h5\n", NULL, 0,
                 "cfg.yaml:4: duplicate key 'data'", NULL);
    expect_error("data:\n  train: t.h5\noptim: 0.1\n", NULL, 0, "cfg.yaml:3: optim: expected a section",
                 NULL);
    expect_error("data:\n  train: t.h5\noptim:\n  lr:\n    value: 0.1\n", NULL, 0,
                 "cfg.yaml:4: optim.lr: expected a number, got a mapping", NULL);
    expect_error("data:\n  train: t.h5\nseed: [1, 2]\n", NULL, 0,
                 "cfg.yaml:3: seed: expected an integer, got a list", NULL);
    expect_error("data:\n  train: t.h5\noptim.lr: 0.1\n", NULL, 0, "cfg.yaml:3:", "optim.lr");
    expect_error("- a\n- b\n", NULL, 0, "cfg.yaml:1: expected a mapping", NULL);

    /* The same messages for overrides, with the override in place of file:line. */
    const char *o1[] = {"optim.lr=fast"};
    expect_error(base, o1, 1, "override 'optim.lr=fast': optim.lr: expected a number, got 'fast'",
                 NULL);
    const char *o2[] = {"optim.lrr=0.1"};
    expect_error(base, o2, 1, "override 'optim.lrr=0.1': unknown key 'optim.lrr'",
                 "did you mean 'optim.lr'");
    const char *o3[] = {"optim.lr"};
    expect_error(base, o3, 1, "override 'optim.lr': expected key=value", NULL);
    const char *o4[] = {"train.epochs=0"};
    expect_error(base, o4, 1, "override 'train.epochs=0': train.epochs: 0 is out of range", NULL);
    const char *o5[] = {"model.type=cnn"};
    expect_error(base, o5, 1, "model.type: 'cnn' is not one of linear, logistic, softmax, mlp",
                 NULL);
    const char *o6[] = {"train.batch_size=2.0"};
    expect_error(base, o6, 1, "train.batch_size: expected an integer", NULL);
    const char *o7[] = {"optim.lr=inf"};
    expect_error(base, o7, 1, "optim.lr: expected a number, got 'inf'", NULL);
    const char *o8[] = {"=3"};
    expect_error(base, o8, 1, "expected key=value", NULL);

    /* Strings longer than their field. */
    snprintf(text, sizeof text, "data:\n  train: t.h5\nexperiment: %0200d\n", 7);
    expect_error(text, NULL, 0, "cfg.yaml:3: experiment: longer than 127 characters", NULL);

    /* Missing file. */
    herd_config *c = NULL;
    herd_error err = {0};
    CHECK(herd_config_load("no/such/cfg.yaml", NULL, 0, &c, &err) == HERD_ERR_USAGE);
    CHECK(c == NULL && strcmp(err.msg, "no/such/cfg.yaml: no such file") == 0);
}

static void test_hidden(void)
{
    herd_config *c = load("data: {train: t}\nmodel: {hidden: [256, 128]}\n", NULL, 0);
    CHECK(c != NULL && c->model.n_hidden == 2 && c->model.hidden[0] == 256);
    CHECK(c != NULL && c->model.hidden[1] == 128);
    CHECK(c != NULL && strstr(c->canonical, "model.hidden: [256, 128]\n") != NULL);
    herd_config_free(c);

    /* the default [128] is an mlp's; other model types left without hidden have none */
    c = load("data: {train: t}\nmodel: {type: logistic}\n", NULL, 0);
    CHECK(c != NULL && c->model.n_hidden == 0);
    CHECK(c != NULL && strstr(c->canonical, "model.hidden: []\n") != NULL);
    herd_config_free(c);
    const char *to_softmax[] = {"model.type=softmax"};
    c = load("data: {train: t}\n", to_softmax, 1);
    CHECK(c != NULL && c->model.n_hidden == 0);
    herd_config_free(c);
    c = load("data: {train: t}\nmodel: {type: mlp}\n", NULL, 0);
    CHECK(c != NULL && c->model.n_hidden == 1 && c->model.hidden[0] == 128);
    herd_config_free(c);
    const char *given[] = {"model.hidden=[4]"};   /* given: kept, the model refuses it */
    c = load("data: {train: t}\nmodel: {type: linear}\n", given, 1);
    CHECK(c != NULL && c->model.n_hidden == 1 && c->model.hidden[0] == 4);
    herd_config_free(c);
    c = load("data: {train: t}\nmodel: {type: linear, hidden: [16]}\n", NULL, 0);
    CHECK(c != NULL && c->model.n_hidden == 1 && c->model.hidden[0] == 16);
    herd_config_free(c);

    const char *ov[] = {"model.hidden=[8]"};
    c = load("data: {train: t}\nmodel: {hidden: [256, 128]}\n", ov, 1);
    CHECK(c != NULL && c->model.n_hidden == 1 && c->model.hidden[0] == 8);
    CHECK(c != NULL && c->model.hidden[1] == 0); /* nothing stale past the count */
    herd_config_free(c);

    const char *base = "data:\n  train: t.h5\nmodel:\n";
    char text[512];
    snprintf(text, sizeof text, "%s  hidden: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]\n", base);
    expect_error(text, NULL, 0, "cfg.yaml:4: model.hidden: too many items (17, at most 16)",
                 NULL);
    const char *o1[] = {"model.hidden=[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]"};
    expect_error("data: {train: t}\n", o1, 1, "model.hidden: too many items", NULL);
    snprintf(text, sizeof text, "%s  hidden: 64\n", base);
    expect_error(text, NULL, 0, "cfg.yaml:4: model.hidden: expected a list of integers", NULL);
    snprintf(text, sizeof text, "%s  hidden:\n    - 64\n    - wide\n", base);
    expect_error(text, NULL, 0, "cfg.yaml:4: model.hidden: expected a list of integers",
                 "'wide'");
    snprintf(text, sizeof text, "%s  hidden: [64, 0]\n", base);
    expect_error(text, NULL, 0, "model.hidden: 0 is out of range [1, 1000000]", NULL);
    const char *o2[] = {"model.hidden=64"};
    expect_error("data: {train: t}\n", o2, 1, "override 'model.hidden=64': model.hidden", NULL);
    const char *o3[] = {"model.hidden=[64,,2]"};
    expect_error("data: {train: t}\n", o3, 1, "model.hidden: expected a list of integers", NULL);
}

typedef struct each_state {
    int n;
    char prev[64];
    int sorted;
    char lr[32], db[64];
} each_state;

static void each_fn(const char *key, const char *value, void *ctx)
{
    each_state *s = ctx;
    s->sorted &= strcmp(s->prev, key) < 0;
    snprintf(s->prev, sizeof s->prev, "%s", key);
    if (strcmp(key, "optim.lr") == 0)
        snprintf(s->lr, sizeof s->lr, "%s", value);
    if (strcmp(key, "track.db") == 0)
        snprintf(s->db, sizeof s->db, "%s", value);
    s->n++;
}

static void test_each(void)
{
    herd_config *c = herd_config_defaults();
    each_state s = {.sorted = 1};
    herd_config_each(c, each_fn, &s);
    CHECK(s.n == herd_config_schema_size && s.sorted);
    CHECK(strcmp(s.lr, "0.001") == 0);
    CHECK(strcmp(s.db, "runs/herd.db") == 0); /* unquoted */
    herd_config_free(c);
}

/* Numbers are written as a person reads them, and read back exactly:
 * whole numbers without exponent, others in the fewest digits from 15. */
static void test_number_text(void)
{
    const char *ov[] = {"optim.lr=0.1", "optim.min_lr=0.30000000000000004",
                        "track.system_every_s=2.5"};
    herd_config *c = load("data:\n  train: x.h5\n", ov, 3);
    if (c == NULL)
        return;
    const char *expect[] = {"comm.timeout_s: 300\n", "optim.lr: 0.1\n", "optim.eps: 1e-08\n",
                            "optim.min_lr: 0.30000000000000004\n", "track.system_every_s: 2.5\n",
                            "optim.step_gamma: 0.1\n", "comm.bucket_mb: 4\n"};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        if (strstr(c->canonical, expect[i]) == NULL)
            fprintf(stderr, "canonical text lacks '%.*s'\n", (int)strlen(expect[i]) - 1, expect[i]);
        CHECK(strstr(c->canonical, expect[i]) != NULL);
    }
    CHECK(strstr(c->canonical, "e+") == NULL);  /* no whole number with an exponent */
    roundtrip(c);
    herd_config_free(c);
}

int main(void)
{
    dir = herd_test_tmpdir("config");
    test_defaults();
    test_values();
    test_overrides();
    test_canonical();
    test_determinism();
    test_errors();
    test_hidden();
    test_each();
    test_number_text();
    free(dir);
    return herd_test_finish("test_config");
}
