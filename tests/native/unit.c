/* unit.c - shared jobs and helpers of the runtime unit tests (see unit.h). */
#include "unit.h"

#include <pb_common.h>
#include <pb_decode.h>
#include <string.h>

PB_BIND(u32_msg, u32_msg, AUTO)
PB_BIND(str_msg, str_msg, AUTO)
PB_BIND(pair_msg, pair_msg, AUTO)
PB_BIND(f32_msg, f32_msg, AUTO)

static uint32_t square(uint32_t x) { return x * x; }
static char *echo(const char *s) { return strdup(s); }

GLUE_JOB(square, u32_msg, u32_msg, uint32_t, square(a->value))
GLUE_JOB(echo, str_msg, str_msg, char *, echo(a->value))

const lucidity_job str_to_square_job = {
    LUCIDITY_ABI_VERSION, "str_to_square", "lucidity_job_square", &str_msg_msg, sizeof(str_msg),
    &u32_msg_msg, sizeof(u32_msg), sizeof(uint32_t), NULL, square__unpack, {0}};

static void unit_fatal(const char *why) { fail_msg("fake host: %s", why); }

int unit_setup(void **state)
{
    (void)state;
    fake_reset();
    fake_set_fatal(unit_fatal);
    return 0;
}

void unit_serve(const fake_proc *job, fake_plan *plan, void *user)
{
    (void)job;
    plan->action = FAKE_SERVE;
    plan->job = user;
}

/* Arguments are [u32 kind = ARGS][i32 status][protobuf]: skip the header,
   decode the rest. */
uint32_t unit_arg_u32(const fake_proc *job)
{
    u32_msg m = {0};
    assert_true(job->has_args && job->args.len >= 8);
    assert_int_equal(job->args.data[0], LUC_K_ARGS);
    pb_istream_t is = pb_istream_from_buffer(job->args.data + 8, job->args.len - 8);
    assert_true(pb_decode(&is, &u32_msg_msg, &m));
    return m.value;
}
