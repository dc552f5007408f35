# Toolchain file for wasm32-wasi C, for lucidity and for projects that use it.
#
#   cmake -DCMAKE_TOOLCHAIN_FILE=<lucidity>/cmake/wasm32-wasi.cmake ...
#
# Uses a wasi-sdk when WASI_SDK_PREFIX is set (as a CMake or environment
# variable); otherwise Debian's clang + lld + wasi-libc
# (apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 llvm-19).
set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
list(APPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_LIST_DIR}")

if(NOT WASI_SDK_PREFIX AND DEFINED ENV{WASI_SDK_PREFIX})
  set(WASI_SDK_PREFIX "$ENV{WASI_SDK_PREFIX}")
endif()
# try_compile projects re-read this file: pass the choice along.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WASI_SDK_PREFIX)

if(WASI_SDK_PREFIX)
  set(CMAKE_C_COMPILER "${WASI_SDK_PREFIX}/bin/clang")
  set(CMAKE_AR "${WASI_SDK_PREFIX}/bin/llvm-ar" CACHE FILEPATH "" FORCE)
  set(CMAKE_RANLIB "${WASI_SDK_PREFIX}/bin/llvm-ranlib" CACHE FILEPATH "" FORCE)
  set(CMAKE_SYSROOT "${WASI_SDK_PREFIX}/share/wasi-sysroot")
else()
  find_program(LUCIDITY_WASM_CLANG NAMES clang-19 clang-18 clang-17 clang-16 clang REQUIRED)
  string(REGEX MATCH "[0-9]+$" _ver "${LUCIDITY_WASM_CLANG}")
  set(CMAKE_C_COMPILER "${LUCIDITY_WASM_CLANG}")
  find_program(LUCIDITY_WASM_AR NAMES llvm-ar-${_ver} llvm-ar REQUIRED)
  find_program(LUCIDITY_WASM_RANLIB NAMES llvm-ranlib-${_ver} llvm-ranlib REQUIRED)
  set(CMAKE_AR "${LUCIDITY_WASM_AR}" CACHE FILEPATH "" FORCE)
  set(CMAKE_RANLIB "${LUCIDITY_WASM_RANLIB}" CACHE FILEPATH "" FORCE)
  # Debian's wasi-libc: /usr/include/wasm32-wasi, /usr/lib/wasm32-wasi.
  set(CMAKE_SYSROOT "/usr")
endif()

set(CMAKE_C_COMPILER_TARGET wasm32-wasi)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# Packages (such as an installed lucidity) are also found outside the sysroot,
# from CMAKE_PREFIX_PATH.
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
