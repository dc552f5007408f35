/* lucbench_cb.h - nanopb over callback streams on the scratch buffer (the
   runtime's message path before issue 14), for lucbench's baselines; in
   lucbench_cb.c, which sees nanopb without PB_BUFFER_ONLY. */
#ifndef LUC_BENCH_CB_H
#define LUC_BENCH_CB_H
#include <pb.h>
#include <stdbool.h>
#include <stddef.h>

/* The sizing pass: *size is src's encoded size. */
bool cb_size(const pb_msgdesc_t *fields, const void *src, size_t *size);
/* Encodes src onto the scratch buffer (created with room for it) by
   write_data, one host call per nanopb write. */
bool cb_encode(const pb_msgdesc_t *fields, const void *src, size_t size);
/* Decodes len bytes from the scratch buffer's read position, one read_data
   per nanopb read. What it allocates is malloc'd, as with lucidity's
   nanopb, so pb_release frees it. */
bool cb_decode(const pb_msgdesc_t *fields, void *dst, size_t len);
#endif
