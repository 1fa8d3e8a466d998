#!/usr/bin/env bash
# Runs the models area's pytest suite (tests/models). Expects scripts/models-setup.sh to have built
# models/build (the artefact tests check the real build). "No tests collected" counts as a failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$ROOT/models/venv.sh"
cd "$ROOT"
rc=0
"$MODELS_PY" -m pytest -q -p no:cacheprovider tests/models "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
  echo "models-test: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
