/*
 * msg.c - messages: an explicit typed header, then a payload, built and read
 * over lunatic's per-process message buffer.
 *
 * Each lunatic process has one scratch buffer: create_data() starts an
 * outgoing message, send() takes it away, receive() replaces it with an
 * incoming one. A message is built by luc_msg_begin (+ appends) or
 * luc_msg_write right before the one send that takes it; no code relies on an
 * older message still being there.
 *
 * Every host call costs about as much as encoding a few fields, so a
 * protobuf payload is never streamed into the scratch buffer field by field
 * (nanopb's write callback runs once per tag, length and value: ~290 host
 * calls for a 1 KiB message). It is encoded into memory of ours and written
 * with one write_data; decoding reads the payload with one read_data and
 * decodes from memory. Payloads up to LUC_MSG_STACK bytes use a buffer on the
 * stack (no sizing pass, no allocation); larger ones are sized, allocated
 * and encoded again.
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
#include "remote.h"

static void luc_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t luc_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void luc_msg_head_put(uint8_t *p, luc_kind kind, int32_t status)
{
    luc_put32(p, (uint32_t)kind);
    luc_put32(p + 4, (uint32_t)status);
}

int luc_msg_begin(int64_t tag, luc_kind kind, int32_t status, size_t payload)
{
    uint8_t head[LUC_HEAD_SIZE];
    luc_msg_head_put(head, kind, status);
    lh_create_data((uint64_t)tag, LUC_HEAD_SIZE + payload);
    return luc_msg_append(head, sizeof head);
}

int luc_msg_append(const void *data, size_t len)
{
    if (len > UINT32_MAX)
        return LUCIDITY_EENCODE;
    return lh_write_data(data, (uint32_t)len) == len ? LUCIDITY_OK : LUCIDITY_EENCODE;
}

int luc_msg_encode(luc_msg_buf *b, luc_kind kind, int32_t status, const pb_msgdesc_t *fields,
                   const void *src)
{
    b->data = b->stack;
    b->len = LUC_HEAD_SIZE;
    luc_msg_head_put(b->data, kind, status);
    if (!fields)
        return LUCIDITY_OK;
    pb_ostream_t os = pb_ostream_from_buffer(b->data + LUC_HEAD_SIZE, LUC_MSG_STACK);
    if (pb_encode(&os, fields, src)) {
        b->len += os.bytes_written;
        return LUCIDITY_OK;
    }
    /* Too large for the stack buffer, or not encodable at all: the sizing pass
       tells which (a message that fits and still failed is the latter). */
    size_t size = 0;
    if (!pb_get_encoded_size(&size, fields, src) || size <= LUC_MSG_STACK ||
        size > UINT32_MAX - LUC_HEAD_SIZE)
        return LUCIDITY_EENCODE;
    uint8_t *heap = malloc(LUC_HEAD_SIZE + size);
    if (!heap)
        return LUCIDITY_ENOMEM;
    memcpy(heap, b->stack, LUC_HEAD_SIZE);
    os = pb_ostream_from_buffer(heap + LUC_HEAD_SIZE, size);
    if (!pb_encode(&os, fields, src)) {
        free(heap);
        return LUCIDITY_EENCODE;
    }
    b->data = heap;
    b->len += os.bytes_written;
    return LUCIDITY_OK;
}

int luc_msg_put(const luc_msg_buf *b, int64_t tag)
{
    lh_create_data((uint64_t)tag, b->len);
    return luc_msg_append(b->data, b->len);
}

void luc_msg_buf_free(luc_msg_buf *b)
{
    if (b->data != b->stack)
        free(b->data);
    b->data = b->stack;
    b->len = 0;
}

int luc_msg_write(int64_t tag, luc_kind kind, int32_t status, const pb_msgdesc_t *fields,
                  const void *src)
{
    luc_msg_buf b;
    int rc = luc_msg_encode(&b, kind, status, fields, src);
    if (rc == LUCIDITY_OK)
        rc = luc_msg_put(&b, tag);
    luc_msg_buf_free(&b);
    return rc;
}

/* The message luc_msg_head/take/read read: lunatic's message buffer, or a
   message already in our memory (data set: a reply out of a batch of results,
   node.c), until luc_msg_read_buffer() or the next receive (wait.c, luc_drain).
   Reading it there spares the host calls that would copy it into the buffer
   and back out. */
static struct {
    const uint8_t *data;
    size_t len, at;
} luc_in;

void luc_msg_read_memory(const uint8_t *data, size_t len)
{
    luc_in.data = data;
    luc_in.len = len;
    luc_in.at = 0;
}

void luc_msg_read_buffer(void)
{
    luc_in.data = NULL;
}

int luc_msg_head(luc_kind *kind, int32_t *status)
{
    uint8_t head[LUC_HEAD_SIZE];
    if (luc_in.data) {
        if (luc_in.len < LUC_HEAD_SIZE)
            return LUCIDITY_EDECODE;
        memcpy(head, luc_in.data, sizeof head);
        luc_in.at = sizeof head;
    } else if (lh_data_size() < LUC_HEAD_SIZE || lh_read_data(head, sizeof head) != sizeof head) {
        return LUCIDITY_EDECODE;
    }
    *kind = (luc_kind)luc_get32(head);
    *status = (int32_t)luc_get32(head + 4);
    return LUCIDITY_OK;
}

int luc_msg_take(void *dst, size_t len)
{
    if (luc_in.data) {
        if (len > luc_in.len - luc_in.at)
            return LUCIDITY_EDECODE;
        memcpy(dst, luc_in.data + luc_in.at, len);
        luc_in.at += len;
        return LUCIDITY_OK;
    }
    return len <= UINT32_MAX && lh_read_data(dst, (uint32_t)len) == len ? LUCIDITY_OK
                                                                         : LUCIDITY_EDECODE;
}

/* Decodes len bytes at buf (see luc_msg_read). */
static int luc_msg_decode(const uint8_t *buf, size_t len, const pb_msgdesc_t *fields, void *dst)
{
    pb_istream_t is = pb_istream_from_buffer(buf, len);
    (void)luc_pb_alloc_failed(true);
    if (pb_decode(&is, fields, dst))
        return LUCIDITY_OK;
    return luc_pb_alloc_failed(true) ? LUCIDITY_ENOMEM : LUCIDITY_EDECODE;
}

int luc_msg_take_i32(int32_t *v)
{
    uint8_t b[4];
    int rc = luc_msg_take(b, sizeof b);
    if (rc == LUCIDITY_OK)
        *v = (int32_t)luc_get32(b);
    return rc;
}

/* Decodes the rest of the buffer, read with one read_data. nanopb allocates
 * strings, bytes and arrays with pb_realloc, which is luc_pb_realloc
 * (pb_alloc.c): running out of memory inside the job's limit is told apart
 * from malformed data by the allocator itself. */
int luc_msg_read(const pb_msgdesc_t *fields, void *dst)
{
    if (luc_in.data) /* the header was read by luc_msg_head: the payload follows */
        return luc_msg_decode(luc_in.data + luc_in.at, luc_in.len - luc_in.at, fields, dst);
    uint64_t size = lh_data_size();
    if (size < LUC_HEAD_SIZE || size - LUC_HEAD_SIZE > UINT32_MAX)
        return LUCIDITY_EDECODE;
    size_t len = (size_t)(size - LUC_HEAD_SIZE);
    uint8_t stack[LUC_MSG_STACK];
    uint8_t *buf = len <= sizeof stack ? stack : malloc(len);
    if (!buf)
        return LUCIDITY_ENOMEM;
    /* The header was read by luc_msg_head: the payload follows. */
    int rc = lh_read_data(buf, (uint32_t)len) == len ? LUCIDITY_OK : LUCIDITY_EDECODE;
    if (rc == LUCIDITY_OK)
        rc = luc_msg_decode(buf, len, fields, dst);
    if (buf != stack)
        free(buf);
    return rc;
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

/* ---- batches (remote.h) ---- */

/* Room for len more bytes after b->len (doubling from 4 KiB); false: out of memory. */
static bool luc_bytes_reserve(luc_bytes *b, size_t len)
{
    if (b->len + len <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + len)
        cap *= 2;
    uint8_t *grown = realloc(b->data, cap);
    if (!grown)
        return false;
    b->data = grown;
    b->cap = cap;
    return true;
}

bool luc_bytes_put(luc_bytes *b, const void *data, size_t len)
{
    if (!luc_bytes_reserve(b, len))
        return false;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    return true;
}

bool luc_bytes_take_msg(luc_bytes *b, size_t from)
{
    uint64_t size = lh_data_size();
    if (size < from || size - from > UINT32_MAX)
        return false;
    size_t len = (size_t)(size - from);
    size_t at = b->len;
    if (!luc_bytes_reserve(b, len)) /* then read in place: no copy */
        return false;
    lh_seek_data(from);
    if (len && lh_read_data(b->data + at, (uint32_t)len) != len)
        return false;
    b->len += len;
    return true;
}

void luc_mark_self(void)
{
    if (luc_tell(lh_process_id(), LUC_MARK_TAG, LUC_K_MARK, 0) != LUCIDITY_OK)
        abort(); /* a process that cannot write to itself cannot go on */
}
