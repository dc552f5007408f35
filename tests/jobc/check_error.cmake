# cmake -DJOBC=... -DDIR=errors -DNAME=x -P check_error.cmake
# jobc --check on errors/NAME.job must exit 1 with exactly errors/NAME.stderr.
execute_process(COMMAND "${JOBC}" --check "${NAME}.job" WORKING_DIRECTORY "${DIR}"
  RESULT_VARIABLE rc ERROR_VARIABLE err)
file(READ "${DIR}/${NAME}.stderr" expected)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit code 1, got ${rc}")
endif()
if(NOT err STREQUAL expected)
  message(FATAL_ERROR "stderr differs.\n--- expected\n${expected}\n--- got\n${err}")
endif()
