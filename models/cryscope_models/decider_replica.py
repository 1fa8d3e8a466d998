"""The core's event rule in Python, to choose thresholds and smoothing on held-out window probabilities.

Mirrors what the browser runs for one class: EMA smoothing (core/src/smoothing.cpp: the first update is
taken as is) then core/src/event_detector.cpp (a run starts at p >= off, an onset is emitted once the run
has reached `on` and spans min_duration, the run ends below `off`, then no new run for cooldown seconds
after an emitted episode). tests/models/test_decider_replica.py replays random sequences through the WASM
Decider and checks these onsets are the same, so the choice made here is the one the product ships.
"""
import numpy as np

from . import HOP, SAMPLE_RATE

HOP_S = HOP / SAMPLE_RATE  # the decision grid: one update per shipped hop (0.25 s)
_EPS = 1e-9          # the core's kTimeEps


def smooth(seq: np.ndarray, alpha: float) -> np.ndarray:
    """EMA with weight `alpha` on the newest value; the first value is taken as is."""
    out = np.empty(len(seq))
    s = None
    for i, p in enumerate(seq):
        s = float(p) if s is None else alpha * float(p) + (1 - alpha) * s
        out[i] = s
    return out


def back_to_back(win_probs: np.ndarray, owner: np.ndarray, clips) -> np.ndarray:
    """The windows of `clips` (owner values, in that order) as one stream, as a monitor would hear those
    recordings played one after another; shape [sum of their windows, *win_probs.shape[1:]]."""
    parts = [win_probs[owner == c] for c in clips]
    return np.concatenate(parts) if parts else np.zeros((0,) + win_probs.shape[1:], win_probs.dtype)


def onsets(seq: np.ndarray, on: float, off: float, alpha: float, min_duration_s: float = 0.0,
           cooldown_s: float = 2.0, hop_s: float = HOP_S) -> list[int]:
    """Indices of the updates that emit an onset, for one class's raw window probabilities `seq`
    (update i at time i * hop_s, one stream)."""
    in_run = reached = emitted = False
    pending: list[float] = []
    start, cool, out = 0.0, -np.inf, []
    for i, p in enumerate(smooth(np.asarray(seq, float), alpha)):
        t = i * hop_s
        if not in_run:
            if t < cool - _EPS or p < off:
                continue
            in_run = True
        elif p < off:
            if emitted:
                cool = t + cooldown_s
            in_run = reached = emitted = False
            pending = []
            continue
        if not reached:
            pending.append(t)
            while len(pending) >= 2 and t - pending[1] >= min_duration_s - _EPS:
                pending.pop(0)
            if p >= on:
                reached, start, pending = True, pending[0], []
        if reached and not emitted and t - start >= min_duration_s - _EPS:
            emitted = True
            out.append(i)
    return out
