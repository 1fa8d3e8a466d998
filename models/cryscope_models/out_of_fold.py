"""What the build's calibration scores on clips it was not chosen on: the normal offset and the event settings are
chosen on four folds' held-out clips and applied to the fifth, and the five results are pooled.

Why: head_selection chooses the normal offset, and event_selection the smoothing, minimum episode and 'on' levels,
on the same pooled held-out predictions they are then scored on. Those figures lean optimistic — the offset's part
alone was 0.01-0.02 macro-F1 over six seeds (models/EXPERIMENTS.md, session 14) — and the product is judged on
sources it never heard. Here each fold is scored with settings that never saw it, so the report can show both.
The head candidate stays the one chosen on all five folds here (these are the shipped head's settings); what
choosing the candidate out of fold too gives is head_selection.nested_out_of_fold, reported beside this.
"""
import numpy as np

from .event_selection import choose_event_settings, replay
from .head_selection import out_of_fold_predictions, shifted
from .metrics import subset_clips, summarize

CLASSES = ((0, "cry"), (1, "scream"))


def evaluate(win_probs: np.ndarray, owner: np.ndarray, y: np.ndarray, fold: np.ndarray, durations_s: np.ndarray,
             onset_s: np.ndarray, cooldown_s: float) -> dict:
    """win_probs: the chosen head's held-out window probabilities WITHOUT its normal offset; owner: clip index per
    window; y, fold, durations_s, onset_s: one entry per clip. Returns the pooled clip figures ('macro_f1',
    'confusion', 'normal_false_alarms'), the pooled events per class ('per_hour', 'recall', 'latency_median_s', with
    the counts they come from) and what each fold was given ('per_fold')."""
    y, fold = np.asarray(y), np.asarray(fold)
    durations_s, onset_s = np.asarray(durations_s, float), np.asarray(onset_s, float)
    pred, offsets = out_of_fold_predictions(win_probs, owner, y, fold)
    pooled = {name: {"false_onsets": 0, "hours": 0.0, "positives": 0, "latencies_s": []} for _, name in CLASSES}
    per_fold = []
    for k, d in zip(np.unique(fold), offsets):
        rest, here = fold != k, fold == k
        w_rest, o_rest = subset_clips(win_probs, owner, rest)
        w_rest = shifted(w_rest, d)
        w_here, o_here = subset_clips(win_probs, owner, here)
        w_here = shifted(w_here, d)
        ev = choose_event_settings(w_rest, o_rest, y[rest], durations_s[rest], cooldown_s, onset_s[rest])
        row = {"fold": int(k), "clips": int(here.sum()), "normal_offset": d, "alpha": ev["alpha"],
               "min_duration_s": ev["min_duration_s"]}
        for cls, name in CLASSES:
            r = replay(w_here, o_here, y[here], durations_s[here], cls, ev[name]["on"], ev[name]["off"], ev["alpha"],
                       ev["min_duration_s"], cooldown_s, onset_s[here])
            row[name] = {"on": ev[name]["on"], "false_onsets": r["false_onsets"],
                         "heard": len(r["latencies_s"]), "positives": r["positives"]}
            p = pooled[name]
            p["false_onsets"] += r["false_onsets"]; p["hours"] += r["hours"]
            p["positives"] += r["positives"]; p["latencies_s"] += r["latencies_s"]
        per_fold.append(row)
    s = summarize(y, pred=pred)
    events = {}
    for _, name in CLASSES:
        p = pooled[name]
        lat = p.pop("latencies_s")
        events[name] = {**p, "heard": len(lat), "per_hour": p["false_onsets"] / p["hours"] if p["hours"] else None,
                        "recall": len(lat) / p["positives"] if p["positives"] else None,
                        "latency_median_s": float(np.median(lat)) if lat else None}
    return {"macro_f1": s["macro_f1"], "confusion": s["confusion"], "per_class": s["per_class"],
            "normal_false_alarms": int(np.sum(pred[y == 2] != 2)), "events": events, "per_fold": per_fold}
