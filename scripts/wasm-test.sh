#!/usr/bin/env bash
# wasm: Vitest suite against the real wasm/dist build (parity with native, errors, API), then the
# WASM benchmark (prints per-second-of-audio costs and WASM/native ratios; not a gate).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bash "$ROOT/scripts/wasm-setup.sh"
log "wasm: type-check tests against wasm/cryscope_core.d.ts"
(cd "$ROOT" && npx tsc -p tests/wasm/tsconfig.json)
log "wasm: vitest (tests/wasm: Node parity/errors/API + Chromium Worker/AudioWorklet/page)"
(cd "$ROOT" && npx vitest run --config tests/wasm/vitest.config.ts)
if [ -f "$ROOT/wasm/bench/bench.mjs" ]; then
  log "wasm: benchmark (figures only)"
  node "$ROOT/wasm/bench/bench.mjs" --quick
fi
log "wasm: tests done"
