# cmake -DJOBC=... -DJOB=golden/x.job -DGOLDEN=dir -DOUT=dir -P compare_golden.cmake
# Runs jobc on one golden input and compares every output byte for byte.
get_filename_component(base "${JOB}" NAME_WE)
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
get_filename_component(dir "${JOB}" DIRECTORY)
execute_process(COMMAND "${JOBC}" -o "${OUT}" "${base}.job" WORKING_DIRECTORY "${dir}"
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "jobc failed (${rc}) on ${JOB}:\n${err}")
endif()
foreach(ext .job.h .job.c .proto)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${GOLDEN}/${base}${ext}" "${OUT}/${base}${ext}"
    RESULT_VARIABLE diff)
  if(NOT diff EQUAL 0)
    execute_process(COMMAND diff -u "${GOLDEN}/${base}${ext}" "${OUT}/${base}${ext}")
    message(FATAL_ERROR "${base}${ext} differs from the golden file (regen: tests/jobc/regen-golden.sh)")
  endif()
endforeach()
