# Sourced by scripts/models-*.sh: creates (once) the models venv keyed by the requirements hash and
# exports MODELS_PY. The venv lives outside the work tree; pip's own cache makes re-creation cheap.
REQ="$ROOT/models/requirements.txt"
VENV="$CRYSCOPE_CACHE/venv-models-$(sha256sum "$REQ" | cut -c1-12)"
if [ ! -f "$VENV/.complete" ]; then
  log "models: creating venv $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$REQ"
  touch "$VENV/.complete"
fi
export MODELS_PY="$VENV/bin/python"
export PYTHONPATH="$ROOT/models${PYTHONPATH:+:$PYTHONPATH}"
