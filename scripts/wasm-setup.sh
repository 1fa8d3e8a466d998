#!/usr/bin/env bash
# wasm: builds the Embind module with Debian's emscripten into wasm/dist/
# (cryscope_core.mjs + cryscope_core.wasm), and the native reference dumper used by the WASM
# parity tests (build/wasm-native/cryscope_native_dump). Incremental (Ninja) and idempotent.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

command -v emcmake >/dev/null || { echo "emscripten not found (apt-get install emscripten)" >&2; exit 1; }

log "wasm: emcmake configure + build (build/wasm → wasm/dist)"
if [ ! -f "$ROOT/build/wasm/build.ninja" ]; then
  emcmake cmake -G Ninja -S "$ROOT" -B "$ROOT/build/wasm" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$ROOT/build/wasm" --target cryscope_core_wasm -j 2

log "wasm: native dumper (build/wasm-native)"
if [ ! -f "$ROOT/build/wasm-native/build.ninja" ]; then
  cmake -G Ninja -S "$ROOT/tests/wasm/native" -B "$ROOT/build/wasm-native" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$ROOT/build/wasm-native" -j 2
ls -l "$ROOT/wasm/dist"
log "wasm: setup done"
