"""Runs the exported ONNX models (the deployed graphs) on whole clips, the product's way:
windows every HOP (0.25 s), a file's probabilities from its most alarming windows, fusion per window pair."""
from dataclasses import dataclass, field

import numpy as np

from . import HOP, WAV2VEC2_WINDOW, YAMNET_WINDOW
from .features import wav2vec2_windows, yamnet_window_starts, yamnet_windows
from .fusion import METHODS, apply, wav2vec2_matters
from .metrics import clip_probs, file_probs, summarize
from .ort_util import run_batched
from .yamnet_head import zero_shot_predict, zero_shot_probs


@dataclass
class ClipOutputs:
    y: np.ndarray                       # [F] file labels
    yam: dict                           # scores, embeddings, probs per YAMNet window; owner, end
    w2v: dict = field(default_factory=dict)   # model name -> {probs}; plus owner, end
    pair: np.ndarray | None = None      # for each w2v window, index of the YAMNet window it fuses with


def run_yamnet(sess, waves: list[np.ndarray]) -> dict:
    """One patch per run, as the package does: the int8 graph's activation scales are per run, so a
    batch would make a patch's result depend on its batch-mates (yamnet_int8.py)."""
    pats, owner, end = [], [], []
    for i, w in enumerate(waves):
        p = yamnet_windows(w)
        starts = yamnet_window_starts(len(w))
        pats.append(p); owner += [i] * len(p); end += [s + YAMNET_WINDOW for s in starts]
    out = run_batched(sess, "patches", np.concatenate(pats), ["scores", "embeddings", "probs"], batch=1)
    out["owner"], out["end"] = np.array(owner), np.array(end)
    return out


def w2v_inputs(waves: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """All Wav2Vec2 windows of the clips (list: a short clip's window is shorter), owner, end sample."""
    xs, owner, end = [], [], []
    for i, w in enumerate(waves):
        x, starts = wav2vec2_windows(w)
        xs += x; owner += [i] * len(x); end += [s + len(v) for s, v in zip(starts, x)]
    return xs, np.array(owner), np.array(end)


def predict_by_length(fn, xs: list[np.ndarray], batch: int = 16) -> np.ndarray:
    """Runs fn([B,T] float32) -> [B,3] on windows grouped by length (no padding enters the model)."""
    out = np.zeros((len(xs), 3), np.float32)
    by_len: dict[int, list[int]] = {}
    for k, x in enumerate(xs):
        by_len.setdefault(len(x), []).append(k)
    for idx in by_len.values():
        for i in range(0, len(idx), batch):
            b = idx[i:i + batch]
            out[b] = fn(np.stack([xs[k] for k in b]))
    return out


def run_w2v(sessions: dict, waves: list[np.ndarray]) -> dict:
    xs, owner, end = w2v_inputs(waves)
    out = {"owner": owner, "end": end}
    for name, sess in sessions.items():
        # one window per run, as the package does: int8 activation scales are per run (see yamnet_int8.py)
        out[name] = predict_by_length(lambda x: sess.run(["probs"], {"input_values": x})[0], xs, batch=1)
    return out


def pair_windows(yam: dict, w2v: dict) -> np.ndarray:
    """Each Wav2Vec2 window is fused with the same file's YAMNet window whose end is nearest (the
    stream core fuses the latest output of each model at each hop)."""
    pair = np.empty(len(w2v["owner"]), dtype=np.int64)
    for k, (o, e) in enumerate(zip(w2v["owner"], w2v["end"])):
        idx = np.flatnonzero(yam["owner"] == o)
        pair[k] = idx[np.argmin(np.abs(yam["end"][idx] - e))]
    return pair


def run_all(yam_sess, w2v_sessions: dict, waves: list[np.ndarray], y: np.ndarray) -> ClipOutputs:
    yam = run_yamnet(yam_sess, waves)
    w2v = run_w2v(w2v_sessions, waves)
    return ClipOutputs(np.asarray(y), yam, w2v, pair_windows(yam, w2v))


def model_file_probs(co: ClipOutputs, fusion_cfg: dict | None, w2v_name: str = "wav2vec2_int8") -> dict:
    """{model: file probs [F,3]} for yamnet, yamnet_zero_shot, each wav2vec2 graph, and every fusion
    method (fused with `w2v_name`)."""
    n = len(co.y)
    out = {"yamnet": clip_probs(co.yam["probs"], co.yam["owner"], n)}
    fs = file_probs(co.yam["scores"], co.yam["owner"], n)
    out["yamnet_zero_shot"] = zero_shot_probs(fs)
    for k, v in co.w2v.items():
        if k.startswith("wav2vec2"):
            out[k] = clip_probs(v, co.w2v["owner"], n)
    if fusion_cfg is not None:
        for m in METHODS:
            probs, owner = ensemble_windows(co, fusion_cfg, m, w2v_name)
            out[f"fusion_{m}"] = clip_probs(probs, owner, n)
    return out


def summaries(co: ClipOutputs, fusion_cfg: dict | None, w2v_name: str = "wav2vec2_int8") -> dict:
    fps = model_file_probs(co, fusion_cfg, w2v_name)
    res = {}
    for k, p in fps.items():
        if k == "yamnet_zero_shot":
            fs = file_probs(co.yam["scores"], co.yam["owner"], len(co.y))
            res[k] = summarize(co.y, p, pred=zero_shot_predict(fs))
        else:
            res[k] = summarize(co.y, p)
    return res


def ensemble_windows(co: ClipOutputs, fusion_cfg: dict, method: str,
                     w2v_name: str = "wav2vec2_int8") -> tuple[np.ndarray, np.ndarray]:
    """(window probs [W,3], owner file [W]) of the ensemble, as the package decides: each Wav2Vec2 window fused
    with its nearest YAMNet window (pair_windows); where Wav2Vec2 cannot change the fused value
    (fusion.wav2vec2_matters), YAMNet's own windows — what the live cascade decides on and file analysis
    (`npx cryscope eval`) summarises. Why not the pairs then too: they are YAMNet's windows re-sampled on
    Wav2Vec2's grid, so a clip's most alarming windows can differ (one test clip flipped to scream)."""
    if not wav2vec2_matters(fusion_cfg, method):
        return co.yam["probs"], co.yam["owner"]
    return apply(fusion_cfg, method, co.yam["probs"][co.pair], co.w2v[w2v_name]), co.w2v["owner"]


def false_alarms_per_hour(win_probs: np.ndarray, owner: np.ndarray, durations_s: np.ndarray,
                          thresholds: dict, alpha: float = 0.5, min_duration_s: float = 1.0,
                          cooldown_s: float = 2.0) -> dict:
    """On NORMAL files only: cry/scream onsets per hour of audio, the files played back to back as one
    stream through the core's event rule (decider_replica.py)."""
    from .decider_replica import back_to_back, onsets
    stream = back_to_back(win_probs, owner, np.unique(owner))
    total = {}
    for i, lab in ((0, "cry"), (1, "scream")):
        t = thresholds[lab]
        total[lab] = len(onsets(stream[:, i], t["on"], t["off"], alpha, min_duration_s, cooldown_s))
    hours = float(np.sum(durations_s)) / 3600
    return {"hours": hours, "cry": total["cry"], "scream": total["scream"],
            "per_hour": (total["cry"] + total["scream"]) / hours if hours else None}
