#!/usr/bin/env bash
# Builds models/build (a symlink into ~/.cache/cryscope/models/<key>): yamnet.onnx, wav2vec2.onnx,
# wav2vec2.int8.onnx, manifest.json, yamnet_class_map.csv, report/. Skips work when the key exists.
# Env: CRYSCOPE_SHARED (default <repo>/../shared), CRYSCOPE_CACHE (default ~/.cache/cryscope),
#      CRYSCOPE_THREADS (default 2); see models/cryscope_models/build.py for the rest.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$ROOT/models/venv.sh"
cd "$ROOT/models"
nice -n 10 "$MODELS_PY" -m cryscope_models.build "$@"
