#!/usr/bin/env bash
# Builds what the benchmarks need and runs them all; prints the table and
# writes bench/results/latest.json. Extra arguments go to bench/bench.py
# (e.g. --reps 3, --only local,native, -v). Needs ./setup.sh to have run once.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build build >/dev/null

# native nanopb benchmark, against the same nanopb the runtime uses
nanopb=.deps/nanopb-0.4.7
mkdir -p build/bench
gcc -O2 -Wall -Wextra -Werror -DPB_ENABLE_MALLOC -I"$nanopb" bench/pb_bench.c \
  "$nanopb/pb_encode.c" "$nanopb/pb_decode.c" "$nanopb/pb_common.c" -o build/bench/pb_bench

# peak memory of jobc comes from GNU time
if [ ! -x /usr/bin/time ]; then
  apt-get install -y time >/dev/null
fi

jobc=$(find build/compiler -maxdepth 1 -type f -name jobc -perm -u+x | head -n1)
echo "nproc: $(nproc)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "lunatic: $(.deps/bin/lunatic --version)"
python3 bench/bench.py --wasm build/wasm/bench/lucbench.wasm \
  --pb-bench build/bench/pb_bench --jobc "$jobc" "$@"
# 6: the CPU-bound fanout (Mandelbrot tiles) over 1 and 2 worker nodes vs native;
# skipped when --only picked other steps.
case " $* " in
  *" --only "*) exit 0 ;;
esac
echo
LUNATIC="$PWD/.deps/bin/lunatic" python3 bench/mandelbrot.py
