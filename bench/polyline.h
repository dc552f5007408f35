/*
 * polyline.h - the ~1 KiB message the nanopb figures use (bench/pb_bench.c
 * natively, bench/lucbench.c figure 4w in wasm) and runtime.unit.msg checks:
 * Polyline {points: [Point {x, y: f64; label: string}]; closed: bool;
 * tag: bytes}, with its descriptors written as jobc emits them (FIELDLIST
 * tables, pointer fields: PB_ENABLE_MALLOC). Include it once per program: it
 * defines the descriptors.
 */
#ifndef LUC_BENCH_POLYLINE_H
#define LUC_BENCH_POLYLINE_H

#include <pb.h>
#include <stdio.h>

typedef struct Point { double x; double y; char *label; } Point;
typedef struct Polyline {
    pb_size_t points_count;
    Point *points;
    bool closed;
    pb_bytes_array_t *tag;
} Polyline;

#define Point_FIELDLIST(X, a)                                                                      \
    X(a, STATIC, SINGULAR, DOUBLE, x, 1)                                                           \
    X(a, STATIC, SINGULAR, DOUBLE, y, 2)                                                           \
    X(a, POINTER, SINGULAR, STRING, label, 3)
#define Point_CALLBACK NULL
#define Point_DEFAULT NULL
#define Polyline_FIELDLIST(X, a)                                                                   \
    X(a, POINTER, REPEATED, MESSAGE, points, 1)                                                    \
    X(a, STATIC, SINGULAR, BOOL, closed, 2)                                                        \
    X(a, POINTER, SINGULAR, BYTES, tag, 3)
#define Polyline_CALLBACK NULL
#define Polyline_DEFAULT NULL
#define Polyline_points_MSGTYPE Point
PB_BIND(Point, Point, AUTO)
PB_BIND(Polyline, Polyline, AUTO)
#define Polyline_fields &Polyline_msg

enum { NPOINTS = 32, TAGLEN = 128 }; /* 97 fields, 1,052 bytes encoded */

/* The benchmark's value, in static storage (one per program). */
static inline void polyline_fill(Polyline *p)
{
    static Point pts[NPOINTS];
    static char labels[NPOINTS][16];
    static union { pb_bytes_array_t a; uint8_t raw[PB_BYTES_ARRAY_T_ALLOCSIZE(TAGLEN)]; } tag;
    for (int i = 0; i < NPOINTS; i++) {
        snprintf(labels[i], sizeof labels[i], "pt-%04d", i);
        pts[i] = (Point){i * 1.25, i * -0.5 + 0.1, labels[i]};
    }
    tag.a.size = TAGLEN;
    pb_byte_t *bytes = tag.a.bytes; /* bytes[1] is nanopb's stand-in for a flexible array */
    for (int i = 0; i < TAGLEN; i++)
        bytes[i] = (uint8_t)(i * 7);
    *p = (Polyline){NPOINTS, pts, true, &tag.a};
}

#endif
