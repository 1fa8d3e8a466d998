"""Independent float64 numpy forward pass of yamnet.npz (the parity reference for the ONNX graph)."""
import numpy as np

from .yamnet_arch import LAYERS, same_pads


def _pad_same(x: np.ndarray, k: int, stride: int) -> np.ndarray:
    # x: [N, H, W, C]
    ph = same_pads(x.shape[1], k, stride)
    pw = same_pads(x.shape[2], k, stride)
    return np.pad(x, ((0, 0), ph, pw, (0, 0)))


def _windows(x: np.ndarray, k: int, stride: int) -> np.ndarray:
    """[N, Ho, Wo, k, k, C] views of SAME-padded input."""
    xp = _pad_same(x, k, stride)
    n, h, w, c = xp.shape
    ho, wo = (h - k) // stride + 1, (w - k) // stride + 1
    s = xp.strides
    return np.lib.stride_tricks.as_strided(
        xp, (n, ho, wo, k, k, c), (s[0], s[1] * stride, s[2] * stride, s[1], s[2], s[3]))


def forward(weights, patches: np.ndarray) -> dict[str, np.ndarray]:
    """patches [N,96,64] -> {'embeddings' [N,1024], 'scores' [N,521], 'logits' [N,521]} in float64."""
    w = {k: np.asarray(weights[k], dtype=np.float64) for k in weights.keys() if not k.startswith("frontend/")}
    x = np.asarray(patches, dtype=np.float64)[..., None]
    for n, kind, stride in LAYERS:
        if kind == "conv":
            win = _windows(x, 3, stride)
            x = np.einsum("nhwijc,ijco->nhwo", win, w[f"layer{n}/conv/kernel"]) + w[f"layer{n}/conv/bias"]
            x = np.maximum(x, 0)
        else:
            win = _windows(x, 3, stride)
            dk = w[f"layer{n}/depthwise_conv/depthwise_kernel"][..., 0]          # [3,3,C]
            x = np.einsum("nhwijc,ijc->nhwc", win, dk) + w[f"layer{n}/depthwise_conv/bias"]
            x = np.maximum(x, 0)
            pk = w[f"layer{n}/pointwise_conv/kernel"][0, 0]                       # [C,F]
            x = np.maximum(x @ pk + w[f"layer{n}/pointwise_conv/bias"], 0)
    emb = x.mean(axis=(1, 2))
    logits = emb @ w["logits/kernel"] + w["logits/bias"]
    return {"embeddings": emb, "logits": logits, "scores": 1.0 / (1.0 + np.exp(-logits))}
