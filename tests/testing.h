/* testing.h - the few checks herd's C tests use.
 *
 * CHECK(cond) records a failure with file:line and goes on; CHECK_NEAR
 * compares with a relative tolerance. A test's main returns
 * herd_test_finish(), which prints "N passed, N failed" and gives the exit
 * code. MPI tests call herd_test_finish_all(comm)-style reductions
 * themselves through the comm module.
 */
#ifndef HERD_TESTING_H
#define HERD_TESTING_H

#include <stdio.h>

extern int herd_test_passed;
extern int herd_test_failed;

#define CHECK(cond)                                                               \
    do {                                                                          \
        if (cond) {                                                               \
            herd_test_passed++;                                                   \
        } else {                                                                  \
            herd_test_failed++;                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                         \
    } while (0)

#define CHECK_NEAR(a, b, rel)                                                     \
    do {                                                                          \
        double a_ = (double)(a), b_ = (double)(b);                                \
        double tol_ = (rel) * (1.0 + (a_ < 0 ? -a_ : a_) + (b_ < 0 ? -b_ : b_)); \
        if ((a_ - b_) <= tol_ && (b_ - a_) <= tol_) {                             \
            herd_test_passed++;                                                   \
        } else {                                                                  \
            herd_test_failed++;                                                   \
            fprintf(stderr, "%s:%d: %s = %.9g, %s = %.9g (rel tol %g)\n", __FILE__, \
                    __LINE__, #a, a_, #b, b_, (double)(rel));                     \
        }                                                                         \
    } while (0)

/* Prints "<name>: N passed, N failed"; returns 0 when nothing failed. */
int herd_test_finish(const char *name);

/* A fresh scratch directory under the current directory; caller frees. */
char *herd_test_tmpdir(const char *name);

#endif
