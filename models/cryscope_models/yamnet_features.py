"""YAMNet embeddings + AudioSet scores for training crops and evaluation clips (via the ONNX graph)."""
import numpy as np

from . import HOP, YAMNET_WINDOW
from .features import log_mel, yamnet_windows
from .ort_util import run_batched

CROP_STARTS = (0, HOP, 2 * HOP)  # three 15600-sample windows inside a 2 s crop, at the default hop (HOP)


def crop_patches(crops: np.ndarray) -> np.ndarray:
    """[M, 32000] crops -> [M*3, 96, 64] patches (window-major within each crop)."""
    out = np.empty((len(crops) * len(CROP_STARTS), 96, 64), np.float32)
    k = 0
    for x in crops:
        for s in CROP_STARTS:
            out[k] = log_mel(x[s:s + YAMNET_WINDOW]); k += 1
    return out


def run(sess, patches: np.ndarray) -> dict[str, np.ndarray]:
    return run_batched(sess, "patches", patches, ["embeddings", "scores", "probs"], batch=64)


def clip_windows(waves: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Streaming windows for whole clips: patches [W,96,64] and owner index [W]."""
    pats, owner = [], []
    for i, w in enumerate(waves):
        p = yamnet_windows(w)
        pats.append(p); owner.append(np.full(len(p), i))
    return np.concatenate(pats), np.concatenate(owner)
