"""Classification metrics in the shape the report and `npx cryscope eval` share."""
import numpy as np
from sklearn.metrics import confusion_matrix, roc_auc_score, roc_curve

from . import LABELS


def file_probs(window_probs: np.ndarray, owner: np.ndarray, n_files: int) -> np.ndarray:
    """A file's probability = mean of its windows' probabilities (the product's rule)."""
    out = np.zeros((n_files, window_probs.shape[1]))
    np.add.at(out, owner, window_probs)
    counts = np.bincount(owner, minlength=n_files)[:, None]
    if np.any(counts == 0):
        raise ValueError("a file has no windows")
    return out / counts


def summarize(y: np.ndarray, probs: np.ndarray | None = None, pred: np.ndarray | None = None) -> dict:
    y = np.asarray(y)
    if pred is None:
        pred = np.asarray(probs).argmax(1)
    cm = confusion_matrix(y, pred, labels=range(3))
    per = {}
    f1s = []
    for i, lab in enumerate(LABELS):
        tp = cm[i, i]
        p = tp / cm[:, i].sum() if cm[:, i].sum() else 0.0
        r = tp / cm[i, :].sum() if cm[i, :].sum() else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per[lab] = {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(cm[i, :].sum())}
        f1s.append(f)
    out = {"n": int(len(y)), "accuracy": float((pred == y).mean()), "macro_f1": float(np.mean(f1s)),
           "per_class": per, "confusion": cm.tolist()}
    if probs is not None:
        aucs = {}
        for i, lab in enumerate(LABELS):
            yt = (y == i).astype(int)
            aucs[lab] = float(roc_auc_score(yt, probs[:, i])) if 0 < yt.sum() < len(yt) else None
        out["roc_auc"] = aucs
    return out


def roc_points(y: np.ndarray, probs: np.ndarray) -> dict:
    pts = {}
    for i, lab in enumerate(LABELS):
        yt = (np.asarray(y) == i).astype(int)
        if 0 < yt.sum() < len(yt):
            fpr, tpr, _ = roc_curve(yt, probs[:, i])
            pts[lab] = (fpr, tpr)
    return pts
