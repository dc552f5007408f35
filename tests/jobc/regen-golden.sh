#!/usr/bin/env bash
# Regenerates the golden outputs (tests/jobc/golden) and the expected
# diagnostics (tests/jobc/errors/*.stderr) with the jobc in build/.
# Review the diff before committing: golden files are the spec of the output.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jobc=${JOBC:-$here/../../build/compiler/jobc}
cd "$here/golden"
for f in *.job; do "$jobc" "$f"; done
cd "$here/errors"
for f in *.job; do
  "$jobc" --check "$f" 2> "${f%.job}.stderr" && { echo "$f: expected an error" >&2; exit 1; }
  true
done
git -C "$here" diff --stat -- . || true
