/*
 * lucbench.c - lucidity against raw lunatic host calls, measured in one run.
 *
 *   lunatic run lucbench.wasm local        local figures
 *   LUCBENCH_MODE=remote (app node of a loopback cluster, see bench.py)
 *
 * Each figure is a batch of operations timed REPS times; one line per batch:
 *   BENCH <name> <ns per op> <ops in batch>
 * bench.py takes the median over batches and the ratio to the raw baseline.
 * Raw baselines do the same work straight on the host ABI (host.h): spawn an
 * exported entry with i64 params, send it the argument, it replies, we receive.
 * A line "BENCHFAIL <name> <why>" reports a figure that could not be measured.
 */
#include <pb_common.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lucidity.h>

#include "host.h"
#include "internal.h"
#include "lucbench_cb.h"
#include "polyline.h"

#define BENCH_EXPORT(name) __attribute__((export_name(name)))

/* ---- the job: square(u32) -> u32, as jobc emits it (see tests/runtime/glue.h) ---- */
typedef struct u32_msg { uint32_t value; } u32_msg;
#define u32_msg_FIELDLIST(X, a) X(a, STATIC, SINGULAR, UINT32, value, 1)
#define u32_msg_CALLBACK NULL
#define u32_msg_DEFAULT NULL
PB_BIND(u32_msg, u32_msg, AUTO)

static void square__invoke(const void *a_, void *r_)
{
    ((u32_msg *)r_)->value = ((const u32_msg *)a_)->value * ((const u32_msg *)a_)->value;
}
static void square__unpack(void *out, void *r_) { *(uint32_t *)out = ((u32_msg *)r_)->value; }
static const lucidity_job square_job = {
    LUCIDITY_ABI_VERSION, "bench.square", "lucidity_job_square", &u32_msg_msg, sizeof(u32_msg),
    &u32_msg_msg, sizeof(u32_msg), sizeof(uint32_t), square__invoke, square__unpack, {0}};
BENCH_EXPORT("lucidity_job_square")
void square__entry(uint64_t node, uint64_t pid, int64_t tag)
{
    lucidity_serve(&square_job, node, pid, tag);
}

/* ---- the seed's pythagorean shape: pyth(a, b) calls square locally twice ---- */
typedef struct pyth_msg { uint32_t a, b; } pyth_msg;
#define pyth_msg_FIELDLIST(X, a_) X(a_, STATIC, SINGULAR, UINT32, a, 1) X(a_, STATIC, SINGULAR, UINT32, b, 2)
#define pyth_msg_CALLBACK NULL
#define pyth_msg_DEFAULT NULL
PB_BIND(pyth_msg, pyth_msg, AUTO)

static void pyth__invoke(const void *a_, void *r_)
{
    const pyth_msg *a = a_;
    uint32_t x = 0, y = 0;
    if (lucidity_call(&square_job, LUCIDITY_LOCAL, &(u32_msg){a->a}, &x, NULL) != LUCIDITY_OK ||
        lucidity_call(&square_job, LUCIDITY_LOCAL, &(u32_msg){a->b}, &y, NULL) != LUCIDITY_OK)
        x = y = 0;
    ((u32_msg *)r_)->value = x + y;
}
static const lucidity_job pyth_job = {
    LUCIDITY_ABI_VERSION, "bench.pyth", "lucidity_job_pyth", &pyth_msg_msg, sizeof(pyth_msg),
    &u32_msg_msg, sizeof(u32_msg), sizeof(uint32_t), pyth__invoke, square__unpack, {0}};
BENCH_EXPORT("lucidity_job_pyth")
void pyth__entry(uint64_t node, uint64_t pid, int64_t tag)
{
    lucidity_serve(&pyth_job, node, pid, tag);
}

/* ---- raw entries: the same work on the host ABI only ---- */

/* Receives a 4-byte u32 under `tag`, replies with its square under the same tag. */
static void raw_serve(uint64_t node, uint64_t caller, int64_t tag)
{
    uint32_t v = 0;
    lh_receive(&tag, 1, UINT64_MAX);
    lh_read_data(&v, sizeof v);
    v *= v;
    lh_create_data((uint64_t)tag, sizeof v);
    lh_write_data(&v, sizeof v);
    if (node)
        lh_dist_send(node, caller);
    else
        lh_send(caller);
}
BENCH_EXPORT("bench_raw_square")
void bench_raw_square(uint64_t node, uint64_t caller, int64_t tag) { raw_serve(node, caller, tag); }

/* Variant: the child decodes and encodes with nanopb over callback streams, as
   lucidity_serve does (calloc'd structs, pb_get_encoded_size + pb_encode). */
static void pb_send_u32(int64_t tag, uint32_t v)
{
    u32_msg m = {v};
    size_t size = 0;
    cb_size(&u32_msg_msg, &m, &size);
    lh_create_data((uint64_t)tag, 4 + size);
    uint32_t status = 0;
    lh_write_data(&status, 4);
    cb_encode(&u32_msg_msg, &m, size);
}
static uint32_t pb_recv_u32(void)
{
    u32_msg m = {0};
    uint32_t status;
    lh_read_data(&status, 4);
    cb_decode(&u32_msg_msg, &m, (size_t)(lh_data_size() - 4));
    return m.value;
}
BENCH_EXPORT("bench_raw_square_pb")
void bench_raw_square_pb(uint64_t node, uint64_t caller, int64_t tag)
{
    (void)node;
    lh_receive(&tag, 1, UINT64_MAX);
    uint32_t v = pb_recv_u32();
    pb_send_u32(tag, v * v);
    lh_send(caller);
}

/* ---- clock and reporting ---- */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int reps = 7;
static int failed;

static void fail(const char *name, const char *why)
{
    printf("BENCHFAIL %s %s\n", name, why);
    fflush(stdout);
    failed = 1;
}

typedef struct figure {
    const char *name;
    int (*batch)(int n);
    int dead; /* failed once: not run again */
} figure;

/* Runs each figure's batch(n) `reps` times after one warm-up, interleaving the
   figures rep by rep so that drift of the machine hits them all alike.
   A batch returns 0 on success. */
static int env_int(const char *name, int def)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : def;
}

static int figure_wanted(const char *name)
{
    /* LUCBENCH_FIGURES=a,b runs only those figures (to profile one of them). */
    const char *only = getenv("LUCBENCH_FIGURES");
    if (!only || !*only)
        return 1;
    size_t len = strlen(name);
    for (const char *p = only; (p = strstr(p, name)) != NULL; p += len)
        if ((p == only || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
            return 1;
    return 0;
}

static void measure_group(figure *f, int nf, int n)
{
    for (int i = 0; i < nf; i++)
        f[i].dead = !figure_wanted(f[i].name);
    for (int i = 0; i < nf; i++)
        if (!f[i].dead && f[i].batch(n < 16 ? n : 16)) {
            fail(f[i].name, "warm-up failed");
            f[i].dead = 1;
        }
    for (int r = 0; r < reps; r++)
        for (int i = 0; i < nf; i++) {
            if (f[i].dead)
                continue;
            uint64_t t0 = now_ns();
            int rc = f[i].batch(n);
            uint64_t dt = now_ns() - t0;
            if (rc) {
                fail(f[i].name, lucidity_err_name(rc));
                f[i].dead = 1;
                continue;
            }
            printf("BENCH %s %.1f %d\n", f[i].name, (double)dt / n, n);
            fflush(stdout);
        }
}
#define MEASURE(n, ...)                                                                            \
    do {                                                                                           \
        figure f_[] = {__VA_ARGS__};                                                               \
        measure_group(f_, (int)(sizeof f_ / sizeof f_[0]), n);                                     \
    } while (0)

/* ---- raw building blocks ---- */
static int64_t tag_counter = (int64_t)1 << 40;

enum { RAW_PLAIN = 0, RAW_CONFIG = 1, RAW_LINK = 2, RAW_PB = 4 };

/* Per-call config, as luc_config does: create, four setters, drop after spawn. */
static int64_t raw_config(void)
{
    int64_t cfg = lh_create_config();
    lh_config_set_max_memory((uint64_t)cfg, 100u * 1024u * 1024u);
    lh_config_set_max_fuel((uint64_t)cfg, 0);
    lh_config_set_can_spawn_processes((uint64_t)cfg, 1);
    lh_config_set_can_create_configs((uint64_t)cfg, 1);
    return cfg;
}

/* Spawns a child that will answer `tag`, and sends it x. */
static int raw_start(int flags, uint32_t x, int64_t tag, uint64_t *pid)
{
    int64_t cfg = flags & RAW_CONFIG ? raw_config() : -1;
    uint8_t params[3 * LH_PARAM_SIZE];
    lh_param_i64(params, 0);
    lh_param_i64(params + LH_PARAM_SIZE, lh_process_id());
    lh_param_i64(params + 2 * LH_PARAM_SIZE, (uint64_t)tag);
    const char *entry = flags & RAW_PB ? "bench_raw_square_pb" : "bench_raw_square";
    uint32_t rc = lh_spawn(flags & RAW_LINK ? (uint64_t)tag : 0, cfg, -1, entry,
                           (uint32_t)strlen(entry), params, sizeof params, pid);
    if (cfg >= 0)
        lh_drop_config((uint64_t)cfg);
    if (rc)
        return LUCIDITY_ESPAWN;
    if (flags & RAW_PB) {
        pb_send_u32(tag, x);
    } else {
        lh_create_data((uint64_t)tag, sizeof x);
        lh_write_data(&x, sizeof x);
    }
    lh_send(*pid);
    return 0;
}

/* Reads a reply already received. */
static uint32_t raw_result(int flags)
{
    if (flags & RAW_PB)
        return pb_recv_u32();
    uint32_t v = 0;
    lh_read_data(&v, sizeof v);
    return v;
}

static int raw_round(int flags, uint32_t x)
{
    int64_t tag = ++tag_counter;
    uint64_t pid;
    if (raw_start(flags, x, tag, &pid))
        return LUCIDITY_ESPAWN;
    if (lh_receive(&tag, 1, UINT64_MAX) != LH_RECV_DATA)
        return LUCIDITY_ETRAP;
    return raw_result(flags) == x * x ? 0 : LUCIDITY_EDECODE;
}

/* ---- figure 1: blocking round trip ---- */
static int b_luc_call(int n)
{
    for (int i = 0; i < n; i++) {
        uint32_t out = 0;
        u32_msg a = {(uint32_t)i + 3};
        int rc = lucidity_call(&square_job, LUCIDITY_LOCAL, &a, &out, NULL);
        if (rc)
            return rc;
        if (out != a.value * a.value)
            return LUCIDITY_EDECODE;
    }
    return 0;
}
#define RAW_ROUND_BATCH(fname, flags)                                                              \
    static int fname(int n)                                                                        \
    {                                                                                              \
        for (int i = 0; i < n; i++) {                                                              \
            int rc = raw_round(flags, (uint32_t)i + 3);                                            \
            if (rc)                                                                                \
                return rc;                                                                         \
        }                                                                                          \
        return 0;                                                                                  \
    }
RAW_ROUND_BATCH(b_raw_call, RAW_PLAIN)
RAW_ROUND_BATCH(b_raw_call_cfg, RAW_CONFIG)
RAW_ROUND_BATCH(b_raw_call_link, RAW_LINK)
RAW_ROUND_BATCH(b_raw_call_pb, RAW_PB)
RAW_ROUND_BATCH(b_raw_call_all, RAW_CONFIG | RAW_LINK | RAW_PB)

/* Host-call costs on their own, for attributing the gap. */
static int b_config_only(int n)
{
    for (int i = 0; i < n; i++)
        lh_drop_config((uint64_t)raw_config());
    return 0;
}
static int b_msg_pb_write(int n)
{
    for (int i = 0; i < n; i++)
        pb_send_u32(1, (uint32_t)i + 1000000);
    return 0;
}
static int b_msg_raw_write(int n)
{
    for (int i = 0; i < n; i++) {
        uint32_t v = (uint32_t)i + 1000000;
        lh_create_data(1, sizeof v);
        lh_write_data(&v, sizeof v);
    }
    return 0;
}

/* ---- figure 4w: a 1 KiB message written and read back in wasm ----
   A Polyline as bench/pb_bench.c has it (32 Points {x, y, label}, closed, 128
   bytes of tag: 97 fields, 1,052 bytes). Each op builds the outgoing message
   and reads it back out of the same scratch buffer (seek_data), so what is
   timed is encode + decode and their host calls, not a send (polyline.h). */

static Polyline poly;
static uint8_t poly_bytes[2048];
static size_t poly_len;

static void poly_make(void)
{
    polyline_fill(&poly);
    pb_ostream_t os = pb_ostream_from_buffer(poly_bytes, sizeof poly_bytes);
    poly_len = pb_encode(&os, &Polyline_msg, &poly) ? os.bytes_written : 0;
    printf("BENCHINFO wasm_message_bytes %zu\n", poly_len);
}

static int poly_check(Polyline *q)
{
    int ok = q->points_count == NPOINTS && q->closed && q->tag && q->tag->size == TAGLEN &&
             !strcmp(q->points[NPOINTS - 1].label, poly.points[NPOINTS - 1].label);
    pb_release(&Polyline_msg, q);
    return ok ? 0 : LUCIDITY_EDECODE;
}

/* The runtime's path: luc_msg_write (one buffer, one write_data), luc_msg_head +
   luc_msg_read (one read_data, decode from memory). */
static int b_msg1k_luc(int n)
{
    for (int i = 0; i < n; i++) {
        if (luc_msg_write(5, LUC_K_ARGS, 0, &Polyline_msg, &poly))
            return LUCIDITY_EENCODE;
        lh_seek_data(0);
        luc_kind kind;
        int32_t status;
        Polyline q;
        memset(&q, 0, sizeof q);
        if (luc_msg_head(&kind, &status) || luc_msg_read(&Polyline_msg, &q))
            return LUCIDITY_EDECODE;
        if (poly_check(&q))
            return LUCIDITY_EDECODE;
    }
    return 0;
}

/* The runtime's path before issue 14: a sizing pass, then nanopb's callback
   streams writing and reading the scratch buffer directly (one host call per
   callback: ~290 for this message). */
static int b_msg1k_stream(int n)
{
    for (int i = 0; i < n; i++) {
        size_t size = 0;
        uint8_t head[8] = {1, 0, 0, 0, 0, 0, 0, 0};
        if (!cb_size(&Polyline_msg, &poly, &size))
            return LUCIDITY_EENCODE;
        lh_create_data(5, 8 + size);
        lh_write_data(head, sizeof head);
        if (!cb_encode(&Polyline_msg, &poly, size))
            return LUCIDITY_EENCODE;
        lh_seek_data(0);
        lh_read_data(head, sizeof head);
        Polyline q;
        memset(&q, 0, sizeof q);
        if (!cb_decode(&Polyline_msg, &q, (size_t)(lh_data_size() - 8)) || poly_check(&q))
            return LUCIDITY_EDECODE;
    }
    return 0;
}

/* The floor: the same bytes, already encoded, written and read with one host
   call each; no nanopb. */
static int b_msg1k_raw(int n)
{
    static uint8_t back[2048];
    for (int i = 0; i < n; i++) {
        lh_create_data(5, poly_len);
        lh_write_data(poly_bytes, (uint32_t)poly_len);
        lh_seek_data(0);
        if (lh_read_data(back, (uint32_t)poly_len) != poly_len || back[poly_len - 1] != poly_bytes[poly_len - 1])
            return LUCIDITY_EDECODE;
    }
    return 0;
}

/* Attribution: nanopb alone, in memory (no host call). */
static int b_msg1k_encode_mem(int n)
{
    static uint8_t buf[2048];
    for (int i = 0; i < n; i++) {
        pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof buf);
        if (!pb_encode(&os, &Polyline_msg, &poly))
            return LUCIDITY_EENCODE;
    }
    return 0;
}
static int b_msg1k_decode_mem(int n)
{
    for (int i = 0; i < n; i++) {
        Polyline q;
        memset(&q, 0, sizeof q);
        pb_istream_t is = pb_istream_from_buffer(poly_bytes, poly_len);
        if (!pb_decode(&is, &Polyline_msg, &q) || poly_check(&q))
            return LUCIDITY_EDECODE;
    }
    return 0;
}

/* ---- figure 7: worker pools vs request/reply to already-running processes ---- */

/* A raw server: squares every u32 it receives and replies under the same tag,
   until it receives tag 0. */
BENCH_EXPORT("bench_raw_server")
void bench_raw_server(uint64_t node, uint64_t caller, int64_t tag)
{
    (void)node, (void)tag;
    for (;;) {
        if (lh_receive(NULL, 0, UINT64_MAX) != LH_RECV_DATA)
            return;
        int64_t t = lh_get_tag();
        uint32_t v = 0;
        lh_read_data(&v, sizeof v);
        if (t == 0)
            return;
        v *= v;
        lh_create_data((uint64_t)t, sizeof v);
        lh_write_data(&v, sizeof v);
        lh_send(caller);
    }
}

enum { POOL_MAX = 64 };
static uint64_t servers[POOL_MAX];
static int nservers;

static int servers_start(int k)
{
    for (nservers = 0; nservers < k; nservers++) {
        int64_t cfg = raw_config();
        uint8_t params[3 * LH_PARAM_SIZE];
        lh_param_i64(params, 0);
        lh_param_i64(params + LH_PARAM_SIZE, lh_process_id());
        lh_param_i64(params + 2 * LH_PARAM_SIZE, 0);
        const char *entry = "bench_raw_server";
        uint32_t rc = lh_spawn(0, cfg, -1, entry, (uint32_t)strlen(entry), params, sizeof params,
                               &servers[nservers]);
        lh_drop_config((uint64_t)cfg);
        if (rc)
            return LUCIDITY_ESPAWN;
    }
    return 0;
}

static void server_send(int s, uint32_t x, int64_t tag)
{
    lh_create_data((uint64_t)tag, sizeof x);
    lh_write_data(&x, sizeof x);
    lh_send(servers[s]);
}

static void servers_stop(void)
{
    for (int i = 0; i < nservers; i++)
        server_send(i, 0, 0); /* tag 0: return */
    nservers = 0;
}

/* Blocking round trips to one running process. */
static int b_raw_rr(int n)
{
    for (int i = 0; i < n; i++) {
        int64_t tag = ++tag_counter;
        uint32_t x = (uint32_t)i + 3;
        server_send(0, x, tag);
        if (lh_receive(&tag, 1, UINT64_MAX) != LH_RECV_DATA || raw_result(RAW_PLAIN) != x * x)
            return LUCIDITY_EDECODE;
    }
    return 0;
}

/* n requests over the running servers, one in flight per server (what a
   pooled fanout does with a pool of nservers), each reply taken with one
   receive over all the servers' tags. */
static int b_raw_rr_fan(int n)
{
    int64_t tags[POOL_MAX];
    int item[POOL_MAX], next = 0, done = 0, k = nservers < n ? nservers : n;
    for (int s = 0; s < k; s++) {
        tags[s] = ++tag_counter;
        item[s] = next;
        server_send(s, (uint32_t)next++, tags[s]);
    }
    int live = k;
    while (done < n) {
        if (lh_receive(tags, (uint32_t)k, UINT64_MAX) != LH_RECV_DATA)
            return LUCIDITY_ETRAP;
        int64_t tag = lh_get_tag();
        int s = 0;
        while (s < k && tags[s] != tag)
            s++;
        if (s == k || raw_result(RAW_PLAIN) != (uint32_t)item[s] * (uint32_t)item[s])
            return LUCIDITY_EDECODE;
        done++;
        if (next < n) {
            tags[s] = ++tag_counter;
            item[s] = next;
            server_send(s, (uint32_t)next++, tags[s]);
        } else {
            tags[s] = 0; /* never matches a reply */
            live--;
        }
    }
    (void)live;
    return 0;
}

static uint32_t pool_size = 1;

static int b_luc_pool_call(int n)
{
    lucidity_opts o = {.pool = pool_size};
    for (int i = 0; i < n; i++) {
        uint32_t out = 0;
        u32_msg a = {(uint32_t)i + 3};
        int rc = lucidity_call(&square_job, LUCIDITY_LOCAL, &a, &out, &o);
        if (rc)
            return rc;
        if (out != a.value * a.value)
            return LUCIDITY_EDECODE;
    }
    return 0;
}

/* ---- figure 2: async start + await, 16 in flight ---- */
enum { ASYNC_K = 16 };
static int b_luc_async(int n)
{
    lucidity_handle h[ASYNC_K];
    for (int i = 0; i < n; i += ASYNC_K) {
        int k = n - i < ASYNC_K ? n - i : ASYNC_K;
        for (int j = 0; j < k; j++) {
            int rc = lucidity_start(&square_job, LUCIDITY_LOCAL, &(u32_msg){(uint32_t)(i + j)},
                                    &h[j], NULL);
            if (rc)
                return rc;
        }
        for (int j = 0; j < k; j++) {
            uint32_t out = 0;
            int rc = lucidity_await(&h[j], &out);
            if (rc)
                return rc;
            if (out != (uint32_t)(i + j) * (uint32_t)(i + j))
                return LUCIDITY_EDECODE;
        }
    }
    return 0;
}
static int b_raw_async(int n)
{
    int64_t tags[ASYNC_K];
    uint64_t pid;
    for (int i = 0; i < n; i += ASYNC_K) {
        int k = n - i < ASYNC_K ? n - i : ASYNC_K;
        for (int j = 0; j < k; j++) {
            tags[j] = ++tag_counter;
            if (raw_start(RAW_CONFIG, (uint32_t)(i + j), tags[j], &pid))
                return LUCIDITY_ESPAWN;
        }
        for (int j = 0; j < k; j++) {
            if (lh_receive(&tags[j], 1, UINT64_MAX) != LH_RECV_DATA)
                return LUCIDITY_ETRAP;
            if (raw_result(RAW_PLAIN) != (uint32_t)(i + j) * (uint32_t)(i + j))
                return LUCIDITY_EDECODE;
        }
    }
    return 0;
}

/* ---- fanouts: lucidity_fanout vs a raw window of 64 ---- */
enum { WINDOW = 64, MAX_NODES = 16 };
static lucidity_where fan_where;
static u32_msg *fan_args;
static uint32_t *fan_outs;
static int *fan_st;

static int fan_alloc(int n)
{
    fan_args = calloc((size_t)n, sizeof *fan_args);
    fan_outs = calloc((size_t)n, sizeof *fan_outs);
    fan_st = calloc((size_t)n, sizeof *fan_st);
    if (!fan_args || !fan_outs || !fan_st)
        return -1;
    for (int i = 0; i < n; i++)
        fan_args[i].value = (uint32_t)i;
    return 0;
}

static int check_outs(int n)
{
    for (int i = 0; i < n; i++)
        if (fan_outs[i] != (uint32_t)i * (uint32_t)i)
            return LUCIDITY_EDECODE;
    return 0;
}

static int luc_fanout_window(int n, uint32_t concurrency)
{
    memset(fan_outs, 0, (size_t)n * sizeof *fan_outs);
    lucidity_fanout_opts fo = {.opts = {.concurrency = concurrency}};
    int rc = lucidity_fanout(&square_job, fan_where, fan_args, (size_t)n, fan_outs, fan_st, &fo);
    if (rc == LUCIDITY_EFAILED)
        for (int i = 0; i < n; i++)
            if (fan_st[i]) {
                printf("fanout item %d: %s\n", i, lucidity_err_name(fan_st[i]));
                return fan_st[i];
            }
    return rc ? rc : check_outs(n);
}
static int b_luc_pool_fanout(int n)
{
    memset(fan_outs, 0, (size_t)n * sizeof *fan_outs);
    lucidity_fanout_opts fo = {.opts = {.pool = pool_size}};
    int rc = lucidity_fanout(&square_job, LUCIDITY_LOCAL, fan_args, (size_t)n, fan_outs, fan_st, &fo);
    return rc ? rc : check_outs(n);
}
/* The default window (64), and a window as large as the fanout: the cost
   per completion must not grow with the window. */
static int b_luc_fanout(int n) { return luc_fanout_window(n, 0); }
static int b_luc_fanout_wide(int n) { return luc_fanout_window(n, 1000000); }
static int b_luc_fanout_256(int n) { return luc_fanout_window(n, 256); }
/* 3e: the remote fanout of 3b with pool = 32: each node's workers serve its items. */
static int b_luc_fanout_pooled(int n)
{
    memset(fan_outs, 0, (size_t)n * sizeof *fan_outs);
    lucidity_fanout_opts fo = {.opts = {.pool = 32}};
    int rc = lucidity_fanout(&square_job, fan_where, fan_args, (size_t)n, fan_outs, fan_st, &fo);
    return rc ? rc : check_outs(n);
}

/* Remote targets: the other nodes (empty: local spawns). */
static uint64_t remote_nodes[MAX_NODES];
static uint32_t n_remote;
static uint64_t self_node, module;

/* Starts item i in a raw window: locally or round-robin on the remote nodes. */
static int raw_fan_start(int i, int64_t tag)
{
    if (!n_remote) {
        uint64_t pid;
        return raw_start(RAW_CONFIG, (uint32_t)i, tag, &pid);
    }
    uint64_t node = remote_nodes[(uint32_t)i % n_remote], pid = 0;
    uint8_t params[3 * LH_PARAM_SIZE];
    lh_param_i64(params, self_node);
    lh_param_i64(params + LH_PARAM_SIZE, lh_process_id());
    lh_param_i64(params + 2 * LH_PARAM_SIZE, (uint64_t)tag);
    const char *entry = "bench_raw_square";
    if (lh_dist_spawn(node, -1, module, entry, (uint32_t)strlen(entry), params, sizeof params,
                      &pid))
        return LUCIDITY_ESPAWN;
    uint32_t x = (uint32_t)i;
    lh_create_data((uint64_t)tag, sizeof x);
    lh_write_data(&x, sizeof x);
    return lh_dist_send(node, pid) ? LUCIDITY_ENODELOST : 0;
}

static int b_raw_fanout(int n)
{
    int64_t tags[WINDOW];
    int item[WINDOW];
    int next = 0, done = 0, inflight = 0;
    memset(fan_outs, 0, (size_t)n * sizeof *fan_outs);
    int window = n < WINDOW ? n : WINDOW;
    for (; next < window; next++, inflight++) {
        tags[inflight] = ++tag_counter;
        item[inflight] = next;
        if (raw_fan_start(next, tags[inflight]))
            return LUCIDITY_ESPAWN;
    }
    while (done < n) {
        if (lh_receive(tags, (uint32_t)inflight, UINT64_MAX) != LH_RECV_DATA)
            return LUCIDITY_ETRAP;
        int64_t tag = lh_get_tag();
        int s = 0;
        while (s < inflight && tags[s] != tag)
            s++;
        if (s == inflight)
            return LUCIDITY_EDECODE;
        fan_outs[item[s]] = raw_result(RAW_PLAIN);
        done++;
        if (next < n) {
            tags[s] = ++tag_counter;
            item[s] = next;
            if (raw_fan_start(next++, tags[s]))
                return LUCIDITY_ESPAWN;
        } else {
            tags[s] = tags[--inflight];
            item[s] = item[inflight];
        }
    }
    return check_outs(n);
}

/* ---- remote round trip ---- */
static int b_luc_remote_call(int n)
{
    for (int i = 0; i < n; i++) {
        uint32_t out = 0;
        u32_msg a = {(uint32_t)i + 3};
        int rc = lucidity_call(&square_job, LUCIDITY_REMOTE, &a, &out, NULL);
        if (rc)
            return rc;
        if (out != a.value * a.value)
            return LUCIDITY_EDECODE;
    }
    return 0;
}
static int b_raw_remote_call(int n)
{
    for (int i = 0; i < n; i++) {
        int64_t tag = ++tag_counter;
        int rc = raw_fan_start(i + 3, tag);
        if (rc)
            return rc;
        if (lh_receive(&tag, 1, UINT64_MAX) != LH_RECV_DATA)
            return LUCIDITY_ETRAP;
        if (raw_result(RAW_PLAIN) != (uint32_t)(i + 3) * (uint32_t)(i + 3))
            return LUCIDITY_EDECODE;
    }
    return 0;
}

/* 3c: the seed's example, a 7-item remote fanout of jobs that call jobs (ms per fanout). */
static int b_luc_pyth_fanout(int n)
{
    for (int r = 0; r < n; r++) {
        pyth_msg args[7];
        uint32_t outs[7];
        int st[7];
        for (uint32_t i = 0; i < 7; i++)
            args[i] = (pyth_msg){3 + i, 4 + i};
        int rc = lucidity_fanout(&pyth_job, LUCIDITY_REMOTE, args, 7, outs, st, NULL);
        if (rc)
            return rc;
        for (uint32_t i = 0; i < 7; i++)
            if (outs[i] != (3 + i) * (3 + i) + (4 + i) * (4 + i))
                return LUCIDITY_EDECODE;
    }
    return 0;
}

/* 3d: a round trip to an already-running raw process on another node: the
   engine's floor for anything remote (one distributed send each way). */
BENCH_EXPORT("bench_raw_remote_echo")
void bench_raw_remote_echo(uint64_t node, uint64_t caller, int64_t tag)
{
    for (;;) {
        uint32_t v = 0;
        if (lh_receive(&tag, 1, 60000) != LH_RECV_DATA)
            return;
        lh_read_data(&v, sizeof v);
        if (v == UINT32_MAX)
            return;
        v *= v;
        lh_create_data((uint64_t)tag, sizeof v);
        lh_write_data(&v, sizeof v);
        lh_dist_send(node, caller);
    }
}
static int b_raw_remote_rr(int n)
{
    int64_t tag = ++tag_counter;
    uint64_t node = remote_nodes[0], pid = 0;
    uint8_t params[3 * LH_PARAM_SIZE];
    lh_param_i64(params, self_node);
    lh_param_i64(params + LH_PARAM_SIZE, lh_process_id());
    lh_param_i64(params + 2 * LH_PARAM_SIZE, (uint64_t)tag);
    int64_t cfg = raw_config();
    const char *entry = "bench_raw_remote_echo";
    uint32_t r = lh_dist_spawn(node, cfg, module, entry, (uint32_t)strlen(entry), params,
                               sizeof params, &pid);
    lh_drop_config((uint64_t)cfg);
    if (r)
        return LUCIDITY_ESPAWN;
    for (int i = 0; i <= n; i++) { /* one more: the first also waits for the spawn */
        uint32_t x = i < n ? (uint32_t)i + 3 : UINT32_MAX;
        lh_create_data((uint64_t)tag, sizeof x);
        lh_write_data(&x, sizeof x);
        if (lh_dist_send(node, pid))
            return LUCIDITY_ENODELOST;
        if (i == n)
            break;
        if (lh_receive(&tag, 1, UINT64_MAX) != LH_RECV_DATA)
            return LUCIDITY_ETRAP;
        if (raw_result(RAW_PLAIN) != x * x)
            return LUCIDITY_EDECODE;
    }
    return 0;
}

static void run_msg(void)
{
    poly_make();
    MEASURE(2000, {"msg1k_stream", b_msg1k_stream, 0}, {"msg1k_luc", b_msg1k_luc, 0},
            {"msg1k_raw", b_msg1k_raw, 0}, {"msg1k_encode_mem", b_msg1k_encode_mem, 0},
            {"msg1k_decode_mem", b_msg1k_decode_mem, 0});
}

/* Pools: blocking calls on a pool of 1 vs round trips to one running process,
   and a fanout on a pool of POOL_FAN workers vs as many running processes. */
enum { POOL_FAN = 8 };
static void run_pool(int items)
{
    if (servers_start(POOL_FAN)) {
        fail("pool", "raw servers did not start");
        servers_stop();
        return;
    }
    pool_size = 1;
    MEASURE(20000, {"raw_rr", b_raw_rr, 0}, {"luc_pool_call", b_luc_pool_call, 0});
    pool_size = POOL_FAN;
    printf("BENCHINFO pool_fanout_workers %d\n", POOL_FAN);
    if (fan_args || !fan_alloc(items))
        MEASURE(items, {"raw_rr_fan", b_raw_rr_fan, 0}, {"luc_pool_fanout", b_luc_pool_fanout, 0});
    servers_stop();
    lucidity_pool_close(NULL);
}

static void run_local(int calls, int items)
{
    MEASURE(calls, {"raw_call", b_raw_call, 0}, {"luc_call", b_luc_call, 0},
            {"raw_call+config", b_raw_call_cfg, 0}, {"raw_call+link", b_raw_call_link, 0},
            {"raw_call+nanopb", b_raw_call_pb, 0},
            {"raw_call+config+link+nanopb", b_raw_call_all, 0});
    MEASURE(10000, {"config_only", b_config_only, 0}, {"msg_write_nanopb", b_msg_pb_write, 0},
            {"msg_write_raw", b_msg_raw_write, 0});
    run_msg();
    MEASURE(calls, {"raw_async", b_raw_async, 0}, {"luc_async", b_luc_async, 0});
    if (fan_alloc(items)) {
        fail("fanout", "out of memory");
        return;
    }
    fan_where = LUCIDITY_LOCAL;
    MEASURE(items, {"raw_fanout", b_raw_fanout, 0}, {"luc_fanout", b_luc_fanout, 0},
            {"luc_fanout_wide", b_luc_fanout_wide, 0});
    run_pool(items);
}

static void run_remote(void)
{
    int calls = env_int("LUCBENCH_CALLS", 30);
    int items = env_int("LUCBENCH_FANOUT", 2000);
    uint32_t want = (uint32_t)env_int("LUCBENCH_NODES", 2) + 1;
    for (int i = 0; i < 120 && lh_nodes_count() < want; i++)
        lh_sleep_ms(250);
    self_node = lh_node_id();
    module = lh_module_id();
    uint64_t ids[MAX_NODES];
    uint32_t n = lh_get_nodes(ids, MAX_NODES);
    for (uint32_t i = 0; i < n && i < MAX_NODES; i++)
        if (ids[i] != self_node)
            remote_nodes[n_remote++] = ids[i];
    printf("remote: self %llu, %u worker nodes\n", (unsigned long long)self_node, n_remote);
    if (n_remote + 1 < want) {
        fail("remote", "worker nodes did not appear");
        return;
    }
    MEASURE(calls, {"raw_remote_call", b_raw_remote_call, 0},
            {"luc_remote_call", b_luc_remote_call, 0}, {"raw_remote_rr", b_raw_remote_rr, 0},
            {"luc_pyth_fanout", b_luc_pyth_fanout, 0});
    if (fan_alloc(items)) {
        fail("remote_fanout", "out of memory");
        return;
    }
    fan_where = LUCIDITY_REMOTE;
    MEASURE(items, {"raw_remote_fanout", b_raw_fanout, 0},
            {"luc_remote_fanout", b_luc_fanout, 0}, {"luc_remote_fanout_256", b_luc_fanout_256, 0},
            {"luc_remote_fanout_pool", b_luc_fanout_pooled, 0});
}

int main(int argc, char **argv)
{
    /* lunatic run passes arguments: local [reps [calls [items]]];
       lunatic node --wasm passes none: LUCBENCH_* environment variables. */
    const char *mode = argc > 1 ? argv[1] : getenv("LUCBENCH_MODE");
    reps = argc > 2 ? atoi(argv[2]) : env_int("LUCBENCH_REPS", 7);
    lh_die_when_link_dies(0); /* raw linked variants: a death is a message */
    if (mode && !strcmp(mode, "remote"))
        run_remote();
    else if (mode && !strcmp(mode, "msg"))
        run_msg();
    else if (mode && !strcmp(mode, "pool"))
        run_pool(argc > 4 ? atoi(argv[4]) : 10000);
    else
        run_local(argc > 3 ? atoi(argv[3]) : 300, argc > 4 ? atoi(argv[4]) : 10000);
    printf("BENCHDONE %s\n", failed ? "with failures" : "ok");
    fflush(stdout);
    return 0;
}
