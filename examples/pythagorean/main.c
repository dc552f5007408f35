/*
 * The seed's example in C: hypotenuses of (3,4) ... (9,10), computed by jobs
 * in their own lunatic processes: locally, asynchronously, remotely and
 * fanned out over the cluster's nodes.
 *
 *   tools/lucidity run --nodes 3 build/wasm/examples/pythagorean/pythagorean.wasm
 *   .deps/bin/lunatic run build/wasm/examples/pythagorean/pythagorean.wasm   (one node)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pythagorean.job.h"

/* ---- the jobs: plain C functions, also callable directly ---- */

uint32_t square(uint32_t a)
{
    return a * a;
}

float pythagorean(uint32_t a, uint32_t b)
{
    uint32_t a2 = 0, b2 = 0;
    if (square_local(a, &a2) != LUCIDITY_OK || square_local(b, &b2) != LUCIDITY_OK)
        return NAN;
    return sqrtf((float)(a2 + b2));
}

float pythagorean_async(uint32_t a, uint32_t b)
{
    square_handle ha, hb;
    uint32_t a2 = 0, b2 = 0;
    if (square_local_async(a, &ha) != LUCIDITY_OK || square_local_async(b, &hb) != LUCIDITY_OK ||
        square_await(&ha, &a2) != LUCIDITY_OK || square_await(&hb, &b2) != LUCIDITY_OK)
        return NAN;
    return sqrtf((float)(a2 + b2));
}

uint64_t where(uint32_t a, uint32_t b)
{
    (void)a, (void)b;
    return lucidity_node_id();
}

/* ---- the app ---- */

enum { N = 7 };

/* Shortest decimal text that reads back as the same f32, as the seed (Rust) prints it. */
static const char *f32_text(float v, char *buf, size_t size)
{
    for (int prec = 1; prec < 10; prec++) {
        snprintf(buf, size, "%.*g", prec, (double)v);
        if (strtof(buf, NULL) == v)
            break;
    }
    if (!strpbrk(buf, ".en"))
        strncat(buf, ".0", size - strlen(buf) - 1);
    return buf;
}

static int fail(const char *what, int status)
{
    printf("FAIL %s: %s (%s)\n", what, lucidity_strerror(status), lucidity_err_name(status));
    return 1;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void print_row(const char *variant, const float *v)
{
    char buf[32];
    printf("%s:", variant);
    for (int i = 0; i < N; i++)
        printf(" %s", f32_text(v[i], buf, sizeof buf));
}

int main(void)
{
    float sync[N], async[N], remote[N], fanned[N];
    pythagorean_args items[N];
    int rc;

    for (uint32_t i = 0; i < N; i++) {
        items[i] = (pythagorean_args){.a = 3 + i, .b = 4 + i};
        if ((rc = pythagorean_local(3 + i, 4 + i, &sync[i])) != LUCIDITY_OK)
            return fail("pythagorean_local", rc);
        if ((rc = pythagorean_async_local(3 + i, 4 + i, &async[i])) != LUCIDITY_OK)
            return fail("pythagorean_async_local", rc);
        if ((rc = pythagorean_remote(3 + i, 4 + i, &remote[i])) != LUCIDITY_OK)
            return fail("pythagorean_remote", rc);
    }
    print_row("local", sync), printf("\n");
    print_row("local_async", async), printf("\n");
    print_row("remote", remote), printf("\n");

    /* The headline: one fanout over the cluster, results in input order. */
    int statuses[N];
    uint64_t nodes[N];
    lucidity_fanout_opts fo = {.nodes = nodes};
    double t0 = now_ms();
    rc = pythagorean_remote_fanout_with(items, N, fanned, statuses, &fo);
    double took = now_ms() - t0;
    if (rc != LUCIDITY_OK)
        return fail("pythagorean_remote_fanout", rc);
    uint64_t self = lucidity_node_id(), seen[N];
    int distinct = 0;
    for (int i = 0; i < N; i++) {
        char buf[32];
        printf("  pythagorean(%u, %u) = %s on node %llu\n", items[i].a, items[i].b,
               f32_text(fanned[i], buf, sizeof buf), (unsigned long long)nodes[i]);
        int j = 0;
        while (j < distinct && seen[j] != nodes[i])
            j++;
        if (j == distinct)
            seen[distinct++] = nodes[i];
        if (self && nodes[i] == self)
            return fail("pythagorean_remote_fanout ran on the caller's node", LUCIDITY_OK);
    }
    print_row("remote_fanout", fanned);
    printf(" (%d node%s)\n", distinct, distinct == 1 ? "" : "s");
    printf("remote_fanout took %.1f ms\n", took);
    return 0;
}
