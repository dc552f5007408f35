/*
 * dispatcher_test.c - a node's dispatcher (runtime/src/dispatcher.c) run as
 * the process under test: its courier is played by injected batches (items,
 * cancels, heartbeats, QUIT), its jobs by the fake host's script, and its
 * returner is a silent fake process whose mailbox shows what would go back
 * to the caller.
 *
 * Covers: every item gets exactly one reply (the job's, ETRAP for a job that
 * died, ESPAWN for a spawn that failed) with the call's limits applied; the
 * courier's heartbeats are read while jobs run (no mailbox growth); a cancel
 * kills its job and nothing is replied; what a job spawned ends with the job
 * (the dispatcher is its guard); a silent courier (the caller or its
 * node is gone) ends every job, the returner and the dispatcher within the
 * lost-after bound.
 */
#include <string.h>

#include "unit.h"
#include "remote.h"

#define LIVENESS 100u
#define ENTRY "square_job_entry"

static uint8_t job_reply[10] = {LUC_K_REPLY, 0, 0, 0, 0, 0, 0, 0, 0x08, 49};
/* What each job (by the tag of its call) does: reply after delay, die, or stay silent. */
static struct {
    int64_t die_tag;
    uint64_t delay; /* 0: never replies */
} jobs_do;

static void job_script(const fake_proc *p, fake_plan *plan, void *user)
{
    (void)user;
    if (strcmp(p->entry, LUC_RETURNER_ENTRY) == 0)
        return; /* silent: its mailbox is what the caller would get */
    assert_string_equal(p->entry, ENTRY);
    assert_int_equal(p->args.data[0], LUC_K_ARGS);
    if ((int64_t)p->params[2] == jobs_do.die_tag) {
        plan->action = FAKE_DIE;
        plan->delay_ms = 10;
        return;
    }
    if (!jobs_do.delay)
        return;
    plan->action = FAKE_REPLY_RAW;
    plan->delay_ms = jobs_do.delay;
    plan->raw = job_reply;
    plan->raw_len = sizeof job_reply;
}

static int disp_setup(void **state)
{
    unit_setup(state);
    memset(&jobs_do, 0, sizeof jobs_do);
    fake_set_script(job_script, NULL);
    return 0;
}

/* A batch from the courier at `at`: items (tags[i] > 0) or cancels (< 0). */
static void batch_at(uint64_t at, const int64_t *tags, size_t n)
{
    uint8_t m[LUC_HEAD_SIZE + 8 * (sizeof(luc_item_rec) + sizeof ENTRY)] = {LUC_K_BATCH};
    size_t len = LUC_HEAD_SIZE;
    for (size_t i = 0; i < n; i++) {
        bool cancel = tags[i] < 0;
        luc_item_rec r = {cancel ? LUC_K_CANCEL : LUC_K_ITEM, cancel ? 0 : (uint32_t)strlen(ENTRY),
                          cancel ? -tags[i] : tags[i], 1u << 20, 5000 + (uint64_t)i, 0, 0};
        memcpy(m + len, &r, sizeof r);
        len += sizeof r;
        memcpy(m + len, ENTRY, r.entry_len);
        len += r.entry_len;
    }
    fake_inject(at, FAKE_CALLER_PID, LUC_BATCH_TAG, m, len);
}

/* The courier's heartbeats (empty batches) every interval in [from, to). */
static void heartbeats(uint64_t from, uint64_t to)
{
    for (uint64_t t = from; t < to; t += LIVENESS)
        batch_at(t, NULL, 0);
}

static void quit_at(uint64_t at)
{
    const uint8_t quit[LUC_HEAD_SIZE] = {LUC_K_QUIT};
    fake_inject(at, FAKE_CALLER_PID, LUC_BATCH_TAG, quit, sizeof quit);
}

static const fake_proc *returner(void)
{
    const fake_proc *r = fake_job(0);
    assert_non_null(r);
    assert_string_equal(r->entry, LUC_RETURNER_ENTRY);
    return r;
}

/* The status the returner got for call tag (it must be exactly one), or 1. */
static int reply_status(int64_t tag)
{
    const fake_proc *r = returner();
    int status = 1, n = 0;
    for (size_t i = 0; i < r->box_len; i++) {
        if (r->box[i].tag != tag)
            continue;
        assert_true(r->box[i].len >= LUC_HEAD_SIZE);
        assert_int_equal(r->box[i].data[0], LUC_K_REPLY);
        int32_t st;
        memcpy(&st, r->box[i].data + 4, sizeof st);
        status = st;
        n++;
    }
    assert_true(n <= 1);
    return status;
}

static size_t batches_in_mailbox(void)
{
    const fake_proc *me = fake_caller();
    size_t n = 0;
    for (size_t i = 0; i < me->box_len; i++)
        n += me->box[i].tag == LUC_BATCH_TAG;
    return n;
}

/* Three 5 s jobs from one batch, heartbeats every 100 ms: each reply is passed
   on once, with the call's limits applied, and no heartbeat is left unread. */
static void heartbeats_are_read_while_jobs_run(void **state)
{
    (void)state;
    jobs_do.delay = 5000;
    uint64_t t0 = fake_now();
    const int64_t tags[3] = {1001, 1002, 1003};
    batch_at(t0, tags, 3);
    heartbeats(t0 + LIVENESS, t0 + 6000);
    quit_at(t0 + 6000);
    lucidity__node_dispatcher(0, FAKE_CALLER_PID, 77, LIVENESS);
    for (size_t i = 0; i < 3; i++) {
        assert_status(reply_status(tags[i]), LUCIDITY_OK);
        const fake_proc *job = fake_job(1 + i);
        assert_int_equal((int64_t)job->params[2], tags[i]);
        assert_int_equal(job->params[1], FAKE_CALLER_PID); /* it replies to the dispatcher */
        assert_int_equal(job->memory, 1u << 20);
        assert_int_equal(job->fuel, 5000 + i);
    }
    assert_true(fake_now() - t0 >= 6000);
    assert_int_equal(batches_in_mailbox(), 0);
    assert_int_equal(fake_alive_jobs(), 0); /* the returner ended with the dispatcher */
}

/* One batch: a job that dies is ETRAP, a spawn that fails is ESPAWN, the
   third succeeds; each call gets exactly one reply. */
static void failures_are_one_status_each(void **state)
{
    (void)state;
    jobs_do.delay = 20;
    jobs_do.die_tag = 2001;
    fake_fail_spawn(2); /* returner 0, job of 2001 is 1, job of 2002 fails */
    uint64_t t0 = fake_now();
    const int64_t tags[3] = {2001, 2002, 2003};
    batch_at(t0, tags, 3);
    quit_at(t0 + 300);
    lucidity__node_dispatcher(0, FAKE_CALLER_PID, 77, LIVENESS);
    assert_status(reply_status(2001), LUCIDITY_ETRAP);
    assert_status(reply_status(2002), LUCIDITY_ESPAWN);
    assert_status(reply_status(2003), LUCIDITY_OK);
    assert_int_equal(fake_live_errors(), 0);
    assert_int_equal(fake_live_configs(), 0);
    assert_int_equal(fake_alive_jobs(), 0);
}

/* A cancel kills its job at once and nothing is replied for it; QUIT ends the rest. */
static void cancel_kills_the_job(void **state)
{
    (void)state;
    jobs_do.delay = 0; /* silent jobs: run until killed */
    uint64_t t0 = fake_now();
    const int64_t items[2] = {3001, 3002}, cancel[1] = {-3001};
    batch_at(t0, items, 2);
    batch_at(t0 + 100, cancel, 1);
    quit_at(t0 + 300);
    lucidity__node_dispatcher(0, FAKE_CALLER_PID, 77, LIVENESS);
    assert_true(fake_job(1)->killed);
    assert_true(fake_job(2)->killed);
    assert_int_equal(reply_status(3001), 1); /* none */
    assert_int_equal(reply_status(3002), 1);
    assert_int_equal(returner()->box_len, 0);
    assert_true(fake_job(0)->killed);
    assert_int_equal(fake_alive_jobs(), 0);
}

/* The dispatcher is its jobs' guard: what a job spawned (ADOPT) is killed
   when the job ends (END) or dies, and not before; the job's own end after
   its reply is no second reply. */
static void children_end_with_their_job(void **state)
{
    (void)state;
    uint64_t kid[3];
    for (int i = 0; i < 3; i++) /* processes "the jobs spawned": fake pids 1000..1002 */
        assert_int_equal(lh_spawn(0, -1, -1, "kid", 3, NULL, 0, &kid[i]), 0);
    jobs_do.delay = 20;
    jobs_do.die_tag = 5002;
    uint64_t t0 = fake_now();
    const int64_t tags[2] = {5001, 5002};
    batch_at(t0, tags, 2);
    uint8_t adopt[LUC_HEAD_SIZE + 8] = {LUC_K_ADOPT};
    const uint8_t end[LUC_HEAD_SIZE] = {LUC_K_END};
    memcpy(adopt + LUC_HEAD_SIZE, &kid[0], 8);
    fake_inject(t0 + 5, FAKE_CALLER_PID, 5001, adopt, sizeof adopt);
    memcpy(adopt + LUC_HEAD_SIZE, &kid[1], 8);
    fake_inject(t0 + 5, FAKE_CALLER_PID, 5002, adopt, sizeof adopt);
    fake_inject(t0 + 50, FAKE_CALLER_PID, 5001, end, sizeof end); /* after its reply at 20 */
    quit_at(t0 + 300);
    lucidity__node_dispatcher(0, FAKE_CALLER_PID, 77, LIVENESS);
    const fake_proc *r = fake_job(3);
    assert_string_equal(r->entry, LUC_RETURNER_ENTRY);
    size_t replies = 0;
    for (size_t i = 0; i < r->box_len; i++) {
        int32_t st;
        memcpy(&st, r->box[i].data + 4, sizeof st);
        if (r->box[i].tag == 5001)
            assert_status(st, LUCIDITY_OK);
        else
            assert_status(st, LUCIDITY_ETRAP); /* 5002 died at 10 ms */
        replies++;
    }
    assert_int_equal(replies, 2);
    assert_true(fake_proc_by_pid(kid[0])->killed); /* at its job's END */
    assert_true(fake_proc_by_pid(kid[1])->killed); /* at its job's death */
    assert_false(fake_proc_by_pid(kid[2])->killed); /* nobody's child: left alone */
    assert_int_equal(fake_job(4)->params[0], LUC_DISPATCH_NODE); /* jobs know their guard */
}

/* Pool workers (pool.c, caller node LUC_POOL_NODE) answer each request under
   their own tag, 10 ms later, or die when the request's argument byte is 0. */
static void worker_hook(const fake_proc *to, const fake_msg *m, void *user)
{
    (void)user;
    if (to->pid == FAKE_CALLER_PID || to->params[0] != LUC_POOL_NODE || !m->len ||
        m->data[0] != LUC_K_ARGS)
        return;
    if (m->len > LUC_HEAD_SIZE && m->data[LUC_HEAD_SIZE] == 0) {
        lh_kill(to->pid); /* a trap: LinkDied under its tag */
        return;
    }
    fake_inject(fake_now() + 10, FAKE_CALLER_PID, (int64_t)to->params[2], job_reply,
                sizeof job_reply);
}

static void pool_script(const fake_proc *p, fake_plan *plan, void *user)
{
    (void)user;
    if (p->params[0] == LUC_POOL_NODE)
        plan->action = FAKE_HOOK;
}

/* A pooled item (pool = 1): one item at a time reuses the node's one worker,
   its replies go back under each call's tag; a worker that dies is that
   item's ETRAP and a new worker serves the next. */
static void pooled_items_reuse_the_worker(void **state)
{
    (void)state;
    fake_set_script(pool_script, NULL);
    fake_set_send_hook(worker_hook, NULL);
    uint64_t t0 = fake_now();
    for (int i = 0; i < 4; i++) {
        uint8_t m[LUC_HEAD_SIZE + sizeof(luc_item_rec) + sizeof ENTRY + 1] = {LUC_K_BATCH};
        luc_item_rec r = {LUC_K_ITEM, (uint32_t)strlen(ENTRY), 6001 + i, 1u << 20, LUCIDITY_NONE,
                          1, 1};
        memcpy(m + LUC_HEAD_SIZE, &r, sizeof r);
        memcpy(m + LUC_HEAD_SIZE + sizeof r, ENTRY, r.entry_len);
        m[LUC_HEAD_SIZE + sizeof r + r.entry_len] = i == 2 ? 0 : 1; /* item 2 kills its worker */
        fake_inject(t0 + 100 * (uint64_t)i, FAKE_CALLER_PID, LUC_BATCH_TAG, m,
                    LUC_HEAD_SIZE + sizeof r + r.entry_len + 1);
    }
    quit_at(t0 + 500);
    lucidity__node_dispatcher(0, FAKE_CALLER_PID, 77, LIVENESS);
    assert_status(reply_status(6001), LUCIDITY_OK);
    assert_status(reply_status(6002), LUCIDITY_OK);
    assert_status(reply_status(6003), LUCIDITY_ETRAP);
    assert_status(reply_status(6004), LUCIDITY_OK);
    assert_int_equal(fake_spawn_count(), 3); /* returner, worker, its replacement */
    assert_int_equal(fake_job(1)->params[0], LUC_POOL_NODE);
    assert_int_equal(fake_job(1)->sends_received, 3); /* items 6001..6003 */
    assert_int_equal(fake_alive_jobs(), 0); /* the pool ended with the dispatcher */
}

/* The heartbeats stop at 1 s (the caller or its node is gone): every job,
   the returner and the dispatcher end within the lost-after bound. */
static void a_silent_courier_ends_everything(void **state)
{
    (void)state;
    jobs_do.delay = 0;
    uint64_t t0 = fake_now();
    const int64_t tags[2] = {4001, 4002};
    batch_at(t0, tags, 2);
    heartbeats(t0 + LIVENESS, t0 + 1000);
    lucidity__node_dispatcher(0, FAKE_CALLER_PID, 77, LIVENESS);
    uint64_t took = fake_now() - t0;
    assert_true(took >= 900 + luc_lost_after(LIVENESS));
    assert_true(took <= 1000 + luc_lost_after(LIVENESS));
    assert_true(fake_job(1)->killed && fake_job(2)->killed);
    assert_true(fake_job(0)->killed);
    assert_int_equal(fake_alive_jobs(), 0);
    assert_int_equal(batches_in_mailbox(), 0);
    assert_int_equal(returner()->box_len, 0); /* no reply: nobody is listening */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(heartbeats_are_read_while_jobs_run, disp_setup),
        cmocka_unit_test_setup(failures_are_one_status_each, disp_setup),
        cmocka_unit_test_setup(cancel_kills_the_job, disp_setup),
        cmocka_unit_test_setup(children_end_with_their_job, disp_setup),
        cmocka_unit_test_setup(pooled_items_reuse_the_worker, disp_setup),
        cmocka_unit_test_setup(a_silent_courier_ends_everything, disp_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
