/*
 * pb_alloc.c - nanopb's allocator, built into lucidity_nanopb (nanopb's
 * sources are compiled with pb_alloc.h force-included).
 *
 * A decode that fails because memory ran out must be told apart from one that
 * fails on malformed data (ENOMEM vs EDECODE). nanopb reports both as a text;
 * instead of matching that text, the allocator itself records that it failed.
 * The flag is per process (each lunatic process is its own instance) and is
 * cleared by the runtime before each decode.
 */
#include <stdlib.h>

#include "pb_alloc.h"

static bool luc_failed;

void *luc_pb_realloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size);
    if (!p && size)
        luc_failed = true;
    return p;
}

bool luc_pb_alloc_failed(bool clear)
{
    bool was = luc_failed;
    if (clear)
        luc_failed = false;
    return was;
}
