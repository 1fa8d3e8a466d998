#!/usr/bin/env bash
# THE test command (README, .ci/run): sets up from scratch if needed, then runs every suite:
# GoogleTest (ctest), fuzz smoke, Vitest (WASM, web, server), pytest (models), Playwright (Chromium).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
run_areas test "${AREAS[@]}"
log "all test suites passed"
