"""The YAMNet three-class head and the zero-shot baseline.

The head sees x = [embeddings (1024), AudioSet scores (521)] of one 0.975 s window, keeping AudioSet's
knowledge as features (the backbone stays frozen: with ~1.2k training clips from few sources, light
fine-tuning generalises better across sources). Inputs are standardised with train statistics, and
the standardisation is folded into the first layer so the ONNX graph needs no extra ops.
Candidates (logistic regression / one-hidden-layer MLP, several weight decays) are chosen by
validation macro-F1 at file level.
"""
import numpy as np
import torch
from torch import nn

from . import LABELS

# Zero-shot: AudioSet classes that mean our labels (indices in yamnet_class_map.csv).
ZS_CRY = (19, 20)        # "Crying, sobbing", "Baby cry, infant cry"
ZS_SCREAM = (11,)        # "Screaming"
ZS_THRESHOLD = 0.1       # MediaPipe-style: a file is cry/scream if the mean score passes 0.1


def zero_shot_probs(scores: np.ndarray) -> np.ndarray:
    """Pseudo-probabilities [N,3] from AudioSet scores (for ROC curves and fusion-free baselines)."""
    c = scores[:, ZS_CRY].max(1)
    s = scores[:, ZS_SCREAM].max(1)
    n = np.clip(1.0 - np.maximum(c, s), 0.0, 1.0)
    p = np.stack([c, s, n], 1) + 1e-6
    return p / p.sum(1, keepdims=True)


def zero_shot_predict(file_scores: np.ndarray, threshold: float = ZS_THRESHOLD) -> np.ndarray:
    c = file_scores[:, ZS_CRY].max(1)
    s = file_scores[:, ZS_SCREAM].max(1)
    pred = np.where(c >= s, 0, 1)
    return np.where(np.maximum(c, s) >= threshold, pred, 2)


def class_weights(y: np.ndarray) -> np.ndarray:
    counts = np.bincount(y, minlength=3).astype(np.float64)
    w = counts.sum() / (3 * np.maximum(counts, 1))
    return w.astype(np.float32)


class Head(nn.Module):
    def __init__(self, d_in: int, hidden: int):
        super().__init__()
        self.hidden = hidden
        if hidden:
            self.net = nn.Sequential(nn.Dropout(0.2), nn.Linear(d_in, hidden), nn.ReLU(), nn.Dropout(0.2),
                                     nn.Linear(hidden, 3))
        else:
            self.net = nn.Sequential(nn.Dropout(0.1), nn.Linear(d_in, 3))

    def forward(self, x):
        return self.net(x)

    def linears(self) -> list[nn.Linear]:
        return [m for m in self.net if isinstance(m, nn.Linear)]


def train_head(xtr, ytr, xva, yva, hidden: int, weight_decay: float, epochs: int = 60, seed: int = 0,
               lr: float = 1e-3, batch: int = 256):
    """Returns (head, mean, std, curve). curve: per-epoch train/val loss and accuracy (window level)."""
    torch.manual_seed(seed)
    mean = xtr.mean(0); std = np.maximum(xtr.std(0), 1e-3)
    xt = torch.tensor((xtr - mean) / std, dtype=torch.float32)
    yt = torch.tensor(ytr)
    xv = torch.tensor((xva - mean) / std, dtype=torch.float32)
    yv = torch.tensor(yva)
    model = Head(xt.shape[1], hidden)
    loss_fn = nn.CrossEntropyLoss(weight=torch.tensor(class_weights(ytr)))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    curve = []
    g = torch.Generator().manual_seed(seed)
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=g)
        tl, tc = 0.0, 0
        for i in range(0, len(xt), batch):
            b = perm[i:i + batch]
            out = model(xt[b]); loss = loss_fn(out, yt[b])
            opt.zero_grad(); loss.backward(); opt.step()
            tl += float(loss) * len(b); tc += int((out.argmax(1) == yt[b]).sum())
        model.eval()
        with torch.no_grad():
            ov = model(xv); vl = float(loss_fn(ov, yv)); va = float((ov.argmax(1) == yv).float().mean())
        curve.append({"epoch": ep + 1, "train_loss": tl / len(xt), "train_acc": tc / len(xt),
                      "val_loss": vl, "val_acc": va})
    return model, mean, std, curve


def predict(model: Head, mean, std, x: np.ndarray) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(torch.tensor((x - mean) / std, dtype=torch.float32)), 1).numpy()


def export_layers(model: Head, mean: np.ndarray, std: np.ndarray) -> dict:
    """Gemm layers ([in,out] weights) with the standardisation folded into the first."""
    lins = model.linears()
    layers = []
    for i, lin in enumerate(lins):
        W = lin.weight.detach().numpy().T.astype(np.float64)   # [in,out]
        b = lin.bias.detach().numpy().astype(np.float64)
        if i == 0:
            b = b - (mean / std) @ W
            W = W / std[:, None]
        layers.append((W.astype(np.float32), b.astype(np.float32)))
    return {"layers": layers, "labels": list(LABELS)}
