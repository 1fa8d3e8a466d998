"""Shared fixtures: the models package on sys.path, ../shared paths, a few real clips."""
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "models"))

from cryscope_models.audio import load_wave, read_manifest  # noqa: E402
from cryscope_models.paths import yamnet_dir  # noqa: E402


@pytest.fixture(scope="session")
def clips():
    return read_manifest()


@pytest.fixture(scope="session")
def weights():
    return dict(np.load(yamnet_dir() / "yamnet.npz"))


@pytest.fixture(scope="session")
def sample_waves(clips):
    """One real clip per label (first in manifest order)."""
    out = {}
    for c in clips:
        if c.label not in out:
            out[c.label] = load_wave(c.file)
    return out


@pytest.fixture(scope="session")
def build_dir():
    d = ROOT / "models" / "build"
    if not (d / "manifest.json").is_file():
        pytest.fail("models/build is missing: run scripts/models-setup.sh first")
    return d
