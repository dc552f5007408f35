# lucidity_nanopb: nanopb's runtime (pb_encode/pb_decode/pb_common) built from
# the sources setup.sh fetched, for whichever world this build is in.
# PB_ENABLE_MALLOC: strings, bytes and arrays of any length are decoded into
# malloc'd memory and released with pb_release().
if(NOT EXISTS "${LUCIDITY_NANOPB_DIR}/pb_decode.c")
  message(FATAL_ERROR "nanopb sources not found in ${LUCIDITY_NANOPB_DIR}: run ./setup.sh")
endif()
# One translation unit (runtime/src/pb_unity.c) so that the field iterator is
# inlined into the encode and decode loops: ~10 % off encode + decode in wasm.
add_library(lucidity_nanopb STATIC
  "${PROJECT_SOURCE_DIR}/runtime/src/pb_unity.c"
  "${PROJECT_SOURCE_DIR}/runtime/src/pb_alloc.c")
target_include_directories(lucidity_nanopb PUBLIC "$<BUILD_INTERFACE:${LUCIDITY_NANOPB_DIR}>")
# PB_BUFFER_ONLY: streams are memory buffers. The runtime encodes a message
# into memory and writes it with one host call, and decodes from memory; a
# stream callback would cost an indirect call per byte read and per field
# written (about a third of encoding + decoding in wasm under fuel metering).
target_compile_definitions(lucidity_nanopb PUBLIC PB_ENABLE_MALLOC=1 PB_FIELD_32BIT=1
                           PB_BUFFER_ONLY=1)
# Allocation failures are recorded by runtime/src/pb_alloc.c (ENOMEM vs EDECODE).
target_compile_options(lucidity_nanopb PRIVATE
  "SHELL:-include ${PROJECT_SOURCE_DIR}/runtime/src/pb_alloc.h")
set_target_properties(lucidity_nanopb PROPERTIES POSITION_INDEPENDENT_CODE ON)
