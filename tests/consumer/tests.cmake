# Host-world tests of the installed package (included by the top-level CMakeLists):
# install this build into a fresh prefix (then moved, to prove it relocatable), check
# the file list, build tests/consumer with find_package + lucidity_add_jobs (Ninja and
# Unix Makefiles) and examples/make with pkg-config, and run them under lunatic.
set(consumer_driver "${CMAKE_CURRENT_LIST_DIR}/consumer_test.sh")
set(consumer_work "${CMAKE_BINARY_DIR}/consumer-test")
foreach(step install manifest ninja rebuild makefiles make)
  add_test(NAME consumer.${step}
    COMMAND bash "${consumer_driver}" ${step} "${CMAKE_BINARY_DIR}" "${PROJECT_SOURCE_DIR}"
            "${consumer_work}" "${LUCIDITY_LUNATIC}")
  set_tests_properties(consumer.${step} PROPERTIES TIMEOUT 120)
  if(step STREQUAL "install")
    set_tests_properties(consumer.${step} PROPERTIES FIXTURES_SETUP lucidity_prefix)
  else()
    set_tests_properties(consumer.${step} PROPERTIES FIXTURES_REQUIRED lucidity_prefix)
  endif()
endforeach()
