#!/usr/bin/env bash
# Local demo backend, in the foreground: Temporal dev server (state file + Web UI), the
# cryscope server (API + worker, embedded PGlite unless DATABASE_URL is set) and the demo page
# (web/dist/demo, if built) at http://localhost:8080. Ctrl-C stops everything cleanly.
# State lives in ~/.cache/cryscope/demo (Temporal history, PGlite data, the generated key).
# Env: CRYSCOPE_DEMO_PORT (8080), CRYSCOPE_TEMPORAL_PORT (7233), CRYSCOPE_TEMPORAL_UI_PORT (8233),
#      DATABASE_URL (PostgreSQL instead of PGlite), CRYSCOPE_DEMO_DIR (state folder).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

PORT="${CRYSCOPE_DEMO_PORT:-8080}"
T_PORT="${CRYSCOPE_TEMPORAL_PORT:-7233}"
UI_PORT="${CRYSCOPE_TEMPORAL_UI_PORT:-8233}"
DEMO_DIR="${CRYSCOPE_DEMO_DIR:-$CRYSCOPE_CACHE/demo}"
mkdir -p "$DEMO_DIR"

if [ ! -x "$CRYSCOPE_CACHE/temporal" ] || [ ! -f server/dist/server/src/main.js ]; then
  bash "$ROOT/scripts/server-setup.sh"
fi
for p in "$PORT" "$T_PORT" "$UI_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "port $p is already in use (another demo running?); set CRYSCOPE_DEMO_PORT / CRYSCOPE_TEMPORAL_PORT / CRYSCOPE_TEMPORAL_UI_PORT" >&2
    exit 1
  fi
done

# A local device key for the demo page, generated once and kept (the page fetches it from
# GET /api/v1/demo/credentials, which answers loopback clients only).
CONFIG="$DEMO_DIR/server-config.json"
if [ ! -f "$CONFIG" ]; then
  KEY="$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  umask 077
  printf '{\n  "apiKeys": { "%s": "demo-browser" },\n  "demoDevice": "demo-browser"\n}\n' "$KEY" > "$CONFIG"
fi

# A read-only caregiver key for the monitor page (/monitor), added once to the demo config
# (also to a config made before the monitor existed). Printed below as a link; never handed
# out by the server.
if ! grep -q '"viewerKeys"' "$CONFIG"; then
  VKEY="$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  umask 077
  node -e 'const fs=require("fs");const [f,k]=process.argv.slice(1);const c=JSON.parse(fs.readFileSync(f,"utf8"));c.viewerKeys={[k]:["demo-browser"]};fs.writeFileSync(f,JSON.stringify(c,null,2)+"\n")' "$CONFIG" "$VKEY"
fi
VIEWER_KEY="$(node -e 'const c=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(Object.keys(c.viewerKeys)[0])' "$CONFIG")"

PIDS=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "[demo] stopping…"
  # Reverse order: server first (finishes in-flight activities), then Temporal.
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do
    kill -TERM "${PIDS[$i]}" 2>/dev/null || true
    wait "${PIDS[$i]}" 2>/dev/null || true
  done
  echo "[demo] stopped"
}
trap cleanup INT TERM EXIT

# WAL + synchronous=off: a killed process keeps its history; see server/src/devstack/temporal.ts.
"$CRYSCOPE_CACHE/temporal" server start-dev --db-filename "$DEMO_DIR/temporal.db" \
  --ip 127.0.0.1 --port "$T_PORT" --ui-port "$UI_PORT" --log-level error \
  --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=off \
  > "$DEMO_DIR/temporal.log" 2>&1 &
PIDS+=($!)
echo "[demo] Temporal dev server starting (state: $DEMO_DIR/temporal.db)…"
for _ in $(seq 1 120); do
  if "$CRYSCOPE_CACHE/temporal" operator namespace describe default --address "127.0.0.1:$T_PORT" >/dev/null 2>&1; then break; fi
  if ! kill -0 "${PIDS[0]}" 2>/dev/null; then echo "Temporal failed to start; see $DEMO_DIR/temporal.log" >&2; exit 1; fi
  sleep 0.5
done

export CRYSCOPE_SERVER_CONFIG="$CONFIG"
export TEMPORAL_ADDRESS="127.0.0.1:$T_PORT"
export PORT HOST="${HOST:-127.0.0.1}" LOG_LEVEL="${LOG_LEVEL:-warn}"
export CRYSCOPE_PGLITE_DIR="${CRYSCOPE_PGLITE_DIR:-$DEMO_DIR/pglite}"
node server/dist/server/src/main.js --role all &
PIDS+=($!)
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "${PIDS[1]}" 2>/dev/null; then echo "the cryscope server failed to start" >&2; exit 1; fi
  sleep 0.5
done

cat <<MSG

  cryscope demo is running
    page + API:   http://localhost:$PORT/            (API description: /api/v1/openapi.json)
    Temporal UI:  http://localhost:$UI_PORT/namespaces/default/workflows
    storage:      ${DATABASE_URL:+PostgreSQL (DATABASE_URL)}${DATABASE_URL:-PGlite in $CRYSCOPE_PGLITE_DIR}
    device key:   demo-browser (the page fetches it from /api/v1/demo/credentials; kept in $CONFIG)
    caregiver:    http://localhost:$PORT/monitor/#key=$VIEWER_KEY
                  (read-only viewer key for demo-browser; the link stores it in that browser —
                  or press "Pair a caregiver device" on the page and type its code at /monitor/)
  Press Ctrl-C to stop.

MSG
[ -d "$ROOT/web/dist/demo" ] || echo "  note: web/dist/demo is not built yet (scripts/web-setup.sh); the API works without it."
wait "${PIDS[1]}"
