#!/usr/bin/env bash
# Sets up a fresh Debian bookworm machine for lucidity and runs the main example.
#
#   ./setup.sh                 install what is missing, build, run the main example
#   ./setup.sh --no-example    the same without the example (what .ci/run uses)
#
# Every step checks first and is skipped when already done, so a second run
# takes seconds. Non-interactive; needs root or sudo for apt-get.
set -euo pipefail

root=$(cd "$(dirname "$0")" && pwd)
cd "$root"

run_example=1
for arg in "$@"; do
  case "$arg" in
    --no-example) run_example=0 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

LUNATIC_VERSION=0.13.2
NANOPB_VERSION=0.4.7
DEPS="$root/.deps"
# The VM build takes ~8 minutes on 2 cores: keep it outside the clone so a
# fresh clone on the same machine (CI) reuses it.
CACHE="${LUCIDITY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lucidity}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- 1. Debian packages -------------------------------------------------------
packages=(
  build-essential cmake ninja-build pkg-config python3
  flex bison
  clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 llvm-19 libclang-rt-19-dev
  libcmocka-dev protobuf-compiler python3-protobuf nanopb libnanopb-dev
  libssl-dev openssl wabt iproute2 dpkg-dev libstb-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
apt_updated=0
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  apt_updated=1
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
else
  say "Debian packages: all present"
fi

# --- 2. nanopb C sources for the wasm32 build ------------------------------------
# Debian ships nanopb's headers and an x86_64 library only; the wasm32 runtime
# needs pb_encode.c/pb_decode.c/pb_common.c, taken from Debian's source package
# of the same version (never committed to this repository).
nanopb_dir="$DEPS/nanopb-$NANOPB_VERSION"
if [ -f "$nanopb_dir/pb_decode.c" ]; then
  say "nanopb $NANOPB_VERSION sources: present"
else
  say "fetching nanopb $NANOPB_VERSION sources (Debian source package)"
  src_list=/etc/apt/sources.list.d/lucidity-deb-src.sources
  if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      | sudo_if_needed tee "$src_list" >/dev/null
    apt_updated=0
  fi
  [ "$apt_updated" -eq 1 ] || sudo_if_needed apt-get update -qq
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get source --download-only -qq "nanopb=$NANOPB_VERSION-2" 2>/dev/null \
     || apt-get source --download-only -qq nanopb)
  mkdir -p "$nanopb_dir"
  tar -xzf "$tmp"/nanopb_"$NANOPB_VERSION".orig.tar.gz -C "$nanopb_dir" --strip-components=1 \
    "nanopb-$NANOPB_VERSION/pb.h" "nanopb-$NANOPB_VERSION/pb_common.h" "nanopb-$NANOPB_VERSION/pb_common.c" \
    "nanopb-$NANOPB_VERSION/pb_encode.h" "nanopb-$NANOPB_VERSION/pb_encode.c" \
    "nanopb-$NANOPB_VERSION/pb_decode.h" "nanopb-$NANOPB_VERSION/pb_decode.c" \
    "nanopb-$NANOPB_VERSION/LICENSE.txt"
  rm -rf "$tmp"
fi

# --- 3. the lunatic VM, built from crates.io with our lockfile (vm/) ---------------
# Our fixes of upstream bugs go in through [patch.crates-io] (vm/Cargo.toml):
# the crates.io source of each patched crate with its vm/patches/CRATE-VERSION-*.patch
# applied, in .deps/vm-src/CRATE-VERSION (vm/prepare-sources.sh).
vm/prepare-sources.sh "$DEPS/vm-src"

lunatic="$DEPS/bin/lunatic"
probe="$DEPS/bin/lucidity-quic-probe"
lock_hash=$(cat vm/Cargo.lock vm/Cargo.toml vm/*.rs vm/patches/*.patch | sha256sum | cut -c1-16)
cached="$CACHE/lunatic-$LUNATIC_VERSION-$lock_hash"
cached_probe="$CACHE/lucidity-quic-probe-$lock_hash"
have_version() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -qx "lunatic-runtime $LUNATIC_VERSION"; }
# The binaries for exactly this lockfile and these patches, or build them: the
# VM, and lucidity-quic-probe (vm/quic_probe.rs, a QUIC peer for tests/admission).
if [ "$(readlink -f "$lunatic" 2>/dev/null)" = "$cached" ] && have_version "$cached" \
   && [ "$(readlink -f "$probe" 2>/dev/null)" = "$cached_probe" ] && [ -x "$cached_probe" ]; then
  say "lunatic VM: present"
else
  if ! have_version "$cached" || [ ! -x "$cached_probe" ]; then
    command -v cargo >/dev/null || { echo "setup.sh: cargo not found; install Rust (rustup) first" >&2; exit 1; }
    say "building lunatic-runtime $LUNATIC_VERSION from crates.io (several minutes on 2 cores)"
    mkdir -p "$CACHE"
    CARGO_TARGET_DIR="$CACHE/vm-target" cargo build -q --manifest-path vm/Cargo.toml \
      --release --locked -p lunatic-runtime -p lucidity-vm --bin lunatic --bin lucidity-quic-probe
    cp "$CACHE/vm-target/release/lunatic" "$cached.tmp" && mv "$cached.tmp" "$cached"
    cp "$CACHE/vm-target/release/lucidity-quic-probe" "$cached_probe.tmp" \
      && mv "$cached_probe.tmp" "$cached_probe"
  fi
  mkdir -p "$DEPS/bin"
  ln -sf "$cached" "$lunatic"
  ln -sf "$cached_probe" "$probe"
fi
say "lunatic VM: $("$lunatic" --version) at $lunatic"

# --- 4. configure and build ----------------------------------------------------------
if [ ! -f build/CMakeCache.txt ]; then
  say "configuring (build/)"
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
say "building"
cmake --build build

# --- 5. the main example -------------------------------------------------------------
if [ "$run_example" -eq 1 ]; then
  say "running the main example"
  cmake --build build --target run-main-example
fi
say "done. Run the test suite with: ./test.sh"
