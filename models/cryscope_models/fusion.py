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
from .metrics import clip_probs, summarize

METHODS = ("mean", "weighted_mean", "geometric_mean", "vote", "logistic")
EPS = 1e-6


def _norm(p):
    return p / p.sum(1, keepdims=True)


def wav2vec2_matters(cfg: dict, method: str) -> bool:
    """Whether Wav2Vec2's output can change a fused value: not under a weighted (arithmetic or geometric) mean
    that gives it weight 0 and YAMNet more — then the fused window is YAMNet's window. The package applies the
    same rule (web/src/engine.ts wav2vec2Matters): live its cascade then skips Wav2Vec2, and file analysis
    decides on YAMNet's own windows (evaluate.ensemble_windows mirrors that for the report)."""
    w0, w1 = cfg["weights"]
    return not (method in ("weighted_mean", "geometric_mean") and w1 == 0 and w0 > 0)


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


def _fit_params(py, pw, y_win, owner, y_file) -> dict:
    """Weights (grid, ties -> closer to 0.5) for weighted/geometric mean and the logistic model."""
    cfg = {"labels": list(LABELS), "default": "mean", "weights": [0.5, 0.5]}
    n_files = len(y_file)

    def f1_of(method, c):
        return summarize(y_file, clip_probs(apply(c, method, py, pw), owner, n_files))["macro_f1"]
    grid = np.round(np.linspace(0, 1, 21), 2)
    best = {}
    for method in ("weighted_mean", "geometric_mean"):
        scores = [(f1_of(method, dict(cfg, weights=[float(a), float(1 - a)])), -abs(a - 0.5), a) for a in grid]
        best[method] = float(max(scores)[2])
    lr = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
    lr.fit(features(py, pw), y_win)
    cfg["logistic"] = {"features": "log_probs", "coef": lr.coef_.tolist(), "intercept": lr.intercept_.tolist()}
    cfg["_best_weight"] = best
    return cfg


def _with_weight(cfg: dict, method: str) -> dict:
    w = cfg["_best_weight"]["geometric_mean" if method == "geometric_mean" else "weighted_mean"]
    return dict(cfg, weights=[w, 1 - w])


def cross_validated_f1(py_win, pw_win, y_win, owner, y_file, groups=None, folds: int = 5, seed: int = 0) -> dict:
    """Out-of-sample file macro-F1 of each method on validation: parameters (weights, logistic) fitted
    on the other folds, applied to the held-out fold; folds split by recording group when given (else by
    file), so clips of one recording are never on both sides."""
    n_files = len(y_file)
    keys = np.asarray(groups) if groups is not None else np.arange(n_files)
    uniq = np.unique(keys)
    rng = np.random.default_rng(seed)
    fold_of_key = dict(zip(uniq, rng.permutation(len(uniq)) % folds))
    fold_of_file = np.array([fold_of_key[k] for k in keys])
    fold_of_win = fold_of_file[owner]
    out = {m: np.zeros_like(py_win) for m in METHODS}
    for k in range(folds):
        tr, te = fold_of_win != k, fold_of_win == k
        if not te.any() or len(np.unique(y_win[tr])) < 3:
            continue
        tr_files = np.flatnonzero(fold_of_file != k)
        remap = np.full(n_files, -1); remap[tr_files] = np.arange(len(tr_files))
        c = _fit_params(py_win[tr], pw_win[tr], y_win[tr], remap[owner[tr]], y_file[tr_files])
        for m in METHODS:
            out[m][te] = apply(_with_weight(c, m), m, py_win[te], pw_win[te])
    return {m: summarize(y_file, clip_probs(out[m], owner, n_files))["macro_f1"] for m in METHODS}


def fit(py_win, pw_win, y_win, owner, y_file, groups=None) -> tuple[dict, dict]:
    """Fits weights and the logistic meta-classifier on validation windows. The default method is the
    one with the best CROSS-VALIDATED file macro-F1 on validation (cross_validated_f1): scoring the
    logistic model on the very windows it was fitted to would favour it (a measured build chose
    logistic at 0.931 in-sample while its test F1 fell 0.04 below YAMNet alone)."""
    cfg = _fit_params(py_win, pw_win, y_win, owner, y_file)
    best = cfg.pop("_best_weight")
    n_files = len(y_file)

    def f1_of(method, c):
        return summarize(y_file, clip_probs(apply(c, method, py_win, pw_win), owner, n_files))["macro_f1"]
    results = {}
    wm, gm = best["weighted_mean"], best["geometric_mean"]
    cv = cross_validated_f1(py_win, pw_win, y_win, owner, y_file, groups)
    for method in METHODS:
        w = gm if method == "geometric_mean" else wm
        results[method] = {"macro_f1": f1_of(method, dict(cfg, weights=[w, 1 - w])), "weights": [w, 1 - w],
                           "cv_macro_f1": cv[method]}
    # one weights pair is shared by both weight-using methods in the fusion JSON: the better one's (by CV)
    shared = wm if cv["weighted_mean"] >= cv["geometric_mean"] else gm
    cfg["weights"] = [float(shared), float(1 - shared)]
    for method in ("weighted_mean", "geometric_mean"):
        results[method]["macro_f1_shared_weights"] = f1_of(method, cfg)
    # ties -> the simpler method
    order = {m: i for i, m in enumerate(("mean", "weighted_mean", "geometric_mean", "vote", "logistic"))}
    cfg["default"] = max(METHODS, key=lambda m: (round(cv[m], 6), -order[m]))
    return cfg, results


def validate_config(cfg: dict) -> None:
    """Schema check of the fusion JSON, the format core/include/cryscope/fusion.hpp parses (raises ValueError)."""
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
