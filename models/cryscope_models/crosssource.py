"""Cross-source validation: folds of whole corpus families (MANIFEST.csv `family`).

Why: validation clips from the same corpora as the training clips hide what a model learned about a
source (its microphone, bandwidth, silence) instead of about crying. The product is judged on
recordings from other sources, so every model choice is made on families the model never saw:
train on the other folds' families, score the held-out ones, pool the held-out predictions.

Fold design (deterministic, no RNG): each family that holds cries or screams goes to its own fold
where possible (largest first), so every fold asks "does it recognise cries/screams from a corpus it
has not heard?"; normal-only families are then dealt, largest first, to the fold with the fewest
normal clips so far. With 5 folds and 5 positive families, e.g. Donate-a-Cry (451 of the 543 cries) is
held out alone with a fifth of the normal families: the other folds' wide-band cries must carry it.
"""
from collections import Counter, defaultdict

import numpy as np

from .audio import Clip
from .splits import read_links

FOLDS = 5


def linked_families(clips: list[Clip], links: list[tuple[str, str]] | None = None) -> dict[str, str]:
    """{family: representative}: families that share a recording (a pair in splits/linked_groups.csv, the
    same audio found in two corpora) are held out together, or the duplicate would sit on both sides."""
    links = read_links() if links is None else links
    fam_of_group = {c.group: c.family for c in clips}
    root: dict[str, str] = {}

    def find(f):
        while root.get(f, f) != f:
            f = root[f]
        return f
    for a, b in links:
        if a in fam_of_group and b in fam_of_group:
            ra, rb = find(fam_of_group[a]), find(fam_of_group[b])
            if ra != rb:
                root[max(ra, rb)] = min(ra, rb)
    return {c.family: find(c.family) for c in clips}


def family_folds(clips: list[Clip], k: int = FOLDS, links: list[tuple[str, str]] | None = None) -> dict[str, int]:
    """{family: fold index in [0, k)}; linked families (linked_families) share a fold."""
    rep = linked_families(clips, links)
    counts: dict[str, Counter] = defaultdict(Counter)
    for c in clips:
        counts[rep[c.family]][c.label] += 1
    positive = sorted((f for f, n in counts.items() if n["cry"] + n["scream"] > 0),
                      key=lambda f: (-(counts[f]["cry"] + counts[f]["scream"]), f))
    normal_only = sorted((f for f in counts if f not in positive), key=lambda f: (-counts[f]["normal"], f))
    fold_of: dict[str, int] = {}
    load = np.zeros((k, 3))  # cry, scream, normal clips per fold
    for i, f in enumerate(positive):
        # the first k positive families get a fold each; later ones join the fold with fewest positives
        j = i if i < k else int(np.argmin(load[:, 0] + load[:, 1]))
        fold_of[f] = j
        load[j] += [counts[f]["cry"], counts[f]["scream"], counts[f]["normal"]]
    for f in normal_only:
        j = int(np.argmin(load[:, 2]))
        fold_of[f] = j
        load[j, 2] += counts[f]["normal"]
    return {f: fold_of[r] for f, r in rep.items()}


def clip_folds(clips: list[Clip], fold_of: dict[str, int]) -> np.ndarray:
    return np.array([fold_of[c.family] for c in clips])


def per_family(clips: list[Clip], y: np.ndarray, pred: np.ndarray) -> dict:
    """Per held-out family: clips per label and accuracy; for normal clips, how many were called cry/scream."""
    out: dict[str, dict] = {}
    for fam in sorted({c.family for c in clips}):
        ids = [i for i, c in enumerate(clips) if c.family == fam]
        lab = Counter(clips[i].label for i in ids)
        norm = [i for i in ids if y[i] == 2]
        out[fam] = {"n": len(ids), "labels": dict(lab), "accuracy": float(np.mean(pred[ids] == y[ids])),
                    "normal_false_alarms": int(np.sum(pred[norm] != 2)) if norm else 0}
    return out


def worst_normal_categories(clips: list[Clip], y: np.ndarray, pred: np.ndarray, top: int = 10) -> list[dict]:
    """Normal categories by the share of their clips called cry or scream (most false alarms first)."""
    rows = defaultdict(lambda: {"n": 0, "as_cry": 0, "as_scream": 0})
    for i, c in enumerate(clips):
        if y[i] != 2:
            continue
        r = rows[c.category]
        r["n"] += 1
        r["as_cry"] += int(pred[i] == 0)
        r["as_scream"] += int(pred[i] == 1)
    out = [{"category": k, **v, "false_alarm_rate": (v["as_cry"] + v["as_scream"]) / v["n"]} for k, v in rows.items()]
    out.sort(key=lambda r: (-r["false_alarm_rate"], -r["n"], r["category"]))
    return out[:top]
