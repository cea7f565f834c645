/* test_eval_checks.c - which way is better for a metric
 * (herd_eval_lower_is_better), the one rule behind train.keep_best, herd runs
 * best and the evaluation's checks: by the last part of the metric's path,
 * whether that path uses "/" (logged metrics) or "." (evaluation JSON); and
 * the Wilson interval's bounds at all or none of n. */
#include "tests/testing.h"

#include "eval/checks.h"

int main(void)
{
    static const char *const lower[] = {
        "train/loss", "val/log_loss", "val/mse", "val/rmse", "val/mae", "val/brier",
        "eval/calibration/ece", "eval/calibration/mce", "train/step_ms", "comm/allreduce_ms",
        "eval/training_seconds", "slices.worst.mae", "calibration.ece", "log_loss", "val/error",
        "val/error_rate", "efficiency.latency_ms_per_row", NULL };
    static const char *const higher[] = {
        "val/accuracy", "val/roc_auc", "val/r2", "train/samples_per_s", "eval/coverage",
        "slices.worst.accuracy", "accuracy", "val/f1", "val/losses_avoided_share", NULL };
    for (int i = 0; lower[i] != NULL; i++) {
        int got = herd_eval_lower_is_better(lower[i]);
        if (!got)
            fprintf(stderr, "lower is better for %s\n", lower[i]);
        CHECK(got);
    }
    for (int i = 0; higher[i] != NULL; i++) {
        int got = herd_eval_lower_is_better(higher[i]);
        if (got)
            fprintf(stderr, "higher is better for %s\n", higher[i]);
        CHECK(!got);
    }
    /* Wilson bounds of all or none of n are exact: a perfect slice is never
     * "significantly worse" than a perfect whole */
    int inexact = 0;
    for (int n = 1; n <= 3000; n++) {
        double lo, hi;
        herd_eval_wilson(n, n, 0.95, &lo, &hi);
        inexact += hi != 1.0 || !(lo > 0 && lo < 1);
        herd_eval_wilson(0, n, 0.95, &lo, &hi);
        inexact += lo != 0.0 || !(hi > 0 && hi < 1);
    }
    CHECK(inexact == 0);
    double lo, hi;
    herd_eval_wilson(50, 100, 0.95, &lo, &hi);   /* the textbook case: 0.4038 .. 0.5962 */
    CHECK_NEAR(lo, 0.403832, 1e-5);
    CHECK_NEAR(hi, 0.596168, 1e-5);
    return herd_test_finish("test_eval_checks");
}
