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
cmake --build build || { echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
ctest --test-dir build --output-on-failure --timeout 300 -j2 "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# ctest's own summary: "97% tests passed, 1 tests failed out of 33"
summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1)
if [ -n "$summary" ]; then
  failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
  total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$summary")
  echo "$((total - failed)) passed, $failed failed"
else
  echo "0 passed, 1 failed"
  rc=1
fi
exit "$rc"
