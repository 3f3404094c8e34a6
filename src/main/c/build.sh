#!/usr/bin/env bash
# Builds the native SHA-1 (sha1_pieces.c) into DIR/libenjambre-sha1.so, for `mvn` (the pom runs it
# before compiling). Optional by design: on a machine without a C compiler, or not x86-64, it says
# so and succeeds, and the JVM hashes with libcrypto or the JDK (org.enjambre.hash.Sha1Pieces).
# Usage: src/main/c/build.sh DIR
set -u
dir=${1:?usage: build.sh DIR}
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/sha1_pieces.c"
lib="$dir/libenjambre-sha1.so"
case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) ;;
  *) echo "native SHA-1 not built: $(uname -s)/$(uname -m) is not Linux on x86-64 (hashing uses libcrypto or the JDK)"; exit 0 ;;
esac
cc=${CC:-}
if [ -z "$cc" ]; then
  for candidate in cc gcc clang; do
    if command -v "$candidate" >/dev/null 2>&1; then cc=$candidate; break; fi
  done
fi
if [ -z "$cc" ]; then
  rm -f "$lib"
  echo "native SHA-1 not built: no C compiler (Debian: gcc); hashing uses libcrypto or the JDK"
  exit 0
fi
# Up to date: nothing to do (the launcher's rebuilds run this every time).
[ -f "$lib" ] && [ "$lib" -nt "$src" ] && [ "$lib" -nt "${BASH_SOURCE[0]}" ] && exit 0
mkdir -p "$dir"
if ! "$cc" -O2 -Wall -Wextra -shared -fPIC -Wl,-z,noexecstack -o "$lib.tmp" "$src"; then
  rm -f "$lib.tmp" "$lib"
  echo "native SHA-1 not built: $cc failed on $src (hashing uses libcrypto or the JDK)"
  exit 0
fi
mv -f "$lib.tmp" "$lib"
