/*
 * Runtime integration tests under the real VM: `lunatic run local_test.wasm CASE`.
 * Each case prints "ok CASE" or "FAIL CASE: why" (lunatic run exits 0 either way,
 * so ctest passes on the printed verdict). The jobs (local_test.job) are called
 * through the stubs jobc generates.
 */
#include <pb_common.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "host.h"
#include "local_test.job.h"

/* ---- jobs ---- */
uint32_t square(uint32_t a) { return a * a; }

uint32_t slow(uint32_t ms)
{
    lh_sleep_ms(ms);
    return ms;
}

/* exit() in a job: tests/runtime/supervision_test.c */
enum { CRASH_ABORT, CRASH_BAD_ACCESS, CRASH_SPIN };
static volatile uint32_t sink;
uint32_t crash(uint32_t kind)
{
    switch (kind) {
    case CRASH_ABORT:
        abort();
    case CRASH_BAD_ACCESS:
        return *(volatile uint32_t *)(uintptr_t)0xFFFFFFF0u; /* past linear memory: trap */
    default:
        for (;;)
            sink++; /* runs until fuel is gone */
    }
}

/* Fails on items whose number ends in 7 within each hundred. */
uint32_t maybe(uint32_t i)
{
    if (i % 100 == 7)
        abort();
    return i * 2;
}

char *echo(const char *s) { return strdup(s); }

/* A process must start on memory no earlier process wrote: its zeroed data
   (bss) and the pages it grows the memory by. With the VM's instance pool a slot's
   memory is reused, reset by memset (the first pages) and madvise (the rest):
   every byte either way is checked here, then dirtied for the next process. */
static uint8_t fresh_bss[64 * 1024];
uint32_t fresh(uint32_t seed)
{
    enum { PAGES = 8, GROWN = PAGES * 65536 };
    /* Pages of our own past the heap (malloc could hand back freed chunks). */
    size_t old = __builtin_wasm_memory_grow(0, PAGES);
    if (old == (size_t)-1)
        return 0;
    uint8_t *grown = (uint8_t *)(old * 65536);
    uint32_t dirty = 0;
    for (size_t i = 0; i < sizeof fresh_bss; i++)
        dirty += fresh_bss[i] != 0;
    for (size_t i = 0; i < GROWN; i++)
        dirty += grown[i] != 0;
    memset(fresh_bss, 0xA5, sizeof fresh_bss);
    memset(grown, 0x5A, GROWN);
    return dirty ? 0x80000000u | dirty : seed;
}


/* The seed's example: a job built from other jobs, the blocking way and the async way. */
float pythagorean(uint32_t a, uint32_t b)
{
    uint32_t a2 = 0, b2 = 0;
    if (square_local(a, &a2) || square_local(b, &b2))
        return -1;
    return sqrtf((float)(a2 + b2));
}
float pythagorean_async(uint32_t a, uint32_t b)
{
    square_handle ha = {0}, hb = {0};
    uint32_t a2 = 0, b2 = 0;
    if (square_local_async(a, &ha) || square_local_async(b, &hb) || square_await(&ha, &a2) ||
        square_await(&hb, &b2))
        return -1;
    return sqrtf((float)(a2 + b2));
}
/* A caller that sends a string to square's process, which decodes a u32: the one
   descriptor written by hand, since jobc never pairs them wrongly. */
static void u32_unpack(void *out, void *r) { *(uint32_t *)out = ((square_result *)r)->value; }
static const lucidity_job bad_args_caller = {
    LUCIDITY_ABI_VERSION, "bad_args", "lucidity_job_square", echo_args_fields, sizeof(echo_args),
    square_result_fields, sizeof(square_result), sizeof(uint32_t), NULL, u32_unpack, {0}};

/* ---- cases ---- */


static int case_local(void)
{
    uint32_t out = 0;
    EXPECT_STATUS(square_local(7, &out), LUCIDITY_OK);
    EXPECT(out == 49, "square(7) = %u", out);
    return 0;
}

static int case_async(void)
{
    slow_handle h = {0};
    uint32_t out = 0;
    EXPECT_STATUS(slow_local_async(200, &h), LUCIDITY_OK);
    EXPECT_STATUS(slow_try_get(&h, &out), LUCIDITY_PENDING);
    EXPECT_STATUS(slow_await(&h, &out), LUCIDITY_OK);
    EXPECT(out == 200, "slow(200) = %u", out);
    EXPECT_STATUS(slow_await(&h, &out), LUCIDITY_ESTATE); /* result already taken */
    /* try_get alone reaches the result once the job is done */
    square_handle q = {0};
    EXPECT_STATUS(square_local_async(9, &q), LUCIDITY_OK);
    int rc;
    while ((rc = square_try_get(&q, &out)) == LUCIDITY_PENDING)
        lh_sleep_ms(1);
    EXPECT_STATUS(rc, LUCIDITY_OK);
    EXPECT(out == 81, "square(9) = %u", out);
    return 0;
}

static int case_await_timeout(void)
{
    slow_handle h = {0};
    uint32_t out = 0;
    EXPECT_STATUS(slow_local_async(300, &h), LUCIDITY_OK);
    EXPECT_STATUS(slow_await_timeout(&h, 20, &out), LUCIDITY_ETIMEOUT);
    EXPECT(lh_exists(h.h.pid), "the job must keep running after await_timeout");
    EXPECT_STATUS(slow_await_timeout(&h, 5000, &out), LUCIDITY_OK);
    EXPECT(out == 300, "slow(300) = %u", out);
    return 0;
}

static int case_cancel(void)
{
    slow_handle h = {0};
    uint32_t out = 1;
    EXPECT_STATUS(slow_local_async(60000, &h), LUCIDITY_OK);
    EXPECT_STATUS(slow_cancel(&h), LUCIDITY_OK);
    EXPECT(!check_lingers(h.h.pid), "cancelled job still running");
    EXPECT_STATUS(slow_await(&h, &out), LUCIDITY_ECANCELLED);
    EXPECT_STATUS(slow_cancel(&h), LUCIDITY_ESTATE);
    return 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int case_timeout(void)
{
    slow_handle h = {0};
    uint32_t out = 1;
    lucidity_opts o = {.timeout_ms = 100};
    uint64_t t0 = now_ms();
    EXPECT_STATUS(slow_local_async_with(60000, &h, &o), LUCIDITY_OK);
    EXPECT_STATUS(slow_await(&h, &out), LUCIDITY_ETIMEOUT);
    uint64_t took = now_ms() - t0;
    /* not before the timeout; the upper bound only catches a hang (shared machine) */
    EXPECT(took >= 100 && took < 5000, "ETIMEOUT after %llu ms, timeout 100 ms",
           (unsigned long long)took);
    EXPECT(out == 0, "output not zeroed on failure");
    EXPECT(!check_lingers(h.h.pid), "timed-out job still running");
    /* blocking form */
    EXPECT_STATUS(slow_local_with(60000, &out, &o), LUCIDITY_ETIMEOUT);
    return 0;
}

static int expect_crash(uint32_t kind, const lucidity_opts *o)
{
    crash_handle h = {0};
    uint32_t out = 1;
    EXPECT_STATUS(crash_local_async_with(kind, &h, o), LUCIDITY_OK);
    EXPECT_STATUS(crash_await(&h, &out), LUCIDITY_ETRAP);
    EXPECT(!lh_exists(h.h.pid), "crashed job still exists");
    EXPECT_STATUS(crash_await(&h, &out), LUCIDITY_ETRAP); /* failures are reported again */
    return 0;
}
static int case_trap_abort(void) { return expect_crash(CRASH_ABORT, NULL); }
static int case_trap_bad_access(void) { return expect_crash(CRASH_BAD_ACCESS, NULL); }
static int case_out_of_fuel(void)
{
    return expect_crash(CRASH_SPIN, &(lucidity_opts){.fuel = 10});
}

static int case_out_of_memory(void)
{
    size_t len = 4u << 20;
    char *big = malloc(len + 1);
    EXPECT(big != NULL, "no memory in the caller");
    memset(big, 'x', len);
    big[len] = 0;
    char *out = NULL;
    lucidity_opts o = {.memory = 2u << 20};
    EXPECT_STATUS(echo_local_with(big, &out, &o), LUCIDITY_ENOMEM);
    EXPECT(out == NULL, "output set on failure");
    /* the same call within a large enough limit succeeds */
    o.memory = 64u << 20;
    EXPECT_STATUS(echo_local_with(big, &out, &o), LUCIDITY_OK);
    EXPECT(out && strlen(out) == len, "echo lost data");
    free(out);
    free(big);
    return 0;
}

static int case_decode_error(void)
{
    uint32_t out = 1;
    EXPECT_STATUS(lucidity_call(&bad_args_caller, LUCIDITY_LOCAL, &(echo_args){"not a number"}, &out, NULL),
                  LUCIDITY_EDECODE);
    return 0;
}

static int case_strings(void)
{
    char *out = NULL;
    EXPECT_STATUS(echo_local("héllo, wörld", &out), LUCIDITY_OK);
    EXPECT(out && strcmp(out, "héllo, wörld") == 0, "echo = %s", out ? out : "(null)");
    free(out);
    return 0;
}

static size_t progress_calls;
static void count_progress(size_t done, size_t total, size_t index, int status, uint64_t node,
                           void *user)
{
    (void)done, (void)total, (void)index, (void)status, (void)node, (void)user;
    progress_calls++;
}

static int case_fanout(void)
{
    enum { N = 1000 };
    static maybe_args args[N];
    static uint32_t outs[N];
    static int st[N];
    for (uint32_t i = 0; i < N; i++)
        args[i].i = i;
    lucidity_fanout_opts fo = {.opts = {.concurrency = 32}, .progress = count_progress};
    EXPECT_STATUS(maybe_local_fanout_with(args, N, outs, st, &fo), LUCIDITY_EFAILED);
    int ok = 0, failed = 0;
    for (uint32_t i = 0; i < N; i++) {
        if (i % 100 == 7) {
            EXPECT_STATUS(st[i], LUCIDITY_ETRAP);
            EXPECT(outs[i] == 0, "failed item %u has output %u", i, outs[i]);
            failed++;
        } else {
            EXPECT_STATUS(st[i], LUCIDITY_OK);
            EXPECT(outs[i] == 2 * i, "item %u = %u", i, outs[i]);
            ok++;
        }
    }
    EXPECT(ok == 990 && failed == 10, "%d ok, %d failed", ok, failed);
    EXPECT(progress_calls == N, "progress called %zu times", progress_calls);
    return 0;
}

/* Many short processes, more at once than the VM's instance pool holds when it
   runs with LUNATIC_INSTANCE_POOL=4 (runtime.instance_pool.*): each one sees
   fresh memory, and every item has its result. */
static int case_fresh_memory(void)
{
    enum { N = 400 };
    static fresh_args args[N];
    static uint32_t outs[N];
    static int st[N];
    for (uint32_t i = 0; i < N; i++)
        args[i].seed = i + 1;
    lucidity_fanout_opts fo = {.opts = {.concurrency = 64}};
    EXPECT_STATUS(fresh_local_fanout_with(args, N, outs, st, &fo), LUCIDITY_OK);
    for (uint32_t i = 0; i < N; i++)
        EXPECT(st[i] == LUCIDITY_OK && outs[i] == i + 1, "item %u: status %s, out %#x", i,
               lucidity_err_name(st[i]), outs[i]);
    return 0;
}

static int case_fanout_timeout(void)
{
    slow_args args[4] = {{10}, {60000}, {20}, {60000}};
    uint32_t outs[4];
    int st[4];
    lucidity_fanout_opts fo = {.opts = {.timeout_ms = 200, .concurrency = 2}};
    EXPECT_STATUS(slow_local_fanout_with(args, 4, outs, st, &fo), LUCIDITY_EFAILED);
    EXPECT_STATUS(st[0], LUCIDITY_OK);
    EXPECT_STATUS(st[1], LUCIDITY_ETIMEOUT);
    EXPECT_STATUS(st[2], LUCIDITY_OK);
    EXPECT_STATUS(st[3], LUCIDITY_ETIMEOUT);
    EXPECT(outs[0] == 10 && outs[2] == 20, "outs %u %u", outs[0], outs[2]);
    return 0;
}

static int case_remote_fallback(void)
{
    uint32_t out = 0;
    EXPECT(lucidity_node_id() == 0, "expected plain `lunatic run`");
    EXPECT_STATUS(square_remote(5, &out), LUCIDITY_OK);
    EXPECT(out == 25, "square_remote(5) = %u", out);
    lucidity_opts o = {.remote_fallback = LUCIDITY_FALLBACK_ERROR};
    EXPECT_STATUS(square_remote_with(5, &out, &o), LUCIDITY_ENONODE);
    return 0;
}

static int case_pythagorean(void)
{
    static const char *want[] = {"5.0", "6.4031243", "7.81025", "9.219544", "10.630146",
                                 "12.0415945", "13.453624"};
    for (uint32_t i = 0; i < 7; i++) {
        float sync = 0, async = 0;
        pythagorean_args p = {3 + i, 4 + i};
        EXPECT_STATUS(pythagorean_local(p.a, p.b, &sync), LUCIDITY_OK);
        EXPECT_STATUS(pythagorean_async_local(p.a, p.b, &async), LUCIDITY_OK);
        char text[32];
        /* shortest text that reads back as the same f32, as the seed (Rust) prints it */
        for (int prec = 1; prec < 10; prec++) {
            snprintf(text, sizeof text, "%.*g", prec, (double)sync);
            if (strtof(text, NULL) == sync)
                break;
        }
        if (!strchr(text, '.'))
            strcat(text, ".0");
        printf("pythagorean(%u, %u) = %s\n", p.a, p.b, text);
        EXPECT(strcmp(text, want[i]) == 0, "got %s, want %s", text, want[i]);
        EXPECT(sync == async, "async variant gave %.9g", (double)async);
    }
    return 0;
}

static const check_case cases[] = {
    {"local", case_local},
    {"async", case_async},
    {"await_timeout", case_await_timeout},
    {"cancel", case_cancel},
    {"timeout", case_timeout},
    {"trap_abort", case_trap_abort},
    {"trap_bad_access", case_trap_bad_access},
    {"out_of_fuel", case_out_of_fuel},
    {"out_of_memory", case_out_of_memory},
    {"decode_error", case_decode_error},
    {"strings", case_strings},
    {"fanout", case_fanout},
    {"fanout_timeout", case_fanout_timeout},
    {"fresh_memory", case_fresh_memory},
    {"remote_fallback", case_remote_fallback},
    {"pythagorean", case_pythagorean},
};

int main(int argc, char **argv)
{
    return check_run(cases, sizeof cases / sizeof cases[0], argc > 1 ? argv[1] : NULL);
}
