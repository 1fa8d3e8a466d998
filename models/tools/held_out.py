"""What every held-out-family experiment in tools/ starts from: the build's cached stages and its family folds.

The build's stage cache (crops, YAMNet features of the crops and of every clip's clean windows, keyed by the
feature key printed in the stage file names) plus the folds of crosssource.py over the train+val clips, so an
experiment trains and scores exactly the windows the build's head selection does.
"""
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cryscope_models.crosssource import clip_folds, family_folds  # noqa: E402
from cryscope_models.data import load_dataset  # noqa: E402


@dataclass
class HeldOut:
    ds: object                # data.load_dataset(): clips, waves, split
    crops: dict               # x [M, 32000] float32, y [M], clip [M] (index into train_ids), aug [M]
    ytr: dict                 # emb [3M, 1024], scores [3M, 521]: the 3 YAMNet windows of each crop
    clean: dict               # embeddings, scores, owner (clip index), end: every clip's clean windows
    train_ids: np.ndarray     # clip indices of the train split
    val_ids: np.ndarray       # clip indices of the val split
    eligible: np.ndarray      # train + val clip indices, sorted (test stays out)
    folds: dict               # {family: fold}
    fold_clip: np.ndarray     # fold of every clip, -1 for test clips
    crop_clip: np.ndarray     # clip index of every crop
    crop_fold: np.ndarray     # fold of every crop

    @property
    def clips(self):
        return self.ds.clips


def load(stages: str | Path, key: str) -> HeldOut:
    st = Path(stages)
    crops = dict(np.load(st / f"crops-{key}.npz")); crops["x"] = crops["x"].astype(np.float32)
    ytr = dict(np.load(st / f"yamnet_train-{key}.npz")); clean = dict(np.load(st / f"yamnet_clean-{key}.npz"))
    ds = load_dataset()
    clips = ds.clips
    idx = {c.file: i for i, c in enumerate(clips)}
    train_ids = np.array([idx[c.file] for c in ds.of("train")])
    val_ids = np.array([idx[c.file] for c in ds.of("val")])
    eligible = np.sort(np.concatenate([train_ids, val_ids]))
    folds = family_folds([clips[i] for i in eligible])
    fold_clip = np.full(len(clips), -1); fold_clip[eligible] = clip_folds([clips[i] for i in eligible], folds)
    crop_clip = train_ids[crops["clip"]]
    return HeldOut(ds, crops, ytr, clean, train_ids, val_ids, eligible, folds, fold_clip, crop_clip, fold_clip[crop_clip])
