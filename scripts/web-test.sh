#!/usr/bin/env bash
# Web area tests: Vitest unit tests, Node integration (real WASM core + real models via
# cryscope/node), Chromium end-to-end (demo page, fake microphone from ../shared audio), the
# fresh-Vite-app test of the packed tarball, and the browser benchmark (prints, never gates).
#   WEB_TEST_SKIP=bench,vite   to skip parts (comma list of: unit,node,e2e,soak,vite,bench)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
skip="${WEB_TEST_SKIP:-}"
want() { [[ ",$skip," != *",$1,"* ]]; }
[ -f web/dist/index.js ] || bash "$ROOT/scripts/web-setup.sh"
mkdir -p test-results
if want unit; then log "web: vitest unit"; npx vitest run --config tests/web/vitest.config.ts unit/; fi
if want node; then log "web: node integration (WASM core + ONNX Runtime Web + real models)"; npx vitest run --config tests/web/vitest.config.ts integration/; fi
if want e2e; then log "web: Chromium e2e (demo page)"; npx vitest run --config tests/e2e/vitest.config.ts demo.e2e.ts; fi
# The short soak (~2.5 min): demo page served by the real server (Temporal + PGlite, server/dist from setup).
if want soak; then log "web: Chromium short soak (real server, Temporal, PGlite)"; npx vitest run --config tests/e2e/vitest.config.ts soak.e2e.ts; fi
if want vite; then log "web: fresh Vite app from the packed tarball"; npx vitest run --config tests/e2e/vitest.config.ts vite-app.e2e.ts; fi
if want bench; then log "web: browser benchmark (cryscope vs MediaPipe; prints, does not gate)"; node web/bench/run.mjs; fi
log "web tests done"
