"""Reading the shared manifest and its FLAC clips (16 kHz mono float32 in [-1, 1])."""
import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from . import LABELS, SAMPLE_RATE
from .paths import data_dir


@dataclass(frozen=True)
class Clip:
    file: str        # relative to shared/data
    label: str
    category: str
    group: str
    source: str
    duration_s: float
    family: str = ""  # the underlying corpus (copies and derivatives of one corpus share it): held out whole


    @property
    def y(self) -> int:
        return LABELS.index(self.label)


def read_manifest(path: Path | None = None) -> list[Clip]:
    path = path or (data_dir() / "MANIFEST.csv")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    clips = []
    for r in rows:
        if r["label"] not in LABELS:
            raise ValueError(f"unknown label {r['label']!r} for {r['file']}")
        clips.append(Clip(r["file"], r["label"], r["category"], r["group"],
                          r["source_repo"], float(r["duration_s"]), r.get("family") or r["source_repo"]))
    return clips


def load_wave(file: str, root: Path | None = None) -> np.ndarray:
    """Mono float32 at 16 kHz. The shared data is already 16 kHz; anything else is an error here."""
    x, sr = sf.read(str((root or data_dir()) / file), dtype="float32", always_2d=True)
    if sr != SAMPLE_RATE:
        raise ValueError(f"{file}: sample rate {sr}, expected {SAMPLE_RATE}")
    x = x.mean(axis=1)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{file}: non-finite samples")
    return np.ascontiguousarray(x, dtype=np.float32)
