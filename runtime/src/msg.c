/*
 * msg.c - messages: an explicit typed header, then a payload, built and read
 * over lunatic's per-process message buffer.
 *
 * Each lunatic process has one scratch buffer: create_data() starts an
 * outgoing message, send() takes it away, receive() replaces it with an
 * incoming one. Encoding writes straight into it and decoding reads straight
 * out of it, so a message is never copied through an intermediate buffer of
 * ours. A message is built by luc_msg_begin (+ appends) right before the one
 * send that takes it; no code relies on an older message still being there.
 *
 * Layout: [u32 kind][i32 status] little-endian, then the kind's payload
 * (protobuf for ARGS and REPLY). Kinds are in internal.h.
 */
#include <pb_decode.h>
#include <pb_encode.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "internal.h"

#define LUC_HEAD_SIZE 8

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

static void luc_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t luc_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int luc_msg_begin(int64_t tag, luc_kind kind, int32_t status, size_t payload)
{
    uint8_t head[LUC_HEAD_SIZE];
    luc_put32(head, (uint32_t)kind);
    luc_put32(head + 4, (uint32_t)status);
    lh_create_data((uint64_t)tag, LUC_HEAD_SIZE + payload);
    return luc_msg_append(head, sizeof head);
}

int luc_msg_append(const void *data, size_t len)
{
    if (len > UINT32_MAX)
        return LUCIDITY_EENCODE;
    return lh_write_data(data, (uint32_t)len) == len ? LUCIDITY_OK : LUCIDITY_EENCODE;
}

int luc_msg_write(int64_t tag, luc_kind kind, int32_t status, const pb_msgdesc_t *fields,
                  const void *src)
{
    size_t size = 0;
    if (fields && !pb_get_encoded_size(&size, fields, src))
        return LUCIDITY_EENCODE;
    int rc = luc_msg_begin(tag, kind, status, size);
    if (rc != LUCIDITY_OK || !fields)
        return rc;
    pb_ostream_t os = {luc_write_cb, NULL, size, 0, NULL};
    return pb_encode(&os, fields, src) ? LUCIDITY_OK : LUCIDITY_EENCODE;
}

int luc_msg_head(luc_kind *kind, int32_t *status)
{
    uint8_t head[LUC_HEAD_SIZE];
    if (lh_data_size() < LUC_HEAD_SIZE || lh_read_data(head, sizeof head) != sizeof head)
        return LUCIDITY_EDECODE;
    *kind = (luc_kind)luc_get32(head);
    *status = (int32_t)luc_get32(head + 4);
    return LUCIDITY_OK;
}

int luc_msg_take(void *dst, size_t len)
{
    return len <= UINT32_MAX && lh_read_data(dst, (uint32_t)len) == len ? LUCIDITY_OK
                                                                         : LUCIDITY_EDECODE;
}

int luc_msg_take_i32(int32_t *v)
{
    uint8_t b[4];
    int rc = luc_msg_take(b, sizeof b);
    if (rc == LUCIDITY_OK)
        *v = (int32_t)luc_get32(b);
    return rc;
}

/* Decodes the rest of the buffer. nanopb allocates strings, bytes and arrays
 * with pb_realloc, which is luc_pb_realloc (pb_alloc.c): running out of memory inside the
 * job's limit is told apart from malformed data by the allocator itself. */
int luc_msg_read(const pb_msgdesc_t *fields, void *dst)
{
    uint64_t size = lh_data_size();
    if (size < LUC_HEAD_SIZE)
        return LUCIDITY_EDECODE;
    pb_istream_t is = {luc_read_cb, NULL, (size_t)(size - LUC_HEAD_SIZE), NULL};
    (void)luc_pb_alloc_failed(true);
    if (pb_decode(&is, fields, dst))
        return LUCIDITY_OK;
    return luc_pb_alloc_failed(true) ? LUCIDITY_ENOMEM : LUCIDITY_EDECODE;
}

int luc_msg_read_args(const pb_msgdesc_t *fields, void *dst)
{
    luc_kind kind;
    int32_t status;
    int rc = luc_msg_head(&kind, &status);
    if (rc == LUCIDITY_OK && kind != LUC_K_ARGS)
        rc = LUCIDITY_EDECODE;
    return rc ? rc : luc_msg_read(fields, dst);
}

int luc_send(uint64_t pid)
{
    /* Local sends to a dead pid are dropped silently; the link tells the rest. */
    return lh_send(pid) == 0 ? LUCIDITY_OK : LUCIDITY_ESTATE;
}

int luc_tell(uint64_t pid, int64_t tag, luc_kind kind, int32_t status)
{
    int rc = luc_msg_begin(tag, kind, status, 0);
    return rc == LUCIDITY_OK ? luc_send(pid) : rc;
}

int luc_msg_save(int64_t *tag, uint8_t **data, size_t *len)
{
    uint64_t size = lh_data_size();
    if (size > UINT32_MAX)
        return LUCIDITY_EDECODE;
    *tag = lh_get_tag();
    *len = (size_t)size;
    *data = malloc(*len ? *len : 1);
    if (!*data)
        return LUCIDITY_ENOMEM;
    lh_seek_data(0);
    if (lh_read_data(*data, (uint32_t)*len) != *len) {
        free(*data);
        *data = NULL;
        return LUCIDITY_EDECODE;
    }
    return LUCIDITY_OK;
}

int luc_msg_rebuild(int64_t tag, const uint8_t *data, size_t len)
{
    lh_create_data((uint64_t)tag, len);
    return luc_msg_append(data, len);
}
