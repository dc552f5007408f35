#!/usr/bin/env bash
# Builds and runs the whole test suite (native unit tests, golden files,
# wasm integration tests under the real lunatic VM, local clusters).
# Needs ./setup.sh to have run once. Extra arguments go to ctest, e.g.
#   ./test.sh -R smoke        only tests whose name matches 'smoke'
set -uo pipefail
root=$(cd "$(dirname "$0")" && pwd)
cd "$root"

if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo || exit 1
fi
cmake --build build || { echo "0 passed, 1 failed, 0 skipped (the build failed)"; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
ctest --test-dir build --output-on-failure --timeout 300 -j2 "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# "N passed, N failed, N skipped", skipped tests named (ctest's own count takes
# a skipped test for a passed one).
python3 tests/ctest_summary.py "$log" || rc=1
exit "$rc"
