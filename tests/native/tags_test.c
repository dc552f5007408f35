/* tags_test.c - reply tags: each call waits on its own tag and nothing else. */
#include "unit.h"

/* Serves square after arg * 10 ms: the argument decides who answers first. */
static void serve_after_arg(const fake_proc *job, fake_plan *plan, void *user)
{
    (void)user;
    plan->action = FAKE_SERVE;
    plan->job = &square_job;
    plan->delay_ms = unit_arg_u32(job) * 10u;
}

static void concurrent_calls_get_distinct_tags_and_link_tag_is_reply_tag(void **state)
{
    (void)state;
    fake_set_script(serve_after_arg, NULL);
    lucidity_handle a, b;
    assert_status(lucidity_start(&square_job, LUCIDITY_LOCAL, &(u32_msg){1}, &a, NULL), LUCIDITY_OK);
    assert_status(lucidity_start(&square_job, LUCIDITY_LOCAL, &(u32_msg){2}, &b, NULL), LUCIDITY_OK);
    assert_true(a.tag != b.tag);
    assert_true(a.pid != b.pid);
    const lucidity_handle *hs[] = {&a, &b};
    for (int i = 0; i < 2; i++) {
        const fake_proc *j = fake_proc_by_pid(hs[i]->pid);
        assert_non_null(j);
        assert_true(hs[i]->link_tag == hs[i]->tag);
        assert_true(j->link_tag == (uint64_t)hs[i]->tag); /* one receive sees reply or death */
        assert_int_equal(j->nparams, 3);
        assert_int_equal(j->params[0], 0); /* caller node: same node */
        assert_int_equal(j->params[1], FAKE_CALLER_PID);
        assert_true(j->params[2] == (uint64_t)hs[i]->tag);
        assert_true(j->args.tag == hs[i]->tag); /* the arguments travel under the tag too */
    }
    uint32_t out = 0;
    assert_status(lucidity_await(&a, &out), LUCIDITY_OK);
    assert_status(lucidity_await(&b, &out), LUCIDITY_OK);
}

static void a_reply_for_b_stays_in_the_mailbox_while_a_waits(void **state)
{
    (void)state;
    fake_set_script(serve_after_arg, NULL);
    lucidity_handle a, b;
    uint32_t out_a = 0, out_b = 0;
    assert_status(lucidity_start(&square_job, LUCIDITY_LOCAL, &(u32_msg){9}, &a, NULL), LUCIDITY_OK);
    assert_status(lucidity_start(&square_job, LUCIDITY_LOCAL, &(u32_msg){3}, &b, NULL), LUCIDITY_OK);
    assert_status(lucidity_await(&a, &out_a), LUCIDITY_OK); /* b answered first, at 30 ms */
    assert_int_equal(out_a, 81);
    assert_int_equal(fake_now(), FAKE_CLOCK_START_MS + 90);
    assert_int_equal(fake_last_receive_tag_count(), 1);
    const fake_proc *me = fake_caller();
    assert_int_equal(me->box_len, 1);
    assert_true(me->box[0].tag == b.tag);
    assert_status(lucidity_try_get(&b, &out_b), LUCIDITY_OK);
    assert_int_equal(out_b, 9);
    assert_int_equal(fake_caller()->box_len, 0);
}

static void application_messages_are_left_alone(void **state)
{
    (void)state;
    fake_set_script(unit_serve, (void *)&square_job);
    lh_create_data(5, 0); /* the application's own message, to itself */
    lh_send(FAKE_CALLER_PID);
    uint32_t out = 0;
    assert_status(lucidity_call(&square_job, LUCIDITY_LOCAL, &(u32_msg){4}, &out, NULL), LUCIDITY_OK);
    assert_int_equal(out, 16);
    assert_int_equal(fake_caller()->box_len, 1);
    assert_int_equal(fake_caller()->box[0].tag, 5);
}

/* Job 0 dies after 10 ms, the others serve after 20 ms. */
static void first_dies(const fake_proc *job, fake_plan *plan, void *user)
{
    (void)user;
    plan->action = job->index == 0 ? FAKE_DIE : FAKE_SERVE;
    plan->job = &square_job;
    plan->delay_ms = job->index == 0 ? 10 : 20;
}

static void a_death_is_kept_for_its_own_call(void **state)
{
    (void)state;
    fake_set_script(first_dies, NULL);
    lucidity_handle dying, fine;
    uint32_t out = 0;
    assert_status(lucidity_start(&square_job, LUCIDITY_LOCAL, &(u32_msg){2}, &dying, NULL), LUCIDITY_OK);
    assert_status(lucidity_start(&square_job, LUCIDITY_LOCAL, &(u32_msg){5}, &fine, NULL), LUCIDITY_OK);
    assert_status(lucidity_await(&fine, &out), LUCIDITY_OK);
    assert_int_equal(out, 25);
    assert_int_equal(fake_caller()->box_len, 1);
    assert_int_equal(fake_caller()->box[0].kind, LH_RECV_LINK_DIED);
    assert_status(lucidity_await(&dying, &out), LUCIDITY_ETRAP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(concurrent_calls_get_distinct_tags_and_link_tag_is_reply_tag,
                               unit_setup),
        cmocka_unit_test_setup(a_reply_for_b_stays_in_the_mailbox_while_a_waits, unit_setup),
        cmocka_unit_test_setup(application_messages_are_left_alone, unit_setup),
        cmocka_unit_test_setup(a_death_is_kept_for_its_own_call, unit_setup),
    };
    return cmocka_run_group_tests_name("runtime.unit.tags", tests, NULL, NULL);
}
