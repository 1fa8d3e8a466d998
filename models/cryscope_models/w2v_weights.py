"""The compact Wav2Vec2's committed weights: models/weights/wav2vec2_compact.npz + .json.

Why commit them: our code trains this model from scratch (random init, no third-party weights), and the
training is ~60 % of a cold build on 2 cores. The build loads the committed state dict instead of
retraining, after checking (1) its sha256 against the .json and (2) that it was trained on the data the
build sees now: the same split.csv, MANIFEST.csv and crop-making code (data.py, augment.py) — otherwise
clips it trained on could now sit in validation or test, so the build stops and says to retrain.

Retrain and copy the new weights here (then commit models/weights/):
  bash scripts/models-setup.sh --retrain-wav2vec2
(= CRYSCOPE_W2V_RETRAIN=1 for the build, then `python -m cryscope_models.w2v_weights --commit models/build`).
The .json records the command, seed, thread count, the data hash and the training curve.
"""
import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np

from .cache import sha256_file
from .paths import MODELS_DIR, SPLIT_CSV, data_dir

PKG = Path(__file__).resolve().parent
WEIGHTS_DIR = MODELS_DIR / "weights"
NPZ, META = "wav2vec2_compact.npz", "wav2vec2_compact.json"


class StaleWeights(RuntimeError):
    pass


def data_hash() -> dict:
    """What the weights were trained on: the split, the manifest and the code that makes the crops."""
    return {"split_csv": sha256_file(SPLIT_CSV), "manifest_csv": sha256_file(data_dir() / "MANIFEST.csv"),
            "data_py": sha256_file(PKG / "data.py"), "augment_py": sha256_file(PKG / "augment.py")}


def retrain_requested(knobs: dict) -> bool:
    """True when the build must train: asked for, or a non-default variant/source is being tried."""
    return (os.environ.get("CRYSCOPE_W2V_RETRAIN") == "1" or bool(knobs.get("CRYSCOPE_W2V_SOURCE"))
            or (knobs.get("CRYSCOPE_W2V_VARIANTS") or "scratch") != "scratch" or knobs.get("CRYSCOPE_QUICK") == "1")


def load_committed(directory: Path = WEIGHTS_DIR) -> tuple[dict, dict]:
    """(state dict of numpy arrays, meta). Raises FileNotFoundError when absent, StaleWeights when the
    checksum or the data hash disagree."""
    npz, meta_path = directory / NPZ, directory / META
    if not npz.is_file() or not meta_path.is_file():
        raise FileNotFoundError(f"no committed Wav2Vec2 weights in {directory}")
    meta = json.loads(meta_path.read_text())
    if sha256_file(npz) != meta["sha256"]:
        raise StaleWeights(f"{npz} does not match the sha256 in {meta_path} (corrupt or edited file)")
    now = data_hash()
    diff = [k for k in now if meta["data"].get(k) != now[k]]
    if diff:
        raise StaleWeights(f"committed Wav2Vec2 weights were trained on other data ({', '.join(diff)} changed): "
                           "retrain with CRYSCOPE_W2V_RETRAIN=1 and commit them (cryscope_models/w2v_weights.py)")
    with np.load(npz) as z:
        return {k: z[k] for k in z.files}, meta


def save(out: Path, state: dict, meta: dict) -> None:
    """Writes the state dict (float32 arrays) and its meta (with sha256 and data hash) into `out`."""
    np.savez_compressed(out / NPZ, **{k: v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)
                                      for k, v in state.items()})
    meta = dict(meta, sha256=sha256_file(out / NPZ), data=data_hash())
    (out / META).write_text(json.dumps(meta, indent=1) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Copy a retrained build's Wav2Vec2 weights into models/weights/")
    ap.add_argument("--commit", type=Path, required=True, help="build output dir (e.g. models/build)")
    a = ap.parse_args(argv)
    src = a.commit
    if not (src / NPZ).is_file():
        print(f"{src / NPZ} is missing: build with CRYSCOPE_W2V_RETRAIN=1 first", file=sys.stderr)
        return 2
    WEIGHTS_DIR.mkdir(exist_ok=True)
    for f in (NPZ, META):
        shutil.copy(src / f, WEIGHTS_DIR / f)
    load_committed()  # verifies what was copied
    print(f"copied {NPZ} and {META} to {WEIGHTS_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
