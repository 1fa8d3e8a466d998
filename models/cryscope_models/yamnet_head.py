"""The YAMNet three-class heads and the zero-shot baseline.

Two kinds of head, both on one 0.975 s window with the backbone frozen (with ~1.6k training clips from
few sources, touching the backbone would fit source quirks):
* free head: x = [embeddings (1024), AudioSet scores (521)] -> logistic regression or a one-hidden-layer
  MLP. Learns the three classes from scratch; on other sources it forgot what AudioSet knew (baby
  laughter, sirens and dogs became "cry" on recordings from other corpora).
* anchored head: logits = zero-shot prior(AudioSet logits) + residual(x), x = [embeddings, AudioSet
  logits clipped to +-LOGIT_CLIP]. The prior is the zero-shot rule in logit space: cry = max of the
  cry classes' logits, scream = the scream class's logit, normal = logit(ZS_THRESHOLD) or, when stronger, the
  logit of an AudioSet class that explains the sound away (ZS_NORMAL_EVIDENCE: laughter, moaning, animals,
  coughs, sirens) — so with a zero residual the head is zero-shot YAMNet (argmax ≈ "cry/scream if its AudioSet score
  passes 0.1 and beats every explaining class"). The
  residual is a linear map (or small MLP) penalised by l2 * ||W||^2: it can only move the decision as far
  as the training data insists, and AudioSet's own classes ("Baby laughter", "Siren", "Dog") reach it as
  features, so it can learn that they mean normal.
Inputs are standardised with train statistics, folded into the first layer (no extra ONNX ops).
Which head and how much to trust the training data (l2) is chosen on the cross-source folds
(crosssource.py), not on in-source validation.
"""
import numpy as np
import torch
from torch import nn

from . import LABELS

# Zero-shot: AudioSet classes that mean our labels (indices in yamnet_class_map.csv).
ZS_CRY = (19, 20)        # "Crying, sobbing", "Baby cry, infant cry"
ZS_SCREAM = (11,)        # "Screaming"
ZS_THRESHOLD = 0.1       # MediaPipe-style: a file is cry/scream if the mean score passes 0.1
ZS_NORMAL_LOGIT = float(np.log(ZS_THRESHOLD / (1 - ZS_THRESHOLD)))  # the prior's normal logit, logit(ZS_THRESHOLD)
# AudioSet classes that explain an alarm-like sound away: when YAMNet hears one of these, that is evidence
# for normal (the anchored prior's normal logit = logaddexp(logit(ZS_THRESHOLD), max of these logits)).
# Laughter, Baby laughter, Belly laugh, Sigh, Groan, Cough, Animal, Domestic animals, Dog, Bark, Howl, Cat, Meow,
# Livestock, Wild animals, Bird, Bird vocalization, Police car / Ambulance / Fire engine (siren), Alarm, Siren,
# Civil defense siren — the sounds held-out corpora and other sources turn into "cry"/"scream" (the models issue's
# false alarms: laughter, moaning, sirens, animals; held-out animals and coughs in models/EXPERIMENTS.md).
# Measured on held-out families over six torch seeds (models/EXPERIMENTS.md): the list without Sigh and Groan
# gained macro-F1 on every seed (mean 0.934 vs 0.929, session 13); Sigh and Groan (moaning) cut the false onsets
# on every seed (cry + scream, mean 12.3 -> 9.1/h at the same recall floor; macro-F1 0.938 vs 0.936, session 14).
ZS_NORMAL_EVIDENCE = (13, 14, 17, 23, 33, 42, 67, 68, 69, 70, 72, 76, 78, 81, 103, 106, 107, 317, 318, 319, 382, 390,
                      391)
LOGIT_CLIP = 12.0        # |AudioSet logit| cap for the anchored head: float32 sigmoid scores keep ~1 %
                         # resolution up to here, so logits recovered from cached scores match the graph's


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


def export_layers(model: "Head | AnchoredHead", mean: np.ndarray, std: np.ndarray) -> dict:
    """Gemm layers ([in,out] weights) with the standardisation folded into the first; `kind` tells the
    graph builder which input the layers take (and whether the zero-shot prior is added)."""
    lins = model.linears()
    layers = []
    for i, lin in enumerate(lins):
        W = lin.weight.detach().numpy().T.astype(np.float64)   # [in,out]
        b = lin.bias.detach().numpy().astype(np.float64)
        if i == 0:
            b = b - (mean / std) @ W
            W = W / std[:, None]
        layers.append((W.astype(np.float32), b.astype(np.float32)))
    kind = "anchored" if isinstance(model, AnchoredHead) else "free"
    return {"layers": layers, "labels": list(LABELS), "kind": kind}


def head_forward(head: dict, emb: np.ndarray, scores: np.ndarray, logits: np.ndarray | None = None) -> np.ndarray:
    """The exported head in float64 numpy (the reference the ONNX graph is checked against): softmax
    probs [N,3]. `logits`: the AudioSet logits (anchored heads; recovered from scores when absent)."""
    if head.get("kind", "free") == "anchored":
        lg = np.clip(logits, -LOGIT_CLIP, LOGIT_CLIP) if logits is not None else logits_from_scores(scores)
        x = np.concatenate([emb, lg], 1).astype(np.float64)
        prior = zero_shot_prior(lg.astype(np.float32)).astype(np.float64)
    else:
        x = np.concatenate([emb, scores], 1).astype(np.float64)
        prior = 0.0
    for i, (W, b) in enumerate(head["layers"]):
        x = x @ W.astype(np.float64) + b
        if i < len(head["layers"]) - 1:
            x = np.maximum(x, 0)
    x = x + prior
    p = np.exp(x - x.max(1, keepdims=True))
    return p / p.sum(1, keepdims=True)


# ---- anchored head -------------------------------------------------------------------------------

def logits_from_scores(scores: np.ndarray) -> np.ndarray:
    """AudioSet logits recovered from sigmoid scores, clipped to +-LOGIT_CLIP (the graph clips its own
    logits the same way, so training on cached scores and deploying on logits agree)."""
    lo = 1.0 / (1.0 + np.exp(LOGIT_CLIP))
    s = np.clip(scores.astype(np.float64), lo, 1.0 - lo)
    return np.clip(np.log(s) - np.log1p(-s), -LOGIT_CLIP, LOGIT_CLIP).astype(np.float32)


def zero_shot_prior(logits):
    """[N,3] zero-shot logits: cry = max over ZS_CRY, scream = ZS_SCREAM, normal = logaddexp(logit(ZS_THRESHOLD),
    max over ZS_NORMAL_EVIDENCE) — a window AudioSet hears as a dog, a laugh or a siren leans normal before any
    training (yamnet_onnx builds the same in the graph).
    Takes a numpy array (-> float32 numpy) or a torch tensor (-> a tensor in its dtype, differentiable): the
    experiment tools that train through the prior (models/tools/) call this one rule instead of restating it."""
    xp = torch if isinstance(logits, torch.Tensor) else np
    lg = logits if xp is torch else np.asarray(logits, np.float32)

    def top(classes):
        return xp.amax(lg[:, list(classes)], 1)
    normal = xp.logaddexp(xp.full_like(lg[:, 0], ZS_NORMAL_LOGIT), top(ZS_NORMAL_EVIDENCE))
    return xp.stack([top(ZS_CRY), top(ZS_SCREAM), normal], 1)


def anchored_features(emb: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x = [embeddings, clipped AudioSet logits], prior [N,3]) for the anchored head."""
    lg = logits_from_scores(scores)
    return np.concatenate([emb.astype(np.float32), lg], 1), zero_shot_prior(lg)


class AnchoredHead(nn.Module):
    """logits = prior + residual(x); residual = Linear (hidden 0) or Linear-ReLU-Linear, starting at 0."""
    def __init__(self, d_in: int, hidden: int):
        super().__init__()
        self.hidden = hidden
        if hidden:
            self.net = nn.Sequential(nn.Dropout(0.2), nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, 3))
        else:
            self.net = nn.Sequential(nn.Dropout(0.1), nn.Linear(d_in, 3))
        last = self.linears()[-1]
        nn.init.zeros_(last.weight); nn.init.zeros_(last.bias)  # start exactly at zero-shot

    def forward(self, x, prior):
        return prior + self.net(x)

    def linears(self) -> list[nn.Linear]:
        return [m for m in self.net if isinstance(m, nn.Linear)]

    def penalty(self) -> torch.Tensor:
        return sum((m.weight ** 2).sum() for m in self.linears())


def family_balance(families: np.ndarray) -> np.ndarray:
    """Per-window weights (mean 1) that give every corpus family the same total weight.
    Why: one corpus holds most of the cries (Donate-a-Cry: 451 of 543), so an unweighted head learns that
    corpus's phone sound as "cry"; measured on held-out families, balancing them is worth +0.017 macro-F1
    (models/EXPERIMENTS.md, session 6)."""
    _, inv, cnt = np.unique(np.asarray(families), return_inverse=True, return_counts=True)
    w = 1.0 / cnt[inv]
    return (w / w.mean()).astype(np.float32)


def train_anchored(x, prior, y, hidden: int, l2: float, epochs: int = 30, seed: int = 0, lr: float = 1e-3,
                   batch: int = 256, sample_weight: np.ndarray | None = None):
    """Class-weighted cross-entropy + l2 * sum ||W||^2 (mean over the batch's loss, so l2 is per window).
    sample_weight: optional per-window weights (e.g. family_balance) multiplying the class weights; the loss
    stays a weighted mean, so l2 keeps its meaning. Returns (head, mean, std). l2 = inf means no residual at
    all: the zero-shot head."""
    torch.manual_seed(seed)
    mean = x.mean(0); std = np.maximum(x.std(0), 1e-3)
    model = AnchoredHead(x.shape[1], hidden)
    if not np.isfinite(l2):
        return model, mean, std
    xt = torch.tensor((x - mean) / std, dtype=torch.float32)
    pt = torch.tensor(prior)
    yt = torch.tensor(y)
    cw = torch.tensor(class_weights(y))
    loss_fn = nn.CrossEntropyLoss(weight=cw)
    per_window = nn.CrossEntropyLoss(reduction="none")
    wt = None if sample_weight is None else torch.tensor(sample_weight, dtype=torch.float32) * cw[yt]
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), batch):
            b = perm[i:i + batch]
            z = model(xt[b], pt[b])
            if wt is None:
                fit = loss_fn(z, yt[b])
            else:
                fit = (wt[b] * per_window(z, yt[b])).sum() / wt[b].sum()
            loss = fit + l2 * model.penalty()
            opt.zero_grad(); loss.backward(); opt.step()
    return model.eval(), mean, std


def predict_anchored(model: AnchoredHead, mean, std, x: np.ndarray, prior: np.ndarray) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        z = model(torch.tensor((x - mean) / std, dtype=torch.float32), torch.tensor(prior))
        return torch.softmax(z, 1).numpy()
