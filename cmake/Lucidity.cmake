# CMake functions for projects that use lucidity (installed with the package,
# included by LucidityConfig.cmake; the lucidity build includes it too).
#
#   lucidity_add_jobs(<target> JOBS a.job [b.job ...] [OUTPUT_DIR dir] [EMIT c proto])
#     Runs jobc on each .job at build time, adds the generated NAME.job.c to
#     <target>, the output directory to its include path, and links the runtime
#     (lucidity + lucidity_nanopb). OUTPUT_DIR defaults to
#     ${CMAKE_CURRENT_BINARY_DIR}/<target>_jobs; EMIT defaults to c (add proto to
#     also write NAME.proto).
#
#   lucidity_add_wasm_test(NAME <n> TARGET <wasm target> PASS <regex> [ARGS ...])
#     A ctest test running `lunatic run <module> ARGS...`. `lunatic run` exits 0
#     even when main returns non-zero, so the test passes when the output
#     matches PASS and has no line matching "FAIL".
#
# Tools: jobc is Lucidity::jobc (installed package), the jobc target (host
# build) or LUCIDITY_JOBC (a path); the VM is the cache variable LUCIDITY_LUNATIC.
include_guard(GLOBAL)

if(NOT DEFINED LUCIDITY_LUNATIC)
  find_program(LUCIDITY_LUNATIC lunatic DOC "the lunatic VM, for lucidity_add_wasm_test")
endif()

# The jobc command and the file that custom commands depend on (empty for a target,
# whose dependency CMake adds itself).
function(_lucidity_jobc out_cmd out_dep)
  if(TARGET Lucidity::jobc)
    get_target_property(path Lucidity::jobc IMPORTED_LOCATION)
    set(cmd "${path}")
    set(dep "${path}")
  elseif(TARGET jobc)
    set(cmd jobc)
    set(dep jobc)
  elseif(LUCIDITY_JOBC)
    set(cmd "${LUCIDITY_JOBC}")
    set(dep "${LUCIDITY_JOBC}")
  else()
    message(FATAL_ERROR "lucidity_add_jobs: no jobc (set LUCIDITY_JOBC to its path)")
  endif()
  set(${out_cmd} "${cmd}" PARENT_SCOPE)
  set(${out_dep} "${dep}" PARENT_SCOPE)
endfunction()

# The runtime libraries: the installed imported targets or the in-tree ones.
function(_lucidity_runtime out)
  if(TARGET Lucidity::lucidity)
    set(${out} Lucidity::lucidity PARENT_SCOPE)
  elseif(TARGET lucidity)
    set(${out} lucidity lucidity_nanopb PARENT_SCOPE)
  else()
    message(FATAL_ERROR "lucidity_add_jobs: no lucidity runtime target "
                        "(find_package(Lucidity CONFIG) in a wasm32-wasi build)")
  endif()
endfunction()

# Make and Ninja read jobc's depfile (CMake >= 3.20 for Makefiles); other
# generators rebuild on a change of the .job itself only.
function(_lucidity_use_depfile out)
  set(use OFF)
  if(CMAKE_GENERATOR MATCHES "Ninja" OR
     (CMAKE_GENERATOR MATCHES "Makefiles" AND CMAKE_VERSION VERSION_GREATER_EQUAL 3.20))
    set(use ON)
  endif()
  set(${out} ${use} PARENT_SCOPE)
endfunction()

# The outputs jobc writes for one .job, as jobc itself names them (--print-outputs),
# so that CMake and jobc cannot disagree (my.square.job -> my.square.job.h). Only
# lucidity's own host build, where jobc is a target not built yet at configure
# time, spells jobc's rule here: the file name without its ".job".
function(_lucidity_job_outputs jobc out_dir emit job out)
  if(EXISTS "${jobc}" AND NOT IS_DIRECTORY "${jobc}")
    execute_process(COMMAND "${jobc}" --print-outputs --emit=${emit} -o "${out_dir}" "${job}"
      RESULT_VARIABLE rc OUTPUT_VARIABLE text ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "lucidity_add_jobs: jobc cannot name the outputs of ${job}: ${err}")
    endif()
    string(REGEX REPLACE "\n$" "" text "${text}")
    string(REPLACE "\n" ";" list "${text}")
  else()
    get_filename_component(name "${job}" NAME)
    string(REGEX REPLACE "\\.job$" "" base "${name}")
    set(list)
    if(emit MATCHES "(^|,)c(,|$)")
      list(APPEND list "${out_dir}/${base}.job.h" "${out_dir}/${base}.job.c")
    endif()
    if(emit MATCHES "(^|,)proto(,|$)")
      list(APPEND list "${out_dir}/${base}.proto")
    endif()
  endif()
  set(${out} "${list}" PARENT_SCOPE)
endfunction()

function(lucidity_add_jobs target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "OUTPUT_DIR" "JOBS;EMIT")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "lucidity_add_jobs: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_JOBS)
    message(FATAL_ERROR "lucidity_add_jobs(${target}): JOBS is required")
  endif()
  if(NOT arg_OUTPUT_DIR)
    set(arg_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/${target}_jobs")
  endif()
  get_filename_component(out_dir "${arg_OUTPUT_DIR}" ABSOLUTE
                         BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  if(NOT arg_EMIT)
    set(arg_EMIT c)
  endif()
  foreach(kind ${arg_EMIT})
    if(NOT kind MATCHES "^(c|proto)$")
      message(FATAL_ERROR "lucidity_add_jobs(${target}): EMIT takes c and/or proto, not '${kind}'")
    endif()
  endforeach()
  string(REPLACE ";" "," emit "${arg_EMIT}")

  _lucidity_jobc(jobc jobc_dep)
  _lucidity_use_depfile(use_depfile)
  file(MAKE_DIRECTORY "${out_dir}")
  set(sources)
  set(all_outputs)
  foreach(job ${arg_JOBS})
    get_filename_component(job "${job}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    _lucidity_job_outputs("${jobc}" "${out_dir}" "${emit}" "${job}" outputs)
    get_filename_component(base "${job}" NAME)
    string(REGEX REPLACE "\\.job$" "" base "${base}")
    foreach(o ${outputs})
      if(o MATCHES "\\.job\\.c$")
        list(APPEND sources "${o}")
      endif()
    endforeach()
    set(depfile_args)
    set(depfile_opt)
    if(use_depfile)
      set(depfile_args DEPFILE "${out_dir}/${base}.job.d")
      set(depfile_opt -M "${out_dir}/${base}.job.d")
    endif()
    add_custom_command(OUTPUT ${outputs}
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${out_dir}"
      COMMAND ${jobc} --emit=${emit} -o "${out_dir}" ${depfile_opt} "${job}"
      DEPENDS "${job}" ${jobc_dep}
      ${depfile_args}
      COMMENT "jobc ${base}.job"
      VERBATIM)
    list(APPEND all_outputs ${outputs})
  endforeach()

  if(NOT sources)
    # proto only (also in host builds): generated before the target is built
    add_custom_target(${target}_jobs DEPENDS ${all_outputs})
    add_dependencies(${target} ${target}_jobs)
    return()
  endif()
  target_sources(${target} PRIVATE ${sources})
  target_include_directories(${target} PRIVATE "${out_dir}")
  _lucidity_runtime(runtime)
  target_link_libraries(${target} PRIVATE ${runtime})
endfunction()

function(lucidity_add_wasm_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;TARGET;PASS" "ARGS")
  if(NOT arg_NAME OR NOT arg_TARGET OR NOT arg_PASS)
    message(FATAL_ERROR "lucidity_add_wasm_test: NAME, TARGET and PASS are required")
  endif()
  if(NOT LUCIDITY_LUNATIC)
    message(FATAL_ERROR "lucidity_add_wasm_test: set LUCIDITY_LUNATIC to the lunatic VM")
  endif()
  add_test(NAME ${arg_NAME}
    COMMAND "${LUCIDITY_LUNATIC}" run "$<TARGET_FILE:${arg_TARGET}>" ${arg_ARGS})
  set_tests_properties(${arg_NAME} PROPERTIES
    PASS_REGULAR_EXPRESSION "${arg_PASS}" FAIL_REGULAR_EXPRESSION "FAIL")
endfunction()
