# Fault tests across network namespaces (host world; included by the top-level
# CMakeLists.txt). Each runs tests/netns/netns_cluster.py: 4 namespace hosts,
# the deploy/ entrypoints, netns_app.wasm as the app. They need root and
# iproute2 and report "skipped" (exit 77) without them.
set(LUCIDITY_NETNS_TESTS
    fanout_spread:spread link_down_retry:cut_retry link_down_no_retry:cut_no_retry
    link_back:link_back control_lost:control_lost admission:admission)
foreach(pair ${LUCIDITY_NETNS_TESTS})
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 name)
  list(GET pair 1 case)
  add_test(NAME netns.${name}
    COMMAND ${Python3_EXECUTABLE} "${CMAKE_CURRENT_LIST_DIR}/netns_cluster.py"
            --lunatic "${LUCIDITY_LUNATIC}" --probe "${LUCIDITY_QUIC_PROBE}" --case ${case}
            "${LUCIDITY_WASM_DIR}/tests/netns/netns_app.wasm")
  set_tests_properties(netns.${name} PROPERTIES
    SKIP_RETURN_CODE 77 RUN_SERIAL TRUE TIMEOUT 90)
endforeach()
