/* opts_test.c - option resolution: call override > job default > built-in. */
#include "unit.h"

static lucidity_job job_with(lucidity_opts defaults)
{
    lucidity_job j = square_job;
    j.defaults = defaults;
    return j;
}

static void builtin_defaults_when_nothing_is_set(void **state)
{
    (void)state;
    lucidity_opts o;
    luc_opts_resolve(&o, &square_job, NULL);
    assert_int_equal(o.memory, 100u * 1024 * 1024);
    assert_true(o.fuel == LUCIDITY_NONE);
    assert_true(o.timeout_ms == LUCIDITY_NONE);
    assert_int_equal(o.retries, 0);
    assert_int_equal(o.concurrency, 64);
    assert_int_equal(o.liveness_ms, 100);
    assert_int_equal(o.fanout, LUCIDITY_FANOUT_ROUNDROBIN);
    assert_int_equal(o.remote_fallback, LUCIDITY_FALLBACK_LOCAL);
    /* a zeroed call opts struct means "not set" too */
    lucidity_opts zero = {0}, o2;
    luc_opts_resolve(&o2, &square_job, &zero);
    assert_memory_equal(&o, &o2, sizeof o);
}

static void job_defaults_beat_builtins(void **state)
{
    (void)state;
    lucidity_job j = job_with((lucidity_opts){.memory = 1 << 20, .fuel = 50, .timeout_ms = 300,
                                              .concurrency = 4, .retries = 2,
                                              .fanout = LUCIDITY_FANOUT_RANDOM,
                                              .remote_fallback = LUCIDITY_FALLBACK_ERROR});
    lucidity_opts o;
    luc_opts_resolve(&o, &j, NULL);
    assert_int_equal(o.memory, 1 << 20);
    assert_int_equal(o.fuel, 50);
    assert_int_equal(o.timeout_ms, 300);
    assert_int_equal(o.concurrency, 4);
    assert_int_equal(o.retries, 2);
    assert_int_equal(o.fanout, LUCIDITY_FANOUT_RANDOM);
    assert_int_equal(o.remote_fallback, LUCIDITY_FALLBACK_ERROR);
    assert_int_equal(o.liveness_ms, 100); /* unset in the job: built-in */
}

static void call_overrides_beat_job_defaults_field_by_field(void **state)
{
    (void)state;
    lucidity_job j = job_with((lucidity_opts){.memory = 1 << 20, .fuel = 50, .timeout_ms = 300});
    lucidity_opts call = {.fuel = LUCIDITY_NONE, .timeout_ms = 20, .concurrency = 2}, o;
    luc_opts_resolve(&o, &j, &call);
    assert_int_equal(o.memory, 1 << 20); /* not overridden: the job's */
    assert_true(o.fuel == LUCIDITY_NONE); /* LUCIDITY_NONE is a value, not "unset" */
    assert_int_equal(o.timeout_ms, 20);
    assert_int_equal(o.concurrency, 2);
    assert_int_equal(o.remote_fallback, LUCIDITY_FALLBACK_LOCAL);
}

static void seed_intervals_lower_liveness(void **state)
{
    (void)state;
    lucidity_opts o;
    lucidity_job j = job_with((lucidity_opts){.liveness_ms = 80, .sync_retry_interval_ms = 30});
    luc_opts_resolve(&o, &j, NULL);
    assert_int_equal(o.liveness_ms, 30);
    /* the shortest phase interval wins, across job and call */
    lucidity_opts call = {.async_get_retry_interval_ms = 10, .shutdown_retry_interval_ms = 20};
    luc_opts_resolve(&o, &j, &call);
    assert_int_equal(o.liveness_ms, 10);
    /* an interval longer than liveness does not raise it */
    lucidity_opts slow = {.init_retry_interval_ms = 500};
    luc_opts_resolve(&o, &square_job, &slow);
    assert_int_equal(o.liveness_ms, 100);
    assert_int_equal(o.init_retry_interval_ms, 500);
}

static void no_job_still_resolves(void **state)
{
    (void)state;
    lucidity_opts call = {.memory = 4096}, o;
    luc_opts_resolve(&o, NULL, &call);
    assert_int_equal(o.memory, 4096);
    assert_int_equal(o.concurrency, 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtin_defaults_when_nothing_is_set),
        cmocka_unit_test(job_defaults_beat_builtins),
        cmocka_unit_test(call_overrides_beat_job_defaults_field_by_field),
        cmocka_unit_test(seed_intervals_lower_liveness),
        cmocka_unit_test(no_job_still_resolves),
    };
    return cmocka_run_group_tests_name("runtime.unit.opts", tests, NULL, NULL);
}
