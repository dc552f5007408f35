/*
 * msg.c - nanopb streams over lunatic's message buffer.
 *
 * Each lunatic process has one scratch buffer: create_data() starts an
 * outgoing message, receive() replaces it with an incoming one. Encoding
 * writes straight into it and decoding reads straight out of it, so a
 * message is never copied through an intermediate buffer of ours.
 *
 * Message layout: [i32 status, little-endian][protobuf payload].
 * Arguments use status 0; a reply's status is the job-side outcome.
 */
#include <pb_decode.h>
#include <pb_encode.h>
#include <string.h>

#include "host.h"
#include "internal.h"

static bool luc_write_cb(pb_ostream_t *stream, const pb_byte_t *buf, size_t count)
{
    (void)stream;
    return lh_write_data(buf, (uint32_t)count) == count;
}

static bool luc_read_cb(pb_istream_t *stream, pb_byte_t *buf, size_t count)
{
    (void)stream;
    return lh_read_data(buf, (uint32_t)count) == count;
}

void luc_msg_begin(int64_t tag, int32_t kind, size_t payload)
{
    uint32_t k = (uint32_t)kind;
    uint8_t head[4] = {(uint8_t)k, (uint8_t)(k >> 8), (uint8_t)(k >> 16), (uint8_t)(k >> 24)};
    lh_create_data((uint64_t)tag, 4 + payload);
    lh_write_data(head, 4);
}

int luc_msg_write(int64_t tag, int32_t status, const pb_msgdesc_t *fields, const void *src)
{
    size_t size = 0;
    if (fields && !pb_get_encoded_size(&size, fields, src))
        return LUCIDITY_EENCODE;
    luc_msg_begin(tag, status, size);
    if (!fields)
        return LUCIDITY_OK;
    pb_ostream_t os = {luc_write_cb, NULL, size, 0, NULL};
    return pb_encode(&os, fields, src) ? LUCIDITY_OK : LUCIDITY_EENCODE;
}

int luc_msg_read_status(int32_t *status)
{
    uint8_t head[4];
    if (lh_data_size() < 4 || lh_read_data(head, 4) != 4)
        return LUCIDITY_EDECODE;
    *status = (int32_t)((uint32_t)head[0] | (uint32_t)head[1] << 8 | (uint32_t)head[2] << 16 |
                        (uint32_t)head[3] << 24);
    return LUCIDITY_OK;
}

/* Decodes the rest of the buffer. nanopb allocates strings, bytes and arrays
 * with malloc; running out of memory inside the job's limit is told apart
 * from malformed data, since the job then reports ENOMEM, not EDECODE. */
int luc_msg_read(const pb_msgdesc_t *fields, void *dst)
{
    uint64_t size = lh_data_size();
    pb_istream_t is = {luc_read_cb, NULL, (size_t)(size - 4), NULL};
    if (pb_decode(&is, fields, dst))
        return LUCIDITY_OK;
    const char *why = PB_GET_ERROR(&is);
    return (why && strstr(why, "realloc failed")) ? LUCIDITY_ENOMEM : LUCIDITY_EDECODE;
}

int luc_msg_read_args(const pb_msgdesc_t *fields, void *dst)
{
    int32_t st;
    int rc = luc_msg_read_status(&st);
    return rc ? rc : luc_msg_read(fields, dst);
}
