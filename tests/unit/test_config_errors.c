/* test_config_errors.c - error messages stay one line whatever the input held.
 *
 * Found by fuzzing (tests/fuzz/fuzz_config.c): an override whose value holds a
 * newline produced a two-line "herd: error:" message. herd_error_set now turns
 * control characters into '?'. Also found by it: a string override holding
 * bytes that are not UTF-8 was accepted and then written into the canonical
 * config, which YAML could not read back; such a value is now refused, and
 * characters YAML allows only escaped (C1 controls, U+FFFE) are escaped.
 */
#include "config/config.h"
#include "core/status.h"
#include "testing.h"

#include <string.h>

static void test_error_set_one_line(void)
{
    herd_error err = { 0 };
    int rc = herd_error_set(&err, HERD_ERR_USAGE, "override '%s': bad", "a=1\nb\t\r\x7f");
    CHECK(rc == HERD_ERR_USAGE && err.code == HERD_ERR_USAGE);
    CHECK(strcmp(err.msg, "override 'a=1?b?\?\?': bad") == 0);
}

static void test_override_with_newline(void)
{
    herd_config *cfg = herd_config_defaults();
    herd_error err = { 0 };
    int rc = herd_config_override(cfg, "optim.lr=0.1\nseed: 3", &err);
    CHECK(rc == HERD_ERR_USAGE);
    CHECK(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
    herd_config_free(cfg);
}

static void test_override_not_utf8(void)
{
    herd_config *cfg = herd_config_defaults();
    herd_error err = { 0 };
    const char *bad[] = { "run_name=a\xef" "b", "run_name=\xc0\xaf", "run_name=\xed\xa0\x80",
                          "run_name=\xf4\x90\x80\x80", "run_name=x\x80" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(herd_config_override(cfg, bad[i], &err) == HERD_ERR_USAGE);
        CHECK(strstr(err.msg, "not valid UTF-8") != NULL);
    }
    herd_config_free(cfg);
}

/* Text with characters YAML must escape reads back from the canonical config. */
static void test_canonical_round_trip(void)
{
    herd_config *cfg = herd_config_defaults(), *back = NULL;
    herd_error err = { 0 };
    CHECK(herd_config_override(cfg, "run_name=c1 \xc2\x85\xc2\x9f nc \xef\xbf\xbe ok \xc3\xa9 "
                                    "\xf0\x9f\x90\x91 \x01\x7f \"q\"\\", &err) == HERD_OK);
    CHECK(herd_config_override(cfg, "data.train=a.h5", &err) == HERD_OK);
    CHECK(herd_config_from_canonical(cfg->canonical, &back, &err) == HERD_OK);
    CHECK(back != NULL && strcmp(back->run_name, cfg->run_name) == 0);
    CHECK(back != NULL && strcmp(back->canonical, cfg->canonical) == 0);
    herd_config_free(back);
    herd_config_free(cfg);
}

int main(void)
{
    test_error_set_one_line();
    test_override_with_newline();
    test_override_not_utf8();
    test_canonical_round_trip();
    return herd_test_finish("config_errors");
}
