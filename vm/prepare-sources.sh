#!/bin/sh
# Prepares the patched crate sources that vm/Cargo.toml's [patch.crates-io]
# points at: for each crate with patches vm/patches/CRATE-VERSION-what.patch,
# the crates.io source of that crate (fetched by cargo) with all of its patches
# applied in name order, in DEST/CRATE-VERSION. A stamp holding the patches'
# sha256 makes a second run a no-op until a patch changes. Used by setup.sh and
# deploy/Dockerfile.
#
#   vm/prepare-sources.sh DEST
set -eu
vm=$(cd "$(dirname "$0")" && pwd)
dest=$1
crates=$(for p in "$vm"/patches/*.patch; do basename "$p" .patch; done \
  | sed -E 's/^(.*-[0-9]+\.[0-9]+\.[0-9]+)-.*$/\1/' | sort -u)
for cv in $crates; do
  crate=${cv%-*}
  version=${cv##*-}
  patched="$dest/$cv"
  stamp=$(cat "$vm"/patches/"$cv"-*.patch | sha256sum | cut -c1-16)
  [ "$(cat "$patched/.lucidity-patches" 2>/dev/null)" = "$stamp" ] && continue
  command -v cargo >/dev/null || { echo "prepare-sources.sh: cargo not found; install Rust (rustup) first" >&2; exit 1; }
  echo "==> preparing $crate $version with $(cd "$vm" && echo patches/"$cv"-*.patch)"
  tmp=$(mktemp -d)
  printf '[package]\nname = "fetch-only"\nversion = "0.0.0"\nedition = "2021"\n[lib]\npath = "lib.rs"\n[dependencies]\n%s = "=%s"\n' \
    "$crate" "$version" > "$tmp/Cargo.toml"
  touch "$tmp/lib.rs"
  (cd "$tmp" && cargo fetch -q)
  src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"$cv" | head -n1)
  rm -rf "$patched" && mkdir -p "$dest" && cp -r "$src" "$patched"
  for p in "$vm"/patches/"$cv"-*.patch; do
    # Patches of one crate may touch the same file: a later one then applies
    # at an offset, which must not leave .orig backups in the source.
    patch -s -p1 --no-backup-if-mismatch -d "$patched" < "$p"
  done
  echo "$stamp" > "$patched/.lucidity-patches"
  rm -rf "$tmp"
done
