/*
 * check.h - assertions of the runtime test programs: a failed check prints
 * "FAIL <case>: <condition>: <details>" (the line ctest looks for, since
 * `lunatic run` exits 0 either way) and returns 1 from the case.
 */
#ifndef LUC_TEST_CHECK_H
#define LUC_TEST_CHECK_H
#include <lucidity.h>
#include <stdio.h>

/* The running case's name, set by each program's main. */
static const char *test_name;

#define EXPECT(cond, ...)                                                                         \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            printf("FAIL %s: %s: ", test_name, #cond);                                            \
            printf(__VA_ARGS__);                                                                  \
            printf("\n");                                                                         \
            return 1;                                                                             \
        }                                                                                         \
    } while (0)
#define EXPECT_STATUS(got, want)                                                                  \
    do {                                                                                          \
        int got_ = (got);                                                                         \
        EXPECT(got_ == (want), "status %s (%s), wanted %s", lucidity_err_name(got_),              \
               lucidity_strerror(got_), lucidity_err_name(want));                                 \
    } while (0)
#endif
