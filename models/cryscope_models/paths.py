"""Where things live. ../shared is found beside the repo unless CRYSCOPE_SHARED overrides it."""
import os
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent.parent          # <repo>/models
REPO_ROOT = MODELS_DIR.parent


def shared_dir() -> Path:
    p = Path(os.environ.get("CRYSCOPE_SHARED") or (REPO_ROOT.parent / "shared"))
    if not (p / "data" / "MANIFEST.csv").is_file():
        raise FileNotFoundError(f"shared data not found at {p} (set CRYSCOPE_SHARED)")
    return p


def data_dir() -> Path:
    return shared_dir() / "data"


def yamnet_dir() -> Path:
    return shared_dir() / "weights" / "yamnet"


def cache_root() -> Path:
    """Build cache outside the work tree (~/.cache/cryscope/models unless CRYSCOPE_CACHE is set)."""
    base = Path(os.environ.get("CRYSCOPE_CACHE") or (Path.home() / ".cache" / "cryscope"))
    return base / "models"


SPLIT_CSV = MODELS_DIR / "splits" / "split.csv"
