/*
 * check.h - assertions of the runtime test programs: a failed check prints
 * "FAIL <case>: <condition>: <details>" (the line ctest looks for, since
 * `lunatic run` exits 0 either way) and returns 1 from the case.
 */
#ifndef LUC_TEST_CHECK_H
#define LUC_TEST_CHECK_H
#include <lucidity.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "host.h"

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

/* A program's cases, by name. */
typedef struct check_case {
    const char *name;
    int (*fn)(void);
} check_case;

/* Runs the case named want, or every case when want is NULL, printing "ok NAME"
 * for each that passes; non-zero when one failed or none has that name. */
/* Whether a local pid still exists after up to 5 s: a kill is a signal the
   process handles on its own thread, so it is gone a moment after lh_kill. */
static inline int check_lingers(uint64_t pid)
{
    for (int i = 0; i < 100 && lh_exists(pid); i++)
        lh_sleep_ms(50);
    return (int)lh_exists(pid);
}

static inline int check_run(const check_case *cases, size_t n, const char *want)
{
    int ran = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (want && strcmp(want, cases[i].name) != 0)
            continue;
        test_name = cases[i].name;
        ran++;
        if (cases[i].fn() == 0)
            printf("ok %s\n", cases[i].name);
        else
            failed++;
        fflush(stdout);
    }
    if (!ran)
        printf("FAIL no case named %s\n", want ? want : "?");
    fflush(stdout);
    return failed || !ran;
}
#endif
