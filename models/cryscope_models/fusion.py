"""Fusion of the two models' window probabilities, fitted on VALIDATION only.

Methods (the C++ core implements the same math from the fusion JSON):
* mean:           (p_y + p_w) / 2
* weighted_mean:  w0 p_y + w1 p_w                      (w0 + w1 = 1)
* geometric_mean: normalise(p_y^w0 * p_w^w1)
* vote:           each model votes its argmax; ties (disagreement) -> the mean's distribution decides.
                  Output = normalise(one-hot votes + mean probs * 1e-3) so it stays a distribution.
* logistic:       softmax(coef . [ln max(p_y,1e-6), ln max(p_w,1e-6)] + intercept)
"""
import numpy as np
from sklearn.linear_model import LogisticRegression

from . import LABELS
from .metrics import file_probs, summarize

METHODS = ("mean", "weighted_mean", "geometric_mean", "vote", "logistic")
EPS = 1e-6


def _norm(p):
    return p / p.sum(1, keepdims=True)


def features(py: np.ndarray, pw: np.ndarray) -> np.ndarray:
    return np.concatenate([np.log(np.maximum(py, EPS)), np.log(np.maximum(pw, EPS))], 1)


def apply(cfg: dict, method: str, py: np.ndarray, pw: np.ndarray) -> np.ndarray:
    w0, w1 = cfg["weights"]
    if method == "mean":
        return (py + pw) / 2
    if method == "weighted_mean":
        return w0 * py + w1 * pw
    if method == "geometric_mean":
        return _norm(np.exp(w0 * np.log(np.maximum(py, EPS)) + w1 * np.log(np.maximum(pw, EPS))))
    if method == "vote":
        v = np.eye(3)[py.argmax(1)] + np.eye(3)[pw.argmax(1)]
        return _norm(v + 1e-3 * (py + pw) / 2)
    if method == "logistic":
        z = features(py, pw) @ np.asarray(cfg["logistic"]["coef"]).T + np.asarray(cfg["logistic"]["intercept"])
        z -= z.max(1, keepdims=True)
        return _norm(np.exp(z))
    raise ValueError(f"unknown fusion method {method!r}")


def fit(py_win, pw_win, y_win, owner, y_file) -> tuple[dict, dict]:
    """Fits weights and the logistic meta-classifier on validation windows; picks the default method
    by validation macro-F1 at file level (mean fused probability over a file's windows)."""
    cfg = {"labels": list(LABELS), "default": "mean", "weights": [0.5, 0.5]}
    n_files = len(y_file)

    def f1_of(method, c):
        return summarize(y_file, file_probs(apply(c, method, py_win, pw_win), owner, n_files))["macro_f1"]

    # weights for weighted/geometric mean: grid on validation (ties -> closer to 0.5)
    grid = np.round(np.linspace(0, 1, 21), 2)
    best = {}
    for method in ("weighted_mean", "geometric_mean"):
        scores = [(f1_of(method, dict(cfg, weights=[float(a), float(1 - a)])), -abs(a - 0.5), a) for a in grid]
        best[method] = max(scores)[2]
    # one weights pair is shared by both methods in the contract: use the geometric-mean optimum
    # only if it scores better there; report both.
    lr = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
    lr.fit(features(py_win, pw_win), y_win)
    cfg["logistic"] = {"features": "log_probs", "coef": lr.coef_.tolist(), "intercept": lr.intercept_.tolist()}
    results = {}
    wm = float(best["weighted_mean"]); gm = float(best["geometric_mean"])
    for method in METHODS:
        w = gm if method == "geometric_mean" else wm
        results[method] = {"macro_f1": f1_of(method, dict(cfg, weights=[w, 1 - w])), "weights": [w, 1 - w]}
    # choose the shared weights by whichever of the two weight-using methods is better
    shared = wm if results["weighted_mean"]["macro_f1"] >= results["geometric_mean"]["macro_f1"] else gm
    cfg["weights"] = [float(shared), float(1 - shared)]
    for method in ("weighted_mean", "geometric_mean"):
        results[method]["macro_f1_shared_weights"] = f1_of(method, cfg)
    order = {m: i for i, m in enumerate(("logistic", "weighted_mean", "geometric_mean", "mean", "vote"))}
    cfg["default"] = max(METHODS, key=lambda m: (results[m].get("macro_f1_shared_weights",
                                                                results[m]["macro_f1"]), -order[m]))
    return cfg, results


def validate_config(cfg: dict) -> None:
    """Schema check of the fusion JSON contract (raises ValueError)."""
    if cfg.get("labels") != list(LABELS):
        raise ValueError("labels must be cry, scream, normal")
    if cfg.get("default") not in METHODS:
        raise ValueError(f"default must be one of {METHODS}")
    w = cfg.get("weights")
    if not (isinstance(w, list) and len(w) == 2 and all(isinstance(v, float) and 0 <= v <= 1 for v in w)
            and abs(sum(w) - 1) < 1e-6):
        raise ValueError("weights must be two floats in [0,1] summing to 1")
    lg = cfg.get("logistic") or {}
    if lg.get("features") != "log_probs":
        raise ValueError("logistic.features must be log_probs")
    coef, icpt = np.asarray(lg.get("coef")), np.asarray(lg.get("intercept"))
    if coef.shape != (3, 6) or icpt.shape != (3,) or not (np.all(np.isfinite(coef)) and np.all(np.isfinite(icpt))):
        raise ValueError("logistic coef must be 3x6 and intercept 3 finite floats")
