#!/usr/bin/env bash
# THE demo command (README): sets up, then starts the local demo (page + backend + Temporal + storage).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/setup.sh"
exec bash "$ROOT/scripts/server-demo.sh"
