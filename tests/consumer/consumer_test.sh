#!/usr/bin/env bash
# Tests of the installed lucidity package, one step per ctest test:
#   consumer_test.sh STEP BUILD_DIR SOURCE_DIR WORK_DIR LUNATIC
#   install    cmake --install BUILD_DIR into a fresh prefix, then move the prefix
#              (it must be relocatable) and check no build or source path is in it
#   manifest   the installed files equal tests/consumer/install-manifest.txt
#   ninja      tests/consumer (find_package + lucidity_add_jobs) with Ninja: build,
#              run under lunatic, and its own lucidity_add_wasm_test through ctest
#   rebuild    a second build is a no-op; touching square.job reruns jobc only;
#              changing it regenerates and relinks; then a no-op again
#   makefiles  tests/consumer with Unix Makefiles (jobc's depfile via DEPFILE)
#   make       examples/make with pkg-config, run under lunatic
set -euo pipefail
step=$1 build=$(cd "$2" && pwd) src=$(cd "$3" && pwd) work=$4 lunatic=$5
prefix=$work/prefix
consumer=$src/tests/consumer

fail() { echo "FAIL consumer.$step: $*"; exit 1; }

# Runs a module under lunatic and checks its output line.
run_module() {
  local out
  out=$("$lunatic" run "$1") || fail "lunatic run $1 exited $?"
  echo "$out"
  grep -qx "square(7) = 49" <<<"$out" || fail "unexpected output of $1"
}

# Configures and builds a copy of tests/consumer in $work/$1 with generator $2.
build_consumer() {
  rm -rf "${work:?}/$1"
  mkdir -p "$work/$1"
  cp "$consumer/CMakeLists.txt" "$consumer/main.c" "$consumer/square.job" "$consumer/my.cube.job" "$consumer/units.job" "$work/$1/"
  cmake -S "$work/$1" -B "$work/$1/build" -G "$2" \
    -DCMAKE_TOOLCHAIN_FILE="$prefix/lib/cmake/Lucidity/wasm32-wasi.cmake" \
    -DCMAKE_PREFIX_PATH="$prefix" -DLUCIDITY_LUNATIC="$lunatic" >"$work/$1.configure.log" ||
    { cat "$work/$1.configure.log"; fail "configure ($2)"; }
  cmake --build "$work/$1/build" || fail "build ($2)"
}

case $step in
install)
  rm -rf "${work:?}/stage" "$prefix"
  mkdir -p "$work"
  cmake --install "$build" --prefix "$work/stage" >"$work/install.log" ||
    { cat "$work/install.log"; fail "cmake --install"; }
  mv "$work/stage" "$prefix"
  if grep -rIlF -e "$build" -e "$src" -e "$work/stage" "$prefix"; then
    fail "absolute build paths in the installed files above"
  fi
  echo "ok install"
  ;;
manifest)
  # The exported targets' per-configuration file is named for the build type.
  actual=$(cd "$prefix" && find . -type f | sed -e 's|^\./||' \
    -e 's|LucidityTargets-[a-z]*\.cmake$|LucidityTargets-<config>.cmake|' | LC_ALL=C sort)
  if ! diff -u "$consumer/install-manifest.txt" - <<<"$actual"; then
    fail "installed files differ from install-manifest.txt (diff above)"
  fi
  echo "ok manifest"
  ;;
ninja)
  build_consumer ninja Ninja
  run_module "$work/ninja/build/app.wasm"
  ctest --test-dir "$work/ninja/build" --output-on-failure || fail "the consumer's own ctest"
  echo "ok ninja"
  ;;
rebuild)
  build_consumer rebuild Ninja
  b=$work/rebuild/build
  ninja -C "$b" -n -d explain 2>&1 | grep -q "no work to do" || fail "second build is not a no-op"
  sleep 1
  touch "$work/rebuild/square.job"
  log=$(ninja -C "$b" 2>&1) || fail "build after touch"
  grep -q "jobc square.job" <<<"$log" || { echo "$log"; fail "touch did not rerun jobc"; }
  ninja -C "$b" -n 2>&1 | grep -q "no work to do" || fail "build after touch is not a no-op"
  # An imported file: touching it reruns jobc for it and for its importer (the depfile
  # lists it), and nothing else; a real edit recompiles the importer's code.
  sleep 1
  touch "$work/rebuild/units.job"
  log=$(ninja -C "$b" 2>&1) || fail "build after touching the imported file"
  for what in "jobc units.job" "jobc my.cube.job"; do
    grep -q "$what" <<<"$log" || { echo "$log"; fail "touching units.job: no '$what' step"; }
  done
  if grep -q "jobc square.job\|Linking" <<<"$log"; then echo "$log"; fail "touching units.job rebuilt more than jobc"; fi
  sed -i 's/CM = 1;/CM = 1; M = 2;/' "$work/rebuild/units.job"
  log=$(ninja -C "$b" 2>&1) || fail "build after editing the imported file"
  for what in "jobc my.cube.job" "units.job.c" "my.cube.job.c" "Linking C executable app.wasm"; do
    grep -q "$what" <<<"$log" || { echo "$log"; fail "edit of units.job: no '$what' step"; }
  done
  # A real change: new job options change square.job.c, which is recompiled and linked.
  sed -i 's/-> u32;/-> u32 { timeout = 5s; }/' "$work/rebuild/square.job"
  log=$(ninja -C "$b" 2>&1) || fail "build after edit"
  echo "$log"
  for what in "jobc square.job" "square.job.c" "Linking C executable app.wasm"; do
    grep -q "$what" <<<"$log" || fail "edit of square.job: no '$what' step"
  done
  ninja -C "$b" -n 2>&1 | grep -q "no work to do" || fail "build after edit is not a no-op"
  run_module "$b/app.wasm"
  echo "ok rebuild"
  ;;
makefiles)
  build_consumer makefiles "Unix Makefiles"
  grep -rq "square.job.d" "$work/makefiles/build/CMakeFiles/app.dir" ||
    fail "Makefiles build does not use jobc's depfile"
  run_module "$work/makefiles/build/app.wasm"
  echo "ok makefiles"
  ;;
make)
  rm -rf "${work:?}/make"
  make -C "$src/examples/make" LUCIDITY_PREFIX="$prefix" OUT="$work/make" || fail "make"
  run_module "$work/make/square.wasm"
  echo "ok make"
  ;;
*)
  fail "unknown step"
  ;;
esac
