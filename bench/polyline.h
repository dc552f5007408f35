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

#endif
