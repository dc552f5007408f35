# Install rules of both worlds (`cmake --install build` runs the host's, which
# run the wasm world's). Layout under the prefix (tests/consumer/install-manifest.txt):
#   bin/jobc                               the IDL compiler (host)
#   include/lucidity/                      lucidity.h and nanopb's pb*.h
#   lib/wasm32-wasi/                       liblucidity.a, liblucidity_nanopb.a
#   lib/wasm32-wasi/pkgconfig/lucidity.pc  for Makefiles (clang --target=wasm32-wasi)
#   lib/cmake/Lucidity/                    find_package(Lucidity CONFIG), the
#                                          functions and the wasm32-wasi toolchain file
# Every path is relative to the prefix, so an installed tree can be moved.
set(LUCIDITY_INSTALL_INCLUDEDIR include/lucidity)
set(LUCIDITY_INSTALL_LIBDIR lib/wasm32-wasi)
set(LUCIDITY_INSTALL_CMAKEDIR lib/cmake/Lucidity)

if(CMAKE_SYSTEM_NAME STREQUAL "WASI")
  install(TARGETS lucidity lucidity_nanopb EXPORT LucidityTargets
    ARCHIVE DESTINATION ${LUCIDITY_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${LUCIDITY_INSTALL_INCLUDEDIR})
  install(FILES "${PROJECT_SOURCE_DIR}/runtime/include/lucidity.h"
    "${LUCIDITY_NANOPB_DIR}/pb.h" "${LUCIDITY_NANOPB_DIR}/pb_common.h"
    "${LUCIDITY_NANOPB_DIR}/pb_encode.h" "${LUCIDITY_NANOPB_DIR}/pb_decode.h"
    DESTINATION ${LUCIDITY_INSTALL_INCLUDEDIR})
  install(EXPORT LucidityTargets NAMESPACE Lucidity::
    DESTINATION ${LUCIDITY_INSTALL_CMAKEDIR})
  return()
endif()

include(CMakePackageConfigHelpers)
if(TARGET jobc)
  install(TARGETS jobc RUNTIME DESTINATION bin)
  # The local-cluster launcher (`lucidity run`, `lucidity cluster ...`) and its module.
  install(PROGRAMS "${PROJECT_SOURCE_DIR}/tools/lucidity" DESTINATION bin)
  install(FILES "${PROJECT_SOURCE_DIR}/tools/lucidity_cluster.py"
                "${PROJECT_SOURCE_DIR}/tools/lucidity_proc.py" DESTINATION bin)
endif()
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/LucidityConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/LucidityConfig.cmake"
  INSTALL_DESTINATION ${LUCIDITY_INSTALL_CMAKEDIR})
# ARCH_INDEPENDENT: the package is found from 32-bit wasm builds.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/LucidityConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
configure_file("${PROJECT_SOURCE_DIR}/cmake/lucidity.pc.in"
  "${PROJECT_BINARY_DIR}/lucidity.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/LucidityConfig.cmake"
  "${PROJECT_BINARY_DIR}/LucidityConfigVersion.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/Lucidity.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/wasm32-wasi.cmake"
  DESTINATION ${LUCIDITY_INSTALL_CMAKEDIR})
install(FILES "${PROJECT_SOURCE_DIR}/cmake/Platform/WASI.cmake"
  DESTINATION ${LUCIDITY_INSTALL_CMAKEDIR}/Platform)
install(FILES "${PROJECT_BINARY_DIR}/lucidity.pc" DESTINATION ${LUCIDITY_INSTALL_LIBDIR}/pkgconfig)
# The wasm world is an ExternalProject: install it into the same prefix
# (DESTDIR, from the environment, applies to it as well).
install(CODE "
  execute_process(COMMAND \"${CMAKE_COMMAND}\" --install \"${LUCIDITY_WASM_DIR}\"
                          --prefix \"\${CMAKE_INSTALL_PREFIX}\" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR \"installing the wasm world (${LUCIDITY_WASM_DIR}) failed\")
  endif()")
