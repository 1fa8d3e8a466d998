#!/usr/bin/env bash
# Sets up everything on a fresh machine: Debian packages, npm workspaces, native + WASM core,
# models (cached under ~/.cache/cryscope), web bundle, server. Idempotent.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup-system.sh"
log "npm ci"
(cd "$ROOT" && npm ci --no-audit --no-fund)
run_areas setup "${AREAS[@]}"
log "setup done"
