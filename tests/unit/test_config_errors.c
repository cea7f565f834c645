/* test_config_errors.c - error messages stay one line whatever the input held.
 *
 * Found by fuzzing (tests/fuzz/fuzz_config.c): an override whose value holds a
 * newline produced a two-line "herd: error:" message. herd_error_set now turns
 * control characters into '?'.
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

int main(void)
{
    test_error_set_one_line();
    test_override_with_newline();
    return herd_test_finish("config_errors");
}
