#!/usr/bin/env bash
# server area tests: Vitest integration suites (real Temporal dev server, real PostgreSQL
# started in a temp dir, embedded PGlite, real server processes), then a short load benchmark
# that prints batches/s and p50/p99 latency, and a short end-to-end alert-latency benchmark
# (server/bench/alert-latency.mjs; printed, not gated).
# Env: CRYSCOPE_BENCH_SECONDS (default 10 per run; 0 skips the benchmarks),
#      CRYSCOPE_ALERT_BENCH_CRIES (default 5).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

# Cheap and idempotent: make sure the compiled server and the Temporal CLI are current.
if [ ! -x "$CRYSCOPE_CACHE/temporal" ]; then bash "$ROOT/scripts/server-setup.sh"; fi
node_modules/.bin/tsc -p server/tsconfig.json
node server/dist/server/src/temporal/bundle.js

log "server: vitest (tests/server)"
node_modules/.bin/vitest run --config tests/server/vitest.config.ts

BENCH_SECONDS="${CRYSCOPE_BENCH_SECONDS:-10}"
if [ "$BENCH_SECONDS" != "0" ]; then
  log "server: load benchmark (${BENCH_SECONDS} s, PostgreSQL, regular storage activity)"
  node server/bench/load.mjs --duration "$BENCH_SECONDS" --connections 32
  log "server: load benchmark (${BENCH_SECONDS} s, PostgreSQL, local storage activity)"
  node server/bench/load.mjs --duration "$BENCH_SECONDS" --connections 32 --local
  log "server: latency at a fixed 100 batches/s (local storage activity)"
  node server/bench/load.mjs --duration "$BENCH_SECONDS" --connections 32 --local --rate 100
  # Needs web/dist/demo with its models (the web area builds them); ~2 min with 5 cries.
  if [ -f web/dist/demo/models/manifest.json ]; then
    log "server: end-to-end alert latency (${CRYSCOPE_ALERT_BENCH_CRIES:-5} cries: fake microphone → nursery page → Temporal → PGlite → caregiver page)"
    node server/bench/alert-latency.mjs --cries "${CRYSCOPE_ALERT_BENCH_CRIES:-5}"
  fi
fi
