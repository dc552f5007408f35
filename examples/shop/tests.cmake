# examples/shop on a 2-worker local cluster: every bill equals the caller's own arithmetic.
add_test(NAME example.shop
  COMMAND ${CMAKE_COMMAND} -E env LUNATIC=${LUCIDITY_LUNATIC}
          ${Python3_EXECUTABLE} ${LUCIDITY_CLI} run --nodes 2 --timeout 120
          ${LUCIDITY_WASM_DIR}/examples/shop/shop.wasm)
set_tests_properties(example.shop PROPERTIES RUN_SERIAL TRUE TIMEOUT 180
  FAIL_REGULAR_EXPRESSION "FAIL" PASS_REGULAR_EXPRESSION "shop ok: 12 bills")
