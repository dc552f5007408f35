#!/usr/bin/env bash
# test.sh's summary on a real ctest run of tests/testsh/fixture (one pass, one
# failure, two skips): skips are neither passes nor failures, and are named.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake -S "$here/fixture" -B "$tmp/build" -G Ninja >/dev/null || exit 1
ctest --test-dir "$tmp/build" -j2 >"$tmp/log" 2>&1
summary=$(python3 "$here/../ctest_summary.py" "$tmp/log")
echo "$summary"
expected='1 passed, 1 failed, 2 skipped
skipped: fixture.skip_a (Skipped), fixture.skip_b (Skipped)'
[ "$summary" = "$expected" ] && echo "ok summary" || { echo "FAIL summary, expected: $expected"; exit 1; }
