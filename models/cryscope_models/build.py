"""One command: ../shared -> models/build (yamnet.onnx, wav2vec2.onnx, wav2vec2.int8.onnx, manifest.json,
yamnet_class_map.csv, report/).  `python -m cryscope_models.build [--force]`

The output lives in ~/.cache/cryscope/models/<key> (key = hash of this package's code, requirements,
split, the shared manifest and the YAMNet weight files); models/build is a symlink to it. When the key
exists, nothing is rebuilt. Environment knobs (documented defaults):
  CRYSCOPE_SHARED         ../shared beside the repo
  CRYSCOPE_CACHE          ~/.cache/cryscope
  CRYSCOPE_THREADS        2      (torch + onnxruntime threads; on a 2-core machine shared with other heavy jobs 1 thread
                                  is faster: 2 threads measured 20x slower under contention, OpenMP barriers)
  CRYSCOPE_W2V_VARIANTS   "scratch"   comma-separated Wav2Vec2 variants to train and compare on
                          validation: scratch, distill, contrastive+distill (see models/EXPERIMENTS.md for
                          why the default is scratch)
  CRYSCOPE_W2V_SOURCE     unset  (a checkpoint path / hub id to fine-tune instead of the compact config)
  CRYSCOPE_QUICK          0      (1 = few epochs, for pipeline smoke runs only; marked in the report)
  CRYSCOPE_W2V_RETRAIN    0      (1 = train the compact Wav2Vec2 instead of loading models/weights/; the
                                  --retrain-wav2vec2 flag also copies the result into models/weights/)
"""
import argparse
import json
import os
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import LABELS
from .cache import StageCache, hash_inputs, sha256_file
from .paths import MODELS_DIR, SPLIT_CSV, cache_root, data_dir, yamnet_dir

PKG = Path(__file__).resolve().parent


def build_key() -> tuple[str, dict]:
    code = sorted(PKG.glob("*.py")) + sorted((MODELS_DIR / "weights").glob("*"))
    files = code + [MODELS_DIR / "requirements.txt", SPLIT_CSV, data_dir() / "MANIFEST.csv",
                    yamnet_dir() / "yamnet.npz", yamnet_dir() / "yamnet.tflite", yamnet_dir() / "yamnet_class_map.csv"]
    extra = {k: os.environ.get(k, "") for k in ("CRYSCOPE_W2V_VARIANTS", "CRYSCOPE_W2V_SOURCE", "CRYSCOPE_QUICK",
                                                "CRYSCOPE_W2V_RETRAIN")}
    return hash_inputs(files, extra), extra


def link_build(out: Path) -> None:
    link = MODELS_DIR / "build"
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)
    link.symlink_to(out, target_is_directory=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--force", action="store_true", help="rebuild even if the cache key exists")
    ap.add_argument("--retrain-wav2vec2", action="store_true",
                    help="train the compact Wav2Vec2 (CRYSCOPE_W2V_RETRAIN=1) and copy it into models/weights/")
    args = ap.parse_args(argv)
    if args.retrain_wav2vec2:
        os.environ["CRYSCOPE_W2V_RETRAIN"] = "1"
    key, extra = build_key()
    out = cache_root() / key
    if (out / "manifest.json").exists() and not args.force:
        link_build(out)
        print(f"models: up to date ({out})")
        return _commit_w2v(out) if args.retrain_wav2vec2 else 0
    from .pipeline import run
    tmp = cache_root() / f"{key}.partial"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    t0 = time.time()
    run(tmp, key=key, knobs=extra, stages=StageCache(cache_root() / "stages"))
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    link_build(out)
    print(f"models: built in {time.time() - t0:.0f}s -> {out}")
    return _commit_w2v(out) if args.retrain_wav2vec2 else 0


def _commit_w2v(out: Path) -> int:
    from .w2v_weights import main as commit
    return commit(["--commit", str(out)])


if __name__ == "__main__":
    sys.exit(main())
