"""YAMNet embeddings + AudioSet scores for training crops and evaluation clips (via the ONNX graph)."""
import numpy as np

from . import CROP_HOP, YAMNET_WINDOW
from .features import log_mel, yamnet_windows
from .ort_util import run_batched

CROP_STARTS = (0, CROP_HOP, 2 * CROP_HOP)  # three 15600-sample windows inside a 2 s crop


def crop_patches(crops: np.ndarray) -> np.ndarray:
    """[M, 32000] crops -> [M*3, 96, 64] patches (window-major within each crop)."""
    out = np.empty((len(crops) * len(CROP_STARTS), 96, 64), np.float32)
    k = 0
    for x in crops:
        for s in CROP_STARTS:
            out[k] = log_mel(x[s:s + YAMNET_WINDOW]); k += 1
    return out


def load_weights() -> dict[str, np.ndarray]:
    """Pretrained YAMNet weights from ../shared (yamnet.npz); read, never copied into the work tree."""
    from .paths import yamnet_dir
    return dict(np.load(yamnet_dir() / "yamnet.npz"))


def backbone_session(weights: dict, threads: int):
    """Pretrained YAMNet without a head (outputs: embeddings + AudioSet scores): the feature extractor the
    heads are trained on, built in memory."""
    from . import yamnet_onnx
    from .ort_util import session
    return session(yamnet_onnx.build(weights, yamnet_onnx.identity_head()).SerializeToString(), threads)


def crop_features(sess, crops: np.ndarray) -> dict[str, np.ndarray]:
    """Embeddings [M*3, 1024] and AudioSet scores [M*3, 521] (float32) of the 3 windows of each 2 s crop, in
    crop_patches' order. Shared by the build's training crops and the cross-source tool's teacher mixtures, so
    a teacher hears its inputs exactly as the heads were trained to."""
    r = run_batched(sess, "patches", crop_patches(crops), ["embeddings", "scores"])
    return {"emb": r["embeddings"].astype(np.float32), "scores": r["scores"].astype(np.float32)}


def run(sess, patches: np.ndarray) -> dict[str, np.ndarray]:
    return run_batched(sess, "patches", patches, ["embeddings", "scores", "probs"], batch=64)


def clip_windows(waves: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Streaming windows for whole clips: patches [W,96,64] and owner index [W]."""
    pats, owner = [], []
    for i, w in enumerate(waves):
        p = yamnet_windows(w)
        pats.append(p); owner.append(np.full(len(p), i))
    return np.concatenate(pats), np.concatenate(owner)
