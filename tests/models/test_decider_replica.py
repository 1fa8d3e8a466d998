"""The Python replica of the core's event rule (which chooses the shipped smoothing and thresholds on held-out
families) must give the same onsets as the WASM Decider the browser runs."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from cryscope_models.decider_replica import HOP_S, back_to_back, onsets

ROOT = Path(__file__).resolve().parents[2]
WASM = Path(os.environ.get("CRYSCOPE_WASM_DIST", ROOT / "wasm" / "dist")) / "cryscope_core.mjs"


def test_hysteresis_min_duration_and_cooldown():
    seq = np.array([0.1, 0.9, 0.9, 0.9, 0.5, 0.9, 0.1, 0.1, 0.9, 0.1, 0.1, 0.1, 0.1, 0.9, 0.1])
    # no smoothing: one long episode (0.5 stays above off 0.4); the blip at 4.0 s is inside the 2 s cooldown
    # that began at the offset (3.0 s); the blip at 6.5 s is not
    # (updates every 0.5 s here, as written; the shipped grid is HOP_S)
    assert onsets(seq, on=0.6, off=0.4, alpha=1.0, min_duration_s=0.0, hop_s=0.5) == [1, 13]
    # a 1 s minimum episode: the onset waits until the run spans 1 s; single-window blips never fire
    assert onsets(seq, on=0.6, off=0.4, alpha=1.0, min_duration_s=1.0, hop_s=0.5) == [3]
    # EMA 0.5 delays the rise: 0.1 -> 0.5 -> 0.7
    assert onsets(seq, on=0.6, off=0.4, alpha=0.5, min_duration_s=0.0, hop_s=0.5) == [2]
    assert onsets(seq, on=0.6, off=0.4, alpha=1.0, cooldown_s=0.0, hop_s=0.5) == [1, 8, 13]
    # on the shipped 0.25 s grid the same updates span half the time: the cooldown that began at the offset
    # (update 6, 1.5 s) now lasts to 3.5 s, past the blip at update 13 (3.25 s)
    assert HOP_S == 0.25
    assert onsets(seq, on=0.6, off=0.4, alpha=1.0) == [1]
    assert onsets(seq, on=0.6, off=0.4, alpha=1.0, min_duration_s=1.0) == [5]


def test_back_to_back_follows_the_given_clip_order():
    probs = np.arange(12, dtype=np.float32).reshape(6, 2)
    owner = np.array([3, 3, 1, 7, 7, 7])
    assert back_to_back(probs, owner, [7, 3]).tolist() == [[6, 7], [8, 9], [10, 11], [0, 1], [2, 3]]
    assert back_to_back(probs[:, 0], owner, [1]).tolist() == [4]
    assert back_to_back(probs, owner, []).shape == (0, 2)


def _random_cases(n, rng):
    cases = []
    for _ in range(n):
        length = int(rng.integers(5, 120))
        # bursts: smooth random walks with jumps, so runs, dips below off and cooldowns all happen
        cry = np.clip(np.cumsum(rng.normal(0, 0.25, length)) * 0.3 + rng.uniform(0, 0.6), 0, 0.95)
        cry = np.where(rng.random(length) < 0.1, rng.uniform(0, 0.95, length), cry)
        scream = np.clip((1 - cry) * rng.uniform(0, 1, length), 0, 1 - cry)
        on = float(np.round(rng.uniform(0.3, 0.95), 2))
        cases.append({"cry": np.round(cry, 4).tolist(), "scream": np.round(scream, 4).tolist(), "on": on,
                      "off": float(np.round(max(0.1, on - rng.choice([0.1, 0.2, 0.3])), 2)),
                      "alpha": float(rng.choice([0.3, 0.5, 0.7, 1.0])),
                      "min_duration_s": float(rng.choice([0.0, 0.5, 1.0, 1.5])),
                      "cooldown_s": float(rng.choice([0.0, 1.0, 2.0]))})
    return cases


def test_replica_matches_the_wasm_decider():
    node = shutil.which("node")
    if not WASM.exists() or node is None:
        if os.environ.get("CI"):
            pytest.fail(f"{WASM} (or node) missing: scripts/wasm-setup.sh runs before the models tests in CI")
        pytest.skip(f"{WASM} not built (scripts/wasm-setup.sh)")
    cases = _random_cases(300, np.random.default_rng(7))
    r = subprocess.run([node, str(ROOT / "tests" / "models" / "decider_replay.mjs")], input=json.dumps(
        {"hop": HOP_S, "cases": cases}), capture_output=True, text=True, check=True, timeout=120)
    got = json.loads(r.stdout)
    fired = 0
    for k, c in enumerate(cases):
        for lab in ("cry", "scream"):
            # the Decider smooths the fused vector and thresholds each class independently
            want = onsets(np.array(c[lab]), c["on"], c["off"], c["alpha"], c["min_duration_s"], c["cooldown_s"])
            assert got[lab][k] == want, (k, lab, c)
            fired += len(want)
    assert fired > 100  # the cases do exercise onsets
