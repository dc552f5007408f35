# Tests of the examples (host world): each runs an example the way README
# says to, on a loopback cluster, and checks its output.
set(LUCIDITY_CLI "${PROJECT_SOURCE_DIR}/tools/lucidity")

# The main example through the `lucidity run` CLI, as README shows it.
add_test(NAME example.pythagorean
  COMMAND ${CMAKE_COMMAND} -E env LUNATIC=${LUCIDITY_LUNATIC}
          ${Python3_EXECUTABLE} ${LUCIDITY_CLI} run --nodes 3 --timeout 120
          ${LUCIDITY_WASM_DIR}/examples/pythagorean/pythagorean.wasm)
set_tests_properties(example.pythagorean PROPERTIES RUN_SERIAL TRUE TIMEOUT 180
  FAIL_REGULAR_EXPRESSION "FAIL"
  PASS_REGULAR_EXPRESSION "remote_fanout: 5.0 6.4031243 7.81025 9.219544 10.630146 12.0415945 13.453624 \\(3 nodes\\)")

foreach(example mandelbrot wordfreq shop)
  include("${CMAKE_CURRENT_LIST_DIR}/${example}/tests.cmake" OPTIONAL)
endforeach()

# `./setup.sh` ends with this: the main example on a 3-node local cluster.
add_custom_target(run-main-example
  COMMAND ${CMAKE_COMMAND} -E env LUNATIC=${LUCIDITY_LUNATIC}
          ${Python3_EXECUTABLE} ${LUCIDITY_CLI} run --nodes 3 --timeout 120
          ${LUCIDITY_WASM_DIR}/examples/pythagorean/pythagorean.wasm
  DEPENDS wasm USES_TERMINAL VERBATIM)
