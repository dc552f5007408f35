/*
 * pb_bench.c - native nanopb encode and decode of a ~1 KiB Polyline, the kind
 * of message a job passes: repeated Point{x, y: double; label: string},
 * closed: bool, tag: bytes. Built by run.sh with gcc -O2 -DPB_ENABLE_MALLOC;
 * descriptors written by hand as jobc emits them (FIELDLIST tables).
 * Prints "BENCH <name> <ns per op> <ops>" per batch, like lucbench.
 */
#include <pb_common.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "polyline.h"

enum { BUF = 4096 };

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 7, n = argc > 2 ? atoi(argv[2]) : 100000;
    static uint8_t buf[BUF];
    Polyline p;
    polyline_fill(&p);
    pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof buf);
    if (!pb_encode(&os, Polyline_fields, &p)) {
        printf("BENCHFAIL pb_encode %s\n", PB_GET_ERROR(&os));
        return 1;
    }
    size_t len = os.bytes_written;
    printf("BENCHINFO pb_message_bytes %zu\n", len);
    volatile size_t sink = 0;
    for (int r = 0; r < reps; r++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < n; i++) {
            pb_ostream_t s = pb_ostream_from_buffer(buf, sizeof buf);
            pb_encode(&s, Polyline_fields, &p);
            sink += s.bytes_written;
        }
        printf("BENCH pb_encode %.1f %d\n", (double)(now_ns() - t0) / n, n);
        t0 = now_ns();
        for (int i = 0; i < n; i++) {
            Polyline q;
            memset(&q, 0, sizeof q);
            pb_istream_t s = pb_istream_from_buffer(buf, len);
            if (!pb_decode(&s, Polyline_fields, &q) || q.points_count != NPOINTS) {
                printf("BENCHFAIL pb_decode %s\n", PB_GET_ERROR(&s));
                return 1;
            }
            sink += q.points_count;
            pb_release(Polyline_fields, &q);
        }
        printf("BENCH pb_decode %.1f %d\n", (double)(now_ns() - t0) / n, n);
        /* what luc_msg_write adds: a sizing pass before every encode */
        t0 = now_ns();
        for (int i = 0; i < n; i++) {
            size_t size = 0;
            pb_get_encoded_size(&size, Polyline_fields, &p);
            sink += size;
        }
        printf("BENCH pb_get_encoded_size %.1f %d\n", (double)(now_ns() - t0) / n, n);
    }
    (void)sink;
    return 0;
}
