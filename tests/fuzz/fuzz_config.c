/* fuzz_config.c - libFuzzer harness for the config loader (runtime/config).
 *
 * Input: the YAML file's text, optionally followed by a NUL byte and
 * NUL-separated "key=value" overrides. The loader must never crash, leak or
 * hit undefined behaviour, and:
 *   - on failure it returns a documented code with a one-line message;
 *   - on success its canonical text parses back (herd_config_from_canonical,
 *     what every other rank of a job does) to the identical canonical text.
 * A violated property calls abort(), which libFuzzer reports as a crash.
 */
#include "config/config.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <string.h>

#define MAX_OVERRIDES 8

static void check_error(const herd_error *err, int rc)
{
    if (rc != err->code || (rc != HERD_ERR_USAGE && rc != HERD_ERR_IO) || err->msg[0] == '\0'
        || strchr(err->msg, '\n') != NULL) {
        fprintf(stderr, "bad error: rc %d code %d msg '%s'\n", rc, err->code, err->msg);
        abort();
    }
}

static void check_round_trip(const herd_config *cfg)
{
    herd_config *back = NULL;
    herd_error err = { 0 };
    if (herd_config_from_canonical(cfg->canonical, &back, &err) != HERD_OK
        || strcmp(back->canonical, cfg->canonical) != 0) {
        fprintf(stderr, "canonical text does not read back (%s):\n%s\n", err.msg, cfg->canonical);
        abort();
    }
    herd_config_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[256];
    if (path[0] == '\0')
        fuzz_scratch_path(path, sizeof path, "config.yaml");
    char *text = malloc(size + 1);  /* overrides point into this copy */
    memcpy(text, data, size);
    text[size] = '\0';
    size_t yaml_len = strlen(text);
    const char *overrides[MAX_OVERRIDES];
    int n = 0;
    for (size_t at = yaml_len + 1; at < size && n < MAX_OVERRIDES; at += strlen(text + at) + 1)
        overrides[n++] = text + at;
    fuzz_write_file(path, text, yaml_len);
    herd_config *cfg = NULL;
    herd_error err = { 0 };
    int rc = herd_config_load(path, overrides, n, &cfg, &err);
    if (rc == HERD_OK)
        check_round_trip(cfg);
    else
        check_error(&err, rc);
    herd_config_free(cfg);
    free(text);
    return 0;
}
