#!/usr/bin/env bash
# Builds web/dist (package bundles, types, demo + benchmark pages) from web/src, bundling the WASM
# core (wasm/dist) and the models (models/build), which the wasm/models setup scripts build first.
# Also writes build/web/test-split.csv (the models' test split, paths into ../shared/data) for
# `npx cryscope eval`. Idempotent; nothing is installed by hand (npm ci ran before).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
for f in wasm/dist/cryscope_core.mjs wasm/dist/cryscope_core.wasm models/build/manifest.json; do
  [ -f "$f" ] || { echo "web-setup: $f is missing — run scripts/wasm-setup.sh and scripts/models-setup.sh first" >&2; exit 1; }
done
node web/scripts/build.mjs
node web/scripts/test-split-manifest.mjs "$ROOT/build/web/test-split.csv" test
node web/scripts/test-split-manifest.mjs "$ROOT/build/web/val-split.csv" val
# The workspace's bin link (npm ci creates it; re-create if node_modules predates the "bin" field).
if [ ! -e node_modules/.bin/cryscope ]; then npm rebuild cryscope --ignore-scripts >/dev/null; fi
echo "web-setup: built web/dist (demo at web/dist/demo, benchmark at web/dist/bench)"
