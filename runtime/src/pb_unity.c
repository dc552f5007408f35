/*
 * pb_unity.c - nanopb's three sources as one translation unit, so that the
 * compiler can inline the field iterator (pb_common.c) into the encode and
 * decode loops that call it for every field; built into lucidity_nanopb by
 * cmake/LucidityNanopb.cmake.
 */
#include "pb_common.c"
#include "pb_encode.c"
#include "pb_decode.c"
