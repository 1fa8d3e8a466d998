#!/usr/bin/env bash
# core: configure + build the native C++ core (Release, tests + benchmarks) into build/native,
# and create the reference-generator venv (TensorFlow, for front-end parity fixtures).
# Idempotent: re-running rebuilds incrementally and reuses the venv keyed by its requirements hash.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

log "core: configure + build native (build/native)"
cmake -G Ninja -S "$ROOT" -B "$ROOT/build/native" -DCMAKE_BUILD_TYPE=Release \
  -DCRYSCOPE_BUILD_TESTS=ON -DCRYSCOPE_BUILD_BENCHMARKS=ON -DCRYSCOPE_BUILD_FUZZERS=OFF >/dev/null
cmake --build "$ROOT/build/native" -j 2

REQ="$ROOT/models/tools/requirements-reference.txt"
if [ -f "$REQ" ]; then
  VENV="$CRYSCOPE_CACHE/venv-reference-$(sha256sum "$REQ" | cut -c1-12)"
  if [ ! -x "$VENV/bin/python" ] || [ ! -f "$VENV/.complete" ]; then
    log "core: reference venv $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"
    touch "$VENV/.complete"
  fi
fi
log "core: setup done"
