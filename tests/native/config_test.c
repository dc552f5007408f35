/* config_test.c - a call's limits reach the spawned job's config. */
#include <string.h>

#include "unit.h"

static const fake_proc *call_and_get_job(const lucidity_job *job, const lucidity_opts *o)
{
    fake_set_script(unit_serve, (void *)&square_job);
    uint32_t out = 0;
    size_t index = fake_spawn_count();
    assert_status(lucidity_call(job, LUCIDITY_LOCAL, &(u32_msg){3}, &out, o), LUCIDITY_OK);
    assert_int_equal(out, 9);
    const fake_proc *j = fake_job(index);
    assert_non_null(j);
    return j;
}

static void call_memory_and_fuel_reach_the_config(void **state)
{
    (void)state;
    const fake_proc *j = call_and_get_job(&square_job, &(lucidity_opts){.memory = 64u << 20,
                                                                        .fuel = 500});
    assert_int_equal(j->memory, 64u << 20);
    assert_int_equal(j->fuel, 500);
    assert_string_equal(j->entry, square_job.entry);
    /* jobs may call jobs */
    assert_int_equal(j->can_spawn, 1);
    assert_int_equal(j->can_create_configs, 1);
    assert_int_equal(fake_live_configs(), 0); /* dropped once spawned */
}

static void defaults_are_100_mib_and_unlimited_fuel(void **state)
{
    (void)state;
    const fake_proc *j = call_and_get_job(&square_job, NULL);
    assert_int_equal(j->memory, 100u << 20);
    assert_int_equal(j->fuel, 0); /* lunatic's "no limit" */
}

static void fuel_none_means_unlimited(void **state)
{
    (void)state;
    lucidity_job limited = square_job;
    limited.defaults.fuel = 10;
    assert_int_equal(call_and_get_job(&limited, NULL)->fuel, 10);
    const fake_proc *j = call_and_get_job(&limited, &(lucidity_opts){.fuel = LUCIDITY_NONE});
    assert_int_equal(j->fuel, 0);
}

static void job_defaults_reach_the_config(void **state)
{
    (void)state;
    lucidity_job small = square_job;
    small.defaults.memory = 2u << 20;
    const fake_proc *j = call_and_get_job(&small, NULL);
    assert_int_equal(j->memory, 2u << 20);
    j = call_and_get_job(&small, &(lucidity_opts){.memory = 3u << 20});
    assert_int_equal(j->memory, 3u << 20);
}

static void fanout_items_get_the_fanout_limits(void **state)
{
    (void)state;
    fake_set_script(unit_serve, (void *)&square_job);
    u32_msg args[3] = {{1}, {2}, {3}};
    uint32_t outs[3];
    int st[3];
    lucidity_fanout_opts fo = {.opts = {.memory = 8u << 20, .fuel = 77}};
    assert_status(lucidity_fanout(&square_job, LUCIDITY_LOCAL, args, 3, outs, st, &fo), LUCIDITY_OK);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(fake_job(i)->memory, 8u << 20);
        assert_int_equal(fake_job(i)->fuel, 77);
    }
}

#define T(fn) cmocka_unit_test_setup(fn, unit_setup)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(call_memory_and_fuel_reach_the_config),
        T(defaults_are_100_mib_and_unlimited_fuel),
        T(fuel_none_means_unlimited),
        T(job_defaults_reach_the_config),
        T(fanout_items_get_the_fanout_limits),
    };
    return cmocka_run_group_tests_name("runtime.unit.config", tests, NULL, NULL);
}
