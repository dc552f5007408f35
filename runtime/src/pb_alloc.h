/*
 * pb_alloc.h - nanopb's allocator hook (pb_alloc.c). Force-included into
 * nanopb's own sources by cmake/LucidityNanopb.cmake; the runtime includes it
 * for luc_pb_alloc_failed.
 */
#ifndef LUCIDITY_PB_ALLOC_H
#define LUCIDITY_PB_ALLOC_H
#include <stdbool.h>
#include <stddef.h>

void *luc_pb_realloc(void *ptr, size_t size);
/* Whether an allocation failed since the last clear; clear resets it. */
bool luc_pb_alloc_failed(bool clear);
#ifndef pb_realloc /* the runtime includes pb.h first; nanopb sees this one */
#define pb_realloc(ptr, size) luc_pb_realloc(ptr, size)
#endif
#endif
