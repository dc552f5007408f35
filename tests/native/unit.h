/*
 * unit.h - what every runtime unit test uses: cmocka, the fake host, the
 * hand-written job descriptors of tests/runtime/glue.h, and small helpers.
 */
#ifndef LUC_UNIT_H
#define LUC_UNIT_H

/* cmocka.h needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fake_host.h"
#include "glue.h"
#include "host.h"
#include "internal.h"

extern const lucidity_job square_job; /* u32 -> u32: x * x */
extern const lucidity_job echo_job;   /* string -> string (malloc'd) */
/* Sends a string where the job (square) decodes a u32: a job-side EDECODE. */
extern const lucidity_job str_to_square_job;

/* Per-test setup: a fresh fake host whose fatal errors fail the test. */
int unit_setup(void **state);

/* Script: every job runs the real lucidity_serve of the job in `user`, at once. */
void unit_serve(const fake_proc *job, fake_plan *plan, void *user);

/* The u32 argument a job received (u32_msg). */
uint32_t unit_arg_u32(const fake_proc *job);

/* Compares statuses by name, so a failure says which one came back. */
#define assert_status(got, want)                                                               \
    do {                                                                                       \
        int got_ = (got), want_ = (want);                                                      \
        if (got_ != want_)                                                                     \
            fail_msg("%s: got %s, wanted %s", #got, lucidity_err_name(got_),                   \
                     lucidity_err_name(want_));                                                \
    } while (0)

#endif
