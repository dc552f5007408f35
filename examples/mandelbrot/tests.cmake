# example.mandelbrot (host world, included by examples/tests.cmake): the
# distributed render's checksum must equal the native reference's, which
# renders the same image from the same tile.c.
include("${CMAKE_CURRENT_LIST_DIR}/../example_test.cmake")

add_executable(mandelbrot_reference
  "${CMAKE_CURRENT_LIST_DIR}/reference.c" "${CMAKE_CURRENT_LIST_DIR}/tile.c")
target_compile_options(mandelbrot_reference PRIVATE ${LUCIDITY_WARNINGS} -ffp-contract=off)

lucidity_example_test(mandelbrot "${CMAKE_CURRENT_LIST_DIR}/check.py"
                      --reference $<TARGET_FILE:mandelbrot_reference>)
