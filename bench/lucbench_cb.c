/*
 * lucbench_cb.c - the callback-stream side of lucbench's baselines (see
 * lucbench_cb.h and pb_callback_names.h): compiled without PB_BUFFER_ONLY,
 * against lucbench_nanopb_cb.
 */
#include "lucbench_cb.h"

#include <pb_decode.h>
#include <pb_encode.h>

#include "host.h"

static bool cb_write(pb_ostream_t *s, const pb_byte_t *buf, size_t n)
{
    (void)s;
    return lh_write_data(buf, (uint32_t)n) == n;
}

static bool cb_read(pb_istream_t *s, pb_byte_t *buf, size_t n)
{
    (void)s;
    return lh_read_data(buf, (uint32_t)n) == n;
}

bool cb_size(const pb_msgdesc_t *fields, const void *src, size_t *size)
{
    *size = 0;
    return pb_get_encoded_size(size, fields, src);
}

bool cb_encode(const pb_msgdesc_t *fields, const void *src, size_t size)
{
    pb_ostream_t os = {cb_write, NULL, size, 0, NULL};
    return pb_encode(&os, fields, src);
}

bool cb_decode(const pb_msgdesc_t *fields, void *dst, size_t len)
{
    pb_istream_t is = {cb_read, NULL, len, NULL};
    return pb_decode(&is, fields, dst);
}
