/* msg_test.c - a message is written with one host write and its payload read
 * with one host read, whatever its number of fields (msg.c), and comes back
 * equal; small payloads use the stack buffer, large ones the heap. */
#include <stdio.h>
#include <string.h>

#include <pb_decode.h>

#include "unit.h"

/* The benchmarks' Polyline: many small fields, strings, bytes. */
#include "../../bench/polyline.h"

/* A static array field: a count above its size cannot be encoded. */
typedef struct Fixed { pb_size_t v_count; uint32_t v[2]; } Fixed;
#define Fixed_FIELDLIST(X, a) X(a, STATIC, REPEATED, UINT32, v, 1)
#define Fixed_CALLBACK NULL
#define Fixed_DEFAULT NULL
PB_BIND(Fixed, Fixed, AUTO)

enum { MAXPTS = 2000 };
static Point pts[MAXPTS];
static char labels[MAXPTS][16];
static union { pb_bytes_array_t a; uint8_t raw[PB_BYTES_ARRAY_T_ALLOCSIZE(128)]; } tagbuf;

static Polyline make(pb_size_t n)
{
    for (pb_size_t i = 0; i < n; i++) {
        snprintf(labels[i], sizeof labels[i], "pt-%04u", (unsigned)i);
        pts[i] = (Point){i * 1.25, i * -0.5 + 0.1, labels[i]};
    }
    tagbuf.a.size = 128;
    pb_byte_t *bytes = tagbuf.a.bytes; /* bytes[1] is nanopb's stand-in for a flexible array */
    for (int i = 0; i < 128; i++)
        bytes[i] = (uint8_t)(i * 7);
    return (Polyline){n, pts, true, &tagbuf.a};
}

/* Writes p, then reads it back as a receiver does (header, then payload). */
static void round_trip(pb_size_t n, size_t *writes, size_t *reads, size_t *bytes)
{
    Polyline p = make(n);
    size_t w0 = fake_write_count();
    assert_status(luc_msg_write(77, LUC_K_ARGS, 5, &Polyline_msg, &p), LUCIDITY_OK);
    *writes = fake_write_count() - w0;
    *bytes = (size_t)lh_data_size();
    assert_int_equal(lh_get_tag(), 77);
    lh_seek_data(0);
    size_t r0 = fake_read_count();
    luc_kind kind;
    int32_t status;
    assert_status(luc_msg_head(&kind, &status), LUCIDITY_OK);
    assert_int_equal(kind, LUC_K_ARGS);
    assert_int_equal(status, 5);
    Polyline q;
    memset(&q, 0, sizeof q);
    assert_status(luc_msg_read(&Polyline_msg, &q), LUCIDITY_OK);
    *reads = fake_read_count() - r0;
    assert_int_equal(q.points_count, n);
    for (pb_size_t i = 0; i < n; i++) {
        assert_true(q.points[i].x == p.points[i].x && q.points[i].y == p.points[i].y);
        assert_string_equal(q.points[i].label, p.points[i].label);
    }
    assert_true(q.closed);
    assert_int_equal(q.tag->size, 128);
    assert_memory_equal(q.tag->bytes, p.tag->bytes, 128);
    pb_release(&Polyline_msg, &q);
}

/* ~1 KiB, 97 fields: one write, and the header plus one read of the payload. */
static void a_small_message_is_one_write_and_one_payload_read(void **state)
{
    (void)state;
    size_t writes, reads, bytes;
    round_trip(32, &writes, &reads, &bytes);
    assert_true(bytes > 1000 && bytes < LUC_MSG_STACK);
    assert_int_equal(writes, 1);
    assert_int_equal(reads, 2);
}

/* Larger than the stack buffer: encoded on the heap, still one write. */
static void a_large_message_is_one_write_too(void **state)
{
    (void)state;
    size_t writes, reads, bytes;
    round_trip(MAXPTS, &writes, &reads, &bytes);
    assert_true(bytes > 4 * LUC_MSG_STACK);
    assert_int_equal(writes, 1);
    assert_int_equal(reads, 2);
}

/* The size at which the stack buffer is just full or just too small. */
static void payloads_around_the_stack_size_round_trip(void **state)
{
    (void)state;
    for (pb_size_t n = 50; n < 90; n++) {
        size_t writes, reads, bytes;
        round_trip(n, &writes, &reads, &bytes);
        assert_int_equal(writes, 1);
    }
}

static void an_unencodable_message_is_eencode_and_nothing_is_written(void **state)
{
    (void)state;
    Fixed f = {3, {1, 2}};
    size_t w0 = fake_write_count();
    assert_status(luc_msg_write(1, LUC_K_ARGS, 0, &Fixed_msg, &f), LUCIDITY_EENCODE);
    assert_int_equal(fake_write_count(), w0);
}

/* A truncated payload fails to decode from memory as it did from the stream. */
static void a_truncated_payload_is_edecode(void **state)
{
    (void)state;
    Polyline p = make(4);
    luc_msg_buf b;
    assert_status(luc_msg_encode(&b, LUC_K_REPLY, 0, &Polyline_msg, &p), LUCIDITY_OK);
    lh_create_data(1, b.len);
    assert_status(luc_msg_append(b.data, b.len - 3), LUCIDITY_OK);
    luc_msg_buf_free(&b);
    lh_seek_data(0);
    luc_kind kind;
    int32_t status;
    assert_status(luc_msg_head(&kind, &status), LUCIDITY_OK);
    Polyline q;
    memset(&q, 0, sizeof q);
    assert_status(luc_msg_read(&Polyline_msg, &q), LUCIDITY_EDECODE);
    pb_release(&Polyline_msg, &q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(a_small_message_is_one_write_and_one_payload_read, unit_setup),
        cmocka_unit_test_setup(a_large_message_is_one_write_too, unit_setup),
        cmocka_unit_test_setup(payloads_around_the_stack_size_round_trip, unit_setup),
        cmocka_unit_test_setup(an_unencodable_message_is_eencode_and_nothing_is_written,
                               unit_setup),
        cmocka_unit_test_setup(a_truncated_payload_is_edecode, unit_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
