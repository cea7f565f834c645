/* fuzz_csv.c - libFuzzer harness for the CSV importer (runtime/data/import_csv.c).
 *
 * Input: the CSV file's bytes, imported with target column "y" and the task
 * inferred. The importer must never crash, leak or hit undefined behaviour,
 * and:
 *   - on failure it returns a documented code with a one-line message and
 *     leaves no output file behind;
 *   - on success the file it wrote opens as a herd dataset whose labels pass
 *     the checks `herd train` makes (what import accepts, training accepts).
 * A violated property calls abort(), which libFuzzer reports as a crash.
 */
#include "data/dataset.h"
#include "data/import.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <string.h>

static void check_error(const herd_error *err, int rc, const char *out)
{
    if (rc != err->code || rc < HERD_ERR_USAGE || rc > HERD_ERR_IO || err->msg[0] == '\0'
        || strchr(err->msg, '\n') != NULL || access(out, F_OK) == 0) {
        fprintf(stderr, "bad error: rc %d code %d msg '%s'\n", rc, err->code, err->msg);
        abort();
    }
}

static void check_output(const char *out)
{
    herd_dataset *ds = NULL;
    herd_error err = { 0 };
    if (herd_dataset_open(out, &ds, &err) != HERD_OK || herd_dataset_check_labels(ds, &err) != HERD_OK) {
        fprintf(stderr, "imported file is not a valid dataset: %s\n", err.msg);
        abort();
    }
    herd_dataset_close(ds);
    unlink(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char csv[256], out[256];
    if (csv[0] == '\0') {
        fuzz_scratch_path(csv, sizeof csv, "in.csv");
        fuzz_scratch_path(out, sizeof out, "out.h5");
    }
    fuzz_write_file(csv, data, size);
    herd_error err = { 0 };
    int rc = herd_import_csv(csv, "y", -1, out, &err);
    if (rc == HERD_OK)
        check_output(out);
    else
        check_error(&err, rc, out);
    return 0;
}
