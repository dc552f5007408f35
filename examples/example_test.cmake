# lucidity_example_test(NAME DRIVER ARGS...) (host world): the test
# example.NAME runs DRIVER (a Python script using example_test.py) in its own
# directory, build/examples/NAME; the driver runs build/wasm/examples/NAME/NAME.wasm
# as the app node of a loopback cluster of 3 nodes (tests/smoke/run_in_cluster.py;
# the app node's cwd is that directory, preopened by lunatic) and checks its output
# against a native computation of the same result.
include_guard(GLOBAL)

function(lucidity_example_test name driver)
  set(dir "${CMAKE_BINARY_DIR}/examples/${name}")
  file(MAKE_DIRECTORY "${dir}")
  add_test(NAME example.${name}
    COMMAND ${Python3_EXECUTABLE} "${driver}"
            --runner "${PROJECT_SOURCE_DIR}/tests/smoke/run_in_cluster.py" --lunatic "${LUCIDITY_LUNATIC}"
            --nodes 3 --wasm "${LUCIDITY_WASM_DIR}/examples/${name}/${name}.wasm" ${ARGN}
    WORKING_DIRECTORY "${dir}")
  set_tests_properties(example.${name} PROPERTIES TIMEOUT 120 RUN_SERIAL TRUE)
endfunction()
