/*
 * interop - nanopb with jobc's descriptors vs protoc with jobc's .proto.
 *   interop encode CASE FILE   fill CASE's struct, pb_encode it into FILE
 *   interop decode CASE FILE   pb_decode FILE into CASE's struct, print it as protoc's text format
 * Built with LUCIDITY_DESCRIPTORS_ONLY: only descriptors and _free functions are linked.
 * interop.py drives it against `protoc --decode` / `protoc --encode`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include "arrays.job.h"
#include "enums.job.h"
#include "numbers.job.h"
#include "nested.job.h"
#include "scalars.job.h"
#include "strings.job.h"

static pb_bytes_array_t *bytes_of(const char *s, size_t n)
{
    pb_bytes_array_t *b = malloc(PB_BYTES_ARRAY_T_ALLOCSIZE(n));
    b->size = (pb_size_t)n;
    memcpy(b->bytes, s, n);
    return b;
}

static void print_bytes(const char *key, const pb_bytes_array_t *b, const char *indent)
{
    printf("%s%s: \"", indent, key);
    for (pb_size_t i = 0; b && i < b->size; i++) {
        unsigned char c = b->bytes[i];
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c >= 0x20 && c < 0x7f) putchar(c);
        else printf("\\%03o", c);
    }
    printf("\"\n");
}

static void print_vec(const char *key, const Vec *p, const char *indent)
{
    printf("%s%s {\n%s  x: %g\n%s  y: %g\n%s}\n", indent, key, indent, p->x, indent, p->y, indent);
}

static void print_point(const char *key, const Point *p, const char *indent)
{
    printf("%s%s {\n%s  x: %g\n%s  y: %g\n%s}\n", indent, key, indent, p->x, indent, p->y, indent);
}

typedef struct interop_case {
    const char *name;
    const pb_msgdesc_t *fields;
    size_t size;
    void (*fill)(void *msg);
    void (*print)(const void *msg);
} interop_case;

static void fill_mix(void *m)
{
    mix_args *a = m;
    *a = (mix_args){.flag = true, .i = -5, .l = -1234567890123, .u = 42,
                    .ul = 18446744073709551615ull, .f = 1.5f, .d = 2.25};
}

static void print_mix(const void *m)
{
    const mix_args *a = m;
    printf("flag: %s\ni: %d\nl: %lld\nu: %u\nul: %llu\nf: %g\nd: %g\n", a->flag ? "true" : "false",
           (int)a->i, (long long)a->l, (unsigned)a->u, (unsigned long long)a->ul, (double)a->f, a->d);
}

static void fill_checksum(void *m)
{
    checksum_args *a = m;
    a->data = bytes_of("\x01\x02" "ab\"", 5);
    a->label = strdup("hello world");
}

static void print_checksum(const void *m)
{
    const checksum_args *a = m;
    print_bytes("data", a->data, "");
    printf("label: \"%s\"\n", a->label);
}

static void fill_length(void *m)
{
    length_args *a = m;
    a->path.name = strdup("zigzag");
    a->path.segments_count = 2;
    a->path.segments = calloc(2, sizeof(Segment));
    a->path.segments[0] = (Segment){{1, 2}, {3, 4}};
    a->path.segments[1] = (Segment){{5, 6}, {7.5, -8}};
    a->path.closed = true;
}

static void print_length(const void *m)
{
    const length_args *a = m;
    printf("path {\n  name: \"%s\"\n", a->path.name);
    for (pb_size_t i = 0; i < a->path.segments_count; i++) {
        printf("  segments {\n");
        print_vec("from", &a->path.segments[i].from, "    ");
        print_vec("to", &a->path.segments[i].to, "    ");
        printf("  }\n");
    }
    printf("  closed: %s\n}\n", a->path.closed ? "true" : "false");
}

static void fill_histogram(void *m)
{
    histogram_args *a = m;
    a->words_count = 3;
    a->words = calloc(3, sizeof(char *));
    a->words[0] = strdup("a");
    a->words[1] = strdup("bb");
    a->words[2] = strdup("ccc");
    a->buckets = 7;
}

static void print_histogram(const void *m)
{
    const histogram_args *a = m;
    for (pb_size_t i = 0; i < a->words_count; i++) printf("words: \"%s\"\n", a->words[i]);
    printf("buckets: %u\n", (unsigned)a->buckets);
}

static void fill_centroid(void *m)
{
    centroid_args *a = m;
    a->points_count = 2;
    a->points = calloc(2, sizeof(Point));
    a->points[0] = (Point){0.5, 1};
    a->points[1] = (Point){-2, 3.25};
}

static void print_centroid(const void *m)
{
    const centroid_args *a = m;
    for (pb_size_t i = 0; i < a->points_count; i++) print_point("points", &a->points[i], "");
}

static void fill_hist_result(void *m)
{
    histogram_result *r = m;
    r->value_count = 3;
    r->value = calloc(3, sizeof(uint64_t));
    r->value[0] = 1;
    r->value[1] = 300;
    r->value[2] = 5000000000ull;
}

static void print_hist_result(const void *m)
{
    const histogram_result *r = m;
    for (pb_size_t i = 0; i < r->value_count; i++) printf("value: %llu\n", (unsigned long long)r->value[i]);
}

/* enums.job: enum values by name (an unknown number stays a number: an open enum) and
   optional fields, where a present zero is still sent. */
static void print_color(const char *key, paint_Color c, const char *indent)
{
    static const char *const names[] = {[paint_Color_COLOR_UNSET] = "COLOR_UNSET",
                                        [paint_Color_RED] = "RED", [paint_Color_GREEN] = "GREEN",
                                        [paint_Color_BLUE] = "BLUE"};
    if ((unsigned)c < sizeof names / sizeof names[0] && names[c]) printf("%s%s: %s\n", indent, key, names[c]);
    else printf("%s%s: %d\n", indent, key, (int)c);
}

static void fill_stroke(void *m)
{
    paint_Stroke *s = m;
    s->x = 1.5;
    s->color = paint_Color_BLUE;
    s->palette_count = 3;
    s->palette = calloc(3, sizeof *s->palette);
    s->palette[0] = paint_Color_RED;
    s->palette[1] = paint_Color_BLUE;
    s->palette[2] = (paint_Color)99;
    s->has_width = true; /* present, and 0 */
    s->has_shade = true;
    s->shade = paint_Color_GREEN;
}

static void print_stroke_in(const paint_Stroke *s, const char *indent)
{
    if (s->x) printf("%sx: %g\n", indent, s->x);
    if (s->color) print_color("color", s->color, indent);
    for (pb_size_t i = 0; i < s->palette_count; i++) print_color("palette", s->palette[i], indent);
    if (s->note) printf("%snote: \"%s\"\n", indent, s->note);
    if (s->has_width) printf("%swidth: %u\n", indent, s->width);
    if (s->has_shade) print_color("shade", s->shade, indent);
}

static void print_stroke(const void *m)
{
    print_stroke_in(m, "");
}

static void fill_paint(void *m)
{
    paint_paint_args *a = m;
    a->s.x = 2;
    a->s.color = paint_Color_RED;
    a->has_hint = true;
    a->hint = 5;
    a->label = strdup("x");
}

static void print_paint(const void *m)
{
    const paint_paint_args *a = m;
    printf("s {\n");
    print_stroke_in(&a->s, "  ");
    printf("}\n");
    if (a->has_hint) printf("hint: %u\n", a->hint);
    if (a->has_tint) print_color("tint", a->tint, "");
    if (a->label) printf("label: \"%s\"\n", a->label);
}

/* numbers.job: explicit field numbers, declared out of order */
static void fill_sample(void *m)
{
    wire_Sample *s = m;
    s->label = strdup("L");
    s->a = 0.25;
    s->c = 9;
    s->big = 77;
}

static void print_sample(const void *m)
{
    const wire_Sample *s = m;
    printf("a: %g\nc: %u\nlabel: \"%s\"\nbig: %llu\n", s->a, s->c, s->label ? s->label : "",
           (unsigned long long)s->big);
}

static const interop_case cases[] = {
    {"wire_Sample", wire_Sample_fields, sizeof(wire_Sample), fill_sample, print_sample},
    {"paint_Stroke", paint_Stroke_fields, sizeof(paint_Stroke), fill_stroke, print_stroke},
    {"paint_paint_args", paint_paint_args_fields, sizeof(paint_paint_args), fill_paint, print_paint},
    {"mix_args", mix_args_fields, sizeof(mix_args), fill_mix, print_mix},
    {"checksum_args", checksum_args_fields, sizeof(checksum_args), fill_checksum, print_checksum},
    {"length_args", length_args_fields, sizeof(length_args), fill_length, print_length},
    {"histogram_args", histogram_args_fields, sizeof(histogram_args), fill_histogram, print_histogram},
    {"histogram_result", histogram_result_fields, sizeof(histogram_result), fill_hist_result, print_hist_result},
    {"centroid_args", centroid_args_fields, sizeof(centroid_args), fill_centroid, print_centroid},
};

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: interop encode|decode CASE FILE\n");
        return 2;
    }
    const interop_case *c = NULL;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(cases[i].name, argv[2]) == 0) c = &cases[i];
    }
    if (!c) {
        fprintf(stderr, "unknown case %s\n", argv[2]);
        return 2;
    }
    void *msg = calloc(1, c->size);
    static uint8_t buf[65536];
    int rc = 0;
    if (strcmp(argv[1], "encode") == 0) {
        c->fill(msg);
        pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof buf);
        if (!pb_encode(&os, c->fields, msg)) {
            fprintf(stderr, "encode: %s\n", PB_GET_ERROR(&os));
            rc = 1;
        } else {
            FILE *f = fopen(argv[3], "wb");
            fwrite(buf, 1, os.bytes_written, f);
            fclose(f);
        }
    } else {
        FILE *f = fopen(argv[3], "rb");
        size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f) fclose(f);
        pb_istream_t is = pb_istream_from_buffer(buf, n);
        if (!pb_decode(&is, c->fields, msg)) {
            fprintf(stderr, "decode: %s\n", PB_GET_ERROR(&is));
            rc = 1;
        } else {
            c->print(msg);
        }
    }
    pb_release(c->fields, msg); /* also checks that everything decoded was malloc'd */
    free(msg);
    return rc;
}
