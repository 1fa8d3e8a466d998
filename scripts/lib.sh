# Shared helpers for cryscope's scripts. Source it: `. "$(dirname "$0")/lib.sh"`.
# Why: every script must work from any cwd, on a clean clone, with ../shared beside the checkout.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CRYSCOPE_ROOT="$ROOT"
export CRYSCOPE_SHARED="${CRYSCOPE_SHARED:-$(cd "$ROOT/.." && pwd)/shared}"
export CRYSCOPE_CACHE="${CRYSCOPE_CACHE:-$HOME/.cache/cryscope}"
# Debian's emscripten needs node's global modules (acorn) on NODE_PATH.
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
mkdir -p "$CRYSCOPE_CACHE"
log() { printf '\n[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
# Runs scripts/<area>-<phase>.sh for each area present, in order.
run_areas() {
  local phase="$1"; shift
  local area
  for area in "$@"; do
    if [ -f "$ROOT/scripts/$area-$phase.sh" ]; then
      log "$area: $phase"
      bash "$ROOT/scripts/$area-$phase.sh"
    fi
  done
}
AREAS=(core wasm models web server)
