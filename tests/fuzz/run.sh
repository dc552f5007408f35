#!/usr/bin/env bash
# Fuzzes jobc's front end with libFuzzer under ASan + UBSan.
#   tests/fuzz/run.sh [SECONDS] [libFuzzer options...]     (default 30 s)
# Needs a configured and built build/ (for the flex/bison outputs and the
# embedded templates) and clang-19 with libclang-rt-19-dev. Findings are
# written to build/fuzz/crash-* etc.; the corpus grows in build/fuzz/corpus
# (FUZZ_OUT=DIR to use another folder).
# FUZZ_ORACLE=N then gives the N newest corpus inputs (FUZZ_ORACLE=all: every one) the
# property test's oracle (tests/jobc/property, --replay): what jobc accepts must compile
# with -Werror natively and for wasm32, pass protoc and round-trip through protobuf.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-30}
shift || true
out="${FUZZ_OUT:-$root/build/fuzz}"
mkdir -p "$out/corpus"
# Seeds: the golden and error cases, and every earlier finding (regressions/).
cp -n "$root"/tests/jobc/golden/*.job "$root"/tests/jobc/errors/*.job \
      "$root"/tests/fuzz/regressions/*.job "$out/corpus/" 2>/dev/null || true
cmake --build "$root/build" --target jobc >/dev/null
srcs=("$root"/idl/ast.c "$root"/build/idl/lexer.c "$root"/build/idl/parser.c
      "$root"/build/compiler/jobc_templates.c "$root"/build/compiler/jobc_reserved.c)
for f in "$root"/compiler/*.c; do [ "$(basename "$f")" = main.c ] || srcs+=("$f"); done
clang-19 -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root/idl" -I"$root/build/idl" -I"$root/compiler" \
  "$root/tests/fuzz/jobc_fuzz.c" "${srcs[@]}" -o "$out/jobc_fuzz"
cd "$out"
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ./jobc_fuzz -max_total_time="$secs" -timeout=10 -max_len=4096 -print_final_stats=1 "$@" corpus
if [ "${FUZZ_ORACLE:-0}" != 0 ]; then
  if [ "$FUZZ_ORACLE" = all ]; then
    mapfile -t inputs < <(ls -t corpus/*)
  else
    mapfile -t inputs < <(ls -t corpus/* | head -n "$FUZZ_ORACLE")
  fi
  echo "oracle: ${#inputs[@]} corpus inputs"
  python3 "$root/tests/jobc/property/property.py" --root "$root" -q --keep "$out/oracle-failures" \
    --replay "${inputs[@]}"
fi
