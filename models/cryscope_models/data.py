"""Loads the split clips and builds the (cached) augmented training crops."""
from dataclasses import dataclass

import numpy as np

from . import LABELS, TRAIN_CROP
from .audio import Clip, load_wave, read_manifest
from .augment import augment, random_crop
from .splits import read_split

# Augmented 2 s crops per training clip, per label: evens out the class imbalance in the number of
# crops (cry 480 / scream 152 / normal 1121 clips); the losses also use class weights.
CROPS_PER_CLIP = {"cry": 3, "scream": 8, "normal": 2}


@dataclass
class Dataset:
    clips: list[Clip]
    split: dict[str, str]
    waves: dict[str, np.ndarray]

    def of(self, name: str) -> list[Clip]:
        return [c for c in self.clips if self.split[c.file] == name]


def load_dataset() -> Dataset:
    clips = read_manifest()
    split = read_split()
    missing = [c.file for c in clips if c.file not in split]
    if missing:
        raise ValueError(f"{len(missing)} manifest clips not in split.csv (e.g. {missing[0]}); rerun splits")
    waves = {c.file: load_wave(c.file) for c in clips}
    return Dataset(clips, split, waves)


def training_crops(ds: Dataset, seed: int = 0, length: int = TRAIN_CROP,
                   crops_per_clip: dict | None = None) -> dict[str, np.ndarray]:
    """For each train clip: one clean crop + N augmented crops. Backgrounds come from TRAIN normal
    clips only (no cross-split leakage). Returns x [M,length] float32, y [M], clip [M] index, aug [M]."""
    rng = np.random.default_rng(seed)
    cpc = crops_per_clip or CROPS_PER_CLIP
    train = ds.of("train")
    backgrounds = [ds.waves[c.file] for c in train if c.label == "normal"]
    xs, ys, idx, aug = [], [], [], []
    for i, c in enumerate(train):
        w = ds.waves[c.file]
        xs.append(random_crop(w, length, rng)); ys.append(c.y); idx.append(i); aug.append(0)
        for _ in range(cpc[c.label]):
            xs.append(augment(random_crop(w, length, rng), c.label, rng, backgrounds))
            ys.append(c.y); idx.append(i); aug.append(1)
    return {"x": np.stack(xs).astype(np.float32), "y": np.array(ys), "clip": np.array(idx),
            "aug": np.array(aug)}


def label_index(label: str) -> int:
    return LABELS.index(label)
